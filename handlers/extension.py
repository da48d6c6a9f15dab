"""延期: the owner asks for more time to settle a ticket; the leader in charge above decides.

The request is read from the ticket's history (like a pending hand-over), so it is
never stored twice. Approval moves the 办结 deadline; the history keeps the
deadline before and after, and a refusal keeps it where it was.
"""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter

from handlers import card, payloads
from handlers.conversations.cadre import Typed, ask_text, asks_text, text_step
from handlers.domain.deadlines import extend
from handlers.domain.errors import DomainError
from handlers.domain.calendar import CalendarNotCovered
from handlers.domain.events import EventKind
from handlers.domain.lifecycle import is_open
from handlers.domain.model import Ticket, TicketEvent
from handlers.domain.routing import supervisor_of
from handlers.messages import plain, t
from handlers.payloads import TicketPress
from handlers.router import Router
from handlers.seam import Button
from handlers.services import (EXTEND, account_of, awaiting_me, due_date, owned_ticket, owner_buttons, policy_of, tell_owner,
                               tell_reporter)
from handlers.turn import Turn, Work

APPROVE, REFUSE = "ext_ok", "ext_no"  # the leader's answer (the owner's button is services.EXTEND)
EXTEND_REASON, EXTENSION_REFUSAL = "extend_reason", "extension_refusal"  # steps: after the days; the leader's no


def extendable_ticket(turn: Turn, ticket_id: int) -> Ticket:
    """The owner's open ticket, if it has a 办结 deadline and no request already waiting."""
    ticket, _ = owned_ticket(turn, ticket_id)
    if ticket.settle_due_at is None:
        raise DomainError(t("Ticket {number} has no deadline to extend.", number=ticket.number))
    if ticket.pending_extension is not None:
        raise DomainError(t("A request for more time on {number} is already waiting for an answer.",
                            number=ticket.number))
    return ticket


def request(turn: Turn, ticket_id: int, days: int, reason: str) -> None:
    ticket = extendable_ticket(turn, ticket_id)
    owner = turn.uow.directory.cadre(ticket.owner_cadre_id)
    leader = supervisor_of(turn.uow.directory, ticket.org_unit_id, ticket.owner_cadre_id)
    if leader is None or owner is None:
        raise DomainError(t("There is no leader above to approve more time for {number}.", number=ticket.number))
    assert ticket.settle_due_at is not None and ticket.id is not None
    ticket.record(EventKind.EXTENSION_REQUESTED, turn.now, turn.account.id, days=days, reason=reason, to=leader.id,
                  due=ticket.settle_due_at.isoformat())
    turn.save(ticket)
    turn.say(t("Your request for {days} more working days on {number} went to {name}.",
               days=days, number=ticket.number, name=leader.name))
    if account := account_of(turn, leader):
        turn.tell(account, t("{name} asks for {days} more working days on ticket {number}: {reason}\n"
                             "Due now: {due}; if approved: {extended}\nProblem: {description}",
                             name=owner.name, days=days, number=ticket.number, reason=reason,
                             due=plain(due_date(turn, ticket.settle_due_at)),
                             extended=plain(due_date(turn, _extended(turn, ticket, days))),
                             description=ticket.description),
                  ((Button(t("Approve"), payloads.ticket_action(APPROVE, ticket.id)),
                    Button(t("Do not approve"), payloads.ticket_action(REFUSE, ticket.id))),), about=ticket)


def asked_ticket(turn: Turn, ticket_id: int) -> tuple[Ticket, TicketEvent]:
    """The ticket and its waiting request, if the sender is the leader it was asked of."""
    ticket, _, asked = awaiting_me(turn, ticket_id, attrgetter("pending_extension"),
                                   t("This request for more time is no longer waiting for you."))
    return ticket, asked


