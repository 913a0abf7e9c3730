"""The simulators' own process, shared by the benchmarks that need printers on the network.

Why a process: real printers are other machines; simulators in the measured process would
share its GIL and event loop and blur what is measured. A benchmark script runs itself
again with a flag as the simulator process (`serving`), which prints one JSON line (ports,
codes) and serves until SIGTERM; the measuring side starts it with `simulator_process`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import json
import logging
from pathlib import Path
import shutil
import signal
import sys
import tempfile
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@contextlib.asynccontextmanager
async def simulator_process(script: str, *args: str) -> AsyncIterator[tuple[int, Any]]:
    """Run `python <script> <args>`; yield its pid and the JSON of its first line.

    The process gets SIGTERM at the end (and SIGKILL if it does not stop within 30 s).

    Raises RuntimeError when the process ends before printing that line.
    """
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(script).resolve()), *args, stdout=asyncio.subprocess.PIPE, cwd=ROOT
    )
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=300)
        if not line:
            raise RuntimeError(f"the simulator process {Path(script).name} died before starting")
        yield proc.pid, json.loads(line)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


@contextlib.asynccontextmanager
async def serving(prefix: str) -> AsyncIterator[asyncio.Event]:
    """Inside the simulator process: quiet logs, a private temp folder, and a stop event.

    The event is set by SIGTERM or SIGINT. The private temp folder keeps the simulators'
    FTPS trees out of /tmp, which other tools on a shared machine may sweep meanwhile.
    """
    # A configured root logger stops pyftpdlib from adding its own (one line per session).
    logging.basicConfig(level=logging.WARNING, format="sim %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    private_tmp = tempfile.mkdtemp(prefix=prefix)
    tempfile.tempdir = private_tmp
    try:
        yield stop
    finally:
        tempfile.tempdir = None
        shutil.rmtree(private_tmp, ignore_errors=True)


def announce(info: Any) -> None:
    """Print the one JSON line `simulator_process` waits for."""
    print(json.dumps(info), flush=True)
