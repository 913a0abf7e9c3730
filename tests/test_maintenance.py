"""Maintenance as a to-do list: tasks come due at the right print hour, job and day, and a
ticked-off task starts counting again, across restarts.

A P1S on its simulator; its jobs are written into the ledger as the tracker writes them (the
counters are sums over ended jobs). "Now" is 01.06.2026 10:00Z, Europe/Berlin.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.ledger import Ledger
from custom_components.printernizer.maintenance import DEFAULTS
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def print_job(ledger: Ledger, uid: str, key: str, started: datetime, seconds: int) -> None:
    """An ended job of `seconds` print time (runs in the executor)."""
    job = ledger.start_job(
        printer_uid=uid, printer_name="Workshop P1S", entry_id="e", job_key=key, name=key,
        file_name=None, started_at=started, category="business",
    )  # fmt: skip
    ledger.finish_job(
        job.job_id, status="finished", ended_at=started + timedelta(seconds=seconds),
        duration_s=seconds, paused_s=0, last_progress=100.0,
        materials=[MaterialUsage("PLA", 10)], energy_kwh=Decimal("0.1"),
        energy_source="estimated", prices={}, cost=None, currency="EUR", complete=True,
    )  # fmt: skip


class Farm:
    """The printer, its entities and shortcuts for the tests."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry) -> None:
        self.hass = hass
        self.entry = entry
        registry = er.async_get(hass)
        self.todo = registry.async_get_entity_id("todo", DOMAIN, f"{entry.unique_id}_maintenance")
        self.due = registry.async_get_entity_id(
            "binary_sensor", DOMAIN, f"{entry.unique_id}_maintenance_due"
        )
        self.jobs = 0

    @property
    def ledger(self) -> Ledger:
        return self.hass.data[DATA_SHARED].ledger

    async def print(self, hours: float, at: datetime | None = None) -> None:
        self.jobs += 1
        started = at or (datetime.now(UTC) - timedelta(hours=hours))
        await self.hass.async_add_executor_job(
            print_job,
            self.ledger,
            self.entry.unique_id,
            f"j{self.jobs}",
            started,
            int(hours * 3600),
        )
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def items(self) -> dict[str, dict[str, Any]]:
        answer = await self.hass.services.async_call(
            "todo", "get_items", {}, target={"entity_id": self.todo}, blocking=True,
            return_response=True,
        )  # fmt: skip
        return {item["uid"]: item for item in answer[self.todo]["items"]}

    def state(self) -> tuple[str, str]:
        return self.hass.states.get(self.todo).state, self.hass.states.get(self.due).state

    async def set_task(self, context: Context | None = None, **data: Any) -> dict[str, Any]:
        return await self.hass.services.async_call(
            DOMAIN, "set_maintenance_task", {"config_entry_id": self.entry.entry_id, **data},
            blocking=True, return_response=True, context=context,
        )  # fmt: skip


