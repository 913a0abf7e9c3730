#!/usr/bin/env python3
"""Benchmark: a fleet of simulated Bambu printers pushing into one Home Assistant instance.

The goals (issue 10): "200 printers × 1 report/s: event-loop lag p99 < 10 ms, max < 100 ms,
< 10 % of one core (the integration's CPU measured side by side against a baseline without
printers), ≤ 1,000 state writes per printing printer-hour with realistic report jitter; report
the rows per printer-hour beside what writing every reported value would cost."

What runs:

- A CHILD process (so the simulators' CPU is not billed to Home Assistant) starts `--printers`
  `tests.simulators.bambu.BambuSimulator` P1S printers on 127.0.0.1 (TLS MQTT broker + implicit
  FTPS each) with the simulator's realistic jitter (nozzle and bed temperatures wander by
  fractions of a degree around their targets in 1/32 °C steps, Wi-Fi by a dBm or two), prints
  their ports and certificate fingerprints as one JSON line, and then keeps every printer
  printing: one report per printer per second (phases spread over the second, like independent
  printers) carrying what a P1S sends while printing: progress, layer, remaining minutes,
  temperatures, Wi-Fi. A job takes `--job-minutes` (default 60) with `--layers` layers (250: a
  Benchy-sized part), so progress, layer and remaining time move at a real printer's pace; the
  printers start at evenly spread points of their jobs, so jobs end and new ones start during
  the windows as often as in a real fleet.
- THIS process runs a real Home Assistant core (the test harness's
  `async_test_home_assistant`: real event loop, bus, state machine, entity/device registries
  kept in memory) with the integration loaded from this repository, and measures two windows
  of `--duration` seconds side by side in one run:
  1. baseline: the integration set up (ledger open, services registered) but no printers;
  2. fleet: `--printers` config entries set up against the simulators (after `--settle` s).
  For each window: event-loop lag (a task sleeps 5 ms in a loop and records how late it wakes:
  p50 / p99 / max), this process's CPU time (all threads), the child's CPU time (from /proc),
  garbage collections (count and longest pause per generation, from `gc.callbacks`), and the
  state writes. The integration's CPU share = fleet CPU − baseline CPU.
- Rows: every `state_changed` event of an integration entity is a row in the user's recorder
  database. Beside it, in the same window, the script counts what writing every reported value
  would cost: each time an entity's unrounded value (for `end_time`: now + the reported
  remaining minutes) differs from the one before, i.e. the rows HA would write without the
  integration's filter. Both are given per printing printer-hour and per entity.
- Stalls: a watchdog thread notes what the event loop was running whenever it had not come
  back for 50 ms; every loop wake-up later than 30 ms is listed with the garbage collections
  and the stack seen during it. The long ones are CPython's full garbage collections of the
  whole process (the earlier 50-printer run's 225 ms stall was one): they take time in
  proportion to all Python objects in Home Assistant, and come when enough objects were
  promoted to the oldest generation since the last one. The script reports the objects per
  printer, what one full collection takes, the promotions per minute (so how often one comes)
  and runs the one-off collection that follows setting up the printers before the window.

Usage: .venv/bin/python scripts/bench_fleet.py [--printers 200] [--duration 60] [--settle 20]
       [--profile FILE]
Prints markdown table rows, then notes. `--profile FILE` runs cProfile in the event-loop thread
over the fleet window, writes its stats to FILE (read them with `python -m pstats FILE`) and
prints the 25 costliest functions to stderr; the profiler slows the loop, so the figures of
such a run are not the benchmark's.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
import contextlib
import cProfile
import datetime
import gc
import logging
import os
from pathlib import Path
import pstats
import statistics
import sys
import tempfile
import threading
import time
import traceback
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.bench_simprocess import announce, serving, simulator_process  # noqa: E402

ACCESS_CODE = "12345678"
PROBE_S = 0.005
STALL_MS = 30.0  # a loop wake-up this late is listed with what happened meanwhile
WATCHDOG_S = 0.05  # the watchdog notes the loop's stack when it is this late

GOAL_P99_MS = 10.0
GOAL_MAX_MS = 100.0
GOAL_CPU_PCT = 10.0
GOAL_ROWS = 1000.0


# ---------------------------------------------------------------------------------------------
# child: the simulated printers
# ---------------------------------------------------------------------------------------------


async def _child(args: argparse.Namespace) -> None:
    from tests.simulators.bambu import BambuSimulator

    async with serving("printernizer-fleet-") as stop:
        sims = [
            BambuSimulator(
                serial=f"01P00A{n:09d}",
                access_code=ACCESS_CODE,
                model="P1S",
                name=f"P1S {n}",
                jitter=True,
            )
            for n in range(1, args.printers + 1)
        ]
        try:
            await _serve(args, sims, stop)
        finally:
            await asyncio.gather(*(sim.stop() for sim in sims), return_exceptions=True)


async def _serve(args: argparse.Namespace, sims: list[Any], stop: asyncio.Event) -> None:
    """Start the printers, announce their ports, and keep them printing until `stop`."""
    loop = asyncio.get_running_loop()
    for sim in sims:
        await sim.start()
    announce(
        [
            {
                "serial": sim.serial,
                "port": sim.mqtt_port,
                "ftp_port": sim.ftp_port,
                "fingerprint": sim.fingerprint,
            }
            for sim in sims
        ]
    )
    job_s = args.job_minutes * 60.0

    async def start(sim: Any) -> None:
        await sim.start_job(
            "cube", total_layers=args.layers, prediction_min=round(args.job_minutes)
        )

    async def run_printer(index: int, sim: Any) -> None:
        # Spread over the job (golden-ratio steps: no two printers change their percent, layer
        # or minute in step): as many job ends per minute as a real fleet has.
        elapsed = job_s * (index * 0.6180339887 % 1)
        await start(sim)
        await asyncio.sleep(index / len(sims))  # spread the reports over the second
        next_at = loop.time()
        while True:
            next_at += 1.0
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            elapsed += 1.0
            if elapsed >= job_s:
                await sim.finish_job()
                await asyncio.sleep(1.0)
                await start(sim)
                elapsed = 0.0
                continue
            await sim.progress(100 * elapsed / job_s)
            sim.published.clear()  # the simulator logs every message; keep memory flat

    tasks = [loop.create_task(run_printer(i, sim)) for i, sim in enumerate(sims)]
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# ---------------------------------------------------------------------------------------------
# parent: Home Assistant + measurement
# ---------------------------------------------------------------------------------------------


def _proc_cpu_s(pid: int) -> float:
    """utime + stime of a process from /proc/<pid>/stat, in seconds."""
    return _proc_cpu_s_path(Path(f"/proc/{pid}/stat"))


def _threads_cpu_s() -> dict[str, float]:
    """CPU seconds of this process per thread name (the event loop runs in MainThread)."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    totals: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            name = names.get(int(task.name)) or (task / "comm").read_text().strip()
            name = name.rstrip("0123456789_").rstrip("-") or name  # group pool workers
            totals[name] = totals.get(name, 0.0) + _proc_cpu_s_path(task / "stat")
    return totals


