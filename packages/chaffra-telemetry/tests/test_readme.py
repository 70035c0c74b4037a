"""The package README's example runs as written, and the demo tells the privacy story."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chaffra_telemetry.__main__ import main

README = Path(__file__).parents[1] / "README.md"


def test_the_readme_example_runs_and_emits_no_operator_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    example = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)[0]
    exec(compile(example, str(README), "exec"), {})
    payload = json.loads(capsys.readouterr().out)
    assert "user-only" == payload["audience"]
    assert {"chaffra.analysis.findings_total", "chaffra.analysis.findings_by_severity"} == {
        p["name"] for p in payload["data_points"]
    }


def test_the_readme_live_state_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    example = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)[1]
    exec(compile(example, str(README), "exec"), {})
    assert "live 1\n" == capsys.readouterr().out


def test_the_demo_table_shows_the_spoofed_metric_only_under_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert 0 == main([])
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    assert "module.error_total" in rows["on"]
    assert "module.error_total" not in rows["user-only"]
    assert "-" == rows["off"].split()[-1]


def test_the_demo_prints_one_audiences_payload_in_process(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert 0 == main(["--audience", "user-only"])
    assert "user-only" == json.loads(capsys.readouterr().out)["audience"]


def test_the_demo_prints_a_full_payload_for_one_audience() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chaffra_telemetry", "--audience", "operator-only"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    payload = json.loads(result.stdout)
    assert "operator-only" == payload["audience"]
    assert {"security": 1} == payload["operator_summary"]["module_error_counts"]
