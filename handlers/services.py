"""Use cases on tickets. Each checks in the database that the actor may act,
changes the ticket, appends to its history, and queues the notices it owes.

A button's payload only says *which* ticket; whether this person may act on it
in its current state is decided here, every time.
"""

from __future__ import annotations

from handlers import payloads
from handlers.conversations.turn import Turn, Work
from handlers.domain.categories import label
from handlers.domain.errors import DomainError
from handlers.domain.labels import ROLE_LABELS, STATUS_LABELS
from handlers.domain.lifecycle import OPEN, TRANSITIONS, Action, Actor, is_open, next_status
from handlers.domain.model import Account, Cadre, ReporterKind, Ticket, TicketStatus
from handlers.domain.routing import route_ticket, supervisor_of
from handlers.messages import Msg, plain, t
from handlers.seam import Button

ACCEPT, ASK, RESOLVE, ANSWER = "accept", "ask", "resolve", "answer"
TRANSFER, TAKE_OVER, REFUSE = "transfer", "take_over", "refuse"  # 交办 and its answer
SEND_BACK = "send_back"  # 退单
ESCALATE = "escalate"  # 上报: offer it to the leader in charge one level up
SOLVED, PARTLY, UNSOLVED = "solved", "partly", "unsolved"  # the reporter's verdict on 办结
STARS = range(1, 6)


def role_label(cadre: Cadre) -> Msg:
    return ROLE_LABELS[cadre.role]


def open_ticket(turn: Turn, data: dict) -> tuple[Ticket, Cadre]:
    """Turn a confirmed report into a ticket owned by the routed cadre (首问负责)."""
    directory = turn.uow.directory
    enterprise = directory.enterprise(data["enterprise_id"]) if data.get("enterprise_id") else None
    route = route_ticket(directory, enterprise, data.get("area_id"))
    ticket = Ticket(
        id=None, number=turn.uow.tickets.next_number(turn.now.year), category=data["category"],
        description=data["description"], reporter_account_id=turn.account.id,
        reporter_kind=ReporterKind(data["kind"]), reporter_phone=data["phone"],
        org_unit_id=route.org_unit_id, owner_cadre_id=route.owner.id, status=TicketStatus.ASSIGNED,
        created_at=turn.now, enterprise_id=enterprise.id if enterprise else None,
        photo_file_ids=list(data.get("photos", [])),
        location=tuple(data["location"]) if data.get("location") else None,
    )
    ticket.record("submitted", turn.now, turn.account.id)
    ticket.record("assigned", turn.now, None, cadre_id=route.owner.id, reason=route.reason.value)
    ticket = turn.uow.tickets.add(ticket)
    _notify_owner_of_new(turn, ticket, route.owner, enterprise.name if enterprise else data.get("area_name", ""))
    return ticket, route.owner


def _notify_owner_of_new(turn: Turn, ticket: Ticket, owner: Cadre, where: str) -> None:
    account = _account_of(turn, owner)
    if account is None:
        return  # not yet bound in chat: the ticket waits in their list
    # The reporter's phone goes to the owner only: they handle the ticket.
    turn.tell(account, t("New ticket {number}\nFrom: {where}\nKind: {category}\nProblem: {description}\n"
                         "Reporter's phone: {phone}",
                         number=ticket.number, where=plain(where), category=label(ticket.category),
                         description=ticket.description, phone=ticket.reporter_phone),
              owner_buttons(ticket), photo_file_ids=tuple(ticket.photo_file_ids), location=ticket.location)


