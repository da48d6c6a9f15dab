"""LocalBotApi: the HTTP server, Bot API routing, call log and synchronisation.

Routes:
  /bot<token>/<method>          the Bot API (GET or POST; JSON, urlencoded, multipart)
  /file/bot<token>/<file_path>  file downloads, for paths returned by getFile
  /_sim/...                     the control API (see control.py)
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from . import api_messages, api_updates  # noqa: F401  (registers the Bot API methods)
from . import persist
from .activity import Activity
from .control import setup_control
from .errors import BotApiError, not_found, unauthorized
from .events import ChangeFeed
from .faults import Faults
from .params import Params, read_params
from .ratelimit import RateLimiter, RateLimits
from .registry import CallContext, Handler, find_method
from .simulator import Outcome, SimGroup, SimUser, UpdateNotHandled, deliver
from .state import BotState, UserAccount
from .updates import UpdateQueue
from .webhook import WebhookDelivery
from ..web import setup_page

log = logging.getLogger(__name__)
MAX_BODY = 60 * 1024 * 1024  # above Telegram's 50 MB document limit so the 400 comes from us


@dataclass
class Call:
    """One Bot API request as the server saw it."""

    bot: str  # the bot's username ("?" for an unknown token)
    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None
    result: Any = None
    at: float = field(default_factory=time.time)
    client_gone: bool = False  # the client hung up before the answer (e.g. a cancelled long poll)

    @property
    def ok(self) -> bool:
        return self.status == 200


class LocalBotApi:
    """A Telegram Bot API server on 127.0.0.1 with simulated users (see package docstring)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, rate_limits: bool = False,
                 limits: RateLimits | None = None, settle: float = 0.1, first_call_grace: float = 0.5,
                 timeout: float = 10.0, strict_ampersand: bool = True, done_timeout: float = 120.0,
                 state_file: Path | None = None) -> None:
        self.host = host
        self.port = port
        self.settle = settle
        self.first_call_grace = first_call_grace
        self.timeout = timeout
        self.done_timeout = done_timeout  # for a bot that says when it is done: only a bug waits this long
        self.strict_ampersand = strict_ampersand
        self.rate_limiter = RateLimiter(limits, enabled=rate_limits)
        self.faults = Faults()  # injected failures (faults.py)
        self.bots: dict[str, BotState] = {}
        self.users: dict[int, UserAccount] = {}
        self.calls: list[Call] = []
        self._activity: dict[str, Activity] = {}
        self._webhooks: dict[str, WebhookDelivery] = {}
        self._sim_users: dict[tuple[str, int], SimUser] = {}
        self._runner: web.AppRunner | None = None
        # The demo's time, for GET/POST /_sim/clock (control.py): an object with async now() -> datetime and
        # async advance(step: str) -> datetime, answering once the move's consequences are sent. None: fixed.
        self.clock: Any = None
        self.state_file = state_file  # the world is kept here across restarts (persist.py); None: forgotten
        self._changes = 0  # bumped by whatever may change the world, for the keeper to notice
        self._keeper: asyncio.Task[None] | None = None
        self.chat_changes = ChangeFeed()  # every chat change, for the web page (GET /_sim/events)
        # Who the web page lets the visitor be (GET /_sim/personas), e.g. {"id": 1001, "name": "王老板",
        # "role": "企业主", "kind": "private"} or {"id": -100500, ..., "kind": "group", "member": 3001}.
        self.personas: list[dict[str, Any]] = []
        self.app = self._build_app()

    # --- lifecycle ---------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        setup_control(app, self)
        setup_page(app)
        return app

    @property
    def url(self) -> str:
        """Base URL, e.g. "http://127.0.0.1:8081" (PTB: base_url=url+"/bot")."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        if self.state_file is not None:
            persist.load(self, self.state_file)
        self.chat_changes.closed = False
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = self._runner.addresses[0][1]
        if self.state_file is not None:
            self._keeper = asyncio.create_task(self._keep_state(), name="sandbox-state")

    def touch(self) -> None:
        """Something in the world may have changed: the keeper writes the state file soon."""
        self._changes += 1

    async def _keep_state(self, every: float = 0.5) -> None:
        """Write the state file whenever the world changed, at most every `every` seconds, so even a
        killed server loses at most the last moment."""
        assert self.state_file is not None
        written = self._changes
        while True:
            await asyncio.sleep(every)
            if self._changes != written:
                written = self._changes
                persist.save(self, self.state_file)

    async def stop(self) -> None:
        """Release long polls (empty result), stop webhook delivery, close the server."""
        self.chat_changes.close()
        for bot in self.bots.values():
            bot.queue.close()
        for hook in list(self._webhooks.values()):
            await hook.stop()
        self._webhooks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
            self._keeper = None
        if self.state_file is not None:
            persist.save(self, self.state_file)

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- world setup -------------------------------------------------------

    def add_bot(self, token: str, username: str, first_name: str = "Bot") -> BotState:
        """Register a bot account; the token's numeric prefix is the bot's user id."""
        bot_id = int(token.split(":", 1)[0])
        account = UserAccount(id=bot_id, first_name=first_name, username=username, is_bot=True)
        bot = BotState(token=token, account=account, queue=UpdateQueue(), feed=self.chat_changes)
        self.bots[token] = bot
        self._activity[token] = Activity()
        return bot

    def bot(self, which: str | None = None) -> BotState:
        """A bot by token or username; None means the only bot."""
        if which is None:
            if len(self.bots) != 1:
                raise ValueError(f"{len(self.bots)} bots registered: say which (token or username)")
            return next(iter(self.bots.values()))
        for bot in self.bots.values():
            if which in (bot.token, bot.account.username, f"@{bot.account.username}"):
                return bot
        raise KeyError(f"no bot {which!r}")

    def user(self, user_id: int, first_name: str | None = None, *, last_name: str | None = None,
             username: str | None = None, language_code: str | None = None,
             bot: str | None = None) -> SimUser:
        """A simulated person (private chat id == user id) talking to `bot`."""
        account = self.users.get(user_id)
        if account is None:
            account = self.users[user_id] = UserAccount(
                id=user_id, first_name=first_name or f"User {user_id}", last_name=last_name,
                username=username, language_code=language_code)
        else:
            for key, value in (("first_name", first_name), ("last_name", last_name),
                               ("username", username), ("language_code", language_code)):
                if value is not None:
                    setattr(account, key, value)
        state = self.bot(bot)
        key = (state.token, user_id)
        if key not in self._sim_users:
            state.private_chat(account)  # the bot can now "see" the user (403 until they write)
            self._sim_users[key] = SimUser(self, state, account)
        return self._sim_users[key]

    def group(self, chat_id: int, title: str, *, bot: str | None = None) -> SimGroup:
        """A group chat the bot is a member of (chat_id should be negative)."""
        return SimGroup(self, self.bot(bot), chat_id, title)

    @property
    def rate_limits(self) -> bool:
        return self.rate_limiter.enabled

    @rate_limits.setter
    def rate_limits(self, enabled: bool) -> None:
        self.rate_limiter.enabled = enabled

    # --- calls and synchronisation ----------------------------------------

    @property
    def errors(self) -> list[Call]:
        """Failed calls whose answer reached the bot (what a test asserts is empty)."""
        return [c for c in self.calls if not c.ok and not c.client_gone]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def activity(self, bot: BotState) -> Activity:
        return self._activity[bot.token]

    async def deliver(self, bot: BotState, kind: str, payload: dict, label: str) -> Outcome:
        """Queue an update and wait until the bot has handled it (see simulator.deliver)."""
        return await deliver(self, bot, kind, payload, label)

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Wait until every update was delivered and no bot has called the API for `settle` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (timeout or self.timeout)
        for bot in self.bots.values():
            while bot.queue.undelivered():
                if loop.time() >= deadline:
                    labels = ", ".join(u.label for u in bot.queue.undelivered())
                    raise UpdateNotHandled(f"@{bot.account.username} never fetched: {labels}")
                await bot.queue.changed(0.01)
            await self.until_idle(bot, deadline)

    async def until_idle(self, bot: BotState, deadline: float) -> None:
        """Until `bot` has sent what it owes: by its own word (done.py), else once its calls settle."""
        if bot.done is not None:
            try:
                await asyncio.wait_for(bot.done.idle(), self.done_timeout)
            except asyncio.TimeoutError:
                raise UpdateNotHandled(f"@{bot.account.username} did not finish sending within "
                                       f"{self.done_timeout}s") from None
            return
        if not await self.activity(bot).settle(asyncio.get_running_loop().time(), self.settle, deadline):
            raise UpdateNotHandled(f"@{bot.account.username} did not go idle within the timeout")

    # --- webhooks ----------------------------------------------------------

    def webhook_of(self, bot: BotState) -> WebhookDelivery | None:
        return self._webhooks.get(bot.token)

    async def set_webhook(self, bot: BotState, url: str | None, *, secret_token: str | None = None,
                          max_connections: int = 40) -> None:
        old = self._webhooks.pop(bot.token, None)
        if old is not None:
            await old.stop()
        if url:
            hook = WebhookDelivery(bot, url, secret_token, max_connections, self._webhook_reply)
            self._webhooks[bot.token] = hook
            hook.start()

    async def _webhook_reply(self, bot: BotState, method: str, params: dict) -> None:
        handler = find_method(method)
        if handler is not None:
            await self._execute(bot, method, handler, Params(params), lambda: True)

    # --- HTTP handlers -----------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        token, name = request.match_info["token"], request.match_info["method"]
        bot = self.bots.get(token)
        handler = find_method(name)
        if bot is None or handler is None:
            error = unauthorized() if bot is None else not_found()
            self.calls.append(Call(bot.account.username if bot else "?", name, dict(request.query),
                                   error.status, error.description))
            return web.json_response(error.to_json(), status=error.status)
        try:
            params = await read_params(request)
        except BotApiError as error:  # unreadable body: still worth seeing in the call log
            self.calls.append(Call(bot.account.username, name, {}, error.status, error.description))
            return web.json_response(error.to_json(), status=error.status)

        def alive() -> bool:
            return request.transport is not None and not request.transport.is_closing()

        status, body = await self._execute(bot, name, handler, params, alive)
        return web.json_response(body, status=status, dumps=_dumps)

    async def _execute(self, bot: BotState, name: str, handler: Handler, params: Params,
                       alive: Any) -> tuple[int, dict]:
        """Run one method; log it; count it as bot activity unless it is a long poll."""
        polling = name.lower() == "getupdates"
        activity = self._activity[bot.token]
        if not polling:
            activity.begin()
        fault = self.faults.take(name)
        try:
            if fault is not None and (injected := fault.error()) is not None:
                raise injected
            if fault is not None and fault.hold is not None:
                fault.reached.set()
                await fault.hold.wait()
            result = await handler(CallContext(self, bot, alive), params)
            status, body = 200, {"ok": True, "result": result}
            if fault is not None and fault.delay_after:
                await asyncio.sleep(fault.delay_after)
        except BotApiError as error:
            status, body = error.status, error.to_json()
        except Exception:  # a bug here must not look like a Telegram answer
            log.exception("sandbox Bot API failed on %s", name)
            status, body = 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        finally:
            if not polling:
                activity.end()
                self.touch()
        self.calls.append(Call(bot.account.username, name, params.loggable(), status,
                               body.get("description"), body.get("result"), client_gone=not alive()))
        return status, body

    async def _handle_file(self, request: web.Request) -> web.Response:
        bot = self.bots.get(request.match_info["token"])
        record = bot.files.by_path.get(request.match_info["path"]) if bot else None
        if record is None:
            return web.json_response(not_found().to_json(), status=404)
        return web.Response(body=record.data, content_type=record.mime_type or "application/octet-stream")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
