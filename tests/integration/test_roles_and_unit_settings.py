"""Roles held per org unit, disabled cadres and the settings admins keep on units, as stored, on
SQLite and PostgreSQL; and the migration that turned `cadre.is_admin` into admin grants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from handlers.authority import admin_of, administers, holds, unit_under
from handlers.domain.model import CadreRole, Grant, Role
from handlers.domain.routing import route_ticket
from storage.admin import set_admin
from storage.db import alembic_config, make_engine, upgrade

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_a_grant_covers_the_units_subtree_and_nothing_beside_it(uow_factory, demo) -> None:
    township, community = demo.org_units["新村镇"], demo.org_units["裴李岗村"]
    grid, department = demo.org_units["裴李岗村第一网格"], demo.org_units["新郑市自然资源局"]
    worker = demo.grid_workers["裴李岗村第一网格"]
    with uow_factory() as uow:
        assert uow.roster.grant(Grant(worker, Role.LEADER, community), demo.duty_cadre_id, NOW)
        assert not uow.roster.grant(Grant(worker, Role.LEADER, community), None, NOW), "held already"
        uow.commit()
    with uow_factory() as uow:
        directory = uow.directory
        cadre = directory.cadre(worker)
        assert directory.grants_of(worker) == [Grant(worker, Role.LEADER, community)]
        assert holds(directory, cadre, Role.LEADER, grid) and holds(directory, cadre, Role.LEADER, community)
        assert not holds(directory, cadre, Role.LEADER, township)
        assert not holds(directory, cadre, Role.LEADER, department)
        assert not holds(directory, cadre, Role.ADMIN, grid)
        assert [c.id for c in directory.holders(Role.LEADER, [grid, community])] == [worker]
        assert uow.roster.revoke(Grant(worker, Role.LEADER, community))
        assert not uow.roster.revoke(Grant(worker, Role.LEADER, community))
        assert directory.grants_of(worker) == []


def test_the_demo_leader_administers_the_township_and_below(uow_factory, demo) -> None:
    with uow_factory() as uow:
        directory = uow.directory
        leader = directory.cadre(demo.duty_cadre_id)
        assert [c.name for c in directory.admins()] == ["赵主任"]
        assert administers(directory, leader, demo.org_units["裴李岗村第一网格"])
        assert not administers(directory, leader, demo.org_units["新郑市"])
        assert unit_under(directory, leader, "新村社区").id == demo.org_units["新村社区"]
        assert unit_under(directory, leader, "新郑市") is None


def test_lianxin_cadre_admin_grants_on_the_cadres_unit_or_the_one_named(uow_factory, demo) -> None:
    butler = demo.butler_id
    with uow_factory() as uow:
        assert set_admin(uow, butler, unit="新村社区", now=NOW) == ("陈晓明", "新村社区")
        assert set_admin(uow, butler, now=NOW) == ("陈晓明", "新村镇")
        uow.commit()
    with uow_factory() as uow:
        assert {g.org_unit_id for g in uow.directory.grants_of(butler)} == {demo.org_units["新村社区"],
                                                                           demo.township_id}
        set_admin(uow, butler, admin=False)
        uow.commit()
    with uow_factory() as uow:
        assert [g.org_unit_id for g in uow.directory.grants_of(butler)] == [demo.org_units["新村社区"]]


def test_a_disabled_cadre_is_never_picked_and_their_account_is_unbound(uow_factory, demo) -> None:
    grid = demo.org_units["裴李岗村第一网格"]
    worker = demo.grid_workers["裴李岗村第一网格"]
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "2001", "2001", "zh_CN", "陈")
        token = uow.invites.issue(demo.butler_id, NOW, timedelta(days=1))
        assert uow.invites.redeem(token, account.id, NOW).id == demo.butler_id
        uow.roster.grant(Grant(demo.butler_id, Role.SUPERVISOR, demo.township_id), None, NOW)
        uow.roster.disable(demo.butler_id, NOW)
        uow.roster.disable(worker, NOW)
        uow.commit()
    with uow_factory() as uow:
        directory = uow.directory
        butler = directory.cadre(demo.butler_id)
        assert butler.disabled and butler.account_id is None
        assert directory.cadre_by_account(account.id) is None
        assert directory.grid_worker(grid) is None
        assert "陈晓明" not in [c.name for c in directory.search_cadres("新村镇", 20)]
        assert directory.cadres_in(demo.township_id, CadreRole.BUTLER.value) == []
        assert directory.holders(Role.SUPERVISOR, [demo.township_id]) == []
        enterprise = directory.enterprise(demo.enterprises["润弘制药股份有限公司"])  # 包联: the butler
        assert route_ticket(directory, enterprise, None).owner.id == demo.duty_cadre_id


def test_unit_settings_are_kept_per_unit_and_key(uow_factory, demo) -> None:
    township, community = demo.township_id, demo.org_units["新村社区"]
    robots = [{"platform": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=abcd",
               "secret": "SEC1"}]
    with uow_factory() as uow:
        settings = uow.unit_settings
        settings.put(township, "deadline_policy", "13710", demo.duty_cadre_id, NOW)
        settings.put(township, "deadline_policy", "sanbuguo", demo.duty_cadre_id, NOW)  # the newest wins
        settings.put(community, "robots", robots, None, NOW)
        uow.commit()
    with uow_factory() as uow:
        settings = uow.unit_settings
        assert settings.of([township, community], "deadline_policy") == {township: "sanbuguo"}
        assert settings.everywhere("robots") == {community: robots}
        assert settings.remove(township, "deadline_policy") and not settings.remove(township, "deadline_policy")
        assert settings.of([township], "deadline_policy") == {}


def test_is_admin_became_an_admin_grant_on_the_cadres_own_unit(empty_database_url: str) -> None:
    upgrade(empty_database_url, "0014")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            for statement in (
                "INSERT INTO org_unit (name, level) VALUES ('新村镇', 'township')",
                "INSERT INTO cadre (name, role, org_unit_id, phone, phone_public, is_admin) "
                "VALUES ('赵主任', 'township_leader', 1, '', false, true)",
                "INSERT INTO cadre (name, role, org_unit_id, phone, phone_public, is_admin) "
                "VALUES ('陈晓明', 'butler', 1, '', false, false)",
            ):
                conn.execute(sa.text(statement))
        upgrade(empty_database_url)
        with engine.connect() as conn:
            grants = conn.execute(sa.text("SELECT cadre_id, role, org_unit_id FROM role_grant")).all()
            assert [tuple(row) for row in grants] == [(1, "admin", 1)]
        command.downgrade(alembic_config(empty_database_url), "0014")
        with engine.connect() as conn:
            flags = conn.execute(sa.text("SELECT name, is_admin FROM cadre ORDER BY id")).all()
            assert [tuple(row) for row in flags] == [("赵主任", True), ("陈晓明", False)]
    finally:
        engine.dispose()


def test_admin_of_reads_the_grants(uow_factory, demo) -> None:
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "2003", "2003", "zh_CN", "赵")
        token = uow.invites.issue(demo.duty_cadre_id, NOW, timedelta(days=1))
        uow.invites.redeem(token, account.id, NOW)
        assert admin_of(uow.directory, account.id).id == demo.duty_cadre_id
        uow.roster.revoke(Grant(demo.duty_cadre_id, Role.ADMIN, demo.township_id))
        assert admin_of(uow.directory, account.id) is None


def test_the_command_line_grants_admin_on_the_cadres_unit_or_the_one_named(uow_factory, demo, database_url,
                                                                           monkeypatch, capsys) -> None:
    from bot import cli

    monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
    worker = demo.grid_workers["裴李岗村第一网格"]
    assert cli.main(["cadre", "admin", str(worker)]) == 0
    assert "王丽娟 now administers 裴李岗村第一网格 and the units below it" in capsys.readouterr().out
    assert cli.main(["cadre", "admin", str(worker), "--unit", "裴李岗村"]) == 0
    assert cli.main(["cadre", "admin", str(worker), "--unit", "裴李岗村第一网格", "--off"]) == 0
    assert "王丽娟 no longer administers 裴李岗村第一网格" in capsys.readouterr().out
    assert cli.main(["cadre", "admin", str(worker), "--unit", "没有这个单位"]) == 1
    assert "no org unit named '没有这个单位'" in capsys.readouterr().err
    with uow_factory() as uow:
        assert uow.directory.grants_of(worker) == [Grant(worker, Role.ADMIN, demo.org_units["裴李岗村"])]
