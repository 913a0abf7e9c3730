"""Ledger schema 3: job photos (migration from schema 2, recording, cleanup reads)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import pathlib
import sqlite3

import pytest

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import CostBreakdown
from custom_components.printernizer.ledger import Ledger, LedgerError, photos as photo_repo, schema

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _job(ledger: Ledger, key: str, *, category: str = "private", printer: str = "P1") -> int:
    job = ledger.start_job(
        printer_uid=printer,
        printer_name="P1S",
        entry_id="e1",
        job_key=key,
        name=key,
        file_name=f"{key}.3mf",
        started_at=T0,
        category=category,
    )
    ledger.finish_job(
        job.job_id,
        status="finished",
        ended_at=T0 + timedelta(hours=1),
        duration_s=3600,
        paused_s=0,
        last_progress=100.0,
        materials=[MaterialUsage("PLA", 10.0)],
        energy_kwh=None,
        energy_source=None,
        prices={},
        cost=CostBreakdown(25, 0, 0, 25, 5, 30),
        currency="EUR",
        complete=True,
    )
    return job.job_id


def test_schema_2_database_gains_photos(tmp_path: pathlib.Path) -> None:
    """A schema-2 ledger with an ended job upgrades; the job has no photo; photos can follow
    although the job's own row is frozen."""
    path = tmp_path / "printernizer.db"
    old = Ledger(path)
    old.open()
    job_id = _job(old, "cube")
    old.close()
    conn = sqlite3.connect(path)  # what schema 3 added, taken away again: a schema-2 file
    conn.executescript(
        "DROP INDEX idx_job_photos_taken; DROP TABLE job_photos;"
        " DELETE FROM schema_version WHERE version = 3;"
    )
    conn.close()
    assert [number for number, _ in schema.MIGRATIONS][2] == 3

    ledger = Ledger(path)
    ledger.open()
    try:
        with ledger.read() as conn:
            versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
        assert versions == [number for number, _ in schema.MIGRATIONS]
        assert versions[:3] == [1, 2, 3]
        job = ledger.get_job(job_id)
        assert job is not None
        assert job.photo is None
        photo_repo.record_photo(
            ledger, job_id, path=f"printernizer/photos/{job_id}.jpg", source="camera", size=7,
            taken_at=T0 + timedelta(hours=1),
        )  # fmt: skip
        assert ledger.get_job(job_id).photo == f"printernizer/photos/{job_id}.jpg"  # type: ignore[union-attr]
        with pytest.raises(sqlite3.IntegrityError, match="immutable"), ledger.write() as conn:
            conn.execute("UPDATE jobs SET name = 'x' WHERE id = ?", (job_id,))
    finally:
        ledger.close()


@pytest.fixture
def ledger(tmp_path: pathlib.Path) -> Ledger:
    """A fresh ledger."""
    led = Ledger(tmp_path / "printernizer.db")
    led.open()
    yield led  # type: ignore[misc]
    led.close()


def test_record_replace_and_delete(ledger: Ledger) -> None:
    """A second photo of a job replaces the first; a cleaned-up photo is gone from the job but
    its row (and when it went) stays."""
    job_id = _job(ledger, "cube")
    photo_repo.record_photo(ledger, job_id, path="a.jpg", source="thumbnail", size=3, taken_at=T0)
    photo_repo.record_photo(ledger, job_id, path="b.jpg", source="camera", size=5, taken_at=T0)
    assert ledger.get_job(job_id).photo == "b.jpg"  # type: ignore[union-attr]
    assert [j.photo for j in ledger.list_jobs()[0]] == ["b.jpg"]
    photo_repo.mark_deleted(ledger, job_id, deleted_at=T0 + timedelta(days=1))
    assert ledger.get_job(job_id).photo is None  # type: ignore[union-attr]
    with ledger.read() as conn:
        row = conn.execute("SELECT source, size, deleted_at FROM job_photos").fetchone()
    assert tuple(row) == ("camera", 5, "2026-03-02T08:00:00.000000Z")
    with pytest.raises(LedgerError, match="invalid photo source"):
        photo_repo.record_photo(ledger, job_id, path="c.jpg", source="drawing", size=1, taken_at=T0)
    with pytest.raises(sqlite3.IntegrityError):
        photo_repo.record_photo(ledger, 999, path="d.jpg", source="camera", size=1, taken_at=T0)


def test_cleanup_candidates(ledger: Ledger) -> None:
    """A printer's photos older than the limit and still there, with the job's latest
    category and its end."""
    old = _job(ledger, "old", category="private")
    business = _job(ledger, "business", category="private")
    other = _job(ledger, "other", printer="P2")
    new = _job(ledger, "new")
    gone = _job(ledger, "gone")
    for job_id, days in ((old, 40), (business, 40), (other, 40), (new, 1), (gone, 40)):
        photo_repo.record_photo(
            ledger, job_id, path=f"{job_id}.jpg", source="camera", size=job_id,
            taken_at=T0 + timedelta(days=100 - days),
        )  # fmt: skip
    photo_repo.mark_deleted(ledger, gone, deleted_at=T0)
    ledger.add_revision(business, reason="sold", changes={"category": "business"})
    found = photo_repo.cleanup_candidates(
        ledger, printer_uid="P1", older_than=T0 + timedelta(days=90)
    )
    assert [(c.job_id, c.category, c.size) for c in found] == [
        (old, "private", old),
        (business, "business", business),
    ]
    assert found[0].job_end == T0 + timedelta(hours=1)
    assert found[0].taken_at == T0 + timedelta(days=60)
