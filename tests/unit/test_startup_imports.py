"""Starting the bot loads what answering people needs, not what a digest's chart or another
country's holidays need: matplotlib is imported when a chart is drawn, and of `holidays` only
China is loaded; libphonenumber when the first phone number is checked; the group robots'
senders only when robots are configured; the holiday table when the first working day is
counted. A restart on an up-to-date database does not load
Alembic either. The garbage collector, paused while start-up builds what lives as long as
the process, runs again once the bot is built."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What `lianxin run` does up to polling (bot/cli.py cmd_run), on each framework.
PROBE = """
import json, sys
from bot import bootstrap
from bot.settings import Settings
from storage.db import upgrade

settings = Settings(_env_file=None, bot_token="123:ABC", bot_api_url="http://127.0.0.1:9", framework=sys.argv[1],
                    database_url=sys.argv[2])
upgrade(settings.database_url)
core = bootstrap.build_core(settings)
core.recount_deadlines()
bootstrap.build_adapter(settings, bootstrap.build_runtime(settings, core))
import bot.scheduler  # what Runtime.start imports to start the timed jobs
print(json.dumps({"holiday_table_built": core.rules.calendar._china is not None}))
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
def test_starting_the_bot_loads_no_charting_and_only_chinas_holidays(framework: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, framework, f"sqlite:///{tmp_path / 'start.db'}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "bot.adapters.telegram_" + ("aiogram" if framework == "aiogram" else "ptb") in loaded  # it did start up
    assert [m for m in loaded if m.split(".")[0] == "matplotlib"] == []
    assert [m for m in loaded if m.startswith("holidays.countries")] == ["holidays.countries.china"]


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
def test_starting_the_bot_leaves_phone_numbers_the_robots_and_the_holiday_table_for_when_they_are_needed(
        framework: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, framework, f"sqlite:///{tmp_path / 'start.db'}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "bot.scheduler" in loaded  # it did get as far as the timed jobs
    assert [m for m in loaded if m.split(".")[0] == "phonenumbers"] == []
    assert [m for m in loaded if m.startswith("bot.adapters.robots")] == []
    # 26 years of holidays worked out when the first deadline is counted, not before anyone writes
    assert json.loads(done.stdout.strip().splitlines()[-2]) == {"holiday_table_built": False}


def test_the_collector_paused_for_start_up_runs_again_once_the_bot_is_built() -> None:
    from bot import collector

    collector.pause()
    try:
        assert not gc.isenabled()
    finally:
        collector.resume()
    try:
        assert gc.isenabled(), "the running bot would never free a reference cycle"
        assert gc.get_freeze_count() > 0  # what start-up made is frozen: later full collections skip it
    finally:
        gc.unfreeze()


def test_a_restart_on_an_up_to_date_database_leaves_it_as_it_is_without_loading_alembic(tmp_path: Path) -> None:
    from storage.db import upgrade

    url = f"sqlite:///{tmp_path / 'start.db'}"
    upgrade(url)  # the first start migrates
    done = subprocess.run([sys.executable, "-c", PROBE, "ptb", url], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert [m for m in json.loads(done.stdout.strip().splitlines()[-1]) if m.split(".")[0] == "alembic"] == []
