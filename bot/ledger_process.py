"""A ledger written in a process of its own, so that the bot keeps answering and sending meanwhile.

    summary = await write_aside(database_url, unit_id, now, rules, translator, "zh_CN", path)

Writing 100,000 problems is seconds of pure Python. In the bot's process it held the GIL and
one of the few threads of the event loop's default executor, which every turn and every
outbox step goes through: a few leaders asking at once left the bot answering nobody until
their ledgers were done. Here the bot's event loop only awaits a child process (no thread is
held), the child writes the file, and the reply goes out when the file is ready. A child is
started per ledger (ledgers are rare; a second of start-up beside the writing) and killed if
the send is cancelled (the bot stopping). The job (rules, where the catalogs are) goes to the
child pickled on its stdin; the summary comes back as JSON on its stdout.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the child imports them itself, with the collector paused (_main)
    from bot.i18n import Translator
    from bot.ledger import LedgerSummary
    from handlers.rules import Rules

ERROR_TAIL = 2000  # characters of the child's stderr kept in the error


class LedgerFailed(Exception):
    """The child process could not write the ledger (its stderr's end says why)."""


@dataclass(frozen=True)
class _Job:
    database_url: str
    unit_id: int
    now: datetime
    rules: Rules
    catalogs: tuple[str, str, str]  # the Translator's arguments: its loaded catalogs do not pickle
    locale: str
    out: str


async def write_aside(database_url: str, unit_id: int, now: datetime, rules: Rules, translator: Translator,
                      locale: str, out: Path) -> LedgerSummary:
    """`bot.ledger.write_ledger` to the file `out`, in a child process; awaiting it holds no thread."""
    catalogs = (str(translator.locales_dir), translator.default_locale, translator.domain)
    job = pickle.dumps(_Job(database_url, unit_id, now, rules, catalogs, locale, str(out)))
    child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.ledger_process",
                                                 stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                 stderr=asyncio.subprocess.PIPE)
    try:
        stdout, stderr = await child.communicate(job)
    except BaseException:  # cancelled (the bot stops): the file is not wanted any more
        if child.returncode is None:
            child.kill()
            await child.wait()
        raise
    if child.returncode != 0:
        raise LedgerFailed(f"ledger of unit {unit_id}: exit {child.returncode}: "
                           f"{stderr.decode(errors='replace')[-ERROR_TAIL:]}")
    from bot.ledger import LedgerSummary

    return LedgerSummary(**json.loads(stdout.decode().splitlines()[-1]))


def _main() -> None:
    from bot import collector

    collector.pause()  # the imports below are most of the child's start (bot/collector.py)
    from bot.i18n import Translator
    from bot.ledger import write_ledger
    from storage.db import make_engine

    job: _Job = pickle.loads(sys.stdin.buffer.read())
    collector.resume()

    locales_dir, default_locale, domain = job.catalogs
    translator = Translator(locales_dir, default_locale, domain=domain)
    engine = make_engine(job.database_url)
    try:
        summary = write_ledger(engine, job.unit_id, job.now, job.rules, translator, job.locale, Path(job.out))
    finally:
        engine.dispose()
    print(json.dumps(asdict(summary)), flush=True)


if __name__ == "__main__":
    _main()
