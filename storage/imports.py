"""handlers.imports.plan.ImportRegister on SQLAlchemy: the register read in a few statements for a
whole sheet, and a plan written in bulk, all in the unit of work's one transaction.

Reads go in chunks of `CHUNK` keys (SQLite binds at most 32,766 parameters a statement); new rows go
in multi-row INSERTs, changes in executemany UPDATEs (a plan changes few rows; a first import adds
them all).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handlers.domain.model import CadreRole, OrgUnit
from handlers.imports.columns import Kind
from handlers.imports.plan import CadreWrite, EnterpriseWrite, KnownCadre, KnownEnterprise, Plan, Ref
from storage.repositories import _org_unit
from storage.tables import CadreRow, EnterpriseRow, OrgUnitRow

CHUNK = 5_000

_units, _cadres, _enterprises = OrgUnitRow.__table__, CadreRow.__table__, EnterpriseRow.__table__


class SqlImports:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reading -------------------------------------------------------------------------

    def units(self) -> list[OrgUnit]:
        return [_org_unit(row) for row in self.session.scalars(sa.select(OrgUnitRow))]

    def cadres_keyed(self, keys: Collection[str]) -> dict[str, KnownCadre]:
        c = _cadres.c
        found = {}
        for chunk in _chunks(sorted(keys)):
            for row in self.session.execute(sa.select(c.id, c.staff_key, c.name, c.role, c.org_unit_id, c.phone)
                                            .where(c.staff_key.in_(chunk))):
                found[row.staff_key] = KnownCadre(row.id, row.staff_key, row.name, CadreRole(row.role),
                                                  row.org_unit_id, row.phone)
        return found

    def enterprises_coded(self, codes: Collection[str]) -> dict[str, KnownEnterprise]:
        e = _enterprises.c
        found = {}
        for chunk in _chunks(sorted(codes)):
            for row in self.session.execute(sa.select(e.id, e.credit_code, e.name, e.address, e.grid_id,
                                                      e.contact_phone, e.assigned_cadre_id)
                                            .where(e.credit_code.in_(chunk))):
                found[row.credit_code] = KnownEnterprise(*row)
        return found

    def totals(self) -> dict[Kind, int]:
        count = sa.func.count()
        return {Kind.UNITS: self.session.scalar(sa.select(count).select_from(_units)) or 0,
                Kind.CADRES: self.session.scalar(sa.select(count).select_from(_cadres)) or 0,
                Kind.ENTERPRISES: self.session.scalar(sa.select(count).select_from(_enterprises)) or 0}

    # -- writing -------------------------------------------------------------------------

    def write(self, plan: Plan) -> dict[str, int]:
        units = self._write_units(plan)
        cadres = self._write_cadres(plan.cadres, units)
        self._update(_units, [{"_id": _id(unit, units), "duty_cadre_id": _id(cadre, cadres)}
                              for unit, cadre in plan.duties])
        self._write_enterprises(plan.enterprises, units, cadres)
        self._update(_enterprises, [{"_id": enterprise_id, "assigned_cadre_id": _id(cadre, cadres)}
                                    for enterprise_id, cadre in plan.first_baolian])
        self.session.expire_all()  # rows the session holds were read before these statements changed them
        return cadres

    def _write_units(self, plan: Plan) -> dict[str, int]:
        """New units one by one, parents first (an org tree has thousands, not tens of thousands);
        then the changed ones. Their ids by name."""
        ids: dict[str, int] = {}
        for unit in plan.units:
            parent = _id(unit.parent, ids) if unit.parent is not None else None
            if unit.id is None:
                ids[unit.name] = self.session.execute(sa.insert(_units).returning(_units.c.id).values(
                    name=unit.name, level=unit.level.value, parent_id=parent)).scalar_one()
            else:
                self.session.execute(sa.update(_units).where(_units.c.id == unit.id)
                                     .values(level=unit.level.value, parent_id=parent))
        return ids

    def _write_cadres(self, cadres: Sequence[CadreWrite], units: dict[str, int]) -> dict[str, int]:
        def fields(cadre: CadreWrite) -> dict[str, Any]:
            return {"staff_key": cadre.key, "name": cadre.name, "role": cadre.role.value,
                    "org_unit_id": _id(cadre.unit, units), "phone": cadre.phone}
        added: dict[str, int] = {}
        for chunk in _chunks([cadre for cadre in cadres if cadre.id is None]):
            rows = [fields(cadre) for cadre in chunk]
            for key, cadre_id in self.session.execute(
                    sa.insert(_cadres).returning(_cadres.c.staff_key, _cadres.c.id, sort_by_parameter_order=True),
                    rows):
                added[key] = cadre_id
        self._update(_cadres, [{"_id": cadre.id, **fields(cadre)} for cadre in cadres if cadre.id is not None])
        return added

    def _write_enterprises(self, enterprises: Sequence[EnterpriseWrite], units: dict[str, int],
                           cadres: dict[str, int]) -> None:
        def fields(enterprise: EnterpriseWrite) -> dict[str, Any]:
            return {"credit_code": enterprise.code, "name": enterprise.name, "address": enterprise.address,
                    "grid_id": _id(enterprise.grid, units), "contact_phone": enterprise.contact_phone}
        for chunk in _chunks([e for e in enterprises if e.id is None]):
            self.session.execute(sa.insert(_enterprises), [
                {**fields(e), "assigned_cadre_id": _id(e.baolian, cadres) if e.baolian is not None else None}
                for e in chunk])
        self._update(_enterprises, [{"_id": e.id, **fields(e)} for e in enterprises if e.id is not None])

    def _update(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """Each row's columns set on the row with id `_id` (an executemany: a plan changes few)."""
        if not rows:
            return
        columns = [name for name in rows[0] if name != "_id"]
        # a bound parameter may not share a column's name in SET: each value goes as "new_<column>"
        statement = sa.update(table).where(table.c.id == sa.bindparam("_id")) \
            .values({name: sa.bindparam(f"new_{name}") for name in columns})
        self.session.execute(statement, [{"_id": row["_id"], **{f"new_{name}": row[name] for name in columns}}
                                         for row in rows])


def _id(ref: Ref, added: dict[str, int]) -> int:
    """An existing row's id, or the id of the row this import added under that name / key."""
    return ref if isinstance(ref, int) else added[ref]


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
