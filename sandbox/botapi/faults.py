"""Injected failures, to test how a bot copes with a Bot API server that misbehaves.

    server.faults.add("sendMessage", status=502)               # the next sendMessage: 502 Bad Gateway
    server.faults.add("sendMessage", status=429, retry_after=2, times=3)
    server.faults.add("sendMessage", delay_after=3.0)          # done, but answered 3 s late (a read timeout)
    held = server.faults.add("getFile", hold=release)          # waits until `release` is set
    await held.reached.wait()                                  # the bot is in that call now

A fault with a status answers with that error and does nothing; one with
`delay_after` does the call, then waits before answering; one with `hold` waits for
the test's event before doing the call (a slow call, without guessing a duration).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from http import HTTPStatus

from .errors import BotApiError


@dataclass
class Fault:
    method: str  # lower case; "*" for any method but getUpdates
    status: int | None = None
    retry_after: int | None = None
    delay_after: float = 0.0
    times: int = 1
    hold: asyncio.Event | None = None
    reached: asyncio.Event = field(default_factory=asyncio.Event)  # set once a call is being held

    def error(self) -> BotApiError | None:
        if self.status is None:
            return None
        if self.status == 429:
            retry_after = self.retry_after or 1
            return BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
        return BotApiError(self.status, HTTPStatus(self.status).phrase)


class Faults:
    def __init__(self) -> None:
        self._pending: list[Fault] = []

    def add(self, method: str = "*", *, status: int | None = None, retry_after: int | None = None,
            delay_after: float = 0.0, times: int = 1, hold: asyncio.Event | None = None) -> Fault:
        fault = Fault(method.lower(), status, retry_after, delay_after, times, hold)
        self._pending.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """The first fault for `method`, used up once."""
        name = method.lower()
        for fault in self._pending:
            if fault.method in (name, "*") and name != "getupdates":
                fault.times -= 1
                if fault.times <= 0:
                    self._pending.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._pending.clear()
