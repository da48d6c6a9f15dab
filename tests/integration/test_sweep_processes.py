"""Two bot processes sweeping one PostgreSQL at once climb each ticket's ladder once (SKIP LOCKED)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import ReporterKind
from handlers.rules import Rules
from handlers.services import new_ticket
from handlers.turn import Work
from storage.tables import TicketEventRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # Monday: 交办 due by midnight
SWEPT = datetime(2026, 11, 23, 12, 30, tzinfo=SHANGHAI)  # 催办 is due (12:00), 督办 not yet
TICKETS = 400
ROOT = Path(__file__).resolve().parents[2]

SWEEPER = """
import json, sys, time
from datetime import datetime
from handlers.app import Lianxin
from storage.uow import uow_factory

url, now, start_at = sys.argv[1], datetime.fromisoformat(sys.argv[2]), float(sys.argv[3])
class Fixed:
    def now(self):
        return now
core = Lianxin(uow_factory(url), clock=Fixed())
time.sleep(max(0.0, start_at - time.time()))  # both processes begin together
print(json.dumps({"replies": len(core.sweep(batch=10))}))
"""


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_processes_sweeping_at_once_remind_each_ticket_once(uow_factory, demo, database_url):
    _open_tickets(uow_factory, demo)
    start_at = time.time() + 3  # after both interpreters have imported everything
    sweepers = [subprocess.Popen([sys.executable, "-c", SWEEPER, database_url, SWEPT.isoformat(), str(start_at)],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    results = [sweeper.communicate(timeout=120) for sweeper in sweepers]
    assert all(sweeper.returncode == 0 for sweeper in sweepers), [err for _, err in results]
    replies = [json.loads(out)["replies"] for out, _ in results]
    with uow_factory() as uow:
        per_ticket = uow.session.execute(
            sa.select(TicketEventRow.ticket_id, sa.func.count())
            .where(TicketEventRow.kind == LADDER_EVENT).group_by(TicketEventRow.ticket_id)).all()
    assert len(per_ticket) == TICKETS and {count for _, count in per_ticket} == {1}, "each reminded exactly once"
    assert sum(replies) >= 1, "the butler was told"


def _open_tickets(uow_factory, demo) -> None:
    with uow_factory() as uow:
        butler = uow.accounts.get_or_create("telegram", "2001", "2001", "zh_CN", "陈晓明")
        reporter = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "王老板")
        uow.session.execute(sa.text("UPDATE cadre SET account_id = :a WHERE id = :c"),
                            {"a": butler.id, "c": demo.butler_id})
        work = Work(uow=uow, now=CREATED.astimezone(UTC), rules=Rules())
        owner = uow.directory.cadre(demo.butler_id)
        for _ in range(TICKETS):
            work.add(new_ticket(work, owner=owner, category="utilities", description="停电",
                                reporter_account_id=reporter.id, reporter_kind=ReporterKind.ENTERPRISE,
                                reporter_phone="13800138000", org_unit_id=demo.org_units["裴李岗村第一网格"]))
        uow.commit()
