"""The python-telegram-bot 22 adapter: Telegram updates in, the core's replies out.

One handler takes every update: it becomes an `Incoming`, the core handles it in a
worker thread (it does database I/O), and each `Reply` is rendered
(:mod:`bot.render`) and sent. No ConversationHandler, JobQueue or PTB persistence:
the dialog state lives in the core's database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from telegram import BotCommand, Message, MessageEntity, Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.i18n import Translator
from bot.render import PARSE_MODE, render_reply
from handlers.messages import Msg
from handlers.seam import Incoming, Reply

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "telegram"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
COMMAND_LOCALES = {None: "zh_CN", "en": "en"}  # setMyCommands language_code -> our locale

__all__ = ["PLATFORM", "TelegramAdapter", "build_application", "run", "start", "stop", "to_incoming"]


class Core(Protocol):
    def handle(self, incoming: Incoming) -> list[Reply]: ...
    def commands(self) -> list[tuple[str, Msg]]: ...
    def sweep(self) -> list[Reply]: ...


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
            platform=PLATFORM, chat_id=message.chat.id, user_id=user.id, update_id=update.update_id,
            language_code=user.language_code, display_name=user.full_name,
            payload=query.data or "", pressed_message_id=message.message_id,
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
        platform=PLATFORM, chat_id=message.chat.id, user_id=user.id, update_id=update.update_id,
        language_code=user.language_code, display_name=user.full_name,
        text=text, command=command, args=args,
        photo_file_ids=(message.photo[-1].file_id,) if message.photo else (),
        has_other_media=other_media, location=location,
        contact_phone=contact.phone_number if contact else None,
        contact_user_id=contact.user_id if contact else None,
    )


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


# -- the handler ------------------------------------------------------------

class TelegramAdapter:
    """Feeds updates to the core and sends its replies with PTB's bot."""

    def __init__(self, core: Core, translator: Translator) -> None:
        self.core = core
        self.translator = translator

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        incoming = to_incoming(update, bot.username if _has_me(bot) else None)
        query = update.callback_query
        if incoming is None:
            if query is not None:
                await self._answer(query, None)
            return
        try:
            replies = await asyncio.to_thread(self.core.handle, incoming)
        except BaseException:
            if query is not None:
                await self._answer(query, None)
            raise  # PTB's error handlers log it (and tests see it)
        alert = None
        if query is not None:
            alert = next((r for r in replies if r.as_alert), None)
            await self._answer(query, alert)
        for reply in replies:
            if reply is alert:
                continue
            await self.send(bot, reply)

    async def _answer(self, query: Any, alert: Reply | None) -> None:
        try:
            if alert is None:
                await query.answer()
            else:
                text = self.translator.render(alert.text, alert.locale)[:200]
                await query.answer(text, show_alert=True)
        except TelegramError as exc:  # an old query (after a restart) can't be answered: fine
            log.info("could not answer callback query %s: %s", query.id, exc)

    async def send(self, bot: Any, reply: Reply) -> None:
        """Send one reply; a refused call is logged and the rest of this reply skipped."""
        chat_id = reply.to.chat_id
        try:
            rendered = render_reply(reply, self.translator)
            parts = list(rendered.parts)
            if reply.edit_message_id is not None and parts:
                first = parts.pop(0)
                markup = rendered.inline_keyboard if not parts else None
                try:
                    await _retrying(lambda: bot.edit_message_text(
                        first.text, chat_id=chat_id, message_id=reply.edit_message_id,
                        parse_mode=PARSE_MODE, reply_markup=markup))
                except BadRequest as exc:
                    if "not modified" not in str(exc).lower():
                        raise
            for part in parts:
                await _retrying(lambda part=part: bot.send_message(
                    chat_id, part.text, parse_mode=PARSE_MODE, reply_markup=part.reply_markup))
            for file_id in reply.photo_file_ids:
                await _retrying(lambda file_id=file_id: bot.send_photo(chat_id, file_id))
            if reply.location is not None:
                latitude, longitude = reply.location
                await _retrying(lambda: bot.send_location(chat_id, latitude=latitude, longitude=longitude))
        except (Forbidden, BadRequest) as exc:
            log.warning("reply %r to %s chat %s refused: %s", reply.text.key, reply.to.platform, chat_id, exc)
        except TelegramError as exc:
            log.error("reply %r to %s chat %s failed: %s", reply.text.key, reply.to.platform, chat_id, exc)

    async def set_commands(self, bot: Any) -> None:
        """setMyCommands from core.commands(): the default (zh_CN) list and per-language lists."""
        try:
            commands = self.core.commands()
        except Exception:
            log.exception("core.commands() failed; the bot's command menu is left as it was")
            return
        for language_code, locale in COMMAND_LOCALES.items():
            listed = [BotCommand(name, self.translator.render(description, locale)[:256])
                      for name, description in commands]
            try:
                await bot.set_my_commands(listed, language_code=language_code)
            except TelegramError as exc:
                log.warning("setMyCommands (%s) failed: %s", language_code or "default", exc)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)


