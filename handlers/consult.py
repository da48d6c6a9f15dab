"""会商 joint consultation: the owner asks other departments for their view.

Each co-handler adds a reply, which goes to the owner; the owner still answers
for the ticket (首问负责). Who was asked and who replied is read from the history.
"""

from __future__ import annotations

from handlers import card, payloads
from handlers.conversations import cadre as cadre_dialog
from handlers.conversations.cadre import Typed, asks_text, owned, text_step
from handlers.domain.events import EventKind
from handlers.turn import Turn
from handlers.domain.errors import DomainError, OutOfDate
from handlers.domain.lifecycle import is_open
from handlers.domain.model import Cadre, Ticket
from handlers.messages import t
from handlers.payloads import Pick
from handlers.router import Router
from handlers.seam import Button
from handlers.services import CONSULT, account_of, owned_ticket, owner_buttons, role_label, tell_owner

REPLY = "consult_reply"
CONSULT_QUESTION = "consult_question"  # the cadre dialog's step once the co-handler is picked


def request(turn: Turn, ticket_id: int, co_handler_id: int, question: str) -> None:
    ticket, owner = owned_ticket(turn, ticket_id)
    co_handler = turn.uow.directory.cadre(co_handler_id)
    if co_handler is None or co_handler.id == owner.id:
        raise OutOfDate()
    if co_handler.id in ticket.co_handlers:
        raise DomainError(t("{name} is already consulted on {number}.", name=co_handler.name, number=ticket.number))
    ticket.record(EventKind.CONSULT_REQUESTED, turn.now, turn.account.id, cadre_id=co_handler.id, question=question)
    turn.save(ticket)
    turn.say(t("{name} is asked for their view on {number}. You still answer for the ticket.",
               name=co_handler.name, number=ticket.number))
    if account := account_of(turn, co_handler):
        # The reporter's phone stays with the owner: a co-handler advises, they do not handle.
        turn.tell(account, t("会商: {name} ({role}) asks your view on ticket {number}: {question}\n"
                             "Problem: {description}",
                             name=owner.name, role=role_label(owner), number=ticket.number, question=question,
                             description=ticket.description),
                  ((Button(t("Reply"), payloads.ticket_action(REPLY, ticket_id)),),), about=ticket)


def consulted_ticket(turn: Turn, ticket_id: int) -> tuple[Ticket, Cadre]:
    """The ticket, if the sender was asked for a view on it, has not replied yet, and it is open."""
    cadre = turn.uow.directory.cadre_by_account(turn.account.id)
    ticket = turn.uow.tickets.get(ticket_id)
    if cadre is None or ticket is None or cadre.id not in ticket.co_handlers:
        raise DomainError(t("You cannot do that to this ticket."))
    if ticket.co_handlers[cadre.id] or not is_open(ticket.status):
        raise OutOfDate()
    return ticket, cadre


def reply(turn: Turn, ticket_id: int, text: str) -> None:
    ticket, cadre = consulted_ticket(turn, ticket_id)
    ticket.record(EventKind.CONSULT_REPLIED, turn.now, turn.account.id, cadre_id=cadre.id, text=text)
    turn.save(ticket)
    turn.say(t("Your view on {number} went to its handler. Thank you.", number=ticket.number))
    waiting = sum(not replied for replied in ticket.co_handlers.values())
    tell_owner(turn, ticket, t("会商 reply on {number} from {name} ({role}): {text}\nStill waiting for: {waiting}",
                               number=ticket.number, name=cadre.name, role=role_label(cadre), text=text,
                               waiting=waiting), owner_buttons(ticket))


# --- in chat (the owner's side; the co-handler's reply is conversations/consult.py) ---

router = Router("consult")

asks_text(router, CONSULT, owned())
text_step(router, CONSULT, lambda turn, number: t(
    "Whose view do you need on {number}? Type part of a cadre's name or of their department. /cancel to drop it.",
    number=number), ends=False)(cadre_dialog.offer_cadres(t("Whose view do you ask?")))
router.step_press(cadre_dialog.DIALOG, CONSULT, Pick)(cadre_dialog.picked(CONSULT_QUESTION))


@text_step(router, CONSULT_QUESTION, lambda turn, number: t(
    "What do you ask them? They will see the problem and your question."))
def _question(turn: Turn, typed: Typed) -> None:
    request(turn, typed.ticket_id, int(typed.data["to"]), typed.text)


card.button(CONSULT, t("Consult"), row=2, column=1, shown=lambda ticket: is_open(ticket.status))
