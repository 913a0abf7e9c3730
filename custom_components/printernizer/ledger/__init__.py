"""The job ledger: an append-only SQLite sidecar for print jobs and the printer file index.

Why SQLite beside Home Assistant's own database: the recorder purges history after days, while
a business ledger must be kept for ten years unaltered (GoBD, §147 AO). All methods are blocking
and thread-safe; Home Assistant code calls them with `hass.async_add_executor_job`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
import copy
from datetime import UTC, datetime
from decimal import Decimal
import pathlib
import sqlite3
from typing import Any, TypeVar

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import CostBreakdown

from . import jobs as _jobs, maintenance as _maintenance
from .db import Database, JobClosedError, JobOpenError, LedgerError, UnknownJobError
from .jobs import JobRecord, Totals
from .maintenance import MaintenanceTask

_T = TypeVar("_T")
# distinct statistics answers kept (periods x printers x groupings a dashboard asks for)
CACHE_SIZE = 128

__all__ = [
    "JobClosedError",
    "JobOpenError",
    "JobRecord",
    "Ledger",
    "LedgerError",
    "MaintenanceTask",
    "Totals",
    "UnknownJobError",
]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """Jobs, revisions and files in one SQLite file (executor threads only)."""

    def __init__(self, path: pathlib.Path, *, clock: Callable[[], datetime] = _utcnow) -> None:
        """Remember the file; `clock` gives revision times (tests pin it)."""
        self.path = pathlib.Path(path)
        self._db = Database(self.path)
        self._clock = clock
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._listeners: list[Callable[[], None]] = []

    # --- lifecycle -------------------------------------------------------------------------
    def open(self) -> None:
        """Create folder and database, enable WAL and foreign keys, migrate."""
        self._db.open()

    def close(self) -> None:
        """Checkpoint the WAL and close."""
        self._db.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Connection for a group of reads under the ledger lock (for ledger/files.py)."""
        with self._db.read() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Connection in a write transaction under the ledger lock (for ledger/files.py)."""
        with self._db.write() as conn:
            yield conn

    # --- change notification and cached reads ----------------------------------------------
    @contextmanager
    def _job_write(self) -> Iterator[sqlite3.Connection]:
        """A write that changes jobs: the statistics cache goes inside the same lock (no read
        can see new rows with old answers), listeners hear of it after the commit."""
        with self._db.write() as conn:
            yield conn
            self._cache.clear()
        for listener in list(self._listeners):
            listener()

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` (in the writing thread) after each change to jobs; returns remove."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def cached_read(self, key: Hashable, compute: Callable[[sqlite3.Connection], _T]) -> _T:
        """`compute(conn)` under the read lock, remembered until the jobs change.

        Answers are copied out, so a caller may change what it gets.
        """
        with self._db.read() as conn:
            if key in self._cache:
                self._cache.move_to_end(key)
                return copy.deepcopy(self._cache[key])  # type: ignore[no-any-return]
            value = compute(conn)
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return copy.deepcopy(value)

    # --- jobs ------------------------------------------------------------------------------
    def start_job(
        self,
        *,
        printer_uid: str,
        printer_name: str,
        entry_id: str,
        job_key: str,
        name: str | None,
        file_name: str | None,
        started_at: datetime,
        category: str,
        customer: str | None = None,
    ) -> JobRecord:
        """Open a job (status printing). Raises LedgerError if the printer has an open job."""
        with self._job_write() as conn:
            return _jobs.start_job(
                conn,
                printer_uid=printer_uid,
                printer_name=printer_name,
                entry_id=entry_id,
                job_key=job_key,
                name=name,
                file_name=file_name,
                started_at=started_at,
                category=category,
                customer=customer,
                now=self._clock(),
            )

    def get_open_job(self, printer_uid: str) -> JobRecord | None:
        """The printer's printing or paused job."""
        with self._db.read() as conn:
            return _jobs.get_open_job(conn, printer_uid)

    def find_job(self, printer_uid: str, job_key: str) -> JobRecord | None:
        """The newest job of a printer with this key (dedup after a restart)."""
        with self._db.read() as conn:
            return _jobs.find_job(conn, printer_uid, job_key)

    def update_open_job(
        self,
        job_id: int,
        *,
        status: str | None = None,
        paused_s: int | None = None,
        last_progress: float | None = None,
        name: str | None = None,
        file_name: str | None = None,
        materials: list[MaterialUsage] | None = None,
        estimated_s: int | None = None,
    ) -> JobRecord:
        """Change a running job; raises JobClosedError (a LedgerError) once it has ended.

        `estimated_s` is the file's print time estimate (statistics compare it at the end).
        """
        with self._db.write() as conn:
            return _jobs.update_open_job(
                conn,
                job_id,
                status=status,
                paused_s=paused_s,
                last_progress=last_progress,
                name=name,
                file_name=file_name,
                materials=materials,
                estimated_s=estimated_s,
                now=self._clock(),
            )

    def finish_job(
        self,
        job_id: int,
        *,
        status: str,
        ended_at: datetime,
        end_estimated: bool = False,
        duration_s: int,
        paused_s: int,
        last_progress: float | None,
        materials: Sequence[MaterialUsage],
        energy_kwh: Decimal | None,
        energy_source: str | None,
        prices: Mapping[str, str],
        cost: CostBreakdown | None,
        currency: str,
        complete: bool,
    ) -> JobRecord:
        """End a job and write revision 1; the job row is never changed afterwards.

        `materials` are the grams really used (see costs.material_grams_for_outcome);
        `end_estimated` marks an end the printer's report had to stand in for.
        """
        with self._job_write() as conn:
            return _jobs.finish_job(
                conn,
                job_id,
                status=status,
                ended_at=ended_at,
                end_estimated=end_estimated,
                duration_s=duration_s,
                paused_s=paused_s,
                last_progress=last_progress,
                materials=materials,
                energy_kwh=energy_kwh,
                energy_source=energy_source,
                prices=prices,
                cost=cost,
                currency=currency,
                complete=complete,
                now=self._clock(),
            )

    def add_revision(
        self,
        job_id: int,
        *,
        reason: str,
        changes: dict[str, Any],
        user_id: str | None = None,
    ) -> JobRecord:
        """Append a correction as revision n+1 (GoBD); returns the job at its latest revision.

        `user_id` records who made it. Raises UnknownJobError / JobOpenError (both
        LedgerError). Changes equal to the current values append nothing.
        """
        with self._job_write() as conn:
            return _jobs.add_revision(
                conn, job_id, reason=reason, changes=changes, now=self._clock(), user_id=user_id
            )

    def add_manual_job(self, **fields: Any) -> JobRecord:
        """Record a print entered by hand, ended and priced (see ledger.jobs.add_manual_job)."""
        with self._job_write() as conn:
            return _jobs.add_manual_job(conn, now=self._clock(), **fields)

    def get_job(self, job_id: int) -> JobRecord | None:
        """A job at its latest revision."""
        with self._db.read() as conn:
            return _jobs.get_job(conn, job_id)

    def get_revisions(self, job_id: int) -> list[JobRecord]:
        """All revisions of a job, oldest first (audit trail: reason, time, `user_id`)."""
        with self._db.read() as conn:
            return _jobs.get_revisions(conn, job_id)

    def list_jobs(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        entry_id: str | None = None,
        status: str | None = None,
        category: str | None = None,
        limit: int = 100,
        offset: int = 0,
        printer_uid: str | None = None,
        order_by: str = "started_at",
        descending: bool = True,
    ) -> tuple[list[JobRecord], int]:
        """Jobs started in [start, end), newest first unless `order_by` (a JOB_ORDER key) says
        otherwise, with the total for paging.

        `printer_uid` selects a printer's whole history; `entry_id` only what one config entry
        recorded (a printer added again gets a new entry id).
        """
        with self._db.read() as conn:
            return _jobs.list_jobs_ordered(
                conn,
                start=start,
                end=end,
                entry_id=entry_id,
                printer_uid=printer_uid,
                status=status,
                category=category,
                limit=limit,
                offset=offset,
                order_by=order_by,
                descending=descending,
            )

    def report_jobs(
        self,
        *,
        start: datetime,
        end: datetime,
        entry_id: str | None = None,
        category: str | None = None,
        printer_uid: str | None = None,
    ) -> list[JobRecord]:
        """Ended jobs started in [start, end) at their latest revision, oldest first."""
        with self._db.read() as conn:
            return _jobs.report_jobs(
                conn,
                start=start,
                end=end,
                entry_id=entry_id,
                printer_uid=printer_uid,
                category=category,
            )

    def printer_totals(self, printer_uid: str) -> Totals:
        """Sums over the printer's ended jobs (latest revisions)."""
        with self._db.read() as conn:
            return _jobs.printer_totals(conn, printer_uid)

    def last_ended_job(self, printer_uid: str) -> JobRecord | None:
        """The printer's most recently ended job."""
        with self._db.read() as conn:
            return _jobs.last_ended_job(conn, printer_uid)

    # --- maintenance -----------------------------------------------------------------------
    def maintenance_tasks(self, printer_uid: str) -> list[MaintenanceTask]:
        """The printer's stored tasks (interval changes, removals, added tasks)."""
        with self._db.read() as conn:
            return _maintenance.list_tasks(conn, printer_uid)

    def set_maintenance_task(
        self,
        printer_uid: str,
        task: str,
        *,
        interval_hours: float | None,
        interval_jobs: int | None,
        interval_days: int | None,
        removed: bool = False,
    ) -> None:
        """Store a task's intervals (or that it was removed)."""
        with self._db.write() as conn:
            _maintenance.set_task(
                conn,
                printer_uid,
                task,
                interval_hours=interval_hours,
                interval_jobs=interval_jobs,
                interval_days=interval_days,
                removed=removed,
                now=self._clock(),
            )

    def log_maintenance(
        self,
        printer_uid: str,
        task: str,
        *,
        done_at: datetime,
        user_id: str | None = None,
        kind: str = "done",
    ) -> None:
        """Record that a task was done, or (`kind` "start") that counting starts at `done_at`."""
        with self._db.write() as conn:
            _maintenance.log_done(
                conn, printer_uid, task, done_at=done_at, user_id=user_id, kind=kind
            )

    def maintenance_usage(
        self, printer_uid: str, tasks: Sequence[str]
    ) -> dict[str, _maintenance.Usage]:
        """For each task: when it was last done and the print time and jobs since then."""
        with self._db.read() as conn:
            return _maintenance.usage(conn, printer_uid, tasks)