def _proc_cpu_s_path(path: Path) -> float:
    fields = path.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


class RowCounter:
    """Counts rows per entity key: written ones, and what writing every reported value costs.

    Written rows are the `state_changed` events of the integration's entities. For the other
    count a listener on each printer evaluates, after every report, each entity's value as
    reported (no rounding; for `end_time` now + the remaining minutes, to the second as HA
    would write it; the attributes too) and counts the changes: the rows HA would write
    without the integration's filter. Its own CPU time is measured and taken off the fleet's.
    """

    def __init__(self) -> None:
        self.active = False
        self.raw: Counter[str] = Counter()
        self.written: Counter[str] = Counter()
        self.cpu = 0.0
        self._last: dict[int, str] = {}

    def watch(self, coordinator: Any, entities: list[Any]) -> None:
        """Count the reported-value changes of one printer's `entities`."""
        probes = [(entity, _raw_value(entity)) for entity in entities]

        def reported() -> None:
            if not self.active:
                return
            begin = time.thread_time()
            for entity, raw_value in probes:
                # As text: holding the values would keep young objects alive and distort the
                # garbage-collection figures this benchmark reports.
                value = repr(raw_value())
                before = self._last.get(id(entity), value)
                if value != before:
                    self.raw[entity.entity_description.key] += 1
                self._last[id(entity)] = value
            self.cpu += time.thread_time() - begin

        coordinator.async_add_listener(reported)

    def counts(self) -> tuple[Counter[str], Counter[str]]:
        """Rows written and rows for every reported value, per entity key."""
        keys = self.raw | self.written
        return Counter(self.written), Counter({k: max(self.raw[k], self.written[k]) for k in keys})


