#!/usr/bin/env python3
"""Benchmark: one viewer of a P1S chamber image through Home Assistant.

The issue: "one viewer at the printer's frame rate costs < 5 % of one core; no frame is
decoded on the event loop."

What runs (three processes, so only Home Assistant's CPU is measured):

- a SIMULATOR process: a `tests.simulators.bambu.BambuSimulator` P1S whose chamber camera
  (TLS, port 6000 protocol) sends 1280x720 JPEGs (~100 KB, like the printer's) at `--fps`
  (a P1S sends 0.5-1 frames a second);
- THIS process: a real Home Assistant core (the test harness's `async_test_home_assistant`)
  with its HTTP server on 127.0.0.1 and the integration set up for that printer;
- a VIEWER process: reads `/api/camera_proxy_stream/<camera>` (what a browser does for an
  open camera dialog) with an access token, counting the JPEGs it receives.

Two windows of `--duration` seconds, side by side: idle (the printer set up, nobody watching;
the camera connection is closed) and one viewer. The viewer's cost is the difference of this
process's CPU time (all threads). Every JPEG decoder (Pillow's `Image.open`, TurboJPEG's
decode and scale) is wrapped and counts calls made on the event loop's thread.

Usage: .venv/bin/python scripts/bench_camera.py [--fps 1] [--duration 60]
Prints a markdown table row.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from pathlib import Path
import socket
import sys
import tempfile
import threading
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.bench_simprocess import announce, serving, simulator_process  # noqa: E402

ACCESS_CODE = "12345678"
FRAME_SIZE = (1280, 720)
CAMERA = "camera.p1s_camera"


# ---------------------------------------------------------------------------------------------
# child processes: the printer, the viewer
# ---------------------------------------------------------------------------------------------


async def _printer(args: argparse.Namespace) -> None:
    from tests.simulators.bambu import BambuSimulator
    from tests.simulators.camera import ChamberImageServer, make_jpeg

    async with serving("printernizer-camera-bench-") as stop:
        sim = BambuSimulator(serial="01P00A000000001", access_code=ACCESS_CODE, model="P1S")
        assert isinstance(sim.camera, ChamberImageServer)
        sim.camera.fps = args.fps
        sim.camera.frame_size = FRAME_SIZE
        for index in range(64):  # encode before measuring: the printer's CPU is not ours
            make_jpeg(index, FRAME_SIZE)
        sim.camera.next_frame = lambda: make_jpeg(sim.camera.frames_sent % 64, FRAME_SIZE)  # type: ignore[method-assign]
        await sim.start()
        try:
            announce(
                {
                    "serial": sim.serial,
                    "port": sim.mqtt_port,
                    "ftp_port": sim.ftp_port,
                    "camera_port": sim.camera_port,
                    "fingerprint": sim.fingerprint,
                    "frame_bytes": len(make_jpeg(0, FRAME_SIZE)),
                }
            )
            await stop.wait()
        finally:
            await sim.stop()


async def _viewer(url: str, token: str) -> None:
    import aiohttp

    async with serving("printernizer-camera-viewer-") as stop:
        frames = 0
        announce({"ready": True})
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, headers={"Authorization": f"Bearer {token}"}) as response,
        ):
            if response.status != 200:
                raise RuntimeError(f"the camera stream answered HTTP {response.status}")
            reader = asyncio.ensure_future(_count_parts(response, lambda: None))
            await stop.wait()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                frames = await reader
        print(frames, file=sys.stderr)


async def _count_parts(response: Any, _: Any) -> int:
    frames = 0
    try:
        while True:
            await response.content.readuntil(b"--frameboundary\r\n")
            head = await response.content.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.startswith(b"Content-Length")
            )
            await response.content.readexactly(length)
            frames += 1
    except asyncio.CancelledError:
        return frames


# ---------------------------------------------------------------------------------------------
# this process: Home Assistant and the measurement
# ---------------------------------------------------------------------------------------------


class DecodeWatch:
    """Counts JPEG decodes by thread: every decoder Home Assistant or we could use."""

    def __init__(self) -> None:
        self.on_loop = 0
        self.elsewhere = 0
        self._loop_thread = threading.get_ident()

    def install(self) -> None:
        from PIL import Image
        import turbojpeg

        for owner, name in (
            (Image, "open"),
            (turbojpeg.TurboJPEG, "decode"),
            (turbojpeg.TurboJPEG, "scale_with_quality"),
            (turbojpeg.TurboJPEG, "decode_header"),
        ):
            original = getattr(owner, name)

            def counting(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
                if threading.get_ident() == self._loop_thread:
                    self.on_loop += 1
                else:
                    self.elsewhere += 1
                return __original(*args, **kwargs)

            setattr(owner, name, counting)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _window(duration: float, sim_pid: int) -> dict[str, float]:
    cpu, wall, sim = time.process_time(), time.perf_counter(), _proc_cpu_s(sim_pid)
    await asyncio.sleep(duration)
    wall = time.perf_counter() - wall
    return {
        "wall": wall,
        "cpu": time.process_time() - cpu,
        "sim_cpu": _proc_cpu_s(sim_pid) - sim,
    }


async def _parent(args: argparse.Namespace) -> None:
    from homeassistant import loader
    from homeassistant.const import EVENT_HOMEASSISTANT_START
    from homeassistant.setup import async_setup_component
    from pytest_homeassistant_custom_component.common import (
        MockConfigEntry,
        async_test_home_assistant,
    )

    import custom_components.printernizer  # noqa: F401 - before HA looks for custom components
    from custom_components.printernizer.api.bambu.camera import ChamberCamera
    from custom_components.printernizer.const import DOMAIN

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    watch = DecodeWatch()
    watch.install()
    async with (
        simulator_process(__file__, "--printer", "--fps", str(args.fps)) as (sim_pid, printer),
    ):
        with tempfile.TemporaryDirectory(prefix="printernizer-camera-ha-") as config_dir:
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
                port = _free_port()
                assert await async_setup_component(
                    hass, "http", {"http": {"server_host": "127.0.0.1", "server_port": port}}
                )
                hass.bus.async_fire(EVENT_HOMEASSISTANT_START)
                entry = MockConfigEntry(
                    domain=DOMAIN,
                    title="P1S",
                    unique_id=printer["serial"],
                    data={
                        "printer_type": "bambu",
                        "host": "127.0.0.1",
                        "port": printer["port"],
                        "serial": printer["serial"],
                        "access_code": ACCESS_CODE,
                        "ftp_port": printer["ftp_port"],
                        "camera_port": printer["camera_port"],
                        "tls_fingerprint": printer["fingerprint"],
                    },
                )
                entry.add_to_hass(hass)
                assert await hass.config_entries.async_setup(entry.entry_id)
                await hass.async_block_till_done()
                assert hass.states.get(CAMERA) is not None, "no camera entity"
                user = await hass.auth.async_create_system_user("bench", group_ids=["system-admin"])
                refresh = await hass.auth.async_create_refresh_token(user)
                token = hass.auth.async_create_access_token(refresh)
                camera: ChamberCamera = next(
                    e for e in hass.data["camera"].entities if e.entity_id == CAMERA
                )._client
                await asyncio.sleep(args.settle)
                print(f"idle window: {args.duration:.0f} s", file=sys.stderr, flush=True)
                idle = await _window(args.duration, sim_pid)
                assert camera.connections == 0, "the camera connected with nobody watching"
                url = f"http://127.0.0.1:{port}/api/camera_proxy_stream/{CAMERA}"
                async with simulator_process(__file__, "--viewer", url, token) as (viewer_pid, _):
                    await asyncio.sleep(args.settle)  # connected, first frames through
                    frames_before = camera.frame_count
                    print(f"viewer window: {args.duration:.0f} s", file=sys.stderr, flush=True)
                    viewing = await _window(args.duration, sim_pid)
                    frames = camera.frame_count - frames_before
                    viewer_cpu = _proc_cpu_s(viewer_pid)
                await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_block_till_done()
                await hass.async_stop(force=True)
    _print(args, printer, idle, viewing, frames, viewer_cpu, watch)


def _print(
    args: argparse.Namespace,
    printer: dict[str, Any],
    idle: dict[str, float],
    viewing: dict[str, float],
    frames: int,
    viewer_cpu: float,
    watch: DecodeWatch,
) -> None:
    idle_pct = idle["cpu"] / idle["wall"] * 100
    view_pct = viewing["cpu"] / viewing["wall"] * 100
    share = view_pct - idle_pct
    fps = frames / viewing["wall"]
    ok = share < 5 and watch.on_loop == 0 and frames > 0
    print(
        f"A simulated P1S sends {FRAME_SIZE[0]}x{FRAME_SIZE[1]} JPEGs of {printer['frame_bytes']} "
        f"bytes at {args.fps:g} fps; windows of {args.duration:.0f} s on "
        f"{len(os.sched_getaffinity(0))} CPUs. The viewer process used {viewer_cpu:.2f} s CPU "
        f"in all (not counted). JPEG decodes in Home Assistant's process: {watch.on_loop} on the "
        f"event loop, {watch.elsewhere} elsewhere.\n"
    )
    print(
        "| printer fps | frames relayed/s | HA CPU idle (% of one core) "
        "| HA CPU one viewer (% of one core) | viewer's cost (% of one core) "
        "| decodes on the event loop | goal |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| {args.fps:g} | {fps:.2f} | {idle_pct:.2f} | {view_pct:.2f} | {share:.2f} "
        f"| {watch.on_loop} | < 5 % and 0 decodes {'ok' if ok else 'OVER'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fps", type=float, default=1.0, help="the printer's frame rate")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per window")
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--printer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--viewer", nargs=2, metavar=("URL", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.printer:
        asyncio.run(_printer(args))
    elif args.viewer:
        asyncio.run(_viewer(*args.viewer))
    else:
        asyncio.run(_parent(args))


if __name__ == "__main__":
    main()
