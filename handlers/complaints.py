"""举报: a complaint about a ticket's handling or about a cadre, and the supervisors' finding.

A complaint goes to the 营商环境监督员 of its unit and the units above, never to the cadre
complained about, who does not learn who wrote it. Each supervisor's copy carries two
buttons, upheld (属实) / not upheld (不属实), and the supervisor then says why in one line;
the first finding is final, and upheld ones count against the unit in the 红黑榜
(docs/ranking.md). The complainant hears the finding and why.

The use cases come first, then the chat: /complain (find the cadre by name, then write)
and the supervisor's finding. A complaint about one's own ticket starts from the ticket's
card (conversations/feedback.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import payloads
from handlers.conversations.answer import back_to_what_was_under_way
from handlers.conversations.cadre import too_long_to_search
from handlers.domain.errors import DomainError, OutOfDate
from handlers.domain.events import EventKind
from handlers.domain.model import Cadre, Complaint, Finding, Ticket
from handlers.domain.routing import business_supervisors
from handlers.messages import Msg, plain, t
from handlers.seam import Button
from handlers.payloads import Finding as FindingPress
from handlers.payloads import Pick
from handlers.ports import Dialog
from handlers.router import Router
from handlers.services import account_of, reported_by
from handlers.turn import Turn, Work

FILED = EventKind.COMPLAINT_FILED  # never shown to the ticket's handlers
FINDING_LABELS: dict[Finding, Msg] = {Finding.UPHELD: t("upheld (属实)"), Finding.NOT_UPHELD: t("not upheld (不属实)")}


@dataclass(frozen=True)
class ComplainAboutTicket:
    """举报 about the handling of one's own ticket: on record against the ticket's owner."""

    ticket_id: int
    by: int  # the account acting: it must have reported the ticket
    text: str


@dataclass(frozen=True)
class ComplainAboutCadre:
    """举报 about a cadre, outside any ticket: on record against the cadre's unit."""

    cadre_id: int
    by: int
    text: str


@dataclass(frozen=True)
class Find:
    """A supervisor's finding on a 举报, with its reason; the first one is final."""

    complaint_id: int
    by: int  # the account acting: a supervisor the complaint went to, never the cadre complained about
    finding: Finding
    reason: str


def about_ticket(cmd: ComplainAboutTicket, work: Work) -> Ticket:
    ticket = reported_by(work, cmd.by, cmd.ticket_id)
    ticket.record(FILED, work.now, cmd.by, text=cmd.text)
    work.save(ticket)
    owner = work.uow.directory.cadre(ticket.owner_cadre_id)
    if owner is not None:
        complaint_id = work.uow.complaints.add(cmd.by, owner.id, ticket.org_unit_id, cmd.text, work.now,
                                               ticket_id=ticket.id)
        _to_supervisors(work, complaint_id, ticket.org_unit_id, owner,
                        t("举报 on ticket {number} (handled by {name}): {text}", number=ticket.number,
                          name=owner.name, text=cmd.text))
    return ticket


def about_cadre(cmd: ComplainAboutCadre, work: Work) -> Cadre:
    """The cadre complained about (who is not told)."""
    cadre = work.uow.directory.cadre(cmd.cadre_id)
    if cadre is None:
        raise OutOfDate()
    complaint_id = work.uow.complaints.add(cmd.by, cadre.id, cadre.org_unit_id, cmd.text, work.now)
    unit = work.uow.directory.org_unit(cadre.org_unit_id)
    _to_supervisors(work, complaint_id, cadre.org_unit_id, cadre,
                    t("举报 about {name} ({unit}): {text}", name=cadre.name,
                      unit=plain(unit.name if unit else ""), text=cmd.text))
    return cadre


def _to_supervisors(work: Work, complaint_id: int, org_unit_id: int, about: Cadre, text: Msg) -> None:
    buttons = (tuple(Button(label, payloads.finding(finding.value, complaint_id))
                     for finding, label in FINDING_LABELS.items()),)
    for supervisor in business_supervisors(work.uow.directory, org_unit_id):
        if supervisor.id != about.id and (account := account_of(work, supervisor)):
            work.tell(account, text, buttons)


def findable(work: Work, account_id: int, finding: str, complaint_id: int) -> Complaint:
    """The complaint, if `account_id`'s cadre is a supervisor it went to (never the cadre complained
    about) and it has no finding yet; otherwise DomainError saying why."""
    complaint = work.uow.complaints.get(complaint_id)
    supervisor = work.uow.directory.cadre_by_account(account_id)
    if complaint is None or finding not in set(Finding) or not _supervises(work, supervisor, complaint):
        raise OutOfDate()
    if complaint.finding is not None:
        raise DomainError(_found_by(work, complaint))
    return complaint


