"""Telegram's parse_mode=HTML: markup -> (plain text, MessageEntity list).

Follows the behaviour of Telegram's server-side parser: a fixed set of tags,
error messages quoting the *UTF-8 byte* offset of the offending "<", entity
offsets/lengths in *UTF-16 code units*, and leading/trailing whitespace of the
result stripped. One deliberate difference, on by default: a bare "&" that does
not start an entity is rejected (Telegram keeps it literally), because a bot
that forgets to escape "&" in user input also forgets "<", which Telegram
rejects — better to fail here on the first user who types "A&B".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SUPPORTED_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
     "code", "pre", "blockquote", "tg-emoji"}
)
_SIMPLE_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler", "code": "code",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,4}));")
_UNQUOTED_VALUE = re.compile(r"[A-Za-z0-9.\-]*")


class EntityParseError(ValueError):
    """The markup is invalid; str(error) is Telegram's text after "can't parse entities: "."""


class EmptyTextError(ValueError):
    """Nothing is left once tags are removed and whitespace is stripped."""


@dataclass
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the output where the entity begins
    attrs: dict[str, str] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict]]:
    """Parse Telegram HTML; return (plain text, entities) or raise EntityParseError/EmptyTextError."""
    parser = _HtmlParser(source, strict_ampersand)
    parser.run()
    return _strip(parser.text(), parser.entities)


class _HtmlParser:
    def __init__(self, source: str, strict_ampersand: bool) -> None:
        self.src = source
        self.strict_ampersand = strict_ampersand
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict] = []

    def text(self) -> str:
        return "".join(self.out)

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def fail(self, message: str) -> EntityParseError:
        return EntityParseError(message)

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def run(self) -> None:
        src = self.src
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "&":
                self.read_entity()
            elif ch != "<":
                self.emit(ch)
                self.pos += 1
            elif src.startswith("</", self.pos):
                self.close_tag()
            else:
                self.open_tag()
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')

    def read_entity(self) -> None:
        decoded, end = decode_entity(self.src, self.pos)
        if decoded is None:
            if self.strict_ampersand:
                raise self.fail(
                    f'Unescaped "&" at byte offset {self.byte_offset(self.pos)} '
                    "(write &amp;; Telegram itself would keep it literally)"
                )
            decoded, end = "&", self.pos + 1
        self.emit(decoded)
        self.pos = end

    def _skip_spaces(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos].isspace():
            self.pos += 1

    def _peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def open_tag(self) -> None:
        begin = self.pos
        self.pos += 1
        while self._peek() and not self._peek().isspace() and self._peek() != ">":
            self.pos += 1
        if self.pos >= len(self.src):
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = self.src[begin + 1:self.pos].lower()
        if name not in SUPPORTED_TAGS:
            raise self.fail(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        attrs = self.read_attributes(name, begin)
        self.pos += 1  # the ">"
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}')
        self.stack.append(_OpenTag(name, self.utf16, attrs))

    def read_attributes(self, tag: str, begin: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while True:
            self._skip_spaces()
            if self._peek() == ">":
                return attrs
            name_start = self.pos
            while self._peek() and not self._peek().isspace() and self._peek() not in "=>/\"'":
                self.pos += 1
            attr = self.src[name_start:self.pos].lower()
            if not attr:
                raise self.fail(f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(begin)}')
            self._skip_spaces()
            if self._peek() != "=":
                if not self._peek():
                    raise self.fail(f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(begin)}')
                attrs[attr] = ""
                continue
            self.pos += 1
            self._skip_spaces()
            if not self._peek():
                raise self.fail(f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(begin)}')
            attrs[attr] = self.read_attribute_value()
            if not self._peek():
                raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")

    def read_attribute_value(self) -> str:
        quote = self._peek()
        if quote not in "\"'":
            match = _UNQUOTED_VALUE.match(self.src, self.pos)
            assert match is not None  # the pattern accepts the empty string
            self.pos = match.end()
            if self._peek() and not self._peek().isspace() and self._peek() != ">":
                raise self.fail(f"Unexpected end of name token at byte offset {self.byte_offset(self.pos)}")
            return match.group().lower()
        self.pos += 1
        value: list[str] = []
        while self._peek() and self._peek() != quote:
            decoded, end = decode_entity(self.src, self.pos) if self._peek() == "&" else (None, 0)
            if decoded is None:
                decoded, end = self._peek(), self.pos + 1
            value.append(decoded)
            self.pos = end
        if self._peek() == quote:
            self.pos += 1
        return "".join(value)

    def close_tag(self) -> None:
        begin = self.pos
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        self.pos += 2
        while self._peek() and not self._peek().isspace() and self._peek() != ">":
            self.pos += 1
        name = self.src[begin + 2:self.pos].lower()
        self._skip_spaces()
        if self._peek() != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        self.pos += 1
        top = self.stack[-1]
        if name and name != top.name:
            raise self.fail(
                f'Unmatched end tag at byte offset {self.byte_offset(begin)}, '
                f'expected "</{top.name}>", found "</{name}>"'
            )
        self.stack.pop()
        if self.utf16 > top.start:
            self.add_entity(top, self.text()[self._char_index(top.start):])

    def _char_index(self, utf16_offset: int) -> int:
        """Index into the output text of a UTF-16 offset (for the text inside <a>)."""
        text, units = self.text(), 0
        for index, char in enumerate(text):
            if units >= utf16_offset:
                return index
            units += 2 if ord(char) > 0xFFFF else 1
        return len(text)

    def add_entity(self, tag: _OpenTag, inner_text: str) -> None:
        entity = _entity_for(tag, inner_text, self.utf16 - tag.start)
        if entity is None:
            return
        last = self.entities[-1] if self.entities else None
        # <pre><code class="language-x">…</code></pre> is one "pre" entity with a language.
        if (tag.name == "pre" and last and last["type"] == "code"
                and last["offset"] == entity["offset"] and last["length"] == entity["length"]):
            self.entities.pop()
            if "language" in last:
                entity["language"] = last["language"]
        self.entities.append(entity)


def _entity_for(tag: _OpenTag, inner_text: str, length: int) -> dict | None:
    entity: dict = {"offset": tag.start, "length": length}
    if tag.name in _SIMPLE_TYPES:
        entity["type"] = _SIMPLE_TYPES[tag.name]
        language = tag.attrs.get("class", "")
        if tag.name == "code" and language.startswith("language-") and len(language) > 9:
            entity["language"] = language[9:]
    elif tag.name == "pre":
        entity["type"] = "pre"
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    elif tag.name == "tg-emoji":
        emoji_id = tag.attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise EntityParseError("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=emoji_id)
    else:  # "a": Telegram silently drops links whose URL it cannot accept
        url = tag.attrs.get("href") or inner_text
        if not _acceptable_url(url):
            return None
        entity.update(type="text_link", url=url)
    return entity


def _acceptable_url(url: str) -> bool:
    return bool(re.match(r"^(https?://|tg://|ton://)?[^\s<>]+$", url.strip()))


def decode_entity(source: str, index: int) -> tuple[str | None, int]:
    """Decode the character reference at source[index] ("&"); (None, index) if there is none."""
    match = _ENTITY_RE.match(source, index)
    if not match:
        return None, index
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        return (char, match.end()) if char else (None, index)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None, index
    return chr(code), match.end()


def _strip(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip surrounding whitespace like Telegram does, keeping entities aligned."""
    stripped = text.strip()
    if not stripped:
        raise EmptyTextError("text is empty")
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept: list[dict] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, kept
