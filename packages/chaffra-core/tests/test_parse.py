"""Parse once: decoding, parse failures as findings, and the cache converter."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_core import Analyzers, FileSummary, content_hash
from chaffra_core._analysis import FileJob, analyse_file
from chaffra_core._converter import make_cache_converter, make_converter
from chaffra_core._findings import Action, Finding, Location, Severity, TextEdit
from chaffra_core._parse import (
    ENCODING_ERROR,
    READ_ERROR,
    SYNTAX_ERROR,
    Parsed,
    config_fingerprint,
    parse_python,
    problem_finding,
)


def _write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _finding(path: str = "pkg/a.py", anchor: str = "f#1") -> Finding:
    return Finding(
        rule_id="complexity:high-cyclomatic",
        message="function `f` has cyclomatic complexity 21",
        severity=Severity.WARNING,
        location=Location(file=path, start_line=3, end_line=9, start_column=4),
        confidence=0.75,
        actions=(
            Action(
                description="split it",
                edits=(TextEdit(file=path, start_line=3, end_line=3, new_text=""),),
            ),
        ),
        metadata={"symbol": "f", "complexity": "21"},
        anchor=anchor,
    )


def _problems(parsed: Parsed, path: str = "a.py") -> list[Finding]:
    return [] if parsed.error is None else [problem_finding(path, parsed.text, parsed.error)]


def _load(root: Path, rel: str) -> FileSummary:
    summary = analyse_file(FileJob(path=rel, absolute=root / rel), Analyzers(by_module={}))
    assert isinstance(summary, FileSummary)
    return summary


def test_a_utf8_file_is_analysed_once_with_its_digest_and_relative_path(tmp_path: Path) -> None:
    data = "def f():\n    return 'é'\n".encode()
    _write(tmp_path, "pkg/a.py", data)

    summary = _load(tmp_path, "pkg/a.py")
    parsed = parse_python(data)

    assert ("pkg/a.py", content_hash(data), len(data)) == (
        summary.path,
        summary.digest,
        summary.size,
    )
    assert (None, True) == (summary.problem, summary.measured)
    assert isinstance(parsed.tree, ast.Module)
    assert "def f():\n    return 'é'\n" == parsed.text
    assert [] == _problems(parsed)


def test_a_latin1_file_with_a_coding_cookie_decodes() -> None:
    parsed = parse_python("# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1"))

    assert None is parsed.error
    assert "name = 'café'" in parsed.text


def test_a_bom_is_honoured_and_not_part_of_the_text() -> None:
    parsed = parse_python(b"\xef\xbb\xbfx = 1\n")

    assert ("x = 1\n", None) == (parsed.text, parsed.error)


def test_non_utf8_without_a_cookie_is_an_encoding_error_finding_at_the_bad_byte(
    tmp_path: Path,
) -> None:
    data = b"x = 1\ny = 2\nname = 'caf\xe9'\n"
    parsed = parse_python(data)

    [finding] = _problems(parsed)

    assert None is parsed.tree
    assert "name = 'caf\ufffd'" in parsed.text  # line scanners still read it
    assert (ENCODING_ERROR, Severity.ERROR) == (finding.rule_id, finding.severity)
    assert Location(file="a.py", start_line=3, end_line=3, start_column=11, end_column=11) == (
        finding.location
    )
    assert "`a.py` cannot be decoded: invalid utf-8 byte(s) e9" == finding.message
    _write(tmp_path, "a.py", data)
    summary = _load(tmp_path, "a.py")
    assert (finding, False) == (summary.problem, summary.measured)


def test_invalid_utf8_on_the_first_line_is_located_too() -> None:
    [finding] = _problems(parse_python(b"x = '\xff'\n"))

    assert (ENCODING_ERROR, 1, 5) == (
        finding.rule_id,
        finding.location.start_line,
        finding.location.start_column,
    )


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"# coding: no-such-codec\nx = 1\n", "unknown encoding"),
        (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "encoding problem"),
        (b"# coding: rot13\nx = 1\n", "is not a text encoding"),
    ],
)
def test_a_cookie_that_cannot_be_used_is_an_encoding_error(data: bytes, detail: str) -> None:
    [finding] = _problems(parse_python(data))

    assert ENCODING_ERROR == finding.rule_id
    assert detail in finding.message


def test_a_syntax_error_is_a_finding_at_its_line_and_column() -> None:
    parsed = parse_python(b"x = 1\ndef f(:\n    pass\n")

    [finding] = _problems(parsed)

    assert None is parsed.tree
    assert "x = 1\ndef f(:\n    pass\n" == parsed.text
    assert (SYNTAX_ERROR, Severity.ERROR, 2, 6) == (
        finding.rule_id,
        finding.severity,
        finding.location.start_line,
        finding.location.start_column,
    )
    assert finding.message.startswith("`a.py` has a syntax error: ")
    assert finding.anchor


def test_a_syntax_error_past_the_last_line_is_reported_on_the_last_line() -> None:
    [finding] = _problems(parse_python(b"x = (\n"))

    assert 1 == finding.location.start_line


def test_warnings_of_the_analysed_code_never_become_errors() -> None:
    """Pytest turns warnings into errors here; an invalid escape must still parse."""
    assert None is parse_python(b'x = "\\d"\n').error


def test_source_too_deeply_nested_for_the_parser_is_a_syntax_error() -> None:
    [finding] = _problems(parse_python(b"-" * 200_000 + b"1\n"))

    assert SYNTAX_ERROR == finding.rule_id


def test_a_file_that_cannot_be_opened_is_a_read_error_finding(tmp_path: Path) -> None:
    summary = _load(tmp_path, "missing.py")

    assert summary.problem is not None
    assert (READ_ERROR, content_hash(b""), 0, False) == (
        summary.problem.rule_id,
        summary.digest,
        summary.size,
        summary.measured,
    )
    assert "`missing.py` cannot be read: No such file or directory" == summary.problem.message


def test_a_parse_error_in_an_unknown_format_is_reported_as_a_syntax_error() -> None:
    finding = problem_finding("a.py", "", "odd")

    assert (SYNTAX_ERROR, "`a.py` has a syntax error: odd", 1) == (
        finding.rule_id,
        finding.message,
        finding.location.start_line,
    )


def test_a_problem_line_past_the_text_is_clamped_to_its_last_line() -> None:
    finding = problem_finding("a.py", "x = 1\ny = 2\n", "syntax error: bad (line 9, column 3)")

    assert (2, 3) == (finding.location.start_line, finding.location.start_column)


def test_a_config_fingerprint_ignores_key_order() -> None:
    assert config_fingerprint({"a": 1, "b": [1, 2]}) == config_fingerprint({"b": [1, 2], "a": 1})
    assert config_fingerprint({"a": 1}) != config_fingerprint({"a": 2})


def test_the_wire_converter_omits_the_anchor_and_the_cache_converter_keeps_it() -> None:
    finding = _finding()

    wire = make_converter().unstructure(finding)
    cached = make_cache_converter().unstructure(finding)

    assert "anchor" not in wire
    assert {**wire, "anchor": "f#1"} == cached
    assert "" == make_converter().structure(wire, Finding).anchor
    assert {"complexity": "21", "symbol": "f"} == wire["metadata"]
    assert list(wire["metadata"]) == sorted(wire["metadata"])


@pytest.mark.parametrize("severity", ["warn", 2])
def test_a_severity_off_the_wire_must_be_an_exact_spelling(severity: object) -> None:
    wire = make_converter().unstructure(_finding())

    with pytest.raises(Exception, match="Finding"):
        make_converter().structure({**wire, "severity": severity}, Finding)


_TEXT = st.text(max_size=20)
_FINDINGS = st.builds(
    Finding,
    rule_id=_TEXT,
    message=_TEXT,
    severity=st.sampled_from(Severity),
    location=st.builds(
        Location,
        file=_TEXT,
        start_line=st.integers(1, 10_000),
        end_line=st.integers(1, 10_000),
        start_column=st.integers(0, 500),
        end_column=st.integers(0, 500),
    ),
    confidence=st.floats(0, 1),
    actions=st.lists(st.builds(Action, description=_TEXT, auto_fixable=st.booleans())).map(tuple),
    metadata=st.dictionaries(_TEXT, _TEXT, max_size=3),
    anchor=_TEXT,
)


@given(finding=_FINDINGS)
def test_findings_round_trip_through_the_cache_converter(finding: Finding) -> None:
    converter = make_cache_converter()

    restored = converter.structure(json.loads(json.dumps(converter.unstructure(finding))), Finding)

    assert finding == restored
    assert finding.anchor == restored.anchor
