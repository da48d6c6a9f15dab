"""The Alembic migrations build the schema the tables describe, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from storage.db import alembic_config, make_engine, upgrade

TABLES = {
    "org_unit", "cadre", "account", "cadre_invite", "enterprise", "reporter_profile", "ticket",
    "ticket_event", "ticket_counter", "conversation", "seen_update", "complaint",
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


def test_revisions_form_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    assert all(r.down_revision == older.revision for r, older in zip(revisions, revisions[1:]))


def test_upgrading_a_first_revision_database_keeps_its_tickets_and_their_history_s_times(empty_database_url: str) -> None:
    upgrade(empty_database_url, "0001")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO org_unit (name, level) VALUES ('新村镇', 'township')"))
            conn.execute(sa.text("INSERT INTO cadre (name, role, org_unit_id, phone, phone_public) "
                                 "VALUES ('陈晓明', 'butler', 1, '', false)"))
            conn.execute(sa.text("INSERT INTO account (platform, user_id, chat_id, locale, display_name) "
                                 "VALUES ('telegram', 1001, 1001, 'zh_CN', '')"))
            conn.execute(sa.text(
                "INSERT INTO ticket (number, category, description, photo_file_ids, reporter_account_id, "
                "reporter_kind, reporter_phone, org_unit_id, owner_cadre_id, status, created_at, updated_at) "
                "VALUES ('LX-2026-000001', 'power', '停电', '[]', 1, 'enterprise', '', 1, 1, 'resolved', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text("INSERT INTO ticket_event (ticket_id, seq, kind, at, data) "
                                 "VALUES (1, 1, 'resolved', CURRENT_TIMESTAMP, '{}')"))
        upgrade(empty_database_url)
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT number, difficulty, tier, resolved_at IS NOT NULL FROM ticket")).one()
            same = conn.execute(sa.text("SELECT t.resolved_at = e.at AND t.taken_up_at = e.at FROM ticket t "
                                        "JOIN ticket_event e ON e.ticket_id = t.id")).scalar_one()
        assert tuple(row) == ("LX-2026-000001", "general", None, True)
        assert same, ("a ticket resolved before 0003 gets its 办结 time from its history (auto-confirm needs it), "
                      "and before 0007 its first take-up (digests count by it)")
    finally:
        engine.dispose()


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
