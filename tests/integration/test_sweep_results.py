"""What one sweep leaves behind, pinned: each rung recorded (with the flag the ticket had, whether
it was passed over, whether it goes into the weekly 通报), each ticket's next action, and the
lines each person is told, on a morning with tickets at every rung of the ladder.

Clock moved, never slept: the sweep runs on Tuesday 24 Nov 2026 at 09:30 (Shanghai). Every
ticket is 陈晓明's (服务管家) in 裴李岗村第一网格; 赵主任 is the township's duty cadre, the
only leader above. 三不过: 交办 is due by midnight of the day a problem comes in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from handlers.app import Lianxin
from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import ReporterKind
from handlers.rules import Rules
from handlers.services import new_ticket
from handlers.turn import Work
from storage.repositories import from_db
from tests.integration.test_sweep_bundles import Fixed, _bind_cadres

SHANGHAI = ZoneInfo("Asia/Shanghai")
SWEPT = datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI)
FRESH = datetime(2026, 11, 24, 7, 0, tzinfo=SHANGHAI)  # this morning: 催办 at office opening
LATE = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # yesterday: 催办 missed, 督办 due
FORGOTTEN = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)  # last Monday: black today


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_a_morning_sweep_records_each_rung_with_its_flag_plans_the_next_and_tells_each_person_once(
        uow_factory, demo):
    butler, leader = _bind_cadres(uow_factory, demo)
    fresh, late, forgotten, met = (_ticket_reported(uow_factory, demo, at) for at in (FRESH, LATE, FORGOTTEN, LATE))
    _taken_up_but_still_due(uow_factory, met)

    replies = Lianxin(uow_factory, Fixed(SWEPT)).sweep(batch=2)  # across batches: one message each

    assert _rungs(uow_factory) == {
        fresh: [("remind", "assign", "2026-11-24T16:00:00+00:00", "green", False, False)],
        late: [("remind", "assign", "2026-11-23T16:00:00+00:00", "red", True, False),
               ("supervise", "assign", "2026-11-23T16:00:00+00:00", "red", False, False)],
        forgotten: [("remind", "assign", "2026-11-16T16:00:00+00:00", "black", True, False),
                    ("supervise", "assign", "2026-11-16T16:00:00+00:00", "black", True, False),
                    ("escalate", "assign", "2026-11-16T16:00:00+00:00", "black", False, True)],
    }, "a met ticket climbs nothing; after downtime only the highest rung is not passed over"
    assert _plans(uow_factory) == {
        fresh: (local(2026, 11, 25, 9, 0), 1, local(2026, 11, 25, 0, 0)),  # 督办 tomorrow
        late: (local(2026, 12, 1, 9, 0), 2, local(2026, 11, 24, 0, 0)),  # 黑旗 on its black day
        forgotten: (None, 3, local(2026, 11, 17, 0, 0)),  # nothing left to climb
        met: (local(2026, 11, 30, 9, 0), 0, local(2026, 12, 1, 0, 0)),  # 办结's ladder, from the bottom
    }
    assert _lines(replies) == {
        butler: {fresh: "催办: {what} is due today ({day})",
                 late: "督办: {what} was due {day} and is late",
                 forgotten: "黑旗: {what} was due {day}; escalated to the leader above and listed in the weekly report"},
        leader: {late: "督办 (copy): {what} was due {day}; handled by {name}",
                 forgotten: "黑旗, escalated to you: {what} was due {day}; handled by {name}"},
    }
    assert [line.split()[0] for line in _rows(replies, butler)] == ["🟢", "🔴", "⚫"]
    assert Lianxin(uow_factory, Fixed(SWEPT)).sweep() == [], "the same minute again: nothing"


def _ticket_reported(uow_factory, demo, at: datetime) -> str:
    with uow_factory() as uow:
        reporter = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "王老板")
        work = Work(uow=uow, now=at.astimezone(UTC), rules=Rules())
        ticket = work.add(new_ticket(work, owner=uow.directory.cadre(demo.butler_id), category="utilities",
                                     description="停电", reporter_account_id=reporter.id,
                                     reporter_kind=ReporterKind.ENTERPRISE, reporter_phone="13800138000",
                                     org_unit_id=demo.org_units["裴李岗村第一网格"]))
        uow.commit()
    return ticket.number


def _taken_up_but_still_due(uow_factory, number: str) -> None:
    """Accepted after its next action was planned (as by a process that did not re-plan it)."""
    with uow_factory() as uow:
        uow.session.execute(sa.text("UPDATE ticket SET status = 'accepted' WHERE number = :n"), {"n": number})
        uow.commit()


def _rungs(uow_factory) -> dict[str, list[tuple]]:
    rungs: dict[str, list[tuple]] = {}
    with uow_factory() as uow:
        for number, data in uow.session.execute(sa.text(
                "SELECT ticket.number, ticket_event.data FROM ticket_event JOIN ticket ON ticket.id = ticket_id "
                "WHERE kind = :kind ORDER BY ticket.number, seq"), {"kind": str(LADDER_EVENT)}):
            data = data if isinstance(data, dict) else __import__("json").loads(data)
            rungs.setdefault(number, []).append((data["rung"], data["stage"], data["due"], data["flag"],
                                                 data["passed"], data["weekly_report"]))
    return rungs


def _plans(uow_factory) -> dict[str, tuple]:
    with uow_factory() as uow:
        rows = uow.session.execute(sa.text("SELECT number, next_action_at, ladder_step, due_at FROM ticket")).all()
    return {number: (_shown(next_action_at), step, _shown(due_at)) for number, next_action_at, step, due_at in rows}


def _shown(value) -> datetime | None:
    """A stored time (SQLite hands back text or naive UTC) as Shanghai time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return from_db(value).astimezone(SHANGHAI) if value is not None else None


def _lines(replies) -> dict[str, dict[str, str]]:
    """Per chat: each ticket number listed, and the key of the notice on its line."""
    told: dict[str, dict[str, str]] = {}
    for reply in replies:
        assert reply.to.chat_id not in told, "one message per person per pass"
        params = reply.text.params
        told[reply.to.chat_id] = {row.split()[1]: params[row.split()[2].strip("{}")].key
                                  for row in _rows([reply], reply.to.chat_id)}
    return told


def _rows(replies, chat_id: str) -> list[str]:
    """The bundle's ticket lines ("🔴 LX-2026-000002 {i1}"), between its heading and its footer."""
    reply = next(reply for reply in replies if reply.to.chat_id == chat_id)
    return reply.text.key.splitlines()[1:-1]
