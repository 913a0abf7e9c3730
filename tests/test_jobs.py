"""JobTracker: snapshot sequences in, ledger jobs with exact times, grams, energy and cents out.

Real Ledger (SQLite in tmp_path), real SettingsStore, time moved with `freezer`. Settings used
throughout: PLA 25 EUR/kg, PETG 30 EUR/kg, default 20 EUR/kg, 0.30 EUR/kWh, 19 % VAT.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
import pathlib
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.printernizer.api.models import (
    JobOutcome,
    MaterialUsage,
    PrinterSnapshot,
    PrinterStatus,
    PrintMetadata,
)
from custom_components.printernizer.const import (
    CATEGORY_BUSINESS,
    CONF_DEFAULT_CATEGORY,
    CONF_ENERGY_SENSOR,
    CONF_MACHINE_RATE,
    CONF_POWER_WATTS,
    DOMAIN,
    EVENT_JOB_FINISHED,
    EVENT_JOB_STARTED,
)
from custom_components.printernizer.costs import CostBreakdown
from custom_components.printernizer.jobs import (
    JobTracker,
    MetadataPhase,
    default_power_watts,
    printer_power_watts,
)
from custom_components.printernizer.ledger import JobRecord, Ledger
from custom_components.printernizer.settings import SettingsStore

START = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
DEVICE_ID = "device-1"
SENSOR = "sensor.printer_plug_energy"

P = PrinterStatus
PLA40 = PrintMetadata(materials=(MaterialUsage("PLA", 40.0),))


def snap(
    status: PrinterStatus,
    progress: float | None = None,
    *,
    name: str | None = "benchy",
    file: str | None = "benchy.3mf",
    job_id: str | None = None,
    outcome: JobOutcome | None = None,
    model: str = "P1S",
    **kwargs: Any,
) -> PrinterSnapshot:
    """A normalised snapshot as the coordinator hands it over."""
    return PrinterSnapshot(
        status=status,
        progress=progress,
        job_name=name,
        file_name=file,
        job_id=job_id,
        outcome=outcome,
        model=model,
        **kwargs,
    )


class FakeMetadata:
    """A metadata provider answering from a script and recording its calls."""

    def __init__(self, *answers: PrintMetadata | None | Exception) -> None:
        """Answers are used in order; the last one repeats."""
        self.answers = list(answers)
        self.calls: list[tuple[int, PrinterStatus]] = []
        self.phases: list[MetadataPhase] = []

    async def __call__(
        self, job: JobRecord, snapshot: PrinterSnapshot, phase: MetadataPhase
    ) -> PrintMetadata | None:
        """Answer like a file fetch would."""
        self.calls.append((job.job_id, snapshot.status))
        self.phases.append(phase)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
async def ledger(hass: HomeAssistant, tmp_path: pathlib.Path) -> AsyncIterator[Ledger]:
    """A real ledger file, closed after the test."""
    led = Ledger(tmp_path / "printernizer.db")
    await hass.async_add_executor_job(led.open)
    yield led
    await hass.async_add_executor_job(led.close)


@pytest.fixture
async def settings(hass: HomeAssistant) -> SettingsStore:
    """Shared settings with the prices the expected cents are computed from."""
    store = SettingsStore(hass)
    await store.async_load()
    await store.async_update(
        {
            "material_prices": {"PLA": "25", "PETG": "30"},
            "default_material_price": "20",
            "electricity_price": "0.30",
            "vat_rate": 19,
            "small_business": False,
        }
    )
    return store


@pytest.fixture
def start_time(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Every test starts at START."""
    freezer.move_to(START)
    return freezer


type MakeTracker = Callable[..., Awaitable[JobTracker]]


@pytest.fixture
def make_tracker(
    hass: HomeAssistant,
    ledger: Ledger,
    settings: SettingsStore,
    start_time: FrozenDateTimeFactory,
) -> MakeTracker:
    """Build (and restore) a tracker; a second call on the same entry simulates an HA restart."""
    entries: dict[str, MockConfigEntry] = {}

    async def make(
        options: dict[str, Any] | None = None,
        metadata: FakeMetadata | None = None,
        *,
        entry: MockConfigEntry | None = None,
    ) -> JobTracker:
        if entry is None:
            entry = entries.get("entry")
        if entry is None:
            entry = MockConfigEntry(
                domain=DOMAIN,
                unique_id="SERIAL1",
                title="Workshop P1S",
                data={},
                options=options if options is not None else {CONF_POWER_WATTS: 100},
            )
            entry.add_to_hass(hass)
            entries["entry"] = entry
        tracker = JobTracker(
            hass,
            entry,
            ledger=ledger,
            settings=settings,
            device_id=DEVICE_ID,
            metadata_provider=metadata,
        )
        await tracker.async_restore()
        return tracker

    return make


