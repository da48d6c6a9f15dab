"""How a simulated action learns that the bot under test is done, instead of guessing from silence.

A bot running in the same process can say so: it registers a `DoneSignal` for its
token (`server.bot(token).done = signal`), and from then on every simulated action
returns once `signal.handled(update_id)` does — the bot has finished with that update
and sent every reply it caused (holding back only what it holds on purpose, such as
messages waiting for office hours) —, and `wait_idle()` / `next_message()` once
`signal.idle()` does. A bot that cannot say (another process, a plain PTB or aiogram
bot in a sandbox test) is waited for by watching its calls settle (activity.py).
"""

from __future__ import annotations

from typing import Protocol


class DoneSignal(Protocol):
    async def handled(self, update_id: int) -> None:
        """Return once the bot has handled this update and sent what it caused."""

    async def idle(self) -> None:
        """Return once the bot has sent everything it owes now."""
