"""Job lifecycle: printer snapshots in, ledger records, cost and events out.

The original Printernizer created jobs but never closed them and deduplicated on
(printer, file, day), which dropped real reprints. Here every job is keyed on the printer's own
job id (or on file/name plus start time), is closed by the printer's own states, and the
identity of an open job lives in the ledger so it survives Home Assistant restarts and lost
connections.

Decisions (documented because a printer does not always tell):

- Start: the first snapshot that is preparing, printing or paused while no job is open.
  ``started_at`` is now, or now − ``time_printing_s`` when the printer says how long it has
  printed (PrusaLink), so a job first seen late (after a restart) keeps its real start.
- End: ``finished`` / ``failed`` snapshots end the job with ``snapshot.outcome`` when given,
  else as finished / failed. A job that vanishes into ``idle`` without an end state (Buddy
  firmware drops the job) ends as finished when its last progress was ≥ 99 %, else as
  cancelled: a print that stops half way without a failure state was almost always stopped by
  a person.
- A snapshot naming another job while one is open ends the open one as finished (last progress
  ≥ 99 %) or failed (it did not reach the end and we never saw why), then starts the new one.
  When that snapshot is already an end state (both jobs ran while we were away) the new job is
  not recorded: we never saw it run and would have to invent its times.
- ``error`` does not end a job by itself (PrusaLink ATTENTION, e.g. a filament run-out, is
  recoverable); an ``outcome`` on it does. ``offline`` never ends a job.
- Progress never goes backwards inside a job; the highest value seen is the job's progress
  (some firmware resets it to 0 when a print is cancelled).
- Pauses are excluded from the billed print hours (energy estimate and machine time).
- The energy meter reading at the start and an open pause's start are kept in a small HA
  Store per printer (``printernizer.job_<printer>``), because the ledger has no field for them
  and both must survive a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util, slugify

from .api.models import JobOutcome, MaterialUsage, PrinterSnapshot, PrinterStatus, PrintMetadata
from .const import (
    CATEGORIES,
    CATEGORY_PRIVATE,
    CONF_DEFAULT_CATEGORY,
    CONF_ENERGY_SENSOR,
    CONF_MACHINE_RATE,
    CONF_POWER_WATTS,
    DEFAULT_POWER_WATTS,
    DOMAIN,
    EVENT_JOB_FINISHED,
    EVENT_JOB_STARTED,
    LOGGER,
)
from .costs import (
    CostBreakdown,
    cents_to_eur,
    compute_cost,
    estimate_energy_kwh,
    hours_from_seconds,
    material_grams_for_outcome,
    price_snapshot,
)
from .ledger import JobRecord, Ledger, LedgerError, Totals

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .settings import SettingsStore

type MetadataProvider = Callable[[JobRecord, PrinterSnapshot], Awaitable[PrintMetadata | None]]
type JobListener = Callable[[str, dict[str, Any]], None]

# Event types of the `job` event entity (and of async_add_listener callbacks).
JOB_EVENT_STARTED: Final = "started"
JOB_EVENT_PAUSED: Final = "paused"
JOB_EVENT_RESUMED: Final = "resumed"
JOB_EVENT_FINISHED: Final = "finished"
JOB_EVENT_FAILED: Final = "failed"
JOB_EVENT_CANCELLED: Final = "cancelled"
JOB_EVENT_TYPES: Final = (
    JOB_EVENT_STARTED,
    JOB_EVENT_PAUSED,
    JOB_EVENT_RESUMED,
    JOB_EVENT_FINISHED,
    JOB_EVENT_FAILED,
    JOB_EVENT_CANCELLED,
)

# Ledger job statuses.
STATUS_PRINTING: Final = "printing"
STATUS_PAUSED: Final = "paused"
STATUS_FINISHED: Final = JobOutcome.FINISHED.value
STATUS_FAILED: Final = JobOutcome.FAILED.value
STATUS_CANCELLED: Final = JobOutcome.CANCELLED.value

# Energy sources stored with a job.
ENERGY_MEASURED: Final = "measured"
ENERGY_ESTIMATED: Final = "estimated"

# A job at or above this progress counts as done when it ends without saying how.
DONE_PROGRESS: Final = 99.0
# Progress falling by more than this (points) means the printer runs another job.
PROGRESS_REGRESSION: Final = 10.0
# A printer-reported start this far from the recorded one means another job (no job id).
START_TOLERANCE: Final = timedelta(minutes=15)
# More than this average power (kW) over the job is not a believable meter delta.
MAX_PLAUSIBLE_KW: Final = Decimal(5)
# Longest wait for file metadata when a job ends without known grams.
METADATA_TIMEOUT: Final = 60.0
# Bambu reports these task ids for LAN prints: no id at all.
NO_JOB_IDS: Final = frozenset({"", "0"})

STORE_VERSION: Final = 1

# Average power while printing by model (community figures; Prusa has no official number).
MODEL_POWER_WATTS: Final[tuple[tuple[str, int], ...]] = (
    ("a1mini", 80),
    ("a1", 95),
    ("p1s", 105),
    ("p1p", 105),
    ("x1c", 105),
    ("x1e", 105),
    ("x1carbon", 105),
    ("mk4", 100),
    ("coreone", 100),
)

_EMPTY_TOTALS = Totals(jobs=0, cost_cents=0, material_g=Decimal(0), energy_kwh=Decimal(0))


def default_power_watts(model: str | None) -> int:
    """Typical printing power of a model, so an unconfigured printer still gets an estimate."""
    if model:
        key = "".join(ch for ch in model.lower() if ch.isalnum())
        for fragment, watts in MODEL_POWER_WATTS:
            if fragment in key:
                return watts
    return DEFAULT_POWER_WATTS


def _to_decimal(value: Any) -> Decimal | None:
    """Decimal from an option or state value; None when it is not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def _snapshot_job_id(snapshot: PrinterSnapshot) -> str | None:
    """The printer's own job id, or None when it gives none (Bambu LAN prints send "0")."""
    if snapshot.job_id is None:
        return None
    job_id = str(snapshot.job_id).strip()
    return None if job_id in NO_JOB_IDS else job_id


