"""What a reporter sees of their ticket (/t, /mine): what was done, by whom and by when, in plain
words; none of the office's machinery (flags, refused hand-overs, 销号, 研判)."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from tests.unit.chat import Chat
from tests.unit.test_cadre_dialogs import Desk, demo_store

translator = Translator()
MACHINERY = ("旗", "拒收", "销号", "研判", "交办", "承办人负责")


@pytest.fixture
def desk() -> Desk:
    return Desk(demo_store())


def shown(chat: Chat, command: str) -> str:
    reply = chat.says(command)[-1]
    return translator.render(reply.text, reply.locale)


def refuse_a_hand_over(desk: Desk) -> None:
    desk.owner.presses("Transfer")
    desk.owner.says("王")
    desk.owner.forges("h:2:1")
    desk.owner.says("属于网格事务")
    desk.grid.presses("Refuse")
    desk.grid.says("不在我的网格")


def test_an_open_ticket_says_who_handles_it_and_by_when_without_flags(desk):
    refuse_a_hand_over(desk)
    desk.owner.presses("Accept")
    view = shown(desk.boss, "/t LX-2026-000001")
    assert "正在办理" in view and "李管家" in view and "预计" in view and "前办结" in view
    assert "您反映了问题" in view and "承办人已接单" in view
    assert not any(word in view for word in MACHINERY), view
    listing = shown(desk.boss, "/mine")
    assert "LX-2026-000001" in listing and "正在办理" in listing
    assert not any(mark in listing for mark in ("🟢", "🔴", "⚫")), listing


def test_a_closed_ticket_says_solved_in_the_reporters_words(desk):
    desk.owner.presses("Resolve")
    desk.owner.says("已恢复供电")
    desk.boss.presses("Solved")
    view = shown(desk.boss, "/t LX-2026-000001")
    assert "已解决" in view and "您确认已解决" in view and "承办人报告已办结" in view
    assert not any(word in view for word in MACHINERY), view
    assert "预计" not in view


def test_the_handler_still_sees_the_office_view(desk):
    refuse_a_hand_over(desk)
    view = shown(desk.owner, "/t LX-2026-000001")
    assert "旗" in view and "13812345678" in view.replace("+86", "")


def resolved_then_partly_solved(desk: Desk) -> None:
    desk.owner.presses("Resolve")
    desk.owner.says("已恢复供电")
    desk.boss.presses("Partly solved")
    desk.boss.says("二号车间还没电")


def test_partly_solved_is_told_back_as_partly_solved(desk):
    resolved_then_partly_solved(desk)
    view = shown(desk.boss, "/t LX-2026-000001")
    assert "您反馈仅部分解决，重新办理" in view and "重新办理中" in view


def test_the_handler_reads_partly_solved_in_the_history_too(desk):
    resolved_then_partly_solved(desk)
    view = shown(desk.owner, "/t LX-2026-000001")
    assert "反映人表示仅部分解决（重办）" in view and "反映人表示未解决" not in view
