"""`lianxin import` at a city's size: 50,000 enterprises, 10,000 cadres, their org tree and 包联.

    .venv/bin/python -m benchmarks.import                     # SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.import --db sqlite --enterprises 5000 --cadres 1000

Generates one .xlsx (组织机构, 干部, 企业, 包联; every code with its right check character), then on
each database, fresh and migrated: the first import (everything added), the same file again
(everything unchanged) and a changed file (1 % of the enterprises' addresses and 包联 changed).
Each figure is the whole of `Lianxin.import_sheets`: reading the file, checking every row, writing
in one transaction. It also times the two .xlsx readers the import could use on the enterprise
sheet (python-calamine, openpyxl read-only), which chose the first. PostgreSQL runs on a throw-away
cluster (tests/support/pg_cluster.py). Prints the load average (uptime) before and after: the
machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import print_header

ROOT = Path(__file__).resolve().parents[1]
TOWNSHIPS, COMMUNITIES, GRIDS = 20, 15, 4  # 1,200 grids under one district


def credit_code(n: int) -> str:
    from handlers.domain.credit_code import ALPHABET, check_character

    digits = ""
    for _ in range(8):
        n, rest = divmod(n, len(ALPHABET))
        digits = ALPHABET[rest] + digits
    first17 = "91410184M" + digits
    return first17 + check_character(first17)


def sheets(enterprises: int, cadres: int, changed: bool = False) -> dict[str, list[list[str]]]:
    """The office's four sheets; `changed`: every 100th enterprise moved and given another 包联."""
    units = [["单位名称", "层级", "上级单位", "值班干部编号"], ["新郑市", "区县", "", ""]]
    grids = []
    for t in range(TOWNSHIPS):
        township = f"第{t + 1}镇"
        units.append([township, "乡镇", "新郑市", f"S{t:05d}"])
        for c in range(COMMUNITIES):
            community = f"{township}第{c + 1}村"
            units.append([community, "村", township, ""])
            for g in range(GRIDS):
                grids.append(f"{community}第{g + 1}网格")
                units.append([grids[-1], "网格", community, ""])
    people = [["干部编号", "姓名", "角色", "所属单位", "手机号"]]
    for n in range(cadres):
        unit, role = (f"第{n + 1}镇", "乡镇领导") if n < TOWNSHIPS else (grids[n % len(grids)], "网格员")
        people.append([f"S{n:05d}", f"干部{n}", role, unit, f"138{n:08d}"])
    firms = [["企业名称", "统一社会信用代码", "地址", "所属网格", "联系电话"]]
    baolian = [["统一社会信用代码", "包联干部编号"]]
    for n in range(enterprises):
        moved = changed and n % 100 == 0
        code = credit_code(n)
        firms.append([f"测试企业{n}有限公司", code, f"工业园区{n}号{'（新址）' if moved else ''}", grids[n % len(grids)],
                      f"139{n:08d}"])
        baolian.append([code, f"S{(n + (7 if moved else 0)) % cadres:05d}"])
    return {"组织机构": units, "干部": people, "企业": firms, "包联": baolian}


def write_xlsx(path: Path, content: dict[str, list[list[str]]]) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    for name, rows in content.items():
        sheet = workbook.add_worksheet(name)
        for number, row in enumerate(rows):
            sheet.write_row(number, 0, row)
    workbook.close()
    return path


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def cpu_timed(action: Callable[[], object]) -> tuple[float, float, object]:
    """Wall seconds, this process's CPU seconds (not the PostgreSQL server's), the result."""
    cpu = time.process_time()
    seconds, result = timed(action)
    return seconds, time.process_time() - cpu, result


def readers(path: Path) -> None:
    """Seconds to read the enterprise sheet's rows with each reader (best of 3)."""
    def calamine() -> int:
        from python_calamine import CalamineWorkbook

        return sum(1 for _ in CalamineWorkbook.from_path(str(path)).get_sheet_by_name("企业").iter_rows())

    def openpyxl_read_only() -> int:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return sum(1 for _ in workbook["企业"].iter_rows(values_only=True))
        finally:
            workbook.close()

    for reader in (calamine, openpyxl_read_only):
        try:
            best = min(timed(reader)[0] for _ in range(3))
        except ImportError:
            print(f"  reader {reader.__name__}: not installed (pip install openpyxl)")
            continue
        print(f"  reader {reader.__name__:20} {best:6.2f} s for the enterprise sheet")


def import_once(url: str, path: Path) -> tuple[float, float, str]:
    """Seconds for one whole import, and its counts: kind +added ~changed =unchanged."""
    from bot.i18n import Translator
    from bot.sheets import read_file
    from handlers.app import Lianxin, SystemClock
    from handlers.imports.report import report
    from storage.uow import uow_factory

    factory = uow_factory(url)
    try:
        seconds, cpu, outcome = cpu_timed(lambda: Lianxin(factory, SystemClock()).import_sheets(read_file(path)))
    finally:
        factory.dispose()
    assert outcome.written, Translator().render(report(outcome, limit=5), "en")  # type: ignore[attr-defined]
    counts = outcome.plan.counts  # type: ignore[attr-defined]
    return seconds, cpu, "  ".join(f"{kind.value} +{c.added} ~{c.changed} ={c.unchanged}" for kind, c in counts.items())


def run(db: str, url: str, first: Path, again: Path) -> None:
    from storage.db import upgrade

    upgrade(url)
    for label, path in (("first import", first), ("same file again", first), ("changed file", again)):
        seconds, cpu, counts = import_once(url, path)
        print(f"  {db:10} {label:16} {seconds:6.1f} s (CPU {cpu:5.1f} s)   {counts}", flush=True)


def load() -> str:
    return os.popen("uptime").read().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--cadres", type=int, default=10_000)
    args = parser.parse_args()
    print_header("benchmarks.import")
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        first = write_xlsx(Path(folder) / "city.xlsx", sheets(args.enterprises, args.cadres))
        again = write_xlsx(Path(folder) / "city-changed.xlsx", sheets(args.enterprises, args.cadres, changed=True))
        print(f"generated {args.enterprises:,} enterprises, {args.cadres:,} cadres, "
              f"{1 + TOWNSHIPS * (1 + COMMUNITIES * (1 + GRIDS)):,} units in {time.perf_counter() - started:.1f} s "
              f"({first.stat().st_size / 1e6:.1f} MB)")
        readers(first)
        if args.db in ("sqlite", "both"):
            run("sqlite", f"sqlite:///{folder}/import.db", first, again)
        if args.db in ("postgres", "both"):
            sys.path.insert(0, str(ROOT))
            from tests.support.pg_cluster import ThrowawayCluster

            cluster = ThrowawayCluster().start()
            try:
                run("postgresql", cluster.create_database("import_bench"), first, again)
            finally:
                cluster.stop()
    print(f"load after: {load()}  ({datetime.now(UTC).isoformat(timespec='seconds')})")


if __name__ == "__main__":
    main()
