"""首问负责 hand-overs: 交办 (transfer), 上报 (escalate), and 退单 (send back).

An offered ticket stays with its owner until the receiver takes it over; the
pending offer is read from the ticket's history, not stored a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from handlers.messages import Msg, t
from handlers.payloads import Pick, TicketPress
from handlers.router import Router
from handlers.seam import Button
from handlers.services import (ESCALATE, REFUSE, SEND_BACK, TAKE_OVER, TRANSFER, account_of, awaiting_by, owned_by,
                               role_label, tell_owner, tell_reporter)

TRANSFER_REASON, REFUSE_REASON = "transfer_reason", "refuse_reason"  # the cadre dialog's steps after 交办 / 拒收


@dataclass(frozen=True)
class OfferHandover:
    """交办: offer the ticket to another cadre. It stays the sender's until the receiver takes it (首问负责)."""

    ticket_id: int
    by: int  # the account acting: its cadre must own the ticket
    to: int  # the receiving cadre's id
    reason: str


@dataclass(frozen=True)
class Escalate:
    """上报: a hand-over offered to the leader in charge above; it stays the owner's until taken."""

    ticket_id: int
    by: int
    reason: str


@dataclass(frozen=True)
class TakeOver:
    ticket_id: int
    by: int  # the account acting: the hand-over must be on offer to its cadre


@dataclass(frozen=True)
class RefuseHandover:
    ticket_id: int
    by: int
    reason: str


@dataclass(frozen=True)
class SendBack:
    """退单: back to whoever handed it over, else the leader on duty above."""

    ticket_id: int
    by: int
    reason: str


def escalate(cmd: Escalate, work: Work) -> tuple[Ticket, Cadre]:
    ticket, _ = owned_by(work, cmd.by, cmd.ticket_id)
    leader = supervisor_of(work.uow.directory, ticket.org_unit_id, ticket.owner_cadre_id)
    if leader is None:
        raise DomainError(t("There is no leader above to escalate {number} to.", number=ticket.number))
    return offer_handover(OfferHandover(cmd.ticket_id, cmd.by, leader.id, cmd.reason), work, escalated=True)


def offer_handover(cmd: OfferHandover, work: Work, escalated: bool = False) -> tuple[Ticket, Cadre]:
    """The ticket and its receiver, who is told."""
    ticket, cadre = owned_by(work, cmd.by, cmd.ticket_id)
    receiver = work.uow.directory.cadre(cmd.to)
    if receiver is None or receiver.disabled or receiver.id == cadre.id or ticket.pending_handover is not None:
        raise OutOfDate()
    ticket.record(EventKind.HANDOVER_OFFERED, work.now, cmd.by, to=receiver.id, reason=cmd.reason,
                  escalated=escalated)
    work.save(ticket)
    card.refresh(work, ticket)
    if account := account_of(work, receiver):
        work.tell(account, _offer(ticket, cadre, cmd.reason, escalated),
                  ((Button(t("Take it over"), payloads.ticket_action(TAKE_OVER, cmd.ticket_id)),
                    Button(t("Refuse"), payloads.ticket_action(REFUSE, cmd.ticket_id))),), about=ticket)
    return ticket, receiver


def _offer(ticket: Ticket, sender: Cadre, reason: str, escalated: bool) -> Msg:
    """What the receiver reads: 上报 says it came up to them, 交办 that it was handed over."""
    if escalated:
        return t("{name} escalates (上报) ticket {number} to you, the leader above: {reason}\nProblem: {description}",
                 name=sender.name, number=ticket.number, reason=reason, description=ticket.description)
    return t("{name} hands ticket {number} over to you: {reason}\nProblem: {description}",
             name=sender.name, number=ticket.number, reason=reason, description=ticket.description)


def offered_to(work: Work, account_id: int, ticket_id: int) -> tuple[Ticket, Cadre]:
    """The ticket, if a hand-over to the cadre of `account_id` is on offer now."""
    ticket, cadre, _ = awaiting_by(work, account_id, ticket_id, attrgetter("pending_handover"),
                                   t("This hand-over is no longer on offer to you."))
    return ticket, cadre


def take_over(cmd: TakeOver, work: Work) -> Ticket:
    ticket, receiver = offered_to(work, cmd.by, cmd.ticket_id)
    previous = work.uow.directory.cadre(ticket.owner_cadre_id)
    ticket.record(EventKind.HANDOVER_ACCEPTED, work.now, cmd.by, previous_owner=ticket.owner_cadre_id)
    ticket.status = next_status(ticket.status, Action.TAKE_OVER, Actor.RECEIVER)
    ticket.owner_cadre_id = receiver.id
    work.save(ticket)
    card.refresh(work, ticket)
    card.hand_on(work, ticket, previous)
    if previous and (account := account_of(work, previous)):
        work.tell(account, t("{name} took over ticket {number} ({title}).", name=receiver.name, number=ticket.number,
                             title=card.title(ticket)), about=ticket)
    tell_reporter(work, ticket, t("Ticket {number} is now handled by {name} ({role}).",
                                   number=ticket.number, name=receiver.name, role=role_label(receiver)))
    return ticket


