"""Maintenance tasks per printer, due after print hours, jobs or days since last done.

Why counters from the ledger: print hours and jobs are sums over the printer's ended jobs, so
they never drift like a printer's own counters (reset by a firmware update, missing on
PrusaLink). The log of when a task was done lives in the ledger too and survives restarts.

Defaults follow the makers' maintenance guides (Bambu Lab wiki for the X1/P1/A1 series,
Prusa's MK4 / Core One handbook): plate cleaning every 25 h, a nozzle check every 100 h,
belts every 200 h (Bambu) or 500 h / half a year (Prusa), the PTFE tube every 500 h (Bambu),
rods and rails lubricated every 300 h / 3 months (Bambu) or 1000 h / half a year (Prusa), the
extruder gears cleaned every 200 h (Prusa). `set_maintenance_task` changes, adds or removes
tasks. A task nobody ticked off yet counts from the moment it was first listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .api import PrinterFamily
from .const import SIGNAL_LEDGER_CHANGED
from .exceptions import service_error
from .ledger import Ledger, MaintenanceTask


@dataclass(frozen=True, slots=True)
class Interval:
    """A task's intervals; None means not counted that way."""

    hours: float | None = None
    jobs: int | None = None
    days: int | None = None

    @property
    def empty(self) -> bool:
        return self.hours is None and self.jobs is None and self.days is None


DEFAULTS: dict[PrinterFamily, dict[str, Interval]] = {
    PrinterFamily.BAMBU: {
        "plate_cleaning": Interval(hours=25),
        "nozzle_check": Interval(hours=100),
        "belt_tension": Interval(hours=200),
        "rods_lubrication": Interval(hours=300, days=90),
        "ptfe_tube": Interval(hours=500),
    },
    PrinterFamily.PRUSA: {
        "plate_cleaning": Interval(hours=25),
        "nozzle_check": Interval(hours=100),
        "extruder_gears": Interval(hours=200),
        "belt_tension": Interval(hours=500, days=180),
        "rods_lubrication": Interval(hours=1000, days=180),
    },
}

