"""The simulated Telegram world: people, bots, chats and the messages in them.

Everything here is plain data plus the small amount of logic that keeps it
consistent (message ids per chat, edit history, what a chat currently shows).
The Bot API methods and the simulated users both act through these objects.
"""

from __future__ import annotations

import asyncio
import copy
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import BLOCKED, CANT_INITIATE, CHAT_NOT_FOUND, bad_request, forbidden
from .media import FileRecord, FileStore
from .updates import UpdateQueue

if TYPE_CHECKING:
    from .done import DoneSignal
    from .events import ChangeFeed


@dataclass
class UserAccount:
    """A Telegram user (a simulated person, or the bot's own identity)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict:
        user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user


@dataclass(repr=False)
class Message:
    """A message in a chat, as both sides see it; also what tests inspect.

    `text`/`caption` are what the recipient sees (markup removed); `html` is what
    the bot sent (raw text or caption before parse_mode). `buttons` are the rows of
    the inline keyboard as (text, callback_data) pairs; `reply_keyboard` the rows of
    a ReplyKeyboardMarkup sent with this message. `edits` holds earlier versions,
    oldest first; `deleted` is set by deleteMessage.
    """

    chat: Chat = field(repr=False)
    message_id: int
    sender: UserAccount
    date: int
    text: str | None = None
    entities: list[dict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict] = field(default_factory=list)
    html: str | None = None
    parse_mode: str | None = None
    photo_files: list[FileRecord] = field(default_factory=list, repr=False)
    document_file: FileRecord | None = field(default=None, repr=False)
    location: dict | None = None
    contact: dict | None = None
    reply_markup: dict | None = None  # inline keyboard only, as in the Bot API Message
    keyboard_markup: dict | None = None  # ReplyKeyboardMarkup / Remove / ForceReply sent with it
    reply_to: Message | None = field(default=None, repr=False)
    edit_date: int | None = None
    edits: list[dict] = field(default_factory=list, repr=False)
    deleted: bool = False

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else f"user {self.sender.id}"
        body = self.text if self.text is not None else f"<media> {self.caption or ''}"
        extra = f" buttons={self.buttons}" if self.reply_markup else ""
        flags = (" edited" if self.edits else "") + (" deleted" if self.deleted else "")
        return f"<Message #{self.message_id} in {self.chat.id} from {who}: {body!r}{extra}{flags}>"

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[(b["text"], b.get("callback_data")) for b in row] for row in rows]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        if not self.keyboard_markup or "keyboard" not in self.keyboard_markup:
            return None
        return [[b["text"] for b in row] for row in self.keyboard_markup["keyboard"]]

    @property
    def photo(self) -> list[dict] | None:
        return [f.photo_size() for f in self.photo_files] or None

    @property
    def photo_bytes(self) -> bytes | None:
        return self.photo_files[-1].data if self.photo_files else None

    @property
    def document(self) -> dict | None:
        return self.document_file.document() if self.document_file else None

    @property
    def document_bytes(self) -> bytes | None:
        return self.document_file.data if self.document_file else None

    def snapshot(self) -> dict:
        """The editable parts, kept in `edits` before each change."""
        return {"text": self.text, "entities": copy.deepcopy(self.entities), "caption": self.caption,
                "caption_entities": copy.deepcopy(self.caption_entities), "html": self.html,
                "reply_markup": copy.deepcopy(self.reply_markup), "edit_date": self.edit_date}

    def to_api(self, *, with_reply: bool = True) -> dict:
        """The Bot API Message object."""
        msg: dict[str, Any] = {"message_id": self.message_id, "from": self.sender.to_api(),
                               "chat": self.chat.to_api(), "date": self.date}
        if self.edit_date:
            msg["edit_date"] = self.edit_date
        if self.reply_to is not None and with_reply:
            msg["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.text is not None:
            msg["text"] = self.text
            if self.entities:
                msg["entities"] = copy.deepcopy(self.entities)
        if self.photo_files:
            msg["photo"] = self.photo
        if self.document_file:
            msg["document"] = self.document
        if self.caption is not None:
            msg["caption"] = self.caption
            if self.caption_entities:
                msg["caption_entities"] = copy.deepcopy(self.caption_entities)
        for key in ("location", "contact"):
            if getattr(self, key) is not None:
                msg[key] = copy.deepcopy(getattr(self, key))
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            msg["reply_markup"] = copy.deepcopy(self.reply_markup)
        return msg

    def to_sim(self) -> dict:
        """The control API's view: the Bot API shape plus what tests want to know."""
        out = self.to_api()
        out.update(deleted=self.deleted, from_bot=self.from_bot, html=self.html,
                   buttons=self.buttons, reply_keyboard=self.reply_keyboard,
                   edits=[{k: v for k, v in e.items() if k != "entities"} for e in self.edits])
        return out


