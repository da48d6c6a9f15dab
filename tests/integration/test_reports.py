"""The period counts behind digests and the 红黑榜, aggregated in SQL, against a hand-counted week."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import Finding, OrgLevel, ReporterKind, Ticket, TicketStatus, Tier
from handlers.domain.flags import Flag, flag_lines
from handlers.rules import official_calendar
from storage.reports import child_periods, flag_counts, oldest_open, received_by, unit_period
from storage.tables import CadreRow, EnterpriseRow, OrgUnitRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = (datetime(2026, 11, 16, tzinfo=SHANGHAI), datetime(2026, 11, 23, tzinfo=SHANGHAI))  # Mon to Mon


def at(day: int, hour: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def district(uow_factory) -> dict[str, int]:
    """新郑市 with two townships (a grid under each, two enterprises in 新村镇's) and a department."""
    with uow_factory() as uow:
        session = uow.session
        ids: dict[str, int] = {}

        def unit(name: str, level: OrgLevel, parent: str | None) -> int:
            row = OrgUnitRow(name=name, level=level.value, parent_id=ids.get(parent) if parent else None)
            session.add(row)
            session.flush()
            ids[name] = row.id
            return row.id

        unit("新郑市", OrgLevel.DISTRICT, None)
        unit("新村镇", OrgLevel.TOWNSHIP, "新郑市")
        unit("龙湖镇", OrgLevel.TOWNSHIP, "新郑市")
        unit("自然资源局", OrgLevel.DEPARTMENT, "新郑市")
        unit("新村社区", OrgLevel.COMMUNITY, "新村镇")
        unit("新村第一网格", OrgLevel.GRID, "新村社区")
        unit("龙湖第一网格", OrgLevel.GRID, "龙湖镇")
        for n in (1, 2):
            session.add(EnterpriseRow(name=f"企业{n}", credit_code=f"91410000MA0000000{n}", grid_id=ids["新村第一网格"]))
        cadre = CadreRow(name="陈晓明", role="butler", org_unit_id=ids["新村镇"])
        session.add(cadre)
        session.flush()
        ids["cadre"] = cadre.id
        ids["reporter"] = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "王老板").id
        uow.commit()
    return ids


def add(uow_factory, ids, grid: str, created: datetime, status: TicketStatus, events: list[tuple], **due) -> None:
    with uow_factory() as uow:
        ticket = Ticket(id=None, number=uow.tickets.next_number(2026), category="utilities", description="停电",
                        reporter_account_id=ids["reporter"], reporter_kind=ReporterKind.ENTERPRISE,
                        reporter_phone="", org_unit_id=ids[grid], owner_cadre_id=ids["cadre"], status=status,
                        created_at=created, **due)
        ticket.record("submitted", created, None)
        for kind, when, data in events:
            ticket.record(kind, when, None, **data)
            if kind == "resolved":
                ticket.resolved_at = when
        uow.tickets.add(ticket)
        uow.commit()


def test_a_week_is_counted_per_township_over_its_whole_subtree(uow_factory, district):
    grid = "新村第一网格"
    # T1: taken up on time, resolved on time, rated 5.
    add(uow_factory, district, grid, at(17, 10), TicketStatus.CONFIRMED,
        [("accepted", at(17, 12), {}), ("resolved", at(19, 10), {}), ("rated", at(19, 12), {"stars": 5})],
        assign_due_at=at(18), settle_due_at=at(24))
    # T2: taken up late (23 hours), reminded, then turned black.
    add(uow_factory, district, grid, at(18, 10), TicketStatus.ACCEPTED,
        [("accepted", at(19, 9), {}), (LADDER_EVENT, at(19, 9), {"rung": "remind"}),
         (LADDER_EVENT, at(20, 9), {"rung": "escalate"})],
        assign_due_at=at(19), settle_due_at=at(25), due_at=at(25))
    # T3: from the week before; resolved late on Monday, rated 3, reopened.
    add(uow_factory, district, grid, at(10, 10), TicketStatus.REOPENED,
        [("accepted", at(11, 9), {}), ("resolved", at(16, 9), {}), ("rated", at(16, 10), {"stars": 3}),
         ("reopened", at(17, 9), {})],
        assign_due_at=at(11), settle_due_at=at(13), due_at=at(13))
    # T4: closed long before; its 回头看 passed this week.
    add(uow_factory, district, grid, at(1, 10), TicketStatus.CONFIRMED,
        [("accepted", at(2, 9), {}), ("resolved", at(5, 9), {}), ("revisit_passed", at(20, 9), {})])
    # T5: 龙湖镇, received this week, nothing done yet; T6 next week does not count.
    add(uow_factory, district, "龙湖第一网格", at(20, 10), TicketStatus.ASSIGNED, [], due_at=at(21))
    add(uow_factory, district, "龙湖第一网格", at(23, 10), TicketStatus.ASSIGNED, [])

    with uow_factory() as uow:
        periods = {p.name: p for p in child_periods(uow.session, district["新郑市"], *WEEK)}
    assert set(periods) == {"新村镇", "龙湖镇"}, "departments are not ranked with places"
    xincun = periods["新村镇"]
    assert (xincun.enterprises, xincun.received, xincun.solved, xincun.handled) == (2, 2, 1, 3)
    assert (xincun.assigned, xincun.assigned_on_time) == (2, 1)
    assert (xincun.settled, xincun.settled_on_time) == (2, 1)
    assert (xincun.ratings, xincun.satisfied) == (2, 1)
    assert (xincun.black_flags, xincun.reopened, xincun.revisits, xincun.revisits_passed) == (1, 1, 1, 1)
    assert xincun.response_hours == pytest.approx(12.5)  # (2 h + 23 h) / 2
    longhu = periods["龙湖镇"]
    assert (longhu.enterprises, longhu.received, longhu.handled, longhu.assigned) == (0, 1, 1, 0)
    assert longhu.response_hours is None


