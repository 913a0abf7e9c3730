"""Bambu Lab printers end to end: the integration against the simulator over real TLS sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import copy

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.coordinator import certificate_issue_id
from tests.conftest import bambu_entry
from tests.simulators.bambu import BambuSimulator

P = "sensor.workshop_p1s"


async def wait_for(hass: HomeAssistant, predicate: Callable[[], bool]) -> None:
    """Let real sockets deliver until the predicate holds (at most ten seconds)."""
    async with asyncio.timeout(10):
        while True:
            await hass.async_block_till_done()
            if predicate():
                return
            await asyncio.sleep(0.05)


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


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities_after_full_report(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """The first full report fills the entities; a P1S has no chamber sensor."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    assert entry.state is ConfigEntryState.LOADED

    assert state(hass, f"{P}_status") == "idle"
    expected_nozzle = float(bambu_sim.state["nozzle_temper"])
    assert float(state(hass, f"{P}_nozzle_temperature")) == pytest.approx(expected_nozzle)
    assert state(hass, f"{P}_chamber_temperature") is None
    assert state(hass, "binary_sensor.workshop_p1s_online") == "on"
    assert state(hass, "binary_sensor.workshop_p1s_printing") == "off"
    wifi = int(str(bambu_sim.state["wifi_signal"]).removesuffix("dBm"))
    assert int(state(hass, f"{P}_wi_fi_signal")) == wifi

    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, bambu_sim.serial)})
    assert device is not None
    assert device.manufacturer == "Bambu Lab"
    assert device.model == "P1S"
    assert device.serial_number == bambu_sim.serial
    assert device.sw_version