# To-do items carry text, not translation keys: the names and the due text in HA's language.
NAMES: dict[str, dict[str, str]] = {
    "en": {
        "plate_cleaning": "Clean the build plate",
        "nozzle_check": "Check and clean the nozzle",
        "belt_tension": "Check the belt tension",
        "rods_lubrication": "Clean and lubricate rods and rails",
        "ptfe_tube": "Check the PTFE tube",
        "extruder_gears": "Clean the extruder gears",
    },
    "de": {
        "plate_cleaning": "Druckplatte reinigen",
        "nozzle_check": "Düse prüfen und reinigen",
        "belt_tension": "Riemenspannung prüfen",
        "rods_lubrication": "Stangen und Schienen reinigen und schmieren",
        "ptfe_tube": "PTFE-Schlauch prüfen",
        "extruder_gears": "Extruder-Zahnräder reinigen",
    },
}
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "hours": "{left} print hours left (every {every} h)",
        "jobs": "{left} jobs left (every {every})",
        "days": "due on {date} (every {every} days)",
        "hours_due": "{used} of {every} print hours used",
        "jobs_due": "{used} of {every} jobs printed",
        "days_due": "due since {date}",
        "last": "last done {date}",
        "never": "counting since {date}",
    },
    "de": {
        "hours": "noch {left} Druckstunden (alle {every} h)",
        "jobs": "noch {left} Druckaufträge (alle {every})",
        "days": "fällig am {date} (alle {every} Tage)",
        "hours_due": "{used} von {every} Druckstunden erreicht",
        "jobs_due": "{used} von {every} Druckaufträgen erreicht",
        "days_due": "fällig seit {date}",
        "last": "zuletzt erledigt am {date}",
        "never": "gezählt seit {date}",
    },
}


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class TaskState:
    """A task now: its intervals, what was used since it was last done, whether it is due."""

    task: str
    name: str
    interval: Interval
    since: datetime
    done_before: bool
    print_s: int
    jobs: int
    now: datetime

    @property
    def hours(self) -> float:
        return round(self.print_s / 3600, 2)

    @property
    def due_at(self) -> datetime | None:
        return (
            None if self.interval.days is None else self.since + timedelta(days=self.interval.days)
        )

    @property
    def due(self) -> bool:
        interval = self.interval
        return (
            (interval.hours is not None and self.print_s >= interval.hours * 3600)
            or (interval.jobs is not None and self.jobs >= interval.jobs)
            or (self.due_at is not None and self.now >= self.due_at)
        )

    def description(self, language: str) -> str:
        """Where the task stands, in words: what is left, or what made it due."""
        text = TEXT["de" if language.startswith("de") else "en"]
        tz = dt_util.get_default_time_zone()
        parts: list[str] = []
        interval = self.interval
        if interval.hours is not None:
            if self.print_s >= interval.hours * 3600:
                parts.append(
                    text["hours_due"].format(
                        used=_number(self.hours), every=_number(interval.hours)
                    )
                )
            elif not self.due:
                left = max(interval.hours - self.print_s / 3600, 0)
                parts.append(
                    text["hours"].format(left=_number(left), every=_number(interval.hours))
                )
        if interval.jobs is not None:
            if self.jobs >= interval.jobs:
                parts.append(text["jobs_due"].format(used=self.jobs, every=interval.jobs))
            elif not self.due:
                parts.append(
                    text["jobs"].format(left=interval.jobs - self.jobs, every=interval.jobs)
                )
        if (due_at := self.due_at) is not None:
            day = due_at.astimezone(tz).date().isoformat()
            if self.now >= due_at:
                parts.append(text["days_due"].format(date=day))
            elif not self.due:
                parts.append(text["days"].format(date=day, every=interval.days))
        since = self.since.astimezone(tz).date().isoformat()
        parts.append(text["last" if self.done_before else "never"].format(date=since))
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """The task as set_maintenance_task and the panel answer it."""
        return {
            "task": self.task,
            "name": self.name,
            "interval_hours": self.interval.hours,
            "interval_jobs": self.interval.jobs,
            "interval_days": self.interval.days,
            "last_done": self.since.isoformat() if self.done_before else None,
            "counting_since": self.since.isoformat(),
            "print_hours": self.hours,
            "jobs": self.jobs,
            "due": self.due,
            "due_date": self.due_at.isoformat() if self.due_at else None,
        }


def effective_tasks(family: PrinterFamily, stored: list[MaintenanceTask]) -> dict[str, Interval]:
    """The family's defaults, changed, removed and added to by the stored tasks."""
    tasks = dict(DEFAULTS[family])
    for row in stored:
        if row.removed:
            tasks.pop(row.task, None)
        else:
            tasks[row.task] = Interval(row.interval_hours, row.interval_jobs, row.interval_days)
    return tasks


