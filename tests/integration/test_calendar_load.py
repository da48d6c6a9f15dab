"""`lianxin calendar load FILE`: a year's official list read, and the open tickets whose deadlines
were counted provisionally without it recounted on it, in the database (issue 13)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers import provisional, services
from handlers.domain.events import EventKind
from handlers.domain.model import Difficulty
from handlers.turn import Work
from tests.integration.test_tickets import new_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
DECEMBER_15 = datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
# Illustrative only, NOT the State Council's 2027 notice.
LIST_2027 = {"2027": {"source": "made up for a test", "holidays": ["2027-01-01", "2027-01-04..2027-01-05"],
                      "workdays": []}}


def provisional_ticket(uow_factory, demo, reporter_id: int) -> str:
    """A difficult problem received 15 Dec 2026: due in January 2027, counted without its list."""
    with uow_factory() as uow:
        work = Work(uow=uow, now=DECEMBER_15)
        ticket = new_ticket(uow, demo, reporter_id, at=DECEMBER_15)
        ticket.difficulty = Difficulty.DIFFICULT
        services.stamp_deadlines(work, ticket)
        ticket = work.add(ticket)
        uow.commit()
    assert provisional.is_provisional(ticket)
    return ticket.number


def test_loading_a_year_recounts_the_provisional_tickets_in_the_database(
        uow_factory, demo, reporter_id, database_url, monkeypatch, tmp_path, capsys) -> None:
    from bot import cli

    number = provisional_ticket(uow_factory, demo, reporter_id)
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(LIST_2027), encoding="utf-8")
    monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
    assert cli.main(["calendar", "load", str(path)]) == 0
    assert f"2027: official list read from {path}; 1 open tickets recounted: {number}" in capsys.readouterr().out
    with uow_factory() as uow:
        ticket = uow.tickets.by_number(number)
    # 1, 4 and 5 Jan off: 22 working days after 15 Dec end on Tuesday 19 Jan, no longer provisional.
    assert ticket.settle_due_at == datetime(2027, 1, 20, 0, 0, tzinfo=SHANGHAI)
    assert ticket.events[-1].kind == EventKind.DEADLINES_RECOUNTED and not provisional.is_provisional(ticket)
    assert cli.main(["calendar", "load", str(path)]) == 0
    assert "0 open tickets recounted" in capsys.readouterr().out, "loading again changes nothing"


def test_a_wrong_list_is_refused_with_where_it_is_wrong_and_nothing_recounted(
        uow_factory, demo, reporter_id, database_url, monkeypatch, tmp_path, capsys) -> None:
    from bot import cli

    number = provisional_ticket(uow_factory, demo, reporter_id)
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-06"]}}), encoding="utf-8")
    monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
    assert cli.main(["calendar", "load", str(path)]) == 1
    assert "2027-01-06 is a weekday" in capsys.readouterr().err
    with uow_factory() as uow:
        assert provisional.is_provisional(uow.tickets.by_number(number))
