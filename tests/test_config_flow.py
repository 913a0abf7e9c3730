"""Config, reauth, reconfigure and options flows against the simulated printers."""

from __future__ import annotations

from collections.abc import Iterator
import logging
import socket
from typing import Any
from unittest.mock import patch

from aiohttp import web
from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer import config_flow
from custom_components.printernizer.api import PrinterFamily, PrinterInfo
from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.exceptions import service_error
from custom_components.printernizer.settings import SettingsStore
from tests.conftest import BAMBU_CODE, PRUSA_PASSWORD, bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator

pytestmark = pytest.mark.usefixtures("http_started")


@pytest.fixture
def mock_setup_entry() -> Iterator[None]:
    """Flow tests stop at the entry; loading it is tested elsewhere."""
    with patch("custom_components.printernizer.async_setup_entry", return_value=True):
        yield


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port nothing listens on."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _start(hass: HomeAssistant, *choices: str) -> dict:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    for choice in choices:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": choice}
        )
    return result


def assert_logged_once(caplog: pytest.LogCaptureFixture, text: str) -> None:
    """An unexpected error is logged exactly once, with its traceback."""
    records = [r for r in caplog.records if text in r.getMessage()]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert records[0].exc_info is not None


def suggested(result: Any, field: str) -> Any:
    """The value a form shows in `field` before the user types."""
    for key in result["data_schema"].schema:
        if key == field:
            return (key.description or {}).get("suggested_value")
    raise KeyError(field)


def _manual_input(sim: BambuSimulator, **override: object) -> dict:
    return {
        "host": sim.host,
        "serial": sim.serial,
        "access_code": BAMBU_CODE,
        "port": sim.mqtt_port,
        "ftp_port": sim.ftp_port,
        **override,
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_bambu_manual_recovers_from_wrong_code(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A wrong access code is reported, and the same flow then succeeds and pins the cert."""
    result = await _start(hass, "bambu", "bambu_manual")
    assert result["step_id"] == "bambu_manual"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _manual_input(bambu_sim, access_code="87654321")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _manual_input(bambu_sim)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == bambu_sim.serial
    assert result["data"] == {
        "printer_type": "bambu",
        "host": "127.0.0.1",
        "serial": bambu_sim.serial,
        "access_code": BAMBU_CODE,
        "port": bambu_sim.mqtt_port,
        "ftp_port": bambu_sim.ftp_port,
        "tls_fingerprint": bambu_sim.fingerprint,
    }
    assert result["title"] == "Bambu Lab P1S 0001"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_bambu_manual_cannot_connect_and_timeout(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Nothing listening → cannot_connect; a printer that never reports → timeout."""
    result = await _start(hass, "bambu", "bambu_manual")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _manual_input(bambu_sim, port=free_port())
    )
    assert result["errors"] == {"base": "cannot_connect"}

    # A wrong serial: the broker accepts us, but nothing is ever published on that topic.
    with patch.object(config_flow, "VALIDATION_TIMEOUT", 1.5):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _manual_input(bambu_sim, serial="01P00A999999999")
        )
    assert result["errors"] == {"base": "timeout"}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_bambu_already_configured(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """The same serial cannot be added twice."""
    bambu_entry(bambu_sim).add_to_hass(hass)
    result = await _start(hass, "bambu", "bambu_manual")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _manual_input(bambu_sim)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("mock_setup_entry", "socket_enabled")
async def test_bambu_scan_finds_the_printer(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """The network scan lists the announcing printer; its access code completes the entry.

    A wrong code and an unexpected error are form errors of the same step.
    """
    ssdp_port = free_port(socket.SOCK_DGRAM)
    async with BambuSimulator(
        serial="01P00A000000077", access_code=BAMBU_CODE, ssdp_port=ssdp_port, name="Garage P1S"
    ) as sim:
        with (
            patch.object(config_flow, "SSDP_PORT", ssdp_port),
            patch.object(config_flow, "SCAN_SECONDS", 1.5),
        ):
            result = await _start(hass, "bambu", "bambu_scan")
        assert result["step_id"] == "bambu_scan"
        options = result["data_schema"].schema["serial"].config["options"]
        assert [o["value"] for o in options] == ["01P00A000000077"]
        assert "Garage P1S" in options[0]["label"]

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"serial": "01P00A000000077"}
        )
        assert result["step_id"] == "bambu_access_code"
        # The announcement carries the default port; point the entry at the simulator's.
        with patch.object(config_flow, "DEFAULT_BAMBU_PORT", sim.mqtt_port):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {"access_code": "00000000"}
            )
            assert result["errors"] == {"base": "invalid_auth"}
            with patch.object(config_flow, "validate_bambu", side_effect=RuntimeError("boom")):
                result = await hass.config_entries.flow.async_configure(
                    result["flow_id"], {"access_code": BAMBU_CODE}
                )
            assert result["errors"] == {"base": "unknown"}
            assert_logged_once(caplog, "Unexpected error adding 127.0.0.1")
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {"access_code": BAMBU_CODE}
            )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Garage P1S"
    assert result["data"]["tls_fingerprint"] == sim.fingerprint
    assert result["data"]["host"] == "127.0.0.1"


