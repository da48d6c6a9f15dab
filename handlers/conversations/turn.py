"""One turn of a conversation: the incoming event, who sent it, and what to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from handlers.domain.model import Account
from handlers.messages import Msg
from handlers.ports import ConversationState, UnitOfWork
from handlers.seam import Address, Button, Incoming, Reply


@dataclass
class Turn:
    incoming: Incoming
    account: Account
    state: ConversationState
    uow: UnitOfWork
    now: datetime
    replies: list[Reply] = field(default_factory=list)

    def say(self, text: Msg, buttons: tuple[tuple[Button, ...], ...] = (), **extra: object) -> None:
        """Answer in the sender's own chat and language."""
        self.replies.append(Reply(self.here, self.account.locale, text, buttons, **extra))  # type: ignore[arg-type]

    def alert(self, text: Msg) -> None:
        """Answer a button press with a pop-up (nothing changes in the chat)."""
        self.replies.append(Reply(self.here, self.account.locale, text, as_alert=True))

    def tell(self, account: Account, text: Msg, buttons: tuple[tuple[Button, ...], ...] = (),
             **extra: object) -> None:
        """Message somebody else, in their language."""
        to = Address(account.platform, account.chat_id)
        self.replies.append(Reply(to, account.locale, text, buttons, **extra))  # type: ignore[arg-type]

    @property
    def here(self) -> Address:
        return Address(self.incoming.platform, self.incoming.chat_id)

    def reset(self) -> None:
        self.state.dialog, self.state.step, self.state.data = "idle", "", {}
