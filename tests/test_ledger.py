"""The SQLite job ledger: lifecycle, append-only revisions, queries, migrations, query plans."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
import pathlib
import re
import sqlite3
from zoneinfo import ZoneInfo

import pytest

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import CostBreakdown
from custom_components.printernizer.ledger import (
    JobClosedError,
    JobOpenError,
    Ledger,
    LedgerError,
    UnknownJobError,
    jobs as ledger_jobs,
)
from custom_components.printernizer.ledger.schema import MIGRATIONS, SCHEMA_VERSION

D = Decimal
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
CLOCK = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
COST = CostBreakdown(250, 6, 150, 406, 77, 483)


@pytest.fixture
def ledger(tmp_path: pathlib.Path) -> Iterator[Ledger]:
    """An open ledger in tmp_path with a fixed revision clock; closed in teardown."""
    instance = Ledger(tmp_path / "printernizer" / "printernizer.db", clock=lambda: CLOCK)
    instance.open()
    yield instance
    instance.close()


def start(
    ledger: Ledger,
    uid: str = "A",
    *,
    at: datetime = T0,
    key: str = "k1",
    category: str = "business",
    entry: str | None = None,
):
    """Open a job on printer `uid`."""
    return ledger.start_job(
        printer_uid=uid,
        printer_name=f"Printer {uid}",
        entry_id=entry or f"entry_{uid}",
        job_key=key,
        name=f"job {key}",
        file_name=f"{key}.3mf",
        started_at=at,
        category=category,
    )


def finish(
    ledger: Ledger,
    job_id: int,
    *,
    status: str = "finished",
    minutes: int = 90,
    start_at: datetime = T0,
    cost: CostBreakdown | None = COST,
    grams: str = "100",
    kwh: str | None = "0.2",
):
    """End a job with fixed figures."""
    return ledger.finish_job(
        job_id,
        status=status,
        ended_at=start_at + timedelta(minutes=minutes),
        duration_s=minutes * 60,
        paused_s=0,
        last_progress=100.0 if status == "finished" else 40.0,
        materials=[MaterialUsage("PLA", float(grams))],
        energy_kwh=None if kwh is None else D(kwh),
        energy_source=None if kwh is None else "measured",
        prices={"material:PLA": "25", "electricity_price": "0.30", "vat_rate": "19"},
        cost=cost,
        currency="EUR",
        complete=True,
    )


def test_open_sets_wal_foreign_keys_and_version(ledger: Ledger) -> None:
    """WAL, foreign keys and the schema version are in place after open()."""
    assert ledger.path.exists()
    with ledger.read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert (
            conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"jobs", "job_revisions", "files", "schema_version"} <= tables


def test_foreign_keys_enforced(ledger: Ledger) -> None:
    """A file row pointing at a job that does not exist is refused."""
    with pytest.raises(sqlite3.IntegrityError), ledger.write() as conn:
        conn.execute(
            "INSERT INTO files (printer_uid, remote_path, name, status, job_id) VALUES ('A', '/a', 'a', 'remote', 999)"
        )


def test_files_table_matches_contract(ledger: Ledger) -> None:
    """Columns, the unique key and the indexes CONTRACTS.md promises to the files helper."""
    with ledger.read() as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(files)")]
        indexes = {r[1]: r for r in conn.execute("PRAGMA index_list(files)")}
        indexed = {
            name: [c[2] for c in conn.execute(f"PRAGMA index_info({name})")] for name in indexes
        }
    assert columns == [
        "id", "printer_uid", "entry_id", "source", "remote_path", "name", "size", "remote_mtime",
        "status", "local_path", "sha256", "downloaded_at", "job_id", "error", "first_seen", "last_seen",
    ]  # fmt: skip
    assert ["printer_uid", "remote_path"] in [
        cols for name, cols in indexed.items() if indexes[name][2]
    ]
    assert ["status"] in indexed.values()
    assert ["entry_id"] in indexed.values()
    assert ["downloaded_at"] in indexed.values()


def test_migrate_empty_file_and_reopen_idempotent(tmp_path: pathlib.Path) -> None:
    """An empty file is migrated; opening again keeps data and applies nothing twice."""
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    first = Ledger(path)
    first.open()
    job = start(first)
    first.close()
    second = Ledger(path)
    second.open()
    second.open()  # a second open() on the same instance is a no-op
    try:
        with second.read() as conn:
            versions = [r[0] for r in conn.execute("SELECT version FROM schema_version")]
        assert versions == [number for number, _ in MIGRATIONS]  # each migration once
        assert second.get_job(job.job_id) == job
    finally:
        second.close()
    # the WAL was checkpointed into the main file on close
    assert (
        not (tmp_path / "empty.db-wal").exists() or (tmp_path / "empty.db-wal").stat().st_size == 0
    )


def test_newer_schema_is_refused(tmp_path: pathlib.Path) -> None:
    """A database from a newer version is not touched."""
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    conn.execute("INSERT INTO schema_version VALUES (99, 'x')")
    conn.commit()
    conn.close()
    ledger = Ledger(path)
    with pytest.raises(LedgerError, match="newer"):
        ledger.open()
    ledger.close()


def test_not_open_raises(tmp_path: pathlib.Path) -> None:
    """Using a closed ledger is an error, not a silent reconnect."""
    with pytest.raises(LedgerError):
        Ledger(tmp_path / "x.db").get_job(1)


def test_job_lifecycle(ledger: Ledger) -> None:
    """start -> pause -> finish writes revision 1 with every field."""
    job = start(ledger)
    assert job.status == "printing"
    assert job.revision == 0
    assert job.cost is None
    assert ledger.get_open_job("A") == job
    paused = ledger.update_open_job(
        job.job_id, status="paused", paused_s=30, last_progress=12.5,
        materials=[MaterialUsage("PLA", 100.0)],
    )  # fmt: skip
    assert (paused.status, paused.paused_s, paused.last_progress) == ("paused", 30, 12.5)
    assert paused.material_g == D(100)
    done = finish(ledger, job.job_id)
    assert ledger.get_open_job("A") is None
    assert done.status == "finished"
    assert done.ended_at == T0 + timedelta(minutes=90)
    assert done.started_at == T0
    assert done.duration_s == 5400
    assert done.revision == 1
    assert done.reason == "job finished"
    assert done.revised_at == CLOCK
    assert done.cost == COST
    assert done.energy_kwh == D("0.2")
    assert done.energy_source == "measured"
    assert done.prices["material:PLA"] == "25"
    assert done.material_g == D(100)
    assert done.complete is True
    assert ledger.last_ended_job("A") == done
    assert ledger.find_job("A", "k1") == done


def test_one_open_job_per_printer(ledger: Ledger) -> None:
    """A second open job on the same printer is refused; another printer is fine."""
    start(ledger, "A")
    with pytest.raises(LedgerError, match="open job"):
        start(ledger, "A", key="k2")
    start(ledger, "B")


def test_ended_job_is_frozen(ledger: Ledger) -> None:
    """After finish the jobs row cannot be updated or deleted, not even with raw SQL."""
    job = start(ledger)
    finish(ledger, job.job_id)
    with pytest.raises(JobClosedError):
        ledger.update_open_job(job.job_id, last_progress=50.0)
    with pytest.raises(JobClosedError):
        finish(ledger, job.job_id)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"), ledger.write() as conn:
        conn.execute("UPDATE jobs SET name = 'x' WHERE id = ?", (job.job_id,))
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"), ledger.write() as conn:
        conn.execute("DELETE FROM jobs WHERE id = ?", (job.job_id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), ledger.write() as conn:
        conn.execute("UPDATE job_revisions SET net_cents = 0")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), ledger.write() as conn:
        conn.execute("DELETE FROM job_revisions")
    assert ledger.get_job(job.job_id).cost == COST


def test_revision_appends_and_keeps_original(ledger: Ledger) -> None:
    """A correction is revision 2 with reason and changed fields; revision 1 reads back unchanged."""
    job = start(ledger)
    first = finish(ledger, job.job_id)
    with ledger.read() as conn:
        row1 = tuple(
            conn.execute(
                "SELECT * FROM job_revisions WHERE job_id = ? AND revision = 1", (job.job_id,)
            ).fetchone()
        )
    second = ledger.add_revision(
        job.job_id,
        reason="customer order 17",
        changes={"category": "private", "customer": "Müller", "note": None},
    )
    assert second.revision == 2
    assert second.category == "private"
    assert second.customer == "Müller"
    assert second.reason == "customer order 17"
    assert second.changed_fields == ("category", "customer")  # note was None before and after
    assert second.cost == first.cost
    assert second.materials == first.materials
    assert ledger.get_job(job.job_id) == second
    revisions = ledger.get_revisions(job.job_id)
    assert [r.revision for r in revisions] == [1, 2]
    assert revisions[0] == first
    with ledger.read() as conn:
        again = tuple(
            conn.execute(
                "SELECT * FROM job_revisions WHERE job_id = ? AND revision = 1", (job.job_id,)
            ).fetchone()
        )
    assert again == row1
    # the same values again append nothing
    assert (
        ledger.add_revision(job.job_id, reason="again", changes={"category": "private"}).revision
        == 2
    )
    # a cost correction with new grams
    third = ledger.add_revision(
        job.job_id,
        reason="weighed the part",
        changes={
            "materials": [MaterialUsage("PLA", 80.0)],
            "cost": CostBreakdown(200, 6, 150, 356, 68, 424),
        },
    )
    assert third.revision == 3
    assert third.changed_fields == ("materials", "cost")
    assert third.material_g == D(80)


def test_revision_errors(ledger: Ledger) -> None:
    """Unknown job, open job, unknown field, missing reason, bad values."""
    job = start(ledger)
    with pytest.raises(UnknownJobError):
        ledger.add_revision(999, reason="x", changes={"note": "n"})
    with pytest.raises(JobOpenError):
        ledger.add_revision(job.job_id, reason="x", changes={"note": "n"})
    finish(ledger, job.job_id)
    with pytest.raises(LedgerError):
        ledger.add_revision(job.job_id, reason="x", changes={"status": "failed"})
    with pytest.raises(LedgerError):
        ledger.add_revision(job.job_id, reason=" ", changes={"note": "n"})
    with pytest.raises(LedgerError):
        ledger.add_revision(job.job_id, reason="x", changes={"category": "work"})
    with pytest.raises(LedgerError):
        ledger.add_revision(
            job.job_id, reason="x", changes={"cost": CostBreakdown(1, 1, 1, 4, 0, 4)}
        )
    assert ledger.get_job(job.job_id).revision == 1


def test_finish_validation(ledger: Ledger) -> None:
    """Bad end states are refused and leave the job open."""
    job = start(ledger)
    with pytest.raises(LedgerError):
        finish(ledger, job.job_id, status="printing")
    with pytest.raises(LedgerError):
        finish(ledger, job.job_id, minutes=-5)
    with pytest.raises(UnknownJobError):
        finish(ledger, 12345)
    assert ledger.get_open_job("A") == job


def test_list_jobs_order_filter_paging(ledger: Ledger) -> None:
    """Newest first by start, filters combine, total counts all matches."""
    ids = []
    for i in range(7):
        uid = "A" if i % 2 == 0 else "B"
        at = T0 + timedelta(days=i)
        job = start(ledger, uid, at=at, key=f"k{i}", category="business" if i < 4 else "private")
        if i < 6:
            finish(ledger, job.job_id, status="failed" if i == 3 else "finished", start_at=at)
        ids.append(job.job_id)
    # job 6 is open on printer A
    jobs, total = ledger.list_jobs()
    assert total == 7
    assert [j.job_id for j in jobs] == ids[::-1]
    page, total = ledger.list_jobs(limit=2, offset=2)
    assert (total, [j.job_id for j in page]) == (7, [ids[4], ids[3]])
    only_a, total = ledger.list_jobs(entry_id="entry_A")
    assert (total, [j.job_id for j in only_a]) == (4, [ids[6], ids[4], ids[2], ids[0]])
    failed, total = ledger.list_jobs(status="failed")
    assert (total, [j.job_id for j in failed]) == (1, [ids[3]])
    window, total = ledger.list_jobs(start=T0 + timedelta(days=1), end=T0 + timedelta(days=3))
    assert (total, [j.job_id for j in window]) == (2, [ids[2], ids[1]])  # end is exclusive
    private, total = ledger.list_jobs(category="private")
    assert (total, [j.job_id for j in private]) == (3, [ids[6], ids[5], ids[4]])
    # category follows the latest revision
    ledger.add_revision(ids[0], reason="private after all", changes={"category": "private"})
    private, total = ledger.list_jobs(category="private", entry_id="entry_A")
    assert (total, [j.job_id for j in private]) == (3, [ids[6], ids[4], ids[0]])
    business, total = ledger.list_jobs(category="business", limit=1)
    assert (total, [j.job_id for j in business]) == (3, [ids[3]])


def test_printer_totals(ledger: Ledger) -> None:
    """Totals over ended jobs at their latest revision; open jobs and other printers excluded."""
    a1 = start(ledger, "A", key="a1")
    finish(ledger, a1.job_id, grams="100.1", kwh="0.2")
    a2 = start(ledger, "A", key="a2", at=T0 + timedelta(days=1))
    finish(
        ledger,
        a2.job_id,
        status="failed",
        grams="0.2",
        kwh=None,
        cost=None,
        start_at=T0 + timedelta(days=1),
    )
    a3 = start(ledger, "A", key="a3", at=T0 + timedelta(days=2))
    finish(
        ledger,
        a3.job_id,
        grams="50",
        kwh="0.1",
        cost=CostBreakdown(125, 3, 0, 128, 24, 152),
        start_at=T0 + timedelta(days=2),
    )
    start(ledger, "A", key="open", at=T0 + timedelta(days=3))
    b1 = start(ledger, "B", key="b1")
    finish(ledger, b1.job_id)
    totals = ledger.printer_totals("A")
    # jobs 3; gross 483 + 0 + 152 = 635; net 406 + 128 = 534
    # grams 100.1 + 0.2 + 50 = 150.3 exactly; kWh 0.2 + 0.1 = 0.3 exactly
    assert totals.jobs == 3
    assert totals.cost_cents == 635
    assert totals.net_cents == 534
    assert totals.material_g == D("150.3")
    assert totals.energy_kwh == D("0.3")
    # a correction replaces a3's figures: 152 -> 100 gross, 50 g -> 40 g
    ledger.add_revision(
        a3.job_id,
        reason="fix",
        changes={
            "materials": [MaterialUsage("PLA", 40.0)],
            "cost": CostBreakdown(100, 0, 0, 100, 0, 100),
        },
    )
    totals = ledger.printer_totals("A")
    assert (totals.cost_cents, totals.material_g) == (583, D("140.3"))
    assert ledger.printer_totals("nobody").jobs == 0
    assert ledger.last_ended_job("A").job_id == a3.job_id


def test_naive_time_refused(ledger: Ledger) -> None:
    """Times must be aware; the ledger stores UTC."""
    with pytest.raises(ValueError):
        start(ledger, at=datetime(2025, 1, 1))  # noqa: DTZ001
    utc = datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
    job = start(ledger, at=utc.astimezone(ZoneInfo("Europe/Berlin")))  # 12:00 CEST
    assert job.started_at == utc
    assert job.started_at.tzinfo is UTC


def _seed_bulk(ledger: Ledger, count: int) -> None:
    """Thousands of ended jobs in one transaction through the real repository functions."""
    with ledger.write() as conn:
        for i in range(count):
            at = T0 + timedelta(hours=3 * i)
            uid = f"P{i % 8}"
            job = ledger_jobs.start_job(
                conn, printer_uid=uid, printer_name=uid, entry_id=f"e{i % 8}", job_key=str(i),
                name="n", file_name="f", started_at=at,
                category="business" if i % 3 else "private", customer=None, now=CLOCK,
            )  # fmt: skip
            ledger_jobs.finish_job(
                conn, job.job_id, status="failed" if i % 17 == 0 else "finished",
                ended_at=at + timedelta(hours=1), duration_s=3600, paused_s=0, last_progress=100.0,
                materials=[MaterialUsage("PLA", 10.0)], energy_kwh=D("0.1"), energy_source="estimated",
                prices={}, cost=COST, currency="EUR", complete=True, now=CLOCK,
            )  # fmt: skip
            if i % 50 == 0:
                ledger_jobs.add_revision(
                    conn, job.job_id, reason="r", changes={"note": "x"}, now=CLOCK
                )
        conn.execute("ANALYZE")


FULL_SCAN = re.compile(r"^SCAN (j|jobs|r|r2|job_revisions)$")


def test_queries_use_indexes(ledger: Ledger) -> None:
    """EXPLAIN QUERY PLAN: no report or list query scans the jobs or revisions table."""
    _seed_bulk(ledger, 3000)
    start_at, end_at = T0 + timedelta(days=30), T0 + timedelta(days=60)
    queries: list[tuple[str, str, list]] = []
    combos = [
        {},
        {"start": start_at, "end": end_at},
        {"start": start_at},
        {"entry_id": "e1"},
        {"status": "failed"},
        {"category": "private"},
        {"category": "business", "start": start_at, "end": end_at},
        {"entry_id": "e2", "category": "business", "start": start_at, "end": end_at},
        {"status": "finished", "start": start_at, "end": end_at},
        {"printer_uid": "P1"},
        {"printer_uid": "P2", "category": "business", "start": start_at, "end": end_at},
    ]
    for combo in combos:
        (page, page_params), (count, count_params) = ledger_jobs.list_jobs_sql(**combo)
        queries.append((f"list {combo}", page, page_params))
        queries.append((f"count {combo}", count, count_params))
    for combo in [
        {},
        {"entry_id": "e3"},
        {"category": "business"},
        {"entry_id": "e3", "category": "private"},
        {"printer_uid": "P3"},
        {"printer_uid": "P3", "category": "private"},
    ]:
        sql, params = ledger_jobs.report_jobs_sql(start=start_at, end=end_at, **combo)
        queries.append((f"report {combo}", sql, params))
    queries.append(("totals", ledger_jobs.PRINTER_TOTALS_SQL, ["P1"]))
    queries.append(("amounts", ledger_jobs.PRINTER_AMOUNTS_SQL, ["P1"]))
    queries.append(("last", ledger_jobs.LAST_ENDED_SQL, ["P1"]))
    with ledger.read() as conn:
        for label, sql, params in queries:
            plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
            assert not [line for line in plan if FULL_SCAN.match(line)], (label, plan)
            assert any("INDEX" in line or "PRIMARY KEY" in line for line in plan), (label, plan)
            # every bounded query starts with an index SEARCH on jobs
            bounded = any(
                k in label
                for k in (
                    "start",
                    "entry_id",
                    "printer_uid",
                    "status",
                    "report",
                    "totals",
                    "amounts",
                    "last",
                )
            )
            if bounded:
                assert plan[0].startswith("SEARCH j USING"), (label, plan)
        # the latest revision is found through the primary key, per job
        sql, params = ledger_jobs.report_jobs_sql(start=start_at, end=end_at)
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
        assert "SEARCH r USING PRIMARY KEY (job_id=? AND revision=?) LEFT-JOIN" in plan
    # and the queries answer correctly on the seeded data: jobs every 3 h -> 8 per day
    rows = ledger.report_jobs(start=start_at, end=end_at)
    assert len(rows) == 30 * 8
    assert all(start_at <= r.started_at < end_at for r in rows)
    assert ledger.list_jobs(category="private", limit=1)[1] == 1000  # i % 3 == 0 for 3000 jobs
    assert ledger.list_jobs(printer_uid="P1", limit=1)[1] == 375  # every 8th job
    assert len(ledger.report_jobs(start=start_at, end=end_at, printer_uid="P3")) == 30
