"""What users see of real printers' data: the simulators replay captured reports (ha-bambulab's
test data, tests/api/fixtures/SOURCES.md) and the integration runs on them end to end.

Covers issue 15 (AMS on H2D and X1C 01.09, the new entities, the unique-id migration, QOI
thumbnails) and issue 10 defect 7 (external spool name, empty trays).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
from datetime import timedelta
import io
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.printernizer.const import DOMAIN
from tests.api.bambu_captures import load, report
from tests.conftest import PRUSA_PASSWORD, bambu_entry, prusa_entry
from tests.simulators import gcodefiles
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator

P = "sensor.workshop_p1s"
B = "binary_sensor.workshop_p1s"


def state(hass: HomeAssistant, entity_id: str) -> str | None:
    """The entity's state, or None when it does not exist."""
    current = hass.states.get(entity_id)
    return current.state if current else None


async def wait_for(hass: HomeAssistant, predicate: Callable[[], bool]) -> None:
    """Let real sockets deliver until the predicate holds (at most ten seconds)."""
    async with asyncio.timeout(10):
        while True:
            await hass.async_block_till_done()
            if predicate():
                return
            await asyncio.sleep(0.05)


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add (unless added) and load the entry."""
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def old_entity(
    hass: HomeAssistant, entry: MockConfigEntry, key: str, object_id: str
) -> er.RegistryEntry:
    """A sensor as an earlier version registered it: `<serial>_<key>`."""
    return er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        f"{entry.unique_id}_{key}",
        config_entry=entry,
        suggested_object_id=object_id,
    )


@contextlib.asynccontextmanager
async def replaying(model: str, capture: str) -> AsyncIterator[BambuSimulator]:
    """A simulated printer of `model` whose state is the capture's full report."""
    async with BambuSimulator(serial="0948AB000000001", model=model) as sim:
        sim.state = report(capture)
        yield sim


def delta(capture: str, name: str) -> dict[str, Any]:
    """A delta stored beside a capture's full report (what the printer sends next)."""
    return dict(load(capture)[name])


# ------------------------------------------------------------------------------ X1C, 4 AMS


async def test_external_spool_and_empty_trays(hass: HomeAssistant, socket_enabled: None) -> None:
    """Issue 10 defect 7 and issue 15 defect 3 on an X1C 01.09 with four AMS units.

    The one external spool is "External spool material" (not "AMS 256 tray 1"), it is empty,
    and it has no remaining sensor; an empty AMS slot reads `empty`, its remaining is unknown.
    """
    async with replaying("X1C", "2AMS1-1AMS2-1AMSHT") as sim:
        entry = await setup(hass, bambu_entry(sim))
        external = hass.states.get(f"{P}_external_spool_material")
        assert external is not None
        assert external.state == "empty"
        assert external.attributes["friendly_name"] == "Workshop P1S External spool material"
        registry = er.async_get(hass)
        spools = sorted(
            e.unique_id
            for e in er.async_entries_for_config_entry(registry, entry.entry_id)
            if "ams255" in e.unique_id
        )
        assert spools == [f"{entry.unique_id}_ams255_tray0_material"]
        assert not [e for e in hass.states.async_entity_ids() if "ams_256" in e]

        # AMS 2 Pro (unit 3) slot 1 is empty; AMS 1 slot 1 holds PLA at 93 %
        assert state(hass, f"{P}_ams_3_tray_1_material") == "empty"
        assert state(hass, f"{P}_ams_3_tray_1_remaining") == STATE_UNKNOWN
        assert state(hass, f"{P}_ams_1_tray_1_material") == "PLA"
        assert state(hass, f"{P}_ams_1_tray_1_remaining") == "93"
        assert state(hass, f"{P}_ams_ht_1_tray_1_material") == "PA-CF"

        # AMS climate: index, percent and temperature per unit, the AMS HT included
        assert state(hass, f"{P}_ams_1_humidity_index") == "5"
        assert state(hass, f"{P}_ams_1_humidity") == "8"
        assert state(hass, f"{P}_ams_1_temperature") == "26.2"
        assert state(hass, f"{P}_ams_3_temperature") == "65.0"
        assert state(hass, f"{P}_ams_ht_1_humidity") == "8"
        assert state(hass, f"{P}_ams_ht_1_temperature") == "45.2"

        assert state(hass, f"{P}_print_stage") == "idle"
        assert state(hass, f"{B}_door") == "off"
        assert state(hass, f"{B}_attention") == "off"
        assert state(hass, f"{P}_left_nozzle_temperature") is None  # one nozzle
        assert state(hass, f"{P}_chamber_target_temperature") is None  # no chamber heater
        await hass.config_entries.async_unload(entry.entry_id)


