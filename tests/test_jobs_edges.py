"""JobTracker edges: lost or foreign side data, jobs seen late or changed under us, slow files.

Same set-up as tests/test_jobs.py (whose fixtures and helpers are reused): a real SQLite ledger,
real settings (PLA 25 EUR/kg, PETG 30 EUR/kg, 0.30 EUR/kWh, 19 % VAT), time moved with
`freezer`, a 100 W printer unless a test says otherwise.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from functools import partial
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.printernizer.api.models import (
    JobOutcome,
    MaterialUsage,
    PrinterSnapshot,
    PrintMetadata,
)
from custom_components.printernizer.const import (
    CONF_ENERGY_SENSOR,
    CONF_MACHINE_RATE,
    CONF_POWER_WATTS,
    DOMAIN,
    EVENT_JOB_FINISHED,
    EVENT_JOB_STARTED,
)
from custom_components.printernizer.jobs import MetadataPhase, job_store
from custom_components.printernizer.ledger import JobRecord, Ledger
from custom_components.printernizer.reports import async_list_jobs, job_fields

from . import test_jobs as _jobs_tests
from .test_jobs import (
    PLA40,
    SENSOR,
    START,
    FakeMetadata,
    MakeTracker,
    P,
    all_jobs,
    cost,
    feed,
    minutes,
    snap,
)

# the real-ledger fixtures of tests/test_jobs.py
ledger = _jobs_tests.ledger
settings = _jobs_tests.settings
start_time = _jobs_tests.start_time
make_tracker = _jobs_tests.make_tracker

UID = "SERIAL1"  # unique id of the entry make_tracker builds


async def side_data(hass: HomeAssistant, uid: str = UID) -> dict[str, Any] | None:
    """What the tracker persisted for the open job (meter start, pause start), read afresh."""
    return await job_store(hass, uid).async_load()


async def until(condition: asyncio.Event) -> None:
    """Let the loop run until an event is set (bounded, so a bug cannot hang the test)."""
    for _ in range(200):
        if condition.is_set():
            return
        await asyncio.sleep(0)
    raise AssertionError("the awaited step never happened")


# ------------------------------------------------------------------------------- restarts


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(None, id="store-lost"),
        pytest.param({}, id="no-job-id"),
        pytest.param({"job_id": "not a number", "energy_start_kwh": "10.0"}, id="bad-job-id"),
        pytest.param({"job_id": None, "energy_start_kwh": "10.0"}, id="null-job-id"),
        pytest.param({"job_id": 999, "energy_start_kwh": "5.0"}, id="other-job"),
    ],
)
async def test_restart_with_unusable_side_data_estimates_energy(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
    stored: dict[str, Any] | None,
) -> None:
    """Side data lost, unreadable or of another job: the job goes on, energy is estimated.

    A stale meter start (5.0 kWh of some other job) must never be billed: 10.2 − 5.0 = 5.2 kWh
    would pass the plausibility check over 1.5 h and cost the user 1.56 EUR instead of 0.05.
    """
    hass.states.async_set(SENSOR, "10.0", {"unit_of_measurement": "kWh"})
    options = {CONF_POWER_WATTS: 100, CONF_ENERGY_SENSOR: SENSOR}
    before = await make_tracker(options, FakeMetadata(PLA40))
    await feed(hass, before, snap(P.PRINTING, 5))
    freezer.tick(minutes(30))
    await feed(hass, before, snap(P.PRINTING, 30))
    assert before.current_job is not None
    job_id = before.current_job.job_id
    assert await side_data(hass) == {
        "job_id": job_id,
        "energy_start_kwh": "10.0",
        "pause_started": None,
        # saved at the start; later reports are saved at most once a minute (and on unload)
        "reported_at": START.isoformat(),
        "remaining_s": None,
    }

    store = job_store(hass, UID)
    if stored is None:
        await store.async_remove()
    else:
        await store.async_save(stored)
    freezer.tick(minutes(20))  # HA restarts
    after = await make_tracker()
    assert after.current_job is not None
    assert after.current_job.job_id == job_id
    await feed(hass, after, snap(P.PRINTING, 60))
    freezer.tick(minutes(40))
    hass.states.async_set(SENSOR, "10.2", {"unit_of_measurement": "kWh"})
    await feed(hass, after, snap(P.FINISHED, 100))

    [job] = await all_jobs(hass, ledger)
    assert job.job_id == job_id
    assert job.status == "finished"
    assert job.duration_s == 5400
    assert job.energy_source == "estimated"
    assert job.energy_kwh == Decimal("0.15")  # 100 W × 1.5 h, not the meter's 0.2 or 5.2
    assert job.prices["power_watts"] == "100"
    assert job.cost == cost(100, 5, 0, 20)  # net 1.05, VAT 0.1995 → 0.20
    assert await side_data(hass) is None


async def test_restart_without_open_job_discards_stale_side_data(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Side data left over (HA died between closing the job and clearing it) is removed.

    Otherwise the stale meter start and pause of a closed job would linger in .storage.
    """
    await job_store(hass, UID).async_save(
        {"job_id": 41, "energy_start_kwh": "3.0", "pause_started": START.isoformat()}
    )
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    assert tracker.current_job is None
    assert await side_data(hass) is None

    # the next job is untouched by the stale pause: nothing of it is excluded
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.FINISHED, 100))
    [job] = await all_jobs(hass, ledger)
    assert job.duration_s == 3600
    assert job.paused_s == 0
    assert job.energy_kwh == Decimal("0.1")


