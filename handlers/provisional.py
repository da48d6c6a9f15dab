"""Provisional deadlines: counted into a year whose official holiday list is not loaded.

A deadline is never left unknown (issue 13). Where the State Council's notice for a year is
missing, the calendar counts that year's statutory holidays and weekends without 调休
(handlers.domain.calendar); such dates are shown "(provisional)", the ticket's history
says so, the admins are told once per year, and `recount` counts them again on the
official list once it is loaded (`lianxin calendar load`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from handlers.domain.deadlines import DUE_FIELDS, provisional_years, running_due, stamp_due_times
from handlers.domain.events import EventKind
from handlers.domain.flags import due_day
from handlers.domain.lifecycle import is_open
from handlers.domain.model import Ticket
from handlers.unit_settings import policy_for_unit
from handlers.messages import Msg, plain, t
from handlers.turn import Work

log = logging.getLogger(__name__)

WARNED = ("admins", "calendar")  # the once-ever claim (target, period) of a year's warning to admins


def shown(work: Work, due: datetime, day_format: str = "%Y-%m-%d") -> Msg:
    """A deadline as people say it, its last day, marked when no official list counted it:
    "2026-12-23", "2027-01-05 (provisional)" (zh: "2027-01-05（暂定）")."""
    day = due_day(due, work.rules.time_zone)
    text = plain(day.strftime(day_format))
    return t("{day} (provisional)", day=text) if work.rules.calendar.is_provisional(day) else text


def is_provisional(ticket: Ticket) -> bool:
    """Whether the ticket's deadlines were last counted without an official list."""
    marks = (EventKind.DEADLINES_PROVISIONAL, EventKind.DEADLINES_RECOUNTED)
    last = next((event for event in reversed(ticket.events) if event.kind in marks), None)
    return last is not None and last.kind == EventKind.DEADLINES_PROVISIONAL


def note(work: Work, ticket: Ticket) -> None:
    """After the ticket's deadlines were counted: record it in the history if they are provisional
    (once, until recounted), and warn the admins of each such year once."""
    years = provisional_years(ticket, work.rules.time_zone, work.rules.calendar)
    if not years or is_provisional(ticket):
        return
    ticket.record(EventKind.DEADLINES_PROVISIONAL, work.now, None, years=years)
    for year in years:
        warn_admins(work, year)


def warn_admins(work: Work, year: int) -> None:
    """Tell every admin, once per year across all processes, that `year` is counted provisionally."""
    if not work.uow.groups.claim_digest(*WARNED, datetime(year, 1, 1, tzinfo=UTC), work.now):
        return
    log.warning("No official holiday list for %s: deadlines reaching it are provisional (statutory holidays "
                "and weekends, no 调休). Load the State Council's notice: lianxin calendar load FILE "
                "(docs/deadlines.md).", year)
    for admin in work.uow.directory.admins():
        if admin.account_id and (account := work.uow.accounts.get(admin.account_id)):
            work.tell(account, t("The official holiday list for {year} is not loaded. Deadlines reaching {year} "
                                 "are counted on the statutory holidays and weekends alone, without 调休 swaps, "
                                 "and shown as provisional. Load the State Council's notice with “lianxin "
                                 "calendar load FILE” (docs/deadlines.md); open tickets are then recounted.",
                                 year=plain(str(year))))


def recount(work: Work, ticket_id: int) -> Ticket | None:
    """Count a provisional ticket's deadlines again on the calendar now loaded, recording the
    dates before and after; the ticket if it was recounted (None: not open, not provisional,
    or its years still without a list)."""
    ticket = work.uow.tickets.get(ticket_id)
    if ticket is None or not is_open(ticket.status) or not is_provisional(ticket):
        return None
    rules = work.rules
    before = {stage.value: _iso(getattr(ticket, name)) for stage, name in DUE_FIELDS.items()}
    stamp_due_times(ticket, policy_for_unit(work, ticket.org_unit_id), rules.time_zone,
                    rules.calendar)
    if provisional_years(ticket, rules.time_zone, rules.calendar):
        return None  # still counted without a list: nothing to record (the unit of work is not committed for it)
    after = {stage.value: _iso(getattr(ticket, name)) for stage, name in DUE_FIELDS.items()}
    ticket.record(EventKind.DEADLINES_RECOUNTED, work.now, None, before=before, after=after)
    work.save(ticket)
    if after != before:
        _tell_owner(work, ticket)
    return ticket


def _tell_owner(work: Work, ticket: Ticket) -> None:
    """The owner hears of deadlines that moved under them (an unchanged one needs no message)."""
    owner = work.uow.directory.cadre(ticket.owner_cadre_id)
    account = work.uow.accounts.get(owner.account_id) if owner and owner.account_id else None
    last = ticket.settle_due_at or (running[1] if (running := running_due(ticket)) else None)  # the one that moved
    if account is not None and last is not None:
        work.tell(account, t("Ticket {number}'s deadlines were recounted on the official holiday list: it is now "
                             "to be settled by {due}.", number=ticket.number, due=shown(work, last)), about=ticket)


def _iso(due: datetime | None) -> str | None:
    return due.isoformat() if due else None
