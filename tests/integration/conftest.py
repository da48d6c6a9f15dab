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
