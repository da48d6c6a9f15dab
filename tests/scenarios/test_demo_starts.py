"""`lianxin run` with no token starts the local demo, answers a user, and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from sandbox.botapi.testing import free_port

ROOT = Path(__file__).resolve().parents[2]
READY = "Lianxin demo ready on"


def test_demo_answers_start_and_exits_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIANXIN_")}
    env.update(LIANXIN_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}", LIANXIN_DEMO_PORT=str(port),
               PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", "run"],
                               cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if READY in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not ready.is_set() and process.poll() is None and time.monotonic() < deadline:
            ready.wait(0.2)
        assert ready.is_set(), "the demo did not get ready:\n" + "".join(output)

        # Back to back, each answer carries its own replies: the demo's server waits for the bot's word.
        for action, body in (("send", {"text": "/start"}), ("press", {"text": "企业"}), ("send", {"text": "润弘"})):
            answer = httpx.post(f"http://127.0.0.1:{port}/_sim/users/1001/{action}", json=body, timeout=60)
            assert answer.status_code == 200, answer.text
            assert answer.json()["ok"]
            texts = [m.get("text") or m.get("caption") or "" for m in answer.json()["replies"]]
            assert any(text.strip() for text in texts), (action, body, answer.json())
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        reader.join(timeout=5)
    log = "".join(output)
    assert code == 0, log
    assert "Traceback" not in log, log
