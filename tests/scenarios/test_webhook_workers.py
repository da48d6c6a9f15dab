"""Two webhook worker processes on one PostgreSQL, behind a proxy that duplicates and replays.

Each worker is the real `lianxin run`, in its own OS process, receiving the webhook on its
own port; the proxy (as nginx would) passes each update to one worker in turn, and here
also posts it to the other worker at the same moment and, now and then, posts an old one
again. Ten owners report at once; each also sends a burst of two updates without waiting
for an answer in between. Every update must be handled once, each chat's in order, and
every reply sent once.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from sandbox.botapi import LocalBotApi, SimUser
from sandbox.botapi.testing import free_port
from storage.admin import seed_demo
from storage.db import make_engine
from tests.scenarios.conftest import BOT_TOKEN
from tests.scenarios.story import invite
from tests.support.webhook_proxy import WebhookProxy

ROOT = Path(__file__).resolve().parents[2]
SECRET = "two-workers-secret"
OWNERS = range(1101, 1111)
BUTLER = 2001
WAIT = 120.0  # only a bug waits this long

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]


def spawn_worker(database_url: str, botapi: LocalBotApi, proxy: WebhookProxy, port: int, framework: str,
                 log: Path) -> subprocess.Popen:
    env = {**os.environ, "LIANXIN_BOT_TOKEN": BOT_TOKEN, "LIANXIN_BOT_API_URL": botapi.url,
           "LIANXIN_DATABASE_URL": database_url, "LIANXIN_FRAMEWORK": framework,
           "LIANXIN_WEBHOOK_URL": proxy.url, "LIANXIN_WEBHOOK_PORT": str(port), "LIANXIN_WEBHOOK_SECRET": SECRET,
           "LIANXIN_QUIET_HOURS": "false"}  # the cadre hears of tickets at any hour of the test
    with log.open("wb") as output:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=output,
                                stderr=subprocess.STDOUT)


async def until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def received(person: SimUser, count: int) -> None:
    """Until the bot has sent `count` messages to this person (woken by the chat itself)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while len(person.messages()) < count:
        assert loop.time() < deadline, f"user {person.id} got {len(person.messages())} of {count} messages"
        await person.chat.changed(deadline - loop.time())


async def walk(owner: SimUser, code: str) -> None:
    """The report dialog, each step as soon as the last reply landed; the code step as a burst."""
    await owner.send("/start", wait=False)
    await received(owner, 2)
    await owner.press("企业", wait=False)
    await received(owner, 3)
    await owner.send("12345", wait=False)  # a typo and the right code, sent without waiting in between
    await owner.send(code, wait=False)
    await received(owner, 6)
    await owner.press("用工", wait=False)
    await received(owner, 7)
    await owner.send(f"工人返岗难（{owner.id}）", wait=False)
    await received(owner, 8)
    await owner.press("完成", wait=False)
    await received(owner, 9)
    await owner.share_contact(f"+86139{owner.id:08d}", wait=False)
    await received(owner, 10)
    await owner.press("确认提交", wait=False)
    await received(owner, 11)


def texts(person: SimUser) -> list[str]:
    """What the person read, their own details and the ticket number left out."""
    said = [re.sub(r"LX-\d{4}-\d+", "LX-…", m.text or "") for m in person.messages()]
    return [text.replace(str(person.id), "…") for text in said]