async def test_names_in_german(hass: HomeAssistant, socket_enabled: None) -> None:
    """German users read "Externe Spule" and the AMS HT's own numbering."""
    hass.config.language = "de"
    async with replaying("X1C", "2AMS1-1AMS2-1AMSHT") as sim:
        entry = await setup(hass, bambu_entry(sim))
        names = {
            s.entity_id: s.attributes.get("friendly_name") for s in hass.states.async_all("sensor")
        }
        assert "Workshop P1S Externe Spule Material" in names.values()
        assert "Workshop P1S AMS HT 1 Fach 1 Material" in names.values()
        assert "Workshop P1S AMS 1 Feuchtigkeitsindex" in names.values()
        assert "Workshop P1S Druckphase" in names.values()
        await hass.config_entries.async_unload(entry.entry_id)


# ------------------------------------------------------------------------------ H2D


async def test_h2d_entities(hass: HomeAssistant, socket_enabled: None) -> None:
    """H2D printing from its AMS HT: both nozzles, the active one, stage, chamber target, the
    active tray on the AMS HT, two external spools (right = main, left = deputy), the door."""
    async with replaying("H2D", "H2D") as sim:
        entry = await setup(hass, bambu_entry(sim))
        assert state(hass, f"{P}_status") == "printing"
        assert state(hass, f"{P}_print_stage") == "cleaning_nozzle"
        assert state(hass, f"{P}_right_nozzle_temperature") == "264.0"
        assert state(hass, f"{P}_right_nozzle_target_temperature") == "225.0"
        assert state(hass, f"{P}_left_nozzle_temperature") == "40.0"
        assert state(hass, f"{P}_active_nozzle") == "right"
        assert state(hass, f"{P}_nozzle_temperature") == "264.0"
        assert state(hass, f"{P}_chamber_temperature") == "48.0"
        assert state(hass, f"{P}_chamber_target_temperature") == "60.0"
        ht = hass.states.get(f"{P}_ams_ht_1_tray_1_material")
        assert ht is not None
        assert (ht.state, ht.attributes["active"]) == ("PA-GF", True)
        assert hass.states.get(f"{P}_ams_1_tray_1_material").attributes["active"] is False
        assert state(hass, f"{P}_right_external_spool_material") == "empty"
        assert state(hass, f"{P}_left_external_spool_material") == "empty"
        assert state(hass, f"{B}_door") == "off"

        await sim.push(delta("H2D", "push_door_opened"))
        await wait_for(hass, lambda: state(hass, f"{B}_door") == "on")
        await sim.push(delta("H2D", "push_left_extruder"))
        await wait_for(hass, lambda: state(hass, f"{P}_active_nozzle") == "left")
        assert state(hass, f"{P}_nozzle_temperature") == "40.0"
        assert hass.states.get(f"{P}_ams_ht_1_tray_1_material").attributes["active"] is False

        await sim.push({"gcode_state": "PAUSE", "stg_cur": 6})
        await wait_for(hass, lambda: state(hass, f"{P}_print_stage") == "filament_runout")
        assert state(hass, f"{B}_attention") == "on"
        assert state(hass, f"{B}_problem") == "on"
        await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostic_nozzle_entities_are_disabled(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """Nozzle diameter and type are diagnostics, created disabled."""
    async with replaying("P2S", "MOCK-P2S") as sim:
        entry = await setup(hass, bambu_entry(sim))
        registry = er.async_get(hass)
        for key in ("nozzle_diameter", "nozzle_type"):
            entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_{key}")
            assert entity_id is not None
            entity = registry.async_get(entity_id)
            assert entity is not None
            assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
            assert entity.entity_category == "diagnostic"
        await hass.config_entries.async_unload(entry.entry_id)


# ------------------------------------------------------------------------------ migration


async def test_migration_single_vir_slot(hass: HomeAssistant, socket_enabled: None) -> None:
    """P2S: the spool an earlier version keyed `ams255_tray1` becomes `ams255_tray0`; the same
    entity (id, history, customisations) shows it; its remaining sensor goes."""
    async with replaying("P2S", "MOCK-P2S") as sim:
        entry = bambu_entry(sim)
        entry.add_to_hass(hass)
        assert entry.minor_version == 1
        material = old_entity(hass, entry, "ams255_tray1_material", "workshop_p1s_ams_256_tray_2")
        remaining = old_entity(hass, entry, "ams255_tray1_remaining", "workshop_p1s_ams_256_rest")
        await setup(hass, entry)
        registry = er.async_get(hass)
        moved = registry.async_get(material.entity_id)
        assert moved is not None
        assert moved.unique_id == f"{entry.unique_id}_ams255_tray0_material"
        assert state(hass, material.entity_id) == "empty"
        assert registry.async_get(remaining.entity_id) is None
        assert entry.minor_version == 2
        await hass.config_entries.async_unload(entry.entry_id)


async def test_migration_keeps_a_key_that_exists_already(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """Should the registry hold the new key already, that entity stays and the old one goes
    (two entities may not share a unique id)."""
    async with replaying("P2S", "MOCK-P2S") as sim:
        entry = bambu_entry(sim)
        entry.add_to_hass(hass)
        current = old_entity(hass, entry, "ams255_tray0_material", "p2s_external")
        stale = old_entity(hass, entry, "ams255_tray1_material", "p2s_ams_256_tray_2")
        await setup(hass, entry)
        registry = er.async_get(hass)
        assert registry.async_get(stale.entity_id) is None
        assert registry.async_get(current.entity_id).unique_id.endswith("_ams255_tray0_material")
        assert state(hass, current.entity_id) == "empty"
        await hass.config_entries.async_unload(entry.entry_id)


async def test_migration_swaps_main_and_deputy(hass: HomeAssistant, socket_enabled: None) -> None:
    """H2D Pro: tray0 used to be the deputy (254) and tray1 the main (255); they swap keys, so
    each entity keeps showing the spool it showed, and it survives a reload."""
    async with replaying("H2D Pro", "MOCK-H2DPRO") as sim:
        entry = bambu_entry(sim)
        entry.add_to_hass(hass)
        deputy = old_entity(hass, entry, "ams255_tray0_material", "h2d_ams_256_tray_1")
        main = old_entity(hass, entry, "ams255_tray1_material", "h2d_ams_256_tray_2")
        await setup(hass, entry)
        registry = er.async_get(hass)
        assert registry.async_get(main.entity_id).unique_id.endswith("_ams255_tray0_material")
        assert registry.async_get(deputy.entity_id).unique_id.endswith("_ams255_tray1_material")
        assert state(hass, main.entity_id) == "TPU"
        assert state(hass, deputy.entity_id) == "empty"
        assert hass.states.get(main.entity_id).attributes["friendly_name"] == (
            "Workshop P1S Right external spool material"
        )

        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert registry.async_get(main.entity_id).unique_id.endswith("_ams255_tray0_material")
        assert state(hass, main.entity_id) == "TPU"
        await hass.config_entries.async_unload(entry.entry_id)


async def test_migration_drops_the_phantom_spool(hass: HomeAssistant, socket_enabled: None) -> None:
    """X1C 01.09: the second external spool was a copy of the first; its entity is removed and
    the first keeps its key. Entries made by this version are left alone."""
    async with replaying("X1C", "2AMS1-1AMS2-1AMSHT") as sim:
        entry = bambu_entry(sim)
        entry.add_to_hass(hass)
        real = old_entity(hass, entry, "ams255_tray0_material", "x1c_ams_256_tray_1")
        phantom = old_entity(hass, entry, "ams255_tray1_material", "x1c_ams_256_tray_2")
        await setup(hass, entry)
        registry = er.async_get(hass)
        assert registry.async_get(phantom.entity_id) is None
        assert registry.async_get(real.entity_id).unique_id.endswith("_ams255_tray0_material")
        assert state(hass, real.entity_id) == "empty"
        await hass.config_entries.async_unload(entry.entry_id)


async def test_no_migration_for_current_entries(hass: HomeAssistant, socket_enabled: None) -> None:
    """An entry at minor version 2 has today's keys: nothing is renamed or removed."""
    async with replaying("H2D Pro", "MOCK-H2DPRO") as sim:
        base = bambu_entry(sim)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=base.title,
            unique_id=base.unique_id,
            data=dict(base.data),
            minor_version=2,
        )
        entry.add_to_hass(hass)
        main = old_entity(hass, entry, "ams255_tray0_material", "h2d_main")
        await setup(hass, entry)
        assert er.async_get(hass).async_get(main.entity_id).unique_id.endswith("_tray0_material")
        assert state(hass, main.entity_id) == "TPU"
        await hass.config_entries.async_unload(entry.entry_id)


# ------------------------------------------------------------------------------ Prusa


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Advance frozen time so the coordinator polls once."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_prusa_pi_z_height_attention_and_free_space(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None
) -> None:
    """Raspberry Pi PrusaLink: Z height, the attention sensor and free space on /local."""
    async with PrusaLinkSimulator(flavour="pi", password=PRUSA_PASSWORD) as sim:
        entry = await setup(hass, prusa_entry(sim, username=sim.username))
        s = "sensor.core_one"
        assert float(state(hass, f"{s}_z_height")) == sim.status_body()["printer"]["axis_z"]
        assert state(hass, "binary_sensor.core_one_attention") == "off"
        registry = er.async_get(hass)
        free_id = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_storage_free")
        assert free_id is not None
        assert registry.async_get(free_id).disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert state(hass, "binary_sensor.core_one_door") is None  # Prusa reports no door

        sim.start_job()
        await poll(hass, freezer, 30)
        sim.attention()
        await poll(hass, freezer, 10)
        assert state(hass, "binary_sensor.core_one_attention") == "on"
        assert state(hass, "binary_sensor.core_one_problem") == "on"

        registry.async_update_entity(free_id, disabled_by=None)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        free = sim.status_body()["storage"][0]["free_space"]
        assert float(state(hass, free_id)) == pytest.approx(free / 1e9, abs=0.1)
        await hass.config_entries.async_unload(entry.entry_id)


