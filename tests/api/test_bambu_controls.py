"""Chamber light and print speed: commands, their ACKs and the reported state (real MQTT/TLS)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from custom_components.printernizer.api.bambu.client import BambuClient
from custom_components.printernizer.api.bambu.report import parse_snapshot
from custom_components.printernizer.api.errors import (
    PrinterCommandError,
    PrinterCommandTimeoutError,
)
from tests.simulators.bambu import BambuSimulator


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    """A simulated P1S that acknowledges commands (Developer Mode on)."""
    async with BambuSimulator(model="P1S") as simulator:
        yield simulator


@pytest.fixture
async def client(sim: BambuSimulator) -> AsyncIterator[BambuClient]:
    """A connected client with a short command timeout."""
    client = BambuClient(
        host=sim.host,
        port=sim.mqtt_port,
        serial=sim.serial,
        access_code=sim.access_code,
        fingerprint=sim.fingerprint,
    )
    client.command_timeout = 1.0
    await client.async_connect(timeout=10)
    yield client
    await client.async_disconnect()


async def until_snapshot(client: BambuClient, check: Any) -> None:
    """Wait until the client's snapshot satisfies `check`."""
    async with asyncio.timeout(5):
        while True:
            if client.snapshot is not None and check(client.snapshot):
                return
            await asyncio.sleep(0.01)


async def test_chamber_light_off_and_on(sim: BambuSimulator, client: BambuClient) -> None:
    """`system.ledctrl` with every timing key; the ACK comes under `system`; the state follows."""
    assert client.snapshot is not None
    assert client.snapshot.chamber_light is True
    await client.async_set_chamber_light(False)
    request = sim.requests[-1]["system"]
    assert request == {
        "sequence_id": request["sequence_id"],
        "command": "ledctrl",
        "led_node": "chamber_light",
        "led_mode": "off",
        "led_on_time": 500,
        "led_off_time": 500,
        "loop_times": 0,
        "interval_time": 0,
    }
    await until_snapshot(client, lambda s: s.chamber_light is False)
    await client.async_set_chamber_light(True)
    assert sim.requests[-1]["system"]["led_mode"] == "on"
    await until_snapshot(client, lambda s: s.chamber_light is True)


@pytest.mark.parametrize(("level", "percent"), [(1, 50), (3, 124), (4, 166), (2, 100)])
async def test_print_speed(
    sim: BambuSimulator, client: BambuClient, level: int, percent: int
) -> None:
    """`print.print_speed` with the level as a string; the report carries level and percent."""
    await client.async_set_print_speed(level)
    request = sim.requests[-1]["print"]
    assert (request["command"], request["param"]) == ("print_speed", str(level))
    await until_snapshot(client, lambda s: (s.speed_level, s.speed_percent) == (level, percent))


async def test_print_speed_out_of_range(client: BambuClient) -> None:
    """Levels other than 1-4 are a programming error, caught before anything is sent."""
    with pytest.raises(ValueError, match="not 1-4"):
        await client.async_set_print_speed(5)


async def test_unacknowledged_and_refused(sim: BambuSimulator, client: BambuClient) -> None:
    """No ACK (no Developer Mode): a timeout error; an ACK without success: refused."""
    sim.ack_commands = False
    with pytest.raises(PrinterCommandTimeoutError, match="'ledctrl'"):
        await client.async_set_chamber_light(False)

    async def refusing(category: str, body: dict[str, Any]) -> None:
        await sim._publish({category: {**body, "result": "failed", "reason": "busy"}})

    sim._handle_request = refusing  # type: ignore[method-assign]
    with pytest.raises(PrinterCommandError, match="refused 'print_speed': busy"):
        await client.async_set_print_speed(3)
    assert client.connected


@pytest.mark.parametrize(
    ("lights", "expected"),
    [
        ([{"node": "chamber_light", "mode": "on"}], True),
        ([{"node": "work_light", "mode": "on"}, {"node": "chamber_light", "mode": "off"}], False),
        ([{"node": "chamber_light", "mode": "flashing"}], True),
        ([{"node": "chamber_light", "mode": 1}], None),
        ([{"node": "work_light", "mode": "on"}, "junk"], None),
        ("on", None),
        (None, None),
    ],
)
def test_lights_report_parsing(lights: Any, expected: bool | None) -> None:
    """Only the chamber light's own entry counts; odd shapes give no value, not an error."""
    state = {"gcode_state": "IDLE"}
    if lights is not None:
        state["lights_report"] = lights
    assert parse_snapshot(state, model="P1S").chamber_light is expected
