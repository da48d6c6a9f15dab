"""回头看 return visit: some time after 销号 the reporter is asked whether the problem
stayed solved. "It is back" opens a follow-up ticket, linked to the closed one,
with the same owner; the closed ticket's history stays as it was, plus the answer."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import payloads
from handlers.conversations.answer import back_to_what_was_under_way
from handlers.domain.events import EventKind
from handlers.turn import Turn, Work
from handlers.domain.errors import OutOfDate
from handlers.domain.model import Ticket, TicketStatus
from handlers.card import title
from handlers.messages import t
from handlers.payloads import TicketPress
from handlers.ports import Dialog
from handlers.router import Router
from handlers.seam import Button
from handlers.services import new_ticket, notify_owner_of_new, reported_by, tell_owner, tell_reporter

STAYED, CAME_BACK = "revisit_ok", "revisit_back"


def schedule(work: Work, ticket: Ticket) -> None:
    """Called at 销号: the question waits in the ticket row, found by the sweep's index."""
    ticket.revisit_at = work.now + work.rules.revisit_after


def ask(work: Work, ticket_id: int) -> None:
    ticket = work.uow.tickets.get(ticket_id)
    if ticket is None or ticket.revisit_at is None:
        return
    ticket.revisit_at = None  # asked once; the answer (or silence) is the end of it
    ticket.record(EventKind.REVISIT_ASKED, work.now, None)
    work.save(ticket)
    tell_reporter(work, ticket, t("回头看: ticket {number} was closed as solved some time ago ({description}). "
                                  "Has the problem stayed solved?",
                                  number=ticket.number, description=ticket.description),
                  ((Button(t("Still solved"), payloads.ticket_action(STAYED, ticket_id)),
                    Button(t("It is back"), payloads.ticket_action(CAME_BACK, ticket_id))),))


@dataclass(frozen=True)
class StayedSolved:
    ticket_id: int
    by: int  # the reporter's account


@dataclass(frozen=True)
class CameBack:
    """The problem is back: a follow-up ticket to the same owner, linked to the closed one."""

    ticket_id: int
    by: int
    reason: str


def asked_of(work: Work, account_id: int, ticket_id: int) -> Ticket:
    """The ticket, if `account_id` reported it and its return-visit question is unanswered."""
    ticket = reported_by(work, account_id, ticket_id)
    visits = [e.kind for e in ticket.events if e.kind.startswith("revisit_")]
    if ticket.status is not TicketStatus.CONFIRMED or not visits or visits[-1] != EventKind.REVISIT_ASKED:
        raise OutOfDate()
    return ticket


def stayed_solved(cmd: StayedSolved, work: Work) -> Ticket:
    ticket = asked_of(work, cmd.by, cmd.ticket_id)
    ticket.record(EventKind.REVISIT_PASSED, work.now, cmd.by)
    work.save(ticket)
    tell_owner(work, ticket, t("回头看 on {number} ({title}): the reporter says it stayed solved.",
                               number=ticket.number, title=title(ticket)))
    return ticket


def came_back(cmd: CameBack, work: Work) -> Ticket:
    """The follow-up ticket (its owner is told, as of any new ticket)."""
    ticket = asked_of(work, cmd.by, cmd.ticket_id)
    reason = cmd.reason
    owner = work.uow.directory.cadre(ticket.owner_cadre_id)
    assert owner is not None and ticket.id is not None
    follow_up = new_ticket(work, owner=owner, category=ticket.category, reporter_account_id=ticket.reporter_account_id,
                           reporter_kind=ticket.reporter_kind, reporter_phone=ticket.reporter_phone,
                           org_unit_id=ticket.org_unit_id, enterprise_id=ticket.enterprise_id,
                           description=f"{reason}\n（回头看 {ticket.number}：{ticket.description}）",
                           follow_up_of_id=ticket.id, tier=ticket.tier, difficulty=ticket.difficulty)
    follow_up.record(EventKind.FOLLOW_UP_OF, work.now, cmd.by, ticket=ticket.number, reason=reason)
    follow_up.record(EventKind.ASSIGNED, work.now, None, cadre_id=owner.id, reason="follow_up")
    follow_up = work.add(follow_up)
    ticket.record(EventKind.REVISIT_FAILED, work.now, cmd.by, reason=reason, follow_up=follow_up.number)
    work.save(ticket)
    notify_owner_of_new(work, follow_up, owner)
    return follow_up


# --- in chat: the reporter's answer --------------------------------------------------

router = Router("revisit")
REVISIT_REASON = "revisit_reason"  # a step of the reporter's feedback dialog: what is wrong again
MAX_TEXT = 2000


@router.press(TicketPress, STAYED)
def _stayed_solved(turn: Turn, press: TicketPress) -> None:
    """Still solved is recorded at once."""
    ticket = stayed_solved(StayedSolved(press.ticket_id, turn.account.id), turn)
    turn.say(t("Good to hear. Thank you for answering about {number}.", number=ticket.number))


@router.press(TicketPress, CAME_BACK)
def _came_back(turn: Turn, press: TicketPress) -> None:
    """"It is back": what is wrong, first."""
    ticket = asked_of(turn, turn.account.id, press.ticket_id)
    turn.state.interrupt(Dialog.FEEDBACK, REVISIT_REASON, {"ticket_id": press.ticket_id})
    turn.say(t("What is wrong again with {number}? A follow-up ticket goes to the same handler.",
               number=ticket.number))


@router.text_step(Dialog.FEEDBACK, REVISIT_REASON, limit=MAX_TEXT, then=back_to_what_was_under_way)
def _revisit_reason(turn: Turn, text: str) -> None:
    follow_up = came_back(CameBack(turn.state.data["ticket_id"], turn.account.id, text), turn)
    turn.say(t("Sorry to hear it. Your follow-up is ticket {number}, with the same handler.",
               number=follow_up.number))
