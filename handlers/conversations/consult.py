"""A co-handler's reply to a 会商 request, then back to whatever they were doing."""

from __future__ import annotations

from handlers import consult
from handlers.conversations.answer import back_to_what_was_under_way
from handlers.messages import t
from handlers.payloads import TicketPress
from handlers.ports import Dialog
from handlers.router import Router
from handlers.turn import Turn

DIALOG = Dialog.CONSULT
TEXT = "text"
REPLY = consult.REPLY  # the button under a 会商 request
MAX_TEXT = 2000

router = Router("consult_reply")


@router.press(TicketPress, REPLY)
def press(turn: Turn, press: TicketPress) -> None:
    ticket, _ = consult.consulted_by(turn, turn.account.id, press.ticket_id)
    turn.state.interrupt(DIALOG, TEXT, {"ticket_id": press.ticket_id})
    turn.say(t("Type your unit's view on {number}. /cancel to drop it.", number=ticket.number))


@router.text_step(DIALOG, TEXT, limit=MAX_TEXT, then=back_to_what_was_under_way)
def reply(turn: Turn, text: str) -> None:
    ticket = consult.reply(consult.GiveView(turn.state.data["ticket_id"], turn.account.id, text), turn)
    turn.say(t("Your view on {number} went to its handler. Thank you.", number=ticket.number))
