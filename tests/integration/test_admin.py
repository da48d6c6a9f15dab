"""The demo seed and the invite helper used by the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from handlers.domain.credit_code import problem_with
from handlers.domain.model import CadreRole, OrgLevel
from storage.admin import create_invite, seed_demo
from storage.tables import CadreRow, EnterpriseRow, OrgUnitRow


def _counts(factory) -> tuple[int, int, int]:
    with factory() as uow:
        s = uow.session
        return tuple(s.scalar(sa.select(sa.func.count()).select_from(t)) for t in (OrgUnitRow, CadreRow, EnterpriseRow))


def test_seed_demo_is_idempotent(database_url: str, uow_factory) -> None:
    first = seed_demo(database_url)
    counts = _counts(uow_factory)
    second = seed_demo(database_url)
    assert second == first
    assert _counts(uow_factory) == counts
    # units: city, district, township, 3 departments, 2 communities, 4 grids;
    # cadres: duty, butler, supervisor, 3 department handlers, 4 grid workers
    assert counts == (3 + 3 + 2 + 4, 1 + 1 + 1 + 3 + 4, 5)


def test_seed_demo_migrates_an_empty_database(empty_database_url: str) -> None:
    summary = seed_demo(empty_database_url)
    assert summary.township_id == summary.org_units["新村镇"]


def test_seed_demo_credit_codes_are_valid(database_url: str, uow_factory) -> None:
    summary = seed_demo(database_url)
    assert len(summary.credit_codes) == 5
    with uow_factory() as uow:
        for name, enterprise_id in summary.enterprises.items():
            enterprise = uow.directory.enterprise(enterprise_id)
            assert enterprise.name == name
            assert problem_with(enterprise.credit_code) is None, enterprise.credit_code
            assert enterprise.credit_code == summary.credit_codes[name]


def test_seed_demo_shape(database_url: str, uow_factory) -> None:
    s = seed_demo(database_url)
    with uow_factory() as uow:
        d = uow.directory
        township = d.org_unit(s.township_id)
        assert township.name == "新村镇" and township.level == OrgLevel.TOWNSHIP
        duty = d.cadre(township.duty_cadre_id)
        assert duty.name == "赵主任" and duty.role == CadreRole.TOWNSHIP_LEADER
        assert d.cadre(s.butler_id).role == CadreRole.BUTLER
        district = d.org_unit(township.parent_id)
        assert (district.name, district.level) == ("新郑市", OrgLevel.DISTRICT)
        assert d.org_unit(district.parent_id).name == "郑州市"
        communities = d.children(township.id)
        assert {c.name for c in communities} == {"裴李岗村", "新村社区"}
        for community in communities:
            grids = d.children(community.id)
            assert len(grids) == 2 and all(g.level == OrgLevel.GRID for g in grids)
            for grid in grids:
                worker = d.grid_worker(grid.id)
                assert worker is not None and worker.id == s.grid_workers[grid.name]
                assert len(worker.phone) == 11 and worker.phone.startswith("1")
        enterprises = [d.enterprise(i) for i in s.enterprises.values()]
        assert any(e.assigned_cadre_id == s.butler_id for e in enterprises)
        unassigned = d.enterprise(s.enterprises[s.unassigned_enterprise])
        assert unassigned.assigned_cadre_id is None and unassigned.grid_id is not None
        gridless = d.enterprise(s.enterprises[s.gridless_enterprise])
        assert gridless.grid_id is None and gridless.assigned_cadre_id is None
        assert d.search_enterprises("润弘", 1)[0].name == "润弘制药股份有限公司"


def test_create_invite_accepts_a_session(database_url: str, uow_factory) -> None:
    s = seed_demo(database_url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with uow_factory() as uow:
        token = create_invite(uow.session, s.duty_cadre_id, now, timedelta(days=3))
        account = uow.accounts.get_or_create("telegram", "5", "5", "zh_CN", "赵")
        uow.commit()
    with uow_factory() as uow:
        assert uow.invites.redeem(token, account.id, now + timedelta(days=2)).account_id == account.id