@dataclass
class Chat:
    """A chat between one bot and a person (private) or a group the bot is in."""

    id: int
    type: str
    title: str | None = None
    user: UserAccount | None = None  # the other party of a private chat
    started: bool = False  # the person has written to the bot
    blocked: bool = False
    keyboard: dict | None = None  # the ReplyKeyboardMarkup currently shown
    messages: list[Message] = field(default_factory=list, repr=False)
    next_message_id: int = 1
    _added: list[asyncio.Future[None]] = field(default_factory=list, repr=False, compare=False)
    feed: ChangeFeed | None = field(default=None, repr=False, compare=False)  # told of every change

    def touched(self) -> None:
        """A message here was added, edited or deleted: tell the feed (the web page watches it)."""
        if self.feed is not None:
            self.feed.note(self.id)

    def to_api(self) -> dict:
        if self.type == "private" and self.user is not None:
            chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            for key in ("last_name", "username"):
                if getattr(self.user, key):
                    chat[key] = getattr(self.user, key)
            return chat
        return {"id": self.id, "type": self.type, "title": self.title or str(self.id)}

    def add(self, sender: UserAccount, **content: Any) -> Message:
        message = Message(chat=self, message_id=self.next_message_id, sender=sender,
                          date=int(time.time()), **content)
        self.next_message_id += 1
        self.messages.append(message)
        self.touched()
        for waiter in self._added:
            if not waiter.done():
                waiter.set_result(None)
        self._added.clear()
        return message

    async def changed(self, timeout: float) -> None:
        """Return when a message is next added here, or after `timeout` seconds."""
        waiter = asyncio.get_running_loop().create_future()
        self._added.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            pass

    def find(self, message_id: int | None) -> Message | None:
        """A message still present (not deleted) in this chat."""
        for message in reversed(self.messages):
            if message.message_id == message_id:
                return None if message.deleted else message
        return None


@dataclass
class CallbackRecord:
    """A callback query sent to the bot and how (whether) it was answered."""

    id: str
    user: UserAccount
    message: Message
    data: str
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass
class BotState:
    """One bot account: identity, chats, pending updates, files, commands."""

    token: str
    account: UserAccount
    queue: UpdateQueue
    chats: dict[int, Chat] = field(default_factory=dict)
    files: FileStore = field(default_factory=FileStore)
    callbacks: dict[str, CallbackRecord] = field(default_factory=dict)
    commands: dict[str, list[dict]] = field(default_factory=dict)  # scope+language -> commands
    settings: dict[str, Any] = field(default_factory=dict)  # names, descriptions, menu button
    done: DoneSignal | None = None  # the bot says when it is done (done.py); else its calls are watched
    feed: ChangeFeed | None = None  # the server's, handed to each chat of this bot

    def chat(self, chat_id: int | str) -> Chat:
        """The chat for a chat_id, or Telegram's 400 "chat not found"."""
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def writable_chat(self, chat_id: int | str) -> Chat:
        """A chat the bot may post in: private chats need the person to have written first."""
        chat = self.chat(chat_id)
        if chat.type == "private" and chat.blocked:
            raise forbidden(BLOCKED)
        if chat.type == "private" and not chat.started:
            raise forbidden(CANT_INITIATE)
        return chat

    def private_chat(self, user: UserAccount) -> Chat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = Chat(id=user.id, type="private", user=user, feed=self.feed)
        return chat
