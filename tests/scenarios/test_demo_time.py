"""The demo's living district and its time under the visitor's hand (issue 15): the seeded history
shows in /digest, /ledger and the 红黑榜, and moving the clock through the server's POST /_sim/clock
brings the 催办 / 督办 / 黑旗 ladder, 回头看, auto-confirmation and the Monday 周通报 with its chart,
each in the chat it belongs to, by the time the move is answered."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bot.demo_history import BUTLER, LEADER, LEADER_GROUP, LEADER_GROUP_TITLE, OWNER
from sandbox.botapi import LocalBotApi
from storage.db import make_engine
from storage.tables import TicketRow

WORKING_DAYS_TO_BLACK = 8  # due tomorrow; black on the sixth working day after the due day: a margin above


@pytest.fixture
async def http(botapi: LocalBotApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=botapi.url, timeout=180) as client:
        yield client


async def advance(http: httpx.AsyncClient, step: str) -> str:
    """Move the demo's clock; answered once what the move made due is handled and sent."""
    answer = await http.post("/_sim/clock", json={"advance": step})
    assert answer.status_code == 200, answer.text
    return answer.json()["now"]


def number_of(database_url: str, description_starts: str) -> str:
    """The number the history gave the ticket whose description starts so."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.select(TicketRow.number).where(TicketRow.description.startswith(
                description_starts)))
    finally:
        engine.dispose()


def news(botapi: LocalBotApi, chat_id: int, seen: int) -> str:
    """The text of what the bot said in the chat after its first `seen` messages."""
    return "\n".join(m.text or m.caption or "" for m in botapi.user(chat_id).messages()[seen:])


def count(botapi: LocalBotApi, chat_id: int) -> int:
    return len(botapi.user(chat_id).messages())


async def test_the_seeded_district_shows_real_figures_in_digest_ledger_and_ranking(botapi, demo) -> None:
    leader = botapi.user(LEADER)  # 赵主任, bound to his cadre by the history: no invite to type
    digest = "\n".join((await leader.send("/digest")).texts)
    assert int(re.search(r"收到问题 (\d+) 件", digest)[1]) > 0, digest
    assert int(re.search(r"在办 (\d+) 件", digest)[1]) > 0, digest
    assert re.search(r"⚫ [1-9]", digest), "a black flag among the open problems:\n" + digest
    assert re.search(r"红榜：\S+（[\d.]+ 分）", digest) and re.search(r"黑榜：\S+（[\d.]+ 分）", digest), digest

    ledger = (await leader.send("/ledger")).replies[-1]
    header, *rows = load_workbook(io.BytesIO(ledger.document_bytes)).worksheets[0].iter_rows(values_only=True)
    column = {name: [row[header.index(name)] for row in rows] for name in ("状态", "满意度", "销号")}
    assert len(rows) > 15, "a row per problem of the history"
    assert len(set(column["状态"])) >= 5, f"tickets in every state: {set(column['状态'])}"
    assert set(column["满意度"]) - {None} == {1, 2, 3, 4, 5}, "ratings of every kind"
    assert column["销号"].count("✓") > 5


async def test_moving_the_clock_turns_a_flag_red_then_black_with_the_ladder_in_the_cadres_chat(
        botapi, demo, http, database_url) -> None:
    loan = number_of(database_url, "设备更新贷款")  # accepted by 陈晓明, due tomorrow: green today
    assert (await http.get("/_sim/clock")).json()["now"].endswith("+08:00")
    butler_seen, leader_seen = count(botapi, BUTLER), count(botapi, LEADER)

    await advance(http, "1wd")
    assert f"🔴 {loan} 催办" in news(botapi, BUTLER, butler_seen), news(botapi, BUTLER, butler_seen)
    await advance(http, "1wd")
    assert f"🔴 {loan} 督办" in news(botapi, BUTLER, butler_seen)
    assert f"🔴 {loan} 督办（抄送）" in news(botapi, LEADER, leader_seen), "the leader in charge in copy"
    for _ in range(WORKING_DAYS_TO_BLACK):
        if f"⚫ {loan} 黑旗" in news(botapi, BUTLER, butler_seen):
            break
        await advance(http, "1wd")
    assert f"⚫ {loan} 黑旗" in news(botapi, BUTLER, butler_seen), news(botapi, BUTLER, butler_seen)
    assert f"⚫ {loan} 黑旗，上报您处" in news(botapi, LEADER, leader_seen)


async def test_hours_on_the_reporter_is_asked_back_and_a_silent_one_is_closed_for_them(
        botapi, demo, http, database_url) -> None:
    subsidy = number_of(database_url, "稳岗补贴")  # 销号 almost 30 days ago by 王老板
    eia = number_of(database_url, "环评验收")  # resolved almost 7 days ago; 马厂长 never answered
    owner_seen, silent_seen = count(botapi, OWNER), count(botapi, 1102)
    for _ in range(5):
        await advance(http, "1h")
    asked = botapi.user(OWNER).messages()[owner_seen:]
    assert any(subsidy in (m.text or "") and "问题有没有再出现" in m.text for m in asked), news(botapi, OWNER, owner_seen)
    out = await botapi.user(OWNER).press("没有再出现")
    assert out.texts, "the 回头看 answer is taken"
    assert f"工单 {eia} 已按已解决办结" in news(botapi, 1102, silent_seen)


async def test_next_monday_0900_lands_the_weekly_digest_with_its_chart_in_the_leader_group(botapi, demo, http) -> None:
    group = botapi.group(LEADER_GROUP, LEADER_GROUP_TITLE)
    before = len(group.messages())
    now = await advance(http, "next_monday_0900")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT09:00:\d\d(\.\d+)?\+08:00", now), now
    [digest] = [m for m in group.messages()[before:] if m.photo]
    assert digest.photo_bytes.startswith(b"\x89PNG"), "the chart, as a photo"
    text = digest.caption or group.messages()[-1].text
    assert text.startswith("周通报 · 新村镇") and re.search(r"在办 [1-9]\d* 件", text), text
