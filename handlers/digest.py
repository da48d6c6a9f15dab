"""周通报 / 月报告: a unit's figures for a past week or month, with the change on the period
before, its flags now, its oldest open problems and, where it has sub-units, the 红黑榜.

`/digest` (a leader's own unit, last week) and `/digest month` (last calendar month);
in a bound leader group (handlers.groups) the group's unit, with a chart. `push` is what
the scheduler runs on Monday morning and on the 1st: every bound group gets its digest,
once, however many bot processes run the job.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from handlers.domain.categories import label as category_label
from handlers.domain.flags import Flag
from handlers.domain.labels import FLAG_MARKS
from handlers.domain.model import CadreRole, GroupBinding, OrgLevel, Tier
from handlers.domain.ranking import Standing, UnitPeriod, rank
from handlers.messages import Msg, plain, t
from handlers.router import Router
from handlers.seam import CHART, Address, Attachment, Reply
from handlers.turn import Turn, Work

log = logging.getLogger(__name__)

LEADER_ROLES = frozenset({CadreRole.TOWNSHIP_LEADER, CadreRole.DISTRICT_LEADER, CadreRole.SUPERVISOR})
COMMAND, MONTH = "digest", "month"
WEEK = "week"  # the period names digest deliveries are recorded under
OLDEST = 5  # open problems listed, oldest first
KINDS_SHOWN = 5  # problem classes named in a digest; the others are summed
TREND_WEEKS, TREND_MONTHS = 8, 6  # the chart's trend: weeks for a 周通报, months for a 月报告

router = Router("digest")


def last_week(now: datetime, work: Work) -> tuple[datetime, datetime]:
    """Monday 00:00 to Monday 00:00 local, the full week before the one `now` is in."""
    today = now.astimezone(work.rules.time_zone).date()
    monday = today - timedelta(days=today.weekday())
    return _local(work, monday - timedelta(days=7)), _local(work, monday)


def last_month(now: datetime, work: Work) -> tuple[datetime, datetime]:
    """The 1st 00:00 of last month to the 1st 00:00 of this one, local."""
    first = now.astimezone(work.rules.time_zone).date().replace(day=1)
    return _local(work, (first - timedelta(days=1)).replace(day=1)), _local(work, first)


def _local(work: Work, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=work.rules.time_zone)


def push(work: Work, locale: str, monthly: bool = False, due: datetime | None = None) -> int:
    """The digest of the week (or month) before `due` (the push's scheduled moment; default
    now) to every bound group that has not had it yet; returns how many were owed. Claimed
    in the database first: a second bot process running the same job, or a restart catching
    up on a missed one, finds them taken."""
    start, _ = _period(work, monthly, due)
    owed = 0
    for binding in work.uow.groups.bindings():
        target = f"{binding.platform}:{binding.chat_id}"
        if work.uow.groups.claim_digest(target, MONTH if monthly else WEEK, start, work.now):
            work.replies.append(for_group(work, binding, locale, monthly, due))
            owed += 1
    return owed


def _period(work: Work, monthly: bool, due: datetime | None) -> tuple[datetime, datetime]:
    return (last_month if monthly else last_week)(due or work.now, work)


def for_units(work: Work, names: list[str], monthly: bool = False, due: datetime | None = None) -> dict[str, Msg]:
    """Last week's (or month's) digest of each unit named (robots are configured by unit name)
    that has not had it yet; claimed like a group's. Unknown names are logged and skipped."""
    start, end = _period(work, monthly, due)
    digests: dict[str, Msg] = {}
    for name in names:
        units = work.uow.directory.units_named(name)
        if not units:
            log.warning("group robots are configured for %r, but no org unit has that name", name)
        elif work.uow.groups.claim_digest(f"robots:{name}", MONTH if monthly else WEEK, start, work.now):
            digests[name] = compose(work, units[0].id, start, end, monthly)
    return digests


def for_group(work: Work, binding: GroupBinding, locale: str, monthly: bool = False,
              due: datetime | None = None, period: tuple[datetime, datetime] | None = None) -> Reply:
    """The bound unit's digest for the group (the period before `due`, or `period`): the chart,
    the text as its caption or after it."""
    start, end = period or _period(work, monthly, due)
    return Reply(Address(binding.platform, binding.chat_id), locale,
                 compose(work, binding.org_unit_id, start, end, monthly),
                 attachment=chart(work, binding.org_unit_id, end, monthly))