def find(cmd: Find, work: Work) -> Complaint:
    """Record the finding and its reason (checked again: another supervisor may have been quicker);
    the complainant hears it."""
    supervisor = work.uow.directory.cadre_by_account(cmd.by)
    complaint = work.uow.complaints.get(cmd.complaint_id)
    if complaint is None or not _supervises(work, supervisor, complaint):
        raise OutOfDate()
    assert supervisor is not None
    if not work.uow.complaints.record_finding(complaint.id, cmd.finding, supervisor.id, work.now, cmd.reason):
        found = work.uow.complaints.get(cmd.complaint_id)
        assert found is not None and found.finding is not None
        raise DomainError(_found_by(work, found))
    if complainant := work.uow.accounts.get(complaint.complainant_account_id):
        work.tell(complainant, t("Your complaint was looked into by the business-environment supervisors: "
                                 "{finding}. {reason}", finding=FINDING_LABELS[cmd.finding], reason=cmd.reason))
    return complaint


def _found_by(work: Work, complaint: Complaint) -> Msg:
    assert complaint.finding is not None
    found_by = work.uow.directory.cadre(complaint.found_by_cadre_id) if complaint.found_by_cadre_id else None
    return t("Already found {finding} by {name}.", finding=FINDING_LABELS[complaint.finding],
             name=found_by.name if found_by else "")


def _supervises(work: Work, supervisor: Cadre | None, complaint: Complaint) -> bool:
    return supervisor is not None and supervisor.id != complaint.cadre_id and any(
        s.id == supervisor.id for s in business_supervisors(work.uow.directory, complaint.org_unit_id))


# --- in chat: /complain about a cadre, outside any ticket -----------------------------

router = Router("complaints")
WHO, TEXT = "who", "text"  # the /complain dialog's steps
SEARCH_LIMIT = 8
MAX_TEXT = 2000
MAX_REASON = 500  # a finding's reason: one line for the record


@router.command("complain", t("Report a cadre (举报)"))
def begin(turn: Turn, args: str = "") -> None:
    turn.state.dialog, turn.state.step, turn.state.data = Dialog.COMPLAINT, WHO, {}
    turn.say(t("举报: which cadre is it about? Type part of their name. Only the business-environment supervisors "
               "will read what you write; the cadre will not learn who wrote it. /cancel to drop it."))


@router.text_step(Dialog.COMPLAINT, WHO, limit=MAX_TEXT)
def _offer_cadres(turn: Turn, text: str) -> None:
    if too_long_to_search(turn, text):
        return
    found = turn.uow.directory.search_cadres(text, SEARCH_LIMIT)
    if not found:
        turn.say(t("No cadre matches “{query}”. Try another part of the name or unit.", query=text))
        return
    # Names and units only: a cadre's phone is not for whoever asks.
    turn.say(t("Which one?"), tuple((Button(Msg("{name} · {unit}", {"name": c.name, "unit": _unit(turn, c.org_unit_id)}),
                                            payloads.pick(c.id)),) for c in found))


@router.step_press(Dialog.COMPLAINT, WHO, Pick)
def _chosen(turn: Turn, pick: Pick) -> None:
    cadre = turn.uow.directory.cadre(pick.cadre_id)
    if cadre is None:
        raise OutOfDate()
    turn.state.step, turn.state.data = TEXT, {"cadre_id": cadre.id}
    turn.say(t("What happened with {name}? Write it in one message.", name=cadre.name))


@router.text_step(Dialog.COMPLAINT, TEXT, limit=MAX_TEXT)
def _written(turn: Turn, text: str) -> None:
    cadre_id = int(turn.state.data["cadre_id"])
    turn.reset()
    cadre = about_cadre(ComplainAboutCadre(cadre_id, turn.account.id, text), turn)
    turn.say(t("Your complaint about {name} went to the business-environment supervisors. "
               "{name} will not learn who wrote it.", name=cadre.name))


def _unit(turn: Turn, org_unit_id: int) -> str:
    unit = turn.uow.directory.org_unit(org_unit_id)
    return unit.name if unit else ""


# --- in chat: a supervisor's finding; the dialog's step is the finding pressed ----------

@router.press(FindingPress)
def _finding_pressed(turn: Turn, press: FindingPress) -> None:
    findable(turn, turn.account.id, press.verdict, press.complaint_id)
    turn.state.interrupt(Dialog.FINDING, press.verdict, {"complaint_id": press.complaint_id})
    turn.say(t("Why is it {finding}? One line for the record; the complainant will read it, the cadre will not. "
               "/cancel to drop it.", finding=FINDING_LABELS[Finding(press.verdict)]))


@router.text_step(Dialog.FINDING, *Finding, limit=MAX_REASON, then=back_to_what_was_under_way)
def _finding_reason(turn: Turn, text: str) -> None:
    finding = Finding(turn.state.step)
    find(Find(turn.state.data["complaint_id"], turn.account.id, finding, text), turn)
    turn.say(t("Recorded: 举报 found {finding}.", finding=FINDING_LABELS[finding]))
