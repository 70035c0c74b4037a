"""Finding fingerprints, churn between two runs and the order-independent findings hash.

The persisted form (state file, locking) lives in :mod:`chaffra_telemetry._churn_state`;
this module holds the value types, their cattrs hooks and the pure computations.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:  # cattrs is imported by the hooks only: recording never needs it
    import cattrs

__all__ = [
    "MAX_FINDINGS_HASH",
    "MAX_START_LINE",
    "MAX_TIMESTAMP_MS",
    "ChurnResult",
    "ChurnState",
    "FindingFingerprint",
    "compute_churn",
    "hash_fingerprints",
    "register_churn_hooks",
]

MAX_START_LINE = 2**32 - 1
MAX_FINDINGS_HASH = 2**64 - 1
MAX_TIMESTAMP_MS = 2**64 - 1


def _strict_int(low: int, high: int) -> Any:
    """An attrs validator: an ``int`` (``bool`` rejected) within ``low..high``."""

    def check(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
        if type(value) is not int:
            raise TypeError(f"{attribute.name} must be an integer, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{attribute.name} must be in {low}..{high}, got {value}")

    return check


_is_str = attrs.validators.instance_of(str)


@attrs.frozen(kw_only=True, order=True)
class FindingFingerprint:
    """Identity of one finding across runs.

    ``file`` is relative to the project root with ``/`` separators; ``start_line``
    is 1-based (0 allowed for file-level findings). ``anchor`` is an optional
    content anchor supplied by the producer (a hash of the normalized source line
    or of the enclosing symbol); it lets a finding that moved lines still match.
    Instances order by ``(rule_id, file, start_line, anchor)``.
    """

    rule_id: str = attrs.field(validator=_is_str)
    file: str = attrs.field(validator=_is_str)
    start_line: int = attrs.field(validator=_strict_int(0, MAX_START_LINE))
    anchor: str = attrs.field(default="", validator=_is_str)


@attrs.frozen(kw_only=True)
class ChurnResult:
    """Counts of findings that appeared, disappeared or stayed since the previous run."""

    new: int
    resolved: int
    unchanged: int
    churn_rate: float


@attrs.frozen(kw_only=True)
class ChurnState:
    """What one scope of the state file remembers about the previous run."""

    fingerprints: frozenset[FindingFingerprint] = attrs.field(
        validator=attrs.validators.deep_iterable(
            attrs.validators.instance_of(FindingFingerprint),
            attrs.validators.instance_of(frozenset),
        )
    )
    findings_hash: int = attrs.field(validator=_strict_int(0, MAX_FINDINGS_HASH))
    timestamp_ms: int = attrs.field(validator=_strict_int(0, MAX_TIMESTAMP_MS))


def compute_churn(
    current: Iterable[FindingFingerprint], previous: Iterable[FindingFingerprint]
) -> ChurnResult:
    """Compare this run's fingerprints with the previous run's (both used as sets).

    A current and a previous fingerprint are the same finding when they are
    equal, or else when they share ``(rule_id, file, anchor)`` with a non-empty
    anchor (the finding moved lines). ``churn_rate`` is ``new / (new + unchanged)``,
    or 0.0 when there is no current finding.
    """
    current_set = frozenset(current)
    previous_set = frozenset(previous)
    exact = current_set & previous_set
    current_anchors = _anchor_keys(current_set - exact)
    previous_anchors = _anchor_keys(previous_set - exact)
    moved = sum((current_anchors & previous_anchors).values())
    unchanged = len(exact) + moved
    new = len(current_set) - unchanged
    resolved = len(previous_set) - unchanged
    seen = new + unchanged
    return ChurnResult(
        new=new,
        resolved=resolved,
        unchanged=unchanged,
        churn_rate=new / seen if seen else 0.0,
    )


def _anchor_keys(fingerprints: Iterable[FindingFingerprint]) -> Counter[tuple[str, str, str]]:
    return Counter((fp.rule_id, fp.file, fp.anchor) for fp in fingerprints if fp.anchor)


def hash_fingerprints(fingerprints: Iterable[FindingFingerprint]) -> int:
    """A 64-bit unsigned hash of the fingerprint set, independent of order and of the process.

    The first 8 bytes (big-endian) of SHA-256 over the JSON of the sorted
    ``[rule_id, file, start_line, anchor]`` rows. Never the built-in ``hash()``,
    which is randomized per process.
    """
    rows = sorted({(fp.rule_id, fp.file, fp.start_line, fp.anchor) for fp in fingerprints})
    canonical = json.dumps(rows, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big")


def _as_is(value: object, _type: object) -> object:
    # Hand the raw JSON value to the attrs validators: cattrs' default int/str
    # hooks would coerce ``true`` to 1 and ``14`` to "14".
    return value


def register_churn_hooks(converter: cattrs.Converter) -> cattrs.Converter:
    """Register the churn wire format on ``converter`` and return it.

    Structuring is strict (no coercion; ``bool`` is not an ``int``) and ignores
    unknown keys (§9.4). ``ChurnState.fingerprints`` is a JSON array, written
    sorted for stable diffs.
    """
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    from chaffra_telemetry._converter import exactly

    def structure_fingerprints(value: object, _type: object) -> frozenset[FindingFingerprint]:
        if not isinstance(value, list):
            raise TypeError(f"fingerprints must be an array, got {type(value).__name__}")
        return frozenset(converter.structure(value, list[FindingFingerprint]))

    def unstructure_fingerprints(value: frozenset[FindingFingerprint]) -> list[Any]:
        return [converter.unstructure(fp, FindingFingerprint) for fp in sorted(value, key=_order)]

    converter.register_structure_hook_factory(
        exactly(FindingFingerprint),
        lambda cls: make_dict_structure_fn(
            cls,
            converter,
            _cattrs_forbid_extra_keys=False,
            rule_id=override(struct_hook=_as_is),
            file=override(struct_hook=_as_is),
            start_line=override(struct_hook=_as_is),
            anchor=override(struct_hook=_as_is),
        ),
    )
    converter.register_structure_hook_factory(
        exactly(ChurnState),
        lambda cls: make_dict_structure_fn(
            cls,
            converter,
            _cattrs_forbid_extra_keys=False,
            fingerprints=override(struct_hook=structure_fingerprints),
            findings_hash=override(struct_hook=_as_is),
            timestamp_ms=override(struct_hook=_as_is),
        ),
    )
    converter.register_unstructure_hook_factory(
        exactly(ChurnState),
        lambda cls: make_dict_unstructure_fn(
            cls, converter, fingerprints=override(unstruct_hook=unstructure_fingerprints)
        ),
    )
    return converter


def _order(fingerprint: FindingFingerprint) -> tuple[str, str, int, str]:
    """The documented order, as a plain tuple (much cheaper than attrs' generated ``<``)."""
    return (fingerprint.rule_id, fingerprint.file, fingerprint.start_line, fingerprint.anchor)
