"""upload_file, start_print and reprint end to end: Home Assistant, real clients, simulators."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
import time
from typing import Any

from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest

from custom_components.printernizer.const import DOMAIN, EVENT_FILE_UPLOADED
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.ledger.jobs import JobRecord
from custom_components.printernizer.printing.control import can_start
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import _PLA_TRAY, BambuSimulator
from tests.simulators.gcodefiles import make_bgcode
from tests.simulators.prusa import PrusaLinkSimulator
from tests.simulators.threemf import make_3mf
from tests.test_bambu import setup, state, wait_for

P = "sensor.workshop_p1s"


@pytest.fixture(autouse=True)
async def prices(hass: HomeAssistant, tmp_path: Path) -> None:
    """Prices the expected cents are computed from by hand; no energy cost; files allowed."""
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.data[DATA_SHARED].settings.async_update(
        {
            "material_prices": {"PLA": "25", "PETG": "30"},
            "default_material_price": "20",
            "electricity_price": "0",
            "vat_rate": 19,
            "small_business": False,
            "download_dir": str(tmp_path / "downloads"),
        }
    )


def uploaded_events(hass: HomeAssistant) -> list[Event]:
    """Collect `printernizer_file_uploaded`."""
    events: list[Event] = []
    hass.bus.async_listen(EVENT_FILE_UPLOADED, events.append)
    return events


async def call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    """A service call that answers."""
    answer = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert isinstance(answer, dict)
    return answer


async def job(hass: HomeAssistant, job_id: int) -> JobRecord:
    """A ledger job at its latest revision."""
    record = await hass.async_add_executor_job(hass.data[DATA_SHARED].ledger.get_job, job_id)
    assert record is not None
    return record


async def white_pla_loaded(sim: BambuSimulator) -> None:
    """AMS tray 0 holds white PLA (the first filament colour make_3mf writes)."""
    tray = copy.deepcopy(_PLA_TRAY)
    tray["tray_color"] = "FFFFFFFF"
    ams = copy.deepcopy(sim.state["ams"])
    ams["ams"][0]["tray"][0] = tray
    await sim.push({"ams": ams})


# ------------------------------------------------------------------------------ Bambu


async def test_bambu_upload_start_job_priced_from_start(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """Upload, start: the job has the file's 40 g of PLA from its start and ends at 1.19 EUR."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await white_pla_loaded(bambu_sim)
    events = uploaded_events(hass)
    data = make_3mf(filaments=[("PLA", 40.0)], gcode_moves=3000)
    source = tmp_path / "part.gcode.3mf"
    source.write_bytes(data)

    answer = await call(
        hass, "upload_file", config_entry_id=entry.entry_id, source=str(source), folder="/model"
    )
    assert answer == {
        "status": "uploaded",
        "remote_path": "/model/part.gcode.3mf",
        "size": len(data),
        "started": False,
    }
    assert (await bambu_sim.list_files())["/model/part.gcode.3mf"] == data
    listed = await call(hass, "list_files", config_entry_id=entry.entry_id, name_contains="part")
    assert [(f["remote_path"], f["size"], f["status"]) for f in listed["files"]] == [
        ("/model/part.gcode.3mf", len(data), "remote")
    ]
    await hass.async_block_till_done()
    assert [e.data for e in events] == [
        {
            "config_entry_id": entry.entry_id,
            "remote_path": "/model/part.gcode.3mf",
            "size": len(data),
            "started": False,
        }
    ]

    answer = await call(
        hass,
        "start_print",
        config_entry_id=entry.entry_id,
        path="/model/part.gcode.3mf",
        timelapse=True,
    )
    assert answer == {"status": "started", "remote_path": "/model/part.gcode.3mf"}
    ((path, body),) = bambu_sim.started_files
    assert path == "/model/part.gcode.3mf"
    assert body["url"] == "file:///sdcard/model/part.gcode.3mf"
    assert body["use_ams"] is True
    assert body["ams_mapping"] == [0]
    assert body["ams_mapping2"] == [{"ams_id": 0, "slot_id": 0}]
    assert body["timelapse"] is True
    assert body["bed_leveling"] is True

    tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: tracker.current_job is not None)
    assert tracker.current_job is not None
    job_id = tracker.current_job.job_id
    opened = await job(hass, job_id)
    assert [(m.material, m.grams) for m in opened.materials] == [("PLA", 40.0)]
    assert opened.name == "part"

    # priced from the file at once: at 50 %, 20 g × 25 EUR/kg = 0.50 + 0.10 VAT (0.095 half-up)
    await bambu_sim.progress(50)
    await wait_for(hass, lambda: state(hass, f"{P}_job_cost") == "0.6")
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: tracker.current_job is None)
    ended = await job(hass, job_id)
    assert ended.status == "finished"
    assert ended.cost is not None
    cost = ended.cost
    assert (cost.material_cents, cost.net_cents, cost.vat_cents, cost.gross_cents) == (
        100,
        100,
        19,
        119,
    )


