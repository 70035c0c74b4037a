"""``chaffra_changes``: new, resolved and moved findings since the last run or a git ref."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chaffra_core import (
    CliOverrides,
    Finding,
    Location,
    Severity,
    resolve_effective_config,
    run_analysis,
)
from chaffra_mcp._diff import BaselineItem, diff, measures
from chaffra_mcp._dispatch import Dispatcher


def branchy(name: str, branches: int) -> str:
    """A function with ``branches`` ifs (cyclomatic complexity ``branches + 1``)."""
    body = "".join(f"    if a == {i}:\n        a += {i}\n" for i in range(branches))
    return f"def {name}(a):\n{body}    return a\n"


def changes(dispatcher: Dispatcher, **arguments: Any) -> dict[str, Any]:
    outcome = dispatcher.call("chaffra_changes", arguments)
    assert not outcome.is_error, outcome.summary
    assert outcome.structured is not None
    return {**outcome.structured, "text": outcome.summary}


def finding(rule: str, line: int, *, anchor: str = "", **metadata: str) -> Finding:
    return Finding(
        rule_id=rule,
        message=f"{rule} at {line}",
        severity=Severity.WARNING,
        location=Location(file="a.py", start_line=line, end_line=line),
        metadata=metadata,
        anchor=anchor,
    )


def test_findings_match_by_fingerprint_and_by_anchor_when_they_moved() -> None:
    kept = finding("m:r", 1)
    moved_before, moved_after = finding("m:r", 5, anchor="s#1"), finding("m:r", 9, anchor="s#1")
    gone, fresh = finding("m:gone", 3), finding("m:new", 4)
    result = diff(
        [kept, moved_after, fresh], [BaselineItem.of(f) for f in (kept, moved_before, gone)]
    )
    assert (fresh,) == result.new
    assert [gone] == [item.finding for item in result.resolved]
    pairs = [(new.sort_key, item.finding) for new, item in result.matched]
    assert [(kept.sort_key, kept), (moved_after.sort_key, moved_before)] == pairs


def test_duplicate_findings_count_as_often_as_they_occur() -> None:
    same = finding("m:r", 1)
    result = diff([same, same], [BaselineItem.of(same)])
    assert (same,) == result.new
    assert 1 == len(result.matched)


def test_measures_are_the_numeric_values_beside_a_threshold() -> None:
    assert {"cyclomatic": 12.0} == measures(
        finding("c:r", 1, cyclomatic="12", threshold="10", symbol="f")
    )
    assert {} == measures(finding("c:r", 1, cyclomatic="12"))
    assert {} == measures(finding("c:r", 1, cyclomatic="nan", threshold="x"))


def test_the_first_call_is_the_baseline_of_the_next(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    dispatcher = make_dispatcher(make_project({"a.py": branchy("f", 12)}))
    first = changes(dispatcher)
    assert False is first["since"]["available"]
    assert [] == first["changes"]
    assert "no previous run of complexity" in first["notes"][0]
    second = changes(dispatcher)
    assert True is second["since"]["available"]
    assert {"new": 0, "resolved": 0, "worse": 0, "better": 0} == {
        k: second["summary"][k] for k in ("new", "resolved", "worse", "better")
    }
    assert second["text"].startswith("Since the previous run: 0 new, 0 resolved, 1 unchanged")


def test_an_edit_shows_as_new_worse_resolved_and_better_most_important_first(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project(
        {"a.py": branchy("grows", 11) + branchy("shrinks", 14) + branchy("goes", 12)}
    )
    dispatcher = make_dispatcher(root)
    dispatcher.call("chaffra_complexity", {})
    (root / "a.py").write_text(
        branchy("grows", 15) + branchy("shrinks", 12) + branchy("goes", 2) + branchy("fresh", 20),
        encoding="utf-8",
    )
    result = changes(dispatcher)
    entries = [
        (e["change"], e["symbol"], e["measure"], e["before"], e["after"]) for e in result["changes"]
    ]
    assert ("new", "fresh", "cyclomatic", None, 21.0) == entries[0]
    assert ("worse", "grows", "cyclomatic", 12.0, 16.0) in entries
    assert ("resolved", "goes", "cyclomatic", 13.0, None) in entries
    assert ("better", "shrinks", "cyclomatic", 15.0, 13.0) in entries
    order = [e[0] for e in entries]
    assert order == sorted(order, key=["new", "worse", "resolved", "better"].index)
    assert result["health"]["before"] is not None
    assert result["health"]["after"] is not None


def test_functions_below_every_threshold_report_their_measures_moving(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    """An agent sees its edit made a small function worse before it crosses a threshold."""
    root = make_project({"a.py": branchy("small", 1) + branchy("steady", 2)})
    dispatcher = make_dispatcher(root)
    changes(dispatcher)
    (root / "a.py").write_text(branchy("small", 4) + branchy("steady", 2), encoding="utf-8")
    result = changes(dispatcher)
    entries = [
        (e["change"], e["symbol"], e["measure"], e["before"], e["after"]) for e in result["changes"]
    ]
    assert [("worse", "small", "cyclomatic", 2.0, 5.0)] == [
        e for e in entries if e[2] == "cyclomatic"
    ]
    assert 0 == result["summary"]["new"]
    assert not [e for e in entries if e[1] == "steady"]


def test_without_a_server_run_the_projects_churn_state_is_the_baseline(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project({"a.py": branchy("f", 12) + branchy("g", 12)})
    config = resolve_effective_config(root, None, CliOverrides())
    run_analysis(config, command="complexity", modules=("complexity",))  # what the CLI does
    (root / "a.py").write_text(branchy("f", 12), encoding="utf-8")
    result = changes(make_dispatcher(root))
    assert True is result["since"]["available"]
    # g's finding, and the file's low-health-score finding (a.py now scores above 70).
    resolved = [e for e in result["changes"] if e["change"] == "resolved"]
    assert ["complexity:high-cyclomatic", "complexity:low-health-score"] == sorted(
        e["rule_id"] for e in resolved
    )
    assert {(None, None)} == {(e["message"], e["before"]) for e in resolved}
    assert "fingerprints only" in result["notes"][-1]


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(root), *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repository(make_project: Callable[..., Path]) -> Path:
    root = make_project({"app/a.py": branchy("f", 12), "app/b.py": "x = 1\n"})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "one")
    return root


def test_since_a_git_ref_compares_with_the_committed_tree_exported_to_the_cache(
    repository: Path, make_dispatcher: Callable[..., Dispatcher], cache_dir: Path
) -> None:
    (repository / "app" / "b.py").write_text(branchy("g", 14), encoding="utf-8")
    dispatcher = make_dispatcher(repository)
    result = changes(dispatcher, since="git-ref", ref="HEAD", path="app")
    since = result["since"]
    assert ("git-ref", "HEAD", True) == (since["kind"], since["ref"], since["available"])
    assert since["label"].startswith("git HEAD (")
    assert {("new", "g")} == {(e["change"], e["symbol"]) for e in result["changes"] if e["symbol"]}
    assert [] == list(cache_dir.iterdir())  # the export is removed afterwards


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"since": "git-ref"}, "Missing argument: ref"),
        ({"since": "git-ref", "ref": "--output=x"}, "Invalid git ref: '--output=x'"),
        ({"since": "git-ref", "ref": "no-such-branch"}, "Unknown git ref: no-such-branch"),
    ],
)
def test_bad_git_refs_are_error_results(
    arguments: dict[str, str],
    message: str,
    repository: Path,
    make_dispatcher: Callable[..., Dispatcher],
) -> None:
    outcome = make_dispatcher(repository).call("chaffra_changes", arguments)
    assert outcome.is_error
    assert outcome.summary.startswith(message), outcome.summary


def test_a_git_ref_outside_a_work_tree_is_an_error_result(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    outcome = make_dispatcher(make_project()).call(
        "chaffra_changes", {"since": "git-ref", "ref": "HEAD"}
    )
    assert outcome.is_error
    assert outcome.summary.startswith("Not a git work tree:")


def test_a_target_that_did_not_exist_at_the_ref_is_all_new(
    repository: Path, make_dispatcher: Callable[..., Dispatcher]
) -> None:
    (repository / "later").mkdir()
    (repository / "later" / "c.py").write_text(branchy("h", 12), encoding="utf-8")
    result = changes(make_dispatcher(repository), since="git-ref", ref="HEAD", path="later")
    assert result["notes"][-1].endswith("later did not exist at HEAD")
    assert ["h"] == [e["symbol"] for e in result["changes"] if e["symbol"]]


def test_an_unreadable_churn_state_is_no_baseline_and_says_why(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project({"a.py": branchy("f", 12), ".chaffra/telemetry-state.json": "{broken"})
    result = changes(make_dispatcher(root))
    assert False is result["since"]["available"]
    assert any("churn state could not be read" in note for note in result["notes"])
