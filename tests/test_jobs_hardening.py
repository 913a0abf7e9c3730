"""Jobs and ledger as a new user meets them: the simulated printers, the services, the sensors.

Regression tests of issue 10 (jobs and ledger part), each against the real integration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.costs import CostBreakdown
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.ledger import Ledger
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.gcodefiles import make_bgcode
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_bambu import state, wait_for


async def call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    """Call a Printernizer service and return its response."""
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and load the entry."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


# ------------------------------------------------------------------------------- defect 5


async def test_quote_for_a_new_printer_uses_its_model_power(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """A P1S added a minute ago (no options) quotes with 105 W, as its jobs will be recorded."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    assert not entry.options
    quote = await call(
        hass,
        "calculate_cost",
        material="PLA",
        grams=100,
        print_hours=2,
        config_entry_id=entry.entry_id,
    )
    # 105 W × 2 h = 0.21 kWh × 0.30 = 0.063 → 0.06; 100 g PLA × 25 €/kg = 2.50; net 2.56;
    # VAT 19 % 0.4864 → 0.49; gross 3.05
    assert quote["energy_kwh"] == 0.21
    assert (quote["material_cost"], quote["energy_cost"], quote["machine_cost"]) == (2.5, 0.06, 0)
    assert (quote["net"], quote["vat"], quote["gross"]) == (2.56, 0.49, 3.05)
    assert entry.runtime_data.tracker.power_watts == 105


# ------------------------------------------------------------------------------- defect 19


async def test_job_correction_records_the_user_who_made_it(
    hass: HomeAssistant, hass_read_only_user: MockUser
) -> None:
    """set_job_category stays open to every user, and its revision names the user (audit)."""
    assert await async_setup_component(hass, DOMAIN, {})
    ledger = hass.data[DATA_SHARED].ledger
    job_id = await hass.async_add_executor_job(_finished_job, ledger)

    response = await hass.services.async_call(
        DOMAIN,
        "set_job_category",
        {"job_id": job_id, "category": "business", "customer": "Müller"},
        blocking=True,
        return_response=True,
        context=Context(user_id=hass_read_only_user.id),
    )
    assert response is not None
    assert (response["revision"], response["user_id"]) == (2, hass_read_only_user.id)
    revisions = await hass.async_add_executor_job(ledger.get_revisions, job_id)
    assert [(r.revision, r.category, r.user_id) for r in revisions] == [
        (1, "private", None),
        (2, "business", hass_read_only_user.id),
    ]
    listed = await call(hass, "list_jobs")
    assert [(j["job_id"], j["user_id"]) for j in listed["jobs"]] == [
        (job_id, hass_read_only_user.id)
    ]


def _finished_job(ledger: Ledger) -> int:
    """One ended job of printer SERIAL1 written straight into the ledger (executor)."""
    started = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    job = ledger.start_job(
        printer_uid="SERIAL1",
        printer_name="Workshop P1S",
        entry_id="old-entry",
        job_key="cube@1",
        name="cube",
        file_name="cube.3mf",
        started_at=started,
        category="private",
    )
    ledger.finish_job(
        job.job_id,
        status="finished",
        ended_at=started + timedelta(hours=1),
        duration_s=3600,
        paused_s=0,
        last_progress=100.0,
        materials=[MaterialUsage("PLA", 40.0)],
        energy_kwh=Decimal("0.105"),
        energy_source="estimated",
        prices={"material:PLA": "25", "default_material_price": "25"},
        cost=CostBreakdown(100, 3, 0, 103, 20, 123),
        currency="EUR",
        complete=True,
    )
    return job.job_id


# ------------------------------------------------------------------------------- defect 15