def owner_buttons(ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
    assert ticket.id is not None
    row = []
    if ticket.status in TRANSITIONS[Action.ACCEPT].sources:
        row.append(Button(t("Accept"), payloads.ticket_action(ACCEPT, ticket.id)))
    if is_open(ticket.status):
        row.append(Button(t("Ask for more"), payloads.ticket_action(ASK, ticket.id)))
        row.append(Button(t("Resolve"), payloads.ticket_action(RESOLVE, ticket.id)))
    if is_open(ticket.status) and ticket.pending_handover is None:
        return (tuple(row), (Button(t("Transfer"), payloads.ticket_action(TRANSFER, ticket.id)),
                             Button(t("Escalate"), payloads.ticket_action(ESCALATE, ticket.id)),
                             Button(t("Send back"), payloads.ticket_action(SEND_BACK, ticket.id))))
    return (tuple(row),) if row else ()


def owned_ticket(turn: Turn, ticket_id: int, action: Action | None = None) -> tuple[Ticket, Cadre]:
    """The ticket, if the sender is its owner and it is in a state where `action`
    (or, with None, any step that keeps it open) can be taken."""
    cadre = turn.uow.directory.cadre_by_account(turn.account.id)
    ticket = turn.uow.tickets.get(ticket_id)
    if cadre is None or ticket is None or ticket.owner_cadre_id != cadre.id:
        raise DomainError(t("Only the cadre handling this ticket can do that."))
    allowed = TRANSITIONS[action].sources if action else OPEN
    if ticket.status not in allowed:
        raise DomainError(t("Ticket {number} is {status} now; that button is out of date.",
                            number=ticket.number, status=_status(ticket)))
    return ticket, cadre


def accept(turn: Turn, ticket_id: int) -> None:
    ticket, cadre = owned_ticket(turn, ticket_id, Action.ACCEPT)
    ticket.status = next_status(ticket.status, Action.ACCEPT, Actor.OWNER)
    ticket.record("accepted", turn.now, turn.account.id)
    turn.uow.tickets.save(ticket)
    turn.say(t("You accepted ticket {number}. Press Resolve when it is settled.", number=ticket.number),
             owner_buttons(ticket))
    _tell_reporter(turn, ticket, t("Ticket {number} was accepted by {name} ({role}).",
                                   number=ticket.number, name=cadre.name, role=role_label(cadre)))


def ask_reporter(turn: Turn, ticket_id: int, question: str, photo_file_ids: tuple[str, ...] = ()) -> None:
    """需补充: the owner's question (and photos) relayed to the reporter, whose next message answers it."""
    ticket, cadre = owned_ticket(turn, ticket_id)
    ticket.record("info_requested", turn.now, turn.account.id, question=question, photos=list(photo_file_ids))
    turn.uow.tickets.save(ticket)
    turn.say(t("Your question on {number} was sent to the reporter.", number=ticket.number))
    reporter = turn.uow.accounts.get(ticket.reporter_account_id)
    if reporter is None:
        return
    state = turn.uow.conversations.load(reporter.platform, reporter.chat_id)
    state.interrupt("answer", "text", {"ticket_id": ticket_id})
    turn.uow.conversations.save(state)
    turn.tell(reporter, t("About ticket {number}, {name} asks: {question}\nReply with a message (photos welcome).",
                          number=ticket.number, name=cadre.name, question=question),
              ((Button(t("Answer"), payloads.ticket_action(ANSWER, ticket_id)),),), photo_file_ids=photo_file_ids)


def relay_answer(turn: Turn, ticket_id: int, text: str, photo_file_ids: tuple[str, ...]) -> bool:
    """Pass the reporter's answer to the owner. False if it is not their ticket or it is closed."""
    ticket = turn.uow.tickets.get(ticket_id)
    if ticket is None or ticket.reporter_account_id != turn.account.id or not is_open(ticket.status):
        return False
    ticket.record("info_given", turn.now, turn.account.id, text=text, photos=list(photo_file_ids))
    turn.uow.tickets.save(ticket)
    owner = turn.uow.directory.cadre(ticket.owner_cadre_id)
    account = _account_of(turn, owner) if owner else None
    if account is not None:
        turn.tell(account, t("The reporter of {number} answers: {text}", number=ticket.number, text=text),
                  owner_buttons(ticket), photo_file_ids=photo_file_ids)
    return True


def resolve(turn: Turn, ticket_id: int, note: str) -> None:
    ticket, cadre = owned_ticket(turn, ticket_id, Action.RESOLVE)
    ticket.status = next_status(ticket.status, Action.RESOLVE, Actor.OWNER)
    ticket.record("resolved", turn.now, turn.account.id, note=note)
    turn.uow.tickets.save(ticket)
    turn.say(t("Ticket {number} is resolved. The reporter has been told.", number=ticket.number))
    verdicts = (Button(t("Solved"), payloads.ticket_action(SOLVED, ticket_id)),
                Button(t("Partly solved"), payloads.ticket_action(PARTLY, ticket_id)),
                Button(t("Not solved"), payloads.ticket_action(UNSOLVED, ticket_id)))
    _tell_reporter(turn, ticket, t("Ticket {number} has been resolved by {name} ({role}): {note}\n"
                                   "Is your problem solved?",
                                   number=ticket.number, name=cadre.name, role=role_label(cadre), note=note),
                   (verdicts,))


def escalate(turn: Turn, ticket_id: int, reason: str) -> None:
    """上报: a hand-over offered to the leader in charge above; it stays the owner's until taken (首问负责)."""
    ticket, _ = owned_ticket(turn, ticket_id)
    leader = supervisor_of(turn.uow.directory, ticket.org_unit_id, ticket.owner_cadre_id)
    if leader is None:
        raise DomainError(t("There is no leader above to escalate {number} to.", number=ticket.number))
    offer_handover(turn, ticket_id, leader.id, reason, escalated=True)


def offer_handover(turn: Turn, ticket_id: int, receiver_id: int, reason: str, escalated: bool = False) -> None:
    """交办: offer the ticket to another cadre. It stays the sender's until the receiver takes it (首问负责)."""
    ticket, cadre = owned_ticket(turn, ticket_id)
    receiver = turn.uow.directory.cadre(receiver_id)
    if receiver is None or receiver.id == cadre.id or ticket.pending_handover is not None:
        raise DomainError(t("This button is out of date."))
    ticket.record("handover_offered", turn.now, turn.account.id, to=receiver.id, reason=reason,
                  escalated=escalated)
    turn.uow.tickets.save(ticket)
    turn.say(t("Ticket {number} is offered to {name}; it stays yours until they accept.",
               number=ticket.number, name=receiver.name))
    if account := _account_of(turn, receiver):
        turn.tell(account, t("{name} hands ticket {number} over to you: {reason}\nProblem: {description}",
                             name=cadre.name, number=ticket.number, reason=reason, description=ticket.description),
                  ((Button(t("Take it over"), payloads.ticket_action(TAKE_OVER, ticket_id)),
                    Button(t("Refuse"), payloads.ticket_action(REFUSE, ticket_id))),))


def offered_ticket(turn: Turn, ticket_id: int) -> tuple[Ticket, Cadre]:
    """The ticket, if a hand-over to the sender is on offer now."""
    cadre = turn.uow.directory.cadre_by_account(turn.account.id)
    ticket = turn.uow.tickets.get(ticket_id)
    offer = ticket.pending_handover if ticket else None
    if ticket is None or cadre is None or offer is None or offer.data.get("to") != cadre.id:
        raise DomainError(t("This hand-over is no longer on offer to you."))
    return ticket, cadre


def take_over(turn: Turn, ticket_id: int) -> None:
    ticket, receiver = offered_ticket(turn, ticket_id)
    previous = turn.uow.directory.cadre(ticket.owner_cadre_id)
    ticket.record("handover_accepted", turn.now, turn.account.id, previous_owner=ticket.owner_cadre_id)
    ticket.status = next_status(ticket.status, Action.TAKE_OVER, Actor.RECEIVER)
    ticket.owner_cadre_id = receiver.id
    turn.uow.tickets.save(ticket)
    # Now the owner, the receiver gets the full card, the reporter's phone included.
    turn.say(t("Ticket {number} is yours now.\nProblem: {description}\nReporter's phone: {phone}",
               number=ticket.number, description=ticket.description, phone=ticket.reporter_phone),
             owner_buttons(ticket))
    if previous and (account := _account_of(turn, previous)):
        turn.tell(account, t("{name} took over ticket {number}.", name=receiver.name, number=ticket.number))
    _tell_reporter(turn, ticket, t("Ticket {number} is now handled by {name} ({role}).",
                                   number=ticket.number, name=receiver.name, role=role_label(receiver)))


def refuse_handover(turn: Turn, ticket_id: int, reason: str) -> None:
    ticket, receiver = offered_ticket(turn, ticket_id)
    ticket.record("handover_refused", turn.now, turn.account.id, reason=reason)
    turn.uow.tickets.save(ticket)
    turn.say(t("You refused ticket {number}; it stays with its owner.", number=ticket.number))
    _tell_owner(turn, ticket, t("{name} refused ticket {number}: {reason}\nIt stays yours.",
                                name=receiver.name, number=ticket.number, reason=reason), owner_buttons(ticket))


def assigner_of(turn: Work, ticket: Ticket) -> Cadre | None:
    """Who a 退单 returns to: the cadre who handed it over, else the leader on duty above (never nobody)."""
    for event in reversed(ticket.events):
        if event.kind == "handover_accepted" and event.data.get("previous_owner") != ticket.owner_cadre_id:
            return turn.uow.directory.cadre(event.data["previous_owner"])
    return supervisor_of(turn.uow.directory, ticket.org_unit_id, ticket.owner_cadre_id)


def send_back(turn: Turn, ticket_id: int, reason: str) -> None:
    ticket, cadre = owned_ticket(turn, ticket_id, Action.SEND_BACK)
    assigner = assigner_of(turn, ticket)
    if assigner is None:
        raise DomainError(t("There is nobody above to send {number} back to; transfer it instead.",
                            number=ticket.number))
    ticket.status = next_status(ticket.status, Action.SEND_BACK, Actor.OWNER)
    ticket.owner_cadre_id = assigner.id
    ticket.record("sent_back", turn.now, turn.account.id, to=assigner.id, reason=reason)
    turn.uow.tickets.save(ticket)
    turn.say(t("Ticket {number} went back to {name}.", number=ticket.number, name=assigner.name))
    if account := _account_of(turn, assigner):
        turn.tell(account, t("{name} sent ticket {number} back to you: {reason}\nProblem: {description}\n"
                             "Reporter's phone: {phone}", name=cadre.name, number=ticket.number, reason=reason,
                             description=ticket.description, phone=ticket.reporter_phone),
                  owner_buttons(ticket))


def reported_ticket(turn: Turn, ticket_id: int, action: Action) -> Ticket:
    """The ticket, if the sender reported it and `action` can be taken on it now."""
    ticket = turn.uow.tickets.get(ticket_id)
    if ticket is None or ticket.reporter_account_id != turn.account.id:
        raise DomainError(t("You cannot do that to this ticket."))
    next_status(ticket.status, action, Actor.REPORTER)
    return ticket


def confirm(turn: Turn, ticket_id: int) -> Ticket:
    """销号: the reporter says the problem is solved."""
    ticket = reported_ticket(turn, ticket_id, Action.CONFIRM)
    ticket.status = next_status(ticket.status, Action.CONFIRM, Actor.REPORTER)
    ticket.record("confirmed", turn.now, turn.account.id, verdict=SOLVED)
    turn.uow.tickets.save(ticket)
    turn.say(t("Thank you. Ticket {number} is closed. How satisfied are you with how it was handled?",
               number=ticket.number),
             (tuple(Button(plain("★" * n), payloads.rating(n, ticket_id)) for n in STARS),))
    _tell_owner(turn, ticket, t("The reporter confirmed that {number} is solved; it is closed (销号).",
                                number=ticket.number))
    return ticket


def reopen(turn: Turn, ticket_id: int, verdict: str, reason: str) -> None:
    """重办: not (or only partly) solved; back to the same owner, and their supervisor is told."""
    ticket = reported_ticket(turn, ticket_id, Action.REOPEN)
    ticket.status = next_status(ticket.status, Action.REOPEN, Actor.REPORTER)
    ticket.record("reopened", turn.now, turn.account.id, verdict=verdict, reason=reason)
    turn.uow.tickets.save(ticket)
    turn.say(t("Ticket {number} goes back to its handler with your reason.", number=ticket.number))
    notice = t("Ticket {number} is reopened: the reporter says it is not solved: {reason}",
               number=ticket.number, reason=reason)
    _tell_owner(turn, ticket, notice, owner_buttons(ticket))
    supervisor = supervisor_of(turn.uow.directory, ticket.org_unit_id, ticket.owner_cadre_id)
    if supervisor and (account := _account_of(turn, supervisor)):
        turn.tell(account, notice)


def auto_confirm(work: Work, ticket_id: int) -> None:
    """No verdict within the waiting time: close it as confirmed, recorded as automatic, not as a rating."""
    ticket = work.uow.tickets.get(ticket_id)
    if ticket is None or ticket.status is not TicketStatus.RESOLVED:
        return  # the reporter answered meanwhile
    ticket.status = next_status(ticket.status, Action.AUTO_CONFIRM, Actor.SYSTEM)
    ticket.record("auto_confirmed", work.now, None)
    work.uow.tickets.save(ticket)
    _tell_reporter(work, ticket, t("Ticket {number} was closed as solved: we had no answer from you. "
                                   "If the problem is back, send /start.", number=ticket.number))
    _tell_owner(work, ticket, t("Ticket {number} was closed automatically: the reporter did not answer.",
                                number=ticket.number))


def withdraw(turn: Turn, ticket_id: int, reason: str) -> None:
    ticket = reported_ticket(turn, ticket_id, Action.WITHDRAW)
    ticket.status = next_status(ticket.status, Action.WITHDRAW, Actor.REPORTER)
    ticket.record("withdrawn", turn.now, turn.account.id, reason=reason)
    turn.uow.tickets.save(ticket)
    turn.say(t("Ticket {number} is withdrawn.", number=ticket.number))
    _tell_owner(turn, ticket, t("The reporter withdrew {number}: {reason}", number=ticket.number, reason=reason))


def rate(turn: Turn, ticket_id: int, stars: int) -> Ticket:
    ticket = turn.uow.tickets.get(ticket_id)
    already = ticket and any(e.kind == "rated" for e in ticket.events)
    if ticket is None or ticket.reporter_account_id != turn.account.id or ticket.status is not TicketStatus.CONFIRMED \
            or already or stars not in STARS:
        raise DomainError(t("This button is out of date."))
    ticket.record("rated", turn.now, turn.account.id, stars=stars)
    turn.uow.tickets.save(ticket)
    _tell_owner(turn, ticket, t("The reporter rated {number}: {stars} of 5.", number=ticket.number, stars=stars))
    return ticket


def comment(turn: Turn, ticket_id: int, text: str) -> None:
    ticket = turn.uow.tickets.get(ticket_id)
    if ticket is None or ticket.reporter_account_id != turn.account.id:
        return
    ticket.record("commented", turn.now, turn.account.id, text=text)
    turn.uow.tickets.save(ticket)
    _tell_owner(turn, ticket, t("The reporter's comment on {number}: {text}", number=ticket.number, text=text))


def _tell_owner(turn: Work, ticket: Ticket, text: Msg, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
    owner = turn.uow.directory.cadre(ticket.owner_cadre_id)
    if owner and (account := _account_of(turn, owner)):
        turn.tell(account, text, buttons)


def _tell_reporter(turn: Work, ticket: Ticket, text: Msg, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
    reporter = turn.uow.accounts.get(ticket.reporter_account_id)
    if reporter is not None:
        turn.tell(reporter, text, buttons)


def _account_of(turn: Work, cadre: Cadre) -> Account | None:
    return turn.uow.accounts.get(cadre.account_id) if cadre.account_id else None


def _status(ticket: Ticket) -> Msg:
    return STATUS_LABELS[ticket.status]