async def test_restart_while_paused_with_lost_pause_start_counts_from_restart(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Paused job, pause start lost: the pause counts from the restart (the best we know).

    30 min printing, paused, side data lost, restart after 15 min, resume 15 min later:
    only the 15 min seen after the restart are excluded (900 s), never a negative or zero pause.
    """
    before = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, before, snap(P.PRINTING, 5))
    freezer.tick(minutes(30))
    await feed(hass, before, snap(P.PAUSED, 30))
    await job_store(hass, UID).async_remove()
    freezer.tick(minutes(15))
    after = await make_tracker()
    assert after.current_job is not None
    assert after.current_job.status == "paused"
    assert after.current_job.paused_s == 0
    freezer.tick(minutes(15))
    await feed(hass, after, snap(P.PRINTING, 31))
    assert after.current_job.status == "printing"
    assert after.current_job.paused_s == 900
    freezer.tick(minutes(60))
    await feed(hass, after, snap(P.FINISHED, 100))

    [job] = await all_jobs(hass, ledger)
    assert job.duration_s == 7200
    assert job.paused_s == 900
    assert job.energy_kwh == Decimal("0.175")  # 100 W × 1.75 h
    # 40 g PLA 1.00; 0.175 kWh × 0.30 = 0.0525 → 0.05; net 1.05; VAT 0.1995 → 0.20
    assert job.cost == cost(100, 5, 0, 20)


async def test_job_opened_elsewhere_in_the_ledger_is_adopted(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The ledger already holds an open job for this printer (e.g. written by the tracker of a
    reloading entry): the refused start adopts it instead of failing on every snapshot.
    """
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    assert tracker.current_job is None
    other = await hass.async_add_executor_job(
        lambda: ledger.start_job(
            printer_uid=UID,
            printer_name="Workshop P1S",
            entry_id="old-entry",
            job_key="10",
            name="benchy",
            file_name="benchy.3mf",
            started_at=START - minutes(10),
            category="private",
        )
    )

    await feed(hass, tracker, snap(P.PRINTING, 30, job_id="10"))
    assert tracker.current_job is not None
    assert tracker.current_job.job_id == other.job_id
    assert await side_data(hass) == {
        "job_id": other.job_id,
        "energy_start_kwh": None,
        "pause_started": None,
        "reported_at": None,
        "remaining_s": None,
    }
    freezer.tick(minutes(20))
    await feed(hass, tracker, snap(P.PRINTING, 60, job_id="10"))
    freezer.tick(minutes(20))
    await feed(hass, tracker, snap(P.FINISHED, 100, job_id="10"))

    [job] = await all_jobs(hass, ledger)
    assert job.job_id == other.job_id
    assert job.status == "finished"
    assert job.started_at == START - minutes(10)
    assert job.ended_at == START + minutes(40)
    assert job.duration_s == 3000
    assert job.last_progress == 100
    assert tracker.current_job is None
    assert tracker.totals.jobs == 1


# ------------------------------------------------------------------------------- endings


@pytest.mark.parametrize(
    ("outcome", "grams", "expected"),
    [
        (JobOutcome.FAILED, 16.0, cost(40, 3, 0, 8)),  # 16 g 0.40 + 0.03 = 0.43; VAT 0.08
        (JobOutcome.CANCELLED, 16.0, cost(40, 3, 0, 8)),
        (JobOutcome.FINISHED, 40.0, cost(100, 3, 0, 20)),  # 1.03; VAT 0.1957 → 0.20
    ],
)
async def test_error_with_outcome_ends_the_job(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
    outcome: JobOutcome,
    grams: float,
    expected: Any,
) -> None:
    """An ERROR state alone keeps the job (recoverable); an ERROR that says how it ended ends it."""
    finished = async_capture_events(hass, EVENT_JOB_FINISHED)
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, tracker, snap(P.PRINTING, 10))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.ERROR, 40))
    assert tracker.current_job is not None
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.ERROR, 40, outcome=outcome))

    assert tracker.current_job is None
    [job] = await all_jobs(hass, ledger)
    assert job.status == outcome.value
    assert job.ended_at == START + minutes(60)
    assert job.last_progress == (100 if outcome is JobOutcome.FINISHED else 40)
    assert job.materials == (MaterialUsage("PLA", grams),)
    assert job.energy_kwh == Decimal("0.1")
    assert job.cost == expected
    assert [e.data["status"] for e in finished] == [outcome.value]


