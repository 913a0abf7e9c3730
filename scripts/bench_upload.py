#!/usr/bin/env python3
"""Benchmark: our upload path against a plain client, a 200 MB file to each printer family.

Why: uploads must stream from disk (never the whole file in memory) and keep up with the
simplest possible client. The issue's goal: a 200 MB upload grows memory by < 32 MB and
reaches >= 0.8x the throughput of a plain client on the same simulator, both families.

What runs where (as in bench_download.py):

- a SIMULATOR process, started once: the Bambu simulator (implicit FTPS with TLS session
  reuse; pyftpdlib writes each STOR to its private temp dir) and the PrusaLink simulator
  (Buddy flavour, X-Api-Key; it keeps the uploaded body in its own memory), both from
  tests/simulators. It prints its ports as one JSON line and serves until SIGTERM.
- one FRESH process per measured case and run, so memory peaks never mix; runs alternate the
  cases side by side, the table shows medians (seconds) and the largest peak RSS growth.

Cases (the same 200 MB random file from a temp dir, overwritten on the printer each run):

- `bambu-plain`: ftplib with implicit TLS and TLS session reuse, `storbinary` (1 MiB blocks).
- `bambu-ours`: `BambuFtpClient.async_upload_file` (64 KiB blocks read in its executor
  thread, final 226 and a SIZE check), with a progress callback as the service uses it.
- `prusa-plain`: one aiohttp PUT with X-Api-Key, the file streamed by aiohttp's own file
  payload.
- `prusa-ours`: `PrusaLinkClient.async_upload_file` (the transfer slot, Content-Length,
  blocks read in the executor, progress callback).

Each child reports seconds and peak RSS growth: it resets the kernel's peak counter
(`/proc/self/clear_refs` = 5) after imports and setup, then reads VmHWM - VmRSS(before).

Usage: `.venv/bin/python scripts/bench_upload.py [--size-mb 200] [--runs 3]`
Prints markdown table rows, a verdict line, the command and the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
BAMBU_PATH = "/bench_200mb.gcode.3mf"
PRUSA_PATH = "/usb/bench_200mb.gcode"
CHUNK = 1024 * 1024
KINDS = ("plain", "ours")
KINDS_ORDER = tuple(f"{family}-{kind}" for family in ("bambu", "prusa") for kind in KINDS)
LABELS = {
    "bambu-plain": "ftplib storbinary, implicit TLS + session reuse",
    "bambu-ours": "BambuFtpClient.async_upload_file",
    "prusa-plain": "plain aiohttp PUT",
    "prusa-ours": "PrusaLinkClient.async_upload_file",
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
# children: one upload each
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


def _plain_bambu(args: argparse.Namespace, source: Path) -> int:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    ftp = _ImplicitFtps(context=context)
    ftp.connect(args.host, args.port)
    ftp.login("bblp", args.code)
    ftp.prot_p()
    with source.open("rb") as handle:
        ftp.storbinary(f"STOR {BAMBU_PATH}", handle, blocksize=CHUNK)
    size = ftp.size(BAMBU_PATH)
    ftp.quit()
    return int(size or 0)


async def _plain_prusa(args: argparse.Namespace, source: Path) -> int:
    import aiohttp

    size = source.stat().st_size
    async with aiohttp.ClientSession() as session:
        with source.open("rb") as handle:
            async with session.put(
                f"http://{args.host}:{args.port}/api/v1/files{PRUSA_PATH}",
                data=handle,
                headers={
                    "X-Api-Key": API_KEY,
                    "Content-Length": str(size),
                    "Overwrite": "?1",
                    "Content-Type": "application/octet-stream",
                },
            ) as response:
                response.raise_for_status()
    return size


async def _ours(args: argparse.Namespace, source: Path) -> tuple[int, float, int]:
    progress = [0]

    def on_progress(sent: int, _total: int) -> None:
        progress[0] = sent

    if args.case.startswith("bambu"):
        from custom_components.printernizer.api.bambu.ftps import BambuFtpClient

        client = BambuFtpClient(
            host=args.host, access_code=args.code, port=args.port, fingerprint=args.fingerprint
        )
        _reset_peak()
        before = _status_kb("VmRSS")
        start = time.perf_counter()
        size = await client.async_upload_file(
            source, BAMBU_PATH, overwrite=True, on_progress=on_progress
        )
        return size, time.perf_counter() - start, before
    import aiohttp

    from custom_components.printernizer.api.prusa.client import PrusaLinkClient

    async with aiohttp.ClientSession() as session:
        prusa = PrusaLinkClient(session, args.host, port=args.port, api_key=API_KEY)
        _reset_peak()
        before = _status_kb("VmRSS")
        start = time.perf_counter()
        size = await prusa.async_upload_file(
            source, PRUSA_PATH, overwrite=True, on_progress=on_progress
        )
        elapsed = time.perf_counter() - start
    assert progress[0] == size
    return size, elapsed, before


def child(args: argparse.Namespace) -> None:
    """Run one case and print one JSON line."""
    source = Path(args.source)
    if args.case.endswith("-ours"):
        size, elapsed, before = asyncio.run(_ours(args, source))
    else:
        if args.case == "prusa-plain":
            import aiohttp  # noqa: F401 - imported before the peak reset
        _reset_peak()
        before = _status_kb("VmRSS")
        start = time.perf_counter()
        if args.case == "bambu-plain":
            size = _plain_bambu(args, source)
        else:
            size = asyncio.run(_plain_prusa(args, source))
        elapsed = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    print(
        json.dumps(
            {
                "case": args.case,
                "bytes": size,
                "seconds": elapsed,
                "rss_growth_kb": max(0, peak - before),
            }
        )
    )


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
    with path.open("wb") as handle:
        left = size
        while left:
            part = block[: min(CHUNK, left)]
            handle.write(part)
            left -= len(part)


async def simulators(args: argparse.Namespace) -> None:
    """The simulators' own process: take uploads until SIGTERM."""
    from tests.simulators.bambu import BambuSimulator
    from tests.simulators.prusa import PrusaLinkSimulator

    async with serving("printernizer-bench-") as stop:
        bambu = BambuSimulator(files={})
        prusa = PrusaLinkSimulator(flavour="buddy", api_key=API_KEY, files={})
        try:
            await bambu.start()
            await prusa.start()
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


async def parent(args: argparse.Namespace) -> None:
    size = args.size_mb * 1024 * 1024
    folder = Path(tempfile.mkdtemp(prefix="bench-ul-"))
    source = folder / "bench_200mb.gcode"
    try:
        await asyncio.get_running_loop().run_in_executor(None, _write_big_file, source, size)
        sims = simulator_process(__file__, "--simulators")
        async with sims as (_, info):
            common = ["--host", "127.0.0.1", "--source", str(source)]
            bambu = [
                *common,
                "--port",
                str(info["bambu_port"]),
                "--code",
                info["bambu_code"],
                "--fingerprint",
                info["bambu_fingerprint"],
            ]
            prusa = [*common, "--port", str(info["prusa_port"])]
            cases = {
                "bambu-plain": bambu,
                "bambu-ours": bambu,
                "prusa-plain": prusa,
                "prusa-ours": prusa,
            }
            results: dict[str, list[dict[str, Any]]] = {case: [] for case in cases}
            for _ in range(args.runs):
                for case in KINDS_ORDER:
                    result = await _run_child(["--case", case, *cases[case]])
                    if result["bytes"] != size:
                        raise RuntimeError(f"{case}: sent {result['bytes']} of {size} bytes")
                    results[case].append(result)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

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
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--simulators", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
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
