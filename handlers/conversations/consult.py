"""A co-handler's reply to a 会商 request, then back to whatever they were doing."""

from __future__ import annotations

from handlers import consult
from handlers.conversations.answer import back_to_what_was_under_way
from handlers.turn import Turn
from handlers.domain.errors import DomainError
from handlers.messages import t

DIALOG = "consult"
REPLY = consult.REPLY  # the button under a 会商 request
MAX_TEXT = 2000


def press(turn: Turn, ticket_id: int) -> None:
    try:
        ticket, _ = consult.consulted_ticket(turn, ticket_id)
    except DomainError as refusal:
        turn.alert(refusal.reason)
        return
    turn.state.interrupt(DIALOG, "text", {"ticket_id": ticket_id})
    turn.say(t("Type your unit's view on {number}. /cancel to drop it.", number=ticket.number))


def advance(turn: Turn) -> None:
    text = turn.typed_text(MAX_TEXT)
    if text is None:
        return
    try:
        consult.reply(turn, turn.state.data["ticket_id"], text)
    except DomainError as refusal:
        turn.say(refusal.reason)
    back_to_what_was_under_way(turn)