async def _retrying(call: Callable[[], Awaitable[Any]]) -> Any:
    """Run a Bot API call; after a flood-control RetryAfter wait as told and try once more."""
    try:
        return await call()
    except RetryAfter as exc:
        delay = exc.retry_after
        seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
        await asyncio.sleep(min(seconds, 60))
        return await call()


def _has_me(bot: Any) -> bool:
    try:
        return bool(bot.username)
    except RuntimeError:  # not initialized
        return False


# -- the application --------------------------------------------------------

ADAPTER_KEY = "lianxin_adapter"
SCHEDULER_KEY = "lianxin_scheduler"
SETTINGS_KEY = "lianxin_settings"


def build_application(settings: Settings, core: Core, translator: Translator) -> Application:
    """A PTB Application with one handler for every update, talking to `settings.bot_api_url`."""
    token = settings.token
    if not token:
        raise ValueError("a bot token is needed (LIANXIN_BOT_TOKEN)")
    api = settings.api_url
    adapter = TelegramAdapter(core, translator)

    async def post_init(app: Application) -> None:  # run_polling/run_webhook only; start() does it itself
        await adapter.set_commands(app.bot)
        _start_jobs(app)

    async def post_shutdown(app: Application) -> None:
        _stop_jobs(app)

    app = (Application.builder().token(token).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
           .job_queue(None).post_init(post_init).post_shutdown(post_shutdown).build())
    app.add_handler(TypeHandler(Update, adapter.on_update))
    app.add_error_handler(adapter.on_error)
    app.bot_data[ADAPTER_KEY] = adapter
    app.bot_data[SETTINGS_KEY] = settings
    return app


def adapter_of(app: Application) -> TelegramAdapter:
    return app.bot_data[ADAPTER_KEY]


async def deliver(app: Application, replies: list[Reply]) -> None:
    """Send replies the core produced without an update (timers)."""
    adapter = adapter_of(app)
    for reply in replies:
        await adapter.send(app.bot, reply)


def _start_jobs(app: Application) -> None:
    from bot import scheduler

    async def send(replies: list[Reply]) -> None:
        await deliver(app, replies)

    timezone = app.bot_data[SETTINGS_KEY].timezone
    app.bot_data[SCHEDULER_KEY] = scheduler.start_jobs(adapter_of(app).core, send, timezone)


def _stop_jobs(app: Application) -> None:
    if (jobs := app.bot_data.pop(SCHEDULER_KEY, None)) is not None:
        jobs.shutdown(wait=False)


async def start(app: Application, *, poll_interval: float = 0.0, timeout: int = 10,
                drop_pending_updates: bool = False) -> None:
    """Start `app` polling inside the running loop (for the demo and tests); pair with `stop`."""
    await app.initialize()
    await adapter_of(app).set_commands(app.bot)
    await app.start()
    _start_jobs(app)
    await app.updater.start_polling(poll_interval=poll_interval, timeout=timeout,
                                    allowed_updates=ALLOWED_UPDATES, drop_pending_updates=drop_pending_updates)


async def start_webhook(app: Application, settings: Settings) -> None:
    """Start `app` receiving updates on `settings.webhook_url` inside the running loop; pair with `stop`."""
    await app.initialize()
    await adapter_of(app).set_commands(app.bot)
    await app.start()
    _start_jobs(app)
    await app.updater.start_webhook(**_webhook_options(settings), allowed_updates=ALLOWED_UPDATES)


def _webhook_options(settings: Settings) -> dict[str, Any]:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    return {"listen": settings.webhook_listen, "port": settings.webhook_port,
            "url_path": urlsplit(settings.webhook_url or "").path.lstrip("/"),
            "webhook_url": settings.webhook_url, "secret_token": secret}


async def stop(app: Application) -> None:
    """Stop what `start` started (safe to call on a partly started app)."""
    _stop_jobs(app)
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


def run(app: Application, settings: Settings, *, stop_signals: Sequence[int] | None = None) -> None:
    """Block running `app`: long polling, or a webhook when `settings.webhook_url` is set."""
    kwargs: dict[str, Any] = {"allowed_updates": ALLOWED_UPDATES}
    if stop_signals is not None:
        kwargs["stop_signals"] = stop_signals
    if not settings.webhook_url:
        app.run_polling(**kwargs)
        return
    app.run_webhook(**_webhook_options(settings), **kwargs)
