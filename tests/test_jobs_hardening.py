"""Jobs and ledger as a new user meets them: the simulated printers, the services, the sensors.

Regression tests of issue 10 (jobs and ledger part), each against the real integration.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer.const import DOMAIN
from tests.conftest import bambu_entry
from tests.simulators.bambu import BambuSimulator


async def call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    """Call a Printernizer service and return its response."""
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and load the entry."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


# ------------------------------------------------------------------------------- defect 5


async def test_quote_for_a_new_printer_uses_its_model_power(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A P1S added a minute ago (no options) quotes with 105 W, as its jobs will be recorded."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    assert not entry.options
    quote = await call(
        hass,
        "calculate_cost",
        material="PLA",
        grams=100,
        print_hours=2,
        config_entry_id=entry.entry_id,
    )
    # 105 W × 2 h = 0.21 kWh × 0.30 = 0.063 → 0.06; 100 g PLA × 25 €/kg = 2.50; net 2.56;
    # VAT 19 % 0.4864 → 0.49; gross 3.05
    assert quote["energy_kwh"] == 0.21
    assert (quote["material_cost"], quote["energy_cost"], quote["machine_cost"]) == (2.5, 0.06, 0)
    assert (quote["net"], quote["vat"], quote["gross"]) == (2.56, 0.49, 3.05)
    assert entry.runtime_data.tracker.power_watts == 105
