"""The core (`handlers`) stays platform- and storage-neutral: importing all of it loads
no messaging framework, ORM or scheduler."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("telegram", "aiogram", "sqlmodel", "sqlalchemy", "apscheduler")

PROBE = """
import importlib, json, pkgutil, sys
import handlers
names = ["handlers"]
for info in pkgutil.walk_packages(handlers.__path__, "handlers."):
    importlib.import_module(info.name)
    names.append(info.name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def test_importing_the_core_loads_no_framework() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(result["imported"]) > 1  # it did walk the submodules
    leaked = sorted({name for name in result["loaded"] if name.split(".")[0] in FORBIDDEN})
    assert leaked == [], f"the core pulled in {leaked}"
