"""问题台账 as an .xlsx an office can print: one row per problem, the history on a second sheet.

    summary = write_ledger(uow_factory.session_factory, unit_id, now, rules, translator, "zh_CN", path)

The workbook is written with xlsxwriter in constant_memory mode while the rows stream out of
the database (storage/ledger.py): each row goes to a temporary file once the next one starts,
strings inline, so memory stays flat however long the ledger is. The rows are read and
formatted in a forked process (bot/aside.py) while this one writes them: two cores, not one.
xlsxwriter was chosen on measurement over openpyxl's write-only mode (2.65 times slower) and
pyexcelerate (10–20 % faster, but it holds the whole workbook in memory): docs/ledger.md has
the figures. Sheet
settings (frozen header, widths, print setup, filter) are kept apart from the cells and
written when the workbook closes, so the filter's range can be set after the last row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from bot.aside import CAN_FORK, made_aside
from bot.i18n import Translator
from handlers.domain.categories import CATEGORY_LABELS
from handlers.domain.events import EventKind
from handlers.domain.flags import Flag, FlagLines, due_day
from handlers.domain.labels import (DIFFICULTY_LABELS, EVENT_LABELS, FLAG_MARKS, LADDER_LABELS, STATUS_LABELS,
                                    TIER_LABELS)
from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import ReporterKind
from handlers.messages import Msg, plain, t
from handlers.rules import Rules
from storage.ledger import HistoryRow, LedgerRow, cadre_names, history_rows, ledger_rows

DATE_TIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
CLOSED_FILL = "#E2EFDA"  # 销号 rows: pale green, still legible in grey print
TICK = "✓"
EXCEL_EPOCH, ONE_DAY = datetime(1899, 12, 30), timedelta(days=1)
PIXELS_PER_CHARACTER = 7  # Calibri 11's digit: xlsxwriter stores a width of N*7 pixels as N characters
# what XML 1.0 cannot carry (openpyxl's ILLEGAL_CHARACTERS_RE): dropped from names and free text
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

FLAG_NAMES: dict[Flag, Msg] = {Flag.GREEN: t("green flag"), Flag.RED: t("red flag"), Flag.BLACK: t("black flag")}

Columns = tuple[tuple[Msg, int, str | None], ...]  # (header, width in characters, number format of the value)
LEDGER_COLUMNS: Columns = (
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
HISTORY_COLUMNS: Columns = (
    (t("Number"), 16, None),
    (t("Time"), 17, DATE_TIME),
    (t("What happened"), 34, None),
    (t("Who"), 10, None),
    (t("Details"), 60, None),
)
# free text the cadres and the reporter wrote into an event, shown in Details; the reporter's
# answers to the handler (info_given) are left out: they may carry personal data.
TEXT_KEYS = ("reason", "note", "question", "text")
# what a reporter writes to the handler (an answer, an unasked addition): it may say who they are
PRIVATE_KINDS = frozenset({EventKind.INFO_GIVEN, EventKind.REPORTER_ADDED})


@dataclass(frozen=True)
class LedgerSummary:
    rows: int  # problems on sheet 1
    confirmed: int  # of which 销号
    events: int  # history rows on sheet 2


def write_ledger(db: Engine | Callable[[], Session], unit_id: int, now: datetime, rules: Rules,
                 translator: Translator, locale: str, out: Path | BinaryIO,
                 book: Callable[[Path | BinaryIO], Book] | None = None) -> LedgerSummary:
    """Write the ledger of `unit_id`'s whole subtree to `out` (a path or a binary file).

    `db` is an engine or a session factory (`UowFactory.session_factory`); the ledger is
    read in one session of its own, in a process forked for it where the platform forks
    (`_read`): it reads and formats the next rows while this one writes. Flags are
    the ones `rules` give at `now`, times are shown in `rules.time_zone`, labels in `locale`.
    `book` is the .xlsx writer: xlsxwriter's unless a benchmark compares another
    (benchmarks/ledger.py).
    """
    book = book or XlsxBook
    sessions = sessionmaker(bind=db) if isinstance(db, Engine) else db
    text = _Labels(translator, locale)
    batches = _read(_Read(sessions, unit_id, rules, rules.flag_lines(now), text))  # forked before the book opens files
    workbook = book(out)
    sheets = {PROBLEMS: _sheet(workbook, text(t("Problem ledger")), LEDGER_COLUMNS, text),
              HISTORY: _sheet(workbook, text(t("Handling history")), HISTORY_COLUMNS, text)}
    confirmed = 0
    for kind, batch in batches:
        sheet = sheets[kind]
        for values, filled in batch:
            sheet.write(values, filled)
            confirmed += filled
    for sheet in sheets.values():
        sheet.close_filter()
    workbook.close()
    return LedgerSummary(rows=sheets[PROBLEMS].rows, confirmed=confirmed, events=sheets[HISTORY].rows)


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


class Sheet(Protocol):
    """One sheet being written, row after row; `rows` counts those below the header."""

    rows: int

    def write(self, values: list[Any], filled: bool = False) -> None:
        """One row of values (str, int, date, naive local datetime, None); `filled`: a 销号 row."""

    def close_filter(self) -> None:
        """The auto filter over the header and every row written."""


class Book(Protocol):
    """An .xlsx writer: sheets with their header row, frozen, sized and set up for print."""

    def sheet(self, title: str, columns: Columns, header: list[str]) -> Sheet: ...

    def close(self) -> None: ...


class XlsxBook:
    """The workbook, streamed by xlsxwriter (constant_memory: each row leaves memory once the next begins)."""

    def __init__(self, out: Path | BinaryIO) -> None:
        self.workbook = Workbook(str(out) if isinstance(out, Path) else out, {"constant_memory": True})
        self.styles = _Styles(self.workbook)

    def sheet(self, title: str, columns: Columns, header: list[str]) -> Sheet:
        return _XlsxSheet(self.workbook.add_worksheet(title), title, columns, header, self.styles)

    def close(self) -> None:
        self.workbook.close()


class _Styles:
    """The workbook's cell formats: the bold header, and per number format (None, date-time,
    date) the plain one and the one on a 销号 row's fill."""

    def __init__(self, workbook: Workbook) -> None:
        self.header = workbook.add_format({"bold": True})
        self.plain: dict[str | None, Format | None] = {None: None}
        self.filled: dict[str | None, Format] = {None: workbook.add_format({"pattern": 1, "bg_color": CLOSED_FILL})}
        for number_format in (DATE_TIME, DATE):
            self.plain[number_format] = workbook.add_format({"num_format": number_format})
            self.filled[number_format] = workbook.add_format({"num_format": number_format, "pattern": 1,
                                                              "bg_color": CLOSED_FILL})