# ------------------------------------------------------------------------------- identity


async def test_other_file_without_job_id_closes_the_open_job(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Bambu LAN (task id "0"): a.3mf stopped at 5 %, b.3mf printing before we saw the end.

    Progress 5 → 1 is no regression and no print time is reported: only the file tells.
    """
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, tracker, snap(P.PRINTING, 1, job_id="0", name="a", file="a.3mf"))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PRINTING, 5, job_id="0", name="a", file="a.3mf"))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PRINTING, 1, job_id="0", name="a", file="b.3mf"))

    old, new = await all_jobs(hass, ledger)
    assert old.file_name == "a.3mf"
    assert old.status == "failed"  # 5 % < 99 %: it did not reach the end as far as we saw
    assert old.ended_at == START + minutes(60)
    assert old.materials == (MaterialUsage("PLA", 2.0),)  # 5 % of 40 g
    assert new.file_name == "b.3mf"
    assert new.status == "printing"
    assert new.started_at == START + minutes(60)
    assert new.job_key == f"b.3mf@{(START + minutes(60)).isoformat()}"
    assert tracker.current_job is not None
    assert tracker.current_job.job_id == new.job_id


async def test_other_job_name_without_file_closes_the_open_job(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No job id and no file name, only names: a new name means a new job."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    await feed(hass, tracker, snap(P.PRINTING, 3, name="bracket", file=None))
    freezer.tick(minutes(20))
    await feed(hass, tracker, snap(P.PRINTING, 1, name="hinge", file=None))

    old, new = await all_jobs(hass, ledger)
    assert (old.name, old.status, old.ended_at) == ("bracket", "failed", START + minutes(20))
    assert old.job_key == f"bracket@{START.isoformat()}"
    assert old.duration_s == 1200
    assert (new.name, new.status, new.started_at) == ("hinge", "printing", START + minutes(20))
    assert new.job_key == f"hinge@{(START + minutes(20)).isoformat()}"


async def test_print_time_far_from_the_recorded_start_is_another_job(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """PrusaLink without job id, same file reprinted while we were away: the printed time tells.

    A consistent print time keeps the job; 5 min printed two hours after a start means a new one.
    """
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    file = "benchy.bgcode"
    await feed(hass, tracker, snap(P.PRINTING, 5, file=file, time_printing_s=60))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PRINTING, 8, file=file, time_printing_s=1860))
    assert len(await all_jobs(hass, ledger)) == 1
    freezer.tick(minutes(120))  # connection lost: no snapshots
    await feed(hass, tracker, snap(P.PRINTING, 4, file=file, time_printing_s=300))

    old, new = await all_jobs(hass, ledger)
    assert old.started_at == START - minutes(1)
    assert old.status == "failed"
    assert old.ended_at == START + minutes(150)
    assert old.duration_s == 9060
    assert old.last_progress == 8
    assert old.materials == (MaterialUsage("PLA", 3.2),)  # 8 % of 40 g
    assert old.energy_kwh == Decimal("0.251667")  # 100 W × 151 min
    # 3.2 g × 25 = 0.08; 0.251667 × 0.30 = 0.0755 → 0.08; net 0.16; VAT 0.0304 → 0.03
    assert old.cost == cost(8, 8, 0, 3)
    assert new.started_at == START + minutes(145)
    assert new.status == "printing"
    assert new.last_progress == 4


async def test_first_seen_paused_starts_a_paused_job(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """HA comes up while the printer waits paused: the job opens paused and the pause is excluded."""
    seen: list[tuple[str, int]] = []
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    tracker.async_add_listener(lambda kind, data: seen.append((kind, data["job_id"])))
    await feed(hass, tracker, snap(P.PAUSED, 20, job_id="3"))
    assert tracker.current_job is not None
    job_id = tracker.current_job.job_id
    assert tracker.current_job.status == "paused"
    assert tracker.current_job.last_progress == 20
    assert await side_data(hass) == {
        "job_id": job_id,
        "energy_start_kwh": None,
        "pause_started": START.isoformat(),
        "reported_at": START.isoformat(),
        "remaining_s": None,
    }
    freezer.tick(minutes(20))
    await feed(hass, tracker, snap(P.PRINTING, 20, job_id="3"))
    assert tracker.current_job.paused_s == 1200
    freezer.tick(minutes(40))
    await feed(hass, tracker, snap(P.FINISHED, 100, job_id="3"))

    [job] = await all_jobs(hass, ledger)
    assert job.started_at == START
    assert job.duration_s == 3600
    assert job.paused_s == 1200
    assert job.energy_kwh == Decimal("0.066667")  # 100 W × 40 min printed
    assert seen == [
        ("started", job_id),
        ("paused", job_id),
        ("resumed", job_id),
        ("finished", job_id),
    ]


async def test_names_learnt_after_the_start_are_stored(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """PrusaLink gives the job document later than the status: name and file fill in once known."""
    finished = async_capture_events(hass, EVENT_JOB_FINISHED)
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    await feed(hass, tracker, snap(P.PRINTING, 1, job_id="5", name=None, file=None))
    assert tracker.current_job is not None
    assert (tracker.current_job.name, tracker.current_job.file_name) == (None, None)
    freezer.tick(minutes(1))
    await feed(hass, tracker, snap(P.PRINTING, 1, job_id="5", name="benchy", file="benchy.bgcode"))
    assert (tracker.current_job.name, tracker.current_job.file_name) == ("benchy", "benchy.bgcode")
    freezer.tick(minutes(59))
    await feed(hass, tracker, snap(P.FINISHED, 100, job_id="5", name=None, file=None))

    [job] = await all_jobs(hass, ledger)
    assert job.job_key == "5"
    assert (job.name, job.file_name) == ("benchy", "benchy.bgcode")
    assert job.duration_s == 3600
    assert [e.data["job_name"] for e in finished] == ["benchy"]


async def test_entry_without_unique_id_keys_jobs_on_the_entry_id(
    hass: HomeAssistant, ledger: Ledger, make_tracker: MakeTracker
) -> None:
    """A printer entry without unique id still gets its own ledger identity (its entry id)."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=None, title="Garage MK4", options={CONF_POWER_WATTS: 100}
    )
    entry.add_to_hass(hass)
    tracker = await make_tracker(entry=entry)
    assert tracker.printer_uid == entry.entry_id
    await feed(hass, tracker, snap(P.PRINTING, 2, job_id="8"))

    [job] = await all_jobs(hass, ledger)
    assert job.printer_uid == entry.entry_id
    assert job.printer_name == "Garage MK4"
    assert (await side_data(hass, entry.entry_id) or {}).get("job_id") == job.job_id
    assert await side_data(hass) is None


