"""Telegram's parse_mode=MarkdownV2 and legacy Markdown -> (plain text, entities).

Covers the constructs bots actually use (bold, italic, underline, strike,
spoiler, code, pre, links, block quotes) and, above all, Telegram's strictness:
in MarkdownV2 every reserved character outside an entity must be escaped with
"\\", which is the classic way a bot works in testing and then fails live on
the first user text containing "." or "-".
"""

from __future__ import annotations

from dataclasses import dataclass

from .htmlparse import EntityParseError, _strip, utf16_len

RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_TOGGLES = {"*": ("bold", "Bold"), "_": ("italic", "Italic"), "__": ("underline", "Underline"),
            "~": ("strikethrough", "Strikethrough"), "||": ("spoiler", "Spoiler")}


@dataclass
class _Open:
    marker: str
    start: int  # UTF-16 offset in the output
    byte_pos: int  # where the marker is in the source, for error messages


class _Builder:
    """Accumulates output text and entities, tracking UTF-16 offsets."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[dict] = []

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def add(self, kind: str, start: int, **extra: str) -> None:
        if self.utf16 > start:
            self.entities.append({"type": kind, "offset": start, "length": self.utf16 - start, **extra})

    def result(self) -> tuple[str, list[dict]]:
        return _strip("".join(self.out), self.entities)


def parse_markdown_v2(source: str) -> tuple[str, list[dict]]:
    """Parse MarkdownV2 or raise EntityParseError/EmptyTextError with Telegram's wording."""
    b = _Builder(source)
    stack: list[_Open] = []
    i, n = 0, len(source)
    quote_start: int | None = None
    while i < n:
        ch = source[i]
        at_line_start = i == 0 or source[i - 1] == "\n"
        if ch == "\\" and i + 1 < n and 0 < ord(source[i + 1]) <= 126:
            b.emit(source[i + 1])
            i += 2
        elif ch == ">" and at_line_start:
            quote_start = b.utf16 if quote_start is None else quote_start
            i += 1
        elif ch == "\n" and quote_start is not None and not source.startswith(">", i + 1):
            b.add("blockquote", quote_start)
            quote_start = None
            b.emit(ch)
            i += 1
        elif ch == "`":
            i = _code_v2(b, i)
        elif ch == "[":
            stack.append(_Open("[", b.utf16, b.byte_offset(i)))
            i += 1
        elif ch == "]" and stack and stack[-1].marker == "[":
            i = _link_end(b, stack.pop(), i)
        else:
            marker = _toggle_marker(source, i, stack)
            if marker is None:
                if ch in RESERVED_V2:
                    raise EntityParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
                b.emit(ch)
                i += 1
                continue
            if stack and stack[-1].marker == marker:
                opened = stack.pop()
                b.add(_TOGGLES[marker][0], opened.start)
            else:
                stack.append(_Open(marker, b.utf16, b.byte_offset(i)))
            i += len(marker)
    if quote_start is not None:
        b.add("blockquote", quote_start)
    if stack:
        name = "TextUrl" if stack[-1].marker == "[" else _TOGGLES[stack[-1].marker][1]
        raise EntityParseError(f"Can't find end of {name} entity at byte offset {stack[-1].byte_pos}")
    return b.result()


def _toggle_marker(source: str, i: int, stack: list[_Open]) -> str | None:
    if source.startswith("||", i):
        return "||"
    if source.startswith("__", i) and not (stack and stack[-1].marker == "_"):
        return "__"
    return source[i] if source[i] in "*_~" else None


def _code_v2(b: _Builder, i: int) -> int:
    """`code` or ```lang\\npre```; inside, only "`" and "\\" are escaped."""
    src = b.src
    fence = "```" if src.startswith("```", i) else "`"
    j = i + len(fence)
    language = ""
    if fence == "```":
        newline = src.find("\n", j)
        first_line = src[j:newline] if newline != -1 else ""
        if newline != -1 and first_line and not any(c.isspace() for c in first_line):
            language, j = first_line, newline + 1
    start = b.utf16
    while j < len(src) and not src.startswith(fence, j):
        if src[j] == "\\" and j + 1 < len(src) and src[j + 1] in "`\\":
            j += 1
        b.emit(src[j])
        j += 1
    if j >= len(src):
        name = "Pre" if fence == "```" else "Code"
        raise EntityParseError(f"Can't find end of {name} entity at byte offset {b.byte_offset(i)}")
    if fence == "```":
        b.add("pre", start, **({"language": language} if language else {}))
    else:
        b.add("code", start)
    return j + len(fence)


def _link_end(b: _Builder, opened: _Open, i: int) -> int:
    """After "]": "(url)" follows, where only ")" and "\\" are escaped."""
    src = b.src
    if not src.startswith("(", i + 1):
        raise EntityParseError("Character ']' is reserved and must be escaped with the preceding '\\'")
    j, url = i + 2, []
    while j < len(src) and src[j] != ")":
        if src[j] == "\\" and j + 1 < len(src):
            j += 1
        url.append(src[j])
        j += 1
    if j >= len(src):
        raise EntityParseError(f"Can't find end of a URL at byte offset {b.byte_offset(i + 1)}")
    b.add("text_link", opened.start, url="".join(url))
    return j + 1


def parse_markdown_legacy(source: str) -> tuple[str, list[dict]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url); "\\" escapes _*`[."""
    b = _Builder(source)
    kinds = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            b.emit(source[i + 1])
            i += 2
            continue
        marker = "```" if source.startswith("```", i) else ch
        if marker not in kinds and marker != "[":
            b.emit(ch)
            i += 1
            continue
        closing = "]" if marker == "[" else marker
        end = source.find(closing, i + len(marker))
        if end == -1:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {b.byte_offset(i)}")
        start = b.utf16
        b.emit(source[i + len(marker):end])
        if marker == "[":
            close_paren = source.find(")", end) if source.startswith("(", end + 1) else -1
            if close_paren == -1:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {b.byte_offset(i)}")
            b.add("text_link", start, url=source[end + 2:close_paren])
            i = close_paren + 1
        else:
            b.add(kinds[marker], start)
            i = end + len(marker)
    return b.result()
