"""Ledger schema 2: a v1 database with real jobs upgrades in place; the new columns work.

Schema 2 adds `jobs.end_estimated` (an end the printer's report had to stand in for),
`job_revisions.user_id` (who made a correction) and an index for filters by printer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
import pathlib
import sqlite3

import pytest

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import CostBreakdown
from custom_components.printernizer.ledger import Ledger, LedgerError, schema

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
CLOCK = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
COST = CostBreakdown(250, 6, 150, 406, 77, 483)


@pytest.fixture
def ledger(tmp_path: pathlib.Path) -> Iterator[Ledger]:
    """An open ledger with a fixed revision clock."""
    instance = Ledger(tmp_path / "printernizer.db", clock=lambda: CLOCK)
    instance.open()
    yield instance
    instance.close()


def _v1_database(path: pathlib.Path) -> None:
    """A ledger as version 1 wrote it: an ended job with two revisions, an open job, a file."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        schema.current_version(conn)
        conn.execute("BEGIN")
        for statement in schema._split(schema.MIGRATIONS[0][1]):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, '2025-01-01T00:00:00+00:00')")
        conn.execute(
            "INSERT INTO jobs (id, printer_uid, printer_name, entry_id, job_key, name, file_name,"
            " status, started_at, ended_at, duration_s, paused_s, last_progress, materials,"
            " category, customer, created_at, updated_at) VALUES (1, 'SERIAL1', 'P1S', 'e1',"
            " 'cube@x', 'cube', 'cube.3mf', 'finished', '2025-03-01T08:00:00.000000Z',"
            " '2025-03-01T09:30:00.000000Z', 5400, 0, 100.0,"
            ' \'[{"material": "PLA", "grams": "40"}]\', \'business\', NULL,'
            " '2025-03-01T08:00:00.000000Z', '2025-03-01T09:30:00.000000Z')"
        )
        for revision, category in ((1, "business"), (2, "private")):
            conn.execute(
                "INSERT INTO job_revisions (job_id, revision, created_at, reason, changed,"
                " category, materials, material_g, energy_kwh, energy_source, prices,"
                " material_cents, energy_cents, machine_cents, net_cents, vat_cents, gross_cents,"
                " currency, complete) VALUES (1, ?, '2025-03-01T09:30:00.000000Z', 'r', '[]', ?,"
                " '[{\"material\": \"PLA\", \"grams\": \"40\"}]', '40', '0.15', 'estimated',"
                " '{\"material:PLA\": \"25\"}', 100, 5, 300, 405, 77, 482, 'EUR', 1)",
                (revision, category),
            )
        conn.execute(
            "INSERT INTO jobs (id, printer_uid, printer_name, entry_id, job_key, name, file_name,"
            " status, started_at, paused_s, materials, category, created_at, updated_at)"
            " VALUES (2, 'SERIAL1', 'P1S', 'e1', '7', 'bracket', 'bracket.3mf', 'printing',"
            " '2025-03-02T08:00:00.000000Z', 0, '[]', 'private', '2025-03-02T08:00:00.000000Z',"
            " '2025-03-02T08:00:00.000000Z')"
        )
        conn.execute(
            "INSERT INTO files (printer_uid, entry_id, source, remote_path, name, job_id)"
            " VALUES ('SERIAL1', 'e1', 'ftps', '/cube.3mf', 'cube.3mf', 1)"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_v1_database_with_jobs_upgrades_to_schema_2(tmp_path: pathlib.Path) -> None:
    """Every v1 record reads back unchanged; the new columns answer "not estimated", "no user"."""
    path = tmp_path / "printernizer.db"
    _v1_database(path)
    ledger = Ledger(path, clock=lambda: CLOCK)
    ledger.open()
    try:
        with ledger.read() as conn:
            versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
            indexes = {row[1] for row in conn.execute("PRAGMA index_list(jobs)")}
        assert versions == [number for number, _ in schema.MIGRATIONS]
        assert versions[:2] == [1, 2]
        assert "idx_jobs_printer_started" in indexes

        ended = ledger.get_job(1)
        assert ended is not None
        assert (ended.status, ended.revision, ended.category) == ("finished", 2, "private")
        assert ended.materials == (MaterialUsage("PLA", 40.0),)
        assert ended.cost == CostBreakdown(100, 5, 300, 405, 77, 482)
        assert ended.end_estimated is False
        assert [r.user_id for r in ledger.get_revisions(1)] == [None, None]

        # GoBD holds after the upgrade: the ended job stays frozen
        with pytest.raises(sqlite3.IntegrityError, match="immutable"), ledger.write() as conn:
            conn.execute("UPDATE jobs SET end_estimated = 1 WHERE id = 1")

        # the open v1 job ends as a v2 job, with an estimated end
        closed = ledger.finish_job(
            2,
            status="finished",
            ended_at=T0 + timedelta(days=1, hours=1),
            end_estimated=True,
            duration_s=3600,
            paused_s=0,
            last_progress=100.0,
            materials=[],
            energy_kwh=Decimal("0.105"),
            energy_source="estimated",
            prices={},
            cost=COST,
            currency="EUR",
            complete=False,
        )
        assert closed.end_estimated is True
        corrected = ledger.add_revision(
            1, reason="set_job_category", changes={"category": "business"}, user_id="u-42"
        )
        assert (corrected.revision, corrected.user_id) == (3, "u-42")
        assert ledger.printer_totals("SERIAL1").jobs == 2
    finally:
        ledger.close()


def test_revision_records_who_made_it(ledger: Ledger) -> None:
    """The automatic revision 1 has no user; a correction keeps its user in the audit trail."""
    job = ledger.start_job(
        printer_uid="A",
        printer_name="Printer A",
        entry_id="e",
        job_key="k",
        name="part",
        file_name="part.3mf",
        started_at=T0,
        category="private",
    )
    ledger.finish_job(
        job.job_id,
        status="finished",
        ended_at=T0 + timedelta(hours=1),
        duration_s=3600,
        paused_s=0,
        last_progress=100.0,
        materials=[MaterialUsage("PLA", 10.0)],
        energy_kwh=Decimal("0.1"),
        energy_source="estimated",
        prices={},
        cost=COST,
        currency="EUR",
        complete=True,
    )
    ledger.add_revision(job.job_id, reason="r", changes={"customer": "Müller"}, user_id="u-1")
    ledger.add_revision(job.job_id, reason="r", changes={"note": "rush"})
    revisions = ledger.get_revisions(job.job_id)
    assert [(r.revision, r.user_id) for r in revisions] == [(1, None), (2, "u-1"), (3, None)]
    latest = ledger.get_job(job.job_id)
    assert latest is not None
    assert latest.user_id is None  # the latest revision was made without a user (automation)
    assert latest.end_estimated is False


def test_end_estimated_needs_a_boolean_column(ledger: Ledger) -> None:
    """The column accepts only 0 and 1."""
    job = ledger.start_job(
        printer_uid="A",
        printer_name="Printer A",
        entry_id="e",
        job_key="k",
        name=None,
        file_name=None,
        started_at=T0,
        category="private",
    )
    with pytest.raises(sqlite3.IntegrityError), ledger.write() as conn:
        conn.execute("UPDATE jobs SET end_estimated = 2 WHERE id = ?", (job.job_id,))
    with pytest.raises(LedgerError):
        ledger.start_job(
            printer_uid="A",
            printer_name="Printer A",
            entry_id="e",
            job_key="k2",
            name=None,
            file_name=None,
            started_at=T0,
            category="private",
        )


def test_v3_database_upgrades_to_schema_4(tmp_path: pathlib.Path) -> None:
    """Schema 4: v3 jobs are watched jobs (`source` printer), the queue and plates start empty,
    a new printer's plate is clear and a job's end makes it not clear."""
    path = tmp_path / "printernizer.db"
    _v1_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for number, script in schema.MIGRATIONS[1:3]:
            conn.execute("BEGIN")
            for statement in schema._split(script):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version VALUES (?, '2025-02-01T00:00:00+00:00')", (number,)
            )
            conn.execute("COMMIT")
        conn.execute(
            "INSERT INTO job_photos VALUES (1, 'printernizer/photos/1.jpg', 'camera', 1234,"
            " '2025-03-01T09:30:00.000000Z', NULL)"
        )
    finally:
        conn.close()
    ledger = Ledger(path, clock=lambda: CLOCK)
    ledger.open()
    try:
        with ledger.read() as conn:
            versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
            queue_rows = conn.execute("SELECT COUNT(*) FROM queue_items").fetchone()[0]
        assert versions == [number for number, _ in schema.MIGRATIONS]
        assert versions[3] == 4
        assert queue_rows == 0
        ended = ledger.get_job(1)
        assert ended is not None
        assert (ended.source, ended.revision, ended.category) == ("printer", 2, "private")
        assert ended.cost == CostBreakdown(100, 5, 300, 405, 77, 482)
        assert ended.photo == "printernizer/photos/1.jpg"
        assert ledger.printer_totals("SERIAL1").jobs == 1
        from custom_components.printernizer.ledger import queue as queue_repo

        assert queue_repo.plates(ledger, ["SERIAL1"]) == {"SERIAL1": True}
        ledger.finish_job(
            2,
            status="finished",
            ended_at=T0 + timedelta(days=1, hours=1),
            duration_s=3600,
            paused_s=0,
            last_progress=100.0,
            materials=[],
            energy_kwh=Decimal("0.105"),
            energy_source="estimated",
            prices={},
            cost=COST,
            currency="EUR",
            complete=False,
        )
        assert queue_repo.plates(ledger, ["SERIAL1", "NEW"]) == {"SERIAL1": False, "NEW": True}
        with pytest.raises(sqlite3.IntegrityError), ledger.write() as conn:
            conn.execute(
                "INSERT INTO jobs (printer_uid, printer_name, entry_id, job_key, status,"
                " started_at, category, created_at, updated_at, source) VALUES"
                " ('X', 'X', '', 'k', 'printing', 't', 'private', 't', 't', 'other')"
            )
    finally:
        ledger.close()