# ------------------------------------------------------------------------------- metadata


async def test_end_metadata_that_hangs_gives_up_after_the_timeout(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The printer's file server stalls at the end: after 60 s the job closes without grams."""
    asked = asyncio.Event()
    never = asyncio.Event()

    async def provider(
        job: JobRecord, snapshot: PrinterSnapshot, phase: MetadataPhase
    ) -> PrintMetadata | None:
        if snapshot.status is P.FINISHED:
            asked.set()
            await never.wait()
        return None

    finished = async_capture_events(hass, EVENT_JOB_FINISHED)
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, provider)
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(60))
    update = hass.async_create_task(tracker.async_update(snap(P.FINISHED, 100)))
    await until(asked)
    assert not update.done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=59))
    await asyncio.sleep(0)
    assert not update.done()  # still within the 60 s
    with caplog.at_level(logging.WARNING):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
        await update

    [job] = await all_jobs(hass, ledger)
    assert job.status == "finished"
    assert job.ended_at == START + minutes(60)
    assert job.complete is False
    assert job.materials == ()
    assert job.cost == cost(0, 3, 0, 1)  # 0.1 kWh × 0.30 = 0.03; VAT 0.0057 → 0.01
    assert [e.data["material_g"] for e in finished] == [None]
    assert f"No file metadata for job {job.job_id} within 60.0s" in caplog.text
    assert tracker.current_job is None


