"""The Alembic migrations build the schema the tables describe, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from storage.db import alembic_config, make_engine, upgrade
from storage.uow import uow_factory as make_uow_factory

TABLES = {
    "org_unit", "cadre", "account", "cadre_invite", "enterprise", "reporter_profile", "ticket",
    "ticket_event", "ticket_counter", "conversation", "seen_update", "complaint", "live_card",
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


def test_upgrading_a_0007_database_keeps_its_telegram_ids_as_strings(empty_database_url: str) -> None:
    engine = _upgraded_from_0007_rows(empty_database_url)
    try:
        with engine.connect() as conn:
            ids = {table: conn.execute(sa.text(f"SELECT {columns} FROM {table}")).one() for table, columns in (
                ("account", "user_id, chat_id"), ("conversation", "chat_id"), ("outbox", "chat_id"),
                ("group_binding", "chat_id"), ("seen_update", "update_id"))}
    finally:
        engine.dispose()
    assert {table: tuple(row) for table, row in ids.items()} == {
        "account": ("123", "123"), "conversation": ("123",), "outbox": ("123",),
        "group_binding": ("-1001234567890",), "seen_update": ("987654321",)}
    factory = make_uow_factory(empty_database_url)
    try:
        with factory() as uow:
            account = uow.accounts.find("telegram", "123")
            group = uow.groups.binding("telegram", "-1001234567890")
            dialog = uow.conversations.load("telegram", "123")
            seen_again = not uow.seen_updates.first_time("telegram", "987654321")
    finally:
        factory.dispose()
    assert account is not None and (account.user_id, account.chat_id, account.locale) == ("123", "123", "en")
    assert group is not None and group.title == "领导群"
    assert (dialog.dialog, dialog.step) == ("report", "describe")
    assert seen_again, "an update seen before the upgrade is still recognised as a resend"


def _upgraded_from_0007_rows(url: str) -> sa.Engine:
    """A database at 0007 holding `_telegram_rows_at_0007`, upgraded to the head; its engine."""
    upgrade(url, "0007")
    engine = make_engine(url)
    with engine.begin() as conn:
        _telegram_rows_at_0007(conn)
    upgrade(url)
    return engine


def _telegram_rows_at_0007(conn: sa.Connection) -> None:
    """An account, its dialog, a message owed to it, a bound group and a seen update, as
    revision 0007 stored them: Telegram's ids as integers (a group's negative)."""
    for statement in (
        "INSERT INTO org_unit (name, level) VALUES ('新村镇', 'township')",
        "INSERT INTO cadre (name, role, org_unit_id, phone, phone_public, is_admin) "
        "VALUES ('陈晓明', 'butler', 1, '', false, true)",
        "INSERT INTO account (platform, user_id, chat_id, locale, display_name) "
        "VALUES ('telegram', 123, 123, 'en', '')",
        "INSERT INTO conversation (platform, chat_id, dialog, step, data, updated_at) "
        "VALUES ('telegram', 123, 'report', 'describe', '{}', CURRENT_TIMESTAMP)",
        "INSERT INTO outbox (created_at, lane, platform, chat_id, payload, status, attempts, parts_sent, "
        "maybe_duplicate) VALUES (CURRENT_TIMESTAMP, 0, 'telegram', 123, '{}', 'pending', 0, 0, false)",
        "INSERT INTO group_binding (platform, chat_id, title, org_unit_id, bound_by_cadre_id, bound_at) "
        "VALUES ('telegram', -1001234567890, '领导群', 1, 1, CURRENT_TIMESTAMP)",
        "INSERT INTO seen_update (platform, update_id, at) VALUES ('telegram', 987654321, CURRENT_TIMESTAMP)",
    ):
        conn.execute(sa.text(statement))


def test_downgrading_to_0007_turns_the_ids_back_into_integers(empty_database_url: str) -> None:
    engine = _upgraded_from_0007_rows(empty_database_url)
    try:
        command.downgrade(alembic_config(empty_database_url), "0007")
        with engine.connect() as conn:
            group_id = conn.execute(sa.text("SELECT chat_id FROM group_binding")).scalar_one()
            user_id = conn.execute(sa.text("SELECT user_id FROM account")).scalar_one()
    finally:
        engine.dispose()
    assert (group_id, user_id) == (-1001234567890, 123)


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
