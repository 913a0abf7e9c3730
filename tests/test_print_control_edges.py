"""Print control: the refusals a user meets, file ids, no-wait uploads, a start that never shows."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from custom_components.printernizer.printing import control
from custom_components.printernizer.printing.control import (
    async_local_file_for,
    can_start,
    local_file_for,
)
from tests.conftest import PRUSA_PASSWORD, bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.gcodefiles import make_bgcode
from tests.simulators.prusa import PrusaLinkSimulator
from tests.simulators.threemf import make_3mf
from tests.test_bambu import setup, wait_for
from tests.test_print_control import call, prices, uploaded_events, white_pla_loaded

__all__ = ["prices"]  # the autouse fixture of test_print_control applies here too


async def test_sources_refused(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """Outside the allowed folders, missing, or neither source nor file_id: nothing is sent."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    outside = tmp_path.parent / "outside.3mf"
    cases = (
        ({"source": str(outside)}, "source_not_allowed", {"path": str(outside)}),
        (
            {"source": str(tmp_path / "none.3mf")},
            "source_not_found",
            {"path": str(tmp_path / "none.3mf")},
        ),
        ({}, "source_or_file_id_required", None),
        ({"file_id": 999}, "file_not_found", {"file": "999"}),
    )
    for data, key, placeholders in cases:
        with pytest.raises(ServiceValidationError) as caught:
            await call(hass, "upload_file", config_entry_id=entry.entry_id, **data)
        assert caught.value.translation_key == key
        assert caught.value.translation_placeholders == placeholders
    (tmp_path / "folder.3mf").mkdir()
    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass, "upload_file", config_entry_id=entry.entry_id, source=str(tmp_path / "folder.3mf")
        )
    assert caught.value.translation_key == "source_not_found"
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "start_print", config_entry_id=entry.entry_id)
    assert caught.value.translation_key == "path_or_file_id_required"
    assert bambu_sim.ftps_server.sessions == 0
    assert bambu_sim.started_files == []


async def test_existing_file_needs_overwrite_and_no_wait(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """A second upload of a name is refused without overwrite; wait: false answers at once."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    events = uploaded_events(hass)
    source = tmp_path / "a.gcode.3mf"
    source.write_bytes(b"a" * 5000)
    await call(hass, "upload_file", config_entry_id=entry.entry_id, source=str(source))
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "upload_file", config_entry_id=entry.entry_id, source=str(source))
    assert caught.value.translation_key == "remote_file_exists"
    assert caught.value.translation_placeholders == {"path": "/a.gcode.3mf"}
    source.write_bytes(b"b" * 7000)
    answer = await call(
        hass,
        "upload_file",
        config_entry_id=entry.entry_id,
        source=str(source),
        overwrite=True,
        wait=False,
    )
    assert answer == {
        "status": "uploading",
        "remote_path": "/a.gcode.3mf",
        "size": 7000,
        "started": False,
    }
    await wait_for(hass, lambda: len(events) == 2)
    assert events[1].data["size"] == 7000
    assert (await bambu_sim.list_files())["/a.gcode.3mf"] == b"b" * 7000

    # a background upload that fails is logged, not raised at anyone
    bambu_sim.ftps_server.cut_upload_after["/c.gcode.3mf"] = 10
    source.write_bytes(b"c" * 300_000)
    answer = await call(
        hass,
        "upload_file",
        config_entry_id=entry.entry_id,
        source=str(source),
        name="c.gcode.3mf",
        wait=False,
    )
    assert answer["status"] == "uploading"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(events) == 2


async def test_file_ids_upload_and_start(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """A downloaded file by id: uploaded under a new name, started where the printer holds it."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await white_pla_loaded(bambu_sim)
    data = make_3mf(filaments=[("PLA", 5.0)])
    await bambu_sim.put_file("/model/gear.gcode.3mf", data)
    await call(hass, "refresh_files", config_entry_id=entry.entry_id)
    listed = await call(hass, "list_files", config_entry_id=entry.entry_id)
    file_id = next(
        f["file_id"] for f in listed["files"] if f["remote_path"] == "/model/gear.gcode.3mf"
    )
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "upload_file", config_entry_id=entry.entry_id, file_id=file_id)
    assert caught.value.translation_key == "file_not_downloaded"
    with pytest.raises(ServiceValidationError) as caught:
        await async_local_file_for(hass, "x")
    assert caught.value.translation_key == "file_not_found"

    await call(hass, "download_file", config_entry_id=entry.entry_id, file_id=file_id)
    local = await hass.async_add_executor_job(local_file_for, hass, file_id)
    assert local.read_bytes() == data
    answer = await call(
        hass, "upload_file", config_entry_id=entry.entry_id, file_id=file_id, name="gear2.gcode.3mf"
    )
    assert answer["remote_path"] == "/gear2.gcode.3mf"

    # started by id where it is: the local copy gives the filaments, nothing is uploaded
    answer = await call(hass, "start_print", config_entry_id=entry.entry_id, file_id=file_id)
    assert answer == {"status": "started", "remote_path": "/model/gear.gcode.3mf"}
    assert bambu_sim.started_files[-1][1]["ams_mapping"] == [0]


