"""Each person's data: what is stored about a reporter (/mydata), its erasure at their request,
and a cadre's on leaving (`lianxin cadre erase`). The rule, table by table: docs/privacy.md.

What identifies a person goes: their platform ids and display name, their phone (on the
profile and on every ticket), their location and photos, and what they typed — descriptions,
answers, additions, comments, reasons, 举报 texts — since free text can say anything about
them. What the office did and counted stays: the tickets (numbers, classes, dates, statuses,
owners, ratings), the office's own notes, the findings, and every history row. Rewriting those
rows is the one lawful exception to append-only histories: the person's words inside them are
blanked, in the same transaction, and each ticket records that its reporter's data was erased
(without the data). Their open tickets are withdrawn: without a description or a phone nobody
can work on them, and they are told so before they confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import card
from handlers.domain.errors import DomainError
from handlers.domain.events import EventKind
from handlers.domain.lifecycle import Action, Actor, is_open, next_status
from handlers.domain.model import Account, Cadre, Complaint, ReporterProfile, Ticket, TicketStatus
from handlers.messages import t
from handlers.turn import Work

# What a person's own events hold of their words and photos (answers, additions, comments,
# withdrawal and 重办 reasons, 举报): blanked on erasure. Events by others keep theirs.
TYPED_KEYS = ("text", "reason", "photos")
CADRE_PLACEHOLDER = "已离任干部 #{id}"  # a departed cadre's name, kept for the histories that name them
PAGE = 500  # tickets read per statement when gathering a reporter's


@dataclass(frozen=True)
class Stored:
    """Everything kept about one account's person, as /mydata shows it."""

    account: Account
    cadre: Cadre | None
    profile: ReporterProfile | None
    tickets: list[Ticket]  # the ones they reported, with their histories, newest first
    complaints: list[Complaint]


def stored_about(work: Work, account_id: int) -> Stored:
    uow = work.uow
    account = uow.accounts.get(account_id)
    if account is None:
        raise LookupError(f"no account {account_id}")
    tickets = sorted(uow.tickets.get_many(_reported(work, account_id)), key=lambda x: (x.created_at, x.id or 0),
                     reverse=True)
    return Stored(account, uow.directory.cadre_by_account(account_id), uow.reporter_profiles.get(account_id),
                  tickets, uow.complaints.filed_by(account_id))


def _reported(work: Work, account_id: int) -> list[int]:
    ids: list[int] = []
    while True:
        page, total = work.uow.tickets.page_for_reporter(account_id, len(ids), PAGE)
        ids += [x.id for x in page if x.id is not None]
        if not page or len(ids) >= total:
            return ids


# --- a reporter's erasure ---------------------------------------------------------------

@dataclass(frozen=True)
class EraseMyData:
    by: int  # the account whose person asks: they erase their own data, nobody else's


@dataclass(frozen=True)
class Consequences:
    """What erasure will do to the tickets, told before the person confirms."""

    tickets: int
    withdrawn: int  # open: withdrawn, their handler told
    awaiting: int  # resolved, awaiting the reporter's verdict: they close by themselves


def consequences(work: Work, account_id: int) -> Consequences:
    refuse_cadres(work, account_id)
    tickets = work.uow.tickets.get_many(_reported(work, account_id))
    return Consequences(len(tickets), sum(is_open(x.status) for x in tickets),
                        sum(x.status is TicketStatus.RESOLVED for x in tickets))


def refuse_cadres(work: Work, account_id: int) -> None:
    """A cadre's data is the office's to erase when they leave (their chat is how tickets reach them)."""
    if work.uow.directory.cadre_by_account(account_id) is not None:
        raise DomainError(t("You are bound as a cadre: tickets reach you in this chat. The office erases a cadre's "
                            "data when they leave (lianxin cadre erase)."))


