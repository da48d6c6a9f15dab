"""举报: a complaint about a ticket's handling or about a cadre, and the supervisors' finding.

A complaint goes to the 营商环境监督员 of its unit and the units above, never to the cadre
complained about, who does not learn who wrote it. Each supervisor's copy carries two
buttons, upheld (属实) / not upheld (不属实), and the supervisor then says why in one line
(handlers/conversations/finding.py); the first finding is final, and upheld ones count
against the unit in the 红黑榜 (docs/ranking.md). The complainant hears the finding and why.
"""

from __future__ import annotations

from handlers import payloads
from handlers.domain.errors import DomainError, OutOfDate
from handlers.domain.events import EventKind
from handlers.domain.model import Cadre, Complaint, Finding
from handlers.domain.routing import business_supervisors
from handlers.messages import Msg, plain, t
from handlers.seam import Button
from handlers.services import account_of, reporters_ticket
from handlers.turn import Turn

FILED = EventKind.COMPLAINT_FILED  # never shown to the ticket's handlers
FINDING_LABELS: dict[Finding, Msg] = {Finding.UPHELD: t("upheld (属实)"), Finding.NOT_UPHELD: t("not upheld (不属实)")}


def about_ticket(turn: Turn, ticket_id: int, text: str) -> None:
    """举报 about the handling of one's own ticket: on record against the ticket's owner."""
    ticket = reporters_ticket(turn, ticket_id)
    ticket.record(FILED, turn.now, turn.account.id, text=text)
    turn.save(ticket)
    owner = turn.uow.directory.cadre(ticket.owner_cadre_id)
    if owner is not None:
        complaint_id = turn.uow.complaints.add(turn.account.id, owner.id, ticket.org_unit_id, text, turn.now,
                                               ticket_id=ticket.id)
        _to_supervisors(turn, complaint_id, ticket.org_unit_id, owner,
                        t("举报 on ticket {number} (handled by {name}): {text}", number=ticket.number,
                          name=owner.name, text=text))
    turn.say(t("Your complaint on {number} went to the business-environment supervisors, not to its handler.",
               number=ticket.number))


def about_cadre(turn: Turn, cadre_id: int, text: str) -> None:
    """举报 about a cadre, outside any ticket: on record against the cadre's unit."""
    cadre = turn.uow.directory.cadre(cadre_id)
    if cadre is None:
        raise OutOfDate()
    complaint_id = turn.uow.complaints.add(turn.account.id, cadre.id, cadre.org_unit_id, text, turn.now)
    unit = turn.uow.directory.org_unit(cadre.org_unit_id)
    _to_supervisors(turn, complaint_id, cadre.org_unit_id, cadre,
                    t("举报 about {name} ({unit}): {text}", name=cadre.name,
                      unit=plain(unit.name if unit else ""), text=text))
    turn.say(t("Your complaint about {name} went to the business-environment supervisors. "
               "{name} will not learn who wrote it.", name=cadre.name))


def _to_supervisors(turn: Turn, complaint_id: int, org_unit_id: int, about: Cadre, text: Msg) -> None:
    buttons = (tuple(Button(label, payloads.finding(finding.value, complaint_id))
                     for finding, label in FINDING_LABELS.items()),)
    for supervisor in business_supervisors(turn.uow.directory, org_unit_id):
        if supervisor.id != about.id and (account := account_of(turn, supervisor)):
            turn.tell(account, text, buttons)


def findable(turn: Turn, finding: str, complaint_id: int) -> Complaint:
    """The complaint, if the sender is a supervisor it went to (never the cadre complained about)
    and it has no finding yet; otherwise DomainError saying why."""
    complaint = turn.uow.complaints.get(complaint_id)
    supervisor = turn.uow.directory.cadre_by_account(turn.account.id)
    if complaint is None or finding not in set(Finding) or not _supervises(turn, supervisor, complaint):
        raise OutOfDate()
    if complaint.finding is not None:
        raise DomainError(_found_by(turn, complaint))
    return complaint


def find(turn: Turn, finding: Finding, complaint_id: int, reason: str) -> None:
    """Record the finding and its reason (checked again: another supervisor may have been quicker)."""
    supervisor = turn.uow.directory.cadre_by_account(turn.account.id)
    complaint = turn.uow.complaints.get(complaint_id)
    if complaint is None or not _supervises(turn, supervisor, complaint):
        raise OutOfDate()
    assert supervisor is not None
    if not turn.uow.complaints.record_finding(complaint.id, finding, supervisor.id, turn.now, reason):
        found = turn.uow.complaints.get(complaint_id)
        assert found is not None and found.finding is not None
        raise DomainError(_found_by(turn, found))
    turn.say(t("Recorded: 举报 found {finding}.", finding=FINDING_LABELS[finding]))
    if complainant := turn.uow.accounts.get(complaint.complainant_account_id):
        turn.tell(complainant, t("Your complaint was looked into by the business-environment supervisors: "
                                 "{finding}. {reason}", finding=FINDING_LABELS[finding], reason=reason))


def _found_by(turn: Turn, complaint: Complaint) -> Msg:
    assert complaint.finding is not None
    found_by = turn.uow.directory.cadre(complaint.found_by_cadre_id) if complaint.found_by_cadre_id else None
    return t("Already found {finding} by {name}.", finding=FINDING_LABELS[complaint.finding],
             name=found_by.name if found_by else "")


def _supervises(turn: Turn, supervisor: Cadre | None, complaint: Complaint) -> bool:
    return supervisor is not None and supervisor.id != complaint.cadre_id and any(
        s.id == supervisor.id for s in business_supervisors(turn.uow.directory, complaint.org_unit_id))