async def test_late_start_metadata_of_a_replaced_job_is_dropped(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Job 101's file fetch answers only after 102 replaced it: the late answer is dropped.

    101 is closed (its row is final, never rewritten) and 102's file has no metadata (an A1
    locks it while printing): neither may receive 101's 40 g, and no ledger error may escape.
    """
    gate = asyncio.Event()

    async def provider(
        job: JobRecord, snapshot: PrinterSnapshot, phase: MetadataPhase
    ) -> PrintMetadata | None:
        if job.job_key == "101":
            await gate.wait()
            return PLA40
        return None

    tracker = await make_tracker({CONF_POWER_WATTS: 100}, provider)
    await tracker.async_update(snap(P.PRINTING, 5, job_id="101", name="a", file="a.3mf"))
    await hass.async_block_till_done()
    freezer.tick(minutes(30))
    await tracker.async_update(snap(P.PRINTING, 1, job_id="102", name="b", file="b.3mf"))
    await hass.async_block_till_done()
    gate.set()
    await hass.async_block_till_done(wait_background_tasks=True)

    old, new = await all_jobs(hass, ledger)
    assert (old.job_key, old.status) == ("101", "failed")
    assert old.materials == ()
    assert old.complete is False
    assert (new.job_key, new.status) == ("102", "printing")
    assert new.materials == ()
    assert tracker.current_job is not None
    assert tracker.current_job.job_id == new.job_id
    assert tracker.current_job.materials == ()


# ------------------------------------------------------------------------------- energy


async def test_energy_meter_in_mwh(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A meter reporting MWh: 0.0123 → 0.01255 MWh is 0.25 kWh, billed as measured."""
    hass.states.async_set(SENSOR, "0.0123", {"unit_of_measurement": "MWh"})
    tracker = await make_tracker(
        {CONF_POWER_WATTS: 100, CONF_ENERGY_SENSOR: SENSOR}, FakeMetadata(PLA40)
    )
    await feed(hass, tracker, snap(P.PRINTING, 0))
    assert (await side_data(hass) or {}).get("energy_start_kwh") == "12.3000"
    freezer.tick(minutes(90))
    hass.states.async_set(SENSOR, "0.01255", {"unit_of_measurement": "MWh"})
    await feed(hass, tracker, snap(P.FINISHED, 100))

    [job] = await all_jobs(hass, ledger)
    assert job.energy_source == "measured"
    assert job.energy_kwh == Decimal("0.25")
    # energy 0.075 → 0.08; material 1.00; net 1.08; VAT 0.2052 → 0.21
    assert job.cost == cost(100, 8, 0, 21)


async def test_running_cost_estimate_uses_the_meter(
    hass: HomeAssistant,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The job_cost sensor while printing: a plausible meter delta beats watts × hours."""
    hass.states.async_set(SENSOR, "12.3", {"unit_of_measurement": "kWh"})
    tracker = await make_tracker(
        {CONF_POWER_WATTS: 100, CONF_MACHINE_RATE: 2, CONF_ENERGY_SENSOR: SENSOR},
        FakeMetadata(PLA40),
    )
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(45))
    hass.states.async_set(SENSOR, "12.5", {"unit_of_measurement": "kWh"})
    await feed(hass, tracker, snap(P.PRINTING, 50))
    # 20 g × 25 = 0.50; 0.2 kWh × 0.30 = 0.06; 0.75 h × 2 = 1.50; net 2.06; VAT 0.3914 → 0.39
    assert tracker.current_cost_estimate() == cost(50, 6, 150, 39)

    hass.states.async_set(SENSOR, "40.0", {"unit_of_measurement": "kWh"})  # 27.7 kWh in 45 min
    # implausible: back to the estimate, 0.075 kWh × 0.30 = 0.0225 → 0.02; VAT 0.3838 → 0.38
    assert tracker.current_cost_estimate() == cost(50, 2, 150, 38)


# ------------------------------------------------------------------------------- listeners


async def test_broken_listener_does_not_stop_others_or_the_ledger(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing event-entity callback is logged; other listeners, bus events and ledger go on."""

    def broken(kind: str, data: dict[str, Any]) -> None:
        raise RuntimeError("entity gone")

    seen: list[str] = []
    started = async_capture_events(hass, EVENT_JOB_STARTED)
    finished = async_capture_events(hass, EVENT_JOB_FINISHED)
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    tracker.async_add_listener(broken)
    tracker.async_add_listener(lambda kind, data: seen.append(kind))
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.FINISHED, 100))

    assert seen == ["started", "finished"]
    assert len(started) == 1
    assert [e.data["cost_gross"] for e in finished] == [1.23]  # 1.03 net + 0.20 VAT
    [job] = await all_jobs(hass, ledger)
    assert job.status == "finished"
    assert "Job listener failed on started" in caplog.text
    assert "Job listener failed on finished" in caplog.text


