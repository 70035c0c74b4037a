"""``chaffra_changes`` since a baseline file: what a project accepted with ``chaffra baseline``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chaffra_core import (
    BASELINE_FILE_NAME,
    Baseline,
    CliOverrides,
    ModuleHost,
    resolve_effective_config,
    run_analysis,
)
from chaffra_mcp._dispatch import Dispatcher


def branchy(name: str, branches: int) -> str:
    body = "".join(f"    if a == {i}:\n        a += {i}\n" for i in range(branches))
    return f"def {name}(a):\n{body}    return a\n"


def accept(root: Path, path: Path | None = None) -> Path:
    """What ``chaffra baseline`` does: every current finding accepted, in the project's file."""
    config = resolve_effective_config(root, None, CliOverrides())
    result = run_analysis(config, command="baseline", churn=False)
    target = path or root / BASELINE_FILE_NAME
    Baseline.of(result.findings).write(target)
    return target


def changes(dispatcher: Dispatcher, **arguments: Any) -> dict[str, Any]:
    outcome = dispatcher.call("chaffra_changes", {"since": "baseline-file", **arguments})
    assert not outcome.is_error, outcome.summary
    assert outcome.structured is not None
    return {**outcome.structured, "text": outcome.summary}


def test_findings_not_in_the_baseline_file_are_new_and_gone_ones_resolved_with_their_message(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project({"a.py": branchy("kept", 12) + branchy("fixed", 12)})
    accept(root)
    # Lines move (the new function is on top): accepted findings still match by anchor.
    (root / "a.py").write_text(
        branchy("fresh", 13) + branchy("kept", 12) + branchy("fixed", 2), encoding="utf-8"
    )

    result = changes(make_dispatcher(root))

    since = result["since"]
    assert ("baseline-file", True) == (since["kind"], since["available"])
    assert str(root / BASELINE_FILE_NAME) == since["file"]
    entries = [(e["change"], e["symbol"], e["rule_id"]) for e in result["changes"]]
    assert ("new", "fresh", "complexity:high-cyclomatic") == entries[0]
    resolved = [e for e in result["changes"] if e["change"] == "resolved"]
    assert ["function `fixed` has cyclomatic complexity 13 (threshold: 10)"] == [
        e["message"] for e in resolved if e["rule_id"] == "complexity:high-cyclomatic"
    ]
    assert 1 <= result["summary"]["unchanged"]  # `kept`
    assert not [e for e in result["changes"] if e["symbol"] == "kept"]
    assert result["text"].startswith("Since the baseline file .chaffra-baseline.json: ")
    assert "accepted findings only" in result["notes"][-1]


def test_the_baseline_file_agrees_with_health_baseline_on_what_is_new(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project({"a.py": branchy("f", 12), "b.py": "import os\n"})
    accept(root)
    (root / "b.py").write_text("import os\nimport sys\n", encoding="utf-8")
    config = resolve_effective_config(root, None, CliOverrides())
    current = run_analysis(config, command="health", churn=False).findings
    expected = Baseline.read(root / BASELINE_FILE_NAME).compare(current)

    result = changes(make_dispatcher(root, host=ModuleHost.default()))

    assert ["import `sys` is never used"] == [f.message for f in expected.new]
    assert sorted(f.message for f in expected.new) == sorted(
        e["message"] for e in result["changes"] if e["change"] == "new"
    )
    assert len(expected.known) == result["summary"]["unchanged"]


def test_a_named_baseline_file_and_a_target_below_the_root_keep_only_that_part(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project(
        {".chaffra.toml": "", "app/a.py": branchy("f", 12), "lib/b.py": branchy("g", 12)}
    )
    named = accept(root, root / "accepted.json")
    (root / "app" / "a.py").write_text("x = 1\n", encoding="utf-8")

    result = changes(make_dispatcher(root), baseline="accepted.json", path="app")

    assert str(named) == result["since"]["file"]
    assert {"app/a.py"} == {e["file"] for e in result["changes"]}
    assert ["resolved"] == sorted({e["change"] for e in result["changes"]})


@pytest.mark.parametrize(
    ("files", "arguments", "message"),
    [
        ({}, {}, "No baseline file: "),
        ({"b.json": "[]"}, {"baseline": "b.json"}, "Invalid baseline file: "),
        ({}, {"baseline": "missing.json"}, "Invalid path: missing.json: no such file"),
        ({}, {"baseline": "/etc/hostname"}, "Invalid path: /etc/hostname is outside"),
    ],
)
def test_a_missing_broken_or_outside_baseline_file_is_an_error_result(
    files: dict[str, str],
    arguments: dict[str, str],
    message: str,
    make_project: Callable[..., Path],
    make_dispatcher: Callable[..., Dispatcher],
) -> None:
    root = make_project({"a.py": "x = 1\n", **files})

    outcome = make_dispatcher(root).call("chaffra_changes", {"since": "baseline-file", **arguments})

    assert outcome.is_error
    assert outcome.summary.startswith(message), outcome.summary
