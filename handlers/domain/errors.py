from __future__ import annotations

from handlers.messages import Msg, t

OUT_OF_DATE = t("This button is out of date.")


class DomainError(Exception):
    """A rule said no. `reason` is a message the user who tried can be shown."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(reason.key)
        self.reason = reason


class Retype(DomainError):
    """What was typed cannot be taken (a ticket number that names none): the same question stands,
    and the dialog waits for a better answer instead of ending."""


class OutOfDate(DomainError):
    """The button pressed no longer applies: what it was about has moved on (or is not the presser's)."""

    def __init__(self) -> None:
        super().__init__(OUT_OF_DATE)
