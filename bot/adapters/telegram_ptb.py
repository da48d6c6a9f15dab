"""The python-telegram-bot 22 adapter: Telegram updates in, the core's replies out.

One handler takes every update: it becomes an `Incoming`, the core handles it in a
worker thread (it does database I/O) and writes the replies to the outbox in the
same transaction; the outbox dispatcher (:mod:`bot.outbox`, started and stopped
with the application) renders (:mod:`bot.render`) and sends them with `BotSender`.
Only a button press's pop-up answer is sent here, at once. No ConversationHandler,
JobQueue or PTB persistence: the dialog state lives in the core's database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import httpx

from telegram import (BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeDefault, Chat, Message, MessageEntity,
                      Update)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.delivery import DeliveryFailed, Failure, Pace
from bot.i18n import Translator
from bot.outbox import Clock, Dispatcher, Policy, make_dispatcher
from bot.outbox import close as close_dispatcher
from bot.adapters.robots import Robot
from bot.files import FileMaker, FileUnavailable
from bot.handled import HandledUpdates
from bot.render import PARSE_MODE, Part, fits_caption, render_reply
from handlers.messages import Msg
from handlers.seam import GROUP, PRIVATE, Incoming, Reply

if TYPE_CHECKING:
    from bot.settings import Settings
    from handlers.rules import Rules

log = logging.getLogger(__name__)

PLATFORM = "telegram"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
COMMAND_LOCALES = {None: "zh_CN", "en": "en"}  # setMyCommands language_code -> our locale

__all__ = ["PLATFORM", "BotSender", "TelegramAdapter", "build_application", "deliver", "dispatcher_of", "run",
           "start", "stop", "to_incoming"]


class Core(Protocol):
    def handle(self, incoming: Incoming) -> list[Reply]: ...
    def commands(self) -> list[tuple[str, Msg]]: ...
    def group_commands(self) -> list[tuple[str, Msg]]: ...
    def sweep(self) -> list[Reply]: ...
    def push_digests(self, monthly: bool = False) -> list[Reply]: ...
    def robot_digests(self, unit_names: list[str], monthly: bool = False) -> dict[str, Msg]: ...
    @property
    def rules(self) -> Rules: ...


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
            payload=query.data or "", pressed_message_id=message.message_id, **_chat(message.chat),
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
        contact_user_id=contact.user_id if contact else None, **_chat(message.chat),
    )


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


# -- the handler ------------------------------------------------------------

class TelegramAdapter:
    """Feeds updates to the core; its messages go out through the outbox dispatcher."""

    def __init__(self, core: Core, translator: Translator) -> None:
        self.core = core
        self.translator = translator
        self.committed: Callable[[], Awaitable[None]] = _nothing  # wakes the dispatcher once it runs
        self.handled = HandledUpdates()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self._on_update(update, context)
        finally:
            self.handled.mark(update.update_id)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        incoming = to_incoming(update, bot.username if _has_me(bot) else None)
        query = update.callback_query
        if incoming is None:
            if query is not None:
                await self._answer(query, None)
            return
        try:
            alerts = await asyncio.to_thread(self.core.handle, incoming)
        except BaseException:
            if query is not None:
                await self._answer(query, None)
            raise  # PTB's error handlers log it (and tests see it)
        await self.committed()  # the turn's messages are in the outbox: the dispatcher sends them
        if query is not None:
            await self._answer(query, alerts[0] if alerts else None)

    async def _answer(self, query: Any, alert: Reply | None) -> None:
        try:
            if alert is None:
                await query.answer()
            else:
                text = self.translator.render(alert.text, alert.locale)[:200]
                await query.answer(text, show_alert=True)
        except TelegramError as exc:  # an old query (after a restart) can't be answered: fine
            log.info("could not answer callback query %s: %s", query.id, exc)

    async def set_commands(self, bot: Any) -> None:
        """setMyCommands from the core: private chats' and groups' lists, default (zh_CN) and per language."""
        try:
            menus = [(BotCommandScopeDefault(), self.core.commands()),
                     (BotCommandScopeAllGroupChats(), self.core.group_commands())]
        except Exception:
            log.exception("the core's command lists failed; the bot's command menus are left as they were")
            return
        for scope, commands in menus:
            for language_code, locale in COMMAND_LOCALES.items():
                listed = [BotCommand(name, self.translator.render(description, locale)[:256])
                          for name, description in commands]
                try:
                    await bot.set_my_commands(listed, scope=scope, language_code=language_code)
                except TelegramError as exc:
                    log.warning("setMyCommands (%s, %s) failed: %s", scope.type, language_code or "default", exc)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)


class BotSender:
    """Sends one `Reply` through PTB's bot for the outbox dispatcher (bot.delivery.Sender):
    rendered, split, edits, photos, location — one Bot API call each, errors classified."""

    def __init__(self, bot: Any, translator: Translator, files: FileMaker | None = None) -> None:
        self.bot = bot
        self.translator = translator
        self.files = files or FileMaker(translator)

    async def send(self, reply: Reply, *, skip: int = 0, pace: Pace | None = None) -> int:
        try:
            calls = self._calls(reply)
        except Exception as exc:  # a template that cannot be rendered will never be sent
            raise DeliveryFailed(Failure.REJECTED, f"cannot render {reply.text.key!r}: {exc!r}", calls_made=skip)
        for made, call in enumerate(calls[skip:], start=skip):
            try:
                if pace is not None:
                    await pace()
                await call()
            except DeliveryFailed as exc:
                raise DeliveryFailed(exc.failure, exc.detail, calls_made=made) from exc
            except TelegramError as exc:
                raise _classified(exc, made) from exc
        return len(calls)

    def _calls(self, reply: Reply) -> list[Callable[[], Awaitable[Any]]]:
        bot, chat_id = self.bot, reply.to.chat_id
        rendered = render_reply(reply, self.translator)
        parts = list(rendered.parts)
        calls: list[Callable[[], Awaitable[Any]]] = []
        if reply.attachment is not None:
            caption = parts.pop() if len(parts) == 1 and fits_caption(parts[0]) else None
            calls.append(lambda: self._send_file(chat_id, reply, caption))
        if reply.edit_message_id is not None and parts:
            first = parts.pop(0)
            markup = rendered.inline_keyboard if not parts else None
            calls.append(lambda: _edit(bot, chat_id, reply.edit_message_id, first.text, markup))
        calls += [lambda part=part: bot.send_message(chat_id, part.text, parse_mode=PARSE_MODE,
                                                     reply_markup=part.reply_markup) for part in parts]
        calls += [lambda file_id=file_id: bot.send_photo(chat_id, file_id) for file_id in reply.photo_file_ids]
        if reply.location is not None:
            latitude, longitude = reply.location
            calls.append(lambda: bot.send_location(chat_id, latitude=latitude, longitude=longitude))
        return calls


    async def _send_file(self, chat_id: int, reply: Reply, caption: Part | None) -> None:
        """The attachment, made now (a chart is drawn, a ledger read) off the event loop."""
        assert reply.attachment is not None
        try:
            made = await asyncio.to_thread(self.files.make, reply.attachment, reply.locale)
        except FileUnavailable as unavailable:  # the text goes without its file, saying why if it can
            log.error("sending %r without its %s: %s", reply.text.key, reply.attachment.kind, unavailable)
            texts = [caption.text] if caption is not None else []
            if unavailable.notice is not None:
                texts.append(self.translator.render(unavailable.notice, reply.locale, html=True))
            if texts:
                await self.bot.send_message(chat_id, "\n\n".join(texts), parse_mode=PARSE_MODE,
                                            reply_markup=caption.reply_markup if caption else None)
            return
        text = {"caption": caption.text, "parse_mode": PARSE_MODE, "reply_markup": caption.reply_markup} if caption else {}
        if made.as_photo:
            await self.bot.send_photo(chat_id, made.data, filename=made.filename, **text)
        else:
            await self.bot.send_document(chat_id, made.data, filename=made.filename, **text)


async def _edit(bot: Any, chat_id: int, message_id: int | None, text: str, markup: Any) -> None:
    try:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode=PARSE_MODE,
                                    reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # pressing twice: already showing this
            raise


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
    if isinstance(exc, TimedOut) and not isinstance(exc.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return failed(Failure.MAYBE_DELIVERED)  # the request went out; the answer did not come back
    return failed(Failure.TRANSIENT)  # 5xx, refused or reset connections, a bad token being fixed…


async def _nothing() -> None:
    pass


def _has_me(bot: Any) -> bool:
    try:
        return bool(bot.username)
    except RuntimeError:  # not initialized
        return False


# -- the application --------------------------------------------------------

ADAPTER_KEY = "lianxin_adapter"
SCHEDULER_KEY = "lianxin_scheduler"
SETTINGS_KEY = "lianxin_settings"
DISPATCHER_KEY = "lianxin_dispatcher"
OUTBOX_KEY = "lianxin_outbox_options"
ROBOTS_KEY = "lianxin_robots"


def build_application(settings: Settings, core: Core, translator: Translator, *,
                      outbox_policy: Policy | None = None, clock: Clock | None = None,
                      robots: dict[str, list[Robot]] | None = None) -> Application:
    """A PTB Application with one handler for every update, talking to `settings.bot_api_url`;
    its outbox dispatcher and scheduler start and stop with it (`outbox_policy`, `clock`: for
    tests; `robots`: each org unit's group robots, which the digest push posts to as well)."""
    token = settings.token
    if not token:
        raise ValueError("a bot token is needed (LIANXIN_BOT_TOKEN)")
    api = settings.api_url
    adapter = TelegramAdapter(core, translator)

    async def post_init(app: Application) -> None:  # run_polling/run_webhook only; start() does it itself
        await adapter.set_commands(app.bot)
        _start_jobs(app)

    async def post_stop(app: Application) -> None:  # before shutdown: the bot can still send
        await _stop_jobs(app)

    app = (Application.builder().token(token).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
           .job_queue(None).post_init(post_init).post_stop(post_stop).build())
    app.add_handler(TypeHandler(Update, adapter.on_update))
    app.add_error_handler(adapter.on_error)
    app.bot_data[ADAPTER_KEY] = adapter
    app.bot_data[SETTINGS_KEY] = settings
    app.bot_data[OUTBOX_KEY] = (outbox_policy, clock)
    app.bot_data[ROBOTS_KEY] = robots or {}
    return app


def adapter_of(app: Application) -> TelegramAdapter:
    return app.bot_data[ADAPTER_KEY]


def dispatcher_of(app: Application) -> Dispatcher:
    return app.bot_data[DISPATCHER_KEY]


async def deliver(app: Application, replies: list[Reply]) -> None:
    """Replies the core produced without an update (timers) are in the outbox: send them now."""
    if replies and (dispatcher := app.bot_data.get(DISPATCHER_KEY)) is not None:
        dispatcher.poke()


def _start_jobs(app: Application) -> None:
    from bot import scheduler

    async def send(replies: list[Reply]) -> None:
        await deliver(app, replies)

    settings: Settings = app.bot_data[SETTINGS_KEY]
    policy, clock = app.bot_data[OUTBOX_KEY]
    translator = adapter_of(app).translator
    files = FileMaker(translator, settings.database_url, adapter_of(app).core.rules, clock=(clock or Clock()).now)
    dispatcher = make_dispatcher(settings.database_url, BotSender(app.bot, translator, files),
                                 policy=policy, clock=clock)
    dispatcher.start()
    app.bot_data[DISPATCHER_KEY] = dispatcher
    adapter_of(app).committed = dispatcher.look
    timetable = scheduler.Timetable(settings.timezone, settings.weekly_digest_cron, settings.monthly_digest_cron)
    robots = scheduler.RobotPost(app.bot_data[ROBOTS_KEY], adapter_of(app).translator, settings.default_locale)
    app.bot_data[SCHEDULER_KEY] = scheduler.start_jobs(adapter_of(app).core, send, timetable, robots)


async def _stop_jobs(app: Application) -> None:
    if (jobs := app.bot_data.pop(SCHEDULER_KEY, None)) is not None:
        jobs.shutdown(wait=False)
    if (dispatcher := app.bot_data.pop(DISPATCHER_KEY, None)) is not None:
        adapter_of(app).committed = _nothing
        await close_dispatcher(dispatcher)


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
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    await _stop_jobs(app)
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
