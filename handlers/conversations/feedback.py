"""The reporter's verdict on a resolved ticket (反馈): solved → 销号 and a 1–5 rating with an
optional comment; partly / not solved → the reason, and the ticket goes back (重办)."""

from __future__ import annotations

from handlers import collect, complaints, revisit, services, verdicts
from handlers.conversations.answer import back_to_what_was_under_way
from handlers.turn import Turn
from handlers.domain.errors import DomainError
from handlers.domain.lifecycle import Action
from handlers.messages import t

DIALOG = "feedback"
REASON, COMMENT, WITHDRAW_REASON, COMPLAINT = "reason", "comment", "withdraw_reason", "complaint"
REVISIT_REASON = "revisit_reason"
VERDICTS = {services.SOLVED, services.PARTLY, services.UNSOLVED}
MAX_TEXT = 2000


def press(turn: Turn, verdict: str, ticket_id: int) -> None:
    try:
        if verdict == services.SOLVED:
            verdicts.confirm(turn, ticket_id)
            return
        ticket = verdicts.reported_ticket(turn, ticket_id, Action.REOPEN)
    except DomainError as refusal:
        turn.alert(refusal.reason)
        return
    turn.state.interrupt(DIALOG, REASON, {"ticket_id": ticket_id, "verdict": verdict})
    turn.say(t("What is still not solved on {number}? Your words go to the handler.", number=ticket.number))


def press_revisit(turn: Turn, answer: str, ticket_id: int) -> None:
    """回头看: still solved is recorded at once; "it is back" asks what is wrong first."""
    try:
        if answer == revisit.STAYED:
            revisit.stayed_solved(turn, ticket_id)
            return
        ticket = revisit.asked_ticket(turn, ticket_id)
    except DomainError as refusal:
        turn.alert(refusal.reason)
        return
    turn.state.interrupt(DIALOG, REVISIT_REASON, {"ticket_id": ticket_id})
    turn.say(t("What is wrong again with {number}? A follow-up ticket goes to the same handler.",
               number=ticket.number))


def press_affirm(turn: Turn, ticket_id: int) -> None:
    """The enterprise's contact says a problem a cadre logged for them is theirs (主动收集)."""
    try:
        collect.affirm(turn, ticket_id)
    except DomainError as refusal:
        turn.alert(refusal.reason)


def ask_withdraw_reason(turn: Turn, ticket_id: int) -> None:
    try:
        ticket = verdicts.reported_ticket(turn, ticket_id, Action.WITHDRAW)
    except DomainError as refusal:
        turn.alert(refusal.reason)
        return
    turn.state.interrupt(DIALOG, WITHDRAW_REASON, {"ticket_id": ticket_id})
    turn.say(t("Why do you withdraw {number}? One line is enough. /cancel keeps it open.", number=ticket.number))


def ask_complaint(turn: Turn, ticket_id: int) -> None:
    ticket = turn.uow.tickets.get(ticket_id)
    if ticket is None or ticket.reporter_account_id != turn.account.id:
        turn.alert(t("You cannot do that to this ticket."))
        return
    turn.state.interrupt(DIALOG, COMPLAINT, {"ticket_id": ticket_id})
    turn.say(t("What went wrong with the handling of {number}? Only the business-environment supervisors will read "
               "it; the handler won't know who complained.", number=ticket.number))


def rate(turn: Turn, stars: int, ticket_id: int) -> None:
    try:
        ticket = verdicts.rate(turn, ticket_id, stars)
    except DomainError as refusal:
        turn.alert(refusal.reason)
        return
    turn.state.interrupt(DIALOG, COMMENT, {"ticket_id": ticket_id})
    turn.say(t("Thank you for rating {number}. If you like, type a comment now; otherwise just carry on.",
               number=ticket.number))


def advance(turn: Turn) -> None:
    text = turn.typed_text(MAX_TEXT)
    if text is None:
        return
    data = turn.state.data
    try:
        if turn.state.step == REASON:
            verdicts.reopen(turn, data["ticket_id"], data["verdict"], text)
        elif turn.state.step == COMPLAINT:
            complaints.about_ticket(turn, data["ticket_id"], text)
        elif turn.state.step == REVISIT_REASON:
            revisit.came_back(turn, data["ticket_id"], text)
        elif turn.state.step == WITHDRAW_REASON:
            verdicts.withdraw(turn, data["ticket_id"], text)
        else:
            verdicts.comment(turn, data["ticket_id"], text)
            turn.say(t("Thank you, your comment was passed on."))
    except DomainError as refusal:
        turn.say(refusal.reason)
    back_to_what_was_under_way(turn)
