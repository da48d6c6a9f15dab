"""问题台账 as an .xlsx an office can print: one row per problem, the history on a second sheet.

    summary = write_ledger(uow_factory.session_factory, unit_id, now, rules, translator, "zh_CN", path)

The workbook is written in openpyxl's write-only mode while the rows stream out of the
database (storage/ledger.py): rows go to a temporary file as they come, so memory stays
flat however long the ledger is (docs/ledger.md has the figures). Write-only mode writes a
sheet's views and column widths before its first row and its filter at the end, so the
frozen header and the widths are set first, the filter's range last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import Translator
from handlers.domain.categories import CATEGORY_LABELS
from handlers.domain.events import EventKind
from handlers.domain.flags import Flag, due_day
from handlers.domain.labels import (DIFFICULTY_LABELS, EVENT_LABELS, FLAG_MARKS, LADDER_LABELS, STATUS_LABELS,
                                    TIER_LABELS)
from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import ReporterKind
from handlers.messages import Msg, plain, t
from handlers.rules import Rules
from storage.ledger import HistoryRow, LedgerRow, cadre_names, history_rows, ledger_rows

DATE_TIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
CLOSED_FILL = PatternFill("solid", fgColor="E2EFDA")  # 销号 rows: pale green, still legible in grey print
HEADER_FONT = Font(bold=True)
TICK = "✓"

FLAG_NAMES: dict[Flag, Msg] = {Flag.GREEN: t("green flag"), Flag.RED: t("red flag"), Flag.BLACK: t("black flag")}

# (header, width in characters, number format of the value)
LEDGER_COLUMNS: tuple[tuple[Msg, int, str | None], ...] = (
    (t("Number"), 16, None),
    (t("Received"), 17, DATE_TIME),
    (t("Enterprise / reporter"), 28, None),
    (t("Class"), 16, None),
    (t("Tier (研判)"), 16, None),
    (t("Difficulty"), 10, None),
    (t("Owner"), 10, None),
    (t("Owner's unit"), 16, None),
    (t("Status"), 12, None),
    (t("Taken up"), 17, DATE_TIME),
    (t("Resolved"), 17, DATE_TIME),
    (t("Closed off (销号)"), 17, DATE_TIME),
    (t("Due: taking it up (交办)"), 12, DATE),
    (t("Due: first answer"), 12, DATE),
    (t("Due: settling it (办结)"), 12, DATE),
    (t("Flag now"), 10, None),
    (t("Rating"), 8, None),
    (t("Struck off (销号)"), 6, None),
)
HISTORY_COLUMNS: tuple[tuple[Msg, int, str | None], ...] = (
    (t("Number"), 16, None),
    (t("Time"), 17, DATE_TIME),
    (t("What happened"), 34, None),
    (t("Who"), 10, None),
    (t("Details"), 60, None),
)
# free text the cadres and the reporter wrote into an event, shown in Details; the reporter's
# answers to the handler (info_given) are left out: they may carry personal data.
TEXT_KEYS = ("reason", "note", "question", "text")
PRIVATE_KINDS = frozenset({EventKind.INFO_GIVEN})


@dataclass(frozen=True)
class LedgerSummary:
    rows: int  # problems on sheet 1
    confirmed: int  # of which 销号
    events: int  # history rows on sheet 2


def write_ledger(db: Engine | Callable[[], Session], unit_id: int, now: datetime, rules: Rules,
                 translator: Translator, locale: str, out: Path | BinaryIO) -> LedgerSummary:
    """Write the ledger of `unit_id`'s whole subtree to `out` (a path or a binary file).

    `db` is an engine or a session factory (`UowFactory.session_factory`); the ledger is
    read in one session of its own. Flags are the ones `rules` give at `now`, times are
    shown in `rules.time_zone`, labels in `locale`.
    """
    sessions = sessionmaker(bind=db) if isinstance(db, Engine) else db
    lines = rules.flag_lines(now)
    text = _Labels(translator, locale)
    workbook = Workbook(write_only=True)
    problems = _sheet(workbook, text(t("Problem ledger")), LEDGER_COLUMNS, text)
    history = _sheet(workbook, text(t("Handling history")), HISTORY_COLUMNS, text)
    with sessions() as session:
        rows, confirmed = _write_problems(problems, ledger_rows(session, unit_id, lines), rules, text)
        names = cadre_names(session)
        events = _write_rows(history, (_history_cells(history, row, rules.time_zone, names, text)
                                       for row in history_rows(session, unit_id)))
    _filter(problems, len(LEDGER_COLUMNS), rows)
    _filter(history, len(HISTORY_COLUMNS), events)
    workbook.save(out)
    return LedgerSummary(rows=rows, confirmed=confirmed, events=events)


def ledger_filename(translator: Translator, locale: str, unit_name: str, day: date) -> str:
    """台账-城关街道-2026-11-23.xlsx: what the office sees in its downloads."""
    prefix = translator.render(t("ledger"), locale)
    return f"{prefix}-{unit_name}-{day.isoformat()}.xlsx"


class _Labels:
    """The translator for one locale, remembering each rendered label: a ledger repeats a few
    dozen labels over hundreds of thousands of rows."""

    def __init__(self, translator: Translator, locale: str) -> None:
        self.translator, self.locale = translator, locale
        self._seen: dict[str, str] = {}

    def __call__(self, msg: Msg) -> str:
        if msg.params:  # parametrised: different each time
            return self.translator.render(msg, self.locale)
        if msg.key not in self._seen:
            self._seen[msg.key] = self.translator.render(msg, self.locale)
        return self._seen[msg.key]


def _sheet(workbook: Workbook, title: str, columns: tuple[tuple[Msg, int, str | None], ...],
           text: _Labels) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(title)
    # all of this goes out with the sheet's first row, so before it
    sheet.freeze_panes = "A2"
    for index, (_, width, _) in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.print_title_rows = "1:1"  # the header on every printed page
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes, one page across
    sheet.HeaderFooter.oddHeader.center.text = title
    header = []
    for msg, _, _ in columns:
        cell = WriteOnlyCell(sheet, value=text(msg))
        cell.font = HEADER_FONT
        header.append(cell)
    sheet.append(header)
    return sheet


def _filter(sheet: WriteOnlyWorksheet, columns: int, rows: int) -> None:
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows + 1}"


def _write_rows(sheet: WriteOnlyWorksheet, rows: Iterable[list[Any]]) -> int:
    count = 0
    for cells in rows:
        sheet.append(cells)
        count += 1
    return count


def _write_problems(sheet: WriteOnlyWorksheet, rows: Iterator[LedgerRow], rules: Rules,
                    text: _Labels) -> tuple[int, int]:
    count = confirmed = 0
    for row in rows:
        sheet.append(_problem_cells(sheet, row, rules, text))
        count += 1
        confirmed += row.confirmed
    return count, confirmed


def _problem_cells(sheet: WriteOnlyWorksheet, row: LedgerRow, rules: Rules, text: _Labels) -> list[Any]:
    tz = rules.time_zone
    values = [
        row.number,
        _local(row.received_at, tz),
        _reporter(row, text),
        _label(CATEGORIES, row.category, text),
        _label(TIERS, row.tier, text),
        _label(DIFFICULTIES, row.difficulty, text),
        _safe(row.owner),
        _safe(row.owner_unit),
        _label(STATUSES, row.status, text),
        _local(row.taken_up_at, tz),
        _local(row.resolved_at, tz),
        _local(row.closed_at, tz),
        _due(row.assign_due_at, rules, text),
        _due(row.answer_due_at, rules, text),
        _due(row.settle_due_at, rules, text),
        f"{FLAG_MARKS[row.flag]} {text(FLAG_NAMES[row.flag])}" if row.flag else None,
        row.rating,
        TICK if row.confirmed else None,
    ]
    fill = CLOSED_FILL if row.confirmed else None
    return [_cell(sheet, value, fmt, fill) for value, (_, _, fmt) in zip(values, LEDGER_COLUMNS, strict=True)]


def _history_cells(sheet: WriteOnlyWorksheet, row: HistoryRow, tz: ZoneInfo, names: dict[int, str],
                   text: _Labels) -> list[Any]:
    who = row.cadre or text(t("system") if row.actor_account_id is None else t("reporter"))
    return [row.number, _cell(sheet, _local(row.at, tz), DATE_TIME), _happened(row, tz, text),
            _cell(sheet, _safe(who)), _cell(sheet, _safe(_details(row, names, text)))]


def _cell(sheet: WriteOnlyWorksheet, value: Any, number_format: str | None = None,
          fill: PatternFill | None = None) -> Any:
    """A styled cell where there is a format or a fill, else the bare value (cheaper to write).
    Text starting with "=" stays text: openpyxl would write it as a formula."""
    formula_like = isinstance(value, str) and value.startswith("=")
    if value is None and fill is None:
        return None
    if number_format is None and fill is None and not formula_like:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if formula_like:
        cell.data_type = "s"
    if number_format is not None and value is not None:
        cell.number_format = number_format
    if fill is not None:
        cell.fill = fill
    return cell


def _safe(value: str | None) -> str | None:
    """Names and free text without the control characters openpyxl refuses a row for."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if value else None


