"""延期: the owner asks for more time to settle a ticket; the leader in charge above decides.

The request is read from the ticket's history (like a pending hand-over), so it is
never stored twice. Approval moves the 办结 deadline; the history keeps the
deadline before and after, and a refusal keeps it where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from handlers import card, payloads, provisional
from handlers.conversations.cadre import Typed, ask_text, asks_text, text_step
from handlers.domain.deadlines import extend
from handlers.domain.errors import DomainError
from handlers.domain.events import EventKind
from handlers.domain.lifecycle import is_open
from handlers.domain.model import Cadre, Ticket, TicketEvent
from handlers.domain.routing import supervisor_of
from handlers.messages import Msg, t
from handlers.payloads import TicketPress
from handlers.router import Router
from handlers.seam import Button
from handlers.services import (EXTEND, account_of, awaiting_by, owned_by, policy_of, tell_owner,
                               tell_reporter)
from handlers.turn import Turn, Work

APPROVE, REFUSE = "ext_ok", "ext_no"  # the leader's answer (the owner's button is services.EXTEND)
EXTEND_REASON, EXTENSION_REFUSAL = "extend_reason", "extension_refusal"  # steps: after the days; the leader's no


@dataclass(frozen=True)
class RequestMoreTime:
    ticket_id: int
    by: int  # the account acting: its cadre must own the ticket
    days: int  # working days
    reason: str


@dataclass(frozen=True)
class ApproveMoreTime:
    ticket_id: int
    by: int  # the account acting: the request must be waiting for its cadre


@dataclass(frozen=True)
class RefuseMoreTime:
    ticket_id: int
    by: int
    reason: str


def extendable_ticket(work: Work, account_id: int, ticket_id: int) -> Ticket:
    """The ticket owned by `account_id`'s cadre, if it has a 办结 deadline and no request already waiting."""
    ticket, _ = owned_by(work, account_id, ticket_id)
    if ticket.settle_due_at is None:
        raise DomainError(t("Ticket {number} has no deadline to extend.", number=ticket.number))
    if ticket.pending_extension is not None:
        raise DomainError(t("A request for more time on {number} is already waiting for an answer.",
                            number=ticket.number))
    return ticket


def request(cmd: RequestMoreTime, work: Work) -> tuple[Ticket, Cadre]:
    """The ticket and the leader asked, who is told (with the deadline before and, if approved, after)."""
    ticket = extendable_ticket(work, cmd.by, cmd.ticket_id)
    owner = work.uow.directory.cadre(ticket.owner_cadre_id)
    leader = supervisor_of(work.uow.directory, ticket.org_unit_id, ticket.owner_cadre_id)
    if leader is None or owner is None:
        raise DomainError(t("There is no leader above to approve more time for {number}.", number=ticket.number))
    assert ticket.settle_due_at is not None and ticket.id is not None
    extended = _extended(work, ticket, cmd.days)  # counted before anything is recorded: a refusal leaves nothing
    ticket.record(EventKind.EXTENSION_REQUESTED, work.now, cmd.by, days=cmd.days, reason=cmd.reason, to=leader.id,
                  due=ticket.settle_due_at.isoformat())
    work.save(ticket)
    card.refresh(work, ticket)
    if account := account_of(work, leader):
        card.ask(work, account, ticket, _request(work, ticket, owner.name, cmd.days, cmd.reason, extended),
                 ((Button(t("Approve"), payloads.ticket_action(APPROVE, ticket.id)),
                   Button(t("Do not approve"), payloads.ticket_action(REFUSE, ticket.id))),),
                 t("Request for more time on {number} ({title}): answered.", number=ticket.number,
                   title=card.title(ticket)))
    return ticket, leader


def _request(work: Work, ticket: Ticket, name: str, days: int, reason: str, extended: datetime,
             due: datetime | None = None) -> Msg:
    """What the leader is asked: who, how many days and why, the 办结 deadline now and if approved."""
    due = due or ticket.settle_due_at
    assert due is not None
    return t("{name} asks for {days} more working days on ticket {number}: {reason}\n"
             "Due now: {due}; if approved: {extended}\nProblem: {description}",
             name=name, days=days, number=ticket.number, reason=reason, due=provisional.shown(work, due),
             extended=provisional.shown(work, extended), description=ticket.description)


def _answered(work: Work, leader_account_id: int, ticket: Ticket, asked: TicketEvent, extended: datetime,
              decision: Msg) -> None:
    """The leader's request message keeps the request and says the decision; its buttons go."""
    account = work.uow.accounts.get(leader_account_id)
    if account is None:
        return
    by = asked.actor_account_id
    requester = work.uow.directory.cadre_by_account(by) if by is not None else None
    request = _request(work, ticket, requester.name if requester else "", int(asked.data["days"]),
                       str(asked.data["reason"]), extended, datetime.fromisoformat(asked.data["due"]))
    card.settle(work, account, ticket, Msg("{request}\n{decision}", {"request": request, "decision": decision}))


