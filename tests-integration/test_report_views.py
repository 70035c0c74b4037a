"""The dashboard's report views after real runs of one analyzer: scores stay, findings are newest.

``chaffra health`` scores the project; a later ``chaffra dead-code`` or
``chaffra security`` run scores nothing. The management app then still shows
the health run's scores, files and grade, and each analyzer's newest findings
(docs/dashboard.md, "Which run the pages show").
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from chaffra_management import create_app
from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience, TelemetryConfig

TIMEOUT = 120.0
MODULE = """\
import subprocess


def tangled(a, b, c, d):
    if a:
        if b:
            for i in range(c):
                if i % 2 and d:
                    while d:
                        d -= 1
                        if d == 3 or (c and b):
                            return i
    return None


def unused_helper():
    return 1


def run(cmd):
    return subprocess.call(cmd, shell=True)


print(tangled(1, 2, 3, 4), run("ls"))
"""


def chaffra(*args: str | Path) -> None:
    sibling = Path(sys.executable).with_name("chaffra")
    found = str(sibling) if sibling.is_file() else shutil.which("chaffra")
    command = [found] if found else [sys.executable, "-m", "chaffra_cli"]
    done = subprocess.run(
        [*command, *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert done.returncode in (0, 1), done.stderr  # 1: findings were reported


def views(root: Path) -> dict[str, Any]:
    """What the app over the project's store answers (user-only, as ``chaffra management``)."""
    state = LiveTelemetryState(SqliteStore.for_project(root))
    app = create_app(
        telemetry_config=TelemetryConfig(audience=TelemetryAudience.USER_ONLY), live_state=state
    )
    with state, TestClient(app) as client:
        return {
            "health": client.get("/api/v1/health").json(),
            "files": client.get("/api/v1/files").json(),
            "file": client.get("/api/v1/file?path=m.py").json(),
            "findings": client.get("/api/v1/findings?limit=500").json(),
            "badge": client.get("/badge.svg").text,
        }


def symbols(findings: list[dict[str, Any]], module: str) -> set[str]:
    return {f["symbol"] for f in findings if f["module"] == module}


def test_a_dead_code_or_security_run_keeps_the_scores_and_brings_its_own_findings(
    tmp_path: Path,
) -> None:
    source = tmp_path / "m.py"
    source.write_text(MODULE, encoding="utf-8")
    chaffra("health", tmp_path)
    scored = views(tmp_path)
    assert scored["health"]["score"] is not None
    assert {"complexity", "dead-code", "security"} <= set(scored["findings"]["facets"]["module"])

    source.write_text(
        MODULE.replace("def unused_helper():", "def unused_renamed():"), encoding="utf-8"
    )
    chaffra("dead-code", tmp_path)
    after_dead_code = views(tmp_path)
    chaffra("security", tmp_path)
    after_security = views(tmp_path)

    for later in (after_dead_code, after_security):
        # The health run's scores, grade and files, not the unscored run's "not graded".
        for key in ("score", "grade", "files", "contributors"):
            assert scored["health"][key] == later["health"][key]
        assert scored["files"]["items"] == later["files"]["items"]
        assert scored["file"]["file"]["score"] == later["file"]["file"]["score"] is not None
        assert f"({scored['health']['grade']})<" in later["badge"]
        # The dead-code run's findings replace the health run's dead-code findings ...
        assert {"unused_renamed"} == symbols(later["findings"]["items"], "dead-code")
        assert {"unused_renamed"} == symbols(later["file"]["findings"], "dead-code")
        # ... and the other analyzers' findings are still there.
        for module in ("complexity", "security"):
            kept = symbols(later["findings"]["items"], module)
            assert symbols(scored["findings"]["items"], module) == kept != set()
        assert later["findings"]["run"]["id"] != later["files"]["run"]["id"]
    assert after_dead_code["findings"]["run"] != after_security["findings"]["run"]
