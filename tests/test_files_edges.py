"""File manager edges against the simulators: vanished files, refused retries, job-file reuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util, slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.printernizer import files as files_mod
from custom_components.printernizer.api.models import (
    MaterialUsage,
    PrinterSnapshot,
    PrinterStatus,
    PrintMetadata,
)
from custom_components.printernizer.const import DOMAIN, EVENT_FILE_DOWNLOAD_FAILED
from custom_components.printernizer.files import DOWNLOAD_ATTEMPTS, FileManager, PrusaFileSource
from custom_components.printernizer.files.cleanup import _add_years
from custom_components.printernizer.ledger import JobRecord, Ledger

from . import test_files as _files_tests
from .conftest import bambu_entry, prusa_entry
from .simulators.bambu import BambuSimulator
from .simulators.prusa import PrusaLinkSimulator
from .simulators.threemf import make_3mf
from .test_bambu import setup, wait_for
from .test_files import BAMBU_SERIAL, PRUSA_SERIAL, by_path, capture, sha, tree
from .test_prusa import poll

# the real-simulator fixtures of tests/test_files.py (ledger, download root, managers)
ledger = _files_tests.ledger
root = _files_tests.root
settings = _files_tests.settings
http = _files_tests.http
managers = _files_tests.managers
make_manager = _files_tests.make_manager
bambu_manager = _files_tests.bambu_manager
prusa_manager = _files_tests.prusa_manager


async def start_job(
    hass: HomeAssistant, ledger: Ledger, uid: str, name: str, file_name: str
) -> JobRecord:
    """An open job in the real ledger."""
    job = await hass.async_add_executor_job(
        lambda: ledger.start_job(
            printer_uid=uid,
            printer_name="printer",
            entry_id="e",
            job_key=f"key-{name}",
            name=name,
            file_name=file_name,
            started_at=dt_util.utcnow(),
            category="private",
        )
    )
    return await hass.async_add_executor_job(ledger.get_job, job.job_id)


async def test_download_of_file_deleted_on_printer_is_not_found(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, prusa_manager: FileManager
) -> None:
    """A file the printer no longer lists cannot be downloaded: translated 'file_not_found'."""
    await prusa_manager.async_refresh()
    item = next(i for i in await prusa_manager.async_list() if i["name"].startswith("spool"))
    prusa_sim.remove_file(item["remote_path"])
    await prusa_manager.async_refresh()
    prusa_sim.requests.clear()
    with pytest.raises(ServiceValidationError) as err:
        await prusa_manager.async_download(file_id=item["file_id"])
    assert err.value.translation_key == "file_not_found"
    # it looked again on the printer before giving up, and downloaded nothing
    paths = [r[2] for r in prusa_sim.requests]
    assert any(p.startswith("/api/v1/files") for p in paths)
    assert by_path(await prusa_manager.async_list())[item["remote_path"]]["status"] == "deleted"


async def test_file_vanishing_before_download_fails_cleanly(
    hass: HomeAssistant, root: Path, bambu_sim: BambuSimulator, bambu_manager: FileManager
) -> None:
    """Listed, then deleted on the printer: status failed, an event, nothing left on disk."""
    await bambu_sim.put_file("/cache/gone.gcode.3mf", make_3mf(filaments=[("PLA", 1.0)]))
    await bambu_manager.async_refresh()
    await bambu_sim.remove_file("/cache/gone.gcode.3mf")
    failed = capture(hass, EVENT_FILE_DOWNLOAD_FAILED)
    answer = await bambu_manager.async_download(path="/cache/gone.gcode.3mf")
    assert answer["status"] == "failed"
    assert answer["local_path"] is None
    assert answer["error"]
    await hass.async_block_till_done()
    assert [e.data["file_id"] for e in failed] == [answer["file_id"]]
    assert failed[0].data["error"] == answer["error"]
    item = by_path(await bambu_manager.async_list())["/cache/gone.gcode.3mf"]
    assert item["status"] == "failed"
    assert not root.exists() or await hass.async_add_executor_job(tree, root) == []


async def test_refused_credentials_are_not_retried(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, prusa_manager: FileManager
) -> None:
    """A password changed on the printer fails the download after one attempt, not three."""
    await prusa_manager.async_refresh()
    item = next(i for i in await prusa_manager.async_list() if i["name"].startswith("spool"))
    prusa_sim.password = "changed-on-the-printer"
    prusa_sim.expire_nonces()
    before = prusa_sim.auth_failures
    answer = await prusa_manager.async_download(file_id=item["file_id"])
    assert answer["status"] == "failed"
    refused = prusa_sim.auth_failures - before
    assert 1 <= refused < DOWNLOAD_ATTEMPTS


async def test_job_file_refused_for_space_is_still_linked(
    hass: HomeAssistant,
    ledger: Ledger,
    bambu_sim: BambuSimulator,
    bambu_manager: FileManager,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No room for the job's file: no exception, no metadata, but the file is linked to the job."""
    await bambu_sim.put_file("/cache/Big.gcode.3mf", make_3mf(filaments=[("PLA", 3.0)]))
    job = await start_job(hass, ledger, BAMBU_SERIAL, "Big", "/data/Metadata/plate_1.gcode")
    real = files_mod.manager.shutil.disk_usage

    def tiny_disk(path: Any) -> Any:
        usage = real(path)
        return type(usage)(usage.total, usage.total - 1024, 1024)

    monkeypatch.setattr(files_mod.manager.shutil, "disk_usage", tiny_disk)
    snapshot = PrinterSnapshot(job_name="Big", file_name="/data/Metadata/plate_1.gcode")
    assert await bambu_manager.job_files.async_download(job, snapshot) == (None, None)
    item = by_path(await bambu_manager.async_list())["/cache/Big.gcode.3mf"]
    assert item["job_id"] == job.job_id
    assert item["status"] == "remote"


