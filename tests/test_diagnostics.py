"""Diagnostics show the printer's state with every secret redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant

from custom_components.printernizer.diagnostics import async_get_config_entry_diagnostics
from tests.conftest import BAMBU_CODE, PRUSA_PASSWORD, bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator

REDACTED = "**REDACTED**"


async def test_bambu_diagnostics_redact_secrets(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Access code, serial, host and fingerprint never appear; the state does."""
    entry = bambu_entry(bambu_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["entry"]["data"]["access_code"] == REDACTED
    assert diagnostics["entry"]["data"]["serial"] == REDACTED
    assert diagnostics["entry"]["data"]["host"] == REDACTED
    assert diagnostics["entry"]["data"]["tls_fingerprint"] == REDACTED
    assert diagnostics["entry"]["data"]["printer_type"] == "bambu"
    assert diagnostics["snapshot"]["status"] == "idle"
    assert diagnostics["printer"]["model"] == "P1S"
    text = json.dumps(diagnostics, default=str)
    for secret in (BAMBU_CODE, bambu_sim.serial, bambu_sim.fingerprint):
        assert secret not in text


async def test_prusa_diagnostics_redact_secrets(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """Password and serial are redacted."""
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["entry"]["data"]["password"] == REDACTED
    assert diagnostics["connection"]["last_update_success"] is True
    text = json.dumps(diagnostics, default=str)
    assert PRUSA_PASSWORD not in text
    assert prusa_sim.serial not in text


async def test_entry_fields_are_hidden_unless_known_harmless(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """A MAC from DHCP discovery, or any field a later version adds, is redacted by default."""
    mac, later = "10:9c:70:12:34:56", "a-token-added-later"
    entry = prusa_entry(prusa_sim, mac=mac, cloud_token=later)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    data = (await async_get_config_entry_diagnostics(hass, entry))["entry"]["data"]
    assert data == {
        "printer_type": "prusa",
        "host": REDACTED,
        "port": prusa_sim.port,
        "username": REDACTED,
        "password": REDACTED,
        "mac": REDACTED,
        "cloud_token": REDACTED,
    }
