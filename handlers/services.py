"""Use cases on tickets. Each checks in the database that the actor may act,
changes the ticket, appends to its history, and queues the notices it owes.

A button's payload only says *which* ticket; whether this person may act on it
in its current state is decided here, every time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers import card, payloads, provisional
from handlers.card import owner_buttons  # noqa: F401 (the card's buttons, for the chat steps that show them)
from handlers.domain.events import EventKind
from handlers.ports import ANSWER_STEP, Dialog
from handlers.turn import Work
from handlers.unit_settings import policy_for_unit
from handlers.domain.deadlines import Policy, stamp_due_times
from handlers.domain.errors import DomainError
from handlers.domain.labels import ROLE_LABELS, STATUS_LABELS
from handlers.domain.lifecycle import OPEN, TRANSITIONS, Action, Actor, is_open, next_status
from handlers.domain.model import (PARTLY, SOLVED, UNSOLVED, Account, Cadre, ReporterKind, ReporterProfile, Ticket,
                                   TicketEvent, TicketStatus)
from handlers.domain.routing import route_ticket, route_to_township
from handlers.messages import Msg, t
from handlers.seam import Button

ACCEPT, ASK, RESOLVE, ANSWER = "accept", "ask", "resolve", "answer"
TRANSFER, TAKE_OVER, REFUSE = "transfer", "take_over", "refuse"  # 交办 and its answer
SEND_BACK = "send_back"  # 退单
ESCALATE = "escalate"  # 上报: offer it to the leader in charge one level up
CLASSIFY, CONSULT, LINK = "classify", "consult", "link"  # 研判, 会商, 关联 a duplicate
EXTEND = "extend"  # 延期: ask the leader above for more time
VIEW = card.VIEW  # open one ticket's card (/t) from a list, a reminder or a notice
STARS = range(1, 6)


def role_label(cadre: Cadre) -> Msg:
    return ROLE_LABELS[cadre.role]


@dataclass(frozen=True)
class UnregisteredEnterprise:
    """What an owner said of an enterprise the register lacks (its credit code checked)."""

    name: str
    credit_code: str
    township_id: int | None  # the township they chose (None: the tree has none)


@dataclass(frozen=True)
class Report:
    """A problem as its reporter confirmed it: becomes a ticket owned by the routed cadre (首问负责)."""

    by: int  # the reporter's account
    kind: ReporterKind
    category: str
    description: str
    phone: str
    enterprise_id: int | None = None  # an enterprise's report
    area_id: int | None = None  # a resident's village / grid
    photo_file_ids: tuple[str, ...] = ()
    location: tuple[float, float] | None = None
    unregistered: UnregisteredEnterprise | None = None  # an enterprise not in the register

    @classmethod
    def from_dialog(cls, by: int, data: dict[str, Any]) -> Report:
        """What the report dialog gathered (its stored state) as a command."""
        new = data.get("new_enterprise")
        return cls(by=by, kind=ReporterKind(data["kind"]), category=data["category"],
                   description=data["description"], phone=data["phone"], enterprise_id=data.get("enterprise_id"),
                   area_id=data.get("area_id"), photo_file_ids=tuple(data.get("photos", [])),
                   location=tuple(data["location"]) if data.get("location") else None,  # type: ignore[arg-type]
                   unregistered=UnregisteredEnterprise(**new) if new else None)


def open_ticket(cmd: Report, work: Work) -> tuple[Ticket, Cadre]:
    """The new ticket and its owner, who is told (with the reporter's phone)."""
    directory = work.uow.directory
    unregistered = cmd.unregistered
    if unregistered is not None and (known := directory.enterprise_by_code(unregistered.credit_code)):
        unregistered = None  # registered meanwhile (another report of theirs): it routes as any other
        cmd = dataclasses.replace(cmd, enterprise_id=known.id)
    enterprise = directory.enterprise(cmd.enterprise_id) if cmd.enterprise_id else None
    if unregistered is not None:  # 属地兜底: the township's duty cadre, who can register it
        route = route_to_township(directory, unregistered.township_id)
    else:
        route = route_ticket(directory, enterprise, cmd.area_id)
    ticket = new_ticket(work, reporter_account_id=cmd.by, reporter_kind=cmd.kind, reporter_phone=cmd.phone,
                        category=cmd.category, description=cmd.description, org_unit_id=route.org_unit_id,
                        owner=route.owner, enterprise_id=enterprise.id if enterprise else None,
                        photo_file_ids=list(cmd.photo_file_ids), location=cmd.location)
    # What the owner said of an enterprise the register lacks stays in the history, word for word.
    said = {"unregistered_enterprise": dataclasses.asdict(unregistered)} if unregistered else {}
    ticket.record(EventKind.SUBMITTED, work.now, cmd.by, **said)
    ticket.record(EventKind.ASSIGNED, work.now, None, cadre_id=route.owner.id, reason=route.reason.value)
    ticket = work.add(ticket)
    _remember_reporter(work, cmd, ticket)
    notify_owner_of_new(work, ticket, route.owner)
    return ticket, route.owner


def _remember_reporter(work: Work, cmd: Report, ticket: Ticket) -> None:
    """What the reporter said, for next time. A chat bound by a 连心卡 stays its enterprise's
    contact whatever it reports (a resident's problem, say): only its phone is updated."""
    profiles = work.uow.reporter_profiles
    kept = profiles.get(cmd.by)
    if kept is not None and kept.bound_at is not None:
        profiles.save(dataclasses.replace(kept, phone=cmd.phone or kept.phone))
        return
    profiles.save(ReporterProfile(cmd.by, cmd.kind, ticket.enterprise_id, cmd.phone))


def new_ticket(work: Work, *, owner: Cadre, **fields: Any) -> Ticket:
    """A numbered ticket, not yet stored, assigned to `owner`; the caller records how it came."""
    ticket = Ticket(id=None, number=work.uow.tickets.next_number(work.now.year), owner_cadre_id=owner.id,
                    status=TicketStatus.ASSIGNED, created_at=work.now, **fields)
    stamp_deadlines(work, ticket)
    return ticket


def stamp_deadlines(work: Work, ticket: Ticket) -> None:
    """限时办结: each stage's due time under the office's policy. Counted into a year without an
    official holiday list, they are provisional: recorded on the ticket, the admins warned."""
    rules = work.rules
    stamp_due_times(ticket, policy_of(work, ticket), rules.time_zone, rules.calendar)
    provisional.note(work, ticket)


def policy_of(work: Work, ticket: Ticket) -> Policy:
    """The deadline policy of the ticket's org unit (the nearest unit up the tree that names one)."""
    return policy_for_unit(work, ticket.org_unit_id)



def notify_owner_of_new(work: Work, ticket: Ticket, owner: Cadre) -> None:
    account = account_of(work, owner)
    if account is None:
        return  # not yet bound in chat: the ticket waits in their list
    # The card, with the reporter's phone: it goes to the owner only, who handles the ticket.
    card.show(work, account, ticket, photo_file_ids=tuple(ticket.photo_file_ids), location=ticket.location)


def _buttons(ticket_id: int, *actions: tuple[str, Msg]) -> tuple[Button, ...]:
    return tuple(Button(text, payloads.ticket_action(action, ticket_id)) for action, text in actions)


def owned_by(work: Work, account_id: int, ticket_id: int, action: Action | None = None) -> tuple[Ticket, Cadre]:
    """The ticket, if the cadre of `account_id` owns it and it is in a state where `action`
    (or, with None, any step that keeps it open) can be taken; else DomainError."""
    cadre = work.uow.directory.cadre_by_account(account_id)
    ticket = work.uow.tickets.get(ticket_id)
    if cadre is None or ticket is None or ticket.owner_cadre_id != cadre.id:
        raise DomainError(t("Only the cadre handling this ticket can do that."))
    allowed = TRANSITIONS[action].sources if action else OPEN
    if ticket.status not in allowed:
        raise DomainError(t("Ticket {number} is {status} now; that button is out of date.",
                            number=ticket.number, status=_status(ticket)))
    return ticket, cadre


def awaiting_by(work: Work, account_id: int, ticket_id: int, pending: Callable[[Ticket], TicketEvent | None],
                refusal: Msg) -> tuple[Ticket, Cadre, TicketEvent]:
    """The ticket, the cadre of `account_id` and the request `pending` finds on it, if that
    request is addressed to that cadre (its `to`) and still unanswered; else DomainError(refusal)."""
    cadre = work.uow.directory.cadre_by_account(account_id)
    ticket = work.uow.tickets.get(ticket_id)
    asked = pending(ticket) if ticket else None
    if ticket is None or cadre is None or asked is None or asked.data.get("to") != cadre.id:
        raise DomainError(refusal)
    return ticket, cadre, asked


def reported_by(work: Work, account_id: int, ticket_id: int) -> Ticket:
    """The ticket, if `account_id` reported it (in whatever state it is); else DomainError."""
    ticket = work.uow.tickets.get(ticket_id)
    if ticket is None or ticket.reporter_account_id != account_id:
        raise DomainError(t("You cannot do that to this ticket."))
    return ticket


# -- the owner's lifecycle: commands in, the changed ticket out ----------------------------
# Each use case takes a frozen command (who acts, on what) and the unit of work; it checks,
# changes the ticket, records the event and queues the notices to others. What to tell the
# one acting is the caller's: a chat answers in the chat, a CLI prints, a web page renders.

@dataclass(frozen=True)
class Accept:
    """接单: the owner takes the ticket up."""

    ticket_id: int
    by: int  # the account acting: its cadre must own the ticket


@dataclass(frozen=True)
class AskReporter:
    """需补充: the owner's question (and photos) to the reporter, whose next message answers it."""

    ticket_id: int
    by: int
    question: str
    photo_file_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerOwner:
    """The reporter's answer to the owner's question."""

    ticket_id: int
    by: int  # the account acting: it must have reported the ticket
    text: str
    photo_file_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolve:
    """办结, and with it every open ticket linked to this one as the same problem."""

    ticket_id: int
    by: int
    note: str


def accept(cmd: Accept, work: Work) -> Ticket:
    ticket, cadre = owned_by(work, cmd.by, cmd.ticket_id, Action.ACCEPT)
    ticket.status = next_status(ticket.status, Action.ACCEPT, Actor.OWNER)
    ticket.record(EventKind.ACCEPTED, work.now, cmd.by)
    work.save(ticket)
    card.refresh(work, ticket)
    tell_reporter(work, ticket, t("Ticket {number} was accepted by {name} ({role}).",
                                   number=ticket.number, name=cadre.name, role=role_label(cadre)))
    return ticket


def ask_reporter(cmd: AskReporter, work: Work) -> Ticket:
    ticket, cadre = owned_by(work, cmd.by, cmd.ticket_id)
    ticket.record(EventKind.INFO_REQUESTED, work.now, cmd.by, question=cmd.question, photos=list(cmd.photo_file_ids))
    work.save(ticket)
    card.refresh(work, ticket)
    reporter = work.uow.accounts.get(ticket.reporter_account_id)
    if reporter is None:
        return ticket
    state = work.uow.conversations.load(reporter.platform, reporter.chat_id)
    state.interrupt(Dialog.ANSWER, ANSWER_STEP, {"ticket_id": cmd.ticket_id})  # their next message answers
    work.uow.conversations.save(state)
    work.tell(reporter, t("About ticket {number}, {name} asks: {question}\nReply with a message (photos welcome).",
                          number=ticket.number, name=cadre.name, question=cmd.question),
              ((Button(t("Answer"), payloads.ticket_action(ANSWER, cmd.ticket_id)),),),
              photo_file_ids=cmd.photo_file_ids, about=ticket)
    return ticket


def answer_owner(cmd: AnswerOwner, work: Work) -> Ticket | None:
    """Pass the reporter's answer to the owner. None if it is not their ticket or it is closed."""
    ticket = work.uow.tickets.get(cmd.ticket_id)
    if ticket is None or ticket.reporter_account_id != cmd.by or not is_open(ticket.status):
        return None
    ticket.record(EventKind.INFO_GIVEN, work.now, cmd.by, text=cmd.text, photos=list(cmd.photo_file_ids))
    work.save(ticket)
    tell_owner(work, ticket, t("The reporter of {number} ({title}) answers: {text}", number=ticket.number,
                               title=card.title(ticket), text=cmd.text), photo_file_ids=cmd.photo_file_ids)
    return ticket


def resolve(cmd: Resolve, work: Work) -> Ticket:
    ticket, cadre = owned_by(work, cmd.by, cmd.ticket_id, Action.RESOLVE)
    _resolve(work, cmd.by, ticket, cadre, cmd.note)
    for duplicate in work.uow.tickets.linked_to(cmd.ticket_id):
        if duplicate.status in TRANSITIONS[Action.RESOLVE].sources:
            _resolve(work, cmd.by, duplicate, cadre, cmd.note, with_ticket=ticket.number)
            if duplicate.owner_cadre_id != cadre.id:
                tell_owner(work, duplicate, t("Ticket {number} ({title}) was resolved together with {primary}: "
                                              "{note}", number=duplicate.number, title=card.title(duplicate),
                                              primary=ticket.number, note=cmd.note))
    return ticket


def _resolve(work: Work, by: int, ticket: Ticket, cadre: Cadre, note: str, **data: Any) -> None:
    assert ticket.id is not None
    # A linked duplicate follows its primary: linking it was its owner's consent (see assess.link).
    ticket.status = next_status(ticket.status, Action.RESOLVE, Actor.OWNER)
    ticket.resolved_at = work.now
    ticket.record(EventKind.RESOLVED, work.now, by, note=note, **data)
    work.save(ticket)
    card.refresh(work, ticket)
    tell_reporter(work, ticket, t("Ticket {number} has been resolved by {name} ({role}): {note}\n"
                                   "Is your problem solved?",
                                   number=ticket.number, name=cadre.name, role=role_label(cadre), note=note),
                   (verdict_buttons(ticket.id),))


def verdict_buttons(ticket_id: int) -> tuple[Button, ...]:
    return _buttons(ticket_id, (SOLVED, t("Solved")), (PARTLY, t("Partly solved")), (UNSOLVED, t("Not solved")))


tell_owner = card.tell_owner  # the owner's card brought up to date, and a one-line notice


def tell_reporter(turn: Work, ticket: Ticket, text: Msg, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
    reporter = turn.uow.accounts.get(ticket.reporter_account_id)
    if reporter is not None:
        turn.tell(reporter, text, buttons, about=ticket)


def account_of(turn: Work, cadre: Cadre) -> Account | None:
    return turn.uow.accounts.get(cadre.account_id) if cadre.account_id else None


def _status(ticket: Ticket) -> Msg:
    return STATUS_LABELS[ticket.status]
