"""Benchmark: the cost of handling one full X1 report versus just decoding its JSON.

An X1 sends its whole `print` object (pretty-printed, ~7 KB) about once a second, so what the
client does per message (json.loads + deep_merge + parse_snapshot) must stay close to the cost of
json.loads alone. Goal: at most 3x.

Usage: .venv/bin/python scripts/bench_bambu_report.py [--number 2000] [--repeat 7] [--header]
Prints one markdown table row (header with --header).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import timeit
import types
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# api/ is Home Assistant free: load it without running the integration's __init__.
_pkg = types.ModuleType("custom_components.printernizer")
_pkg.__path__ = [str(ROOT / "custom_components" / "printernizer")]
sys.modules.setdefault("custom_components.printernizer", _pkg)

from custom_components.printernizer.api.bambu.report import (  # noqa: E402
    deep_merge,
    parse_snapshot,
)

FIXTURE = ROOT / "tests" / "api" / "fixtures" / "bambu_x1c_pushall.json"


def main() -> None:
    """Time both paths in one run, best of `repeat`, and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--header", action="store_true")
    args = parser.parse_args()

    # X1 firmware indents its reports: measure on the bytes as they come off the wire.
    raw = json.dumps(json.loads(FIXTURE.read_text(encoding="utf-8")), indent=4).encode()
    state: dict[str, Any] = {}

    def decode_only() -> None:
        json.loads(raw)

    def handle() -> None:
        body = json.loads(raw)["print"]
        deep_merge(state, body, full=body.get("msg") == 0)
        parse_snapshot(state, model="X1C", serial="00M00A000000001", firmware="01.08.05.00")

    handle()  # warm the state like a running client
    loads = min(timeit.repeat(decode_only, number=args.number, repeat=args.repeat)) / args.number
    full = min(timeit.repeat(handle, number=args.number, repeat=args.repeat)) / args.number
    ratio = full / loads
    if args.header:
        print("| report bytes | json.loads (µs) | loads + merge + parse (µs) | ratio | goal |")
        print("|---:|---:|---:|---:|---|")
    verdict = "ok" if ratio <= 3 else "OVER"
    print(f"| {len(raw)} | {loads * 1e6:.1f} | {full * 1e6:.1f} | {ratio:.2f}x | ≤ 3x {verdict} |")


if __name__ == "__main__":
    main()
