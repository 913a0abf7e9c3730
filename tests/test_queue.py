"""The print queue's order, moves, cancels, input errors, entities and websocket commands.

The printer is the simulated PrusaLink Core One after a finished job, so its plate is not
clear: the queue waits, and what is checked is the queue itself (test_queue_run.py starts
prints on the simulators).
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.printernizer.const import DOMAIN
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_services import call, print_bracket


@pytest.fixture
async def printed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> MockConfigEntry:
    """A Core One whose plate holds the finished bracket."""
    return await print_bracket(hass, freezer, prusa_sim, small_business=False)


def _entity(hass: HomeAssistant, platform: str, uid: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{uid}_{key}")
    assert entity_id is not None
    return entity_id


def _order(listed: dict) -> list[tuple[int | None, int, str]]:
    return [(i["position"], i["queue_id"], i["status"]) for i in listed["items"]]


async def test_order_moves_and_cancels(hass: HomeAssistant, printed: MockConfigEntry) -> None:
    """Three copies then one more; moves renumber the waiting items; cancel takes one out."""
    uid = printed.unique_id
    assert uid is not None
    assert hass.states.get(_entity(hass, "binary_sensor", uid, "plate_clear")).state == "off"
    first = await call(
        hass, "queue_print", config_entry_id=printed.entry_id, path="/usb/bracket.bgcode", copies=3
    )
    second = await call(
        hass, "queue_print", config_entry_id=[printed.entry_id], path="/usb/hook.bgcode"
    )
    a, b, c = first["queue_ids"]
    (d,) = second["queue_ids"]
    listed = await call(hass, "list_queue")
    assert _order(listed) == [
        (1, a, "waiting"),
        (2, b, "waiting"),
        (3, c, "waiting"),
        (4, d, "waiting"),
    ]
    item = listed["items"][3]
    assert (item["name"], item["printers"], item["attempts"], item["job_id"], item["error"]) == (
        "hook.bgcode",
        [printed.entry_id],
        0,
        None,
        None,
    )
    await hass.async_block_till_done()
    assert hass.states.get(_entity(hass, "sensor", uid, "queue_length")).state == "4"

    moved = await call(hass, "move_queue_item", queue_id=d, position=1)
    assert (moved["queue_id"], moved["position"]) == (d, 1)
    moved = await call(hass, "move_queue_item", queue_id=a, position=99)
    assert moved["position"] == 4
    assert [i["queue_id"] for i in (await call(hass, "list_queue"))["items"]] == [d, b, c, a]
    await call(hass, "move_queue_item", queue_id=c, position=2)
    assert [i["queue_id"] for i in (await call(hass, "list_queue"))["items"]] == [d, c, b, a]

    cancelled = await call(hass, "cancel_queue_item", queue_id=b)
    assert (cancelled["status"], cancelled["position"]) == ("cancelled", None)
    assert _order(await call(hass, "list_queue")) == [
        (1, d, "waiting"),
        (2, c, "waiting"),
        (3, a, "waiting"),
    ]
    assert b in [
        i["queue_id"] for i in (await call(hass, "list_queue", include_ended=True))["items"]
    ]
    await hass.async_block_till_done()
    assert hass.states.get(_entity(hass, "sensor", uid, "queue_length")).state == "3"

    for service, data, key in (
        ("cancel_queue_item", {"queue_id": b}, "queue_item_not_waiting"),
        ("move_queue_item", {"queue_id": b, "position": 1}, "queue_item_not_waiting"),
        ("move_queue_item", {"queue_id": 999, "position": 1}, "unknown_queue_item"),
        ("move_queue_item", {"queue_id": a, "position": 0}, "invalid_position"),
        ("cancel_queue_item", {"queue_id": 999}, "unknown_queue_item"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, service, **data)
        assert err.value.translation_key == key


async def test_queue_print_refuses_bad_input(
    hass: HomeAssistant, printed: MockConfigEntry, tmp_path
) -> None:
    """No file, two files, a file outside the allowed folders, a missing one, odd copies, an
    unknown printer: translated errors, and the queue stays empty."""
    outside = tmp_path / "x.gcode"
    outside.write_text("G28\n")
    allowed = hass.config.path("www", "missing.gcode")
    entry = printed.entry_id
    cases = (
        ({"config_entry_id": entry}, "queue_source_required"),
        ({"config_entry_id": entry, "source": str(outside)}, "source_not_allowed"),
        ({"config_entry_id": entry, "path": "/usb/"}, "invalid_remote_path"),
        ({"config_entry_id": entry, "path": "/usb/a.gcode", "copies": 0}, "invalid_copies"),
        ({"config_entry_id": "nope", "path": "/usb/a.gcode"}, "entry_not_found"),
        ({"config_entry_id": [], "path": "/usb/a.gcode"}, "printer_required"),
    )
    hass.config.allowlist_external_dirs = {hass.config.path("www")}
    for data, key in (
        *cases,
        ({"config_entry_id": entry, "source": allowed}, "source_not_found"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "queue_print", **data)
        assert err.value.translation_key == key, data
    assert (await call(hass, "list_queue"))["items"] == []


async def test_not_before_is_local_time(hass: HomeAssistant, printed: MockConfigEntry) -> None:
    """A naive not_before is Berlin time; it is answered with its offset."""
    (queue_id,) = (
        await call(
            hass,
            "queue_print",
            config_entry_id=printed.entry_id,
            path="/usb/bracket.bgcode",
            not_before="2026-11-21T06:00:00",
            plate=2,
            timelapse=True,
        )
    )["queue_ids"]
    (item,) = (await call(hass, "list_queue"))["items"]
    assert item["queue_id"] == queue_id
    assert item["not_before"] == "2026-11-21T06:00:00+01:00"
    assert item["options"] == {"plate": 2, "timelapse": True}


async def test_websocket_queue_commands(
    hass: HomeAssistant,
    printed: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    hass_admin_user: MockUser,
) -> None:
    """The panel's commands answer like the services; the subscription tells of each change."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "printernizer/subscribe"})
    assert (await client.receive_json())["success"]

    await client.send_json_auto_id(
        {
            "type": "printernizer/queue/add",
            "config_entry_id": printed.entry_id,
            "path": "/usb/bracket.bgcode",
            "copies": 2,
        }
    )
    kinds = []
    while True:
        message = await client.receive_json()
        if message["type"] == "result":
            break
        kinds.append(message["event"]["kind"])
    assert message["success"], message
    a, b = message["result"]["queue_ids"]
    assert "queue" in kinds

    await client.send_json_auto_id(
        {"type": "printernizer/queue/move", "queue_id": b, "position": 1}
    )
    message = await _result(client)
    assert (message["result"]["queue_id"], message["result"]["position"]) == (b, 1)
    await client.send_json_auto_id({"type": "printernizer/queue/cancel", "queue_id": a})
    message = await _result(client)
    assert message["result"]["status"] == "cancelled"
    assert message["result"]["changed_by"] == hass_admin_user.id
    assert message["result"]["user_id"] == hass_admin_user.id  # queued from the panel
    await client.send_json_auto_id({"type": "printernizer/queue"})
    message = await _result(client)
    assert [(i["queue_id"], i["position"]) for i in message["result"]["items"]] == [(b, 1)]
    assert message["result"]["printers"] == [
        {"entry_id": printed.entry_id, "name": "Core One", "plate_clear": False, "queue_length": 1}
    ]
    await client.send_json_auto_id({"type": "printernizer/queue/cancel", "queue_id": a})
    message = await _result(client)
    assert not message["success"]
    assert message["error"]["translation_key"] == "queue_item_not_waiting"

    # nothing waits any more; the panel's "plate is clear" marks the plate as the button does
    await client.send_json_auto_id({"type": "printernizer/queue/cancel", "queue_id": b})
    assert (await _result(client))["success"]
    await client.send_json_auto_id(
        {"type": "printernizer/queue/plate", "config_entry_id": printed.entry_id}
    )
    message = await _result(client)
    assert message["result"] == {"plate_clear": True}
    await hass.async_block_till_done()
    uid = printed.unique_id
    assert uid is not None
    assert hass.states.get(_entity(hass, "binary_sensor", uid, "plate_clear")).state == "on"


async def _result(client) -> dict:
    """The next result, skipping pushed events."""
    while True:
        message = await client.receive_json()
        if message["type"] == "result":
            return message


async def test_queue_kept_while_no_printer_is_loaded(
    hass: HomeAssistant, printed: MockConfigEntry
) -> None:
    """With every printer unloaded the queue stays readable and changeable; a printer that
    comes back sees it unchanged."""
    a, b = (
        await call(
            hass, "queue_print", config_entry_id=printed.entry_id, path="/usb/x.bgcode", copies=2
        )
    )["queue_ids"]
    assert await hass.config_entries.async_unload(printed.entry_id)
    assert (await call(hass, "cancel_queue_item", queue_id=a))["status"] == "cancelled"
    assert [i["queue_id"] for i in (await call(hass, "list_queue"))["items"]] == [b]
    assert await hass.config_entries.async_setup(printed.entry_id)
    await hass.async_block_till_done()
    assert _order(await call(hass, "list_queue")) == [(1, b, "waiting")]
