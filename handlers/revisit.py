"""回头看 return visit: some time after 销号 the reporter is asked whether the problem
stayed solved. "It is back" opens a follow-up ticket, linked to the closed one,
with the same owner; the closed ticket's history stays as it was, plus the answer."""

from __future__ import annotations

from handlers import payloads
from handlers.domain.events import EventKind
from handlers.turn import Turn, Work
from handlers.domain.errors import OutOfDate
from handlers.domain.model import Ticket, TicketStatus
from handlers.messages import t
from handlers.seam import Button
from handlers.services import new_ticket, notify_owner_of_new, reporters_ticket, tell_owner, tell_reporter

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


def asked_ticket(turn: Turn, ticket_id: int) -> Ticket:
    """The ticket, if the sender reported it and its return-visit question is unanswered."""
    ticket = reporters_ticket(turn, ticket_id)
    visits = [e.kind for e in ticket.events if e.kind.startswith("revisit_")]
    if ticket.status is not TicketStatus.CONFIRMED or not visits or visits[-1] != EventKind.REVISIT_ASKED:
        raise OutOfDate()
    return ticket


def stayed_solved(turn: Turn, ticket_id: int) -> None:
    ticket = asked_ticket(turn, ticket_id)
    ticket.record(EventKind.REVISIT_PASSED, turn.now, turn.account.id)
    turn.save(ticket)
    turn.say(t("Good to hear. Thank you for answering about {number}.", number=ticket.number))
    tell_owner(turn, ticket, t("回头看 on {number}: the reporter says it stayed solved.", number=ticket.number))


def came_back(turn: Turn, ticket_id: int, reason: str) -> Ticket:
    """The problem is back: a follow-up ticket to the same owner, linked to the closed one."""
    ticket = asked_ticket(turn, ticket_id)
    owner = turn.uow.directory.cadre(ticket.owner_cadre_id)
    assert owner is not None and ticket.id is not None
    follow_up = new_ticket(turn, owner=owner, category=ticket.category, reporter_account_id=ticket.reporter_account_id,
                           reporter_kind=ticket.reporter_kind, reporter_phone=ticket.reporter_phone,
                           org_unit_id=ticket.org_unit_id, enterprise_id=ticket.enterprise_id,
                           description=f"{reason}\n(回头看 {ticket.number}: {ticket.description})",
                           follow_up_of_id=ticket.id, tier=ticket.tier, difficulty=ticket.difficulty)
    follow_up.record(EventKind.FOLLOW_UP_OF, turn.now, turn.account.id, ticket=ticket.number, reason=reason)
    follow_up.record(EventKind.ASSIGNED, turn.now, None, cadre_id=owner.id, reason="follow_up")
    follow_up = turn.add(follow_up)
    ticket.record(EventKind.REVISIT_FAILED, turn.now, turn.account.id, reason=reason, follow_up=follow_up.number)
    turn.save(ticket)
    turn.say(t("Sorry to hear it. Your follow-up is ticket {number}, with the same handler.",
               number=follow_up.number))
    notify_owner_of_new(turn, follow_up, owner)
    return follow_up
