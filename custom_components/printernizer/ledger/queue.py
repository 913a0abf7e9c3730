"""Repository for the print queue (`queue_items`) and the printers' plate flags (`plate_state`).

Why in the ledger: the queue must survive a restart without losing or repeating a print. Every
step of an item (taken by a printer, uploading, starting, printing with its job, done) is one
transaction; taking an item also takes the printer's clear plate in the same transaction, so
one press of `clear_plate` lets exactly one print start. Blocking: call it from the executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
import json
import sqlite3
from typing import TYPE_CHECKING, Any

from .db import LedgerError, from_db_time, to_db_time
from .jobs import plate_clear, set_plate_clear

if TYPE_CHECKING:
    from . import Ledger

WAITING = "waiting"
UPLOADING = "uploading"
STARTING = "starting"
PRINTING = "printing"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
STATUSES = (WAITING, UPLOADING, STARTING, PRINTING, DONE, FAILED, CANCELLED)
# Taken by a printer: the printer is busy with the item.
ACTIVE = (UPLOADING, STARTING, PRINTING)
# The item is over; it stays as a record.
ENDED = (DONE, FAILED, CANCELLED)
SOURCE_KINDS = ("local", "file", "remote")

_MAX_ERROR = 500


class QueueItemError(LedgerError):
    """The queue item does not exist or cannot change that way (`reason` says which)."""

    def __init__(self, reason: str, queue_id: int, status: str | None = None) -> None:
        """`reason`: unknown or not_waiting."""
        super().__init__(f"queue item {queue_id}: {reason}")
        self.reason = reason
        self.queue_id = queue_id
        self.status = status


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One queued print, with aware UTC datetimes; `rank` is its place among waiting items."""

    queue_id: int
    position: int
    name: str
    source_kind: str
    local_path: str | None
    file_id: int | None
    remote_path: str | None
    printers: tuple[str, ...]
    options: dict[str, Any]
    not_before: datetime | None
    status: str
    attempts: int
    entry_id: str | None
    printer_uid: str | None
    job_watermark: int | None
    start_sent_at: datetime | None
    job_id: int | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    user_id: str | None
    rank: int | None = None
    # the user who last moved or cancelled it (None: nobody, or an automation)
    changed_by: str | None = None


_SELECT = (
    "SELECT id, position, name, source_kind, local_path, file_id, remote_path, printers,"
    " options, not_before, status, attempts, entry_id, printer_uid, job_watermark,"
    " start_sent_at, job_id, error, created_at, updated_at, user_id, changed_by"
    " FROM queue_items"
)


def _item(row: sqlite3.Row, rank: int | None = None) -> QueueItem:
    return QueueItem(
        queue_id=row[0],
        position=row[1],
        name=row[2],
        source_kind=row[3],
        local_path=row[4],
        file_id=row[5],
        remote_path=row[6],
        printers=tuple(json.loads(row[7])),
        options=json.loads(row[8]),
        not_before=from_db_time(row[9]),
        status=row[10],
        attempts=row[11],
        entry_id=row[12],
        printer_uid=row[13],
        job_watermark=row[14],
        start_sent_at=from_db_time(row[15]),
        job_id=row[16],
        error=row[17],
        created_at=from_db_time(row[18]),  # type: ignore[arg-type]
        updated_at=from_db_time(row[19]),  # type: ignore[arg-type]
        user_id=row[20],
        changed_by=row[21],
        rank=rank,
    )


def _waiting_ids(conn: sqlite3.Connection) -> list[int]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT id FROM queue_items WHERE status = 'waiting' ORDER BY position, id"
        )
    ]


def _get(conn: sqlite3.Connection, queue_id: int) -> QueueItem:
    row = conn.execute(_SELECT + " WHERE id = ?", (queue_id,)).fetchone()
    if row is None:
        raise QueueItemError("unknown", queue_id)
    rank = None
    if row[10] == WAITING:
        rank = _waiting_ids(conn).index(queue_id) + 1
    return _item(row, rank)


def get_item(ledger: Ledger, queue_id: int) -> QueueItem:
    """One item (QueueItemError `unknown` when there is none)."""
    with ledger.read() as conn:
        return _get(conn, queue_id)


