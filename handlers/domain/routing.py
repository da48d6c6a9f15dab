"""Routing v1: who owns a new ticket.

立体式包联: the enterprise's assigned cadre (包联) first; else the worker of the
grid it sits in; else the duty cadre of the nearest org unit above (属地兜底).
A disabled cadre is passed over at every step, as if the place were empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from handlers.domain.errors import DomainError
from handlers.domain.model import Cadre, CadreRole, Enterprise, OrgUnit, Role
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
        if owner and not owner.disabled:
            return Route(owner, grid_id or owner.org_unit_id, RouteReason.ASSIGNED_CONTACT)
    if grid_id is not None:
        worker = directory.grid_worker(grid_id)
        if worker:
            return Route(worker, grid_id, RouteReason.GRID_WORKER)
    return _duty_cadre_above(directory, grid_id)


def route_to_township(directory: Directory, township_id: int | None) -> Route:
    """An enterprise the register lacks, in the township its owner named: that township's duty
    cadre (else the nearest above), who can register it from the ticket."""
    return _duty_cadre_above(directory, township_id)


def _duty_cadre_above(directory: Directory, org_unit_id: int | None) -> Route:
    # No grid on record: the highest-placed unit with a duty cadre takes it.
    units = _top_down(directory) if org_unit_id is None else upward(directory, org_unit_id)
    for unit in units:
        if cadre := working_duty_cadre(directory, unit):
            return Route(cadre, unit.id, RouteReason.DUTY_CADRE)
    raise DomainError(t("No cadre is on duty for this area yet. Your report is kept; please try again later."))


def working_duty_cadre(directory: Directory, unit: OrgUnit) -> Cadre | None:
    """The unit's duty cadre, unless there is none or they were disabled."""
    cadre = directory.cadre(unit.duty_cadre_id) if unit.duty_cadre_id else None
    return cadre if cadre is not None and not cadre.disabled else None


def duty_cadre_for(directory: Directory, org_unit_id: int, instead_of: int) -> Cadre | None:
    """Who takes over what `instead_of` held in this unit: the nearest working duty cadre up the tree
    (the township's, for a cadre of a village or grid) who is not that cadre."""
    for unit in upward(directory, org_unit_id):
        if (cadre := working_duty_cadre(directory, unit)) and cadre.id != instead_of:
            return cadre
    return None


def business_supervisors(directory: Directory, org_unit_id: int) -> list[Cadre]:
    """营商环境监督员 of the unit and every unit above it: where 举报 goes, outside the owner's chain.
    Both kinds: cadres whose post is supervisor, and cadres holding the supervisor role on one of
    those units (an admin's /admin grant), each once."""
    units = [unit.id for unit in upward(directory, org_unit_id)]
    by_post = [cadre for unit_id in units for cadre in directory.cadres_in(unit_id, CadreRole.SUPERVISOR.value)]
    found = {cadre.id: cadre for cadre in by_post + directory.holders(Role.SUPERVISOR, units)}
    return list(found.values())


def supervisor_of(directory: Directory, org_unit_id: int, owner_id: int) -> Cadre | None:
    """The leader in charge above the owner: the nearest duty cadre up the tree who is not the owner."""
    for unit in upward(directory, org_unit_id):
        if (cadre := working_duty_cadre(directory, unit)) and cadre.id != owner_id:
            return cadre
    return None


def leaders_above(directory: Directory, org_unit_id: int, owner_id: int) -> list[Cadre]:
    """The duty cadres up the tree from the ticket's unit, nearest first, each once, never the owner:
    the leader in charge (督办 copies them), then the next level's (黑旗 escalates to them)."""
    leaders: list[Cadre] = []
    for unit in upward(directory, org_unit_id):
        duty = unit.duty_cadre_id
        if duty and duty != owner_id and all(leader.id != duty for leader in leaders):
            if (cadre := directory.cadre(duty)) and not cadre.disabled:
                leaders.append(cadre)
    return leaders


def upward(directory: Directory, org_unit_id: int) -> Iterator[OrgUnit]:
    """The unit, its parent, and so on up to the root."""
    return iter(directory.lineage(org_unit_id))


def walk_up(org_unit: Callable[[int], OrgUnit | None], org_unit_id: int) -> list[OrgUnit]:
    """`Directory.lineage` over units already at hand, one parent at a time."""
    chain, unit = [], org_unit(org_unit_id)
    while unit is not None:
        chain.append(unit)
        unit = org_unit(unit.parent_id) if unit.parent_id is not None else None
    return chain


def _top_down(directory: Directory) -> Iterator[OrgUnit]:
    """Every unit, level by level from the roots."""
    level = directory.roots()
    while level:
        yield from level
        level = [child for unit in level for child in directory.children(unit.id)]
