"""Maintenance repository: stored task intervals and the log of when each task was done.

Why in the ledger: a task's counters (print hours, jobs since it was last done) are sums over
the printer's jobs, and the log of what was done when belongs beside them and must survive
restarts. Tasks nobody changed are not stored: their defaults live in maintenance.py.

Every function takes a connection the caller holds under the ledger lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
import sqlite3

from .db import from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class MaintenanceTask:
    """A stored task: its intervals (None: not counted that way) or that it was removed."""

    task: str
    interval_hours: float | None
    interval_jobs: int | None
    interval_days: int | None
    removed: bool


@dataclass(frozen=True, slots=True)
class Usage:
    """Since a task's last log entry: when that was, whether it was done, print time and jobs."""

    since: datetime | None
    done: bool
    print_s: int
    jobs: int


def list_tasks(conn: sqlite3.Connection, printer_uid: str) -> list[MaintenanceTask]:
    """The printer's stored tasks, by name."""
    rows = conn.execute(
        "SELECT task, interval_hours, interval_jobs, interval_days, removed"
        " FROM maintenance_tasks WHERE printer_uid = ? ORDER BY task",
        (printer_uid,),
    ).fetchall()
    return [
        MaintenanceTask(task, hours, jobs, days, bool(removed))
        for task, hours, jobs, days, removed in rows
    ]


def set_task(
    conn: sqlite3.Connection,
    printer_uid: str,
    task: str,
    *,
    interval_hours: float | None,
    interval_jobs: int | None,
    interval_days: int | None,
    removed: bool,
    now: datetime,
) -> None:
    """Insert or replace a task's intervals."""
    conn.execute(
        "INSERT INTO maintenance_tasks (printer_uid, task, interval_hours, interval_jobs,"
        " interval_days, removed, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (printer_uid, task) DO UPDATE SET interval_hours = excluded.interval_hours,"
        " interval_jobs = excluded.interval_jobs, interval_days = excluded.interval_days,"
        " removed = excluded.removed, updated_at = excluded.updated_at",
        (
            printer_uid,
            task,
            interval_hours,
            interval_jobs,
            interval_days,
            1 if removed else 0,
            to_db_time(now),
        ),
    )


def log_done(
    conn: sqlite3.Connection,
    printer_uid: str,
    task: str,
    *,
    done_at: datetime,
    user_id: str | None,
    kind: str = "done",
) -> None:
    """Append to the log: the task was done (or counting starts) at `done_at`."""
    conn.execute(
        "INSERT INTO maintenance_log (printer_uid, task, done_at, kind, user_id)"
        " VALUES (?, ?, ?, ?, ?)",
        (printer_uid, task, to_db_time(done_at), kind, user_id),
    )


def usage(conn: sqlite3.Connection, printer_uid: str, tasks: Sequence[str]) -> dict[str, Usage]:
    """Per task: its last log entry and the printer's ended jobs (print time, count) since."""
    result: dict[str, Usage] = {}
    for task in tasks:
        row = conn.execute(
            "SELECT done_at, kind FROM maintenance_log WHERE printer_uid = ? AND task = ?"
            " ORDER BY done_at DESC, id DESC LIMIT 1",
            (printer_uid, task),
        ).fetchone()
        if row is None:
            result[task] = Usage(since=None, done=False, print_s=0, jobs=0)
            continue
        since, kind = row
        jobs, print_s = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(duration_s - paused_s), 0) FROM jobs"
            " WHERE printer_uid = ? AND ended_at > ?",
            (printer_uid, since),
        ).fetchone()
        result[task] = Usage(
            since=from_db_time(since), done=kind == "done", print_s=int(print_s), jobs=int(jobs)
        )
    return result
