"""The queue runs prints on the simulators: real uploads and starts, real jobs in the ledger.

Two simulated P1S printers share three copies of one file; a printer takes the next copy only
after its plate was cleared. Restarts in the middle lose and repeat nothing; failing starts
fire events and give up after three attempts; `not_before` holds an item back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer.const import DOMAIN, EVENT_FILE_UPLOADED
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.printing import queue as queue_module
from custom_components.printernizer.printing.queue import EVENT_QUEUE_ITEM_FAILED
from tests.conftest import BAMBU_CODE, bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.gcodefiles import make_bgcode
from tests.simulators.prusa import PrusaLinkSimulator
from tests.simulators.threemf import make_3mf
from tests.test_bambu import setup, wait_for
from tests.test_print_control import white_pla_loaded

PART = make_3mf(filaments=[("PLA", 40.0)], gcode_moves=3000)


@pytest.fixture(autouse=True)
async def prices(hass: HomeAssistant, tmp_path: Path) -> None:
    """PLA 25 €/kg, no energy cost, 19 % VAT: a 40 g copy costs 1.00 + 0.19 = 1.19 €."""
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.data[DATA_SHARED].settings.async_update(
        {
            "material_prices": {"PLA": "25"},
            "electricity_price": "0",
            "vat_rate": 19,
            "small_business": False,
            "download_dir": str(tmp_path / "downloads"),
        }
    )


@pytest.fixture
async def second_sim(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    """Another P1S on its own ports."""
    async with BambuSimulator(serial="01P00A000000002", access_code=BAMBU_CODE, model="P1S") as sim:
        yield sim


async def call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    """A Printernizer service call that answers."""
    answer = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert isinstance(answer, dict)
    return answer


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    """An entity of the printer by its unique id."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.unique_id}_{key}")
    assert found is not None
    return found


async def clear_plate(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Press the printer's clear_plate button."""
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": entity_id(hass, entry, "button", "clear_plate")},
        blocking=True,
    )


async def items(hass: HomeAssistant) -> dict[int, dict[str, Any]]:
    """Every queue item by id."""
    listed = await call(hass, "list_queue", include_ended=True)
    return {item["queue_id"]: item for item in listed["items"]}


def collect(hass: HomeAssistant, event_type: str) -> list[Event]:
    """Events of a type, as they fire."""
    events: list[Event] = []
    hass.bus.async_listen(event_type, events.append)
    return events


async def settle(hass: HomeAssistant, seconds: float = 0.5) -> None:
    """Let reports and the queue run for a while (to see that nothing more happens)."""
    end = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < end:
        await hass.async_block_till_done()
        await asyncio.sleep(0.05)


