"""Chamber light and print speed as entities, against the simulated printers."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_bambu import setup, state, wait_for

LIGHT = "light.workshop_p1s_chamber_light"
SPEED = "select.workshop_p1s_print_speed"


async def test_chamber_light(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """The light shows the printer's report; switching waits for the ACK, then the report."""
    await setup(hass, bambu_entry(bambu_sim))
    assert state(hass, LIGHT) == "on"
    await hass.services.async_call("light", "turn_off", {"entity_id": LIGHT}, blocking=True)
    assert bambu_sim.requests[-1]["system"]["led_mode"] == "off"
    await wait_for(hass, lambda: state(hass, LIGHT) == "off")
    await hass.services.async_call("light", "turn_on", {"entity_id": LIGHT}, blocking=True)
    await wait_for(hass, lambda: state(hass, LIGHT) == "on")
    await bambu_sim.push({"lights_report": [{"node": "chamber_light", "mode": "off"}]})
    await wait_for(hass, lambda: state(hass, LIGHT) == "off")  # switched on the printer


async def test_print_speed(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """The select shows spd_lvl; choosing sends the level and the report follows."""
    await setup(hass, bambu_entry(bambu_sim))
    speed = hass.states.get(SPEED)
    assert speed is not None
    assert speed.state == "standard"
    assert speed.attributes["options"] == ["silent", "standard", "sport", "ludicrous"]
    for option, level in (("ludicrous", "4"), ("silent", "1")):
        await hass.services.async_call(
            "select", "select_option", {"entity_id": SPEED, "option": option}, blocking=True
        )
        assert bambu_sim.requests[-1]["print"]["param"] == level
        await wait_for(hass, lambda option=option: state(hass, SPEED) == option)


async def test_not_acknowledged_is_a_translated_error(
    hass: HomeAssistant, bambu_sim: BambuSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Developer Mode the printer drops commands: the user reads why."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    monkeypatch.setattr(entry.runtime_data.coordinator.client, "command_timeout", 0.3)
    bambu_sim.ack_commands = False
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "select", "select_option", {"entity_id": SPEED, "option": "sport"}, blocking=True
        )
    assert caught.value.translation_key == "command_not_acknowledged"
    assert caught.value.translation_placeholders == {
        "printer": "Workshop P1S",
        "command": "print_speed",
    }
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call("light", "turn_off", {"entity_id": LIGHT}, blocking=True)
    assert caught.value.translation_key == "command_not_acknowledged"
    assert state(hass, LIGHT) == "on"


async def test_prusa_has_neither(hass: HomeAssistant, prusa_sim: PrusaLinkSimulator) -> None:
    """PrusaLink offers no chamber light or speed levels."""
    await setup(hass, prusa_entry(prusa_sim))
    assert hass.states.async_entity_ids("light") == []
    assert hass.states.async_entity_ids("select") == []