def _reporter(row: LedgerRow, text: _Labels) -> str | None:
    if row.enterprise:
        return _safe(row.enterprise)
    return text(t("Resident")) if row.reporter_kind == ReporterKind.RESIDENT else None


def _by_value(labels: dict[Any, Msg]) -> dict[str, Msg]:
    # a StrEnum member hashes by its name, not its value: key by the stored string
    return {str(key.value): msg for key, msg in labels.items()}


CATEGORIES, TIERS, DIFFICULTIES, STATUSES = map(_by_value, (CATEGORY_LABELS, TIER_LABELS, DIFFICULTY_LABELS,
                                                           STATUS_LABELS))


def _label(labels: dict[str, Msg], value: str | None, text: _Labels) -> str | None:
    """The translated label of a stored enum value; a value the labels don't know shows raw."""
    if value is None:
        return None
    msg = labels.get(value)
    return text(msg) if msg is not None else value


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    # Excel has no time zones: local wall-clock time, naive
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


def _due(moment: datetime | None, rules: Rules, text: _Labels) -> date | str | None:
    """The local working day the deadline closes (a 24:00 deadline is that day, not the next); as
    text marked "(provisional)" when its year's official holiday list is not loaded."""
    if moment is None:
        return None
    day = due_day(moment, rules.time_zone)
    return text(t("{day} (provisional)", day=plain(day.isoformat()))) if rules.calendar.is_provisional(day) else day


