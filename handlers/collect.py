"""主动收集 active collection: a cadre on a visit logs a problem on an enterprise's behalf.

The cadre owns it (首问负责: they received it first). The enterprise's registered
contact becomes its reporter: told at once, asked to confirm it (or withdraw it
as not theirs), and asked for the verdict when it is resolved.
"""

from __future__ import annotations

from handlers import payloads
from handlers.domain.events import EventKind
from handlers.turn import Turn
from handlers.domain.categories import label
from handlers.domain.errors import DomainError, OutOfDate
from handlers.domain.lifecycle import is_open
from handlers.domain.model import ReporterKind, Ticket
from handlers.messages import t
from handlers.seam import Button
from handlers.services import new_ticket, owner_buttons, reporters_ticket, role_label, tell_owner, tell_reporter

AFFIRM, DISOWN = "affirm", "disown"  # the contact's answer: yes, ours / not right (withdraw with a reason)


def collect_ticket(turn: Turn, data: dict) -> Ticket:
    directory = turn.uow.directory
    cadre = directory.cadre_by_account(turn.account.id)
    enterprise = directory.enterprise(data["enterprise_id"])
    contact = turn.uow.reporter_profiles.contact_of(data["enterprise_id"])
    if cadre is None or enterprise is None or contact is None:
        raise DomainError(t("Only cadres can log a problem on an enterprise's behalf. Send /start to report your own."))
    ticket = new_ticket(turn, owner=cadre, reporter_account_id=contact.account_id,
                        reporter_kind=ReporterKind.ENTERPRISE, reporter_phone=contact.phone,
                        category=data["category"], description=data["description"],
                        org_unit_id=enterprise.grid_id or cadre.org_unit_id, enterprise_id=enterprise.id,
                        photo_file_ids=list(data.get("photos", [])),
                        location=tuple(data["location"]) if data.get("location") else None)
    ticket.record(EventKind.COLLECTED, turn.now, turn.account.id, cadre_id=cadre.id)
    ticket.record(EventKind.ASSIGNED, turn.now, None, cadre_id=cadre.id, reason="collected")
    ticket = turn.add(ticket)
    assert ticket.id is not None
    turn.say(t("Logged as ticket {number}; it is yours (首问负责). {enterprise}'s contact is asked to confirm it.",
               number=ticket.number, enterprise=enterprise.name), owner_buttons(ticket))
    tell_reporter(turn, ticket, t("{name} ({role}) logged a problem for {enterprise} on a visit: ticket {number}\n"
                                  "Kind: {category}\nProblem: {description}\nIs this right?",
                                  name=cadre.name, role=role_label(cadre), enterprise=enterprise.name,
                                  number=ticket.number, category=label(ticket.category),
                                  description=ticket.description),
                  ((Button(t("Yes, that is our problem"), payloads.ticket_action(AFFIRM, ticket.id)),
                    Button(t("Not right"), payloads.ticket_action(DISOWN, ticket.id))),))
    return ticket


def affirm(turn: Turn, ticket_id: int) -> None:
    """The enterprise's contact confirms a collected problem as theirs."""
    ticket = reporters_ticket(turn, ticket_id)
    kinds = {e.kind for e in ticket.events}
    if EventKind.COLLECTED not in kinds or EventKind.CONTACT_CONFIRMED in kinds or not is_open(ticket.status):
        raise OutOfDate()
    ticket.record(EventKind.CONTACT_CONFIRMED, turn.now, turn.account.id)
    turn.save(ticket)
    turn.say(t("Thank you. Ticket {number} is now on your list (/mine); you will be told of every step.",
               number=ticket.number))
    tell_owner(turn, ticket, t("The enterprise's contact confirmed ticket {number}.", number=ticket.number))
