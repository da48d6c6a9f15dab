"""`lianxin run` with no token starts the local demo, answers a user, and stops cleanly; restarted,
it still reaches everyone it knew; a busy port is named in one line."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

from sandbox.botapi.testing import free_port
from tests.support.demo import DemoProcess

BOSS, BUTLER = 1001, 2001


def texts(answer: dict) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in answer["replies"]]


def stopped_cleanly(demo: DemoProcess) -> bool:
    return demo.stop() == 0 and "Traceback" not in demo.log


def test_demo_answers_start_and_exits_cleanly(tmp_path: Path) -> None:
    demo = DemoProcess(tmp_path, free_port())
    try:
        demo.ready()
        # Back to back, each answer carries its own replies: the demo's server waits for the bot's word.
        for action, body in (("send", {"text": "/start"}), ("press", {"text": "企业"}), ("send", {"text": "润弘"})):
            assert any(text.strip() for text in texts(demo.act(BOSS, action, **body))), (action, body)
    finally:
        assert stopped_cleanly(demo), demo.log


def test_a_restarted_demo_still_reaches_the_people_it_knew(tmp_path: Path) -> None:
    port = free_port()
    demo = DemoProcess(tmp_path, port)
    try:
        demo.ready()
        demo.act(BOSS, "send", text="/start")  # the butler's chat is bound already: the demo's history
        demo.act(BOSS, "press", text="企业")
        code = re.search(r"credit code (\w{18})", demo.log)[1]
        for action, body in (("send", {"text": code}), ("press", {"text": "用工"}), ("send", {"text": "缺工 30 人"}),
                             ("press", {"text": "完成"}), ("send", {"text": "13912345678"}),
                             ("press", {"text": "确认提交"})):
            demo.act(BOSS, action, **body)
        last_before = demo.messages(BOSS)[-1]["message_id"]
    finally:
        assert stopped_cleanly(demo), demo.log

    again = DemoProcess(tmp_path, port)
    try:
        again.ready()
        taken = again.act(BUTLER, "press", text="接单")  # on the card sent before the restart
        assert taken["ok"]
        news = [m for m in again.messages(BOSS) if m["message_id"] > last_before]
        assert news and "陈晓明" in news[0]["text"], again.log  # the owner hears of it: no "chat not found"
    finally:
        assert stopped_cleanly(again), again.log


def test_a_busy_port_is_named_with_the_setting_to_change(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        demo = DemoProcess(tmp_path, taken.getsockname()[1])
        code = demo.stop() if demo.process.wait(timeout=90) is not None else None
    assert code == 1 and "LIANXIN_DEMO_PORT" in demo.log and "Traceback" not in demo.log, demo.log


def test_the_cli_names_the_database_file_it_opened(tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.cli import main

    for name in [key for key in os.environ if key.startswith("LIANXIN_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # somewhere else than the repository: the default file lands here
    monkeypatch.setenv("LIANXIN_BOT_TOKEN", "1:unused")
    assert main(["cadre", "invite", "99", "--bot-username", "lianxin_bot"]) == 1
    said = capsys.readouterr().err
    assert "no cadre 99" in said and f"sqlite:///{tmp_path / 'lianxin.db'}" in said
