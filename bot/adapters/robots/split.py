"""Split a digest into messages that each fit a platform's limit, at line boundaries.

`fits(title, lines)` is the platform's own test (bytes of the content, or of the whole request body),
so one splitter serves all three. A single line too long for any message is cut into pieces at
character (never byte) boundaries, so every piece stays valid UTF-8; the pieces follow each other,
and joining them gives the line back.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.adapters.robots.errors import DigestTooLarge

Fits = Callable[[str, list[str]], bool]


def numbered(title: str, index: int, total: int) -> str:
    return f"{title} ({index}/{total})"


def split_digest(title: str, lines: list[str], fits: Fits) -> list[tuple[str, list[str]]]:
    """[(title, lines)] for each message, in order; titles end in "(i/n)" when there is more than one."""
    if fits(title, lines):
        return [(title, list(lines))]
    digits = 1
    while True:
        # Measure with the widest label of this many digits, so the real "(i/n)" always fits.
        widest = numbered(title, 10**digits - 1, 10**digits - 1)
        if not fits(widest, []):
            raise DigestTooLarge(f"the title {title!r} alone does not fit one message")
        parts = _pack(widest, lines, fits)
        if len(str(len(parts))) <= digits:
            return [(numbered(title, i, len(parts)), part) for i, part in enumerate(parts, 1)]
        digits += 1


def _pack(title: str, lines: list[str], fits: Fits) -> list[list[str]]:
    """Greedy: each message takes as many whole lines (or pieces of one) as fit."""
    parts: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        for piece in _pieces(title, line, fits):
            if fits(title, [*current, piece]):
                current.append(piece)
            else:
                parts.append(current)
                current = [piece]
    if current or not parts:
        parts.append(current)
    return parts


def _pieces(title: str, line: str, fits: Fits) -> list[str]:
    """The line itself when it fits a message alone, else the longest prefixes that do."""
    if fits(title, [line]):
        return [line]
    pieces = []
    rest = line
    while rest and not fits(title, [rest]):
        cut = _longest_prefix(title, rest, fits)
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def _longest_prefix(title: str, text: str, fits: Fits) -> int:
    """Binary search on characters: the size only grows with the prefix."""
    low, high = 0, len(text)  # fits(text[:low]) holds, fits(text[:high]) does not
    while high - low > 1:
        middle = (low + high) // 2
        if fits(title, [text[:middle]]):
            low = middle
        else:
            high = middle
    if low == 0:
        raise DigestTooLarge(f"the title {title!r} leaves no room for text")
    return low
