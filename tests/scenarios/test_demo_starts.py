"""`lianxin run` with no token starts the local demo, answers a user, and stops cleanly; restarted,
it still reaches everyone it knew; a busy port is named in one line."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from sandbox.botapi.testing import free_port

ROOT = Path(__file__).resolve().parents[2]
READY = "Lianxin demo ready on"
BOSS, BUTLER = 1001, 2001


class Demo:
    """The demo in a process of its own, its output collected; `ready()` waits for its banner."""

    def __init__(self, folder: Path, port: int) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("LIANXIN_")}
        env.update(LIANXIN_DATABASE_URL=f"sqlite:///{folder / 'demo.db'}", LIANXIN_DEMO_PORT=str(port),
                   PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", "run"],
            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if READY in line:
                self._ready.set()

    @property
    def log(self) -> str:
        return "".join(self.output)

    def ready(self) -> None:
        deadline = time.monotonic() + 90
        while not self._ready.is_set() and self.process.poll() is None and time.monotonic() < deadline:
            self._ready.wait(0.2)
        assert self._ready.is_set(), "the demo did not get ready:\n" + self.log

    def act(self, user: int, action: str, **body: object) -> dict:
        """One simulated action; returns once the bot has handled it and sent what it caused."""
        answer = httpx.post(f"{self.url}/_sim/users/{user}/{action}", json=body, timeout=90)
        assert answer.status_code == 200 and answer.json()["ok"], answer.text
        return answer.json()

    def messages(self, chat: int) -> list[dict]:
        return httpx.get(f"{self.url}/_sim/chats/{chat}/messages", timeout=30).json()["messages"]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self._reader.join(timeout=5)
        assert "Traceback" not in self.log, self.log
        return code


def texts(answer: dict) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in answer["replies"]]


def test_demo_answers_start_and_exits_cleanly(tmp_path: Path) -> None:
    demo = Demo(tmp_path, free_port())
    try:
        demo.ready()
        # Back to back, each answer carries its own replies: the demo's server waits for the bot's word.
        for action, body in (("send", {"text": "/start"}), ("press", {"text": "企业"}), ("send", {"text": "润弘"})):
            assert any(text.strip() for text in texts(demo.act(BOSS, action, **body))), (action, body)
    finally:
        assert demo.stop() == 0, demo.log


def test_a_restarted_demo_still_reaches_the_people_it_knew(tmp_path: Path) -> None:
    port = free_port()
    demo = Demo(tmp_path, port)
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
        assert demo.stop() == 0, demo.log

    again = Demo(tmp_path, port)
    try:
        again.ready()
        taken = again.act(BUTLER, "press", text="接单")  # on the card sent before the restart
        assert taken["ok"]
        news = [m for m in again.messages(BOSS) if m["message_id"] > last_before]
        assert news and "陈晓明" in news[0]["text"], again.log  # the owner hears of it: no "chat not found"
    finally:
        assert again.stop() == 0, again.log


def test_a_busy_port_is_named_with_the_setting_to_change(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        demo = Demo(tmp_path, taken.getsockname()[1])
        code = demo.stop() if demo.process.wait(timeout=90) is not None else None
    assert code == 1 and "LIANXIN_DEMO_PORT" in demo.log, demo.log


def test_the_cli_names_the_database_file_it_opened(tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.cli import main

    for name in [key for key in os.environ if key.startswith("LIANXIN_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # somewhere else than the repository: the default file lands here
    monkeypatch.setenv("LIANXIN_BOT_TOKEN", "1:unused")
    assert main(["cadre", "invite", "99", "--bot-username", "lianxin_bot"]) == 1
    said = capsys.readouterr().err
    assert "no cadre 99" in said and f"sqlite:///{tmp_path / 'lianxin.db'}" in said
