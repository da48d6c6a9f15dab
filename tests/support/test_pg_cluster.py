"""The throw-away PostgreSQL cluster: starts, serves databases, leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from tests.support.pg_cluster import ClusterError, ThrowawayCluster

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]


def test_cluster_lifecycle() -> None:
    with ThrowawayCluster() as cluster:
        base = cluster.base_dir
        assert base is not None and base.is_dir()
        assert cluster.url == f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres"

        url = cluster.create_database("lianxin_smoke")
        assert url == f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/lianxin_smoke"
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("CREATE TABLE ticket (id serial PRIMARY KEY, title text NOT NULL)"))
                conn.execute(sa.text("INSERT INTO ticket (title) VALUES (:t)"), {"t": "停电 power cut"})
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT title FROM ticket")).scalar_one() == "停电 power cut"
                assert conn.execute(sa.text("SHOW server_encoding")).scalar_one() == "UTF8"
                assert conn.execute(sa.text("SHOW fsync")).scalar_one() == "off"
                assert conn.execute(sa.text("SHOW synchronous_commit")).scalar_one() == "off"
                assert conn.execute(sa.text("SHOW full_page_writes")).scalar_one() == "off"
                assert conn.execute(sa.text("SHOW listen_addresses")).scalar_one() == "127.0.0.1"
                socket_dir = conn.execute(sa.text("SHOW unix_socket_directories")).scalar_one()
                assert Path(socket_dir).is_relative_to(base)
        finally:
            engine.dispose()

        copy_url = cluster.create_database("lianxin_copy", template="lianxin_smoke")
        with psycopg.connect(copy_url.replace("+psycopg", "")) as conn:
            assert conn.execute("SELECT count(*) FROM ticket").fetchone() == (1,)

        # drop works while a session is still connected, and twice
        lingering = cluster.connect("lianxin_smoke")
        cluster.drop_database("lianxin_smoke")
        cluster.drop_database("lianxin_smoke")
        lingering.close()
        with cluster.connect() as conn:
            names = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
        assert "lianxin_smoke" not in names and "lianxin_copy" in names

        if os.geteuid() == 0:
            assert cluster.run_as not in (None, "root")
            assert (base / "data").stat().st_uid != 0

    assert not base.exists()
    assert not cluster.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres connect_timeout=2")


def test_stop_is_idempotent_and_names_are_checked() -> None:
    cluster = ThrowawayCluster().start()
    try:
        with pytest.raises(ValueError):
            cluster.create_database('x"; DROP DATABASE postgres; --')
    finally:
        cluster.stop()
    cluster.stop()
    with pytest.raises(ClusterError):
        _ = cluster.url


def test_removed_when_the_owner_exits_without_stopping() -> None:
    """A process that never calls stop() (a crashed session) still cleans up at exit."""
    script = textwrap.dedent(
        """
        import sys
        from tests.support.pg_cluster import ThrowawayCluster
        cluster = ThrowawayCluster().start()
        print(cluster.base_dir, cluster.port, flush=True)
        if sys.argv[1] == "raise":
            raise RuntimeError("boom")
        import os, signal
        os.kill(os.getpid(), signal.SIGTERM)
        """
    )
    for how in ("raise", "sigterm"):
        proc = subprocess.run(
            [sys.executable, "-c", script, how], cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode != 0, proc.stderr
        lines = proc.stdout.split()
        assert len(lines) == 2, proc.stderr
        base, port = Path(lines[0]), int(lines[1])
        assert not base.exists(), how
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(f"host=127.0.0.1 port={port} user=postgres connect_timeout=2")
