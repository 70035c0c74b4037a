"""Finding fingerprints, churn computation, the findings hash and their cattrs hooks."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_telemetry._churn import (
    ChurnResult,
    ChurnState,
    FindingFingerprint,
    compute_churn,
    hash_fingerprints,
    register_churn_hooks,
)
from chaffra_telemetry._converter import dumps, make_converter


def fp(
    rule_id: str = "r", file: str = "a.py", start_line: int = 1, anchor: str = ""
) -> FindingFingerprint:
    return FindingFingerprint(rule_id=rule_id, file=file, start_line=start_line, anchor=anchor)


A = fp("dead-code:unused-function", "pkg/util.py", 14)
B = fp("dead-code:unused-import", "pkg/util.py", 2)
C = fp("security:eval", "main.py", 7)

# Small alphabets so that generated sets overlap and anchors collide.
fingerprints = st.builds(
    FindingFingerprint,
    rule_id=st.sampled_from(["r1", "r2"]),
    file=st.sampled_from(["a.py", "b/c.py"]),
    start_line=st.integers(0, 4),
    anchor=st.sampled_from(["", "x", "y"]),
)
wide_fingerprints = st.builds(
    FindingFingerprint,
    rule_id=st.text(),
    file=st.text(),
    start_line=st.integers(0, 2**32 - 1),
    anchor=st.text(),
)
states = st.builds(
    ChurnState,
    fingerprints=st.frozensets(wide_fingerprints, max_size=5),
    findings_hash=st.integers(0, 2**64 - 1),
    timestamp_ms=st.integers(0, 2**64 - 1),
)


def test_fingerprints_compare_by_value_and_collapse_in_sets() -> None:
    assert {A} == {fp("dead-code:unused-function", "pkg/util.py", 14), A}


def test_fingerprints_order_by_rule_file_line_then_anchor() -> None:
    expected = [
        fp("a", "z", 9),
        fp("b", "a", 9),
        fp("b", "b", 1),
        fp("b", "b", 2, ""),
        fp("b", "b", 2, "x"),
    ]
    assert expected == sorted(expected[i] for i in (3, 0, 4, 2, 1))


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"start_line": True}, TypeError),
        ({"start_line": 1.0}, TypeError),
        ({"start_line": -1}, ValueError),
        ({"start_line": 2**32}, ValueError),
        ({"rule_id": 5}, TypeError),
        ({"file": None}, TypeError),
        ({"anchor": b"x"}, TypeError),
    ],
)
def test_fingerprint_rejects_ill_typed_or_out_of_range_fields(
    fields: dict[str, object], error: type[Exception]
) -> None:
    base: dict[str, object] = {"rule_id": "r", "file": "a.py", "start_line": 1}
    with pytest.raises(error):
        FindingFingerprint(**{**base, **fields})  # type: ignore[arg-type]


def test_fingerprint_accepts_the_extreme_start_lines() -> None:
    assert (0, 2**32 - 1) == (fp(start_line=0).start_line, fp(start_line=2**32 - 1).start_line)


@pytest.mark.parametrize(
    "fields",
    [
        {"fingerprints": {A}},
        {"fingerprints": frozenset({"A"})},
        {"findings_hash": 2**64},
        {"findings_hash": False},
        {"timestamp_ms": -1},
    ],
)
def test_churn_state_rejects_ill_typed_or_out_of_range_fields(fields: dict[str, object]) -> None:
    base: dict[str, object] = {
        "fingerprints": frozenset({A}),
        "findings_hash": 0,
        "timestamp_ms": 0,
    }
    with pytest.raises((TypeError, ValueError)):
        ChurnState(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        ({A, B}, set(), ChurnResult(new=2, resolved=0, unchanged=0, churn_rate=1.0)),
        ({A, B, C}, {A, B, C}, ChurnResult(new=0, resolved=0, unchanged=3, churn_rate=0.0)),
        ({A, C}, {A, B}, ChurnResult(new=1, resolved=1, unchanged=1, churn_rate=0.5)),
        (set(), {A}, ChurnResult(new=0, resolved=1, unchanged=0, churn_rate=0.0)),
        (set(), set(), ChurnResult(new=0, resolved=0, unchanged=0, churn_rate=0.0)),
    ],
)
def test_compute_churn_matches_the_spec_examples(
    current: set[FindingFingerprint], previous: set[FindingFingerprint], expected: ChurnResult
) -> None:
    assert expected == compute_churn(current, previous)


def test_compute_churn_treats_its_inputs_as_sets() -> None:
    assert ChurnResult(new=1, resolved=0, unchanged=1, churn_rate=0.5) == compute_churn(
        [A, A, C], iter([A, A])
    )


def test_a_finding_that_moved_lines_with_the_same_anchor_is_unchanged() -> None:
    before = fp("r", "a.py", 10, anchor="h1")
    after = fp("r", "a.py", 13, anchor="h1")
    assert ChurnResult(new=0, resolved=0, unchanged=1, churn_rate=0.0) == compute_churn(
        {after}, {before}
    )


def test_a_finding_that_moved_lines_without_an_anchor_is_resolved_and_new() -> None:
    assert ChurnResult(new=1, resolved=1, unchanged=0, churn_rate=1.0) == compute_churn(
        {fp(start_line=13)}, {fp(start_line=10)}
    )


def test_anchor_matching_needs_the_same_rule_and_file() -> None:
    previous = {fp("r", "a.py", 10, "h1")}
    current = {fp("other", "a.py", 11, "h1"), fp("r", "b.py", 12, "h1")}
    assert ChurnResult(new=2, resolved=1, unchanged=0, churn_rate=1.0) == compute_churn(
        current, previous
    )


def test_anchor_matching_pairs_each_previous_finding_at_most_once() -> None:
    previous = {fp(start_line=1, anchor="h"), fp(start_line=2, anchor="h")}
    current = {
        fp(start_line=5, anchor="h"),
        fp(start_line=6, anchor="h"),
        fp(start_line=7, anchor="h"),
    }
    assert ChurnResult(new=1, resolved=0, unchanged=2, churn_rate=1 / 3) == compute_churn(
        current, previous
    )


def test_exact_matches_are_taken_before_anchor_matches() -> None:
    """The unmoved twin keeps its exact match; the moved one pairs with the other previous one."""
    previous = {fp(start_line=1, anchor="h"), fp(start_line=2, anchor="h")}
    current = {fp(start_line=1, anchor="h"), fp(start_line=9, anchor="h")}
    assert ChurnResult(new=0, resolved=0, unchanged=2, churn_rate=0.0) == compute_churn(
        current, previous
    )


@given(st.frozensets(fingerprints), st.frozensets(fingerprints))
def test_compute_churn_counts_add_up(
    current: frozenset[FindingFingerprint], previous: frozenset[FindingFingerprint]
) -> None:
    result = compute_churn(current, previous)
    assert len(current) == result.new + result.unchanged
    assert len(previous) == result.resolved + result.unchanged
    assert 0.0 <= result.churn_rate <= 1.0
    assert min(result.new, result.resolved, result.unchanged) >= 0


@given(st.frozensets(fingerprints), st.frozensets(fingerprints))
def test_compute_churn_without_anchors_is_the_set_difference_of_the_spec(
    current: frozenset[FindingFingerprint], previous: frozenset[FindingFingerprint]
) -> None:
    current = frozenset(f for f in current if not f.anchor)
    previous = frozenset(f for f in previous if not f.anchor)
    result = compute_churn(current, previous)
    expected = (len(current - previous), len(previous - current), len(current & previous))
    assert expected == (result.new, result.resolved, result.unchanged)


def test_hash_of_a_known_set_is_pinned() -> None:
    """The canonical encoding is part of the state file format; changing it re-emits once."""
    assert 0x95408957AD304F9E == hash_fingerprints({A, B, C})


def test_hash_of_equal_sets_is_equal_and_of_different_sets_differs() -> None:
    assert hash_fingerprints([A, B]) == hash_fingerprints({B, A, A})
    assert hash_fingerprints([A, B]) != hash_fingerprints([A, C])
    assert hash_fingerprints([A]) != hash_fingerprints([fp(A.rule_id, A.file, A.start_line, "h")])


def test_hash_is_an_unsigned_64_bit_integer() -> None:
    assert all(0 <= hash_fingerprints(s) < 2**64 for s in ([], [A], [A, B, C]))


@given(st.lists(wide_fingerprints, max_size=8), st.randoms(use_true_random=False))
def test_hash_does_not_depend_on_order_or_duplicates(
    items: list[FindingFingerprint], rng: random.Random
) -> None:
    shuffled = items + items
    rng.shuffle(shuffled)
    assert hash_fingerprints(items) == hash_fingerprints(shuffled)


def test_hash_is_equal_across_processes_with_different_hash_seeds() -> None:
    code = (
        "from chaffra_telemetry._churn import FindingFingerprint as F, hash_fingerprints\n"
        "fps = [F(rule_id=r, file=f, start_line=n, anchor=a) for r, f, n, a in "
        "[('dead-code:unused-function', 'pkg/util.py', 14, ''), "
        "('dead-code:unused-import', 'pkg/util.py', 2, ''), ('security:eval', 'main.py', 7, '')]]\n"
        "print(hash_fingerprints(fps))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        for seed in ("1", "4242")
    }
    assert {str(hash_fingerprints({A, B, C}))} == outputs


def _converter() -> cattrs.Converter:
    return register_churn_hooks(make_converter())


@given(wide_fingerprints)
def test_fingerprints_round_trip_through_the_converter(fingerprint: FindingFingerprint) -> None:
    converter = _converter()
    assert fingerprint == converter.structure(
        converter.unstructure(fingerprint), FindingFingerprint
    )


@given(states)
def test_churn_states_round_trip_through_json(state: ChurnState) -> None:
    converter = _converter()
    text = dumps(converter.unstructure(state))
    assert state == converter.structure(json.loads(text), ChurnState)


def test_churn_state_unstructures_to_sorted_fingerprint_rows() -> None:
    state = ChurnState(fingerprints=frozenset({C, A, B}), findings_hash=7, timestamp_ms=8)
    assert {
        "fingerprints": [
            {"rule_id": A.rule_id, "file": A.file, "start_line": 14, "anchor": ""},
            {"rule_id": B.rule_id, "file": B.file, "start_line": 2, "anchor": ""},
            {"rule_id": C.rule_id, "file": C.file, "start_line": 7, "anchor": ""},
        ],
        "findings_hash": 7,
        "timestamp_ms": 8,
    } == _converter().unstructure(state)


def test_structuring_does_not_coerce_values() -> None:
    with pytest.raises(cattrs.ClassValidationError):
        _converter().structure(
            {"rule_id": "r", "file": "a.py", "start_line": "14"}, FindingFingerprint
        )


def test_structuring_ignores_unknown_keys_and_defaults_the_anchor() -> None:
    raw = {"rule_id": "r", "file": "a.py", "start_line": 1, "column": 3}
    assert fp() == _converter().structure(raw, FindingFingerprint)


def test_structuring_rejects_fingerprints_that_are_not_an_array() -> None:
    raw = {"fingerprints": {}, "findings_hash": 1, "timestamp_ms": 1}
    with pytest.raises(cattrs.ClassValidationError):
        _converter().structure(raw, ChurnState)