async def test_buddy_has_no_free_space_sensor(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """Buddy firmware reports no free space: no entity for it."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_storage_free") is None
    assert state(hass, "sensor.core_one_print_stage") is None  # a Bambu stage
    await hass.config_entries.async_unload(entry.entry_id)


async def test_qoi_only_file_gives_the_job_a_thumbnail(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """Defect 4: an MK4S file from PrusaSlicer 2.8+ has QOI previews only; the printer serves
    no thumbnail for it, the integration decodes the file's preview to PNG for the image."""
    data = gcodefiles.make_bgcode(printer_model="MK4S", thumbnail_format="qoi")
    key = prusa_sim.add_file("/usb/hook_0.4n_0.2mm_PETG_MK4S_2h17m.bgcode", data)
    entry = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.start_job(key)
    await poll(hass, freezer, 30)
    await hass.async_block_till_done(wait_background_tasks=True)
    image = entry.runtime_data.coordinator.thumbnail
    assert image is not None
    png = Image.open(io.BytesIO(image))
    assert (png.format, png.size) == ("PNG", (313, 173))
    assert png.convert("RGBA").tobytes() == gcodefiles.qoi_pattern(313, 173)
    assert state(hass, "image.core_one_thumbnail") not in (None, STATE_UNKNOWN)
    await hass.config_entries.async_unload(entry.entry_id)