def _has_printer_id(job: JobRecord) -> bool:
    """True when the job was keyed on the printer's job id, not on file/name@start."""
    return "@" not in job.job_key


@dataclass(slots=True)
class _OpenState:
    """What the tracker keeps about the open job beyond the ledger row (and persists)."""

    job_id: int
    energy_start_kwh: Decimal | None = None
    pause_started: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON for the Store."""
        return {
            "job_id": self.job_id,
            "energy_start_kwh": None
            if self.energy_start_kwh is None
            else str(self.energy_start_kwh),
            "pause_started": None if self.pause_started is None else self.pause_started.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _OpenState | None:
        """Read the Store; None for anything unreadable."""
        try:
            job_id = int(data["job_id"])
        except (KeyError, TypeError, ValueError):
            return None
        pause = data.get("pause_started")
        return cls(
            job_id=job_id,
            energy_start_kwh=_to_decimal(data.get("energy_start_kwh")),
            pause_started=dt_util.parse_datetime(pause) if isinstance(pause, str) else None,
        )


def job_store(hass: HomeAssistant, printer_uid: str) -> Store[dict[str, Any]]:
    """Where a printer's open-job side data (meter start, pause start) survives restarts."""
    return Store(hass, STORE_VERSION, f"{DOMAIN}.job_{slugify(printer_uid)}")


