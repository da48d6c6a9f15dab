"""The rows checked against each other and against the register: every bad row, or the plan of
what to add and change. Nothing is deleted: what the register holds and the sheets do not is left.

Rows refer to each other by what the office writes down: units by name, cadres by their key (staff
number, else phone), enterprises by 统一社会信用代码. A reference is found in the sheets first, then
in the register. `Ref` is what a write names: an existing row's id, or the name / key / code of a
row this import adds (the writer learns its id as it adds it).

An admin importing in chat has a `scope`: rows that would add or change anything outside their own
part of the tree are bad rows (handlers.authority decides what that part is).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from handlers.domain.model import CadreRole, OrgLevel, OrgUnit
from handlers.imports.columns import Kind
from handlers.imports.rows import BaolianLine, CadreLine, EnterpriseLine, Lines, Problem, UnitLine, Where
from handlers.messages import Msg, t

Ref = int | str
Scope = Callable[[int], bool]  # may this import place things under the unit with this id?


@dataclass(frozen=True)
class KnownCadre:
    id: int
    key: str
    name: str
    role: CadreRole
    org_unit_id: int
    phone: str


@dataclass(frozen=True)
class KnownEnterprise:
    id: int
    code: str
    name: str
    address: str
    grid_id: int | None
    contact_phone: str
    cadre_id: int | None  # 包联


@dataclass(frozen=True)
class UnitWrite:
    name: str
    level: OrgLevel
    parent: Ref | None
    id: int | None = None  # None: a new unit


@dataclass(frozen=True)
class CadreWrite:
    key: str
    name: str
    role: CadreRole
    unit: Ref
    phone: str
    id: int | None = None


@dataclass(frozen=True)
class EnterpriseWrite:
    code: str
    name: str
    address: str
    grid: Ref
    contact_phone: str
    id: int | None = None
    baolian: Ref | None = None  # a new enterprise's 包联 cadre, set as it is added


@dataclass
class Count:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    left_alone: int = 0  # in the register, not in the sheets: kept as they are

    def tally(self, *, new: bool) -> None:
        """One row that will be written: a new one, or one that changed."""
        if new:
            self.added += 1
        else:
            self.changed += 1


@dataclass
class Plan:
    units: list[UnitWrite] = field(default_factory=list)  # new ones parents first, then changed ones
    duties: list[tuple[Ref, Ref]] = field(default_factory=list)  # (unit, its duty cadre)
    cadres: list[CadreWrite] = field(default_factory=list)
    enterprises: list[EnterpriseWrite] = field(default_factory=list)
    first_baolian: list[tuple[int, Ref]] = field(default_factory=list)  # (enterprise without one, cadre)
    moves: list[tuple[int, Ref]] = field(default_factory=list)  # (enterprise, new cadre): its tickets follow
    counts: dict[Kind, Count] = field(default_factory=lambda: {kind: Count() for kind in Kind})
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0


class ImportRegister(Protocol):
    """What an import reads of the register, in a few statements however many rows, and writes."""

    def units(self) -> list[OrgUnit]: ...
    def cadres_keyed(self, keys: Collection[str]) -> dict[str, KnownCadre]: ...
    def enterprises_coded(self, codes: Collection[str]) -> dict[str, KnownEnterprise]: ...
    def totals(self) -> dict[Kind, int]:
        """How many units, cadres and enterprises the register holds."""
    def write(self, plan: Plan) -> dict[str, int]:
        """Add and change what the plan says (not its moves); the new cadres' ids by key."""


def make_plan(lines: Lines, register: ImportRegister, scope: Scope | None = None) -> Plan:
    planner = _Planner(lines, register, scope)
    planner.run()
    order = {sheet: n for n, sheet in enumerate(dict.fromkeys([*lines.sheets, *(p.sheet for p in planner.problems)]))}
    planner.plan.problems = sorted(planner.problems, key=lambda p: (order[p.sheet], p.row))
    return planner.plan


