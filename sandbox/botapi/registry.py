"""Bot API method table: name (case-insensitive, as on Telegram) -> handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from .params import Params
from .state import BotState

if TYPE_CHECKING:
    from .server import LocalBotApi


@dataclass
class CallContext:
    """What a method handler may use: the server, the calling bot, the HTTP connection."""

    server: LocalBotApi
    bot: BotState
    alive: Callable[[], bool]  # False once the client has gone (long poll answered too late)


Handler = Callable[[CallContext, Params], Awaitable[Any]]
METHODS: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under Telegram method names."""

    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = handler
        return handler

    return register


def find_method(name: str) -> Handler | None:
    return METHODS.get(name.lower())
