"""A reporter writing outside any dialog ("今天又停电了…"): nothing they type is dropped.

The text (and photos) are kept in the conversation, and offered: add it to one of their open
tickets — its handler is told, the ticket's history records it — or start a new report with it
as the description. Another message before they choose is kept with the first.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import card, payloads
from handlers.conversations import report
from handlers.domain.errors import DomainError
from handlers.domain.events import EventKind
from handlers.domain.lifecycle import OPEN, is_open
from handlers.domain.model import Ticket
from handlers.messages import t
from handlers.payloads import Choice
from handlers.ports import Dialog
from handlers.router import Router
from handlers.seam import Button
from handlers.services import reported_by, tell_owner
from handlers.turn import Turn, Work

DIALOG, STEP = Dialog.ADDENDUM, "addendum"
NEW = "new"  # the choice that starts a new report instead
MAX_TEXT = 2000  # what a ticket's description or an answer holds
MAX_OFFERED = 8  # open tickets offered, newest first


@dataclass(frozen=True)
class AddToTicket:
    """The reporter adds to their open ticket, unasked: a new fact, a photo."""

    ticket_id: int
    by: int  # the account acting: it must have reported the ticket
    text: str
    photo_file_ids: tuple[str, ...] = ()


def add_to_ticket(cmd: AddToTicket, work: Work) -> Ticket:
    """Record the addition in the ticket's history and tell its handler."""
    ticket = reported_by(work, cmd.by, cmd.ticket_id)
    if not is_open(ticket.status):
        raise DomainError(t("Ticket {number} is no longer open. Start a new report with your text instead.",
                            number=ticket.number))
    ticket.record(EventKind.REPORTER_ADDED, work.now, cmd.by, text=cmd.text, photos=list(cmd.photo_file_ids))
    work.save(ticket)
    tell_owner(work, ticket, t("The reporter of {number} ({title}) adds: {text}", number=ticket.number,
                               title=card.title(ticket), text=cmd.text), photo_file_ids=cmd.photo_file_ids)
    return ticket


# --- in chat ----------------------------------------------------------------------

router = Router("addendum")


def offer(turn: Turn) -> bool:
    """Keep what was sent outside a dialog and offer where it goes. False: nothing to keep (a
    sticker, a location), or a cadre with no report of their own open (their help is elsewhere)."""
    incoming = turn.incoming
    text, photos = (incoming.text or "").strip(), list(incoming.photo_file_ids)
    if not text and not photos:
        return False
    tickets, _ = turn.uow.tickets.page_for_reporter(turn.account.id, 0, MAX_OFFERED, statuses=OPEN)
    if not tickets and turn.uow.directory.cadre_by_account(turn.account.id) is not None:
        return False
    kept = turn.state.data if turn.state.dialog == DIALOG else {}
    text = "\n".join(part for part in (kept.get("text", ""), text) if part)
    if len(text) > MAX_TEXT:
        turn.say(t("That is more than {limit} characters in all. Please send it shorter.", limit=MAX_TEXT))
        return True
    photos = (kept.get("photos", []) + photos)[:report.MAX_PHOTOS]
    turn.state.dialog, turn.state.step, turn.state.data = DIALOG, STEP, {"text": text, "photos": photos}
    _ask(turn, tickets)
    return True


def _ask(turn: Turn, tickets: list[Ticket]) -> None:
    new = (Button(t("New report with this text"), payloads.choice(STEP, NEW)),)
    if not tickets:
        turn.say(t("Send /start to report a problem, or press the button to report what you just wrote."), (new,))
        return
    add = tuple((Button(t("Add to {number}", number=x.number), payloads.choice(STEP, str(x.id))),)
                for x in tickets)
    turn.say(t("Is this about a problem you reported? Add it to the open ticket, or start a new report with it."),
             add + (new,))


@router.step(DIALOG, STEP)
def _more(turn: Turn) -> None:
    """Another message before choosing: kept with the first, and the choice offered again."""
    if not offer(turn):
        turn.say(t("Please choose one of the buttons below."))


@router.step_press(DIALOG, STEP, Choice, refusals_in_chat=True)
def _chosen(turn: Turn, choice: Choice) -> None:
    kept = dict(turn.state.data)
    if choice.value == NEW:
        report.begin(turn, kept={"description": kept["text"], "photos": kept["photos"]})
        return
    ticket = add_to_ticket(AddToTicket(payloads.as_id(choice.value), turn.account.id, kept["text"],
                                       tuple(kept["photos"])), turn)
    turn.reset()
    turn.say(t("Added to ticket {number}; its handler has been told.", number=ticket.number))
