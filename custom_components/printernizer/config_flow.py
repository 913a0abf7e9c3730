"""Config flow: add a Bambu Lab or Prusa printer, reauthenticate, reconfigure, options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .api import (
    NotAPrinterError,
    PrinterAuthError,
    PrinterError,
    PrinterInfo,
    PrinterTimeoutError,
)
from .api.bambu.client import BambuClient
from .api.bambu.models import DiscoveredPrinter
from .api.bambu.ssdp import async_discover
from .api.prusa.client import PrusaLinkClient
from .const import (
    CATEGORIES,
    CATEGORY_PRIVATE,
    CONF_ACCESS_CODE,
    CONF_API_KEY,
    CONF_AUTO_DOWNLOAD,
    CONF_DEFAULT_CATEGORY,
    CONF_ENERGY_SENSOR,
    CONF_FILE_REFRESH_MINUTES,
    CONF_FTP_PORT,
    CONF_MACHINE_RATE,
    CONF_POLL_IDLE,
    CONF_POLL_PRINTING,
    CONF_POWER_WATTS,
    CONF_PRINTER_TYPE,
    CONF_SERIAL,
    CONF_TLS_FINGERPRINT,
    DEFAULT_BAMBU_PORT,
    DEFAULT_FILE_REFRESH_MINUTES,
    DEFAULT_FTP_PORT,
    DEFAULT_POLL_IDLE,
    DEFAULT_POLL_PRINTING,
    DEFAULT_POWER_WATTS,
    DEFAULT_PRUSA_PORT,
    DEFAULT_PRUSA_USERNAME,
    DEFAULT_SSDP_PORT,
    DOMAIN,
    LOGGER,
    PRINTER_TYPE_BAMBU,
    PRINTER_TYPE_PRUSA,
)
from .data import DATA_SHARED
from .migrate import EXTERNAL_SPOOL_KEYS_VERSION

# How long "scan the network" listens for printer announcements (they come every ~5 s).
SCAN_SECONDS = 6.0
SSDP_PORT = DEFAULT_SSDP_PORT
# Validation waits this long for the printer's first full report.
VALIDATION_TIMEOUT = 15.0

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PORT = NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX))


class CannotConnect(HomeAssistantError):
    """Validation failed; `reason` is the form error key."""

    def __init__(self, reason: str) -> None:
        """Keep the error key for the form."""
        super().__init__(reason)
        self.reason = reason


async def validate_bambu(data: Mapping[str, Any]) -> tuple[str | None, PrinterInfo | None]:
    """Connect, wait for the first full report, and return the pinned fingerprint and facts.

    With no stored fingerprint the client pins the certificate it sees (trust on first use).
    """
    client = BambuClient(
        host=data[CONF_HOST],
        serial=data[CONF_SERIAL],
        access_code=data[CONF_ACCESS_CODE],
        port=int(data.get(CONF_PORT, DEFAULT_BAMBU_PORT)),
        fingerprint=data.get(CONF_TLS_FINGERPRINT),
    )
    try:
        await client.async_connect(timeout=VALIDATION_TIMEOUT)
    except PrinterAuthError as err:
        raise CannotConnect("invalid_auth") from err
    except PrinterTimeoutError as err:
        raise CannotConnect("timeout") from err
    except PrinterError as err:
        raise CannotConnect("cannot_connect") from err
    finally:
        await client.async_disconnect()
    return client.fingerprint, client.info


async def validate_prusa(hass: Any, data: Mapping[str, Any]) -> PrinterInfo:
    """Read /api/version and /api/v1/info with the given credentials."""
    client = PrusaLinkClient(
        async_get_clientsession(hass),
        data[CONF_HOST],
        port=int(data.get(CONF_PORT, DEFAULT_PRUSA_PORT)),
        username=data.get(CONF_USERNAME) or DEFAULT_PRUSA_USERNAME,
        password=data.get(CONF_PASSWORD),
        api_key=data.get(CONF_API_KEY),
    )
    try:
        return await client.async_get_printer_info()
    except PrinterAuthError as err:
        raise CannotConnect("invalid_auth") from err
    except NotAPrinterError as err:
        raise CannotConnect("not_prusalink") from err
    except PrinterError as err:
        raise CannotConnect("cannot_connect") from err


def _bambu_manual_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, "")): str,
            vol.Required(CONF_SERIAL, default=defaults.get(CONF_SERIAL, "")): str,
            vol.Required(CONF_ACCESS_CODE): PASSWORD,
            vol.Optional(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_BAMBU_PORT)): PORT,
            vol.Optional(
                CONF_FTP_PORT, default=defaults.get(CONF_FTP_PORT, DEFAULT_FTP_PORT)
            ): PORT,
        }
    )


def _prusa_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, "")): str,
            vol.Optional(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PRUSA_PORT)): PORT,
            vol.Optional(
                CONF_USERNAME, default=defaults.get(CONF_USERNAME, DEFAULT_PRUSA_USERNAME)
            ): str,
            vol.Optional(CONF_PASSWORD): PASSWORD,
            vol.Optional(CONF_API_KEY): PASSWORD,
        }
    )


def _with_port(data: dict[str, Any]) -> dict[str, Any]:
    """Ports from number selectors arrive as floats; a `host:port` wins over the port field."""
    host = str(data[CONF_HOST]).strip().removeprefix("http://").rstrip("/")
    if ":" in host and host.rsplit(":", 1)[1].isdigit():
        host, port = host.rsplit(":", 1)
        data[CONF_PORT] = int(port)
    data[CONF_HOST] = host
    for key in (CONF_PORT, CONF_FTP_PORT):
        if key in data:
            data[key] = int(data[key])
    return data


class PrinternizerConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a printer: Bambu Lab (scan or manual) or Prusa (PrusaLink)."""

    VERSION = 1
    MINOR_VERSION = EXTERNAL_SPOOL_KEYS_VERSION

    def __init__(self) -> None:
        """Remember discovered printers between steps."""
        self._discovered: dict[str, DiscoveredPrinter] = {}
        self._selected: DiscoveredPrinter | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> PrinternizerOptionsFlow:
        """Per-printer options and the shared settings."""
        return PrinternizerOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Which kind of printer?"""
        return self.async_show_menu(
            step_id="user", menu_options=[PRINTER_TYPE_BAMBU, PRINTER_TYPE_PRUSA]
        )

    async def async_step_bambu(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Scan the network or enter the printer by hand."""
        return self.async_show_menu(step_id="bambu", menu_options=["bambu_scan", "bambu_manual"])

    async def async_step_bambu_scan(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Listen for printer announcements, then let the user pick one."""
        if user_input is not None:
            self._selected = self._discovered[user_input[CONF_SERIAL]]
            await self.async_set_unique_id(self._selected.serial)
            self._abort_if_unique_id_configured()
            return await self.async_step_bambu_access_code()
        try:
            found = await async_discover(timeout=SCAN_SECONDS, port=SSDP_PORT)
        except OSError as err:
            LOGGER.warning("Network scan failed: %s", err)
            found = []
        self._async_update_moved_printers(found)
        configured = self._async_current_ids(include_ignore=False)
        self._discovered = {p.serial: p for p in found if p.serial not in configured}
        if not self._discovered:
            return self.async_show_form(
                step_id="bambu_manual",
                data_schema=_bambu_manual_schema({}),
                errors={"base": "no_printers_found"},
            )
        options = [
            SelectOptionDict(
                value=p.serial,
                label=f"{p.name or p.serial} ({p.model or p.model_code or '?'}, {p.host})",
            )
            for p in self._discovered.values()
        ]
        return self.async_show_form(
            step_id="bambu_scan",
            data_schema=vol.Schema(
                {vol.Required(CONF_SERIAL): SelectSelector(SelectSelectorConfig(options=options))}
            ),
        )

    @callback
    def _async_update_moved_printers(self, found: list[DiscoveredPrinter]) -> None:
        """A set-up printer announcing a new address (DHCP) gets it stored.

        Safe against a forged announcement: the pinned certificate is checked before the
        access code is sent to the new address.
        """
        for printer in found:
            entry = self.hass.config_entries.async_entry_for_domain_unique_id(
                DOMAIN, printer.serial
            )
            if entry is None or entry.data.get(CONF_HOST) == printer.host:
                continue
            LOGGER.info("%s moved to %s", entry.title, printer.host)
            self._async_update_and_reload(entry, {**entry.data, CONF_HOST: printer.host})

    async def async_step_bambu_access_code(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the access code of the printer found by the scan."""
        assert self._selected is not None
        printer = self._selected
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                CONF_HOST: printer.host,
                CONF_SERIAL: printer.serial,
                CONF_ACCESS_CODE: user_input[CONF_ACCESS_CODE],
                CONF_PORT: DEFAULT_BAMBU_PORT,
                CONF_FTP_PORT: DEFAULT_FTP_PORT,
            }
            try:
                return await self._async_create_bambu(data, printer.name)
            except CannotConnect as err:
                errors["base"] = err.reason
        return self.async_show_form(
            step_id="bambu_access_code",
            data_schema=vol.Schema({vol.Required(CONF_ACCESS_CODE): PASSWORD}),
            description_placeholders={
                "name": printer.name or printer.serial,
                "host": printer.host,
                "lan_mode": "LAN" if printer.lan_only else "Cloud",
            },
            errors=errors,
        )

    async def async_step_bambu_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Host, serial and access code typed in."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _with_port(dict(user_input))
            data[CONF_SERIAL] = data[CONF_SERIAL].strip().upper()
            await self.async_set_unique_id(data[CONF_SERIAL])
            self._abort_if_unique_id_configured()
            try:
                return await self._async_create_bambu(data, None)
            except CannotConnect as err:
                errors["base"] = err.reason
        return self.async_show_form(
            step_id="bambu_manual",
            data_schema=self.add_suggested_values_to_schema(
                _bambu_manual_schema({}), user_input or {}
            ),
            errors=errors,
        )

    async def _async_create_bambu(self, data: dict[str, Any], name: str | None) -> ConfigFlowResult:
        fingerprint, info = await validate_bambu(data)
        data = {**data, CONF_PRINTER_TYPE: PRINTER_TYPE_BAMBU, CONF_TLS_FINGERPRINT: fingerprint}
        model = info.model if info else None
        title = name or f"Bambu Lab {model or ''} {data[CONF_SERIAL][-4:]}".replace("  ", " ")
        return self.async_create_entry(title=title.strip(), data=data)

    async def async_step_prusa(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Host and PrusaLink credentials (password, or an API key)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _with_port(dict(user_input))
            if not data.get(CONF_PASSWORD) and not data.get(CONF_API_KEY):
                errors["base"] = "missing_credentials"
            else:
                try:
                    info = await validate_prusa(self.hass, data)
                except CannotConnect as err:
                    errors["base"] = err.reason
                else:
                    await self.async_set_unique_id(info.serial or data[CONF_HOST])
                    self._abort_if_unique_id_configured()
                    title = info.hostname or info.name or f"Prusa {info.model or data[CONF_HOST]}"
                    return self.async_create_entry(
                        title=title, data={**data, CONF_PRINTER_TYPE: PRINTER_TYPE_PRUSA}
                    )
        return self.async_show_form(
            step_id="prusa",
            data_schema=self.add_suggested_values_to_schema(_prusa_schema({}), user_input or {}),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The printer refused our credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new access code (Bambu) or password / API key (Prusa)."""
        entry = self._get_reauth_entry()
        bambu = entry.data[CONF_PRINTER_TYPE] == PRINTER_TYPE_BAMBU
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            try:
                if bambu:
                    await validate_bambu(data)
                else:
                    await validate_prusa(self.hass, data)
            except CannotConnect as err:
                errors["base"] = err.reason
            else:
                return self._async_update_and_abort(entry, data, "reauth_successful")
        schema = (
            vol.Schema({vol.Required(CONF_ACCESS_CODE): PASSWORD})
            if bambu
            else vol.Schema(
                {vol.Optional(CONF_PASSWORD): PASSWORD, vol.Optional(CONF_API_KEY): PASSWORD}
            )
        )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=schema,
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """New address or credentials; a Bambu printer's certificate is pinned again."""
        entry = self._get_reconfigure_entry()
        bambu = entry.data[CONF_PRINTER_TYPE] == PRINTER_TYPE_BAMBU
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _with_port({**entry.data, **user_input})
            try:
                if bambu:
                    data[CONF_TLS_FINGERPRINT] = None
                    data[CONF_TLS_FINGERPRINT], _ = await validate_bambu(data)
                else:
                    info = await validate_prusa(self.hass, data)
                    await self.async_set_unique_id(info.serial or data[CONF_HOST])
                    self._abort_if_unique_id_mismatch(reason="wrong_printer")
            except CannotConnect as err:
                errors["base"] = err.reason
            else:
                return self._async_update_and_abort(entry, data, "reconfigure_successful")
        if bambu:
            schema = vol.Schema(
                {
                    vol.Required(CONF_HOST): str,
                    vol.Required(CONF_ACCESS_CODE): PASSWORD,
                    vol.Optional(CONF_PORT): PORT,
                    vol.Optional(CONF_FTP_PORT): PORT,
                }
            )
        else:
            schema = _prusa_schema({})
        suggested = {k: v for k, v in entry.data.items() if k not in (CONF_PASSWORD, CONF_API_KEY)}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    @callback
    def _async_update_and_abort(
        self, entry: ConfigEntry, data: Mapping[str, Any], reason: str
    ) -> ConfigFlowResult:
        """Store the new data and finish the flow."""
        self._async_update_and_reload(entry, data)
        return self.async_abort(reason=reason)

    @callback
    def _async_update_and_reload(self, entry: ConfigEntry, data: Mapping[str, Any]) -> None:
        """Store new data; a loaded entry reloads through its update listener, others here."""
        changed = self.hass.config_entries.async_update_entry(entry, data=dict(data))
        if entry.state is not ConfigEntryState.LOADED or not changed:
            self.hass.config_entries.async_schedule_reload(entry.entry_id)


class PrinternizerOptionsFlow(OptionsFlow):
    """Options: this printer's cost and polling settings, or the settings all printers share."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to edit."""
        return self.async_show_menu(step_id="init", menu_options=["printer", "shared"])

    async def async_step_printer(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Power, energy sensor, machine rate, category, downloads, polling."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        options = self.config_entry.options
        fields: dict[Any, Any] = {
            vol.Optional(
                CONF_POWER_WATTS, default=options.get(CONF_POWER_WATTS, DEFAULT_POWER_WATTS)
            ): NumberSelector(
                NumberSelectorConfig(
                    min=0, max=5000, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="W"
                )
            ),
            vol.Optional(CONF_ENERGY_SENSOR): EntitySelector(
                EntitySelectorConfig(domain="sensor", device_class="energy")
            ),
            vol.Optional(
                CONF_MACHINE_RATE, default=options.get(CONF_MACHINE_RATE, 0)
            ): NumberSelector(
                NumberSelectorConfig(
                    min=0,
                    max=1000,
                    step=0.01,
                    mode=NumberSelectorMode.BOX,
                    unit_of_measurement="EUR/h",
                )
            ),
            vol.Optional(
                CONF_DEFAULT_CATEGORY, default=options.get(CONF_DEFAULT_CATEGORY, CATEGORY_PRIVATE)
            ): SelectSelector(
                SelectSelectorConfig(options=list(CATEGORIES), translation_key="category")
            ),
            vol.Optional(
                CONF_AUTO_DOWNLOAD, default=options.get(CONF_AUTO_DOWNLOAD, True)
            ): BooleanSelector(),
            vol.Optional(
                CONF_FILE_REFRESH_MINUTES,
                default=options.get(CONF_FILE_REFRESH_MINUTES, DEFAULT_FILE_REFRESH_MINUTES),
            ): NumberSelector(
                NumberSelectorConfig(
                    min=1, max=1440, mode=NumberSelectorMode.BOX, unit_of_measurement="min"
                )
            ),
        }
        if self.config_entry.data[CONF_PRINTER_TYPE] == PRINTER_TYPE_PRUSA:
            fields[
                vol.Optional(
                    CONF_POLL_PRINTING,
                    default=options.get(CONF_POLL_PRINTING, DEFAULT_POLL_PRINTING),
                )
            ] = NumberSelector(
                NumberSelectorConfig(
                    min=2, max=300, mode=NumberSelectorMode.BOX, unit_of_measurement="s"
                )
            )
            fields[
                vol.Optional(CONF_POLL_IDLE, default=options.get(CONF_POLL_IDLE, DEFAULT_POLL_IDLE))
            ] = NumberSelector(
                NumberSelectorConfig(
                    min=5, max=3600, mode=NumberSelectorMode.BOX, unit_of_measurement="s"
                )
            )
        schema = self.add_suggested_values_to_schema(vol.Schema(fields), dict(options))
        return self.async_show_form(step_id="printer", data_schema=schema)

    async def async_step_shared(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Prices, tariff, VAT, Kleinunternehmer, download folder and limits for all printers."""
        store = self.hass.data[DATA_SHARED].settings
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                await store.async_update(user_input)
            except HomeAssistantError as err:
                errors["base"] = err.translation_key or "invalid_setting"
            else:
                return self.async_create_entry(data=dict(self.config_entry.options))
        current = store.settings.as_dict()
        schema = vol.Schema(
            {
                vol.Optional("material_prices"): ObjectSelector(),
                vol.Optional("default_material_price"): NumberSelector(
                    NumberSelectorConfig(
                        min=0, step=0.01, mode=NumberSelectorMode.BOX, unit_of_measurement="EUR/kg"
                    )
                ),
                vol.Optional("electricity_price"): NumberSelector(
                    NumberSelectorConfig(
                        min=0,
                        step="any",
                        mode=NumberSelectorMode.BOX,
                        unit_of_measurement="EUR/kWh",
                    )
                ),
                vol.Optional("vat_rate"): NumberSelector(
                    NumberSelectorConfig(
                        min=0,
                        max=100,
                        step=0.1,
                        mode=NumberSelectorMode.BOX,
                        unit_of_measurement="%",
                    )
                ),
                vol.Optional("small_business"): BooleanSelector(),
                vol.Optional("download_dir"): str,
                vol.Optional("max_download_mb"): NumberSelector(
                    NumberSelectorConfig(
                        min=1, max=100000, mode=NumberSelectorMode.BOX, unit_of_measurement="MB"
                    )
                ),
                vol.Optional("retention_years"): NumberSelector(
                    NumberSelectorConfig(min=0, max=30, mode=NumberSelectorMode.BOX)
                ),
            }
        )
        return self.async_show_form(
            step_id="shared",
            data_schema=self.add_suggested_values_to_schema(schema, current),
            errors=errors,
        )
