"""Spreadsheets in and out for the import: .xlsx and .csv files -> `RawSheet`s (the core's parsed
form, handlers.imports.rows), and the template to fill in.

File formats are the shell's business, like the ledger it writes (bot/ledger.py): the core reads
rows, storage writes them. .xlsx is read with python-calamine (Rust): a 50,000-row sheet in 0.3–0.5 s
where openpyxl's read-only mode took 3.5–3.7 s (docs/import.md). Rows come one at a time, so the
command line can show its progress as it reads.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from handlers.imports.columns import KINDS
from handlers.imports.rows import RawSheet, UnreadableSheet
from handlers.seam import Document

XLSX, CSV = ".xlsx", ".csv"
TEMPLATE_NAME = "导入模板.xlsx"


def read_file(path: Path) -> list[RawSheet]:
    """The sheets of an .xlsx file, or the one sheet of a .csv (named after the file: 企业.csv holds
    enterprises; any other name, and the headers say). Rows are read as they are iterated."""
    suffix = path.suffix.lower()
    if suffix == XLSX:
        return _xlsx(lambda: _open_workbook(str(path)))
    if suffix == CSV:
        return [RawSheet(path.stem, _csv_rows(lambda: path.open("rb")))]
    raise UnreadableSheet(f"{path.name}: not an .xlsx or .csv file")


def read_bytes(data: bytes, file_name: str) -> list[RawSheet]:
    """The same from a file's bytes (one sent in chat), read whole: a bad file fails here, not halfway."""
    suffix = Path(file_name).suffix.lower()
    if suffix == XLSX:
        sheets = _xlsx(lambda: _open_workbook(io.BytesIO(data)))
    elif suffix == CSV:
        sheets = [RawSheet(Path(file_name).stem, _csv_rows(lambda: io.BytesIO(data)))]
    else:
        raise UnreadableSheet(f"{file_name}: not an .xlsx or .csv file")
    try:
        return [RawSheet(sheet.name, list(sheet.rows)) for sheet in sheets]
    except UnreadableSheet:
        raise
    except Exception as exc:  # a corrupt file: whatever the reader raises
        raise UnreadableSheet(f"{file_name}: {exc}") from exc


def sheet_heights(path: Path) -> dict[str, int]:
    """Rows in each sheet of an .xlsx (for a progress bar); empty for a .csv."""
    if path.suffix.lower() != XLSX:
        return {}
    workbook = _open_workbook(str(path))
    return {meta.name: workbook.get_sheet_by_name(meta.name).height for meta in workbook.sheets_metadata}


class StoredSheets:
    """handlers.ports.Sheets: a spreadsheet sent in chat, fetched and kept by the runtime before the
    turn (bot/runtime.py, which also forgets it after the turn), read here on a connection of its own."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def take(self, document: Document) -> list[RawSheet]:
        from storage.files import FileStore

        store = FileStore.at(self.database_url)  # a file now and then: no engine kept open for it
        try:
            data = store.read(document.file_id)
        finally:
            store.engine.dispose()
        if data is None:
            raise UnreadableSheet(f"{document.file_name}: not fetched")
        return read_bytes(data, document.file_name)


# -- reading -------------------------------------------------------------------------------


def _open_workbook(source: Any) -> Any:
    from python_calamine import CalamineWorkbook  # only when a sheet is read

    try:
        return CalamineWorkbook.from_path(source) if isinstance(source, str) else CalamineWorkbook.from_filelike(source)
    except Exception as exc:
        raise UnreadableSheet(str(exc)) from exc


def _xlsx(open_workbook: Any) -> list[RawSheet]:
    workbook = open_workbook()
    return [RawSheet(meta.name, _xlsx_rows(workbook, meta.name)) for meta in workbook.sheets_metadata
            if str(meta.visible).endswith(".Visible") and str(meta.typ).endswith(".WorkSheet")]


def _xlsx_rows(workbook: Any, name: str) -> Iterator[tuple[int, Sequence[str]]]:
    sheet = workbook.get_sheet_by_name(name)
    first_row, first_column = sheet.start or (0, 0)
    for offset, cells in enumerate(sheet.iter_rows()):
        yield first_row + offset + 1, [""] * first_column + [_cell(cell) for cell in cells]


def _cell(value: object) -> str:
    """A cell as the office typed it: 13837112461, not 13837112461.0 (Excel keeps numbers as floats)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return "" if value is None else str(value)


def _csv_rows(open_file: Any) -> Iterator[tuple[int, Sequence[str]]]:
    """UTF-8 (with or without Excel's BOM), else GB18030: what Excel saves a Chinese CSV in."""
    with open_file() as raw:
        encoding = _csv_encoding(raw)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text)
        for cells in reader:
            yield reader.line_num, cells


def _csv_encoding(raw: IO[bytes]) -> str:
    head = raw.read(1 << 20)
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


# -- the template --------------------------------------------------------------------------


def write_template(target: Path | IO[bytes]) -> None:
    """One sheet per kind, named in Chinese; the header row in Chinese (the English aliases are
    accepted too, docs/import.md), required columns marked, then an example row or two."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(target if isinstance(target, Path | str) else target, {"in_memory": True})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    optional = workbook.add_format({"bold": False, "bg_color": "#F2F2F2", "border": 1})
    as_text = workbook.add_format({"num_format": "@"})  # codes and phones stay text, never 1.38E+10
    for kind in KINDS:
        sheet = workbook.add_worksheet(kind.title)
        for column_number, column in enumerate(kind.columns):
            sheet.set_column(column_number, column_number, 24, as_text)
            sheet.write_string(0, column_number, column.header, header if column.required else optional)
        for row_number, example in enumerate(kind.examples, start=1):
            for column_number, value in enumerate(example):
                sheet.write_string(row_number, column_number, value)
        sheet.freeze_panes(1, 0)
    workbook.close()


def template_bytes() -> bytes:
    buffer = io.BytesIO()
    write_template(buffer)
    return buffer.getvalue()


def counted(rows: Iterable[tuple[int, Sequence[str]]], tick: Any) -> Iterator[tuple[int, Sequence[str]]]:
    """The rows, calling `tick()` after each (a progress bar's update)."""
    for row in rows:
        yield row
        tick()