class Maintenance:
    """A printer's maintenance list: read from the ledger, ticked off, changed by the service."""

    def __init__(
        self,
        hass: HomeAssistant,
        ledger: Ledger,
        printer_uid: str,
        family: PrinterFamily,
        on_change: Callable[[], None],
    ) -> None:
        """Nothing is read until `async_refresh`."""
        self._hass = hass
        self._ledger = ledger
        self._uid = printer_uid
        self._family = family
        self._on_change = on_change
        self.tasks: list[TaskState] = []
        self._timer: CALLBACK_TYPE | None = None
        self._stopped = False

    @property
    def due_count(self) -> int:
        """How many tasks are due."""
        return sum(1 for task in self.tasks if task.due)

    def name_of(self, task: str) -> str:
        """A task's name in HA's language (an added task is called what it was named)."""
        language = "de" if self._hass.config.language.startswith("de") else "en"
        return NAMES[language].get(task, task)

    def _key(self, task: str) -> str:
        """A task named by its key or by its name in either language (any case)."""
        wanted = task.strip().casefold()
        for names in NAMES.values():
            for key, name in names.items():
                if wanted in (key, name.casefold()):
                    return key
        return task.strip()

    def _read(self) -> list[TaskState]:
        """In the executor: the tasks and their counters; a new task starts counting now."""
        now = dt_util.utcnow()
        tasks = effective_tasks(self._family, self._ledger.maintenance_tasks(self._uid))
        usage = self._ledger.maintenance_usage(self._uid, list(tasks))
        for task, use in usage.items():
            if use.since is None:
                self._ledger.log_maintenance(self._uid, task, done_at=now, kind="start")
        if any(use.since is None for use in usage.values()):
            usage = self._ledger.maintenance_usage(self._uid, list(tasks))
        return [
            TaskState(
                task=task,
                name=self.name_of(task),
                interval=interval,
                since=usage[task].since or now,
                done_before=usage[task].done,
                print_s=usage[task].print_s,
                jobs=usage[task].jobs,
                now=now,
            )
            for task, interval in tasks.items()
        ]

    async def async_refresh(self) -> None:
        """Read the list again, let the entities know, wake up when the next task comes due."""
        self.tasks = await self._hass.async_add_executor_job(self._read)
        self._schedule()
        self._on_change()

    @callback
    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None
        if self._stopped:
            return
        upcoming = [t.due_at for t in self.tasks if t.due_at is not None and not t.due]
        if upcoming:
            self._timer = async_track_point_in_utc_time(self._hass, self._wake, min(upcoming))

    @callback
    def _wake(self, _: datetime) -> None:
        self._timer = None
        self._refresh_later()

    @callback
    def _refresh_later(self, *_: object) -> None:
        if not self._stopped:
            self._hass.async_create_background_task(
                self.async_refresh(), f"printernizer maintenance {self._uid}"
            )

    @callback
    def async_start(self) -> Callable[[], None]:
        """Follow the ledger (a job ended) and the clock; returns the function that stops it."""
        stop_signal = async_dispatcher_connect(
            self._hass, SIGNAL_LEDGER_CHANGED, self._refresh_later
        )

        @callback
        def stop() -> None:
            self._stopped = True
            stop_signal()
            if self._timer is not None:
                self._timer()
                self._timer = None

        return stop

    async def async_complete(self, task: str, user_id: str | None = None) -> bool:
        """Tick a due task off: log it, its counters start again. False if it was not due."""
        state = next((t for t in self.tasks if t.task == task), None)
        if state is None or not state.due:
            return False
        await self._hass.async_add_executor_job(
            lambda: self._ledger.log_maintenance(
                self._uid, task, done_at=dt_util.utcnow(), user_id=user_id
            )
        )
        await self.async_refresh()
        return True

    async def async_set_task(
        self,
        task: str,
        *,
        interval_hours: float | None = None,
        interval_jobs: int | None = None,
        interval_days: int | None = None,
        remove: bool = False,
    ) -> list[dict[str, Any]]:
        """Change, add or remove a task; given intervals replace (0 clears one), others stay.

        A removed default comes back with its default intervals when set again.
        """
        key = self._key(task)
        if not key:
            raise service_error("invalid_maintenance_task", task=task)
        for name, value in (
            ("interval_hours", interval_hours),
            ("interval_jobs", interval_jobs),
            ("interval_days", interval_days),
        ):
            if value is not None and value < 0:
                raise service_error("negative_amount", field=name, value=value)
        current = {t.task: t.interval for t in self.tasks}
        if remove:
            if key not in current:
                raise service_error("unknown_maintenance_task", task=task)
            new = current[key]
        else:
            base = current.get(key) or DEFAULTS[self._family].get(key) or Interval()
            new = Interval(
                hours=base.hours if interval_hours is None else (float(interval_hours) or None),
                jobs=base.jobs if interval_jobs is None else (int(interval_jobs) or None),
                days=base.days if interval_days is None else (int(interval_days) or None),
            )
            if new.empty:
                raise service_error("maintenance_interval_required", task=task)
        await self._hass.async_add_executor_job(
            lambda: self._ledger.set_maintenance_task(
                self._uid,
                key,
                interval_hours=new.hours,
                interval_jobs=new.jobs,
                interval_days=new.days,
                removed=remove,
            )
        )
        await self.async_refresh()
        return self.as_list()

    def as_list(self) -> list[dict[str, Any]]:
        """Every task as the service answers it."""
        return [task.as_dict() for task in self.tasks]
