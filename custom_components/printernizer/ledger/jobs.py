"""Job repository: the SQL for job lifecycle, corrections (revisions) and report reads.

Why two tables: `jobs` holds the facts of a print (printer, times, status); while a job runs its
row is updated, and once it has ended a trigger freezes it. `job_revisions` holds the priced
record; revision 1 is written when the job ends, every correction appends revision n+1 (GoBD:
the original stays readable). Reads join each job to its latest revision.

Every function takes a connection the caller holds under the ledger lock (see ledger/__init__.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
import json
import sqlite3
from typing import Any

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import CostBreakdown, to_decimal

from .db import (
    JobClosedError,
    JobOpenError,
    LedgerError,
    UnknownJobError,
    to_db_decimal,
    to_db_time,
)

OPEN_STATUSES = ("printing", "paused")
ENDED_STATUSES = ("finished", "failed", "cancelled")
STATUSES = OPEN_STATUSES + ENDED_STATUSES
CATEGORIES = ("business", "private")
ENERGY_SOURCES = ("measured", "estimated")
REVISION_KEYS = (
    "category",
    "customer",
    "note",
    "materials",
    "energy_kwh",
    "energy_source",
    "prices",
    "cost",
    "complete",
)
DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class JobRecord:
    """A job as reports see it: its facts plus its latest revision (None fields while open)."""

    job_id: int
    printer_uid: str
    printer_name: str
    entry_id: str
    job_key: str
    name: str | None
    file_name: str | None
    status: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: int | None
    paused_s: int
    last_progress: float | None
    materials: tuple[MaterialUsage, ...]
    energy_kwh: Decimal | None
    energy_source: str | None
    prices: dict[str, str]
    cost: CostBreakdown | None
    currency: str
    category: str
    customer: str | None
    note: str | None
    revision: int
    complete: bool
    # additions beyond CONTRACTS.md (audit trail of the revision shown)
    revised_at: datetime | None = None
    reason: str | None = None
    changed_fields: tuple[str, ...] = field(default=())
    # the revision's stored sum of grams (saves re-summing in reports); not part of equality
    stored_material_g: Decimal | None = field(default=None, repr=False, compare=False)
    # schema 2: the end was estimated from the printer's report (it ended while HA was away)
    end_estimated: bool = False
    # schema 2: the Home Assistant user who made the revision shown (None: automatic)
    user_id: str | None = None
    # schema 3: the job's photo, relative to the media folder (None: none, or cleaned up)
    photo: str | None = None
    # schema 4: watched on a printer (`printer`) or entered by hand (`manual`)
    source: str = "printer"

    @property
    def material_g(self) -> Decimal | None:
        """Total grams over all materials, None when no material is known."""
        if not self.materials:
            return None
        if self.stored_material_g is not None:
            return self.stored_material_g
        return _sum_grams(self.materials)

    @property
    def is_open(self) -> bool:
        """True while printing or paused."""
        return self.ended_at is None


@dataclass(frozen=True)
class Totals:
    """Sums over a printer's ended jobs (latest revisions); cost_cents is the gross amount."""

    jobs: int
    cost_cents: int
    material_g: Decimal
    energy_kwh: Decimal
    net_cents: int = 0


_COLUMNS = """
SELECT j.id, j.printer_uid, j.printer_name, j.entry_id, j.job_key, j.name, j.file_name,
       j.status, j.started_at, j.ended_at, j.duration_s, j.paused_s, j.last_progress,
       j.materials AS j_materials, j.category AS j_category, j.customer AS j_customer,
       r.revision, r.created_at AS r_created_at, r.reason, r.changed, r.category AS r_category,
       r.customer AS r_customer, r.note, r.materials AS r_materials, r.energy_kwh,
       r.energy_source, r.prices, r.material_cents, r.energy_cents, r.machine_cents,
       r.net_cents, r.vat_cents, r.gross_cents, r.currency, r.complete, r.material_g,
       j.end_estimated, r.user_id, p.path AS photo, j.source
"""
_ALL_REVISIONS_JOIN = """
FROM jobs AS j
LEFT JOIN job_photos AS p
       ON p.job_id = j.id AND p.deleted_at IS NULL
LEFT JOIN job_revisions AS r
       ON r.job_id = j.id
"""
_LATEST_JOIN = (
    _ALL_REVISIONS_JOIN
    + """      AND r.revision = (SELECT MAX(r2.revision) FROM job_revisions AS r2 WHERE r2.job_id = j.id)
"""
)
_SELECT = _COLUMNS + _LATEST_JOIN


