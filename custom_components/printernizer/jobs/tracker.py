"""The job tracker: carries out what `decide` says (ledger writes, events, listeners).

The identity of an open job lives in the ledger, so it survives Home Assistant restarts and
lost connections. What the ledger has no field for (the energy meter reading at the start, an
open pause's start, the job's last report with its remaining time) is kept in a small HA Store
per printer (``printernizer.job_<printer>``), because all of it must survive a restart too: a
job that ends while Home Assistant is away is closed from that last report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Literal

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util, slugify

from custom_components.printernizer.api.models import MaterialUsage, PrinterSnapshot, PrintMetadata
from custom_components.printernizer.const import (
    CATEGORIES,
    CATEGORY_PRIVATE,
    CONF_DEFAULT_CATEGORY,
    CONF_ENERGY_SENSOR,
    CONF_MACHINE_RATE,
    DOMAIN,
    EVENT_JOB_FINISHED,
    EVENT_JOB_STARTED,
    LOGGER,
)
from custom_components.printernizer.costs import (
    CostBreakdown,
    cents_to_eur,
    compute_cost,
    hours_from_seconds,
    material_grams_for_outcome,
    price_snapshot,
)
from custom_components.printernizer.ledger import JobRecord, Ledger, LedgerError, Totals

from .decide import (
    STATUS_FAILED,
    STATUS_PAUSED,
    STATUS_PRINTING,
    Action,
    End,
    Ignore,
    OpenJob,
    Pause,
    Progress,
    Resume,
    Seen,
    Start,
    decide,
    durations,
)
from .energy import energy_use, meter_kwh, printer_power_watts, to_decimal_or_none

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from custom_components.printernizer.settings import SettingsStore

type MetadataPhase = Literal["start", "end"]
# What a job's file says (grams, time, thumbnail). "start": asked in the background when a job
# starts; the provider answers None where reading would load the printer (a busy P1/A1).
# "end": asked when the job ends and its grams are still unknown (auto-download runs then).
type MetadataProvider = Callable[
    [JobRecord, PrinterSnapshot, MetadataPhase], Awaitable[PrintMetadata | None]
]
type JobListener = Callable[[str, dict[str, Any]], None]
# Takes, stores and records the photo of a job that just ended; answers its URL. The bool is
# True when the end was seen as it happened (so the camera shows the job's part).
type PhotoProvider = Callable[[JobRecord, bool], Awaitable[str | None]]

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

# How long a started file's metadata waits for its job to show (a P1P takes over 2 min).
EXPECT_FILE_S = 600.0
# Longest wait for file metadata when a job ends without known grams.
METADATA_TIMEOUT: Final = 60.0

STORE_VERSION: Final = 1
# The last report is saved at most this often while a job runs (and at once on unload).
REPORT_SAVE_DELAY: Final = 60.0

_EMPTY_TOTALS = Totals(jobs=0, cost_cents=0, material_g=Decimal(0), energy_kwh=Decimal(0))


class _Abandoned(Exception):
    """The tracker shut down while a job was ending; the next set-up ends it."""


def job_store(hass: HomeAssistant, printer_uid: str) -> Store[dict[str, Any]]:
    """Where a printer's open-job side data (meter start, pause start) survives restarts."""
    return Store(hass, STORE_VERSION, f"{DOMAIN}.job_{slugify(printer_uid)}")


def _open_job(job: JobRecord) -> OpenJob:
    return OpenJob(
        key=job.job_key,
        name=job.name,
        file_name=job.file_name,
        started_at=job.started_at,
        paused_s=job.paused_s,
    )


