"""红黑榜 against hand-computed figures (docs/ranking.md works the same example)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers.domain.ranking import INDICATORS, UnitPeriod, rank


def unit(unit_id: int, name: str, **counts) -> UnitPeriod:
    zero = dict(enterprises=0, received=0, solved=0, handled=0, assigned=0, assigned_on_time=0, settled=0,
                settled_on_time=0, ratings=0, satisfied=0, black_flags=0, reopened=0, revisits=0, revisits_passed=0,
                complaints_upheld=0, response_hours=None)
    return UnitPeriod(unit_id, name, **{**zero, **counts})


A = unit(1, "新村镇", enterprises=50, received=10, solved=8, handled=20, assigned=10, assigned_on_time=9, settled=8,
         settled_on_time=6, ratings=5, satisfied=4, black_flags=1, reopened=1, revisits=4, revisits_passed=3,
         response_hours=2.0)
B = unit(2, "龙湖镇", enterprises=40, received=4, solved=4, handled=8, assigned=4, assigned_on_time=4, settled=4,
         settled_on_time=4, complaints_upheld=1, response_hours=1.0)
C = unit(3, "孟庄镇", enterprises=100, received=5, solved=2, handled=10, assigned=5, assigned_on_time=3, settled=2,
         settled_on_time=1, ratings=2, satisfied=1, black_flags=2, reopened=1, revisits=2, revisits_passed=2,
         response_hours=6.0)


@pytest.mark.parametrize(("key", "expected"), [
    ("service_intensity", (0.2, 0.1, 0.05)),  # received / enterprises
    ("assigned_on_time", (0.9, 1.0, 0.6)),  # taken up on time / taken up
    ("resolution_rate", (0.8, 1.0, 0.4)),  # received and solved / received
    ("on_time_rate", (0.75, 1.0, 0.5)),  # settled on time / settled
    ("satisfaction", (0.8, None, 0.5)),  # 4-5 stars / ratings; B had no rating
    ("black_flags", (5.0, 0.0, 20.0)),  # per 100 tickets handled
    ("reopen_rate", (0.125, 0.0, 0.5)),  # 重办 / settled
    ("revisit_pass_rate", (0.75, None, 1.0)),  # still solved / 回头看 answered
    ("complaints_upheld", (0.0, 12.5, 0.0)),  # per 100 tickets handled
    ("response_hours", (2.0, 1.0, 6.0)),  # mean hours to take it up
])
def test_each_indicator_is_its_documented_formula(key, expected):
    indicator = next(i for i in INDICATORS if i.key == key)
    assert tuple(indicator.value(u) for u in (A, B, C)) == pytest.approx(expected)


def test_scores_run_from_worst_0_to_best_100_and_a_unit_without_a_measure_is_ranked_on_the_rest():
    board = rank([A, B, C], list_size=1)
    by_name = {s.unit.name: s for s in board.standings}
    assert by_name["新村镇"].scores["resolution_rate"] == pytest.approx(66.667, abs=0.001)  # (0.8-0.4)/(1.0-0.4)
    assert by_name["新村镇"].scores["black_flags"] == pytest.approx(75.0)  # lower is better: (5-20)/(0-20)
    assert by_name["龙湖镇"].scores["satisfaction"] is None
    # 新村镇: Σ weight × score / 100 = 7525 / 100; 龙湖镇: no satisfaction or 回头看, so / 80: 6333.33 / 80.
    assert [(s.unit.name, s.total) for s in board.standings] == [("龙湖镇", 79.17), ("新村镇", 75.25),
                                                                 ("孟庄镇", 15.0)]
    assert [s.unit.name for s in board.red] == ["龙湖镇"] and [s.unit.name for s in board.black] == ["孟庄镇"]


def test_ties_go_to_fewer_black_flags_then_resolution_then_name():
    only_intensity = {"service_intensity": 1}
    x = unit(1, "乙镇", enterprises=10, received=5, solved=5, handled=10, black_flags=2)
    y = replace(x, unit_id=2, name="丙镇", black_flags=0)
    z = replace(y, unit_id=3, name="甲镇", solved=4)
    w = replace(y, unit_id=4, name="丁镇")
    board = rank([x, y, z, w], only_intensity, list_size=1)
    assert [s.unit.name for s in board.standings] == ["丁镇", "丙镇", "甲镇", "乙镇"]
    assert {s.total for s in board.standings} == {100.0}


def test_with_few_units_nobody_is_on_both_lists():
    board = rank([A, B], list_size=3)
    assert [s.unit.name for s in board.red] == ["龙湖镇", "新村镇"] and board.black == ()


def test_unknown_or_negative_weights_are_refused():
    with pytest.raises(ValueError, match="unknown"):
        rank([A], {"speed": 1})
    with pytest.raises(ValueError, match="negative"):
        rank([A], {"satisfaction": -1})
