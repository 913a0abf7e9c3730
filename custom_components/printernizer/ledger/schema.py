"""Schema and forward-only migrations of the ledger database.

Why forward-only: a released database is somebody's business record. Each migration is a
numbered script run once in its own transaction; `schema_version` remembers which ran. A file
written by a newer version is refused instead of being "repaired" by an older one.

Storage choices (see ledger/db.py): times are fixed-width ISO-8601 UTC text, grams and kWh are
Decimal text, money is integer cents.
"""

from __future__ import annotations

from datetime import UTC, datetime
import sqlite3

# Version 1: jobs (the open/closed job facts), job_revisions (append-only priced records),
# files (the printer file index; repository in ledger/files.py).
_V1 = """
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY,
    printer_uid     TEXT    NOT NULL,
    printer_name    TEXT    NOT NULL,
    entry_id        TEXT    NOT NULL,
    job_key         TEXT    NOT NULL,
    name            TEXT,
    file_name       TEXT,
    status          TEXT    NOT NULL
                    CHECK (status IN ('printing', 'paused', 'finished', 'failed', 'cancelled')),
    started_at      TEXT    NOT NULL,
    ended_at        TEXT,
    duration_s      INTEGER,
    paused_s        INTEGER NOT NULL DEFAULT 0,
    last_progress   REAL,
    materials       TEXT    NOT NULL DEFAULT '[]',
    category        TEXT    NOT NULL CHECK (category IN ('business', 'private')),
    customer        TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    CHECK ((ended_at IS NULL) = (status IN ('printing', 'paused')))
);

-- report and list queries: period (+ printer, + status), newest first
CREATE INDEX idx_jobs_started ON jobs (started_at);
CREATE INDEX idx_jobs_entry_started ON jobs (entry_id, started_at);
CREATE INDEX idx_jobs_status_started ON jobs (status, started_at);
-- printer totals / last job of a printer
CREATE INDEX idx_jobs_printer_ended ON jobs (printer_uid, ended_at);
CREATE INDEX idx_jobs_printer_key ON jobs (printer_uid, job_key);
-- at most one open job per printer
CREATE UNIQUE INDEX idx_jobs_one_open ON jobs (printer_uid) WHERE ended_at IS NULL;

-- GoBD: an ended job is a record; it must not change or disappear.
CREATE TRIGGER jobs_ended_no_update BEFORE UPDATE ON jobs
WHEN OLD.ended_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'ledger: an ended job is immutable; append a revision');
END;
CREATE TRIGGER jobs_ended_no_delete BEFORE DELETE ON jobs
WHEN OLD.ended_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'ledger: an ended job cannot be deleted');
END;

CREATE TABLE job_revisions (
    job_id          INTEGER NOT NULL REFERENCES jobs (id),
    revision        INTEGER NOT NULL CHECK (revision >= 1),
    created_at      TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    changed         TEXT    NOT NULL DEFAULT '[]',
    category        TEXT    NOT NULL CHECK (category IN ('business', 'private')),
    customer        TEXT,
    note            TEXT,
    materials       TEXT    NOT NULL DEFAULT '[]',
    material_g      TEXT,
    energy_kwh      TEXT,
    energy_source   TEXT    CHECK (energy_source IN ('measured', 'estimated')),
    prices          TEXT    NOT NULL DEFAULT '{}',
    material_cents  INTEGER,
    energy_cents    INTEGER,
    machine_cents   INTEGER,
    net_cents       INTEGER,
    vat_cents       INTEGER,
    gross_cents     INTEGER,
    currency        TEXT    NOT NULL,
    complete        INTEGER NOT NULL CHECK (complete IN (0, 1)),
    PRIMARY KEY (job_id, revision)
) WITHOUT ROWID;

CREATE TRIGGER job_revisions_no_update BEFORE UPDATE ON job_revisions
BEGIN
    SELECT RAISE(ABORT, 'ledger: revisions are append-only');
END;
CREATE TRIGGER job_revisions_no_delete BEFORE DELETE ON job_revisions
BEGIN
    SELECT RAISE(ABORT, 'ledger: revisions are append-only');
END;

CREATE TABLE files (
    id              INTEGER PRIMARY KEY,
    printer_uid     TEXT,
    entry_id        TEXT,
    source          TEXT,
    remote_path     TEXT,
    name            TEXT,
    size            INTEGER,
    remote_mtime    TEXT,
    status          TEXT,
    local_path      TEXT,
    sha256          TEXT,
    downloaded_at   TEXT,
    job_id          INTEGER REFERENCES jobs (id),
    error           TEXT,
    first_seen      TEXT,
    last_seen       TEXT,
    UNIQUE (printer_uid, remote_path)
);
CREATE INDEX idx_files_status ON files (status);
CREATE INDEX idx_files_entry ON files (entry_id);
CREATE INDEX idx_files_downloaded ON files (downloaded_at);
CREATE INDEX idx_files_job ON files (job_id);
"""

