"""Engines and migrations.

    engine = make_engine("sqlite:///lianxin.db")
    upgrade("postgresql+psycopg://user@host/lianxin")   # alembic upgrade head
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SQLITE_BUSY_TIMEOUT_S = 30  # wait this long for another writer before "database is locked"
PG_CONNECT_TIMEOUT_S = 10
PG_STATEMENT_TIMEOUT_MS = 30_000


def _is_sqlite(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def _sqlite_file(url: str | sa.URL) -> bool:
    """A database in a file (WAL needs one), not `:memory:` nor a temporary one."""
    database = sa.make_url(url).database or ""
    return database not in ("", ":memory:") and not database.startswith("file::memory:") \
        and "mode=memory" not in str(url)


def make_engine(url: str | sa.URL, **kwargs: object) -> Engine:
    """An engine for `url`; on SQLite with foreign keys enforced and usable from any thread."""
    if _is_sqlite(url):
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)

        in_file = _sqlite_file(url)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if in_file:
                # WAL: a commit syncs once (the log) instead of the rollback journal's several; with
                # synchronous left at FULL it is as durable. Kept in the file: later opens find it.
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    connect_args = {}
    if sa.make_url(url).get_backend_name() == "postgresql":
        connect_args = {
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            # jit=off: compiling took 0.3–0.6 s of a 1 s digest query and never paid back on
            # our short queries (docs/digest-benchmark.md)
            "options": f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS} -c timezone=UTC -c jit=off",
        }
    # No pool_pre_ping: testing a pooled connection before each transaction is a round trip that
    # cost 7–13 % of a turn's CPU (docs/performance.md). A connection found dead fails its unit of
    # work (StoreInterrupted) and the pool drops every connection as old; the core runs an
    # interrupted update again, loops (outbox, sweeps) try at their next pass.
    return sa.create_engine(url, connect_args=connect_args, **kwargs)


def alembic_config(url: str | sa.URL):  # -> alembic.config.Config
    """An Alembic Config for storage/migrations and `url`, independent of the working directory."""
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # set_main_option interpolates '%'; URLs may hold %-escapes (passwords).
    url_text = url.render_as_string(hide_password=False) if isinstance(url, sa.URL) else url
    config.set_main_option("sqlalchemy.url", url_text.replace("%", "%%"))
    return config


def upgrade(url: str | sa.URL, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (alembic upgrade head)."""
    if revision == "head" and _at_head(url):
        return  # every start does this: Alembic and its scripts took a third of a start for nothing
    from alembic import command

    with _migrating_alone(url):
        command.upgrade(alembic_config(url), revision)


MIGRATION_LOCK = 0x4C58_0011  # pg_advisory_lock key: one migrating process at a time ("LX")


@contextmanager
def _migrating_alone(url: str | sa.URL) -> Iterator[None]:
    """On PostgreSQL, several workers started at once upgrade one after another: the later
    ones find nothing left to do. SQLite serves one process and needs no lock."""
    if _is_sqlite(url):
        yield
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(sa.select(sa.func.pg_advisory_lock(MIGRATION_LOCK)))
            try:
                yield
            finally:
                connection.execute(sa.select(sa.func.pg_advisory_unlock(MIGRATION_LOCK)))
    finally:
        engine.dispose()


def _at_head(url: str | sa.URL) -> bool:
    """Is the database at the newest migration? Read from the scripts' text, not by importing them;
    False whenever in doubt (no version table, a branch or merge, a line not read): Alembic decides."""
    head = schema_head()
    if head is None:
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    except sa.exc.DBAPIError:
        return False
    finally:
        engine.dispose()
    return versions == [head]


_REVISION = re.compile(r"""^revision\b[^=\n]*=\s*['"]([^'"]+)['"]\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision\b[^=\n]*=\s*(?:['"]([^'"]+)['"]|None)\s*$""", re.MULTILINE)


def schema_head() -> str | None:
    """The one migration no other follows, when the scripts form one plain chain; else None."""
    revisions, followed = set(), set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision[1])
        if down[1] is not None:
            followed.add(down[1])
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None
