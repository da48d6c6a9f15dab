"""The demo as a visitor meets it: `lianxin run` without a token (python-telegram-bot, SQLite in a
temp folder) in a process of its own, and its page in Debian's Chromium driven by Playwright.

Chromium is never downloaded: it is the system's (`python3 dev.py test` installs Debian's
`chromium` when it is missing; LIANXIN_CHROMIUM points at another). Screenshots of each step
go to LIANXIN_SCREENSHOTS (default: <tmp>/lianxin-screenshots); with LIANXIN_README_SCREENSHOTS=1
the two the README shows are written to docs/screenshots/ as well.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.botapi.testing import free_port
from tests.support.demo import DemoProcess

ACTION_TIMEOUT = 120_000  # ms: a bot answer on a busy machine; only a bug takes this long


def chromium_path() -> str:
    found = os.environ.get("LIANXIN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("the browser tests need Chromium: install Debian's (apt-get install chromium; `python3 dev.py "
                    "test` does it when run as root) or set LIANXIN_CHROMIUM to a Chromium/Chrome executable")
    return found


class Demo:
    """The running demo as the tests see it: its page URL, process, and when it started."""

    def __init__(self, process: DemoProcess, url: str) -> None:
        self.process, self.url = process, url
        self.http = httpx.Client(base_url=url, timeout=120)

    def personas(self) -> list[dict]:
        return self.http.get("/_sim/personas").json()["personas"]

    def has_clock(self) -> bool:
        return self.http.get("/_sim/clock").status_code == 200


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    process = DemoProcess(tmp_path_factory.mktemp("demo"), free_port())
    try:
        url = process.ready()
        running = Demo(process, url)
        assert running.personas(), "the demo names who the visitor can be (/_sim/personas)"
        yield running
    finally:
        code = process.stop()
        assert code == 0 and "Traceback" not in process.log, process.log


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        # No sandbox: CI runs as root in a container, where Chromium's own sandbox cannot start.
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, demo: Demo) -> Iterator[object]:
    from playwright.sync_api import expect

    expect.set_options(timeout=ACTION_TIMEOUT)
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN", accept_downloads=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(demo.url)
    yield opened
    context.close()
    assert not errors, f"the page raised: {errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get("LIANXIN_SCREENSHOTS") or Path(tempfile.gettempdir()) / "lianxin-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"browser screenshots: {folder}")
    return folder