def add_items(
    ledger: Ledger,
    *,
    name: str,
    source_kind: str,
    local_path: str | None,
    file_id: int | None,
    remote_path: str | None,
    printers: Sequence[str],
    options: dict[str, Any],
    not_before: datetime | None,
    copies: int,
    now: datetime,
    user_id: str | None,
) -> list[int]:
    """Append `copies` waiting items at the end of the queue; their ids, in order."""
    if source_kind not in SOURCE_KINDS:
        raise LedgerError(f"invalid source kind {source_kind!r}")
    if not printers:
        raise LedgerError("a queue item needs at least one printer")
    ids: list[int] = []
    with ledger.write() as conn:
        last = conn.execute("SELECT COALESCE(MAX(position), 0) FROM queue_items").fetchone()[0]
        for copy in range(copies):
            cursor = conn.execute(
                "INSERT INTO queue_items (position, name, source_kind, local_path, file_id,"
                " remote_path, printers, options, not_before, status, attempts, created_at,"
                " updated_at, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', 0, ?, ?, ?)",
                (
                    last + copy + 1,
                    name,
                    source_kind,
                    local_path,
                    file_id,
                    remote_path,
                    json.dumps(list(printers)),
                    json.dumps(options, sort_keys=True),
                    None if not_before is None else to_db_time(not_before),
                    to_db_time(now),
                    to_db_time(now),
                    user_id,
                ),
            )
            ids.append(int(cursor.lastrowid))  # type: ignore[arg-type]
    return ids


def list_items(ledger: Ledger, *, include_ended: bool = False) -> list[QueueItem]:
    """Waiting items in queue order (rank 1 = next), then the others, newest first.

    Failed items are always listed (they need a person); done and cancelled ones only with
    `include_ended` (the newest 100).
    """
    with ledger.read() as conn:
        waiting = [
            _item(row, rank)
            for rank, row in enumerate(
                conn.execute(_SELECT + " WHERE status = 'waiting' ORDER BY position, id"), 1
            )
        ]
        others = [
            _item(row)
            for row in conn.execute(
                _SELECT + " WHERE status IN ('uploading', 'starting', 'printing', 'failed')"
                " ORDER BY updated_at DESC, id DESC"
            )
        ]
        if include_ended:
            others += [
                _item(row)
                for row in conn.execute(
                    _SELECT + " WHERE status IN ('done', 'cancelled')"
                    " ORDER BY updated_at DESC, id DESC LIMIT 100"
                )
            ]
    return waiting + others


def move_item(
    ledger: Ledger, queue_id: int, position: int, *, now: datetime, user_id: str | None = None
) -> QueueItem:
    """Put a waiting item at `position` (1 = next; past the end = last) among waiting items."""
    with ledger.write() as conn:
        item = _get(conn, queue_id)
        if item.status != WAITING:
            raise QueueItemError("not_waiting", queue_id, item.status)
        order = _waiting_ids(conn)
        order.remove(queue_id)
        order.insert(max(0, min(position - 1, len(order))), queue_id)
        base = conn.execute("SELECT COALESCE(MIN(position), 1) FROM queue_items").fetchone()[0]
        for offset, item_id in enumerate(order):
            conn.execute(
                "UPDATE queue_items SET position = ? WHERE id = ?", (base + offset, item_id)
            )
        conn.execute(
            "UPDATE queue_items SET updated_at = ?, changed_by = ? WHERE id = ?",
            (to_db_time(now), user_id, queue_id),
        )
        return _get(conn, queue_id)


def cancel_item(
    ledger: Ledger, queue_id: int, *, now: datetime, user_id: str | None = None
) -> QueueItem:
    """Cancel a waiting or failed item; one that a printer took cannot be cancelled here."""
    with ledger.write() as conn:
        item = _get(conn, queue_id)
        if item.status not in (WAITING, FAILED):
            raise QueueItemError("not_waiting", queue_id, item.status)
        conn.execute(
            "UPDATE queue_items SET status = 'cancelled', updated_at = ?, changed_by = ?"
            " WHERE id = ?",
            (to_db_time(now), user_id, queue_id),
        )
        return _get(conn, queue_id)


def plates(ledger: Ledger, printer_uids: Sequence[str]) -> dict[str, bool]:
    """The plate flag of each printer."""
    with ledger.read() as conn:
        return {uid: plate_clear(conn, uid) for uid in printer_uids}


def set_plate(
    ledger: Ledger, printer_uid: str, *, clear: bool, now: datetime, user_id: str | None
) -> None:
    """Mark the plate clear (a person or an automation says so) or not clear."""
    with ledger.write() as conn:
        set_plate_clear(conn, printer_uid, clear=clear, now=now, user_id=user_id)


def claim(
    ledger: Ledger,
    queue_id: int,
    *,
    entry_id: str,
    printer_uid: str,
    status: str,
    remote_path: str | None,
    now: datetime,
) -> QueueItem | None:
    """A printer takes a waiting item and its own clear plate, in one transaction.

    None when the item is no longer waiting or the plate no longer clear (someone was
    faster). The item remembers the newest job id so far: the printer's next job after it is
    the item's print, even when Home Assistant restarts in between.
    """
    with ledger.write() as conn:
        row = conn.execute("SELECT status FROM queue_items WHERE id = ?", (queue_id,)).fetchone()
        if row is None or row[0] != WAITING or not plate_clear(conn, printer_uid):
            return None
        watermark = conn.execute("SELECT COALESCE(MAX(id), 0) FROM jobs").fetchone()[0]
        conn.execute(
            "UPDATE queue_items SET status = ?, entry_id = ?, printer_uid = ?,"
            " job_watermark = ?, start_sent_at = NULL, remote_path = COALESCE(?, remote_path),"
            " error = NULL, updated_at = ? WHERE id = ?",
            (status, entry_id, printer_uid, watermark, remote_path, to_db_time(now), queue_id),
        )
        set_plate_clear(conn, printer_uid, clear=False, now=now)
        return _get(conn, queue_id)