def test_a_ticket_resolved_reopened_and_resolved_again_is_settled_once(uow_factory, district):
    """A digest saying "收到 1 件 · 办结 2" for one problem reads as a miscount to any leader."""
    add(uow_factory, district, "新村第一网格", at(17, 10), TicketStatus.CONFIRMED,
        [("accepted", at(17, 12), {}), ("resolved", at(18, 10), {}), ("reopened", at(18, 12), {}),
         ("resolved", at(19, 10), {})], settle_due_at=at(24))
    with uow_factory() as uow:
        xincun = unit_period(uow.session, district["新村镇"], *WEEK)
    assert (xincun.received, xincun.settled, xincun.settled_on_time, xincun.reopened) == (1, 1, 1, 1)


def test_open_tickets_are_counted_by_flag_in_sql_as_the_flag_rule_gives_them(uow_factory, district):
    grid = "新村第一网格"
    add(uow_factory, district, grid, at(18, 10), TicketStatus.ACCEPTED, [], due_at=at(25))  # due Tue 24th: green
    add(uow_factory, district, grid, at(10, 10), TicketStatus.REOPENED, [], due_at=at(13))  # 7 working days late
    add(uow_factory, district, grid, at(1, 10), TicketStatus.CONFIRMED, [], due_at=at(3))  # closed: not counted
    add(uow_factory, district, grid, at(20, 10), TicketStatus.ACCEPTED, [])  # untimed: not counted
    add(uow_factory, district, "龙湖第一网格", at(20, 10), TicketStatus.ASSIGNED, [], due_at=at(21))  # 1 late: red
    now = datetime(2026, 11, 23, 10, tzinfo=SHANGHAI)
    lines = flag_lines(now, warning_days=1, hard_limit_days=5, calendar=official_calendar(), tz=SHANGHAI)
    with uow_factory() as uow:
        counts = flag_counts(uow.session, district["新郑市"], lines)
    assert counts[district["新村镇"]] == {Flag.GREEN: 1, Flag.RED: 0, Flag.BLACK: 1}
    assert counts[district["龙湖镇"]] == {Flag.GREEN: 0, Flag.RED: 1, Flag.BLACK: 0}


def test_a_ticket_reported_this_morning_counts_green_until_three_then_red(uow_factory, district):
    """Issue 13: 交办不过夜 made every new ticket red at once, in the digests' counts too."""
    add(uow_factory, district, "新村第一网格", at(23, 10), TicketStatus.ASSIGNED, [], due_at=at(24))  # due tonight
    add(uow_factory, district, "龙湖第一网格", at(20, 10), TicketStatus.ASSIGNED, [], due_at=at(24))  # due today too
    counted = {}
    for hour in (11, 15):
        now = datetime(2026, 11, 23, hour, tzinfo=SHANGHAI)
        lines = flag_lines(now, warning_days=1, hard_limit_days=5, calendar=official_calendar(), tz=SHANGHAI)
        with uow_factory() as uow:
            counted[hour] = flag_counts(uow.session, district["新郑市"], lines)
    assert counted[11][district["新村镇"]] == {Flag.GREEN: 1, Flag.RED: 0, Flag.BLACK: 0}
    assert counted[11][district["龙湖镇"]] == {Flag.GREEN: 0, Flag.RED: 1, Flag.BLACK: 0}, "received Friday: red"
    assert counted[15][district["新村镇"]] == {Flag.GREEN: 0, Flag.RED: 1, Flag.BLACK: 0}


