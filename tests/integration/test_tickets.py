"""Tickets: numbering, round trips, append-only history, aware UTC datetimes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from handlers.domain.model import ReporterKind, Ticket, TicketEvent, TicketStatus
from storage.admin import DemoSummary
from storage.tables import TicketEventRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 5, 4, 9, 15, 30, 123456, tzinfo=UTC)


def new_ticket(uow, demo: DemoSummary, reporter_id: int, at: datetime = T0) -> Ticket:
    enterprise = "润弘制药股份有限公司"
    ticket = Ticket(
        id=None,
        number=uow.tickets.next_number(at.year),
        category="power",
        description="厂区停电三小时 power cut",
        reporter_account_id=reporter_id,
        reporter_kind=ReporterKind.ENTERPRISE,
        reporter_phone="13800138000",
        org_unit_id=demo.org_units["裴李岗村第一网格"],
        owner_cadre_id=demo.butler_id,
        status=TicketStatus.ASSIGNED,
        created_at=at,
        enterprise_id=demo.enterprises[enterprise],
        photo_file_ids=["AgACAgIAAxk-1", "AgACAgIAAxk-2"],
        location=(34.3962, 113.7391),
    )
    ticket.record("submitted", at, reporter_id)
    ticket.record("assigned", at, None, cadre_id=demo.butler_id, rule="包联")
    return ticket


def test_numbers_are_sequential_per_year(uow_factory) -> None:
    with uow_factory() as uow:
        assert [uow.tickets.next_number(2026) for _ in range(3)] == ["LX-2026-000001", "LX-2026-000002",
                                                                    "LX-2026-000003"]
        assert uow.tickets.next_number(2027) == "LX-2027-000001"
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.next_number(2026) == "LX-2026-000004"
        assert uow.tickets.next_number(2027) == "LX-2027-000002"


def test_number_rolled_back_is_handed_out_again(uow_factory) -> None:
    with uow_factory() as uow:
        assert uow.tickets.next_number(2026) == "LX-2026-000001"
    with uow_factory() as uow:
        assert uow.tickets.next_number(2026) == "LX-2026-000001"


def test_add_and_get_round_trip(uow_factory, demo: DemoSummary, reporter_id: int) -> None:
    with uow_factory() as uow:
        ticket = new_ticket(uow, demo, reporter_id)
        stored = uow.tickets.add(ticket)
        uow.commit()
    assert stored is ticket and ticket.id is not None and ticket.new_events == []
    with uow_factory() as uow:
        loaded = uow.tickets.get(ticket.id)
    assert loaded == ticket
    assert loaded.events == [
        TicketEvent("submitted", T0, reporter_id, {}),
        TicketEvent("assigned", T0, None, {"cadre_id": demo.butler_id, "rule": "包联"}),
    ]
    assert loaded.location == (34.3962, 113.7391) and loaded.photo_file_ids == ["AgACAgIAAxk-1", "AgACAgIAAxk-2"]
    assert loaded.status is TicketStatus.ASSIGNED and loaded.reporter_kind is ReporterKind.ENTERPRISE


def test_ticket_without_optional_fields(uow_factory, demo: DemoSummary, reporter_id: int) -> None:
    with uow_factory() as uow:
        ticket = new_ticket(uow, demo, reporter_id)
        ticket.enterprise_id, ticket.location, ticket.photo_file_ids = None, None, []
        ticket.reporter_kind = ReporterKind.RESIDENT
        ticket.new_events.clear()
        ticket.events.clear()
        uow.tickets.add(ticket)
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.get(ticket.id) == ticket
        assert uow.tickets.get(999_999) is None


def test_add_refuses_a_stored_ticket(uow_factory, demo: DemoSummary, reporter_id: int) -> None:
    with uow_factory() as uow:
        ticket = uow.tickets.add(new_ticket(uow, demo, reporter_id))
        with pytest.raises(ValueError):
            uow.tickets.add(ticket)


def test_save_writes_changes_and_appends_events(uow_factory, demo: DemoSummary, reporter_id: int) -> None:
    with uow_factory() as uow:
        ticket = uow.tickets.add(new_ticket(uow, demo, reporter_id))
        uow.commit()
    worker = demo.grid_workers["裴李岗村第一网格"]
    with uow_factory() as uow:
        ticket = uow.tickets.get(ticket.id)
        ticket.owner_cadre_id = worker
        ticket.status = TicketStatus.ACCEPTED
        ticket.record("accepted", T0 + timedelta(hours=1), None, note="马上到")
        uow.tickets.save(ticket)
        assert ticket.new_events == []
        uow.tickets.save(ticket)  # saving again appends nothing
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.tickets.get(ticket.id)
        assert loaded.owner_cadre_id == worker and loaded.status is TicketStatus.ACCEPTED
        assert [e.kind for e in loaded.events] == ["submitted", "assigned", "accepted"]
        assert loaded.events[-1].data == {"note": "马上到"}
        loaded.status = TicketStatus.RESOLVED
        loaded.record("resolved", T0 + timedelta(days=1), None)
        uow.tickets.save(loaded)
        uow.commit()
    with uow_factory() as uow:
        seqs = uow.session.scalars(
            sa.select(TicketEventRow.seq).where(TicketEventRow.ticket_id == ticket.id).order_by(TicketEventRow.id)
        ).all()
        assert seqs == [1, 2, 3, 4]
        assert [e.kind for e in uow.tickets.get(ticket.id).events] == ["submitted", "assigned", "accepted", "resolved"]


def test_save_never_rewrites_old_events(uow_factory, demo: DemoSummary, reporter_id: int) -> None:
    with uow_factory() as uow:
        ticket = uow.tickets.add(new_ticket(uow, demo, reporter_id))
        uow.commit()
    # A caller tampering with the loaded history changes nothing stored.
    with uow_factory() as uow:
        loaded = uow.tickets.get(ticket.id)
        loaded.events[0] = TicketEvent("forged", T0, None, {})
        loaded.events.pop()
        uow.tickets.save(loaded)
        uow.commit()
    with uow_factory() as uow:
        assert [e.kind for e in uow.tickets.get(ticket.id).events] == ["submitted", "assigned"]


def test_save_of_an_unknown_ticket(uow_factory, demo: DemoSummary, reporter_id: int) -> None:
    with uow_factory() as uow:
        ticket = new_ticket(uow, demo, reporter_id)
        with pytest.raises(ValueError):
            uow.tickets.save(ticket)
        ticket.id = 999_999
        with pytest.raises(LookupError):
            uow.tickets.save(ticket)


def test_datetimes_come_back_aware_utc(uow_factory, demo: DemoSummary, reporter_id: int) -> None:
    local = datetime(2026, 5, 4, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC
    with uow_factory() as uow:
        ticket = new_ticket(uow, demo, reporter_id, at=local)
        uow.tickets.add(ticket)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.tickets.get(ticket.id)
    for value in (loaded.created_at, *(e.at for e in loaded.events)):
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
        assert value == local
        assert (value.hour, value.minute) == (15, 30)


def test_concurrent_sessions_get_distinct_numbers(uow_factory, backend: str) -> None:
    """Many threads, each its own unit of work, numbering on a fresh year: no gaps, no repeats."""
    threads_n, per_thread = 6, 5
    barrier = threading.Barrier(threads_n)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                with uow_factory() as uow:
                    number = uow.tickets.next_number(2030)
                    uow.commit()
                with lock:
                    numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(numbers) == [f"LX-2030-{n:06d}" for n in range(1, threads_n * per_thread + 1)]


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_second_session_waits_for_the_first(uow_factory) -> None:
    """On PostgreSQL the counter row is locked until the holder commits: no duplicate number."""
    with uow_factory() as first:
        assert first.tickets.next_number(2026) == "LX-2026-000001"
        first.commit()
    result: list[str] = []
    started = threading.Event()

    with uow_factory() as first:
        assert first.tickets.next_number(2026) == "LX-2026-000002"

        def second() -> None:
            with uow_factory() as uow:
                started.set()
                result.append(uow.tickets.next_number(2026))
                uow.commit()

        thread = threading.Thread(target=second)
        thread.start()
        started.wait(10)
        thread.join(0.5)
        assert thread.is_alive() and result == []  # blocked on the row lock
        first.commit()
    thread.join(10)
    assert result == ["LX-2026-000003"]


def test_lists_page_by_owner_and_reporter_and_find_by_number(uow_factory):
    from datetime import UTC, datetime, timedelta

    from handlers.domain.model import ReporterKind, Ticket, TicketStatus
    from storage.admin import seed_into

    with uow_factory() as uow:
        demo = seed_into(uow.session)
        reporter = uow.accounts.get_or_create("telegram", "77", "77", "zh_CN", "王")
        start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
        numbers = []
        for i, status in enumerate([TicketStatus.ASSIGNED, TicketStatus.CONFIRMED, TicketStatus.ACCEPTED]):
            ticket = Ticket(None, uow.tickets.next_number(2026), "labor", f"问题{i}", reporter.id,
                            ReporterKind.RESIDENT, "+8613812345678", demo.township_id, demo.butler_id, status,
                            start + timedelta(hours=i))
            ticket.record("submitted", ticket.created_at, reporter.id)
            numbers.append(uow.tickets.add(ticket).number)
        uow.commit()
    with uow_factory() as uow:
        open_page, open_total = uow.tickets.page_for_owner(demo.butler_id, {"assigned", "accepted"}, 0, 1)
        assert (open_total, [t.number for t in open_page]) == (2, [numbers[0]])
        second, _ = uow.tickets.page_for_owner(demo.butler_id, {"assigned", "accepted"}, 1, 1)
        assert [t.number for t in second] == [numbers[2]]
        mine, total = uow.tickets.page_for_reporter(reporter.id, 0, 10)
        assert total == 3 and [t.number for t in mine] == list(reversed(numbers))
        still_open, total = uow.tickets.page_for_reporter(reporter.id, 0, 10, statuses={"assigned", "accepted"})
        assert total == 2 and [t.number for t in still_open] == [numbers[2], numbers[0]]
        found = uow.tickets.by_number(numbers[1])
        assert found.description == "问题1" and [e.kind for e in found.events] == ["submitted"]
        assert uow.tickets.by_number("LX-2026-999999") is None


def test_an_enterprise_registered_from_a_report_is_found_by_its_code(uow_factory):
    from storage.admin import seed_into

    with uow_factory() as uow:
        demo = seed_into(uow.session)
        added = uow.enterprises.add("新郑市恒信新材料有限公司", "91410184ma9y8x7w6k", grid_id=demo.township_id)
        uow.commit()
    with uow_factory() as uow:
        found = uow.directory.enterprise_by_code("91410184MA9Y8X7W6K")
        assert found == added and (found.grid_id, found.assigned_cadre_id) == (demo.township_id, None)