def _sum_grams(materials: Iterable[MaterialUsage]) -> Decimal:
    return sum((to_decimal(m.grams) for m in materials), Decimal(0))


def _time(value: str | None) -> datetime | None:
    # fromisoformat understands the trailing Z since Python 3.11 and is much faster than strptime
    return None if value is None else datetime.fromisoformat(value)


def _materials_to_json(materials: Iterable[MaterialUsage]) -> str:
    return json.dumps(
        [{"material": m.material, "grams": to_db_decimal(to_decimal(m.grams))} for m in materials],
        ensure_ascii=False,
    )


def _materials_from_json(text: str | None) -> tuple[MaterialUsage, ...]:
    if not text:
        return ()
    # grams are stored as exact decimal text; float(text) round-trips through str() exactly
    return tuple(MaterialUsage(item["material"], float(item["grams"])) for item in json.loads(text))


def _record(row: sqlite3.Row) -> JobRecord:
    # positional unpacking: reports build tens of thousands of records, name lookups cost
    (
        job_id, printer_uid, printer_name, entry_id, job_key, name, file_name,
        status, started_at, ended_at, duration_s, paused_s, last_progress,
        j_materials, j_category, j_customer,
        revision, r_created_at, reason, changed, r_category,
        r_customer, note, r_materials, energy_kwh,
        energy_source, prices, material_cents, energy_cents, machine_cents,
        net_cents, vat_cents, gross_cents, currency, complete, material_g,
        end_estimated, user_id, photo, source,
    ) = row  # fmt: skip
    if revision is None:  # open job: no priced record yet
        materials = _materials_from_json(j_materials)
        return JobRecord(
            job_id=job_id, printer_uid=printer_uid, printer_name=printer_name,
            entry_id=entry_id, job_key=job_key, name=name, file_name=file_name, status=status,
            started_at=datetime.fromisoformat(started_at), ended_at=_time(ended_at),
            duration_s=duration_s, paused_s=paused_s, last_progress=last_progress,
            materials=materials, energy_kwh=None, energy_source=None, prices={}, cost=None,
            currency=DEFAULT_CURRENCY, category=j_category, customer=j_customer, note=None,
            revision=0, complete=False, end_estimated=bool(end_estimated), photo=photo,
            source=source,
        )  # fmt: skip
    cost = (
        None
        if net_cents is None
        else CostBreakdown(
            material_cents, energy_cents, machine_cents, net_cents, vat_cents, gross_cents
        )
    )
    return JobRecord(
        job_id=job_id, printer_uid=printer_uid, printer_name=printer_name, entry_id=entry_id,
        job_key=job_key, name=name, file_name=file_name, status=status,
        started_at=datetime.fromisoformat(started_at), ended_at=_time(ended_at),
        duration_s=duration_s, paused_s=paused_s, last_progress=last_progress,
        materials=_materials_from_json(r_materials),
        energy_kwh=None if energy_kwh is None else Decimal(energy_kwh),
        energy_source=energy_source, prices=json.loads(prices), cost=cost, currency=currency,
        category=r_category, customer=r_customer, note=note, revision=revision,
        complete=bool(complete), revised_at=_time(r_created_at), reason=reason,
        changed_fields=tuple(json.loads(changed)),
        stored_material_g=None if material_g is None else Decimal(material_g),
        end_estimated=bool(end_estimated), user_id=user_id, photo=photo, source=source,
    )  # fmt: skip


def get_job(conn: sqlite3.Connection, job_id: int) -> JobRecord | None:
    """A job with its latest revision."""
    row = conn.execute(_SELECT + " WHERE j.id = ?", (job_id,)).fetchone()
    return None if row is None else _record(row)