@pytest.mark.usefixtures("mock_setup_entry", "socket_enabled")
async def test_bambu_scan_without_printers_offers_manual_entry(hass: HomeAssistant) -> None:
    """No announcement → the manual form with an explanation."""
    with (
        patch.object(config_flow, "SSDP_PORT", free_port(socket.SOCK_DGRAM)),
        patch.object(config_flow, "SCAN_SECONDS", 0.5),
    ):
        result = await _start(hass, "bambu", "bambu_scan")
    assert result["step_id"] == "bambu_manual"
    assert result["errors"] == {"base": "no_printers_found"}


@pytest.mark.usefixtures("mock_setup_entry", "socket_enabled")
async def test_bambu_scan_with_port_in_use(hass: HomeAssistant) -> None:
    """Another program holding the discovery port: the scan reports nothing and offers manual entry."""
    port = free_port(socket.SOCK_DGRAM)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as blocker:
        blocker.bind(("0.0.0.0", port))
        with (
            patch.object(config_flow, "SSDP_PORT", port),
            patch.object(config_flow, "SCAN_SECONDS", 0.2),
        ):
            result = await _start(hass, "bambu", "bambu_scan")
    assert result["step_id"] == "bambu_manual"
    assert result["errors"] == {"base": "no_printers_found"}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_prusa_digest_and_errors(hass: HomeAssistant, prusa_sim: PrusaLinkSimulator) -> None:
    """Missing credentials and a wrong password are reported; Digest login then succeeds."""
    result = await _start(hass, "prusa")
    base = {"host": f"{prusa_sim.host}:{prusa_sim.port}", "username": "maker"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], base)
    assert result["errors"] == {"base": "missing_credentials"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**base, "password": "wrong-password"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**base, "password": PRUSA_PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == prusa_sim.serial
    # like "Bambu Lab P1S 0001": the model PrusaLink reports and the serial's last four
    assert result["title"] == "Prusa Core One 7196"
    assert result["data"] == {
        "printer_type": "prusa",
        "host": "127.0.0.1",
        "port": prusa_sim.port,
        "username": "maker",
        "password": PRUSA_PASSWORD,
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_prusa_api_key(hass: HomeAssistant, prusa_sim: PrusaLinkSimulator) -> None:
    """An API key alone is enough (Buddy accepts the PrusaLink password as X-Api-Key)."""
    result = await _start(hass, "prusa")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": prusa_sim.host, "port": prusa_sim.port, "api_key": PRUSA_PASSWORD},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["api_key"] == PRUSA_PASSWORD
    assert "password" not in result["data"]


@pytest.mark.usefixtures("mock_setup_entry", "socket_enabled")
async def test_prusa_not_prusalink_and_cannot_connect(hass: HomeAssistant) -> None:
    """A web server that is not PrusaLink, and a closed port."""

    async def router_page(_: web.Request) -> web.Response:
        return web.Response(text="<html>router</html>")

    app = web.Application()
    app.router.add_get("/{tail:.*}", router_page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        result = await _start(hass, "prusa")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": "127.0.0.1", "port": port, "password": "x" * 8}
        )
        assert result["errors"] == {"base": "not_prusalink"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": "127.0.0.1", "port": free_port(), "password": "x" * 8}
        )
        assert result["errors"] == {"base": "cannot_connect"}
    finally:
        await runner.cleanup()


async def test_bambu_reauth_for_loaded_entry(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A changed access code fails setup, starts reauth, and the new code brings it back."""
    entry = bambu_entry(bambu_sim, access_code="00000000")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR

    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"access_code": "00000001"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"access_code": BAMBU_CODE}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["access_code"] == BAMBU_CODE
    assert entry.state is ConfigEntryState.LOADED


async def test_prusa_reauth(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A changed PrusaLink password starts reauth; after an unexpected error the new one works."""
    entry = prusa_entry(prusa_sim, password="old-password")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    result = await entry.start_reauth_flow(hass)
    with patch.object(config_flow, "validate_prusa", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"password": PRUSA_PASSWORD}
        )
    assert result["errors"] == {"base": "unknown"}
    assert_logged_once(caplog, "Unexpected error signing in to Core One")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": PRUSA_PASSWORD}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["password"] == PRUSA_PASSWORD


@pytest.mark.usefixtures("mock_setup_entry")
async def test_bambu_reconfigure_repins_certificate(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Reconfigure trusts the certificate the printer shows now."""
    entry = bambu_entry(bambu_sim, tls_fingerprint="00" * 32)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": "127.0.0.1", "access_code": BAMBU_CODE, "port": bambu_sim.mqtt_port},
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["tls_fingerprint"] == bambu_sim.fingerprint
    await hass.async_block_till_done()


@pytest.mark.usefixtures("mock_setup_entry")
async def test_prusa_reconfigure_rejects_other_printer(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Reconfigure to an address of a different printer aborts; the right one updates.

    A malformed host and an unexpected error are form errors the same flow recovers from.
    """
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    async with PrusaLinkSimulator(serial="OTHER-1", password=PRUSA_PASSWORD) as other:
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"host": other.host, "port": other.port, "password": PRUSA_PASSWORD},
        )
        assert result["reason"] == "wrong_printer"
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": prusa_sim.host, "port": prusa_sim.port, "password": "not-the-password"},
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "printer local", "password": PRUSA_PASSWORD}
    )
    assert result["errors"] == {"host": "invalid_host"}
    with patch.object(config_flow, "validate_prusa", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"host": prusa_sim.host, "port": prusa_sim.port, "password": PRUSA_PASSWORD},
        )
    assert result["errors"] == {"base": "unknown"}
    assert_logged_once(caplog, "Unexpected error reconfiguring Core One")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": prusa_sim.host, "port": prusa_sim.port, "password": PRUSA_PASSWORD},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()


