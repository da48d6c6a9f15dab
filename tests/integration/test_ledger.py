"""问题台账: the .xlsx a township's office prints, checked row by row against a hand-built set
of problems, on SQLite and PostgreSQL; and a ledger too big to hold in memory, streamed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.i18n import Translator
from bot.ledger import write_ledger
from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import Difficulty, OrgLevel, ReporterKind, Ticket, TicketStatus, Tier
from handlers.rules import Rules
from storage.tables import CadreRow, EnterpriseRow, OrgUnitRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, tzinfo=SHANGHAI)  # a Monday
PHONE = "13800138000"


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def local(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """What the sheet shows for at(...): Shanghai wall-clock time, no zone."""
    return datetime(2026, 11, day, hour, minute)


@pytest.fixture
def township(uow_factory) -> dict[str, int]:
    """新村镇 (under 新郑市) with a community and a grid, 龙湖镇 beside it, 自然资源局 under the
    district; the butler 陈晓明 and the department's 李建国, each bound to a chat account."""
    with uow_factory() as uow:
        session, ids = uow.session, {}

        def unit(name: str, level: OrgLevel, parent: str | None) -> None:
            row = OrgUnitRow(name=name, level=level.value, parent_id=ids.get(parent) if parent else None)
            session.add(row)
            session.flush()
            ids[name] = row.id

        for name, level, parent in [("新郑市", OrgLevel.DISTRICT, None), ("新村镇", OrgLevel.TOWNSHIP, "新郑市"),
                                    ("龙湖镇", OrgLevel.TOWNSHIP, "新郑市"),
                                    ("自然资源局", OrgLevel.DEPARTMENT, "新郑市"),
                                    ("新村社区", OrgLevel.COMMUNITY, "新村镇"),
                                    ("新村第一网格", OrgLevel.GRID, "新村社区")]:
            unit(name, level, parent)
        for user_id, name, role, place in [(2001, "陈晓明", "butler", "新村镇"),
                                           (2002, "李建国", "department", "自然资源局")]:
            account = uow.accounts.get_or_create("telegram", str(user_id), str(user_id), "zh_CN", name)
            cadre = CadreRow(name=name, role=role, org_unit_id=ids[place], account_id=account.id)
            session.add(cadre)
            session.flush()
            ids[name], ids[f"{name}@"] = cadre.id, account.id
        enterprise = EnterpriseRow(name="润弘制药股份有限公司", credit_code="91410000MA00000001",
                                   grid_id=ids["新村第一网格"])
        session.add(enterprise)
        session.flush()
        ids["润弘制药"] = enterprise.id
        ids["王老板@"] = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "王老板").id
        ids["张大妈@"] = uow.accounts.get_or_create("telegram", "1002", "1002", "zh_CN", "张大妈").id
        uow.commit()
    return ids


def add(uow_factory, ids: dict[str, int], place: str, created: datetime, status: TicketStatus, category: str,
        events: list[tuple[str, datetime, str | None, dict]], *, reporter: str = "王老板", owner: str = "陈晓明",
        **fields) -> None:
    """One ticket and its history; an event's actor is a name from `ids` (None: the system)."""
    enterprise = reporter == "王老板"
    with uow_factory() as uow:
        ticket = Ticket(id=None, number=uow.tickets.next_number(2026), category=category, description="问题",
                        reporter_account_id=ids[f"{reporter}@"],
                        reporter_kind=ReporterKind.ENTERPRISE if enterprise else ReporterKind.RESIDENT,
                        reporter_phone=PHONE, org_unit_id=ids[place], owner_cadre_id=ids[owner], status=status,
                        created_at=created, enterprise_id=ids["润弘制药"] if enterprise else None, **fields)
        ticket.record("submitted", created, ids[f"{reporter}@"])
        for kind, when, actor, data in events:
            ticket.record(kind, when, ids[f"{actor}@"] if actor else None, **data)
            if kind == "resolved":
                ticket.resolved_at = when
        uow.tickets.add(ticket)
        uow.commit()


