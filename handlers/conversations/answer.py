"""The reporter answering a cadre's question (需补充), then back to whatever they were doing."""

from __future__ import annotations

from handlers import services
from handlers.conversations import report
from handlers.domain.errors import OutOfDate
from handlers.domain.lifecycle import is_open
from handlers.messages import t
from handlers.payloads import TicketPress
from handlers.ports import ANSWER_STEP, Dialog
from handlers.router import Router
from handlers.turn import Turn

DIALOG = Dialog.ANSWER
TEXT = ANSWER_STEP
MAX_TEXT = 2000

router = Router("answer")


@router.press(TicketPress, services.ANSWER)
def press(turn: Turn, press: TicketPress) -> None:
    """The Answer button under a question: check it is this reporter's open ticket."""
    ticket = turn.uow.tickets.get(press.ticket_id)
    if ticket is None or ticket.reporter_account_id != turn.account.id or not is_open(ticket.status):
        raise OutOfDate()
    turn.state.interrupt(DIALOG, TEXT, {"ticket_id": press.ticket_id})
    turn.say(t("Type your answer for ticket {number}.", number=ticket.number))


@router.step(DIALOG, TEXT)
def advance(turn: Turn) -> None:
    text = (turn.incoming.text or "").strip()
    photos = turn.incoming.photo_file_ids
    if (not text and not photos) or len(text) > MAX_TEXT:
        turn.say(t("Please type your answer (1 to {limit} characters) or send a photo.", limit=MAX_TEXT))
        return
    if services.answer_owner(services.AnswerOwner(turn.state.data["ticket_id"], turn.account.id, text, photos), turn):
        turn.say(t("Your answer was passed on to the cadre."))
    back_to_what_was_under_way(turn)


def back_to_what_was_under_way(turn: Turn) -> None:
    turn.state.resume()
    if turn.state.dialog == report.DIALOG:
        report.ask(turn)
