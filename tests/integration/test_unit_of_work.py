"""The unit of work: commit makes work visible, anything else is rolled back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storage.tables import AccountRow
from storage.uow import SqlUnitOfWork, uow_factory as make_factory


def test_uncommitted_work_is_rolled_back(uow_factory) -> None:
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "未提交")
        assert uow.accounts.get(account.id) == account  # visible inside
    with uow_factory() as uow:
        assert uow.accounts.get(account.id) is None
        assert uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "").id is not None


def test_work_after_commit_is_rolled_back(uow_factory) -> None:
    with uow_factory() as uow:
        kept = uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "")
        uow.commit()
        uow.accounts.set_locale(kept.id, "en")
        dropped = uow.accounts.get_or_create("telegram", "2", "2", "zh_CN", "")
    with uow_factory() as uow:
        assert uow.accounts.get(kept.id).locale == "zh_CN"
        assert uow.session.scalar(sa.select(AccountRow).where(AccountRow.user_id == "2")) is None
        assert dropped.user_id == "2"


def test_exception_rolls_back_and_propagates(uow_factory) -> None:
    with pytest.raises(RuntimeError, match="boom"), uow_factory() as uow:
        uow.seen_updates.first_time("telegram", 1)
        raise RuntimeError("boom")
    with uow_factory() as uow:
        assert uow.seen_updates.first_time("telegram", 1)


def test_commit_is_visible_to_other_units(uow_factory) -> None:
    with uow_factory() as writer, uow_factory() as reader:
        account = writer.accounts.get_or_create("telegram", "9", "9", "zh_CN", "")
        writer.commit()
        assert reader.accounts.get(account.id) == account


def test_unit_of_work_outside_with(uow_factory) -> None:
    uow = uow_factory()
    assert isinstance(uow, SqlUnitOfWork)
    with pytest.raises(RuntimeError):
        uow.commit()
    with uow:
        with pytest.raises(RuntimeError):
            uow.__enter__()  # not reentrant
    with uow:  # but reusable after exit
        uow.commit()


def test_factory_accepts_an_engine(database_url: str) -> None:
    from storage.db import make_engine

    engine = make_engine(database_url)
    try:
        factory = make_factory(engine)
        assert factory.engine is engine
        with factory() as uow:
            assert uow.directory.roots() == []
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(uow_factory) -> None:
    """Both databases refuse dangling references (SQLite only with the pragma on)."""
    from storage.tables import CadreRow

    with uow_factory() as uow:
        uow.session.add(CadreRow(name="孤儿", role="grid_worker", org_unit_id=424242, phone=""))
        with pytest.raises(sa.exc.IntegrityError):
            uow.session.flush()


def test_a_savepoint_rolls_back_only_what_was_written_inside_it(uow_factory) -> None:
    with uow_factory() as uow:
        kept = uow.accounts.get_or_create("telegram", "1", "1", "zh_CN", "")
        with pytest.raises(RuntimeError), uow.savepoint():
            uow.accounts.set_locale(kept.id, "en")
            uow.accounts.get_or_create("telegram", "2", "2", "zh_CN", "")
            raise RuntimeError("refused halfway")
        assert uow.accounts.get(kept.id).locale == "zh_CN"
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.get(kept.id).locale == "zh_CN"
        assert uow.accounts.find("telegram", "2") is None


def test_a_savepoint_as_the_first_write_is_not_committed_by_its_release(uow_factory) -> None:
    """pysqlite on its own opens its transaction at the first write: a SAVEPOINT before that would
    be the outer transaction, and its RELEASE would commit a unit nobody committed."""
    with uow_factory() as uow:
        with uow.savepoint():
            uow.accounts.get_or_create("telegram", "3", "3", "zh_CN", "")
    with uow_factory() as uow:
        assert uow.accounts.find("telegram", "3") is None


def test_a_refused_turn_keeps_nothing_it_wrote_and_says_why(uow_factory) -> None:
    """Issue 13: a rule refusing after a write (a 延期 request recorded, then its date refused)
    left the request behind for good. Now the refusal rolls the act back; its answer is sent."""
    from datetime import UTC, datetime

    from handlers.domain.errors import DomainError
    from handlers.messages import t
    from handlers.router import guarded
    from handlers.seam import Incoming
    from handlers.turn import Turn

    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "7", "7", "zh_CN", "")
        state = uow.conversations.load("telegram", "7")
        turn = Turn(incoming=Incoming("telegram", "7", "7", "1", text="5"), account=account, state=state, uow=uow,
                    now=datetime(2026, 11, 27, 2, tzinfo=UTC))

        def half_done() -> None:
            uow.accounts.set_locale(account.id, "en")  # a write the rule then refuses
            turn.say(t("Your request went to {name}.", name="赵主任"))
            raise DomainError(t("No deadline can be counted."))

        guarded(turn, half_done, in_chat=True)
        uow.commit()
    assert [reply.text.key for reply in turn.replies] == ["No deadline can be counted."]
    with uow_factory() as uow:
        assert uow.accounts.get(account.id).locale == "zh_CN"


def test_a_sqlite_file_writes_ahead_and_syncs_at_every_commit(tmp_path) -> None:
    """WAL: a commit syncs its log once instead of the rollback journal's several; synchronous
    stays FULL, so an update the bot committed survives a power cut (NORMAL could lose the
    last ones: not chosen, docs/performance.md)."""
    factory = make_factory(f"sqlite:///{tmp_path / 'lianxin.db'}")
    try:
        with factory.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        factory.dispose()


def test_an_in_memory_sqlite_database_needs_no_log(tmp_path) -> None:
    factory = make_factory("sqlite://")
    try:
        with factory.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        factory.dispose()
