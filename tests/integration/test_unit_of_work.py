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