class JobTracker:
    """Turns one printer's snapshots into ledger jobs with cost and events."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        ledger: Ledger,
        settings: SettingsStore,
        device_id: str | None,
        metadata_provider: MetadataProvider | None = None,
    ) -> None:
        """Bind the tracker to one printer's entry, the shared ledger and settings."""
        self._hass = hass
        self._entry = entry
        self._ledger = ledger
        self._settings = settings
        self._device_id = device_id
        self._metadata_provider = metadata_provider
        self._printer_uid: str = entry.unique_id or entry.entry_id
        self._lock = asyncio.Lock()
        self._store: Store[dict[str, Any]] = job_store(hass, self._printer_uid)
        self._listeners: list[JobListener] = []
        self._state: _OpenState | None = None
        self._progress: float | None = None
        self._written_progress: int | None = None
        self._model: str | None = None
        self._metadata_task: asyncio.Task[None] | None = None
        self.current_job: JobRecord | None = None
        self.last_job: JobRecord | None = None
        self.totals: Totals = _EMPTY_TOTALS

    # ------------------------------------------------------------------ options

    @property
    def printer_uid(self) -> str:
        """The printer's stable id (config entry unique id)."""
        return self._printer_uid

    @property
    def power_watts(self) -> Decimal:
        """Configured printing power, else the model's typical power."""
        configured = _to_decimal(self._entry.options.get(CONF_POWER_WATTS))
        if configured is not None and configured > 0:
            return configured
        return Decimal(default_power_watts(self._model))

    @property
    def machine_rate(self) -> Decimal:
        """EUR per print hour for wear and depreciation (0 when not set)."""
        rate = _to_decimal(self._entry.options.get(CONF_MACHINE_RATE))
        return rate if rate is not None and rate >= 0 else Decimal(0)

    @property
    def category(self) -> str:
        """Category new jobs get (business or private)."""
        value = self._entry.options.get(CONF_DEFAULT_CATEGORY, CATEGORY_PRIVATE)
        return value if value in CATEGORIES else CATEGORY_PRIVATE

    @property
    def energy_sensor(self) -> str | None:
        """The HA energy meter (kWh) of this printer's plug, if any."""
        return self._entry.options.get(CONF_ENERGY_SENSOR) or None

    # ------------------------------------------------------------------ public API

    @callback
    def async_add_listener(self, cb: JobListener) -> Callable[[], None]:
        """Register (event_type, data) callbacks; the `job` event entity uses this."""
        self._listeners.append(cb)

        @callback
        def remove() -> None:
            if cb in self._listeners:
                self._listeners.remove(cb)

        return remove

    async def async_restore(self) -> None:
        """Re-attach to the job that was open when HA stopped, and load last job and totals."""
        async with self._lock:
            stored = await self._store.async_load()
            job = await self._run(self._ledger.get_open_job, self._printer_uid)
            self.last_job = await self._run(self._ledger.last_ended_job, self._printer_uid)
            self.totals = await self._run(self._ledger.printer_totals, self._printer_uid)
            self.current_job = job
            self._adopt_progress(job)
            state = _OpenState.from_dict(stored) if isinstance(stored, dict) else None
            if job is None:
                self._state = None
                if state is not None:
                    await self._store.async_remove()
                return
            if state is None or state.job_id != job.job_id:
                # No matching side data: no meter start (energy falls back to the estimate).
                state = _OpenState(job_id=job.job_id)
            if job.status == STATUS_PAUSED and state.pause_started is None:
                state.pause_started = dt_util.utcnow()
            if job.status != STATUS_PAUSED:
                state.pause_started = None
            self._state = state
            LOGGER.debug("Restored open job %s of %s", job.job_id, self._entry.title)

    async def async_update(self, snapshot: PrinterSnapshot) -> None:
        """Apply one live snapshot: start, pause, resume or end the job."""
        async with self._lock:
            try:
                await self._async_apply(snapshot)
            except LedgerError:
                # The ledger disagrees (e.g. the job was closed elsewhere): follow the ledger
                # rather than failing on every later snapshot.
                LOGGER.exception("Ledger refused a job change for %s", self._entry.title)
                await self._async_resync()

    async def _async_resync(self) -> None:
        """Adopt the ledger's open job (or none) as the truth."""
        job = await self._run(self._ledger.get_open_job, self._printer_uid)
        current = self.current_job
        if job is None or current is None or job.job_id != current.job_id:
            self._state = _OpenState(job_id=job.job_id) if job is not None else None
            self._adopt_progress(job)
            if self._state is None:
                await self._store.async_remove()
            else:
                await self._store.async_save(self._state.as_dict())
        self.current_job = job

    def current_cost_estimate(self) -> CostBreakdown | None:
        """Cost of the running job so far (grams × progress, energy and machine so far)."""
        job = self.current_job
        if job is None:
            return None
        now = dt_util.utcnow()
        print_hours = self._print_hours(job, now)
        energy = self._measured_energy(now)
        if energy is None:
            energy = self._estimated_energy(print_hours)
        materials = material_grams_for_outcome(
            list(job.materials), STATUS_FAILED, self._progress or 0.0
        )
        return compute_cost(
            materials=materials,
            print_hours=print_hours,
            energy_kwh=energy,
            settings=self._settings.settings,
            machine_rate=self.machine_rate,
        )

    # ------------------------------------------------------------------ transitions

    async def _async_apply(self, snapshot: PrinterSnapshot) -> None:
        """The state machine (called under the lock)."""
        if snapshot.status is PrinterStatus.OFFLINE or not snapshot.online:
            return  # a lost connection never ends a job
        if snapshot.model:
            self._model = snapshot.model
        now = dt_util.utcnow()
        status = snapshot.status
        job = self.current_job

        if (
            job is not None
            and status is not PrinterStatus.IDLE
            and self._is_other_job(job, snapshot, now)
        ):
            done = (self._progress or 0.0) >= DONE_PROGRESS
            LOGGER.debug("%s reports another job; closing job %s", self._entry.title, job.job_id)
            await self._async_end(STATUS_FINISHED if done else STATUS_FAILED, now, None)
            job = None

        if job is None:
            if status.is_active:
                await self._async_start(snapshot, now)
            return

        self._track_progress(snapshot)
        if status in (PrinterStatus.FINISHED, PrinterStatus.FAILED):
            if snapshot.outcome is not None:
                outcome = snapshot.outcome.value
            elif status is PrinterStatus.FINISHED:
                outcome = STATUS_FINISHED
            else:
                outcome = STATUS_FAILED
            await self._async_end(outcome, now, snapshot)
        elif status is PrinterStatus.IDLE:
            done = (self._progress or 0.0) >= DONE_PROGRESS
            await self._async_end(STATUS_FINISHED if done else STATUS_CANCELLED, now, snapshot)
        elif status is PrinterStatus.ERROR:
            if snapshot.outcome is not None:
                await self._async_end(snapshot.outcome.value, now, snapshot)
            else:
                await self._async_write_progress(snapshot)
        elif status is PrinterStatus.PAUSED:
            if self._state is not None and self._state.pause_started is None:
                await self._async_pause(now, snapshot)
            else:
                await self._async_write_progress(snapshot)
        elif self._state is not None and self._state.pause_started is not None:
            await self._async_resume(now, snapshot)
        else:
            await self._async_write_progress(snapshot)

    def _is_other_job(self, job: JobRecord, snapshot: PrinterSnapshot, now: datetime) -> bool:
        """True only on evidence that the printer now reports a different job."""
        snapshot_id = _snapshot_job_id(snapshot)
        if snapshot_id is not None and _has_printer_id(job):
            return snapshot_id != job.job_key
        if snapshot.file_name and job.file_name and snapshot.file_name != job.file_name:
            return True
        if snapshot.job_name and job.name and snapshot.job_name != job.name:
            return True
        if not snapshot.status.is_active:
            return False
        last = self._progress
        if (
            snapshot.progress is not None
            and last is not None
            and snapshot.progress + PROGRESS_REGRESSION < last
        ):
            return True
        if snapshot.time_printing_s is not None and snapshot.time_printing_s > 0:
            reported_start = now - timedelta(seconds=snapshot.time_printing_s)
            if abs(reported_start - job.started_at) > START_TOLERANCE:
                return True
        return False

    async def _async_start(self, snapshot: PrinterSnapshot, now: datetime) -> None:
        """Open a ledger job for a print we see for the first time."""
        started_at = now
        if snapshot.time_printing_s is not None and snapshot.time_printing_s > 0:
            started_at = now - timedelta(seconds=snapshot.time_printing_s)
        job_key = _snapshot_job_id(snapshot) or (
            f"{snapshot.file_name or snapshot.job_name or 'job'}@{started_at.isoformat()}"
        )
        job = await self._run(
            self._ledger.start_job,
            printer_uid=self._printer_uid,
            printer_name=self._entry.title,
            entry_id=self._entry.entry_id,
            job_key=job_key,
            name=snapshot.job_name,
            file_name=snapshot.file_name,
            started_at=started_at,
            category=self.category,
        )
        self._progress = None
        self._written_progress = None
        self._track_progress(snapshot)
        state = _OpenState(job_id=job.job_id, energy_start_kwh=self._read_energy_meter())
        changes: dict[str, Any] = {}
        if snapshot.status is PrinterStatus.PAUSED:
            state.pause_started = now
            changes["status"] = STATUS_PAUSED
        if self._progress is not None:
            self._written_progress = int(self._progress)
            changes["last_progress"] = self._progress
        if changes:
            job = await self._run(self._ledger.update_open_job, job.job_id, **changes)
        self.current_job = job
        self._state = state
        await self._store.async_save(state.as_dict())
        LOGGER.debug("Job %s started on %s", job.job_id, self._entry.title)

        data = self._base_data(job)
        data["printer"] = self._entry.title
        self._hass.bus.async_fire(EVENT_JOB_STARTED, data)
        self._notify(JOB_EVENT_STARTED, data)
        if snapshot.status is PrinterStatus.PAUSED:
            self._notify(JOB_EVENT_PAUSED, self._base_data(job))

        if self._metadata_provider is not None:
            self._metadata_task = self._entry.async_create_background_task(
                self._hass,
                self._async_fetch_start_metadata(job, snapshot),
                name=f"{DOMAIN} job metadata {job.job_id}",
            )

    async def _async_pause(self, now: datetime, snapshot: PrinterSnapshot) -> None:
        """Remember when the pause began (persisted: a restart must not lose it)."""
        assert self.current_job is not None
        assert self._state is not None
        self._state.pause_started = now
        await self._store.async_save(self._state.as_dict())
        self.current_job = await self._run(
            self._ledger.update_open_job,
            self.current_job.job_id,
            status=STATUS_PAUSED,
            **self._progress_change(snapshot),
        )
        self._notify(JOB_EVENT_PAUSED, self._base_data(self.current_job))

    async def _async_resume(self, now: datetime, snapshot: PrinterSnapshot) -> None:
        """Add the pause to the job's paused seconds."""
        assert self.current_job is not None
        assert self._state is not None
        paused_s = self._paused_seconds(self.current_job, now)
        self._state.pause_started = None
        await self._store.async_save(self._state.as_dict())
        self.current_job = await self._run(
            self._ledger.update_open_job,
            self.current_job.job_id,
            status=STATUS_PRINTING,
            paused_s=paused_s,
            **self._progress_change(snapshot),
        )
        self._notify(JOB_EVENT_RESUMED, self._base_data(self.current_job))

    async def _async_write_progress(self, snapshot: PrinterSnapshot) -> None:
        """Persist progress (per whole percent) and names learnt after the start."""
        job = self.current_job
        assert job is not None
        changes: dict[str, Any] = self._progress_change(snapshot)
        if snapshot.job_name and not job.name:
            changes["name"] = snapshot.job_name
        if snapshot.file_name and not job.file_name:
            changes["file_name"] = snapshot.file_name
        if changes:
            self.current_job = await self._run(self._ledger.update_open_job, job.job_id, **changes)

    def _progress_change(self, snapshot: PrinterSnapshot) -> dict[str, Any]:
        """`last_progress` to write when the whole percent moved (not on every MQTT push)."""
        if self._progress is None or not snapshot.status.is_active:
            return {}
        whole = int(self._progress)
        if whole == self._written_progress:
            return {}
        self._written_progress = whole
        return {"last_progress": self._progress}

    def _adopt_progress(self, job: JobRecord | None) -> None:
        """Continue from the stored progress, so the next write waits for the next whole percent."""
        self._progress = job.last_progress if job is not None else None
        self._written_progress = None if self._progress is None else int(self._progress)

    def _track_progress(self, snapshot: PrinterSnapshot) -> None:
        """Keep the highest progress seen: it never goes backwards inside one job."""
        if snapshot.progress is None:
            return
        if self._progress is None or snapshot.progress > self._progress:
            self._progress = snapshot.progress

    # ------------------------------------------------------------------ the end

    async def _async_end(
        self, status: str, now: datetime, snapshot: PrinterSnapshot | None
    ) -> None:
        """Close the open job: grams, energy, cost, price snapshot, ledger, events."""
        job = self.current_job
        assert job is not None
        state = self._state or _OpenState(job_id=job.job_id)
        duration_s, paused_s = self._durations(job, now)
        print_hours = hours_from_seconds(duration_s - paused_s)
        progress = self._progress if self._progress is not None else job.last_progress

        materials = list(job.materials)
        if not any(m.grams > 0 for m in materials) and snapshot is not None:
            materials = await self._async_end_metadata(job, snapshot) or materials
        complete = any(m.grams > 0 for m in materials)
        used = material_grams_for_outcome(materials, status, progress)

        settings = self._settings.settings
        measured = self._measured_energy(now, state=state, hours_elapsed=duration_s / 3600)
        if measured is not None:
            energy_kwh, energy_source, watts = measured, ENERGY_MEASURED, None
        else:
            energy_kwh, energy_source = self._estimated_energy(print_hours), ENERGY_ESTIMATED
            watts = self.power_watts
        prices = price_snapshot(settings, used, machine_rate=self.machine_rate, power_watts=watts)

        cost = compute_cost(
            materials=used,
            print_hours=print_hours,
            energy_kwh=energy_kwh,
            settings=settings,
            machine_rate=self.machine_rate,
        )
        record = await self._run(
            self._ledger.finish_job,
            job.job_id,
            status=status,
            ended_at=now,
            duration_s=duration_s,
            paused_s=paused_s,
            last_progress=progress,
            materials=used,
            energy_kwh=energy_kwh,
            energy_source=energy_source,
            prices=prices,
            cost=cost,
            currency=settings.currency,
            complete=complete,
        )
        self.current_job = None
        self._state = None
        self._progress = None
        self._written_progress = None
        self.last_job = record
        await self._store.async_remove()
        self.totals = await self._run(self._ledger.printer_totals, self._printer_uid)
        LOGGER.debug("Job %s on %s ended: %s", job.job_id, self._entry.title, status)

        grams = record.material_g if complete else None
        data = self._base_data(record)
        data.update(
            {
                "status": status,
                "printer": self._entry.title,
                "duration_s": duration_s,
                "material_g": None if grams is None else float(grams),
                "energy_kwh": float(energy_kwh),
                "cost_net": cents_to_eur(cost.net_cents),
                "cost_gross": cents_to_eur(cost.gross_cents),
                "currency": settings.currency,
            }
        )
        self._hass.bus.async_fire(EVENT_JOB_FINISHED, data)
        self._notify(status, data)

    async def _async_end_metadata(
        self, job: JobRecord, snapshot: PrinterSnapshot
    ) -> list[MaterialUsage] | None:
        """Ask for the file's grams once more when the start could not tell."""
        if self._metadata_provider is None:
            return None
        task = self._metadata_task
        if task is not None and not task.done():
            task.cancel()  # it could no longer write; the fetch below replaces it
        self._metadata_task = None
        try:
            async with asyncio.timeout(METADATA_TIMEOUT):
                metadata = await self._async_call_provider(job, snapshot)
        except TimeoutError:
            LOGGER.warning("No file metadata for job %s within %ss", job.job_id, METADATA_TIMEOUT)
            return None
        return list(metadata.materials) if metadata is not None else None

    async def _async_fetch_start_metadata(self, job: JobRecord, snapshot: PrinterSnapshot) -> None:
        """Background: store the file's grams with the open job (never blocks snapshots)."""
        metadata = await self._async_call_provider(job, snapshot)
        if metadata is None or not any(m.grams > 0 for m in metadata.materials):
            return
        async with self._lock:
            current = self.current_job
            if current is None or current.job_id != job.job_id or current.materials:
                return
            self.current_job = await self._run(
                self._ledger.update_open_job, job.job_id, materials=list(metadata.materials)
            )

    async def _async_call_provider(
        self, job: JobRecord, snapshot: PrinterSnapshot
    ) -> PrintMetadata | None:
        """Metadata is a nice-to-have: a failing fetch must never lose the job."""
        assert self._metadata_provider is not None
        try:
            return await self._metadata_provider(job, snapshot)
        except asyncio.CancelledError:
            raise
        except Exception:
            LOGGER.warning("Reading file metadata for job %s failed", job.job_id, exc_info=True)
            return None

    # ------------------------------------------------------------------ energy and time

    def _paused_seconds(self, job: JobRecord, now: datetime) -> int:
        """Paused seconds so far, including a pause still running."""
        paused = job.paused_s
        if self._state is not None and self._state.pause_started is not None:
            paused += max(0, int((now - self._state.pause_started).total_seconds()))
        return paused

    def _durations(self, job: JobRecord, now: datetime) -> tuple[int, int]:
        """(seconds since the start, paused seconds within them)."""
        duration_s = max(0, int((now - job.started_at).total_seconds()))
        return duration_s, min(self._paused_seconds(job, now), duration_s)

    def _print_hours(self, job: JobRecord, now: datetime) -> Decimal:
        """Hours the printer actually printed (pauses excluded)."""
        duration_s, paused_s = self._durations(job, now)
        return hours_from_seconds(duration_s - paused_s)

    def _estimated_energy(self, print_hours: Decimal) -> Decimal:
        """Watts × print hours, to the Wh."""
        return estimate_energy_kwh(self.power_watts, print_hours)

    def _read_energy_meter(self) -> Decimal | None:
        """The energy sensor in kWh, or None when unset, unavailable or not a number."""
        entity_id = self.energy_sensor
        if entity_id is None:
            return None
        state = self._hass.states.get(entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return None
        value = _to_decimal(state.state)
        if value is None:
            return None
        unit = state.attributes.get("unit_of_measurement")
        if unit == "Wh":
            value /= 1000
        elif unit == "MWh":
            value *= 1000
        return value

    def _measured_energy(
        self,
        now: datetime,
        *,
        state: _OpenState | None = None,
        hours_elapsed: float | None = None,
    ) -> Decimal | None:
        """The meter delta since the start when it is believable, else None."""
        state = state or self._state
        if state is None or state.energy_start_kwh is None:
            return None
        end = self._read_energy_meter()
        if end is None:
            return None
        if hours_elapsed is None:
            job = self.current_job
            if job is None:
                return None
            hours_elapsed = max(0.0, (now - job.started_at).total_seconds() / 3600)
        delta = end - state.energy_start_kwh
        if delta < 0 or delta > MAX_PLAUSIBLE_KW * Decimal(str(hours_elapsed)):
            LOGGER.debug("Energy meter delta %s kWh is not plausible; estimating", delta)
            return None
        return delta

    # ------------------------------------------------------------------ plumbing

    def _base_data(self, job: JobRecord) -> dict[str, Any]:
        """Fields every job event carries."""
        return {
            "job_id": job.job_id,
            "device_id": self._device_id,
            "config_entry_id": self._entry.entry_id,
            "job_name": job.name or job.file_name,
        }

    def _notify(self, event_type: str, data: dict[str, Any]) -> None:
        """Tell listeners; one broken listener must not stop the others or the ledger."""
        for listener in list(self._listeners):
            try:
                listener(event_type, dict(data))
            except Exception:
                LOGGER.exception("Job listener failed on %s", event_type)

    async def _run[**P, R](self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a ledger call in the executor (SQLite never runs in the event loop)."""
        return await self._hass.async_add_executor_job(partial(func, *args, **kwargs))
