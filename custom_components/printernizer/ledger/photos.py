"""Job photos: which picture a job has, where it lies, and when cleanup removed it.

The file lives in Home Assistant's media folder (photos.py writes it); the ledger keeps one
row per job. A job's row in `jobs` is frozen once it ended, so the photo has its own table.
Every function takes the ledger (or its database) and runs in an executor thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .db import LedgerError, from_db_time, to_db_time

if TYPE_CHECKING:
    from . import Ledger

SOURCES = ("camera", "thumbnail")


@dataclass(frozen=True, slots=True)
class PhotoCandidate:
    """A job's photo that cleanup may remove, with what decides whether it must stay."""

    job_id: int
    path: str
    size: int
    taken_at: datetime
    category: str
    job_end: datetime | None


def record_photo(
    ledger: Ledger, job_id: int, *, path: str, source: str, size: int, taken_at: datetime
) -> None:
    """Remember a job's photo (a new one replaces an earlier one of the same job)."""
    if source not in SOURCES:
        raise LedgerError(f"invalid photo source {source!r}")
    with ledger.write() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO job_photos (job_id, path, source, size, taken_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (job_id, path, source, int(size), to_db_time(taken_at)),
        )


def cleanup_candidates(
    ledger: Ledger, *, printer_uid: str, older_than: datetime
) -> list[PhotoCandidate]:
    """A printer's photos taken before `older_than` and still there, oldest first.

    The category comes from the job's latest revision (a correction to "business" protects
    the photo), falling back to the job row, as for downloaded files.
    """
    sql = (
        "SELECT p.job_id, p.path, p.size, p.taken_at,"
        " COALESCE(r.category, j.category) AS category,"
        " COALESCE(j.ended_at, j.started_at) AS job_end"
        " FROM job_photos p JOIN jobs j ON j.id = p.job_id"
        " LEFT JOIN job_revisions r ON r.job_id = j.id AND r.revision ="
        " (SELECT MAX(revision) FROM job_revisions WHERE job_id = j.id)"
        " WHERE j.printer_uid = ? AND p.deleted_at IS NULL AND p.taken_at < ?"
        " ORDER BY p.taken_at, p.job_id"
    )
    with ledger.read() as conn:
        rows = conn.execute(sql, (printer_uid, to_db_time(older_than))).fetchall()
    return [
        PhotoCandidate(
            job_id=job_id,
            path=path,
            size=size,
            taken_at=datetime.fromisoformat(taken_at),
            category=category,
            job_end=from_db_time(job_end),
        )
        for job_id, path, size, taken_at, category, job_end in rows
    ]


def mark_deleted(ledger: Ledger, job_id: int, *, deleted_at: datetime) -> None:
    """Cleanup removed the photo's file: the job shows no photo any more."""
    with ledger.write() as conn:
        conn.execute(
            "UPDATE job_photos SET deleted_at = ? WHERE job_id = ?",
            (to_db_time(deleted_at), job_id),
        )
