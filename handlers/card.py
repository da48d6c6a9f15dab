"""The owner's ticket card: the buttons under a ticket its handling cadre sees.

Each feature contributes its own button (accept, hand over, 延期…) with where it sits and
when it shows; the card lays them out. Positions are explicit so the layout does not
depend on the order the features happen to be imported in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers import payloads
from handlers.domain.model import Ticket
from handlers.messages import Msg
from handlers.seam import Button


@dataclass(frozen=True)
class CardButton:
    action: str  # the ticket action its press carries (payloads.TicketPress)
    label: Msg
    row: int
    column: int
    shown: Callable[[Ticket], bool]  # whether it applies to the ticket as it is now


_BUTTONS: list[CardButton] = []


def button(action: str, label: Msg, *, row: int, column: int, shown: Callable[[Ticket], bool]) -> None:
    """Put a button on the owner's card (called once, by the feature that handles its press)."""
    if any((b.row, b.column) == (row, column) or b.action == action for b in _BUTTONS):
        raise ValueError(f"card button {action!r} at {row},{column} clashes with another")
    _BUTTONS.append(CardButton(action, label, row, column, shown))
    _BUTTONS.sort(key=lambda b: (b.row, b.column))


def owner_buttons(ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
    """The buttons that apply to `ticket` now, row by row (a row with none is left out)."""
    assert ticket.id is not None
    rows: dict[int, list[Button]] = {}
    for b in _BUTTONS:
        if b.shown(ticket):
            rows.setdefault(b.row, []).append(Button(b.label, payloads.ticket_action(b.action, ticket.id)))
    return tuple(tuple(row) for _, row in sorted(rows.items()))