def _raw_value(entity: Any) -> Any:
    """A function returning what `entity` would show without rounding or tolerance."""
    description = entity.entity_description
    coordinator = entity.coordinator
    if hasattr(description, "value_fn"):  # a sensor
        data = entity._data

        def sensor() -> Any:
            value = description.value_fn(data)
            if isinstance(value, datetime.datetime):
                value = value.isoformat(timespec="seconds")
            attributes = description.attributes_fn(data) if description.attributes_fn else None
            return (coordinator.last_update_success, value, attributes)

        return sensor
    return entity.probe()  # binary sensors, buttons, event, image: shown as reported


class StallWatch:
    """GC pauses (gc.callbacks) and, from a watchdog thread, the loop's stack when it is late.

    Also what makes full collections come: every object alive at a young collection moves on
    and finally into the oldest generation; CPython 3.13 collects everything once those
    promoted since the last full collection exceed a quarter of the objects that survived
    it. `promoted` counts them (young objects at a generation-1 collection minus garbage).
    """

    def __init__(self) -> None:
        self.collections: list[tuple[float, float, int]] = []  # start, seconds, generation
        self.promoted = 0
        self._young = 0
        self.stacks: list[tuple[float, str]] = []
        # (when, ns the loop thread had waited on a run queue so far): a stall the loop spent
        # waiting for a CPU comes from other processes on the machine, not from the loop's work.
        self.waits: list[tuple[float, int]] = []
        self._schedstat = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat")
        self.heartbeat = time.perf_counter()
        self._gc_start = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop_thread = threading.get_ident()

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        generation = info["generation"]
        if phase == "start":
            if generation == 1:
                self._young = len(gc.get_objects(0)) + len(gc.get_objects(1))
            self._gc_start = time.perf_counter()
        else:
            self.collections.append((self._gc_start, now - self._gc_start, generation))
            if generation == 1:
                self.promoted += self._young - info["collected"]

    def waited_ms(self, begin: float, end: float) -> float:
        """How long the loop thread waited for a CPU between `begin` and `end` (10 ms steps)."""
        before = [ns for at, ns in self.waits if at <= begin]
        after = [ns for at, ns in self.waits if at >= end]
        if not before or not after:
            return 0.0
        return (after[0] - before[-1]) / 1e6

    def _watch(self) -> None:
        noted = 0.0
        while not self._stop.wait(0.01):
            with contextlib.suppress(OSError, ValueError, IndexError):
                waited = int(self._schedstat.read_text().split()[1])
                self.waits.append((time.perf_counter(), waited))
            beat = self.heartbeat
            if time.perf_counter() - beat > WATCHDOG_S and beat != noted:
                noted = beat
                frame = sys._current_frames().get(self._loop_thread)
                if frame is not None:
                    stack = traceback.extract_stack(frame)[-6:]
                    where = " < ".join(
                        f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack)
                    )
                    self.stacks.append((time.perf_counter(), where))

    def start(self) -> None:
        gc.callbacks.append(self._on_gc)
        self._thread = threading.Thread(target=self._watch, name="stallwatch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        gc.callbacks.remove(self._on_gc)
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


async def _measure(
    hass: Any,
    duration: float,
    child_pid: int,
    label: str,
    rows: RowCounter,
    domain: str,
    profile: str | None = None,
) -> dict[str, Any]:
    """One window: loop lag samples, CPU of both processes, GC, state writes."""
    from homeassistant.const import EVENT_STATE_CHANGED
    from homeassistant.core import Event, callback
    from homeassistant.helpers import entity_registry as er

    loop = asyncio.get_running_loop()
    registry = er.async_get(hass)
    keys: dict[str, str | None] = {}
    changes = 0
    rows.raw.clear()
    rows.written.clear()
    rows.cpu = 0.0

    @callback
    def _count(event: Event[Any]) -> None:
        nonlocal changes
        changes += 1
        entity_id = event.data["entity_id"]
        if entity_id not in keys:
            entry = registry.async_get(entity_id)
            keys[entity_id] = (
                entry.unique_id.split("_", 1)[1] if entry and entry.platform == domain else None
            )
        if (key := keys[entity_id]) is not None:
            rows.written[key] += 1

    unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, _count)
    watch = StallWatch()
    lags: list[tuple[float, float]] = []  # (when the probe should have woken, lag)
    child_before = _proc_cpu_s(child_pid)
    threads_before = _threads_cpu_s()
    gc_before = gc.get_stats()
    cpu_before = time.process_time()
    wall_before = time.perf_counter()
    watch.start()
    rows.active = True
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()  # this thread: the event loop's
    end = loop.time() + duration
    while (now := loop.time()) < end:
        target = now + PROBE_S
        due = time.perf_counter() + PROBE_S
        await asyncio.sleep(PROBE_S)
        watch.heartbeat = time.perf_counter()
        lags.append((due, max(0.0, loop.time() - target)))
    if profiler is not None:
        profiler.disable()
    rows.active = False
    watch.stop()
    wall = time.perf_counter() - wall_before
    if profiler is not None and profile:
        profiler.dump_stats(profile)
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    # The reported-value counter runs in the event loop: its CPU is the benchmark's, not HA's.
    cpu = time.process_time() - cpu_before - rows.cpu
    child_cpu = _proc_cpu_s(child_pid) - child_before
    threads_after = _threads_cpu_s()
    loop_thread = threading.main_thread().name
    loop_cpu = threads_after.get(loop_thread, 0.0) - threads_before.get(loop_thread, 0.0)
    loop_cpu -= rows.cpu
    by_thread = {
        name: threads_after[name] - threads_before.get(name, 0.0) for name in threads_after
    }
    unsub()
    values = [lag for _, lag in lags]
    stalls: list[tuple[float, str]] = []
    causes: Counter[str] = Counter()
    own_ms = 0.0  # the longest stall while the loop had a CPU
    for due, lag in lags:
        if lag * 1000 < STALL_MS:
            continue
        begin, finish = due - 0.001, due + lag
        collections = [
            (gen, seconds)
            for start, seconds, gen in watch.collections
            if start < finish and start + seconds > begin
        ]
        waited = min(watch.waited_ms(begin, finish), lag * 1000)
        own_ms = max(own_ms, lag * 1000 - waited)
        if any(gen == 2 for gen, _ in collections):
            causes["a full garbage collection"] += 1
        elif waited >= lag * 500:
            causes["waiting for a CPU (other processes on the machine)"] += 1
        else:
            causes["other"] += 1
        stacks = [where for at, where in watch.stacks if begin <= at <= finish + 0.02]
        gcs = "; ".join(f"gen{gen} GC {seconds * 1000:.0f} ms" for gen, seconds in collections)
        stalls.append(
            (
                lag,
                f"{lag * 1000:.0f} ms at +{due - wall_before:.1f} s: {gcs or 'no GC'}; "
                f"waited {waited:.0f} ms for a CPU"
                + (f"; loop was in {stacks[0]}" if stacks else ""),
            )
        )
    gc_after = gc.get_stats()
    return {
        "label": label,
        "counter_cpu": rows.cpu,
        "wall": wall,
        "cpu": cpu,
        "child_cpu": child_cpu,
        "loop_cpu": loop_cpu,
        "by_thread": by_thread,
        "changes": changes,
        "written": rows.counts()[0],
        "raw": rows.counts()[1],
        "samples": len(values),
        "p50": statistics.median(values) * 1000,
        "p99": _percentile(values, 99) * 1000,
        "max": max(values) * 1000,
        "stalls": [text for _, text in sorted(stalls, reverse=True)],
        "causes": causes,
        "own_ms": own_ms,
        "promoted": watch.promoted,
        "gc": {
            gen: (
                gc_after[gen]["collections"] - gc_before[gen]["collections"],
                max((s for _, s, g in watch.collections if g == gen), default=0.0) * 1000,
            )
            for gen in range(3)
        },
    }


