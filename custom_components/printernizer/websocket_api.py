"""Websocket commands `printernizer/...`: the panel's only way to data (open to anyone else too).

Each command calls the implementation its service calls (reports, FileManager) and follows the
service's rule on who may call it: admin-only commands go through the same check as the
services (`exceptions.async_require_admin`, with the connection's user). Bad input is refused
by the schema (`invalid_format`) or by the implementation as a translated error; Home
Assistant sends its translation key and placeholders, so the panel shows it in the user's
language. `printernizer/subscribe` pushes printer, job and file changes so the panel is live.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.util import dt as dt_util
import voluptuous as vol

from . import reports
from .const import CATEGORIES, DOMAIN
from .costs import cents_to_eur
from .data import DATA_SHARED, PrinternizerConfigEntry
from .exceptions import async_require_admin
from .export import EXPORT_FORMATS
from .ledger.files import STATUSES as FILE_STATUSES
from .ledger.jobs import JOB_ORDER, STATUSES as JOB_STATUSES
from .panel import EXPORT_URL
from .printing.queue import SIGNAL_QUEUE_CHANGED
from .reports import GROUP_BY, MATERIAL_GROUP_BY
from .services import QUEUE_START_OPTIONS, loaded_entry, maintenance_overview

ATTR_ENTRY = "config_entry_id"
SIGNAL_JOB_CHANGED = f"{DOMAIN}_job_changed"
EXPORT_LINK_LIFETIME = timedelta(minutes=5)
DEFAULT_PAGE = 50

# The entities of a printer that the panel shows or presses: (platform, key).
PANEL_ENTITIES = (
    ("sensor", "status"),
    ("sensor", "job_cost"),
    ("image", "thumbnail"),
    ("button", "pause"),
    ("button", "resume"),
    ("button", "stop"),
)

_DAY = vol.Any(cv.date, cv.datetime)
_PERIOD: dict[str | vol.Marker, Any] = {
    vol.Required("start"): cv.date,
    vol.Required("end"): cv.date,
}
type Connection = ActiveConnection


def _loaded_entries(hass: HomeAssistant, entry_id: str | None) -> list[PrinternizerConfigEntry]:
    """One named printer (it must be loaded), or every loaded printer."""
    if entry_id is None:
        return hass.config_entries.async_loaded_entries(DOMAIN)
    return [loaded_entry(hass, entry_id)]


async def _require_admin(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """The services' admin rule, applied to the user of this connection."""
    await async_require_admin(hass, connection.context(msg))


# --- printers ----------------------------------------------------------------------------


def printer_state(hass: HomeAssistant, entry: PrinternizerConfigEntry) -> dict[str, Any]:
    """A printer as the panel's Farm view shows it (live, from the coordinator)."""
    data = entry.runtime_data
    coordinator, tracker = data.coordinator, data.tracker
    snapshot = coordinator.data
    online = bool(coordinator.last_update_success and snapshot is not None and snapshot.online)
    active = online and snapshot.status.is_active
    remaining = snapshot.remaining_minutes if active else None
    estimate = tracker.current_cost_estimate() if tracker.current_job is not None else None
    registry = er.async_get(hass)
    uid = coordinator.printer_uid
    return {
        "entry_id": entry.entry_id,
        "name": entry.title,
        "family": coordinator.family.value,
        "model": coordinator.info.model or (snapshot.model if snapshot else None),
        "online": online,
        "status": snapshot.status.value if online else "offline",
        "progress": snapshot.progress if active else None,
        "remaining_min": remaining,
        "end_time": (
            (dt_util.utcnow() + timedelta(minutes=remaining)).isoformat()
            if remaining is not None
            else None
        ),
        "job_name": (snapshot.job_name or snapshot.file_name) if active else None,
        "job_id": tracker.current_job.job_id if tracker.current_job is not None else None,
        "job_cost": cents_to_eur(estimate.gross_cents) if estimate is not None else None,
        "nozzle_temperature": snapshot.nozzle_temperature if online else None,
        "nozzle_target_temperature": snapshot.nozzle_target_temperature if online else None,
        "bed_temperature": snapshot.bed_temperature if online else None,
        "bed_target_temperature": snapshot.bed_target_temperature if online else None,
        "chamber_temperature": snapshot.chamber_temperature if online else None,
        "current_layer": snapshot.current_layer if active else None,
        "total_layers": snapshot.total_layers if active else None,
        "entities": {
            key: registry.async_get_entity_id(platform, DOMAIN, f"{uid}_{key}")
            for platform, key in PANEL_ENTITIES
        },
    }