@pytest.fixture
async def farm(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, bambu_sim: BambuSimulator
) -> Farm:
    freezer.move_to(NOW)
    await hass.config.async_set_time_zone("Europe/Berlin")
    entry = bambu_entry(bambu_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return Farm(hass, entry)


async def test_defaults_start_counting_and_nothing_is_due(hass: HomeAssistant, farm: Farm) -> None:
    """The Bambu set, all completed (not due), each saying what is left."""
    assert farm.state() == ("0", "off")
    items = await farm.items()
    assert list(items) == list(DEFAULTS[farm.entry.runtime_data.coordinator.family])
    plate = items["plate_cleaning"]
    assert plate["summary"] == "Clean the build plate"
    assert plate["status"] == "completed"
    assert plate["description"] == "25 print hours left (every 25 h); counting since 2026-06-01"
    rods = items["rods_lubrication"]
    assert rods["description"] == (
        "300 print hours left (every 300 h); due on 2026-08-30 (every 90 days); "
        "counting since 2026-06-01"
    )


async def test_due_at_the_print_hour_and_reset_across_a_restart(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory, hass_admin_user: MockUser
) -> None:
    """24.5 h: half an hour left; 25 h: due; ticked off: counting again, also after a reload."""
    freezer.tick(timedelta(hours=30))
    await farm.print(24.5)
    items = await farm.items()
    assert items["plate_cleaning"]["status"] == "completed"
    assert items["plate_cleaning"]["description"].startswith("0.5 print hours left")
    await farm.print(0.5)
    assert farm.state() == ("1", "on")
    items = await farm.items()
    assert items["plate_cleaning"]["status"] == "needs_action"
    assert items["plate_cleaning"]["description"] == (
        "25 of 25 print hours used; counting since 2026-06-01"
    )
    attributes = hass.states.get(farm.due).attributes
    assert attributes["tasks"] == ["plate_cleaning"]

    # "clear completed" deletes nothing: the tasks come back
    await hass.services.async_call(
        "todo", "remove_completed_items", {}, target={"entity_id": farm.todo}, blocking=True
    )
    assert len(await farm.items()) == 5

    # ticking off a task that is not due changes nothing
    await hass.services.async_call(
        "todo", "update_item", {"item": "nozzle_check", "status": "completed"},
        target={"entity_id": farm.todo}, blocking=True,
    )  # fmt: skip
    freezer.tick(timedelta(hours=1))
    await hass.services.async_call(
        "todo", "update_item", {"item": "plate_cleaning", "status": "completed"},
        target={"entity_id": farm.todo}, blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )  # fmt: skip
    await hass.async_block_till_done()
    assert farm.state() == ("0", "off")
    items = await farm.items()
    assert items["plate_cleaning"]["description"] == (
        "25 print hours left (every 25 h); last done 2026-06-02"
    )
    # the nozzle still counts from the start: 25 of 100 h
    assert items["nozzle_check"]["description"].startswith("75 print hours left")

    with farm.ledger.read() as conn:
        log = conn.execute(
            "SELECT task, kind, user_id FROM maintenance_log WHERE task = 'plate_cleaning'"
            " ORDER BY id"
        ).fetchall()
    assert [tuple(row) for row in log] == [
        ("plate_cleaning", "start", None),
        ("plate_cleaning", "done", hass_admin_user.id),
    ]

    assert await hass.config_entries.async_reload(farm.entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(hours=10))
    await farm.print(10)
    items = await farm.items()
    assert items["plate_cleaning"]["description"].startswith("15 print hours left")
    assert farm.state() == ("0", "off")


async def test_due_after_jobs_and_days(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """An interval of 2 jobs is due after the second; the rods after 90 days by the clock."""
    answer = await farm.set_task(task="nozzle_check", interval_jobs=2, interval_hours=0)
    nozzle = next(t for t in answer["tasks"] if t["task"] == "nozzle_check")
    assert (nozzle["interval_hours"], nozzle["interval_jobs"], nozzle["due"]) == (None, 2, False)
    freezer.tick(timedelta(hours=2))
    await farm.print(0.5)
    assert (await farm.items())["nozzle_check"]["description"].startswith("1 jobs left")
    await farm.print(0.5)
    assert (await farm.items())["nozzle_check"]["status"] == "needs_action"
    assert farm.state() == ("1", "on")

    # 90 days after counting began (01.06. 10:00Z) the rods are due: the timer fires then
    freezer.move_to(NOW + timedelta(days=90) - timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (await farm.items())["rods_lubrication"]["status"] == "completed"
    freezer.move_to(NOW + timedelta(days=90))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    items = await farm.items()
    assert items["rods_lubrication"]["status"] == "needs_action"
    assert items["rods_lubrication"]["description"] == (
        "due since 2026-08-30; counting since 2026-06-01"
    )
    assert farm.state() == ("2", "on")


async def test_set_maintenance_task_adds_changes_and_removes(
    hass: HomeAssistant,
    farm: Farm,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
) -> None:
    """Admins only; a new name adds a task, a German name finds the default, remove removes
    (and setting it again brings the default back); bad input is a translated error."""
    with pytest.raises(Unauthorized):
        await farm.set_task(Context(user_id=hass_read_only_user.id), task="x", interval_days=1)
    admin = Context(user_id=hass_admin_user.id)
    answer = await farm.set_task(admin, task="Filter wechseln", interval_days=30)
    added = next(t for t in answer["tasks"] if t["task"] == "Filter wechseln")
    assert (added["name"], added["interval_days"], added["last_done"]) == (
        "Filter wechseln",
        30,
        None,
    )
    answer = await farm.set_task(admin, task="Druckplatte reinigen", interval_hours=50)
    plate = next(t for t in answer["tasks"] if t["task"] == "plate_cleaning")
    assert plate["interval_hours"] == 50
    answer = await farm.set_task(admin, task="ptfe_tube", remove=True)
    assert "ptfe_tube" not in [t["task"] for t in answer["tasks"]]
    assert "ptfe_tube" not in await farm.items()
    answer = await farm.set_task(admin, task="ptfe_tube")
    tube = next(t for t in answer["tasks"] if t["task"] == "ptfe_tube")
    assert tube["interval_hours"] == 500

    for data, key in (
        ({"task": "ptfe_tube", "interval_hours": -1}, "negative_amount"),
        ({"task": "nothing", "remove": True}, "unknown_maintenance_task"),
        ({"task": "brand new"}, "maintenance_interval_required"),
        ({"task": "  "}, "invalid_maintenance_task"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await farm.set_task(admin, **data)
        assert err.value.translation_key == key, data

    # the changes survive a restart
    assert await hass.config_entries.async_reload(farm.entry.entry_id)
    await hass.async_block_till_done()
    items = await farm.items()
    assert "Filter wechseln" in items
    assert items["plate_cleaning"]["description"].startswith("50 print hours left")


@pytest.fixture
def frozen(freezer: FrozenDateTimeFactory) -> None:
    """Time stands at NOW before anything (an access token) is made."""
    freezer.move_to(NOW)


async def test_prusa_defaults_in_german_and_the_websocket_overview(
    frozen: None,
    hass: HomeAssistant,
    prusa_sim: PrusaLinkSimulator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A Core One has the Prusa set; names and descriptions follow Home Assistant's language;
    printernizer/maintenance lists every printer's tasks."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    await hass.config.async_update(language="de")
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "printernizer/maintenance"})
    answer = await client.receive_json()
    assert answer["success"], answer
    (printer,) = answer["result"]["printers"]
    assert (printer["config_entry_id"], printer["name"], printer["due"]) == (
        entry.entry_id,
        "Core One",
        0,
    )
    tasks = {t["task"]: t for t in printer["tasks"]}
    assert list(tasks) == [
        "plate_cleaning",
        "nozzle_check",
        "extruder_gears",
        "belt_tension",
        "rods_lubrication",
    ]
    assert tasks["extruder_gears"]["name"] == "Extruder-Zahnräder reinigen"
    assert (tasks["belt_tension"]["interval_hours"], tasks["belt_tension"]["interval_days"]) == (
        500,
        180,
    )
    todo = er.async_get(hass).async_get_entity_id("todo", DOMAIN, f"{entry.unique_id}_maintenance")
    answer = await hass.services.async_call(
        "todo", "get_items", {}, target={"entity_id": todo}, blocking=True, return_response=True
    )
    belt = next(i for i in answer[todo]["items"] if i["uid"] == "belt_tension")
    assert belt["description"] == (
        "noch 500 Druckstunden (alle 500 h); fällig am 2026-11-28 (alle 180 Tage); "
        "gezählt seit 2026-06-01"
    )
    await client.send_json_auto_id({"type": "printernizer/maintenance", "config_entry_id": "nope"})
    answer = await client.receive_json()
    assert not answer["success"]
