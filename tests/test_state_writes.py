"""Rows in the user's recorder database: a state is written only when what the user sees changes.

Printers report about once a second with temperatures that wander by fractions of a degree;
every written state is a database row. These tests count `state_changed` events (one per row).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.printernizer.api import AmsTray, PrinterSnapshot
from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.entity import PrinterUpdates, changed_fields
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_bambu import P, setup, state, wait_for
from tests.test_prusa import poll

NOZZLE = f"{P}_nozzle_temperature"
BED = f"{P}_bed_temperature"


def written(events: list[Event], entity_id: str) -> list[str]:
    """The states written for one entity, in order."""
    return [e.data["new_state"].state for e in events if e.data["entity_id"] == entity_id]


def shown_changes(values: list[float], first: float) -> int:
    """How often the whole-degree value a user sees changes along `values`."""
    changes, last = 0, Decimal(str(first)).quantize(Decimal(1), ROUND_HALF_UP)
    for value in values:
        shown = Decimal(str(value)).quantize(Decimal(1), ROUND_HALF_UP)
        changes += shown != last
        last = shown
    return changes


async def push_and_settle(hass: HomeAssistant, sim: BambuSimulator, values: list[float]) -> None:
    """Push nozzle readings, then a bed marker that shows all of them arrived."""
    for value in values:
        await sim.push({"nozzle_temper": value})
    await sim.push({"bed_temper": 11.0})
    await wait_for(hass, lambda: state(hass, BED) == "11.0")


async def test_temperature_writes_only_when_the_whole_degree_changes(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Rounded as displayed (0 decimals, ties up like the frontend); the exact value is written."""
    await setup(hass, bambu_entry(bambu_sim))
    await push_and_settle(hass, bambu_sim, [219.96875])
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    # shown:      220       220       220        221    220        221        221       220    219
    readings = [220.03125, 220.4375, 219.53125, 220.5, 220.46875, 220.96875, 221.4375, 219.5, 219.46875]  # fmt: skip
    await push_and_settle(hass, bambu_sim, readings)
    assert written(events, NOZZLE) == ["220.5", "220.46875", "220.96875", "219.5", "219.46875"]


async def test_jittering_printer_writes_only_shown_changes(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """A printing P1S with realistic jitter: a row per shown change, not per report."""
    async with BambuSimulator(jitter=True, seed=11) as sim:
        await setup(hass, bambu_entry(sim))
        await sim.start_job("cube")
        await sim.progress(50)
        await wait_for(hass, lambda: state(hass, f"{P}_progress") == "50.0")
        first_nozzle, first_bed = sim.state["nozzle_temper"], sim.state["bed_temper"]
        events = async_capture_events(hass, EVENT_STATE_CHANGED)
        mark = len(sim.published)
        for _ in range(300):  # five minutes of reports at one progress value
            await sim.progress(50)
        await sim.push({"mc_percent": 51})
        await wait_for(hass, lambda: state(hass, f"{P}_progress") == "51.0")
        reports = [m["print"] for m in sim.published[mark:-1]]
        nozzle = [r["nozzle_temper"] for r in reports]
        bed = [r["bed_temper"] for r in reports]
        raw = sum(a != b for a, b in zip([first_nozzle, *nozzle], nozzle, strict=False))
        assert len(written(events, NOZZLE)) == shown_changes(nozzle, first_nozzle)
        assert len(written(events, BED)) == shown_changes(bed, first_bed)
        assert raw > 150  # what writing every reported value would have cost
        assert len(written(events, NOZZLE)) < raw / 5
        # Wi-Fi moved too, but its sensor is disabled by default: no rows at all.
        assert len({r["wifi_signal"] for r in reports}) >= 3
        assert not written(events, f"{P}_wi_fi_signal")
        # Besides: the progress step and the job's start settling (thumbnail, file, cost).
        others = [e for e in events if e.data["entity_id"] not in (NOZZLE, BED)]
        assert len(others) <= 8, [e.data["entity_id"] for e in others]
        await hass.config_entries.async_unload(
            hass.config_entries.async_entries(DOMAIN)[0].entry_id
        )


async def test_display_precision_chosen_by_the_user_counts(
    hass: HomeAssistant, bambu_sim: BambuSimulator, entity_registry: er.EntityRegistry
) -> None:
    """One decimal chosen in the entity settings: tenths are shown, so tenths are written."""
    await setup(hass, bambu_entry(bambu_sim))
    entity_registry.async_update_entity_options(NOZZLE, "sensor", {"display_precision": 1})
    await push_and_settle(hass, bambu_sim, [219.96875])
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    await push_and_settle(hass, bambu_sim, [220.03125, 220.0625, 220.09375, 220.15625])
    # shown: 220.0, 220.1, 220.1, 220.2
    assert written(events, NOZZLE) == ["220.0625", "220.15625"]


async def test_fahrenheit_is_rounded_in_fahrenheit(
    hass: HomeAssistant, bambu_sim: BambuSimulator, entity_registry: er.EntityRegistry
) -> None:
    """Shown in °F: 0.3 °C is half a degree there, so the row follows the °F value."""
    await setup(hass, bambu_entry(bambu_sim))
    entity_registry.async_update_entity_options(NOZZLE, "sensor", {"unit_of_measurement": "°F"})
    await push_and_settle(hass, bambu_sim, [219.96875])  # 427.94 °F: shown 428
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    await push_and_settle(hass, bambu_sim, [220.25, 220.3125])  # 428.45 (428), 428.5625 (429)
    assert [round(float(s), 4) for s in written(events, NOZZLE)] == [428.5625]


async def test_wifi_signal_is_disabled_by_default(
    hass: HomeAssistant, bambu_sim: BambuSimulator, entity_registry: er.EntityRegistry
) -> None:
    await setup(hass, bambu_entry(bambu_sim))
    entity_id = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{bambu_sim.serial}_wifi_signal"
    )
    assert entity_id is not None
    entry = entity_registry.async_get(entity_id)
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(entity_id) is None


