"""Settings an admin keeps on an org unit (/admin policy, /admin robot), stored in the database.

A deadline policy set on a unit covers its subtree, the nearest unit's winning; the office's
environment (LIANXIN_UNIT_POLICIES by unit name, then LIANXIN_DEADLINE_POLICY) is the fallback
at each level, so a deployment configured before these commands keeps working unchanged. A
unit's stored robots replace, for that unit, the ones LIANXIN_ROBOTS names (an empty list stops
them); they post that unit's digest.
"""

from __future__ import annotations

from typing import Any

from handlers.domain.deadlines import POLICIES, Policy
from handlers.domain.routing import upward
from handlers.turn import Work

POLICY, ROBOTS = "deadline_policy", "robots"  # the keys of unit_setting


def policy_for_unit(work: Work, org_unit_id: int) -> Policy:
    """The deadline policy of the nearest unit up from `org_unit_id` that has one: set by an admin
    (stored), else named in LIANXIN_UNIT_POLICIES; else the office's default."""
    units = list(upward(work.uow.directory, org_unit_id))
    stored = work.uow.unit_settings.of([unit.id for unit in units], POLICY)
    for unit in units:
        if stored.get(unit.id) in POLICIES:
            return POLICIES[stored[unit.id]]
        if unit.name in work.rules.unit_policies:
            return work.rules.unit_policies[unit.name]
    return work.rules.policy


def stored_robots(work: Work) -> dict[str, list[dict[str, Any]]]:
    """Each unit's robots as an admin set them, by unit name (how robots are keyed, docs/robots.md)."""
    stored = work.uow.unit_settings.everywhere(ROBOTS)
    units = work.uow.directory.org_units(stored.keys())
    return {units[unit_id].name: list(robots) for unit_id, robots in stored.items() if unit_id in units}
