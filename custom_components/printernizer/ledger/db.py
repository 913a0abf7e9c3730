"""The one SQLite connection of the ledger, and the rules for using it.

Why one connection behind a `threading.Lock`: SQLite allows a single writer; funnelling every
statement through one connection from Home Assistant's executor threads makes writes serial
and readers consistent without busy-retry loops. The event loop never touches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
import pathlib
import sqlite3
import threading

from .schema import SchemaError, migrate

# ISO-8601 UTC with fixed width: sorts lexicographically in time order, is readable by
# people with the sqlite3 shell (GoBD asks for machine-readable, understandable records).
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class LedgerError(Exception):
    """A ledger operation is not allowed or the database is unusable."""


class UnknownJobError(LedgerError):
    """The job id does not exist."""


class JobOpenError(LedgerError):
    """The job is still running; it has no revisions yet."""


class JobClosedError(LedgerError):
    """The job has ended; its row is frozen and only revisions may be appended."""


def to_db_time(value: datetime) -> str:
    """Store an aware datetime as fixed-width UTC text (naive datetimes are refused)."""
    if value.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return value.astimezone(UTC).strftime(_TIME_FORMAT)


def from_db_time(value: str | None) -> datetime | None:
    """Read a stored UTC time back as an aware datetime."""
    if value is None:
        return None
    return datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=UTC)


def to_db_decimal(value: Decimal | None) -> str | None:
    """Store a Decimal as plain text without exponent (never float)."""
    if value is None:
        return None
    return format(value, "f")


def from_db_decimal(value: str | None) -> Decimal | None:
    """Read a stored Decimal."""
    if value is None:
        return None
    return Decimal(value)


class Database:
    """One connection, one lock, explicit transactions."""

    def __init__(self, path: pathlib.Path) -> None:
        """Remember where the database lives; nothing is opened yet."""
        self.path = path
        self.lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    @property
    def is_open(self) -> bool:
        """True between open() and close()."""
        return self._conn is not None

    def open(self) -> None:
        """Create the folder and file, switch on WAL and foreign keys, migrate the schema."""
        with self.lock:
            if self._conn is not None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(self.path),
                check_same_thread=False,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                timeout=10,
            )
            try:
                conn.row_factory = sqlite3.Row
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise LedgerError(f"cannot switch {self.path} to WAL (got {mode})")
                conn.execute("PRAGMA foreign_keys=ON")
                # FULL: a job end is a business record; losing it on power loss is worse than
                # the extra fsync (a few writes per print).
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA busy_timeout=10000")
                # up to 32 MiB page cache (allocated on demand): a year's report over 100k jobs
                # reads ~40 MB; the default 2 MB cache made that superlinear (bench_ledger.py)
                conn.execute("PRAGMA cache_size=-32768")
                migrate(conn)
            except SchemaError as err:
                conn.close()
                raise LedgerError(str(err)) from err
            except BaseException:
                conn.close()
                raise
            self._conn = conn

    def close(self) -> None:
        """Checkpoint the WAL into the main file and close."""
        with self.lock:
            if self._conn is None:
                return
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._conn.close()
                self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LedgerError("ledger is not open")
        return self._conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock for a group of reads (one consistent view)."""
        with self.lock:
            conn = self._connection()
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and a write transaction; commit on success, roll back on error."""
        with self.lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
