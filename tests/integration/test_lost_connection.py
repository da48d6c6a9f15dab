"""A database connection lost under the bot (PostgreSQL restarted, a connection killed by an
admin or a proxy): pooled connections are not tested before each use (a round trip per
transaction), so the update that finds one dead is taken again on a fresh connection, and
nobody's message is lost."""

from __future__ import annotations

import itertools

import psycopg
import pytest
import sqlalchemy as sa

from handlers.app import Lianxin
from handlers.ports import StoreInterrupted
from handlers.seam import Incoming
from storage.tables import OutboxRow
from tests.unit.chat import FixedClock

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

_update_ids = itertools.count(1)


def kill_connections(database_url: str) -> int:
    """What a database restart does to the bot's pool: every connection to the database closed
    by the server, from a connection of the test's own."""
    url = sa.make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
    return killed[0]


def start(core: Lianxin, chat_id: str) -> None:
    core.handle(Incoming("telegram", chat_id, chat_id, str(next(_update_ids)), language_code="zh-hans",
                         display_name="企业主", text="/start", command="start", args=""))


def answers_to(uow_factory, chat_id: str) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(sa.select(sa.func.count()).select_from(OutboxRow)
                                  .where(OutboxRow.chat_id == chat_id))


def test_an_update_that_finds_its_connection_dead_is_answered_on_a_fresh_one(uow_factory, database_url) -> None:
    core = Lianxin(uow_factory, FixedClock())
    start(core, "1001")  # the pool now holds a connection
    assert kill_connections(database_url) >= 1

    start(core, "1002")

    assert answers_to(uow_factory, "1002") == answers_to(uow_factory, "1001") > 0


def test_a_unit_of_work_whose_connection_died_says_so(uow_factory, database_url) -> None:
    with uow_factory() as uow:
        uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "")
        uow.commit()
    kill_connections(database_url)

    with pytest.raises(StoreInterrupted), uow_factory() as uow:
        uow.accounts.get_or_create("telegram", "2", "2", "zh_CN", "")

    with uow_factory() as uow:  # the pool let the dead connection go
        assert uow.accounts.get_or_create("telegram", "2", "2", "zh_CN", "").id is not None
