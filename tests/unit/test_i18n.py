"""bot.i18n: catalog lookup, English fallback, nested messages, HTML escaping,
language negotiation; bot.i18n_tools: extract/update/compile on a scratch tree."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import i18n_tools
from bot.i18n import LOCALES_DIR, Translator
from handlers.messages import Msg, plain, t

ZH_PO = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\n"
"Language: zh_CN\n"

msgid "Ticket {number} accepted"
msgstr "工单 {number} 已受理"

msgid "Category: {category}"
msgstr "<b>类别</b>：{category}"

msgid "Power cut"
msgstr "停电"

msgid "{who} reported: {text}"
msgstr "<i>{who}</i> 反映：{text}"

msgid "Hello {name}"
msgstr "你好 {nmae}"

msgid "{count:d} tickets overdue"
msgstr "{count:d} 张工单已超期"

#, fuzzy
msgid "Not reviewed yet"
msgstr "还没审"
"""


def compile_po(locales_dir: Path, locale: str, po_text: str) -> None:
    catalog = read_po(io.StringIO(textwrap.dedent(po_text).lstrip()), locale=locale)
    target = locales_dir / locale / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)


@pytest.fixture
def translator(tmp_path: Path) -> Translator:
    compile_po(tmp_path, "zh_CN", ZH_PO)
    return Translator(tmp_path, default_locale="zh_CN")


def test_renders_translation_with_params(translator: Translator) -> None:
    assert translator.render(t("Ticket {number} accepted", number="A-0042"), "zh_CN") == "工单 A-0042 已受理"


def test_untranslated_key_falls_back_to_english_source(translator: Translator) -> None:
    msg = t("Deadline passed for {number}", number=7)
    assert translator.render(msg, "zh_CN") == "Deadline passed for 7"
    assert translator.render(t("Ticket {number} accepted", number=7), "en") == "Ticket 7 accepted"


def test_fuzzy_translations_are_not_used(translator: Translator) -> None:
    assert translator.render(t("Not reviewed yet"), "zh_CN") == "Not reviewed yet"


def test_nested_msg_rendered_in_same_locale(translator: Translator) -> None:
    msg = t("Category: {category}", category=t("Power cut"))
    assert translator.render(msg, "zh_CN") == "<b>类别</b>：停电"
    assert translator.render(msg, "en") == "Category: Power cut"


def test_html_escapes_params_but_keeps_template_markup(translator: Translator) -> None:
    msg = t("{who} reported: {text}", who=plain("<b>Wang & Sons</b>"), text='fence "broken" <script>')
    rendered = translator.render(msg, "zh_CN", html=True)
    assert rendered == (
        "<i>&lt;b&gt;Wang &amp; Sons&lt;/b&gt;</i> 反映：fence &quot;broken&quot; &lt;script&gt;"
    )
    # Without html nothing is escaped.
    assert translator.render(msg, "zh_CN") == '<i><b>Wang & Sons</b></i> 反映：fence "broken" <script>'


def test_html_nested_template_markup_survives_and_is_escaped_once(translator: Translator) -> None:
    inner = t("Category: {category}", category=plain("a<b"))
    outer = t("{who} reported: {text}", who="x&y", text=inner)
    assert translator.render(outer, "zh_CN", html=True) == "<i>x&amp;y</i> 反映：<b>类别</b>：a&lt;b"


def test_format_spec_applies_before_escaping(translator: Translator) -> None:
    assert translator.render(t("{count:d} tickets overdue", count=3), "zh_CN", html=True) == "3 张工单已超期"


def test_broken_translation_falls_back_to_source(translator: Translator) -> None:
    # The zh template uses {nmae}; the message must still go out, in English.
    assert translator.render(t("Hello {name}", name="<Li>"), "zh_CN", html=True) == "Hello &lt;Li&gt;"


def test_missing_param_in_source_is_a_programming_error(translator: Translator) -> None:
    with pytest.raises(KeyError):
        translator.render(t("Deadline passed for {number}"), "zh_CN")


def test_plain_text_is_never_translated(translator: Translator) -> None:
    assert translator.render(plain("Power cut"), "zh_CN") == "Power cut"
    assert translator.render(Msg("", {}), "zh_CN") == ""  # never the catalog header


def test_render_accepts_telegram_language_codes(translator: Translator) -> None:
    msg = t("Power cut")
    assert translator.render(msg, "zh-hans") == "停电"
    assert translator.render(msg, "en-US") == "Power cut"
    assert translator.render(msg, None) == "停电"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hans", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh_CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh-hant", "zh_CN"),  # the only Chinese catalog beats the default rule
        ("en-US", "en"),
        ("en", "en"),
        ("EN-gb", "en"),
        ("fr", "zh_CN"),
        ("pt-br", "zh_CN"),
        ("", "zh_CN"),
        (None, "zh_CN"),
        ("not a tag!", "zh_CN"),
    ],
)
def test_negotiate(translator: Translator, code: str | None, expected: str) -> None:
    assert translator.negotiate(code) == expected


