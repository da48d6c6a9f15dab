"""The unit of work: one session, the repositories on it, commit or roll back.

    make_uow = uow_factory("sqlite:///lianxin.db")
    with make_uow() as uow:
        account = uow.accounts.get_or_create("telegram", 42, 42, "zh_CN", "王")
        uow.commit()
    # leaving the block rolls back whatever was not committed
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from handlers.ports import StoreInterrupted
from storage.cards import SqlContactCards
from storage.db import make_engine
from storage.outbox import SqlOutbox
from storage.groups import SqlGroups
from storage.privacy import SqlPrivacy
from storage.imports import SqlImports
from storage.reports import SqlReports
from storage.repositories import (
    SqlAccounts,
    SqlComplaints,
    SqlConversations,
    SqlDirectory,
    SqlEnterprises,
    SqlInvites,
    SqlReporterProfiles,
    SqlRoster,
    SqlSeenUpdates,
    SqlTickets,
    SqlUnitSettings,
)

SessionFactory = Callable[[], Session]


class SqlUnitOfWork:
    """handlers.ports.UnitOfWork on a SQLAlchemy session. Not reentrant; one per update."""

    accounts: SqlAccounts
    conversations: SqlConversations
    directory: SqlDirectory
    enterprises: SqlEnterprises
    roster: SqlRoster
    unit_settings: SqlUnitSettings
    invites: SqlInvites
    contact_cards: SqlContactCards
    tickets: SqlTickets
    seen_updates: SqlSeenUpdates
    reporter_profiles: SqlReporterProfiles
    complaints: SqlComplaints
    outbox: SqlOutbox
    privacy: SqlPrivacy

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work in a `with` block")
        return self._session

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._session = self._session_factory()
        self.accounts = SqlAccounts(session)
        self.conversations = SqlConversations(session)
        self.directory = SqlDirectory(session)
        self.enterprises = SqlEnterprises(session)
        self.roster = SqlRoster(session)
        self.unit_settings = SqlUnitSettings(session)
        self.invites = SqlInvites(session)
        self.contact_cards = SqlContactCards(session)
        self.tickets = SqlTickets(session)
        self.seen_updates = SqlSeenUpdates(session)
        self.reporter_profiles = SqlReporterProfiles(session)
        self.complaints = SqlComplaints(session)
        self.outbox = SqlOutbox(session)
        self.reports = SqlReports(session)
        self.groups = SqlGroups(session)
        self.privacy = SqlPrivacy(session)
        self.imports = SqlImports(session)
        return self

    def __exit__(self, exc_type: object, error: BaseException | None, traceback: object) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.rollback()
        finally:
            session.close()
        if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
            # the pool has dropped that connection (and any as old): a new unit gets a fresh one
            raise StoreInterrupted(str(error.orig)) from error

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """SAVEPOINT … RELEASE, or ROLLBACK TO on an exception (which goes on up)."""
        _open_sqlite_transaction(self.session)
        with self.session.begin_nested():
            yield


def _open_sqlite_transaction(session: Session) -> None:
    """pysqlite opens its transaction lazily, at the first write: a SAVEPOINT before that would
    be the outermost transaction, and its RELEASE would commit a unit nobody committed."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: repositories return dataclasses, but a caller that commits
    # mid-way and reads on should not trigger a reload of every row.
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


class UowFactory:
    """Callable making a fresh SqlUnitOfWork per call, all on one engine (`engine`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = session_factory(engine)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.session_factory)

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()


def uow_factory(url: str | sa.URL | Engine) -> UowFactory:
    """A `() -> SqlUnitOfWork` for the database at `url` (or on an existing engine)."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    return UowFactory(engine)
