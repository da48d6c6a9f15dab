"""The aiogram 3 adapter: Telegram updates in, Bot API calls out. Nothing else.

The same work as bot/adapters/telegram_ptb.py under the other framework the product
names: an outer middleware hands every update to the runtime (bot/runtime.py) and marks
it handled; replies go out through `AiogramCalls`. No FSM storage, scenes or aiogram
i18n: dialog state lives in the core's database, translation in bot/i18n.py.
Each chat's updates are handled in order, different chats' side by side (bot/chat_queues.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (TelegramAPIError, TelegramBadRequest, TelegramForbiddenError, TelegramMigrateToChat,
                                TelegramNetworkError, TelegramNotFound, TelegramRetryAfter)
from aiogram.methods import Response, TelegramMethod
from aiogram.types import (BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeDefault, BufferedInputFile,
                           CallbackQuery, Chat, InlineKeyboardButton, InlineKeyboardMarkup,
                           KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update)

from bot.adapters import publish_menus, serve, stop_publishing
from bot.delivery import DeliveryFailed, Failure, Platform
from bot.files import MadeFile
from bot.render import PARSE_MODE, ContactKeyboard, InlineKeyboard, Keyboard, Part, RemoveKeyboard
from bot.runtime import Received
from bot.telegram_out import TELEGRAM, telegram_platform
from handlers.seam import GROUP, PRIVATE, Document, Incoming

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = TELEGRAM
ALLOWED_UPDATES = ["message", "callback_query"]

__all__ = ["PLATFORM", "AiogramAdapter", "AiogramCalls", "to_incoming"]


# -- Update -> Incoming ---------------------------------------------------

def to_incoming(update: Update, bot_username: str | None = None) -> Incoming | None:
    """The core's view of `update`; None for updates the core has no use for."""
    if (query := update.callback_query) is not None:
        return _press(str(update.update_id), query)
    message = update.message
    if message is None or message.from_user is None:  # edits, channel posts, chat member updates...
        return None
    command, args = None, ""
    if message.text is not None:
        parsed = _command(message, bot_username)
        if parsed is False:
            return None  # a command for another bot
        if parsed is not None:
            command, args = parsed
    user, contact = message.from_user, message.contact
    other_media = any((message.sticker, message.voice, message.document, message.video, message.audio,
                       message.video_note, message.animation))
    return Incoming(
        platform=PLATFORM, chat_id=str(message.chat.id), user_id=str(user.id), update_id=str(update.update_id),
        language_code=user.language_code, display_name=user.full_name,
        text=message.text if message.text is not None else message.caption, command=command, args=args,
        photo_file_ids=(message.photo[-1].file_id,) if message.photo else (),
        has_other_media=other_media, document=_document(message),
        location=(message.location.latitude, message.location.longitude) if message.location else None,
        contact_phone=contact.phone_number if contact else None,
        contact_user_id=_id(contact.user_id) if contact else None, **_chat(message.chat),
    )


def _press(update_id: str, query: CallbackQuery) -> Incoming | None:
    message = query.message
    if message is None:  # an inline-mode message: not ours
        return None
    user = query.from_user
    return Incoming(
        platform=PLATFORM, chat_id=str(message.chat.id), user_id=str(user.id), update_id=update_id,
        language_code=user.language_code, display_name=user.full_name,
        payload=query.data or "", pressed_message_id=str(message.message_id), **_chat(message.chat),
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
    kind = GROUP if chat.type in ("group", "supergroup") else PRIVATE
    return {"chat_kind": kind, "chat_title": chat.title or ""}


def _command(message: Message, bot_username: str | None) -> tuple[str, str] | None | bool:
    """(command, args) for a bot_command at offset 0; None if none; False if for another bot."""
    text = message.text or ""
    entity = next((e for e in message.entities or () if e.type == "bot_command" and e.offset == 0), None)
    if entity is None:
        return None
    word = entity.extract_from(text)  # "/start@lianxin_bot"; offset 0, so a prefix of text
    name, _, addressee = word[1:].partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return False
    return name.lower(), text[len(word):].strip()


# -- Bot API calls out --------------------------------------------------------

def markup(keyboard: Keyboard | None) -> Any:
    """A neutral keyboard as aiogram markup."""
    if isinstance(keyboard, InlineKeyboard):
        return InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in row] for row in keyboard.rows])
    if isinstance(keyboard, ContactKeyboard):
        return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=keyboard.label, request_contact=True)]],
                                   one_time_keyboard=True, resize_keyboard=True)
    if isinstance(keyboard, RemoveKeyboard):
        return ReplyKeyboardRemove()
    return None


