"""The use case: sheets in, every bad row or the register brought up to date, in the caller's one
transaction. A changed 包联 goes through handlers.reassign.move_baolian, so the enterprise's open
tickets follow it, each recorded (REASSIGNED) and everyone concerned told through the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from handlers.domain.model import Ticket
from handlers.imports.plan import Plan, Scope, make_plan
from handlers.imports.rows import RawSheet, read_sheets
from handlers.reassign import MoveBaolian, move_baolian
from handlers.turn import Work


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    written: bool  # False: there were bad rows, and nothing was written
    moved: list[Ticket] = field(default_factory=list)  # open tickets that followed a moved 包联


def import_sheets(sheets: Iterable[RawSheet], work: Work, by: int | None = None, scope: Scope | None = None) -> Outcome:
    """`by`: the acting account (None: the command line); `scope`: an admin's part of the tree
    (None: the whole register). The caller commits, or not."""
    plan = make_plan(read_sheets(sheets), work.uow.imports, scope)
    if plan.problems:
        return Outcome(plan, written=False)
    new_cadres = work.uow.imports.write(plan)
    moved: list[Ticket] = []
    for enterprise_id, cadre in plan.moves:
        cadre_id = cadre if isinstance(cadre, int) else new_cadres[cadre]
        moved += move_baolian(MoveBaolian(enterprise_id, to=cadre_id, by=by), work)
    return Outcome(plan, written=True, moved=moved)
