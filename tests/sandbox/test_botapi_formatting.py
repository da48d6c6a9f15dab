"""Telegram's HTML and MarkdownV2 parsing rules, checked without a server."""

from __future__ import annotations

import pytest

from sandbox.botapi.htmlparse import EmptyTextError, EntityParseError, parse_html
from sandbox.botapi.markdown import parse_markdown_v2


def test_html_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_html('😀 <b>停电</b> <a href="https://example.com/x">三天</a>')
    assert text == "😀 停电 三天"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 2},  # the emoji counts as two UTF-16 units
        {"type": "text_link", "offset": 6, "length": 2, "url": "https://example.com/x"},
    ]


def test_html_character_references_are_decoded() -> None:
    assert parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#39; &#x4E2D;")[0] == 'a <b> & "c" \' 中'


def test_pre_with_code_language_is_one_pre_entity() -> None:
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert text == "x = 1"
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


def test_surrounding_whitespace_is_stripped_like_telegram() -> None:
    assert parse_html("  \n<b> 你好 </b>\n ") == ("你好", [{"type": "bold", "offset": 0, "length": 2}])


@pytest.mark.parametrize(("source", "message"), [
    ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
    ("停电 <3天 了", 'Unsupported start tag "3天" at byte offset 7'),  # byte offsets count UTF-8 bytes
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
])
def test_invalid_html_fails_with_telegrams_message(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as error:
        parse_html(source)
    assert str(error.value) == message


def test_bare_ampersand_rejected_by_default_but_telegram_mode_keeps_it() -> None:
    with pytest.raises(EntityParseError, match='Unescaped "&" at byte offset 2'):
        parse_html("A & B")
    assert parse_html("A & B", strict_ampersand=False) == ("A & B", [])


def test_markup_only_text_is_empty() -> None:
    with pytest.raises(EmptyTextError):
        parse_html("<b>  </b>")


def test_markdown_v2_requires_escaping_reserved_characters() -> None:
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        parse_markdown_v2("停电了.")
    assert parse_markdown_v2(r"*停电* 了\.") == ("停电 了.", [{"type": "bold", "offset": 0, "length": 2}])


def test_markdown_v2_links_code_and_unclosed_entities() -> None:
    text, entities = parse_markdown_v2(r"[单号](https://x.cn/a\)b) `a\`b`")
    assert text == "单号 a`b"
    assert entities[0] == {"type": "text_link", "offset": 0, "length": 2, "url": "https://x.cn/a)b"}
    assert entities[1] == {"type": "code", "offset": 3, "length": 3}
    with pytest.raises(EntityParseError, match="Can't find end of Italic entity at byte offset 0"):
        parse_markdown_v2("_open")
