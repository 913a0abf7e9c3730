"""Repository for the printer file index (`files` table).

Why a separate module: the index is the "Drucker-Dateien" view (what is on each printer, what
was downloaded where, which job used it) and is written by the files package only. Every function here
is synchronous and blocking; call it through `hass.async_add_executor_job`. Each function takes
the open `Ledger` and runs its statements through `Ledger.read()` / `Ledger.write()` (the
ledger's one connection, lock and transaction), so it never races the job ledger.

One row per (printer_uid, remote_path), as the schema's UNIQUE constraint requires. Statuses:
`remote` (on the printer only), `downloading`, `downloaded` (local copy, remote still there),
`failed` (last download failed), `local_only` (local copy, gone from the printer), `deleted`
(gone everywhere as far as we know).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
import sqlite3
from typing import TYPE_CHECKING, Any

from custom_components.printernizer.api.models import RemoteFile

from .db import Database, from_db_time, to_db_time

if TYPE_CHECKING:
    from . import Ledger

STATUS_REMOTE = "remote"
STATUS_DOWNLOADING = "downloading"
STATUS_DOWNLOADED = "downloaded"
STATUS_FAILED = "failed"
STATUS_LOCAL_ONLY = "local_only"
STATUS_DELETED = "deleted"
STATUSES = (
    STATUS_REMOTE,
    STATUS_DOWNLOADING,
    STATUS_DOWNLOADED,
    STATUS_FAILED,
    STATUS_LOCAL_ONLY,
    STATUS_DELETED,
)
# Rows that point at a local copy we made (cleanup and the sensors look at these).
LOCAL_STATUSES = (STATUS_DOWNLOADED, STATUS_LOCAL_ONLY)
# Marks a row that keeps an earlier download after the printer's file changed (see
# `set_downloaded`): the UNIQUE(printer_uid, remote_path) key needs a distinct path.
ARCHIVE_MARK = "#sha256:"

_MAX_ERROR = 500


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One row of the file index, with aware UTC datetimes."""

    file_id: int
    printer_uid: str
    entry_id: str
    source: str
    remote_path: str
    name: str
    size: int | None
    remote_mtime: datetime | None
    status: str
    local_path: str | None
    sha256: str | None
    downloaded_at: datetime | None
    job_id: int | None
    error: str | None
    first_seen: datetime | None
    last_seen: datetime | None

    @property
    def is_archive(self) -> bool:
        """True for a kept earlier download (its remote_path carries ARCHIVE_MARK)."""
        return ARCHIVE_MARK in self.remote_path


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What a listing merge changed."""

    total: int
    new: int
    removed: int
    updated: int


@dataclass(frozen=True, slots=True)
class FileStats:
    """Local download totals of one printer (for the sensors)."""

    count: int
    size: int
    last_download: datetime | None


def _row(row: sqlite3.Row) -> FileRecord:
    return FileRecord(
        file_id=row["id"],
        printer_uid=row["printer_uid"],
        entry_id=row["entry_id"],
        source=row["source"],
        remote_path=row["remote_path"],
        name=row["name"],
        size=row["size"],
        remote_mtime=from_db_time(row["remote_mtime"]),
        status=row["status"],
        local_path=row["local_path"],
        sha256=row["sha256"],
        downloaded_at=from_db_time(row["downloaded_at"]),
        job_id=row["job_id"],
        error=row["error"],
        first_seen=from_db_time(row["first_seen"]),
        last_seen=from_db_time(row["last_seen"]),
    )


def _opt_time(value: datetime | None) -> str | None:
    return None if value is None else to_db_time(value)


def _get(conn: sqlite3.Connection, file_id: int) -> FileRecord | None:
    row = conn.execute("SELECT * FROM files WHERE id = ?", (file_id,)).fetchone()
    return None if row is None else _row(row)


def _require(conn: sqlite3.Connection, file_id: int) -> FileRecord:
    record = _get(conn, file_id)
    if record is None:
        raise KeyError(f"no file with id {file_id}")
    return record


def _update(ledger: Ledger | Database, file_id: int, assignments: str, *values: Any) -> FileRecord:
    """One UPDATE of a row by id, answered with the row as written."""
    with ledger.write() as conn:
        conn.execute(f"UPDATE files SET {assignments} WHERE id = ?", (*values, file_id))
        return _require(conn, file_id)


def _scope(
    clauses: list[str],
    params: list[Any],
    entry_id: str | None,
    printer_uid: str | None,
    alias: str = "",
) -> None:
    """Add the optional entry / printer filters every listing query shares."""
    if entry_id is not None:
        clauses.append(f"{alias}entry_id = ?")
        params.append(entry_id)
    if printer_uid is not None:
        clauses.append(f"{alias}printer_uid = ?")
        params.append(printer_uid)


def _display_name(remote: RemoteFile) -> str:
    """PrusaLink lists 8.3 names with the long name aside; people want the long one."""
    return remote.display_name or remote.name or remote.path.rsplit("/", 1)[-1]


def merge_listing(
    ledger: Ledger | Database,
    *,
    printer_uid: str,
    entry_id: str,
    source: str,
    files: Iterable[RemoteFile],
    now: datetime,
    complete: bool = True,
) -> MergeResult:
    """Merge a remote listing into the index in one transaction.

    New paths are inserted as `remote`; known ones get fresh size/mtime/last_seen (a file that
    reappears is `remote` or `downloaded` again). With `complete=True` (a full listing), files
    no longer listed become `deleted` if we never downloaded them, `local_only` if we hold a
    copy; rows being downloaded are left alone. `complete=False` merges a partial listing (one
    found job file) without touching anything else.
    """
    stamp = to_db_time(now)
    listed: dict[str, RemoteFile] = {}
    for remote in files:
        listed[remote.path] = remote
    new = updated = removed = 0
    with ledger.write() as conn:
        existing = {
            row["remote_path"]: row
            for row in conn.execute(
                "SELECT id, remote_path, status FROM files WHERE printer_uid = ?", (printer_uid,)
            )
        }
        for path, remote in listed.items():
            mtime = _opt_time(remote.modified)
            row = existing.get(path)
            if row is None:
                conn.execute(
                    "INSERT INTO files (printer_uid, entry_id, source, remote_path, name, size,"
                    " remote_mtime, status, first_seen, last_seen)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        printer_uid,
                        entry_id,
                        source,
                        path,
                        _display_name(remote),
                        remote.size,
                        mtime,
                        STATUS_REMOTE,
                        stamp,
                        stamp,
                    ),
                )
                new += 1
                continue
            status = row["status"]
            if status == STATUS_DELETED:
                status = STATUS_REMOTE
            elif status == STATUS_LOCAL_ONLY:
                status = STATUS_DOWNLOADED
            conn.execute(
                "UPDATE files SET entry_id = ?, source = ?, name = ?,"
                " size = COALESCE(?, size), remote_mtime = COALESCE(?, remote_mtime),"
                " status = ?, last_seen = ? WHERE id = ?",
                (
                    entry_id,
                    source,
                    _display_name(remote),
                    remote.size,
                    mtime,
                    status,
                    stamp,
                    row["id"],
                ),
            )
            updated += 1
        if complete:
            for path, row in existing.items():
                if path in listed or ARCHIVE_MARK in path:
                    continue
                status = row["status"]
                if status in (STATUS_REMOTE, STATUS_FAILED):
                    target = STATUS_DELETED
                elif status == STATUS_DOWNLOADED:
                    target = STATUS_LOCAL_ONLY
                else:  # downloading (in flight), local_only, deleted: nothing to change
                    continue
                conn.execute("UPDATE files SET status = ? WHERE id = ?", (target, row["id"]))
                removed += 1
    return MergeResult(total=len(listed), new=new, removed=removed, updated=updated)


def get_file(ledger: Ledger | Database, file_id: int) -> FileRecord | None:
    """One row by id."""
    with ledger.read() as conn:
        return _get(conn, file_id)


def get_by_path(ledger: Ledger | Database, printer_uid: str, remote_path: str) -> FileRecord | None:
    """One row by its natural key."""
    with ledger.read() as conn:
        row = conn.execute(
            "SELECT * FROM files WHERE printer_uid = ? AND remote_path = ?",
            (printer_uid, remote_path),
        ).fetchone()
    return None if row is None else _row(row)


def list_files(
    ledger: Ledger | Database,
    *,
    entry_id: str | None = None,
    printer_uid: str | None = None,
    status: str | Sequence[str] | None = None,
    name_contains: str | None = None,
    limit: int | None = None,
) -> list[FileRecord]:
    """Rows matching every given filter, newest remote file first.

    `name_contains` is case-insensitive and literal (`%` and `_` are not wildcards).
    """
    clauses: list[str] = []
    params: list[Any] = []
    _scope(clauses, params, entry_id, printer_uid)
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        clauses.append(f"status IN ({', '.join('?' * len(statuses))})")
        params.extend(statuses)
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append("name LIKE ? ESCAPE '\\'")
        params.append(f"%{escaped}%")
    sql = "SELECT * FROM files"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY COALESCE(remote_mtime, downloaded_at, first_seen) DESC, id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    with ledger.read() as conn:
        return [_row(row) for row in conn.execute(sql, params)]


def upsert_remote(
    ledger: Ledger | Database,
    *,
    printer_uid: str,
    entry_id: str,
    source: str,
    remote: RemoteFile,
    now: datetime,
) -> FileRecord:
    """Make sure one remote file is indexed (a partial merge) and return its row."""
    merge_listing(
        ledger,
        printer_uid=printer_uid,
        entry_id=entry_id,
        source=source,
        files=[remote],
        now=now,
        complete=False,
    )
    record = get_by_path(ledger, printer_uid, remote.path)
    assert record is not None
    return record


def set_downloading(ledger: Ledger | Database, file_id: int) -> FileRecord:
    """Mark a download as started (clears an old error; keeps an earlier local copy)."""
    return _update(ledger, file_id, "status = ?, error = NULL", STATUS_DOWNLOADING)


def set_downloaded(
    ledger: Ledger | Database,
    file_id: int,
    *,
    local_path: str,
    sha256: str,
    size: int,
    downloaded_at: datetime,
    job_id: int | None = None,
) -> FileRecord:
    """Record a finished download.

    When the row already pointed at a different local copy (the printer's file changed and
    was downloaded again), that earlier copy is kept as its own `local_only` row with its job
    link, so an old job keeps pointing at the file it really printed and cleanup still sees
    the old copy. `size` is what was written locally and becomes the row's size.
    """
    with ledger.write() as conn:
        old = _require(conn, file_id)
        if (
            old.local_path
            and old.sha256
            and old.sha256 != sha256
            and old.local_path != local_path
            and old.downloaded_at is not None
        ):
            conn.execute(
                "INSERT OR IGNORE INTO files (printer_uid, entry_id, source, remote_path, name,"
                " size, remote_mtime, status, local_path, sha256, downloaded_at, job_id,"
                " first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    old.printer_uid,
                    old.entry_id,
                    old.source,
                    f"{old.remote_path}{ARCHIVE_MARK}{old.sha256}",
                    old.name,
                    old.size,
                    _opt_time(old.remote_mtime),
                    STATUS_LOCAL_ONLY,
                    old.local_path,
                    old.sha256,
                    _opt_time(old.downloaded_at),
                    old.job_id,
                    _opt_time(old.first_seen),
                    _opt_time(old.last_seen),
                ),
            )
            if job_id is None:
                # the old job link belongs to the old copy
                conn.execute("UPDATE files SET job_id = NULL WHERE id = ?", (file_id,))
        conn.execute(
            "UPDATE files SET status = ?, local_path = ?, sha256 = ?, size = ?,"
            " downloaded_at = ?, error = NULL, job_id = COALESCE(?, job_id) WHERE id = ?",
            (
                STATUS_DOWNLOADED,
                local_path,
                sha256,
                size,
                to_db_time(downloaded_at),
                job_id,
                file_id,
            ),
        )
        return _require(conn, file_id)


def set_failed(ledger: Ledger | Database, file_id: int, *, error: str) -> FileRecord:
    """Record a failed download; an earlier good local copy keeps the row `downloaded`."""
    with ledger.write() as conn:
        old = _require(conn, file_id)
        status = STATUS_DOWNLOADED if old.local_path and old.sha256 else STATUS_FAILED
        conn.execute(
            "UPDATE files SET status = ?, error = ? WHERE id = ?",
            (status, error[:_MAX_ERROR], file_id),
        )
        return _require(conn, file_id)


def link_job(ledger: Ledger | Database, file_id: int, job_id: int | None) -> FileRecord:
    """Tie a file to the job that printed it (or untie with None)."""
    return _update(ledger, file_id, "job_id = ?", job_id)


def cleanup_candidates(
    ledger: Ledger | Database,
    *,
    older_than: datetime,
    entry_id: str | None = None,
    printer_uid: str | None = None,
) -> list[tuple[FileRecord, str | None, datetime | None]]:
    """Local copies downloaded before `older_than`, with their job's category and end.

    Returns (record, category, job_end) triples; category/job_end are None for files not
    linked to a job. The category comes from the job's latest revision (a correction to
    "business" must protect the file), falling back to the job row. The caller decides about
    retention (the files package), so the rule lives in one place.
    """
    clauses = ["f.status IN (?, ?)", "f.local_path IS NOT NULL", "f.downloaded_at < ?"]
    params: list[Any] = [*LOCAL_STATUSES, to_db_time(older_than)]
    _scope(clauses, params, entry_id, printer_uid, "f.")
    sql = (
        "SELECT f.*, COALESCE(r.category, j.category) AS job_category,"
        " COALESCE(j.ended_at, j.started_at) AS job_end"
        " FROM files f"
        " LEFT JOIN jobs j ON j.id = f.job_id"
        " LEFT JOIN job_revisions r ON r.job_id = j.id AND r.revision ="
        " (SELECT MAX(revision) FROM job_revisions WHERE job_id = j.id)"
        " WHERE " + " AND ".join(clauses) + " ORDER BY f.downloaded_at, f.id"
    )
    with ledger.read() as conn:
        return [
            (_row(row), row["job_category"], from_db_time(row["job_end"]))
            for row in conn.execute(sql, params)
        ]


def mark_local_deleted(ledger: Ledger | Database, file_id: int) -> FileRecord:
    """The local copy was removed: `downloaded` → `remote`, `local_only`/archive → `deleted`.

    The job link stays (the ledger still knows which file a job printed).
    """
    with ledger.write() as conn:
        old = _require(conn, file_id)
        status = (
            STATUS_REMOTE
            if old.status == STATUS_DOWNLOADED and not old.is_archive
            else STATUS_DELETED
        )
        conn.execute(
            "UPDATE files SET status = ?, local_path = NULL, sha256 = NULL,"
            " downloaded_at = NULL WHERE id = ?",
            (status, file_id),
        )
        return _require(conn, file_id)


def file_stats(
    ledger: Ledger | Database, *, entry_id: str | None = None, printer_uid: str | None = None
) -> FileStats:
    """Count, bytes and newest download time of the local copies (sensor values)."""
    clauses = [f"status IN ({', '.join('?' * len(LOCAL_STATUSES))})", "local_path IS NOT NULL"]
    params: list[Any] = list(LOCAL_STATUSES)
    _scope(clauses, params, entry_id, printer_uid)
    sql = (
        "SELECT COUNT(*), COALESCE(SUM(size), 0), MAX(downloaded_at) FROM files WHERE "
        + " AND ".join(clauses)
    )
    with ledger.read() as conn:
        count, size, last = conn.execute(sql, params).fetchone()
    return FileStats(count=int(count), size=int(size), last_download=from_db_time(last))
