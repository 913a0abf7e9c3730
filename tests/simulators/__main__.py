"""Run a simulated printer in the foreground: ``python -m tests.simulators bambu|prusa --help``.

scripts/develop starts one of each so Home Assistant has two live printers to talk to. With
``--loop`` the printer plays jobs forever (idle pause, job, then finished / failed / cancelled
in turn); a job paused from Home Assistant stands still until it is resumed. Temperatures and
the Wi-Fi signal wander a little like a real printer's (``--no-jitter`` turns that off).
Ctrl-C or SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
import itertools
import logging
import os
from pathlib import Path
import signal
import sys

from .bambu import MODELS, BambuSimulator
from .camera import ChamberImageServer
from .certs import fingerprint_of_pem
from .prusa import FLAVOURS, PRINTABLE_EXTENSIONS, PrusaLinkSimulator

_LOGGER = logging.getLogger("tests.simulators")

# Bambu outcomes understood by BambuSimulator.run_script ("pause" = pause, resume, finish).
BAMBU_OUTCOMES = ("finish", "fail", "finish", "cancel", "pause")
# PrusaLink has no "failed" end state: ATTENTION is a finished job waiting for the part's removal.
PRUSA_OUTCOMES = ("FINISHED", "STOPPED", "FINISHED", "ATTENTION")


def _say(text: str) -> None:
    """Status lines go to stdout unbuffered, so a log file shows them at once."""
    print(text, flush=True)


def _load_or_keep_certificate(sim: BambuSimulator, cert_dir: Path) -> None:
    """Reuse the certificate from an earlier run so the fingerprint HA pinned stays valid.

    A real printer keeps its certificate; without this every restart of the simulator would
    look like a swapped printer and the integration would rightly refuse it.
    """
    cert_file = cert_dir / f"bambu-{sim.serial}.crt"
    key_file = cert_dir / f"bambu-{sim.serial}.key"
    if cert_file.is_file() and key_file.is_file():
        cert_pem, key_pem = cert_file.read_bytes(), key_file.read_bytes()
        # Same steps as BambuSimulator.regenerate_certificate, with stored material.
        sim.cert_pem, sim._key_pem = cert_pem, key_pem
        sim.fingerprint = fingerprint_of_pem(cert_pem)
        sim._ftps.set_certificate(cert_pem, key_pem)
        return
    cert_dir.mkdir(parents=True, exist_ok=True)
    cert_file.write_bytes(sim.cert_pem)
    # The private key stays readable by its owner only.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(sim._key_pem)


async def _run_until_stopped(play: Callable[[], Awaitable[None]] | None) -> None:
    """Play jobs (if any) until SIGINT/SIGTERM, then return so the simulator shuts down."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    player = asyncio.create_task(play()) if play is not None else None
    waiter = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait(
            [t for t in (player, waiter) if t is not None], return_when=asyncio.FIRST_COMPLETED
        )
        if player is not None and player in done:
            player.result()  # a crashed job script is an error, not a silent stop
    finally:
        for task in (player, waiter):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    _say("Stopping.")


async def _bambu(args: argparse.Namespace) -> None:
    sim = BambuSimulator(
        serial=args.serial,
        access_code=args.access_code,
        model=args.model,
        host=args.host,
        mqtt_port=args.mqtt_port,
        ftp_port=args.ftp_port,
        camera_port=args.camera_port,
        ssdp_port=args.ssdp_port or None,
        name=args.name or f"Sim {args.model}",
        report_interval=args.report_interval,
        jitter=args.jitter,
    )
    if isinstance(sim.camera, ChamberImageServer):
        sim.camera.fps = 1.0  # about what a P1S sends
        sim.camera.frame_size = (1280, 720)
    if args.cert_dir:
        await asyncio.to_thread(_load_or_keep_certificate, sim, Path(args.cert_dir))
    async with sim:
        ssdp = f"{args.host}:{args.ssdp_port}" if args.ssdp_port else "off"
        _say(
            f"Bambu Lab {args.model} simulator ready\n"
            f"  host:        {args.host}\n"
            f"  MQTT (TLS):  {args.host}:{sim.mqtt_port}  user bblp\n"
            f"  FTPS:        {args.host}:{sim.ftp_port}  user bblp\n"
            f"  camera:      {args.host}:{sim.camera_port}  ({type(sim.camera).__name__})\n"
            f"  SSDP notify: {ssdp}\n"
            f"  serial:      {sim.serial}\n"
            f"  access code: {sim.access_code}\n"
            f"  fingerprint: {sim.fingerprint}"
        )

        async def play() -> None:
            for outcome in itertools.cycle(BAMBU_OUTCOMES):
                await asyncio.sleep(args.idle)
                _say(f"Job starts (ends: {outcome})")
                await sim.run_script(outcome=outcome, steps=args.steps, interval=args.interval)
                _say(f"Job ended: {sim.state.get('gcode_state')}")

        await _run_until_stopped(play if args.loop else None)


