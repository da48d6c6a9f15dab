"""督办: the sweep climbs each late ticket's ladder one rung (催办, 督办, 黑旗 escalation)
and tells each person once per pass, however many of their tickets are due (bundles).

What is due is found by the indexed `next_action_at`; every rung climbed is recorded in
the ticket's history and the next one scheduled, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers import payloads, provisional
from handlers.domain.deadlines import Stage
from handlers.domain.labels import FLAG_MARKS, STAGE_LABELS
from handlers.domain.ladder import LADDER_EVENT, Rung, due_now
from handlers.domain.model import Account, Cadre, Ticket
from handlers.domain.routing import leaders_above
from handlers.messages import Msg, plain, t
from handlers.seam import Button
from handlers.services import VIEW, account_of
from handlers.turn import Work

MAX_BUTTONS = 20  # a bundle opens its first tickets with one press each; /my lists the rest


@dataclass(frozen=True)
class Item:
    """One line of a bundle: a ticket, the rung it reached, and what that asks of the reader."""

    ticket: Ticket
    rung: Rung
    text: Msg


def climb_due(work: Work, ticket_ids: list[int]) -> None:
    """Climb one rung on each ticket (those whose rung is not yet due are only rescheduled)."""
    bundles: dict[int, tuple[Account, list[Item]]] = {}
    for ticket_id in ticket_ids:
        ticket = work.uow.tickets.get(ticket_id)
        if ticket is not None:
            for account, item in _climb(work, ticket):
                bundles.setdefault(account.id, (account, []))[1].append(item)
    for account, items in bundles.values():
        _send_bundle(work, account, items)


def _climb(work: Work, ticket: Ticket) -> list[tuple[Account, Item]]:
    """Record every rung whose time has come; tell people of the highest only. A ticket met
    or moved since it was scheduled just gets its next action re-planned."""
    steps = due_now(ticket, work.rules.clockwork, work.now)
    flag = work.rules.flag(ticket, work.now)
    for step in steps:
        ticket.record(LADDER_EVENT, work.now, None, rung=step.rung.value, stage=step.stage.value,
                      due=step.due.isoformat(), flag=flag.value if flag else None,
                      passed=step is not steps[-1], weekly_report=step.rung is Rung.ESCALATE)
    work.save(ticket)
    if not steps:
        return []
    top = steps[-1]
    return [(account, Item(ticket, top.rung, text))
            for account, text in _recipients(work, ticket, top.rung, top.stage, top.due)]


def _recipients(work: Work, ticket: Ticket, rung: Rung, stage: Stage, due: datetime) -> list[tuple[Account, Msg]]:
    """Who hears of this rung, and what each line tells them."""
    directory = work.uow.directory
    owner = directory.cadre(ticket.owner_cadre_id)
    day = provisional.shown(work, due, "%m-%d")
    what = STAGE_LABELS[stage]
    told: list[tuple[Cadre | None, Msg]] = []
    if rung is Rung.REMIND:  # the owner's alone: no need to walk the tree for leaders
        told.append((owner, t("催办: {what} is due today ({day})", what=what, day=day)))
        return _accounts(work, told)
    leaders = leaders_above(directory, ticket.org_unit_id, ticket.owner_cadre_id)
    if rung is Rung.SUPERVISE:
        told.append((owner, t("督办: {what} was due {day} and is late", what=what, day=day)))
        if leaders:
            told.append((leaders[0], t("督办 (copy): {what} was due {day}; handled by {name}",
                                        what=what, day=day, name=owner.name if owner else "")))
    else:
        # 黑旗: the leader one level above the leader in charge (or the only one there is).
        above = leaders[1] if len(leaders) > 1 else leaders[0] if leaders else None
        told.append((above, t("黑旗, escalated to you: {what} was due {day}; handled by {name}",
                              what=what, day=day, name=owner.name if owner else "")))
        told.append((owner, t("黑旗: {what} was due {day}; escalated to the leader above and listed in "
                              "the weekly report", what=what, day=day)))
    return _accounts(work, told)


def _accounts(work: Work, told: list[tuple[Cadre | None, Msg]]) -> list[tuple[Account, Msg]]:
    return [(account, text) for cadre, text in told if cadre and (account := account_of(work, cadre))]


def _mark(work: Work, ticket: Ticket) -> str:
    flag = work.rules.flag(ticket, work.now)
    return FLAG_MARKS[flag] if flag else "·"


def _send_bundle(work: Work, account: Account, items: list[Item]) -> None:
    items = sorted(items, key=lambda item: item.ticket.number)
    lines = "\n".join(f"{_mark(work, item.ticket)} {item.ticket.number} {{i{n}}}"
                      for n, item in enumerate(items))
    body = Msg("{heading}\n" + lines + "\n{footer}",
               {"heading": t("Deadlines: {count} of your tickets need attention.", count=len(items)),
                "footer": t("Open a ticket to act on it; /my lists all of them."),
                **{f"i{n}": item.text for n, item in enumerate(items)}})
    buttons = [Button(plain(item.ticket.number), payloads.ticket_action(VIEW, item.ticket.id or 0))
               for item in items[:MAX_BUTTONS]]
    work.tell(account, body, tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)))