async def test_options_printer_and_shared_settings(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """Per-printer options go to the entry; shared settings to the settings store."""
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "printer"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "power_watts": 120,
            "machine_rate": 1.5,
            "default_category": "business",
            "auto_download": False,
            "file_refresh_minutes": 30,
            "poll_interval_printing": 5,
            "poll_interval_idle": 60,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["power_watts"] == 120
    assert entry.options["default_category"] == "business"
    assert entry.runtime_data.coordinator.update_interval.total_seconds() == 60

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "shared"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"material_prices": {"PLA": -1}}
    )
    assert result["errors"] == {"material_prices": "negative_amount"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"vat_rate": 7, "electricity_price": 0.32, "material_prices": {"PLA": 22}},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    response = await hass.services.async_call(
        DOMAIN, "get_settings", {}, blocking=True, return_response=True
    )
    assert response["vat_rate"] == 7
    assert response["electricity_price"] == 0.32
    assert response["material_prices"]["PLA"] == 22
    assert isinstance(entry, MockConfigEntry)


@pytest.mark.usefixtures("socket_enabled")
async def test_scan_updates_the_address_of_a_moved_printer(hass: HomeAssistant) -> None:
    """A configured printer announcing a new address gets the address stored."""
    ssdp_port = free_port(socket.SOCK_DGRAM)
    async with BambuSimulator(access_code=BAMBU_CODE, ssdp_port=ssdp_port) as sim:
        entry = bambu_entry(sim, host="192.0.2.10")
        entry.add_to_hass(hass)
        with (
            patch.object(config_flow, "SSDP_PORT", ssdp_port),
            patch.object(config_flow, "SCAN_SECONDS", 1.5),
        ):
            result = await _start(hass, "bambu", "bambu_scan")
        assert result["errors"] == {"base": "no_printers_found"}
        assert entry.data["host"] == "127.0.0.1"
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        await hass.config_entries.async_unload(entry.entry_id)


# --------------------------------------------------------------------------- defect 4: bad input


