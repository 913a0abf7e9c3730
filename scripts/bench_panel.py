#!/usr/bin/env python3
"""Benchmark: the panel's first page of jobs at 1,000 and at 100,000 jobs; the bundle sizes.

Builds two ledgers like bench_ledger.py (real schema, triggers and indexes), then runs the
`printernizer/jobs` websocket command as Home Assistant does: the command's schema on the
message, its handler (reports.async_list_jobs in the executor: the page query and the total
count), and the JSON encoding of the answer, against a connection that only collects it. The
runs alternate between the sizes; the medians are compared (goal: 100k <= 2x 1k). Also prints
the size of each committed bundle (raw and gzip), which is what a browser downloads.

Usage: .venv/bin/python scripts/bench_panel.py [--repeat 40]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import time
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_ledger import build  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.helpers.json import json_bytes  # noqa: E402

from custom_components.printernizer.data import DATA_SHARED, PrinternizerShared  # noqa: E402
from custom_components.printernizer.panel import CARD_FILE, DIST_DIR, PANEL_FILE  # noqa: E402
from custom_components.printernizer.settings import SettingsStore  # noqa: E402
from custom_components.printernizer.websocket_api import ws_jobs  # noqa: E402

SIZES = (1_000, 100_000)
MESSAGE = {"id": 1, "type": "printernizer/jobs"}


class Collector:
    """The part of a websocket connection the command talks to; encodes like HA does."""

    def __init__(self) -> None:
        self.done: asyncio.Future[bytes] | None = None

    def send_result(self, msg_id: int, result: Any) -> None:
        assert self.done is not None
        self.done.set_result(json_bytes({"id": msg_id, "type": "result", "result": result}))

    def async_handle_exception(self, msg: dict[str, Any], err: Exception) -> None:
        assert self.done is not None
        self.done.set_exception(err)


async def first_page(hass: HomeAssistant, shared: PrinternizerShared) -> int:
    """One `printernizer/jobs` call (default: newest first, 50 jobs); the answer's bytes."""
    hass.data[DATA_SHARED] = shared
    connection = Collector()
    connection.done = hass.loop.create_future()
    ws_jobs(hass, connection, ws_jobs._ws_schema(dict(MESSAGE)))  # type: ignore[attr-defined]
    return len(await connection.done)


async def measure(repeat: int) -> tuple[dict[int, float], dict[int, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        hass = HomeAssistant(tmp)
        await hass.config.async_set_time_zone("Europe/Berlin")
        settings = SettingsStore(hass)
        shared: dict[int, PrinternizerShared] = {}
        try:
            for count in SIZES:
                begin = time.perf_counter()
                ledger = await hass.async_add_executor_job(
                    build, pathlib.Path(tmp) / f"panel_{count}.db", count
                )
                shared[count] = PrinternizerShared(ledger=ledger, settings=settings)
                print(f"{count:>7} jobs: built in {time.perf_counter() - begin:.1f} s")
            sizes = {count: await first_page(hass, shared[count]) for count in SIZES}  # warm-up
            times: dict[int, list[float]] = {count: [] for count in SIZES}
            for _ in range(repeat):
                for count in SIZES:
                    begin = time.perf_counter()
                    await first_page(hass, shared[count])
                    times[count].append(time.perf_counter() - begin)
        finally:
            for item in shared.values():
                await hass.async_add_executor_job(item.ledger.close)
            await hass.async_stop(force=True)
    return {count: statistics.median(values) for count, values in times.items()}, sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    medians, answer_bytes = asyncio.run(measure(args.repeat))
    small, large = medians[SIZES[0]], medians[SIZES[1]]
    ratio = large / small
    verdict = "ok" if ratio <= 2 else "FAIL"
    for count in SIZES:
        print(f"{count:>7} jobs: first page {medians[count] * 1000:.2f} ms (median of {args.repeat}), "
              f"answer {answer_bytes[count]} bytes")  # fmt: skip
    print()
    print("| machine | cpus | first page 1k (ms) | first page 100k (ms) | ratio | verdict |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {platform.platform()} ({platform.python_implementation()} {platform.python_version()}) "
        f"| {os.cpu_count()} | {small * 1000:.2f} | {large * 1000:.2f} | {ratio:.2f}x "
        f"| {verdict} (goal <= 2x) |"
    )
    print()
    for name in (PANEL_FILE, CARD_FILE):
        data = (DIST_DIR / name).read_bytes()
        print(f"bundle {name}: {len(data)} bytes, {len(gzip.compress(data, mtime=0))} bytes gzip")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