async def _parent(args: argparse.Namespace) -> None:
    from homeassistant import loader
    from homeassistant.config_entries import ConfigEntryState
    from homeassistant.helpers import entity_registry as er
    from homeassistant.setup import async_setup_component
    from pytest_homeassistant_custom_component.common import (
        MockConfigEntry,
        async_test_home_assistant,
    )

    import custom_components.printernizer  # noqa: F401 - before HA looks for custom components
    from custom_components.printernizer.const import DOMAIN

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    rows = RowCounter()
    async with simulator_process(
        __file__,
        "--child",
        "--printers",
        str(args.printers),
        "--job-minutes",
        str(args.job_minutes),
        "--layers",
        str(args.layers),
    ) as (child_pid, printers):
        with tempfile.TemporaryDirectory(prefix="printernizer-fleet-ha-") as config_dir:
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)  # what enable_custom_integrations does
                try:
                    result = await _run(
                        hass, args, printers, child_pid, DOMAIN, MockConfigEntry,
                        ConfigEntryState, er, async_setup_component, rows,
                    )  # fmt: skip
                finally:
                    entries = [
                        e
                        for e in hass.config_entries.async_entries(DOMAIN)
                        if e.state is ConfigEntryState.LOADED
                    ]
                    await asyncio.gather(
                        *(hass.config_entries.async_unload(e.entry_id) for e in entries)
                    )
                    await hass.async_block_till_done()
                    await hass.async_stop(force=True)
    _print(args, *result)


