"""Properties of every format over generated results with hostile strings, and the JSON Schema."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_core import (
    Action,
    FileHealthScore,
    Finding,
    HealthContributor,
    HealthGrade,
    Location,
    ProjectHealth,
    RunResult,
    Severity,
    TextEdit,
)
from chaffra_core._converter import make_converter
from chaffra_core.output import OutputFormat, json_schema, render, to_document

HOSTILE = st.sampled_from(
    [
        "\n",
        "\r\n",
        "\r",
        "%",
        "%0A",
        "%25",
        ",",
        ":",
        "::",
        "<",
        ">",
        "&",
        "|",
        "`",
        "*",
        "_",
        "\x1b[31m",
        "\u2028",
        "\u202e",
        "\x85",
        "é",
        "🦀",
        "#",
        "\\",
    ]
)
TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=8)), max_size=6).map("".join)
INTS = st.integers(min_value=0, max_value=10_000)
UNIT = st.floats(min_value=0.0, max_value=1.0)
SCORE = st.floats(min_value=0.0, max_value=100.0)

LOCATIONS = st.builds(
    Location, file=TEXT, start_line=INTS, end_line=INTS, start_column=INTS, end_column=INTS
)
ACTIONS = st.builds(
    Action,
    description=TEXT,
    auto_fixable=st.booleans(),
    edits=st.lists(
        st.builds(TextEdit, file=TEXT, start_line=INTS, end_line=INTS, new_text=TEXT), max_size=2
    ).map(tuple),
)
FINDINGS = st.builds(
    Finding,
    rule_id=st.one_of(TEXT, st.tuples(TEXT, TEXT).map(":".join)),
    message=TEXT,
    severity=st.sampled_from(Severity),
    location=LOCATIONS,
    confidence=UNIT,
    actions=st.lists(ACTIONS, max_size=2).map(tuple),
    metadata=st.dictionaries(
        TEXT,
        st.one_of(TEXT, INTS, st.booleans(), st.floats(allow_nan=False, allow_infinity=False)),
        max_size=3,
    ),
    anchor=TEXT,
)
FILE_SCORES = st.builds(
    FileHealthScore,
    file=TEXT,
    score=SCORE,
    grade=st.sampled_from(HealthGrade),
    lines=INTS,
    cyclomatic_penalty=SCORE,
    cognitive_penalty=SCORE,
    size_penalty=SCORE,
    nesting_penalty=SCORE,
    complexity_cost=SCORE,
    dead_code_cost=SCORE,
    security_cost=SCORE,
    other_cost=SCORE,
)
CONTRIBUTORS = st.builds(
    HealthContributor,
    kind=st.sampled_from(["function", "file", "rule"]),
    file=st.none() | TEXT,
    symbol=st.none() | TEXT,
    rule_id=st.none() | TEXT,
    cost=SCORE,
    detail=TEXT,
)
HEALTH = st.builds(
    ProjectHealth,
    score=st.none() | SCORE,
    grade=st.none() | st.sampled_from(HealthGrade),
    files=st.lists(FILE_SCORES, max_size=14).map(tuple),
    total_files=INTS,
    unscored_files=INTS,
    contributors=st.lists(CONTRIBUTORS, max_size=10).map(tuple),
    model=st.sampled_from([1, 2]),
)
RESULTS = st.builds(
    RunResult,
    root=st.just(Path("/abs/root")),
    command=TEXT,
    modules=st.lists(TEXT, max_size=3).map(tuple),
    findings=st.lists(FINDINGS, max_size=6).map(tuple),
    health=st.none() | HEALTH,
    files_analyzed=INTS,
    duration_ms=INTS,
    module_errors=st.lists(st.tuples(TEXT, TEXT), max_size=2).map(tuple),
)


@settings(deadline=None)  # formatting generated results is slow under coverage
@given(RESULTS, st.sampled_from(OutputFormat), st.booleans())
def test_every_format_renders_any_result_as_newline_terminated_text(
    result: RunResult, fmt: OutputFormat, color: bool
) -> None:
    """No generated result crashes a formatter."""
    text = render(result, fmt, color=color, tool_version="0.0.0")
    assert text.endswith("\n")


@settings(deadline=None)  # formatting generated results is slow under coverage
@given(RESULTS, st.sampled_from([OutputFormat.JSON, OutputFormat.SARIF, OutputFormat.CODECLIMATE]))
def test_machine_formats_parse_back_as_json(result: RunResult, fmt: OutputFormat) -> None:
    """JSON, SARIF and CodeClimate are always one valid JSON document."""
    json.loads(render(result, fmt, tool_version="0.0.0"))


@settings(deadline=None)  # formatting generated results is slow under coverage
@given(RESULTS)
def test_json_output_of_any_result_validates_against_the_schema(result: RunResult) -> None:
    """The shipped schema describes what the formatter really writes."""
    document = json.loads(render(result, OutputFormat.JSON, tool_version="0.0.0"))
    assert [] == validate(document, json_schema())


@settings(deadline=None)  # formatting generated results is slow under coverage
@given(RESULTS)
def test_github_output_is_one_workflow_command_per_line(result: RunResult) -> None:
    """The runner splits on LF: every line is a whole command, none is smuggled in."""
    lines = render(result, OutputFormat.GITHUB, tool_version="0.0.0").split("\n")
    assert "" == lines.pop()
    expected = (
        max(1, len(result.findings)) + len(result.module_errors) + (result.health is not None)
    )
    assert expected == len(lines)
    assert all(line.startswith("::") and "\r" not in line for line in lines)


@settings(deadline=None)  # formatting generated results is slow under coverage
@given(RESULTS)
def test_terminal_output_has_escape_codes_only_when_colour_is_on(result: RunResult) -> None:
    """Hostile messages cannot smuggle ANSI sequences into plain output."""
    assert "\x1b" not in render(result, OutputFormat.TERMINAL, tool_version="0.0.0")
    assert "\x1b[" in render(result, OutputFormat.TERMINAL, color=True, tool_version="0.0.0")


@settings(deadline=None)  # formatting generated results is slow under coverage
@given(RESULTS)
def test_terminal_output_has_one_line_per_finding(result: RunResult) -> None:
    """Line breaks inside messages and paths are escaped, not printed."""
    text = render(result, OutputFormat.TERMINAL, tool_version="0.0.0")
    finding_lines = [
        line for line in text.split("\n") if line.startswith("  [") and " line " in line
    ]
    assert len(result.findings) <= len(finding_lines)
    assert len(text.splitlines()) == len(text.split("\n")) - 1


@settings(deadline=None)  # formatting generated results is slow under coverage
@given(FINDINGS)
def test_findings_round_trip_through_the_converter(finding: Finding) -> None:
    """structure(unstructure(x)) == x for the finding wire shape."""
    converter = make_converter()
    assert finding == converter.structure(converter.unstructure(finding), Finding)


@settings(deadline=None)  # formatting generated results is slow under coverage
@given(HEALTH)
def test_project_health_round_trips_through_the_converter(health: ProjectHealth) -> None:
    """structure(unstructure(x)) == x for the health wire shape."""
    converter = make_converter()
    assert health == converter.structure(converter.unstructure(health), ProjectHealth)


def test_non_finite_numbers_are_written_as_null_and_read_back_as_nan() -> None:
    """JSON has no NaN; null stands for it and the schema allows it."""
    file = FileHealthScore(file="a.py", score=math.nan, grade=HealthGrade.F)
    health = ProjectHealth(score=50.0, grade=HealthGrade.F, files=(file,), total_files=1)
    result = RunResult(
        root=Path("/r"),
        command="health",
        modules=(),
        findings=(),
        health=health,
        files_analyzed=0,
        duration_ms=0,
    )
    document = json.loads(render(result, "json", tool_version="1"))
    assert document["health"]["files"][0]["score"] is None
    assert [] == validate(document, json_schema())
    read = make_converter().structure(document["health"], ProjectHealth)
    assert math.isnan(read.files[0].score)


def test_a_project_that_is_not_graded_is_written_with_a_null_score_and_grade() -> None:
    """An empty project has no score: null score and grade, valid against the schema."""
    health = ProjectHealth(score=None, grade=None, files=(), total_files=0)
    result = RunResult(
        root=Path("/r"),
        command="health",
        modules=(),
        findings=(),
        health=health,
        files_analyzed=0,
        duration_ms=0,
    )
    document = json.loads(render(result, "json", tool_version="1"))
    assert (None, None, 2) == tuple(document["health"][k] for k in ("score", "grade", "model"))
    assert [] == validate(document, json_schema())
    assert not make_converter().structure(document["health"], ProjectHealth).graded


def test_the_golden_json_documents_validate_against_the_schema() -> None:
    """The reviewed examples are schema-valid too."""
    for path in sorted((Path(__file__).parent / "golden").glob("*[a-z].json")):
        if path.name.endswith((".codeclimate.json", ".badge.json")):
            continue
        assert [] == validate(json.loads(path.read_text(encoding="utf-8")), json_schema()), path


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda d: d.pop("findings"), "$: missing 'findings'"),
        (lambda d: d.update(extra=1), "$: unexpected 'extra'"),
        (lambda d: d.update(schema_version="1.0"), "$.schema_version: expected const '2.1'"),
        (lambda d: d["summary"].update(files_analyzed=-1), "$.summary.files_analyzed: below 0"),
        (lambda d: d["summary"].update(duration_ms=True), "$.summary.duration_ms: not integer"),
        (lambda d: d["findings"][0].update(severity="fatal"), "$.findings[0].severity: not in"),
        (
            lambda d: d["findings"][0]["metadata"].update(k=[1]),
            "$.findings[0].metadata.k: not string/number/boolean",
        ),
        (lambda d: d.update(health="bad"), "$.health: no alternative matched"),
    ],
)
def test_the_schema_validator_rejects_broken_documents(mutate: Any, error: str) -> None:
    """The hand-written validator is not vacuous: each broken document yields an error."""
    finding = Finding(
        rule_id="m:r",
        message="x",
        severity=Severity.INFO,
        location=Location(file="a", start_line=1, end_line=1),
    )
    result = RunResult(
        root=Path("/r"),
        command="c",
        modules=(),
        findings=(finding,),
        health=None,
        files_analyzed=1,
        duration_ms=1,
    )
    document = json.loads(json.dumps(to_document(result, tool_version="1")))
    mutate(document)
    errors = validate(document, json_schema())
    assert any(e.startswith(error) for e in errors), errors


# A validator for the JSON Schema subset schema-v2.json uses (the package's test
# group carries no jsonschema): $ref to $defs, type, const, enum, required,
# properties, additionalProperties, items, minimum, anyOf.
_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}
_KNOWN = {
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minimum",
    "anyOf",
}


def validate(
    value: Any, schema: dict[str, Any], root: dict[str, Any] | None = None, at: str = "$"
) -> list[str]:
    """Error messages (JSON-path prefixed) for `value` against `schema`; empty when valid."""
    root = schema if root is None else root
    assert set(schema) <= _KNOWN, set(schema) - _KNOWN
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return validate(value, root["$defs"][name], root, at)
    if "anyOf" in schema:
        if all(validate(value, option, root, at) for option in schema["anyOf"]):
            return [f"{at}: no alternative matched"]
        return []
    if "const" in schema and value != schema["const"]:
        return [f"{at}: expected const {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{at}: not in {schema['enum']}"]
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        if not any(_TYPES[name](value) for name in names):
            return [f"{at}: not {'/'.join(names)}"]
    errors: list[str] = []
    if "minimum" in schema and value is not None and value < schema["minimum"]:
        errors.append(f"{at}: below {schema['minimum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors += [
            f"{at}: missing {key!r}" for key in schema.get("required", []) if key not in value
        ]
        for key, item in value.items():
            if key in properties:
                errors += validate(item, properties[key], root, f"{at}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{at}: unexpected {key!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += validate(item, schema["additionalProperties"], root, f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += validate(item, schema["items"], root, f"{at}[{index}]")
    return errors


def test_every_output_format_has_exactly_one_renderer() -> None:
    """A new format without a renderer fails here instead of falling through to another one."""
    from chaffra_core.output import RENDERERS, OutputFormat

    assert set(OutputFormat) == set(RENDERERS)