# Version 2: a job's end can be estimated (it ended while Home Assistant was away, so the
# printer's report stands in for the moment), a revision records the Home Assistant user who
# made a correction (audit trail), and history is filtered by printer, not by config entry
# (a printer removed and added again keeps its jobs).
_V2 = """
ALTER TABLE jobs ADD COLUMN end_estimated INTEGER NOT NULL DEFAULT 0
    CHECK (end_estimated IN (0, 1));
ALTER TABLE job_revisions ADD COLUMN user_id TEXT;
CREATE INDEX idx_jobs_printer_started ON jobs (printer_uid, started_at);
"""

# Version 3: a photo of each job (taken by the printer's camera as it ended, else its
# thumbnail), kept in Home Assistant's media folder. A row of its own, because an ended job's
# row is frozen; `deleted_at` records that cleanup removed the file (the row stays).
_V3 = """
CREATE TABLE job_photos (
    job_id          INTEGER PRIMARY KEY REFERENCES jobs (id),
    path            TEXT    NOT NULL,
    source          TEXT    NOT NULL CHECK (source IN ('camera', 'thumbnail')),
    size            INTEGER NOT NULL,
    taken_at        TEXT    NOT NULL,
    deleted_at      TEXT
);
CREATE INDEX idx_job_photos_taken ON job_photos (taken_at);
"""

# Version 4: the print queue (items printed in `position` order by whichever of their printers
# is free first, with a clear plate), each printer's plate flag (a row only once it changed:
# no row = clear, so a new printer's plate is clear; a job's end sets it not clear in the same
# transaction), and the source of a job: watched on a printer, or entered by hand (`manual`
# jobs count in reports, not in a printer's totals).
_V4 = """
CREATE TABLE queue_items (
    id              INTEGER PRIMARY KEY,
    position        INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    source_kind     TEXT    NOT NULL CHECK (source_kind IN ('local', 'file', 'remote')),
    local_path      TEXT,
    file_id         INTEGER,
    remote_path     TEXT,
    printers        TEXT    NOT NULL DEFAULT '[]',
    options         TEXT    NOT NULL DEFAULT '{}',
    not_before      TEXT,
    status          TEXT    NOT NULL DEFAULT 'waiting'
                    CHECK (status IN ('waiting', 'uploading', 'starting', 'printing', 'done',
                                      'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    entry_id        TEXT,
    printer_uid     TEXT,
    job_watermark   INTEGER,
    start_sent_at   TEXT,
    job_id          INTEGER REFERENCES jobs (id),
    error           TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    user_id         TEXT,
    changed_by      TEXT
);
CREATE INDEX idx_queue_status_position ON queue_items (status, position);

CREATE TABLE plate_state (
    printer_uid     TEXT    PRIMARY KEY,
    clear           INTEGER NOT NULL CHECK (clear IN (0, 1)),
    changed_at      TEXT    NOT NULL,
    user_id         TEXT
);

ALTER TABLE jobs ADD COLUMN source TEXT NOT NULL DEFAULT 'printer'
    CHECK (source IN ('printer', 'manual'));
"""