def test_negotiate_prefers_matching_territory(tmp_path: Path) -> None:
    compile_po(tmp_path, "zh_CN", ZH_PO)
    compile_po(tmp_path, "zh_TW", ZH_PO)
    compile_po(tmp_path, "fr", ZH_PO)
    tr = Translator(tmp_path)
    assert tr.available_locales() == ["en", "fr", "zh_CN", "zh_TW"]
    assert tr.negotiate("zh-hant") == "zh_TW"
    assert tr.negotiate("zh-TW") == "zh_TW"
    assert tr.negotiate("zh-hans") == "zh_CN"
    assert tr.negotiate("fr-CA") == "fr"


def test_available_locales_always_has_default_and_source(tmp_path: Path) -> None:
    assert Translator(tmp_path / "missing").available_locales() == ["en", "zh_CN"]


def test_repository_catalogs_load() -> None:
    tr = Translator(LOCALES_DIR)
    assert {"zh_CN", "en"} <= set(tr.available_locales())
    assert tr.render(t("Ticket {number} accepted", number=1), "en") == "Ticket 1 accepted"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_repository_mo_files_are_compiled_from_po(locale: str) -> None:
    """A .po edited without running `compile` would silently not take effect."""
    po = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    fresh = io.BytesIO()
    write_mo(fresh, catalog)
    committed = (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert committed == fresh.getvalue(), "run: python -m bot.i18n_tools compile"


# -- bot.i18n_tools -------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "bot").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "babel.cfg").write_text((Path(i18n_tools.ROOT) / "babel.cfg").read_text())
    (tmp_path / "handlers" / "flow.py").write_text(
        textwrap.dedent(
            """
            from handlers.messages import t

            def ask():
                # TRANSLATORS: shown after the resident submits a report
                return t("Ticket {number} accepted", number=1)

            def kinds():
                return [t("Power cut"), t("Labor shortage")]
            """
        )
    )
    (tmp_path / "bot" / "shell.py").write_text('from handlers.messages import t\nX = t("Choose a language")\n')
    (tmp_path / "other" / "skip.py").write_text('t("Not extracted")\n')
    return tmp_path


def test_extract_update_compile_roundtrip(project: Path) -> None:
    pot = i18n_tools.extract(project)
    with pot.open("rb") as fh:
        template = read_po(fh)
    ids = {m.id: m for m in template if m.id}
    assert set(ids) == {"Ticket {number} accepted", "Power cut", "Labor shortage", "Choose a language"}
    accepted = ids["Ticket {number} accepted"]
    assert accepted.locations == [("handlers/flow.py", 6)]
    assert accepted.auto_comments == ["shown after the resident submits a report"]

    before = pot.read_bytes()
    i18n_tools.extract(project)
    assert pot.read_bytes() == before  # unchanged messages: file untouched

    po_paths = i18n_tools.update(project, ["zh_CN", "en"])
    zh_po = project / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    assert zh_po in po_paths
    assert '"Language: zh_CN\\n"' in zh_po.read_text(encoding="utf-8")

    text = zh_po.read_text(encoding="utf-8").replace(
        'msgid "Power cut"\nmsgstr ""', 'msgid "Power cut"\nmsgstr "停电"'
    )
    zh_po.write_text(text, encoding="utf-8")
    i18n_tools.update(project, ["zh_CN", "en"])  # keeps the translation
    assert 'msgstr "停电"' in zh_po.read_text(encoding="utf-8")

    written = i18n_tools.compile(project)
    assert sorted(p.parent.parent.name for p in written) == ["en", "zh_CN"]
    tr = Translator(project / "locales")
    assert tr.render(t("Power cut"), "zh_CN") == "停电"
    assert tr.render(t("Labor shortage"), "zh_CN") == "Labor shortage"


def test_compile_rejects_unknown_placeholders(project: Path) -> None:
    i18n_tools.extract(project)
    i18n_tools.update(project, ["zh_CN"])
    zh_po = project / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    text = zh_po.read_text(encoding="utf-8").replace(
        'msgid "Ticket {number} accepted"\nmsgstr ""',
        'msgid "Ticket {number} accepted"\nmsgstr "工单 {numbre} 已受理"',
    )
    zh_po.write_text(text, encoding="utf-8")
    with pytest.raises(i18n_tools.CatalogError, match="numbre"):
        i18n_tools.compile(project)
    assert not (zh_po.with_suffix(".mo")).exists()
    i18n_tools.compile(project, strict=False)
    assert zh_po.with_suffix(".mo").exists()


def test_chinese_sets_no_space_after_full_width_punctuation_a_parameter_brought():
    """"预计 {day} 前办结" with a provisional day reads "预计 2027-01-21（暂定）前办结"."""
    translator = Translator()
    day = t("{day} (provisional)", day=plain("2027-01-21"))
    assert translator.render(t("Expected to be settled by {day}\n", day=day), "zh_CN") == "预计 2027-01-21（暂定）前办结\n"
    assert translator.render(t("Expected to be settled by {day}\n", day=day), "en") == \
        "Expected to be settled by 2027-01-21 (provisional)\n"
