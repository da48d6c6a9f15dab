"""Binding people, on SQLite and PostgreSQL: who has not bound yet under a unit (the tree walked by
one recursive query), the 连心卡 of each enterprise and the wrong codes counted for it, and the
card-bound contact preferred over an enterprise's first reporter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.domain.model import CardTries, ReporterKind, ReporterProfile
from storage.admin import DemoSummary

NOW = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def test_unbound_under_walks_the_subtree_and_shows_the_latest_live_invite(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        grid_worker = demo.grid_workers["裴李岗村第一网格"]
        uow.invites.issue(grid_worker, NOW - timedelta(days=10), timedelta(days=1))  # long expired
        uow.invites.issue(grid_worker, NOW, timedelta(days=3))
        account = uow.accounts.get_or_create("telegram", "9", "9", "zh_CN", "陈")
        uow.invites.redeem(uow.invites.issue(demo.butler_id, NOW, timedelta(days=1)), account.id, NOW)
        uow.commit()
    with uow_factory() as uow:
        village = uow.invites.unbound_under(demo.org_units["裴李岗村"], NOW)
        township = uow.invites.unbound_under(demo.township_id, NOW)
    assert {(u.cadre.name, u.unit_name, u.invite_expires_at) for u in village} == {
        ("王丽娟", "裴李岗村第一网格", NOW + timedelta(days=3)), ("李建国", "裴李岗村第二网格", None)}
    names = {u.cadre.name for u in township}
    assert {"赵主任", "孙立平", "王丽娟", "刘志强"} <= names and "陈晓明" not in names  # bound
    assert "吴海燕" not in names  # a district department, not under the township


def test_cards_are_kept_per_enterprise_and_tries_per_account(uow_factory, demo: DemoSummary) -> None:
    enterprise_id = demo.enterprises["润弘制药股份有限公司"]
    with uow_factory() as uow:
        card = uow.contact_cards.add(enterprise_id, "tok-1", "123456", NOW)
        account = uow.accounts.get_or_create("telegram", "9", "9", "zh_CN", "")
        uow.contact_cards.set_tries(card.id, account.id, CardTries(2))
        uow.contact_cards.set_tries(card.id, account.id, CardTries(0, NOW + timedelta(days=1)))
        uow.commit()
    with uow_factory() as uow:
        assert uow.contact_cards.by_token("tok-1") == card == uow.contact_cards.of_enterprise(enterprise_id)
        assert uow.contact_cards.tries(card.id, account.id) == CardTries(0, NOW + timedelta(days=1))
        assert uow.contact_cards.tries(card.id, account.id + 1) == CardTries()
        under = [e.name for e in uow.contact_cards.enterprises_under(demo.township_id)]
    assert len(under) == 4 and "润弘制药股份有限公司" in under  # the one without a grid belongs to no unit


def test_the_card_bound_contact_is_the_enterprises_contact(uow_factory, demo: DemoSummary) -> None:
    enterprise_id = demo.enterprises["润弘制药股份有限公司"]
    with uow_factory() as uow:
        first, later = (uow.accounts.get_or_create("telegram", str(i), str(i), "zh_CN", "") for i in (1, 2))
        uow.reporter_profiles.save(ReporterProfile(first.id, ReporterKind.ENTERPRISE, enterprise_id))
        uow.reporter_profiles.save(ReporterProfile(later.id, ReporterKind.ENTERPRISE, enterprise_id, bound_at=NOW))
        uow.commit()
    with uow_factory() as uow:
        contact = uow.reporter_profiles.contact_of(enterprise_id)
    assert (contact.account_id, contact.bound_at) == (later.id, NOW)