@pytest.mark.usefixtures("mock_setup_entry")
async def test_prusa_malformed_host_is_a_field_error(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """ "printer local" crashed the flow (ValueError); now it is `invalid_host` at the host field."""
    result = await _start(hass, "prusa")
    for host in ("printer local", "127.0.0.1:99999", "   "):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": host, "password": PRUSA_PASSWORD}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"host": "invalid_host"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": f"http://{prusa_sim.host}:{prusa_sim.port}/", "password": PRUSA_PASSWORD},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == "127.0.0.1"
    assert result["data"]["port"] == prusa_sim.port


@pytest.mark.usefixtures("mock_setup_entry")
async def test_bambu_malformed_host_and_unexpected_error(
    hass: HomeAssistant, bambu_sim: BambuSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The manual Bambu step: `invalid_host`, then `unknown` (logged once), then the entry."""
    result = await _start(hass, "bambu", "bambu_manual")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _manual_input(bambu_sim, host="printer local")
    )
    assert result["errors"] == {"host": "invalid_host"}
    with patch.object(config_flow, "validate_bambu", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _manual_input(bambu_sim)
        )
    assert result["errors"] == {"base": "unknown"}
    assert_logged_once(caplog, f"Unexpected error adding {bambu_sim.serial}")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _manual_input(bambu_sim)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Bambu Lab P1S 0001"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_prusa_unexpected_error_is_unknown(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Anything unforeseen while validating is `unknown`, logged once; the flow still completes."""
    result = await _start(hass, "prusa")
    user_input = {"host": prusa_sim.host, "port": prusa_sim.port, "password": PRUSA_PASSWORD}
    with patch.object(config_flow, "validate_prusa", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["errors"] == {"base": "unknown"}
    assert_logged_once(caplog, "Unexpected error adding 127.0.0.1")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("mock_setup_entry", "socket_enabled")
async def test_bambu_scan_failure_is_unknown(
    hass: HomeAssistant, bambu_sim: BambuSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A scan that fails unexpectedly offers manual entry with `unknown`; that completes."""
    with patch.object(config_flow, "async_discover", side_effect=RuntimeError("boom")):
        result = await _start(hass, "bambu", "bambu_scan")
    assert result["step_id"] == "bambu_manual"
    assert result["errors"] == {"base": "unknown"}
    assert_logged_once(caplog, "Unexpected error scanning the network")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _manual_input(bambu_sim)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("info", "title"),
    [
        (PrinterInfo(family=PrinterFamily.PRUSA, name="Left MK3S", model="MK3S"), "Left MK3S"),
        (
            PrinterInfo(family=PrinterFamily.PRUSA, model="MK4S", serial="CZPX1234"),
            "Prusa MK4S 1234",
        ),
        (PrinterInfo(family=PrinterFamily.PRUSA, model="Core One"), "Prusa Core One"),
        (PrinterInfo(family=PrinterFamily.PRUSA, hostname="prusa-xl"), "prusa-xl"),
        (PrinterInfo(family=PrinterFamily.PRUSA), "Prusa 192.0.2.5"),
    ],
)
def test_prusa_title(info: PrinterInfo, title: str) -> None:
    """The user's name for the printer, else brand, model and serial like Bambu Lab's titles."""
    assert config_flow._prusa_title(info, "192.0.2.5") == title


# --------------------------------------------------------------------------- DHCP discovery

PRUSA_MAC = "10:9c:70:aa:bb:cc"


def dhcp(ip: str = "127.0.0.1", mac: str = "109c70aabbcc") -> DhcpServiceInfo:
    """What Home Assistant's DHCP watcher reports for a Prusa printer."""
    return DhcpServiceInfo(ip=ip, hostname="coreone-sim", macaddress=mac)


async def _discover(hass: HomeAssistant, info: DhcpServiceInfo) -> Any:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=info
    )


@pytest.mark.usefixtures("mock_setup_entry")
async def test_dhcp_discovery_adds_the_printer(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A Prusa MAC on the network is offered ("Discovered"); the password adds it with its MAC.

    A second announcement while the first is open is not offered twice; wrong credentials and
    an unexpected error are form errors the same flow recovers from.
    """
    result = await _discover(hass, dhcp())
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {"host": "127.0.0.1", "name": "coreone-sim"}
    flows = hass.config_entries.flow.async_progress()
    assert flows[0]["context"]["title_placeholders"] == {"name": "coreone-sim"}

    again = await _discover(hass, dhcp())
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_in_progress"

    user_input = {"port": prusa_sim.port, "username": "maker", "password": "wrong-password"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["errors"] == {"base": "invalid_auth"}
    user_input["password"] = PRUSA_PASSWORD
    with patch.object(config_flow, "validate_prusa", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["errors"] == {"base": "unknown"}
    assert_logged_once(caplog, "Unexpected error adding 127.0.0.1")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Prusa Core One 7196"
    assert result["result"].unique_id == prusa_sim.serial
    assert result["data"] == {
        "printer_type": "prusa",
        "host": "127.0.0.1",
        "port": prusa_sim.port,
        "username": "maker",
        "password": PRUSA_PASSWORD,
        "mac": PRUSA_MAC,
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_dhcp_does_not_offer_a_printer_set_up_by_address(hass: HomeAssistant) -> None:
    """A printer added by hand at the announced address is not offered again (nor changed)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="10589-0000",
        data={"printer_type": "prusa", "host": "192.0.2.20", "port": 80, "password": "x"},
    )
    entry.add_to_hass(hass)
    result = await _discover(hass, dhcp(ip="192.0.2.20"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert "mac" not in entry.data
    assert hass.config_entries.flow.async_progress() == []


@pytest.mark.usefixtures("mock_setup_entry")
async def test_dhcp_known_mac_at_the_same_address(hass: HomeAssistant) -> None:
    """The known printer announcing its known address: aborted, nothing changes."""
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id="10589-1111",
        data={"printer_type": "prusa", "host": "192.0.2.30", "mac": "10:9c:70:00:00:01"},
    )
    other.add_to_hass(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="10589-0000",
        data={"printer_type": "prusa", "host": "192.0.2.20", "mac": PRUSA_MAC},
    )
    entry.add_to_hass(hass)
    result = await _discover(hass, dhcp(ip="192.0.2.20"))
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == "192.0.2.20"
    assert other.data["host"] == "192.0.2.30"


async def test_dhcp_known_mac_with_a_new_address_updates_the_entry(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """A printer that got a new IP from DHCP has it stored and comes back (discovery-update-info)."""
    entry = prusa_entry(prusa_sim, host="192.0.2.10", mac=PRUSA_MAC)
    entry.add_to_hass(hass)
    result = await _discover(hass, dhcp(ip="127.0.0.1"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == "127.0.0.1"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("mock_setup_entry")
async def test_dhcp_printer_known_by_serial_gets_its_address_and_mac(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """Set up by host name before: once signed in, the serial matches and IP and MAC are stored."""
    entry = prusa_entry(prusa_sim, host="coreone.local")
    entry.add_to_hass(hass)
    result = await _discover(hass, dhcp())
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"port": prusa_sim.port, "password": PRUSA_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == "127.0.0.1"
    assert entry.data["mac"] == PRUSA_MAC
    assert entry.data["password"] == PRUSA_PASSWORD


@pytest.mark.usefixtures("mock_setup_entry")
async def test_dhcp_ignored_printer_is_not_offered(hass: HomeAssistant) -> None:
    """A discovered printer the user ignored stays ignored."""
    MockConfigEntry(domain=DOMAIN, unique_id=PRUSA_MAC, source="ignore", data={}).add_to_hass(hass)
    result = await _discover(hass, dhcp())
    assert result["reason"] == "already_configured"


# --------------------------------------------------------------------------- options


async def test_options_show_the_models_power_and_do_not_pin_it(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """The power field shows the P1S's 105 W (not 100 W); left there, nothing is stored.

    A changed value is stored; set back to the model's figure it is removed again, so a later
    correction of the model table reaches this printer.
    """
    entry = bambu_entry(bambu_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    async def printer_form() -> Any:
        result = await hass.config_entries.options.async_init(entry.entry_id)
        return await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "printer"}
        )

    result = await printer_form()
    assert suggested(result, "power_watts") == 105
    assert result["description_placeholders"] == {"power_watts": "105"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"power_watts": 105.0, "machine_rate": 0.5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert "power_watts" not in entry.options
    assert entry.options["machine_rate"] == 0.5

    result = await printer_form()
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"power_watts": 130}
    )
    await hass.async_block_till_done()
    assert entry.options["power_watts"] == 130
    result = await printer_form()
    assert suggested(result, "power_watts") == 130
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"power_watts": 105}
    )
    await hass.async_block_till_done()
    assert "power_watts" not in entry.options


@pytest.mark.parametrize(("model", "watts"), [("P1S", 105), ("A1 mini", 80), (None, 100)])
async def test_options_power_from_the_device_when_not_loaded(
    hass: HomeAssistant, model: str | None, watts: int
) -> None:
    """A printer that is not running: the model comes from its device in the registry."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="01P00A000000002",
        data={"printer_type": "bambu", "host": "192.0.2.40", "serial": "01P00A000000002"},
    )
    entry.add_to_hass(hass)
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, entry.unique_id)}, model=model
    )
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "printer"}
    )
    assert suggested(result, "power_watts") == watts


@pytest.mark.usefixtures("socket_enabled")
async def test_options_power_of_a_loaded_printer_without_model(hass: HomeAssistant) -> None:
    """A running Prusa whose firmware reports no type (before 6.5) gets the general 100 W."""
    async with PrusaLinkSimulator(password=PRUSA_PASSWORD, report_firmware=False) as sim:
        entry = prusa_entry(sim)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.runtime_data.coordinator.info.model is None
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "printer"}
        )
        assert suggested(result, "power_watts") == 100
        assert await hass.config_entries.async_unload(entry.entry_id)


async def _shared_form(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "shared"}
    )


async def test_shared_form_edits_the_whole_material_table(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """A material deleted in the form is gone (it stayed: the form merged); the service merges."""
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await _shared_form(hass, entry)
    assert suggested(result, "material_prices") == {"PLA": 25, "PETG": 28}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"material_prices": {"PLA": 22, "ASA": 31.5}}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    settings = await hass.services.async_call(
        DOMAIN, "get_settings", {}, blocking=True, return_response=True
    )
    assert settings["material_prices"] == {"PLA": 22, "ASA": 31.5}

    # An emptied table is an empty table: every material costs the default price.
    result = await _shared_form(hass, entry)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    settings = await hass.services.async_call(
        DOMAIN, "get_settings", {}, blocking=True, return_response=True
    )
    assert settings["material_prices"] == {}

    # update_settings still merges, and null removes one material.
    await hass.services.async_call(
        DOMAIN,
        "update_settings",
        {"material_prices": {"PETG": 28}},
        blocking=True,
        return_response=True,
    )
    await hass.services.async_call(
        DOMAIN,
        "update_settings",
        {"material_prices": {"TPU": 40, "PETG": None}},
        blocking=True,
        return_response=True,
    )
    settings = await hass.services.async_call(
        DOMAIN, "get_settings", {}, blocking=True, return_response=True
    )
    assert settings["material_prices"] == {"TPU": 40}


async def test_shared_form_errors_belong_to_their_fields(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Errors show at the field they are about; the form keeps what was typed; it then saves."""
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await _shared_form(hass, entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"material_prices": {"PLA": 20}, "download_dir": "relative/folder"}
    )
    assert result["errors"] == {"download_dir": "invalid_setting"}
    assert suggested(result, "download_dir") == "relative/folder"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"material_prices": ["PLA", 20]}
    )
    assert result["errors"] == {"material_prices": "invalid_setting"}

    # The folder check raises `download_dir_not_allowed` (placeholder `path`, no field name).
    not_allowed = service_error("download_dir_not_allowed", path="/etc/printernizer")
    with patch.object(SettingsStore, "async_update", side_effect=not_allowed):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"download_dir": "/etc/printernizer"}
        )
    assert result["errors"] == {"download_dir": "download_dir_not_allowed"}

    # An error naming no field of the form stays at the top.
    with patch.object(
        SettingsStore,
        "async_update",
        side_effect=service_error("invalid_setting", key="changes", value=1),
    ):
        result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "invalid_setting"}

    with patch.object(SettingsStore, "async_update", side_effect=OSError("disk full")):
        result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "unknown"}
    assert_logged_once(caplog, "Unexpected error saving the shared settings")

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"material_prices": {"PLA": 20}, "vat_rate": 7}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    settings = await hass.services.async_call(
        DOMAIN, "get_settings", {}, blocking=True, return_response=True
    )
    assert (settings["material_prices"], settings["vat_rate"]) == ({"PLA": 20}, 7)


async def test_reconfigure_reloads_a_running_printer(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """New credentials for a running printer: stored, and the printer reconnects with them."""
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    before = entry.runtime_data.coordinator
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": prusa_sim.host, "port": prusa_sim.port, "api_key": PRUSA_PASSWORD},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["api_key"] == PRUSA_PASSWORD
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator is not before
