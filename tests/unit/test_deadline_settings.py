"""The office's deadline settings become the core's Rules, or fail with a message saying what is wrong."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.bootstrap import build_rules, deadline_policy
from bot.settings import Settings
from handlers.domain.deadlines import Stage
from handlers.domain.model import Difficulty, OrgLevel, OrgUnit


def test_the_13710_day_counts_can_be_replaced():
    policy = deadline_policy("13710", "1, 3, 7, 22")  # a reading that gives complex problems a month
    assert policy.limit(Stage.SETTLE).days(Difficulty.DIFFICULT) == 22
    assert deadline_policy("13710", "-,-,7,10").limit(Stage.ASSIGN) is None


@pytest.mark.parametrize(("name", "days", "says"), [
    ("13800", None, "unknown policy '13800'"),
    ("13710", "1,3,7", "expected four counts"),
    ("13710", "1,3,seven,10", "expected four counts"),
    ("13710", "1,3,7,-", "give both settle limits"),
])
def test_a_wrong_policy_setting_is_refused_with_a_reason(name, days, says):
    with pytest.raises(ValueError, match=says):
        deadline_policy(name, days)


def test_an_admins_holiday_list_makes_a_new_year_countable(tmp_path):
    lists = tmp_path / "holidays.json"  # an invented list: the shape of a notice, not 2027's real one
    lists.write_text(json.dumps({"2027": {"holidays": ["2027-01-01", "2027-02-06..2027-02-12"],
                                          "workdays": ["2027-02-14"]}}), encoding="utf-8")
    rules = build_rules(Settings(_env_file=None, holiday_lists=lists))
    assert rules.calendar.covers(2027)
    assert not rules.calendar.is_working_day(date(2027, 2, 8))  # a Monday in the Spring Festival break
    assert rules.calendar.is_working_day(date(2027, 2, 14))  # a Sunday made a working day (调休)
    assert not build_rules(Settings(_env_file=None)).calendar.covers(2027)


def test_the_ladder_and_quiet_hours_come_from_settings():
    rules = build_rules(Settings(_env_file=None, ladder="supervise, escalate", office_hours="08:30-17:30",
                                 reporter_night="21:00-07:30"))
    assert [rung.value for rung in rules.ladder.rungs] == ["supervise", "escalate"]
    assert (rules.quiet.office_open.isoformat(), rules.quiet.office_close.isoformat()) == ("08:30:00", "17:30:00")
    assert rules.quiet.night_starts.isoformat() == "21:00:00"


@pytest.mark.parametrize(("field", "value", "says"), [
    ("ladder", "remind,nag", "unknown rung"),
    ("office_hours", "9-18", "LIANXIN_OFFICE_HOURS"),
    ("reporter_night", "22:00", "LIANXIN_REPORTER_NIGHT"),
])
def test_a_wrong_ladder_or_hours_setting_names_itself(field, value, says):
    with pytest.raises(ValueError, match=says):
        build_rules(Settings(_env_file=None, **{field: value}))


def test_an_org_unit_and_the_units_below_it_can_keep_another_policy():
    rules = build_rules(Settings(_env_file=None, unit_policies='{"新郑市": "13710"}'))
    district = OrgUnit(1, "新郑市", OrgLevel.DISTRICT, None)
    township = OrgUnit(2, "新村镇", OrgLevel.TOWNSHIP, 1)
    assert rules.policy_for([township, district]).name == "13710"
    assert rules.policy_for([OrgUnit(3, "中牟县", OrgLevel.DISTRICT, None)]).name == "sanbuguo"
    with pytest.raises(ValueError, match="unknown policy"):
        build_rules(Settings(_env_file=None, unit_policies='{"新郑市": "3-7-10"}'))


def test_a_missing_holiday_list_for_the_coming_months_is_warned_of_at_start(caplog):
    from datetime import UTC, datetime

    from bot.bootstrap import warn_of_calendar_gaps

    rules = build_rules(Settings(_env_file=None))
    assert warn_of_calendar_gaps(rules, datetime(2026, 6, 1, tzinfo=UTC)) == []
    with caplog.at_level("WARNING"):
        assert warn_of_calendar_gaps(rules, datetime(2026, 11, 23, tzinfo=UTC)) == [2027]
    assert "No official holiday list for 2027" in caplog.text


def test_ranking_weights_can_be_changed_by_name_and_a_wrong_name_is_refused():
    rules = build_rules(Settings(_env_file=None, ranking_weights='{"satisfaction": 20}', ranking_list_size=5))
    assert rules.ranking_weights["satisfaction"] == 20 and rules.ranking_weights["on_time_rate"] == 15
    assert rules.ranking_list_size == 5
    with pytest.raises(ValueError, match="LIANXIN_RANKING_WEIGHTS"):
        build_rules(Settings(_env_file=None, ranking_weights='{"speed": 5}'))
