"""Wiring: the core, the translator, the runtime and the adapter, from `Settings`.

Nothing happens at import time; storage and the core are imported when first built.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.i18n import LOCALES_DIR, Translator
from bot.settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.adapters import Adapter
    from bot.adapters.robots import Robot
    from bot.runtime import Runtime
    from handlers.app import Lianxin
    from handlers.domain.calendar import YearList
    from handlers.domain.deadlines import Policy
    from handlers.domain.ladder import Rung
    from handlers.domain.quiet import QuietHours
    from handlers.ports import Clock
    from handlers.rules import Rules


def build_core(settings: Settings, clock: Clock | None = None) -> Lianxin:
    """The core on the settings' database, reading time from `clock` (default: real time; the
    demo's can be moved, bot/demo_time.py)."""
    from bot.sheets import StoredSheets
    from handlers.app import Lianxin, SystemClock
    from storage.uow import uow_factory

    rules = build_rules(settings)
    clock = clock or SystemClock()
    warn_of_calendar_gaps(rules, clock.now())
    return Lianxin(uow_factory(settings.database_url), clock=clock, default_locale=settings.default_locale,
                   rules=rules, sheets=StoredSheets(settings.database_url))


def warn_of_calendar_gaps(rules: Rules, now: datetime) -> list[int]:
    """Say loudly, at start-up, which coming years' official holiday lists are missing."""
    from handlers.domain.calendar import uncovered_years

    missing = uncovered_years(rules.calendar, now.astimezone(rules.time_zone).date())
    for year in missing:
        log.warning("No official holiday list for %s: deadlines reaching it are provisional (statutory holidays "
                    "and weekends, no 调休). Load the State Council's notice: lianxin calendar load FILE, then "
                    "LIANXIN_HOLIDAY_LISTS (docs/deadlines.md), or upgrade the holidays package.", year)
    return missing


def build_rules(settings: Settings) -> Rules:
    """The office's time rules: timeouts, the deadline policy, flags and the working-day calendar."""
    from handlers.domain.calendar import WorkCalendar
    from handlers.domain.ladder import Ladder
    from handlers.rules import Rules, official_calendar

    lists = year_lists(settings)  # an admin's copy of notices the library lacks
    calendar = WorkCalendar(lists) if lists else official_calendar()
    return Rules(auto_confirm_after=timedelta(days=settings.auto_confirm_days),
                 revisit_after=timedelta(days=settings.revisit_days),
                 policy=deadline_policy(settings.deadline_policy, settings.deadline_days),
                 unit_policies=unit_policies(settings.unit_policies),
                 time_zone=ZoneInfo(settings.timezone), calendar=calendar,
                 warning_days=settings.flag_warning_days, hard_limit_days=settings.flag_hard_limit_days,
                 ladder=Ladder(rungs=ladder_rungs(settings.ladder)), quiet=quiet_hours(settings),
                 ranking_weights=ranking_weights(settings.ranking_weights),
                 ranking_list_size=settings.ranking_list_size)


def year_lists(settings: Settings) -> dict[int, YearList]:
    """The official holiday lists in LIANXIN_HOLIDAY_LISTS, by year (none when unset)."""
    from handlers.domain.calendar import parse_year_lists

    if settings.holiday_lists is None:
        return {}
    return parse_year_lists(settings.holiday_lists.read_text(encoding="utf-8"))


def ranking_weights(text: str | None) -> dict[str, float]:
    """The default weights, with those named in the JSON replaced; unknown names are refused."""
    from handlers.domain.ranking import DEFAULT_WEIGHTS

    weights = dict(DEFAULT_WEIGHTS)
    expected = f"LIANXIN_RANKING_WEIGHTS: expected non-negative numbers for some of {sorted(weights)}"
    given = _json_object("LIANXIN_RANKING_WEIGHTS", text, expected)
    if set(given) - set(weights) or not all(isinstance(v, (int, float)) and v >= 0 for v in given.values()):
        raise ValueError(expected)
    return weights | {key: float(value) for key, value in given.items()}


def unit_policies(text: str | None) -> dict[str, Policy]:
    """{"新郑市": "13710"} -> each unit's named policy (LIANXIN_DEADLINE_DAYS changes only the default)."""
    expected = 'LIANXIN_UNIT_POLICIES: expected {"unit name": "policy name", ...}'
    raw = _json_object("LIANXIN_UNIT_POLICIES", text, expected)
    if not all(isinstance(v, str) for v in raw.values()):
        raise ValueError(expected)
    return {unit: deadline_policy(name, None) for unit, name in raw.items()}


def build_robots(settings: Settings) -> dict[str, list[Robot]]:
    """Each org unit's 周通报 group robots, from LIANXIN_ROBOTS."""
    return unit_robots(settings.robots.get_secret_value() if settings.robots is not None else None)


