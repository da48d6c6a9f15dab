"""Fixtures for the storage tests (the databases themselves come from tests/conftest.py)."""

from __future__ import annotations

import pytest

from storage.admin import DemoSummary, seed_into


@pytest.fixture
def demo(uow_factory) -> DemoSummary:
    """The demo subdistrict, seeded and committed into this test's database."""
    with uow_factory() as uow:
        summary = seed_into(uow.session)
        uow.commit()
    return summary


@pytest.fixture
def reporter_id(uow_factory) -> int:
    """An enterprise owner's account, as their first message creates it."""
    with uow_factory() as uow:
        account = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "企业主")
        uow.commit()
    return account.id