async def test_job_file_without_metadata(
    hass: HomeAssistant, ledger: Ledger, bambu_sim: BambuSimulator, bambu_manager: FileManager
) -> None:
    """A job file that looks like a zip but is broken is kept, yet yields no metadata."""
    garbage = b"PK\x03\x04" + b"this is a broken zip archive" * 10
    await bambu_sim.put_file("/cache/Odd.gcode.3mf", garbage)
    job = await start_job(hass, ledger, BAMBU_SERIAL, "Odd", "/data/Metadata/plate_1.gcode")
    snapshot = PrinterSnapshot(job_name="Odd", file_name="/data/Metadata/plate_1.gcode")
    result, metadata = await bambu_manager.job_files.async_download(job, snapshot)
    assert result is not None
    assert result["status"] == "downloaded"
    assert result["sha256"] == sha(garbage)
    assert metadata is None


async def test_job_file_local_copy_reused_only_while_it_matches(
    hass: HomeAssistant,
    root: Path,
    ledger: Ledger,
    bambu_sim: BambuSimulator,
    bambu_manager: FileManager,
) -> None:
    """The local copy is reused; deleted, resized or older than the printer's file it is fetched."""
    path = "/cache/Gear.gcode.3mf"
    first = make_3mf(filaments=[("PLA", 2.0)])
    past = (dt_util.utcnow() - timedelta(days=1)).timestamp()
    await bambu_sim.put_file(path, first, mtime=past)
    job = await start_job(hass, ledger, BAMBU_SERIAL, "Gear", "/data/Metadata/plate_1.gcode")
    snapshot = PrinterSnapshot(job_name="Gear", file_name="/data/Metadata/plate_1.gcode")

    result, _ = await bambu_manager.job_files.async_download(job, snapshot)
    local = Path(result["local_path"])
    again, _ = await bambu_manager.job_files.async_download(job, snapshot)
    assert again["file_id"] == result["file_id"]
    assert again["local_path"] == str(local)
    assert await hass.async_add_executor_job(tree, root) == [local]

    # the local copy was deleted by hand: fetched again
    await hass.async_add_executor_job(local.unlink)
    result, _ = await bambu_manager.job_files.async_download(job, snapshot)
    assert result["status"] == "downloaded"
    assert await hass.async_add_executor_job(Path(result["local_path"]).read_bytes) == first

    # the printer's file changed size: fetched again
    second = make_3mf(filaments=[("PLA", 2.0), ("PETG", 9.0)])
    assert len(second) != len(first)
    await bambu_sim.put_file(path, second, mtime=past)
    result, metadata = await bambu_manager.job_files.async_download(job, snapshot)
    assert result["sha256"] == sha(second)
    assert len(metadata.materials) == 2

    # same size, but written on the printer after our download: fetched again
    third = bytes(reversed(second))
    future = (dt_util.utcnow() + timedelta(hours=1)).timestamp()
    await bambu_sim.put_file(path, third, mtime=future)
    result, _ = await bambu_manager.job_files.async_download(job, snapshot)
    assert result["sha256"] == sha(third)


