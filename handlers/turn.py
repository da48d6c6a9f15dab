"""A piece of the core's work and what it owes people: `Work` for timers (nobody
sent anything), `Turn` for one incoming event from a person."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from handlers.domain.categories import URGENT_CATEGORIES
from handlers.domain.ladder import schedule
from handlers.domain.model import Account, Ticket
from handlers.messages import Msg, t
from handlers.payloads import Payload, TicketPress
from handlers.ports import ConversationState, Dialog, Sheets, UnitOfWork
from handlers.rules import Rules
from handlers.seam import Address, Button, Incoming, Reply


log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class Work:
    uow: UnitOfWork
    now: datetime
    rules: Rules = field(default_factory=Rules)
    replies: list[Reply] = field(default_factory=list)

    def save(self, ticket: Ticket) -> None:
        """Store a changed ticket, its next deadline action re-planned from its history."""
        self._schedule(ticket)
        self.uow.tickets.save(ticket)

    def add(self, ticket: Ticket) -> Ticket:
        """Store a new ticket (numbered, with its deadlines) and plan its first deadline action."""
        self._schedule(ticket)
        return self.uow.tickets.add(ticket)

    def _schedule(self, ticket: Ticket) -> None:
        schedule(ticket, self.rules.clockwork)  # beyond the official lists, on the provisional calendar

    def tell(self, account: Account, text: Msg, buttons: tuple[tuple[Button, ...], ...] = (),
             about: Ticket | None = None, **extra: object) -> None:
        """Message somebody, in their language, when 无事不扰 allows (the outbox holds it till then).
        Nobody hears at an erased account (a reporter who had their data erased, a cadre who left)."""
        if account.erased:
            return
        to = Address(account.platform, account.chat_id)
        self.replies.append(Reply(to, account.locale, text, buttons, not_before=self.hears_at(account, about),
                                  ticket_id=about.id if about else None, **extra))  # type: ignore[arg-type]

    def pressed_card(self, account: Account, ticket: Ticket, actions: Collection[str]) -> str | None:
        """The message to show `ticket`'s card in when `account` pressed one of its `actions`
        there (None: nobody pressed; the live card is brought up to date)."""
        return None

    def hears_at(self, account: Account, about: Ticket | None) -> datetime | None:
        """None: now. Cadres hear in office hours (a safety hazard at once), reporters not at night."""
        rules = self.rules
        if self.uow.directory.cadre_by_account(account.id) is None:
            return rules.quiet.reporter_hears_at(self.now, rules.time_zone)
        if about is not None and about.category in URGENT_CATEGORIES:
            return None
        return rules.quiet.cadre_hears_at(self.now, rules.calendar, rules.time_zone)


@dataclass(kw_only=True)
class Turn(Work):
    incoming: Incoming
    account: Account
    state: ConversationState
    pressed: Payload | None = None  # the button's payload, decoded and checked by the router
    sheets: Sheets | None = None  # the shell's reading of a spreadsheet sent (handlers.imports.chat)

    def hears_at(self, account: Account, about: Ticket | None) -> datetime | None:
        """The person this turn answers is awake and at it: they hear at once."""
        return None if account.id == self.account.id else super().hears_at(account, about)

    def pressed_card(self, account: Account, ticket: Ticket, actions: Collection[str]) -> str | None:
        """The pressed message, when this turn is `account` pressing one of `actions` on `ticket`:
        the answer edits that message into the card rather than adding another."""
        pressed = self.pressed
        if account.id != self.account.id or not isinstance(pressed, TicketPress) or pressed.ticket_id != ticket.id \
                or pressed.action not in actions:
            return None
        return self.incoming.pressed_message_id

    def say(self, text: Msg, buttons: tuple[tuple[Button, ...], ...] = (), **extra: object) -> None:
        """Answer in the sender's own chat and language."""
        self.replies.append(Reply(self.here, self.account.locale, text, buttons, **extra))  # type: ignore[arg-type]

    @contextmanager
    def all_or_nothing(self) -> Iterator[None]:
        """One act of this turn, kept whole or not at all: if it raises (a rule refusing halfway),
        what it wrote is rolled back and the messages it queued are dropped, so a refused step
        leaves no request nobody heard of. Where the dialog stands is the step's own to say."""
        queued = len(self.replies)
        try:
            with self.uow.savepoint():
                yield
        except BaseException:
            del self.replies[queued:]
            raise

    def typed_text(self, limit: int) -> str | None:
        """The message's text, 1 to `limit` characters once trimmed; otherwise None, and the
        sender is told so (the dialog stays on its question)."""
        text = (self.incoming.text or "").strip()
        if not text or len(text) > limit:
            self.say(t("Please type a text of 1 to {limit} characters.", limit=limit))
            return None
        return text

    def alert(self, text: Msg) -> None:
        """Answer a button press with a pop-up (nothing changes in the chat)."""
        self.replies.append(Reply(self.here, self.account.locale, text, as_alert=True))

    @property
    def here(self) -> Address:
        return Address(self.incoming.platform, self.incoming.chat_id)

    def reset(self) -> None:
        self.state.dialog, self.state.step, self.state.data = Dialog.IDLE, "", {}
