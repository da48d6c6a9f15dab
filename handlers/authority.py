"""Who may administer what: roles held per org unit, each covering the unit's subtree.

A grant is cadre × role × org unit (handlers.domain.model.Grant), stored in the database: an
admin on 新村镇 administers 新村镇 and everything below it, and nothing beside or above it.
Every admin action (binding a group, importing a sheet, inviting cadres, moving a 包联…) asks
here, against the database, never trusting what a button or a file claims. A disabled cadre
holds nothing.
"""

from __future__ import annotations

from handlers.domain.model import Cadre, OrgUnit, Role
from handlers.domain.routing import upward
from handlers.ports import Directory


def holds(directory: Directory, cadre: Cadre, role: Role, org_unit_id: int) -> bool:
    """Whether the cadre holds `role` on `org_unit_id` or on a unit above it."""
    if cadre.disabled:
        return False
    granted = {grant.org_unit_id for grant in directory.grants_of(cadre.id) if grant.role == role}
    return bool(granted) and any(unit.id in granted for unit in upward(directory, org_unit_id))


def units_held(directory: Directory, cadre: Cadre, role: Role) -> list[OrgUnit]:
    """The units on which the cadre holds `role` (the tops of the subtrees it covers)."""
    if cadre.disabled:
        return []
    ids = {grant.org_unit_id for grant in directory.grants_of(cadre.id) if grant.role == role}
    return sorted(directory.org_units(ids).values(), key=lambda unit: unit.id)


def own_part(directory: Directory, admin: Cadre) -> str:
    """The names of the units an admin administers, for a refusal that says where they may act."""
    return "、".join(unit.name for unit in units_held(directory, admin, Role.ADMIN))


def admin_of(directory: Directory, account_id: int) -> Cadre | None:
    """The cadre behind this account, if it holds the admin role on some unit."""
    cadre = directory.cadre_by_account(account_id)
    if cadre is None or cadre.disabled:
        return None
    return cadre if any(grant.role == Role.ADMIN for grant in directory.grants_of(cadre.id)) else None


def administers(directory: Directory, admin: Cadre, org_unit_id: int) -> bool:
    """Whether `org_unit_id` lies in the admin's own subtree (a unit they hold admin on, or below)."""
    return holds(directory, admin, Role.ADMIN, org_unit_id)


def unit_under(directory: Directory, admin: Cadre, name: str) -> OrgUnit | None:
    """The unit of that name in the admin's own subtree; None if there is none there."""
    for unit in directory.units_named(name):
        if administers(directory, admin, unit.id):
            return unit
    return None
