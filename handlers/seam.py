"""The narrow, typed seam between the core and a messaging platform's adapter.

In: one `Incoming` per update. Out: a list of `Reply` values. The adapter renders
message keys in the recipient's locale, escapes, splits and sends; the core never
sends anything itself.

Ids (chats, users, updates, messages) are opaque strings: each platform spells its own
(Telegram's integers as decimal strings, WeCom's and Feishu's as they come), and the
core only compares and stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers.messages import Msg


@dataclass(frozen=True)
class Address:
    platform: str
    chat_id: str


PRIVATE, GROUP = "private", "group"  # the kinds of chat the core tells apart


@dataclass(frozen=True)
class Document:
    """A file someone sent (not a photo). The shell may replace `file_id` by a reference to the
    bytes it fetched and kept (handlers.imports.chat.fetch_first says which it fetches)."""

    file_id: str
    file_name: str
    size: int  # bytes, as the platform says (0: it did not say)


@dataclass(frozen=True)
class Incoming:
    platform: str
    chat_id: str
    user_id: str
    update_id: str  # the platform's id of the update, for dedupe
    language_code: str | None = None
    display_name: str = ""
    text: str | None = None
    command: str | None = None  # "start" for "/start@bot abc": no slash, lower case
    args: str = ""
    payload: str | None = None  # the pressed button's data
    pressed_message_id: str | None = None
    photo_file_ids: tuple[str, ...] = ()  # references to the photos, kept by the shell (the largest size of each)
    has_other_media: bool = False  # a sticker, voice, document… we can't use here
    document: Document | None = None  # a file sent (also counted in has_other_media)
    location: tuple[float, float] | None = None
    contact_phone: str | None = None
    contact_user_id: str | None = None
    chat_kind: str = PRIVATE  # GROUP for groups and supergroups
    chat_title: str = ""

    @property
    def is_press(self) -> bool:
        return self.payload is not None

    @property
    def in_group(self) -> bool:
        return self.chat_kind == GROUP


@dataclass(frozen=True)
class Button:
    label: Msg
    payload: str  # ≤ 64 bytes, built by handlers.payloads


CHART, LEDGER, QR, IMPORT_TEMPLATE = "chart", "ledger", "qr", "import_template"  # the kinds of Attachment

START_LINK = "{start_link}"  # the key of a start link's Msg: the shell puts its platform's link there


def start_link(parameter: str) -> Msg:
    """The link that opens this bot with `/start <parameter>` (Telegram: t.me/<bot>?start=…), as a
    message parameter; only the shell knows the bot's name, so it spells the link when it sends.
    An attachment of kind QR encodes the same link, given its `start` parameter."""
    return Msg(START_LINK, {"start": parameter})


@dataclass(frozen=True)
class Attachment:
    """A file the shell makes when it sends the reply: a chart drawn from figures (a photo),
    a ledger read from the database (a document). The core says what it shows, as JSON-able
    data; drawing and file formats stay in the shell."""

    kind: str  # CHART, LEDGER, QR ({"start": …, "label": …}) or IMPORT_TEMPLATE (the sheet to fill in for an import)
    data: dict[str, Any]


FRESH, REFRESH = "fresh", "refresh"  # how a Card reply is placed


@dataclass(frozen=True)
class Card:
    """The reply is ticket `ticket_id`'s card in its chat: one live message per ticket and chat,
    edited in place as the ticket moves, so that a chat never holds two sets of live buttons.

    The shell keeps which message is live. FRESH sends the card anew at the bottom (a new
    ticket, "open card"); REFRESH edits the live card in place, and does nothing when there is
    none (the notice that goes with it opens one). With `Reply.edit_message_id` (a press on a
    card) that message becomes the live card. An edit that fails (the message is gone) sends
    the card anew. The card that stops being live is edited to `retired`, without buttons."""

    ticket_id: int
    retired: Msg
    mode: str = REFRESH


@dataclass(frozen=True)
class Reply:
    to: Address
    locale: str
    text: Msg
    buttons: tuple[tuple[Button, ...], ...] = ()
    ask_contact: Msg | None = None  # a reply keyboard whose one button shares the phone
    remove_keyboard: bool = False
    photo_file_ids: tuple[str, ...] = ()  # photos to pass on (a relay), sent after the text
    location: tuple[float, float] | None = None
    edit_message_id: str | None = None  # edit this message instead of sending a new one
    as_alert: bool = False  # answer the button press with a pop-up, not a message
    not_before: datetime | None = None  # UTC; hold it until then (quiet hours)
    ticket_id: int | None = None  # the ticket it is about: an undeliverable message is recorded there
    attachment: Attachment | None = None  # sent first; the text follows (or is its caption, if short)
    card: Card | None = None  # the ticket's live card in this chat (see Card)
