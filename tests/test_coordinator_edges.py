"""Coordinator edges against the simulators: refresh, refused commands, setup retries, thumbnails."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.translation import async_get_translations
import pytest

from custom_components.printernizer.const import DOMAIN
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_bambu import setup, wait_for
from tests.test_prusa import poll

PLAIN_GCODE = b"; plain file without any preview\nG28\nG1 X10 Y10\nM84\n"


async def press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call("button", "press", {"entity_id": entity_id}, blocking=True)


async def test_bambu_refresh_asks_for_version_and_full_state(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """The refresh button sends get_version and, when not throttled, pushall."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    client = entry.runtime_data.coordinator.client
    client.pushall_min_interval = 0.0
    bambu_sim.requests.clear()
    await press(hass, "button.workshop_p1s_refresh")
    await wait_for(hass, lambda: len(bambu_sim.requests) >= 2)
    sent = [
        (category, body.get("command"))
        for request in bambu_sim.requests
        for category, body in request.items()
        if isinstance(body, dict)
    ]
    assert ("info", "get_version") in sent
    assert ("pushing", "pushall") in sent


async def test_bambu_refresh_is_throttled_on_p1(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Right after connecting, a P1S refresh asks only for the version (pushall is throttled)."""
    await setup(hass, bambu_entry(bambu_sim))
    bambu_sim.requests.clear()
    await press(hass, "button.workshop_p1s_refresh")
    await wait_for(hass, lambda: len(bambu_sim.requests) >= 1)
    commands = [body.get("command") for r in bambu_sim.requests for body in r.values()]
    assert commands == ["get_version"]


async def test_bambu_refused_command_is_a_translated_error(
    hass: HomeAssistant, bambu_sim: BambuSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command answered with a non-success result becomes 'command_failed' with the reason."""
    await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.start_job("cube")
    await wait_for(hass, lambda: hass.states.get("sensor.workshop_p1s_status").state == "printing")
    original = bambu_sim._handle_request

    async def refuse(category: str, body: dict[str, Any]) -> None:
        if category == "print" and body.get("command") == "pause":
            await bambu_sim._publish({category: {**body, "result": "failed", "reason": "busy"}})
            return
        await original(category, body)

    monkeypatch.setattr(bambu_sim, "_handle_request", refuse)
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, "button.workshop_p1s_pause")
    assert err.value.translation_key == "command_failed"
    assert err.value.translation_placeholders["command"] == "pause"
    assert "busy" in err.value.translation_placeholders["error"]
    assert bambu_sim.state["gcode_state"] == "RUNNING"  # nothing was paused


async def german(hass: HomeAssistant, key: str, placeholders: dict[str, str]) -> str:
    """The text the frontend of a German Home Assistant shows for a translated error."""
    texts = await async_get_translations(hass, "de", "exceptions", {DOMAIN})
    return texts[f"component.{DOMAIN}.exceptions.{key}.message"].format(**placeholders)


async def test_bambu_broker_down_at_setup_retries(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """No broker at setup: the entry is retried later, its reason translated."""
    await bambu_sim.stop_broker()
    entry = bambu_entry(bambu_sim)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "printer_unreachable"
    placeholders = entry.error_reason_translation_placeholders
    assert placeholders["printer"] == "Workshop P1S"
    assert placeholders["error"].startswith(f"cannot connect to 127.0.0.1:{bambu_sim.mqtt_port}")
    assert entry.reason == f"Workshop P1S cannot be reached: {placeholders['error']}"
    assert await german(hass, entry.error_reason_translation_key, placeholders) == (
        f"Workshop P1S ist nicht erreichbar: {placeholders['error']}"
    )


async def test_prusa_offline_at_setup_retries(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> None:
    """PrusaLink not answering at setup: the entry is retried later, its reason translated."""
    prusa_sim.offline = True
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "printer_unreachable"
    assert entry.error_reason_translation_placeholders["printer"] == "Core One"
    assert entry.reason.startswith("Core One cannot be reached: ")


@pytest.mark.parametrize("family", ["bambu", "prusa"])
async def test_refused_credentials_at_setup_ask_for_new_ones(
    hass: HomeAssistant, bambu_sim: BambuSimulator, prusa_sim: PrusaLinkSimulator, family: str
) -> None:
    """A wrong code or password at setup: reauthentication, and a translated reason."""
    if family == "bambu":
        entry, title = bambu_entry(bambu_sim), "Workshop P1S"
        bambu_sim.access_code = "87654321"
    else:
        entry, title = prusa_entry(prusa_sim), "Core One"
        prusa_sim.password = "changed-on-the-printer"
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "printer_auth_failed"
    assert entry.error_reason_translation_placeholders == {"printer": title}
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [(f["context"]["source"], f["context"]["entry_id"]) for f in flows] == [
        (SOURCE_REAUTH, entry.entry_id)
    ]
    assert (await german(hass, "printer_auth_failed", {"printer": title})).startswith(
        f"{title} hat den Zugangscode oder das Passwort abgelehnt."
    )


async def test_prusa_refresh_rereads_the_job(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """A poll right after reading the job skips it; the refresh button reads it again."""
    await setup(hass, prusa_entry(prusa_sim))
    prusa_sim.start_job()
    await poll(hass, freezer, 30)
    prusa_sim.requests.clear()
    await poll(hass, freezer, 10)
    assert [r[2] for r in prusa_sim.requests].count("/api/v1/job") == 0
    prusa_sim.set_progress(55.0)
    prusa_sim.requests.clear()
    await press(hass, "button.core_one_refresh")
    paths = [r[2] for r in prusa_sim.requests]
    assert paths.count("/api/v1/job") == 1
    assert paths.count("/api/v1/status") == 1
    assert float(hass.states.get("sensor.core_one_progress").state) == 55.0


async def test_prusa_stop_cancels_the_job(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """The stop button cancels the current job on the printer and the status follows."""
    await setup(hass, prusa_entry(prusa_sim))
    job_id = prusa_sim.start_job()
    await poll(hass, freezer, 30)
    await press(hass, "button.core_one_stop")
    assert prusa_sim.state == "STOPPED"
    assert any(r[1] == "DELETE" and r[2] == f"/api/v1/job/{job_id}" for r in prusa_sim.requests)


async def test_prusa_thumbnail_missing_keeps_none(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """A job file without a preview: the printer answers 404 and no image is kept."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    coordinator = entry.runtime_data.coordinator
    key = prusa_sim.add_file("/usb/plain.gcode", PLAIN_GCODE)
    prusa_sim.start_job(key)
    await poll(hass, freezer, 30)
    assert hass.states.get("sensor.core_one_status").state == "printing"
    assert any(r[2].startswith("/thumb/l") for r in prusa_sim.requests)
    assert coordinator.thumbnail is None
    assert coordinator.thumbnail_updated is None


async def test_same_thumbnail_is_not_stored_twice(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """Setting the thumbnail it already shows changes neither the image nor its time stamp."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    coordinator = entry.runtime_data.coordinator
    prusa_sim.start_job()
    await poll(hass, freezer, 30)
    image, stamp = coordinator.thumbnail, coordinator.thumbnail_updated
    assert image is not None
    assert stamp is not None
    freezer.tick(5)
    coordinator.set_thumbnail(image)
    assert coordinator.thumbnail_updated == stamp
    coordinator.set_thumbnail(b"\x89PNG other")
    assert coordinator.thumbnail == b"\x89PNG other"
    assert coordinator.thumbnail_updated != stamp
