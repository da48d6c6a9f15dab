"""The first five minutes (issue 15): from the start command to the demo page's first answer.

    .venv/bin/python -m benchmarks.demo_start --runs 3

Each run starts `python3 dev.py start` in a fresh folder's database (the first start writes
the district's six weeks of history), and times, from the spawn: the page's URL printed,
the demo's "ready" line, and the first answer to /start as the owner (the page sends the same
request, /_sim/users/1001/send). `.venv` is taken as installed; a first `dev.py` run on a new
machine installs it before all this. The last line is the result as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import print_header
from sandbox.botapi.testing import free_port
from tests.support.demo import PAGE_LINE, READY, ROOT, START_TIMEOUT


def one_start(folder: Path) -> dict[str, float]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIANXIN_")}
    env.update(LIANXIN_DATABASE_URL=f"sqlite:///{folder / 'demo.db'}", LIANXIN_DEMO_PORT=str(port),
               PYTHONUNBUFFERED="1")
    began = time.monotonic()
    process = subprocess.Popen([sys.executable, str(ROOT / "dev.py"), "start"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    figures: dict[str, float] = {}
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "url_s" not in figures and PAGE_LINE.search(line):
                figures["url_s"] = time.monotonic() - began
            if READY in line:
                figures["ready_s"] = time.monotonic() - began
                break
            if time.monotonic() - began > START_TIMEOUT:
                raise TimeoutError("the demo did not get ready")
        answer = httpx.post(f"http://127.0.0.1:{port}/_sim/users/1001/send", json={"text": "/start"}, timeout=60)
        assert answer.json()["replies"], answer.text
        figures["first_answer_s"] = time.monotonic() - began
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {name: round(value, 2) for name, value in figures.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.demo_start", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print_header("benchmarks.demo_start")
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="lianxin-demo-start-") as folder:
            runs.append(one_start(Path(folder)))
        print(f"  {runs[-1]}", flush=True)
    median = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    print(f"medians of {args.runs}: URL {median['url_s']} s, ready {median['ready_s']} s, "
          f"first answer {median['first_answer_s']} s")
    print(json.dumps({"command": sys.argv, "median": median, "runs": runs}))


if __name__ == "__main__":
    main()