def get_revisions(conn: sqlite3.Connection, job_id: int) -> list[JobRecord]:
    """Every revision of an ended job, oldest first (the audit trail)."""
    rows = conn.execute(
        _COLUMNS
        + _ALL_REVISIONS_JOIN
        + " WHERE j.id = ? AND r.revision IS NOT NULL ORDER BY r.revision",
        (job_id,),
    ).fetchall()
    return [_record(row) for row in rows]


def _require(conn: sqlite3.Connection, job_id: int) -> JobRecord:
    job = get_job(conn, job_id)
    if job is None:
        raise UnknownJobError(f"unknown job {job_id}")
    return job


def start_job(
    conn: sqlite3.Connection,
    *,
    printer_uid: str,
    printer_name: str,
    entry_id: str,
    job_key: str,
    name: str | None,
    file_name: str | None,
    started_at: datetime,
    category: str,
    customer: str | None,
    now: datetime,
) -> JobRecord:
    """Insert an open job (status printing); a printer may have only one open job."""
    if category not in CATEGORIES:
        raise LedgerError(f"invalid category {category!r}")
    try:
        cursor = conn.execute(
            "INSERT INTO jobs (printer_uid, printer_name, entry_id, job_key, name, file_name,"
            " status, started_at, paused_s, category, customer, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'printing', ?, 0, ?, ?, ?, ?)",
            (
                printer_uid,
                printer_name,
                entry_id,
                job_key,
                name,
                file_name,
                to_db_time(started_at),
                category,
                customer,
                to_db_time(now),
                to_db_time(now),
            ),
        )
    except sqlite3.IntegrityError as err:
        raise LedgerError(f"printer {printer_uid} already has an open job") from err
    return _require(conn, int(cursor.lastrowid))  # type: ignore[arg-type]


def get_open_job(conn: sqlite3.Connection, printer_uid: str) -> JobRecord | None:
    """The printer's running or paused job."""
    row = conn.execute(
        _SELECT + " WHERE j.printer_uid = ? AND j.ended_at IS NULL", (printer_uid,)
    ).fetchone()
    return None if row is None else _record(row)


def find_job(conn: sqlite3.Connection, printer_uid: str, job_key: str) -> JobRecord | None:
    """The newest job of a printer with this key (dedup after a restart)."""
    row = conn.execute(
        _SELECT + " WHERE j.printer_uid = ? AND j.job_key = ? ORDER BY j.id DESC LIMIT 1",
        (printer_uid, job_key),
    ).fetchone()
    return None if row is None else _record(row)


def update_open_job(
    conn: sqlite3.Connection,
    job_id: int,
    *,
    status: str | None,
    paused_s: int | None,
    last_progress: float | None,
    name: str | None,
    file_name: str | None,
    materials: Sequence[MaterialUsage] | None,
    now: datetime,
    estimated_s: int | None = None,
) -> JobRecord:
    """Change a running job; an ended job raises JobClosedError."""
    job = _require(conn, job_id)
    if not job.is_open:
        raise JobClosedError(f"job {job_id} has ended")
    if status is not None and status not in OPEN_STATUSES:
        raise LedgerError(f"an open job cannot have status {status!r}; use finish_job")
    sets: dict[str, Any] = {}
    if status is not None:
        sets["status"] = status
    if paused_s is not None:
        sets["paused_s"] = int(paused_s)
    if last_progress is not None:
        sets["last_progress"] = float(last_progress)
    if name is not None:
        sets["name"] = name
    if file_name is not None:
        sets["file_name"] = file_name
    if materials is not None:
        sets["materials"] = _materials_to_json(materials)
    if estimated_s is not None:
        sets["estimated_s"] = int(estimated_s)
    if not sets:
        return job
    sets["updated_at"] = to_db_time(now)
    assignments = ", ".join(f"{column} = ?" for column in sets)
    conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*sets.values(), job_id))
    return _require(conn, job_id)