@dataclass(slots=True)
class _SideData:
    """What the tracker keeps about the open job beyond the ledger row (and persists)."""

    job_id: int
    energy_start_kwh: Decimal | None = None
    seen: Seen = field(default_factory=Seen)

    def as_dict(self) -> dict[str, Any]:
        """JSON for the Store."""
        seen = self.seen
        return {
            "job_id": self.job_id,
            "energy_start_kwh": None
            if self.energy_start_kwh is None
            else str(self.energy_start_kwh),
            "pause_started": _iso(seen.pause_started),
            "reported_at": _iso(seen.reported_at),
            "remaining_s": seen.remaining_s,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _SideData | None:
        """Read the Store; None for anything unreadable (older files lack the last report)."""
        try:
            job_id = int(data["job_id"])
        except (KeyError, TypeError, ValueError):
            return None
        return cls(
            job_id=job_id,
            energy_start_kwh=to_decimal_or_none(data.get("energy_start_kwh")),
            seen=Seen(
                pause_started=_time(data.get("pause_started")),
                reported_at=_time(data.get("reported_at")),
                remaining_s=_seconds(data.get("remaining_s")),
            ),
        )


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
        model: str | None = None,
        photo_provider: PhotoProvider | None = None,
    ) -> None:
        """Bind the tracker to one printer's entry, the shared ledger and settings.

        `model` is what the printer said at connection; later snapshots may refine it.
        """
        self._hass = hass
        self._entry = entry
        self._ledger = ledger
        self._settings = settings
        self._device_id = device_id
        self._metadata_provider = metadata_provider
        self._photo_provider = photo_provider
        self._printer_uid: str = entry.unique_id or entry.entry_id
        self._lock = asyncio.Lock()
        self._store: Store[dict[str, Any]] = job_store(hass, self._printer_uid)
        self._listeners: list[JobListener] = []
        self._side: _SideData | None = None
        self._written_progress: int | None = None
        self._queued = 0  # snapshots handed to async_update tasks that have not finished
        self._save_due = 0.0  # loop time before which a delayed save is already scheduled
        self._model = model
        self._metadata_task: asyncio.Task[None] | None = None
        self._expected: tuple[str, PrintMetadata, float] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed: asyncio.Future[None] = hass.loop.create_future()
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
        """Configured printing power, else the model's typical power (quotes use it too)."""
        return printer_power_watts(self._entry.options, self._model)

    @property
    def machine_rate(self) -> Decimal:
        """EUR per print hour for wear and depreciation (0 when not set)."""
        rate = to_decimal_or_none(self._entry.options.get(CONF_MACHINE_RATE))
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

    @property
    def material_pending(self) -> bool:
        """A job runs whose grams are not known yet (its file is read when it ends)."""
        job = self.current_job
        return job is not None and not any(m.grams > 0 for m in job.materials)

    @property
    def _seen(self) -> Seen:
        return self._side.seen if self._side is not None else Seen()

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
            side = _SideData.from_dict(stored) if isinstance(stored, dict) else None
            if job is None:
                self._side = None
                self._written_progress = None
                if side is not None:
                    await self._store.async_remove()
                return
            if side is None or side.job_id != job.job_id:
                # No matching side data: no meter start (energy falls back to the estimate).
                side = _SideData(job_id=job.job_id)
            pause = side.seen.pause_started
            if job.status == STATUS_PAUSED and pause is None:
                pause = dt_util.utcnow()
            if job.status != STATUS_PAUSED:
                pause = None
            side.seen = replace(side.seen, progress=job.last_progress, pause_started=pause)
            self._side = side
            self._written_progress = _whole(job.last_progress)
            LOGGER.debug("Restored open job %s of %s", job.job_id, self._entry.title)

    async def async_shutdown(self) -> None:
        """The entry unloads: stop at once, and keep the open job's last report.

        A job ending right now (waiting up to a minute for its file) is left open in the
        ledger: the next set-up sees the end state again and ends it, instead of this tracker
        writing after its entry is gone (HA gives an unload 10 s) while the new one is blind.
        """
        if not self._closed.done():
            self._closed.set_result(None)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        async with self._lock:  # an update in flight gives up at once
            if self._side is not None:
                await self._store.async_save(self._side.as_dict())

    @callback
    def async_feed(self, snapshot: PrinterSnapshot) -> None:
        """Take one live report: at once when it changes nothing in the ledger, else in a task.

        A printer reports every second and almost every report only moves the job along
        (progress within the same whole percent, a new remaining time): applying those inline
        spares a task per report, which at a fleet's scale was a large share of the CPU. Starts,
        pauses, resumes, ends, names learnt and whole-percent steps write, so they run in order
        through `async_update` (and every report after them, until those are done).
        """
        if self._closed.done():
            return
        if not self._queued and not self._lock.locked() and self._apply_inline(snapshot):
            return
        self._queued += 1
        self._entry.async_create_task(self._hass, self._async_queued_update(snapshot))

    async def _async_queued_update(self, snapshot: PrinterSnapshot) -> None:
        try:
            await self.async_update(snapshot)
        finally:
            self._queued -= 1

    def _apply_inline(self, snapshot: PrinterSnapshot) -> bool:
        """Apply a snapshot that writes nothing to the ledger; False: it would write."""
        now = dt_util.utcnow()
        job = self.current_job
        action = decide(None if job is None else _open_job(job), snapshot, now, self._seen)
        if isinstance(action, Ignore):
            if snapshot.model:
                self._model = snapshot.model
            return True
        side = self._side
        if (
            not isinstance(action, Progress)
            or side is None
            or action.name is not None
            or action.file_name is not None
            or action.seen.pause_started != side.seen.pause_started
            or self._writes_progress(action.seen, snapshot)
        ):
            return False
        if snapshot.model:
            self._model = snapshot.model
        side.seen = action.seen
        self._save_later(side)
        return True

    async def async_update(self, snapshot: PrinterSnapshot) -> None:
        """Apply one live snapshot: start, pause, resume or end the job."""
        async with self._lock:
            if self._closed.done():
                return
            try:
                await self._async_apply(snapshot)
            except _Abandoned:
                LOGGER.debug("%s unloaded while a job ended; left open", self._entry.title)
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
            if job is None:
                self._side = None
                self._written_progress = None
                await self._store.async_remove()
            else:
                self._side = _SideData(job_id=job.job_id, seen=Seen(progress=job.last_progress))
                self._written_progress = _whole(job.last_progress)
                await self._store.async_save(self._side.as_dict())
        self.current_job = job

    def current_cost_estimate(self) -> CostBreakdown | None:
        """Cost of the running job so far (grams × progress, energy and machine so far).

        While the grams are unknown (`material_pending`) the material part is 0.
        """
        job = self.current_job
        if job is None:
            return None
        now = dt_util.utcnow()
        duration_s, paused_s = durations(_open_job(job), self._seen, now)
        print_hours = hours_from_seconds(duration_s - paused_s)
        energy = energy_use(
            start_kwh=self._side.energy_start_kwh if self._side else None,
            end_kwh=self._read_energy_meter(),
            elapsed_hours=duration_s / 3600,
            print_hours=print_hours,
            power_watts=self.power_watts,
        )
        materials = material_grams_for_outcome(
            list(job.materials), STATUS_FAILED, self._seen.progress or 0.0
        )
        return compute_cost(
            materials=materials,
            print_hours=print_hours,
            energy_kwh=energy.kwh,
            settings=self._settings.settings,
            machine_rate=self.machine_rate,
        )

    # ------------------------------------------------------------------ actions

    async def _async_apply(self, snapshot: PrinterSnapshot) -> None:
        """Decide what the snapshot means and carry it out (called under the lock)."""
        if snapshot.model:
            self._model = snapshot.model
        now = dt_util.utcnow()
        job = self.current_job
        action = decide(None if job is None else _open_job(job), snapshot, now, self._seen)
        await self._async_execute(action, snapshot, now)
        if isinstance(action, End):
            # a job that ended may leave another one running (the printer moved on)
            next_action = decide(None, snapshot, now, Seen())
            await self._async_execute(next_action, snapshot, now)

    async def _async_execute(
        self, action: Action, snapshot: PrinterSnapshot, now: datetime
    ) -> None:
        """Carry out one decision."""
        if isinstance(action, Start):
            await self._async_start(action, snapshot, now)
        elif isinstance(action, End):
            await self._async_end(action, None if action.replaced else snapshot)
        elif isinstance(action, Pause):
            await self._async_change(action.seen, snapshot, status=STATUS_PAUSED)
            self._notify(JOB_EVENT_PAUSED, self._base_data(self._require_job()))
        elif isinstance(action, Resume):
            await self._async_change(
                action.seen, snapshot, status=STATUS_PRINTING, paused_s=action.paused_s
            )
            self._notify(JOB_EVENT_RESUMED, self._base_data(self._require_job()))
        elif isinstance(action, Progress):
            await self._async_change(
                action.seen, snapshot, name=action.name, file_name=action.file_name
            )

    def expect_file(self, name: str | None, metadata: PrintMetadata | None) -> None:
        """A start was sent for file `name`: the job it starts takes the file's grams at once.

        So the job is priced from its first minute instead of after a background fetch. Only
        the next job whose file or name matches, within `EXPECT_FILE_S`; None forgets it.
        """
        if name and metadata is not None and any(m.grams > 0 for m in metadata.materials):
            self._expected = (_stem(name), metadata, self._hass.loop.time())
        else:
            self._expected = None

    def _take_expected(self, snapshot: PrinterSnapshot) -> PrintMetadata | None:
        expected, self._expected = self._expected, None
        if expected is None or self._hass.loop.time() - expected[2] > EXPECT_FILE_S:
            return None
        names = {_stem(n) for n in (snapshot.file_name, snapshot.job_name, snapshot.file_path) if n}
        return expected[1] if expected[0] in names else None

    async def _async_start(self, action: Start, snapshot: PrinterSnapshot, now: datetime) -> None:
        """Open a ledger job for a print we see for the first time."""
        job = await self._run(
            self._ledger.start_job,
            printer_uid=self._printer_uid,
            printer_name=self._entry.title,
            entry_id=self._entry.entry_id,
            job_key=action.key,
            name=snapshot.job_name,
            file_name=snapshot.file_name,
            started_at=action.started_at,
            category=self.category,
        )
        self._written_progress = None
        changes: dict[str, Any] = self._progress_change(action.seen, snapshot)
        if (started_file := self._take_expected(snapshot)) is not None:
            changes["materials"] = list(started_file.materials)
        if action.paused:
            changes["status"] = STATUS_PAUSED
        if changes:
            job = await self._run(self._ledger.update_open_job, job.job_id, **changes)
        self.current_job = job
        self._side = _SideData(
            job_id=job.job_id, energy_start_kwh=self._read_energy_meter(), seen=action.seen
        )
        await self._store.async_save(self._side.as_dict())
        LOGGER.debug("Job %s started on %s", job.job_id, self._entry.title)

        data = self._base_data(job)
        data["printer"] = self._entry.title
        self._hass.bus.async_fire(EVENT_JOB_STARTED, data)
        self._notify(JOB_EVENT_STARTED, data)
        if action.paused:
            self._notify(JOB_EVENT_PAUSED, self._base_data(job))

        if self._metadata_provider is not None:
            self._metadata_task = self._spawn(
                self._async_fetch_start_metadata(job, snapshot), f"job {job.job_id} start file"
            )

    async def _async_change(self, seen: Seen, snapshot: PrinterSnapshot, **changes: Any) -> None:
        """Remember what the snapshot told and write what changed to the open job."""
        job = self._require_job()
        side = self._side or _SideData(job_id=job.job_id)
        pause_changed = side.seen.pause_started != seen.pause_started
        side.seen = seen
        self._side = side
        if pause_changed:
            await self._store.async_save(side.as_dict())  # a restart must not lose a pause
        else:
            self._save_later(side)
        updates = {key: value for key, value in changes.items() if value is not None}
        updates.update(self._progress_change(seen, snapshot))
        if updates:
            self.current_job = await self._run(self._ledger.update_open_job, job.job_id, **updates)

    def _save_later(self, side: _SideData) -> None:
        """Save the side data within REPORT_SAVE_DELAY of now.

        Store.async_delay_save starts its timer again on every call: called on every report,
        it would never save while the printer reports. Later reports keep the scheduled save
        (it reads the side data when it writes). A save written meanwhile (a pause, a new job)
        drops it; the first report after the deadline schedules the next one.
        """
        now = self._hass.loop.time()
        if now < self._save_due:
            return
        self._save_due = now + REPORT_SAVE_DELAY
        self._store.async_delay_save(side.as_dict, REPORT_SAVE_DELAY)

    def _writes_progress(self, seen: Seen, snapshot: PrinterSnapshot) -> bool:
        """The whole percent moved while printing: `last_progress` is written."""
        return (
            seen.progress is not None
            and snapshot.status.is_active
            and int(seen.progress) != self._written_progress
        )

    def _progress_change(self, seen: Seen, snapshot: PrinterSnapshot) -> dict[str, Any]:
        """`last_progress` to write when the whole percent moved (not on every MQTT push)."""
        if not self._writes_progress(seen, snapshot):
            return {}
        assert seen.progress is not None
        self._written_progress = int(seen.progress)
        return {"last_progress": seen.progress}

    def _require_job(self) -> JobRecord:
        assert self.current_job is not None
        return self.current_job

    # ------------------------------------------------------------------ the end

    async def _async_end(self, action: End, snapshot: PrinterSnapshot | None) -> None:
        """Close the open job: grams, energy, cost, price snapshot, ledger, events."""
        job = self._require_job()
        side = self._side or _SideData(job_id=job.job_id)
        print_hours = hours_from_seconds(action.duration_s - action.paused_s)
        # the picture first, while the part is still on the plate (the file may take a minute);
        # none when the printer already moved on to the next job
        photo = (
            self._spawn(
                self._async_take_photo(job, not action.estimated), f"job {job.job_id} photo"
            )
            if self._photo_provider is not None and snapshot is not None
            else None
        )

        materials = list(job.materials)
        if not any(m.grams > 0 for m in materials) and snapshot is not None:
            materials = await self._async_end_metadata(job, snapshot) or materials
        complete = any(m.grams > 0 for m in materials)
        used = material_grams_for_outcome(materials, action.outcome, action.progress)

        settings = self._settings.settings
        energy = energy_use(
            # the meter also counted the hours nobody saw (idle after an unseen end)
            start_kwh=None if action.estimated else side.energy_start_kwh,
            end_kwh=self._read_energy_meter(),
            elapsed_hours=action.duration_s / 3600,
            print_hours=print_hours,
            power_watts=self.power_watts,
        )
        prices = price_snapshot(
            settings, used, machine_rate=self.machine_rate, power_watts=energy.power_watts
        )
        cost = compute_cost(
            materials=used,
            print_hours=print_hours,
            energy_kwh=energy.kwh,
            settings=settings,
            machine_rate=self.machine_rate,
        )
        record = await self._run(
            self._ledger.finish_job,
            job.job_id,
            status=action.outcome,
            ended_at=action.ended_at,
            end_estimated=action.estimated,
            duration_s=action.duration_s,
            paused_s=action.paused_s,
            last_progress=action.progress,
            materials=used,
            energy_kwh=energy.kwh,
            energy_source=energy.source,
            prices=prices,
            cost=cost,
            currency=settings.currency,
            complete=complete,
        )
        self.current_job = None
        self._side = None
        self._written_progress = None
        self.last_job = record
        await self._store.async_remove()
        self.totals = await self._run(self._ledger.printer_totals, self._printer_uid)
        LOGGER.debug("Job %s on %s ended: %s", job.job_id, self._entry.title, action.outcome)

        grams = record.material_g if complete else None
        data = self._base_data(record)
        data.update(
            {
                "status": action.outcome,
                "printer": self._entry.title,
                "duration_s": action.duration_s,
                "end_estimated": action.estimated,
                "material_g": None if grams is None else float(grams),
                "energy_kwh": float(energy.kwh),
                "cost_net": cents_to_eur(cost.net_cents),
                "cost_gross": cents_to_eur(cost.gross_cents),
                "currency": settings.currency,
                "photo_url": None if photo is None else await self._async_photo_url(photo),
            }
        )
        self._hass.bus.async_fire(EVENT_JOB_FINISHED, data)
        self._notify(action.outcome, data)

    async def _async_take_photo(self, job: JobRecord, live: bool) -> str | None:
        """Background: a photo is a nice-to-have, a failing one must never lose the job."""
        assert self._photo_provider is not None
        try:
            return await self._photo_provider(job, live)
        except Exception:
            LOGGER.warning("Taking the photo of job %s failed", job.job_id, exc_info=True)
            return None

    async def _async_photo_url(self, photo: asyncio.Task[str | None]) -> str | None:
        """The photo's URL once taken; None when the tracker shuts down meanwhile."""
        await asyncio.wait((photo, self._closed), return_when=asyncio.FIRST_COMPLETED)
        if not photo.done() or photo.cancelled():
            return None
        return photo.result()

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
        fetch = self._spawn(
            self._async_call_provider(job, snapshot, "end"), f"job {job.job_id} end file"
        )
        await asyncio.wait(
            (fetch, self._closed), timeout=METADATA_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if self._closed.done():
            fetch.cancel()
            raise _Abandoned
        if not fetch.done():
            fetch.cancel()
            LOGGER.warning("No file metadata for job %s within %ss", job.job_id, METADATA_TIMEOUT)
            return None
        metadata = fetch.result()
        return list(metadata.materials) if metadata is not None else None

    async def _async_fetch_start_metadata(self, job: JobRecord, snapshot: PrinterSnapshot) -> None:
        """Background: store the file's grams with the open job (never blocks snapshots)."""
        metadata = await self._async_call_provider(job, snapshot, "start")
        if metadata is None or not any(m.grams > 0 for m in metadata.materials):
            return
        async with self._lock:
            current = self.current_job
            if current is None or current.job_id != job.job_id or current.materials:
                return
            self.current_job = await self._run(
                self._ledger.update_open_job,
                job.job_id,
                materials=list(metadata.materials),
                estimated_s=metadata.estimated_seconds,  # for the estimate accuracy
            )

    async def _async_call_provider(
        self, job: JobRecord, snapshot: PrinterSnapshot, phase: MetadataPhase
    ) -> PrintMetadata | None:
        """Metadata is a nice-to-have: a failing fetch must never lose the job."""
        assert self._metadata_provider is not None
        try:
            return await self._metadata_provider(job, snapshot, phase)
        except asyncio.CancelledError:
            raise
        except Exception:
            LOGGER.warning("Reading file metadata for job %s failed", job.job_id, exc_info=True)
            return None

    # ------------------------------------------------------------------ plumbing

    def _spawn[R](self, coro: Coroutine[Any, Any, R], what: str) -> asyncio.Task[R]:
        """A background task of this tracker; async_shutdown cancels what still runs."""
        task = self._entry.async_create_background_task(
            self._hass, coro, name=f"{DOMAIN} {self._entry.title} {what}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _read_energy_meter(self) -> Decimal | None:
        """The energy sensor in kWh, or None when unset, unavailable or not a number."""
        entity_id = self.energy_sensor
        return None if entity_id is None else meter_kwh(self._hass.states.get(entity_id))

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


def _stem(name: str) -> str:
    """A file's name without folder and print-file suffixes, lower case (for matching)."""
    base = name.rsplit("/", 1)[-1].lower()
    for suffix in (".3mf", ".gcode", ".bgcode"):
        base = base.removesuffix(suffix)
    return base.removesuffix(".gcode")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(value: Any) -> datetime | None:
    return dt_util.parse_datetime(value) if isinstance(value, str) else None


def _seconds(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _whole(progress: float | None) -> int | None:
    """The whole percent last written, so the next write waits for the next one."""
    return None if progress is None else int(progress)
