"""Shared fixtures: databases to run storage against.

`database_url` runs a test twice: on a fresh SQLite file, and on a fresh database of a
throw-away PostgreSQL cluster (marked `postgres`; the cluster starts on first use and
lives for the session). Both come migrated to head with `storage.db.upgrade`: each
test's database is a copy of one migrated per session (a file copy on SQLite,
CREATE DATABASE ... TEMPLATE on PostgreSQL), which is much faster than migrating each.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pg_cluster import PostgresNotFound, ThrowawayCluster

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
_PG_TEMPLATE = "lianxin_template"
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    """The session's PostgreSQL cluster. Missing PostgreSQL fails the run rather than
    skipping half the suite unnoticed; `-m "not postgres"` opts out on purpose."""
    try:
        cluster = ThrowawayCluster().start()
    except PostgresNotFound as exc:
        pytest.fail(f"{exc} (or deselect with -m 'not postgres')")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: ThrowawayCluster) -> str:
    """Name of a database on the cluster migrated to head, to copy per test."""
    from storage.db import upgrade

    upgrade(pg_cluster.create_database(_PG_TEMPLATE))
    return _PG_TEMPLATE


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, to copy per test."""
    from storage.db import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=DATABASES)
def backend(request: pytest.FixtureRequest) -> str:
    """"sqlite" or "postgresql"."""
    return request.param


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty (unmigrated) database on each backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'lianxin.db'}"
        return
    cluster: ThrowawayCluster = request.getfixturevalue("pg_cluster")
    name = f"lianxin_t{next(_counter)}"
    url = cluster.create_database(name)
    yield url
    cluster.drop_database(name)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database migrated to head, on each backend."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "lianxin.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    cluster: ThrowawayCluster = request.getfixturevalue("pg_cluster")
    template_name: str = request.getfixturevalue("pg_template")
    name = f"lianxin_t{next(_counter)}"
    url = cluster.create_database(name, template=template_name)
    yield url
    cluster.drop_database(name)


@pytest.fixture
def uow_factory(database_url: str):  # -> storage.uow.UowFactory
    """`uow_factory()` -> a new SqlUnitOfWork on this test's database."""
    from storage.uow import uow_factory as make_factory

    factory = make_factory(database_url)
    yield factory
    factory.dispose()