@router.command(COMMAND, t("Last week's figures for your unit (leaders); /digest month"))
def show(turn: Turn, args: str) -> None:
    """/digest [month | 2026-11-16 | 2026-10]: a leader's own unit."""
    cadre = turn.uow.directory.cadre_by_account(turn.account.id)
    if cadre is None or cadre.role not in LEADER_ROLES:
        turn.say(t("/digest is for leaders and supervisors; your account is not one."))
        return
    asked = requested(turn, args)
    if isinstance(asked, Msg):
        turn.say(asked)
        return
    start, end, monthly = asked
    turn.say(compose(turn, cadre.org_unit_id, start, end, monthly))


def requested(work: Work, args: str) -> tuple[datetime, datetime, bool] | Msg:
    """The period `/digest` asks for: last week (nothing), last month ("month"), the week of a
    day ("2026-11-16") or a month ("2026-10"); or what to say when that is not a past period."""
    text = args.strip().lower()
    try:
        if text in ("", MONTH):
            start, end = (last_month if text else last_week)(work.now, work)
        elif len(text) == len("2026-10"):
            first = date.fromisoformat(f"{text}-01")
            start, end = last_month(_local(work, first.replace(day=28) + timedelta(days=4)), work)
        else:
            day = date.fromisoformat(text)
            start, end = last_week(_local(work, day + timedelta(days=7)), work)
    except ValueError:
        return t("Which period? /digest for last week, /digest month for last month, /digest 2026-11-16 for the week "
                 "of that day, /digest 2026-10 for that month.")
    if start > work.now:
        return t("That period has not begun yet.")
    return start, end, text == MONTH or len(text) == len("2026-10")


def compose(work: Work, unit_id: int, start: datetime, end: datetime, monthly: bool = False) -> Msg:
    reports, rules = work.uow.reports, work.rules
    this = reports.unit_period(unit_id, start, end)
    previous_start = _month_before(work, start) if monthly else start - (end - start)
    before = reports.unit_period(unit_id, previous_start, start)
    flags = reports.flags(unit_id, work.rules.flag_lines(work.now))
    tiers = reports.received_by(unit_id, start, end, "tier")
    period = {"unit": this.name, "start": start.astimezone(rules.time_zone).date().isoformat(),
              "end": (end - timedelta(days=1)).astimezone(rules.time_zone).date().isoformat()}
    parts = {
        "title": t("月报告 · {unit} · {start} to {end}", **period) if monthly
        else t("周通报 · {unit} · {start} to {end}", **period),
        "figures": t("Enterprises: {enterprises} · received: {received} ({change} on the period before) · "
                     "taken up: {assigned} ({assigned_change}) · resolved: {settled} ({settled_change})",
                     enterprises=this.enterprises, received=this.received,
                     change=plain(_signed(this.received - before.received)), assigned=this.assigned,
                     assigned_change=plain(_signed(this.assigned - before.assigned)), settled=this.settled,
                     settled_change=plain(_signed(this.settled - before.settled))),
        "rates": t("Resolution rate {resolution}{resolution_change} · on time {on_time}{on_time_change} · "
                   "satisfaction {satisfaction}{satisfaction_change}",
                   **_rate("resolution", this.solved, this.received, before.solved, before.received),
                   **_rate("on_time", this.settled_on_time, this.settled, before.settled_on_time, before.settled),
                   **_rate("satisfaction", this.satisfied, this.ratings, before.satisfied, before.ratings)),
        "tiers": t("By tier: A {a} · B {b} · C {c} · D {d} · not yet classified {none}",
                   **{tier.value.lower(): tiers.get(tier.value, 0) for tier in Tier}, none=tiers.get(None, 0)),
        "kinds": _kinds(reports.received_by(unit_id, start, end, "category")),
        "flags": t("Open now: {open} ({flags})", open=reports.open_count(unit_id),
                   flags=plain(" ".join(f"{FLAG_MARKS[flag]} {flags.get(flag, 0)}" for flag in Flag))),
        "oldest": _oldest(work, unit_id),
        "board": _board(work, unit_id, start, end),
    }
    return Msg("{title}\n{figures}\n{rates}\n{tiers}\n{kinds}\n{flags}\n{oldest}{board}", parts)


