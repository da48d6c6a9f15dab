"""/digest: a leader reads last week's (or last month's) figures for their unit in chat."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl

from bot import files

from tests.scenarios.story import bound_cadre
from tests.scenarios.test_report_to_resolution import report_power_cut

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_leader_reads_last_weeks_figures_and_a_butler_is_refused(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    leader = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    number = await report_power_cut(botapi, database_url)  # Tuesday 24 Nov, not taken up
    lianxin.clock.set(datetime(2026, 12, 1, 10, 5, tzinfo=SHANGHAI))
    text = (await leader.send("/digest")).texts[-1]
    assert "周通报 · 新村镇 · 2026-11-23 至 2026-11-29" in text
    assert "收到问题 1 件（较上期 +1）· 交办 0（±0）· 办结 0（±0）" in text
    assert "问题解决率 0% · 按期办结率 — · 企业满意率 —" in text
    assert "未研判 1" in text and "在办 1 件（🟢 0 🔴 1 ⚫ 0）" in text, "five working days late: still red"
    assert "问题类别：水电气暖 1" in text
    assert f"{number} · 已 7 天 · 陈晓明" in text
    assert "13812345678" not in text, "figures, not the reporter's phone"
    assert "红榜：" in text and "黑榜：" in text, "新村镇's communities ranked against each other"
    board = text[text.index("红榜："):]
    assert re.search(r"红榜：\w+（\d+(\.\d)? 分）", board), "a score reads as points, not a bare 100.0"
    monthly = (await leader.send("/digest month")).texts[-1]
    assert "月报告 · 新村镇 · 2026-11-01 至 2026-11-30" in monthly and "收到问题 1 件" in monthly
    earlier = (await leader.send("/digest 2026-11-18")).texts[-1]
    assert "周通报 · 新村镇 · 2026-11-16 至 2026-11-22" in earlier and "收到问题 0 件" in earlier
    unclear = (await leader.send("/digest 上周")).texts[-1]
    assert unclear.startswith("要看哪个时段？"), "explained and asked again, not guessed"
    refused = (await butler.send("/digest")).texts[-1]
    assert refused == "/digest 仅供领导和营商环境监督员使用。"


async def test_a_leader_gets_the_ledger_as_an_excel_file_and_a_butler_is_refused(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    leader = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    number = await report_power_cut(botapi, database_url)
    await leader.send("/ledger")
    await lianxin.drain()  # the workbook is written while it is sent
    await botapi.wait_idle()
    sent = leader.last_message()
    assert sent.document is not None and sent.document["file_name"].startswith("台账-新村镇-")
    assert sent.caption == "新村镇问题台账：全部问题及办理记录，截至当前。"
    book = openpyxl.load_workbook(io.BytesIO(sent.document_bytes), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "编号" and [row[0] for row in rows[1:]] == [number]
    assert "润弘制药股份有限公司" in rows[1] and "陈晓明" in rows[1]
    assert not any("13812345678" in str(cell) for row in rows for cell in row), "no phones in a ledger"
    refused = (await butler.send("/ledger")).texts[-1]
    assert refused == "/ledger 仅供领导和营商环境监督员使用。"


async def test_a_ledger_too_large_for_chat_is_refused_with_a_way_out(botapi, lianxin, database_url, monkeypatch):
    await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    monkeypatch.setattr(files, "MAX_DOCUMENT_BYTES", 1000)  # instead of 50 MB of tickets
    leader = botapi.user(2009)
    await leader.send("/ledger")
    await lianxin.drain()
    await botapi.wait_idle()
    sent = leader.last_message()
    assert sent.document is None
    assert sent.text == ("新村镇问题台账：全部问题及办理记录，截至当前。\n\n台账共 0 件问题，文件过大，无法在聊天中发送。"
                         "请联系办公室用 lianxin ledger export 导出。")