async def test_p1_delta_stream(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """A P1 delta changes only the values it carries; the rest stay from the full report."""
    await setup(hass, bambu_entry(bambu_sim))
    bed_before = state(hass, f"{P}_bed_temperature")
    await bambu_sim.push({"nozzle_temper": 201.5})
    await wait_for(hass, lambda: state(hass, f"{P}_nozzle_temperature") == "201.5")
    assert state(hass, f"{P}_bed_temperature") == bed_before


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_delta_writes_only_changed_entities(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A delta that changes three values writes exactly the three entities showing them."""
    await setup(hass, bambu_entry(bambu_sim))
    await hass.async_block_till_done()
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    await bambu_sim.push({"nozzle_temper": 180.0, "bed_temper": 41.0, "wifi_signal": "-70dBm"})
    await wait_for(hass, lambda: state(hass, f"{P}_wi_fi_signal") == "-70")
    await asyncio.sleep(0.2)
    await hass.async_block_till_done()
    changed = sorted(e.data["entity_id"] for e in events)
    assert changed == [
        f"{P}_bed_temperature",
        f"{P}_nozzle_temperature",
        f"{P}_wi_fi_signal",
    ]


async def test_x1_full_stream_has_chamber(hass: HomeAssistant, socket_enabled: None) -> None:
    """X1C sends full reports and has a real chamber sensor."""
    async with BambuSimulator(serial="00M00A000000002", model="X1C") as sim:
        entry = bambu_entry(sim)
        await setup(hass, entry)
        entity = "sensor.workshop_p1s_chamber_temperature"
        assert float(state(hass, entity)) == pytest.approx(float(sim.state["chamber_temper"]))
        await sim.push({"chamber_temper": 38.0})
        await wait_for(hass, lambda: state(hass, entity) == "38.0")
        await hass.config_entries.async_unload(entry.entry_id)


async def test_whole_job_and_events(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """PREPARE → RUNNING → FINISH: sensors follow, the job event fires, the ledger records it."""
    await setup(hass, bambu_entry(bambu_sim))
    finished = async_capture_events(hass, "printernizer_job_finished")

    await bambu_sim.start_job("cube", total_layers=50, prediction_min=62)
    await wait_for(hass, lambda: state(hass, f"{P}_status") == "printing")
    assert state(hass, "binary_sensor.workshop_p1s_printing") == "on"
    assert state(hass, f"{P}_job") == "cube"
    assert state(hass, "event.workshop_p1s_job") != STATE_UNAVAILABLE

    await bambu_sim.progress(40)
    await wait_for(hass, lambda: state(hass, f"{P}_progress") in ("40", "40.0"))
    assert state(hass, f"{P}_current_layer") == "20"
    assert state(hass, f"{P}_total_layers") == "50"
    assert state(hass, f"{P}_remaining_time") == "38"
    assert state(hass, f"{P}_end_time") not in (None, "unknown")

    await bambu_sim.finish_job()
    await wait_for(hass, lambda: bool(finished))
    assert state(hass, f"{P}_status") == "finished"
    data = finished[0].data
    assert data["status"] == "finished"
    assert data["job_name"] == "cube"
    event_state = hass.states.get("event.workshop_p1s_job")
    assert event_state.attributes["event_type"] == "finished"

    response = await hass.services.async_call(
        DOMAIN, "list_jobs", {}, blocking=True, return_response=True
    )
    assert response["total"] == 1
    assert response["jobs"][0]["status"] == "finished"
    assert response["jobs"][0]["name"] == "cube"


async def test_failed_and_cancelled_jobs(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """A FAILED job ends as failed; a user stop (print_error 50348044) as cancelled."""
    await setup(hass, bambu_entry(bambu_sim))
    finished = async_capture_events(hass, "printernizer_job_finished")

    await bambu_sim.start_job("first")
    await bambu_sim.progress(30)
    await wait_for(hass, lambda: state(hass, f"{P}_progress") in ("30", "30.0"))
    await bambu_sim.fail_job()
    await wait_for(hass, lambda: len(finished) == 1)
    assert finished[0].data["status"] == "failed"
    assert state(hass, "binary_sensor.workshop_p1s_problem") == "on"

    await bambu_sim.start_job("second")
    await bambu_sim.progress(10)
    await wait_for(hass, lambda: state(hass, f"{P}_job") == "second")
    await bambu_sim.cancel_job()
    await wait_for(hass, lambda: len(finished) == 2)
    assert finished[1].data["status"] == "cancelled"


async def test_broker_outage_and_recovery(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """Broker gone → unavailable; back → the same entry recovers on one connection."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    client = entry.runtime_data.coordinator.client
    client.reconnect_min_delay = 0.2
    client.reconnect_max_delay = 0.5

    await bambu_sim.stop_broker()
    await wait_for(hass, lambda: state(hass, f"{P}_status") == STATE_UNAVAILABLE)
    assert state(hass, "binary_sensor.workshop_p1s_online") == "off"
    # Ledger-backed totals stay readable.
    assert state(hass, f"{P}_total_cost") != STATE_UNAVAILABLE

    await bambu_sim.start_broker()
    await wait_for(hass, lambda: state(hass, f"{P}_status") == "idle")
    assert state(hass, "binary_sensor.workshop_p1s_online") == "on"
    assert bambu_sim.active_connections == 1
    assert entry.state is ConfigEntryState.LOADED
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_certificate_change_raises_repair(
    hass: HomeAssistant, bambu_sim: BambuSimulator, issue_registry: ir.IssueRegistry
) -> None:
    """A new certificate is refused before the access code is sent, and a repair issue appears."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    client = entry.runtime_data.coordinator.client
    client.reconnect_min_delay = 0.2
    client.reconnect_max_delay = 0.5
    pinned = bambu_sim.fingerprint

    bambu_sim.regenerate_certificate()
    await bambu_sim.drop_connections()
    issue_id = certificate_issue_id(entry.entry_id)
    await wait_for(hass, lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue.translation_placeholders["expected"] == pinned
    assert issue.translation_placeholders["actual"] == bambu_sim.fingerprint
    assert state(hass, f"{P}_status") == STATE_UNAVAILABLE
    assert bambu_sim.active_connections == 0


async def test_certificate_changed_before_setup(
    hass: HomeAssistant, bambu_sim: BambuSimulator, issue_registry: ir.IssueRegistry
) -> None:
    """A pinned fingerprint that does not match stops setup with a repair issue."""
    entry = bambu_entry(bambu_sim, tls_fingerprint="ab" * 32)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert issue_registry.async_get_issue(DOMAIN, certificate_issue_id(entry.entry_id))
    assert bambu_sim.connection_count == 0 or bambu_sim.active_connections == 0


async def test_entry_without_pin_pins_on_first_connection(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Trust on first use for an entry created without a fingerprint."""
    entry = await setup(hass, bambu_entry(bambu_sim, tls_fingerprint=None))
    assert entry.data["tls_fingerprint"] == bambu_sim.fingerprint


async def test_pause_resume_stop_acknowledged(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Buttons send QoS 1 commands with increasing sequence ids that the printer acknowledges."""
    await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.start_job("cube")
    await wait_for(hass, lambda: state(hass, f"{P}_status") == "printing")

    for button in ("pause", "resume", "stop"):
        await hass.services.async_call(
            "button", "press", {"entity_id": f"button.workshop_p1s_{button}"}, blocking=True
        )
    commands = [
        r["print"]
        for r in bambu_sim.requests
        if r.get("print", {}).get("command") in ("pause", "resume", "stop")
    ]
    assert [c["command"] for c in commands] == ["pause", "resume", "stop"]
    sequence_ids = [int(c["sequence_id"]) for c in commands]
    assert sequence_ids == sorted(set(sequence_ids))


async def test_unacknowledged_command_explains_developer_mode(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A printer that drops control commands gives a clear, translated error."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    bambu_sim.ack_commands = False
    entry.runtime_data.coordinator.client.command_timeout = 0.5
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.workshop_p1s_pause"}, blocking=True
        )
    assert err.value.translation_key == "command_not_acknowledged"
    assert "Developer Mode" in str(err.value)


async def test_unload_closes_connection(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """Unloading leaves no connection behind."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    assert bambu_sim.active_connections == 1
    assert await hass.config_entries.async_unload(entry.entry_id)
    await wait_for(hass, lambda: bambu_sim.active_connections == 0)
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_malformed_reports_are_skipped(
    hass: HomeAssistant, bambu_sim: BambuSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Garbage and wrongly typed fields never break the connection or the entities."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.publish_raw(b"\x00not json{")
    await bambu_sim.publish_raw(
        {
            "print": {
                "command": "push_status",
                "msg": 1,
                "mc_percent": "lots",
                "nozzle_temper": [1, 2],
                "ams": "broken",
            }
        }
    )
    await bambu_sim.publish_raw({"print": "not an object"})
    await bambu_sim.push({"nozzle_temper": 199.5})
    await wait_for(hass, lambda: state(hass, f"{P}_nozzle_temperature") == "199.5")
    assert state(hass, f"{P}_status") == "idle"
    assert entry.state is ConfigEntryState.LOADED
    assert "Traceback" not in caplog.text


async def test_access_code_changed_while_loaded_starts_reauth(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """The printer refuses the stored code on a reconnect: reauthentication is offered."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    client = entry.runtime_data.coordinator.client
    client.reconnect_min_delay = 0.2
    client.reconnect_max_delay = 0.5
    bambu_sim.access_code = "87654321"  # LAN mode toggled on the printer: a new code
    await bambu_sim.drop_connections()

    def reauth_flows() -> list:
        return [
            flow
            for flow in hass.config_entries.flow.async_progress()
            if flow["context"]["source"] == "reauth"
        ]

    await wait_for(hass, lambda: len(reauth_flows()) == 1)
    assert reauth_flows()[0]["context"]["entry_id"] == entry.entry_id
    assert state(hass, f"{P}_status") == STATE_UNAVAILABLE


async def test_delta_without_ams_reuses_the_parsed_trays(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A delta without AMS keys keeps the trays as parsed before (the same objects: they are
    not parsed again); a delta that carries the AMS parses it anew."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    client = entry.runtime_data.coordinator.client
    before = client.snapshot
    assert before is not None
    await bambu_sim.push({"nozzle_temper": 201.5, "mc_percent": 3})
    await wait_for(hass, lambda: client.snapshot.nozzle_temperature == 201.5)
    after = client.snapshot
    assert after is not before
    assert after.ams_trays is before.ams_trays
    assert after.ams_units is before.ams_units
    pla = next(t for t in after.ams_trays if t.key == "ams0_tray0")
    assert (pla.material, pla.remaining, pla.empty) == ("PLA", 64, False)
    assert state(hass, f"{P}_ams_1_tray_1_remaining") == "64"

    trays = copy.deepcopy(bambu_sim.state["ams"]["ams"][0]["tray"])
    trays[0]["remain"] = 50
    await bambu_sim.push({"ams": {"ams": [{"id": "0", "tray": trays}]}})
    await wait_for(hass, lambda: state(hass, f"{P}_ams_1_tray_1_remaining") == "50")
    assert client.snapshot.ams_trays is not before.ams_trays
    pla = next(t for t in client.snapshot.ams_trays if t.key == "ams0_tray0")
    assert (pla.material, pla.remaining) == ("PLA", 50)
