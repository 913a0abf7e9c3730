"""Prusa printers end to end: the integration against the PrusaLink simulator over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.printernizer.const import DOMAIN
from tests.conftest import PRUSA_PASSWORD, prusa_entry
from tests.simulators.prusa import PrusaLinkSimulator

P = "sensor.core_one"


def state(hass: HomeAssistant, entity_id: str) -> str | None:
    """The entity's state, or None when it does not exist."""
    current = hass.states.get(entity_id)
    return current.state if current else None


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and load the entry."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Advance frozen time so the coordinator polls once."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_idle_printer_entities(hass: HomeAssistant, prusa_sim: PrusaLinkSimulator) -> None:
    """Status, temperatures and device facts from /api/version, /api/v1/info, /api/v1/status."""
    await setup(hass, prusa_entry(prusa_sim))
    assert state(hass, f"{P}_status") == "idle"
    assert float(state(hass, f"{P}_nozzle_temperature")) == pytest.approx(
        prusa_sim.status_body()["printer"]["temp_nozzle"]
    )
    assert state(hass, f"{P}_current_layer") is None  # PrusaLink reports no layers
    assert state(hass, "binary_sensor.core_one_online") == "on"


@pytest.mark.parametrize("flavour", ["buddy", "pi"])
async def test_whole_job_to_finished(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None, flavour: str
) -> None:
    """A job from start to FINISHED on both PrusaLink builds, recorded in the ledger."""
    async with PrusaLinkSimulator(flavour=flavour, password=PRUSA_PASSWORD) as sim:
        entry = await setup(hass, prusa_entry(sim, username=sim.username))
        finished = async_capture_events(hass, "printernizer_job_finished")
        sim.start_job()
        sim.set_progress(46.0, time_printing=3712, time_remaining=4380)
        await poll(hass, freezer, 30)
        assert state(hass, f"{P}_status") == "printing"
        assert float(state(hass, f"{P}_progress")) == 46.0
        assert state(hass, f"{P}_remaining_time") == "73"
        assert state(hass, f"{P}_job") not in (None, "unknown")
        assert entry.runtime_data.coordinator.update_interval == timedelta(seconds=10)

        sim.finish_job()
        await poll(hass, freezer, 10)
        assert state(hass, f"{P}_status") in ("finished", "idle")
        assert [e.data["status"] for e in finished] == ["finished"]
        assert entry.runtime_data.coordinator.update_interval == timedelta(seconds=30)
        await hass.config_entries.async_unload(entry.entry_id)


async def test_stopped_job_is_cancelled(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """STOPPED ends the job as cancelled."""
    await setup(hass, prusa_entry(prusa_sim))
    finished = async_capture_events(hass, "printernizer_job_finished")
    prusa_sim.start_job()
    prusa_sim.set_progress(20.0)
    await poll(hass, freezer, 30)
    prusa_sim.stop_job()
    await poll(hass, freezer, 10)
    assert [e.data["status"] for e in finished] == ["cancelled"]


async def test_pause_on_idle_printer_is_a_validation_error(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """Pausing an idle printer is refused with a translated ServiceValidationError."""
    await setup(hass, prusa_entry(prusa_sim))
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.core_one_pause"}, blocking=True
        )
    assert err.value.translation_key == "command_not_possible"
    assert err.value.translation_placeholders["command"] == "pause"


async def test_pause_and_resume_a_job(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """Pause and resume go to the current job id."""
    await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.start_job()
    await poll(hass, freezer, 30)
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.core_one_pause"}, blocking=True
    )
    assert prusa_sim.state == "PAUSED"
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.core_one_resume"}, blocking=True
    )
    assert prusa_sim.state == "PRINTING"


