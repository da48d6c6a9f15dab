from __future__ import annotations

from handlers.messages import Msg


class DomainError(Exception):
    """A rule said no. `reason` is a message the user who tried can be shown."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(reason.key)
        self.reason = reason
