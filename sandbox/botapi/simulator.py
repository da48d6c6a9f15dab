"""Simulated people: they write to the bot, press its buttons, and read its replies.

Every action creates a real Update and returns only once the bot has handled
it: the update reached the bot (getUpdates answer or webhook 2xx), and the bot
then made no Bot API call for the server's settle window. So tests never sleep.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .htmlparse import utf16_len
from .state import BotState, CallbackRecord, Chat, Message, UserAccount
from .updates import PendingUpdate

if TYPE_CHECKING:
    from .server import LocalBotApi


class UpdateNotHandled(AssertionError):
    """The bot did not fetch an update, or did not go quiet, within the timeout."""


@dataclass
class CallbackAnswer:
    text: str | None
    show_alert: bool
    url: str | None


@dataclass
class Outcome:
    """What one user action led to, in the chat where it happened."""

    update_id: int
    sent: Message | None = None  # the person's own message (None for a button press)
    replies: list[Message] = field(default_factory=list)  # new messages from the bot
    elsewhere: list[Message] = field(default_factory=list)  # new bot messages in other chats
    edited: list[Message] = field(default_factory=list)
    deleted: list[Message] = field(default_factory=list)
    answer: CallbackAnswer | None = None  # answerCallbackQuery, for a button press
    dropped: bool = False  # allowed_updates excluded it, or it was dropped as pending

    @property
    def texts(self) -> list[str]:
        """Text (or caption) of each new reply, for quick assertions."""
        return [m.text if m.text is not None else (m.caption or "") for m in self.replies]

    def to_json(self) -> dict:
        return {"update_id": self.update_id, "dropped": self.dropped,
                "sent": self.sent.to_sim() if self.sent else None,
                "replies": [m.to_sim() for m in self.replies],
                "elsewhere": [{"chat_id": m.chat.id, **m.to_sim()} for m in self.elsewhere],
                "edited": [m.to_sim() for m in self.edited],
                "deleted": [m.message_id for m in self.deleted],
                "answer": self.answer.__dict__ if self.answer else None}


def _bot_state(bot: BotState) -> dict[tuple[int, int], tuple[int, bool]]:
    """(chat id, message id) -> (edit count, deleted), to see what an update changed."""
    return {(c.id, m.message_id): (len(m.edits), m.deleted) for c in bot.chats.values() for m in c.messages}


async def deliver(server: LocalBotApi, bot: BotState, kind: str, payload: dict, label: str,
                  chat: Chat | None = None, sent: Message | None = None, *, wait: bool = True) -> Outcome:
    """Queue an update; wait for delivery and for the bot to settle; report what changed.
    `wait=False`: only queue it (a load test watching the call log itself); the Outcome has its id."""
    before = _bot_state(bot)
    update = bot.queue.push(kind, payload, label)
    server.touch()  # the person's message is part of the kept world
    if not wait:
        return Outcome(update.update_id, sent=sent)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + server.timeout
    name = f"@{bot.account.username}"
    try:
        await asyncio.wait_for(update.reached.wait(), server.timeout)
    except asyncio.TimeoutError:
        raise UpdateNotHandled(
            f"update {update.update_id} ({label}) was not received by {name} within {server.timeout}s: "
            "is the bot polling getUpdates, or is its webhook set and answering 2xx?") from None
    outcome = Outcome(update.update_id, sent=sent, dropped=update.dropped)
    if update.delivered_at is not None:
        await _until_handled(server, bot, update, deadline, label)
    _fill_changes(outcome, bot, chat, before)
    return outcome


async def _until_handled(server: LocalBotApi, bot: BotState, update: PendingUpdate, deadline: float,
                         label: str) -> None:
    """The bot's own word when it gives one (done.py), else the settling of its calls."""
    name = f"@{bot.account.username}"
    if bot.done is not None:
        try:
            await asyncio.wait_for(bot.done.handled(update.update_id), server.done_timeout)
        except asyncio.TimeoutError:
            raise UpdateNotHandled(f"{name} did not finish update {update.update_id} ({label}) "
                                   f"within {server.done_timeout}s") from None
        return
    activity = server.activity(bot)
    if not await activity.settle(update.delivered_at or 0.0, server.settle, deadline, server.first_call_grace,
                                 calls_since=update.offered_at):
        raise UpdateNotHandled(f"{name} was still calling the Bot API {server.timeout}s after "
                               f"update {update.update_id} ({label})")


