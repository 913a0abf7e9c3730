"""Config flow: add a Bambu Lab or Prusa printer (by hand, by scan, by DHCP), reauth, reconfigure.

Every step that talks to a printer ends in a form error, never in a traceback on the user's
screen: known failures by their own key, anything unexpected as `unknown` (logged once with
its traceback), and the same flow can then be completed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol
from yarl import URL

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
    CONF_ACCESS_CODE,
    CONF_API_KEY,
    CONF_CAMERA_PORT,
    CONF_FTP_PORT,
    CONF_PRINTER_TYPE,
    CONF_SERIAL,
    CONF_TLS_FINGERPRINT,
    DEFAULT_BAMBU_PORT,
    DEFAULT_FTP_PORT,
    DEFAULT_PRUSA_PORT,
    DEFAULT_PRUSA_USERNAME,
    DEFAULT_SSDP_PORT,
    DOMAIN,
    LOGGER,
    PRINTER_TYPE_BAMBU,
    PRINTER_TYPE_PRUSA,
)
from .migrate import EXTERNAL_SPOOL_KEYS_VERSION
from .options_flow import PrinternizerOptionsFlow

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

# How long "scan the network" listens for printer announcements (they come every ~5 s).
SCAN_SECONDS = 6.0
SSDP_PORT = DEFAULT_SSDP_PORT
# Validation waits this long for the printer's first full report.
VALIDATION_TIMEOUT = 15.0

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PORT = NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX))


class CannotConnect(HomeAssistantError):
    """Validation failed; `reason` is the form error key, shown at `field`."""

    def __init__(self, reason: str, field: str = "base") -> None:
        """Keep the error key and the form field it belongs to."""
        super().__init__(reason)
        self.reason = reason
        self.field = field


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


async def validate_prusa(hass: HomeAssistant, data: Mapping[str, Any]) -> PrinterInfo:
    """Read /api/version and /api/v1/info with the given credentials."""
    if not data.get(CONF_PASSWORD) and not data.get(CONF_API_KEY):
        raise CannotConnect("missing_credentials")
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


def _prusa_title(info: PrinterInfo, host: str) -> str:
    """The name the user gave the printer, else "Prusa <model> <last 4 of the serial>".

    The same pattern as "Bambu Lab P1S 0001"; without a reported model the hostname.
    """
    if info.name:
        return info.name
    if info.model:
        return " ".join(part for part in ("Prusa", info.model, (info.serial or "")[-4:]) if part)
    return info.hostname or f"Prusa {host}"


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
            # empty: the model's own (6000 for the P1/A1 chamber image, 322 for RTSPS)
            vol.Optional(CONF_CAMERA_PORT): PORT,
        }
    )


def _prusa_credentials() -> dict[Any, Any]:
    """User and password (or API key) of PrusaLink, asked by every Prusa step."""
    return {
        vol.Optional(CONF_USERNAME, default=DEFAULT_PRUSA_USERNAME): str,
        vol.Optional(CONF_PASSWORD): PASSWORD,
        vol.Optional(CONF_API_KEY): PASSWORD,
    }


def _prusa_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=""): str,
            vol.Optional(CONF_PORT, default=DEFAULT_PRUSA_PORT): PORT,
            **_prusa_credentials(),
        }
    )


def _with_port(data: dict[str, Any]) -> dict[str, Any]:
    """Ports from number selectors arrive as floats; a `host:port` wins over the port field.

    A host no URL can carry ("printer local") is the form error `invalid_host` at the host field.
    """
    host = str(data[CONF_HOST]).strip().removeprefix("http://").rstrip("/")
    if ":" in host and host.rsplit(":", 1)[1].isdigit():
        host, port = host.rsplit(":", 1)
        data[CONF_PORT] = int(port)
    data[CONF_HOST] = host
    ports = (CONF_PORT, CONF_FTP_PORT, CONF_CAMERA_PORT)
    for key in ports:
        if key in data:
            data[key] = int(data[key])
    try:
        if not host or not all(0 < data[k] < 65536 for k in ports if k in data):
            raise ValueError(f"{host!r} with port {data.get(CONF_PORT)}")
        URL.build(scheme="http", host=host)  # refuses "printer local", "a/b", ...
    except ValueError as err:
        raise CannotConnect("invalid_host", field=CONF_HOST) from err
    return data


class PrinternizerConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a printer: Bambu Lab (scan or manual) or Prusa (PrusaLink, by hand or discovered)."""

    VERSION = 1
    MINOR_VERSION = EXTERNAL_SPOOL_KEYS_VERSION

    def __init__(self) -> None:
        """Remember discovered printers between steps."""
        self._discovered: dict[str, DiscoveredPrinter] = {}
        self._selected: DiscoveredPrinter | None = None
        self._dhcp_host = ""
        self._dhcp_mac = ""

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
        errors = {"base": "no_printers_found"}
        try:
            found = await async_discover(timeout=SCAN_SECONDS, port=SSDP_PORT)
        except OSError as err:
            LOGGER.warning("Network scan failed: %s", err)
            found = []
        except Exception:
            LOGGER.exception("Unexpected error scanning the network")
            found = []
            errors["base"] = "unknown"
        self._async_update_moved_printers(found)
        configured = self._async_current_ids(include_ignore=False)
        self._discovered = {p.serial: p for p in found if p.serial not in configured}
        if not self._discovered:
            return self.async_show_form(
                step_id="bambu_manual",
                data_schema=_bambu_manual_schema({}),
                errors=errors,
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
                fingerprint, info = await validate_bambu(data)
            except CannotConnect as err:
                errors[err.field] = err.reason
            except Exception:
                LOGGER.exception("Unexpected error adding %s", printer.host)
                errors["base"] = "unknown"
            else:
                return self._async_create_bambu(data, fingerprint, info, printer.name)
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
            serial = str(user_input[CONF_SERIAL]).strip().upper()
            await self.async_set_unique_id(serial)
            self._abort_if_unique_id_configured()
            try:
                data = _with_port({**user_input, CONF_SERIAL: serial})
                fingerprint, info = await validate_bambu(data)
            except CannotConnect as err:
                errors[err.field] = err.reason
            except Exception:
                LOGGER.exception("Unexpected error adding %s", serial)
                errors["base"] = "unknown"
            else:
                return self._async_create_bambu(data, fingerprint, info, None)
        return self.async_show_form(
            step_id="bambu_manual",
            data_schema=self.add_suggested_values_to_schema(
                _bambu_manual_schema({}), user_input or {}
            ),
            errors=errors,
        )

    @callback
    def _async_create_bambu(
        self,
        data: dict[str, Any],
        fingerprint: str | None,
        info: PrinterInfo | None,
        name: str | None,
    ) -> ConfigFlowResult:
        data = {**data, CONF_PRINTER_TYPE: PRINTER_TYPE_BAMBU, CONF_TLS_FINGERPRINT: fingerprint}
        model = info.model if info else None
        title = name or f"Bambu Lab {model or ''} {data[CONF_SERIAL][-4:]}".replace("  ", " ")
        return self.async_create_entry(title=title.strip(), data=data)

    async def async_step_prusa(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Host and PrusaLink credentials (password, or an API key)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                data = _with_port(dict(user_input))
                info = await validate_prusa(self.hass, data)
            except CannotConnect as err:
                errors[err.field] = err.reason
            except Exception:
                LOGGER.exception("Unexpected error adding %s", user_input[CONF_HOST])
                errors["base"] = "unknown"
            else:
                return await self._async_create_prusa(data, info)
        return self.async_show_form(
            step_id="prusa",
            data_schema=self.add_suggested_values_to_schema(_prusa_schema(), user_input or {}),
            errors=errors,
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A Prusa printer (MAC prefix 10:9C:70) asked the network for an address.

        A printer already set up is not offered again: known by its MAC (a new address is
        stored), or by its address.
        """
        mac = format_mac(discovery_info.macaddress)
        host = discovery_info.ip
        for entry in self._async_current_entries(include_ignore=False):
            if entry.data.get(CONF_MAC) == mac:
                if entry.data.get(CONF_HOST) != host:
                    LOGGER.info("%s moved to %s", entry.title, host)
                    self._async_update_and_reload(entry, {**entry.data, CONF_HOST: host})
                return self.async_abort(reason="already_configured")
        self._async_abort_entries_match({CONF_HOST: host})
        await self.async_set_unique_id(mac)
        self._abort_if_unique_id_configured()
        self._dhcp_host, self._dhcp_mac = host, mac
        self.context["title_placeholders"] = {"name": discovery_info.hostname or host}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in to the discovered Prusa printer."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                data = _with_port({**user_input, CONF_HOST: self._dhcp_host})
                info = await validate_prusa(self.hass, data)
            except CannotConnect as err:
                errors[err.field] = err.reason
            except Exception:
                LOGGER.exception("Unexpected error adding %s", self._dhcp_host)
                errors["base"] = "unknown"
            else:
                return await self._async_create_prusa({**data, CONF_MAC: self._dhcp_mac}, info)
        schema = vol.Schema(
            {vol.Optional(CONF_PORT, default=DEFAULT_PRUSA_PORT): PORT, **_prusa_credentials()}
        )
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            description_placeholders={
                "host": self._dhcp_host,
                **self.context["title_placeholders"],
            },
            errors=errors,
        )

    async def _async_create_prusa(
        self, data: dict[str, Any], info: PrinterInfo
    ) -> ConfigFlowResult:
        """One entry per printer (its serial); a discovered one updates the address it knew."""
        await self.async_set_unique_id(info.serial or data[CONF_HOST])
        updates = (
            {CONF_HOST: data[CONF_HOST], CONF_MAC: data[CONF_MAC]} if CONF_MAC in data else None
        )
        self._abort_if_unique_id_configured(updates=updates, reload_on_update=False)
        return self.async_create_entry(
            title=_prusa_title(info, data[CONF_HOST]),
            data={**data, CONF_PRINTER_TYPE: PRINTER_TYPE_PRUSA},
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
                errors[err.field] = err.reason
            except Exception:
                LOGGER.exception("Unexpected error signing in to %s", entry.title)
                errors["base"] = "unknown"
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
            info: PrinterInfo | None = None
            try:
                # a camera port left empty means the model's standard one again
                kept = {k: v for k, v in entry.data.items() if k != CONF_CAMERA_PORT}
                data = _with_port({**kept, **user_input})
                if bambu:
                    data[CONF_TLS_FINGERPRINT] = None
                    data[CONF_TLS_FINGERPRINT], _ = await validate_bambu(data)
                else:
                    info = await validate_prusa(self.hass, data)
            except CannotConnect as err:
                errors[err.field] = err.reason
            except Exception:
                LOGGER.exception("Unexpected error reconfiguring %s", entry.title)
                errors["base"] = "unknown"
            else:
                if info is not None:
                    await self.async_set_unique_id(info.serial or data[CONF_HOST])
                    self._abort_if_unique_id_mismatch(reason="wrong_printer")
                return self._async_update_and_abort(entry, data, "reconfigure_successful")
        if bambu:
            schema = vol.Schema(
                {
                    vol.Required(CONF_HOST): str,
                    vol.Required(CONF_ACCESS_CODE): PASSWORD,
                    vol.Optional(CONF_PORT): PORT,
                    vol.Optional(CONF_FTP_PORT): PORT,
                    vol.Optional(CONF_CAMERA_PORT): PORT,
                }
            )
        else:
            schema = _prusa_schema()
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
        """Store new data; a loaded entry reloads through its update listener, others here.

        The state is read before the update: the listener's reload starts at once.
        """
        loaded = entry.state is ConfigEntryState.LOADED
        if not self.hass.config_entries.async_update_entry(entry, data=dict(data)) or not loaded:
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