async def test_three_copies_over_two_printers(
    hass: HomeAssistant,
    bambu_sim: BambuSimulator,
    second_sim: BambuSimulator,
    tmp_path: Path,
) -> None:
    """Both new printers (plates clear) take a copy at once; the third waits for the first
    plate cleared after a job, and runs there. Every copy ends `done` with its own job, the
    file's 40 g and 1.19 €; nothing is started twice."""
    first = await setup(hass, bambu_entry(bambu_sim))
    second = await setup(hass, bambu_entry(second_sim))
    for sim in (bambu_sim, second_sim):
        await white_pla_loaded(sim)
    source = tmp_path / "part.gcode.3mf"
    source.write_bytes(PART)
    uploaded = collect(hass, EVENT_FILE_UPLOADED)
    for entry in (first, second):
        assert hass.states.get(entity_id(hass, entry, "binary_sensor", "plate_clear")).state == "on"

    answer = await call(
        hass,
        "queue_print",
        config_entry_id=[first.entry_id, second.entry_id],
        source=str(source),
        copies=3,
    )
    a, b, c = answer["queue_ids"]
    trackers = [first.runtime_data.tracker, second.runtime_data.tracker]
    await wait_for(hass, lambda: all(t.current_job is not None for t in trackers))
    await wait_for(hass, lambda: len(bambu_sim.started_files) == len(second_sim.started_files) == 1)
    queue = await items(hass)
    assert [queue[i]["status"] for i in (a, b, c)] == ["printing", "printing", "waiting"]
    assert {queue[a]["config_entry_id"], queue[b]["config_entry_id"]} == {
        first.entry_id,
        second.entry_id,
    }
    assert queue[c]["position"] == 1
    on_first = a if queue[a]["config_entry_id"] == first.entry_id else b
    on_second = b if on_first == a else a
    assert queue[on_first]["job_id"] == trackers[0].current_job.job_id
    assert bambu_sim.started_files[0][0] == "/part.gcode.3mf"
    assert (await bambu_sim.list_files())["/part.gcode.3mf"] == PART
    for entry in (first, second):
        assert (
            hass.states.get(entity_id(hass, entry, "binary_sensor", "plate_clear")).state == "off"
        )
        assert hass.states.get(entity_id(hass, entry, "sensor", "queue_length")).state == "1"

    # the first printer finishes: its plate holds the part, the third copy waits
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: trackers[0].current_job is None)
    await settle(hass)
    queue = await items(hass)
    assert (queue[on_first]["status"], queue[c]["status"]) == ("done", "waiting")
    assert len(bambu_sim.started_files) == 1

    await clear_plate(hass, first)
    await wait_for(hass, lambda: trackers[0].current_job is not None)
    queue = await items(hass)
    assert (queue[c]["status"], queue[c]["config_entry_id"]) == ("printing", first.entry_id)
    assert len(bambu_sim.started_files) == 2

    await second_sim.finish_job()
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: all(t.current_job is None for t in trackers))
    await settle(hass)
    queue = await items(hass)
    assert [queue[i]["status"] for i in (a, b, c)] == ["done", "done", "done"]
    assert (len(bambu_sim.started_files), len(second_sim.started_files)) == (2, 1)
    assert [e.data["remote_path"] for e in uploaded] == ["/part.gcode.3mf"] * 3
    ledger = hass.data[DATA_SHARED].ledger
    for queue_id in (a, b, c):
        job = await hass.async_add_executor_job(ledger.get_job, queue[queue_id]["job_id"])
        assert job is not None
        assert (job.status, float(job.material_g or 0)) == ("finished", 40.0)
        assert job.cost is not None
        assert (job.cost.net_cents, job.cost.gross_cents) == (100, 119)
    assert queue[on_second]["job_id"] != queue[on_first]["job_id"]
    for entry in (first, second):
        assert hass.states.get(entity_id(hass, entry, "sensor", "queue_length")).state == "0"


