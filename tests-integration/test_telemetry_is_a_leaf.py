"""chaffra-telemetry is the leaf of the distribution graph: it imports no sibling or server."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN_PREFIXES = (
    "chaffra_core",
    "chaffra_cli",
    "chaffra_management",
    "chaffra_mcp",
    "click",
    "starlette",
    "hypercorn",
    "mcp",
    "pygls",
)


def test_importing_chaffra_telemetry_loads_no_other_chaffra_package_or_server() -> None:
    """Checked in a fresh interpreter, so nothing imported by the test run can hide it."""
    code = (
        "import json, sys, chaffra_telemetry, chaffra_telemetry.testing; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(result.stdout)
    assert [] == [m for m in loaded if m.split(".")[0] in FORBIDDEN_PREFIXES]
