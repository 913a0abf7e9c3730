"""The print queue: prints wait in the ledger until one of their printers is free with a clear plate.

Why a plate flag: a printer that finished still holds the part. The queue starts the next
print only on a printer that can start (idle, finished or failed, online) whose plate a person
or an automation marked clear (`clear_plate`); taking an item takes the clear plate in the same
ledger transaction, so one press lets exactly one print start, and a job's end makes the plate
not clear again (ledger.jobs.finish_job).

The runner does nothing on its own schedule: it wakes when a printer's readiness changes, a
job starts or ends, the queue or a plate changes, or an item's `not_before` comes. Every step
of an item is written before it is taken, so a restart loses and repeats nothing: an item cut
while uploading goes back to waiting; one whose start was sent becomes `printing` when its
printer's next job appears (the job watermark), or waits again when the printer is still idle
after START_GRACE.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from custom_components.printernizer.api import PrinterError
from custom_components.printernizer.const import DOMAIN, LOGGER
from custom_components.printernizer.exceptions import ha_error, service_error
from custom_components.printernizer.jobs import (
    JOB_EVENT_CANCELLED,
    JOB_EVENT_FAILED,
    JOB_EVENT_FINISHED,
    JOB_EVENT_STARTED,
)
from custom_components.printernizer.ledger import Ledger, LedgerError, queue as repo
from custom_components.printernizer.ledger.queue import QueueItem, QueueItemError
from custom_components.printernizer.manual import as_utc
from custom_components.printernizer.services import loaded_entry

from . import control
from .actions import fire_uploaded

if TYPE_CHECKING:
    from custom_components.printernizer.data import PrinternizerConfigEntry

MAX_ATTEMPTS = 3
# A start sent to a printer that still looks idle after this long did not take (a P1P can
# take over two minutes to report that it is preparing).
START_GRACE = timedelta(seconds=180)
# A failed start is tried again this much later (a printer that refused may be ready then).
RETRY_DELAY = timedelta(seconds=60)
EVENT_QUEUE_ITEM_FAILED = "printernizer_queue_item_failed"
SIGNAL_QUEUE_CHANGED = f"{DOMAIN}_queue_changed"
_JOB_EVENTS = (JOB_EVENT_STARTED, JOB_EVENT_FINISHED, JOB_EVENT_FAILED, JOB_EVENT_CANCELLED)
START_OPTIONS = ("plate", "use_ams", "ams_mapping", "bed_leveling", "timelapse", "flow_calibration")


def item_fields(item: QueueItem) -> dict[str, Any]:
    """A queue item as the services and the panel show it (times local ISO)."""
    tz = dt_util.get_default_time_zone()
    return {
        "queue_id": item.queue_id,
        "position": item.rank,
        "name": item.name,
        "printers": list(item.printers),
        "status": item.status,
        "attempts": item.attempts,
        "job_id": item.job_id,
        "error": item.error,
        "config_entry_id": item.entry_id,
        "source": item.source_kind,
        "path": item.remote_path if item.source_kind == "remote" else item.local_path,
        "file_id": item.file_id,
        "not_before": item.not_before.astimezone(tz).isoformat() if item.not_before else None,
        "options": dict(item.options),
        "user_id": item.user_id,
        "changed_by": item.changed_by,
        "created_at": item.created_at.astimezone(tz).isoformat(),
        "updated_at": item.updated_at.astimezone(tz).isoformat(),
    }


class PrintQueue:
    """The one queue runner of all printers (created with the ledger, in async_setup)."""

    def __init__(self, hass: HomeAssistant, ledger: Ledger) -> None:
        """Nothing runs until a printer attaches."""
        self._hass = hass
        self._ledger = ledger
        self._entries: dict[str, PrinternizerConfigEntry] = {}
        self._ready: dict[str, bool] = {}
        self._plates: dict[str, bool] = {}
        self._waiting: list[QueueItem] = []
        self._starts: dict[str, asyncio.Task[None]] = {}
        self._pass: asyncio.Task[None] | None = None
        self._again = False
        self._timer: Callable[[], None] | None = None
        self._timer_at: datetime | None = None
        self._closed = False
        self._retry_at: dict[int, datetime] = {}

    # ------------------------------------------------------------------ what entities show

    def plate_clear(self, printer_uid: str) -> bool:
        """The printer's plate flag (clear until a job ends on it)."""
        return self._plates.get(printer_uid, True)

    def queue_length(self, entry_id: str) -> int:
        """Waiting items this printer may take."""
        return sum(1 for item in self._waiting if entry_id in item.printers)

    # ------------------------------------------------------------------ printers

    async def async_attach(self, entry: PrinternizerConfigEntry) -> None:
        """Follow a printer that was set up; entry unload detaches it."""
        data = entry.runtime_data
        self._entries[entry.entry_id] = entry
        self._ready[entry.entry_id] = control.can_start(entry)
        remove_listeners = [
            data.coordinator.async_add_listener(partial(self._printer_changed, entry)),
            data.tracker.async_add_listener(self._job_changed),
        ]

        async def _detach() -> None:
            for remove in remove_listeners:
                remove()
            self._entries.pop(entry.entry_id, None)
            self._ready.pop(entry.entry_id, None)
            if (task := self._starts.pop(entry.entry_id, None)) is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            if not self._entries:
                await self._async_stop_runner()

        entry.async_on_unload(_detach)
        await self.async_refresh()

    @callback
    def _printer_changed(self, entry: PrinternizerConfigEntry) -> None:
        """A report: only a change of whether the printer can start wakes the queue."""
        ready = control.can_start(entry)
        if ready != self._ready.get(entry.entry_id):
            self._ready[entry.entry_id] = ready
            self.kick()

    @callback
    def _job_changed(self, event_type: str, _: object) -> None:
        if event_type in _JOB_EVENTS:
            self.kick()

    # ------------------------------------------------------------------ the runner

    @callback
    def kick(self) -> None:
        """Look at the queue again (soon, once, however often it is asked)."""
        if self._closed or not self._entries:
            return
        if self._pass is not None and not self._pass.done():
            self._again = True
            return
        self._pass = self._hass.async_create_background_task(
            self._async_passes(), f"{DOMAIN} queue", eager_start=False
        )

    async def async_refresh(self) -> None:
        """Run a pass now and wait for it (services answer after the queue looked)."""
        self.kick()
        while self._pass is not None and not self._pass.done():
            await asyncio.shield(self._pass)

    async def _async_passes(self) -> None:
        self._again = True
        while self._again and not self._closed:
            self._again = False
            try:
                await self._async_pass()
            except LedgerError as err:  # the ledger closes as Home Assistant stops
                LOGGER.debug("Queue pass stopped: %s", err)
                return

    async def _async_pass(self) -> None:
        now = dt_util.utcnow()
        run = self._hass.async_add_executor_job
        changed = await run(partial(repo.attach_jobs, self._ledger, now=now))
        items = await run(self._ledger_items)
        for item in items:
            if (
                item.status in repo.ACTIVE
                and item.entry_id not in self._starts
                and await self._async_settle(item, now)
            ):
                changed.append(item)
        if changed:
            items = await run(self._ledger_items)
        uids = {
            entry.runtime_data.coordinator.printer_uid: entry for entry in self._entries.values()
        }
        plates = await run(repo.plates, self._ledger, list(uids))
        busy = {item.entry_id for item in items if item.status in repo.ACTIVE}
        waiting = [item for item in items if item.status == repo.WAITING]
        taken: set[int] = set()
        for uid, entry in uids.items():
            if (
                entry.entry_id in busy
                or entry.entry_id in self._starts
                or not plates.get(uid, True)
                or not control.can_start(entry)
                # the printer shows the end before its job is closed (and the plate marked)
                or entry.runtime_data.tracker.current_job is not None
            ):
                continue
            for item in waiting:
                if (
                    item.queue_id in taken
                    or entry.entry_id not in item.printers
                    or (item.not_before is not None and item.not_before > now)
                    or self._retry_at.get(item.queue_id, now) > now
                ):
                    continue
                claimed = await run(
                    partial(
                        repo.claim,
                        self._ledger,
                        item.queue_id,
                        entry_id=entry.entry_id,
                        printer_uid=uid,
                        status=repo.STARTING if item.source_kind == "remote" else repo.UPLOADING,
                        remote_path=None,
                        now=now,
                    )
                )
                if claimed is None:
                    continue
                taken.add(item.queue_id)
                plates[uid] = False
                changed.append(claimed)
                self._starts[entry.entry_id] = self._hass.async_create_background_task(
                    self._async_start(entry, claimed),
                    f"{DOMAIN} queue start {claimed.queue_id}",
                    eager_start=False,
                )
                break
        waiting = [item for item in waiting if item.queue_id not in taken]
        self._retry_at = {
            item.queue_id: self._retry_at[item.queue_id]
            for item in waiting
            if item.queue_id in self._retry_at
        }
        self._show(plates, waiting, bool(changed))
        self._schedule(items, now)

    def _ledger_items(self) -> list[QueueItem]:
        return repo.list_items(self._ledger)

    async def _async_settle(self, item: QueueItem, now: datetime) -> bool:
        """An item a printer took that nothing here is starting (Home Assistant restarted).

        Cut uploads wait again; a start that went out waits again only when its printer is
        still idle START_GRACE later (attach_jobs has already found a job that appeared).
        """
        entry = self._entries.get(item.entry_id or "")
        if item.status == repo.PRINTING:
            return False
        if item.status == repo.STARTING:
            if entry is None or not control.can_start(entry):
                return False
            if item.start_sent_at is not None and now - item.start_sent_at < START_GRACE:
                return False
        await self._hass.async_add_executor_job(
            partial(
                repo.release,
                self._ledger,
                item.queue_id,
                error=item.error,
                count_attempt=False,
                max_attempts=MAX_ATTEMPTS,
                now=now,
            )
        )
        return True

    async def _async_start(self, entry: PrinternizerConfigEntry, item: QueueItem) -> None:
        """Upload (a local file) and start one item; a failure puts it back (or fails it)."""
        run = self._hass.async_add_executor_job
        try:
            local: Path | None = None
            remote = item.remote_path
            if item.source_kind != "remote":
                local = (
                    Path(item.local_path)
                    if item.local_path is not None
                    else await control.async_local_file_for(self._hass, int(item.file_id or 0))
                )
                # copies of one file go to the same name: the printer's copy is replaced
                uploaded = await control.async_upload(self._hass, entry, local, overwrite=True)
                fire_uploaded(self._hass, entry, uploaded, started=False)
                remote = uploaded.remote_path
            assert remote is not None
            await run(
                partial(
                    repo.mark_starting,
                    self._ledger,
                    item.queue_id,
                    remote_path=remote,
                    now=dt_util.utcnow(),
                )
            )
            options = control.StartOptions(
                **{k: v for k, v in item.options.items() if k in START_OPTIONS}
            )
            await control.async_start_print(self._hass, entry, remote, options, local_file=local)
        except (HomeAssistantError, PrinterError, OSError) as err:
            failed = await run(
                partial(
                    repo.release,
                    self._ledger,
                    item.queue_id,
                    error=str(err) or type(err).__name__,
                    count_attempt=True,
                    max_attempts=MAX_ATTEMPTS,
                    now=dt_util.utcnow(),
                )
            )
            if failed.status == repo.WAITING:
                self._retry_at[item.queue_id] = dt_util.utcnow() + RETRY_DELAY
            LOGGER.warning(
                "Queue item %s (%s) did not start on %s: %s",
                item.queue_id,
                item.name,
                entry.title,
                err,
            )
            self._hass.bus.async_fire(
                EVENT_QUEUE_ITEM_FAILED,
                {
                    "queue_id": item.queue_id,
                    "config_entry_id": entry.entry_id,
                    "name": item.name,
                    "error": failed.error,
                    "attempts": failed.attempts,
                    "status": failed.status,
                },
            )
        finally:
            if self._starts.get(entry.entry_id) is asyncio.current_task():
                del self._starts[entry.entry_id]
            self.kick()

    @callback
    def _show(self, plates: dict[str, bool], waiting: list[QueueItem], changed: bool) -> None:
        """Let entities and the panel show what changed."""
        lengths = {entry_id: self.queue_length(entry_id) for entry_id in self._entries}
        old_plates = self._plates
        self._plates = {**self._plates, **plates}
        self._waiting = waiting
        for entry_id, entry in list(self._entries.items()):
            uid = entry.runtime_data.coordinator.printer_uid
            if (
                lengths[entry_id] != self.queue_length(entry_id)
                or old_plates.get(uid, True) != self._plates[uid]
            ):
                entry.runtime_data.coordinator.async_update_listeners()
                changed = True
        if changed:
            async_dispatcher_send(self._hass, SIGNAL_QUEUE_CHANGED)

    @callback
    def _schedule(self, items: Sequence[QueueItem], now: datetime) -> None:
        """Wake at the next `not_before`, or when a sent start's grace runs out."""
        moments = (
            [
                item.not_before
                for item in items
                if item.status == repo.WAITING and item.not_before and item.not_before > now
            ]
            + [moment for queue_id, moment in self._retry_at.items() if moment > now]
            + [
                item.start_sent_at + START_GRACE
                for item in items
                if item.status == repo.STARTING
                and item.start_sent_at is not None
                and item.entry_id not in self._starts
            ]
        )
        when = min(moments, default=None)
        if when == self._timer_at:
            return
        self._cancel_timer()
        if when is not None:
            self._timer_at = when
            self._timer = async_track_point_in_utc_time(self._hass, self._wake, when)

    @callback
    def _wake(self, _: datetime) -> None:
        self._timer = self._timer_at = None
        self.kick()

    @callback
    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer()
        self._timer = self._timer_at = None

    async def _async_stop_runner(self) -> None:
        """No printer is left: no timer, no pass."""
        self._cancel_timer()
        if self._pass is not None and not self._pass.done():
            self._pass.cancel()
            await asyncio.gather(self._pass, return_exceptions=True)
        self._pass = None

    async def async_shutdown(self) -> None:
        """Home Assistant stops: cancel what runs (the ledger keeps each item's step)."""
        self._closed = True
        tasks = list(self._starts.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._starts.clear()
        await self._async_stop_runner()

    # ------------------------------------------------------------------ services

    async def async_queue_print(
        self,
        *,
        entry_ids: Sequence[str],
        source: str | None = None,
        file_id: int | None = None,
        path: str | None = None,
        copies: int = 1,
        not_before: datetime | None = None,
        options: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        """Queue `copies` prints of one file for whichever of the printers is free first."""
        if sum(value is not None for value in (source, file_id, path)) != 1:
            raise service_error("queue_source_required")
        if not entry_ids:
            raise service_error("printer_required")
        for entry_id in entry_ids:
            loaded_entry(self._hass, entry_id)
        if not 1 <= copies <= 100:
            raise service_error("invalid_copies", copies=copies)
        kind: str
        local: str | None = None
        if source is not None:
            kind, local = "local", source
            await self._hass.async_add_executor_job(self._check_source, Path(source))
            name = Path(source).name
        elif file_id is not None:
            kind = "file"
            name = (await control.async_local_file_for(self._hass, file_id)).name
        else:
            assert path is not None
            kind, name = "remote", path.rsplit("/", 1)[-1]
            if not name:
                raise service_error("invalid_remote_path", path=path)
        when = None if not_before is None else as_utc(not_before)
        ids = await self._hass.async_add_executor_job(
            partial(
                repo.add_items,
                self._ledger,
                name=name,
                source_kind=kind,
                local_path=local,
                file_id=file_id,
                remote_path=path,
                printers=list(dict.fromkeys(entry_ids)),
                options={k: v for k, v in (options or {}).items() if v is not None},
                not_before=when,
                copies=copies,
                now=dt_util.utcnow(),
                user_id=user_id,
            )
        )
        await self._async_changed()
        return {"queue_ids": ids}

    def _check_source(self, source: Path) -> None:
        """A local source must be a file in a folder Home Assistant allows (executor)."""
        if not self._hass.config.is_allowed_path(str(source)):
            raise service_error("source_not_allowed", path=str(source))
        if not source.is_file():
            raise service_error("source_not_found", path=str(source))

    async def async_printer_removed(self, entry: PrinternizerConfigEntry) -> None:
        """The printer was deleted: its items must not stay taken by it for ever."""
        error = str(ha_error("queue_printer_removed", printer=entry.title))
        released = await self._hass.async_add_executor_job(
            partial(
                repo.release_printer,
                self._ledger,
                entry.entry_id,
                error=error,
                now=dt_util.utcnow(),
            )
        )
        if released:
            LOGGER.info(
                "%s was deleted; its queue items were released: %s",
                entry.title,
                ", ".join(f"{item.queue_id} ({item.status})" for item in released),
            )
            await self._async_changed()

    async def async_list(self, *, include_ended: bool = False) -> dict[str, Any]:
        """Waiting items in order (position 1 = next), then the others."""
        items = await self._hass.async_add_executor_job(
            partial(repo.list_items, self._ledger, include_ended=include_ended)
        )
        return {"items": [item_fields(item) for item in items]}

    async def async_cancel(self, queue_id: int, *, user_id: str | None = None) -> dict[str, Any]:
        """Cancel a waiting (or failed) item; the ledger records who did."""
        item = await self._async_item_change(
            partial(
                repo.cancel_item,
                self._ledger,
                int(queue_id),
                now=dt_util.utcnow(),
                user_id=user_id,
            )
        )
        return item_fields(item)

    async def async_move(
        self, queue_id: int, position: int, *, user_id: str | None = None
    ) -> dict[str, Any]:
        """Move a waiting item to `position` (1 = next); the ledger records who did."""
        if position < 1:
            raise service_error("invalid_position", position=position)
        await self._async_item_change(
            partial(
                repo.move_item,
                self._ledger,
                int(queue_id),
                int(position),
                now=dt_util.utcnow(),
                user_id=user_id,
            )
        )
        return item_fields(
            await self._hass.async_add_executor_job(repo.get_item, self._ledger, int(queue_id))
        )

    async def async_set_plate(
        self, printer_uid: str, *, clear: bool = True, user_id: str | None = None
    ) -> None:
        """The plate was cleared (the `clear_plate` button, the panel): the queue may go on."""
        await self._hass.async_add_executor_job(
            partial(
                repo.set_plate,
                self._ledger,
                printer_uid,
                clear=clear,
                now=dt_util.utcnow(),
                user_id=user_id,
            )
        )
        await self._async_changed()

    async def _async_item_change(self, change: Callable[[], QueueItem]) -> QueueItem:
        try:
            item = await self._hass.async_add_executor_job(change)
        except QueueItemError as err:
            if err.reason == "unknown":
                raise service_error("unknown_queue_item", queue_id=err.queue_id) from err
            raise service_error(
                "queue_item_not_waiting", queue_id=err.queue_id, status=err.status
            ) from err
        await self._async_changed()
        return item

    async def _async_changed(self) -> None:
        """The queue or a plate changed: run a pass (or, with no printer, just tell the panel)."""
        if self._entries:
            self._again = True
            await self.async_refresh()
        else:
            async_dispatcher_send(self._hass, SIGNAL_QUEUE_CHANGED)