async def test_bambu_upload_with_start_and_missing_filament(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """upload_file with start: true; a file whose filament is not loaded is refused by name."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    events = uploaded_events(hass)
    petg = tmp_path / "clip.gcode.3mf"
    petg.write_bytes(make_3mf(filaments=[("PETG", 21.5)]))
    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass, "upload_file", config_entry_id=entry.entry_id, source=str(petg), start=True
        )
    assert caught.value.translation_key == "filament_not_loaded"
    assert caught.value.translation_placeholders == {
        "printer": "Workshop P1S",
        "missing": "PETG #FFFFFF",
    }
    assert bambu_sim.started_files == []
    await hass.async_block_till_done()
    assert [e.data["started"] for e in events] == [False]  # uploaded, not started

    # the external spool by hand: a mapping given is sent as it is
    answer = await call(
        hass,
        "upload_file",
        config_entry_id=entry.entry_id,
        source=str(petg),
        name="clip2.gcode.3mf",
        start=True,
        ams_mapping=[-1],
        use_ams=False,
    )
    assert answer == {
        "status": "uploaded",
        "remote_path": "/clip2.gcode.3mf",
        "size": petg.stat().st_size,
        "started": True,
    }
    ((_, body),) = bambu_sim.started_files
    assert body["use_ams"] is False
    assert body["ams_mapping2"] == [{"ams_id": 255, "slot_id": 0}]
    await hass.async_block_till_done()
    assert events[-1].data["started"] is True


async def test_bambu_busy_printer_gets_no_start(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """Printing: the start is refused here, the printer never receives a project_file."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.start_job("other")
    await wait_for(hass, lambda: state(hass, f"{P}_status") == "printing")
    assert not can_start(entry)
    source = tmp_path / "x.gcode.3mf"
    source.write_bytes(make_3mf())
    sessions = bambu_sim.ftps_server.sessions
    for service, data in (
        ("start_print", {"path": "/cube.gcode.3mf"}),
        ("upload_file", {"source": str(source), "start": True}),
    ):
        with pytest.raises(ServiceValidationError) as caught:
            await call(hass, service, config_entry_id=entry.entry_id, **data)
        assert caught.value.translation_key == "printer_not_ready"
        assert caught.value.translation_placeholders == {
            "printer": "Workshop P1S",
            "status": "RUNNING",
        }
    assert not any(
        request.get("print", {}).get("command") == "project_file" for request in bambu_sim.requests
    )
    assert bambu_sim.ftps_server.sessions == sessions  # nothing uploaded either


async def test_bambu_cut_upload_and_hostile_name(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """A cut upload is an error and no upload event; `../x` never reaches the printer."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    events = uploaded_events(hass)
    source = tmp_path / "big.gcode.3mf"
    source.write_bytes(b"b" * 1_500_000)
    bambu_sim.ftps_server.cut_upload_after["/big.gcode.3mf"] = 200_000
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "upload_file", config_entry_id=entry.entry_id, source=str(source))
    assert caught.value.translation_key == "transfer_failed"
    assert bambu_sim.ftps_server.stored == []
    assert "/big.gcode.3mf" not in await bambu_sim.list_files()
    sessions = bambu_sim.ftps_server.sessions
    for name, folder in (("../x.3mf", None), ("ok.3mf", "../.."), ("a\nb.3mf", None)):
        with pytest.raises(ServiceValidationError) as caught:
            await call(
                hass,
                "upload_file",
                config_entry_id=entry.entry_id,
                source=str(source),
                name=name,
                **({"folder": folder} if folder else {}),
            )
        assert caught.value.translation_key == "unsafe_remote_name"
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "start_print", config_entry_id=entry.entry_id, path="/../etc/x.3mf")
    assert caught.value.translation_key == "unsafe_remote_name"
    assert bambu_sim.ftps_server.sessions == sessions
    await hass.async_block_till_done()
    assert events == []


async def test_bambu_reports_flow_during_slow_upload(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """200 KB/s: while 1 MB crosses (about 5 s), the printer's reports still reach HA."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    bambu_sim.ftps_server.upload_bps = 200_000
    source = tmp_path / "slow.gcode.3mf"
    source.write_bytes(b"s" * 1_000_000)
    began = time.monotonic()
    upload = asyncio.create_task(
        call(hass, "upload_file", config_entry_id=entry.entry_id, source=str(source))
    )
    await asyncio.sleep(1.0)
    for target in (41, 42, 43):
        await bambu_sim.push({"bed_temper": float(target)})
        await wait_for(hass, lambda t=target: state(hass, f"{P}_bed_temperature") == f"{t}.0")
        assert not upload.done()
    answer = await upload
    assert answer["size"] == 1_000_000
    assert time.monotonic() - began >= 4.0


async def test_bambu_reprint_same_printer_and_from_local_copy(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """The printer's copy first; once it is gone, the downloaded copy is uploaded and started."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await white_pla_loaded(bambu_sim)
    data = make_3mf(filaments=[("PLA", 40.0)])
    await bambu_sim.put_file("/cache/bracket.gcode.3mf", data)
    await call(hass, "start_print", config_entry_id=entry.entry_id, path="/cache/bracket.gcode.3mf")
    tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: tracker.current_job is not None)
    assert tracker.current_job is not None
    job_id = tracker.current_job.job_id
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: tracker.current_job is None)

    answer = await call(hass, "reprint", job_id=job_id)
    assert answer == {
        "status": "started",
        "remote_path": "/cache/bracket.gcode.3mf",
        "uploaded": False,
    }
    await wait_for(hass, lambda: tracker.current_job is not None)
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: tracker.current_job is None)

    # the job's file was kept (auto-download); the printer loses its copy
    files = entry.runtime_data.files
    await wait_for(hass, lambda: files.files_downloaded >= 1)
    await bambu_sim.remove_file("/cache/bracket.gcode.3mf")

    def _unlink() -> None:  # as when the busy printer's download was kept for the later job
        with hass.data[DATA_SHARED].ledger.write() as conn:
            conn.execute("UPDATE files SET job_id = NULL")

    await hass.async_add_executor_job(_unlink)
    answer = await call(hass, "reprint", job_id=job_id)
    assert answer == {"status": "started", "remote_path": "/bracket.gcode.3mf", "uploaded": True}
    assert (await bambu_sim.list_files())["/bracket.gcode.3mf"] == data
    assert [p for p, _ in bambu_sim.started_files] == [
        "/cache/bracket.gcode.3mf",
        "/cache/bracket.gcode.3mf",
        "/bracket.gcode.3mf",
    ]
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "reprint", job_id=job_id + 100)
    assert caught.value.translation_key == "unknown_job"


# ------------------------------------------------------------------------------ PrusaLink


async def test_prusa_upload_with_start_priced_from_start(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, tmp_path: Path
) -> None:
    """upload_file with start on a Core One: the body crosses once (Digest), the job has the
    file's 20 g of PETG from its start and ends at 0.71 EUR (0.60 + 0.11 VAT)."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    data = make_bgcode(materials=[("PETG", 20.0)], gcode_bytes=300_000)
    source = tmp_path / "hook.bgcode"
    source.write_bytes(data)
    answer = await call(
        hass, "upload_file", config_entry_id=entry.entry_id, source=str(source), start=True
    )
    assert answer == {
        "status": "uploaded",
        "remote_path": "/usb/hook.bgcode",
        "size": len(data),
        "started": True,
    }
    assert prusa_sim.upload_body_bytes == len(data)
    assert prusa_sim.state == "PRINTING"
    tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: tracker.current_job is not None)
    assert tracker.current_job is not None
    job_id = tracker.current_job.job_id
    opened = await job(hass, job_id)
    assert [(m.material, m.grams) for m in opened.materials] == [("PETG", 20.0)]

    prusa_sim.set_progress(100.0)
    prusa_sim.finish_job()
    await entry.runtime_data.coordinator.async_refresh()
    await wait_for(hass, lambda: tracker.current_job is None)
    ended = await job(hass, job_id)
    assert ended.status == "finished"
    assert ended.cost is not None
    cost = ended.cost
    assert (cost.material_cents, cost.net_cents, cost.vat_cents, cost.gross_cents) == (
        60,
        60,
        11,
        71,
    )


async def test_prusa_busy_and_attention_get_no_start(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """PRINTING and ATTENTION refuse; the printer saw no POST to a file."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    coordinator = entry.runtime_data.coordinator
    prusa_sim.start_job()
    for make in (lambda: None, prusa_sim.attention):
        make()
        await coordinator.async_refresh()
        assert not can_start(entry)
        with pytest.raises(ServiceValidationError) as caught:
            await call(hass, "start_print", config_entry_id=entry.entry_id, path="/usb/x.bgcode")
        assert caught.value.translation_key == "printer_not_ready"
    assert not [r for r in prusa_sim.requests if r[1] == "POST"]
    prusa_sim.stop_job()
    await coordinator.async_refresh()
    assert can_start(entry)  # STOPPED may start again


async def test_prusa_polls_continue_during_slow_upload(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, tmp_path: Path
) -> None:
    """200 KB/s upload of 1 MB to a printing printer: status polls and the pause command
    answer at once meanwhile."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.start_job()
    prusa_sim.upload_bps = 200_000
    source = tmp_path / "slow.gcode"
    source.write_bytes(b"G1 X1\n" * 170_000)
    upload = asyncio.create_task(
        call(hass, "upload_file", config_entry_id=entry.entry_id, source=str(source))
    )
    await asyncio.sleep(1.0)
    coordinator = entry.runtime_data.coordinator
    for target in (31.5, 32.5):
        prusa_sim.telemetry["temp_bed"] = target
        began = time.monotonic()
        await coordinator.async_refresh()
        assert time.monotonic() - began < 1.0
        assert coordinator.data.bed_temperature == target
        assert not upload.done()
    began = time.monotonic()
    await coordinator.async_pause()
    assert time.monotonic() - began < 1.0
    assert prusa_sim.state == "PAUSED"
    assert not upload.done()
    answer = await upload
    assert answer["size"] == 1_020_000
    assert prusa_sim.upload_body_bytes == 1_020_000


async def test_prusa_reprint_and_start_by_file_id(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, tmp_path: Path
) -> None:
    """reprint starts the printer's copy; start_print by file_id uploads a local-only copy."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    source = tmp_path / "lid.bgcode"
    source.write_bytes(make_bgcode(materials=[("PETG", 10.0)]))
    await call(hass, "upload_file", config_entry_id=entry.entry_id, source=str(source), start=True)
    tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: tracker.current_job is not None)
    assert tracker.current_job is not None
    job_id = tracker.current_job.job_id
    prusa_sim.finish_job()
    await entry.runtime_data.coordinator.async_refresh()
    await wait_for(hass, lambda: tracker.current_job is None)
    answer = await call(hass, "reprint", job_id=job_id)
    assert answer["status"] == "started"
    assert answer["uploaded"] is False
    assert prusa_sim.state == "PRINTING"
    assert len(prusa_sim.uploaded) == 1