class _XlsxSheet:
    """One sheet, written row by row: the header first, its print setup, a filter over it all."""

    def __init__(self, sheet: Worksheet, title: str, columns: Columns, header: list[str], styles: _Styles) -> None:
        self.sheet = sheet
        self.columns = len(columns)
        self.plain = [styles.plain[fmt] for _, _, fmt in columns]
        self.filled = [styles.filled[fmt] for _, _, fmt in columns]
        self.blank_fill = styles.filled[None]  # an empty cell of a 销号 row: shaded, no number format
        self.rows = 0
        self._set_up(title, columns)
        for index, name in enumerate(header):
            sheet.write_string(0, index, name, styles.header)

    def _set_up(self, title: str, columns: Columns) -> None:
        sheet = self.sheet
        sheet.freeze_panes(1, 0)
        for index, (_, width, _) in enumerate(columns):
            sheet.set_column_pixels(index, index, width * PIXELS_PER_CHARACTER)
        sheet.repeat_rows(0)  # the header on every printed page
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)  # as many pages down as it takes, one page across
        sheet.set_header("&C" + title.replace("&", "&&"))

    def write(self, values: list[Any], filled: bool = False) -> None:
        """One row; `filled` shades every cell of it, empty ones included."""
        self.rows += 1
        row, sheet, formats = self.rows, self.sheet, self.filled if filled else self.plain
        for column, value in enumerate(values):
            if value is None:
                if filled:
                    sheet.write_blank(row, column, None, self.blank_fill)
            elif isinstance(value, str):
                sheet.write_string(row, column, value, formats[column])  # never a formula, even "=1+1"
            elif isinstance(value, int):
                sheet.write_number(row, column, value, formats[column])
            else:  # a date or a naive local time: Excel's serial day number, as write_datetime would
                sheet.write_number(row, column, _serial(value), formats[column])

    def close_filter(self) -> None:
        self.sheet.autofilter(0, 0, self.rows, self.columns - 1)


