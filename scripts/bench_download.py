#!/usr/bin/env python3
"""Benchmark: our download path against a plain client, for a 200 MB file from each printer.

Why: the download path adds a temp file, a size check, a sha256 pass and an atomic rename on
top of the printer clients; this shows what that costs next to the simplest possible copy.

What runs where (three kinds of process, so the simulators never share the measured
process's GIL or event loop; real printers are separate machines):

- a SIMULATOR process, started once: the Bambu simulator (implicit FTPS with TLS session
  reuse, served by pyftpdlib from a private temp dir holding one random 200 MB file) and the
  PrusaLink simulator (Buddy flavour, X-Api-Key, a 200 MB G-code file generated chunk by chunk
  as it is sent, never held in memory), both from tests/simulators. It prints its ports as one
  JSON line and serves until the parent sends SIGTERM at the end.
- the PARENT (this command) only looks up the PrusaLink download reference, then starts the
  cases one after another and waits for each; it does no work while a case runs.
- one FRESH process per measured case and run, so memory peaks never mix. Runs alternate
  the cases side by side (run 1: every case, run 2: every case, ...); the table shows medians.

The machine's CPUs are shared by the simulator process and the measured one (on 2 CPUs,
roughly one each); the cases:

- `bambu-ours`  / `prusa-ours`: `files.async_fetch_verified` (the download core FileManager
  uses: temp file, size check, sha256 computed by the client's writer thread via `on_block`
  as FileManager does, atomic no-overwrite rename) driving the real `BambuFtpClient` /
  `PrusaLinkClient`. It runs in a bare asyncio loop with the default
  executor as `run_blocking`; FileManager adds only ledger writes and the semaphores around
  it, so no HomeAssistant instance is started.
- `bambu-client` / `prusa-client`: the printer client's `async_download_file` alone (no
  core, no hash), to show where the time goes.
- `bambu-plain`: ftplib with implicit TLS and TLS session reuse, `retrbinary` into a file.
- `prusa-plain`: one aiohttp GET with X-Api-Key, copied chunk by chunk into a file.

Each child reports seconds and peak RSS growth: it resets the kernel's peak counter
(`/proc/self/clear_refs` = 5) after imports and setup, then reads VmHWM − VmRSS(before) from
/proc/self/status after the download. Goals: throughput ratio ours/plain ≥ 0.8, peak RSS
growth during our download < 32 MB.

Usage: `.venv/bin/python scripts/bench_download.py [--size-mb 200] [--runs 5]`
Prints markdown table rows, a verdict line, the command and the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from datetime import date
import ftplib
import json
import os
from pathlib import Path
import platform
import shutil
import socket
import ssl
import statistics
import sys
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.bench_simprocess import announce, serving, simulator_process  # noqa: E402

API_KEY = "bench-api-key-0123"
BAMBU_PATH = "/cache/bench_200mb.gcode.3mf"
PRUSA_PATH = "/usb/bench_200mb_0.4n_0.2mm_PLA_COREONE.gcode"
CHUNK = 1024 * 1024
KINDS = ("plain", "client", "ours")
KINDS_ORDER = tuple(f"{family}-{kind}" for family in ("bambu", "prusa") for kind in KINDS)
LABELS = {
    "bambu-plain": "ftplib implicit TLS + session reuse",
    "bambu-client": "BambuFtpClient alone",
    "bambu-ours": "FileManager download core",
    "prusa-plain": "plain aiohttp copy",
    "prusa-client": "PrusaLinkClient alone",
    "prusa-ours": "FileManager download core",
}


# ---------------------------------------------------------------------------------------------
# memory accounting (Linux /proc)
# ---------------------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False when not permitted."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# children: one download each
# ---------------------------------------------------------------------------------------------


class _ImplicitFtps(ftplib.FTP_TLS):
    """ftplib with implicit TLS on connect and TLS session reuse on data connections."""

    def connect(
        self, host: str = "", port: int = 0, timeout: float = -999, source_address: Any = None
    ) -> str:  # type: ignore[override]
        self.host, self.port = host, port
        raw = socket.create_connection((host, port), timeout if timeout != -999 else 30)
        self.af = raw.family
        self.sock = self.context.wrap_socket(raw, server_hostname=host)
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome

    def ntransfercmd(self, cmd: str, rest: Any = None) -> tuple[socket.socket, int | None]:
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        conn = self.context.wrap_socket(
            conn,
            server_hostname=self.host,
            session=self.sock.session,  # type: ignore[attr-defined]
        )
        return conn, size


def _plain_bambu(args: argparse.Namespace, dest: Path) -> int:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    ftp = _ImplicitFtps(context=context)
    ftp.connect(args.host, args.port)
    ftp.login("bblp", args.code)
    ftp.prot_p()
    written = 0
    with dest.open("wb") as handle:

        def sink(block: bytes) -> None:
            nonlocal written
            handle.write(block)
            written += len(block)

        ftp.retrbinary(f"RETR {args.path}", sink, blocksize=CHUNK)
    ftp.quit()
    return written


async def _plain_prusa(args: argparse.Namespace, dest: Path) -> int:
    import aiohttp

    loop = asyncio.get_running_loop()
    written = 0
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"http://{args.host}:{args.port}{args.path}", headers={"X-Api-Key": API_KEY}
        ) as response,
    ):
        response.raise_for_status()
        handle = await loop.run_in_executor(None, dest.open, "wb")
        try:
            async for chunk in response.content.iter_chunked(CHUNK):
                await loop.run_in_executor(None, handle.write, chunk)
                written += len(chunk)
        finally:
            await loop.run_in_executor(None, handle.close)
    return written


async def _ours(args: argparse.Namespace, folder: Path) -> tuple[int, Any]:
    from custom_components.printernizer.files import async_fetch_verified

    loop = asyncio.get_running_loop()

    async def run_blocking(fn: Any, *fn_args: Any) -> Any:
        return await loop.run_in_executor(None, fn, *fn_args)

    session = None
    if args.case.startswith("bambu"):
        from custom_components.printernizer.api.bambu.ftps import (
            BambuFtpClient,
        )

        client: Any = BambuFtpClient(
            host=args.host, access_code=args.code, port=args.port, fingerprint=args.fingerprint
        )

        async def fetch(dest: Path, limit: int | None, *, on_block: Any = None) -> int:
            return await client.async_download_file(
                args.path, dest, max_bytes=limit, on_block=on_block
            )

    else:
        import aiohttp

        from custom_components.printernizer.api.prusa.client import (
            PrusaLinkClient,
        )

        session = aiohttp.ClientSession()
        client = PrusaLinkClient(session, args.host, port=args.port, api_key=API_KEY)

        async def fetch(dest: Path, limit: int | None, *, on_block: Any = None) -> int:
            return await client.async_download_file(
                args.path, dest, max_bytes=limit, expected_size=args.size, on_block=on_block
            )

    _reset_peak()
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    try:
        if args.case.endswith("-client"):  # the printer client alone, no core around it
            written = await fetch(folder / "client.bin", None)
            return written, (time.perf_counter() - start, before, None)
        result = await async_fetch_verified(
            fetch,
            root=folder,
            printer_name="Bench",
            day=date.today(),  # noqa: DTZ011 - a folder name, nothing more
            file_name=Path(args.path).name,
            expected_size=args.size,
            max_bytes=1024 * 1024 * 1024,
            run_blocking=run_blocking,
        )
    finally:
        if session is not None:
            await session.close()
    elapsed = time.perf_counter() - start
    return result.size, (elapsed, before, result.sha256)


def child(args: argparse.Namespace) -> None:
    """Run one case and print one JSON line."""
    folder = Path(tempfile.mkdtemp(prefix="bench-dl-"))
    sha = None
    try:
        if args.case.endswith(("-ours", "-client")):
            size, (elapsed, before, sha) = asyncio.run(_ours(args, folder))
        else:
            dest = folder / "plain.bin"
            if args.case == "prusa-plain":
                import aiohttp  # noqa: F401 - imported before the peak reset
            _reset_peak()
            before = _status_kb("VmRSS")
            start = time.perf_counter()
            if args.case == "bambu-plain":
                size = _plain_bambu(args, dest)
            else:
                size = asyncio.run(_plain_prusa(args, dest))
            elapsed = time.perf_counter() - start
        peak = _status_kb("VmHWM")
        print(
            json.dumps(
                {
                    "case": args.case,
                    "bytes": size,
                    "seconds": elapsed,
                    "rss_growth_kb": max(0, peak - before),
                    "peak_reset": _reset_peak(),
                    "sha256": sha,
                }
            )
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# parent: simulators + cases
# ---------------------------------------------------------------------------------------------


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, OpenSSL "
        f"{ssl.OPENSSL_VERSION.split()[1]}"
    )


async def _run_child(extra: list[str]) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        *extra,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(ROOT),
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"child {extra[:2]} failed:\n{err.decode(errors='replace')}")
    return json.loads(out.decode().strip().splitlines()[-1])


def _write_big_file(path: Path, size: int) -> None:
    block = os.urandom(CHUNK)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        left = size
        while left:
            part = block[: min(CHUNK, left)]
            handle.write(part)
            left -= len(part)


async def simulators(args: argparse.Namespace) -> None:
    """The simulators' own process: serve one big file from each until SIGTERM.

    Prints one JSON line with everything the cases need, then serves. Writing the Bambu file
    and generating the PrusaLink G-code stream cost CPU here, never in a measured process.
    """
    from tests.simulators.bambu import BambuSimulator
    from tests.simulators.gcodefiles import iter_gcode
    from tests.simulators.prusa import PrusaLinkSimulator

    size = args.size_mb * 1024 * 1024
    loop = asyncio.get_running_loop()
    async with serving("printernizer-bench-") as stop:
        bambu = BambuSimulator(files={})
        prusa = PrusaLinkSimulator(flavour="buddy", api_key=API_KEY, files={})
        try:
            await bambu.start()
            await prusa.start()
            assert bambu.ftp_root is not None
            await loop.run_in_executor(
                None, _write_big_file, bambu.ftp_root / BAMBU_PATH.lstrip("/"), size
            )
            prusa.add_file(PRUSA_PATH, lambda: iter_gcode(total_bytes=size), size=size)
            announce(
                {
                    "bambu_port": bambu.ftp_port,
                    "bambu_code": bambu.access_code,
                    "bambu_fingerprint": bambu.fingerprint,
                    "prusa_port": prusa.port,
                }
            )
            await stop.wait()
        finally:
            await prusa.stop()
            await bambu.stop()


async def _prusa_ref(port: int) -> str:
    """The download reference the listing gives for PRUSA_PATH (buddy: an SFN path)."""
    import aiohttp

    from custom_components.printernizer.api.prusa.client import (
        PrusaLinkClient,
    )

    async with aiohttp.ClientSession() as session:
        listing = await PrusaLinkClient(
            session, "127.0.0.1", port=port, api_key=API_KEY
        ).async_list_files()
    ref = next(f.download_ref for f in listing if f.path == PRUSA_PATH)
    assert ref
    return ref


async def parent(args: argparse.Namespace) -> None:
    size = args.size_mb * 1024 * 1024
    sims = simulator_process(__file__, "--simulators", "--size-mb", str(args.size_mb))
    async with sims as (_, info):
        prusa_ref = await _prusa_ref(info["prusa_port"])

        common = ["--host", "127.0.0.1", "--size", str(size)]
        cases = {
            "bambu-ours": [
                *common,
                "--port",
                str(info["bambu_port"]),
                "--path",
                BAMBU_PATH,
                "--code",
                info["bambu_code"],
                "--fingerprint",
                info["bambu_fingerprint"],
            ],
            "prusa-ours": [*common, "--port", str(info["prusa_port"]), "--path", prusa_ref],
        }
        for family in ("bambu", "prusa"):
            cases[f"{family}-plain"] = cases[f"{family}-client"] = cases[f"{family}-ours"]
        results: dict[str, list[dict[str, Any]]] = {case: [] for case in cases}
        for _ in range(args.runs):
            for case in KINDS_ORDER:
                result = await _run_child(["--case", case, *cases[case]])
                if result["bytes"] != size:
                    raise RuntimeError(f"{case}: got {result['bytes']} of {size} bytes")
                results[case].append(result)

    print(f"Command: `{' '.join([Path(sys.executable).name, *sys.argv])}`  ")
    print(f"Machine: {_machine()}  ")
    print(
        f"File: {args.size_mb} MB, median of {args.runs} runs (cases alternate within each run), "
        "each case in a fresh process; both simulators in one separate process\n"
    )
    print("| printer | client | MB/s | seconds | ratio ours/plain | peak RSS growth MB |")
    print("|---|---|---:|---:|---:|---:|")
    verdicts: list[str] = []
    spreads: list[str] = []
    ok = True
    for family in ("bambu", "prusa"):
        medians: dict[str, tuple[float, float]] = {}
        for kind in KINDS:
            runs = results[f"{family}-{kind}"]
            seconds = statistics.median(r["seconds"] for r in runs)
            rss = max(r["rss_growth_kb"] for r in runs) / 1024
            medians[kind] = (seconds, rss)
            spreads.append(
                f"{family}-{kind}: " + ", ".join(f"{r['seconds']:.2f}" for r in runs) + " s"
            )
        for kind in KINDS:
            seconds, rss = medians[kind]
            ratio = medians["plain"][0] / seconds
            print(
                f"| {family} | {LABELS[f'{family}-{kind}']} | {args.size_mb / seconds:.1f} | "
                f"{seconds:.2f} | {ratio:.2f} | {rss:.1f} |"
            )
        ratio = medians["plain"][0] / medians["ours"][0]
        rss = medians["ours"][1]
        ok = ok and ratio >= 0.8 and rss < 32
        verdicts.append(f"{family}: {ratio:.2f}× the plain client, {rss:.1f} MB peak RSS growth")
    print(
        f"\n**Verdict: {'met' if ok else 'NOT met'}**: "
        + "; ".join(verdicts)
        + " (goal ≥ 0.8× and < 32 MB)."
    )
    print("\nEvery run, in run order: " + "; ".join(spreads) + ".  ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--simulators", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--fingerprint", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    elif args.simulators:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(simulators(args))
    else:
        asyncio.run(parent(args))


if __name__ == "__main__":
    main()