def approve(turn: Turn, ticket_id: int) -> None:
    ticket, asked = asked_ticket(turn, ticket_id)
    assert ticket.settle_due_at is not None
    original = ticket.settle_due_at
    ticket.settle_due_at = _extended(turn, ticket, int(asked.data["days"]))
    ticket.record(EventKind.EXTENSION_GRANTED, turn.now, turn.account.id, days=asked.data["days"],
                  original_due=original.isoformat(), extended_due=ticket.settle_due_at.isoformat())
    turn.save(ticket)
    due = plain(due_date(turn, ticket.settle_due_at))
    turn.say(t("Approved: ticket {number} is now due {due}.", number=ticket.number, due=due))
    tell_owner(turn, ticket, t("More time approved: ticket {number} is now due {due}.",
                                number=ticket.number, due=due), owner_buttons(ticket))
    tell_reporter(turn, ticket, t("Ticket {number} needs more time; it is now promised by {due}.",
                                   number=ticket.number, due=due))


def refuse(turn: Turn, ticket_id: int, reason: str) -> None:
    ticket, _ = asked_ticket(turn, ticket_id)
    assert ticket.settle_due_at is not None
    ticket.record(EventKind.EXTENSION_REFUSED, turn.now, turn.account.id, reason=reason)
    turn.save(ticket)
    due = plain(due_date(turn, ticket.settle_due_at))
    turn.say(t("Refused: ticket {number} stays due {due}.", number=ticket.number, due=due))
    tell_owner(turn, ticket, t("More time refused for ticket {number}: {reason}\nIt stays due {due}.",
                                number=ticket.number, reason=reason, due=due), owner_buttons(ticket))


def _extended(work: Work, ticket: Ticket, days: int) -> datetime:
    """The ticket's 办结 deadline `days` working days later, under its unit's policy."""
    rules = work.rules
    assert ticket.settle_due_at is not None
    try:
        return extend(ticket.settle_due_at, days, rules.time_zone, rules.calendar, policy_of(work, ticket).office_close)
    except CalendarNotCovered as gap:
        raise DomainError(t("The official holiday calendar for {year} is not loaded yet, so no deadline can be "
                            "counted into it. An administrator has to load it.", year=gap.year)) from None


# --- in chat ------------------------------------------------------------------

router = Router("extension")

asks_text(router, EXTEND, extendable_ticket)
asks_text(router, REFUSE, lambda turn, ticket_id: asked_ticket(turn, ticket_id)[0], step=EXTENSION_REFUSAL)


@router.press(TicketPress, APPROVE)
def _approve(turn: Turn, press: TicketPress) -> None:
    approve(turn, press.ticket_id)


@text_step(router, EXTEND, lambda turn, number: t(
    "How many more working days does {number} need? Type a number from 1 to {limit}. /cancel to drop it.",
    number=number, limit=turn.rules.max_extension_days), ends=False)
def _take_days(turn: Turn, typed: Typed) -> None:
    """The working days asked for; anything but a whole number in range is asked again."""
    limit = turn.rules.max_extension_days
    days = int(typed.text) if typed.text.isascii() and typed.text.isdigit() else 0
    if not 1 <= days <= limit:
        turn.say(t("Please type a whole number of working days from 1 to {limit}.", limit=limit))
        return
    turn.state.step, turn.state.data["days"] = EXTEND_REASON, days
    ask_text(turn, EXTEND_REASON, "")


@text_step(router, EXTEND_REASON, lambda turn, number: t(
    "Why is more time needed? The leader who decides will see your reason."))
def _extend_reason(turn: Turn, typed: Typed) -> None:
    request(turn, typed.ticket_id, int(typed.data["days"]), typed.text)


@text_step(router, EXTENSION_REFUSAL, lambda turn, number: t(
    "Why do you refuse more time on {number}? The owner will see your reason.", number=number))
def _refusal_reason(turn: Turn, typed: Typed) -> None:
    refuse(turn, typed.ticket_id, typed.text)


card.button(EXTEND, t("More time (延期)"), row=3, column=1,
            shown=lambda ticket: is_open(ticket.status) and ticket.settle_due_at is not None
            and ticket.pending_extension is None)
