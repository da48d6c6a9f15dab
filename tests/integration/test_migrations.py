"""The Alembic migrations build the schema the tables describe, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from storage.db import alembic_config, make_engine, upgrade

TABLES = {
    "org_unit", "cadre", "account", "cadre_invite", "enterprise", "reporter_profile", "ticket",
    "ticket_event", "ticket_counter", "conversation", "seen_update",
}  # fmt: skip


def _inspect(url: str) -> tuple[set[str], str | None]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        return tables, version
    finally:
        engine.dispose()


def test_single_initial_revision() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = script.get_heads()
    assert len(heads) == 1
    assert [r.revision for r in script.walk_revisions()] == heads  # one revision, no history yet


def test_upgrade_creates_every_table(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    tables, version = _inspect(empty_database_url)
    assert TABLES <= tables
    assert version == ScriptDirectory.from_config(alembic_config(empty_database_url)).get_current_head()


def test_upgrade_twice_is_a_no_op(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    upgrade(empty_database_url)
    assert TABLES <= _inspect(empty_database_url)[0]


def test_schema_matches_the_tables(empty_database_url: str) -> None:
    """autogenerate finds nothing to do after upgrade: the migration matches storage.tables."""
    upgrade(empty_database_url)
    command.check(alembic_config(empty_database_url))  # raises if there is a difference


def test_downgrade_to_base_and_back(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "base")
    assert not TABLES & _inspect(empty_database_url)[0]
    upgrade(empty_database_url)
    assert TABLES <= _inspect(empty_database_url)[0]


def test_upgrade_does_not_depend_on_the_working_directory(empty_database_url: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    upgrade(empty_database_url)
    assert TABLES <= _inspect(empty_database_url)[0]