def erase_reporter(cmd: EraseMyData, work: Work) -> list[Ticket]:
    """Erase the person's data (the rule above), all in this unit of work; the tickets anonymised."""
    refuse_cadres(work, cmd.by)
    uow = work.uow
    account = uow.accounts.get(cmd.by)
    if account is None or account.erased:
        raise LookupError(f"no account {cmd.by} to erase")
    tickets = uow.tickets.get_many(_reported(work, account.id))
    photos = {photo for ticket in tickets for photo in _photos_of(ticket, account.id)}
    for ticket in tickets:
        _anonymise(work, ticket, account.id)
    ids = [x.id for x in tickets if x.id is not None]
    uow.privacy.scrub_history(ids, account, TYPED_KEYS)
    complaint_ids = uow.privacy.erase_complaints(account.id)
    uow.privacy.forget_reporter(account, ids, complaint_ids, photos)
    return tickets


def _photos_of(ticket: Ticket, account_id: int) -> list[str]:
    """The photos the person sent: with the report, and with their answers and additions."""
    sent = [photo for e in ticket.events if e.actor_account_id == account_id for photo in e.data.get("photos", [])]
    return [*ticket.photo_file_ids, *sent] if _reported_themselves(ticket) else sent


def _reported_themselves(ticket: Ticket) -> bool:
    """A problem a cadre logged on a visit (主动收集) was described by the cadre: the office's note."""
    return not any(e.kind == EventKind.COLLECTED for e in ticket.events)


def _anonymise(work: Work, ticket: Ticket, account_id: int) -> None:
    withdrawn = is_open(ticket.status)
    if withdrawn:  # nobody can work on it without a description or a phone
        ticket.status = next_status(ticket.status, Action.WITHDRAW, Actor.REPORTER)
        ticket.record(EventKind.WITHDRAWN, work.now, account_id, reason="")
    if _reported_themselves(ticket):
        ticket.description, ticket.photo_file_ids = "", []
    ticket.reporter_phone, ticket.location = "", None
    ticket.revisit_at = None  # 回头看 asks the reporter, and there is none now
    ticket.record(EventKind.REPORTER_ERASED, work.now, account_id)
    work.save(ticket)
    if withdrawn:
        card.tell_owner(work, ticket, t("Ticket {number} is withdrawn: its reporter had their personal data erased. "
                                        "Its history stays, without their words, phone or photos.",
                                        number=ticket.number))
    else:  # the owner's card in their chat loses the phone and the words too
        card.refresh(work, ticket)


# --- a cadre's, on leaving ---------------------------------------------------------------

@dataclass(frozen=True)
class EraseCadre:
    cadre_id: int  # an operator's command (lianxin cadre erase ID): the operator holds the database


def erase_cadre(cmd: EraseCadre, work: Work) -> str:
    """The cadre's name replaced by a placeholder kept for history, phone cleared, chat unbound;
    refused (DomainError, saying what to move first) while anything still reaches them. The placeholder."""
    cadre = work.uow.directory.cadre(cmd.cadre_id)
    if cadre is None:
        raise DomainError(t("No cadre with id {id}.", id=cmd.cadre_id))
    _refuse_while_responsible(work, cadre)
    placeholder = CADRE_PLACEHOLDER.format(id=cadre.id)
    work.uow.privacy.forget_cadre(cadre.id, placeholder)
    return placeholder


def _refuse_while_responsible(work: Work, cadre: Cadre) -> None:
    open_ids = work.uow.tickets.open_owned(cadre.id)
    if open_ids:
        numbers = ", ".join(x.number for x in work.uow.tickets.get_many(open_ids[:10]))
        raise DomainError(t("{name} still handles {count} open tickets ({numbers}). Move them to another cadre "
                            "first: an admin disabling the cadre (/admin) hands them to the township's duty cadre.",
                            name=cadre.name, count=len(open_ids), numbers=numbers + ("…" if len(open_ids) > 10 else "")))
    units, enterprises = work.uow.privacy.duties_of(cadre.id)
    if units or enterprises:
        raise DomainError(t("{name} is still the duty cadre of {units} and the 包联 of {enterprises} enterprises: new "
                            "problems would go to them. Name someone else first.",
                            name=cadre.name, units=", ".join(units) or "—", enterprises=enterprises))