class AiogramCalls:
    """bot.telegram_out.BotCalls through aiogram's `Bot`."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def username(self) -> str:
        return str((await self.bot.me()).username)  # asked once: aiogram keeps the answer

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> int:
        sent = await self.bot.send_message(chat_id, text, parse_mode=PARSE_MODE, reply_markup=markup(keyboard))
        return sent.message_id

    async def edit_text(self, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboard | None) -> None:
        try:
            await self.bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id,
                                             parse_mode=PARSE_MODE, reply_markup=markup(keyboard))
        except TelegramBadRequest as exc:
            if "not modified" not in str(exc).lower():  # pressing twice: already showing this
                raise

    async def send_photo(self, chat_id: int, photo: str | MadeFile, caption: Part | None = None) -> None:
        sent = photo if isinstance(photo, str) else BufferedInputFile(photo.data, photo.filename)
        await self.bot.send_photo(chat_id, sent, **_caption(caption))

    async def send_document(self, chat_id: int, document: MadeFile, caption: Part | None = None) -> None:
        await self.bot.send_document(chat_id, BufferedInputFile(document.data, document.filename), **_caption(caption))

    async def send_location(self, chat_id: int, latitude: float, longitude: float) -> None:
        await self.bot.send_location(chat_id, latitude=latitude, longitude=longitude)

    def failure(self, error: Exception, calls_made: int) -> DeliveryFailed | None:
        return _classified(error, calls_made) if isinstance(error, TelegramAPIError) else None


def _caption(caption: Part | None) -> dict[str, Any]:
    if caption is None:
        return {}
    return {"caption": caption.text, "parse_mode": PARSE_MODE, "reply_markup": markup(caption.keyboard)}


def _classified(exc: TelegramAPIError, calls_made: int) -> DeliveryFailed:
    """What an aiogram error means for the outbox (see bot.delivery.Failure)."""
    def failed(failure: Failure, retry_after: float | None = None) -> DeliveryFailed:
        return DeliveryFailed(failure, f"{type(exc).__name__}: {exc}", calls_made=calls_made, retry_after=retry_after)

    if isinstance(exc, TelegramRetryAfter):
        return failed(Failure.RATE_LIMITED, float(exc.retry_after))
    if isinstance(exc, TelegramForbiddenError):
        return failed(Failure.UNREACHABLE)
    if isinstance(exc, (TelegramBadRequest, TelegramNotFound, TelegramMigrateToChat)):
        return failed(Failure.REJECTED)
    if isinstance(exc, TelegramNetworkError) and isinstance(exc.__cause__, asyncio.TimeoutError):
        return failed(Failure.MAYBE_DELIVERED)  # the request went out; the answer did not come back
    return failed(Failure.TRANSIENT)  # 5xx, refused or reset connections, a bad token being fixed…


class KeepResponseModels(BaseRequestMiddleware):
    """Holds on to the model class of each method's answer (`Response[Message]`, …).

    aiogram asks pydantic for `Response[method.__returning__]` on every call, and pydantic keeps
    such classes only weakly. Our frozen start-up (bot/collector.py) makes full collections
    frequent; each one dropped them, and rebuilding one cost about 4 ms: a tenth of the bot's
    time on the event loop under load."""

    def __init__(self) -> None:
        self.kept: dict[type[TelegramMethod[Any]], type[Response[Any]]] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Any:
        kind = type(method)
        if kind not in self.kept:
            self.kept[kind] = Response[method.__returning__]
        return await make_request(bot, method)


# -- the adapter ----------------------------------------------------------------

Handler = Callable[[Update, dict[str, Any]], Awaitable[Any]]


class AiogramAdapter:
    """An aiogram Dispatcher whose one outer middleware hands every update to the runtime."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        token = settings.token
        if not token:
            raise ValueError("a bot token is needed (LIANXIN_BOT_TOKEN)")
        self.settings = settings
        self.runtime = runtime
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_url))
        session.middleware(KeepResponseModels())
        self.bot = Bot(token, session=session)
        self.dp = Dispatcher()
        self.dp.update.outer_middleware(self._on_update)
        self._username: str | None = None
        self._polling: asyncio.Task[None] | None = None
        self.menus: asyncio.Task[None] | None = None  # publishing the command menus (set_commands)

    def platform(self) -> Platform:
        return telegram_platform(AiogramCalls(self.bot), self.runtime.translator, self.runtime.files)

    # -- updates --------------------------------------------------------------------

    async def _on_update(self, handler: Handler, update: Update, data: dict[str, Any]) -> None:
        """Every polled update, instead of aiogram's routers (there are none to call): queued behind its
        chat's earlier ones, so the dispatcher takes the next at once."""
        await self.runtime.queue(self._received(update), self._download)

    def _received(self, update: Update) -> Received:
        query = update.callback_query
        answer = (lambda alert: self._answer(query, alert)) if query is not None else None
        return Received(str(update.update_id), to_incoming(update, self._username), answer)

    async def _download(self, file_id: str) -> bytes:
        downloaded = await self.bot.download(file_id)  # a BytesIO at its start
        assert downloaded is not None
        return downloaded.read()

    async def _answer(self, query: CallbackQuery, alert: str | None) -> None:
        try:
            await (query.answer(alert, show_alert=True) if alert else query.answer())
        except TelegramAPIError as exc:  # an old query (after a restart) can't be answered: fine
            log.info("could not answer callback query %s: %s", query.id, exc)

    async def set_commands(self) -> None:
        """setMyCommands: the runtime's menus, each in its scope and language."""
        for menu in self.runtime.command_menus():
            scope = BotCommandScopeAllGroupChats() if menu.scope == GROUP else BotCommandScopeDefault()
            listed = [BotCommand(command=name, description=text) for name, text in menu.commands]
            try:
                await self.bot.set_my_commands(listed, scope=scope, language_code=menu.language_code)
            except TelegramAPIError as exc:
                log.warning("setMyCommands (%s, %s) failed: %s", menu.scope, menu.language_code or "default", exc)

    # -- lifecycle ------------------------------------------------------------------

    async def start(self, *, polling_timeout: int = 10) -> None:
        """Start inside the running loop: a webhook when the settings name one, else long
        polling. Pair with `stop`."""
        self._username = (await self.bot.me()).username
        self.menus = publish_menus(self.set_commands)
        await self.runtime.start([self.platform()])
        if self.settings.webhook_url:
            await self._start_webhook()
            return
        await self.bot.delete_webhook()
        self._polling = asyncio.create_task(self.dp.start_polling(
            self.bot, polling_timeout=polling_timeout, handle_as_tasks=False, allowed_updates=ALLOWED_UPDATES,
            handle_signals=False, close_bot_session=False), name="aiogram-polling")

    async def _start_webhook(self) -> None:
        """Updates come in through the runtime's webhook server (bot/webhook.py), not aiogram's."""
        settings = self.settings
        await self.runtime.receive_webhook(self._feed, PLATFORM)
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        await self.bot.set_webhook(settings.webhook_url or "", secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def _feed(self, update: dict[str, Any]) -> None:
        """A webhook's update, already in its chat's order (bot/webhook.py): handled before returning."""
        parsed = Update.model_validate(update, context={"bot": self.bot})
        await self.runtime.handle(self._received(parsed), self._download)

    async def stop(self) -> None:
        """Stop what `start` started (safe to call on a partly started adapter)."""
        if self._polling is not None:
            polling, self._polling = self._polling, None
            if not polling.done():
                await self.dp.stop_polling()
            await asyncio.gather(polling, return_exceptions=True)
        await stop_publishing(self.menus)
        await self.runtime.stop()
        await self.bot.session.close()

    def run(self, *, stop_signals: Sequence[int] | None = None) -> None:
        """Block: long polling, or a webhook when the settings name one, until SIGINT/SIGTERM."""
        asyncio.run(serve(self, stop_signals))