# Version 5: statistics and maintenance. A job remembers its file's time estimate (how good
# the slicer's guesses are). `job_figures` is each ended job at its latest revision, kept by a
# trigger as revisions are appended and ordered by start: statistics read a period as one
# contiguous range of narrow rows (a derived copy; the records stay jobs + job_revisions).
# Maintenance tasks per printer with their intervals, and every time
# one was done (an append-only log: the last entry is where its counters start again; 'start'
# marks when counting began for a task nobody has ticked off yet).
_V5 = """
ALTER TABLE jobs ADD COLUMN estimated_s INTEGER;
CREATE INDEX idx_jobs_printer_status_started ON jobs (printer_uid, status, started_at);
CREATE TABLE maintenance_tasks (
    printer_uid     TEXT    NOT NULL,
    task            TEXT    NOT NULL,
    interval_hours  REAL,
    interval_jobs   INTEGER,
    interval_days   INTEGER,
    removed         INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_at      TEXT    NOT NULL,
    PRIMARY KEY (printer_uid, task)
) WITHOUT ROWID;
CREATE TABLE maintenance_log (
    id              INTEGER PRIMARY KEY,
    printer_uid     TEXT    NOT NULL,
    task            TEXT    NOT NULL,
    done_at         TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('start', 'done')),
    user_id         TEXT
);
CREATE INDEX idx_maintenance_log_task ON maintenance_log (printer_uid, task, done_at);
CREATE TRIGGER maintenance_log_no_update BEFORE UPDATE ON maintenance_log
BEGIN
    SELECT RAISE(ABORT, 'ledger: the maintenance log is append-only');
END;
CREATE TABLE job_figures (
    started_at      TEXT    NOT NULL,
    job_id          INTEGER NOT NULL,
    printer_uid     TEXT    NOT NULL,
    printer_name    TEXT    NOT NULL,
    entry_id        TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    print_s         INTEGER,
    estimated_s     INTEGER,
    -- a finished job with the slicer's estimate: its estimate and its print time (else NULL)
    estimate_s      INTEGER,
    estimate_actual_s INTEGER,
    revision        INTEGER NOT NULL,
    category        TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    materials       TEXT    NOT NULL,
    material_g      TEXT,
    energy_kwh      TEXT,
    -- the same amounts in millionths (integers sum exactly), exact = 1 when no amount has
    -- more than six decimals (else statistics sum the Decimal text)
    material_g_u    INTEGER,
    energy_kwh_u    INTEGER,
    exact           INTEGER NOT NULL,
    material_cents  INTEGER,
    energy_cents    INTEGER,
    machine_cents   INTEGER,
    net_cents       INTEGER,
    vat_cents       INTEGER,
    gross_cents     INTEGER,
    PRIMARY KEY (started_at, job_id)
) WITHOUT ROWID;
CREATE INDEX idx_job_figures_printer ON job_figures (printer_uid, started_at);
CREATE TRIGGER job_figures_latest AFTER INSERT ON job_revisions
WHEN NOT EXISTS (
    SELECT 1 FROM job_revisions AS r2 WHERE r2.job_id = NEW.job_id AND r2.revision > NEW.revision
)
BEGIN
    INSERT OR REPLACE INTO job_figures (
        started_at, job_id, printer_uid, printer_name, entry_id, status, print_s,
        estimated_s, estimate_s, estimate_actual_s, revision, category, currency, materials,
        material_g, energy_kwh, material_g_u, energy_kwh_u, exact, material_cents,
        energy_cents, machine_cents, net_cents, vat_cents, gross_cents
    )
    SELECT j.started_at, j.id, j.printer_uid, j.printer_name, j.entry_id, j.status,
           j.duration_s - j.paused_s, j.estimated_s,
           CASE WHEN j.status = 'finished' AND j.estimated_s > 0 THEN j.estimated_s END,
           CASE WHEN j.status = 'finished' AND j.estimated_s > 0
                THEN j.duration_s - j.paused_s END,
           NEW.revision, NEW.category, NEW.currency,
           NEW.materials, NEW.material_g, NEW.energy_kwh,
           CAST(ROUND(CAST(NEW.material_g AS REAL) * 1000000) AS INTEGER),
           CAST(ROUND(CAST(NEW.energy_kwh AS REAL) * 1000000) AS INTEGER),
           NOT (COALESCE(NEW.material_g GLOB '*.???????*', 0)
                OR COALESCE(NEW.energy_kwh GLOB '*.???????*', 0)),
           NEW.material_cents, NEW.energy_cents,
           NEW.machine_cents, NEW.net_cents, NEW.vat_cents, NEW.gross_cents
    FROM jobs AS j WHERE j.id = NEW.job_id;
END;
INSERT INTO job_figures (
        started_at, job_id, printer_uid, printer_name, entry_id, status, print_s,
        estimated_s, estimate_s, estimate_actual_s, revision, category, currency, materials,
        material_g, energy_kwh, material_g_u, energy_kwh_u, exact, material_cents,
        energy_cents, machine_cents, net_cents, vat_cents, gross_cents
)
SELECT j.started_at, j.id, j.printer_uid, j.printer_name, j.entry_id, j.status,
       j.duration_s - j.paused_s, j.estimated_s,
       CASE WHEN j.status = 'finished' AND j.estimated_s > 0 THEN j.estimated_s END,
       CASE WHEN j.status = 'finished' AND j.estimated_s > 0 THEN j.duration_s - j.paused_s END,
       r.revision, r.category, r.currency,
       r.materials, r.material_g, r.energy_kwh,
           CAST(ROUND(CAST(r.material_g AS REAL) * 1000000) AS INTEGER),
       CAST(ROUND(CAST(r.energy_kwh AS REAL) * 1000000) AS INTEGER),
       NOT (COALESCE(r.material_g GLOB '*.???????*', 0)
            OR COALESCE(r.energy_kwh GLOB '*.???????*', 0)),
       r.material_cents, r.energy_cents,
       r.machine_cents, r.net_cents, r.vat_cents, r.gross_cents
FROM jobs AS j
JOIN job_revisions AS r
  ON r.job_id = j.id
 AND r.revision = (SELECT MAX(r2.revision) FROM job_revisions AS r2 WHERE r2.job_id = j.id);
"""

# Append new scripts here; never edit a released one. Numbers may have gaps (a version taken
# by a branch not merged yet): each script runs once, in order, when its number is new.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, _V1),
    (2, _V2),
    (3, _V3),
    (4, _V4),
    (5, _V5),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class SchemaError(Exception):
    """The database was written by a newer, unknown schema version."""


def current_version(conn: sqlite3.Connection) -> int:
    """The highest applied migration, 0 for an empty database."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every missing migration, each atomically; return the resulting version.

    The connection must be in autocommit mode (isolation_level=None).
    """
    version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"ledger schema version {version} is newer than this code ({SCHEMA_VERSION})"
        )
    # by the set applied, not the highest: a number left free in a gap may arrive later
    applied = {int(row[0]) for row in conn.execute("SELECT version FROM schema_version")}
    for number, script in MIGRATIONS:
        if number in applied:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split(script):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (number, datetime.now(UTC).isoformat()),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        version = max(version, number)
    return version


def _split(script: str) -> list[str]:
    """Split a script into complete statements (triggers contain inner semicolons).

    `executescript` would commit implicitly and break the one-transaction-per-migration rule.
    """
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise SchemaError(f"incomplete statement in migration: {buffer.strip()[:60]}")
    return statements
