"""The ``reports`` table of :class:`SqliteStore`: run reports beside the snapshots.

Each row holds one encoded :class:`RunReport` (zlib-compressed JSON), the
audience it was captured under, whether it is demo data, its command, and the
per-file scores apart from the payload, so a trend over the last reports reads a few bytes per file
instead of decoding whole reports. Rows never change once written and ``seq``
is never reused, so decoded values are cached per ``seq`` by the store.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Mapping

import attrs

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._converter import dumps
from chaffra_telemetry._report import (
    RunReport,
    StoredReport,
    decode_report,
    encode_report,
    file_scores,
)
from chaffra_telemetry._store import ReportPoint
from chaffra_telemetry.errors import TelemetrySerializationError

__all__ = [
    "DEFAULT_REPORT_CAPACITY",
    "REPORT_SCHEMA",
    "REPORT_SHAPE",
    "ReportReader",
    "ReportRow",
    "decode_scores",
    "insert_report",
]
_DECODED_REPORTS = 4  # decoded reports kept (the newest are the ones read)

DEFAULT_REPORT_CAPACITY = 20
"""Reports kept by default (the trends' length): a report is thousands of rows (Django's
is 2.2 MB of JSON, about a tenth of that compressed), a snapshot a few dozen values."""
_COMPRESSION = 1  # zlib's fastest level: most of the saving for a fraction of the time

REPORT_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS reports ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " timestamp_ms INTEGER NOT NULL,"
    " audience TEXT NOT NULL,"
    " seeded INTEGER NOT NULL,"
    " command TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " scores TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS reports_by_time ON reports (timestamp_ms, seq)",
)
REPORT_SHAPE = (
    "SELECT seq, timestamp_ms, audience, seeded, command, payload, scores FROM reports LIMIT 0"
)


@attrs.frozen(kw_only=True)
class ReportRow:
    """One stored report's header, without its payload."""

    seq: int
    timestamp_ms: int
    audience: TelemetryAudience
    seeded: bool


def insert_report(
    cursor: sqlite3.Cursor, stored: StoredReport, *, capacity: int, max_age_ms: int | None
) -> None:
    """Insert one report, then apply the retention rules (count, then age)."""
    report = stored.report
    cursor.execute(
        "INSERT INTO reports (timestamp_ms, audience, seeded, command, payload, scores)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            report.timestamp_ms,
            stored.audience.value,
            int(stored.seeded),
            report.command,
            zlib.compress(encode_report(report).encode("utf-8"), _COMPRESSION),
            dumps({"model": report.health.model, "files": file_scores(report)}),
        ),
    )
    excess = cursor.execute("SELECT count(*) FROM reports").fetchone()[0] - capacity
    if excess > 0:
        cursor.execute(
            "DELETE FROM reports WHERE seq IN"
            " (SELECT seq FROM reports ORDER BY timestamp_ms, seq LIMIT ?)",
            (excess,),
        )
    if max_age_ms is not None:
        cursor.execute(
            "DELETE FROM reports WHERE timestamp_ms < (SELECT max(timestamp_ms) FROM reports) - ?",
            (max_age_ms,),
        )


def _row(seq: object, timestamp_ms: object, audience: object, seeded: object) -> ReportRow | None:
    """A header, or ``None`` when another program wrote values of the wrong kind."""
    if type(seq) is not int or type(timestamp_ms) is not int or type(seeded) is not int:
        return None
    try:
        captured = TelemetryAudience(audience)
    except ValueError:
        return None
    return ReportRow(seq=seq, timestamp_ms=timestamp_ms, audience=captured, seeded=bool(seeded))


def _newest_rows(cursor: sqlite3.Cursor, command: str | None) -> list[ReportRow]:
    """Readable headers, newest first (of ``command`` only, when given)."""
    where = "" if command is None else " WHERE command = ?"
    rows = cursor.execute(
        f"SELECT seq, timestamp_ms, audience, seeded FROM reports{where}"
        " ORDER BY timestamp_ms DESC, seq DESC",
        () if command is None else (command,),
    ).fetchall()
    return [row for row in (_row(*values) for values in rows) if row is not None]


def _text(payload: object) -> str:
    """A stored payload as JSON text: zlib-compressed bytes, or text (the column's affinity).

    Raises:
        TelemetrySerializationError: bytes that do not decompress to UTF-8.
    """
    if not isinstance(payload, bytes):
        return str(payload)
    try:
        return zlib.decompress(payload).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as error:
        raise TelemetrySerializationError(f"stored run report is damaged: {error}") from error


