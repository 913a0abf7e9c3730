"""Transfers next to live status, end to end: the integration set up on the simulators.

A file transfer takes minutes on a real printer (a Buddy board serves ~200 KB/s, a P1S ~70 KB/s
over FTPS); meanwhile the status must keep updating and the control buttons must answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import hashlib
import itertools
import os
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.printernizer.const import (
    CONF_POLL_IDLE,
    CONF_POLL_PRINTING,
    EVENT_FILE_DOWNLOADED,
)
from custom_components.printernizer.data import DATA_SHARED

from .conftest import PRUSA_PASSWORD, prusa_entry
from .simulators.prusa import PrusaLinkSimulator
from .test_bambu import setup, state, wait_for

POLL_S = 2


async def until(predicate: Callable[[], object], seconds: float) -> None:
    """Wait in real time until `predicate()` holds; TimeoutError after `seconds`."""
    async with asyncio.timeout(seconds):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.05)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


async def use_download_root(hass: HomeAssistant, root: Path) -> None:
    """Downloads go to `root`, allowed in Home Assistant like a user would configure it."""
    hass.config.allowlist_external_dirs = {str(root)}
    await hass.data[DATA_SHARED].settings.async_update({"download_dir": str(root)})


async def test_slow_prusa_download_leaves_polls_and_stop_alone(
    hass: HomeAssistant, socket_enabled: None, tmp_path: Path
) -> None:
    """Defect 1: a 5 MB download from a printer serving 200 KB/s (~26 s) runs beside the
    status polls, which keep their schedule, and the Stop button answers in under 2 s.
    The printer never sees more than one transfer plus one request at a time."""
    async with PrusaLinkSimulator(flavour="buddy", password=PRUSA_PASSWORD) as sim:
        content = os.urandom(5 * 1024 * 1024)
        sim.add_file("/usb/big_housing.gcode", content)
        entry = prusa_entry(sim)
        entry.add_to_hass(hass)
        hass.config_entries.async_update_entry(
            entry, options={CONF_POLL_PRINTING: POLL_S, CONF_POLL_IDLE: POLL_S}
        )
        await setup(hass, entry)
        await use_download_root(hass, tmp_path / "downloads")
        files = entry.runtime_data.files
        await files.async_refresh()
        sim.start_job()
        await wait_for(hass, lambda: state(hass, "sensor.core_one_status") == "printing")
        downloaded = async_capture_events(hass, EVENT_FILE_DOWNLOADED)
        sim.throttle_bps = 200_000
        loop = asyncio.get_running_loop()

        answer = await files.async_download(path="/usb/big_housing.gcode", wait=False)
        assert answer["status"] == "downloading"
        began = loop.time()
        await wait_for(hass, lambda: sim.transfers_in_flight == 1)

        # the progress the printer reports shows within one poll interval, three times over
        for percent in (21.0, 22.0, 23.0):
            sim.set_progress(percent)
            changed = loop.time()
            await until(
                lambda p=percent: _number(state(hass, "sensor.core_one_progress")) == p,
                POLL_S + 1.5,
            )
            assert loop.time() - changed < POLL_S + 1.0
        assert sim.transfers_in_flight == 1  # still downloading

        pressed = loop.time()
        async with asyncio.timeout(10):
            await hass.services.async_call(
                "button", "press", {"entity_id": "button.core_one_stop"}, blocking=True
            )
        assert loop.time() - pressed < 2.0
        assert sim.state == "STOPPED"
        assert sim.transfers_in_flight == 1

        def housing() -> dict[str, Any] | None:
            return next(
                (e.data for e in downloaded if e.data["file_id"] == answer["file_id"]), None
            )

        await until(housing, 60)
        done = housing()
        assert done is not None
        took = loop.time() - began
        assert took > 20  # the throttle held: 5 MiB at 200 KB/s
        assert done["sha256"] == hashlib.sha256(content).hexdigest()
        assert await hass.async_add_executor_job(Path(done["local_path"]).read_bytes) == content

        polls = [t for t, method, path in sim.requests if path == "/api/v1/status"]
        during = [t for t in polls if began <= t <= began + took]
        assert len(during) >= took / POLL_S - 2
        gaps = [b - a for a, b in itertools.pairwise(during)]
        assert max(gaps) < POLL_S + 1.0, gaps
        assert sim.max_transfers_in_flight == 1
        assert sim.max_in_flight <= 2
        assert await hass.config_entries.async_unload(entry.entry_id)