async def feed(hass: HomeAssistant, tracker: JobTracker, snapshot: PrinterSnapshot) -> None:
    """Hand one snapshot over and let background metadata fetches finish."""
    await tracker.async_update(snapshot)
    await hass.async_block_till_done(wait_background_tasks=True)


async def all_jobs(hass: HomeAssistant, ledger: Ledger) -> list[JobRecord]:
    """Every job in the ledger, oldest first."""
    jobs, total = await hass.async_add_executor_job(lambda: ledger.list_jobs(limit=1000))
    assert total == len(jobs)
    return sorted(jobs, key=lambda j: j.job_id)


def cost(material: int, energy: int, machine: int, vat: int) -> CostBreakdown:
    """Expected cost from hand-computed cents."""
    net = material + energy + machine
    return CostBreakdown(
        material_cents=material,
        energy_cents=energy,
        machine_cents=machine,
        net_cents=net,
        vat_cents=vat,
        gross_cents=net + vat,
    )


def minutes(n: float) -> timedelta:
    """Readable time steps."""
    return timedelta(minutes=n)


# ------------------------------------------------------------------------------- full job


async def test_full_job_lands_with_grams_energy_cost_and_times(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Preparing → printing → finished: 40 g PLA, 100 W × 1.5 h, 2 EUR/h machine."""
    metadata = FakeMetadata(PLA40)
    tracker = await make_tracker({CONF_POWER_WATTS: 100, CONF_MACHINE_RATE: 2}, metadata)

    await feed(hass, tracker, snap(P.PREPARING, 0))
    assert tracker.current_job is not None
    assert tracker.current_job.materials == (MaterialUsage("PLA", 40.0),)
    assert tracker.current_job.started_at == START
    freezer.tick(minutes(10))
    await feed(hass, tracker, snap(P.PRINTING, 10))
    freezer.tick(minutes(40))
    await feed(hass, tracker, snap(P.PRINTING, 60.4))
    freezer.tick(minutes(40))
    await feed(hass, tracker, snap(P.FINISHED, 100, outcome=JobOutcome.FINISHED))

    assert tracker.current_job is None
    [job] = await all_jobs(hass, ledger)
    assert job.status == "finished"
    assert job.started_at == START
    assert job.ended_at == START + minutes(90)
    assert job.duration_s == 5400
    assert job.paused_s == 0
    assert job.last_progress == 100
    assert job.materials == (MaterialUsage("PLA", 40.0),)
    assert job.energy_kwh == Decimal("0.15")
    assert job.energy_source == "estimated"
    # material 40 g × 25 €/kg = 1.00; energy 0.15 kWh × 0.30 = 0.045 → 0.05 (half-up);
    # machine 1.5 h × 2 = 3.00; net 4.05; VAT 19 % = 0.7695 → 0.77; gross 4.82
    assert job.cost == cost(100, 5, 300, 77)
    assert job.currency == "EUR"
    assert job.complete is True
    assert job.category == "private"
    assert job.job_key == f"benchy.3mf@{START.isoformat()}"
    assert job.printer_uid == "SERIAL1"
    assert job.printer_name == "Workshop P1S"
    assert job.prices == {
        "material:PLA": "25",
        "price_source:PLA": "table",
        "default_material_price": "20",
        "electricity_price": "0.30",
        "machine_rate": "2",
        "vat_rate": "19",
        "small_business": "false",
        "power_watts": "100",
    }
    assert metadata.calls == [(job.job_id, P.PREPARING)]
    assert metadata.phases == ["start"]  # the grams were known: the end does not ask again
    assert tracker.last_job == job
    assert tracker.totals.jobs == 1
    assert tracker.totals.cost_cents == 482
    assert tracker.totals.material_g == Decimal(40)
    assert tracker.totals.energy_kwh == Decimal("0.15")


async def test_pause_is_excluded_from_energy_and_machine_time(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """2 h on the printer with a 30 min pause bills 1.5 h."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100, CONF_MACHINE_RATE: 2}, FakeMetadata(PLA40))
    await feed(hass, tracker, snap(P.PRINTING, 1))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PAUSED, 30))
    assert tracker.current_job is not None
    assert tracker.current_job.status == "paused"
    freezer.tick(minutes(20))
    await feed(hass, tracker, snap(P.PAUSED, 30))  # still paused: nothing changes
    freezer.tick(minutes(10))
    await feed(hass, tracker, snap(P.PRINTING, 31))
    assert tracker.current_job.status == "printing"
    assert tracker.current_job.paused_s == 1800
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.FINISHED, 100))

    [job] = await all_jobs(hass, ledger)
    assert job.status == "finished"
    assert job.duration_s == 7200
    assert job.paused_s == 1800
    assert job.energy_kwh == Decimal("0.15")
    # material 1.00; energy 0.05; machine 1.5 h × 2 = 3.00; net 4.05; VAT 0.77
    assert job.cost == cost(100, 5, 300, 77)


