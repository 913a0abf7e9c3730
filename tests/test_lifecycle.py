"""Job lifecycle on the simulated Bambu printer: restarts, outages, reprints, file metadata."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.printernizer.const import DOMAIN
from tests.conftest import bambu_entry
from tests.simulators.bambu import BambuSimulator
from tests.test_bambu import P, setup, state, wait_for


async def jobs(hass: HomeAssistant) -> list[dict]:
    """All recorded jobs, newest first."""
    response = await hass.services.async_call(
        DOMAIN, "list_jobs", {}, blocking=True, return_response=True
    )
    assert response["total"] == len(response["jobs"])
    return response["jobs"]


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """What a Home Assistant restart means for the entry: unload, then set up again."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_job_with_3mf_metadata_and_thumbnail(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """The job's 3MF, fetched over FTPS, gives the grams, and its plate PNG the thumbnail."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    assert state(hass, f"{P}_ams_1_tray_1_material") == "PLA"
    tray = hass.states.get(f"{P}_ams_1_tray_1_material")
    expected_color = "#" + bambu_sim.state["ams"]["ams"][0]["tray"][0]["tray_color"][:6].upper()
    assert tray.attributes["color"].upper() == expected_color
    assert state(hass, f"{P}_ams_1_tray_1_remaining") == str(
        bambu_sim.state["ams"]["ams"][0]["tray"][0]["remain"]
    )
    await bambu_sim.start_job("cube")
    await bambu_sim.progress(50)
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: entry.runtime_data.tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)

    (job,) = await jobs(hass)
    assert job["status"] == "finished"
    assert job["material_g"] == 12.34  # Metadata/slice_info.config of the simulator's cube
    assert job["complete"] is True
    thumbnail = entry.runtime_data.coordinator.thumbnail
    assert thumbnail is not None
    assert thumbnail.startswith(b"\x89PNG")
    assert float(state(hass, f"{P}_total_material")) == 12.34


async def test_restart_mid_print_continues_the_same_job(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A job running across a restart stays one job and is completed."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.start_job("cube")
    await bambu_sim.progress(30)
    await wait_for(hass, lambda: entry.runtime_data.tracker.current_job is not None)
    first_id = entry.runtime_data.tracker.current_job.job_id

    await restart(hass, entry)
    await bambu_sim.progress(60)
    await wait_for(hass, lambda: state(hass, f"{P}_progress") in ("60", "60.0"))
    assert entry.runtime_data.tracker.current_job.job_id == first_id

    await bambu_sim.finish_job()
    await wait_for(hass, lambda: entry.runtime_data.tracker.last_job is not None)
    recorded = await jobs(hass)
    assert [(j["job_id"], j["status"]) for j in recorded] == [(first_id, "finished")]


async def test_finished_while_disconnected(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """The printer finished while the connection was down: closed as finished, once."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    client = entry.runtime_data.coordinator.client
    client.reconnect_min_delay = 0.2
    client.reconnect_max_delay = 0.5
    finished = async_capture_events(hass, "printernizer_job_finished")
    await bambu_sim.start_job("cube")
    await bambu_sim.progress(80)
    await wait_for(hass, lambda: state(hass, f"{P}_progress") in ("80", "80.0"))

    await bambu_sim.stop_broker()
    await wait_for(hass, lambda: state(hass, f"{P}_status") == "unavailable")
    await bambu_sim.finish_job()  # nobody is connected to hear it
    assert finished == []
    await bambu_sim.start_broker()
    await wait_for(hass, lambda: bool(finished))

    assert [e.data["status"] for e in finished] == ["finished"]
    assert [j["status"] for j in await jobs(hass)] == ["finished"]


async def test_same_file_twice_in_a_day_is_two_jobs(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A reprint of the same file is a second job, not a duplicate that is dropped."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    tracker = entry.runtime_data.tracker
    for expected in (1, 2):
        await bambu_sim.start_job("cube")
        await bambu_sim.progress(100)
        await bambu_sim.finish_job()
        await wait_for(
            hass, lambda n=expected: tracker.totals is not None and tracker.totals.jobs == n
        )
    recorded = await jobs(hass)
    assert [j["name"] for j in recorded] == ["cube", "cube"]
    assert len({j["job_id"] for j in recorded}) == 2
