"""Maintaining the message catalogs: extract, update, compile.

The equivalent pybabel commands, run from the repository root::

    pybabel extract -F babel.cfg -k t -o locales/messages.pot .
    pybabel update -i locales/messages.pot -d locales -l zh_CN   # and -l en
    pybabel compile -d locales

These functions drive Babel's API instead (no subprocess, no chdir, paths
relative to the repository root in the template), and `compile()` also checks
that every translation uses only the ``{placeholders}`` of its source text,
since a wrong one would only show up as an error when the message is sent.

Also runnable: ``python -m bot.i18n_tools extract|update|compile|all``.
"""

from __future__ import annotations

import datetime as _dt
import os
import string
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "messages"
LOCALES = ("zh_CN", "en")
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None}  # t(message, **params): the first argument
COMMENT_TAGS = ("TRANSLATORS:",)
WIDTH = 76

__all__ = ["CatalogError", "Problem", "check_catalog", "compile", "extract", "update"]


@dataclass(frozen=True)
class Problem:
    locale: str
    msgid: str
    text: str
    fatal: bool

    def __str__(self) -> str:
        kind = "error" if self.fatal else "warning"
        return f"{self.locale}: {kind}: {self.text} in translation of {self.msgid!r}"


class CatalogError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _paths(root: Path | str | None) -> tuple[Path, Path, Path]:
    root = Path(root) if root is not None else ROOT
    locales_dir = root / "locales"
    return root, locales_dir, locales_dir / f"{DOMAIN}.pot"


def _po_path(locales_dir: Path, locale: str) -> Path:
    return locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _message_signature(catalog: Catalog) -> list[tuple]:
    return [
        (m.id, m.context, tuple(m.locations), tuple(m.auto_comments), tuple(sorted(m.flags)))
        for m in catalog
        if m.id
    ]


def extract(root: Path | str | None = None, *, mapping: Path | str | None = None) -> Path:
    """Scan the sources named by ``babel.cfg`` and write ``locales/messages.pot``.

    The file is left untouched when the messages did not change, so re-running
    it does not churn the creation date.
    """
    root, locales_dir, pot_path = _paths(root)
    mapping_path = Path(mapping) if mapping is not None else root / "babel.cfg"
    with mapping_path.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(mapping_path))

    catalog = Catalog(
        project="Lianxin",
        version="0.1",
        copyright_holder="Lianxin",
        charset="utf-8",
        fuzzy=False,
        creation_date=_now(),
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        location = (Path(filename).as_posix(), lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)

    if pot_path.is_file():
        with pot_path.open("rb") as fh:
            old = read_po(fh)
        if _message_signature(old) == _message_signature(catalog):
            return pot_path
    locales_dir.mkdir(parents=True, exist_ok=True)
    with pot_path.open("wb") as fh:
        write_po(fh, catalog, width=WIDTH, sort_by_file=True)
    return pot_path


def update(root: Path | str | None = None, locales: Iterable[str] = LOCALES) -> list[Path]:
    """Merge ``messages.pot`` into each locale's ``messages.po`` (creating it if new).

    New messages arrive untranslated; changed ones come back marked fuzzy (a
    guess the translator must confirm; `compile()` leaves fuzzy ones out);
    removed ones are kept as obsolete ``#~`` entries.
    """
    root, locales_dir, pot_path = _paths(root)
    with pot_path.open("rb") as fh:
        template = read_po(fh)
    written = []
    for identifier in locales:
        Locale.parse(identifier)  # fail early on a misspelt locale
        locale = identifier  # a string keeps "Language: zh_CN" (not zh_Hans_CN)
        po_path = _po_path(locales_dir, identifier)
        if po_path.is_file():
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=locale, domain=DOMAIN)
            catalog.update(template, update_header_comment=False)
        else:
            with pot_path.open("rb") as fh:
                catalog = read_po(fh, locale=locale, domain=DOMAIN)
            catalog.locale = locale
            catalog.revision_date = _now()
            catalog.fuzzy = False
        po_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("wb") as fh:
            write_po(fh, catalog, width=WIDTH)
        written.append(po_path)
    return written


def _placeholders(text: str) -> set[str]:
    """Top-level names used by a ``str.format`` template (``{a.b}`` -> ``a``)."""
    names = set()
    for _literal, field, _spec, _conversion in string.Formatter().parse(text):
        if field is None:
            continue
        head = field.split(".", 1)[0].split("[", 1)[0]
        names.add(head)
    return names


def check_catalog(catalog: Catalog, locale: str = "") -> list[Problem]:
    """Placeholder problems in the translated (non-fuzzy) messages of `catalog`.

    Fatal: a translation that is not a valid template, or that uses a
    placeholder its source text does not have (rendering would fail).
    Warning: a translation that leaves out one of the source's placeholders.
    """
    problems = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strs = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        try:
            source = set().union(*(_placeholders(i) for i in ids))
        except ValueError:
            continue  # not a brace template at all (e.g. literal braces in a %-style message)
        for translated in strs:
            if not translated:
                continue
            key = ids[0]
            try:
                used = _placeholders(translated)
            except ValueError as exc:
                problems.append(Problem(locale, key, f"malformed template ({exc})", True))
                continue
            for name in sorted(used - source):
                problems.append(Problem(locale, key, f"unknown placeholder {{{name}}}", True))
            for name in sorted(source - used):
                problems.append(Problem(locale, key, f"missing placeholder {{{name}}}", False))
    return problems


def compile(  # noqa: A001 - the pybabel command's name
    root: Path | str | None = None,
    locales: Iterable[str] | None = None,
    *,
    strict: bool = True,
) -> list[Path]:
    """Compile each ``locales/<locale>/LC_MESSAGES/messages.po`` to ``.mo``.

    Fuzzy entries are left out (as ``pybabel compile`` does). With `strict`,
    fatal placeholder problems raise `CatalogError` and nothing is written;
    warnings are printed to stderr.
    """
    root, locales_dir, _ = _paths(root)
    if locales is None:
        locales = sorted(p.parent.parent.name for p in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    catalogs = []
    problems: list[Problem] = []
    for identifier in locales:
        po_path = _po_path(locales_dir, identifier)
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=identifier, domain=DOMAIN)
        problems += check_catalog(catalog, identifier)
        catalogs.append((po_path.with_suffix(".mo"), catalog))
    fatal = [p for p in problems if p.fatal]
    if strict and fatal:
        raise CatalogError(fatal)
    for problem in problems:
        print(problem, file=sys.stderr)
    written = []
    for mo_path, catalog in catalogs:
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        os.replace(tmp, mo_path)
        written.append(mo_path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    commands = {"extract", "update", "compile", "all"}
    if len(args) != 1 or args[0] not in commands:
        print("usage: python -m bot.i18n_tools extract|update|compile|all", file=sys.stderr)
        return 2
    command = args[0]
    try:
        if command in ("extract", "all"):
            print(f"extracted {extract()}")
        if command in ("update", "all"):
            for path in update():
                print(f"updated {path}")
        if command in ("compile", "all"):
            for path in compile():
                print(f"compiled {path}")
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
