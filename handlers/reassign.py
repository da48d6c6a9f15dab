"""Tickets moved by the office, not by their handlers: an enterprise's 包联 changes (an admin's
command, a re-imported sheet) and its open tickets follow; a disabled cadre's open tickets go on
to someone who can act. Each move is an event in the ticket's history, and everyone concerned hears.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from handlers import card
from handlers.domain.errors import DomainError
from handlers.domain.events import EventKind
from handlers.domain.model import Cadre, Ticket
from handlers.messages import Msg, t
from handlers.services import account_of, role_label, tell_reporter
from handlers.turn import Work


class Why(StrEnum):
    """Why the office moved a ticket (stored in its REASSIGNED event)."""

    BAOLIAN_MOVED = "baolian_moved"  # its enterprise's 包联 cadre changed
    OWNER_DISABLED = "owner_disabled"  # its owner no longer works here: flagged for reassignment


WHY_LABELS: dict[Why, Msg] = {
    Why.BAOLIAN_MOVED: t("its enterprise's 包联 cadre changed"),
    Why.OWNER_DISABLED: t("its handler no longer works on tickets; please reassign it if someone else should"),
}


@dataclass(frozen=True)
class MoveBaolian:
    """An enterprise gets a new 包联 cadre; its open tickets held by the old one go with the duty."""

    enterprise_id: int
    to: int  # the new 包联 cadre's id
    by: int | None  # the acting account (None: the command line, an import)


def move_baolian(cmd: MoveBaolian, work: Work) -> list[Ticket]:
    """The tickets that followed the 包联 (none if it did not change)."""
    directory = work.uow.directory
    enterprise = directory.enterprise(cmd.enterprise_id)
    receiver = directory.cadre(cmd.to)
    if enterprise is None or receiver is None or receiver.disabled:
        raise DomainError(t("That enterprise or cadre is no longer in the register."))
    previous = enterprise.assigned_cadre_id
    if previous == receiver.id:
        return []
    work.uow.enterprises.set_baolian(enterprise.id, receiver.id)
    if previous is None:
        return []
    ids = work.uow.tickets.open_owned(previous, enterprise_id=enterprise.id)
    return hand_over(work, work.uow.tickets.get_many(ids), receiver, Why.BAOLIAN_MOVED, cmd.by)


def hand_over(work: Work, tickets: Sequence[Ticket], receiver: Cadre, why: Why, by: int | None) -> list[Ticket]:
    """Give each ticket to `receiver`, recorded in its history; the old owner's card says where it
    went, the receiver gets a notice with its card, and the reporter is told who handles it now."""
    for ticket in tickets:
        previous = work.uow.directory.cadre(ticket.owner_cadre_id)
        ticket.record(EventKind.REASSIGNED, work.now, by, previous_owner=ticket.owner_cadre_id, to=receiver.id,
                      reason=why.value)
        ticket.owner_cadre_id = receiver.id
        work.save(ticket)
        card.hand_on(work, ticket, previous)
        if account := account_of(work, receiver):
            card.notify(work, account, ticket, t("The office moved ticket {number} ({title}) to you: {why}.",
                                                 number=ticket.number, title=card.title(ticket), why=WHY_LABELS[why]))
        tell_reporter(work, ticket, t("Ticket {number} is now handled by {name} ({role}).",
                                       number=ticket.number, name=receiver.name, role=role_label(receiver)))
    return list(tickets)