@pytest.mark.parametrize(
    ("unit", "start", "end"), [("kWh", "12.300", "12.550"), ("Wh", "12300", "12550")]
)
async def test_measured_energy_from_sensor(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
    unit: str,
    start: str,
    end: str,
) -> None:
    """A plausible meter delta (0.25 kWh in 1.5 h) wins over the estimate."""
    hass.states.async_set(SENSOR, start, {"unit_of_measurement": unit})
    tracker = await make_tracker(
        {CONF_POWER_WATTS: 100, CONF_ENERGY_SENSOR: SENSOR}, FakeMetadata(PLA40)
    )
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(90))
    hass.states.async_set(SENSOR, end, {"unit_of_measurement": unit})
    await feed(hass, tracker, snap(P.FINISHED, 100))

    [job] = await all_jobs(hass, ledger)
    assert job.energy_source == "measured"
    assert job.energy_kwh == Decimal("0.25")
    # energy 0.25 × 0.30 = 0.075 → 0.08 (half-up); material 1.00; net 1.08; VAT 0.2052 → 0.21
    assert job.cost == cost(100, 8, 0, 21)
    assert "power_watts" not in job.prices


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("12.3", "5.0"),  # meter reset: negative delta
        ("12.3", "25.0"),  # 12.7 kWh in 1.5 h is more than 5 kW
        ("12.3", "unavailable"),
        ("unavailable", "12.4"),
        ("12.3", "not a number"),
    ],
)
async def test_implausible_sensor_falls_back_to_estimate(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
    start: str,
    end: str,
) -> None:
    """A meter we cannot believe gives the watts × hours estimate, marked as such."""
    hass.states.async_set(SENSOR, start, {"unit_of_measurement": "kWh"})
    tracker = await make_tracker(
        {CONF_POWER_WATTS: 100, CONF_ENERGY_SENSOR: SENSOR}, FakeMetadata(PLA40)
    )
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(90))
    hass.states.async_set(SENSOR, end, {"unit_of_measurement": "kWh"})
    await feed(hass, tracker, snap(P.FINISHED, 100))

    [job] = await all_jobs(hass, ledger)
    assert job.energy_source == "estimated"
    assert job.energy_kwh == Decimal("0.15")
    assert job.prices["power_watts"] == "100"
    assert job.cost == cost(100, 5, 0, 20)  # net 1.05, VAT 0.1995 → 0.20