async def test_prusa_job_file_by_exact_path_or_not_at_all(
    hass: HomeAssistant, ledger: Ledger, prusa_sim: PrusaLinkSimulator, prusa_manager: FileManager
) -> None:
    """The job's long path finds the file directly; an unknown file gives (None, None)."""
    await prusa_manager.async_refresh()
    item = next(i for i in await prusa_manager.async_list() if i["name"].startswith("spool"))
    job = await start_job(hass, ledger, PRUSA_SERIAL, "ghost", "ghost.bgcode")
    ghost = PrinterSnapshot(file_path="/usb/ghost.bgcode", file_name="ghost.bgcode")
    assert await prusa_manager.job_files.async_download(job, ghost) == (None, None)
    assert all(i["job_id"] is None for i in await prusa_manager.async_list())

    result, metadata = await prusa_manager.job_files.async_download(
        job, PrinterSnapshot(file_path=item["remote_path"])
    )
    assert result["status"] == "downloaded"
    assert result["sha256"] == sha(
        prusa_sim.files[next(k for k in prusa_sim.files if k.startswith("/usb/SPOOL"))]
    )
    assert metadata is not None
    assert metadata.materials
    assert by_path(await prusa_manager.async_list())[item["remote_path"]]["job_id"] == job.job_id


async def test_cleanup_skips_a_copy_replaced_by_a_symlink(
    hass: HomeAssistant, root: Path, tmp_path: Path, bambu_manager: FileManager
) -> None:
    """A local copy swapped for a symlink is never followed or deleted by cleanup."""
    await bambu_manager.async_refresh()
    answer = await bambu_manager.async_download(path="/cache/benchy.3mf")
    local = Path(answer["local_path"])
    outside = tmp_path / "precious.txt"

    def swap() -> None:
        outside.write_text("keep me")
        local.unlink()
        local.symlink_to(outside)

    await hass.async_add_executor_job(swap)
    result = await bambu_manager.async_cleanup(older_than_days=0, dry_run=False)
    assert [c["file_id"] for c in result["candidates"]] == [answer["file_id"]]
    assert result["deleted"] == 0
    assert result["freed_bytes"] == 0
    assert local.is_symlink()
    assert outside.read_text() == "keep me"
    item = by_path(await bambu_manager.async_list())["/cache/benchy.3mf"]
    assert item["status"] == "downloaded"


# ---------------------------------------------------------------------------------------------
# the integration's wiring: scheduled listings and job-end metadata
# ---------------------------------------------------------------------------------------------


async def setup_loaded(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def listed(entry: MockConfigEntry) -> set[str]:
    return {item["remote_path"] for item in await entry.runtime_data.files.async_list()}


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: int) -> None:
    freezer.tick(timedelta(minutes=minutes))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_scheduled_listing_leaves_a_printing_p1s_alone(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Every 15 min the files are listed, except while a P1S prints; a job end lists again.

    The frozen clock would stall the live MQTT session, so the time listener is fired directly.
    """
    entry = await setup(hass, bambu_entry(bambu_sim))
    client = entry.runtime_data.coordinator.client
    client.reconnect_min_delay = 0.05  # firing every due timer may cycle the MQTT session
    client.reconnect_max_delay = 0.1

    async def fifteen_minutes() -> None:
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=15, seconds=1))
        await hass.async_block_till_done(wait_background_tasks=True)

    await bambu_sim.put_file("/cache/idle.gcode.3mf", make_3mf(filaments=[("PLA", 1.0)]))
    assert "/cache/idle.gcode.3mf" not in await listed(entry)
    await fifteen_minutes()
    assert "/cache/idle.gcode.3mf" in await listed(entry)

    await bambu_sim.start_job("cube")
    await wait_for(hass, lambda: hass.states.get("sensor.workshop_p1s_status").state == "printing")
    await bambu_sim.put_file("/cache/busy.gcode.3mf", make_3mf(filaments=[("PLA", 1.0)]))
    await fifteen_minutes()
    assert "/cache/busy.gcode.3mf" not in await listed(entry)

    await bambu_sim.finish_job()
    await wait_for(hass, lambda: entry.runtime_data.tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "/cache/busy.gcode.3mf" in await listed(entry)


async def test_prusa_metadata_without_auto_download(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """Auto-download off: grams come from reading the file on the printer, nothing is saved."""
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"auto_download": False})
    await setup_loaded(hass, entry)
    key = next(k for k in prusa_sim.files if k.startswith("/usb/SPOOL"))
    prusa_sim.start_job(key)
    await poll(hass, freezer, 30)
    prusa_sim.set_progress(100.0)
    prusa_sim.finish_job()
    await poll(hass, freezer, 10)
    await hass.async_block_till_done(wait_background_tasks=True)
    job = entry.runtime_data.tracker.last_job
    assert job is not None
    assert job.status == "finished"
    assert float(job.material_g) == pytest.approx(96.4, abs=0.05)
    assert not any(
        item["status"] == "downloaded" for item in await entry.runtime_data.files.async_list()
    )


async def test_prusa_metadata_unreadable_still_records_the_job(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    prusa_sim: PrusaLinkSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The job's file is deleted as it starts: a warning, and the job is recorded anyway."""
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"auto_download": False})
    await setup_loaded(hass, entry)
    key = next(k for k in prusa_sim.files if k.startswith("/usb/SPOOL"))
    prusa_sim.start_job(key)
    prusa_sim.remove_file(key)
    await poll(hass, freezer, 30)
    prusa_sim.finish_job()
    await poll(hass, freezer, 10)
    await hass.async_block_till_done(wait_background_tasks=True)
    job = entry.runtime_data.tracker.last_job
    assert job is not None
    assert job.status == "finished"
    assert job.material_g is None
    assert "no metadata for job" in caplog.text