@pytest.fixture
def week(uow_factory, township) -> dict[str, int]:
    """Six problems: five under 新村镇 (one filed on the township itself), one in 龙湖镇."""
    ids = township
    # 000001: settled on time, confirmed and rated 5: 销号.
    add(uow_factory, ids, "新村第一网格", at(17, 10), TicketStatus.CONFIRMED, "utilities",
        [("accepted", at(17, 12), "陈晓明", {}), ("resolved", at(19, 10), "陈晓明", {"note": "已恢复供电"}),
         ("confirmed", at(19, 12), "王老板", {"verdict": "solved"}), ("rated", at(19, 12, 1), "王老板", {"stars": 5})],
        tier=Tier.B, assign_due_at=at(18), answer_due_at=at(18), settle_due_at=at(25))
    # 000002: a resident's safety hazard, taken up late, reminded; due Tue 24th: green on Monday.
    add(uow_factory, ids, "新村第一网格", at(18, 10), TicketStatus.ACCEPTED, "safety",
        [("accepted", at(19, 9), "陈晓明", {}), (LADDER_EVENT, at(19, 9, 5), None, {"rung": "remind"}),
         ("info_requested", at(19, 9, 10), "陈晓明", {"question": "树在哪条路？", "photos": []}),
         ("info_given", at(19, 9, 30), "张大妈", {"text": f"人民路口，电话 {PHONE}", "photos": []}),
         ("complaint_filed", at(19, 9, 40), "张大妈", {"text": "态度差"})],
        reporter="张大妈", assign_due_at=at(19), settle_due_at=at(25), due_at=at(25))
    # 000003: handed over to the department, resolved, rated 3, reopened; 7 working days late: black.
    add(uow_factory, ids, "新村第一网格", at(10, 10), TicketStatus.REOPENED, "land",
        [("classified", at(10, 11), "陈晓明", {"tier": "C", "difficulty": "difficult"}),
         ("handover_offered", at(10, 15), "陈晓明", {"to": ids["李建国"], "reason": "需要用地审批"}),
         ("handover_accepted", at(11, 9), "李建国", {"previous_owner": ids["陈晓明"]}),
         ("resolved", at(16, 9), "李建国", {"note": "已批复"}), ("rated", at(16, 10), "王老板", {"stars": 3}),
         ("reopened", at(17, 9), "王老板", {"verdict": "not_solved", "reason": "=1+1 还是没批"})],
        owner="李建国", tier=Tier.C, difficulty=Difficulty.DIFFICULT, assign_due_at=at(11), settle_due_at=at(13),
        due_at=at(13))
    # 000004: filed on the township itself, not taken up; due Fri 20th: red on Monday.
    add(uow_factory, ids, "新村镇", at(20, 10), TicketStatus.ASSIGNED, "approvals",
        [("assigned", at(20, 10), None, {"cadre_id": ids["陈晓明"], "reason": "duty"})],
        assign_due_at=at(21), due_at=at(21))
    # 000005: resolved without a separate 接单 (taken up by it), the reporter never answered:
    # closed automatically, no rating.
    add(uow_factory, ids, "新村第一网格", at(2, 10), TicketStatus.CONFIRMED, "utilities",
        [("resolved", at(5, 9), "陈晓明", {"note": ""}), ("auto_confirmed", at(12, 9), None, {})])
    # 000006: 龙湖镇's, not on 新村镇's ledger.
    add(uow_factory, ids, "龙湖镇", at(20, 11), TicketStatus.ASSIGNED, "rent", [])
    return ids


def ledger(uow_factory, unit_id: int, locale: str = "zh_CN"):
    out = BytesIO()
    summary = write_ledger(uow_factory.session_factory, unit_id, NOW, Rules(), Translator(), locale, out)
    out.seek(0)
    return summary, load_workbook(out)


def values(sheet) -> list[tuple]:
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def test_a_townships_ledger_has_one_row_per_problem_of_its_subtree_as_counted_by_hand(uow_factory, week):
    summary, book = ledger(uow_factory, week["新村镇"])
    assert book.sheetnames == ["问题台账", "办理记录"]
    assert (summary.rows, summary.confirmed) == (5, 2)
    rows = values(book["问题台账"])
    assert rows[0] == ("编号", "受理时间", "企业/反映人", "问题类别", "研判分级", "难易程度", "责任人", "责任单位",
                       "状态", "接单时间", "办结时间", "销号时间", "交办时限", "首次答复时限", "办结时限", "当前旗色",
                       "满意度", "销号")
    day = lambda d: datetime(2026, 11, d)  # noqa: E731 - a due day, as openpyxl reads a date back
    assert rows[1:] == [
        ("LX-2026-000001", local(17, 10), "润弘制药股份有限公司", "水电气暖", "B类·部门办", "一般问题", "陈晓明",
         "新村镇", "已销号", local(17, 12), local(19, 10), local(19, 12), day(17), day(17), day(24), None, 5, "✓"),
        ("LX-2026-000002", local(18, 10), "居民", "安全隐患", None, "一般问题", "陈晓明", "新村镇", "已接单",
         local(19, 9), None, None, day(18), None, day(24), "🟢 绿旗", None, None),
        ("LX-2026-000003", local(10, 10), "润弘制药股份有限公司", "用地", "C类·领导办", "疑难问题", "李建国",
         "自然资源局", "重办中", local(11, 9), local(16, 9), None, day(10), None, day(12), "⚫ 黑旗", 3, None),
        ("LX-2026-000004", local(20, 10), "润弘制药股份有限公司", "审批手续", None, "一般问题", "陈晓明", "新村镇",
         "已交办", None, None, None, day(20), None, None, "🔴 红旗", None, None),
        ("LX-2026-000005", local(2, 10), "润弘制药股份有限公司", "水电气暖", None, "一般问题", "陈晓明", "新村镇",
         "已销号", local(5, 9), local(5, 9), local(12, 9), None, None, None, None, None, "✓"),
    ]