async def test_power_defaults_to_the_model_table(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No power option: an A1 mini is estimated at 80 W."""
    tracker = await make_tracker({}, FakeMetadata(PLA40))
    await feed(hass, tracker, snap(P.PRINTING, 0, model="A1 mini"))
    freezer.tick(minutes(90))
    await feed(hass, tracker, snap(P.FINISHED, 100, model="A1 mini"))
    [job] = await all_jobs(hass, ledger)
    assert job.energy_kwh == Decimal("0.12")
    assert job.prices["power_watts"] == "80"


@pytest.mark.parametrize(
    ("model", "watts"),
    [
        ("A1", 95),
        ("A1 mini", 80),
        ("A1MINI", 80),
        ("P1S", 105),
        ("P1P", 105),
        ("P2S", 110),
        ("X1C", 105),
        ("X1 Carbon", 105),
        ("X1E", 105),
        ("H2D", 150),
        ("H2D Pro", 150),
        ("H2S", 140),
        ("MK3S", 80),
        ("Original Prusa MK4", 100),
        ("MK4S", 100),
        ("Core One", 100),
        ("COREONE", 100),
        ("XL", 150),
        ("Original Prusa XL", 150),
        ("MINI", 50),
        ("MINI+", 50),
        ("Ender 3", 100),
        ("", 100),
        (None, 100),
    ],
)
def test_default_power_watts(model: str | None, watts: int) -> None:
    """The model table behind the estimate: every model the integration knows."""
    assert default_power_watts(model) == watts


@pytest.mark.parametrize(
    ("options", "model", "watts"),
    [
        ({}, "P1S", Decimal(105)),
        ({CONF_POWER_WATTS: 0}, "P1S", Decimal(105)),  # 0 means "not set"
        ({CONF_POWER_WATTS: -5}, "MINI", Decimal(50)),
        ({CONF_POWER_WATTS: "abc"}, None, Decimal(100)),
        ({CONF_POWER_WATTS: 142.5}, "P1S", Decimal("142.5")),
        ({CONF_POWER_WATTS: 90}, None, Decimal(90)),
    ],
)
def test_printer_power_watts(options: dict[str, Any], model: str | None, watts: Decimal) -> None:
    """One place knows a printer's power: its option above 0, else its model's typical power."""
    assert printer_power_watts(options, model) == watts


# ------------------------------------------------------------------------------- outcomes


async def test_failed_at_40_percent_scales_grams(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failure at 40 % used 40 % of each material."""
    meta = PrintMetadata(materials=(MaterialUsage("PLA", 50.0), MaterialUsage("PETG", 10.0)))
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(meta))
    await feed(hass, tracker, snap(P.PRINTING, 10))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PRINTING, 40))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.FAILED, 40))

    [job] = await all_jobs(hass, ledger)
    assert job.status == "failed"
    assert job.last_progress == 40
    assert job.materials == (MaterialUsage("PLA", 20.0), MaterialUsage("PETG", 4.0))
    assert job.material_g == Decimal(24)
    assert job.complete is True
    assert job.energy_kwh == Decimal("0.1")
    # 20 g × 25 + 4 g × 30 = 0.62; energy 0.1 × 0.30 = 0.03; net 0.65; VAT 0.1235 → 0.12
    assert job.cost == cost(62, 3, 0, 12)
    assert job.prices["material:PETG"] == "30"


async def test_cancel_outcome_ends_cancelled_with_pause_until_the_end(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Bambu cancel: FAILED with outcome cancelled, while paused; progress reset ignored."""
    tracker = await make_tracker(
        {CONF_POWER_WATTS: 100},
        FakeMetadata(PrintMetadata(materials=(MaterialUsage("PLA", 50.0),))),
    )
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PAUSED, 25))
    freezer.tick(minutes(30))
    # some firmware reports 0 % after a cancel: the job's progress stays at the highest seen
    await feed(hass, tracker, snap(P.FAILED, 0, outcome=JobOutcome.CANCELLED))

    [job] = await all_jobs(hass, ledger)
    assert job.status == "cancelled"
    assert job.duration_s == 3600
    assert job.paused_s == 1800
    assert job.last_progress == 25
    assert job.materials == (MaterialUsage("PLA", 12.5),)
    assert job.energy_kwh == Decimal("0.05")
    # 12.5 g × 25 €/kg = 0.3125 → 0.31; 0.05 kWh × 0.30 = 0.015 → 0.02; net 0.33; VAT 0.0627 → 0.06
    assert job.cost == cost(31, 2, 0, 6)


@pytest.mark.parametrize(
    ("last_progress", "status", "grams"),
    [(60.0, "cancelled", 24.0), (99.5, "finished", 40.0)],
)
async def test_idle_without_end_state_closes_by_last_progress(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
    last_progress: float,
    status: str,
    grams: float,
) -> None:
    """Buddy drops the job and jumps to IDLE: ≥ 99 % finished, else cancelled."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, tracker, snap(P.PRINTING, 1, job_id="7"))
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.PRINTING, last_progress, job_id="7"))
    freezer.tick(minutes(1))
    await feed(hass, tracker, snap(P.IDLE, None, name=None, file=None))

    [job] = await all_jobs(hass, ledger)
    assert job.status == status
    assert job.job_key == "7"
    assert job.ended_at == START + minutes(61)
    assert job.materials == (MaterialUsage("PLA", grams),)
    assert tracker.current_job is None