# ------------------------------------------------------------------------------- prices


async def test_job_fields_say_which_material_was_priced_with_the_default(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """PLA from the price table, ASA at the default price: each material says so, for good.

    The answer comes from the job's price snapshot: adding ASA to the table later does not
    turn an old job's default price into a table price. A job written before price sources
    were recorded answers None (unknown) rather than guessing.
    """
    meta = PrintMetadata(materials=(MaterialUsage("pla", 30.0), MaterialUsage("ASA", 10.0)))
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(meta))
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.FINISHED, 100))
    [job] = await all_jobs(hass, ledger)
    # 30 g × 25 + 10 g × 20 (default) = 0.95; 0.1 kWh 0.03; net 0.98; VAT 0.1862 → 0.19
    assert job.cost == cost(95, 3, 0, 19)

    await tracker._settings.async_update({"material_prices": {"ASA": "35"}})
    listed = await async_list_jobs(hass, ledger)
    [fields] = listed["jobs"]
    assert fields["materials"] == [
        {"material": "pla", "grams": 30.0, "price_source": "table"},
        {"material": "ASA", "grams": 10.0, "price_source": "default"},
    ]

    legacy = dict(job.prices)
    for key in [k for k in legacy if k.startswith("price_source:")]:
        del legacy[key]
    old = await hass.async_add_executor_job(
        partial(ledger.add_revision, job.job_id, reason="legacy", changes={"prices": legacy})
    )
    assert [m["price_source"] for m in job_fields(old, dt_util.UTC)["materials"]] == [None, None]