def test_a_units_own_totals_include_problems_filed_on_the_unit_itself(uow_factory, district):
    add(uow_factory, district, "新村第一网格", at(17, 10), TicketStatus.ACCEPTED, [("accepted", at(17, 12), {})],
        tier=Tier.B)
    add(uow_factory, district, "新村镇", at(18, 10), TicketStatus.ASSIGNED, [], tier=Tier.C)  # gridless: the township
    add(uow_factory, district, "新村镇", at(19, 10), TicketStatus.ASSIGNED, [])
    add(uow_factory, district, "龙湖第一网格", at(12, 10), TicketStatus.ASSIGNED, [])
    with uow_factory() as uow:
        total = unit_period(uow.session, district["新村镇"], *WEEK)
        tiers = received_by(uow.session, district["新村镇"], *WEEK, "tier")
        oldest = oldest_open(uow.session, district["新郑市"], 2)
    assert (total.name, total.received, total.handled, total.assigned) == ("新村镇", 3, 3, 1)
    assert tiers == {"B": 1, "C": 1, None: 1}
    assert [(number, name) for number, _, name in oldest] == [("LX-2026-000004", "陈晓明"),
                                                              ("LX-2026-000001", "陈晓明")]
    assert oldest[0][1] == at(12, 10)


def test_upheld_complaints_count_in_the_week_they_were_found_under_the_unit_filed_against(uow_factory, district):
    def complain(unit: str, found: datetime | None, finding: Finding | None) -> None:
        with uow_factory() as uow:
            complaint_id = uow.complaints.add(district["reporter"], district["cadre"], district[unit], "没人管", at(10))
            if finding is not None:
                assert uow.complaints.record_finding(complaint_id, finding, district["cadre"], found)
            uow.commit()

    complain("新村社区", at(18, 10), Finding.UPHELD)  # counts for 新村镇
    complain("新村镇", at(22, 23), Finding.UPHELD)  # Sunday 23:00 local: still this week
    complain("新村镇", at(23, 1), Finding.UPHELD)  # Monday 01:00: next week's
    complain("新村镇", at(19, 10), Finding.NOT_UPHELD)
    complain("龙湖镇", None, None)  # not looked into yet
    with uow_factory() as uow:
        periods = {p.name: p.complaints_upheld for p in child_periods(uow.session, district["新郑市"], *WEEK)}
        first = uow.complaints.get(1)
        assert not uow.complaints.record_finding(1, Finding.NOT_UPHELD, district["cadre"], at(20)), "final"
    assert periods == {"新村镇": 2, "龙湖镇": 0}
    assert first is not None and first.finding is Finding.UPHELD


def test_the_charts_trend_counts_received_and_resolved_per_week(uow_factory, district):
    grid = "新村第一网格"
    add(uow_factory, district, grid, at(3, 10), TicketStatus.CONFIRMED, [("resolved", at(10, 9), {})])
    add(uow_factory, district, grid, at(9, 0), TicketStatus.ACCEPTED, [])  # Monday 00:00: the second week
    add(uow_factory, district, grid, at(15, 23), TicketStatus.CONFIRMED, [("resolved", at(16, 0), {})])
    add(uow_factory, district, "龙湖第一网格", at(17, 10), TicketStatus.ASSIGNED, [])  # another township
    add(uow_factory, district, grid, at(23, 0), TicketStatus.ASSIGNED, [])  # after the last bound
    weeks = [datetime(2026, 11, day, tzinfo=SHANGHAI) for day in (2, 9, 16, 23)]
    with uow_factory() as uow:
        assert uow.reports.trend(district["新村镇"], weeks) == [(1, 0), (2, 1), (0, 1)]
        assert uow.reports.trend(district["新郑市"], weeks) == [(1, 0), (2, 1), (1, 1)]


def test_open_now_counts_every_open_problem_timed_or_not(uow_factory, district):
    add(uow_factory, district, "新村第一网格", at(18, 10), TicketStatus.ACCEPTED, [], due_at=at(25))
    add(uow_factory, district, "新村第一网格", at(19, 10), TicketStatus.REOPENED, [])  # untimed: still open
    add(uow_factory, district, "新村镇", at(20, 10), TicketStatus.ASSIGNED, [])  # on the township itself
    add(uow_factory, district, "新村第一网格", at(1, 10), TicketStatus.CONFIRMED, [])
    add(uow_factory, district, "龙湖第一网格", at(20, 10), TicketStatus.ASSIGNED, [])
    with uow_factory() as uow:
        assert uow.reports.open_count(district["新村镇"]) == 3
        assert uow.reports.open_count(district["新郑市"]) == 4
