"""A core `Reply` as what a Telegram bot sends, whatever the framework: HTML text parts
and keyboards described as plain values (each adapter turns them into its own markup).

* the text is rendered with :class:`bot.i18n.Translator` in the reply's locale with
  ``html=True`` (parameters escaped, the template's own markup kept) and sent with
  parse mode HTML;
* text longer than Telegram's 4096 characters is split on line boundaries (an overlong
  line is cut, never inside a tag or an ``&entity;``; tags open across a cut are closed
  and reopened), and the keyboard goes on the last part;
* ``Reply.buttons`` become an `InlineKeyboard`, labels rendered in the same locale as
  plain text, callback data = ``Button.payload``;
* ``Reply.ask_contact`` becomes a `ContactKeyboard` (a one-button reply keyboard that
  shares the phone number); ``Reply.remove_keyboard`` a `RemoveKeyboard`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.i18n import Translator
from handlers.seam import Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's limit for one message's text
MAX_CAPTION = 1024  # and for a photo's or document's caption
PARSE_MODE = "HTML"
_SLACK = 128  # room for the closing/reopening tags a cut may need

__all__ = ["MAX_CAPTION", "MAX_TEXT", "PARSE_MODE", "ContactKeyboard", "InlineKeyboard", "Keyboard", "Part",
           "RemoveKeyboard", "Rendered", "fits_caption", "render_reply", "split_html", "utf16_len"]


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

def fits_caption(part: Part) -> bool:
    """Short enough to go under a photo, and buttonless or inline-only (a caption can carry no reply keyboard)."""
    markup_ok = part.keyboard is None or isinstance(part.keyboard, InlineKeyboard)
    return markup_ok and utf16_len(part.text) <= MAX_CAPTION  # the HTML, tags and all: on the safe side


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split HTML `text` into parts of at most `limit` UTF-16 units, on line boundaries.

    Joining the parts with "\\n" gives the text back when only whole lines were
    moved (apart from the tags a cut had to close and reopen).
    """
    if utf16_len(text) <= limit:
        return [text]
    budget = max(limit - _SLACK, limit // 2)
    pieces: list[str] = []
    for line in text.split("\n"):
        if utf16_len(line) <= budget:
            pieces.append(line)
        else:
            pieces.extend(_cut_line(line, budget))
    chunks: list[list[str]] = [[]]
    size = 0
    for piece in pieces:
        extra = utf16_len(piece) + (1 if chunks[-1] else 0)
        if chunks[-1] and size + extra > budget:
            chunks.append([])
            size, extra = 0, utf16_len(piece)
        chunks[-1].append(piece)
        size += extra
    # A cut line's pieces are glued back without "\n"; mark them while joining.
    parts = ["\n".join(chunk) for chunk in chunks]
    parts = [part.replace(_GLUE + "\n", "").replace(_GLUE, "") for part in parts]
    return [part for part in _balance_tags(parts) if part.strip()] or [text[:limit]]


_GLUE = "\x00"  # joins the pieces of one overlong line (removed before sending)


def _cut_line(line: str, budget: int) -> list[str]:
    """Cut one overlong line into pieces of at most `budget` units, not inside a tag or entity."""
    pieces: list[str] = []
    rest = line
    while utf16_len(rest) > budget:
        cut = _fit(rest, budget - 1)
        window = rest[:cut]
        # never inside "<...>" or "&...;"
        lt, gt = window.rfind("<"), window.rfind(">")
        if lt > gt:
            cut = lt
        amp, semi = window.rfind("&"), window.rfind(";")
        if amp > semi and rest.find(";", amp) != -1 and rest.find(";", amp) - amp <= 10:
            cut = min(cut, amp)
        space = rest.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space + 1
        if cut <= 0:
            cut = _fit(rest, budget - 1) or 1
        pieces.append(rest[:cut] + _GLUE)
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def _fit(text: str, units: int) -> int:
    """The largest prefix length of `text` whose UTF-16 length is at most `units`."""
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > units:
            return index
    return len(text)


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