def _fill_changes(outcome: Outcome, bot: BotState, chat: Chat | None,
                  before: dict[tuple[int, int], tuple[int, bool]]) -> None:
    for other in bot.chats.values():
        for message in other.messages:
            old = before.get((other.id, message.message_id))
            if old is None:
                if message.from_bot:
                    (outcome.replies if other is chat else outcome.elsewhere).append(message)
                continue
            if len(message.edits) > old[0]:
                outcome.edited.append(message)
            if message.deleted and not old[1]:
                outcome.deleted.append(message)


class _Participant:
    """Shared by SimUser and SimGroup: a chat whose messages can be read."""

    server: LocalBotApi
    bot: BotState
    chat: Chat

    def messages(self, *, include_deleted: bool = True) -> list[Message]:
        """Everything the bot sent to this chat, oldest first (current state after edits)."""
        return [m for m in self.chat.messages if m.from_bot and (include_deleted or not m.deleted)]

    def last_message(self) -> Message | None:
        """The newest message from the bot that is still there."""
        visible = self.messages(include_deleted=False)
        return visible[-1] if visible else None

    async def next_message(self, timeout: float | None = None) -> Message:
        """Wait for the bot's next new message here (e.g. a scheduled reminder), then for it to settle."""
        server = self.server
        seen = len(self.chat.messages)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (timeout or server.timeout)
        while not any(m.from_bot for m in self.chat.messages[seen:]):
            if loop.time() >= deadline:
                raise UpdateNotHandled(f"no new message from @{self.bot.account.username} in chat {self.chat.id}")
            await self.chat.changed(max(deadline - loop.time(), 0.0))
        await server.until_idle(self.bot, deadline)
        return next(m for m in self.chat.messages[seen:] if m.from_bot)

    @property
    def keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown in this chat (rows of button texts)."""
        if not self.chat.keyboard:
            return None
        return [[b["text"] for b in row] for row in self.chat.keyboard["keyboard"]]


class SimUser(_Participant):
    """A person in a private chat with the bot (chat id == user id)."""

    def __init__(self, server: LocalBotApi, bot: BotState, account: UserAccount) -> None:
        self.server = server
        self.bot = bot
        self.account = account
        self.chat = bot.private_chat(account)

    @property
    def id(self) -> int:
        return self.account.id

    def open_chat(self) -> None:
        """As if the person had written to the bot before, without an update: the bot may
        message them (for load tests with thousands of people)."""
        self.chat.started, self.chat.blocked = True, False

    def block(self) -> None:
        """The person blocks the bot: sends to them now fail with 403."""
        self.chat.blocked = True

    async def _post(self, label: str, chat: Chat | None = None, *, wait: bool = True, **content: Any) -> Outcome:
        chat = chat or self.chat
        if chat.type == "private":
            chat.started, chat.blocked = True, False  # writing to a bot (re)opens the conversation
        message = chat.add(self.account, **content)
        return await deliver(self.server, self.bot, "message", message.to_api(),
                             f"{label} from user {self.id}", chat, message, wait=wait)

    async def send(self, text: str, *, chat: SimGroup | None = None, wait: bool = True) -> Outcome:
        """Send text; "/cmd args" carries a bot_command entity like a real client's.
        `wait=False`: return once the update is queued (see `deliver`)."""
        entities = []
        if text.startswith("/") and len(text) > 1:
            command = text.split(maxsplit=1)[0]
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        target = chat.chat if chat else None
        return await self._post(f"message {text[:40]!r}", target, wait=wait, text=text, entities=entities)

    async def send_photo(self, data: bytes, caption: str | None = None, *, wait: bool = True) -> Outcome:
        return await self._post("photo", wait=wait, photo_files=self.bot.files.add_photo(data), caption=caption)

    async def send_document(self, data: bytes, file_name: str = "document.pdf", *,
                            mime_type: str | None = None, caption: str | None = None, wait: bool = True) -> Outcome:
        record = self.bot.files.add_document(data, file_name, mime_type)
        return await self._post(f"document {file_name!r}", wait=wait, document_file=record, caption=caption)

    async def send_location(self, latitude: float, longitude: float, *, wait: bool = True) -> Outcome:
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        return await self._post(f"location {latitude},{longitude}", wait=wait, location=location)

    async def share_contact(self, phone_number: str, *, first_name: str | None = None,
                            last_name: str | None = None, user_id: int | None = None, wait: bool = True) -> Outcome:
        """Share a contact; by default one's own (user_id = sender, as request_contact does).
        `wait=False`: return once the update is queued (see `deliver`)."""
        contact: dict[str, Any] = {"phone_number": phone_number,
                                   "first_name": first_name or self.account.first_name,
                                   "user_id": self.id if user_id is None else user_id}
        if last_name or (first_name is None and self.account.last_name):
            contact["last_name"] = last_name or self.account.last_name
        return await self._post(f"contact {phone_number}", wait=wait, contact=contact)

    async def press(self, label: str | Message | None = None, *, text: str | None = None,
                    data: str | None = None, index: int | None = None,
                    message: Message | None = None, wait: bool = True) -> Outcome:
        """Press an inline button: by label (newest message having it), callback data, or 1-based index.

        press("接单"), press(msg, text="接单"), press(data="accept:5"), press(index=2).
        `wait=False`: return once the update is queued (see `deliver`).
        """
        if isinstance(label, Message):
            message, label = label, None
        if message is not None and message.deleted:
            raise LookupError(f"message {message.message_id} was deleted; its buttons cannot be pressed")
        text = text if text is not None else label
        message, button = self._find_button(message, text, data, index)
        if button.get("callback_data") is None:
            raise ValueError(f"button {button['text']!r} is not a callback button: {button}")
        return await self._press(message, button["callback_data"], wait=wait)

    def delete(self, message: Message) -> None:
        """The person deletes one of the bot's messages from their chat (no update is sent:
        Telegram tells the bot nothing); editing it fails from then on."""
        if message.chat is not self.chat:
            raise LookupError(f"message {message.message_id} is not in {self.id}'s chat")
        message.deleted = True
        self.chat.touched()

    async def forge_press(self, data: str, message: Message | None = None) -> Outcome:
        """What a modified client can do: send callback data of its own choosing, as if
        pressed on one of the bot's messages in its own chat (the newest, unless given)."""
        message = message or self.last_message()
        if message is None:
            raise LookupError("no message in this chat to press a forged button on")
        return await self._press(message, data)

    def _find_button(self, message: Message | None, text: str | None, data: str | None,
                     index: int | None) -> tuple[Message, dict]:
        candidates = [message] if message else list(reversed(self.messages(include_deleted=False)))
        for candidate in candidates:
            buttons = [b for row in (candidate.reply_markup or {}).get("inline_keyboard", []) for b in row]
            if not buttons:
                continue
            if index is not None:
                if 1 <= index <= len(buttons):
                    return candidate, buttons[index - 1]
                break  # an index refers to the newest message with buttons only
            for button in buttons:
                if (text is not None and button["text"] == text) or (
                        data is not None and button.get("callback_data") == data):
                    return candidate, button
        latest = self.last_message()
        raise LookupError(f"no inline button matching text={text!r} data={data!r} index={index!r}; "
                          f"latest message {latest.text if latest else None!r} has {latest.buttons if latest else []}")

    async def _press(self, message: Message, data: str, *, wait: bool = True) -> Outcome:
        query_id = str(secrets.randbits(63))
        record = CallbackRecord(query_id, self.account, message, data)
        self.bot.callbacks[query_id] = record
        payload = {"id": query_id, "from": self.account.to_api(), "message": message.to_api(),
                   "chat_instance": str(abs(hash((self.bot.token, message.chat.id))) % 10**18),
                   "data": data}
        outcome = await deliver(self.server, self.bot, "callback_query", payload,
                                f"button press {data!r} from user {self.id}", message.chat, wait=wait)
        if record.answered:
            outcome.answer = CallbackAnswer(record.text, record.show_alert, record.url)
        return outcome


class SimGroup(_Participant):
    """A group the bot is in; people post into it with user.send(text, chat=group)."""

    def __init__(self, server: LocalBotApi, bot: BotState, chat_id: int, title: str) -> None:
        self.server = server
        self.bot = bot
        self.chat = bot.chats.get(chat_id) or Chat(id=chat_id, type="group", title=title, feed=bot.feed)
        bot.chats[chat_id] = self.chat

    @property
    def id(self) -> int:
        return self.chat.id
