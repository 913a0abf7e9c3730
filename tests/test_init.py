"""The integration loads in Home Assistant; a removed printer leaves nothing behind."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component

from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.coordinator import certificate_issue_id
from tests.conftest import bambu_entry
from tests.simulators.bambu import BambuSimulator


async def test_integration_loads(hass: HomeAssistant) -> None:
    """Home Assistant finds our integration (not the harness's) and sets it up."""
    integration = await async_get_integration(hass, DOMAIN)
    assert str(integration.file_path).endswith("custom_components/printernizer")
    assert "testing_config" not in str(integration.file_path)
    assert integration.config_flow is True
    assert await async_setup_component(hass, DOMAIN, {})
    assert DOMAIN in hass.config.components


async def test_removing_an_entry_removes_its_certificate_issue(
    hass: HomeAssistant, bambu_sim: BambuSimulator, issue_registry: ir.IssueRegistry
) -> None:
    """The repair issue of a removed printer has nothing left to repair: it goes with it."""
    entry = bambu_entry(bambu_sim, tls_fingerprint="ab" * 32)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    issue_id = certificate_issue_id(entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    assert (await hass.config_entries.async_remove(entry.entry_id))["require_restart"] is False
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_certificate_issue_goes_when_the_printer_connects_again(
    hass: HomeAssistant, bambu_sim: BambuSimulator, issue_registry: ir.IssueRegistry
) -> None:
    """Reconfigured to the printer's certificate, the entry connects and the issue is gone."""
    entry = bambu_entry(bambu_sim, tls_fingerprint="ab" * 32)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    issue_id = certificate_issue_id(entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "tls_fingerprint": bambu_sim.fingerprint}
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
