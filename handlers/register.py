"""Registering an enterprise from a ticket: an owner reported with a valid credit code the
register (企业库) lacked; the cadre handling the ticket — the township's duty cadre — puts the
enterprise in the register from what the owner gave, and the ticket is linked to it. The owner
becomes its contact; their next report by that code goes straight to its cadre.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import card
from handlers.domain.errors import OutOfDate
from handlers.domain.events import EventKind
from handlers.domain.lifecycle import is_open
from handlers.domain.model import Enterprise, ReporterKind, ReporterProfile, Ticket
from handlers.messages import plain, t
from handlers.payloads import TicketPress
from handlers.router import Router
from handlers.services import owned_by, tell_reporter
from handlers.turn import Turn, Work

REGISTER = "register"


@dataclass(frozen=True)
class RegisterEnterprise:
    ticket_id: int
    by: int  # the account acting: its cadre must handle the ticket


def register(cmd: RegisterEnterprise, work: Work) -> tuple[Ticket, Enterprise]:
    """The ticket, now linked, and the enterprise (new, or registered meanwhile under that code)."""
    ticket, _ = owned_by(work, cmd.by, cmd.ticket_id)
    said = ticket.unregistered_enterprise
    if said is None:
        raise OutOfDate()
    known = work.uow.directory.enterprise_by_code(said["credit_code"])
    enterprise = known or work.uow.enterprises.add(said["name"], said["credit_code"],
                                                   grid_id=said["township_id"] or ticket.org_unit_id)
    ticket.enterprise_id = enterprise.id
    ticket.record(EventKind.ENTERPRISE_REGISTERED, work.now, cmd.by, enterprise_id=enterprise.id,
                  name=enterprise.name, credit_code=enterprise.credit_code, new=known is None)
    work.save(ticket)
    _make_contact(work, ticket, enterprise)
    tell_reporter(work, ticket, t("{name} is now registered. Next time, send its credit code and your report goes "
                                  "straight to the cadre responsible.", name=enterprise.name))
    return ticket, enterprise


def _make_contact(work: Work, ticket: Ticket, enterprise: Enterprise) -> None:
    """The reporter becomes the enterprise's contact, unless they already speak for another."""
    profile = work.uow.reporter_profiles.get(ticket.reporter_account_id)
    if profile is None or profile.enterprise_id is None:
        work.uow.reporter_profiles.save(ReporterProfile(ticket.reporter_account_id, ReporterKind.ENTERPRISE,
                                                        enterprise.id, ticket.reporter_phone))


# --- in chat ------------------------------------------------------------------

router = Router("register")


@router.press(TicketPress, REGISTER)
def _register(turn: Turn, press: TicketPress) -> None:
    ticket, enterprise = register(RegisterEnterprise(press.ticket_id, turn.account.id), turn)
    unit = turn.uow.directory.org_unit(enterprise.grid_id) if enterprise.grid_id else None
    card.refresh(turn, ticket)  # the card pressed shows the enterprise, and loses this button
    turn.say(t("{name} ({code}) is now in the enterprise register, in {unit}; ticket {number} is linked to it.",
               name=enterprise.name, code=enterprise.credit_code, unit=plain(unit.name if unit else ""),
               number=ticket.number))


card.button(REGISTER, t("Register enterprise"), row=4, column=0,
            shown=lambda ticket: is_open(ticket.status) and ticket.unregistered_enterprise is not None)
