"""Reading the office's files (bot/sheets.py) into rows: a CSV holds one kind, told by its name or,
failing that, by its headers (Chinese or English); Excel's Chinese CSVs come in GB18030."""

from __future__ import annotations

from pathlib import Path

from bot.sheets import read_file
from handlers.imports.rows import read_sheets

CODE = "91410184MA44RH1E04"


def test_a_csv_named_anyhow_is_told_by_its_chinese_headers_even_in_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "2026年11月导出.csv"
    path.write_bytes(f"企业名称,统一社会信用代码,所属网格\r\n润弘制药,{CODE},裴李岗村第一网格\r\n".encode("gb18030"))
    lines = read_sheets(read_file(path))
    assert lines.problems == []
    assert [(e.where.sheet, e.where.row, e.name, e.code, e.grid) for e in lines.enterprises] == [
        ("2026年11月导出", 2, "润弘制药", CODE, "裴李岗村第一网格")]


def test_english_headers_and_a_file_name_that_says_the_kind(tmp_path: Path) -> None:
    path = tmp_path / "cadres.csv"
    path.write_text("Staff number,Name,Role,Unit,Phone\nXC9,Li Ming,butler,新村镇,138 0013 8000\n", encoding="utf-8-sig")
    [cadre] = read_sheets(read_file(path)).cadres
    assert (cadre.key, cadre.name, cadre.role.value, cadre.unit, cadre.phone) == (
        "XC9", "Li Ming", "butler", "新村镇", "+8613800138000")


def test_a_csv_whose_headers_say_nothing_known_is_one_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("甲,乙\n1,2\n", encoding="utf-8")
    [problem] = read_sheets(read_file(path)).problems
    assert (problem.sheet, problem.row) == ("data", 1) and problem.reason.key.startswith("Cannot tell what this sheet")