async def test_removing_the_entry_forgets_the_open_job_store(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    prusa_sim: PrusaLinkSimulator,
    hass_storage: dict[str, Any],
) -> None:
    """Deleting the printer removes its open-job side data from storage."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.start_job()
    await poll(hass, freezer, 30)
    store_key = f"{DOMAIN}.job_{slugify(prusa_sim.serial)}"
    assert store_key in hass_storage
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert store_key not in hass_storage


# ---------------------------------------------------------------------------------------------
# a job's metadata by phase (the tracker's provider) and the auto-download at a job's end
# ---------------------------------------------------------------------------------------------

PRINTING = PrinterStatus.PRINTING


async def test_a_printing_p1s_is_never_asked_for_its_job_file(
    hass: HomeAssistant, ledger: Ledger, bambu_sim: BambuSimulator, bambu_manager: FileManager
) -> None:
    """Neither phase nor the auto-download opens an FTPS session while a P1S prints (e.g. the
    next job already runs when the last one is closed)."""
    job = await start_job(hass, ledger, BAMBU_SERIAL, "cable_clip_x12", "plate_1.gcode")
    busy = PrinterSnapshot(status=PRINTING, job_name="cable_clip_x12")
    sessions = bambu_sim.ftps_server.sessions
    assert await bambu_manager.async_job_metadata(job, busy, "start") is None
    assert await bambu_manager.async_job_metadata(job, busy, "end") is None
    assert await bambu_manager.job_files.async_download(job, busy) == (None, None)
    assert bambu_sim.ftps_server.sessions == sessions


async def test_an_x1_job_file_is_read_at_the_start_without_keeping_it(
    hass: HomeAssistant,
    root: Path,
    ledger: Ledger,
    bambu_sim: BambuSimulator,
    bambu_manager: FileManager,
) -> None:
    """An X1C copes: its job's grams come from a temporary copy that is gone afterwards; a
    file not on the card (yet) gives None."""
    job = await start_job(hass, ledger, BAMBU_SERIAL, "cable_clip_x12", "plate_1.gcode")
    ghost = PrinterSnapshot(status=PRINTING, model="X1C", job_name="ghost")
    assert await bambu_manager.async_job_metadata(job, ghost, "start") is None
    x1 = PrinterSnapshot(status=PRINTING, model="X1C", job_name="cable_clip_x12")
    metadata = await bambu_manager.async_job_metadata(job, x1, "start")
    assert metadata is not None
    assert [(m.material, m.grams) for m in metadata.materials] == [("PETG", 21.5)]
    assert metadata.estimated_seconds == 5400
    assert await hass.async_add_executor_job(tree, root) == []
    assert all(i["status"] == "remote" for i in await bambu_manager.async_list())


async def test_prusa_end_without_auto_download_finds_the_file_by_its_name(
    hass: HomeAssistant,
    root: Path,
    ledger: Ledger,
    prusa_sim: PrusaLinkSimulator,
    prusa_manager: FileManager,
) -> None:
    """Buddy dropped the job when it ended (no download path in the snapshot): the file is
    found by the job's name and streamed; nothing is kept."""
    hass.config_entries.async_update_entry(prusa_manager.entry, options={"auto_download": False})
    short = next(k for k in prusa_sim.files if k.startswith("/usb/SPOOL"))
    job = await start_job(hass, ledger, PRUSA_SERIAL, "spool holder", short.rsplit("/", 1)[1])
    ended = PrinterSnapshot(status=PrinterStatus.FINISHED)
    metadata = await prusa_manager.async_job_metadata(job, ended, "end")
    assert metadata is not None
    assert [(m.material, round(m.grams, 1)) for m in metadata.materials] == [("PLA", 96.4)]
    assert await hass.async_add_executor_job(tree, root) == []
    prusa_manager.async_job_ended(job, ended)  # auto-download is off: nothing starts
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await hass.async_add_executor_job(tree, root) == []