def test_manual_job_is_checked_by_the_ledger(ledger: Ledger) -> None:
    """A manual job must have ended, with a known status and category; nothing is written
    otherwise."""
    base = {
        "printer_uid": "manual:garage",
        "printer_name": "Garage",
        "entry_id": "",
        "job_key": "manual:1",
        "name": "Hook",
        "status": "finished",
        "started_at": T0,
        "ended_at": T0 + timedelta(hours=1),
        "materials": [MaterialUsage("PLA", 20.0)],
        "energy_kwh": Decimal("0.1"),
        "energy_source": "measured",
        "prices": {},
        "cost": COST,
        "currency": "EUR",
        "category": "business",
        "customer": None,
        "note": None,
        "user_id": "u-1",
    }
    for change, message in (
        ({"status": "printing"}, "cannot end with status"),
        ({"category": "hobby"}, "invalid category"),
        ({"ended_at": T0 - timedelta(minutes=1)}, "before it started"),
    ):
        with pytest.raises(LedgerError, match=message):
            ledger.add_manual_job(**{**base, **change})
    job = ledger.add_manual_job(**base)
    assert (job.source, job.duration_s, job.user_id, job.revision) == ("manual", 3600, "u-1", 1)
    assert ledger.printer_totals("manual:garage").jobs == 0  # not a watched job
    assert ledger.last_ended_job("manual:garage") is None
