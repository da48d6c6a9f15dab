"""What the importer hears: every bad row with its sheet and row, or what was added, changed and
left as it was, kind by kind. Messages only: the shell says them in the importer's language."""

from __future__ import annotations

from handlers.imports.columns import Kind
from handlers.imports.plan import Count
from handlers.imports.use import Outcome
from handlers.messages import Msg, t

KIND_LABELS: dict[Kind, Msg] = {
    Kind.UNITS: t("Units of the org tree"),
    Kind.CADRES: t("Cadres"),
    Kind.ENTERPRISES: t("Enterprises"),
    Kind.BAOLIAN: t("包联"),
}


def report(outcome: Outcome, limit: int | None = None) -> Msg:
    """The whole answer; at most `limit` bad rows listed (None: all of them)."""
    plan = outcome.plan
    if not outcome.written:
        problems = plan.problems if limit is None else plan.problems[:limit]
        listed = [t("{sheet}, row {row}: {reason}", sheet=p.sheet, row=p.row, reason=p.reason) for p in problems]
        if len(problems) < len(plan.problems):
            listed.append(t("… and {more} more bad rows.", more=len(plan.problems) - len(problems)))
        return _lines([t("Nothing was imported: {count} problems in the sheets. Fix these rows and import the file "
                         "again.", count=len(plan.problems)), *listed])
    return _lines([t("Imported {rows} rows.", rows=plan.rows),
                   *(_count(kind, plan.counts[kind]) for kind in Kind),
                   t("{moved} open tickets followed their enterprise's new 包联.", moved=len(outcome.moved)),
                   t("Nothing was deleted: what the register holds and the sheets do not is left as it was.")])


def _count(kind: Kind, count: Count) -> Msg:
    if kind is Kind.BAOLIAN:
        return t("{kind}: {added} set, {changed} moved to another cadre, {unchanged} unchanged.",
                 kind=KIND_LABELS[kind], added=count.added, changed=count.changed, unchanged=count.unchanged)
    return t("{kind}: {added} added, {changed} changed, {unchanged} unchanged; {left_alone} in the register but "
             "not in the sheets, left as they are.", kind=KIND_LABELS[kind], added=count.added,
             changed=count.changed, unchanged=count.unchanged, left_alone=count.left_alone)


def _lines(parts: list[Msg]) -> Msg:
    """Messages one per line, each said in the reader's language."""
    return Msg("\n".join(f"{{p{n}}}" for n in range(len(parts))), {f"p{n}": part for n, part in enumerate(parts)})