async def _prusa(args: argparse.Namespace) -> None:
    sim = PrusaLinkSimulator(
        flavour=args.flavour,
        username=args.username,
        password=args.password,
        api_key=args.api_key,
        serial=args.serial,
        host=args.host,
        port=args.port,
        jitter=args.jitter,
    )
    async with sim:
        _say(
            f"PrusaLink simulator ({args.flavour}) ready\n"
            f"  URL:      {sim.base_url}\n"
            f"  username: {sim.username}\n"
            f"  password: {sim.password}\n"
            f"  API key:  {sim.api_key or '-'}\n"
            f"  serial:   {sim.serial}"
        )

        async def play() -> None:
            # Print each file in turn so the ledger shows different jobs and materials.
            paths = sorted(p for p in sim.files if p.lower().endswith(PRINTABLE_EXTENSIONS))
            for outcome, path in zip(
                itertools.cycle(PRUSA_OUTCOMES), itertools.cycle(paths or [None]), strict=False
            ):
                await asyncio.sleep(args.idle)
                _say(f"Job starts: {path} (ends: {outcome})")
                await sim.run_script(
                    path=path, outcome=outcome, steps=args.steps, interval=args.interval
                )
                _say(f"Job ended: {sim.state}")
                if outcome == "ATTENTION":
                    await asyncio.sleep(args.idle)
                    sim.clear_job()  # someone took the part off the sheet

        await _run_until_stopped(play if args.loop else None)


def _add_loop_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--loop", action="store_true", help="play jobs forever")
    parser.add_argument("--steps", type=int, default=20, help="progress steps per job")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds per step")
    parser.add_argument("--idle", type=float, default=20.0, help="idle seconds between jobs")
    parser.add_argument(
        "--no-jitter",
        dest="jitter",
        action="store_false",
        help="report temperatures and Wi-Fi exactly (default: they wander like a real printer's)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Command line: one sub-command per printer kind."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.simulators",
        description="Run a simulated Bambu Lab or Prusa printer on this machine.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    kinds = parser.add_subparsers(dest="kind", required=True)

    bambu = kinds.add_parser("bambu", help="Bambu Lab printer: MQTT/TLS, FTPS, SSDP")
    bambu.add_argument("--host", default="127.0.0.1")
    bambu.add_argument("--mqtt-port", type=int, default=8883)
    bambu.add_argument("--ftp-port", type=int, default=990, help="use >= 1024 without root")
    bambu.add_argument(
        "--camera-port",
        type=int,
        default=6000,
        help="chamber image (P1/A1) or RTSPS (X1/H2/P2S, 322 on a printer)",
    )
    bambu.add_argument(
        "--ssdp-port", type=int, default=2021, help="where NOTIFYs go on --host; 0 = none"
    )
    bambu.add_argument("--serial", default="01P00A000000001")
    bambu.add_argument("--access-code", default="12345678")
    bambu.add_argument("--model", default="P1S", choices=list(MODELS))
    bambu.add_argument("--name", default=None, help="SSDP device name (default: Sim <model>)")
    bambu.add_argument("--report-interval", type=float, default=None, help="periodic pushes")
    bambu.add_argument(
        "--cert-dir", default=None, help="keep the TLS certificate here across restarts"
    )
    _add_loop_options(bambu)

    prusa = kinds.add_parser("prusa", help="Prusa printer: PrusaLink HTTP with Digest auth")
    prusa.add_argument("--host", default="127.0.0.1")
    prusa.add_argument("--port", type=int, default=8080)
    prusa.add_argument("--flavour", default="buddy", choices=FLAVOURS)
    prusa.add_argument("--username", default="maker")
    prusa.add_argument("--password", default="secretpass123")
    prusa.add_argument("--api-key", default=None)
    prusa.add_argument("--serial", default="10589-3742441631047196")
    _add_loop_options(prusa)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen simulator until Ctrl-C / SIGTERM; 1 if it cannot listen."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    runner = _bambu if args.kind == "bambu" else _prusa
    try:
        asyncio.run(runner(args))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        pass
    except (OSError, RuntimeError) as err:
        # The FTPS server binds in its own thread and reports a failed bind as RuntimeError.
        cause: BaseException | None = err
        while cause is not None and not isinstance(cause, OSError):
            cause = cause.__cause__
        if cause is None:
            raise
        hint = (
            "ports below 1024 need root; pick e.g. --ftp-port 9990"
            if isinstance(cause, PermissionError)
            else "is another simulator still running?"
        )
        _say(f"Cannot listen: {cause} ({hint})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