async def test_end_time_stays_within_a_minute_and_writes_on_a_minute(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """Defect 13: the end time is written when the estimate moved by a minute, not on every poll.

    The printer keeps saying "60 minutes left" while time passes (it prints slower than
    planned): the estimate drifts 10 s per poll. The shown end time never lags the estimate by
    a minute or more, and it is written only when the drift reaches a minute.
    """
    end_time = "sensor.core_one_end_time"
    await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.start_job()
    prusa_sim.set_progress(10, time_printing=600, time_remaining=3600)
    await poll(hass, freezer, 30)
    assert state(hass, "sensor.core_one_status") == "printing"
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    lags = []
    for _ in range(16):
        await poll(hass, freezer, 10)
        estimate = dt_util.utcnow() + timedelta(minutes=60)
        shown = datetime.fromisoformat(str(state(hass, end_time)))
        lags.append((estimate - shown).total_seconds())
    assert max(lags) < 60
    # 160 s of drift: written at 60 s and 120 s only (the first reading was kept).
    assert len(written(events, end_time)) == 2


async def test_update_entity_asks_the_printer_and_a_removed_entity_stops_listening(
    hass: HomeAssistant, bambu_sim: BambuSimulator, entity_registry: er.EntityRegistry
) -> None:
    """`homeassistant.update_entity` refreshes; a disabled entity no longer follows reports."""
    assert await async_setup_component(hass, "homeassistant", {})
    entry = await setup(hass, bambu_entry(bambu_sim))
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": NOZZLE}, blocking=True
    )
    updates = PrinterUpdates.of(entry.runtime_data.coordinator)
    before = len(updates._entities)
    entity_registry.async_update_entity(BED, disabled_by=er.RegistryEntryDisabler.USER)
    await hass.async_block_till_done()
    assert hass.states.get(BED) is None
    assert len(updates._entities) == before - 1
    await push_and_settle_nozzle(hass, bambu_sim, 150.0)


async def push_and_settle_nozzle(hass: HomeAssistant, sim: BambuSimulator, value: float) -> None:
    await sim.push({"nozzle_temper": value})
    await wait_for(hass, lambda: state(hass, NOZZLE) == str(value))


async def test_entities_are_probed_only_when_the_fields_they_read_changed(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A sensor of one snapshot field is looked at only after a report that changed that field;
    an entity that reads more than the snapshot (reads() None: the ledger's totals) every time."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    # The first report after setup probes every entity (availability becomes known).
    await bambu_sim.push({"nozzle_temper": 200.0})
    await wait_for(hass, lambda: state(hass, NOZZLE) == "200.0")
    updates = PrinterUpdates.of(entry.runtime_data.coordinator)
    calls: dict[str, int] = {}
    names = {"nozzle_temperature": NOZZLE, "bed_temperature": BED, "total_cost": "total_cost"}
    for index, entity in enumerate(updates._entities):
        key = entity.entity_description.key
        if key in names:
            assert entity.reads() == (None if key == "total_cost" else frozenset({key}))
            calls[key] = 0

            def counted(probe=updates._probes[index], key=key):  # type: ignore[no-untyped-def]
                calls[key] += 1
                return probe()

            updates._probes[index] = counted
    assert set(calls) == set(names)
    events = async_capture_events(hass, EVENT_STATE_CHANGED)

    for value in (201.0, 202.0, 203.0):
        await bambu_sim.push({"nozzle_temper": value})
        await wait_for(hass, lambda v=value: state(hass, NOZZLE) == str(v))
    assert calls == {"nozzle_temperature": 3, "bed_temperature": 0, "total_cost": 3}
    await bambu_sim.push({"bed_temper": 44.0})
    await wait_for(hass, lambda: state(hass, BED) == "44.0")
    assert calls == {"nozzle_temperature": 3, "bed_temperature": 1, "total_cost": 4}
    assert written(events, NOZZLE) == ["201.0", "202.0", "203.0"]
    assert written(events, BED) == ["44.0"]

    # The printer goes away and comes back: every entity is written (unavailable, then back).
    await bambu_sim.drop_connections()
    await wait_for(hass, lambda: state(hass, BED) == "unavailable")
    await wait_for(hass, lambda: state(hass, BED) == "44.0")
    assert state(hass, NOZZLE) == "203.0"


async def test_changed_fields_names_what_differs() -> None:
    """Equal values that are different objects do not count as changed."""
    old = PrinterSnapshot(nozzle_temperature=200.0, ams_trays=(AmsTray(0, 0, material="PLA"),))
    new = replace(
        old, nozzle_temperature=201.0, ams_trays=(AmsTray(0, 0, material="PLA"),), job_name="x"
    )
    assert changed_fields(old, new) == {"nozzle_temperature", "job_name"}
    assert changed_fields(old, old) == set()