async def test_printer_copy_gives_the_mapping_and_grams(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Without a local copy, the printer's file is read for its filaments and grams."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await white_pla_loaded(bambu_sim)
    await bambu_sim.put_file("/cache/peg.gcode.3mf", make_3mf(filaments=[("PLA", 8.0)]))
    await call(hass, "start_print", config_entry_id=entry.entry_id, path="/cache/peg.gcode.3mf")
    assert bambu_sim.started_files[-1][1]["ams_mapping"] == [0]
    tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: tracker.current_job is not None)
    assert tracker.current_job is not None
    assert [(m.material, m.grams) for m in tracker.current_job.materials] == [("PLA", 8.0)]


async def test_refused_start_and_silent_printer(
    hass: HomeAssistant,
    bambu_sim: BambuSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The printer refuses a missing file (its reason shown); one that acknowledges but never
    prepares is an error after the wait."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    with pytest.raises(HomeAssistantError) as caught:
        await call(
            hass, "start_print", config_entry_id=entry.entry_id, path="/none.3mf", use_ams=False
        )
    assert caught.value.translation_key == "command_failed"
    assert "file not found" in caught.value.translation_placeholders["error"]

    async def stays_idle(*_: object, **__: object) -> None:
        return None

    monkeypatch.setattr(bambu_sim, "start_job", stays_idle)
    monkeypatch.setattr(control, "START_TIMEOUT", 0.5)
    with pytest.raises(HomeAssistantError) as caught:
        await call(
            hass,
            "start_print",
            config_entry_id=entry.entry_id,
            path="/cube.gcode.3mf",
            use_ams=False,
        )
    assert caught.value.translation_key == "start_not_confirmed"
    assert caught.value.translation_placeholders == {"printer": "Workshop P1S", "seconds": "0"}


async def test_offline_printer_cannot_start(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """A printer that went away is refused, as offline."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.stop_broker()
    await wait_for(hass, lambda: not can_start(entry))
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "start_print", config_entry_id=entry.entry_id, path="/cube.gcode.3mf")
    assert caught.value.translation_placeholders == {"printer": "Workshop P1S", "status": "offline"}


async def test_reprint_refusals(
    hass: HomeAssistant,
    bambu_sim: BambuSimulator,
    prusa_sim: PrusaLinkSimulator,
    tmp_path: Path,
) -> None:
    """Another family is refused; a job whose file is gone everywhere is named."""
    bambu = await setup(hass, bambu_entry(bambu_sim))
    prusa = await setup(hass, prusa_entry(prusa_sim))
    source = tmp_path / "ring.bgcode"
    source.write_bytes(make_bgcode())
    await call(hass, "upload_file", config_entry_id=prusa.entry_id, source=str(source), start=True)
    tracker = prusa.runtime_data.tracker
    await wait_for(hass, lambda: tracker.current_job is not None)
    assert tracker.current_job is not None
    job_id = tracker.current_job.job_id
    prusa_sim.stop_job()
    await prusa.runtime_data.coordinator.async_refresh()
    await wait_for(hass, lambda: tracker.current_job is None)

    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "reprint", job_id=job_id, config_entry_id=bambu.entry_id)
    assert caught.value.translation_key == "reprint_other_family"

    prusa_sim.remove_file(prusa_sim.uploaded[0])
    await hass.async_block_till_done(wait_background_tasks=True)
    files = await call(hass, "list_files", config_entry_id=prusa.entry_id)
    local = [f for f in files["files"] if f.get("local_path")]
    for item in local:
        Path(item["local_path"]).unlink()
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "reprint", job_id=job_id)
    assert caught.value.translation_key == "reprint_no_file"


async def test_pi_uploads_to_local(
    hass: HomeAssistant, socket_enabled: None, tmp_path: Path
) -> None:
    """The Raspberry Pi build's upload storage is `local`; a folder naming it is not doubled."""
    async with PrusaLinkSimulator(flavour="pi", password=PRUSA_PASSWORD) as sim:
        entry = await setup(hass, prusa_entry(sim))
        source = tmp_path / "pi.gcode"
        source.write_bytes(b"G1 X1\n" * 100)
        answer = await call(
            hass, "upload_file", config_entry_id=entry.entry_id, source=str(source), folder="local"
        )
        assert answer["remote_path"] == "/local/pi.gcode"
        answer = await call(
            hass, "upload_file", config_entry_id=entry.entry_id, source=str(source), folder="parts"
        )
        assert answer["remote_path"] == "/local/parts/pi.gcode"
        await call(hass, "start_print", config_entry_id=entry.entry_id, path="/local/pi.gcode")
        assert sim.state == "PRINTING"
        await hass.config_entries.async_unload(entry.entry_id)


async def test_file_of_another_printer_is_uploaded_then_started(
    hass: HomeAssistant, bambu_sim: BambuSimulator, socket_enabled: None
) -> None:
    """start_print on printer B with a downloaded file of printer A: uploaded to B, started."""
    first = await setup(hass, bambu_entry(bambu_sim))
    data = make_3mf(filaments=[("PLA", 5.0)])
    await bambu_sim.put_file("/model/knob.gcode.3mf", data)
    await call(hass, "refresh_files", config_entry_id=first.entry_id)
    listed = await call(hass, "list_files", config_entry_id=first.entry_id)
    file_id = next(
        f["file_id"] for f in listed["files"] if f["remote_path"] == "/model/knob.gcode.3mf"
    )
    await call(hass, "download_file", config_entry_id=first.entry_id, file_id=file_id)
    async with BambuSimulator(serial="01P00A000000002", model="P1S") as other:
        second = await setup(hass, bambu_entry(other))
        answer = await call(
            hass, "start_print", config_entry_id=second.entry_id, file_id=file_id, use_ams=False
        )
        assert answer == {
            "status": "started",
            "remote_path": "/knob.gcode.3mf",
            "uploaded": True,
        }
        assert (await other.list_files())["/knob.gcode.3mf"] == data
        assert [p for p, _ in other.started_files] == ["/knob.gcode.3mf"]
        assert bambu_sim.started_files == []
        await hass.config_entries.async_unload(second.entry_id)


def _two_plates() -> bytes:
    """A sliced project with two plates: 6 g PLA on plate 1, 14.5 g PETG on plate 2."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(make_3mf(filaments=[("PLA", 6.0)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "Metadata/slice_info.config":
                data = (
                    b"<config>"
                    b'<plate><metadata key="index" value="1"/>'
                    b'<filament id="1" type="PLA" color="#FFFFFF" used_g="6.00"/></plate>'
                    b'<plate><metadata key="index" value="2"/>'
                    b'<filament id="2" type="PETG" color="#000000" used_g="14.50"/></plate>'
                    b"</config>"
                )
            target.writestr(item, data)
    return out.getvalue()


async def test_plate_two_prices_its_own_filament(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Plate 2 of a project: the job carries plate 2's 14.5 g PETG, not plate 1's PLA."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.put_file("/model/project.gcode.3mf", _two_plates())
    await call(
        hass,
        "start_print",
        config_entry_id=entry.entry_id,
        path="/model/project.gcode.3mf",
        plate=2,
        ams_mapping=[-1],
    )
    assert bambu_sim.started_files[-1][1]["param"] == "Metadata/plate_2.gcode"
    tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: tracker.current_job is not None)
    assert tracker.current_job is not None
    assert [(m.material, m.grams) for m in tracker.current_job.materials] == [("PETG", 14.5)]


async def test_refused_code_during_upload_asks_for_the_new_one(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """The access code changed on the printer: the upload fails translated and reauth starts."""
    from homeassistant.config_entries import SOURCE_REAUTH

    from custom_components.printernizer.const import DOMAIN

    entry = await setup(hass, bambu_entry(bambu_sim))
    bambu_sim.access_code = "87654321"
    source = tmp_path / "a.gcode.3mf"
    source.write_bytes(b"a")
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "upload_file", config_entry_id=entry.entry_id, source=str(source))
    assert caught.value.translation_key == "printer_auth_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [(f["context"]["source"], f["context"]["entry_id"]) for f in flows] == [
        (SOURCE_REAUTH, entry.entry_id)
    ]


async def test_start_by_a_file_id_that_cannot_be_printed(
    hass: HomeAssistant, bambu_sim: BambuSimulator, socket_enabled: None
) -> None:
    """An unknown id, or another printer's file that was never downloaded, is named; nothing
    is uploaded or started."""
    first = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.put_file("/model/knob.gcode.3mf", make_3mf(filaments=[("PLA", 5.0)]))
    await call(hass, "refresh_files", config_entry_id=first.entry_id)
    listed = await call(hass, "list_files", config_entry_id=first.entry_id)
    file_id = next(
        f["file_id"] for f in listed["files"] if f["remote_path"] == "/model/knob.gcode.3mf"
    )
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "start_print", config_entry_id=first.entry_id, file_id=file_id + 1000)
    assert caught.value.translation_key == "file_not_found"
    assert caught.value.translation_placeholders == {"file": str(file_id + 1000)}
    async with BambuSimulator(serial="01P00A000000002", model="P1S") as other:
        second = await setup(hass, bambu_entry(other))
        with pytest.raises(ServiceValidationError) as caught:
            await call(
                hass, "start_print", config_entry_id=second.entry_id, file_id=file_id, use_ams=False
            )
        assert caught.value.translation_key == "file_not_downloaded"
        assert "/knob.gcode.3mf" not in await other.list_files()
        assert other.started_files == []
        await hass.config_entries.async_unload(second.entry_id)
    assert bambu_sim.started_files == []


async def test_reprint_of_manual_jobs(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """A job entered by hand as "gear" starts the printer's gear.gcode.3mf (matched by its
    stem); one entered for a printer that is not set up names the missing printer."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.put_file("/model/gear.gcode.3mf", make_3mf(filaments=[("PLA", 5.0)]))
    gear = await call(
        hass,
        "add_job",
        config_entry_id=entry.entry_id,
        name="Gear",
        started_at="2026-11-02T10:00:00+00:00",
        duration_s=3600,
    )
    answer = await call(hass, "reprint", job_id=gear["job_id"], use_ams=False)
    assert answer == {
        "status": "started",
        "remote_path": "/model/gear.gcode.3mf",
        "uploaded": False,
    }
    assert [path for path, _ in bambu_sim.started_files] == ["/model/gear.gcode.3mf"]

    elsewhere = await call(
        hass,
        "add_job",
        printer_name="Borrowed Mk4",
        name="gear.gcode.3mf",
        started_at="2026-11-02T12:00:00+00:00",
        duration_s=600,
    )
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "reprint", job_id=elsewhere["job_id"])
    assert caught.value.translation_key == "entry_not_found"
    assert len(bambu_sim.started_files) == 1