def test_struck_off_rows_are_filled_and_the_header_is_bold_frozen_and_filtered(uow_factory, week):
    _, book = ledger(uow_factory, week["新村镇"])
    sheet = book["问题台账"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:R6"
    assert all(cell.font.b for cell in sheet[1])
    filled = [row[0].row for row in sheet.iter_rows(min_row=2) if row[0].fill.fgColor.rgb.endswith("E2EFDA")]
    assert filled == [2, 6]  # 000001 and 000005, and only they
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm" and sheet["O2"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["C"].width == 28
    history = book["办理记录"]
    assert (history.freeze_panes, history.auto_filter.ref) == ("A2", "A1:E23")


def test_the_history_sheet_lists_each_problems_events_with_who_and_what(uow_factory, week):
    summary, book = ledger(uow_factory, week["新村镇"])
    rows = values(book["办理记录"])
    assert rows[0] == ("编号", "时间", "办理事项", "办理人", "详情")
    assert summary.events == len(rows) - 1 == 5 + 5 + 7 + 2 + 3
    by_ticket = {}
    for number, *rest in rows[1:]:
        by_ticket.setdefault(number, []).append(tuple(rest))
    assert by_ticket["LX-2026-000001"] == [
        (local(17, 10), "反映问题", "反映人", None),
        (local(17, 12), "已接单", "陈晓明", None),
        (local(19, 10), "已办结", "陈晓明", "已恢复供电"),
        (local(19, 12), "反映人确认解决（销号）", "反映人", None),
        (local(19, 12, 1), "反映人已评价", "反映人", "★★★★★"),
    ]
    # the 举报 is left out; the reporter's answer to the handler is listed without its words
    assert by_ticket["LX-2026-000002"] == [
        (local(18, 10), "反映问题", "反映人", None),
        (local(19, 9), "已接单", "陈晓明", None),
        (local(19, 9, 5), "催办：已提醒承办人办理期限", "系统", None),
        (local(19, 9, 10), "承办人要求补充", "陈晓明", "树在哪条路？"),
        (local(19, 9, 30), "反映人已补充", "反映人", None),
    ]
    assert by_ticket["LX-2026-000003"][1:3] == [
        (local(10, 11), "已研判", "陈晓明", "C类·领导办 · 疑难问题"),
        (local(10, 15), "交办给其他干部", "陈晓明", "→ 李建国 · 需要用地审批"),
    ]
    assert by_ticket["LX-2026-000003"][-1] == (local(17, 9), "反映人表示未解决（重办）", "反映人", "=1+1 还是没批")
    assert by_ticket["LX-2026-000004"][1] == (local(20, 10), "交办承办人", "系统", "→ 陈晓明")
    assert by_ticket["LX-2026-000005"][-1] == (local(12, 9), "反映人未答复，超时自动销号", "系统", None)
    assert "LX-2026-000006" not in by_ticket


def test_a_reporters_text_starting_with_equals_stays_text_not_a_formula(uow_factory, week):
    _, book = ledger(uow_factory, week["新村镇"])
    cell = next(row[4] for row in book["办理记录"].iter_rows() if row[4].value == "=1+1 还是没批")
    assert cell.data_type == "s"


def test_no_reporters_phone_reaches_the_ledger(uow_factory, week):
    _, book = ledger(uow_factory, week["新郑市"])
    text = " ".join(str(value) for sheet in book for row in values(sheet) for value in row)
    assert PHONE not in text
    assert "态度差" not in text  # nor a 举报


def test_a_reporters_own_addition_stays_out_of_the_ledger_as_their_answers_do(uow_factory, week):
    """What a reporter adds to their ticket, unasked, is written to its handler, as an answer is:
    it may hold their phone or name, and the ledger goes to leaders."""
    add(uow_factory, week, "新村第一网格", at(20, 12), TicketStatus.ACCEPTED, "utilities",
        [("reporter_added", at(20, 13), "王老板", {"text": f"补充：我的手机 {PHONE}", "photos": []})])
    _, book = ledger(uow_factory, week["新村镇"])
    text = " ".join(str(value) for sheet in book for row in values(sheet) for value in row)
    assert "我的手机" not in text and PHONE not in text
    assert "反映人补充了情况" in text or "reporter added" in text, "that it happened stays"


def test_a_districts_ledger_covers_every_township_and_the_english_one_says_it_in_english(uow_factory, week):
    summary, book = ledger(uow_factory, week["新郑市"], locale="en")
    assert summary.rows == 6
    sheet = book["Problem ledger"]
    assert [cell.value for cell in sheet[1]][:3] == ["Number", "Received", "Enterprise / reporter"]
    assert sheet["P4"].value == "⚫ black flag" and sheet["I7"].value == "assigned"
    assert book["Handling history"]["C2"].value == "reported"


def test_an_empty_unit_gives_a_header_only_ledger(uow_factory, township, tmp_path):
    path = tmp_path / "ledger.xlsx"
    summary = write_ledger(uow_factory.engine, township["自然资源局"], NOW, Rules(), Translator(), "zh_CN", path)
    assert (summary.rows, summary.confirmed, summary.events) == (0, 0, 0)
    sheet = load_workbook(path)["问题台账"]
    assert sheet.max_row == 1 and sheet.auto_filter.ref == "A1:R1"


def test_the_cli_writes_the_named_units_ledger_under_a_dated_name(uow_factory, week, database_url, monkeypatch,
                                                                   tmp_path, capsys):
    from bot import cli

    monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["ledger", "export", "--unit", "新村镇"]) == 0
    written = list(tmp_path.glob("台账-新村镇-*.xlsx"))
    assert len(written) == 1 and re.fullmatch(r"台账-新村镇-\d{4}-\d\d-\d\d\.xlsx", written[0].name)
    assert "5 problems (2 销号)" in capsys.readouterr().out
    assert load_workbook(written[0])["问题台账"].max_row == 6


