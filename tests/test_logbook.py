"""The logbook tells a job's start and end in words, in the language Home Assistant is set to.

Through the real logbook: the recorder stores the bus events, `logbook/get_events` reads them
back through our describer, as the logbook panel does.
"""

from __future__ import annotations

import socket
from typing import Any

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.util import get_instance
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.printernizer.const import DOMAIN, EVENT_JOB_FINISHED, EVENT_JOB_STARTED
from custom_components.printernizer.logbook import duration_text, money_text
from tests.conftest import bambu_entry
from tests.simulators.bambu import BambuSimulator
from tests.test_bambu import setup, wait_for

# What the job tracker fires for a job of 1 h 5 min (DESIGN.md "Bus events").
JOB = {"job_id": 7, "device_id": "d1", "config_entry_id": "e1", "job_name": "bracket.bgcode"}
ENDED = {
    **JOB,
    "printer": "Core One",
    "duration_s": 3900,
    "material_g": 40.0,
    "energy_kwh": 0.1,
    "cost_net": 1.15,
    "cost_gross": 1.37,
    "currency": "EUR",
}


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """The logbook reads from the recorder, which must start before Home Assistant."""


@pytest.fixture(autouse=True)
async def _recorder(recorder_mock: Recorder, socket_enabled: None) -> None:
    """A recorder for every test here; the web server the logbook's frontend starts listens
    on a free port (not 8123, where a developer's Home Assistant may run)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def setup_logbook(hass: HomeAssistant) -> None:
    """Printernizer and the logbook, as on a running Home Assistant."""
    assert await async_setup_component(hass, DOMAIN, {})
    http = {"server_host": ["127.0.0.1"], "server_port": free_port()}
    assert await async_setup_component(hass, "http", {"http": http})
    assert await async_setup_component(hass, "logbook", {})
    await hass.async_block_till_done()


async def logbook(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> list[dict]:
    """Our entries of the logbook, oldest first, as the logbook panel receives them."""
    await hass.async_block_till_done()
    await get_instance(hass).async_block_till_done()
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "logbook/get_events", "start_time": "2000-01-01T00:00:00+00:00"}
    )
    answer = await client.receive_json()
    assert answer["success"]
    return [entry for entry in answer["result"] if entry.get("domain") == DOMAIN]


def fire_job_events(hass: HomeAssistant) -> None:
    hass.bus.async_fire(EVENT_JOB_STARTED, {**JOB, "printer": "Core One"})
    for status in ("finished", "failed", "cancelled"):
        hass.bus.async_fire(EVENT_JOB_FINISHED, {**ENDED, "status": status})


async def test_real_job_in_english(
    hass: HomeAssistant, bambu_sim: BambuSimulator, hass_ws_client: WebSocketGenerator
) -> None:
    """A cube printed on the simulated P1S: printer, job, status, duration and gross cost."""
    await setup_logbook(hass)
    entry = await setup(hass, bambu_entry(bambu_sim))
    await hass.services.async_call(
        DOMAIN,
        "update_settings",
        {"material_prices": {"PLA": 25}, "vat_rate": 19},
        blocking=True,
        return_response=True,
    )
    finished = async_capture_events(hass, EVENT_JOB_FINISHED)
    await bambu_sim.start_job("cube")
    await bambu_sim.progress(50)
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: entry.runtime_data.tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)

    # 12.34 g PLA at 25 EUR/kg = 0.31; seconds of energy and machine time round to 0; +19 %
    assert finished[0].data["cost_gross"] == 0.37
    entries = await logbook(hass, hass_ws_client)
    assert [(e["name"], e["message"]) for e in entries] == [
        ("Workshop P1S", "started printing cube"),
        ("Workshop P1S", "finished printing cube in 0 min (0.37 EUR gross)"),
    ]


async def test_job_events_in_german(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """Home Assistant switched to German: German sentences with decimal commas."""
    await setup_logbook(hass)
    await hass.config.async_update(language="de")
    await hass.async_block_till_done()
    fire_job_events(hass)
    entries = await logbook(hass, hass_ws_client)
    assert [(e["name"], e["message"]) for e in entries] == [
        ("Core One", "hat den Druck von bracket.bgcode begonnen"),
        ("Core One", "hat bracket.bgcode in 1 h 5 min fertig gedruckt (1,37 EUR brutto)"),
        (
            "Core One",
            "hat den Druck von bracket.bgcode nach 1 h 5 min mit einem Fehler beendet "
            "(1,37 EUR brutto)",
        ),
        (
            "Core One",
            "hat den Druck von bracket.bgcode nach 1 h 5 min abgebrochen (1,37 EUR brutto)",
        ),
    ]


@pytest.mark.parametrize("announce", [True, False])
async def test_other_languages_read_english(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, announce: bool
) -> None:
    """French (no translation shipped), or a language whose texts are still loading: English
    with a decimal point."""
    await setup_logbook(hass)
    if announce:
        await hass.config.async_update(language="fr")
        await hass.async_block_till_done()
    else:
        hass.config.language = "fr"  # changed, translations not loaded yet
    fire_job_events(hass)
    messages = [e["message"] for e in await logbook(hass, hass_ws_client)]
    assert messages == [
        "started printing bracket.bgcode",
        "finished printing bracket.bgcode in 1 h 5 min (1.37 EUR gross)",
        "failed printing bracket.bgcode after 1 h 5 min (1.37 EUR gross)",
        "cancelled printing bracket.bgcode after 1 h 5 min (1.37 EUR gross)",
    ]


def test_duration_and_money_texts() -> None:
    """Minutes round half up; whole hours drop `0 min`; cents round half up."""

    assert [duration_text(s) for s in (0, 29, 30, 3599, 3600, 3630, 7500)] == [
        "0 min", "0 min", "1 min", "1 h", "1 h", "1 h 1 min", "2 h 5 min",
    ]  # fmt: skip
    assert money_text(1234.5, "EUR", "de") == "1234,50 EUR"
    assert money_text("0.125", "EUR", "en") == "0.13 EUR"
