"""研判: the owner classifies a ticket (ABCD tier, difficulty) and links duplicates.

A duplicate linked to a primary ticket keeps its own owner and reporter, but is
resolved with the primary: one power line, one repair, every reporter asked.
"""

from __future__ import annotations

from handlers import card, payloads
from handlers.conversations import cadre as cadre_dialog
from handlers.conversations.cadre import Typed, asks_text, owned, text_step
from handlers.domain.events import EventKind
from handlers.turn import Turn
from handlers.domain.errors import DomainError
from handlers.domain.labels import DIFFICULTY_LABELS, TIER_LABELS
from handlers.domain.lifecycle import is_open
from handlers.domain.model import Difficulty, Ticket, Tier
from handlers.messages import t
from handlers.payloads import Choice, PayloadError, TicketPress
from handlers.router import Router
from handlers.seam import Button
from handlers.services import CLASSIFY, LINK, owned_ticket, stamp_deadlines, tell_owner, tell_reporter

TIER, DIFFICULTY = "tier", "difficulty"  # the two choices of 研判, steps of the cadre dialog


def classify(turn: Turn, ticket_id: int, tier: Tier, difficulty: Difficulty) -> None:
    ticket, _ = owned_ticket(turn, ticket_id)
    ticket.tier, ticket.difficulty = tier, difficulty
    ticket.record(EventKind.CLASSIFIED, turn.now, turn.account.id, tier=tier.value, difficulty=difficulty.value)
    stamp_deadlines(turn, ticket)  # 不过周 or 不过月: the difficulty sets the 办结 limit
    turn.save(ticket)
    turn.say(t("Ticket {number} is classified {tier}, {difficulty}.", number=ticket.number,
               tier=TIER_LABELS[tier], difficulty=DIFFICULTY_LABELS[difficulty]))


def link(turn: Turn, ticket_id: int, primary_number: str) -> Ticket:
    """Mark the owner's ticket as the same problem as `primary_number`; returns the primary."""
    ticket, cadre = owned_ticket(turn, ticket_id)
    primary = turn.uow.tickets.by_number(primary_number.strip().upper())
    if primary is None or primary.id == ticket.id:
        raise DomainError(t("There is no other ticket numbered {number}.", number=primary_number))
    if primary.linked_to_id is not None:  # one level only: join the group's primary
        primary = turn.uow.tickets.get(primary.linked_to_id) or primary
    if not is_open(primary.status):
        raise DomainError(t("Ticket {number} is no longer open; link to an open one.", number=primary.number))
    if ticket.linked_to_id is not None or turn.uow.tickets.linked_to(ticket_id):
        raise DomainError(t("Ticket {number} is already linked with others.", number=ticket.number))
    assert primary.id is not None
    ticket.linked_to_id = primary.id
    ticket.record(EventKind.LINKED, turn.now, turn.account.id, to=primary.number)
    turn.save(ticket)
    primary.record(EventKind.DUPLICATE_LINKED, turn.now, turn.account.id, duplicate=ticket.number)
    turn.save(primary)
    turn.say(t("Ticket {number} now goes with {primary}: when that one is resolved, so is this one, "
               "and its reporter is asked too.", number=ticket.number, primary=primary.number))
    if primary.owner_cadre_id != cadre.id:
        tell_owner(turn, primary, t("{name} linked ticket {number} to your ticket {primary} as the same problem. "
                                    "When you resolve {primary}, its reporter is asked too.",
                                    name=cadre.name, number=ticket.number, primary=primary.number))
    tell_reporter(turn, ticket, t("Ticket {number} is handled together with the same problem reported by others; "
                                  "you will be told when it is resolved.", number=ticket.number))
    return primary


# --- in chat ------------------------------------------------------------------

router = Router("assess")


@router.press(TicketPress, CLASSIFY)
def _classify_pressed(turn: Turn, press: TicketPress) -> None:
    owned_ticket(turn, press.ticket_id)
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
    classify(turn, ticket_id, tier, Difficulty(choice.value))


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
    link(turn, typed.ticket_id, typed.text)


card.button(CLASSIFY, t("Classify"), row=2, column=0, shown=lambda ticket: is_open(ticket.status))
card.button(LINK, t("Same problem as…"), row=3, column=0, shown=lambda ticket: is_open(ticket.status))
