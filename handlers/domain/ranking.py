"""红黑榜 (大比武): units of one level ranked on ten indicators, best on the red list,
worst on the black list. Pure arithmetic over counts that storage aggregates in SQL;
docs/ranking.md gives every formula with a worked example.

Each indicator is scored 0–100 among the units ranked together: the best value scores
100, the worst 0, the others in proportion (all equal: 100 each). A unit with nothing to
measure on an indicator (no ratings, say) is ranked on the others, their weights scaled
up to the same total. Ties in the total are broken by fewer black flags, then the higher
resolution rate, then the unit's name, so a ranking never depends on row order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class UnitPeriod:
    """One unit's counts for the period (a week or a month), as storage aggregates them."""

    unit_id: int
    name: str
    enterprises: int  # enterprises in the unit
    received: int  # problems received in the period (reports and 主动收集)
    solved: int  # of those received, resolved or closed by the period's end
    handled: int  # tickets open at some time in the period
    assigned: int  # tickets taken up (交办 met) in the period
    assigned_on_time: int  # … by their 交办 deadline
    settled: int  # tickets resolved in the period
    settled_on_time: int  # … by their 办结 deadline
    ratings: int  # ratings given in the period
    satisfied: int  # … of 4 or 5 stars
    black_flags: int  # tickets that turned black in the period
    reopened: int  # 重办 in the period
    revisits: int  # 回头看 answered in the period
    revisits_passed: int  # … "still solved"
    complaints_upheld: int  # 举报 upheld in the period
    response_hours: float | None  # mean hours from intake to the owner taking it up; None: none taken up


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Indicator:
    key: str
    better: Better
    value: Callable[[UnitPeriod], float | None]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _per_100(count: int, whole: int) -> float | None:
    return 100 * count / whole if whole else None


INDICATORS: tuple[Indicator, ...] = (
    Indicator("service_intensity", Better.HIGHER, lambda u: _rate(u.received, u.enterprises)),
    Indicator("assigned_on_time", Better.HIGHER, lambda u: _rate(u.assigned_on_time, u.assigned)),
    Indicator("resolution_rate", Better.HIGHER, lambda u: _rate(u.solved, u.received)),
    Indicator("on_time_rate", Better.HIGHER, lambda u: _rate(u.settled_on_time, u.settled)),
    Indicator("satisfaction", Better.HIGHER, lambda u: _rate(u.satisfied, u.ratings)),
    Indicator("black_flags", Better.LOWER, lambda u: _per_100(u.black_flags, u.handled)),
    Indicator("reopen_rate", Better.LOWER, lambda u: _rate(u.reopened, u.settled)),
    Indicator("revisit_pass_rate", Better.HIGHER, lambda u: _rate(u.revisits_passed, u.revisits)),
    Indicator("complaints_upheld", Better.LOWER, lambda u: _per_100(u.complaints_upheld, u.handled)),
    Indicator("response_hours", Better.LOWER, lambda u: u.response_hours),
)

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "service_intensity": 10, "assigned_on_time": 10, "resolution_rate": 15, "on_time_rate": 15,
    "satisfaction": 15, "black_flags": 10, "reopen_rate": 5, "revisit_pass_rate": 5,
    "complaints_upheld": 10, "response_hours": 5,
}  # fmt: skip


@dataclass(frozen=True)
class Standing:
    unit: UnitPeriod
    rank: int  # 1 = best
    total: float  # 0–100
    scores: Mapping[str, float | None]  # per indicator, None: nothing to measure


@dataclass(frozen=True)
class Board:
    standings: tuple[Standing, ...]  # best first
    red: tuple[Standing, ...]  # 红榜
    black: tuple[Standing, ...]  # 黑榜, worst last


def rank(units: Sequence[UnitPeriod], weights: Mapping[str, float] = DEFAULT_WEIGHTS, list_size: int = 3) -> Board:
    """Rank `units` against each other; the top `list_size` make the red list, the bottom
    `list_size` the black list (never the same unit on both)."""
    unknown = set(weights) - {indicator.key for indicator in INDICATORS}
    if unknown or any(weight < 0 for weight in weights.values()):
        raise ValueError(f"weights: unknown indicators {sorted(unknown)} or a negative weight")
    scores = {indicator.key: _scores(indicator, units) for indicator in INDICATORS}
    totals = [(_total(u, scores, weights), u) for u in units]
    ordered = sorted(totals, key=lambda pair: _tie_key(pair[0], pair[1]))
    standings = tuple(Standing(u, n, round(total, 2), {key: scores[key][u.unit_id] for key in scores})
                      for n, (total, u) in enumerate(ordered, start=1))
    red = standings[:list_size]
    black = tuple(s for s in standings[-list_size:] if s not in red) if list_size else ()
    return Board(standings, red, black)


def _scores(indicator: Indicator, units: Sequence[UnitPeriod]) -> dict[int, float | None]:
    values = {u.unit_id: indicator.value(u) for u in units}
    known = [v for v in values.values() if v is not None]
    if not known:
        return dict.fromkeys(values)
    best, worst = (max(known), min(known)) if indicator.better is Better.HIGHER else (min(known), max(known))
    spread = best - worst
    return {unit_id: None if v is None else 100.0 if spread == 0 else 100 * (v - worst) / spread
            for unit_id, v in values.items()}


def _total(unit: UnitPeriod, scores: Mapping[str, Mapping[int, float | None]], weights: Mapping[str, float]) -> float:
    weighed = [(weights.get(key, 0), by_unit[unit.unit_id]) for key, by_unit in scores.items()]
    present = [(weight, score) for weight, score in weighed if score is not None and weight > 0]
    if not present:
        return 0.0
    return sum(weight * score for weight, score in present) / sum(weight for weight, _ in present)


def _tie_key(total: float, unit: UnitPeriod) -> tuple[float, float, float, str]:
    resolution = _rate(unit.solved, unit.received)
    return (-round(total, 2), _per_100(unit.black_flags, unit.handled) or 0.0,
            -(resolution if resolution is not None else 0.0), unit.name)
