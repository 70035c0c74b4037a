"""Smoke check run by ``nox -s standalone`` against the installed wheel and its deps alone."""

from __future__ import annotations

import tempfile
from pathlib import Path

from chaffra_core import CliOverrides, resolve_effective_config, run_analysis

with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    (root / "app.py").write_text(
        "def f(a, b, c):\n"
        + "".join(f"    if a == {i}:\n        return {i}\n" for i in range(12))
        + "    return b and c\n",
        encoding="utf-8",
    )
    config = resolve_effective_config(root, None, CliOverrides(telemetry="off"))
    result = run_analysis(config, command="complexity")
    rules = {finding.rule_id for finding in result.findings}
    assert "complexity:high-cyclomatic" in rules, rules
    assert result.health is not None
    print("chaffra-core analysed", result.files_analyzed, "file:", sorted(rules))
