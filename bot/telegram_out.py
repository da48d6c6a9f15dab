"""Sending one `Reply` to Telegram, the same under every framework.

What a reply becomes is decided here once: the attachment first (with the text as its
caption when it fits), then the text parts (the first one editing the pressed message
when the reply says so), then relayed photos, then the location — one Bot API call
each. An adapter supplies only `BotCalls`: those five calls in its framework, and what
its framework's errors mean for the outbox (`bot.delivery.Failure`). Telegram's send
policy (its limits, which chats are groups) is declared here once, for both adapters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.delivery import DeliveryFailed, Failure, Pace, Platform, SendLimits, Sent
from bot.files import FileMaker, FileUnavailable, MadeFile
from bot.i18n import Translator
from bot.links import BotLinks, has_start_links, spell_start_links
from bot.render import InlineKeyboard, Keyboard, Part, fits_caption, render_reply
from handlers.seam import Reply
from storage.files import is_stored

log = logging.getLogger(__name__)

Call = Callable[[], Awaitable[object]]

TELEGRAM = "telegram"  # handlers.seam.Address.platform of Telegram's chats

# Telegram's limits (bot/pacing.py). A chat's are Telegram's own (~1/s with a burst of ~3 in a
# private chat, 20 a minute in a group; the sandbox enforces the same): its bucket refills only
# from when a call came back, so it never holds more than Telegram's. The overall bucket counts from
# when a message leaves, Telegram's from when it arrives, and while our first message of a burst is
# delayed on its way (a busy machine, a slow network) Telegram's bucket stays full instead of
# refilling: its burst is kept well below Telegram's ~30 and its rate at 95 %.
TELEGRAM_LIMITS = SendLimits(
    overall_per_second=30,
    overall_burst=20,
    private_per_second=1,
    private_burst=3,
    group_per_minute=20,
    group_burst=20,
)


def is_telegram_group(chat_id: str) -> bool:
    """Groups and supergroups have negative ids ("-100123…"); users' chats positive ones."""
    return chat_id.startswith("-")


class BotCalls(Protocol):
    """The Bot API calls a reply needs, in one framework (chat ids as Telegram's integers)."""

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> int:
        """Send a text; returns the id of the message sent."""

    async def edit_text(self, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboard | None) -> None:
        """Edit a message's text; "message is not modified" (pressed twice) is not an error."""

    async def send_photo(self, chat_id: int, photo: str | MadeFile, caption: Part | None = None) -> None:
        """A photo by file id (a relay) or a made file (a chart), with an optional HTML caption."""

    async def send_document(self, chat_id: int, document: MadeFile, caption: Part | None = None) -> None: ...

    async def send_location(self, chat_id: int, latitude: float, longitude: float) -> None: ...

    async def username(self) -> str:
        """The bot's @username (without the @), for the deep links a reply carries."""

    def failure(self, error: Exception, calls_made: int) -> DeliveryFailed | None:
        """What a framework error means for the outbox; None for errors that are not the Bot API's."""


