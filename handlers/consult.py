"""会商 joint consultation: the owner asks other departments for their view.

Each co-handler adds a reply, which goes to the owner; the owner still answers
for the ticket (首问负责). Who was asked and who replied is read from the history.
Both sides' chat steps live here, under the use cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import card, payloads
from handlers.conversations import cadre as cadre_dialog
from handlers.conversations.answer import back_to_what_was_under_way
from handlers.conversations.cadre import Typed, asks_text, owned, text_step
from handlers.domain.events import EventKind
from handlers.turn import Turn, Work
from handlers.domain.errors import DomainError, OutOfDate
from handlers.domain.lifecycle import is_open
from handlers.domain.model import Cadre, Ticket
from handlers.messages import t
from handlers.payloads import Pick, TicketPress
from handlers.ports import Dialog
from handlers.router import Router
from handlers.seam import Button
from handlers.services import CONSULT, account_of, owned_by, role_label, tell_owner

REPLY = "consult_reply"
MAX_REPLY = 2000
CONSULT_QUESTION = "consult_question"  # the cadre dialog's step once the co-handler is picked


@dataclass(frozen=True)
class AskView:
    """会商: the owner asks another cadre (a department) for their view."""

    ticket_id: int
    by: int  # the account acting: its cadre must own the ticket
    co_handler_id: int
    question: str


@dataclass(frozen=True)
class GiveView:
    """A co-handler's one reply, which goes to the owner."""

    ticket_id: int
    by: int  # the account acting: its cadre must have been asked and not have replied yet
    text: str


def request(cmd: AskView, work: Work) -> tuple[Ticket, Cadre]:
    """The ticket and the co-handler asked, who is told (without the reporter's phone)."""
    ticket, owner = owned_by(work, cmd.by, cmd.ticket_id)
    co_handler = work.uow.directory.cadre(cmd.co_handler_id)
    if co_handler is None or co_handler.disabled or co_handler.id == owner.id:
        raise OutOfDate()
    if co_handler.id in ticket.co_handlers:
        raise DomainError(t("{name} is already consulted on {number}.", name=co_handler.name, number=ticket.number))
    ticket.record(EventKind.CONSULT_REQUESTED, work.now, cmd.by, cadre_id=co_handler.id, question=cmd.question)
    work.save(ticket)
    card.refresh(work, ticket)
    if account := account_of(work, co_handler):
        # The reporter's phone stays with the owner: a co-handler advises, they do not handle.
        work.tell(account, t("会商: {name} ({role}) asks your view on ticket {number}: {question}\n"
                             "Problem: {description}",
                             name=owner.name, role=role_label(owner), number=ticket.number, question=cmd.question,
                             description=ticket.description),
                  ((Button(t("Reply"), payloads.ticket_action(REPLY, cmd.ticket_id)),),), about=ticket)
    return ticket, co_handler


def consulted_by(work: Work, account_id: int, ticket_id: int) -> tuple[Ticket, Cadre]:
    """The ticket, if `account_id`'s cadre was asked for a view on it, has not replied yet, and it is open."""
    cadre = work.uow.directory.cadre_by_account(account_id)
    ticket = work.uow.tickets.get(ticket_id)
    if cadre is None or ticket is None or cadre.id not in ticket.co_handlers:
        raise DomainError(t("You cannot do that to this ticket."))
    if ticket.co_handlers[cadre.id] or not is_open(ticket.status):
        raise OutOfDate()
    return ticket, cadre


def reply(cmd: GiveView, work: Work) -> Ticket:
    ticket, cadre = consulted_by(work, cmd.by, cmd.ticket_id)
    ticket.record(EventKind.CONSULT_REPLIED, work.now, cmd.by, cadre_id=cadre.id, text=cmd.text)
    work.save(ticket)
    waiting = sum(not replied for replied in ticket.co_handlers.values())
    still = t("{waiting} more views to come.", waiting=waiting) if waiting else t("All views are in.")
    tell_owner(work, ticket, t("会商 reply on {number} ({title}) from {name} ({role}): {text}\n{still}",
                               number=ticket.number, title=card.title(ticket), name=cadre.name,
                               role=role_label(cadre), text=cmd.text, still=still))
    return ticket


# --- in chat: the owner asks ------------------------------------------------------

router = Router("consult")

asks_text(router, CONSULT, owned())
text_step(router, CONSULT, lambda turn, number: t(
    "Whose view do you need on {number}? Type part of a cadre's name or of their department. /cancel to drop it.",
    number=number), ends=False)(cadre_dialog.offer_cadres(t("Whose view do you ask?")))
router.step_press(cadre_dialog.DIALOG, CONSULT, Pick)(cadre_dialog.picked(CONSULT_QUESTION))


@text_step(router, CONSULT_QUESTION, lambda turn, number: t(
    "What do you ask them? They will see the problem and your question."))
def _question(turn: Turn, typed: Typed) -> None:
    ticket, co_handler = request(AskView(typed.ticket_id, turn.account.id, int(typed.data["to"]), typed.text), turn)
    turn.say(t("{name} is asked for their view on {number}. You still answer for the ticket.",
               name=co_handler.name, number=ticket.number))


card.button(CONSULT, t("Consult"), row=2, column=1, shown=lambda ticket: is_open(ticket.status))


# --- the co-handler's side: their one reply, then back to whatever they were doing ---

REPLY_STEP = "text"


@router.press(TicketPress, REPLY)
def _reply_pressed(turn: Turn, press: TicketPress) -> None:
    ticket, _ = consulted_by(turn, turn.account.id, press.ticket_id)
    turn.state.interrupt(Dialog.CONSULT, REPLY_STEP, {"ticket_id": press.ticket_id})
    turn.say(t("Type your unit's view on {number}. /cancel to drop it.", number=ticket.number))


@router.text_step(Dialog.CONSULT, REPLY_STEP, limit=MAX_REPLY, then=back_to_what_was_under_way)
def _reply_typed(turn: Turn, text: str) -> None:
    ticket = reply(GiveView(turn.state.data["ticket_id"], turn.account.id, text), turn)
    turn.say(t("Your view on {number} went to its handler. Thank you.", number=ticket.number))
