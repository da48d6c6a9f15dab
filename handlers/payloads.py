"""Button payloads: short typed values that carry ids, never authority.

On the wire a payload is `kind:name:value` (e.g. `t:accept:42`), the format buttons
already sitting in people's chats carry. `decode` parses and checks every pressed
payload once, before any handler runs, into one of the frozen types below; anything
malformed, forged or out of range raises PayloadError. Telegram allows 1-64 bytes of
callback data: `pack` refuses anything longer (or anything `decode` would refuse), so a
bad button fails in tests, not in front of a user. Every press is still re-checked
against the database by the core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

MAX_BYTES = 64
SEP = ":"
# The largest id the tables hold: their id columns are INTEGER, 32 bits on PostgreSQL, where
# SQLAlchemy casts a bound id to it (`= $1::INTEGER`), so a bigger one fails the query instead of
# finding nothing (SQLite would take up to 2**63-1). Widen it when the id columns widen.
MAX_ID = 2**31 - 1
MAX_PAGE = 10_000
MAX_SMALL = 99  # stars and the like
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")  # a step, an action, a listing, a verdict
_VALUE = re.compile(r"[A-Za-z0-9_-]{1,48}")  # a choice's value: a code, a category, an id


class PayloadError(ValueError):
    """Not a payload this bot made: malformed, forged, or naming something out of range."""


class Kind(StrEnum):
    CHOICE = "c"  # a choice in a dialog step: c:<step>:<value>
    TICKET = "t"  # an action on a ticket: t:<action>:<ticket id>
    RATING = "r"  # stars for a closed ticket: r:<stars>:<ticket id>
    PICK = "h"  # a cadre picked from search results: h:<cadre id>:<ticket id, or 0 for none>
    FINDING = "k"  # a supervisor's finding on a 举报: k:<verdict>:<complaint id>
    PAGE = "p"  # a page of a list: p:<listing>:<page from 0>


def as_id(text: str) -> int:
    """A database id from a payload: ASCII digits without sign or leading zero, 1 to MAX_ID.
    (`"²".isdigit()` is True, and the id columns overflow past MAX_ID: both are refused.)"""
    if not (text.isascii() and text.isdigit()) or text.startswith("0") or len(text) > len(str(MAX_ID)):
        raise PayloadError(f"not an id: {text!r}")
    value = int(text)
    if value > MAX_ID:
        raise PayloadError(f"id out of range: {text!r}")
    return value


def _number(text: str, upper: int) -> int:
    """A small count from 0 to `upper`, written the way `str(int)` writes it."""
    if not (text.isascii() and text.isdigit()) or (text.startswith("0") and text != "0") or len(text) > len(str(upper)):
        raise PayloadError(f"not a number: {text!r}")
    value = int(text)
    if value > upper:
        raise PayloadError(f"number out of range: {text!r}")
    return value


def _name(text: str) -> str:
    if not _NAME.fullmatch(text):
        raise PayloadError(f"not a name: {text!r}")
    return text


@dataclass(frozen=True)
class _Packable:
    KIND: ClassVar[Kind]

    def _parts(self) -> tuple[str, str]:
        raise NotImplementedError

    def pack(self) -> str:
        """The wire form, checked: at most MAX_BYTES, and decoding back to this very payload."""
        packed = SEP.join((self.KIND.value, *self._parts()))
        if len(packed.encode()) > MAX_BYTES:
            raise PayloadError(f"payload over {MAX_BYTES} bytes: {packed!r}")
        if decode(packed) != self:
            raise PayloadError(f"payload would not decode as itself: {self!r}")
        return packed


@dataclass(frozen=True)
class Choice(_Packable):
    """One of the options a dialog step offered (its value is checked by the step)."""

    KIND = Kind.CHOICE
    step: str
    value: str

    @property
    def route(self) -> str:
        return self.step

    def _parts(self) -> tuple[str, str]:
        return self.step, self.value

    @classmethod
    def parse(cls, name: str, value: str) -> Choice:
        if not _VALUE.fullmatch(value):
            raise PayloadError(f"not a choice value: {value!r}")
        return cls(_name(name), value)


@dataclass(frozen=True)
class TicketPress(_Packable):
    """A button about one ticket: accept, resolve, view, approve more time…"""

    KIND = Kind.TICKET
    action: str
    ticket_id: int

    @property
    def route(self) -> str:
        return self.action

    def _parts(self) -> tuple[str, str]:
        return self.action, str(self.ticket_id)

    @classmethod
    def parse(cls, name: str, value: str) -> TicketPress:
        return cls(_name(name), as_id(value))


@dataclass(frozen=True)
class Rating(_Packable):
    KIND = Kind.RATING
    stars: int
    ticket_id: int
    route: ClassVar[str] = ""

    def _parts(self) -> tuple[str, str]:
        return str(self.stars), str(self.ticket_id)

    @classmethod
    def parse(cls, name: str, value: str) -> Rating:
        return cls(_number(name, MAX_SMALL), as_id(value))


@dataclass(frozen=True)
class Pick(_Packable):
    """A cadre chosen from search results, for a hand-over or a 会商 (with its ticket) or a 举报 (none)."""

    KIND = Kind.PICK
    cadre_id: int
    ticket_id: int | None = None
    route: ClassVar[str] = ""

    def _parts(self) -> tuple[str, str]:
        return str(self.cadre_id), str(self.ticket_id or 0)

    @classmethod
    def parse(cls, name: str, value: str) -> Pick:
        return cls(as_id(name), None if value == "0" else as_id(value))


@dataclass(frozen=True)
class Finding(_Packable):
    """A supervisor's finding on a 举报 ("upheld" / "not_upheld", checked by the use case)."""

    KIND = Kind.FINDING
    verdict: str
    complaint_id: int
    route: ClassVar[str] = ""

    def _parts(self) -> tuple[str, str]:
        return self.verdict, str(self.complaint_id)

    @classmethod
    def parse(cls, name: str, value: str) -> Finding:
        return cls(_name(name), as_id(value))