async def test_job_without_metadata_is_incomplete(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No grams known: material 0, flagged incomplete, material_g None in the event."""
    events = async_capture_events(hass, EVENT_JOB_FINISHED)
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.FINISHED, 100))

    [job] = await all_jobs(hass, ledger)
    assert job.complete is False
    assert job.materials == ()
    assert job.cost == cost(0, 3, 0, 1)  # 0.1 kWh × 0.30 = 0.03; VAT 0.0057 → 0.01
    assert events[0].data["material_g"] is None
    assert events[0].data["cost_gross"] == 0.04


@pytest.mark.parametrize(
    "answers",
    [
        (None,),
        (RuntimeError("ftp refused"),),
        (PrintMetadata(materials=()),),
    ],
)
async def test_metadata_provider_without_grams_never_loses_the_job(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
    answers: tuple[Any, ...],
) -> None:
    """Unknown, failing or empty metadata: asked at start and end, job recorded incomplete."""
    metadata = FakeMetadata(*answers)
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, metadata)
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.FINISHED, 100))
    [job] = await all_jobs(hass, ledger)
    assert job.status == "finished"
    assert job.complete is False
    assert [status for _, status in metadata.calls] == [P.PRINTING, P.FINISHED]
    assert metadata.phases == ["start", "end"]


async def test_metadata_unknown_at_start_is_asked_again_at_the_end(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Bambu A1 locks its files while printing: the grams come at the end."""
    metadata = FakeMetadata(None, PLA40)
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, metadata)
    await feed(hass, tracker, snap(P.PRINTING, 0))
    assert tracker.current_job is not None
    assert tracker.current_job.materials == ()
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.FINISHED, 100))
    [job] = await all_jobs(hass, ledger)
    assert job.complete is True
    assert job.materials == (MaterialUsage("PLA", 40.0),)
    assert job.cost == cost(100, 3, 0, 20)  # net 1.03, VAT 0.1957 → 0.20
    assert len(metadata.calls) == 2


# ------------------------------------------------------------------------------- identity