def unit_robots(text: str | None) -> dict[str, list[Robot]]:
    """LIANXIN_ROBOTS -> each org unit's group robots; a bad entry stops the start, naming its unit."""
    expected = 'LIANXIN_ROBOTS: expected {"unit name": [{"platform": …, "url": …, "secret": …}, ...], ...}'
    configured = _json_object("LIANXIN_ROBOTS", text, expected)
    if not configured:  # most offices: then the robots' models and senders are never imported
        return {}
    from pydantic import ValidationError

    from bot.adapters.robots import Robot

    robots: dict[str, list[Robot]] = {}
    for unit, entries in configured.items():
        if not isinstance(entries, list):
            raise ValueError(f"{expected}; {unit}: not a list")
        robots[unit] = []
        for number, entry in enumerate(entries, 1):
            try:
                robots[unit].append(Robot.model_validate(entry))
            except ValidationError as e:
                # Our own wording: pydantic's would echo the input, and the URL is a credential.
                reasons = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'robot'}: {err['msg']}"
                                    for err in e.errors())
                raise ValueError(f"LIANXIN_ROBOTS: {unit}, robot {number}: {reasons}") from None
    return robots


def _json_object(name: str, text: str | None, expected: str) -> dict:
    """A setting holding a JSON object ({} when unset), or a ValueError naming the setting."""
    if not text:
        return {}
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{name}: not JSON: {e}") from None
    if not isinstance(raw, dict):
        raise ValueError(expected)
    return raw


def ladder_rungs(text: str) -> tuple[Rung, ...]:
    """"remind,supervise,escalate" -> the rungs, in that order; unknown names are refused."""
    from handlers.domain.ladder import Rung

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in Rung.__members__.values()]
    if unknown:
        raise ValueError(f"LIANXIN_LADDER: unknown rung(s) {unknown}; use {[r.value for r in Rung]}")
    return tuple(Rung(name) for name in names)


def quiet_hours(settings: Settings) -> QuietHours:
    from handlers.domain.quiet import QuietHours

    office_open, office_close = _span("LIANXIN_OFFICE_HOURS", settings.office_hours)
    night_starts, night_ends = _span("LIANXIN_REPORTER_NIGHT", settings.reporter_night)
    return QuietHours(office_open, office_close, night_starts, night_ends, enabled=settings.quiet_hours)


def _span(name: str, text: str) -> tuple[time, time]:
    """"09:00-18:00" -> (09:00, 18:00), or a ValueError naming the setting."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"{name}: expected two times like 09:00-18:00, got {text!r}") from None
    return start, end


def deadline_policy(name: str, days: str | None) -> Policy:
    """A named policy, its day counts optionally replaced: "1,3,7,10" (assign, first answer,
    general, difficult; "-" leaves a stage untimed)."""
    from handlers.domain.deadlines import POLICIES, policy_from_settings

    if name not in POLICIES:
        raise ValueError(f"LIANXIN_DEADLINE_POLICY: unknown policy {name!r}; choose one of {sorted(POLICIES)}")
    if days is None:
        return POLICIES[name]
    counts = [part.strip() for part in days.split(",")]
    if len(counts) != 4 or not all(c == "-" or c.isdigit() for c in counts):
        raise ValueError(f"LIANXIN_DEADLINE_DAYS: expected four counts like 1,3,7,10 (or - for untimed), got {days!r}")
    assign, first_answer, general, difficult = (None if c == "-" else int(c) for c in counts)
    return policy_from_settings(name, assign_days=assign, first_answer_days=first_answer, general_days=general,
                                difficult_days=difficult, office_close=POLICIES[name].office_close)


def build_translator(settings: Settings) -> Translator:
    return Translator(LOCALES_DIR, settings.default_locale)


def build_runtime(settings: Settings, core: Lianxin | None = None, translator: Translator | None = None,
                  **options: Any) -> Runtime:
    """The process around a core (a fresh one unless given): dispatcher, scheduler, robots, files.
    `options` go to Runtime (outbox_policy, clock: for tests)."""
    from bot.runtime import Runtime

    robots = build_robots(settings)  # a bad LIANXIN_ROBOTS stops the start, not the Monday digest
    return Runtime(settings, core if core is not None else build_core(settings),
                   translator if translator is not None else build_translator(settings), robots=robots, **options)


def build_adapter(settings: Settings, runtime: Runtime) -> Adapter:
    """The messaging framework's adapter LIANXIN_FRAMEWORK names, over `runtime`."""
    if settings.framework == "aiogram":
        from bot.adapters.telegram_aiogram import AiogramAdapter

        return AiogramAdapter(settings, runtime)
    from bot.adapters.telegram_ptb import PtbAdapter

    return PtbAdapter(settings, runtime)