async def test_unavailable_after_five_failures_then_back(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """Four missed polls keep the last values; the fifth marks it unavailable; it comes back."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    coordinator = entry.runtime_data.coordinator
    prusa_sim.offline = True
    for _ in range(4):
        await poll(hass, freezer, 30)
        assert state(hass, f"{P}_status") == "idle"
    await poll(hass, freezer, 30)
    assert state(hass, f"{P}_status") == STATE_UNAVAILABLE
    assert coordinator.update_interval == timedelta(seconds=60)

    prusa_sim.offline = False
    await poll(hass, freezer, 60)
    assert state(hass, f"{P}_status") == "idle"
    assert coordinator.update_interval == timedelta(seconds=30)


async def test_polling_intervals_and_one_request_in_flight(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """Idle: status every 30 s; printing: every 10 s, job only on change or once a minute."""
    await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.requests.clear()
    await poll(hass, freezer, 20)
    assert [r[2] for r in prusa_sim.requests] == []
    await poll(hass, freezer, 10)
    assert [r[2] for r in prusa_sim.requests] == ["/api/v1/status"]

    prusa_sim.start_job()
    prusa_sim.requests.clear()
    await poll(hass, freezer, 30)
    paths = [r[2] for r in prusa_sim.requests]
    assert paths.count("/api/v1/status") == 1
    assert paths.count("/api/v1/job") == 1  # new job id

    prusa_sim.requests.clear()
    for _ in range(5):  # 50 s of printing: 5 polls, job unchanged
        await poll(hass, freezer, 10)
    paths = [r[2] for r in prusa_sim.requests]
    assert paths.count("/api/v1/status") == 5
    assert paths.count("/api/v1/job") == 0
    await poll(hass, freezer, 10)  # 60 s since the job was read
    assert [r[2] for r in prusa_sim.requests].count("/api/v1/job") == 1
    assert prusa_sim.max_in_flight == 1


async def test_nonce_expiry_is_invisible(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """A Digest nonce expiring mid-session is renewed without the entities noticing."""
    await setup(hass, prusa_entry(prusa_sim))
    failures_before = prusa_sim.auth_failures
    prusa_sim.expire_nonces()
    await poll(hass, freezer, 30)
    assert prusa_sim.auth_failures == failures_before + 1  # the stale nonce was really refused
    assert state(hass, f"{P}_status") == "idle"


async def test_thumbnail_of_current_job(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """The image entity serves the job's PNG thumbnail from the printer."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.start_job()
    await poll(hass, freezer, 30)
    image = entry.runtime_data.coordinator.thumbnail
    assert image is not None
    assert image.startswith(b"\x89PNG")
    assert state(hass, "image.core_one_thumbnail") not in (None, STATE_UNAVAILABLE, "unknown")


async def test_api_key_entry_loads(hass: HomeAssistant, prusa_sim: PrusaLinkSimulator) -> None:
    """An entry with only an API key works too."""
    entry = await setup(
        hass,
        MockConfigEntry(
            domain=DOMAIN,
            title="Core One",
            unique_id=prusa_sim.serial,
            data={
                "printer_type": "prusa",
                "host": prusa_sim.host,
                "port": prusa_sim.port,
                "api_key": PRUSA_PASSWORD,
            },
        ),
    )
    assert entry.state is ConfigEntryState.LOADED
    assert state(hass, f"{P}_status") == "idle"


async def test_password_changed_while_loaded_starts_reauth(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """A poll refused for bad credentials starts reauthentication at once."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.password = "changed-on-the-printer"
    prusa_sim.expire_nonces()
    await poll(hass, freezer, 30)
    flows = [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == "reauth"
    ]
    assert [flow["context"]["entry_id"] for flow in flows] == [entry.entry_id]


async def test_pi_sd_card_job_takes_grams_from_meta(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None
) -> None:
    """A file on the Pi's SD card cannot be downloaded; its grams come from the job's meta."""
    async with PrusaLinkSimulator(flavour="pi", password=PRUSA_PASSWORD) as sim:
        entry = await setup(hass, prusa_entry(sim, username=sim.username))
        sd_file = next(path for path in sim.files if path.startswith("/sdcard/"))
        sim.start_job(sd_file)
        await poll(hass, freezer, 30)
        meta = sim.job_body()["file"]["meta"]
        sim.set_progress(100.0)
        sim.finish_job()
        await poll(hass, freezer, 10)
        job = entry.runtime_data.tracker.last_job
        assert job is not None
        assert job.status == "finished"
        assert float(job.material_g) == float(meta["filament used [g]"])
        assert job.complete is True
        await hass.config_entries.async_unload(entry.entry_id)