async def _run(
    hass: Any,
    args: argparse.Namespace,
    printers: list[dict[str, Any]],
    child_pid: int,
    domain: str,
    mock_entry: Any,
    entry_state: Any,
    er: Any,
    async_setup_component: Any,
    rows: RowCounter,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    assert await async_setup_component(hass, domain, {})
    await hass.async_block_till_done()
    print(f"baseline window: {args.duration:.0f} s, no printers", file=sys.stderr, flush=True)
    baseline = await _measure(hass, args.duration, child_pid, "baseline", rows, domain)
    objects_before = len(gc.get_objects())

    entries = []
    for n, printer in enumerate(printers, start=1):
        entry = mock_entry(
            domain=domain,
            title=f"P1S {n}",
            unique_id=printer["serial"],
            data={
                "printer_type": "bambu",
                "host": "127.0.0.1",
                "port": printer["port"],
                "serial": printer["serial"],
                "access_code": ACCESS_CODE,
                "ftp_port": printer["ftp_port"],
                "tls_fingerprint": printer["fingerprint"],
            },
        )
        entry.add_to_hass(hass)
        entries.append(entry)
    begin = time.perf_counter()
    cpu_begin = time.process_time()
    await asyncio.gather(*(hass.config_entries.async_setup(e.entry_id) for e in entries))
    await asyncio.wait_for(hass.async_block_till_done(), timeout=300)
    registry = er.async_get(hass)
    ours = [e for e in registry.entities.values() if e.platform == domain]
    setup = {
        "wall": time.perf_counter() - begin,
        "cpu": time.process_time() - cpu_begin,
        "loaded": sum(e.state is entry_state.LOADED for e in entries),
        "entities": len(ours),
        "enabled": sum(not e.disabled for e in ours),
    }
    print(
        f"{setup['loaded']}/{len(entries)} printers set up in {setup['wall']:.1f} s "
        f"({setup['entities']} entities); settling {args.settle:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    if setup["loaded"] != len(entries):
        states = {e.title: e.state.value for e in entries if e.state is not entry_state.LOADED}
        raise RuntimeError(f"not every printer loaded: {states}")
    from custom_components.printernizer.entity import PrinterUpdates

    for entry in entries:
        coordinator = entry.runtime_data.coordinator
        rows.watch(coordinator, list(PrinterUpdates.of(coordinator)._entities))
    # Setting up the printers left ~2,000 young objects per printer; CPython moves them to the
    # oldest generation over the next minutes and then runs one full collection (the one-off
    # stall after a start). Run it now, timed, so the window shows the steady state.
    setup["after_setup_gc_ms"] = _timed_full_collection()
    await asyncio.sleep(args.settle)
    print(
        f"fleet window: {args.duration:.0f} s, {len(entries)} printers", file=sys.stderr, flush=True
    )
    fleet = await _measure(hass, args.duration, child_pid, "fleet", rows, domain, args.profile)
    if fleet["changes"] == 0:
        raise RuntimeError("no state changed during the fleet window: reports did not arrive")
    setup["objects"] = (objects_before, len(gc.get_objects()))
    # What one full collection of this heap costs, measured (the loop is blocked meanwhile).
    setup["full_gc_ms"] = min(_timed_full_collection() for _ in range(3))
    return baseline, fleet, setup


def _timed_full_collection() -> float:
    begin = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - begin) * 1000


def _per_printer_hour(count: float, printers: int, wall: float) -> float:
    return count / printers / wall * 3600


def _print(
    args: argparse.Namespace, baseline: dict[str, Any], fleet: dict[str, Any], setup: dict[str, Any]
) -> None:
    cores = len(os.sched_getaffinity(0))
    n = args.printers
    print(
        f"{n} simulated P1S printers, one report per printer per second with realistic jitter "
        f"(jobs of {args.job_minutes:g} min with {args.layers} layers), windows of "
        f"{args.duration:.0f} s, {cores} CPUs; setup of all printers took {setup['wall']:.1f} s "
        f"wall / {setup['cpu']:.1f} s CPU for {setup['entities']} entities "
        f"({setup['enabled']} enabled). The simulator process shares these CPUs with Home "
        "Assistant (real printers would not).\n"
    )
    rows = sum(fleet["written"].values())
    raw = sum(fleet["raw"].values())
    rows_h = _per_printer_hour(rows, n, fleet["wall"])
    raw_h = _per_printer_hour(raw, n, fleet["wall"])
    print(
        "| window | printers | loop lag p50 (ms) | loop lag p99 (ms) | loop lag max (ms) "
        "| HA process CPU (% of one core) | HA process CPU (% of all cores) "
        "| event-loop thread CPU (% of one core) "
        "| simulator process CPU (% of one core) | state writes/s "
        "| rows per printing printer-hour | every reported value (rows per printer-hour) "
        "| goal |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    share = fleet["cpu"] / fleet["wall"] - baseline["cpu"] / baseline["wall"]
    loop_share = fleet["loop_cpu"] / fleet["wall"] - baseline["loop_cpu"] / baseline["wall"]
    for window, count in ((baseline, 0), (fleet, n)):
        one_core = window["cpu"] / window["wall"] * 100
        verdict = ""
        per_hour = raw_per_hour = ""
        if count:
            verdict = (
                f"p99 < {GOAL_P99_MS:g} ms {'ok' if window['p99'] < GOAL_P99_MS else 'OVER'}, "
                f"max < {GOAL_MAX_MS:g} ms {'ok' if window['max'] < GOAL_MAX_MS else 'OVER'}, "
                f"≤ {GOAL_ROWS:,.0f} rows {'ok' if rows_h <= GOAL_ROWS else 'OVER'}"
            )
            per_hour, raw_per_hour = f"{rows_h:,.0f}", f"{raw_h:,.0f}"
        print(
            f"| {window['label']} | {count} | {window['p50']:.2f} | {window['p99']:.2f} "
            f"| {window['max']:.1f} | {one_core:.1f} | {one_core / cores:.1f} "
            f"| {window['loop_cpu'] / window['wall'] * 100:.1f} "
            f"| {window['child_cpu'] / window['wall'] * 100:.1f} "
            f"| {window['changes'] / window['wall']:.1f} | {per_hour} | {raw_per_hour} | {verdict} |"
        )
    print(
        f"| integration share (fleet − baseline) | {n} | | | "
        f"| {share * 100:.1f} | {share * 100 / cores:.1f} | {loop_share * 100:.1f} | "
        f"| | | | < {GOAL_CPU_PCT:g} % of one core "
        f"{'ok' if share * 100 < GOAL_CPU_PCT else 'OVER'}; "
        f"{share * 1000 / n:.2f} ms CPU per printer-second |"
    )

    print()
    print(
        f"Rows per printing printer-hour, by entity (fleet window; written / every reported "
        f"value): {rows_h:,.0f} / {raw_h:,.0f} in total, {raw_h / rows_h:.1f}× fewer rows"
        if rows_h
        else "no rows written"
    )
    keys = sorted(set(fleet["written"]) | set(fleet["raw"]), key=lambda k: -fleet["raw"][k])
    for key in keys:
        written = _per_printer_hour(fleet["written"][key], n, fleet["wall"])
        every = _per_printer_hour(fleet["raw"][key], n, fleet["wall"])
        print(f"  {key}: {written:,.0f} / {every:,.0f}")
    for window in (baseline, fleet):
        threads = sorted(window["by_thread"].items(), key=lambda item: -item[1])
        print(
            f"{window['label']} window, HA process CPU by thread: "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in threads if seconds >= 0.005)
            + f" (of {window['cpu']:.2f} s in {window['wall']:.1f} s; event loop = MainThread)"
        )
        collections = ", ".join(
            f"gen{gen} {count}× (longest {longest:.0f} ms)"
            for gen, (count, longest) in window["gc"].items()
        )
        print(
            f"{window['label']} window, garbage collections: {collections}; objects promoted "
            f"to the oldest generation: {window['promoted'] / window['wall'] * 60:,.0f} per minute"
        )
        if window["counter_cpu"]:
            print(
                f"{window['label']} window: counting every reported value took "
                f"{window['counter_cpu']:.2f} s CPU in the event loop, taken off the figures above"
            )
        stalls = window["stalls"]
        causes = ", ".join(f"{count} {cause}" for cause, count in window["causes"].most_common())
        print(
            f"{window['label']} window, loop wake-ups later than {STALL_MS:g} ms: "
            + (
                f"{len(stalls)} ({causes}); longest while the loop had a CPU: "
                f"{window['own_ms']:.0f} ms; longest first: " + " | ".join(stalls[:8])
                if stalls
                else "none"
            )
        )
    before, after = setup["objects"]
    per_minute = fleet["promoted"] / fleet["wall"] * 60
    if per_minute:
        when = (
            f"At {per_minute:,.0f} promotions per minute CPython starts one about every "
            f"{after / 4 / per_minute:.0f} min (when they exceed a quarter of the heap)."
        )
    else:
        when = "No young collection promoted objects in the window (too short to tell how often)."
    print(
        f"Objects tracked by the garbage collector: {before:,} without printers, {after:,} with "
        f"{n} ({(after - before) / n:,.0f} per printer); a full collection of this heap "
        f"(gc.collect(), best of 3 after the fleet window) takes {setup['full_gc_ms']:.0f} ms. "
        f"{when} The full collection that follows setting up the printers ran before the fleet "
        f"window: {setup['after_setup_gc_ms']:.0f} ms."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--printers", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per window")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds after setup")
    parser.add_argument("--job-minutes", type=float, default=60.0, help="length of each job")
    parser.add_argument("--layers", type=int, default=250, help="layers of each job")
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the event loop over the fleet window into FILE"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_child(args))
    else:
        asyncio.run(_parent(args))


if __name__ == "__main__":
    main()