async def test_history_follows_the_printer_when_it_is_added_again(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Remove the P1S, add it again (same serial, new entry): its earlier job is still its own."""
    first = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.start_job("cube")
    await bambu_sim.progress(50)
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: first.runtime_data.tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await hass.config_entries.async_remove(first.entry_id)
    await hass.async_block_till_done()

    again = await setup(hass, bambu_entry(bambu_sim))
    assert again.entry_id != first.entry_id
    listed = await call(hass, "list_jobs", config_entry_id=again.entry_id)
    assert [(j["name"], j["status"], j["entry_id"]) for j in listed["jobs"]] == [
        ("cube", "finished", first.entry_id)  # recorded under the old entry, shown for the new
    ]
    assert listed["total"] == 1
    today = dt_util.now().date()
    report = await call(
        hass,
        "cost_report",
        start=str(today - timedelta(days=1)),
        end=str(today + timedelta(days=1)),
        config_entry_id=again.entry_id,
    )
    assert report["totals"]["jobs"] == 1
    assert report["totals"]["material_g"] == 12.34  # the simulator's cube
    assert [g["printer_uid"] for g in report["groups"]] == [bambu_sim.serial]
    assert again.runtime_data.tracker.totals.jobs == 1
    assert await hass.config_entries.async_unload(again.entry_id)


# ------------------------------------------------------------------------------- defect 10


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Advance frozen time so the PrusaLink coordinator polls once."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_finished_prusa_job_has_its_long_name_and_full_progress(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """Buddy names the file FIRSTL~1.GCO and drops the job at 83 %: the ledger says 100 %."""
    entry = await setup(hass, prusa_entry(prusa_sim))
    long_name = "first_layer_0.4n_PLA_COREONE.gcode"
    key = next(k for k in prusa_sim.files if k.startswith("/usb/CALIBR"))
    assert "~" in key  # the short (8.3) path, as Buddy lists it
    prusa_sim.start_job(key)
    prusa_sim.set_progress(83.0)
    await poll(hass, freezer, 30)
    assert prusa_sim.job_body()["file"]["name"].endswith(".GCO")
    current = entry.runtime_data.tracker.current_job
    assert current is not None
    assert current.file_name == long_name

    prusa_sim.finish_job()  # Buddy: FINISHED without the job document
    await poll(hass, freezer, 10)
    job = entry.runtime_data.tracker.last_job
    assert job is not None
    assert (job.status, job.file_name, job.last_progress) == ("finished", long_name, 100.0)
    listed = await call(hass, "list_jobs", config_entry_id=entry.entry_id)
    assert [(j["file_name"], j["progress"]) for j in listed["jobs"]] == [(long_name, 100.0)]
    assert await hass.config_entries.async_unload(entry.entry_id)


# ------------------------------------------------------------------------------- defect 2

BRACKET = make_bgcode(materials=[("PETG", 40.0)], estimated_s=3600)


async def test_prusa_job_that_ended_while_ha_was_away_bills_its_print_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """A 1 h print; HA goes away at 40 % (36 min left) and comes back 8 h later.

    The job ends 36 min after the last report, marked estimated; energy and machine time
    count that hour, not the 8.4 hours since the start, and total_energy does not jump.
    """
    freezer.move_to("2026-03-10 08:00:00+00:00")
    await hass.config.async_set_time_zone("Europe/Berlin")
    finished = async_capture_events(hass, "printernizer_job_finished")
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"power_watts": 100, "machine_rate": 2})
    await setup_loaded(hass, entry)
    path = prusa_sim.add_file("/usb/bracket.bgcode", BRACKET)
    prusa_sim.start_job(path)
    prusa_sim.set_progress(0.0)
    await poll(hass, freezer, 30)  # the job is seen at 08:00:30
    started = entry.runtime_data.tracker.current_job
    assert started is not None
    prusa_sim.set_progress(40.0)  # 1440 s printed, 2160 s left
    await poll(hass, freezer, 24 * 60)  # the last report, 08:24:30

    assert await hass.config_entries.async_unload(entry.entry_id)  # HA goes away
    prusa_sim.finish_job()
    freezer.tick(timedelta(hours=8))
    await setup_loaded(hass, entry)  # back at 16:24:30; the printer says FINISHED
    await hass.async_block_till_done(wait_background_tasks=True)

    job = entry.runtime_data.tracker.last_job
    assert job is not None
    assert job.job_id == started.job_id
    assert (job.status, job.end_estimated, job.last_progress) == ("finished", True, 100.0)
    assert job.ended_at == started.started_at + timedelta(hours=1)
    assert job.duration_s == 3600
    assert job.energy_kwh == Decimal("0.1")  # 100 W × 1 h, not × 8.4 h
    # 40 g PETG × 28 = 1.12; 0.1 kWh × 0.30 = 0.03; machine 1 h × 2 = 2.00; net 3.15; VAT 0.60
    assert job.cost == CostBreakdown(112, 3, 200, 315, 60, 375)
    assert [(e.data["end_estimated"], e.data["duration_s"]) for e in finished] == [(True, 3600)]
    assert Decimal(hass.states.get("sensor.core_one_total_energy").state) == Decimal("0.1")
    listed = await call(hass, "list_jobs", config_entry_id=entry.entry_id)
    assert [(j["end_estimated"], j["ended_at"]) for j in listed["jobs"]] == [
        (True, "2026-03-10T10:00:30+01:00")  # 09:00:30 UTC, in the user's time zone
    ]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_bambu_job_that_ended_while_ha_was_away_bills_its_print_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, bambu_sim: BambuSimulator
) -> None:
    """A P1S job at 40 % with 38 min left when HA goes away; it finishes; HA is back 8 h later.

    Ended 38 min after the last report (estimated); 105 W × 63 min, not × 8.4 h.
    """
    freezer.move_to("2026-03-10 08:00:00+00:00")
    entry = await setup(hass, bambu_entry(bambu_sim))
    tracker = entry.runtime_data.tracker
    await bambu_sim.start_job("cube", prediction_min=62)
    await wait_for(hass, lambda: tracker.current_job is not None)
    started = tracker.current_job
    assert started is not None
    freezer.tick(timedelta(minutes=25))
    await bambu_sim.progress(40)  # 38 min left (62 × 60 % = 37.2, rounded up)
    await wait_for(hass, lambda: tracker.current_job.last_progress == 40)
    last_report = dt_util.utcnow()

    assert await hass.config_entries.async_unload(entry.entry_id)  # HA goes away
    await bambu_sim.finish_job()  # nobody listens
    freezer.tick(timedelta(hours=8))
    assert await hass.config_entries.async_setup(entry.entry_id)  # the full report says FINISH
    tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)

    job = tracker.last_job
    assert job is not None
    assert (job.job_id, job.status, job.end_estimated) == (started.job_id, "finished", True)
    assert job.ended_at == last_report + timedelta(minutes=38)
    assert job.duration_s == (job.ended_at - started.started_at).total_seconds() == 63 * 60
    assert job.energy_kwh == Decimal("0.11025")  # 105 W × 63 min
    assert job.material_g == Decimal("12.34")  # the 3MF was still read at the end
    energy = hass.states.get("sensor.workshop_p1s_total_energy").state
    assert Decimal(energy) == Decimal("0.11025")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def wait_for_real(predicate: Callable[[], bool]) -> None:
    """Let real sockets work until the predicate holds (at most ten seconds), without waiting
    for Home Assistant's tasks as `wait_for` does."""
    async with asyncio.timeout(10):
        while not predicate():  # noqa: ASYNC110 - a simulator counter, no event to wait on
            await asyncio.sleep(0.02)


async def setup_loaded(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up an entry that is already added."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


# ------------------------------------------------------------------------------- defect 11


async def test_busy_p1s_is_left_alone_and_its_file_is_read_when_the_job_ends(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Auto-download runs when the job ends, as its option says; a printing P1S is not asked.

    Until the 3MF is read, job_cost shows energy and machine so far with material_pending.
    """
    entry = bambu_entry(bambu_sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"power_watts": 105, "machine_rate": 6})
    await setup_loaded(hass, entry)
    data = entry.runtime_data
    await bambu_sim.start_job("cube")
    await bambu_sim.progress(50)
    await wait_for(hass, lambda: state(hass, "sensor.workshop_p1s_progress") in ("50", "50.0"))
    await hass.async_block_till_done(wait_background_tasks=True)

    assert data.files.files_downloaded == 0  # nothing fetched from the busy printer
    assert data.tracker.material_pending is True
    running = hass.states.get("sensor.workshop_p1s_job_cost")
    assert running.attributes["material_pending"] is True
    estimate = data.tracker.current_cost_estimate()
    assert estimate is not None
    assert estimate.material_cents == 0  # energy and machine so far, no invented grams

    await bambu_sim.finish_job()
    await wait_for(hass, lambda: data.tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)
    job = data.tracker.last_job
    assert job.material_g == Decimal("12.34")  # read from the file fetched at the end
    assert data.files.files_downloaded == 1
    final = hass.states.get("sensor.workshop_p1s_job_cost")
    assert final.attributes["material_pending"] is False
    assert Decimal(final.state) == Decimal(job.cost.gross_cents) / 100
    assert await hass.config_entries.async_unload(entry.entry_id)


# ------------------------------------------------------------------------------- defect 17


async def test_reload_while_a_job_ends_leaves_no_task_behind(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The job ends, its file download hangs, the user reloads the entry.

    The unload does not wait for the 60 s metadata fetch: the tracker's work is cancelled and
    the job stays open for the new tracker, which ends it once the file comes, with its grams;
    the cost sensors then show that job, not what the old tracker knew. (Real time here: HA's
    unload gives its tasks 10 s of the real clock.)
    """
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"power_watts": 100})
    await setup_loaded(hass, entry)
    old_tracker = entry.runtime_data.tracker
    path = prusa_sim.add_file("/usb/bracket.bgcode", BRACKET)
    prusa_sim.downloads_open.clear()  # the job's file hangs: at its start and at its end
    prusa_sim.start_job(path)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await wait_for(hass, lambda: old_tracker.current_job is not None)

    prusa_sim.finish_job()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=41))
    await wait_for_real(lambda: prusa_sim.in_flight > 0)  # the tracker now waits for the file

    started = time.monotonic()
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert time.monotonic() - started < 5  # HA would have given up waiting after 10 s
    assert "did not complete in time" not in caplog.text
    assert old_tracker.last_job is None  # the old tracker wrote nothing after its unload

    prusa_sim.downloads_open.set()
    new_tracker = entry.runtime_data.tracker
    await wait_for(hass, lambda: new_tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)
    [job] = (await call(hass, "list_jobs", config_entry_id=entry.entry_id))["jobs"]
    assert (job["status"], job["material_g"], job["complete"]) == ("finished", 40.0, True)
    assert new_tracker.totals.jobs == 1
    assert float(state(hass, "sensor.core_one_job_cost")) == job["gross"]
    assert float(state(hass, "sensor.core_one_total_cost")) == job["gross"]
    assert await hass.config_entries.async_unload(entry.entry_id)