async def test_reprint_with_a_changed_code_asks_for_the_new_one(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """The printer's files cannot be listed with the old code: a translated error, reauth."""
    from homeassistant.config_entries import SOURCE_REAUTH

    from custom_components.printernizer.const import DOMAIN

    entry = await setup(hass, bambu_entry(bambu_sim))
    job = await call(
        hass,
        "add_job",
        config_entry_id=entry.entry_id,
        name="cube.gcode.3mf",
        started_at="2026-11-02T10:00:00+00:00",
        duration_s=600,
    )
    bambu_sim.access_code = "87654321"
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "reprint", job_id=job["job_id"], use_ams=False)
    assert caught.value.translation_key == "printer_auth_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [(f["context"]["source"], f["context"]["entry_id"]) for f in flows] == [
        (SOURCE_REAUTH, entry.entry_id)
    ]
    assert bambu_sim.started_files == []


async def test_a_start_goes_ahead_when_the_file_cannot_be_read(
    hass: HomeAssistant, bambu_sim: BambuSimulator, tmp_path: Path
) -> None:
    """A local file that is no 3MF, and a printer copy whose download breaks off: the print
    starts all the same and its job has no grams (none are made up)."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    tracker = entry.runtime_data.tracker
    source = tmp_path / "broken.gcode.3mf"
    source.write_bytes(b"not a zip archive " * 100)
    answer = await call(
        hass,
        "upload_file",
        config_entry_id=entry.entry_id,
        source=str(source),
        start=True,
        use_ams=False,
    )
    assert (answer["status"], answer["started"]) == ("uploaded", True)
    await wait_for(hass, lambda: tracker.current_job is not None)
    assert tracker.current_job is not None
    assert tracker.current_job.materials == ()
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: tracker.current_job is None)

    await bambu_sim.put_file("/cache/cut.gcode.3mf", make_3mf(filaments=[("PLA", 9.0)]))
    bambu_sim.cut_transfer_after["/cache/cut.gcode.3mf"] = 1000
    await call(
        hass,
        "start_print",
        config_entry_id=entry.entry_id,
        path="/cache/cut.gcode.3mf",
        use_ams=False,
    )
    await wait_for(hass, lambda: tracker.current_job is not None)
    assert tracker.current_job is not None
    assert tracker.current_job.materials == ()
    assert [path for path, _ in bambu_sim.started_files] == [
        "/broken.gcode.3mf",
        "/cache/cut.gcode.3mf",
    ]
