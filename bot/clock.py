"""A clock that can be moved: the demo's, whose visitor moves time from the page, and the scenario
tests'. Everything in the process that reads time for the product's logic reads this one clock
(the core, the outbox dispatcher, the file maker), so they agree on what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class MovableClock:
    """Real time shifted by an offset that `move` and `set` change: time keeps running from
    wherever it was put."""

    def __init__(self, start: datetime | None = None, *, offset: timedelta = timedelta(0)) -> None:
        self.offset = start - datetime.now(UTC) if start is not None else offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move(self, by: timedelta) -> None:
        self.offset += by

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (aware); time goes on running from there."""
        self.offset = moment - datetime.now(UTC)
