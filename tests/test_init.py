"""The integration loads in Home Assistant."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component

from custom_components.printernizer.const import DOMAIN


async def test_integration_loads(hass: HomeAssistant) -> None:
    """Home Assistant finds our integration (not the harness's) and sets it up."""
    integration = await async_get_integration(hass, DOMAIN)
    assert str(integration.file_path).endswith("custom_components/printernizer")
    assert "testing_config" not in str(integration.file_path)
    assert integration.config_flow is True
    assert await async_setup_component(hass, DOMAIN, {})
    assert DOMAIN in hass.config.components