async def test_grams_pending_until_the_file_is_read_at_the_end(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A P1/A1 job started outside HA: the start answers nothing (the printer is busy).

    job_cost shows energy and machine so far, flagged material_pending, until the end reads
    the file; then the job is complete and nothing is pending.
    """
    metadata = FakeMetadata(None, PLA40)
    tracker = await make_tracker({CONF_POWER_WATTS: 100, CONF_MACHINE_RATE: 2}, metadata)
    assert tracker.material_pending is False  # no job, nothing pending
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PRINTING, 50))
    assert tracker.material_pending is True
    # 0.05 kWh × 0.30 = 0.015 → 0.02; 0.5 h × 2 = 1.00; no material yet; VAT 0.1938 → 0.19
    assert tracker.current_cost_estimate() == cost(0, 2, 100, 19)
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.FINISHED, 100))
    assert metadata.phases == ["start", "end"]
    assert tracker.material_pending is False
    [job] = await all_jobs(hass, ledger)
    assert (job.complete, job.material_g) == (True, Decimal(40))


async def test_shutdown_while_a_job_ends_leaves_it_to_the_next_tracker(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unload during the end's file fetch: nothing is written, the fetch is cancelled, the job
    stays open with its last report saved; the next tracker ends it from the same end state."""
    asked = asyncio.Event()
    cancelled = asyncio.Event()

    async def hanging(
        job: JobRecord, snapshot: PrinterSnapshot, phase: MetadataPhase
    ) -> PrintMetadata | None:
        if phase == "end":
            asked.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.set()
                raise
        return None

    finished = async_capture_events(hass, EVENT_JOB_FINISHED)
    before = await make_tracker({CONF_POWER_WATTS: 100}, hanging)
    await feed(hass, before, snap(P.PRINTING, 0))
    freezer.tick(minutes(59))
    await feed(hass, before, snap(P.PRINTING, 98))
    freezer.tick(minutes(1))
    update = hass.async_create_task(before.async_update(snap(P.FINISHED, 100)))
    await until(asked)

    await before.async_shutdown()
    await update
    assert cancelled.is_set()
    await before.async_update(snap(P.FINISHED, 100))  # a late snapshot is ignored
    [job] = await all_jobs(hass, ledger)
    assert (job.status, finished) == ("printing", [])
    assert (await side_data(hass) or {})["reported_at"] == (START + minutes(59)).isoformat()

    after = await make_tracker(metadata=FakeMetadata(PLA40))
    await feed(hass, after, snap(P.FINISHED, 100))
    [job] = await all_jobs(hass, ledger)
    assert (job.status, job.end_estimated, job.duration_s) == ("finished", False, 3600)
    assert job.materials == (MaterialUsage("PLA", 40.0),)
    assert [e.data["job_id"] for e in finished] == [job.job_id]


# ------------------------------------------------------------------------------- fleet scale


async def test_fed_reports_apply_at_once_unless_the_ledger_changes(
    hass: HomeAssistant, ledger: Ledger, make_tracker: MakeTracker
) -> None:
    """A report that only moves the job along is applied when it comes (no task); a start, a
    whole-percent step or a pause writes to the ledger in a task, and reports after it wait
    their turn."""
    tracker = await make_tracker()
    tracker.async_feed(snap(P.PRINTING, 5.0))
    tracker.async_feed(snap(P.PRINTING, 5.5))  # behind the start: not applied before it
    assert tracker.current_job is None
    await hass.async_block_till_done()
    job = tracker.current_job
    assert job is not None
    assert (job.status, job.last_progress) == ("printing", 5.0)
    assert tracker._seen.progress == 5.5

    tracker.async_feed(snap(P.PRINTING, 5.9, remaining_minutes=30))
    # applied at once, before the loop ran anything
    assert (tracker._seen.progress, tracker._seen.remaining_s) == (5.9, 1800)
    assert tracker.current_job is job  # nothing written

    assert tracker._queued == 0
    tracker.async_feed(snap(P.PRINTING, 6.2))  # a whole-percent step is written: a task
    assert tracker._queued == 1
    assert tracker.current_job.last_progress == 5.0
    await hass.async_block_till_done()
    assert tracker._queued == 0
    assert tracker._seen.progress == 6.2
    assert tracker.current_job.last_progress == 6.2

    tracker.async_feed(snap(P.PAUSED, 6.3))
    assert tracker.current_job.status == "printing"
    await hass.async_block_till_done()
    assert tracker.current_job.status == "paused"
    [stored] = await all_jobs(hass, ledger)
    assert (stored.status, stored.last_progress) == ("paused", 6.2)

    tracker.async_feed(snap(P.IDLE, 6.3))  # the user stopped it: the end runs in a task
    assert tracker.current_job is not None
    await hass.async_block_till_done(wait_background_tasks=True)
    assert tracker.current_job is None
    [stored] = await all_jobs(hass, ledger)
    assert stored.status == "cancelled"
    tracker.async_feed(snap(P.IDLE, None))  # nothing to record: nothing scheduled
    assert tracker._queued == 0
    await tracker.async_shutdown()
    tracker.async_feed(snap(P.PRINTING, 1.0))  # unloaded: a late report starts nothing
    assert tracker._queued == 0
    await hass.async_block_till_done()
    assert tracker.current_job is None
    assert len(await all_jobs(hass, ledger)) == 1


async def test_reports_every_second_do_not_put_the_save_off(
    hass: HomeAssistant, make_tracker: MakeTracker, freezer: FrozenDateTimeFactory
) -> None:
    """The last report is saved within a minute while reports go on every second (a save
    pushed back on every report would wait until the printer falls silent)."""
    tracker = await make_tracker()
    await feed(hass, tracker, snap(P.PRINTING, 5.0, remaining_minutes=90))
    saved = await side_data(hass)
    assert saved is not None
    assert (saved["reported_at"], saved["remaining_s"]) == (START.isoformat(), 5400)
    for second in range(1, 91):
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        tracker.async_feed(snap(P.PRINTING, 5.0, remaining_minutes=90 - second // 60))
        await hass.async_block_till_done()
    saved = await side_data(hass)
    assert saved is not None
    # scheduled by the report at 1 s, written at 61 s with what the reports told until then
    assert saved["reported_at"] == (START + timedelta(seconds=60)).isoformat()
    assert saved["remaining_s"] == 89 * 60
