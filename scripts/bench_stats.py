#!/usr/bin/env python3
"""Benchmark: statistics in SQL against a bare GROUP BY over the same rows, 10k vs 100k jobs.

Builds the two ledgers of bench_ledger.py (jobs spread over 2024-2025, two materials each,
every 20th job revised), then times, for the local year 2025 and with the cache emptied
before every run (the first call after a change is what a user waits for):
- the bare query: COUNT and SUM of net cents GROUP BY printer over the same rows the
  statistics read (`job_figures`: each ended job at its latest revision, ordered by start),
  the least any report must do; and the same over the records themselves (jobs joined to
  their latest revision), what the report read before schema 5;
- cost_report grouped by printer (the service's default) and by month;
- printer_stats (outcomes, hours, estimates, energy, money, then grams per material);
- the report as it was before (one record per job, grouped in Python), for comparison.
Goals (issue 14): cost_report and printer_stats at most 2x the bare query at 100k jobs, and
at most 12x from 10k to 100k jobs.

Usage: .venv/bin/python scripts/bench_stats.py [--repeat 7]
"""

from __future__ import annotations

import argparse
from datetime import date
import os
import pathlib
import platform
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from bench_ledger import TZ, build, interleaved_medians

from custom_components.printernizer import stats
from custom_components.printernizer.ledger import Ledger
from custom_components.printernizer.reports import build_cost_report, day_range_utc

START, END = date(2025, 1, 1), date(2025, 12, 31)
SIZES = (10_000, 100_000)


def main() -> int:
    """Build, time side by side, print a markdown table and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    start_utc, end_utc = day_range_utc(START, END, TZ)
    where = stats.JobFilter(start_utc, end_utc)
    clause, params = where.where()
    bare_sql = f"SELECT f.printer_uid, COUNT(*), SUM(f.net_cents){stats._FROM}{clause} GROUP BY f.printer_uid"
    joined_sql = (
        "SELECT j.printer_uid, COUNT(*), SUM(r.net_cents) FROM jobs AS j"
        " JOIN job_revisions AS r ON r.job_id = j.id AND r.revision ="
        " (SELECT MAX(r2.revision) FROM job_revisions AS r2 WHERE r2.job_id = j.id)"
        + clause.replace("f.", "j.")
        + " AND j.ended_at IS NOT NULL GROUP BY j.printer_uid"
    )

    def query(sql: str):
        def make(ledger: Ledger):
            def run() -> None:
                with ledger.read() as conn:
                    conn.execute(sql, params).fetchall()

            return run

        return make

    def report(ledger: Ledger, group_by: str):
        def run() -> None:
            ledger._cache.clear()
            stats.cost_report(
                ledger, start=START, end=END, start_utc=start_utc, end_utc=end_utc,
                group_by=group_by, tz=TZ,
            )  # fmt: skip

        return run

    def printer_stats(ledger: Ledger):
        def run() -> None:
            ledger._cache.clear()
            stats.printer_stats(ledger, start_utc=start_utc, end_utc=end_utc)

        return run

    def python_report(ledger: Ledger):
        def run() -> None:
            jobs = ledger.report_jobs(start=start_utc, end=end_utc)
            build_cost_report(jobs, start=START, end=END, group_by="printer", tz=TZ)

        return run

    ledgers: dict[int, Ledger] = {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for count in SIZES:
                ledgers[count] = build(pathlib.Path(tmp) / f"stats_{count}.db", count)
            cases = {
                "bare GROUP BY": query(bare_sql),
                "bare GROUP BY over jobs + latest revision": query(joined_sql),
                "cost_report (printer)": lambda lg: report(lg, "printer"),
                "cost_report (month)": lambda lg: report(lg, "month"),
                "printer_stats": printer_stats,
            }
            # every query and size in turn, round after round: load on the shared machine
            # falls on all of them alike
            medians = interleaved_medians(
                {(name, n): make(ledgers[n]) for name, make in cases.items() for n in SIZES},
                args.repeat,
            )
            times = {name: {n: medians[(name, n)] for n in SIZES} for name in cases}
            times["records + Python (before)"] = interleaved_medians(
                {n: python_report(ledgers[n]) for n in SIZES}, max(3, args.repeat // 2)
            )
        finally:
            for ledger in ledgers.values():
                ledger.close()

    base = times["bare GROUP BY"]
    print(f"machine: {platform.platform()} ({platform.python_implementation()} "
          f"{platform.python_version()}), {os.cpu_count()} cpus")  # fmt: skip
    print()
    print(
        "| query | 10k jobs (ms) | 100k jobs (ms) | 100k / 10k | × bare GROUP BY at 100k | goal |"
    )
    print("|---|---|---|---|---|---|")
    ok = True
    for name, result in times.items():
        small, large = result[SIZES[0]], result[SIZES[1]]
        scale, factor = large / small, large / base[SIZES[1]]
        judged = name.startswith(("cost_report", "printer_stats"))
        if judged:
            ok = ok and scale <= 12 and factor <= 2
        goal = (
            "≤ 2× bare, ≤ 12× scale" if judged else ("baseline" if name == "bare GROUP BY" else "-")
        )
        print(
            f"| {name} | {small * 1000:.1f} | {large * 1000:.1f} | {scale:.1f}x | {factor:.2f}x | {goal} |"
        )
    print()
    print(f"verdict: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
