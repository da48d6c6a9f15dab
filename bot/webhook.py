"""Telegram's webhook, received the same way under either framework: one aiohttp server.

A request is checked against the secret token (missing or wrong: 401, nothing recorded),
recorded in the inbox (storage/inbox.py) and only then answered 200: an acknowledged update
survives a crash, and Telegram, which re-sends what is not answered within 60 s, gets its
answer in milliseconds. Handling happens after the answer: the chat's updates are claimed
one at a time, in update_id order, and fed to the adapter (`Feed`), which turns them into
its framework's update. Several processes may serve one webhook; the inbox's claims keep
each chat in order and each update handled once across them (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from storage.inbox import Claimed, InboxStore

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token
HEALTH_PATH = "/healthz"

Feed = Callable[[dict[str, Any]], Awaitable[None]]  # the adapter handles one update (its JSON)
Now = Callable[[], datetime]


@dataclass(frozen=True)
class InboxPolicy:
    lease: timedelta = timedelta(seconds=60)  # a claim held longer than this: its worker died
    grace: timedelta = timedelta(seconds=10)  # recorded and unclaimed this long: its receiver died
    rescue_every: float = 5.0  # seconds between looks for such updates
    keep: timedelta = timedelta(days=1)  # handled updates stay this long (seen_update keeps the dedupe)


def chat_key(update: dict[str, Any]) -> str:
    """Which updates must be handled one after another: a chat's (a press counts for the chat
    its message is in); an update about no chat stands alone."""
    query = update.get("callback_query") or {}
    for holder in (update.get("message"), update.get("edited_message"), query.get("message"),
                   update.get("my_chat_member"), update.get("chat_member")):
        chat = (holder or {}).get("chat") or {}
        if "id" in chat:
            return f"chat:{chat['id']}"
    return f"update:{update['update_id']}"


class WebhookServer:
    """Receives one bot's webhook at the path of `url`; `start`, then `stop` before the runtime stops."""

    def __init__(self, *, url: str, listen: str, port: int, secret: str, inbox: InboxStore, feed: Feed,
                 platform: str, reuse_port: bool = False, policy: InboxPolicy | None = None,
                 now: Now | None = None) -> None:
        if not SECRET_SHAPE.fullmatch(secret):
            raise ValueError("LIANXIN_WEBHOOK_SECRET must be 1–256 characters of A–Z, a–z, 0–9, _ and -")
        self.path = "/" + urlsplit(url).path.lstrip("/")
        self.listen, self.port, self.reuse_port = listen, port, reuse_port
        self.inbox = inbox
        self.feed = feed
        self.platform = platform
        self.policy = policy or InboxPolicy()
        self.now = now or (lambda: datetime.now(UTC))
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._secret = secret.encode()
        self._runner: web.AppRunner | None = None
        self._draining: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()  # chats that got an update while being drained here
        self._rescue: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self.path, self._receive)
        app.router.add_get(HEALTH_PATH, self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port, reuse_port=self.reuse_port or None)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            self._runner = None
            raise OSError(error.errno, f"cannot listen on {self.listen}:{self.port} for the webhook ({error.strerror}); "
                                       "set LIANXIN_WEBHOOK_PORT (or LIANXIN_WEBHOOK_LISTEN)") from error
        self._rescue = asyncio.create_task(self._rescue_stranded(), name="webhook-inbox-rescue")

    async def stop(self) -> None:
        """Stop receiving; updates being handled finish (the rest wait in the inbox)."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self._rescue is not None:
            self._rescue.cancel()
            await asyncio.gather(self._rescue, return_exceptions=True)
            self._rescue = None
        await asyncio.gather(*self._draining.values(), return_exceptions=True)

    # -- receiving --------------------------------------------------------------

    async def _receive(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), self._secret):
            return web.Response(status=401, text="wrong or missing secret token")
        body = await request.text()
        try:
            update = json.loads(body)
            update_id = update["update_id"]
            key = f"{self.platform}:{chat_key(update)}"
        except (ValueError, KeyError, TypeError, AttributeError):
            return web.Response(status=400, text="not a Telegram update")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return web.Response(status=400, text="not a Telegram update")
        # Not answered before it is committed: a failure here is a 500, and Telegram sends it again.
        await asyncio.to_thread(self.inbox.record, self.platform, update_id, key, body, self.now())
        self._kick(key)
        return web.Response()

    async def _health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    # -- handling, one chat at a time ----------------------------------------------

    def _kick(self, key: str) -> None:
        """Have the chat's waiting updates handled, unless a task here already does."""
        if key in self._draining:
            self._again.add(key)  # it looks once more before it ends
            return
        self._draining[key] = asyncio.create_task(self._drain(key), name=f"webhook {key}")

    async def _drain(self, key: str) -> None:
        lease = self.policy.lease
        try:
            while True:
                self._again.discard(key)
                claimed = await asyncio.to_thread(self.inbox.claim, key, self.worker, self.now(), lease)
                while claimed is not None:
                    await self._handle(claimed)
                    claimed = await asyncio.to_thread(self.inbox.finish, claimed, self.worker, self.now(), lease)
                if key not in self._again:
                    return  # none left, or another worker has the chat and takes what follows
        except Exception:  # the database, say: the rescue loop finds what is left
            log.exception("webhook: handling the updates of %s stopped; they are retried shortly", key)
        finally:
            self._draining.pop(key, None)
            self._again.discard(key)

    async def _handle(self, claimed: Claimed) -> None:
        try:
            await self.feed(json.loads(claimed.body))
        except Exception:  # the adapter reports its own failures; this is one it did not expect
            log.exception("webhook: update %s failed", claimed.update_id)

    async def _rescue_stranded(self) -> None:
        """Updates whose receiver or worker died are taken up here; old handled ones dropped."""
        policy = self.policy
        forgotten_at = datetime.min.replace(tzinfo=UTC)
        while True:
            try:
                now = self.now()
                for key in await asyncio.to_thread(self.inbox.stranded, now, now - policy.grace):
                    self._kick(key)
                if now - forgotten_at > timedelta(hours=1):
                    await asyncio.to_thread(self.inbox.forget, now - policy.keep)
                    forgotten_at = now
            except Exception:
                log.exception("webhook: looking for stranded updates failed; trying again")
            await asyncio.sleep(policy.rescue_every)
