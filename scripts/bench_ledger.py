#!/usr/bin/env python3
"""Benchmark: does a year's cost report scale linearly from 10,000 to 100,000 jobs?

Builds two ledgers (through the real schema, triggers and indexes), spreading the jobs evenly
over 2024-2025, then times the report query for the local year 2025 (the SQL the cost_report
service runs, and the same plus the grouping) at both sizes, takes the median of several runs,
prints the ratio (goal <= 12x for 10x the data) and the query plan.

Usage: .venv/bin/python scripts/bench_ledger.py [--repeat 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
import json
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from custom_components.printernizer.ledger import (
    Ledger,
    jobs as ledger_jobs,
)
from custom_components.printernizer.reports import build_cost_report, day_range_utc

TZ = ZoneInfo("Europe/Berlin")
SPAN_START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=731)
FMT = "%Y-%m-%dT%H:%M:%S.%fZ"


def build(path: pathlib.Path, count: int) -> Ledger:
    """Bulk-insert `count` ended jobs with revision 1 (every 20th job has a revision 2)."""
    ledger = Ledger(path)
    ledger.open()
    step = SPAN / count
    now = datetime(2026, 1, 1, tzinfo=UTC).strftime(FMT)
    materials = json.dumps(
        [{"material": "PLA", "grams": "42.5"}, {"material": "PETG", "grams": "7.25"}]
    )
    prices = json.dumps({"material:PLA": "25", "material:PETG": "28", "electricity_price": "0.30",
                         "machine_rate": "1.00", "vat_rate": "19", "small_business": "false"})  # fmt: skip
    job_rows = []
    revision_rows = []
    for i in range(1, count + 1):
        started = SPAN_START + step * (i - 1)
        ended = started + timedelta(hours=2)
        printer = i % 20
        category = "business" if i % 3 else "private"
        job_rows.append(
            (i, f"uid{printer}", f"Printer {printer}", f"entry{printer}", f"k{i}", f"part {i}",
             f"part_{i}.3mf", "finished" if i % 11 else "failed", started.strftime(FMT),
             ended.strftime(FMT), 7200, 0, 100.0, materials, category, None, now, now)
        )  # fmt: skip
        revision_rows.append(
            (i, 1, now, "job finished", "[]", category, None, None, materials, "49.75", "0.21",
             "estimated", prices, 127, 6, 200, 333, 63, 396, "EUR", 1)
        )  # fmt: skip
        if i % 20 == 0:
            revision_rows.append(
                (i, 2, now, "correction", '["customer"]', category, "ACME", None, materials,
                 "49.75", "0.21", "estimated", prices, 127, 6, 200, 333, 63, 396, "EUR", 1)
            )  # fmt: skip
    with ledger.write() as conn:
        conn.executemany(
            "INSERT INTO jobs (id, printer_uid, printer_name, entry_id, job_key, name, file_name,"
            " status, started_at, ended_at, duration_s, paused_s, last_progress, materials,"
            " category, customer, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            job_rows,
        )
        conn.executemany(
            "INSERT INTO job_revisions (job_id, revision, created_at, reason, changed, category,"
            " customer, note, materials, material_g, energy_kwh, energy_source, prices,"
            " material_cents, energy_cents, machine_cents, net_cents, vat_cents, gross_cents,"
            " currency, complete) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            revision_rows,
        )
        conn.execute("ANALYZE")
    return ledger


def interleaved_medians(funcs: dict[int, object], repeat: int) -> dict[int, float]:
    """Median wall time per size, runs alternating between sizes so load affects both alike."""
    for func in funcs.values():
        func()  # warm-up: page cache and statement cache
    times: dict[int, list[float]] = {size: [] for size in funcs}
    for _ in range(repeat):
        for size, func in funcs.items():
            begin = time.perf_counter()
            func()
            times[size].append(time.perf_counter() - begin)
    return {size: statistics.median(values) for size, values in times.items()}


def main() -> int:
    """Build both ledgers, time them side by side, print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", type=pathlib.Path, default=None, help="keep the databases here")
    args = parser.parse_args()

    start_utc, end_utc = day_range_utc(date(2025, 1, 1), date(2025, 12, 31), TZ)
    sql, params = ledger_jobs.report_jobs_sql(start=start_utc, end=end_utc)
    sizes = (10_000, 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or pathlib.Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        ledgers: dict[int, Ledger] = {}
        plans: dict[int, list[str]] = {}
        rows: dict[int, int] = {}
        try:
            for count in sizes:
                path = folder / f"bench_{count}.db"
                for suffix in ("", "-wal", "-shm"):
                    pathlib.Path(f"{path}{suffix}").unlink(missing_ok=True)
                begin = time.perf_counter()
                ledgers[count] = build(path, count)
                print(f"{count:>7} jobs: built in {time.perf_counter() - begin:.1f} s")
                with ledgers[count].read() as conn:
                    plans[count] = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
                rows[count] = len(ledgers[count].report_jobs(start=start_utc, end=end_utc))

            def raw_sql(ledger: Ledger):
                def run() -> None:
                    with ledger.read() as conn:
                        conn.execute(sql, params).fetchall()

                return run

            def full_report(ledger: Ledger):
                def run() -> None:
                    jobs = ledger.report_jobs(start=start_utc, end=end_utc)
                    build_cost_report(jobs, start=date(2025, 1, 1), end=date(2025, 12, 31),
                                      group_by="month", tz=TZ)  # fmt: skip

                return run

            sql_s = interleaved_medians({n: raw_sql(ledgers[n]) for n in sizes}, args.repeat)
            report_s = interleaved_medians(
                {n: full_report(ledgers[n]) for n in sizes}, max(3, args.repeat // 2)
            )
        finally:
            for ledger in ledgers.values():
                ledger.close()

    plan_ok = True
    for count in sizes:
        plan = plans[count]
        uses_index = plan[0].startswith("SEARCH j USING INDEX") and not any(
            line in ("SCAN j", "SCAN r", "SCAN r2") for line in plan
        )
        plan_ok = plan_ok and uses_index
        print(f"{count:>7} jobs: year 2025 = {rows[count]} jobs; SQL {sql_s[count] * 1000:.1f} ms, "
              f"report (SQL + records + grouping) {report_s[count] * 1000:.1f} ms (medians)")  # fmt: skip
        print("         plan: " + " | ".join(plan))
    results = {n: (sql_s[n], report_s[n]) for n in sizes}

    small, large = results[10_000], results[100_000]
    sql_ratio = large[0] / small[0]
    report_ratio = large[1] / small[1]
    verdict = "ok" if sql_ratio <= 12 and plan_ok else "FAIL"
    print()
    print(
        "| machine | cpus | SQL 10k (ms) | SQL 100k (ms) | SQL ratio | report 10k (ms) | report 100k (ms) | report ratio | index plan | verdict |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {platform.platform()} ({platform.python_implementation()} {platform.python_version()}) "
        f"| {os.cpu_count()} | {small[0] * 1000:.1f} | {large[0] * 1000:.1f} | {sql_ratio:.1f}x "
        f"| {small[1] * 1000:.1f} | {large[1] * 1000:.1f} | {report_ratio:.1f}x "
        f"| {'yes' if plan_ok else 'NO'} | {verdict} (goal <= 12x) |"
    )
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