async def test_restart_while_a_start_is_on_its_way(
    hass: HomeAssistant, bambu_sim: BambuSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Home Assistant stops after the start went out but before the printer showed it: on
    restart the item takes the printer's job (no second start); the next copy waits for
    the plate; a restart while a copy prints loses nothing either."""
    await bambu_sim.put_file("/cube.gcode.3mf", PART)
    await white_pla_loaded(bambu_sim)
    held = asyncio.Event()
    real_start = bambu_sim.start_job

    async def slow_start(*args: Any, **kwargs: Any) -> None:
        await held.wait()  # the printer takes its time to show PREPARE
        await real_start(*args, **kwargs)

    monkeypatch.setattr(bambu_sim, "start_job", slow_start)
    entry = await setup(hass, bambu_entry(bambu_sim))
    a, b = (
        await call(
            hass, "queue_print", config_entry_id=entry.entry_id, path="/cube.gcode.3mf", copies=2
        )
    )["queue_ids"]
    await wait_for(hass, lambda: len(bambu_sim.started_files) == 1)
    assert (await items(hass))[a]["status"] == "starting"

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert (await items(hass))[a]["status"] == "starting"  # the ledger kept the step
    held.set()
    await wait_for(hass, lambda: bambu_sim.state.get("gcode_state") == "RUNNING")
    assert await hass.config_entries.async_setup(entry.entry_id)
    tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: tracker.current_job is not None)
    await settle(hass)
    queue = await items(hass)
    assert (queue[a]["status"], queue[a]["job_id"]) == ("printing", tracker.current_job.job_id)
    assert (queue[b]["status"], queue[a]["attempts"]) == ("waiting", 0)
    assert len(bambu_sim.started_files) == 1

    # a restart while it prints; the job ends while Home Assistant is away
    assert await hass.config_entries.async_unload(entry.entry_id)
    await bambu_sim.finish_job()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for(hass, lambda: entry.runtime_data.tracker.current_job is None)
    await settle(hass)
    queue = await items(hass)
    assert (queue[a]["status"], queue[b]["status"]) == ("done", "waiting")
    assert len(bambu_sim.started_files) == 1

    await clear_plate(hass, entry)
    await wait_for(hass, lambda: entry.runtime_data.tracker.current_job is not None)
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: entry.runtime_data.tracker.current_job is None)
    await settle(hass)
    queue = await items(hass)
    assert (queue[a]["status"], queue[b]["status"]) == ("done", "done")
    assert queue[a]["job_id"] != queue[b]["job_id"]
    assert len(bambu_sim.started_files) == 2


async def test_a_start_that_never_showed_waits_again(
    hass: HomeAssistant, bambu_sim: BambuSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a restart, a sent start whose printer stays idle past the grace time did not
    take: the item waits again (no attempt counted) and starts once more."""
    monkeypatch.setattr(queue_module, "START_GRACE", timedelta(seconds=0.5))
    await bambu_sim.put_file("/cube.gcode.3mf", PART)
    await white_pla_loaded(bambu_sim)
    dropped = asyncio.Event()

    async def lost_start(*args: Any, **kwargs: Any) -> None:
        dropped.set()  # the printer acknowledged but never started

    real_start = bambu_sim.start_job
    monkeypatch.setattr(bambu_sim, "start_job", lost_start)
    entry = await setup(hass, bambu_entry(bambu_sim))
    (a,) = (
        await call(hass, "queue_print", config_entry_id=entry.entry_id, path="/cube.gcode.3mf")
    )["queue_ids"]
    await wait_for(hass, dropped.is_set)
    assert await hass.config_entries.async_unload(entry.entry_id)
    monkeypatch.setattr(bambu_sim, "start_job", real_start)
    assert await hass.config_entries.async_setup(entry.entry_id)
    async with asyncio.timeout(10):
        while entry.runtime_data.tracker.current_job is None:
            await settle(hass, 0.2)
    queue = await items(hass)
    assert (queue[a]["status"], queue[a]["attempts"]) == ("printing", 0)
    assert len(bambu_sim.started_files) == 2


async def test_failing_starts_give_up_after_three(
    hass: HomeAssistant, bambu_sim: BambuSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that is not on the printer: each start fails with the printer's error, fires
    the event and waits again (a little later); the third failure fails the item. The
    printer started nothing and its plate is still clear."""
    monkeypatch.setattr(queue_module, "RETRY_DELAY", timedelta(seconds=0.3))
    entry = await setup(hass, bambu_entry(bambu_sim))
    failed = collect(hass, EVENT_QUEUE_ITEM_FAILED)
    (a,) = (
        await call(hass, "queue_print", config_entry_id=entry.entry_id, path="/missing.gcode.3mf")
    )["queue_ids"]
    async with asyncio.timeout(30):
        while len(failed) < 3:
            await settle(hass, 0.1)
    await settle(hass)
    assert [(e.data["attempts"], e.data["status"]) for e in failed] == [
        (1, "waiting"),
        (2, "waiting"),
        (3, "failed"),
    ]
    first = failed[0].data
    assert (first["queue_id"], first["config_entry_id"], first["name"]) == (
        a,
        entry.entry_id,
        "missing.gcode.3mf",
    )
    assert first["error"]
    gaps = [(failed[i + 1].time_fired - failed[i].time_fired).total_seconds() for i in range(2)]
    assert min(gaps) >= 0.3
    item = (await items(hass))[a]
    assert (item["status"], item["attempts"], item["error"]) == ("failed", 3, first["error"])
    assert bambu_sim.started_files == []
    assert hass.states.get(entity_id(hass, entry, "binary_sensor", "plate_clear")).state == "on"
    cancelled = await call(hass, "cancel_queue_item", queue_id=a)
    assert cancelled["status"] == "cancelled"


async def test_prusa_upload_start_and_not_before(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, tmp_path: Path
) -> None:
    """PrusaLink: a local bgcode waits for its not_before, then is uploaded and started; the
    job has the file's 30 g of PLA (0.75 + 0.14 VAT = 0.89 €)."""
    source = tmp_path / "hook.bgcode"
    source.write_bytes(make_bgcode(materials=[("PLA", 30.0)], estimated_s=600))
    entry = await setup(hass, prusa_entry(prusa_sim))
    when = dt_util.now() + timedelta(seconds=1.5)
    (a,) = (
        await call(
            hass,
            "queue_print",
            config_entry_id=entry.entry_id,
            source=str(source),
            not_before=when.replace(tzinfo=None).isoformat(),  # local time, no offset
        )
    )["queue_ids"]
    await settle(hass, 0.5)
    assert (await items(hass))[a]["status"] == "waiting"
    assert prusa_sim.uploaded == []
    tracker = entry.runtime_data.tracker
    async with asyncio.timeout(15):
        while tracker.current_job is None:
            await settle(hass, 0.2)
    assert dt_util.now() >= when
    assert len(prusa_sim.uploaded) == 1  # stored under its 8.3 name on the USB stick
    prusa_sim.finish_job()
    async with asyncio.timeout(40):
        while tracker.current_job is not None:
            await entry.runtime_data.coordinator.async_refresh()
            await settle(hass, 0.2)
    await settle(hass)
    item = (await items(hass))[a]
    assert item["status"] == "done"
    job = await hass.async_add_executor_job(hass.data[DATA_SHARED].ledger.get_job, item["job_id"])
    assert job is not None
    assert float(job.material_g or 0) == 30.0
    assert job.cost is not None
    assert (job.cost.net_cents, job.cost.gross_cents) == (75, 89)


async def test_downloaded_file_is_queued_by_its_id(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A file downloaded from the printer (list_files' file_id) is uploaded again under its
    name and printed: the queue item shows its name, the job the file's 40 g."""
    await bambu_sim.put_file("/model/box.gcode.3mf", PART)
    await white_pla_loaded(bambu_sim)
    entry = await setup(hass, bambu_entry(bambu_sim))
    await call(hass, "refresh_files", config_entry_id=entry.entry_id)
    (listed,) = [
        f
        for f in (await call(hass, "list_files", config_entry_id=entry.entry_id))["files"]
        if f["name"] == "box.gcode.3mf"
    ]
    await call(hass, "download_file", config_entry_id=entry.entry_id, file_id=listed["file_id"])
    (a,) = (
        await call(hass, "queue_print", config_entry_id=entry.entry_id, file_id=listed["file_id"])
    )["queue_ids"]
    tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: tracker.current_job is not None)
    item = (await items(hass))[a]
    assert (item["name"], item["source"], item["status"]) == ("box.gcode.3mf", "file", "printing")
    assert [path for path, _ in bambu_sim.started_files] == ["/box.gcode.3mf"]
    job = await hass.async_add_executor_job(hass.data[DATA_SHARED].ledger.get_job, item["job_id"])
    assert job is not None
    assert float(job.material_g or 0) == 40.0


async def test_restart_during_an_upload(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, tmp_path: Path
) -> None:
    """Home Assistant stops while a queued file is still crossing a slow link: the item waits
    again without a counted attempt, and after the restart it is uploaded once more (over the
    same name) and printed: one file on the printer, one start."""
    source = tmp_path / "big.bgcode"
    source.write_bytes(make_bgcode(materials=[("PLA", 12.0)], estimated_s=600) + b";" * 400_000)
    prusa_sim.upload_bps = 100_000  # about four seconds for the file
    entry = await setup(hass, prusa_entry(prusa_sim))
    (a,) = (await call(hass, "queue_print", config_entry_id=entry.entry_id, source=str(source)))[
        "queue_ids"
    ]
    async with asyncio.timeout(10):
        while prusa_sim.upload_body_bytes < 50_000:
            await settle(hass, 0.1)
    assert (await items(hass))[a]["status"] == "uploading"
    assert await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass, 0.3)
    assert prusa_sim.uploaded == []
    assert (await items(hass))[a]["status"] == "uploading"  # as the ledger last saw it

    prusa_sim.upload_bps = None
    assert await hass.config_entries.async_setup(entry.entry_id)
    tracker = entry.runtime_data.tracker
    async with asyncio.timeout(20):
        while tracker.current_job is None:
            await settle(hass, 0.2)
    item = (await items(hass))[a]
    assert (item["status"], item["attempts"]) == ("printing", 0)
    assert len(set(prusa_sim.uploaded)) == 1
    starts = [r for r in prusa_sim.requests if r[1] == "POST" and "/api/v1/files/" in r[2]]
    assert len(starts) == 1


async def test_deleted_printers_release_their_items(
    hass: HomeAssistant,
    bambu_sim: BambuSimulator,
    second_sim: BambuSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A printer deleted while a start is on its way: the item fails with the reason (it is
    not started elsewhere, so nothing prints twice) and can be cancelled. A printer deleted
    while it prints an item: the item is done for the queue."""
    for sim in (bambu_sim, second_sim):
        await sim.put_file("/cube.gcode.3mf", PART)
        await white_pla_loaded(sim)
    held = asyncio.Event()

    async def never_shows(*_: Any, **__: Any) -> None:
        await held.wait()

    monkeypatch.setattr(bambu_sim, "start_job", never_shows)
    first = await setup(hass, bambu_entry(bambu_sim))
    second = await setup(hass, bambu_entry(second_sim))
    (starting,) = (
        await call(hass, "queue_print", config_entry_id=first.entry_id, path="/cube.gcode.3mf")
    )["queue_ids"]
    (printing,) = (
        await call(hass, "queue_print", config_entry_id=second.entry_id, path="/cube.gcode.3mf")
    )["queue_ids"]
    await wait_for(hass, lambda: second.runtime_data.tracker.current_job is not None)
    await settle(hass)
    queue = await items(hass)
    assert (queue[starting]["status"], queue[printing]["status"]) == ("starting", "printing")

    assert await hass.config_entries.async_remove(first.entry_id) == {"require_restart": False}
    queue = await items(hass)
    assert queue[starting]["status"] == "failed"
    assert queue[starting]["error"] == (
        "Workshop P1S was deleted while it was starting this item; check the printer, "
        "then cancel the item or queue it again"
    )
    assert queue[printing]["status"] == "printing"
    assert [path for path, _ in second_sim.started_files] == ["/cube.gcode.3mf"]

    await hass.config_entries.async_remove(second.entry_id)
    queue = await items(hass)
    assert (queue[printing]["status"], queue[printing]["error"]) == ("done", None)
    # a done item still says where it printed and which job it was, as any done item does
    assert queue[printing]["config_entry_id"] == second.entry_id
    assert queue[printing]["job_id"] is not None
    assert queue[starting]["config_entry_id"] is None
    assert (await call(hass, "cancel_queue_item", queue_id=starting))["status"] == "cancelled"
    held.set()