def chart(work: Work, unit_id: int, end: datetime, monthly: bool = False) -> Attachment:
    """What the digest's picture shows: open problems of each sub-unit by flag now, and
    received / resolved over the last weeks (or months) up to `end`."""
    reports = work.uow.reports
    children = [unit for unit in work.uow.directory.children(unit_id) if unit.level != OrgLevel.DEPARTMENT]
    flags = reports.child_flags(unit_id, work.rules.flag_lines(work.now))
    bounds = _trend_bounds(work, end, monthly)
    trend = reports.trend(unit_id, bounds)
    unit = work.uow.directory.org_unit(unit_id)
    return Attachment(CHART, {
        "title": t("{unit}: problems and flags", unit=unit.name if unit else ""),
        "units_title": t("Open problems by unit, by flag now"),
        "units": [child.name for child in children],
        "flags": {flag.value: [flags.get(child.id, {}).get(flag, 0) for child in children] for flag in Flag},
        "flag_names": {Flag.GREEN.value: t("green flag"), Flag.RED.value: t("red flag"),
                       Flag.BLACK.value: t("black flag")},
        "trend_title": t("Received and resolved, last 6 months") if monthly
        else t("Received and resolved, last 8 weeks"),
        "periods": [_period_label(work, bound, monthly) for bound in bounds[:-1]],
        "received": [received for received, _ in trend], "resolved": [resolved for _, resolved in trend],
        "received_name": t("problems received"), "resolved_name": t("problems resolved"),
    })


def _trend_bounds(work: Work, end: datetime, monthly: bool) -> list[datetime]:
    if not monthly:
        return [end - timedelta(weeks=TREND_WEEKS - n) for n in range(TREND_WEEKS + 1)]
    bounds = [end]
    for _ in range(TREND_MONTHS):
        bounds.insert(0, _month_before(work, bounds[0]))
    return bounds


def _period_label(work: Work, start: datetime, monthly: bool) -> str:
    day = start.astimezone(work.rules.time_zone).date()
    return f"{day:%Y-%m}" if monthly else f"{day:%m-%d}"


def _month_before(work: Work, start: datetime) -> datetime:
    first = start.astimezone(work.rules.time_zone).date()
    return _local(work, (first - timedelta(days=1)).replace(day=1))


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def _kinds(received: dict[str | None, int]) -> Msg:
    """Problems received by class (问题类别), most first; the rest summed up as "other"."""
    ranked = sorted(((count, kind) for kind, count in received.items() if kind), key=lambda c: (-c[0], c[1]))
    shown, rest = ranked[:KINDS_SHOWN], sum(count for count, _ in ranked[KINDS_SHOWN:])
    params: dict[str, object] = {f"k{i}": category_label(kind) for i, (_, kind) in enumerate(shown)}
    params |= {f"n{i}": count for i, (count, _) in enumerate(shown)}
    listed = " · ".join(f"{{k{i}}} {{n{i}}}" for i in range(len(shown)))
    if rest:
        listed += " · {other} {rest}"
        params |= {"other": t("other"), "rest": rest}
    return t("By class: {kinds}", kinds=Msg(listed or "—", params))


def _signed(change: int) -> str:
    return f"{change:+d}" if change else "±0"


def _rate(name: str, part: int, whole: int, part_before: int, whole_before: int) -> dict[str, Msg]:
    """A rate and its change on the period before in percentage points (none if either is unknown)."""
    change = plain("")
    if whole and whole_before:
        points = round(100 * part / whole) - round(100 * part_before / whole_before)
        change = t(" ({points} points)", points=plain(_signed(points)))
    return {name: plain(_percent(part, whole)), f"{name}_change": change}


def _oldest(work: Work, unit_id: int) -> Msg:
    oldest = work.uow.reports.oldest_open(unit_id, OLDEST)
    if not oldest:
        return plain("")
    lines = "\n".join(f"{number} · {{d{i}}} · {owner}" for i, (number, received, owner) in enumerate(oldest))
    ages = {f"d{i}": t("{days} days open", days=(work.now - received).days) for i, (_, received, _) in enumerate(oldest)}
    return Msg("{heading}\n" + lines + "\n", {"heading": t("Open longest:"), **ages})


def _board(work: Work, unit_id: int, start: datetime, end: datetime) -> Msg:
    periods: list[UnitPeriod] = work.uow.reports.child_periods(unit_id, start, end)
    if len(periods) < 2:
        return plain("")
    rules = work.rules
    board = rank(periods, rules.ranking_weights, list_size=min(rules.ranking_list_size, len(periods) // 2))
    return t("红榜: {red}\n黑榜: {black}", red=_scores(board.red), black=_scores(board.black))


def _scores(standings: list[Standing]) -> Msg:
    """"新村镇（92.5 分）、…": each unit with its score, which reads as points, not a bare number."""
    params = {f"u{i}": t("{unit} ({score} points)", unit=s.unit.name, score=_points(s.total))
              for i, s in enumerate(standings)}
    return Msg("、".join(f"{{u{i}}}" for i in range(len(standings))), params)


def _points(total: float) -> str:
    return f"{total:.1f}".removesuffix(".0")