class _Planner:
    def __init__(self, lines: Lines, register: ImportRegister, scope: Scope | None) -> None:
        self.lines, self.register, self.scope = lines, register, scope
        self.problems: list[Problem] = list(lines.problems)
        self.plan = Plan(rows=lines.rows)
        self.db_units = {unit.id: unit for unit in register.units()}
        self.named: dict[str, list[OrgUnit]] = defaultdict(list)
        for unit in self.db_units.values():
            self.named[unit.name].append(unit)
        self.unit_refs: dict[str, Ref] = {}  # a sheet unit's name -> its Ref
        self.parents: dict[Ref, Ref | None] = {}  # where each sheet unit will hang
        self.placed: dict[Ref, bool] = {}  # memo of in_scope
        self.cadre_units: dict[str, Ref] = {}  # a sheet cadre's key -> its unit
        self.cadre_refs: dict[str, Ref] = {}
        self.known_cadres: dict[str, KnownCadre] = {}
        self._scope_memo: dict[int, bool] = {}

    def run(self) -> None:
        lines = self.lines
        keys = {line.key for line in lines.cadres} | {line.duty for line in lines.units if line.duty} \
            | {line.cadre for line in lines.baolian}
        self.known_cadres = self.register.cadres_keyed(keys)
        units = self._unique(lines.units, lambda line: line.name, "units")
        self._resolve_units(units)
        self._plan_cadres(self._unique(lines.cadres, lambda line: line.key, "cadres"))
        self._plan_units(units)
        codes = {line.code for line in lines.enterprises} | {line.code for line in lines.baolian}
        known = self.register.enterprises_coded(codes)
        enterprises = self._unique(lines.enterprises, lambda line: line.code, "enterprises")
        self._plan_enterprises(enterprises, known)
        self._plan_baolian(self._unique(lines.baolian, lambda line: line.code, "baolian"), enterprises, known)
        totals = self.register.totals()
        counts = self.plan.counts
        for kind in (Kind.UNITS, Kind.CADRES, Kind.ENTERPRISES):
            matched = counts[kind].changed + counts[kind].unchanged
            counts[kind].left_alone = max(0, totals.get(kind, 0) - matched)

    # -- helpers -----------------------------------------------------------------------

    def _bad(self, where: Where, reason: Msg) -> None:
        self.problems.append(Problem(where.sheet, where.row, reason))

    def _unique(self, lines: Sequence, key: Callable, kind: str) -> dict:
        first: dict = {}
        for line in lines:
            value = key(line)
            if value in first:
                self._bad(line.where, _TWICE[kind](value, first[value].where.row))
            else:
                first[value] = line
        return first

    def _unit_ref(self, name: str) -> Ref | Msg:
        if name in self.unit_refs:
            return self.unit_refs[name]
        found = self.named.get(name, [])
        if len(found) == 1:
            return found[0].id
        if found:
            return t("Several units in the register are named {name}; give it a name of its own first.", name=name)
        return t("There is no unit named {name}, in these sheets or in the register.", name=name)

    def _cadre_ref(self, key: str) -> Ref | Msg:
        if key in self.cadre_refs:
            return self.cadre_refs[key]
        if key in self.known_cadres:
            return self.known_cadres[key].id
        return t("There is no cadre with the key {cadre_key}, in these sheets or in the register.", cadre_key=key)

    def _administered(self, unit_id: int) -> bool:
        if self.scope is None:
            return True
        if unit_id not in self._scope_memo:
            self._scope_memo[unit_id] = self.scope(unit_id)
        return self._scope_memo[unit_id]

    def _in_scope(self, ref: Ref | None) -> bool:
        """Whether a thing placed under `ref` lands in the importer's part of the tree, as the
        tree will be once the import is written."""
        if self.scope is None:
            return True
        if ref is None:
            return False  # the top of the tree lies above every admin
        if ref not in self.parents:  # a unit the sheets do not move
            return isinstance(ref, int) and self._administered(ref)
        if ref not in self.placed:
            self.placed[ref] = False  # a loop, if we come back here: reported by _loops
            existing_ok = not isinstance(ref, int) or self._administered(ref)
            self.placed[ref] = existing_ok and self._in_scope(self.parents[ref])
        return self.placed[ref]

    def _outside(self, where: Where) -> None:
        self._bad(where, t("This row would place something outside your part of the org tree."))

    # -- units ---------------------------------------------------------------------------

    def _resolve_units(self, units: dict[str, UnitLine]) -> None:
        for name, line in units.items():
            found = self.named.get(name, [])
            self.unit_refs[name] = found[0].id if len(found) == 1 else name
            if len(found) > 1:
                self._bad(line.where, t("Several units in the register are named {name}; give it a name of its "
                                        "own first.", name=name))
        for name, line in units.items():
            ref = self.unit_refs[name]
            existing = self.db_units.get(ref) if isinstance(ref, int) else None
            # no parent given: a new unit is a top one; one the register has stays where it is
            parent = self._unit_ref(line.parent) if line.parent else existing.parent_id if existing else None
            if line.parent == name:
                parent = t("A unit cannot be its own parent.")
            if isinstance(parent, Msg):
                self._bad(line.where, parent)
                parent = None
            self.parents[ref] = parent
        for name, line in units.items():
            if self._loops(self.unit_refs[name]):
                self._bad(line.where, t("The parents of {name} go round in a circle.", name=name))

    def _loops(self, start: Ref) -> bool:
        seen, ref = {start}, self._parent(start)
        while ref is not None:
            if ref in seen:
                return ref == start
            seen.add(ref)
            ref = self._parent(ref)
        return False

    def _parent(self, ref: Ref) -> Ref | None:
        if ref in self.parents:
            return self.parents[ref]
        unit = self.db_units.get(ref) if isinstance(ref, int) else None
        return unit.parent_id if unit else None

    def _plan_units(self, units: dict[str, UnitLine]) -> None:
        count, new, changed = self.plan.counts[Kind.UNITS], [], []
        for name, line in units.items():
            ref, duty = self.unit_refs[name], self._duty(line)
            existing = self.db_units.get(ref) if isinstance(ref, int) else None
            parent = self.parents[ref]
            same = existing is not None and existing.level == line.level and existing.parent_id == parent \
                and (duty is None or existing.duty_cadre_id == duty)
            if same:
                count.unchanged += 1
                continue
            if not self._in_scope(ref):
                self._outside(line.where)
                continue
            if duty is not None and not isinstance(duty, Msg):
                self.plan.duties.append((ref, duty))
            if existing is None:
                count.added += 1
                new.append(UnitWrite(name, line.level, parent))
            else:
                count.changed += 1
                changed.append(UnitWrite(name, line.level, parent, existing.id))
        self.plan.units = self._parents_first(new) + changed

    def _duty(self, line: UnitLine) -> Ref | None:
        if not line.duty:
            return None
        ref = self._cadre_ref(line.duty)
        if isinstance(ref, Msg):
            self._bad(line.where, ref)
            return None
        return ref

    def _parents_first(self, new: list[UnitWrite]) -> list[UnitWrite]:
        def depth(unit: UnitWrite) -> int:
            steps, ref = 0, unit.parent
            while isinstance(ref, str) and steps <= len(new):
                steps, ref = steps + 1, self.parents.get(ref)
            return steps
        return sorted(new, key=depth)

    # -- cadres ----------------------------------------------------------------------------

    def _plan_cadres(self, cadres: dict[str, CadreLine]) -> None:
        count = self.plan.counts[Kind.CADRES]
        for key, line in cadres.items():
            existing = self.known_cadres.get(key)
            self.cadre_refs[key] = existing.id if existing else key
            unit = self._unit_ref(line.unit)
            if isinstance(unit, Msg):
                self._bad(line.where, unit)
                continue
            self.cadre_units[key] = unit
            if existing is not None and (existing.name, existing.role, existing.org_unit_id, existing.phone) \
                    == (line.name, line.role, unit, line.phone):
                count.unchanged += 1
                continue
            if not self._in_scope(unit) or (existing is not None and not self._administered(existing.org_unit_id)):
                self._outside(line.where)
                continue
            count.tally(new=existing is None)
            self.plan.cadres.append(CadreWrite(key, line.name, line.role, unit, line.phone,
                                               existing.id if existing else None))

    # -- enterprises and 包联 -------------------------------------------------------------------

    def _plan_enterprises(self, enterprises: dict[str, EnterpriseLine], known: dict[str, KnownEnterprise]) -> None:
        count = self.plan.counts[Kind.ENTERPRISES]
        for code, line in enterprises.items():
            existing = known.get(code)
            grid = self._unit_ref(line.grid)
            if isinstance(grid, Msg):
                self._bad(line.where, grid)
                continue
            if existing is not None and (existing.name, existing.address, existing.grid_id, existing.contact_phone) \
                    == (line.name, line.address, grid, line.contact_phone):
                count.unchanged += 1
                continue
            if not self._in_scope(grid) or (existing is not None and not self._enterprise_placed(existing)):
                self._outside(line.where)
                continue
            count.tally(new=existing is None)
            self.plan.enterprises.append(EnterpriseWrite(code, line.name, line.address, grid, line.contact_phone,
                                                         existing.id if existing else None))

    def _enterprise_placed(self, enterprise: KnownEnterprise) -> bool:
        return enterprise.grid_id is not None and self._administered(enterprise.grid_id)

    def _plan_baolian(self, baolian: dict[str, BaolianLine], enterprises: dict[str, EnterpriseLine],
                      known: dict[str, KnownEnterprise]) -> None:
        count = self.plan.counts[Kind.BAOLIAN]
        new_by_code = {write.code: n for n, write in enumerate(self.plan.enterprises) if write.id is None}
        for code, line in baolian.items():
            existing, cadre = known.get(code), self._cadre_ref(line.cadre)
            if existing is None and code not in enterprises:
                self._bad(line.where, t("There is no enterprise with the credit code {code}, in these sheets or "
                                        "in the register.", code=code))
                continue
            if isinstance(cadre, Msg):
                self._bad(line.where, cadre)
                continue
            if existing is not None and existing.cadre_id == cadre:
                count.unchanged += 1
                continue
            if not (self._baolian_placed(code, existing, enterprises) and self._cadre_placed(line.cadre, cadre)):
                self._outside(line.where)
                continue
            if existing is None:
                count.added += 1
                if code in new_by_code:  # else its enterprise row is bad: nothing is written anyway
                    n = new_by_code[code]
                    self.plan.enterprises[n] = _with_baolian(self.plan.enterprises[n], cadre)
            elif existing.cadre_id is None:
                count.added += 1
                self.plan.first_baolian.append((existing.id, cadre))
            else:
                count.changed += 1
                self.plan.moves.append((existing.id, cadre))

    def _baolian_placed(self, code: str, existing: KnownEnterprise | None,
                        enterprises: dict[str, EnterpriseLine]) -> bool:
        if self.scope is None:
            return True
        if code in enterprises:
            grid = self._unit_ref(enterprises[code].grid)
            return not isinstance(grid, Msg) and self._in_scope(grid)
        return existing is not None and self._enterprise_placed(existing)

    def _cadre_placed(self, key: str, cadre: Ref) -> bool:
        if self.scope is None:
            return True
        if key in self.cadre_units:
            return self._in_scope(self.cadre_units[key])
        known = self.known_cadres.get(key)
        return known is not None and self._administered(known.org_unit_id)


def _with_baolian(write: EnterpriseWrite, cadre: Ref) -> EnterpriseWrite:
    return replace(write, baolian=cadre)


_TWICE: dict[str, Callable[[str, int], Msg]] = {
    "units": lambda name, row: t("The unit {name} is listed twice (first on row {row}).", name=name, row=row),
    "cadres": lambda key, row: t("The cadre key {cadre_key} is listed twice (first on row {row}).", cadre_key=key,
                                 row=row),
    "enterprises": lambda code, row: t("The credit code {code} is listed twice (first on row {row}).",
                                       code=code, row=row),
    "baolian": lambda code, row: t("The enterprise {code} is given a 包联 twice (first on row {row}).",
                                   code=code, row=row),
}