def settled(engine: sa.Engine) -> bool:
    """Every update handled, every message sent."""
    with engine.connect() as connection:
        waiting = connection.execute(sa.text("SELECT count(*) FROM inbox WHERE handled_at IS NULL")).scalar_one()
        unsent = connection.execute(sa.text(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")).scalar_one()
    return waiting == 0 and unsent == 0


async def test_two_workers_handle_each_update_once_and_each_chat_in_order(botapi, database_url, framework,
                                                                          tmp_path):
    demo = seed_demo(database_url)
    ports = [free_port(), free_port()]
    proxy = WebhookProxy([f"http://127.0.0.1:{port}/telegram" for port in ports], duplicate=True, replay_every=5)
    await proxy.start()
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    workers = [spawn_worker(database_url, botapi, proxy, port, framework, log) for port, log in zip(ports, logs)]
    engine = make_engine(database_url)
    try:
        butler = botapi.user(BUTLER, first_name="陈晓明", language_code="zh-hans")
        await butler.send(f"/start {invite(database_url, demo.cadres['陈晓明'])}", wait=False)
        await received(butler, 1)
        owners = [botapi.user(n, first_name=f"用户{n}", language_code="zh-hans") for n in OWNERS]
        await asyncio.gather(*(walk(owner, demo.credit_codes["润弘制药股份有限公司"]) for owner in owners))
        await until(lambda: settled(engine), "the inbox and the outbox to empty")

        for owner in owners:
            said = texts(owner)
            assert said[3:6] == ["没有与“12345”匹配的登记企业，请换个关键字或输入统一社会信用代码。",
                                 "请发送企业的统一社会信用代码（18 位），或企业名称中的关键字。",
                                 "请选择问题类别："], "the burst was handled in the order it was sent"
            assert said == texts(owners[0]), "every owner's chat reads the same: no reply twice, none missing"
            assert said[-1].startswith("已受理，工单号 LX-…")

        numbers = [m.text.split("工单号 ")[1].split("，")[0] for owner in owners for m in owner.messages()[-1:]]
        with engine.connect() as connection:
            tickets = connection.execute(sa.text("SELECT id, number FROM ticket")).all()
            events = connection.execute(sa.text("SELECT ticket_id, seq, kind, at FROM ticket_event ORDER BY id")).all()
        assert sorted(number for _, number in tickets) == sorted(numbers), "each report made one ticket"
        for ticket_id, _ in tickets:
            history = [event for event in events if event.ticket_id == ticket_id]
            assert [event.seq for event in history] == list(range(1, len(history) + 1))
            assert [event.at for event in history] == sorted(event.at for event in history)
            assert history[0].kind == "submitted" and Counter(e.kind for e in history)["submitted"] == 1

        cards = Counter(number for m in butler.messages() for number in numbers if number in (m.text or ""))
        assert cards == Counter(numbers), "the butler heard of each ticket once"
        assert proxy.forwarded >= 1 + len(owners) * 9
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        codes = [await asyncio.to_thread(worker.wait, WAIT) for worker in workers]
        engine.dispose()
        await proxy.stop()
    output = "\n".join(log.read_text(errors="replace") for log in logs)
    assert codes == [0, 0], output
    assert "Traceback" not in output and " ERROR " not in output, output
    assert not botapi.errors


async def test_run_workers_starts_processes_on_one_port_and_stops_them_together(botapi, database_url, tmp_path):
    seed_demo(database_url)
    port = free_port()
    env = {**os.environ, "LIANXIN_BOT_TOKEN": BOT_TOKEN, "LIANXIN_BOT_API_URL": botapi.url,
           "LIANXIN_DATABASE_URL": database_url, "LIANXIN_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
           "LIANXIN_WEBHOOK_PORT": str(port), "LIANXIN_WEBHOOK_SECRET": SECRET}
    log = tmp_path / "workers.log"
    with log.open("wb") as output:
        parent = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--workers", "2"], cwd=ROOT, env=env,
                                  stdout=output, stderr=subprocess.STDOUT)
    try:
        owner = botapi.user(OWNERS[0], language_code="zh-hans")
        await owner.send("/start", wait=False)
        await received(owner, 2)
        await until(lambda: len(botapi.calls_to("setWebhook")) == 2, "both workers to register")
        await owner.press("企业", wait=False)
        await received(owner, 3)
    finally:
        parent.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(parent.wait, WAIT)
    output = log.read_text(errors="replace")
    assert code == 0 and "2 workers on 127.0.0.1" in output and "Traceback" not in output, output


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_run_workers_says_what_it_needs(database, database_url, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("LIANXIN_BOT_TOKEN", BOT_TOKEN)
    if database == "sqlite":
        monkeypatch.setenv("LIANXIN_DATABASE_URL", "sqlite:///unused.db")
        monkeypatch.setenv("LIANXIN_WEBHOOK_URL", "http://127.0.0.1:8443/telegram")
        expected = "--workers needs PostgreSQL"
    else:
        monkeypatch.setenv("LIANXIN_DATABASE_URL", database_url)
        monkeypatch.delenv("LIANXIN_WEBHOOK_URL", raising=False)
        expected = "--workers needs a webhook"
    assert main(["run", "--workers", "3"]) == 2
    assert expected in capsys.readouterr().err