def _insert_revision(
    conn: sqlite3.Connection,
    *,
    job_id: int,
    revision: int,
    created_at: datetime,
    reason: str,
    changed: Sequence[str],
    category: str,
    customer: str | None,
    note: str | None,
    materials: Sequence[MaterialUsage],
    energy_kwh: Decimal | None,
    energy_source: str | None,
    prices: Mapping[str, str],
    cost: CostBreakdown | None,
    currency: str,
    complete: bool,
    user_id: str | None = None,
) -> None:
    if category not in CATEGORIES:
        raise LedgerError(f"invalid category {category!r}")
    if energy_source is not None and energy_source not in ENERGY_SOURCES:
        raise LedgerError(f"invalid energy source {energy_source!r}")
    if cost is not None and cost.net_cents != (
        cost.material_cents + cost.energy_cents + cost.machine_cents
    ):
        raise LedgerError("cost components do not add up to net")
    if cost is not None and cost.gross_cents != cost.net_cents + cost.vat_cents:
        raise LedgerError("net + vat is not gross")
    material_g = _sum_grams(materials) if materials else None
    conn.execute(
        "INSERT INTO job_revisions (job_id, revision, created_at, reason, changed, category,"
        " customer, note, materials, material_g, energy_kwh, energy_source, prices,"
        " material_cents, energy_cents, machine_cents, net_cents, vat_cents, gross_cents,"
        " currency, complete, user_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job_id,
            revision,
            to_db_time(created_at),
            reason,
            json.dumps(list(changed)),
            category,
            customer,
            note,
            _materials_to_json(materials),
            to_db_decimal(material_g),
            to_db_decimal(to_decimal(energy_kwh) if energy_kwh is not None else None),
            energy_source,
            json.dumps({str(k): str(v) for k, v in prices.items()}, ensure_ascii=False),
            None if cost is None else cost.material_cents,
            None if cost is None else cost.energy_cents,
            None if cost is None else cost.machine_cents,
            None if cost is None else cost.net_cents,
            None if cost is None else cost.vat_cents,
            None if cost is None else cost.gross_cents,
            currency,
            1 if complete else 0,
            user_id,
        ),
    )


def finish_job(
    conn: sqlite3.Connection,
    job_id: int,
    *,
    status: str,
    ended_at: datetime,
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
    now: datetime,
    end_estimated: bool = False,
) -> JobRecord:
    """Close an open job and write revision 1 in one transaction; the row is frozen after this.

    `end_estimated`: the end was not seen; `ended_at` comes from what the printer reported.
    """
    if status not in ENDED_STATUSES:
        raise LedgerError(f"a job cannot end with status {status!r}")
    job = _require(conn, job_id)
    if not job.is_open:
        raise JobClosedError(f"job {job_id} has already ended")
    if ended_at < job.started_at:
        raise LedgerError("a job cannot end before it started")
    conn.execute(
        "UPDATE jobs SET status = ?, ended_at = ?, end_estimated = ?, duration_s = ?,"
        " paused_s = ?, last_progress = ?, materials = ?, updated_at = ? WHERE id = ?",
        (
            status,
            to_db_time(ended_at),
            1 if end_estimated else 0,
            int(duration_s),
            int(paused_s),
            None if last_progress is None else float(last_progress),
            _materials_to_json(materials),
            to_db_time(now),
            job_id,
        ),
    )
    _insert_revision(
        conn,
        job_id=job_id,
        revision=1,
        created_at=now,
        reason=f"job {status}",
        changed=(),
        category=job.category,
        customer=job.customer,
        note=None,
        materials=materials,
        energy_kwh=energy_kwh,
        energy_source=energy_source,
        prices=prices,
        cost=cost,
        currency=currency,
        complete=complete,
    )
    # what was printed is on the plate until someone clears it (the queue waits for that)
    set_plate_clear(conn, job.printer_uid, clear=False, now=now)
    return _require(conn, job_id)


def set_plate_clear(
    conn: sqlite3.Connection,
    printer_uid: str,
    *,
    clear: bool,
    now: datetime,
    user_id: str | None = None,
) -> None:
    """Remember whether the printer's plate is clear (no row: clear, a new printer's plate)."""
    conn.execute(
        "INSERT INTO plate_state (printer_uid, clear, changed_at, user_id) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (printer_uid) DO UPDATE SET clear = excluded.clear,"
        " changed_at = excluded.changed_at, user_id = excluded.user_id",
        (printer_uid, 1 if clear else 0, to_db_time(now), user_id),
    )


def plate_clear(conn: sqlite3.Connection, printer_uid: str) -> bool:
    """The printer's plate flag (clear until a job ends on it)."""
    row = conn.execute(
        "SELECT clear FROM plate_state WHERE printer_uid = ?", (printer_uid,)
    ).fetchone()
    return row is None or bool(row[0])


