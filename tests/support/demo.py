"""The demo as people start it: `lianxin run` without a token, in a process of its own, on a
SQLite database in a folder of the test's; its output collected, its banner waited for."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
READY = "Lianxin demo ready on"
PAGE_LINE = re.compile(r"demo page: (http://\S+/)")
START_TIMEOUT = 180.0  # seconds: the first start writes the district's history; only a bug takes this long


class DemoProcess:
    def __init__(self, folder: Path, port: int) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("LIANXIN_")}
        self.database_url = f"sqlite:///{folder / 'demo.db'}"
        env.update(LIANXIN_DATABASE_URL=self.database_url, LIANXIN_DEMO_PORT=str(port), PYTHONUNBUFFERED="1",
                   PYTHONPATH=str(ROOT))
        self.url = f"http://127.0.0.1:{port}"
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", "run"],
            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        self.ready_at: float | None = None
        self._ended = threading.Event()  # the banner was printed, or the process ended
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if READY in line:
                self.ready_at = time.monotonic()
                self._ended.set()
        self._ended.set()  # ended: whoever waits sees it

    @property
    def log(self) -> str:
        return "".join(self.output)

    def ready(self) -> str:
        """Wait for the banner; the page's URL, which must be the demo's first line."""
        self._ended.wait(START_TIMEOUT)
        assert self.ready_at is not None, "the demo did not get ready:\n" + self.log
        found = PAGE_LINE.search(self.output[0])
        assert found, "the page's URL is not the demo's first line:\n" + self.log
        return found[1]

    def act(self, user: int, action: str, **body: object) -> dict:
        """One simulated action over /_sim; returns once the bot has handled it and sent what it caused."""
        answer = httpx.post(f"{self.url}/_sim/users/{user}/{action}", json=body, timeout=90)
        assert answer.status_code == 200 and answer.json()["ok"], answer.text
        return answer.json()

    def messages(self, chat: int) -> list[dict]:
        return httpx.get(f"{self.url}/_sim/chats/{chat}/messages", timeout=30).json()["messages"]

    def stop(self) -> int:
        """SIGTERM, as Ctrl-C or a service manager would; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self._reader.join(timeout=5)
