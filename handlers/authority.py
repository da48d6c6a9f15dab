"""Who may administer what: an admin acts only on their own part of the org tree.

Every admin action (binding a group, importing a sheet, inviting cadres, moving a 包联…)
asks here, against the database, never trusting what a button or a file claims.
"""

from __future__ import annotations

from handlers.domain.model import Cadre, OrgUnit
from handlers.domain.routing import upward
from handlers.ports import Directory


def admin_of(directory: Directory, account_id: int) -> Cadre | None:
    """The cadre behind this account, if it holds the admin right."""
    cadre = directory.cadre_by_account(account_id)
    return cadre if cadre is not None and cadre.is_admin else None


def administers(directory: Directory, admin: Cadre, org_unit_id: int) -> bool:
    """Whether `org_unit_id` lies in the admin's own subtree (their unit or below)."""
    if not admin.is_admin:
        return False
    return any(above.id == admin.org_unit_id for above in upward(directory, org_unit_id))


def unit_under(directory: Directory, admin: Cadre, name: str) -> OrgUnit | None:
    """The unit of that name in the admin's own subtree; None if there is none there."""
    for unit in directory.units_named(name):
        if administers(directory, admin, unit.id):
            return unit
    return None
