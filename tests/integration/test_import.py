"""`lianxin import`: the office's spreadsheets into the register on both databases (issue 16): the
shipped example, a sheet with every kind of bad row (each reported, nothing written), and a changed
sheet imported again (updated in place, a moved 包联 taking its enterprise's open ticket)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import xlsxwriter

from handlers import services
from handlers.domain.events import EventKind
from handlers.domain.model import ReporterKind
from handlers.ports import Lane
from handlers.turn import Work
from storage.admin import demo_credit_code
from storage.tables import CadreRow, EnterpriseRow, OrgUnitRow, OutboxRow

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import-example.xlsx"
RUNHONG, HUAXIN = demo_credit_code("91", "MA44RH1E0"), demo_credit_code("91", "MA3PUL8N5")

UNITS = [["单位名称", "层级", "上级单位", "值班干部编号"],
         ["新郑市", "区县", "", ""], ["新村镇", "乡镇", "新郑市", "XC001"], ["裴李岗村", "村", "新村镇", ""],
         ["裴李岗村第一网格", "网格", "裴李岗村", ""], ["新郑市自然资源局", "部门", "新郑市", ""]]
CADRES = [["干部编号", "姓名", "角色", "所属单位", "手机号"],
          ["XC001", "赵主任", "乡镇领导", "新村镇", "13703712288"],
          ["XC002", "陈晓明", "服务管家", "新村镇", "13525566031"],
          ["XC003", "王丽娟", "网格员", "裴李岗村第一网格", "13837112461"],
          ["", "吴海燕", "部门经办人", "新郑市自然资源局", "13603710231"]]
ENTERPRISES = [["企业名称", "统一社会信用代码", "地址", "所属网格", "联系电话"],
               ["润弘制药股份有限公司", RUNHONG, "新村镇裴李岗路18号", "裴李岗村第一网格", "037162591001"],
               ["郑州华信食品有限公司", HUAXIN, "新村镇工业园区6号", "裴李岗村第一网格", ""]]
BAOLIAN = [["统一社会信用代码", "包联干部编号"], [RUNHONG, "XC002"], [HUAXIN, "13603710231"]]


def write_xlsx(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                sheet.write_string(number, column, value)
    workbook.close()
    return path


def run_import(monkeypatch, database_url: str, capsys, *args: str) -> tuple[int, str]:
    from bot import cli

    monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
    code = cli.main(["import", *args])
    return code, capsys.readouterr().out


def register(uow_factory) -> dict[str, object]:
    """What the register holds, as the tests compare it."""
    with uow_factory() as uow:
        session = uow.session
        units = {row.id: row for row in session.scalars(sa.select(OrgUnitRow))}
        cadres = {row.id: row for row in session.scalars(sa.select(CadreRow))}
        return {
            "units": {row.name: (row.level, units[row.parent_id].name if row.parent_id else None,
                                 cadres[row.duty_cadre_id].name if row.duty_cadre_id else None)
                      for row in units.values()},
            "cadres": {row.name: (row.id, row.staff_key, row.role, units[row.org_unit_id].name, row.phone)
                       for row in cadres.values()},
            "enterprises": {row.credit_code: (row.id, row.name, row.address, units[row.grid_id].name if row.grid_id else None,
                                              cadres[row.assigned_cadre_id].name if row.assigned_cadre_id else None)
                            for row in session.scalars(sa.select(EnterpriseRow))},
        }


def test_the_shipped_example_imports_into_an_empty_register(uow_factory, database_url, monkeypatch, capsys) -> None:
    code, out = run_import(monkeypatch, database_url, capsys, str(EXAMPLE), "--locale", "en")
    assert code == 0, out
    assert "Units of the org tree: 5 added, 0 changed, 0 unchanged" in out
    assert "Cadres: 4 added" in out and "Enterprises: 2 added" in out and "包联: 2 set" in out
    held = register(uow_factory)
    assert held["units"]["新村镇"] == ("township", "新郑市", "赵主任")  # its duty cadre: 属地兜底 works at once
    assert held["units"]["裴李岗村第一网格"] == ("grid", "裴李岗村", None)
    assert held["cadres"]["陈晓明"][1:] == ("XC002", "butler", "新村镇", "+8613525566031")
    assert held["cadres"]["吴海燕"][1] == "+8613603710231", "no staff number: the phone is the key"
    assert held["enterprises"][RUNHONG][1:] == ("润弘制药股份有限公司", "新村镇裴李岗路18号", "裴李岗村第一网格", "陈晓明")
    assert held["enterprises"][HUAXIN][4] == "吴海燕", "a 包联 may name the cadre by phone"

    code, out = run_import(monkeypatch, database_url, capsys, str(EXAMPLE), "--locale", "en")
    assert code == 0 and "Units of the org tree: 0 added, 0 changed, 5 unchanged" in out and "包联: 0 set, 0 moved" in out
    assert register(uow_factory) == held, "the same sheet again changes nothing"


def test_the_template_written_is_the_shipped_example(tmp_path: Path) -> None:
    from bot.cli import main
    from bot.sheets import read_file

    written = tmp_path / "template.xlsx"
    assert main(["import", "--template", str(written)]) == 0
    as_rows = lambda path: [(sheet.name, list(sheet.rows)) for sheet in read_file(path)]  # noqa: E731
    assert as_rows(written) == as_rows(EXAMPLE), "docs/import-example.xlsx: lianxin import --template it again"
    assert [name for name, _ in as_rows(written)] == ["组织机构", "干部", "企业", "包联"]


GOOD_A, GOOD_B, GOOD_C, UNKNOWN_D = (demo_credit_code("91", code) for code in ("MA11AAAA1", "MA22BBBB2",
                                                                               "MA33CCCC3", "MA44DDDD4"))
WRONG_CHECK = GOOD_A[:17] + ("0" if GOOD_A[17] != "0" else "1")

BROKEN = {
    "组织机构": [["单位名称", "层级", "上级单位"],
                 ["新村镇第三网格", "格子", "新村镇"],
                 ["东风村", "村", "不存在镇"],
                 ["南山村", "村", "新村镇"],
                 ["南山村", "村", "新村镇"],
                 ["甲网格", "网格", "乙网格"],
                 ["乙网格", "网格", "甲网格"]],
    "干部": [["干部编号", "姓名", "角色", "所属单位", "手机号"],
             ["K1", "张三", "队长", "新村镇", "13800138000"],
             ["K2", "李四", "网格员", "新村镇", "12345"],
             ["K3", "王五", "网格员", "不存在村", "13800138001"],
             ["K4", "", "网格员", "新村镇", "13800138002"],
             ["K5", "赵六", "网格员", "南山村", "13800138003"],
             ["K5", "钱七", "网格员", "南山村", "13800138004"]],
    "企业": [["企业名称", "统一社会信用代码", "地址", "所属网格", "联系电话"],
             ["坏码公司", WRONG_CHECK, "", "新村镇", ""],
             ["短码公司", "12345", "", "新村镇", ""],
             ["新公司", GOOD_A, "", "南山村", ""],
             ["重复公司", GOOD_A, "", "南山村", ""],
             ["无网格公司", GOOD_B, "", "不存在网格", ""],
             ["电话公司", GOOD_C, "", "新村镇", "abc"],
             ["润弘制药股份有限公司", RUNHONG, "新地址1号", "裴李岗村第一网格", ""]],
    "包联": [["统一社会信用代码", "包联干部编号"],
             [GOOD_A, "NOPE"],
             [UNKNOWN_D, "K5"],
             [RUNHONG, "K5"]],
    "企业2": [["企业名称", "统一社会信用代码"], ["某公司", GOOD_B]],
}

EVERY_BAD_ROW = [
    ("组织机构", 2, "Unknown level 格子"),
    ("组织机构", 3, "There is no unit named 不存在镇"),
    ("组织机构", 5, "The unit 南山村 is listed twice (first on row 4)"),
    ("组织机构", 6, "The parents of 甲网格 go round in a circle"),
    ("组织机构", 7, "The parents of 乙网格 go round in a circle"),
    ("干部", 2, "Unknown role 队长"),
    ("干部", 3, "12345 is not a phone number"),
    ("干部", 4, "There is no unit named 不存在村"),
    ("干部", 5, "姓名 is empty"),
    ("干部", 7, "The cadre key K5 is listed twice (first on row 6)"),
    ("企业", 2, "the check character (the last one) is wrong"),
    ("企业", 3, "12345 is not a 统一社会信用代码"),
    ("企业", 5, f"The credit code {GOOD_A} is listed twice (first on row 4)"),
    ("企业", 6, "There is no unit named 不存在网格"),
    ("企业", 7, "abc is not a phone number"),
    ("包联", 2, "There is no cadre with the key NOPE"),
    ("包联", 3, f"There is no enterprise with the credit code {UNKNOWN_D}"),
    ("企业2", 1, "The column 所属网格 is missing"),
]


def test_a_broken_sheet_lists_every_bad_row_and_writes_nothing(
        uow_factory, demo, database_url, monkeypatch, capsys, tmp_path) -> None:
    before = register(uow_factory)
    path = write_xlsx(tmp_path / "broken.xlsx", BROKEN)
    code, out = run_import(monkeypatch, database_url, capsys, str(path), "--locale", "en")
    assert code == 1
    assert f"Nothing was imported: {len(EVERY_BAD_ROW)} problems in the sheets." in out
    lines = out.splitlines()
    for sheet, row, reason in EVERY_BAD_ROW:
        assert any(line.startswith(f"{sheet}, row {row}: ") and reason in line for line in lines), (sheet, row, reason)
    assert len([line for line in lines if ", row " in line]) == len(EVERY_BAD_ROW), "good rows are not listed"
    assert register(uow_factory) == before, "nothing half-imported: not even the good rows"

    code, out = run_import(monkeypatch, database_url, capsys, str(path), "--locale", "zh_CN")
    assert code == 1 and "干部，第 3 行：12345 不是有效的手机号码" in out, "in the importer's language"


def test_a_changed_sheet_updates_in_place_and_the_open_ticket_follows_its_new_baolian(
        uow_factory, database_url, monkeypatch, capsys, tmp_path) -> None:
    first = write_xlsx(tmp_path / "v1.xlsx", {"组织机构": UNITS, "干部": CADRES, "企业": ENTERPRISES, "包联": BAOLIAN})
    assert run_import(monkeypatch, database_url, capsys, str(first))[0] == 0
    number = report_problem_of(uow_factory, RUNHONG)
    held, owed = register(uow_factory), outbox_rows(uow_factory)

    lvyuan = demo_credit_code("91", "MA9GKT6W3")
    cadres = [CADRES[0], CADRES[1], ["XC002", "陈晓明", "服务管家", "新村镇", "13525566032"], CADRES[3]]  # 吴海燕 left out
    enterprises = [ENTERPRISES[0], ENTERPRISES[1], ["郑州华信食品有限公司", HUAXIN, "新村镇工业园区8号", "裴李岗村第一网格", ""],
                   ["郑州绿源物流有限公司", lvyuan, "新村镇物流大道3号", "裴李岗村第一网格", ""]]
    baolian = [BAOLIAN[0], [RUNHONG, "XC003"]]  # 华信's 包联 left out: it stays
    second = write_xlsx(tmp_path / "v2.xlsx", {"组织机构": UNITS, "干部": cadres, "企业": enterprises, "包联": baolian})
    code, out = run_import(monkeypatch, database_url, capsys, str(second), "--locale", "en")
    assert code == 0, out
    assert "Units of the org tree: 0 added, 0 changed, 5 unchanged; 0 in the register but not in the sheets" in out
    assert "Cadres: 0 added, 1 changed, 2 unchanged; 1 in the register but not in the sheets, left as they are." in out
    assert "Enterprises: 1 added, 1 changed, 1 unchanged; 0 in the register" in out
    assert "包联: 0 set, 1 moved to another cadre, 0 unchanged." in out
    assert "1 open tickets followed their enterprise's new 包联." in out

    now = register(uow_factory)
    assert now["cadres"]["陈晓明"] == (*held["cadres"]["陈晓明"][:4], "+8613525566032"), "the same cadre, updated"
    assert now["cadres"]["吴海燕"] == held["cadres"]["吴海燕"], "left out of the sheet: left as it was"
    assert now["enterprises"][HUAXIN] == (*held["enterprises"][HUAXIN][:2], "新村镇工业园区8号", "裴李岗村第一网格", "吴海燕")
    assert now["enterprises"][RUNHONG][4] == "王丽娟"
    with uow_factory() as uow:
        ticket = uow.tickets.by_number(number)
        reassigned = ticket.events[-1]
    assert ticket.owner_cadre_id == now["cadres"]["王丽娟"][0]
    assert (reassigned.kind, reassigned.data["reason"]) == (EventKind.REASSIGNED, "baolian_moved")
    assert reassigned.data["previous_owner"] == held["cadres"]["陈晓明"][0]
    assert outbox_rows(uow_factory) == owed + 1, "the reporter hears who handles it now (the outbox, with the change)"


def outbox_rows(uow_factory) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(sa.select(sa.func.count()).select_from(OutboxRow))


def report_problem_of(uow_factory, code: str) -> str:
    """An owner reports a problem of the enterprise through the core: routed to its 包联."""
    from datetime import UTC, datetime

    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "企业主")
        enterprise = uow.directory.enterprise_by_code(code)
        work = Work(uow=uow, now=datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
        ticket, owner = services.open_ticket(services.Report(
            by=account.id, kind=ReporterKind.ENTERPRISE, category="power", description="厂区停电三小时",
            phone="+8613800138000", enterprise_id=enterprise.id), work)
        uow.outbox.put(work.replies, Lane.NOTICE)
        uow.commit()
    assert owner.name == "陈晓明"
    return ticket.number


@pytest.fixture(autouse=True)
def _quiet_calendar_warning(caplog) -> None:
    caplog.set_level("ERROR", logger="bot.bootstrap")
