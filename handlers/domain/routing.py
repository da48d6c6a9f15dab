"""Routing v1: who owns a new ticket.

立体式包联: the enterprise's assigned cadre (包联) first; else the worker of the
grid it sits in; else the duty cadre of the nearest org unit above (属地兜底).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.domain.errors import DomainError
from handlers.domain.model import Cadre, CadreRole, Enterprise
from handlers.messages import t
from handlers.ports import Directory


class RouteReason(StrEnum):
    ASSIGNED_CONTACT = "assigned_contact"  # 包联
    GRID_WORKER = "grid_worker"  # 网格员
    DUTY_CADRE = "duty_cadre"  # 属地兜底


@dataclass(frozen=True)
class Route:
    owner: Cadre
    org_unit_id: int
    reason: RouteReason


def route_ticket(directory: Directory, enterprise: Enterprise | None, area_id: int | None) -> Route:
    grid_id = enterprise.grid_id if enterprise else area_id
    if enterprise and enterprise.assigned_cadre_id:
        owner = directory.cadre(enterprise.assigned_cadre_id)
        if owner:
            return Route(owner, grid_id or owner.org_unit_id, RouteReason.ASSIGNED_CONTACT)
    if grid_id is not None:
        worker = directory.grid_worker(grid_id)
        if worker:
            return Route(worker, grid_id, RouteReason.GRID_WORKER)
    return _duty_cadre_above(directory, grid_id)


def _duty_cadre_above(directory: Directory, org_unit_id: int | None) -> Route:
    if org_unit_id is None:
        return _nearest_duty_cadre_from_top(directory)
    unit = directory.org_unit(org_unit_id)
    while unit is not None:
        if unit.duty_cadre_id and (cadre := directory.cadre(unit.duty_cadre_id)):
            return Route(cadre, unit.id, RouteReason.DUTY_CADRE)
        unit = directory.org_unit(unit.parent_id) if unit.parent_id is not None else None
    raise DomainError(t("No cadre is on duty for this area yet. Your report is kept; please try again later."))


def _nearest_duty_cadre_from_top(directory: Directory) -> Route:
    """An enterprise with no grid on record: the highest-placed unit with a duty cadre takes it."""
    level = directory.roots()
    while level:
        for unit in level:
            if unit.duty_cadre_id and (cadre := directory.cadre(unit.duty_cadre_id)):
                return Route(cadre, unit.id, RouteReason.DUTY_CADRE)
        level = [child for unit in level for child in directory.children(unit.id)]
    raise DomainError(t("No cadre is on duty for this area yet. Your report is kept; please try again later."))


def business_supervisors(directory: Directory, org_unit_id: int) -> list[Cadre]:
    """营商环境监督员 of the unit and every unit above it: where 举报 goes, outside the owner's chain."""
    found: list[Cadre] = []
    unit = directory.org_unit(org_unit_id)
    while unit is not None:
        found += directory.cadres_in(unit.id, CadreRole.SUPERVISOR.value)
        unit = directory.org_unit(unit.parent_id) if unit.parent_id is not None else None
    return found


def supervisor_of(directory: Directory, org_unit_id: int, owner_id: int) -> Cadre | None:
    """The leader in charge above the owner: the nearest duty cadre up the tree who is not the owner."""
    unit = directory.org_unit(org_unit_id)
    while unit is not None:
        if unit.duty_cadre_id and unit.duty_cadre_id != owner_id:
            return directory.cadre(unit.duty_cadre_id)
        unit = directory.org_unit(unit.parent_id) if unit.parent_id is not None else None
    return None
