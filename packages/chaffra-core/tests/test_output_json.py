"""The JSON format's document, its schema file and the output converter."""

from __future__ import annotations

import json
from pathlib import Path

import cattrs
import pytest

from chaffra_core import Finding, Location, RunResult, Severity
from chaffra_core._converter import make_converter
from chaffra_core.output import JSON_SCHEMA_VERSION, json_schema, render, to_document

FINDING = Finding(
    rule_id="m:r",
    message="x",
    severity=Severity.WARNING,
    location=Location(file="a.py", start_line=1, end_line=2),
    metadata={"b": "2", "a": "1"},
    anchor="secret-anchor",
)


def _result() -> RunResult:
    return RunResult(
        root=Path("/home/me/project"),
        command="analyze",
        modules=("m",),
        findings=(FINDING,),
        health=None,
        files_analyzed=3,
        duration_ms=7,
        module_errors=(("x", "boom"),),
    )


def test_the_document_carries_version_tool_summary_and_no_absolute_root() -> None:
    """The envelope fields of schema 2.1."""
    document = json.loads(render(_result(), "json", tool_version="9.9.9"))
    assert "2.1" == document["schema_version"] == JSON_SCHEMA_VERSION
    assert {"name": "chaffra", "version": "9.9.9"} == document["tool"]
    assert "." == document["root"]
    assert {
        "files_analyzed": 3,
        "duration_ms": 7,
        "findings": {"error": 0, "warning": 1, "info": 0, "total": 1},
    } == document["summary"]
    assert [{"module": "x", "message": "boom"}] == document["module_errors"]


def test_findings_use_the_wire_shape_without_the_internal_anchor() -> None:
    """spec §7.3 field names; metadata keys sorted; anchor never written."""
    (finding,) = to_document(_result(), tool_version="1")["findings"]
    assert {
        "rule_id": "m:r",
        "message": "x",
        "severity": "warning",
        "location": {
            "file": "a.py",
            "start_line": 1,
            "end_line": 2,
            "start_column": 0,
            "end_column": 0,
        },
        "confidence": 1.0,
        "actions": [],
        "metadata": {"a": "1", "b": "2"},
    } == finding
    assert ["a", "b"] == list(finding["metadata"])


def test_json_is_pretty_printed_with_two_spaces() -> None:
    """All JSON formats share the indentation."""
    assert render(_result(), "json", tool_version="1").startswith('{\n  "schema_version": "2.1",\n')


def test_the_schema_ships_as_package_data_and_pins_the_version() -> None:
    """json_schema() reads the file installed with the package."""
    schema = json_schema()
    assert "https://json-schema.org/draft/2020-12/schema" == schema["$schema"]
    assert {"const": JSON_SCHEMA_VERSION} == schema["properties"]["schema_version"]
    assert set(schema["required"]) == set(to_document(_result(), tool_version="1"))


def test_the_converter_rejects_unknown_keys_and_booleans_as_numbers() -> None:
    """Reading findings back is strict, as spec §7.3 requires."""
    converter = make_converter()
    raw = converter.unstructure(FINDING)
    with pytest.raises(cattrs.BaseValidationError):
        converter.structure({**raw, "extra": 1}, Finding)
    with pytest.raises(cattrs.BaseValidationError):
        converter.structure({**raw, "confidence": True}, Finding)
    with pytest.raises(cattrs.BaseValidationError):
        converter.structure({**raw, "confidence": "high"}, Finding)
    assert 0.5 == converter.structure({**raw, "confidence": 0.5}, Finding).confidence