async def test_what_the_printer_reports_needs_no_transfer(
    hass: HomeAssistant,
    ledger: Ledger,
    prusa_sim: PrusaLinkSimulator,
    prusa_manager: FileManager,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The Pi's job `meta` with grams answers at once; `meta` without grams is the answer
    when the file cannot be read."""
    reported = PrintMetadata(materials=(MaterialUsage("PLA", 18.59),), estimated_seconds=4328)
    client = prusa_manager.source.client
    prusa_manager.source = PrusaFileSource(hass, client, job_metadata=lambda: reported)
    job = await start_job(hass, ledger, PRUSA_SERIAL, "bracket", "bracket.gcode")
    requests = len(prusa_sim.requests)
    snapshot = PrinterSnapshot(status=PRINTING, file_path="/usb/BRACKET.GCO")
    assert await prusa_manager.async_job_metadata(job, snapshot, "start") == reported
    assert len(prusa_sim.requests) == requests

    timing_only = PrintMetadata(estimated_seconds=4328)
    prusa_manager.source = PrusaFileSource(hass, client, job_metadata=lambda: timing_only)
    assert await prusa_manager.async_job_metadata(job, snapshot, "start") == timing_only
    assert "no metadata for job bracket" in caplog.text  # /usb/BRACKET.GCO does not exist


async def test_the_auto_download_runs_once_per_job_for_the_last_jobs(
    hass: HomeAssistant,
    root: Path,
    ledger: Ledger,
    bambu_sim: BambuSimulator,
    bambu_manager: FileManager,
) -> None:
    """A job's end and its "end" metadata share one download; the manager remembers that
    for its last 16 jobs only (bounded memory)."""
    job = await start_job(hass, ledger, BAMBU_SERIAL, "cable_clip_x12", "plate_1.gcode")
    ended = PrinterSnapshot(status=PrinterStatus.FINISHED, job_name="cable_clip_x12")
    metadata = await bambu_manager.async_job_metadata(job, ended, "end")
    assert metadata is not None
    assert metadata.materials[0].grams == 21.5
    bambu_manager.async_job_ended(job, ended)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert bambu_sim.ftps_server.retrieved.count("/cache/cable_clip_x12.gcode.3mf") == 1
    assert len(await hass.async_add_executor_job(tree, root)) == 1

    for n in range(20):
        other = await start_job(hass, ledger, f"printer {n}", f"ghost {n}", "plate_1.gcode")
        bambu_manager.async_job_ended(other, PrinterSnapshot(job_name=f"ghost {n}"))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(bambu_manager.job_files._downloads) == 16
    assert job.job_id not in bambu_manager.job_files._downloads


async def test_cleanup_of_a_copy_deleted_by_hand_beside_one_still_there(
    hass: HomeAssistant, root: Path, bambu_manager: FileManager
) -> None:
    """A copy already gone frees nothing but is marked deleted; its folder stays while the
    other copy is in it, and goes with the last one."""
    await bambu_manager.async_refresh()
    gone = await bambu_manager.async_download(path="/cache/benchy.3mf")
    kept = await bambu_manager.async_download(path="/cube.gcode.3mf")
    folder = Path(gone["local_path"]).parent
    assert Path(kept["local_path"]).parent == folder
    await hass.async_add_executor_job(Path(gone["local_path"]).unlink)
    result = await bambu_manager.async_cleanup(older_than_days=0, dry_run=False)
    assert result["deleted"] == 2
    assert result["freed_bytes"] == kept["size"]
    assert not await hass.async_add_executor_job(folder.exists)
    assert await hass.async_add_executor_job(tree, root) == []
    assert {i["status"] for i in await bambu_manager.async_list()} == {"remote"}


def test_retention_from_a_leap_day() -> None:
    """Retention counted from 29 February ends on 28 February of a common year."""
    leap = datetime(2024, 2, 29, 12, tzinfo=UTC)
    assert _add_years(leap, 1) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert _add_years(leap, 4) == datetime(2028, 2, 29, 12, tzinfo=UTC)
