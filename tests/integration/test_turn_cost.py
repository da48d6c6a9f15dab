"""What one update costs the database (issue 14, docs/performance.md): each statement is CPU in
SQLAlchemy and, on PostgreSQL, a round trip, and each commit a sync to disk; the bot's
throughput beside a bare echo bot follows from them. Counts, never timings."""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from handlers.app import Lianxin
from handlers.seam import Incoming
from tests.unit.chat import FixedClock

_update_ids = itertools.count(1)


class Counted:
    """The statements and commits on an engine while a block runs."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements: list[str] = []
        self.commits = 0
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "commit", self._commit)

    def _statement(self, connection, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    def _commit(self, connection) -> None:
        self.commits += 1

    def reset(self) -> None:
        self.statements, self.commits = [], 0


def says(core: Lianxin, chat_id: str, text: str) -> None:
    command = text[1:] if text.startswith("/") else None
    core.handle(Incoming("telegram", chat_id, chat_id, str(next(_update_ids)), language_code="zh-hans",
                         display_name="企业主", text=text, command=command, args=""))


def test_a_message_from_someone_the_bot_knows_costs_four_statements_and_one_commit(uow_factory, demo):
    """The dedupe mark; the account with the dialog state, in one SELECT (not upserted and read
    again when their chat and name are as they were); the state saved; the answer into the outbox."""
    core = Lianxin(uow_factory, FixedClock())
    says(core, "1001", "/start")
    counted = Counted(uow_factory.engine)
    says(core, "1001", "/start")
    assert len(counted.statements) == 4, "\n".join(counted.statements)
    assert counted.commits == 1

