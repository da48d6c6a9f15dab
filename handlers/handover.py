"""首问负责 hand-overs: 交办 (transfer), 上报 (escalate), and 退单 (send back).

An offered ticket stays with its owner until the receiver takes it over; the
pending offer is read from the ticket's history, not stored a second time.
"""

from __future__ import annotations

from operator import attrgetter

from handlers import card, payloads
from handlers.conversations import cadre as cadre_dialog
from handlers.conversations.cadre import Typed, asks_text, owned, text_step
from handlers.domain.events import EventKind
from handlers.turn import Turn, Work
from handlers.domain.errors import DomainError, OutOfDate
from handlers.domain.lifecycle import Action, Actor, is_open, next_status
from handlers.domain.model import Cadre, Ticket
from handlers.domain.routing import supervisor_of
from handlers.messages import t
from handlers.payloads import Pick, TicketPress
from handlers.router import Router
from handlers.seam import Button
from handlers.services import (ESCALATE, REFUSE, SEND_BACK, TAKE_OVER, TRANSFER, account_of, awaiting_me,
                               owned_ticket, owner_buttons, role_label, tell_owner, tell_reporter)

TRANSFER_REASON, REFUSE_REASON = "transfer_reason", "refuse_reason"  # the cadre dialog's steps after 交办 / 拒收


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
        raise OutOfDate()
    ticket.record(EventKind.HANDOVER_OFFERED, turn.now, turn.account.id, to=receiver.id, reason=reason,
                  escalated=escalated)
    turn.save(ticket)
    turn.say(t("Ticket {number} is offered to {name}; it stays yours until they accept.",
               number=ticket.number, name=receiver.name))
    if account := account_of(turn, receiver):
        turn.tell(account, t("{name} hands ticket {number} over to you: {reason}\nProblem: {description}",
                             name=cadre.name, number=ticket.number, reason=reason, description=ticket.description),
                  ((Button(t("Take it over"), payloads.ticket_action(TAKE_OVER, ticket_id)),
                    Button(t("Refuse"), payloads.ticket_action(REFUSE, ticket_id))),), about=ticket)


def offered_ticket(turn: Turn, ticket_id: int) -> tuple[Ticket, Cadre]:
    """The ticket, if a hand-over to the sender is on offer now."""
    ticket, cadre, _ = awaiting_me(turn, ticket_id, attrgetter("pending_handover"),
                                   t("This hand-over is no longer on offer to you."))
    return ticket, cadre


def take_over(turn: Turn, ticket_id: int) -> None:
    ticket, receiver = offered_ticket(turn, ticket_id)
    previous = turn.uow.directory.cadre(ticket.owner_cadre_id)
    ticket.record(EventKind.HANDOVER_ACCEPTED, turn.now, turn.account.id, previous_owner=ticket.owner_cadre_id)
    ticket.status = next_status(ticket.status, Action.TAKE_OVER, Actor.RECEIVER)
    ticket.owner_cadre_id = receiver.id
    turn.save(ticket)
    # Now the owner, the receiver gets the full card, the reporter's phone included.
    turn.say(t("Ticket {number} is yours now.\nProblem: {description}\nReporter's phone: {phone}",
               number=ticket.number, description=ticket.description, phone=ticket.reporter_phone),
             owner_buttons(ticket))
    if previous and (account := account_of(turn, previous)):
        turn.tell(account, t("{name} took over ticket {number}.", name=receiver.name, number=ticket.number))
    tell_reporter(turn, ticket, t("Ticket {number} is now handled by {name} ({role}).",
                                   number=ticket.number, name=receiver.name, role=role_label(receiver)))


def refuse_handover(turn: Turn, ticket_id: int, reason: str) -> None:
    ticket, receiver = offered_ticket(turn, ticket_id)
    ticket.record(EventKind.HANDOVER_REFUSED, turn.now, turn.account.id, reason=reason)
    turn.save(ticket)
    turn.say(t("You refused ticket {number}; it stays with its owner.", number=ticket.number))
    tell_owner(turn, ticket, t("{name} refused ticket {number}: {reason}\nIt stays yours.",
                                name=receiver.name, number=ticket.number, reason=reason), owner_buttons(ticket))


def assigner_of(turn: Work, ticket: Ticket) -> Cadre | None:
    """Who a 退单 returns to: the cadre who handed it over, else the leader on duty above (never nobody)."""
    for event in reversed(ticket.events):
        if event.kind == EventKind.HANDOVER_ACCEPTED and event.data.get("previous_owner") != ticket.owner_cadre_id:
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
    ticket.record(EventKind.SENT_BACK, turn.now, turn.account.id, to=assigner.id, reason=reason)
    turn.save(ticket)
    turn.say(t("Ticket {number} went back to {name}.", number=ticket.number, name=assigner.name))
    if account := account_of(turn, assigner):
        turn.tell(account, t("{name} sent ticket {number} back to you: {reason}\nProblem: {description}\n"
                             "Reporter's phone: {phone}", name=cadre.name, number=ticket.number, reason=reason,
                             description=ticket.description, phone=ticket.reporter_phone),
                  owner_buttons(ticket), about=ticket)


# --- in chat ------------------------------------------------------------------

router = Router("handover")


@router.press(TicketPress, TAKE_OVER)
def _take_over(turn: Turn, press: TicketPress) -> None:
    take_over(turn, press.ticket_id)


asks_text(router, REFUSE, lambda turn, ticket_id: offered_ticket(turn, ticket_id)[0], step=REFUSE_REASON)
asks_text(router, TRANSFER, owned())
asks_text(router, ESCALATE, owned())
asks_text(router, SEND_BACK, owned(Action.SEND_BACK))

text_step(router, TRANSFER, lambda turn, number: t(
    "Who takes over {number}? Type part of a cadre's name or of their unit. /cancel to drop it.", number=number),
    ends=False)(cadre_dialog.offer_cadres(t("Whom do you hand it over to?")))
router.step_press(cadre_dialog.DIALOG, TRANSFER, Pick)(cadre_dialog.picked(TRANSFER_REASON))


@text_step(router, TRANSFER_REASON, lambda turn, number: t(
    "Why should they take it over? The reason goes with the ticket."))
def _transfer_reason(turn: Turn, typed: Typed) -> None:
    offer_handover(turn, typed.ticket_id, int(typed.data["to"]), typed.text)


@text_step(router, REFUSE_REASON, lambda turn, number: t(
    "Why do you refuse {number}? The owner will see your reason.", number=number))
def _refuse_reason(turn: Turn, typed: Typed) -> None:
    refuse_handover(turn, typed.ticket_id, typed.text)


@text_step(router, ESCALATE, lambda turn, number: t(
    "Why does {number} need the leader above? It stays yours until they take it. /cancel to drop it.",
    number=number))
def _escalate_reason(turn: Turn, typed: Typed) -> None:
    escalate(turn, typed.ticket_id, typed.text)


@text_step(router, SEND_BACK, lambda turn, number: t(
    "Why is {number} not yours to handle? It goes back to whoever assigned it. /cancel to drop it.", number=number))
def _send_back_reason(turn: Turn, typed: Typed) -> None:
    send_back(turn, typed.ticket_id, typed.text)


def _may_hand_over(ticket: Ticket) -> bool:
    return is_open(ticket.status) and ticket.pending_handover is None


card.button(TRANSFER, t("Transfer"), row=1, column=0, shown=_may_hand_over)
card.button(ESCALATE, t("Escalate"), row=1, column=1, shown=_may_hand_over)
card.button(SEND_BACK, t("Send back"), row=1, column=2, shown=_may_hand_over)
