"""The .xlsx writers benchmarks/ledger.py compares, each as a `bot.ledger.Book`.

The ledger is read and formatted by bot.ledger as in the bot; only the writer changes.
`xlsxwriter` is the bot's own (bot.ledger.XlsxBook). `openpyxl` is what the bot used before
(write-only mode, styled `WriteOnlyCell`s where a format or a fill is needed, inline strings).
`pyexcelerate` gets the same values and styles, as far as it has them: it has no print setup
(print titles, landscape, fit to width, page header), and it keeps every row in memory until
it saves (it takes its rows as a list), which is why the bot cannot use it for a ledger of any
size. openpyxl and pyexcelerate are in the `bench` extra: `.venv/bin/pip install -e '.[bench]'`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from bot.ledger import CLOSED_FILL, Book, Columns, Sheet, XlsxBook


class OpenpyxlBook:
    """openpyxl's write-only mode: rows streamed to a temporary file."""

    def __init__(self, out: Path | BinaryIO) -> None:
        from openpyxl import Workbook

        self.out = out
        self.workbook = Workbook(write_only=True)

    def sheet(self, title: str, columns: Columns, header: list[str]) -> Sheet:
        return _OpenpyxlSheet(self.workbook.create_sheet(title), title, columns, header)

    def close(self) -> None:
        self.workbook.save(self.out)


class _OpenpyxlSheet:
    def __init__(self, sheet: Any, title: str, columns: Columns, header: list[str]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        self.sheet, self.cell, self.letter = sheet, WriteOnlyCell, get_column_letter
        self.fill = PatternFill("solid", fgColor=CLOSED_FILL.lstrip("#"))
        self.formats = [fmt for _, _, fmt in columns]
        self.rows = 0
        sheet.freeze_panes = "A2"  # all of this goes out with the sheet's first row, so before it
        for index, (_, width, _) in enumerate(columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToHeight = 0
        sheet.HeaderFooter.oddHeader.center.text = title
        bold = Font(bold=True)
        cells = []
        for name in header:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    def write(self, values: list[Any], filled: bool = False) -> None:
        self.rows += 1
        self.sheet.append([self._cell(value, fmt, filled) for value, fmt in zip(values, self.formats, strict=True)])

    def _cell(self, value: Any, number_format: str | None, filled: bool) -> Any:
        formula_like = isinstance(value, str) and value.startswith("=")
        if value is None and not filled:
            return None
        if (number_format is None or isinstance(value, str)) and not filled and not formula_like:
            return value
        cell = self.cell(self.sheet, value=value)
        if formula_like:
            cell.data_type = "s"
        if number_format is not None and isinstance(value, date):
            cell.number_format = number_format
        if filled:
            cell.fill = self.fill
        return cell

    def close_filter(self) -> None:
        self.sheet.auto_filter.ref = f"A1:{self.letter(len(self.formats))}{self.rows + 1}"


class PyexcelerateBook:
    """pyexcelerate: every row held in a list until the workbook is saved."""

    def __init__(self, out: Path | BinaryIO) -> None:
        from pyexcelerate import Workbook

        self.out = out
        self.workbook = Workbook()
        self.sheets: list[_PyexcelerateSheet] = []

    def sheet(self, title: str, columns: Columns, header: list[str]) -> Sheet:
        sheet = _PyexcelerateSheet(title, columns, header)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> None:
        for sheet in self.sheets:
            sheet.add_to(self.workbook)
        self.workbook.save(str(self.out) if isinstance(self.out, Path) else self.out)


class _PyexcelerateSheet:
    def __init__(self, title: str, columns: Columns, header: list[str]) -> None:
        self.title, self.columns = title, columns
        self.data: list[list[Any]] = [header]
        self.filled: list[int] = []
        self.rows = 0

    def write(self, values: list[Any], filled: bool = False) -> None:
        self.rows += 1
        self.data.append(values)
        if filled:
            self.filled.append(self.rows + 1)

    def close_filter(self) -> None:
        pass  # set when the sheet is made (pyexcelerate filters every row it holds)

    def add_to(self, workbook: Any) -> None:
        from pyexcelerate import Color, Fill, Font, Format, Panes, Style

        sheet = workbook.new_sheet(self.title, data=self.data)
        sheet.panes = Panes(0, 1)
        sheet.auto_filter = True
        for index, (_, width, number_format) in enumerate(self.columns, 1):
            sheet.set_col_style(index, Style(size=width, format=Format(number_format) if number_format else None))
        sheet.set_row_style(1, Style(font=Font(bold=True)))
        fill = Style(fill=Fill(background=Color(0xE2, 0xEF, 0xDA)))
        for row in self.filled:
            sheet.set_row_style(row, fill)


WRITERS: dict[str, Callable[[Path | BinaryIO], Book]] = {
    "xlsxwriter": XlsxBook, "openpyxl": OpenpyxlBook, "pyexcelerate": PyexcelerateBook,
}