@dataclass(frozen=True)
class Page(_Packable):
    KIND = Kind.PAGE
    listing: str
    page: int

    @property
    def route(self) -> str:
        return self.listing

    def _parts(self) -> tuple[str, str]:
        return self.listing, str(self.page)

    @classmethod
    def parse(cls, name: str, value: str) -> Page:
        return cls(_name(name), _number(value, MAX_PAGE))


Payload = Choice | TicketPress | Rating | Pick | Finding | Page
_TYPES: dict[str, type[Payload]] = {cls.KIND.value: cls for cls in (Choice, TicketPress, Rating, Pick, Finding, Page)}


def decode(data: str) -> Payload:
    """The typed payload a button carried; PayloadError for anything this bot did not make."""
    if len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise PayloadError(f"payload over {MAX_BYTES} bytes")
    parts = data.split(SEP, 2)
    if len(parts) != 3 or parts[0] not in _TYPES:
        raise PayloadError(f"not a Lianxin payload: {data!r}")
    kind, name, value = parts
    return _TYPES[kind].parse(name, value)


def choice(step: str, value: str | int) -> str:
    return Choice(step, str(value)).pack()


def ticket_action(action: str, ticket_id: int) -> str:
    return TicketPress(action, ticket_id).pack()


def rating(stars: int, ticket_id: int) -> str:
    return Rating(stars, ticket_id).pack()


def pick(cadre_id: int, ticket_id: int | None = None) -> str:
    """A cadre chosen from search results (for a hand-over, a 会商, a 举报; None: no ticket)."""
    return Pick(cadre_id, ticket_id or None).pack()


def finding(verdict: str, complaint_id: int) -> str:
    """A supervisor's finding on a 举报 ("upheld" / "not_upheld")."""
    return Finding(verdict, complaint_id).pack()


def page(listing: str, number: int) -> str:
    return Page(listing, number).pack()
