"""Every repository method round-trips through a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.domain.model import Account, CadreRole, InviteRefusal, OrgLevel, Refused, ReporterKind
from handlers.ports import ConversationState, UnitOfWork
from storage.admin import DemoSummary, create_invite
from storage.repositories import ReporterProfile

NOW = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def test_unit_of_work_satisfies_the_port(uow_factory) -> None:
    with uow_factory() as uow:
        port: UnitOfWork = uow  # static check; and at run time every repository is there
        for name in ("accounts", "conversations", "directory", "invites", "tickets", "seen_updates"):
            assert getattr(port, name) is not None


# -- accounts -----------------------------------------------------------------


def test_account_get_or_create_round_trip(uow_factory) -> None:
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "7000000001", "7000000001", "zh_CN", "王小明")
        uow.commit()
    assert isinstance(account, Account) and account.id
    with uow_factory() as uow:
        assert uow.accounts.get(account.id) == account
        again = uow.accounts.get_or_create("telegram", "7000000001", "7000000001", "en", "王小明")
        assert again == account  # same account; keeps the locale it has
        other = uow.accounts.get_or_create("max", "7000000001", "5", "en", "Wang")
        assert other.id != account.id and other.platform == "max"
        # another platform's ids need not be numbers: WeCom's user ids are names
        wecom = uow.accounts.get_or_create("wecom", "ZhangSan", "wrOgAAAA-ZhangSan", "zh_CN", "张三")
        assert (wecom.user_id, wecom.chat_id) == ("ZhangSan", "wrOgAAAA-ZhangSan")
        assert uow.accounts.find("wecom", "ZhangSan") == wecom
        assert uow.accounts.get(999_999) is None


def test_account_tracks_chat_and_name(uow_factory) -> None:
    with uow_factory() as uow:
        first = uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "旧名")
        later = uow.accounts.get_or_create("telegram", "1", "2", "zh_CN", "新名")
        uow.commit()
    assert later.id == first.id and later.chat_id == "2" and later.display_name == "新名"


def test_account_set_locale(uow_factory) -> None:
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "")
        uow.accounts.set_locale(account.id, "en")
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.get(account.id).locale == "en"


# -- conversations ------------------------------------------------------------


def test_conversation_defaults_to_idle(uow_factory) -> None:
    with uow_factory() as uow:
        assert uow.conversations.load("telegram", "42") == ConversationState("telegram", "42")


def test_conversation_save_and_load(uow_factory) -> None:
    state = ConversationState("telegram", "-100123", "report", "describe",
                              {"category": "power", "photos": ["a", "b"], "n": 3, "中文": "值"})
    with uow_factory() as uow:
        uow.conversations.save(state)
        uow.commit()
    with uow_factory() as uow:
        assert uow.conversations.load("telegram", "-100123") == state
        assert uow.conversations.load("max", "-100123") == ConversationState("max", "-100123")
        state.step, state.data = "photos", {}
        uow.conversations.save(state)  # overwrite, same session
        assert uow.conversations.load("telegram", "-100123") == state
        uow.commit()
    with uow_factory() as uow:
        assert uow.conversations.load("telegram", "-100123").step == "photos"


# -- directory ----------------------------------------------------------------


def test_directory_tree(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        d = uow.directory
        [city] = d.roots()
        assert (city.name, city.level, city.parent_id) == ("郑州市", OrgLevel.CITY, None)
        [district] = d.children(city.id)
        [township] = [u for u in d.children(district.id) if u.level is OrgLevel.TOWNSHIP]
        departments = {u.name for u in d.children(district.id) if u.level is OrgLevel.DEPARTMENT}
        assert departments == {"新郑市自然资源局", "国网新郑市供电公司", "新郑市人力资源和社会保障局"}
        assert township.id == demo.township_id and township.level == OrgLevel.TOWNSHIP
        assert township.duty_cadre_id == demo.duty_cadre_id
        assert [c.name for c in d.children(township.id)] == ["裴李岗村", "新村社区"]
        assert d.org_unit(township.id) == township
        assert d.org_unit(999_999) is None
        assert d.children(demo.org_units["裴李岗村第一网格"]) == []


def test_directory_lineage_climbs_to_the_root_nearest_first(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        d = uow.directory
        grid = demo.org_units["裴李岗村第一网格"]
        assert [u.name for u in d.lineage(grid)] == ["裴李岗村第一网格", "裴李岗村", "新村镇", "新郑市", "郑州市"]
        assert d.lineage(grid)[2] == d.org_unit(demo.township_id)
        [city] = d.roots()
        assert d.lineage(city.id) == [city]
        assert d.lineage(999_999) == []


def test_directory_cadres(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        d = uow.directory
        duty = d.cadre(demo.duty_cadre_id)
        assert duty.name == "赵主任" and duty.role == CadreRole.TOWNSHIP_LEADER
        assert duty.org_unit_id == demo.township_id and duty.phone.startswith("1") and duty.account_id is None
        assert d.cadre(999_999) is None
        grid = demo.org_units["新村社区第一网格"]
        worker = d.grid_worker(grid)
        assert worker.role == CadreRole.GRID_WORKER and worker.org_unit_id == grid
        assert d.grid_worker(demo.township_id) is None  # the duty cadre is no grid worker
        assert d.cadre_by_account(1) is None


def test_directory_cadre_by_account(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "11", "11", "zh_CN", "陈")
        token = create_invite(uow, demo.butler_id, NOW, timedelta(days=1))
        assert uow.invites.redeem(token, account.id, NOW).id == demo.butler_id
        uow.commit()
    with uow_factory() as uow:
        cadre = uow.directory.cadre_by_account(account.id)
        assert cadre.id == demo.butler_id and cadre.account_id == account.id


def test_directory_enterprises(uow_factory, demo: DemoSummary) -> None:
    name = "润弘制药股份有限公司"
    with uow_factory() as uow:
        d = uow.directory
        by_id = d.enterprise(demo.enterprises[name])
        assert by_id.name == name and by_id.credit_code == demo.credit_codes[name]
        assert by_id.assigned_cadre_id == demo.butler_id and by_id.grid_id == demo.org_units["裴李岗村第一网格"]
        assert by_id.address
        assert d.enterprise_by_code(demo.credit_codes[name]) == by_id
        assert d.enterprise_by_code(demo.credit_codes[name].lower()) == by_id
        assert d.enterprise_by_code("91410184MA0000000X") is None
        assert d.enterprise(999_999) is None


def test_search_enterprises(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        d = uow.directory
        assert [e.name for e in d.search_enterprises("润弘", 5)] == ["润弘制药股份有限公司"]
        assert {e.name for e in d.search_enterprises("新郑市", 10)} == {"新郑市宏达机械制造有限公司", "新郑市佳美服装厂"}
        assert len(d.search_enterprises("有限公司", 2)) == 2  # limit
        assert d.search_enterprises("不存在的公司", 5) == []
        assert d.search_enterprises("%", 5) == []  # wildcards are literal
        assert d.search_enterprises("_", 5) == []
        assert d.search_enterprises("", 5) == []


def test_search_enterprises_ignores_case(uow_factory, demo: DemoSummary) -> None:
    from storage.tables import EnterpriseRow

    with uow_factory() as uow:
        uow.session.add(EnterpriseRow(name="Henan ACME Trading 有限公司", credit_code="914101840000000001"))
        uow.commit()
    with uow_factory() as uow:
        assert [e.name for e in uow.directory.search_enterprises("acme", 5)] == ["Henan ACME Trading 有限公司"]
        assert [e.name for e in uow.directory.search_enterprises("TRADING", 5)] == ["Henan ACME Trading 有限公司"]


# -- invites ------------------------------------------------------------------


def test_invite_token_shape(uow_factory, demo: DemoSummary) -> None:
    import re

    with uow_factory() as uow:
        tokens = {create_invite(uow, demo.duty_cadre_id, NOW, timedelta(hours=1)) for _ in range(20)}
        uow.commit()
    assert len(tokens) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16,64}", t) for t in tokens)


def test_invite_for_unknown_cadre(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow, pytest.raises(LookupError):
        create_invite(uow, 999_999, NOW, timedelta(hours=1))


def test_invite_redeems_once(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        token = create_invite(uow, demo.duty_cadre_id, NOW, timedelta(days=7))
        a = uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "赵")
        b = uow.accounts.get_or_create("telegram", "2", "2", "zh_CN", "冒名")
        uow.commit()
    with uow_factory() as uow:
        cadre = uow.invites.redeem(token, a.id, NOW + timedelta(days=1))
        assert cadre.id == demo.duty_cadre_id and cadre.account_id == a.id
        uow.commit()
    with uow_factory() as uow:
        assert uow.invites.redeem(token, b.id, NOW + timedelta(days=1)).reason is InviteRefusal.USED
        assert uow.directory.cadre(demo.duty_cadre_id).account_id == a.id
        assert uow.invites.redeem(token, a.id, NOW + timedelta(days=30)).id == demo.duty_cadre_id  # its own, again


def test_invite_refuses_expired_and_unknown(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        token = create_invite(uow, demo.butler_id, NOW, timedelta(hours=1))
        account = uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "")
        uow.commit()
    with uow_factory() as uow:
        expired = uow.invites.redeem(token, account.id, NOW + timedelta(hours=1))
        assert (expired.reason, expired.expired_at) == (InviteRefusal.EXPIRED, NOW + timedelta(hours=1))
        assert uow.invites.redeem("no-such-token", account.id, NOW) == Refused(InviteRefusal.UNKNOWN)
        assert uow.directory.cadre(demo.butler_id).account_id is None
        # still redeemable in time: the refusals above consumed nothing
        assert uow.invites.redeem(token, account.id, NOW + timedelta(minutes=59)).id == demo.butler_id


def test_invite_refuses_an_account_bound_to_another_cadre(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "")
        first = create_invite(uow, demo.butler_id, NOW, timedelta(hours=1))
        second = create_invite(uow, demo.duty_cadre_id, NOW, timedelta(hours=1))
        assert uow.invites.redeem(first, account.id, NOW).id == demo.butler_id
        refused = uow.invites.redeem(second, account.id, NOW)
        assert (refused.reason, refused.cadre.id) == (InviteRefusal.OTHER_CADRE, demo.butler_id)
        uow.commit()


# -- seen updates -------------------------------------------------------------


def test_seen_updates_detect_duplicates(uow_factory) -> None:
    with uow_factory() as uow:
        assert uow.seen_updates.first_time("telegram", "900000000001") is True
        assert uow.seen_updates.first_time("telegram", "900000000001") is False
        assert uow.seen_updates.first_time("max", "900000000001") is True
        uow.commit()
    with uow_factory() as uow:
        assert uow.seen_updates.first_time("telegram", "900000000001") is False
        assert uow.seen_updates.first_time("telegram", "900000000002") is True
        # a duplicate does not break the transaction (no exception, no aborted transaction)
        assert uow.accounts.get_or_create("telegram", "3", "3", "zh_CN", "") is not None
        uow.commit()


def test_seen_update_rolled_back_is_not_seen(uow_factory) -> None:
    with uow_factory() as uow:
        assert uow.seen_updates.first_time("telegram", "5")
    with uow_factory() as uow:
        assert uow.seen_updates.first_time("telegram", "5")


def test_seen_updates_forget_before(uow_factory) -> None:
    with uow_factory() as uow:
        uow.seen_updates.first_time("telegram", "1")
        uow.commit()
    with uow_factory() as uow:
        assert uow.seen_updates.forget_before(datetime.now(UTC) + timedelta(minutes=1)) == 1
        assert uow.seen_updates.first_time("telegram", "1")


# -- reporter profiles --------------------------------------------------------


def test_reporter_profile_round_trip(uow_factory, demo: DemoSummary) -> None:
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "")
        assert uow.reporter_profiles.get(account.id) is None
        enterprise_id = demo.enterprises["润弘制药股份有限公司"]
        profile = ReporterProfile(account.id, ReporterKind.ENTERPRISE, enterprise_id, "13800138000")
        uow.reporter_profiles.save(profile)
        assert uow.reporter_profiles.get(account.id) == profile
        uow.commit()
    with uow_factory() as uow:
        assert uow.reporter_profiles.get(account.id) == profile
        changed = ReporterProfile(account.id, ReporterKind.RESIDENT, None, "13900139000")
        uow.reporter_profiles.save(changed)
        assert uow.reporter_profiles.get(account.id) == changed
