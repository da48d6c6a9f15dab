"""The reporter's verdict on a resolved ticket (反馈): solved → 销号 and a 1–5 rating with an
optional comment; partly / not solved → the reason, and the ticket goes back (重办).
Also the reporter's other buttons on their tickets: withdraw, 举报 the handling, and
withdrawing a problem a cadre logged for them as "not right" (主动收集). 回头看's answers are in
handlers/revisit.py, the contact's "yes, that is our problem" in handlers/collect.py."""

from __future__ import annotations

from handlers import collect, complaints, payloads, services, verdicts
from handlers.conversations.answer import back_to_what_was_under_way
from handlers.conversations.lists import COMPLAIN, WITHDRAW
from handlers.domain.errors import DomainError
from handlers.domain.lifecycle import Action
from handlers.messages import plain, t
from handlers.payloads import Rating, TicketPress
from handlers.ports import Dialog
from handlers.router import Router
from handlers.seam import Button
from handlers.turn import Turn

DIALOG = Dialog.FEEDBACK
REASON, COMMENT, WITHDRAW_REASON, COMPLAINT = "reason", "comment", "withdraw_reason", "complaint"
VERDICTS = (services.SOLVED, services.PARTLY, services.UNSOLVED)
MAX_TEXT = 2000

router = Router("feedback")


@router.press(TicketPress, services.SOLVED)
def _solved(turn: Turn, press: TicketPress) -> None:
    ticket = verdicts.confirm(verdicts.Confirm(press.ticket_id, turn.account.id), turn)
    turn.say(t("Thank you. Ticket {number} is closed. How satisfied are you with how it was handled?",
               number=ticket.number),
             (tuple(Button(plain("★" * n), payloads.rating(n, press.ticket_id)) for n in services.STARS),))


@router.press(TicketPress, services.PARTLY)
@router.press(TicketPress, services.UNSOLVED)
def _not_solved(turn: Turn, press: TicketPress) -> None:
    ticket = verdicts.reported_ticket(turn, turn.account.id, press.ticket_id, Action.REOPEN)
    turn.state.interrupt(DIALOG, REASON, {"ticket_id": press.ticket_id, "verdict": press.action})
    turn.say(t("What is still not solved on {number}? Your words go to the handler.", number=ticket.number))


@router.press(TicketPress, WITHDRAW)
@router.press(TicketPress, collect.DISOWN)
def _withdraw(turn: Turn, press: TicketPress) -> None:
    ticket = verdicts.reported_ticket(turn, turn.account.id, press.ticket_id, Action.WITHDRAW)
    turn.state.interrupt(DIALOG, WITHDRAW_REASON, {"ticket_id": press.ticket_id})
    turn.say(t("Why do you withdraw {number}? One line is enough. /cancel keeps it open.", number=ticket.number))


@router.press(TicketPress, COMPLAIN)
def _complain(turn: Turn, press: TicketPress) -> None:
    ticket = turn.uow.tickets.get(press.ticket_id)
    if ticket is None or ticket.reporter_account_id != turn.account.id:
        raise DomainError(t("You cannot do that to this ticket."))
    turn.state.interrupt(DIALOG, COMPLAINT, {"ticket_id": press.ticket_id})
    turn.say(t("What went wrong with the handling of {number}? Only the business-environment supervisors will read "
               "it; the handler won't know who complained.", number=ticket.number))


@router.press(Rating)
def _rate(turn: Turn, rating: Rating) -> None:
    ticket = verdicts.rate(verdicts.Rate(rating.ticket_id, turn.account.id, rating.stars), turn)
    turn.state.interrupt(DIALOG, COMMENT, {"ticket_id": rating.ticket_id})
    turn.say(t("Thank you for rating {number}. If you like, type a comment now; otherwise just carry on.",
               number=ticket.number))


# Each reason or comment is one line of text; refused or not, the reporter goes back to what was under way.

@router.text_step(DIALOG, REASON, limit=MAX_TEXT, then=back_to_what_was_under_way)
def _reason(turn: Turn, text: str) -> None:
    data = turn.state.data
    ticket = verdicts.reopen(verdicts.Reopen(data["ticket_id"], turn.account.id, data["verdict"], text), turn)
    turn.say(t("Ticket {number} goes back to its handler with your reason.", number=ticket.number))


@router.text_step(DIALOG, COMPLAINT, limit=MAX_TEXT, then=back_to_what_was_under_way)
def _complaint(turn: Turn, text: str) -> None:
    ticket = complaints.about_ticket(complaints.ComplainAboutTicket(turn.state.data["ticket_id"], turn.account.id,
                                                                    text), turn)
    turn.say(t("Your complaint on {number} went to the business-environment supervisors, not to its handler.",
               number=ticket.number))


@router.text_step(DIALOG, WITHDRAW_REASON, limit=MAX_TEXT, then=back_to_what_was_under_way)
def _withdraw_reason(turn: Turn, text: str) -> None:
    ticket = verdicts.withdraw(verdicts.Withdraw(turn.state.data["ticket_id"], turn.account.id, text), turn)
    turn.say(t("Ticket {number} is withdrawn.", number=ticket.number))


@router.text_step(DIALOG, COMMENT, limit=MAX_TEXT, then=back_to_what_was_under_way)
def _comment(turn: Turn, text: str) -> None:
    if verdicts.comment(verdicts.Comment(turn.state.data["ticket_id"], turn.account.id, text), turn) is not None:
        turn.say(t("Thank you, your comment was passed on."))
