"""The python-telegram-bot 22 adapter: Telegram updates in, Bot API calls out. Nothing else.

One handler takes every update: it becomes an `Incoming` for the runtime (bot/runtime.py),
which has the core handle it and its messages sent by the outbox dispatcher through
`PtbCalls`. Only a button press's pop-up answer is sent here, at once. Updates are queued per
chat (bot/chat_queues.py): each chat's in order, different chats' side by side. No
ConversationHandler, JobQueue or PTB persistence: the dialog state lives in the core's
database and the timed jobs in the runtime's scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from telegram import (BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeDefault, Chat, InlineKeyboardButton,
                      InlineKeyboardMarkup, KeyboardButton, Message, MessageEntity, ReplyKeyboardMarkup,
                      ReplyKeyboardRemove, Update)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.adapters import publish_menus, serve, stop_publishing
from bot.adapters.ptb_request import NOT_SENT, AiohttpRequest
from bot.delivery import DeliveryFailed, Failure, Platform
from bot.files import FileMaker, MadeFile
from bot.i18n import Translator
from bot.render import PARSE_MODE, ContactKeyboard, InlineKeyboard, Keyboard, Part, RemoveKeyboard
from bot.runtime import Received
from bot.telegram_out import TELEGRAM, telegram_platform
from handlers.seam import GROUP, PRIVATE, Document, Incoming

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = TELEGRAM
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
SEND_CONNECTIONS = 16  # to the Bot API server at once: the outbox sends to several chats in parallel
# A file (up to 20 MB from Telegram) may take a while; only its own chat waits (bot/chat_queues.py).
# aiogram's session allows 60 s for any call.
DOWNLOAD_TIMEOUT = 60.0

__all__ = ["PLATFORM", "PtbAdapter", "PtbCalls", "ptb_platform", "to_incoming"]


# -- Update -> Incoming ---------------------------------------------------

def to_incoming(update: Update, bot_username: str | None = None) -> Incoming | None:
    """The core's view of `update`; None for updates the core has no use for."""
    user = update.effective_user
    query = update.callback_query
    if query is not None:
        message = query.message
        if message is None or user is None:  # an inline-mode message: not ours
            return None
        return Incoming(
            platform=PLATFORM, chat_id=str(message.chat.id), user_id=str(user.id), update_id=str(update.update_id),
            language_code=user.language_code, display_name=user.full_name,
            payload=query.data or "", pressed_message_id=str(message.message_id), **_chat(message.chat),
        )
    message = update.message
    if message is None or user is None:  # edits, channel posts, chat member updates...
        return None
    text = message.text if message.text is not None else message.caption
    command, args = None, ""
    if message.text is not None:
        parsed = _command(message, bot_username)
        if parsed is False:
            return None  # a command for another bot
        if parsed is not None:
            command, args = parsed
    location = (message.location.latitude, message.location.longitude) if message.location else None
    contact = message.contact
    other_media = any((message.sticker, message.voice, message.document, message.video, message.audio,
                       message.video_note, message.animation))
    return Incoming(
        platform=PLATFORM, chat_id=str(message.chat.id), user_id=str(user.id), update_id=str(update.update_id),
        language_code=user.language_code, display_name=user.full_name,
        text=text, command=command, args=args,
        photo_file_ids=(message.photo[-1].file_id,) if message.photo else (),
        has_other_media=other_media, location=location, document=_document(message),
        contact_phone=contact.phone_number if contact else None,
        contact_user_id=_id(contact.user_id) if contact else None, **_chat(message.chat),
    )


def _document(message: Message) -> Document | None:
    """A file sent (not a photo): its id, name and size, as Telegram gives them."""
    document = message.document
    if document is None:
        return None
    return Document(document.file_id, document.file_name or "", document.file_size or 0)


def _id(telegram_id: int | None) -> str | None:
    """Telegram's integer id as the core's opaque string (None stays None)."""
    return None if telegram_id is None else str(telegram_id)


def _chat(chat: Chat) -> dict[str, Any]:
    kind = GROUP if chat.type in (Chat.GROUP, Chat.SUPERGROUP) else PRIVATE
    return {"chat_kind": kind, "chat_title": chat.title or ""}