def _happened(row: HistoryRow, tz: ZoneInfo, text: _Labels) -> str:
    if row.kind == EventKind.EXTENSION_GRANTED:
        return text(t("more time approved (延期): due {original} → {extended}",
                      original=plain(_day(row.data.get("original_due"), tz)),
                      extended=plain(_day(row.data.get("extended_due"), tz))))
    if row.kind == LADDER_EVENT:
        return text(LADDER_LABELS.get(row.data.get("rung", ""), plain(row.kind)))
    return text(EVENT_LABELS.get(row.kind, plain(row.kind)))


def _day(stored: str | None, tz: ZoneInfo) -> str:
    return due_day(datetime.fromisoformat(stored), tz).isoformat() if stored else "?"


def _details(row: HistoryRow, names: dict[int, str], text: _Labels) -> str:
    """What an event's data says, in a line: who it went to, the class, the stars, the words."""
    data, parts = row.data, []
    if row.kind == EventKind.CLASSIFIED:
        parts += [_label(TIERS, data.get("tier"), text) or "",
                  _label(DIFFICULTIES, data.get("difficulty"), text) or ""]
    if row.kind == EventKind.RATED and isinstance(data.get("stars"), int):
        parts.append("★" * data["stars"] + "☆" * (5 - data["stars"]))
    if isinstance(data.get("days"), int):
        parts.append(text(t("{days} working days", days=data["days"])))
    for key in ("to", "cadre_id"):  # a cadre by id; "to" of a link is a ticket number
        value = data.get(key)
        if isinstance(value, int):
            parts.append(f"→ {names.get(value, value)}")
        elif isinstance(value, str) and value:
            parts.append(f"→ {value}")
    parts += [data[key] for key in ("duplicate", "ticket", "follow_up") if isinstance(data.get(key), str)]
    if row.kind not in PRIVATE_KINDS and row.kind != EventKind.ASSIGNED:  # assigned's reason is a routing code
        parts += [data[key] for key in TEXT_KEYS if isinstance(data.get(key), str) and data[key]]
    return " · ".join(part for part in parts if part)