def add_manual_job(
    conn: sqlite3.Connection,
    *,
    printer_uid: str,
    printer_name: str,
    entry_id: str,
    job_key: str,
    name: str,
    status: str,
    started_at: datetime,
    ended_at: datetime,
    materials: Sequence[MaterialUsage],
    energy_kwh: Decimal | None,
    energy_source: str | None,
    prices: Mapping[str, str],
    cost: CostBreakdown | None,
    currency: str,
    category: str,
    customer: str | None,
    note: str | None,
    now: datetime,
    user_id: str | None,
) -> JobRecord:
    """Record a print Home Assistant did not watch: an ended job and its revision 1 at once.

    Its `source` is `manual`, revision 1 names the user who entered it; the plate flag is left
    alone (the print is long gone from the plate).
    """
    if status not in ENDED_STATUSES:
        raise LedgerError(f"a job cannot end with status {status!r}")
    if category not in CATEGORIES:
        raise LedgerError(f"invalid category {category!r}")
    if ended_at < started_at:
        raise LedgerError("a job cannot end before it started")
    duration_s = int((ended_at - started_at).total_seconds())
    cursor = conn.execute(
        "INSERT INTO jobs (printer_uid, printer_name, entry_id, job_key, name, file_name,"
        " status, started_at, ended_at, duration_s, paused_s, last_progress, materials,"
        " category, customer, created_at, updated_at, source)"
        " VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, 0, NULL, ?, ?, ?, ?, ?, 'manual')",
        (
            printer_uid,
            printer_name,
            entry_id,
            job_key,
            name,
            status,
            to_db_time(started_at),
            to_db_time(ended_at),
            duration_s,
            _materials_to_json(materials),
            category,
            customer,
            to_db_time(now),
            to_db_time(now),
        ),
    )
    job_id = int(cursor.lastrowid)  # type: ignore[arg-type]
    _insert_revision(
        conn,
        job_id=job_id,
        revision=1,
        created_at=now,
        reason="add_job",
        changed=(),
        category=category,
        customer=customer,
        note=note,
        materials=materials,
        energy_kwh=energy_kwh,
        energy_source=energy_source,
        prices=prices,
        cost=cost,
        currency=currency,
        complete=bool(materials),
        user_id=user_id,
    )
    return _require(conn, job_id)


def add_revision(
    conn: sqlite3.Connection,
    job_id: int,
    *,
    reason: str,
    changes: Mapping[str, Any],
    now: datetime,
    user_id: str | None = None,
) -> JobRecord:
    """Append revision n+1 = revision n with `changes`; a no-op change appends nothing.

    `user_id` is the Home Assistant user who asked for the correction (None: automatic).
    """
    unknown = set(changes) - set(REVISION_KEYS)
    if unknown:
        raise LedgerError(f"cannot revise {sorted(unknown)}")
    if not reason or not reason.strip():
        raise LedgerError("a revision needs a reason")
    job = _require(conn, job_id)
    if job.is_open:
        raise JobOpenError(f"job {job_id} is still {job.status}")
    current: dict[str, Any] = {
        "category": job.category,
        "customer": job.customer,
        "note": job.note,
        "materials": job.materials,
        "energy_kwh": job.energy_kwh,
        "energy_source": job.energy_source,
        "prices": job.prices,
        "cost": job.cost,
        "complete": job.complete,
    }
    new = dict(current)
    for key, value in changes.items():
        if key == "materials":
            value = tuple(
                MaterialUsage(m.material, float(to_decimal(m.grams))) for m in value or ()
            )
        elif key == "energy_kwh" and value is not None:
            value = to_decimal(value)
        elif key == "prices":
            value = {str(k): str(v) for k, v in (value or {}).items()}
        elif key == "complete":
            value = bool(value)
        new[key] = value
    changed = [
        key
        for key in REVISION_KEYS
        if key in changes and _comparable(key, new[key]) != _comparable(key, current[key])
    ]
    if not changed:
        return job
    _insert_revision(
        conn,
        job_id=job_id,
        revision=job.revision + 1,
        created_at=now,
        reason=reason.strip(),
        changed=changed,
        category=new["category"],
        customer=new["customer"],
        note=new["note"],
        materials=new["materials"],
        energy_kwh=new["energy_kwh"],
        energy_source=new["energy_source"],
        prices=new["prices"],
        cost=new["cost"],
        currency=job.currency,
        complete=new["complete"],
        user_id=user_id,
    )
    return _require(conn, job_id)


