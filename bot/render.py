"""A core `Reply` as what a Telegram bot sends, whatever the framework: HTML text parts
and keyboards described as plain values (each adapter turns them into its own markup).

* the text is rendered with :class:`bot.i18n.Translator` in the reply's locale with
  ``html=True`` (parameters escaped, the template's own markup kept) and sent with
  parse mode HTML;
* text longer than Telegram's 4096 characters (as Telegram counts them: after entity
  parsing) is split on line boundaries (an overlong line is cut, never inside a tag or an
  ``&entity;``; tags open across a cut are closed and reopened), and the keyboard goes on
  the last part;
* ``Reply.buttons`` become an `InlineKeyboard`, labels rendered in the same locale as
  plain text, callback data = ``Button.payload``;
* ``Reply.ask_contact`` becomes a `ContactKeyboard` (a one-button reply keyboard that
  shares the phone number); ``Reply.remove_keyboard`` a `RemoveKeyboard`.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

from bot.i18n import Translator
from handlers.seam import Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's limit for one message's text
MAX_CAPTION = 1024  # and for a photo's or document's caption
PARSE_MODE = "HTML"

__all__ = ["MAX_CAPTION", "MAX_TEXT", "PARSE_MODE", "ContactKeyboard", "InlineKeyboard", "Keyboard", "Part",
           "RemoveKeyboard", "Rendered", "fits_caption", "render_reply", "split_html", "utf16_len",
           "visible_len"]


@dataclass(frozen=True)
class InlineKeyboard:
    rows: tuple[tuple[tuple[str, str], ...], ...]  # (label, callback data)


@dataclass(frozen=True)
class ContactKeyboard:
    """A one-time reply keyboard whose one button shares the person's phone number."""

    label: str


@dataclass(frozen=True)
class RemoveKeyboard:
    pass


Keyboard = InlineKeyboard | ContactKeyboard | RemoveKeyboard


@dataclass(frozen=True)
class Part:
    text: str  # HTML
    keyboard: Keyboard | None = None


@dataclass(frozen=True)
class Rendered:
    """One `Reply`, ready to send: parts in order (send each; the first may be an edit)."""

    parts: tuple[Part, ...]
    inline_keyboard: InlineKeyboard | None  # also on the last part, if any buttons

    @property
    def texts(self) -> list[str]:
        return [part.text for part in self.parts]


def render_reply(reply: Reply, translator: Translator, *, limit: int = MAX_TEXT) -> Rendered:
    text = translator.render(reply.text, reply.locale, html=True)
    texts = split_html(text, limit)
    inline = inline_keyboard(reply, translator)
    other = reply_keyboard(reply, translator)
    markups: list[Keyboard | None] = [None] * len(texts)
    if inline is not None:
        markups[-1] = inline
        if other is not None:
            if len(texts) > 1:
                markups[0] = other
            else:  # one message cannot carry both; the buttons matter more here
                log.warning("reply %r has both inline buttons and a reply keyboard; dropping the latter",
                            reply.text.key)
    elif other is not None:
        markups[-1] = other
    return Rendered(tuple(Part(t, m) for t, m in zip(texts, markups, strict=True)), inline)


def inline_keyboard(reply: Reply, translator: Translator) -> InlineKeyboard | None:
    rows = tuple(
        tuple((translator.render(button.label, reply.locale), button.payload) for button in row)
        for row in reply.buttons if row
    )
    return InlineKeyboard(rows) if rows else None


def reply_keyboard(reply: Reply, translator: Translator) -> ContactKeyboard | RemoveKeyboard | None:
    if reply.ask_contact is not None:
        return ContactKeyboard(translator.render(reply.ask_contact, reply.locale))
    if reply.remove_keyboard:
        return RemoveKeyboard()
    return None


# -- splitting ------------------------------------------------------------
# Telegram limits a message to 4096 characters *after entity parsing*: tags count nothing
# and "&amp;" counts one. So every length here is the visible one, in UTF-16 units.