def mark_starting(ledger: Ledger, queue_id: int, *, remote_path: str, now: datetime) -> QueueItem:
    """The file is on the printer; the start command goes out now."""
    with ledger.write() as conn:
        conn.execute(
            "UPDATE queue_items SET status = 'starting', remote_path = ?, start_sent_at = ?,"
            " updated_at = ? WHERE id = ?",
            (remote_path, to_db_time(now), to_db_time(now), queue_id),
        )
        return _get(conn, queue_id)


def release(
    ledger: Ledger,
    queue_id: int,
    *,
    error: str | None,
    count_attempt: bool,
    max_attempts: int,
    now: datetime,
) -> QueueItem:
    """A start that did not happen: back to waiting (or `failed` after `max_attempts`).

    Nothing was printed, so the printer's plate is clear again.
    """
    with ledger.write() as conn:
        item = _get(conn, queue_id)
        attempts = item.attempts + (1 if count_attempt else 0)
        status = FAILED if attempts >= max_attempts else WAITING
        conn.execute(
            "UPDATE queue_items SET status = ?, attempts = ?, error = ?, entry_id = NULL,"
            " printer_uid = NULL, job_watermark = NULL, start_sent_at = NULL, updated_at = ?"
            " WHERE id = ?",
            (
                status,
                attempts,
                None if error is None else error[:_MAX_ERROR],
                to_db_time(now),
                queue_id,
            ),
        )
        if item.printer_uid is not None:
            set_plate_clear(conn, item.printer_uid, clear=True, now=now)
        return _get(conn, queue_id)


def release_printer(ledger: Ledger, entry_id: str, *, error: str, now: datetime) -> list[QueueItem]:
    """The printer was deleted: nothing will report on its items again.

    An upload waits again (nothing was printed). A start that may have gone out fails with
    `error`, so it is not printed twice and a person can cancel or queue it again; a print the
    printer took is done for the queue (its job stays in the ledger).
    """
    with ledger.write() as conn:
        rows = conn.execute(
            "SELECT id, status FROM queue_items WHERE entry_id = ? AND status IN (?, ?, ?)",
            (entry_id, *ACTIVE),
        ).fetchall()
        for queue_id, status in rows:
            if status == PRINTING:  # done as attach_jobs makes it: it keeps printer and job
                conn.execute(
                    "UPDATE queue_items SET status = ?, updated_at = ? WHERE id = ?",
                    (DONE, to_db_time(now), queue_id),
                )
                continue
            after = WAITING if status == UPLOADING else FAILED
            conn.execute(
                "UPDATE queue_items SET status = ?, error = ?, entry_id = NULL,"
                " printer_uid = NULL, start_sent_at = NULL, updated_at = ? WHERE id = ?",
                (after, error[:_MAX_ERROR] if after == FAILED else None, to_db_time(now), queue_id),
            )
        return [_get(conn, queue_id) for queue_id, _ in rows]


def attach_jobs(ledger: Ledger, *, now: datetime) -> list[QueueItem]:
    """Give each started item its job and each printing item whose job ended `done`.

    An item's job is its printer's first watched job after the item's watermark. Answers the
    items that changed.
    """
    changed: list[int] = []
    with ledger.write() as conn:
        rows = conn.execute(
            "SELECT q.id, q.status, q.job_id,"
            " (SELECT j.id FROM jobs AS j WHERE j.printer_uid = q.printer_uid"
            "  AND j.id > q.job_watermark AND j.source = 'printer' ORDER BY j.id LIMIT 1)"
            " FROM queue_items AS q WHERE q.status IN ('uploading', 'starting', 'printing')"
        ).fetchall()
        for queue_id, status, job_id, found in rows:
            job_id = job_id if status == PRINTING else found
            if job_id is None or status == UPLOADING:
                continue
            ended = conn.execute("SELECT ended_at FROM jobs WHERE id = ?", (job_id,)).fetchone()[0]
            new_status = DONE if ended is not None else PRINTING
            if new_status == status:
                continue
            conn.execute(
                "UPDATE queue_items SET status = ?, job_id = ?, updated_at = ? WHERE id = ?",
                (new_status, job_id, to_db_time(now), queue_id),
            )
            changed.append(queue_id)
        return [_get(conn, queue_id) for queue_id in changed]