def _serial(moment: date) -> float:
    """Days since Excel's day 0 (its 1900 leap-year bug included: right from March 1900 on)."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return (moment - EXCEL_EPOCH) / ONE_DAY


def _sheet(book: Book, title: str, columns: Columns, text: _Labels) -> Sheet:
    return book.sheet(title, columns, [text(msg) for msg, _, _ in columns])


# -- reading: rows out of the database, formatted, in batches ---------------------------

PROBLEMS, HISTORY = "problems", "history"  # which sheet a batch of rows is for
Batch = list[tuple[list[Any], bool]]  # (a sheet row's values, whether it is shaded as 销号)
ROWS_PER_BATCH = 500  # what goes from the reading process to the writing one at a time


@dataclass(frozen=True)
class _Read:
    """Everything the ledger reads, as batches of sheet rows: the problems, then their history."""

    sessions: Callable[[], Session]
    unit_id: int
    rules: Rules
    lines: FlagLines
    text: _Labels

    def batches(self) -> Iterator[tuple[str, Batch]]:
        rules, text = self.rules, self.text
        with self.sessions() as session:
            problems = ((_problem_values(row, rules, text), row.confirmed)
                        for row in ledger_rows(session, self.unit_id, self.lines))
            yield from ((PROBLEMS, batch) for batch in _batched(problems))
            names = cadre_names(session)
            history = ((_history_values(row, rules.time_zone, names, text), False)
                       for row in history_rows(session, self.unit_id))
            yield from ((HISTORY, batch) for batch in _batched(history))


def _read(read: _Read) -> Iterator[tuple[str, Batch]]:
    """The batches, read in a forked process when the engine is known (its connections are then
    left to this process), else here. Reading and formatting took about a third of a ledger's
    time, which the writing no longer waits for."""
    engine = getattr(read.sessions, "kw", {}).get("bind")  # a sessionmaker's engine
    if not CAN_FORK or not isinstance(engine, Engine):
        return read.batches()
    return made_aside(read.batches, before=lambda: engine.dispose(close=False), after=engine.dispose,
                      name="lianxin-ledger-reader")


def _batched(rows: Iterable[tuple[list[Any], bool]]) -> Iterator[Batch]:
    batch: Batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == ROWS_PER_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _problem_values(row: LedgerRow, rules: Rules, text: _Labels) -> list[Any]:
    tz = rules.time_zone
    return [
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


def _history_values(row: HistoryRow, tz: ZoneInfo, names: dict[int, str], text: _Labels) -> list[Any]:
    who = row.cadre or text(t("system") if row.actor_account_id is None else t("reporter"))
    return [row.number, _local(row.at, tz), _happened(row, tz, text), _safe(who), _safe(_details(row, names, text))]


def _safe(value: str | None) -> str | None:
    """Names and free text without the control characters an .xlsx cannot hold."""
    return ILLEGAL_CHARACTERS.sub("", value) if value else None


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
