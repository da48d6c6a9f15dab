"""bot.render: a core Reply as HTML text parts and keyboards, the same for every framework."""

from __future__ import annotations

from bot.i18n import Translator
from bot.render import (MAX_CAPTION, MAX_TEXT, ContactKeyboard, InlineKeyboard, Part, RemoveKeyboard, fits_caption,
                        render_reply, split_html, utf16_len, visible_len)
from handlers.messages import plain, t
from handlers.seam import Address, Button, Reply

TO = Address("telegram", "1001")
translator = Translator()


def reply(text, **kwargs) -> Reply:
    return Reply(to=TO, locale=kwargs.pop("locale", "en"), text=text, **kwargs)


def test_short_text_is_one_part() -> None:
    rendered = render_reply(reply(plain("你好")), translator)
    assert rendered.texts == ["你好"]
    assert rendered.parts[0].keyboard is None


def test_long_text_is_split_on_lines_without_losing_any() -> None:
    lines = [f"第{i}行：" + "停电三天了" * (i % 40 + 1) for i in range(600)]
    text = "\n".join(lines)
    assert len(text) > 3 * MAX_TEXT
    buttons = ((Button(plain("接单"), "take:7"), Button(plain("转办"), "forward:7")),)
    rendered = render_reply(reply(plain(text), buttons=buttons), translator)
    texts = rendered.texts
    assert len(texts) >= 4
    assert all(utf16_len(part) <= MAX_TEXT for part in texts)
    assert "\n".join(texts) == text  # cut only between lines, nothing lost
    assert [p.keyboard for p in rendered.parts[:-1]] == [None] * (len(texts) - 1)
    assert rendered.parts[-1].keyboard == InlineKeyboard(((("接单", "take:7"), ("转办", "forward:7")),))


def test_an_overlong_line_is_cut_outside_tags_and_entities() -> None:
    text = "<b>" + "a&amp;b " * 2000 + "</b>\n" + "😀" * 3000
    parts = split_html(text)
    assert all(visible_len(part) <= MAX_TEXT for part in parts)
    for part in parts:
        assert part.count("<b>") == part.count("</b>")  # closed and reopened across a cut
        assert "&amp" not in part.replace("&amp;", "")  # no entity cut in half
    visible = "".join(p.replace("<b>", "").replace("</b>", "") for p in parts)
    assert visible.replace("\n", "") == text.replace("<b>", "").replace("</b>", "").replace("\n", "")


def test_length_is_counted_as_telegram_does_after_entity_parsing() -> None:
    """A legal 2,000-character description of "&" is 10,000 characters of HTML but one message."""
    rendered = render_reply(reply(t("Description: {text}", text="&" * 2000)), translator)
    assert len(rendered.texts) == 1 and rendered.texts[0].count("&amp;") == 2000
    assert visible_len("<b>a&amp;b</b>&#128512;") == 5  # tags nothing, an entity its character (😀 is 2 units)
    assert fits_caption(Part("<b>" + "&lt;" * MAX_CAPTION + "</b>"))
    assert not fits_caption(Part("&lt;" * (MAX_CAPTION + 1)))


def test_a_long_text_of_entities_is_cut_by_what_shows() -> None:
    parts = split_html("&lt;" * 5000)
    assert [visible_len(part) for part in parts] == [MAX_TEXT, 5000 - MAX_TEXT]
    assert "".join(parts) == "&lt;" * 5000


def test_user_text_is_escaped_for_html() -> None:
    rendered = render_reply(reply(t("{who} reported: {text}", who="王老板", text="<script>&")), translator)
    assert rendered.texts == ["王老板 reported: &lt;script&gt;&amp;"]


def test_button_labels_in_the_recipients_locale_and_not_escaped() -> None:
    buttons = ((Button(plain("A & <B>"), "x:1"),), (Button(plain("C"), "y:2"),))
    keyboard = render_reply(reply(plain("hi"), buttons=buttons), translator).parts[-1].keyboard
    assert keyboard == InlineKeyboard(((("A & <B>", "x:1"),), (("C", "y:2"),)))


def test_ask_contact_is_a_one_time_contact_keyboard() -> None:
    keyboard = render_reply(reply(plain("Your phone?"), ask_contact=plain("Share my number")),
                            translator).parts[-1].keyboard
    assert keyboard == ContactKeyboard("Share my number")


def test_remove_keyboard() -> None:
    keyboard = render_reply(reply(plain("thanks"), remove_keyboard=True), translator).parts[-1].keyboard
    assert keyboard == RemoveKeyboard()
