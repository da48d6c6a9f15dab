"""Platform adapters: a platform's updates in as `Incoming`, the core's `Reply` values out.

Each adapter is one module over one framework (telegram_ptb, telegram_aiogram); the
process around the core (bot/runtime.py) is the same under all of them.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol


class Adapter(Protocol):
    async def start(self) -> None:
        """Start receiving inside the running loop (long polling, or the webhook the settings name)."""

    async def stop(self) -> None:
        """Stop what `start` started, the runtime with it."""

    def run(self, *, stop_signals: Sequence[int] | None = None) -> None:
        """Block receiving until a stop signal."""


async def serve(adapter: Adapter, stop_signals: Sequence[int] | None = None) -> None:
    """`start`, wait for SIGINT/SIGTERM (or `stop_signals`), `stop`: what `run` does inside its loop."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in stop_signals or (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await adapter.start()
    try:
        await stopping.wait()
    finally:
        await adapter.stop()


def publish_menus(set_commands: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
    """Publish the command menus beside the start: nobody's answer needs them, and they are four
    setMyCommands round trips to Telegram. Pair with `stop_publishing`."""
    return asyncio.get_running_loop().create_task(set_commands(), name="lianxin-set-commands")


async def stop_publishing(menus: asyncio.Task[None] | None) -> None:
    if menus is not None:
        menus.cancel()
        await asyncio.gather(menus, return_exceptions=True)
