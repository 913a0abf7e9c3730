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
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.printernizer.const import (
    CONF_AUTO_DOWNLOAD,
    CONF_POLL_IDLE,
    CONF_POLL_PRINTING,
    EVENT_FILE_DOWNLOADED,
)
from custom_components.printernizer.data import DATA_SHARED

from .conftest import PRUSA_PASSWORD, bambu_entry, prusa_entry
from .simulators.bambu import BambuSimulator
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
        await hass.async_block_till_done(wait_background_tasks=True)  # the job's grams read
        await wait_for(hass, lambda: sim.transfers_in_flight == 0)
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


# ---------------------------------------------------------------------------------------------
# a job's file: read where it is safe while printing, downloaded once when the job ends
# ---------------------------------------------------------------------------------------------

CABLE_CLIP = "/cache/cable_clip_x12.gcode.3mf"  # 21.5 g PETG in the simulators' default files


async def local_files(hass: HomeAssistant, root: Path) -> list[Path]:
    """Every file below the download root (hidden temp files included)."""
    return await hass.async_add_executor_job(
        lambda: sorted(p for p in root.rglob("*") if p.is_file())
    )


async def bambu_job_to_end(
    hass: HomeAssistant, sim: BambuSimulator, entry: MockConfigEntry, root: Path
) -> tuple[int, int]:
    """Print the cable clip to its end; returns (FTPS sessions, RETRs) seen while it printed.

    While printing, nothing may be kept in the download root (auto-download runs at the end).
    """
    ftps = sim.ftps_server
    sessions, retrs = ftps.sessions, len(ftps.retrieved)
    await sim.start_job("cable_clip_x12")
    await wait_for(hass, lambda: state(hass, "sensor.workshop_p1s_status") == "printing")
    for percent in (10, 40, 80):
        await sim.progress(percent)
    await hass.async_block_till_done(wait_background_tasks=True)  # the start metadata ran
    while_printing = (ftps.sessions - sessions, len(ftps.retrieved) - retrs)
    assert await local_files(hass, root) == []
    await sim.finish_job()
    await wait_for(hass, lambda: entry.runtime_data.tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)
    return while_printing


async def setup_bambu(
    hass: HomeAssistant, sim: BambuSimulator, root: Path, **options: Any
) -> MockConfigEntry:
    entry = bambu_entry(sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options=options)
    await setup(hass, entry)
    await use_download_root(hass, root)
    return entry


async def test_a_printing_p1s_is_left_alone_and_its_file_downloaded_once_at_the_end(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """Defect 11 (P1S): no FTPS session while it prints (the start asked for grams, and got
    none); when the job ends, the auto-download fetches the file once and its grams price
    the job."""
    root = tmp_path / "downloads"
    entry = await setup_bambu(hass, bambu_sim, root)
    sessions, retrs = await bambu_job_to_end(hass, bambu_sim, entry, root)
    assert (sessions, retrs) == (0, 0)

    job = entry.runtime_data.tracker.last_job
    assert job is not None
    assert job.status == "finished"
    assert float(job.material_g) == pytest.approx(21.5)
    assert bambu_sim.ftps_server.retrieved.count(CABLE_CLIP) == 1
    (kept,) = await local_files(hass, root)
    assert (
        await hass.async_add_executor_job(kept.read_bytes)
        == (await bambu_sim.list_files())[CABLE_CLIP]
    )
    item = next(
        i for i in await entry.runtime_data.files.async_list() if i["remote_path"] == CABLE_CLIP
    )
    assert (item["status"], item["job_id"]) == ("downloaded", job.job_id)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_p1s_without_auto_download_reads_the_file_at_the_end_and_keeps_nothing(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """Auto-download off: the grams come from a temporary fetch after the end; nothing is
    kept and the printer was left alone while printing."""
    root = tmp_path / "downloads"
    entry = await setup_bambu(hass, bambu_sim, root, **{CONF_AUTO_DOWNLOAD: False})
    assert await bambu_job_to_end(hass, bambu_sim, entry, root) == (0, 0)
    job = entry.runtime_data.tracker.last_job
    assert job is not None
    assert float(job.material_g) == pytest.approx(21.5)
    assert bambu_sim.ftps_server.retrieved.count(CABLE_CLIP) == 1
    assert await local_files(hass, root) == []
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_an_x1c_gives_its_grams_at_the_start_and_its_file_at_the_end(
    hass: HomeAssistant, socket_enabled: None, tmp_path: Path
) -> None:
    """An X1C copes with FTPS while printing: its file's grams are read (not kept) as the
    job starts; the auto-download keeps the file once the job has ended."""
    root = tmp_path / "downloads"
    async with BambuSimulator(model="X1C", serial="00M00A000000001", name="Sim X1C") as sim:
        entry = await setup_bambu(hass, sim, root)
        tracker = entry.runtime_data.tracker
        await sim.start_job("cable_clip_x12")
        await wait_for(hass, lambda: tracker.current_job is not None)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert tracker.current_job is not None
        assert [(m.material, m.grams) for m in tracker.current_job.materials] == [("PETG", 21.5)]
        assert sim.ftps_server.retrieved.count(CABLE_CLIP) == 1  # read at the start
        assert await local_files(hass, root) == []
        await sim.finish_job()
        await wait_for(hass, lambda: tracker.last_job is not None)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert tracker.last_job is not None
        assert float(tracker.last_job.material_g) == pytest.approx(21.5)
        assert sim.ftps_server.retrieved.count(CABLE_CLIP) == 2  # downloaded once at the end
        assert len(await local_files(hass, root)) == 1
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_prusa_streams_the_grams_at_the_start_and_downloads_once_at_the_end(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, tmp_path: Path
) -> None:
    """Defect 11 (PrusaLink): the job's bgcode is streamed up to its metadata as the job
    starts (the grams are known while it prints, nothing is kept); the file is downloaded
    once after the job has ended."""
    root = tmp_path / "downloads"
    key = next(k for k in prusa_sim.files if k.startswith("/usb/SPOOL"))
    size = len(prusa_sim.files[key])
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_POLL_PRINTING: POLL_S, CONF_POLL_IDLE: POLL_S}
    )
    await setup(hass, entry)
    await use_download_root(hass, root)
    tracker = entry.runtime_data.tracker
    prusa_sim.start_job(key)
    await wait_for(hass, lambda: tracker.current_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert tracker.current_job is not None
    assert [(m.material, m.grams) for m in tracker.current_job.materials] == [("PLA", 96.4)]
    assert await local_files(hass, root) == []
    reads = [p for _, method, p in prusa_sim.requests if method == "GET" and p == key]
    assert len(reads) == 1

    prusa_sim.set_progress(100.0)
    prusa_sim.finish_job()
    await wait_for(hass, lambda: tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert tracker.last_job is not None
    assert float(tracker.last_job.material_g) == pytest.approx(96.4, abs=0.05)
    reads = [p for _, method, p in prusa_sim.requests if method == "GET" and p == key]
    assert len(reads) == 2  # the stream at the start, the download at the end
    (kept,) = await local_files(hass, root)
    assert await hass.async_add_executor_job(kept.read_bytes) == prusa_sim.files[key]
    assert len(prusa_sim.files[key]) == size
    assert await hass.config_entries.async_unload(entry.entry_id)
