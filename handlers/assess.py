"""研判: the owner classifies a ticket (ABCD tier, difficulty) and links duplicates.

A duplicate linked to a primary ticket keeps its own owner and reporter, but is
resolved with the primary: one power line, one repair, every reporter asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import card, payloads
from handlers.conversations import cadre as cadre_dialog
from handlers.conversations.cadre import Typed, asks_text, owned, text_step
from handlers.domain.events import EventKind
from handlers.turn import Turn, Work
from handlers.domain.errors import DomainError, Retype
from handlers.domain.labels import DIFFICULTY_LABELS, TIER_LABELS
from handlers.domain.lifecycle import is_open
from handlers.domain.model import TICKET_NUMBER, Difficulty, Ticket, Tier
from handlers.messages import t
from handlers.payloads import Choice, PayloadError, TicketPress
from handlers.router import Router
from handlers.seam import Button
from handlers.services import CLASSIFY, LINK, owned_by, stamp_deadlines, tell_owner, tell_reporter

TIER, DIFFICULTY = "tier", "difficulty"  # the two choices of 研判, steps of the cadre dialog


@dataclass(frozen=True)
class Classify:
    """研判: the tier (ABCD) and the difficulty, which sets the 办结 limit."""

    ticket_id: int
    by: int  # the account acting: its cadre must own the ticket
    tier: Tier
    difficulty: Difficulty


@dataclass(frozen=True)
class Link:
    """The owner's ticket is the same problem as the ticket numbered `primary_number`."""

    ticket_id: int
    by: int
    primary_number: str


def classify(cmd: Classify, work: Work) -> Ticket:
    ticket, _ = owned_by(work, cmd.by, cmd.ticket_id)
    ticket.tier, ticket.difficulty = cmd.tier, cmd.difficulty
    ticket.record(EventKind.CLASSIFIED, work.now, cmd.by, tier=cmd.tier.value, difficulty=cmd.difficulty.value)
    stamp_deadlines(work, ticket)  # 不过周 or 不过月: the difficulty sets the 办结 limit
    work.save(ticket)
    card.refresh(work, ticket)
    return ticket


def link(cmd: Link, work: Work) -> tuple[Ticket, Ticket]:
    """The ticket and the primary it now goes with (the group's primary, one level only)."""
    ticket, cadre = owned_by(work, cmd.by, cmd.ticket_id)
    number = cmd.primary_number.strip().upper()
    if not TICKET_NUMBER.fullmatch(number):  # not echoed: it may be anything, of any length
        raise Retype(t("That is not a ticket number. Type it as written on the ticket, e.g. LX-2026-000123."))
    primary = work.uow.tickets.by_number(number)
    if primary is None or primary.id == ticket.id:
        raise Retype(t("There is no other ticket numbered {number}.", number=number))
    if primary.linked_to_id is not None:  # one level only: join the group's primary
        primary = work.uow.tickets.get(primary.linked_to_id) or primary
    if not is_open(primary.status):
        raise Retype(t("Ticket {number} is no longer open; link to an open one.", number=primary.number))
    if ticket.linked_to_id is not None or work.uow.tickets.linked_to(cmd.ticket_id):
        raise DomainError(t("Ticket {number} is already linked with others.", number=ticket.number))
    assert primary.id is not None
    ticket.linked_to_id = primary.id
    ticket.record(EventKind.LINKED, work.now, cmd.by, to=primary.number)
    work.save(ticket)
    card.refresh(work, ticket)
    primary.record(EventKind.DUPLICATE_LINKED, work.now, cmd.by, duplicate=ticket.number)
    work.save(primary)
    if primary.owner_cadre_id != cadre.id:
        tell_owner(work, primary, t("{name} linked ticket {number} to your ticket {primary} ({title}) as the same "
                                    "problem. When you resolve {primary}, its reporter is asked too.",
                                    name=cadre.name, number=ticket.number, primary=primary.number,
                                    title=card.title(primary)))
    tell_reporter(work, ticket, t("Ticket {number} is handled together with the same problem reported by others; "
                                  "you will be told when it is resolved.", number=ticket.number))
    return ticket, primary


# --- in chat ------------------------------------------------------------------

router = Router("assess")


@router.press(TicketPress, CLASSIFY)
def _classify_pressed(turn: Turn, press: TicketPress) -> None:
    owned_by(turn, turn.account.id, press.ticket_id)
    turn.state.dialog, turn.state.step, turn.state.data = cadre_dialog.DIALOG, TIER, {"ticket_id": press.ticket_id}
    _ask_tier(turn)


def _ask_tier(turn: Turn) -> None:
    turn.say(t("研判: which class is it?"),
             tuple((Button(label, payloads.choice(TIER, tier.value)),) for tier, label in TIER_LABELS.items()))


def _ask_difficulty(turn: Turn) -> None:
    turn.say(t("And how hard is it?"), (tuple(Button(label, payloads.choice(DIFFICULTY, level.value))
                                             for level, label in DIFFICULTY_LABELS.items()),))


@router.step_press(cadre_dialog.DIALOG, TIER, Choice)
def _tier_chosen(turn: Turn, choice: Choice) -> None:
    if choice.value not in {tier.value for tier in Tier}:
        raise PayloadError(f"no tier {choice.value!r}")
    turn.state.data["tier"], turn.state.step = choice.value, DIFFICULTY
    _ask_difficulty(turn)


# The dialog ends with this press: a refusal is said in the chat, where the question was.
@router.step_press(cadre_dialog.DIALOG, DIFFICULTY, Choice, refusals_in_chat=True)
def _difficulty_chosen(turn: Turn, choice: Choice) -> None:
    if choice.value not in {level.value for level in Difficulty}:
        raise PayloadError(f"no difficulty {choice.value!r}")
    ticket_id, tier = int(turn.state.data["ticket_id"]), Tier(turn.state.data["tier"])
    turn.reset()
    ticket = classify(Classify(ticket_id, turn.account.id, tier, Difficulty(choice.value)), turn)
    turn.say(t("Ticket {number} is classified {tier}, {difficulty}.", number=ticket.number,
               tier=TIER_LABELS[tier], difficulty=DIFFICULTY_LABELS[ticket.difficulty]))


@router.step(cadre_dialog.DIALOG, TIER, DIFFICULTY)
def _typed_instead_of_choosing(turn: Turn) -> None:
    """Text where a button is asked for: the buttons again (the 研判 is not left half done)."""
    turn.say(t("Please choose one of the buttons below."))
    (_ask_tier if turn.state.step == TIER else _ask_difficulty)(turn)


asks_text(router, LINK, owned())


@text_step(router, LINK, lambda turn, number: t(
    "Which ticket has the same problem as {number}? Type its number, e.g. LX-2026-000123. /cancel to drop it.",
    number=number))
def _link_to(turn: Turn, typed: Typed) -> None:
    ticket, primary = link(Link(typed.ticket_id, turn.account.id, typed.text), turn)
    turn.say(t("Ticket {number} now goes with {primary}: when that one is resolved, so is this one, "
               "and its reporter is asked too.", number=ticket.number, primary=primary.number))


card.button(CLASSIFY, t("Classify"), row=2, column=0, shown=lambda ticket: is_open(ticket.status))
card.button(LINK, t("Same problem as…"), row=3, column=0, shown=lambda ticket: is_open(ticket.status))
