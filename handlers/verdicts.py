"""The reporter's side after 办结 (反馈): confirm (销号), reopen (重办), rate, comment,
withdraw, and the automatic confirmation when nobody answers in time."""

from __future__ import annotations

from handlers import payloads, revisit
from handlers.domain.events import EventKind
from handlers.turn import Turn, Work
from handlers.domain.errors import OutOfDate
from handlers.domain.lifecycle import Action, Actor, next_status
from handlers.domain.model import Ticket, TicketStatus
from handlers.domain.routing import supervisor_of
from handlers.messages import plain, t
from handlers.seam import Button
from handlers.services import SOLVED, STARS, account_of, owner_buttons, reporters_ticket, tell_owner, tell_reporter



def reported_ticket(turn: Turn, ticket_id: int, action: Action) -> Ticket:
    """The ticket, if the sender reported it and `action` can be taken on it now."""
    ticket = reporters_ticket(turn, ticket_id)
    next_status(ticket.status, action, Actor.REPORTER)
    return ticket


def confirm(turn: Turn, ticket_id: int) -> Ticket:
    """销号: the reporter says the problem is solved."""
    ticket = reported_ticket(turn, ticket_id, Action.CONFIRM)
    ticket.status = next_status(ticket.status, Action.CONFIRM, Actor.REPORTER)
    ticket.record(EventKind.CONFIRMED, turn.now, turn.account.id, verdict=SOLVED)
    revisit.schedule(turn, ticket)
    turn.save(ticket)
    turn.say(t("Thank you. Ticket {number} is closed. How satisfied are you with how it was handled?",
               number=ticket.number),
             (tuple(Button(plain("★" * n), payloads.rating(n, ticket_id)) for n in STARS),))
    tell_owner(turn, ticket, t("The reporter confirmed that {number} is solved; it is closed (销号).",
                                number=ticket.number))
    return ticket


def reopen(turn: Turn, ticket_id: int, verdict: str, reason: str) -> None:
    """重办: not (or only partly) solved; back to the same owner, and their supervisor is told."""
    ticket = reported_ticket(turn, ticket_id, Action.REOPEN)
    ticket.status = next_status(ticket.status, Action.REOPEN, Actor.REPORTER)
    ticket.record(EventKind.REOPENED, turn.now, turn.account.id, verdict=verdict, reason=reason)
    turn.save(ticket)
    turn.say(t("Ticket {number} goes back to its handler with your reason.", number=ticket.number))
    notice = t("Ticket {number} is reopened: the reporter says it is not solved: {reason}",
               number=ticket.number, reason=reason)
    tell_owner(turn, ticket, notice, owner_buttons(ticket))
    supervisor = supervisor_of(turn.uow.directory, ticket.org_unit_id, ticket.owner_cadre_id)
    if supervisor and (account := account_of(turn, supervisor)):
        turn.tell(account, notice, about=ticket)


def auto_confirm(work: Work, ticket_id: int) -> None:
    """No verdict within the waiting time: close it as confirmed, recorded as automatic, not as a rating."""
    ticket = work.uow.tickets.get(ticket_id)
    if ticket is None or ticket.status is not TicketStatus.RESOLVED:
        return  # the reporter answered meanwhile
    ticket.status = next_status(ticket.status, Action.AUTO_CONFIRM, Actor.SYSTEM)
    ticket.record(EventKind.AUTO_CONFIRMED, work.now, None)
    revisit.schedule(work, ticket)
    work.save(ticket)
    tell_reporter(work, ticket, t("Ticket {number} was closed as solved: we had no answer from you. "
                                   "If the problem is back, send /start.", number=ticket.number))
    tell_owner(work, ticket, t("Ticket {number} was closed automatically: the reporter did not answer.",
                                number=ticket.number))


def withdraw(turn: Turn, ticket_id: int, reason: str) -> None:
    ticket = reported_ticket(turn, ticket_id, Action.WITHDRAW)
    ticket.status = next_status(ticket.status, Action.WITHDRAW, Actor.REPORTER)
    ticket.record(EventKind.WITHDRAWN, turn.now, turn.account.id, reason=reason)
    turn.save(ticket)
    turn.say(t("Ticket {number} is withdrawn.", number=ticket.number))
    tell_owner(turn, ticket, t("The reporter withdrew {number}: {reason}", number=ticket.number, reason=reason))


def rate(turn: Turn, ticket_id: int, stars: int) -> Ticket:
    ticket = turn.uow.tickets.get(ticket_id)
    already = ticket and any(e.kind == EventKind.RATED for e in ticket.events)
    if ticket is None or ticket.reporter_account_id != turn.account.id or ticket.status is not TicketStatus.CONFIRMED \
            or already or stars not in STARS:
        raise OutOfDate()
    ticket.record(EventKind.RATED, turn.now, turn.account.id, stars=stars)
    turn.save(ticket)
    tell_owner(turn, ticket, t("The reporter rated {number}: {stars} of 5.", number=ticket.number, stars=stars))
    return ticket


def comment(turn: Turn, ticket_id: int, text: str) -> None:
    ticket = turn.uow.tickets.get(ticket_id)
    if ticket is None or ticket.reporter_account_id != turn.account.id:
        return
    ticket.record(EventKind.COMMENTED, turn.now, turn.account.id, text=text)
    turn.save(ticket)
    tell_owner(turn, ticket, t("The reporter's comment on {number}: {text}", number=ticket.number, text=text))