@websocket_command({vol.Required("type"): "printernizer/printers"})
@async_response
async def ws_printers(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Every loaded printer's live state and the gross cost of its jobs started today."""
    # Every state first, with no await between: a printer may unload while the report runs.
    states = {
        entry.runtime_data.coordinator.printer_uid: printer_state(hass, entry)
        for entry in _loaded_entries(hass, None)
    }
    today = dt_util.now().date()
    report = await reports.async_cost_report(
        hass, hass.data[DATA_SHARED].ledger, start=today, end=today, group_by="printer"
    )
    today_cost = {group["printer_uid"]: group["gross"] for group in report["groups"]}
    printers = [{**state, "today_cost": today_cost.get(uid, 0.0)} for uid, state in states.items()]
    connection.send_result(msg["id"], {"printers": printers})


# --- jobs --------------------------------------------------------------------------------


@websocket_command(
    {
        vol.Required("type"): "printernizer/jobs",
        vol.Optional("start"): _DAY,
        vol.Optional("end"): _DAY,
        vol.Optional(ATTR_ENTRY): cv.string,
        vol.Optional("status"): vol.In(JOB_STATUSES),
        vol.Optional("category"): vol.In(CATEGORIES),
        vol.Optional("limit", default=DEFAULT_PAGE): vol.All(int, vol.Range(min=1, max=1000)),
        vol.Optional("offset", default=0): vol.All(int, vol.Range(min=0)),
        vol.Optional("order_by", default="started_at"): vol.In(tuple(JOB_ORDER)),
        vol.Optional("descending", default=True): bool,
    }
)
@async_response
async def ws_jobs(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """A page of the ledger, as list_jobs answers it: {"jobs": [...], "total": n}.

    Jobs of printers that were removed stay listable by their former config entry id.
    """
    result = await reports.async_list_jobs(
        hass,
        hass.data[DATA_SHARED].ledger,
        start=msg.get("start"),
        end=msg.get("end"),
        entry_id=msg.get(ATTR_ENTRY),
        status=msg.get("status"),
        category=msg.get("category"),
        limit=msg["limit"],
        offset=msg["offset"],
        order_by=msg["order_by"],
        descending=msg["descending"],
    )
    connection.send_result(msg["id"], result)


@websocket_command({vol.Required("type"): "printernizer/job", vol.Required("job_id"): int})
@async_response
async def ws_job(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """One job at its latest revision, with every revision (oldest first)."""
    result = await reports.async_get_job(hass, hass.data[DATA_SHARED].ledger, msg["job_id"])
    connection.send_result(msg["id"], result)


@websocket_command(
    {
        vol.Required("type"): "printernizer/job/update",
        vol.Required("job_id"): int,
        vol.Optional("category"): vol.In(CATEGORIES),
        vol.Optional("customer"): str,
        vol.Optional("note"): str,
    }
)
@async_response
async def ws_job_update(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Correct category / customer / note (a new revision), as set_job_category does."""
    job = await reports.async_set_job_category(
        hass,
        hass.data[DATA_SHARED].ledger,
        job_id=msg["job_id"],
        category=msg.get("category"),
        customer=msg.get("customer"),
        note=msg.get("note"),
        user_id=connection.user.id,
    )
    async_dispatcher_send(hass, SIGNAL_JOB_CHANGED, job["entry_id"], job["job_id"])
    connection.send_result(msg["id"], job)


# --- files -------------------------------------------------------------------------------


@websocket_command(
    {
        vol.Required("type"): "printernizer/files",
        vol.Optional(ATTR_ENTRY): cv.string,
        vol.Optional("status"): vol.In(FILE_STATUSES),
        vol.Optional("name_contains"): str,
    }
)
@async_response
async def ws_files(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """The file index of one or every printer, as list_files answers it (plus entry ids)."""
    files: list[dict[str, Any]] = []
    for entry in _loaded_entries(hass, msg.get(ATTR_ENTRY)):
        listed = await entry.runtime_data.files.async_list(
            status=msg.get("status"), name_contains=msg.get("name_contains")
        )
        files.extend({**item, "entry_id": entry.entry_id} for item in listed)
    connection.send_result(msg["id"], {"files": files})


@websocket_command(
    {
        vol.Required("type"): "printernizer/files/download",
        vol.Required(ATTR_ENTRY): cv.string,
        vol.Exclusive("file_id", "file"): int,
        vol.Exclusive("path", "file"): cv.string,
    }
)
@async_response
async def ws_files_download(
    hass: HomeAssistant, connection: Connection, msg: dict[str, Any]
) -> None:
    """Start a download in the background; the subscription reports how it ends."""
    (entry,) = _loaded_entries(hass, msg[ATTR_ENTRY])
    result = await entry.runtime_data.files.async_download(
        path=msg.get("path"), file_id=msg.get("file_id"), wait=False
    )
    connection.send_result(msg["id"], result)


@websocket_command(
    {
        vol.Required("type"): "printernizer/files/cleanup",
        vol.Required("older_than_days"): vol.All(int, vol.Range(min=0)),
        vol.Optional(ATTR_ENTRY): cv.string,
        vol.Optional("dry_run", default=True): bool,
        vol.Optional("include_business", default=False): bool,
    }
)
@async_response
async def ws_files_cleanup(
    hass: HomeAssistant, connection: Connection, msg: dict[str, Any]
) -> None:
    """What cleanup_files would delete (dry run, the default) or deletes (admins only)."""
    if not msg["dry_run"]:
        await _require_admin(hass, connection, msg)
    result: dict[str, Any] = {"candidates": [], "deleted": 0, "freed_bytes": 0}
    for entry in _loaded_entries(hass, msg.get(ATTR_ENTRY)):
        part = await entry.runtime_data.files.async_cleanup(
            older_than_days=msg["older_than_days"],
            dry_run=msg["dry_run"],
            include_business=msg["include_business"],
        )
        result["candidates"].extend(
            {**item, "entry_id": entry.entry_id, "printer": entry.title}
            for item in part["candidates"]
        )
        result["deleted"] += part["deleted"]
        result["freed_bytes"] += part["freed_bytes"]
    connection.send_result(msg["id"], result)


# --- reports -----------------------------------------------------------------------------


@websocket_command(
    {
        vol.Required("type"): "printernizer/report",
        **_PERIOD,
        vol.Optional(ATTR_ENTRY): cv.string,
        vol.Optional("category"): vol.In(CATEGORIES),
        vol.Optional("group_by", default="printer"): vol.In(GROUP_BY),
    }
)
@async_response
async def ws_report(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Totals and groups for a period, as cost_report answers them."""
    result = await reports.async_cost_report(
        hass,
        hass.data[DATA_SHARED].ledger,
        start=msg["start"],
        end=msg["end"],
        entry_id=msg.get(ATTR_ENTRY),
        category=msg.get("category"),
        group_by=msg["group_by"],
    )
    connection.send_result(msg["id"], result)


@websocket_command(
    {
        vol.Required("type"): "printernizer/export",
        **_PERIOD,
        vol.Optional("format", default="csv_de"): vol.In(EXPORT_FORMATS),
        vol.Optional("category"): vol.In(CATEGORIES),
    }
)
@async_response
async def ws_export(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Write the export (admins only, as export_report) and answer a short-lived signed URL."""
    await _require_admin(hass, connection, msg)
    shared = hass.data[DATA_SHARED]
    result = await reports.async_export_report(
        hass,
        shared.ledger,
        shared.settings,
        start=msg["start"],
        end=msg["end"],
        fmt=msg["format"],
        category=msg.get("category"),
    )
    name = Path(result["path"]).name
    url = async_sign_path(
        hass,
        f"{EXPORT_URL}/{quote(name)}",
        EXPORT_LINK_LIFETIME,
        refresh_token_id=connection.refresh_token_id,
    )
    connection.send_result(msg["id"], {**result, "name": name, "url": url})


# --- the print queue --------------------------------------------------------------------


@websocket_command(
    {
        vol.Required("type"): "printernizer/queue",
        vol.Optional("include_ended", default=False): bool,
    }
)
@async_response
async def ws_queue(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """The queue as list_queue answers it, and each printer's plate flag and queue length."""
    queue = hass.data[DATA_SHARED].queue
    result = await queue.async_list(include_ended=msg["include_ended"])
    printers = [
        {
            "entry_id": entry.entry_id,
            "name": entry.title,
            "plate_clear": queue.plate_clear(entry.runtime_data.coordinator.printer_uid),
            "queue_length": queue.queue_length(entry.entry_id),
        }
        for entry in _loaded_entries(hass, None)
    ]
    connection.send_result(msg["id"], {**result, "printers": printers})


@websocket_command(
    {
        vol.Required("type"): "printernizer/queue/add",
        vol.Required(ATTR_ENTRY): vol.All(cv.ensure_list, [cv.string]),
        vol.Exclusive("source", "file"): cv.string,
        vol.Exclusive("file_id", "file"): int,
        vol.Exclusive("path", "file"): cv.string,
        vol.Optional("copies", default=1): int,
        vol.Optional("not_before"): cv.datetime,
        vol.Optional("plate"): vol.All(int, vol.Range(min=1)),
        vol.Optional("use_ams"): bool,
        vol.Optional("ams_mapping"): [int],
        vol.Optional("bed_leveling"): bool,
        vol.Optional("timelapse"): bool,
        vol.Optional("flow_calibration"): bool,
    }
)
@async_response
async def ws_queue_add(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Queue prints, as queue_print does: {"queue_ids": [...]}."""
    result = await hass.data[DATA_SHARED].queue.async_queue_print(
        entry_ids=msg[ATTR_ENTRY],
        source=msg.get("source"),
        file_id=msg.get("file_id"),
        path=msg.get("path"),
        copies=msg["copies"],
        not_before=msg.get("not_before"),
        options={key: msg[key] for key in QUEUE_START_OPTIONS if key in msg},
        user_id=connection.user.id,
    )
    connection.send_result(msg["id"], result)


@websocket_command(
    {vol.Required("type"): "printernizer/queue/cancel", vol.Required("queue_id"): int}
)
@async_response
async def ws_queue_cancel(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Cancel a waiting item, as cancel_queue_item does."""
    result = await hass.data[DATA_SHARED].queue.async_cancel(
        msg["queue_id"], user_id=connection.user.id
    )
    connection.send_result(msg["id"], result)


@websocket_command(
    {
        vol.Required("type"): "printernizer/queue/move",
        vol.Required("queue_id"): int,
        vol.Required("position"): int,
    }
)
@async_response
async def ws_queue_move(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Move a waiting item, as move_queue_item does."""
    result = await hass.data[DATA_SHARED].queue.async_move(
        msg["queue_id"], msg["position"], user_id=connection.user.id
    )
    connection.send_result(msg["id"], result)


@websocket_command(
    {
        vol.Required("type"): "printernizer/queue/plate",
        vol.Required(ATTR_ENTRY): cv.string,
        vol.Optional("clear", default=True): bool,
    }
)
@async_response
async def ws_queue_plate(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Mark a printer's plate clear, as its clear_plate button does."""
    entry = loaded_entry(hass, msg[ATTR_ENTRY])
    await hass.data[DATA_SHARED].queue.async_set_plate(
        entry.runtime_data.coordinator.printer_uid, clear=msg["clear"], user_id=connection.user.id
    )
    connection.send_result(msg["id"], {"plate_clear": msg["clear"]})


# --- statistics and maintenance ----------------------------------------------------------


@websocket_command(
    {
        vol.Required("type"): "printernizer/stats",
        vol.Optional(ATTR_ENTRY): cv.string,
        vol.Optional("start"): cv.date,
        vol.Optional("end"): cv.date,
    }
)
@async_response
async def ws_stats(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Per-printer statistics of a period, as printer_stats answers them."""
    if entry_id := msg.get(ATTR_ENTRY):
        loaded_entry(hass, entry_id)
    result = await reports.async_printer_stats(
        hass,
        hass.data[DATA_SHARED].ledger,
        entry_id=entry_id,
        start=msg.get("start"),
        end=msg.get("end"),
    )
    connection.send_result(msg["id"], result)


@websocket_command(
    {
        vol.Required("type"): "printernizer/material_usage",
        vol.Optional("start"): cv.date,
        vol.Optional("end"): cv.date,
        vol.Optional("group_by", default="material"): vol.In(MATERIAL_GROUP_BY),
    }
)
@async_response
async def ws_material_usage(
    hass: HomeAssistant, connection: Connection, msg: dict[str, Any]
) -> None:
    """Material per material, printer or month, as material_usage answers it."""
    result = await reports.async_material_usage(
        hass,
        hass.data[DATA_SHARED].ledger,
        start=msg.get("start"),
        end=msg.get("end"),
        group_by=msg["group_by"],
    )
    connection.send_result(msg["id"], result)


@websocket_command(
    {vol.Required("type"): "printernizer/maintenance", vol.Optional(ATTR_ENTRY): cv.string}
)
@async_response
async def ws_maintenance(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Every printer's maintenance list: tasks, counters, which are due."""
    connection.send_result(msg["id"], maintenance_overview(hass, msg.get(ATTR_ENTRY)))


# --- live updates ------------------------------------------------------------------------


class _Subscription:
    """Forwards printer, job and file changes of every loaded printer to one connection."""

    def __init__(self, hass: HomeAssistant, connection: Connection, msg_id: int) -> None:
        self._hass = hass
        self._connection = connection
        self._msg_id = msg_id
        self._entries: dict[str, list[Callable[[], None]]] = {}
        self._shown: dict[str, dict[str, Any]] = {}
        self._unsubscribe: list[Callable[[], None]] = []

    @callback
    def start(self) -> None:
        for entry in self._hass.config_entries.async_loaded_entries(DOMAIN):
            self._attach(entry)
        self._unsubscribe.append(
            async_dispatcher_connect(self._hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._entry_changed)
        )
        self._unsubscribe.append(
            async_dispatcher_connect(self._hass, SIGNAL_JOB_CHANGED, self._job_corrected)
        )
        self._unsubscribe.append(
            async_dispatcher_connect(self._hass, SIGNAL_QUEUE_CHANGED, self._queue_changed)
        )

    @callback
    def stop(self) -> None:
        for entry_id in list(self._entries):
            self._detach(entry_id)
        while self._unsubscribe:
            self._unsubscribe.pop()()

    @callback
    def _send(self, event: dict[str, Any]) -> None:
        self._connection.send_message(event_message(self._msg_id, event))

    @callback
    def _attach(self, entry: PrinternizerConfigEntry) -> None:
        data = entry.runtime_data
        self._entries[entry.entry_id] = [
            data.coordinator.async_add_listener(partial(self._printer_changed, entry)),
            data.tracker.async_add_listener(partial(self._job_event, entry)),
            data.files.async_add_listener(partial(self._files_changed, entry)),
        ]

    @callback
    def _detach(self, entry_id: str) -> None:
        for remove in self._entries.pop(entry_id, []):
            remove()
        self._shown.pop(entry_id, None)

    @callback
    def _entry_changed(self, change: ConfigEntryChange, entry: PrinternizerConfigEntry) -> None:
        """A printer was set up or went away: (un)follow it; the panel reloads its list."""
        if entry.domain != DOMAIN:
            return
        loaded = change is not ConfigEntryChange.REMOVED and entry.state is ConfigEntryState.LOADED
        if loaded == (entry.entry_id in self._entries):
            return
        if loaded:
            self._attach(entry)
        else:
            self._detach(entry.entry_id)
        self._send({"kind": "printers"})

    @callback
    def _printer_changed(self, entry: PrinternizerConfigEntry) -> None:
        state = printer_state(self._hass, entry)
        if state == self._shown.get(entry.entry_id):
            return
        self._shown[entry.entry_id] = state
        self._send({"kind": "printer", "printer": state})

    @callback
    def _job_event(self, entry: PrinternizerConfigEntry, event_type: str, data: Any) -> None:
        self._send(
            {
                "kind": "job",
                "event": event_type,
                "entry_id": entry.entry_id,
                "job_id": data.get("job_id"),
            }
        )

    @callback
    def _job_corrected(self, entry_id: str, job_id: int) -> None:
        self._send({"kind": "job", "event": "revised", "entry_id": entry_id, "job_id": job_id})

    @callback
    def _queue_changed(self) -> None:
        self._send({"kind": "queue"})

    @callback
    def _files_changed(self, entry: PrinternizerConfigEntry) -> None:
        self._send({"kind": "files", "entry_id": entry.entry_id})


@websocket_command({vol.Required("type"): "printernizer/subscribe"})
@callback
def ws_subscribe(hass: HomeAssistant, connection: Connection, msg: dict[str, Any]) -> None:
    """Push {"kind": "printer" | "job" | "files" | "printers" | "queue", ...} until
    unsubscribed."""
    subscription = _Subscription(hass, connection, msg["id"])
    subscription.start()
    connection.subscriptions[msg["id"]] = subscription.stop
    connection.send_result(msg["id"])


COMMANDS = (
    ws_printers,
    ws_jobs,
    ws_job,
    ws_job_update,
    ws_files,
    ws_files_download,
    ws_files_cleanup,
    ws_report,
    ws_export,
    ws_queue,
    ws_queue_add,
    ws_queue_cancel,
    ws_queue_move,
    ws_queue_plate,
    ws_stats,
    ws_material_usage,
    ws_maintenance,
    ws_subscribe,
)


@callback
def async_setup_commands(hass: HomeAssistant) -> None:
    """Register every command once (from async_setup)."""
    for command in COMMANDS:
        async_register_command(hass, command)