def fits_caption(part: Part) -> bool:
    """Short enough to go under a photo, and buttonless or inline-only (a caption can carry no reply keyboard)."""
    markup_ok = part.keyboard is None or isinstance(part.keyboard, InlineKeyboard)
    return markup_ok and within(part.text, MAX_CAPTION)


def within(text: str, limit: int) -> bool:
    """Whether HTML `text` shows at most `limit` units. Tags and entities only ever shorten what shows, so
    a text whose raw length fits needs no walk through its tokens (nearly every message)."""
    return utf16_len(text) <= limit or visible_len(text) <= limit


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")
# A tag, a character reference, or one character: the units an HTML text is cut between.
_TOKEN = re.compile(r"<[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|.", re.S)


def _units(token: str) -> int:
    if token.startswith("<") and len(token) > 1:
        return 0
    if token.startswith("&") and len(token) > 1:
        return utf16_len(html.unescape(token))
    return utf16_len(token)


def visible_len(text: str) -> int:
    """The length Telegram counts for HTML `text`: tags left out, entities as the character they stand for."""
    return sum(_units(token) for token in _TOKEN.findall(text))


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split HTML `text` into parts of at most `limit` visible UTF-16 units, on line boundaries.

    Joining the parts with "\\n" gives the text back when only whole lines were
    moved (apart from the tags a cut had to close and reopen).
    """
    if within(text, limit):
        return [text]
    pieces: list[str] = []
    for line in text.split("\n"):
        pieces.extend(_cut_line(line, limit) if visible_len(line) > limit else [line])
    chunks: list[list[str]] = [[]]
    size = 0
    for piece in pieces:
        extra = visible_len(piece) + (1 if chunks[-1] else 0)
        if chunks[-1] and size + extra > limit:
            chunks.append([])
            size, extra = 0, visible_len(piece)
        chunks[-1].append(piece)
        size += extra
    # A cut line's pieces are glued back without "\n"; mark them while joining.
    parts = ["\n".join(chunk) for chunk in chunks]
    parts = [part.replace(_GLUE + "\n", "").replace(_GLUE, "") for part in parts]
    return [part for part in _balance_tags(parts) if part.strip()] or [text[:limit]]


_GLUE = "\x00"  # joins the pieces of one overlong line (removed before sending; typed NULs never get here)


def _cut_line(line: str, budget: int) -> list[str]:
    """Cut one overlong line into pieces of at most `budget` visible units, between tokens (never inside a
    tag or an entity), after a space where one is in the second half."""
    pieces: list[str] = []
    current: list[str] = []
    units = 0
    for token in _TOKEN.findall(line):
        weight = _units(token)
        if current and units + weight > budget:
            spaces = [i for i, kept in enumerate(current) if kept == " "]
            cut = spaces[-1] + 1 if spaces and spaces[-1] > len(current) // 2 else len(current)
            pieces.append("".join(current[:cut]) + _GLUE)
            current = current[cut:]
            units = sum(_units(kept) for kept in current)
        current.append(token)
        units += weight
    pieces.append("".join(current))
    return pieces


def _balance_tags(parts: list[str]) -> list[str]:
    """Close tags left open at the end of a part and reopen them at the next one."""
    balanced: list[str] = []
    carried: list[tuple[str, str]] = []  # (name, opening tag) still open
    for part in parts:
        opened = list(carried)
        text = "".join(tag for _, tag in carried) + part
        for match in _TAG.finditer(part):
            closing, name = match.group(1) == "/", match.group(2).lower()
            if not closing:
                opened.append((name, match.group(0)))
            else:
                for index in range(len(opened) - 1, -1, -1):
                    if opened[index][0] == name:
                        del opened[index]
                        break
        text += "".join(f"</{name}>" for name, _ in reversed(opened))
        carried = opened
        balanced.append(text)
    return balanced