def _command(message: Message, bot_username: str | None) -> tuple[str, str] | None | bool:
    """(command, args) for a bot_command at offset 0; None if none; False if for another bot."""
    text = message.text or ""
    entity = next((e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None)
    if entity is None:
        return None
    word = message.parse_entity(entity)  # "/start@lianxin_bot"; offset 0, so a prefix of text
    name, _, addressee = word[1:].partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return False
    return name.lower(), text[len(word):].strip()


# -- Bot API calls out --------------------------------------------------------

def markup(keyboard: Keyboard | None) -> Any:
    """A neutral keyboard as PTB markup."""
    if isinstance(keyboard, InlineKeyboard):
        return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                     for row in keyboard.rows])
    if isinstance(keyboard, ContactKeyboard):
        return ReplyKeyboardMarkup([[KeyboardButton(keyboard.label, request_contact=True)]],
                                   one_time_keyboard=True, resize_keyboard=True)
    if isinstance(keyboard, RemoveKeyboard):
        return ReplyKeyboardRemove()
    return None


class PtbCalls:
    """bot.telegram_out.BotCalls through PTB's `Bot`."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    async def username(self) -> str:
        if not _has_me(self.bot):
            await self.bot.get_me()  # PTB keeps it as bot.username
        return str(self.bot.username)

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> int:
        sent = await self.bot.send_message(chat_id, text, parse_mode=PARSE_MODE, reply_markup=markup(keyboard))
        return sent.message_id

    async def edit_text(self, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboard | None) -> None:
        try:
            await self.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode=PARSE_MODE,
                                             reply_markup=markup(keyboard))
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():  # pressing twice: already showing this
                raise

    async def send_photo(self, chat_id: int, photo: str | MadeFile, caption: Part | None = None) -> None:
        data, filename = (photo, None) if isinstance(photo, str) else (photo.data, photo.filename)
        await self.bot.send_photo(chat_id, data, filename=filename, **_caption(caption))

    async def send_document(self, chat_id: int, document: MadeFile, caption: Part | None = None) -> None:
        await self.bot.send_document(chat_id, document.data, filename=document.filename, **_caption(caption))

    async def send_location(self, chat_id: int, latitude: float, longitude: float) -> None:
        await self.bot.send_location(chat_id, latitude=latitude, longitude=longitude)

    def failure(self, error: Exception, calls_made: int) -> DeliveryFailed | None:
        return _classified(error, calls_made) if isinstance(error, TelegramError) else None


def ptb_platform(bot: Any, translator: Translator, files: FileMaker | None = None) -> Platform:
    """Telegram for the outbox over a PTB `Bot` (also for a dispatcher without an adapter)."""
    return telegram_platform(PtbCalls(bot), translator, files)


def _caption(caption: Part | None) -> dict[str, Any]:
    if caption is None:
        return {}
    return {"caption": caption.text, "parse_mode": PARSE_MODE, "reply_markup": markup(caption.keyboard)}


def _classified(exc: TelegramError, calls_made: int) -> DeliveryFailed:
    """What a PTB error means for the outbox (see bot.delivery.Failure)."""
    def failed(failure: Failure, retry_after: float | None = None) -> DeliveryFailed:
        return DeliveryFailed(failure, f"{type(exc).__name__}: {exc}", calls_made=calls_made, retry_after=retry_after)

    if isinstance(exc, RetryAfter):
        delay = exc.retry_after
        return failed(Failure.RATE_LIMITED, delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay))
    if isinstance(exc, Forbidden):
        return failed(Failure.UNREACHABLE)
    if isinstance(exc, (BadRequest, ChatMigrated)):
        return failed(Failure.REJECTED)
    if isinstance(exc, TimedOut) and not isinstance(exc.__cause__, NOT_SENT):
        return failed(Failure.MAYBE_DELIVERED)  # the request went out; the answer did not come back
    return failed(Failure.TRANSIENT)  # 5xx, refused or reset connections, a bad token being fixed…


# -- the adapter ----------------------------------------------------------------

class PtbAdapter:
    """A PTB Application with one handler for every update, talking to `settings.bot_api_url`."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        token = settings.token
        if not token:
            raise ValueError("a bot token is needed (LIANXIN_BOT_TOKEN)")
        self.settings = settings
        self.runtime = runtime
        api = settings.api_url
        self.app = (Application.builder().token(token).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
                    .request(AiohttpRequest(connections=SEND_CONNECTIONS))
                    .get_updates_request(AiohttpRequest(connections=1))
                    .job_queue(None).post_init(self._post_init).post_stop(self._post_stop).build())
        self.app.add_handler(TypeHandler(Update, self.on_update))
        self.app.add_error_handler(self.on_error)
        self.menus: asyncio.Task[None] | None = None  # publishing the command menus (set_commands)

    def platform(self) -> Platform:
        return ptb_platform(self.app.bot, self.runtime.translator, self.runtime.files)

    # -- updates --------------------------------------------------------------------

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A polled update, queued behind its chat's earlier ones: PTB fetches the next at once."""
        await self.runtime.queue(self._received(update), self._download)

    def _received(self, update: Update) -> Received:
        bot, query = self.app.bot, update.callback_query
        incoming = to_incoming(update, bot.username if _has_me(bot) else None)
        answer = (lambda alert: self._answer(query, alert)) if query is not None else None
        return Received(str(update.update_id), incoming, answer)

    async def _download(self, file_id: str) -> bytes:
        file = await self.app.bot.get_file(file_id, read_timeout=DOWNLOAD_TIMEOUT)
        return bytes(await file.download_as_bytearray(read_timeout=DOWNLOAD_TIMEOUT))

    async def _answer(self, query: Any, alert: str | None) -> None:
        try:
            await (query.answer(alert, show_alert=True) if alert else query.answer())
        except TelegramError as exc:  # an old query (after a restart) can't be answered: fine
            log.info("could not answer callback query %s: %s", query.id, exc)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.runtime.failed(context.error, _id(getattr(update, "update_id", None)))

    async def set_commands(self) -> None:
        """setMyCommands: the runtime's menus, each in its scope and language."""
        for menu in self.runtime.command_menus():
            scope = BotCommandScopeAllGroupChats() if menu.scope == GROUP else BotCommandScopeDefault()
            try:
                await self.app.bot.set_my_commands([BotCommand(name, text) for name, text in menu.commands],
                                                   scope=scope, language_code=menu.language_code)
            except TelegramError as exc:
                log.warning("setMyCommands (%s, %s) failed: %s", menu.scope, menu.language_code or "default", exc)

    # -- lifecycle ------------------------------------------------------------------

    async def _post_init(self, app: Application) -> None:  # run() only; start() does this itself
        self.menus = publish_menus(self.set_commands)
        await self.runtime.start([self.platform()])

    async def _post_stop(self, app: Application) -> None:  # before shutdown: the bot can still send
        await stop_publishing(self.menus)
        await self.runtime.stop()

    async def start(self, *, poll_interval: float = 0.0, timeout: int = 10,
                    drop_pending_updates: bool = False) -> None:
        """Start inside the running loop (the demo, tests): a webhook when the settings name one,
        else long polling. Pair with `stop`."""
        app = self.app
        await app.initialize()
        self.menus = publish_menus(self.set_commands)
        await app.start()
        await self.runtime.start([self.platform()])
        if self.settings.webhook_url:
            await self._start_webhook()
        else:
            await app.updater.start_polling(poll_interval=poll_interval, timeout=timeout,
                                            allowed_updates=ALLOWED_UPDATES, drop_pending_updates=drop_pending_updates)

    async def stop(self) -> None:
        """Stop what `start` started (safe to call on a partly started adapter)."""
        app = self.app
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await stop_publishing(self.menus)
        await self.runtime.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    def run(self, *, stop_signals: Sequence[int] | None = None) -> None:
        """Block: long polling, or a webhook when the settings name one."""
        if self.settings.webhook_url:
            asyncio.run(serve(self, stop_signals))
            return
        kwargs: dict[str, Any] = {"allowed_updates": ALLOWED_UPDATES}
        if stop_signals is not None:
            kwargs["stop_signals"] = stop_signals
        self.app.run_polling(**kwargs)

    async def _start_webhook(self) -> None:
        """Updates come in through the runtime's webhook server (bot/webhook.py), not PTB's."""
        settings = self.settings
        await self.runtime.receive_webhook(self._feed, PLATFORM)
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        await self.app.bot.set_webhook(settings.webhook_url or "", secret_token=secret,
                                       allowed_updates=ALLOWED_UPDATES)

    async def _feed(self, update: dict[str, Any]) -> None:
        """A webhook's update, already in its chat's order (bot/webhook.py): handled before returning."""
        await self.runtime.handle(self._received(Update.de_json(update, self.app.bot)), self._download)


def _has_me(bot: Any) -> bool:
    try:
        return bool(bot.username)
    except RuntimeError:  # not initialized
        return False
