"""Config flow: add a Bambu Lab or Prusa printer."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from .const import DOMAIN, PRINTER_TYPE_BAMBU, PRINTER_TYPE_PRUSA


class PrinternizerConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a printer."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of printer to add."""
        return self.async_show_menu(step_id="user", menu_options=[PRINTER_TYPE_BAMBU, PRINTER_TYPE_PRUSA])