def _comparable(key: str, value: Any) -> Any:
    if key == "materials":
        return tuple((m.material, to_decimal(m.grams)) for m in value)
    return value


def _filters(
    *,
    start: datetime | None,
    end: datetime | None,
    entry_id: str | None,
    printer_uid: str | None,
    status: str | None,
    category: str | None,
    ended_only: bool,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if start is not None:
        clauses.append("j.started_at >= ?")
        params.append(to_db_time(start))
    if end is not None:
        clauses.append("j.started_at < ?")
        params.append(to_db_time(end))
    if entry_id is not None:
        clauses.append("j.entry_id = ?")
        params.append(entry_id)
    if printer_uid is not None:
        clauses.append("j.printer_uid = ?")
        params.append(printer_uid)
    if status is not None:
        clauses.append("j.status = ?")
        params.append(status)
    if ended_only:
        clauses.append("j.ended_at IS NOT NULL")
    if category is not None:
        clauses.append("COALESCE(r.category, j.category) = ?")
        params.append(category)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def list_jobs_sql(
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    entry_id: str | None = None,
    printer_uid: str | None = None,
    status: str | None = None,
    category: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[tuple[str, list[Any]], tuple[str, list[Any]]]:
    """(page query, count query) with parameters; public so tests can EXPLAIN them."""
    where, params = _filters(
        start=start,
        end=end,
        entry_id=entry_id,
        printer_uid=printer_uid,
        status=status,
        category=category,
        ended_only=False,
    )
    page = _SELECT + where + " ORDER BY j.started_at DESC, j.id DESC LIMIT ? OFFSET ?"
    if category is None:
        count = "SELECT COUNT(*) FROM jobs AS j" + where
    else:
        join = _LATEST_JOIN
        if (start, end, entry_id, printer_uid, status) == (None, None, None, None, None):
            # Category lives in the latest revision, so an unbounded category count has to
            # visit every job; walk the started_at index like the page query does.
            join = join.replace("FROM jobs AS j", "FROM jobs AS j INDEXED BY idx_jobs_started", 1)
        count = "SELECT COUNT(*) " + join + where
    return (page, [*params, int(limit), int(offset)]), (count, list(params))


def list_jobs(
    conn: sqlite3.Connection,
    *,
    start: datetime | None,
    end: datetime | None,
    entry_id: str | None,
    printer_uid: str | None,
    status: str | None,
    category: str | None,
    limit: int,
    offset: int,
) -> tuple[list[JobRecord], int]:
    """A page of jobs started in [start, end), newest first, and the total count."""
    (page, page_params), (count, count_params) = list_jobs_sql(
        start=start,
        end=end,
        entry_id=entry_id,
        printer_uid=printer_uid,
        status=status,
        category=category,
        limit=limit,
        offset=offset,
    )
    rows = conn.execute(page, page_params).fetchall()
    total = conn.execute(count, count_params).fetchone()[0]
    return [_record(row) for row in rows], int(total)


def report_jobs_sql(
    *,
    start: datetime,
    end: datetime,
    entry_id: str | None = None,
    printer_uid: str | None = None,
    category: str | None = None,
) -> tuple[str, list[Any]]:
    """Ended jobs started in [start, end), oldest first: the query behind reports and exports."""
    where, params = _filters(
        start=start,
        end=end,
        entry_id=entry_id,
        printer_uid=printer_uid,
        status=None,
        category=category,
        ended_only=True,
    )
    return _SELECT + where + " ORDER BY j.started_at, j.id", params


def report_jobs(
    conn: sqlite3.Connection,
    *,
    start: datetime,
    end: datetime,
    entry_id: str | None,
    printer_uid: str | None,
    category: str | None,
) -> list[JobRecord]:
    """Run the report query."""
    sql, params = report_jobs_sql(
        start=start, end=end, entry_id=entry_id, printer_uid=printer_uid, category=category
    )
    return [_record(row) for row in conn.execute(sql, params)]


# Totals are what Home Assistant watched: manual jobs count in reports, not here (the Energy
# dashboard would book a manual job's old kWh at the time it was entered).
PRINTER_TOTALS_SQL = (
    "SELECT COUNT(*), COALESCE(SUM(r.gross_cents), 0), COALESCE(SUM(r.net_cents), 0) "
    + _LATEST_JOIN
    + " WHERE j.printer_uid = ? AND j.ended_at IS NOT NULL AND j.source = 'printer'"
)
PRINTER_AMOUNTS_SQL = (
    "SELECT r.material_g, r.energy_kwh "
    + _LATEST_JOIN
    + " WHERE j.printer_uid = ? AND j.ended_at IS NOT NULL AND j.source = 'printer'"
)


def printer_totals(conn: sqlite3.Connection, printer_uid: str) -> Totals:
    """Sums over the printer's ended jobs, using each job's latest revision."""
    jobs, gross, net = conn.execute(PRINTER_TOTALS_SQL, (printer_uid,)).fetchone()
    grams = Decimal(0)
    kwh = Decimal(0)
    # Decimal text is summed in Python: SQLite's SUM would go through float
    for material_g, energy_kwh in conn.execute(PRINTER_AMOUNTS_SQL, (printer_uid,)):
        if material_g is not None:
            grams += Decimal(material_g)
        if energy_kwh is not None:
            kwh += Decimal(energy_kwh)
    return Totals(
        jobs=int(jobs), cost_cents=int(gross), material_g=grams, energy_kwh=kwh, net_cents=int(net)
    )


LAST_ENDED_SQL = (
    _SELECT + " WHERE j.printer_uid = ? AND j.ended_at IS NOT NULL AND j.source = 'printer'"
    " ORDER BY j.ended_at DESC, j.id DESC LIMIT 1"
)


def last_ended_job(conn: sqlite3.Connection, printer_uid: str) -> JobRecord | None:
    """The printer's most recently ended job."""
    row = conn.execute(LAST_ENDED_SQL, (printer_uid,)).fetchone()
    return None if row is None else _record(row)


# Panel reads (websocket_api): the job list in any column order, with the same filters.
JOB_ORDER = {
    "started_at": "j.started_at",
    "printer": "j.printer_name COLLATE NOCASE",
    "name": "j.name COLLATE NOCASE",
    "status": "j.status",
    "duration": "j.duration_s",
    "material": "CAST(r.material_g AS REAL)",
    "gross": "r.gross_cents",
}


def list_jobs_ordered(
    conn: sqlite3.Connection,
    *,
    start: datetime | None,
    end: datetime | None,
    entry_id: str | None,
    printer_uid: str | None,
    status: str | None,
    category: str | None,
    limit: int,
    offset: int,
    order_by: str = "started_at",
    descending: bool = True,
) -> tuple[list[JobRecord], int]:
    """A page of `list_jobs` sorted by a JOB_ORDER column (ties: newest id first).

    Newest first is `list_jobs` itself (its index walk stays fast at 100k jobs); other
    orders sort the filtered rows, which SQLite does in one pass.
    """
    if order_by == "started_at" and descending:
        return list_jobs(
            conn,
            start=start,
            end=end,
            entry_id=entry_id,
            printer_uid=printer_uid,
            status=status,
            category=category,
            limit=limit,
            offset=offset,
        )
    _, (count, count_params) = list_jobs_sql(
        start=start,
        end=end,
        entry_id=entry_id,
        printer_uid=printer_uid,
        status=status,
        category=category,
    )
    where, params = _filters(
        start=start,
        end=end,
        entry_id=entry_id,
        printer_uid=printer_uid,
        status=status,
        category=category,
        ended_only=False,
    )
    direction = "DESC" if descending else "ASC"
    page = (
        _SELECT
        + where
        + f" ORDER BY {JOB_ORDER[order_by]} {direction}, j.id {direction} LIMIT ? OFFSET ?"
    )
    rows = conn.execute(page, [*params, int(limit), int(offset)]).fetchall()
    total = conn.execute(count, count_params).fetchone()[0]
    return [_record(row) for row in rows], int(total)
