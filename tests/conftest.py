"""Shared fixtures.

Importing the integration here makes the harness find *our* `custom_components.printernizer`
rather than its own testing_config folder of the same name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from unittest.mock import PropertyMock, patch

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.printernizer  # noqa: F401
from custom_components.printernizer.const import DOMAIN
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator

# The browser tests run apart, without the Home Assistant test plugin (see scripts/test).
collect_ignore = ["e2e"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""


@pytest.fixture(autouse=True)
def private_config_dir(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Give each test's Home Assistant its own config and media folders.

    The harness points every test at one shared folder; our ledger, exports, downloads and job
    photos live below them and must not leak from one test into the next.
    """
    if "hass" not in request.fixturenames:
        return
    hass = request.getfixturevalue("hass")
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    hass.config.config_dir = str(config_dir)
    hass.config.media_dirs = {"local": str(tmp_path / "media")}


@pytest.fixture
async def http_started(hass: HomeAssistant) -> None:
    """Home Assistant's web server set up and started before a flow test begins.

    The panel makes `http` a dependency, so a config or options flow sets it up; its start
    schedules a save of its settings 180 s later. Started inside a short flow test, that start
    could finish while the test's Home Assistant was already stopping, after the final write,
    leaving the save's timer behind (the harness fails such a test now and then). Started
    here, the save is pending when Home Assistant stops and is written then.
    """
    assert await async_setup_component(hass, "http", {})
    await hass.async_block_till_done()


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create entities that are disabled by default (Wi-Fi signal, fans) enabled, like HA core's."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


# --------------------------------------------------------------------------- printers

BAMBU_SERIAL = "01P00A000000001"
BAMBU_CODE = "12345678"
PRUSA_PASSWORD = "secretpass123"


@pytest.fixture
async def bambu_sim(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    """A P1S (delta reports) on free ports of 127.0.0.1."""
    async with BambuSimulator(serial=BAMBU_SERIAL, access_code=BAMBU_CODE, model="P1S") as sim:
        yield sim


@pytest.fixture
async def prusa_sim(socket_enabled: None) -> AsyncIterator[PrusaLinkSimulator]:
    """A Core One (Buddy firmware) on a free port of 127.0.0.1."""
    async with PrusaLinkSimulator(flavour="buddy", password=PRUSA_PASSWORD) as sim:
        yield sim


def bambu_entry(sim: BambuSimulator, **data: object) -> MockConfigEntry:
    """A config entry for the simulated Bambu printer, pinned to its certificate."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Workshop P1S",
        unique_id=sim.serial,
        data={
            "printer_type": "bambu",
            "host": sim.host,
            "port": sim.mqtt_port,
            "serial": sim.serial,
            "access_code": sim.access_code,
            "ftp_port": sim.ftp_port,
            "camera_port": sim.camera_port,
            "tls_fingerprint": sim.fingerprint,
            **data,
        },
    )


def prusa_entry(sim: PrusaLinkSimulator, **data: object) -> MockConfigEntry:
    """A config entry for the simulated PrusaLink printer (Digest auth)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Core One",
        unique_id=sim.serial,
        data={
            "printer_type": "prusa",
            "host": sim.host,
            "port": sim.port,
            "username": "maker",
            "password": PRUSA_PASSWORD,
            **data,
        },
    )
