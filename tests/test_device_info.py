"""The printer's device: model, link to its web page, MAC, and the title it keeps."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest

from custom_components.printernizer.const import DOMAIN
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator


async def test_prusa_device_has_model_and_prusalink_link(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """Model from what PrusaLink reports, a link to its page, the MAC of a discovered printer.

    The device had neither model nor link; an existing entry keeps its title as device name.
    """
    entry = prusa_entry(prusa_sim, mac="10:9c:70:aa:bb:cc")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert device.identifiers == {(DOMAIN, prusa_sim.serial)}
    assert device.name == "Core One"
    assert device.manufacturer == "Prusa Research"
    assert device.model == "Core One"
    assert device.configuration_url == f"http://127.0.0.1:{prusa_sim.port}"
    assert device.connections == {(dr.CONNECTION_NETWORK_MAC, "10:9c:70:aa:bb:cc")}
    assert device.serial_number == prusa_sim.serial
    assert device.sw_version == "6.5.2+12610"


@pytest.mark.usefixtures("socket_enabled")
async def test_pi_device_model(hass: HomeAssistant) -> None:
    """The Raspberry Pi build names its printer (MK3S); no MAC without discovery."""
    async with PrusaLinkSimulator(flavour="pi", password="secretpass123") as sim:
        entry = prusa_entry(sim, username=sim.username)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        assert (device.model, device.connections) == ("MK3S", set())
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_bambu_device_has_no_configuration_url(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A Bambu Lab printer has no web page to link to."""
    entry = bambu_entry(bambu_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert (device.model, device.configuration_url) == ("P1S", None)
