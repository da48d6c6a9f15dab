"""A throw-away PostgreSQL cluster for tests.

    with ThrowawayCluster() as cluster:
        cluster.url                      # postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
        url = cluster.create_database("t1")
        ...
        cluster.drop_database("t1")

It runs ``initdb`` into a fresh temporary directory, starts the server with
``pg_ctl`` on 127.0.0.1 and a free TCP port (its unix socket also lives in the
temporary directory), with durability switched off since nothing here needs to
survive, and on exit stops it (``pg_ctl stop -m immediate``) and deletes the
directory -- also at interpreter exit or on SIGTERM/SIGHUP if the owner never
got to call `stop()`.

PostgreSQL refuses to run as root; as root the server runs as the system user
``lianxin-pg`` (created if absent) or, failing that, ``nobody``.

Binaries: ``$LIANXIN_PG_BINDIR`` if set, else the newest
``/usr/lib/postgresql/*/bin``, else ``initdb``/``pg_ctl`` on PATH.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["ClusterError", "PostgresNotFound", "ThrowawayCluster", "find_bindir"]

SERVICE_USER = "lianxin-pg"
FALLBACK_USER = "nobody"
BINDIR_ENV = "LIANXIN_PG_BINDIR"

# Settings for a cluster whose data nobody will ever read again.
FAST_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_connections": "100",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
    "logging_collector": "off",
    "autovacuum": "off",
    "max_parallel_workers_per_gather": "0",  # no dynamic shared memory: /dev/shm is tiny in containers
    "timezone": "UTC",
}

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class ClusterError(RuntimeError):
    """The cluster could not be created, started or used."""


class PostgresNotFound(ClusterError):
    """No PostgreSQL server binaries on this machine."""


def _version_key(path: Path) -> tuple:
    name = path.parent.name  # /usr/lib/postgresql/<version>/bin
    return tuple(int(p) if p.isdigit() else -1 for p in name.split("."))


def find_bindir() -> Path:
    """Directory holding initdb and pg_ctl (see the module docstring for the order)."""
    wanted = ("initdb", "pg_ctl", "postgres")
    override = os.environ.get(BINDIR_ENV)
    if override:
        bindir = Path(override)
        if all((bindir / exe).is_file() for exe in wanted):
            return bindir
        raise PostgresNotFound(f"${BINDIR_ENV}={override} does not hold {', '.join(wanted)}")
    candidates = [
        p for p in Path("/usr/lib/postgresql").glob("*/bin") if all((p / exe).is_file() for exe in wanted)
    ]
    if candidates:
        return max(candidates, key=_version_key)
    found = [shutil.which(exe) for exe in wanted]
    if all(found):
        return Path(found[0]).resolve().parent  # type: ignore[arg-type]
    raise PostgresNotFound(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in /usr/lib/postgresql/*/bin "
        f"or on PATH. Install them (Debian: `apt-get install postgresql`), or set ${BINDIR_ENV}. "
        "`python3 dev.py test` installs them when run as root."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _service_account() -> tuple[str, int, int]:
    """(name, uid, gid) of a non-root user to run the server as, creating one if we can."""
    import pwd

    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        result = subprocess.run(
            [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", "--user-group", SERVICE_USER],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        try:
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            try:
                entry = pwd.getpwnam(FALLBACK_USER)
            except KeyError:
                raise ClusterError(
                    f"running as root, and could neither create user {SERVICE_USER!r} "
                    f"({result.stderr.strip() or 'useradd failed'}) nor find {FALLBACK_USER!r}"
                ) from None
    return entry.pw_name, entry.pw_uid, entry.pw_gid


def _traversable_by_others(path: Path) -> bool:
    """Whether a non-root user can reach into `path` (o+x on it and every parent)."""
    path = path.resolve()
    for p in (path, *path.parents):
        try:
            if not os.stat(p).st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


# Clusters still running, for the exit / signal safety net.
_live: set[ThrowawayCluster] = set()
_live_lock = threading.RLock()  # re-entrant: the signal handler may run inside stop()
_hooks_installed = False


def _cleanup_all() -> None:
    with _live_lock:
        clusters = list(_live)
    for cluster in clusters:
        with contextlib.suppress(Exception):
            cluster.stop()


def _on_signal(signum: int, frame: Any) -> None:
    _cleanup_all()
    # Then die of the signal as we would have without this handler.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_cleanup_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(sig) == signal.SIG_DFL:
                signal.signal(sig, _on_signal)


class ThrowawayCluster:
    """A PostgreSQL server in a temporary directory, gone after `stop()`.

    Attributes once started: ``host`` (127.0.0.1), ``port``, ``user``
    (``postgres``, trust auth), ``url`` (SQLAlchemy URL of the ``postgres``
    database), ``base_dir``, ``data_dir``, ``socket_dir``, ``bindir``,
    ``run_as`` (the OS user the server runs as, or None for the current one).
    """

    user = "postgres"
    host = "127.0.0.1"

    def __init__(
        self,
        *,
        bindir: Path | str | None = None,
        settings: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
        base_dir: Path | str | None = None,
    ) -> None:
        self._bindir_arg = Path(bindir) if bindir is not None else None
        self.settings = {**FAST_SETTINGS, **(settings or {})}
        self.startup_timeout = startup_timeout
        self._parent_dir = Path(base_dir) if base_dir is not None else None
        self.bindir: Path | None = None
        self.base_dir: Path | None = None
        self.port: int | None = None
        self.run_as: str | None = None
        self._uid_gid: tuple[int, int] | None = None
        self._lock = threading.RLock()
        self._started = False

    # -- lifecycle ----------------------------------------------------------

    def __enter__(self) -> ThrowawayCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def data_dir(self) -> Path:
        return self._require_base() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._require_base() / "socket"

    @property
    def log_file(self) -> Path:
        return self._require_base() / "postgres.log"

    @property
    def running(self) -> bool:
        return self._started

    def start(self) -> ThrowawayCluster:
        with self._lock:
            if self._started:
                return self
            self.bindir = self._bindir_arg or find_bindir()
            if os.geteuid() == 0:
                self.run_as, uid, gid = _service_account()
                self._uid_gid = (uid, gid)
            self.base_dir = self._make_base_dir()
            self._started = True  # from here on stop() has something to clean
            with _live_lock:
                _live.add(self)
            _install_hooks()
        try:
            self._initdb()
            self._start_server()
            self._wait_until_ready()
        except Exception as exc:
            log = self._log_tail()
            self.stop()
            if log:
                raise ClusterError(f"{exc}\nserver log:\n{log}") from exc
            raise
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (immediately) and delete its directory. Idempotent."""
        with self._lock:
            if not self._started:
                return
            self._started = False
            with _live_lock:
                _live.discard(self)
            base = self.base_dir
            try:
                if base is not None and (base / "data" / "postmaster.pid").exists():
                    self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "30", check=False)
                    self._kill_leftover_postmaster()
            finally:
                if base is not None:
                    shutil.rmtree(base, ignore_errors=True)

    # -- databases ----------------------------------------------------------

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the cluster's ``postgres`` database."""
        return self.url_for("postgres")

    def url_for(self, dbname: str) -> str:
        self._require_port()
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq connection string, for psycopg.connect()."""
        self._require_port()
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def connect(self, dbname: str = "postgres", **kwargs: Any):
        """An autocommit psycopg connection (close it, or use it as a context manager)."""
        import psycopg

        kwargs.setdefault("autocommit", True)
        kwargs.setdefault("connect_timeout", 10)
        return psycopg.connect(self.dsn(dbname), **kwargs)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create database `name` (optionally as a copy of `template`); return its URL."""
        from psycopg import sql

        _check_name(name)
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            _check_name(template)
            query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
        with self.connect() as conn:
            conn.execute(query)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database `name` if it exists, disconnecting its sessions."""
        from psycopg import sql

        _check_name(name)
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    # -- internals ----------------------------------------------------------

    def _require_base(self) -> Path:
        if self.base_dir is None:
            raise ClusterError("cluster not started")
        return self.base_dir

    def _require_port(self) -> None:
        if self.port is None or not self._started:
            raise ClusterError("cluster not running")

    def _make_base_dir(self) -> Path:
        parent = self._parent_dir or Path(tempfile.gettempdir())
        if self._uid_gid is not None and not _traversable_by_others(parent):
            parent = Path("/tmp")  # the server's user must be able to reach its directory
        base = Path(tempfile.mkdtemp(prefix="lianxin-pg-", dir=parent))
        (base / "socket").mkdir()
        if self._uid_gid is not None:
            uid, gid = self._uid_gid
            for p in (base, base / "socket"):
                os.chown(p, uid, gid)
        return base

    def _run(self, args: list[str], *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", TZ="UTC")
        kwargs: dict[str, Any] = {}
        if self._uid_gid is not None:
            uid, gid = self._uid_gid
            kwargs.update(user=uid, group=gid, extra_groups=[])
            env.update(HOME=str(self._require_base()), USER=self.run_as or "", LOGNAME=self.run_as or "")
        result = subprocess.run(
            args,
            cwd=self._require_base(),  # postgres programs fail if they cannot read their cwd
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,
        )
        if check and result.returncode != 0:
            raise ClusterError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}")
        return result

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        assert self.bindir is not None
        return self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), *args], check=check)

    def _initdb(self) -> None:
        assert self.bindir is not None
        self._run(
            [str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", self.user, "--auth=trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
        )  # fmt: skip

    def _write_config(self, port: int) -> None:
        lines = {
            **self.settings,
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(self.socket_dir),
        }
        text = "\n# ThrowawayCluster\n" + "".join(f"{k} = '{v}'\n" for k, v in lines.items())
        # postgresql.auto.conf is read last, so these win; it belongs to the server's user.
        auto = self.data_dir / "postgresql.auto.conf"
        base = auto.read_text() if auto.exists() else ""
        base = base.split("\n# ThrowawayCluster\n", 1)[0]
        auto.write_text(base + text)
        if self._uid_gid is not None:
            os.chown(auto, *self._uid_gid)

    def _start_server(self) -> None:
        last = ""
        for _attempt in range(5):  # another process may grab the port between probe and bind
            port = _free_port()
            self._write_config(port)
            result = self._pg_ctl("start", "-w", "-t", str(int(self.startup_timeout)), "-l", str(self.log_file),
                                  check=False)  # fmt: skip
            if result.returncode == 0:
                self.port = port
                return
            last = result.stdout + self._log_tail()
            if "already in use" not in last and "could not bind" not in last:
                break
        raise ClusterError(f"pg_ctl start failed:\n{last}")

    def _wait_until_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with psycopg.connect(self.dsn(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ClusterError(f"PostgreSQL on port {self.port} did not accept connections: {exc}") from exc
                time.sleep(0.05)

    def _kill_leftover_postmaster(self) -> None:
        pidfile = self.data_dir / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return
        try:  # only if that pid is still this cluster's server, not a reused pid
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return
        if str(self.data_dir).encode() not in cmdline:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

    def _log_tail(self, limit: int = 4000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-limit:]
        except (OSError, ClusterError):
            return ""


def _check_name(name: str) -> None:
    if not _NAME_RE.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
