"""Printernizer: Bambu Lab and Prusa printer fleets in Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

type PrinternizerConfigEntry = ConfigEntry[None]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the parts shared by all printers."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PrinternizerConfigEntry) -> bool:
    """Set up one printer."""
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PrinternizerConfigEntry) -> bool:
    """Unload one printer."""
    return True
