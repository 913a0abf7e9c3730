"""The job ledger: an append-only SQLite sidecar for print jobs and the printer file index.

Why SQLite beside Home Assistant's own database: the recorder purges history after days, while
a business ledger must be kept for ten years unaltered (GoBD, §147 AO). All methods are blocking
and thread-safe; Home Assistant code calls them with `hass.async_add_executor_job`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
import pathlib
import sqlite3
from typing import Any

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import CostBreakdown

from . import jobs as _jobs
from .db import Database, JobClosedError, JobOpenError, LedgerError, UnknownJobError
from .jobs import JobRecord, Totals

__all__ = [
    "JobClosedError",
    "JobOpenError",
    "JobRecord",
    "Ledger",
    "LedgerError",
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
        with self._db.write() as conn:
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
    ) -> JobRecord:
        """Change a running job; raises JobClosedError (a LedgerError) once it has ended."""
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
        with self._db.write() as conn:
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
        with self._db.write() as conn:
            return _jobs.add_revision(
                conn, job_id, reason=reason, changes=changes, now=self._clock(), user_id=user_id
            )

    def add_manual_job(self, **fields: Any) -> JobRecord:
        """Record a print entered by hand, ended and priced (see ledger.jobs.add_manual_job)."""
        with self._db.write() as conn:
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
