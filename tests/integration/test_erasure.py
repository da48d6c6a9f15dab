"""Erasure in the database (docs/privacy.md): after a reporter's, no text or JSON column of any
table holds their phone or name; their tickets, events and counts stay. A cadre's on leaving,
through `lianxin cadre erase`: refused while tickets reach them, done without."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import SQLModel

from handlers import addendum, complaints, privacy, services, verdicts
from handlers.domain.events import EventKind
from handlers.domain.model import Refused, ReporterKind
from handlers.ports import ConversationState, Lane
from handlers.turn import Work
from storage.admin import create_invite
from storage.db import make_engine
from storage.files import FileStore
from storage.inbox import InboxStore
from storage.tables import CadreRow, TicketEventRow

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Shanghai
PHONE = "13912345678"
NAME = "王小丫头"  # the reporter's display name on the platform


def act(uow_factory, step, at: datetime = NOW):
    """One use case in its own transaction, its messages put in the outbox as a turn would."""
    with uow_factory() as uow:
        work = Work(uow=uow, now=at)
        result = step(work)
        uow.outbox.put(work.replies, Lane.NOTICE)
        uow.commit()
    return result


def a_reporters_whole_life(uow_factory, demo, database_url) -> tuple[int, int, int]:
    """A bound 包联 and a reporter who reported with a photo and their location, answered an
    addition, had it resolved, confirmed, rated and commented; filed a 举报; has a report under way
    and a handled webhook update on record. (account id, solved ticket id, open ticket id)"""
    with uow_factory() as uow:
        butler = uow.accounts.get_or_create("telegram", "2001", "2001", "zh_CN", "陈晓明")
        reporter = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", NAME)
        uow.conversations.save(ConversationState("telegram", "1001", "report", "confirm",
                                                 {"description": "又停电了", "phone": f"+86{PHONE}"}))
        uow.commit()
    with uow_factory() as uow:
        uow.invites.redeem(create_invite(uow, demo.butler_id, NOW, timedelta(days=1)), butler.id, NOW)
        uow.commit()
    photo = FileStore.at(database_url).keep(b"\xff\xd8 a photo of the meter")
    enterprise = demo.enterprises["润弘制药股份有限公司"]

    def report(description: str):
        return lambda work: services.open_ticket(services.Report(
            by=reporter.id, kind=ReporterKind.ENTERPRISE, category="utilities", description=description,
            phone=f"+86{PHONE}", enterprise_id=enterprise, photo_file_ids=(photo,), location=(34.39, 113.73)), work)[0]
    solved = act(uow_factory, report(f"厂区停电三天了，{NAME}，电话 {PHONE}"))
    act(uow_factory, lambda w: addendum.add_to_ticket(addendum.AddToTicket(solved.id, reporter.id, f"急！{PHONE}"), w))
    act(uow_factory, lambda w: services.resolve(services.Resolve(solved.id, butler.id, "已恢复供电"), w))
    act(uow_factory, lambda w: verdicts.confirm(verdicts.Confirm(solved.id, reporter.id), w))
    act(uow_factory, lambda w: verdicts.rate(verdicts.Rate(solved.id, reporter.id, 4), w))
    act(uow_factory, lambda w: verdicts.comment(verdicts.Comment(solved.id, reporter.id, f"谢谢，{NAME}"), w))
    act(uow_factory, lambda w: complaints.about_cadre(complaints.ComplainAboutCadre(
        demo.butler_id, reporter.id, f"{NAME}举报：态度差"), w))
    still_open = act(uow_factory, report("路灯坏了"))
    _handled_update(database_url)
    return reporter.id, solved.id, still_open.id


def _handled_update(database_url: str) -> None:
    """An update the webhook recorded and handled: its body is the platform's, with the contact."""
    store = InboxStore(make_engine(database_url))
    body = json.dumps({"update_id": 7, "message": {"chat": {"id": 1001}, "from": {"first_name": NAME},
                                                   "contact": {"phone_number": PHONE}}}, ensure_ascii=False)
    assert store.record("telegram", 7, "telegram:chat:1001", body, NOW)
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE inbox SET handled_at = :at"), {"at": NOW})
    store.engine.dispose()


def columns_holding(uow_factory, needle: str) -> list[str]:
    """Every text or JSON column of every table in which `needle` occurs (JSON on SQLite keeps
    non-ASCII escaped: the escaped spelling is searched too)."""
    spellings = {needle, json.dumps(needle)[1:-1]}
    found = []
    with uow_factory() as uow:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if not _holds_text(column):
                    continue
                text = sa.cast(column, sa.Text)
                if uow.session.scalar(sa.select(sa.func.count()).select_from(table)
                                      .where(sa.or_(*(text.like(f"%{s}%") for s in spellings)))):
                    found.append(f"{table.name}.{column.name}")
    return found


def _holds_text(column: sa.Column) -> bool:
    """Text or JSON (SQLModel's own string type, AutoString, is a TypeDecorator over String)."""
    kind = column.type
    return isinstance(kind, (sa.String, sa.JSON)) or isinstance(getattr(kind, "impl", None), sa.String)


