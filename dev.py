#!/usr/bin/env python3
"""Lianxin's two developer commands, stdlib only:

    python3 dev.py start [ARGS...]   # bootstrap .venv, then `lianxin run ARGS...`
    python3 dev.py test  [ARGS...]   # bootstrap .venv and PostgreSQL, then `pytest ARGS...`

Bootstrap: `.venv/` is created if missing and gets `pip install -e '.[test]'`
whenever pyproject.toml changed since the last successful install (a hash is
kept in .venv), so repeated runs start at once. `test` also makes sure the
PostgreSQL server binaries are there (installing Debian's `postgresql` with
apt-get when run as root) for the throw-away cluster the suite starts; both
make sure a Chinese font is there for the digest charts (fonts-wqy-microhei);
`test` also makes sure Debian's Chromium is there for the browser tests
(tests/browser drive it with Playwright; no browser is downloaded).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".lianxin-install.sha256"
LOCK = VENV / ".dev-py.lock"
INSTALL_SPEC = ".[test]"
MIN_PYTHON = (3, 11)
PG_GLOB = "/usr/lib/postgresql/*/bin"
PG_EXES = ("initdb", "pg_ctl", "postgres")

USAGE = """usage: python3 dev.py start [ARGS...]   run the bot (`lianxin run ARGS...`)
       python3 dev.py test [ARGS...]    run the test suite (`pytest ARGS...`)"""


def step(text: str) -> None:
    print(f"dev.py: {text}", file=sys.stderr, flush=True)


def fail(text: str, code: int = 1) -> None:
    print(f"dev.py: error: {text}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def venv_bin(name: str) -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / (name + (".exe" if not name.endswith(".exe") else ""))
    return VENV / "bin" / name


# -- .venv ------------------------------------------------------------------------


class _Lock:
    """An exclusive lock on .venv while bootstrapping (other checkouts' runs wait)."""

    def __enter__(self) -> _Lock:
        VENV.mkdir(exist_ok=True)
        self._fh = open(LOCK, "a+")  # noqa: SIM115
        try:
            import fcntl
        except ImportError:  # not on Windows
            return self
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            step("waiting for another dev.py to finish setting up .venv")
            fcntl.flock(self._fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def install_hash() -> str:
    digest = hashlib.sha256()
    digest.update((ROOT / "pyproject.toml").read_bytes())
    digest.update(f"\0{INSTALL_SPEC}\0{sys.version_info[:2]}".encode())
    return digest.hexdigest()


def venv_works() -> bool:
    python = venv_bin("python")
    if not python.exists():
        return False
    try:
        return subprocess.run([str(python), "-c", "import sys"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def run_quiet(args: list[str], what: str, env: dict[str, str] | None = None) -> None:
    """Run a command, showing its output only if it fails."""
    try:
        result = subprocess.run(
            args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
    except OSError as exc:
        fail(f"{what} failed: {exc}")
    if result.returncode != 0:
        sys.stderr.write(result.stdout.decode(errors="replace"))
        fail(f"{what} failed (exit {result.returncode}): {' '.join(args)}")


def create_venv() -> None:
    if VENV.exists():  # a broken one (moved, or its base Python is gone): start over, keep the lock file
        for child in VENV.iterdir():
            if child != LOCK:
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    step(f"creating .venv with Python {sys.version.split()[0]}")
    result = subprocess.run(
        [sys.executable, "-m", "venv", str(VENV)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    if result.returncode == 0 and venv_bin("python").exists():
        return
    output = result.stdout.decode(errors="replace")
    if "ensurepip" in output and is_root() and shutil.which("apt-get"):
        # Debian/Ubuntu split venv support out of the python3 package.
        package = f"python{sys.version_info[0]}.{sys.version_info[1]}-venv"
        step(f"installing {package} with apt-get (venv needs it)")
        apt_install(package)
        result = subprocess.run(
            [sys.executable, "-m", "venv", str(VENV)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output = result.stdout.decode(errors="replace")
        if result.returncode == 0:
            return
    sys.stderr.write(output)
    fail("could not create .venv (on Debian/Ubuntu: apt-get install python3-venv)")


def ensure_venv() -> None:
    if sys.version_info < MIN_PYTHON:
        fail(f"Python {'.'.join(map(str, MIN_PYTHON))}+ is needed, this is {sys.version.split()[0]}")
    with _Lock():
        if not venv_works():
            create_venv()
            STAMP.unlink(missing_ok=True)
        wanted = install_hash()
        have = STAMP.read_text().strip() if STAMP.exists() else ""
        if have == wanted and venv_bin("lianxin").exists():
            step(".venv is up to date")
            return
        reason = "not installed yet" if not have else "pyproject.toml changed" if have != wanted else "lianxin missing"
        hint = "; the first time takes a minute" if not have else ""
        step(f"installing lianxin{INSTALL_SPEC[1:]} into .venv ({reason}{hint})")
        started = time.monotonic()
        env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
        env.pop("PIP_REQUIRE_VIRTUALENV", None)
        STAMP.unlink(missing_ok=True)  # an interrupted install must not look finished
        run_quiet(
            [str(venv_bin("python")), "-m", "pip", "install", "-e", INSTALL_SPEC],
            "pip install",
            env=env,
        )
        STAMP.write_text(wanted + "\n")
        step(f"installed in {time.monotonic() - started:.0f}s")


# -- PostgreSQL -------------------------------------------------------------------


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def find_pg_bindir() -> Path | None:
    found = [Path(p) for p in sorted(Path("/").glob(PG_GLOB.lstrip("/"))) if Path(p).is_dir()]
    found = [p for p in found if all((p / exe).is_file() for exe in PG_EXES)]
    if found:

        def version(p: Path) -> tuple:
            return tuple(int(x) if x.isdigit() else -1 for x in p.parent.name.split("."))

        return max(found, key=version)
    on_path = [shutil.which(exe) for exe in PG_EXES]
    if all(on_path):
        return Path(on_path[0]).resolve().parent  # type: ignore[arg-type]
    return None


def apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run_quiet(["apt-get", "update"], "apt-get update", env=env)
    run_quiet(["apt-get", "install", "-y", "--no-install-recommends", *packages], "apt-get install", env=env)


def ensure_postgres() -> Path:
    bindir = find_pg_bindir()
    if bindir is None:
        if not is_root():
            fail(
                "the tests need the PostgreSQL server binaries (initdb, pg_ctl, postgres) and none are in "
                f"{PG_GLOB} or on PATH. Install them (Debian/Ubuntu: sudo apt-get install postgresql), "
                "or run dev.py as root to have it install them."
            )
        if not shutil.which("apt-get"):
            fail("PostgreSQL server binaries are missing and there is no apt-get to install them with")
        step("installing PostgreSQL server with apt-get")
        apt_install("postgresql")
        bindir = find_pg_bindir()
        if bindir is None:
            fail(f"installed postgresql but still found no initdb/pg_ctl/postgres in {PG_GLOB}")
    step(f"PostgreSQL binaries: {bindir}")
    return bindir


# -- a Chinese font for the digest charts -------------------------------------------

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".local/share/fonts"))
CJK_FONT_MARKS = ("cjk", "wqy-", "sourcehansans")  # as bot/charts.py looks for them
CJK_FONT_PACKAGE = "fonts-wqy-microhei"  # Debian's WenQuanYi Micro Hei: 1.6 MB, covers GB 18030's common set


def find_cjk_font() -> Path | None:
    for folder in FONT_DIRS:
        for path in Path(folder).rglob("*") if Path(folder).is_dir() else ():
            if path.suffix.lower() in (".ttf", ".ttc", ".otf") and any(m in path.name.lower() for m in CJK_FONT_MARKS):
                return path
    return None


def ensure_cjk_font(required: bool) -> None:
    """Charts label units in Chinese; without a CJK font they would show boxes."""
    if find_cjk_font() is not None:
        return
    if is_root() and shutil.which("apt-get"):
        step(f"installing a Chinese font for charts ({CJK_FONT_PACKAGE}) with apt-get")
        apt_install(CJK_FONT_PACKAGE)
        if find_cjk_font() is not None:
            return
    message = (f"no Chinese (CJK) font found in {', '.join(FONT_DIRS)}: digest charts need one. "
               f"Install one (Debian/Ubuntu: sudo apt-get install {CJK_FONT_PACKAGE}), or run dev.py as root.")
    if required:
        fail(message)
    step(f"warning: {message} Digests go out without their chart until then.")


# -- Chromium for the browser tests -------------------------------------------------

CHROMIUM_PACKAGE = "chromium"  # Debian's; tests/browser/conftest.py launches it by path


def find_chromium() -> str | None:
    return os.environ.get("LIANXIN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def ensure_chromium() -> None:
    """tests/browser play the demo page in a real browser: Debian's Chromium, never a download."""
    if find_chromium() is not None:
        return
    if is_root() and shutil.which("apt-get"):
        step(f"installing Chromium for the browser tests ({CHROMIUM_PACKAGE}) with apt-get")
        apt_install(CHROMIUM_PACKAGE)
        if find_chromium() is not None:
            return
    fail(f"the browser tests need Chromium and there is none on PATH. Install it (Debian/Ubuntu: "
         f"sudo apt-get install {CHROMIUM_PACKAGE}), point LIANXIN_CHROMIUM at a Chromium or Chrome "
         "executable, or run dev.py as root to have it installed.")


# -- commands ---------------------------------------------------------------------


def cmd_start(args: list[str]) -> int:
    ensure_venv()
    ensure_cjk_font(required=False)
    exe = venv_bin("lianxin")
    step(f"running lianxin run {' '.join(args)}".rstrip())
    os.chdir(ROOT)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(str(exe), [str(exe), "run", *args])
    return 0  # not reached


def run_pytest(args: list[str], env: dict[str, str]) -> int:
    """Run pytest in the foreground; pass on its status, making 'interrupted' and 'no tests' failures."""
    proc = subprocess.Popen([str(venv_bin("python")), "-m", "pytest", *args], cwd=ROOT, env=env)
    interrupted = 0

    def forward(signum: int, _frame: object) -> None:
        nonlocal interrupted
        interrupted = signum
        if proc.poll() is None:
            proc.send_signal(signum)

    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, forward)
    while True:
        try:
            code = proc.wait()
            break
        except KeyboardInterrupt:
            # Ctrl-C reached pytest too (same process group): let it finish its teardown.
            interrupted = signal.SIGINT
    if code < 0:  # killed by a signal
        step(f"pytest was killed by signal {-code}")
        return 128 - code
    if code == 5:
        step("pytest collected no tests: that counts as a failure")
        return 5
    if code == 2:
        step("pytest was interrupted")
    if interrupted and code == 0:
        step("interrupted")
        return 128 + interrupted
    return code


def cmd_test(args: list[str]) -> int:
    ensure_venv()
    ensure_postgres()  # tests/support/pg_cluster.py finds them the same way
    ensure_cjk_font(required=True)  # the chart tests look at the glyphs
    ensure_chromium()
    step(f"running pytest {' '.join(args)}".rstrip())
    return run_pytest(args, dict(os.environ))


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    command, args = argv[0], argv[1:]
    if command == "start":
        return cmd_start(args)
    if command == "test":
        return cmd_test(args)
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        step("interrupted")
        sys.exit(130)
