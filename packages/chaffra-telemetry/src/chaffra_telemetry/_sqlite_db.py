"""The SQLite file under :class:`~chaffra_telemetry.store.SqliteStore`: schema and transactions.

Opening checks the schema before WAL mode is set, so a file that turns out not
to be a store is left byte for byte as it was. Every transaction is explicit
(``BEGIN``/``COMMIT`` on an autocommit connection); a write transaction also
bumps the ``generation`` counter in ``meta`` that change tokens and decode
caches key on. Every SQLite error leaves as a ``TelemetryIOError`` (or
``TelemetryStoreCorrupt`` when the file is damaged) naming the file.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chaffra_telemetry._sqlite_reports import REPORT_SCHEMA, REPORT_SHAPE
from chaffra_telemetry._store import StateSource
from chaffra_telemetry._store_recovery import is_corrupt
from chaffra_telemetry.errors import TelemetryIOError, TelemetryStoreCorrupt

__all__ = [
    "SCHEMA_VERSION",
    "io_error",
    "open_database",
    "read_generation",
    "read_source",
    "transaction",
    "write_transaction",
]

SCHEMA_VERSION = 1

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS snapshots ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " timestamp_ms INTEGER NOT NULL,"
    " audience TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " untrusted TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS snapshots_by_time ON snapshots (timestamp_ms, seq)",
    *REPORT_SCHEMA,
)
# Fails on a file whose tables lack the columns this version reads.
_SHAPES = (
    "SELECT seq, timestamp_ms, audience, payload, untrusted FROM snapshots LIMIT 0",
    REPORT_SHAPE,
)


def open_database(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """An autocommit connection to the store at ``path``, created or checked, in WAL mode.

    The connection may be used from any thread; the caller serializes its use.

    Raises:
        TelemetryStoreCorrupt: the file is not a usable store (not a database,
            corrupt or truncated, another schema, or a newer schema version).
        TelemetryIOError: the file cannot be opened. Both messages name the file.
    """
    try:
        connection = sqlite3.connect(
            path,
            timeout=busy_timeout_s,
            isolation_level=None,  # transactions are explicit BEGIN/COMMIT
            check_same_thread=False,  # the store shares one connection under its lock
        )
    except sqlite3.Error as error:
        raise io_error(f"cannot open {path}", error) from error
    try:
        _initialize(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def _initialize(connection: sqlite3.Connection, path: Path) -> None:
    try:
        # The schema is checked before WAL mode is set: a file that turns out
        # not to be our store is left byte for byte as it was.
        connection.execute("BEGIN IMMEDIATE").close()
        try:
            for statement in _SCHEMA:
                connection.execute(statement).close()
            for shape in _SHAPES:
                connection.execute(shape).close()
            connection.executemany(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("source", StateSource.EMPTY.value),
                    ("generation", "0"),
                ],
            ).close()
            cursor = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'")
            found = cursor.fetchone()[0]
            cursor.close()
            if str(found) != str(SCHEMA_VERSION):
                raise TelemetryStoreCorrupt(
                    f"{path} has telemetry store schema version {found}; this"
                    f" chaffra-telemetry reads version {SCHEMA_VERSION} only (upgrade it,"
                    " or move the file away to start a new history)"
                )
            connection.execute("COMMIT").close()
        except BaseException:
            _rollback(connection)
            raise
        connection.execute("PRAGMA journal_mode = WAL").close()
        connection.execute("PRAGMA synchronous = NORMAL").close()
    except sqlite3.Error as error:
        raise io_error(f"cannot open {path}", error) from error


@contextmanager
def transaction(
    connection: sqlite3.Connection, path: Path, begin: str, action: str
) -> Iterator[sqlite3.Cursor]:
    """Run the body in one transaction opened with ``begin``; committed when it returns.

    Raises:
        TelemetryIOError: any SQLite error, as ``"cannot <action> <path>: <error>"``
            (``TelemetryStoreCorrupt`` when the file is damaged); the
            transaction is rolled back.
    """
    try:
        cursor = connection.cursor()
        cursor.execute(begin)
    except sqlite3.Error as error:
        raise io_error(f"cannot {action} {path}", error) from error
    try:
        yield cursor
        cursor.execute("COMMIT")
    except BaseException as error:
        _rollback(connection)
        if isinstance(error, sqlite3.Error):
            raise io_error(f"cannot {action} {path}", error) from error
        raise
    finally:
        cursor.close()


@contextmanager
def write_transaction(
    connection: sqlite3.Connection, path: Path, action: str
) -> Iterator[sqlite3.Cursor]:
    """A ``BEGIN IMMEDIATE`` :func:`transaction` that also bumps the generation.

    Raises:
        TelemetryIOError: as :func:`transaction`.
    """
    with transaction(connection, path, "BEGIN IMMEDIATE", action) as cursor:
        yield cursor
        cursor.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
        )


def io_error(context: str, error: sqlite3.Error) -> TelemetryIOError:
    """``error`` as a ``TelemetryIOError`` (``TelemetryStoreCorrupt`` when the file is damaged)."""
    kind = TelemetryStoreCorrupt if is_corrupt(error) else TelemetryIOError
    return kind(f"{context}: {error}")


def read_source(cursor: sqlite3.Cursor) -> StateSource:
    """The source label in ``meta``."""
    # A label another program mangled reads as live: the rows are real runs' or none.
    row = cursor.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()
    try:
        return StateSource(row[0])
    except (TypeError, ValueError):
        return StateSource.LIVE


def read_generation(cursor: sqlite3.Cursor) -> int:
    """The generation counter in ``meta`` (0 when missing or mangled)."""
    row = cursor.execute(
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'"
    ).fetchone()
    return 0 if row is None or row[0] is None else int(row[0])


def _rollback(connection: sqlite3.Connection) -> None:
    # After some errors SQLite has already rolled back; a failing ROLLBACK must
    # not hide the error that caused it.
    with contextlib.suppress(sqlite3.Error):
        connection.execute("ROLLBACK").close()
