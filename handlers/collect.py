"""主动收集 active collection: a cadre on a visit logs a problem on an enterprise's behalf.

The cadre owns it (首问负责: they received it first). The enterprise's registered
contact becomes its reporter: told at once, asked to confirm it (or withdraw it
as not theirs), and asked for the verdict when it is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers import payloads
from handlers.domain.events import EventKind
from handlers.turn import Turn, Work
from handlers.domain.categories import label
from handlers.domain.errors import DomainError, OutOfDate
from handlers.domain.lifecycle import is_open
from handlers.domain.model import Enterprise, ReporterKind, Ticket
from handlers.card import title
from handlers.messages import t
from handlers.payloads import TicketPress
from handlers.router import Router
from handlers.seam import Button
from handlers.services import new_ticket, reported_by, role_label, tell_owner, tell_reporter

AFFIRM, DISOWN = "affirm", "disown"  # the contact's answer: yes, ours / not right (withdraw with a reason)


@dataclass(frozen=True)
class Collect:
    """主动收集: a problem a cadre logged on a visit, for an enterprise."""

    by: int  # the cadre's account: they own it
    enterprise_id: int
    category: str
    description: str
    photo_file_ids: tuple[str, ...] = ()
    location: tuple[float, float] | None = None

    @classmethod
    def from_dialog(cls, by: int, data: dict[str, Any]) -> Collect:
        return cls(by=by, enterprise_id=data["enterprise_id"], category=data["category"],
                   description=data["description"], photo_file_ids=tuple(data.get("photos", [])),
                   location=tuple(data["location"]) if data.get("location") else None)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Affirm:
    """The enterprise's contact confirms a collected problem as theirs."""

    ticket_id: int
    by: int


def collect_ticket(cmd: Collect, work: Work) -> tuple[Ticket, Enterprise]:
    """The new ticket (the cadre's) and its enterprise, whose contact is asked to confirm it."""
    directory = work.uow.directory
    cadre = directory.cadre_by_account(cmd.by)
    enterprise = directory.enterprise(cmd.enterprise_id)
    contact = work.uow.reporter_profiles.contact_of(cmd.enterprise_id)
    if cadre is None or enterprise is None or contact is None:
        raise DomainError(t("Only cadres can log a problem on an enterprise's behalf. Send /start to report your own."))
    ticket = new_ticket(work, owner=cadre, reporter_account_id=contact.account_id,
                        reporter_kind=ReporterKind.ENTERPRISE, reporter_phone=contact.phone,
                        category=cmd.category, description=cmd.description,
                        org_unit_id=enterprise.grid_id or cadre.org_unit_id, enterprise_id=enterprise.id,
                        photo_file_ids=list(cmd.photo_file_ids), location=cmd.location)
    ticket.record(EventKind.COLLECTED, work.now, cmd.by, cadre_id=cadre.id)
    ticket.record(EventKind.ASSIGNED, work.now, None, cadre_id=cadre.id, reason="collected")
    ticket = work.add(ticket)
    assert ticket.id is not None
    tell_reporter(work, ticket, t("{name} ({role}) logged a problem for {enterprise} on a visit: ticket {number}\n"
                                  "Kind: {category}\nProblem: {description}\nIs this right?",
                                  name=cadre.name, role=role_label(cadre), enterprise=enterprise.name,
                                  number=ticket.number, category=label(ticket.category),
                                  description=ticket.description),
                  ((Button(t("Yes, that is our problem"), payloads.ticket_action(AFFIRM, ticket.id)),
                    Button(t("Not right"), payloads.ticket_action(DISOWN, ticket.id))),))
    return ticket, enterprise


def affirm(cmd: Affirm, work: Work) -> Ticket:
    ticket = reported_by(work, cmd.by, cmd.ticket_id)
    kinds = {e.kind for e in ticket.events}
    if EventKind.COLLECTED not in kinds or EventKind.CONTACT_CONFIRMED in kinds or not is_open(ticket.status):
        raise OutOfDate()
    ticket.record(EventKind.CONTACT_CONFIRMED, work.now, cmd.by)
    work.save(ticket)
    tell_owner(work, ticket, t("The enterprise's contact confirmed ticket {number} ({title}).", number=ticket.number,
                               title=title(ticket)))
    return ticket


# --- in chat: the contact's "yes, that is our problem" ("not right" withdraws it: the feedback dialog) ---

router = Router("collect")


@router.press(TicketPress, AFFIRM)
def _affirm(turn: Turn, press: TicketPress) -> None:
    ticket = affirm(Affirm(press.ticket_id, turn.account.id), turn)
    turn.say(t("Thank you. Ticket {number} is now on your list (/mine); you will be told of every step.",
               number=ticket.number))
