"""督办: the sweep climbs each late ticket's ladder one rung (催办, 督办, 黑旗 escalation)
and tells each person once per pass, however many of their tickets are due (bundles).

What is due is found by the indexed `next_action_at`; every rung climbed is recorded in
the ticket's history and the next one scheduled, in the same transaction. The work is
set-based: a batch's tickets are loaded, saved and their people looked up in a few
statements for the lot (never one per ticket). Each line a batch owes somebody is held in
the outbox with its climb; at the end of the pass `bundle_held` makes one message per
person of every line held, whichever batches they came from.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from functools import cache, partial

from handlers import payloads, provisional
from handlers.domain.deadlines import Stage
from handlers.domain.labels import FLAG_MARKS, STAGE_LABELS
from handlers.domain.flags import FlagLines
from handlers.domain.ladder import LADDER_EVENT, Rung, climb
from handlers.domain.model import Account, Cadre, OrgUnit, Ticket
from handlers.domain.routing import leaders_above, walk_up
from handlers.messages import Msg, plain, t
from handlers.ports import HeldLine, UnitOfWork
from handlers.seam import Address, Button, Reply
from handlers.services import VIEW
from handlers.turn import Work

MAX_BUTTONS = 20  # a bundle opens its first tickets with one press each; /my lists the rest
# What a held line says (HeldLine.says): the notice of the rung climbed, as its reader gets it.
REMIND, SUPERVISE, SUPERVISE_COPY = "remind", "supervise", "supervise_copy"  # 催办; 督办, and the leader's copy
ESCALATED_TO_YOU, BLACK = "escalated", "black"  # 黑旗: to the leader above; to the owner


class People:
    """The part of the directory one pass needs (owners, the units above them, their leaders and
    everybody's account), fetched in bulk per batch and kept for the pass: a cadre with ten
    tickets due is looked up once. Answers `leaders_above` like the directory does."""

    def __init__(self) -> None:
        self.units: dict[int, OrgUnit | None] = {}
        self.people: dict[int, Cadre | None] = {}
        self.accounts: dict[int, Account | None] = {}

    def prefetch(self, uow: UnitOfWork, tickets: Sequence[Ticket]) -> None:
        self._units(uow, {ticket.org_unit_id for ticket in tickets})
        duty = {unit.duty_cadre_id for unit in self.units.values() if unit and unit.duty_cadre_id}
        self._cadres(uow, {ticket.owner_cadre_id for ticket in tickets} | duty)
        wanted = {cadre.account_id for cadre in self.people.values() if cadre and cadre.account_id}
        if missing := wanted - self.accounts.keys():
            found = uow.accounts.get_many(missing)
            self.accounts.update({i: found.get(i) for i in missing})

    def _units(self, uow: UnitOfWork, ids: set[int]) -> None:
        """The units and every one above them, a level per look-up."""
        while missing := ids - self.units.keys():
            found = uow.directory.org_units(missing)
            self.units.update({i: found.get(i) for i in missing})
            ids = {unit.parent_id for unit in found.values() if unit.parent_id is not None}

    def _cadres(self, uow: UnitOfWork, ids: set[int]) -> None:
        if missing := ids - self.people.keys():
            found = uow.directory.cadres(missing)
            self.people.update({i: found.get(i) for i in missing})

    def org_unit(self, org_unit_id: int) -> OrgUnit | None:
        return self.units.get(org_unit_id)

    def lineage(self, org_unit_id: int) -> list[OrgUnit]:
        return walk_up(self.units.get, org_unit_id)

    def cadre(self, cadre_id: int) -> Cadre | None:
        return self.people.get(cadre_id)

    def account_of(self, cadre: Cadre | None) -> Account | None:
        return self.accounts.get(cadre.account_id) if cadre and cadre.account_id else None


def climb_due(work: Work, ticket_ids: Collection[int], people: People) -> None:
    """Climb one rung on each ticket (those whose rung is not yet due are only rescheduled); the
    lines this owes people are held until the pass ends (`bundle_held`)."""
    tickets = work.uow.tickets.get_many(ticket_ids)
    people.prefetch(work.uow, tickets)
    flags = work.rules.flag_lines(work.now)  # the flag rule at this moment, worked out once for the batch
    changed: list[Ticket] = []
    lines: list[HeldLine] = []
    for ticket in tickets:
        planned = _plan(ticket)
        lines += _climb(work, ticket, people, flags)
        if ticket.new_events or _plan(ticket) != planned:
            changed.append(ticket)
    work.uow.tickets.save_plans(changed)
    work.uow.outbox.hold(lines)


def _plan(ticket: Ticket) -> tuple[object, ...]:
    return ticket.next_action_at, ticket.ladder_step, ticket.due_at


def _climb(work: Work, ticket: Ticket, people: People, flags: FlagLines) -> list[HeldLine]:
    """Record every rung whose time has come; tell people of the highest only. A ticket met
    or moved since it was scheduled just gets its next action re-planned."""
    steps = climb(ticket, work.rules.clockwork, work.now)  # re-plans it too (ladder.schedule)
    if not steps:
        return []
    flag = flags.flag(steps[0].due, ticket.created_at)  # as Rules.flag: against the running deadline
    for step in steps:
        ticket.record(LADDER_EVENT, work.now, None, rung=step.rung.value, stage=step.stage.value,
                      due=step.due.isoformat(), flag=flag.value,
                      passed=step is not steps[-1], weekly_report=step.rung is Rung.ESCALATE)
    top, owner = steps[-1], people.cadre(ticket.owner_cadre_id)
    return [HeldLine(account.id, ticket.id or 0, ticket.number, FLAG_MARKS[flag], says, top.stage.value, top.due,
                     owner.name if owner else "")
            for cadre, says in _recipients(people, ticket, top.rung, owner)
            if (account := people.account_of(cadre))]


def _recipients(people: People, ticket: Ticket, rung: Rung, owner: Cadre | None) -> list[tuple[Cadre | None, str]]:
    """Who hears of this rung, and which notice each gets."""
    if rung is Rung.REMIND:  # the owner's alone: no need to walk the tree for leaders
        return [(owner, REMIND)]
    leaders = leaders_above(people, ticket.org_unit_id, ticket.owner_cadre_id)
    if rung is Rung.SUPERVISE:
        return [(owner, SUPERVISE), *([(leaders[0], SUPERVISE_COPY)] if leaders else [])]
    # 黑旗: the leader one level above the leader in charge (or the only one there is).
    above = leaders[1] if len(leaders) > 1 else leaders[0] if leaders else None
    return [(above, ESCALATED_TO_YOU), (owner, BLACK)]


def _says(work: Work, says: str, stage: str, due: datetime, name: str) -> Msg:
    """A line's notice, in words (the same for every line of that notice, deadline and owner)."""
    what, day = STAGE_LABELS[Stage(stage)], provisional.shown(work, due, "%m-%d")
    if says == REMIND:
        return t("催办: {what} is due today ({day})", what=what, day=day)
    if says == SUPERVISE:
        return t("督办: {what} was due {day} and is late", what=what, day=day)
    if says == SUPERVISE_COPY:
        return t("督办 (copy): {what} was due {day}; handled by {name}", what=what, day=day, name=name)
    if says == ESCALATED_TO_YOU:
        return t("黑旗, escalated to you: {what} was due {day}; handled by {name}", what=what, day=day, name=name)
    return t("黑旗: {what} was due {day}; escalated to the leader above and listed in the weekly report",
             what=what, day=day)


def bundle_held(work: Work) -> None:
    """One message per person of every line held: this pass's, and any a crashed pass left."""
    held: dict[int, list[HeldLine]] = {}
    for line in work.uow.outbox.take_held():
        held.setdefault(line.account_id, []).append(line)
    accounts = work.uow.accounts.get_many(held)
    # Every line goes to a cadre (an owner or a leader): they hear in office hours (无事不扰).
    rules = work.rules
    hears_at = rules.quiet.cadre_hears_at(work.now, rules.calendar, rules.time_zone)
    # A morning's lines say the same few things (催办 of today's deadlines): each is worded once.
    says = cache(partial(_says, work))
    for account_id, lines in held.items():
        if account := accounts.get(account_id):
            work.replies.append(_bundle(account, lines, says, hears_at))


def _bundle(account: Account, lines: list[HeldLine], says: Callable[[str, str, datetime, str], Msg],
            hears_at: datetime | None) -> Reply:
    lines = sorted(lines, key=lambda line: line.number)
    rows = "\n".join(f"{line.mark} {line.number} {{i{n}}}" for n, line in enumerate(lines))
    body = Msg("{heading}\n" + rows + "\n{footer}",
               {"heading": t("Deadlines: {count} of your tickets need attention.", count=len(lines)),
                "footer": t("Open a ticket to act on it; /my lists all of them."),
                **{f"i{n}": says(line.says, line.stage, line.due, line.owner) for n, line in enumerate(lines)}})
    buttons = [Button(plain(line.number), payloads.ticket_action(VIEW, line.ticket_id)) for line in lines[:MAX_BUTTONS]]
    return Reply(Address(account.platform, account.chat_id), account.locale, body,
                 tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)), not_before=hears_at)
