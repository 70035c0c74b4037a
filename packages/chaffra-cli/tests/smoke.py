"""Smoke check run by ``nox -s standalone``: the installed ``chaffra`` command works."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    (root / "app.py").write_text("def f():\n    return 1\n\n\nprint(f())\n", encoding="utf-8")
    command = [sys.executable, "-m", "chaffra_cli", "--format", "json", "health", str(root)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        sys.exit(f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}")
    report = json.loads(done.stdout)
    assert report["health"]["grade"] == "A", report
    assert (root / ".chaffra" / "telemetry.db").is_file()
    print("chaffra health:", report["health"]["score"], report["health"]["grade"])