async def test_restart_mid_print_continues_the_same_job(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """HA stops at 30 %, starts again 20 min later: one job, with the meter start kept."""
    hass.states.async_set(SENSOR, "10.0", {"unit_of_measurement": "kWh"})
    options = {CONF_POWER_WATTS: 100, CONF_ENERGY_SENSOR: SENSOR}
    before = await make_tracker(options, FakeMetadata(PLA40))
    await feed(hass, before, snap(P.PRINTING, 5, name="bracket", file="bracket.3mf"))
    freezer.tick(minutes(30))
    await feed(hass, before, snap(P.PRINTING, 30, name="bracket", file="bracket.3mf"))
    assert before.current_job is not None
    job_id = before.current_job.job_id

    freezer.tick(minutes(20))  # HA is down
    metadata_after = FakeMetadata(None)
    after = await make_tracker(metadata=metadata_after)
    assert after.current_job is not None
    assert after.current_job.job_id == job_id
    await feed(hass, after, snap(P.PRINTING, 60, name="bracket", file="bracket.3mf"))
    assert after.current_job.job_id == job_id
    freezer.tick(minutes(40))
    hass.states.async_set(SENSOR, "10.2", {"unit_of_measurement": "kWh"})
    await feed(hass, after, snap(P.FINISHED, 100, name="bracket", file="bracket.3mf"))

    [job] = await all_jobs(hass, ledger)
    assert job.job_id == job_id
    assert job.status == "finished"
    assert job.started_at == START
    assert job.duration_s == 5400
    assert job.materials == (MaterialUsage("PLA", 40.0),)
    assert job.energy_source == "measured"
    assert job.energy_kwh == Decimal("0.2")
    assert job.complete is True
    assert metadata_after.calls == []  # grams were already known


async def test_restart_while_paused_keeps_the_pause(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The pause start survives the restart, so the whole pause is excluded."""
    before = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, before, snap(P.PRINTING, 5))
    freezer.tick(minutes(30))
    await feed(hass, before, snap(P.PAUSED, 30))
    freezer.tick(minutes(15))  # HA restarts during the pause
    after = await make_tracker()
    freezer.tick(minutes(15))
    await feed(hass, after, snap(P.PRINTING, 30))
    assert after.current_job is not None
    assert after.current_job.paused_s == 1800
    freezer.tick(minutes(60))
    await feed(hass, after, snap(P.FINISHED, 100))
    [job] = await all_jobs(hass, ledger)
    assert job.duration_s == 7200
    assert job.paused_s == 1800
    assert job.energy_kwh == Decimal("0.15")


async def test_printer_finished_while_ha_was_away(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """HA stops at 80 % after 30 min and comes back 2 h later to FINISH: closed once, its end
    estimated from the progress rate (37.5 min), never stamped with the moment HA came back."""
    finished = async_capture_events(hass, EVENT_JOB_FINISHED)
    before = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, before, snap(P.PRINTING, 20))
    freezer.tick(minutes(30))
    await feed(hass, before, snap(P.PRINTING, 80))
    await before.async_shutdown()  # HA stops: the last report is saved

    freezer.tick(minutes(120))
    after = await make_tracker()
    await feed(hass, after, snap(P.FINISHED, 100, outcome=JobOutcome.FINISHED))
    freezer.tick(minutes(10))
    await feed(hass, after, snap(P.FINISHED, 100, outcome=JobOutcome.FINISHED))  # FINISH lingers
    await feed(hass, after, snap(P.IDLE, None))

    [job] = await all_jobs(hass, ledger)
    assert job.status == "finished"
    assert job.end_estimated is True
    assert job.ended_at == START + minutes(37.5)
    assert job.duration_s == 2250
    assert job.energy_kwh == Decimal("0.0625")  # 100 W × 37.5 min, not × 150 min
    assert job.materials == (MaterialUsage("PLA", 40.0),)
    assert after.current_job is None
    assert after.last_job == job
    assert [e.data["end_estimated"] for e in finished] == [True]


async def test_prusa_job_dropped_while_ha_was_away(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Restart, printer IDLE without job: closed from the stored last progress (80 % → cancelled)."""
    before = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, before, snap(P.PRINTING, 80, job_id="12", model="Core One"))
    freezer.tick(minutes(60))
    after = await make_tracker()
    await feed(hass, after, snap(P.IDLE, None, name=None, file=None, model="Core One"))
    [job] = await all_jobs(hass, ledger)
    assert job.status == "cancelled"
    assert job.last_progress == 80
    assert job.materials == (MaterialUsage("PLA", 32.0),)


async def test_disconnect_alone_never_ends_a_job(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """OFFLINE snapshots and recoverable errors keep the job open."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, tracker, snap(P.PRINTING, 20))
    job_id = tracker.current_job.job_id if tracker.current_job else None
    freezer.tick(minutes(5))
    await feed(hass, tracker, PrinterSnapshot(status=P.OFFLINE, online=False))
    await feed(hass, tracker, snap(P.ERROR, 20))
    freezer.tick(minutes(5))
    await feed(hass, tracker, snap(P.PRINTING, 25))
    assert tracker.current_job is not None
    assert tracker.current_job.job_id == job_id
    [job] = await all_jobs(hass, ledger)
    assert job.status == "printing"
    assert job.ended_at is None


async def test_same_file_twice_in_one_day_is_two_jobs(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No (printer, file, day) dedup: a reprint is its own job."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    for _ in range(2):
        await feed(hass, tracker, snap(P.PREPARING, 0, job_id="0"))  # Bambu LAN: task id "0"
        freezer.tick(minutes(60))
        await feed(hass, tracker, snap(P.FINISHED, 100, job_id="0"))
        freezer.tick(minutes(10))
        await feed(hass, tracker, snap(P.FINISHED, 100, job_id="0"))
        freezer.tick(minutes(20))

    first, second = await all_jobs(hass, ledger)
    assert (first.status, second.status) == ("finished", "finished")
    assert first.file_name == second.file_name == "benchy.3mf"
    assert first.started_at == START
    assert second.started_at == START + minutes(90)
    assert first.job_key != second.job_key
    assert second.job_key == f"benchy.3mf@{(START + minutes(90)).isoformat()}"
    assert tracker.totals.jobs == 2
    assert tracker.totals.material_g == Decimal(80)


async def test_reprint_seen_only_as_progress_drop_is_a_new_job(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Same file, no job id, progress back from 95 to 3 (end missed): two jobs."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, tracker, snap(P.PRINTING, 10))
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.PRINTING, 95))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PRINTING, 3))
    first, second = await all_jobs(hass, ledger)
    assert first.status == "failed"  # 95 % < 99 %: it never reached the end as far as we saw
    assert first.ended_at == START + minutes(90)
    assert second.status == "printing"
    assert second.started_at == START + minutes(90)


@pytest.mark.parametrize(("progress", "status"), [(45.0, "failed"), (99.5, "finished")])
async def test_different_job_id_while_one_is_open(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
    progress: float,
    status: str,
) -> None:
    """A new printer job id ends the open job (≥ 99 % finished, else failed) and starts the next."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, tracker, snap(P.PRINTING, 1, job_id="101", name="a", file="a.bgcode"))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PRINTING, progress, job_id="101", name="a", file="a.bgcode"))
    freezer.tick(minutes(30))
    await feed(hass, tracker, snap(P.PRINTING, 2, job_id="102", name="b", file="b.bgcode"))

    old, new = await all_jobs(hass, ledger)
    assert old.job_key == "101"
    assert old.status == status
    assert old.ended_at == START + minutes(60)
    assert new.job_key == "102"
    assert new.status == "printing"
    assert new.name == "b"
    assert tracker.current_job is not None
    assert tracker.current_job.job_id == new.job_id
    assert tracker.last_job is not None
    assert tracker.last_job.job_id == old.job_id


async def test_printer_reported_print_time_sets_the_start(
    hass: HomeAssistant, ledger: Ledger, make_tracker: MakeTracker
) -> None:
    """PrusaLink says it has printed for 10 min: the job started 10 min ago."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    await feed(hass, tracker, snap(P.PRINTING, 12, job_id="5", time_printing_s=600))
    [job] = await all_jobs(hass, ledger)
    assert job.started_at == START - minutes(10)
    assert job.last_progress == 12


async def test_two_quick_snapshots_start_one_job(
    hass: HomeAssistant, ledger: Ledger, make_tracker: MakeTracker
) -> None:
    """The lock serialises updates: concurrent snapshots cannot open two jobs."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    await asyncio.gather(
        tracker.async_update(snap(P.PREPARING, 0)),
        tracker.async_update(snap(P.PRINTING, 0)),
        tracker.async_update(snap(P.PRINTING, 1)),
    )
    jobs = await all_jobs(hass, ledger)
    assert len(jobs) == 1
    assert jobs[0].status == "printing"


async def test_restore_loads_last_job_totals_and_category(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A fresh tracker shows the last ended job and the totals without any snapshot."""
    tracker = await make_tracker(
        {CONF_POWER_WATTS: 100, CONF_DEFAULT_CATEGORY: CATEGORY_BUSINESS}, FakeMetadata(PLA40)
    )
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.FINISHED, 100))

    again = await make_tracker()
    assert again.current_job is None
    assert again.last_job is not None
    assert again.last_job.category == "business"
    assert again.last_job == tracker.last_job
    assert again.totals.jobs == 1
    assert again.totals.cost_cents == 123  # 1.00 + 0.03 = 1.03 net, VAT 0.20
    assert again.current_cost_estimate() is None


# ------------------------------------------------------------------------------- outputs


async def test_current_cost_estimate_of_the_running_job(
    hass: HomeAssistant,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """At 50 % after 45 min: 20 g, 0.075 kWh, 0.75 machine hours."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100, CONF_MACHINE_RATE: 2}, FakeMetadata(PLA40))
    assert tracker.current_cost_estimate() is None
    await feed(hass, tracker, snap(P.PRINTING, 0))
    freezer.tick(minutes(45))
    await feed(hass, tracker, snap(P.PRINTING, 50))
    # 20 g × 25 = 0.50; 0.075 kWh × 0.30 = 0.0225 → 0.02; 0.75 h × 2 = 1.50; net 2.02; VAT 0.3838
    assert tracker.current_cost_estimate() == cost(50, 2, 150, 38)


async def test_bus_events_carry_exact_data(
    hass: HomeAssistant,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """printernizer_job_started / _finished data, as automations read it."""
    started = async_capture_events(hass, EVENT_JOB_STARTED)
    finished = async_capture_events(hass, EVENT_JOB_FINISHED)
    tracker = await make_tracker({CONF_POWER_WATTS: 100, CONF_MACHINE_RATE: 2}, FakeMetadata(PLA40))
    entry_id = tracker._entry.entry_id
    await feed(hass, tracker, snap(P.PREPARING, 0))
    freezer.tick(minutes(90))
    await feed(hass, tracker, snap(P.FINISHED, 100))
    job = tracker.last_job
    assert job is not None

    assert [e.data for e in started] == [
        {
            "job_id": job.job_id,
            "device_id": DEVICE_ID,
            "config_entry_id": entry_id,
            "job_name": "benchy",
            "printer": "Workshop P1S",
        }
    ]
    assert [e.data for e in finished] == [
        {
            "status": "finished",
            "job_id": job.job_id,
            "device_id": DEVICE_ID,
            "config_entry_id": entry_id,
            "job_name": "benchy",
            "printer": "Workshop P1S",
            "duration_s": 5400,
            "end_estimated": False,
            "material_g": 40.0,
            "energy_kwh": 0.15,
            "cost_net": 4.05,
            "cost_gross": 4.82,
            "currency": "EUR",
            "photo_url": None,
        }
    ]


async def test_failed_event_data(
    hass: HomeAssistant,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failed job reports scaled grams and its status in the finished event."""
    finished = async_capture_events(hass, EVENT_JOB_FINISHED)
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, FakeMetadata(PLA40))
    await feed(hass, tracker, snap(P.PRINTING, 0, name=None, file="part.gcode"))
    freezer.tick(minutes(60))
    await feed(hass, tracker, snap(P.FAILED, 40, name=None, file="part.gcode"))
    [event] = finished
    assert event.data["status"] == "failed"
    assert event.data["job_name"] == "part.gcode"
    assert event.data["material_g"] == 16.0
    assert event.data["energy_kwh"] == 0.1
    # 16 g × 25 = 0.40; energy 0.03; net 0.43; VAT 0.0817 → 0.08
    assert event.data["cost_net"] == 0.43
    assert event.data["cost_gross"] == 0.51


async def test_listener_event_types_in_order(
    hass: HomeAssistant,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The `job` event entity gets started, paused, resumed and how each job ended."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    seen: list[tuple[str, Any]] = []
    remove = tracker.async_add_listener(lambda kind, data: seen.append((kind, data["job_id"])))

    await feed(hass, tracker, snap(P.PRINTING, 0, job_id="1"))
    freezer.tick(minutes(10))
    await feed(hass, tracker, snap(P.PAUSED, 10, job_id="1"))
    freezer.tick(minutes(10))
    await feed(hass, tracker, snap(P.PRINTING, 10, job_id="1"))
    freezer.tick(minutes(10))
    await feed(hass, tracker, snap(P.FINISHED, 100, job_id="1"))
    await feed(hass, tracker, snap(P.PRINTING, 0, job_id="2"))
    await feed(hass, tracker, snap(P.FAILED, 5, job_id="2"))
    await feed(hass, tracker, snap(P.PRINTING, 0, job_id="3"))
    await feed(hass, tracker, snap(P.FINISHED, 5, job_id="3", outcome=JobOutcome.CANCELLED))
    remove()
    await feed(hass, tracker, snap(P.PRINTING, 0, job_id="4"))

    assert [kind for kind, _ in seen] == [
        "started",
        "paused",
        "resumed",
        "finished",
        "started",
        "failed",
        "started",
        "cancelled",
    ]
    assert [job_id for _, job_id in seen] == [1, 1, 1, 1, 2, 2, 3, 3]


async def test_job_closed_elsewhere_does_not_wedge_the_tracker(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """If the ledger refuses a change (job already ended), the tracker follows the ledger."""
    tracker = await make_tracker({CONF_POWER_WATTS: 100}, None)
    await feed(hass, tracker, snap(P.PRINTING, 1, job_id="9"))
    assert tracker.current_job is not None
    job_id = tracker.current_job.job_id
    await hass.async_add_executor_job(
        partial(
            ledger.finish_job,
            job_id,
            status="failed",
            ended_at=START,
            duration_s=0,
            paused_s=0,
            last_progress=1.0,
            materials=[],
            energy_kwh=None,
            energy_source=None,
            prices={},
            cost=None,
            currency="EUR",
            complete=False,
        )
    )
    freezer.tick(minutes(5))
    await feed(hass, tracker, snap(P.PRINTING, 50, job_id="9"))
    assert tracker.current_job is None
    await feed(hass, tracker, snap(P.PRINTING, 51, job_id="9"))
    jobs = await all_jobs(hass, ledger)
    assert [(j.job_key, j.status) for j in jobs] == [("9", "failed"), ("9", "printing")]


async def test_slow_start_metadata_is_replaced_at_the_end(
    hass: HomeAssistant,
    ledger: Ledger,
    make_tracker: MakeTracker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A start fetch still hanging when the job ends is cancelled; the end asks again."""
    calls: list[PrinterStatus] = []
    never = asyncio.Event()

    async def provider(
        job: JobRecord, snapshot: PrinterSnapshot, phase: MetadataPhase
    ) -> PrintMetadata | None:
        calls.append(snapshot.status)
        if snapshot.status is P.PRINTING:
            await never.wait()
        return PLA40

    tracker = await make_tracker({CONF_POWER_WATTS: 100}, provider)
    await tracker.async_update(snap(P.PRINTING, 0))
    await hass.async_block_till_done()
    freezer.tick(minutes(60))
    await tracker.async_update(snap(P.FINISHED, 100))
    await hass.async_block_till_done(wait_background_tasks=True)
    [job] = await all_jobs(hass, ledger)
    assert calls == [P.PRINTING, P.FINISHED]
    assert job.complete is True
    assert job.materials == (MaterialUsage("PLA", 40.0),)
