"""A piece of the core's work and what it owes people: `Work` for timers (nobody
sent anything), `Turn` for one incoming event from a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from handlers.domain.model import Account
from handlers.messages import Msg
from handlers.ports import ConversationState, UnitOfWork
from handlers.rules import Rules
from handlers.seam import Address, Button, Incoming, Reply


@dataclass(kw_only=True)
class Work:
    uow: UnitOfWork
    now: datetime
    rules: Rules = field(default_factory=Rules)
    replies: list[Reply] = field(default_factory=list)

    def tell(self, account: Account, text: Msg, buttons: tuple[tuple[Button, ...], ...] = (),
             **extra: object) -> None:
        """Message somebody, in their language."""
        to = Address(account.platform, account.chat_id)
        self.replies.append(Reply(to, account.locale, text, buttons, **extra))  # type: ignore[arg-type]


@dataclass(kw_only=True)
class Turn(Work):
    incoming: Incoming
    account: Account
    state: ConversationState

    def say(self, text: Msg, buttons: tuple[tuple[Button, ...], ...] = (), **extra: object) -> None:
        """Answer in the sender's own chat and language."""
        self.replies.append(Reply(self.here, self.account.locale, text, buttons, **extra))  # type: ignore[arg-type]

    def alert(self, text: Msg) -> None:
        """Answer a button press with a pop-up (nothing changes in the chat)."""
        self.replies.append(Reply(self.here, self.account.locale, text, as_alert=True))

    @property
    def here(self) -> Address:
        return Address(self.incoming.platform, self.incoming.chat_id)

    def reset(self) -> None:
        self.state.dialog, self.state.step, self.state.data = "idle", "", {}
