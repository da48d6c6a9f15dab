"""Routing v1: 包联 first, then the grid worker, then the duty cadre above (属地兜底)."""

from __future__ import annotations

import pytest

from handlers.domain.errors import DomainError
from handlers.domain.model import Cadre, CadreRole, Enterprise, OrgLevel, OrgUnit
from handlers.domain.routing import RouteReason, route_ticket
from tests.unit.fakes import FakeStore, FakeUnitOfWork


@pytest.fixture
def directory():
    s = FakeStore()
    s.units = {1: OrgUnit(1, "新郑市", OrgLevel.DISTRICT, None),
               2: OrgUnit(2, "新村镇", OrgLevel.TOWNSHIP, 1, duty_cadre_id=3),
               3: OrgUnit(3, "一网格", OrgLevel.GRID, 2), 4: OrgUnit(4, "二网格", OrgLevel.GRID, 2)}
    s.cadres = {1: Cadre(1, "李管家", CadreRole.BUTLER, 2, "1"), 2: Cadre(2, "王网格", CadreRole.GRID_WORKER, 3, "2"),
                3: Cadre(3, "赵主任", CadreRole.TOWNSHIP_LEADER, 2, "3")}
    with FakeUnitOfWork(s) as uow:
        yield uow.directory


def test_assigned_contact_wins(directory):
    route = route_ticket(directory, Enterprise(1, "甲", "", grid_id=3, assigned_cadre_id=1), None)
    assert (route.owner.name, route.reason) == ("李管家", RouteReason.ASSIGNED_CONTACT)


def test_without_contact_the_grid_worker_takes_it(directory):
    route = route_ticket(directory, Enterprise(1, "甲", "", grid_id=3, assigned_cadre_id=None), None)
    assert (route.owner.name, route.org_unit_id) == ("王网格", 3)


def test_a_grid_without_worker_falls_to_the_township_duty_cadre(directory):
    route = route_ticket(directory, None, 4)
    assert (route.owner.name, route.reason, route.org_unit_id) == ("赵主任", RouteReason.DUTY_CADRE, 2)


def test_an_enterprise_with_no_grid_goes_to_the_highest_duty_cadre(directory):
    route = route_ticket(directory, Enterprise(1, "甲", "", grid_id=None, assigned_cadre_id=None), None)
    assert route.owner.name == "赵主任"


def test_nobody_on_duty_is_refused_with_a_reason(directory):
    directory.s.units[2] = OrgUnit(2, "新村镇", OrgLevel.TOWNSHIP, 1)
    with pytest.raises(DomainError) as refused:
        route_ticket(directory, None, 4)
    assert "No cadre is on duty" in refused.value.reason.key
