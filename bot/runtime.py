"""One bot process, composed: the core, the translator, the outbox dispatcher and the
platforms it sends to, the scheduler, the group robots and the file maker.

Adapters only translate: an update becomes a `Received` (its `Incoming`, and how to answer a
press) they hand to `queue` (long polling: each chat in order, chats side by side) or `handle`
(the webhook, which keeps each chat's order itself), and the replies go out through the
`Platform` (sender and send policy) they give to `start`. Whatever a framework offers beyond
that (job queues, FSM storage, conversation handlers) stays unused, so that two adapters
cannot drift apart.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.chat_queues import ChatQueues
from bot.delivery import Platform
from bot.files import FileMaker
from bot.handled import HandledUpdates
from bot.i18n import Translator
from bot.outbox import Clock, Dispatcher, Policy, close, make_dispatcher
from handlers.imports.chat import fetch_first
from handlers.messages import Msg
from handlers.seam import GROUP, PRIVATE, Incoming, Reply
from storage.files import FileStore, is_stored
from storage.notify import can_listen, listen_for_outbox

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.adapters.robots import Robot
    from bot.settings import Settings
    from bot.scheduler import Running
    from bot.webhook import Feed, WebhookServer
    from handlers.rules import Rules

log = logging.getLogger(__name__)

Download = Callable[[str], Awaitable[bytes]]  # a platform's file id -> the file's bytes
AnswerPress = Callable[[str | None], Awaitable[None]]  # answers a button press, with a pop-up's text or none


@dataclass(frozen=True)
class Received:
    """An update as an adapter hands it over."""

    update_id: str  # the platform's, as text
    incoming: Incoming | None  # the core's view of it; None: nothing for the core (an edit, another bot's command)
    answer_press: AnswerPress | None = None  # for a button press: the platform must always be answered


class Core(Protocol):
    """What the runtime needs of handlers.app.Lianxin."""

    def handle(self, incoming: Incoming) -> list[Reply]: ...
    def commands(self) -> list[tuple[str, Msg]]: ...
    def group_commands(self) -> list[tuple[str, Msg]]: ...
    def sweep(self) -> list[Reply]: ...
    def push_digests(self, monthly: bool = False) -> list[Reply]: ...
    def robot_digests(self, unit_names: list[str], monthly: bool = False) -> dict[str, Msg]: ...
    @property
    def rules(self) -> Rules: ...


ALERT_LIMIT = 200  # characters of a press's pop-up answer (Telegram's limit)
MENU_DESCRIPTION_LIMIT = 256
MENU_LOCALES = {None: "zh_CN", "en": "en"}  # a menu's language code -> our locale (None: the default menu)


@dataclass(frozen=True)
class CommandMenu:
    """One command menu to publish: for private chats or groups, in one language."""

    scope: str  # handlers.seam.PRIVATE or GROUP
    language_code: str | None  # None: everyone whose language has no menu of its own
    commands: tuple[tuple[str, str], ...]  # (command, description)


class Runtime:
    """The process around the core; `start` once the adapter can send, `stop` before it cannot."""

    def __init__(self, settings: Settings, core: Core, translator: Translator, *,
                 robots: dict[str, list[Robot]] | None = None, outbox_policy: Policy | None = None,
                 clock: Clock | None = None, scheduled: bool = True) -> None:
        self.settings = settings
        self.core = core
        self.translator = translator
        self.robots = robots or {}
        # LIANXIN_SEND_PACING=false: unpaced (a local server with its limits off); a policy given wins
        self.outbox_policy = outbox_policy if outbox_policy is not None else Policy(paced=settings.send_pacing)
        self.clock = clock or Clock()
        self.scheduled = scheduled  # False: no timed jobs (a process that only answers)
        self.stored_files = FileStore.at(settings.database_url)
        self.files = FileMaker(translator, settings.database_url, core.rules, clock=self.clock.now,
                               stored=self.stored_files)
        self.handled = HandledUpdates()
        self.chats = ChatQueues()  # polled updates: each chat in order, chats side by side
        self.errors: deque[BaseException | None] = deque(maxlen=100)  # the latest failures, for tests
        self.dispatcher: Dispatcher | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.webhook: WebhookServer | None = None
        self._job_runs: Running | None = None  # the timed jobs' runs under way (a stop lets them finish)
        self._outbox_wakeups: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------

    async def start(self, platforms: Iterable[Platform]) -> None:
        """Start sending the outbox rows of `platforms`, each through its own sender and within
        its own limits, and the timed jobs."""
        self.dispatcher = make_dispatcher(self.settings.database_url, platforms, policy=self.outbox_policy,
                                          clock=self.clock)
        self.dispatcher.start()
        if can_listen(self.settings.database_url):  # other processes' commits wake this dispatcher
            self._outbox_wakeups = asyncio.create_task(
                listen_for_outbox(self.settings.database_url, self.dispatcher.poke), name="outbox-wakeups")
        if self.scheduled:
            self.scheduler = self._start_jobs()

    async def receive_webhook(self, feed: Feed, platform: str) -> None:
        """Serve the webhook the settings name (bot/webhook.py): each update recorded, acknowledged,
        then handed to `feed` in its chat's order. Stopped by `stop`."""
        from bot.webhook import WebhookServer
        from storage.db import make_engine
        from storage.inbox import InboxStore

        settings = self.settings
        if not settings.webhook_url or settings.webhook_secret is None:
            raise ValueError("a webhook needs LIANXIN_WEBHOOK_URL and LIANXIN_WEBHOOK_SECRET (anyone could post "
                             "updates to a webhook without a secret)")
        server = WebhookServer(url=settings.webhook_url, listen=settings.webhook_listen, port=settings.webhook_port,
                               secret=settings.webhook_secret.get_secret_value(),
                               inbox=InboxStore(make_engine(settings.database_url)), feed=feed, platform=platform,
                               reuse_port=settings.webhook_reuse_port)
        try:
            await server.start()
        except BaseException:
            server.inbox.engine.dispose()
            raise
        self.webhook = server

    async def stop(self) -> None:
        """Stop receiving, finish the updates already taken, stop the timed jobs, then the dispatcher
        (sends under way may finish)."""
        if self.webhook is not None:
            webhook, self.webhook = self.webhook, None
            await webhook.stop()
            webhook.inbox.engine.dispose()
        await self.chats.join()  # updates already fetched are handled, and their answers sent below
        if self._outbox_wakeups is not None:
            self._outbox_wakeups.cancel()
            await asyncio.gather(self._outbox_wakeups, return_exceptions=True)
            self._outbox_wakeups = None
        if self.scheduler is not None:
            from bot.scheduler import stop_jobs

            timed, self.scheduler = self.scheduler, None
            assert self._job_runs is not None
            await stop_jobs(timed, self._job_runs)
        if self.dispatcher is not None:
            dispatcher, self.dispatcher = self.dispatcher, None
            await close(dispatcher)
        self.stored_files.engine.dispose()

    def _start_jobs(self) -> AsyncIOScheduler:
        from bot import scheduler

        settings = self.settings
        timetable = scheduler.Timetable(settings.timezone, settings.weekly_digest_cron, settings.monthly_digest_cron)
        robots = scheduler.RobotPost(self.robots, self.translator, settings.default_locale)
        self._job_runs = scheduler.Running()
        return scheduler.start_jobs(self.core, self.deliver, timetable, robots, self._job_runs)

    # -- updates in --------------------------------------------------------------

    async def queue(self, received: Received, download: Download | None = None) -> None:
        """A polled update: `handle`d after its chat's earlier updates and beside other chats'
        (bot/chat_queues.py). Returns once it is queued, so the adapter takes the next at once."""
        incoming = received.incoming
        if incoming is None:
            await self.handle(received, download)
            return
        await self.chats.put(f"{incoming.platform}:{incoming.chat_id}", lambda: self.handle(received, download))

    async def handle(self, received: Received, download: Download | None = None) -> None:
        """One update, start to end: the core takes it, a press is answered (with the pop-up the core
        gave, if any) whatever happened, a failure is logged and kept, and the update is marked handled."""
        alert = None
        try:
            if received.incoming is not None:
                alert = await self.take(received.incoming, download)
        except Exception as error:
            self.failed(error, received.update_id)
        finally:
            try:
                if received.answer_press is not None:  # the client's spinner stops, even after a failure
                    await received.answer_press(alert)
            finally:
                self.handled.mark(received.update_id)

    def failed(self, error: BaseException | None, update_id: str | None = None) -> None:
        """An update (or the adapter's framework) failed: logged with the update, kept in `errors`."""
        log.error("handling update %s failed", "?" if update_id is None else update_id, exc_info=error)
        self.errors.append(error)

    async def take(self, incoming: Incoming, download: Download | None = None) -> str | None:
        """The core handles `incoming` (off the event loop: it does database work); its messages
        are in the outbox when this returns (a press's: their sending begun). Returns the text of the pop-up
        answering a press, if any: ephemeral, the adapter shows it at once. Photos are first
        fetched with `download` and kept by the bot: the core sees references to stored files."""
        if incoming.photo_file_ids and download is not None:
            incoming = await self._keep_photos(incoming, download)
        if incoming.document is not None and not incoming.in_group and download is not None \
                and fetch_first(incoming.document):  # an import is a private chat's business
            incoming = await self._keep_document(incoming, download)
        try:
            alerts = await asyncio.to_thread(self.core.handle, incoming)
        finally:
            if incoming.document is not None and is_stored(incoming.document.file_id):
                # read by the turn (or never to be): the office's data lives on in the register only
                await asyncio.to_thread(self.stored_files.forget, incoming.document.file_id)
        if self.dispatcher is not None and incoming.is_press:
            await self.dispatcher.look()  # a press's messages then follow its answer without a pause
        elif self.dispatcher is not None:
            self.dispatcher.poke()  # no answer to follow: the next update need not wait for the claim
        if not alerts:
            return None
        return self.translator.render(alerts[0].text, alerts[0].locale)[:ALERT_LIMIT]

    async def _keep_photos(self, incoming: Incoming, download: Download) -> Incoming:
        references = []
        for file_id in incoming.photo_file_ids:
            try:
                data = await download(file_id)
                references.append(await asyncio.to_thread(self.stored_files.keep, data))
            except Exception:  # the platform's own id still works there: better that than no photo
                log.warning("photo %s of update %s not stored; kept as the platform's file id", file_id,
                            incoming.update_id, exc_info=True)
                references.append(file_id)
        return dataclasses.replace(incoming, photo_file_ids=tuple(references))

    async def _keep_document(self, incoming: Incoming, download: Download) -> Incoming:
        """A spreadsheet sent for import, fetched before the core's transaction opens (a download
        inside it would hold the database's write lock): the core reads it through `Sheets`."""
        document = incoming.document
        assert document is not None
        try:
            data = await download(document.file_id)
            reference = await asyncio.to_thread(self.stored_files.keep, data)
        except Exception:  # the core then says the file could not be read
            log.warning("document %r of update %s not fetched", document.file_name, incoming.update_id, exc_info=True)
            return incoming
        return dataclasses.replace(incoming, document=dataclasses.replace(document, file_id=reference))

    # -- replies out ---------------------------------------------------------------

    async def deliver(self, replies: list[Reply]) -> None:
        """Replies the core made without an update (timers) are in the outbox: send them now."""
        if replies and self.dispatcher is not None:
            self.dispatcher.poke()

    async def drain(self, timeout: float = 30.0) -> None:
        """Until everything due now has been sent (or given up on)."""
        if self.dispatcher is None:
            raise RuntimeError("the runtime is not started")
        await self.dispatcher.drain(timeout)

    def command_menus(self) -> list[CommandMenu]:
        """The command menus to publish: private chats' and groups', in the default language
        (language_code None) and in each other one people's apps may ask for."""
        try:
            lists = ((PRIVATE, self.core.commands()), (GROUP, self.core.group_commands()))
        except Exception:
            log.exception("the core's command lists failed; the bot's command menus are left as they were")
            return []
        menus = []
        for scope, commands in lists:
            for language_code, locale in MENU_LOCALES.items():
                listed = tuple((name, self.translator.render(description, locale)[:MENU_DESCRIPTION_LIMIT])
                               for name, description in commands)
                menus.append(CommandMenu(scope, language_code, listed))
        return menus


class WhenDone:
    """When this process is done with an update, for whoever in the same process must wait for it
    (the demo's local Bot API server, the scenario tests; sandbox.botapi.done.DoneSignal): once
    the update is handled and every message due now is sent. Messages held on purpose (无事不扰)
    stay held."""

    def __init__(self, runtime: Runtime, timeout: float = 120.0) -> None:
        self.runtime = runtime
        self.timeout = timeout  # only a bug waits this long

    async def handled(self, update_id: int | str) -> None:
        """`update_id` as the platform numbers it (the sandbox: Telegram's int); the core keeps it as text."""
        await self.runtime.handled.wait(str(update_id))
        await self.idle()

    async def idle(self) -> None:
        await self.runtime.drain(self.timeout)