def test_the_cli_takes_a_unit_id_an_output_path_and_a_locale(uow_factory, week, database_url, monkeypatch,
                                                              tmp_path):
    from bot import cli

    monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.xlsx"
    assert cli.main(["ledger", "export", "--unit", str(week["新郑市"]), "--out", str(out), "--locale", "en"]) == 0
    assert load_workbook(out)["Problem ledger"].max_row == 7


def test_the_cli_refuses_an_unknown_or_ambiguous_unit_with_exit_code_2(uow_factory, week, database_url,
                                                                        monkeypatch, tmp_path, capsys):
    from bot import cli

    monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["ledger", "export", "--unit", "城关街道"]) == 2
    assert "no org unit named or numbered '城关街道'" in capsys.readouterr().err
    with uow_factory() as uow:  # a second 新村镇, elsewhere
        uow.session.add(OrgUnitRow(name="新村镇", level=OrgLevel.TOWNSHIP.value, parent_id=None))
        uow.commit()
    assert cli.main(["ledger", "export", "--unit", "新村镇"]) == 2
    assert "several org units are named '新村镇'" in capsys.readouterr().err
    assert list(tmp_path.glob("*.xlsx")) == []


STREAMED_TICKETS = 20_000  # listing them all first raises the peak by ~14 MB (docs/ledger.md)
MEMORY_BOUND_MB = 10


def test_a_big_ledger_streams_without_its_memory_growing_with_the_rows(sqlite_template, tmp_path):
    """SQLite only: a ledger big enough to tell streaming from listing takes seconds to write;
    PostgreSQL streams through a server-side cursor (checked by hand, see docs/ledger.md). The
    writing runs in a fresh process, whose peak memory it measures."""
    import shutil

    from benchmarks.ledger import fill, write_in_child
    from storage.db import make_engine

    path = tmp_path / "big.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    unit = fill(engine, STREAMED_TICKETS, events=1)
    engine.dispose()
    figures = write_in_child(f"sqlite:///{path}", unit)
    assert (figures["tickets"], figures["events"]) == (STREAMED_TICKETS, STREAMED_TICKETS)
    assert figures["rss_growth_mb"] < MEMORY_BOUND_MB


def test_a_due_day_in_a_year_without_its_official_list_is_marked_provisional(uow_factory, township):
    """Issue 13: a deadline counted into 2027 before its holiday list is loaded says so."""
    add(uow_factory, township, "新村第一网格", at(20, 10), TicketStatus.ACCEPTED, "land",
        [("accepted", at(20, 11), "陈晓明", {})], difficulty=Difficulty.DIFFICULT,
        assign_due_at=at(21), settle_due_at=datetime(2027, 1, 16, tzinfo=SHANGHAI).astimezone(UTC),
        due_at=datetime(2027, 1, 16, tzinfo=SHANGHAI).astimezone(UTC))
    _, book = ledger(uow_factory, township["新村镇"])
    [row] = values(book["问题台账"])[1:]
    assert row[12:15] == (datetime(2026, 11, 20), None, "2027-01-15（暂定）")
