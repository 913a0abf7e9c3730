"""Benchmark: stream a large plain G-code file through StreamingMetadataReader.

PrusaSlicer writes G-code statistics at the end of the file, so a Buddy printer's plain
`.gcode` must be read completely to learn its grams. This checks that doing so keeps memory
flat (a few MB, whatever the file size) and measures the parse speed.

Usage: .venv/bin/python scripts/bench_metadata.py [--mb 200] [--chunk-kb 64]
Prints one markdown table row (header with --header).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time
import tracemalloc
import types

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# api/ is Home Assistant free: load it without running the integration's __init__ (which
# imports Home Assistant and would only add noise to the memory numbers).

_pkg = types.ModuleType("custom_components.printernizer")
_pkg.__path__ = [str(ROOT / "custom_components" / "printernizer")]
sys.modules.setdefault("custom_components.printernizer", _pkg)

from custom_components.printernizer.api.metadata import StreamingMetadataReader  # noqa: E402
from tests.simulators.gcodefiles import iter_gcode  # noqa: E402

MATERIALS = [("PETG", 21.37), ("PLA", 3.5)]
ESTIMATE_S = 8224


def _status_kib(field: str) -> int:
    """A memory figure (VmRSS, VmHWM) of this process from /proc, in KiB."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _rechunk(chunks: object, size: int) -> object:
    """Re-cut the generator's 1 MiB blocks into network-sized chunks (aiohttp reads 64 KiB)."""
    for block in chunks:  # type: ignore[attr-defined]
        for start in range(0, len(block), size):
            yield block[start : start + size]


def run(total_mb: int, chunk_kb: int) -> dict[str, float]:
    """Two passes: timing + RSS without tracemalloc, then the Python heap peak with it."""
    total = total_mb * 1024 * 1024

    reader = StreamingMetadataReader()
    rss_before, hwm_before = _status_kib("VmRSS"), _status_kib("VmHWM")
    start = time.perf_counter()
    for chunk in _rechunk(
        iter_gcode(total_bytes=total, materials=MATERIALS, estimated_s=ESTIMATE_S), chunk_kb * 1024
    ):
        reader.feed(chunk)
    meta = reader.result()
    elapsed = time.perf_counter() - start
    rss_after, hwm_after = _status_kib("VmRSS"), _status_kib("VmHWM")
    assert reader.bytes_read == total, reader.bytes_read
    assert [(m.material, m.grams) for m in meta.materials] == MATERIALS, meta.materials
    assert meta.estimated_seconds == ESTIMATE_S
    assert meta.thumbnail_png is not None

    tracemalloc.start()
    reader = StreamingMetadataReader()
    for chunk in _rechunk(
        iter_gcode(total_bytes=total, materials=MATERIALS, estimated_s=ESTIMATE_S), chunk_kb * 1024
    ):
        reader.feed(chunk)
    reader.result()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "mb": total_mb,
        "seconds": elapsed,
        "mb_per_s": total_mb / elapsed,
        "tracemalloc_peak_mib": peak / 1024 / 1024,
        "rss_growth_mib": max(rss_after - rss_before, 0) / 1024,
        "hwm_growth_mib": max(hwm_after - hwm_before, 0) / 1024,
    }


def main() -> None:
    """Parse arguments, run, print a markdown row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="file size in MiB (default 200)")
    parser.add_argument("--chunk-kb", type=int, default=64, help="feed size in KiB (default 64)")
    parser.add_argument("--header", action="store_true", help="print the table header first")
    args = parser.parse_args()
    result = run(args.mb, args.chunk_kb)
    if args.header:
        print(
            "| file | chunk | time | throughput | tracemalloc peak (incl. generator) "
            "| RSS growth | peak RSS growth |"
        )
        print("|---|---|---|---|---|---|---|")
    print(
        f"| {result['mb']} MiB plain G-code | {args.chunk_kb} KiB | {result['seconds']:.1f} s "
        f"| {result['mb_per_s']:.0f} MiB/s | {result['tracemalloc_peak_mib']:.1f} MiB "
        f"| {result['rss_growth_mib']:.1f} MiB | {result['hwm_growth_mib']:.1f} MiB |"
    )


if __name__ == "__main__":
    main()