def asked_of(work: Work, account_id: int, ticket_id: int) -> tuple[Ticket, TicketEvent]:
    """The ticket and its waiting request, if `account_id`'s cadre is the leader it was asked of."""
    ticket, _, asked = awaiting_by(work, account_id, ticket_id, attrgetter("pending_extension"),
                                   t("This request for more time is no longer waiting for you."))
    return ticket, asked


def approve(cmd: ApproveMoreTime, work: Work) -> Ticket:
    ticket, asked = asked_of(work, cmd.by, cmd.ticket_id)
    assert ticket.settle_due_at is not None
    original = ticket.settle_due_at
    ticket.settle_due_at = _extended(work, ticket, int(asked.data["days"]))
    ticket.record(EventKind.EXTENSION_GRANTED, work.now, cmd.by, days=asked.data["days"],
                  original_due=original.isoformat(), extended_due=ticket.settle_due_at.isoformat())
    provisional.note(work, ticket)
    work.save(ticket)
    due = provisional.shown(work, ticket.settle_due_at)
    tell_owner(work, ticket, t("More time approved: ticket {number} ({title}) is now due {due}.",
                                number=ticket.number, title=card.title(ticket), due=due))
    tell_reporter(work, ticket, t("Ticket {number} needs more time; it is now promised by {due}.",
                                   number=ticket.number, due=due))
    _answered(work, cmd.by, ticket, asked, ticket.settle_due_at, t("✅ Approved: ticket {number} is now due {due}.",
                                                                   number=ticket.number, due=due))
    return ticket


def refuse(cmd: RefuseMoreTime, work: Work) -> Ticket:
    ticket, asked = asked_of(work, cmd.by, cmd.ticket_id)
    assert ticket.settle_due_at is not None
    ticket.record(EventKind.EXTENSION_REFUSED, work.now, cmd.by, reason=cmd.reason)
    work.save(ticket)
    _answered(work, cmd.by, ticket, asked, _extended(work, ticket, int(asked.data["days"])),
              t("Not approved: {reason}", reason=cmd.reason))
    tell_owner(work, ticket, t("More time refused for ticket {number} ({title}): {reason}. It stays due {due}.",
                                number=ticket.number, title=card.title(ticket), reason=cmd.reason,
                                due=provisional.shown(work, ticket.settle_due_at)))
    return ticket


def _extended(work: Work, ticket: Ticket, days: int) -> datetime:
    """The ticket's 办结 deadline `days` working days later, under its unit's policy."""
    rules = work.rules
    assert ticket.settle_due_at is not None
    return extend(ticket.settle_due_at, days, rules.time_zone, rules.calendar, policy_of(work, ticket).office_close)


# --- in chat ------------------------------------------------------------------

router = Router("extension")

asks_text(router, EXTEND, lambda turn, ticket_id: extendable_ticket(turn, turn.account.id, ticket_id))
asks_text(router, REFUSE, lambda turn, ticket_id: asked_of(turn, turn.account.id, ticket_id)[0],
          step=EXTENSION_REFUSAL)


@router.press(TicketPress, APPROVE)
def _approve(turn: Turn, press: TicketPress) -> None:
    """Answered where it was pressed: the request message says it is approved (approve edits it)."""
    approve(ApproveMoreTime(press.ticket_id, turn.account.id), turn)


card.answered_in_place(APPROVE)


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
    days = int(typed.data["days"])
    ticket, leader = request(RequestMoreTime(typed.ticket_id, turn.account.id, days, typed.text), turn)
    turn.say(t("Your request for {days} more working days on {number} went to {name}.",
               days=days, number=ticket.number, name=leader.name))


@text_step(router, EXTENSION_REFUSAL, lambda turn, number: t(
    "Why do you refuse more time on {number}? The owner will see your reason.", number=number))
def _refusal_reason(turn: Turn, typed: Typed) -> None:
    ticket = refuse(RefuseMoreTime(typed.ticket_id, turn.account.id, typed.text), turn)
    turn.say(t("Refused: ticket {number} stays due {due}.", number=ticket.number, due=_due(turn, ticket)))


def _due(turn: Turn, ticket: Ticket) -> Msg:
    assert ticket.settle_due_at is not None
    return provisional.shown(turn, ticket.settle_due_at)


card.button(EXTEND, t("More time (延期)"), row=3, column=1,
            shown=lambda ticket: is_open(ticket.status) and ticket.settle_due_at is not None
            and ticket.pending_extension is None)
