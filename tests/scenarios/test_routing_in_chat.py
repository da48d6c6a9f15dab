"""Routing v1 as a reporter and cadre see it: 包联, else the grid worker, else the duty cadre."""

from __future__ import annotations

from tests.scenarios.story import BOSS, bound_cadre


async def finish_report(boss, text: str) -> str:
    await boss.press("安全隐患")
    await boss.send(text)
    await boss.press("完成")
    await boss.send("13812345678")
    out = await boss.press("确认提交")
    return out.texts[-1]


async def test_a_resident_reaches_the_worker_of_the_grid_they_choose(botapi, lianxin, database_url):
    worker = await bound_cadre(botapi, database_url, "张秀英")
    resident = botapi.user(BOSS, first_name="李大爷", language_code="zh-hans")
    await resident.send("/start")
    out = await resident.press("居民")
    assert {b[0] for row in out.replies[-1].buttons for b in row} == {"裴李岗村", "新村社区"}
    await resident.press("新村社区")
    await resident.press("新村社区第一网格")
    done = await finish_report(resident, "小区门口大树太高，大风天有倒伏危险")
    assert "张秀英（网格员）" in done
    assert "大树太高" in worker.last_message().text


async def test_an_enterprise_without_contact_or_grid_goes_to_the_township_duty_cadre(botapi, lianxin, database_url):
    duty = await bound_cadre(botapi, database_url, "赵主任")
    boss = botapi.user(BOSS, first_name="周老板", language_code="zh-hans")
    await boss.send("/start")
    await boss.press("企业")
    await boss.send("佳美")
    await boss.press("新郑市佳美服装厂")
    done = await finish_report(boss, "厂房外墙有脱落风险")
    assert "赵主任" in done
    assert "厂房外墙" in duty.last_message().text


async def test_an_invite_works_once(botapi, lianxin, database_url):
    from storage.admin import seed_demo
    from tests.scenarios.story import invite

    token = invite(database_url, seed_demo(database_url).cadres["李建国"])
    first = botapi.user(2001, first_name="李建国", language_code="zh-hans")
    assert "欢迎，李建国" in (await first.send(f"/start {token}")).texts[-1]
    other = botapi.user(2002, first_name="冒名者", language_code="zh-hans")
    assert "该邀请链接已被使用" in (await other.send(f"/start {token}")).texts[-1]
