"""The reporter's side after 办结 (反馈): confirm (销号), reopen (重办), rate, comment,
withdraw, and the automatic confirmation when nobody answers in time.

Each use case takes a frozen command (`by`: the account acting, which must have reported
the ticket) and the unit of work, and returns the changed ticket; what the reporter hears
back is the caller's to say."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import revisit
from handlers.domain.events import EventKind
from handlers.turn import Work
from handlers.domain.errors import OutOfDate
from handlers.domain.lifecycle import Action, Actor, next_status
from handlers.domain.model import Ticket, TicketStatus
from handlers.domain.routing import supervisor_of
from handlers.card import title
from handlers.messages import Msg, t
from handlers.services import PARTLY, SOLVED, STARS, account_of, reported_by, tell_owner, tell_reporter


@dataclass(frozen=True)
class Confirm:
    """销号: the reporter says the problem is solved."""

    ticket_id: int
    by: int


@dataclass(frozen=True)
class Reopen:
    """重办: not (or only partly) solved; back to the same owner, and their supervisor is told."""

    ticket_id: int
    by: int
    verdict: str  # services.PARTLY or services.UNSOLVED
    reason: str


@dataclass(frozen=True)
class Withdraw:
    ticket_id: int
    by: int
    reason: str


@dataclass(frozen=True)
class Rate:
    ticket_id: int
    by: int
    stars: int


@dataclass(frozen=True)
class Comment:
    ticket_id: int
    by: int
    text: str


def reported_ticket(work: Work, by: int, ticket_id: int, action: Action) -> Ticket:
    """The ticket, if `by` reported it and `action` can be taken on it now."""
    ticket = reported_by(work, by, ticket_id)
    next_status(ticket.status, action, Actor.REPORTER)
    return ticket


def confirm(cmd: Confirm, work: Work) -> Ticket:
    ticket = reported_ticket(work, cmd.by, cmd.ticket_id, Action.CONFIRM)
    ticket.status = next_status(ticket.status, Action.CONFIRM, Actor.REPORTER)
    ticket.record(EventKind.CONFIRMED, work.now, cmd.by, verdict=SOLVED)
    revisit.schedule(work, ticket)
    work.save(ticket)
    tell_owner(work, ticket, t("The reporter confirmed that {number} ({title}) is solved; it is closed (销号).",
                                number=ticket.number, title=title(ticket)))
    return ticket


def reopen(cmd: Reopen, work: Work) -> Ticket:
    ticket = reported_ticket(work, cmd.by, cmd.ticket_id, Action.REOPEN)
    ticket.status = next_status(ticket.status, Action.REOPEN, Actor.REPORTER)
    ticket.record(EventKind.REOPENED, work.now, cmd.by, verdict=cmd.verdict, reason=cmd.reason)
    work.save(ticket)
    notice = _reopened(ticket, cmd.verdict, cmd.reason)
    tell_owner(work, ticket, notice)
    supervisor = supervisor_of(work.uow.directory, ticket.org_unit_id, ticket.owner_cadre_id)
    if supervisor and (account := account_of(work, supervisor)):
        work.tell(account, notice, about=ticket)
    return ticket


def _reopened(ticket: Ticket, verdict: str, reason: str) -> Msg:
    """重办, as the reporter put it: partly solved is not "not solved"."""
    if verdict == PARTLY:
        return t("Ticket {number} ({title}) is reopened: the reporter says it is only partly solved: {reason}",
                 number=ticket.number, title=title(ticket), reason=reason)
    return t("Ticket {number} ({title}) is reopened: the reporter says it is not solved: {reason}",
             number=ticket.number, title=title(ticket), reason=reason)


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
    tell_owner(work, ticket, t("Ticket {number} ({title}) was closed automatically: the reporter did not answer.",
                                number=ticket.number, title=title(ticket)))


def withdraw(cmd: Withdraw, work: Work) -> Ticket:
    ticket = reported_ticket(work, cmd.by, cmd.ticket_id, Action.WITHDRAW)
    ticket.status = next_status(ticket.status, Action.WITHDRAW, Actor.REPORTER)
    ticket.record(EventKind.WITHDRAWN, work.now, cmd.by, reason=cmd.reason)
    work.save(ticket)
    tell_owner(work, ticket, t("The reporter withdrew {number} ({title}): {reason}", number=ticket.number,
                                title=title(ticket), reason=cmd.reason))
    return ticket


def rate(cmd: Rate, work: Work) -> Ticket:
    """1-5 stars, once, on a ticket its reporter confirmed."""
    ticket = work.uow.tickets.get(cmd.ticket_id)
    already = ticket and any(e.kind == EventKind.RATED for e in ticket.events)
    if ticket is None or ticket.reporter_account_id != cmd.by or ticket.status is not TicketStatus.CONFIRMED \
            or already or cmd.stars not in STARS:
        raise OutOfDate()
    ticket.record(EventKind.RATED, work.now, cmd.by, stars=cmd.stars)
    work.save(ticket)
    tell_owner(work, ticket, t("The reporter rated {number} ({title}): {stars} of 5.", number=ticket.number,
                                title=title(ticket), stars=cmd.stars))
    return ticket


def comment(cmd: Comment, work: Work) -> Ticket | None:
    """A comment after rating, passed on to the owner; None if it is not the sender's ticket."""
    ticket = work.uow.tickets.get(cmd.ticket_id)
    if ticket is None or ticket.reporter_account_id != cmd.by:
        return None
    ticket.record(EventKind.COMMENTED, work.now, cmd.by, text=cmd.text)
    work.save(ticket)
    tell_owner(work, ticket, t("The reporter's comment on {number} ({title}): {text}", number=ticket.number,
                                title=title(ticket), text=cmd.text))
    return ticket
