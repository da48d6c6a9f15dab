"""Parsed sheets -> typed rows: each sheet's kind told, its headers matched, each row checked alone.

The shell reads the file (bot/sheets.py) into `RawSheet`s: a name and its rows of cell texts, each
with its number as the spreadsheet shows it. What is wrong with a row is a `Problem`: where, and a
message (a key and its parameters, said in the importer's language by the shell).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from handlers.domain import credit_code
from handlers.domain.model import CadreRole, OrgLevel
from handlers.domain.phone import normalize_phone
from handlers.imports.columns import KINDS, Column, Kind, SheetKind, level_of, role_of, squeezed
from handlers.messages import Msg, t


class UnreadableSheet(Exception):
    """The file is no spreadsheet the shell can read (raised by the shell's reader)."""


@dataclass(frozen=True)
class RawSheet:
    name: str  # the sheet's name; a CSV's file name without its extension
    rows: Iterable[tuple[int, Sequence[str]]]  # (row number as shown, the cells' texts), header first


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    reason: Msg


@dataclass(frozen=True)
class Where:
    sheet: str
    row: int


@dataclass(frozen=True)
class UnitLine:
    where: Where
    name: str
    level: OrgLevel
    parent: str  # "" : the top of the tree
    duty: str  # a cadre key, or ""


@dataclass(frozen=True)
class CadreLine:
    where: Where
    key: str  # the staff number, else the phone (E.164): what a re-import finds the cadre by
    name: str
    role: CadreRole
    unit: str
    phone: str  # E.164


@dataclass(frozen=True)
class EnterpriseLine:
    where: Where
    name: str
    code: str
    address: str
    grid: str
    contact_phone: str  # E.164, or ""


@dataclass(frozen=True)
class BaolianLine:
    where: Where
    code: str
    cadre: str  # a cadre key


@dataclass
class Lines:
    """What the sheets hold, row by row, and every problem found in a row alone."""

    units: list[UnitLine] = field(default_factory=list)
    cadres: list[CadreLine] = field(default_factory=list)
    enterprises: list[EnterpriseLine] = field(default_factory=list)
    baolian: list[BaolianLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0  # data rows read, good and bad
    sheets: list[str] = field(default_factory=list)  # the sheets' names, in the files' order


def cadre_key(text: str) -> str:
    """A cadre key as compared: a phone in its E.164 form (so 138… and +86 138… are one), else as typed."""
    text = text.strip()
    return (normalize_phone(text) or text) if _could_be_phone(text) else text


def _could_be_phone(text: str) -> bool:
    return sum(ch.isdigit() for ch in text) >= 7 and all(ch.isdigit() or ch in "+-() " for ch in text)


def read_sheets(sheets: Iterable[RawSheet]) -> Lines:
    lines = Lines()
    for sheet in sheets:
        lines.sheets.append(sheet.name)
        _read_sheet(sheet, lines)
    return lines


def _read_sheet(sheet: RawSheet, lines: Lines) -> None:
    rows = iter(sheet.rows)
    header = next(((number, cells) for number, cells in rows if any(_text(c) for c in cells)), None)
    if header is None:
        return  # an empty sheet: nothing to import
    number, cells = header
    headers = [_text(cell) for cell in cells]
    kind = kind_of(sheet.name, headers)
    if kind is None:
        lines.problems.append(Problem(sheet.name, number, t(
            "Cannot tell what this sheet holds: name it 组织机构, 干部, 企业 or 包联, or use the template's headers.")))
        return
    positions, missing = _match_columns(kind, headers)
    if missing:
        lines.problems.extend(Problem(sheet.name, number, t("The column {column} is missing.", column=column.header))
                              for column in missing)
        return
    take = _TAKERS[kind.kind]
    for number, cells in rows:
        values = {f: _text(cells[i]) if i < len(cells) else "" for f, i in positions.items()}
        if not any(values.values()):
            continue  # an empty line between blocks
        lines.rows += 1
        where = Where(sheet.name, number)
        empty = [headers[positions[c.field]] for c in kind.columns if c.required and not values[c.field]]
        if empty:
            lines.problems.extend(Problem(where.sheet, where.row, t("{column} is empty.", column=name))
                                  for name in empty)
            continue
        take(where, values, lines)


def kind_of(sheet_name: str, headers: Sequence[str]) -> SheetKind | None:
    """By the sheet's (or CSV file's) name; else by the headers: the kind all of whose required
    columns are there, the one matching most columns if several are."""
    name = squeezed(sheet_name)
    for kind in KINDS:
        if any(name.startswith(squeezed(alias)) for alias in kind.names):
            return kind
    fitting = [(len(_match_columns(kind, headers)[0]), kind) for kind in KINDS if not _match_columns(kind, headers)[1]]
    return max(fitting, key=lambda pair: pair[0])[1] if fitting else None


def _match_columns(kind: SheetKind, headers: Sequence[str]) -> tuple[dict[str, int], list[Column]]:
    """field -> position of its header, and the required columns not found."""
    seen = [squeezed(header) for header in headers]
    positions: dict[str, int] = {}
    for column in kind.columns:
        for alias in column.names:
            if squeezed(alias) in seen:
                positions[column.field] = seen.index(squeezed(alias))
                break
    return positions, [c for c in kind.columns if c.required and c.field not in positions]


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


# -- each kind's row, checked alone -------------------------------------------------


def _unit(where: Where, values: dict[str, str], lines: Lines) -> None:
    level = level_of(values["level"])
    if level is None:
        return _bad(lines, where, t("Unknown level {level}: use 市, 区县, 乡镇, 街道, 村, 社区, 网格 or 部门.",
                                    level=values["level"]))
    duty = values.get("duty", "")
    lines.units.append(UnitLine(where, values["name"], level, values.get("parent", ""), cadre_key(duty) if duty else ""))


def _cadre(where: Where, values: dict[str, str], lines: Lines) -> None:
    role, phone = role_of(values["role"]), normalize_phone(values["phone"])
    bad = []
    if role is None:
        bad.append(t("Unknown role {role}: use 网格员, 服务管家, 部门经办人, 乡镇领导, 区县领导 or 营商环境监督员.",
                     role=values["role"]))
    if phone is None:
        bad.append(t("{phone} is not a phone number.", phone=values["phone"]))
    if bad:
        return _bad(lines, where, *bad)
    assert role is not None and phone is not None
    key = cadre_key(values.get("key", "")) or phone
    lines.cadres.append(CadreLine(where, key, values["name"], role, values["unit"], phone))


def _enterprise(where: Where, values: dict[str, str], lines: Lines) -> None:
    code, bad = _code(values["credit_code"])
    phone = values.get("contact_phone", "")
    contact = normalize_phone(phone) if phone else ""
    if contact is None:
        bad.append(t("{phone} is not a phone number.", phone=phone))
    if bad:
        return _bad(lines, where, *bad)
    lines.enterprises.append(EnterpriseLine(where, values["name"], code, values.get("address", ""), values["grid"],
                                            contact or ""))


def _baolian(where: Where, values: dict[str, str], lines: Lines) -> None:
    code, bad = _code(values["credit_code"])
    if bad:
        return _bad(lines, where, *bad)
    lines.baolian.append(BaolianLine(where, code, cadre_key(values["cadre"])))


def _code(text: str) -> tuple[str, list[Msg]]:
    code = credit_code.normalize(text)
    problem = credit_code.problem_with(code)
    if problem is credit_code.CodeProblem.SHAPE:
        return code, [t("{code} is not a 统一社会信用代码 (18 letters and digits).", code=text)]
    if problem is credit_code.CodeProblem.CHECK:
        return code, [t("{code}: the check character (the last one) is wrong; please check the code.", code=text)]
    return code, []


def _bad(lines: Lines, where: Where, *reasons: Msg) -> None:
    lines.problems.extend(Problem(where.sheet, where.row, reason) for reason in reasons)


_TAKERS = {Kind.UNITS: _unit, Kind.CADRES: _cadre, Kind.ENTERPRISES: _enterprise, Kind.BAOLIAN: _baolian}