def test_after_erasure_no_column_holds_the_reporters_phone_or_name(uow_factory, demo, database_url) -> None:
    account_id, solved_id, open_id = a_reporters_whole_life(uow_factory, demo, database_url)
    assert {"ticket.reporter_phone", "reporter_profile.phone", "outbox.payload", "inbox.body",
            "conversation.data", "ticket_event.data"} <= set(columns_holding(uow_factory, PHONE)), "the test sees them"
    assert "account.display_name" in columns_holding(uow_factory, NAME)
    with uow_factory() as uow:
        events_before = len(uow.tickets.get(solved_id).events)
        week = uow.reports.unit_period(demo.township_id, NOW - timedelta(days=1), NOW + timedelta(days=6))

    act(uow_factory, lambda w: privacy.erase_reporter(privacy.EraseMyData(account_id), w), NOW + timedelta(hours=1))

    assert columns_holding(uow_factory, PHONE) == []
    assert columns_holding(uow_factory, NAME) == []
    with uow_factory() as uow:
        solved, still_open = uow.tickets.get(solved_id), uow.tickets.get(open_id)
        assert (solved.status, still_open.status) == ("confirmed", "withdrawn")
        assert len(solved.events) == events_before + 1 and solved.events[-1].kind == EventKind.REPORTER_ERASED
        assert [e.data for e in solved.events if e.kind == EventKind.RATED] == [{"stars": 4}]
        assert solved.photo_file_ids == [] and solved.location is None and solved.description == ""
        assert uow.session.scalar(sa.text("SELECT count(*) FROM stored_file")) == 0, "the photo went with them"
        assert uow.complaints.filed_by(account_id)[0].text == "", "the 举报 stays on record, without its text"
        after = uow.reports.unit_period(demo.township_id, NOW - timedelta(days=1), NOW + timedelta(days=6))
        assert after.received == week.received == 2, "the digests still count the tickets"
        assert uow.accounts.find("telegram", "1001") is None
        fresh = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "")
        assert fresh.id != account_id and uow.reporter_profiles.get(fresh.id) is None, "a new person"


def test_erasure_keeps_the_office_notes_in_the_history(uow_factory, demo, database_url) -> None:
    account_id, solved_id, _ = a_reporters_whole_life(uow_factory, demo, database_url)
    act(uow_factory, lambda w: privacy.erase_reporter(privacy.EraseMyData(account_id), w))
    with uow_factory() as uow:
        kinds = dict(uow.session.execute(sa.select(TicketEventRow.kind, TicketEventRow.data)
                                         .where(TicketEventRow.ticket_id == solved_id)).all())
    assert kinds[EventKind.RESOLVED]["note"] == "已恢复供电", "the owner's note stays"
    assert kinds[EventKind.REPORTER_ADDED] == {"text": "", "photos": []} and kinds[EventKind.COMMENTED] == {"text": ""}


def test_cadre_erase_is_refused_while_they_hold_open_tickets(uow_factory, demo, database_url, reporter_id,
                                                              monkeypatch, capsys) -> None:
    from bot import cli

    grid_worker = demo.grid_workers["裴李岗村第一网格"]
    with uow_factory() as uow:
        work = Work(uow=uow, now=NOW)
        owner = uow.directory.cadre(grid_worker)
        work.add(services.new_ticket(work, owner=owner, category="utilities", description="停电", reporter_account_id=reporter_id,
                                     reporter_kind=ReporterKind.RESIDENT, reporter_phone="", org_unit_id=owner.org_unit_id))
        uow.commit()
    monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
    assert cli.main(["cadre", "erase", str(grid_worker)]) == 1
    refusal = capsys.readouterr().err
    assert "LX-2026-000001" in refusal and "/admin" in refusal
    with uow_factory() as uow:
        assert uow.directory.cadre(grid_worker).name == "王丽娟"


def test_cadre_erase_replaces_the_name_clears_the_phone_and_unbinds(uow_factory, demo, database_url,
                                                                   monkeypatch, capsys) -> None:
    from bot import cli

    grid_worker = demo.grid_workers["裴李岗村第一网格"]
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "3001", "3001", "zh_CN", "丽娟")
        uow.invites.redeem(create_invite(uow, grid_worker, NOW, timedelta(days=1)), account.id, NOW)
        unused = create_invite(uow, grid_worker, NOW, timedelta(days=1))
        # imported from the 干部库 keyed by their phone (no staff number): the key is personal data too
        uow.session.get(CadreRow, grid_worker).staff_key = "13837112461"
        uow.commit()
    monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
    assert cli.main(["cadre", "erase", str(grid_worker)]) == 0
    assert f"now named 已离任干部 #{grid_worker}" in capsys.readouterr().out
    with uow_factory() as uow:
        row = uow.session.get(CadreRow, grid_worker)
        assert (row.name, row.phone) == (f"已离任干部 #{grid_worker}", "")
        assert uow.directory.grants_of(grid_worker) == [], "no role left"
        assert uow.accounts.find("telegram", "3001") is None, "their chat is no longer the cadre's"
        assert isinstance(uow.invites.redeem(unused, account.id, NOW), Refused), "nor can an old invite bind it again"
    assert columns_holding(uow_factory, "13837112461") == [] and columns_holding(uow_factory, "王丽娟") == []
