"""Printers that are off or refuse their code: services and buttons answer with translated errors.

What a user saw before: "unknown error" in the UI and a traceback in the log for
`refresh_files` / `download_file`, and no reauthentication when a command was refused.
"""

from __future__ import annotations

import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.printernizer.const import DOMAIN
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_bambu import setup
from tests.test_prusa import poll


async def call(hass: HomeAssistant, service: str, **data: object) -> dict:
    """Call a Printernizer service and return its response."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call("button", "press", {"entity_id": entity_id}, blocking=True)


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """The entry ids of the reauthentication flows in progress."""
    return [
        flow["context"]["entry_id"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH and flow["context"]["entry_id"]
    ]


def our_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records of this integration that carry a traceback."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components.printernizer") and r.exc_info
    ]


@pytest.fixture(autouse=True)
def _capture_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.printernizer")


# --------------------------------------------------------------------------- services


@pytest.mark.parametrize("service", ["refresh_files", "download_file"])
async def test_prusa_offline_is_unreachable(
    hass: HomeAssistant,
    prusa_sim: PrusaLinkSimulator,
    caplog: pytest.LogCaptureFixture,
    service: str,
) -> None:
    """The printer stops answering: the printer's name and the reason, not "unknown error"."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.offline = True
    data = {"path": "/usb/part.bgcode"} if service == "download_file" else {}
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, service, config_entry_id=entry.entry_id, **data)
    assert type(err.value) is HomeAssistantError
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "printer_unreachable"
    assert err.value.translation_placeholders["printer"] == "Core One"
    assert err.value.translation_placeholders["error"]
    assert str(err.value).startswith("Core One cannot be reached: ")
    assert our_tracebacks(caplog) == []
    assert reauth_flows(hass, entry) == []


@pytest.mark.parametrize("service", ["refresh_files", "download_file"])
async def test_bambu_switched_off_is_unreachable(
    hass: HomeAssistant,
    bambu_sim: BambuSimulator,
    caplog: pytest.LogCaptureFixture,
    service: str,
) -> None:
    """MQTT and FTPS are gone: the file services say so in words."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.stop()
    data = {"path": "/cache/cube.gcode.3mf"} if service == "download_file" else {}
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, service, config_entry_id=entry.entry_id, **data)
    assert err.value.translation_key == "printer_unreachable"
    assert err.value.translation_placeholders["printer"] == "Workshop P1S"
    assert "FTPS" in err.value.translation_placeholders["error"]
    assert our_tracebacks(caplog) == []


async def test_prusa_refused_password_starts_reauth(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A changed password: the service says so and Home Assistant asks for the new one."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.password = "changed-on-the-printer"
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "refresh_files", config_entry_id=entry.entry_id)
    assert err.value.translation_key == "printer_auth_failed"
    assert err.value.translation_placeholders == {"printer": "Core One"}
    await hass.async_block_till_done()
    assert reauth_flows(hass, entry) == [entry.entry_id]
    assert our_tracebacks(caplog) == []


async def test_bambu_refused_code_starts_reauth(
    hass: HomeAssistant, bambu_sim: BambuSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """LAN mode toggled (a new access code): FTPS refuses it, reauthentication starts."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    bambu_sim.access_code = "87654321"
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "download_file", config_entry_id=entry.entry_id, path="/cube.3mf")
    assert err.value.translation_key == "printer_auth_failed"
    assert err.value.translation_placeholders == {"printer": "Workshop P1S"}
    await hass.async_block_till_done()
    assert reauth_flows(hass, entry) == [entry.entry_id]
    assert our_tracebacks(caplog) == []


async def test_failed_download_is_an_error(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """Every try cut short: the caller gets `transfer_failed`, not a "failed" answer to miss."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    entry.runtime_data.files.retry_delay = 0.0
    await bambu_sim.put_file("/cache/big.gcode.3mf", b"x" * 300_000)
    bambu_sim.cut_transfer_after["/cache/big.gcode.3mf"] = 100_000
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass, "download_file", config_entry_id=entry.entry_id, path="/cache/big.gcode.3mf"
        )
    assert err.value.translation_key == "transfer_failed"
    assert err.value.translation_placeholders["printer"] == "Workshop P1S"
    assert "big.gcode.3mf" in err.value.translation_placeholders["error"]
    files = (await call(hass, "list_files", name_contains="big"))["files"]
    assert [f["status"] for f in files] == ["failed"]


async def test_refresh_of_all_printers_names_the_one_that_failed(
    hass: HomeAssistant, bambu_sim: BambuSimulator, prusa_sim: PrusaLinkSimulator
) -> None:
    """One printer off must not stop the others' refresh; the answer says which one failed."""
    bambu = await setup(hass, bambu_entry(bambu_sim))
    prusa = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.offline = True
    answer = await call(hass, "refresh_files")
    assert answer["printers"][bambu.entry_id]["total"] == len(await bambu_sim.list_files())
    error = answer["printers"][prusa.entry_id]["error"]
    assert error.startswith("Core One cannot be reached: ")


async def test_websocket_caller_reads_the_translated_error(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, hass_ws_client: WebSocketGenerator
) -> None:
    """What the UI gets: a Home Assistant error with our key and text, not "unknown_error"."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.offline = True
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "refresh_files",
            "service_data": {"config_entry_id": entry.entry_id},
            "return_response": True,
        }
    )
    answer = await client.receive_json()
    assert answer["success"] is False
    error = answer["error"]
    assert error["code"] == "home_assistant_error"
    assert error["translation_domain"] == DOMAIN
    assert error["translation_key"] == "printer_unreachable"
    assert error["translation_placeholders"]["printer"] == "Core One"
    assert error["message"].startswith("Core One cannot be reached: ")


# --------------------------------------------------------------------------- buttons


async def test_prusa_command_with_refused_password_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    prusa_sim: PrusaLinkSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stop while the printer refuses the password: translated, and reauthentication starts."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.start_job()
    await poll(hass, freezer, 30)
    prusa_sim.password = "changed-on-the-printer"
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, "button.core_one_stop")
    assert err.value.translation_key == "printer_auth_failed"
    await hass.async_block_till_done()
    assert reauth_flows(hass, entry) == [entry.entry_id]
    assert prusa_sim.state == "PRINTING"
    assert our_tracebacks(caplog) == []


async def test_prusa_refresh_button_reports_an_offline_printer(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """Refresh on a printer that does not answer is an error, not a silent nothing."""
    await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.offline = True
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, "button.core_one_refresh")
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "printer_unreachable"
    assert err.value.translation_placeholders["printer"] == "Core One"
    prusa_sim.offline = False
    await press(hass, "button.core_one_refresh")  # answers again: no error