def refuse_handover(cmd: RefuseHandover, work: Work) -> Ticket:
    ticket, receiver = offered_to(work, cmd.by, cmd.ticket_id)
    ticket.record(EventKind.HANDOVER_REFUSED, work.now, cmd.by, reason=cmd.reason)
    work.save(ticket)
    tell_owner(work, ticket, t("{name} refused ticket {number} ({title}): {reason}. It stays yours.",
                                name=receiver.name, number=ticket.number, title=card.title(ticket),
                                reason=cmd.reason))
    return ticket


def assigner_of(work: Work, ticket: Ticket) -> Cadre | None:
    """Who a 退单 returns to: the cadre who handed it over, else the leader on duty above (never nobody)."""
    for event in reversed(ticket.events):
        if event.kind == EventKind.HANDOVER_ACCEPTED and event.data.get("previous_owner") != ticket.owner_cadre_id:
            previous = work.uow.directory.cadre(event.data["previous_owner"])
            if previous is not None and not previous.disabled:
                return previous
            break
    return supervisor_of(work.uow.directory, ticket.org_unit_id, ticket.owner_cadre_id)


def send_back(cmd: SendBack, work: Work) -> tuple[Ticket, Cadre]:
    """The ticket and whom it went back to, who is told."""
    ticket, cadre = owned_by(work, cmd.by, cmd.ticket_id, Action.SEND_BACK)
    assigner = assigner_of(work, ticket)
    if assigner is None:
        raise DomainError(t("There is nobody above to send {number} back to; transfer it instead.",
                            number=ticket.number))
    ticket.status = next_status(ticket.status, Action.SEND_BACK, Actor.OWNER)
    ticket.owner_cadre_id = assigner.id
    ticket.record(EventKind.SENT_BACK, work.now, cmd.by, to=assigner.id, reason=cmd.reason)
    work.save(ticket)
    card.hand_on(work, ticket, cadre)
    tell_owner(work, ticket, t("{name} sent ticket {number} ({title}) back to you: {reason}", name=cadre.name,
                               number=ticket.number, title=card.title(ticket), reason=cmd.reason))
    return ticket, assigner


# --- in chat ------------------------------------------------------------------

router = Router("handover")


@router.press(TicketPress, TAKE_OVER)
def _take_over(turn: Turn, press: TicketPress) -> None:
    # Now the owner, the receiver's offer becomes the card, the reporter's phone included.
    ticket = take_over(TakeOver(press.ticket_id, turn.account.id), turn)
    turn.say(t("Ticket {number} is yours now; its card above has your buttons.", number=ticket.number))


asks_text(router, REFUSE, lambda turn, ticket_id: offered_to(turn, turn.account.id, ticket_id)[0],
          step=REFUSE_REASON)
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
    ticket, receiver = offer_handover(OfferHandover(typed.ticket_id, turn.account.id, int(typed.data["to"]),
                                                    typed.text), turn)
    _say_offered(turn, ticket, receiver)


@text_step(router, REFUSE_REASON, lambda turn, number: t(
    "Why do you refuse {number}? The owner will see your reason.", number=number))
def _refuse_reason(turn: Turn, typed: Typed) -> None:
    ticket = refuse_handover(RefuseHandover(typed.ticket_id, turn.account.id, typed.text), turn)
    turn.say(t("You refused ticket {number}; it stays with its owner.", number=ticket.number))


@text_step(router, ESCALATE, lambda turn, number: t(
    "Why does {number} need the leader above? It stays yours until they take it. /cancel to drop it.",
    number=number))
def _escalate_reason(turn: Turn, typed: Typed) -> None:
    _say_offered(turn, *escalate(Escalate(typed.ticket_id, turn.account.id, typed.text), turn))


@text_step(router, SEND_BACK, lambda turn, number: t(
    "Why is {number} not yours to handle? It goes back to whoever assigned it. /cancel to drop it.", number=number))
def _send_back_reason(turn: Turn, typed: Typed) -> None:
    ticket, assigner = send_back(SendBack(typed.ticket_id, turn.account.id, typed.text), turn)
    turn.say(t("Ticket {number} went back to {name}.", number=ticket.number, name=assigner.name))


def _say_offered(turn: Turn, ticket: Ticket, receiver: Cadre) -> None:
    turn.say(t("Ticket {number} is offered to {name}; it stays yours until they accept.",
               number=ticket.number, name=receiver.name))


def _may_hand_over(ticket: Ticket) -> bool:
    return is_open(ticket.status) and ticket.pending_handover is None


card.answered_in_place(TAKE_OVER)  # the offer becomes the new owner's card
card.button(TRANSFER, t("Transfer"), row=1, column=0, shown=_may_hand_over)
card.button(ESCALATE, t("Escalate"), row=1, column=1, shown=_may_hand_over)
card.button(SEND_BACK, t("Send back"), row=1, column=2, shown=_may_hand_over)
