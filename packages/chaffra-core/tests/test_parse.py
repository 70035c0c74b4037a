"""Parse once: decoding, parse failures as findings, the parse cache and the result cache."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from chaffra_core._source import SourceFile, content_hash
from hypothesis import given
from hypothesis import strategies as st

from chaffra_core._converter import make_cache_converter, make_converter
from chaffra_core._findings import (
    Action,
    AnalysisResult,
    Finding,
    Location,
    ModuleMetrics,
    Severity,
    TextEdit,
)
from chaffra_core._parse import (
    ENCODING_ERROR,
    READ_ERROR,
    SYNTAX_ERROR,
    ParseCache,
    ResultCache,
    ResultKey,
    config_fingerprint,
    load_source,
    parse_findings,
    source_from_bytes,
)
from chaffra_telemetry import ParseCacheMetrics


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


def test_a_utf8_file_is_parsed_once_with_its_digest_and_relative_path(tmp_path: Path) -> None:
    data = "def f():\n    return 'é'\n".encode()
    path = _write(tmp_path, "pkg/a.py", data)

    source = load_source(path, tmp_path)

    assert ("pkg/a.py", path, content_hash(data)) == (source.path, source.absolute, source.digest)
    assert isinstance(source.tree, ast.Module)
    assert "def f():\n    return 'é'\n" == source.text
    assert [] == parse_findings(source)


def test_a_latin1_file_with_a_coding_cookie_decodes(tmp_path: Path) -> None:
    data = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")

    source = load_source(_write(tmp_path, "a.py", data), tmp_path)

    assert None is source.parse_error
    assert "name = 'café'" in source.text


def test_a_bom_is_honoured_and_not_part_of_the_text(tmp_path: Path) -> None:
    source = load_source(_write(tmp_path, "a.py", b"\xef\xbb\xbfx = 1\n"), tmp_path)

    assert ("x = 1\n", None) == (source.text, source.parse_error)


def test_non_utf8_without_a_cookie_is_an_encoding_error_finding_at_the_bad_byte(
    tmp_path: Path,
) -> None:
    data = b"x = 1\ny = 2\nname = 'caf\xe9'\n"

    source = load_source(_write(tmp_path, "a.py", data), tmp_path)
    [finding] = parse_findings(source)

    assert None is source.tree
    assert "name = 'caf\ufffd'" in source.text  # line scanners still read it
    assert (ENCODING_ERROR, Severity.ERROR) == (finding.rule_id, finding.severity)
    assert Location(file="a.py", start_line=3, end_line=3, start_column=11, end_column=11) == (
        finding.location
    )
    assert "`a.py` cannot be decoded: invalid utf-8 byte(s) e9" == finding.message


def test_invalid_utf8_on_the_first_line_is_located_too(tmp_path: Path) -> None:
    source = load_source(_write(tmp_path, "a.py", b"x = '\xff'\n"), tmp_path)

    [finding] = parse_findings(source)

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
def test_a_cookie_that_cannot_be_used_is_an_encoding_error(
    tmp_path: Path, data: bytes, detail: str
) -> None:
    source = load_source(_write(tmp_path, "a.py", data), tmp_path)

    [finding] = parse_findings(source)

    assert ENCODING_ERROR == finding.rule_id
    assert detail in finding.message


def test_a_syntax_error_is_a_finding_at_its_line_and_column(tmp_path: Path) -> None:
    source = load_source(_write(tmp_path, "a.py", b"x = 1\ndef f(:\n    pass\n"), tmp_path)

    [finding] = parse_findings(source)

    assert None is source.tree
    assert "x = 1\ndef f(:\n    pass\n" == source.text
    assert (SYNTAX_ERROR, Severity.ERROR, 2, 6) == (
        finding.rule_id,
        finding.severity,
        finding.location.start_line,
        finding.location.start_column,
    )
    assert finding.message.startswith("`a.py` has a syntax error: ")
    assert finding.anchor


def test_a_syntax_error_past_the_last_line_is_reported_on_the_last_line() -> None:
    source = source_from_bytes(b"x = (\n", path="a.py", absolute=Path("/p/a.py"))

    [finding] = parse_findings(source)

    assert 1 == finding.location.start_line


def test_warnings_of_the_analysed_code_never_become_errors() -> None:
    """Pytest turns warnings into errors here; an invalid escape must still parse."""
    source = source_from_bytes(b'x = "\\d"\n', path="a.py", absolute=Path("/p/a.py"))

    assert None is source.parse_error


def test_source_too_deeply_nested_for_the_parser_is_a_syntax_error() -> None:
    source = source_from_bytes(b"-" * 200_000 + b"1\n", path="a.py", absolute=Path("/p/a.py"))

    [finding] = parse_findings(source)

    assert SYNTAX_ERROR == finding.rule_id


def test_an_unreadable_file_is_a_read_error_finding(tmp_path: Path) -> None:
    (tmp_path / "dir.py").mkdir()

    source = load_source(tmp_path / "dir.py", tmp_path)
    [finding] = parse_findings(source)

    assert (READ_ERROR, "", None) == (finding.rule_id, source.text, source.tree)


def test_a_parse_error_in_an_unknown_format_is_reported_as_a_syntax_error() -> None:
    source = SourceFile(
        path="a.py", absolute=Path("/p/a.py"), text="", digest="d", tree=None, parse_error="odd"
    )

    [finding] = parse_findings(source)

    assert (SYNTAX_ERROR, "`a.py` has a syntax error: odd", 1) == (
        finding.rule_id,
        finding.message,
        finding.location.start_line,
    )


def test_a_path_outside_the_root_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "a/x.py", b"")

    with pytest.raises(ValueError, match="is not inside the root"):
        load_source(path, tmp_path / "b")
    with pytest.raises(ValueError, match="is not inside the root"):
        ParseCache().load(path, tmp_path / "b")


def test_the_parse_cache_shares_one_tree_between_identical_contents(tmp_path: Path) -> None:
    metrics = ParseCacheMetrics()
    cache = ParseCache(metrics=metrics)
    first = cache.load(_write(tmp_path, "a.py", b"x = 1\n"), tmp_path)
    second = cache.load(_write(tmp_path, "b.py", b"x = 1\n"), tmp_path)

    assert ("a.py", "b.py") == (first.path, second.path)
    assert first.tree is second.tree
    assert (1, 1, 0, 6) == (metrics.hits, metrics.misses, metrics.evictions, metrics.size_bytes)
    assert metrics is cache.metrics


def test_the_parse_cache_evicts_the_least_recently_used_content() -> None:
    cache = ParseCache(max_entries=2)
    for data in (b"a = 1\n", b"b = 2\n", b"a = 1\n", b"c = 3\n", b"a = 1\n"):
        cache.from_bytes(data, path="m.py", absolute=Path("/p/m.py"))

    assert (2, 2, 3, 1) == (
        len(cache),
        cache.metrics.hits,
        cache.metrics.misses,
        cache.metrics.evictions,
    )
    assert 12 == cache.metrics.size_bytes


def test_the_parse_cache_does_not_cache_unreadable_files(tmp_path: Path) -> None:
    cache = ParseCache()

    source = cache.load(tmp_path / "missing.py", tmp_path)

    assert (0, "read error: No such file or directory") == (len(cache), source.parse_error)


def test_the_parse_cache_needs_room_for_one_entry() -> None:
    with pytest.raises(ValueError, match="max_entries must be at least 1, got 0"):
        ParseCache(max_entries=0)


def test_a_config_fingerprint_ignores_key_order() -> None:
    assert config_fingerprint({"a": 1, "b": [1, 2]}) == config_fingerprint({"b": [1, 2], "a": 1})
    assert config_fingerprint({"a": 1}) != config_fingerprint({"a": 2})


_KEY = ResultKey(module_id="complexity", module_version="0.1.0", config_fingerprint="cfg")
_RESULT = AnalysisResult(
    findings=(_finding(),),
    metrics=ModuleMetrics(files_analyzed=1, counters={"functions": 3}, summary={"score": 91.5}),
)


def _snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes() if path.is_file() else None
        for path in sorted(root.rglob("*"))
    }


def test_results_round_trip_through_the_disk_cache_with_their_anchors(tmp_path: Path) -> None:
    writer = ResultCache(tmp_path, write=True)
    writer.put(_KEY, "pkg/a.py", "d1", _RESULT)

    assert 1 == writer.flush()
    assert 0 == writer.flush()  # nothing changed since
    reader = ResultCache(tmp_path, write=True)
    cached = reader.get(_KEY, "pkg/a.py", "d1")

    assert _RESULT == cached
    assert "f#1" == cached.findings[0].anchor
    assert (1, 0) == (reader.metrics.hits, reader.metrics.misses)
    assert "*\n" == (tmp_path / ".chaffra" / ".gitignore").read_text()
    assert [_KEY.shard_name()] == [path.name for path in reader.directory.iterdir()]


def test_a_changed_file_or_another_module_config_is_a_miss(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, write=True)
    cache.put(_KEY, "pkg/a.py", "d1", _RESULT)
    other = ResultKey(module_id="complexity", module_version="0.1.0", config_fingerprint="x")

    assert None is cache.get(_KEY, "pkg/a.py", "d2")
    assert None is cache.get(other, "pkg/a.py", "d1")
    assert None is cache.get(_KEY, "pkg/b.py", "d1")
    cache.put(_KEY, "pkg/a.py", "d2", _RESULT)

    assert _RESULT == cache.get(_KEY, "pkg/a.py", "d2")
    assert (1, 3, 1) == (cache.metrics.hits, cache.metrics.misses, cache.metrics.evictions)


def test_module_ids_are_made_safe_for_file_names() -> None:
    key = ResultKey(module_id="ext/odd id", module_version="1", config_fingerprint="c")

    assert key.shard_name().startswith("ext_odd_id-")


@pytest.mark.parametrize(
    "shard",
    [
        b"{not json",
        b"[]",
        b'{"format": 999, "key": {}, "entries": {}}',
    ],
)
def test_an_unusable_shard_is_ignored_and_rewritten(tmp_path: Path, shard: bytes) -> None:
    path = ResultCache(tmp_path, write=True).directory / _KEY.shard_name()
    _write(path.parent, path.name, shard)
    cache = ResultCache(tmp_path, write=True)

    assert None is cache.get(_KEY, "pkg/a.py", "d1")
    assert 1 == cache.flush()
    assert {} == json.loads(path.read_bytes())["entries"]


def test_an_unreadable_shard_is_a_miss(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, write=True)
    (cache.directory / _KEY.shard_name()).mkdir(parents=True)

    assert None is cache.get(_KEY, "pkg/a.py", "d1")
    assert 0 == cache.flush()  # cannot replace a directory: swallowed


def test_corrupt_entries_are_dropped_and_the_others_kept(tmp_path: Path) -> None:
    writer = ResultCache(tmp_path, write=True)
    writer.put(_KEY, "good.py", "d1", _RESULT)
    writer.put(_KEY, "changed.py", "old", _RESULT)
    writer.flush()
    path = writer.directory / _KEY.shard_name()
    document = json.loads(path.read_bytes())
    document["entries"]["bad.py"] = {"digest": "d1", "result": {"findings": "nope"}}
    document["entries"]["junk.py"] = ["not", "an", "entry"]
    path.write_text(json.dumps(document))
    cache = ResultCache(tmp_path, write=True)

    assert None is cache.get(_KEY, "bad.py", "d1")
    assert None is cache.get(_KEY, "junk.py", "d1")
    assert None is cache.get(_KEY, "changed.py", "new")
    assert 1 == cache.flush()
    assert ["changed.py", "good.py"] == sorted(json.loads(path.read_bytes())["entries"])


def test_flush_can_drop_entries_of_files_that_are_gone(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, write=True)
    cache.put(_KEY, "a.py", "d1", _RESULT)
    cache.put(_KEY, "gone.py", "d1", _RESULT)
    cache.flush()

    assert 1 == cache.flush(keep={"a.py"})
    assert 0 == cache.flush(keep={"a.py"})
    assert None is ResultCache(tmp_path, write=False).get(_KEY, "gone.py", "d1")


def test_write_false_leaves_the_project_directory_byte_for_byte_unchanged(
    tmp_path: Path,
) -> None:
    ResultCache(tmp_path, write=True).put(_KEY, "seed.py", "d0", _RESULT)  # never flushed
    _write(tmp_path, "a.py", b"x = 1\n")
    before = _snapshot(tmp_path)
    cache = ResultCache(tmp_path, write=False)

    assert None is cache.get(_KEY, "a.py", "d1")
    cache.put(_KEY, "a.py", "d1", _RESULT)

    assert _RESULT == cache.get(_KEY, "a.py", "d1")  # still served from memory
    assert 0 == cache.flush(keep=set())
    assert before == _snapshot(tmp_path)


def test_write_false_still_reads_an_existing_cache(tmp_path: Path) -> None:
    writer = ResultCache(tmp_path, write=True)
    writer.put(_KEY, "a.py", "d1", _RESULT)
    writer.flush()

    assert _RESULT == ResultCache(tmp_path, write=False).get(_KEY, "a.py", "d1")


def test_a_cache_write_failure_does_not_fail_the_run(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").write_text("a file where the directory should be")
    cache = ResultCache(tmp_path, write=True)
    cache.put(_KEY, "a.py", "d1", _RESULT)

    assert 0 == cache.flush()


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