class TelegramSender:
    """bot.delivery.Sender for Telegram: renders a reply and makes its calls through `BotCalls`."""

    def __init__(self, calls: BotCalls, translator: Translator, files: FileMaker | None = None) -> None:
        self.calls = calls
        self.translator = translator
        self.files = files or FileMaker(translator)

    async def send(self, reply: Reply, *, skip: int = 0, pace: Pace | None = None) -> Sent:
        made_ids: list[int] = []  # the text messages this send made or edited, in order
        if has_start_links(reply):
            reply = spell_start_links(reply, BotLinks(await self.calls.username()))
        try:
            planned = self._plan(reply, made_ids)
        except Exception as exc:  # a template that cannot be rendered will never be sent
            raise DeliveryFailed(Failure.REJECTED, f"cannot render {reply.text.key!r}: {exc!r}", calls_made=skip)
        for made, call in enumerate(planned[skip:], start=skip):
            try:
                if pace is not None:
                    await pace()
                await call()
            except DeliveryFailed as exc:
                raise DeliveryFailed(exc.failure, exc.detail, calls_made=made) from exc
            except Exception as exc:
                failed = self.calls.failure(exc, made)
                if failed is None:
                    raise
                raise failed from exc
        return Sent(len(planned), str(made_ids[-1]) if made_ids else None)

    def _plan(self, reply: Reply, made_ids: list[int]) -> list[Call]:
        """The reply's Bot API calls, in the order they are made; each text call notes its
        message's id in `made_ids`."""
        calls, chat_id = self.calls, int(reply.to.chat_id)
        rendered = render_reply(reply, self.translator)
        parts = list(rendered.parts)
        planned: list[Call] = []

        async def send_text(part: Part) -> None:
            made_ids.append(await calls.send_text(chat_id, part.text, part.keyboard))

        if reply.attachment is not None:
            caption = parts.pop() if len(parts) == 1 and fits_caption(parts[0]) else None
            planned.append(lambda: self._send_file(chat_id, reply, caption))
        if reply.edit_message_id is not None and parts:
            first, message_id = parts.pop(0), int(reply.edit_message_id)
            keyboard = rendered.inline_keyboard if not parts else None
            planned.append(lambda: self._edit(reply, chat_id, message_id, first, keyboard, made_ids))
        planned += [lambda part=part: send_text(part) for part in parts]
        planned += [lambda photo=photo: self._relay_photo(chat_id, photo) for photo in reply.photo_file_ids]
        if reply.location is not None:
            latitude, longitude = reply.location
            planned.append(lambda: calls.send_location(chat_id, latitude, longitude))
        return planned

    async def _edit(self, reply: Reply, chat_id: int, message_id: int, part: Part, keyboard: InlineKeyboard | None,
                    made_ids: list[int]) -> None:
        """Edit the message; a card whose message cannot be edited any more (deleted, say) is
        sent anew instead, so the card is never lost with its message."""
        try:
            await self.calls.edit_text(chat_id, message_id, part.text, keyboard)
        except Exception as exc:
            failed = self.calls.failure(exc, 0)
            if reply.card is None or failed is None or failed.failure is not Failure.REJECTED:
                raise
            log.info("card of ticket %s: message %s in chat %s cannot be edited (%s); sending it anew",
                     reply.card.ticket_id, message_id, chat_id, failed.detail)
            made_ids.append(await self.calls.send_text(chat_id, part.text, keyboard))
            return
        made_ids.append(message_id)

    async def _relay_photo(self, chat_id: int, photo: str) -> None:
        """A photo the bot stored is uploaded; a Telegram file id (on tickets from before the
        bot stored photos) is sent as it is."""
        if not is_stored(photo):
            await self.calls.send_photo(chat_id, photo)
            return
        try:
            made = await asyncio.to_thread(self.files.stored_photo, photo)
        except FileUnavailable as missing:  # the message's text went; a photo that is gone cannot follow
            log.error("relayed photo not sent to chat %s: %s", chat_id, missing)
            return
        await self.calls.send_photo(chat_id, made)

    async def _send_file(self, chat_id: int, reply: Reply, caption: Part | None) -> None:
        """The attachment, made now (a chart is drawn, a ledger read) off the event loop."""
        assert reply.attachment is not None
        try:
            made = await self.files.made(reply.attachment, reply.locale)
        except FileUnavailable as unavailable:  # the text goes without its file, saying why if it can
            log.error("sending %r without its %s: %s", reply.text.key, reply.attachment.kind, unavailable)
            texts = [caption.text] if caption is not None else []
            if unavailable.notice is not None:
                texts.append(self.translator.render(unavailable.notice, reply.locale, html=True))
            if texts:
                await self.calls.send_text(chat_id, "\n\n".join(texts), caption.keyboard if caption else None)
            return
        if made.as_photo:
            await self.calls.send_photo(chat_id, made, caption)
        else:
            await self.calls.send_document(chat_id, made, caption)


def telegram_platform(calls: BotCalls, translator: Translator, files: FileMaker | None = None) -> Platform:
    """Telegram for the outbox, through one framework's `calls` (each adapter passes its own)."""
    return Platform(TELEGRAM, TelegramSender(calls, translator, files), TELEGRAM_LIMITS, is_telegram_group)
