"""A reverse proxy in front of several webhook workers, as nginx would stand in front of them.

The Bot API server posts each update to the proxy; the proxy passes it to the next worker
in turn and answers with that worker's answer. For the tests it can also misbehave the
way a network does: `duplicate=True` posts every update to a second worker at the same
moment, and `replay_every=n` posts, with every n-th update, an earlier one again.
"""

from __future__ import annotations

import asyncio
import itertools
import random

import aiohttp
from aiohttp import web

from sandbox.botapi.testing import free_port

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookProxy:
    def __init__(self, workers: list[str], *, duplicate: bool = False, replay_every: int = 0,
                 seed: int = 14) -> None:
        self.workers = workers  # each worker's webhook URL
        self.duplicate = duplicate
        self.replay_every = replay_every
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"  # what the workers register as their webhook
        self.forwarded = 0
        self._turn = itertools.cycle(range(len(workers)))
        self._seen: list[bytes] = []
        self._random = random.Random(seed)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_post("/telegram", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {"Content-Type": "application/json"}
        if SECRET_HEADER in request.headers:
            headers[SECRET_HEADER] = request.headers[SECRET_HEADER]
        first = next(self._turn)
        posts = [self._post(self.workers[first], body, headers)]
        if self.duplicate and len(self.workers) > 1:
            posts.append(self._post(self.workers[(first + 1) % len(self.workers)], body, headers))
        if self.replay_every and self._seen and len(self._seen) % self.replay_every == 0:
            posts.append(self._post(self._random.choice(self.workers), self._random.choice(self._seen), headers))
        statuses = await asyncio.gather(*posts)
        if statuses[0] == 200:
            self._seen.append(body)
            self.forwarded += 1
        return web.Response(status=statuses[0])  # the extra posts' answers are not the sender's business

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        assert self._session is not None
        try:
            async with self._session.post(url, data=body, headers=headers) as response:
                return response.status
        except aiohttp.ClientConnectionError:  # the worker is not up yet: the sender tries again
            return 502