def _payload(cursor: sqlite3.Cursor, seq: int) -> object:
    found = cursor.execute("SELECT payload FROM reports WHERE seq = ?", (seq,)).fetchone()
    return None if found is None else found[0]


def _score_rows(cursor: sqlite3.Cursor, limit: int) -> list[tuple[ReportRow, object]]:
    """The newest ``limit`` readable headers with their raw scores, oldest first."""
    rows = cursor.execute(
        "SELECT seq, timestamp_ms, audience, seeded, scores FROM reports"
        " ORDER BY timestamp_ms DESC, seq DESC LIMIT ?",
        (limit,),
    ).fetchall()
    found = []
    for seq, timestamp_ms, audience, seeded, scores in reversed(rows):
        row = _row(seq, timestamp_ms, audience, seeded)
        if row is not None:
            found.append((row, scores))
    return found


def decode_scores(raw: object) -> tuple[int, Mapping[str, float | None]]:
    """The health model and the per-file scores, as stored.

    Rows written before the model was stored hold the bare map: model 0.

    Raises:
        TelemetrySerializationError: not that JSON (numbers or nulls by path).
    """
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except ValueError as error:
        raise TelemetrySerializationError(f"stored report scores are malformed: {error}") from error
    model: object = 0
    if isinstance(value, dict) and isinstance(value.get("files"), dict):
        model, value = value.get("model"), value["files"]
    if (
        type(model) is not int
        or not isinstance(value, dict)
        or not all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
            for v in value.values()
        )
    ):
        raise TelemetrySerializationError("stored report scores are malformed")
    return model, {str(k): None if v is None else float(v) for k, v in value.items()}


class ReportReader:
    """Reads reports through a store's cursor, caching decoded values per ``seq``.

    The caller holds the store's lock. A row that cannot be decoded (bad JSON,
    wrong types, a timestamp that disagrees with its payload) is skipped, never
    fatal, like an unreadable snapshot.
    """

    def __init__(self) -> None:
        self._reports: dict[int, RunReport] = {}
        self._scores: dict[int, tuple[int, Mapping[str, float | None]]] = {}

    def latest(self, cursor: sqlite3.Cursor, command: str | None) -> StoredReport | None:
        """The newest readable report (of ``command`` only, when given)."""
        for row in _newest_rows(cursor, command):
            report = self._decoded(cursor, row)
            if report is not None:
                return StoredReport(report=report, audience=row.audience, seeded=row.seeded)
        return None

    def recent(
        self, cursor: sqlite3.Cursor, limit: int, newer_than_ms: int | None
    ) -> tuple[StoredReport, ...]:
        """The newest ``limit`` readable reports (after ``newer_than_ms``), oldest first."""
        found: list[StoredReport] = []
        for row in _newest_rows(cursor, None):
            if len(found) >= limit or (
                newer_than_ms is not None and row.timestamp_ms <= newer_than_ms
            ):
                break
            report = self._decoded(cursor, row)
            if report is not None:
                found.append(StoredReport(report=report, audience=row.audience, seeded=row.seeded))
        return tuple(reversed(found))

    def _decoded(self, cursor: sqlite3.Cursor, row: ReportRow) -> RunReport | None:
        """The report of ``row`` (cached), or ``None`` when it cannot be decoded."""
        report = self._reports.get(row.seq)
        if report is None:
            try:
                report = decode_report(_text(_payload(cursor, row.seq)))
            except TelemetrySerializationError:
                return None
            if report.timestamp_ms != row.timestamp_ms:
                return None  # its order would be a lie
            while len(self._reports) >= _DECODED_REPORTS:
                del self._reports[min(self._reports)]
            self._reports[row.seq] = report
        return report

    def points(self, cursor: sqlite3.Cursor, limit: int) -> tuple[ReportPoint, ...]:
        """The newest ``limit`` readable reports' scores, oldest first."""
        points = []
        kept: dict[int, tuple[int, Mapping[str, float | None]]] = {}
        for row, raw in _score_rows(cursor, max(0, limit)):
            decoded = self._scores.get(row.seq)
            if decoded is None:
                try:
                    decoded = decode_scores(raw)
                except TelemetrySerializationError:
                    continue
            kept[row.seq] = decoded
            points.append(
                ReportPoint(
                    timestamp_ms=row.timestamp_ms,
                    audience=row.audience,
                    seeded=row.seeded,
                    model=decoded[0],
                    scores=decoded[1],
                )
            )
        self._scores = kept
        return tuple(points)
