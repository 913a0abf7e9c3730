"""Domain services (registered once in async_setup); every one answers with response data."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    Context,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from . import manual, reports
from .api import PrinterError
from .const import CATEGORIES, DOMAIN
from .data import DATA_SHARED, PrinternizerConfigEntry
from .exceptions import (
    async_require_admin,
    ha_error,
    printer_error,
    service_error,
    translate_printer_errors,
)
from .export import EXPORT_FORMATS
from .ledger.files import STATUS_FAILED as FILE_FAILED, STATUSES as FILE_STATUSES
from .ledger.jobs import ENDED_STATUSES as JOB_ENDED, STATUSES as JOB_STATUSES
from .printing import actions
from .printing.control import StartOptions, async_local_file_for
from .reports import GROUP_BY, MATERIAL_GROUP_BY

ATTR_ENTRY = "config_entry_id"

_DAY = vol.Any(cv.date, cv.datetime)
_AMOUNT = vol.Coerce(float)

SCHEMAS: dict[str, vol.Schema] = {
    "calculate_cost": vol.Schema(
        {
            vol.Required("material"): cv.string,
            vol.Required("grams"): _AMOUNT,
            vol.Required("print_hours"): _AMOUNT,
            vol.Optional(ATTR_ENTRY): cv.string,
            vol.Optional("power_watts"): _AMOUNT,
        }
    ),
    "list_jobs": vol.Schema(
        {
            vol.Optional("start"): _DAY,
            vol.Optional("end"): _DAY,
            vol.Optional(ATTR_ENTRY): cv.string,
            vol.Optional("status"): vol.In(JOB_STATUSES),
            vol.Optional("category"): vol.In(CATEGORIES),
            vol.Optional("limit", default=100): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=1000)
            ),
            vol.Optional("offset", default=0): vol.All(vol.Coerce(int), vol.Range(min=0)),
        }
    ),
    "set_job_category": vol.Schema(
        {
            vol.Required("job_id"): vol.Coerce(int),
            vol.Optional("category"): cv.string,
            vol.Optional("customer"): cv.string,
            vol.Optional("note"): cv.string,
        }
    ),
    "cost_report": vol.Schema(
        {
            vol.Required("start"): cv.date,
            vol.Required("end"): cv.date,
            vol.Optional(ATTR_ENTRY): cv.string,
            vol.Optional("category"): vol.In(CATEGORIES),
            vol.Optional("group_by", default="printer"): vol.In(GROUP_BY),
        }
    ),
    "export_report": vol.Schema(
        {
            vol.Required("start"): cv.date,
            vol.Required("end"): cv.date,
            vol.Optional("format", default="csv_de"): vol.In(EXPORT_FORMATS),
            vol.Optional("category"): vol.In(CATEGORIES),
        }
    ),
    "add_job": vol.Schema(
        {
            vol.Exclusive(ATTR_ENTRY, "printer"): cv.string,
            vol.Exclusive("printer_name", "printer"): cv.string,
            vol.Required("name"): cv.string,
            vol.Required("started_at"): cv.datetime,
            vol.Exclusive("ended_at", "end"): cv.datetime,
            vol.Exclusive("duration_s", "end"): vol.All(vol.Coerce(int), vol.Range(min=0)),
            vol.Optional("status", default="finished"): vol.In(JOB_ENDED),
            vol.Optional("materials", default=dict): {cv.string: _AMOUNT},
            vol.Optional("energy_kwh"): _AMOUNT,
            vol.Optional("category"): vol.In(CATEGORIES),
            vol.Optional("customer"): cv.string,
            vol.Optional("note"): cv.string,
        }
    ),
    "get_job": vol.Schema({vol.Required("job_id"): vol.Coerce(int)}),
    "queue_print": vol.Schema(
        {
            vol.Required(ATTR_ENTRY): vol.All(cv.ensure_list, [cv.string]),
            vol.Exclusive("source", "file"): cv.string,
            vol.Exclusive("file_id", "file"): vol.Coerce(int),
            vol.Exclusive("path", "file"): cv.string,
            vol.Optional("copies", default=1): vol.Coerce(int),
            vol.Optional("not_before"): cv.datetime,
            vol.Optional("plate"): vol.All(vol.Coerce(int), vol.Range(min=1)),
            vol.Optional("use_ams"): cv.boolean,
            vol.Optional("ams_mapping"): vol.All(cv.ensure_list, [vol.Coerce(int)]),
            vol.Optional("bed_leveling"): cv.boolean,
            vol.Optional("timelapse"): cv.boolean,
            vol.Optional("flow_calibration"): cv.boolean,
        }
    ),
    "list_queue": vol.Schema({vol.Optional("include_ended", default=False): cv.boolean}),
    "cancel_queue_item": vol.Schema({vol.Required("queue_id"): vol.Coerce(int)}),
    "move_queue_item": vol.Schema(
        {vol.Required("queue_id"): vol.Coerce(int), vol.Required("position"): vol.Coerce(int)}
    ),
    "printer_stats": vol.Schema(
        {
            vol.Optional(ATTR_ENTRY): cv.string,
            vol.Optional("start"): cv.date,
            vol.Optional("end"): cv.date,
        }
    ),
    "material_usage": vol.Schema(
        {
            vol.Optional("start"): cv.date,
            vol.Optional("end"): cv.date,
            vol.Optional("group_by", default="material"): vol.In(MATERIAL_GROUP_BY),
        }
    ),
    "set_maintenance_task": vol.Schema(
        {
            vol.Required(ATTR_ENTRY): cv.string,
            vol.Required("task"): cv.string,
            vol.Optional("interval_hours"): _AMOUNT,
            vol.Optional("interval_jobs"): vol.Coerce(int),
            vol.Optional("interval_days"): vol.Coerce(int),
            vol.Optional("remove", default=False): cv.boolean,
        }
    ),
    "update_settings": vol.Schema({}, extra=vol.ALLOW_EXTRA),
    "get_settings": vol.Schema({}),
    "refresh_files": vol.Schema({vol.Optional(ATTR_ENTRY): cv.string}),
    "list_files": vol.Schema(
        {
            vol.Optional(ATTR_ENTRY): cv.string,
            vol.Optional("status"): vol.In(FILE_STATUSES),
            vol.Optional("name_contains"): cv.string,
        }
    ),
    "download_file": vol.Schema(
        {
            vol.Required(ATTR_ENTRY): cv.string,
            vol.Optional("path"): cv.string,
            vol.Optional("file_id"): vol.Coerce(int),
            vol.Optional("wait", default=True): cv.boolean,
        }
    ),
    "cleanup_files": vol.Schema(
        {
            vol.Required("older_than_days"): vol.Coerce(int),
            vol.Optional(ATTR_ENTRY): cv.string,
            vol.Optional("dry_run", default=True): cv.boolean,
            vol.Optional("include_business", default=False): cv.boolean,
        }
    ),
}


_START_OPTIONS: dict[Any, Any] = {
    vol.Optional("plate", default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=64)),
    vol.Optional("use_ams"): cv.boolean,
    vol.Optional("ams_mapping"): vol.All(
        cv.ensure_list, [vol.All(vol.Coerce(int), vol.Range(min=-1, max=255))]
    ),
    vol.Optional("bed_leveling", default=True): cv.boolean,
    vol.Optional("timelapse", default=False): cv.boolean,
    vol.Optional("flow_calibration", default=False): cv.boolean,
}

SCHEMAS.update(
    {
        "upload_file": vol.Schema(
            {
                vol.Required(ATTR_ENTRY): cv.string,
                vol.Exclusive("source", "file"): cv.string,
                vol.Exclusive("file_id", "file"): vol.Coerce(int),
                vol.Optional("name"): cv.string,
                vol.Optional("folder"): cv.string,
                vol.Optional("overwrite", default=False): cv.boolean,
                vol.Optional("start", default=False): cv.boolean,
                vol.Optional("wait", default=True): cv.boolean,
                **_START_OPTIONS,
            }
        ),
        "start_print": vol.Schema(
            {
                vol.Required(ATTR_ENTRY): cv.string,
                vol.Exclusive("path", "file"): cv.string,
                vol.Exclusive("file_id", "file"): vol.Coerce(int),
                **_START_OPTIONS,
            }
        ),
        "reprint": vol.Schema(
            {
                vol.Required("job_id"): vol.Coerce(int),
                vol.Optional(ATTR_ENTRY): cv.string,
                **_START_OPTIONS,
            }
        ),
    }
)


def start_options(data: Mapping[str, Any]) -> StartOptions:
    """The start options of a service call (the defaults where a field is left out)."""
    return StartOptions(
        plate=data.get("plate", 1),
        use_ams=data.get("use_ams"),
        ams_mapping=list(data["ams_mapping"]) if "ams_mapping" in data else None,
        bed_leveling=data.get("bed_leveling", True),
        timelapse=data.get("timelapse", False),
        flow_calibration=data.get("flow_calibration", False),
    )


def loaded_entry(hass: HomeAssistant, entry_id: str) -> PrinternizerConfigEntry:
    """The printer a service targets; it must exist and be loaded."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise service_error("entry_not_found", entry_id=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise service_error("entry_not_loaded", name=entry.title)
    return entry


def _target_entries(hass: HomeAssistant, call: ServiceCall) -> list[PrinternizerConfigEntry]:
    """One named printer, or every loaded printer."""
    if entry_id := call.data.get(ATTR_ENTRY):
        return [loaded_entry(hass, entry_id)]
    return hass.config_entries.async_loaded_entries(DOMAIN)


async def _calculate_cost(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    power_watts = call.data.get("power_watts")
    machine_rate: float | Decimal = 0.0
    if entry_id := call.data.get(ATTR_ENTRY):
        # the printer's own power and rate, as its jobs are recorded (option, else model)
        tracker = loaded_entry(hass, entry_id).runtime_data.tracker
        if power_watts is None:
            power_watts = tracker.power_watts
        machine_rate = tracker.machine_rate
    if power_watts is None:
        raise service_error("power_or_printer_required")
    return await reports.async_calculate_cost(
        hass.data[DATA_SHARED].settings.settings,
        material=call.data["material"],
        grams=call.data["grams"],
        print_hours=call.data["print_hours"],
        power_watts=power_watts,
        machine_rate=machine_rate,
    )


async def _list_jobs(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry_id = call.data.get(ATTR_ENTRY)
    if entry_id:
        loaded_entry(hass, entry_id)
    return await reports.async_list_jobs(
        hass,
        hass.data[DATA_SHARED].ledger,
        start=call.data.get("start"),
        end=call.data.get("end"),
        entry_id=entry_id,
        status=call.data.get("status"),
        category=call.data.get("category"),
        limit=call.data["limit"],
        offset=call.data["offset"],
    )


async def _set_job_category(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    return await reports.async_set_job_category(
        hass,
        hass.data[DATA_SHARED].ledger,
        job_id=call.data["job_id"],
        category=call.data.get("category"),
        customer=call.data.get("customer"),
        note=call.data.get("note"),
        user_id=call.context.user_id,
    )


async def _add_job(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """A job entered by hand; the ledger records who entered it."""
    data = call.data
    return await manual.async_add_job(
        hass,
        entry_id=data.get(ATTR_ENTRY),
        printer_name=data.get("printer_name"),
        name=data["name"],
        started_at=data["started_at"],
        ended_at=data.get("ended_at"),
        duration_s=data.get("duration_s"),
        status=data["status"],
        materials=data["materials"],
        energy_kwh=data.get("energy_kwh"),
        category=data.get("category"),
        customer=data.get("customer"),
        note=data.get("note"),
        user_id=call.context.user_id,
    )


async def _get_job(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    result = await reports.async_get_job(hass, hass.data[DATA_SHARED].ledger, call.data["job_id"])
    return reports.job_with_revisions(result)


QUEUE_START_OPTIONS = (
    "plate",
    "use_ams",
    "ams_mapping",
    "bed_leveling",
    "timelapse",
    "flow_calibration",
)


async def _queue_print(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    data = call.data
    return await hass.data[DATA_SHARED].queue.async_queue_print(
        entry_ids=data[ATTR_ENTRY],
        source=data.get("source"),
        file_id=data.get("file_id"),
        path=data.get("path"),
        copies=data["copies"],
        not_before=data.get("not_before"),
        options={key: data[key] for key in QUEUE_START_OPTIONS if key in data},
        user_id=call.context.user_id,
    )


async def _list_queue(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    return await hass.data[DATA_SHARED].queue.async_list(include_ended=call.data["include_ended"])


async def _cancel_queue_item(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    return await hass.data[DATA_SHARED].queue.async_cancel(
        call.data["queue_id"], user_id=call.context.user_id
    )


async def _move_queue_item(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    return await hass.data[DATA_SHARED].queue.async_move(
        call.data["queue_id"], call.data["position"], user_id=call.context.user_id
    )


async def _cost_report(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry_id = call.data.get(ATTR_ENTRY)
    if entry_id:
        loaded_entry(hass, entry_id)
    return await reports.async_cost_report(
        hass,
        hass.data[DATA_SHARED].ledger,
        start=call.data["start"],
        end=call.data["end"],
        entry_id=entry_id,
        category=call.data.get("category"),
        group_by=call.data["group_by"],
    )


async def _printer_stats(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry_id = call.data.get(ATTR_ENTRY)
    if entry_id:
        loaded_entry(hass, entry_id)
    return await reports.async_printer_stats(
        hass,
        hass.data[DATA_SHARED].ledger,
        entry_id=entry_id,
        start=call.data.get("start"),
        end=call.data.get("end"),
    )


async def _material_usage(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    return await reports.async_material_usage(
        hass,
        hass.data[DATA_SHARED].ledger,
        start=call.data.get("start"),
        end=call.data.get("end"),
        group_by=call.data["group_by"],
    )


async def async_set_maintenance_task(
    hass: HomeAssistant, context: Context, data: dict[str, Any]
) -> dict[str, Any]:
    """Change, add or remove a printer's maintenance task (admins only): {"tasks": [...]}."""
    await async_require_admin(hass, context)  # changes what every user's list shows
    entry = loaded_entry(hass, data[ATTR_ENTRY])
    tasks = await entry.runtime_data.maintenance.async_set_task(
        data["task"],
        interval_hours=data.get("interval_hours"),
        interval_jobs=data.get("interval_jobs"),
        interval_days=data.get("interval_days"),
        remove=data.get("remove", False),
    )
    return {"tasks": tasks}


async def _set_maintenance_task(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    return await async_set_maintenance_task(hass, call.context, dict(call.data))


def maintenance_overview(hass: HomeAssistant, entry_id: str | None = None) -> dict[str, Any]:
    """Every loaded printer's maintenance list (or one printer's), as the panel shows it."""
    entries = (
        [loaded_entry(hass, entry_id)]
        if entry_id
        else hass.config_entries.async_loaded_entries(DOMAIN)
    )
    return {
        "printers": [
            {
                "config_entry_id": entry.entry_id,
                "name": entry.title,
                "due": entry.runtime_data.maintenance.due_count,
                "tasks": entry.runtime_data.maintenance.as_list(),
            }
            for entry in sorted(entries, key=lambda e: e.title.casefold())
        ]
    }


async def _export_report(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    await async_require_admin(hass, call.context)  # business figures leave Home Assistant
    shared = hass.data[DATA_SHARED]
    return await reports.async_export_report(
        hass,
        shared.ledger,
        shared.settings.settings,
        start=call.data["start"],
        end=call.data["end"],
        fmt=call.data["format"],
        category=call.data.get("category"),
    )


async def _update_settings(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    await async_require_admin(hass, call.context)  # prices, VAT and the download folder
    settings = await hass.data[DATA_SHARED].settings.async_update(dict(call.data))
    return settings.as_dict()


async def _get_settings(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    return hass.data[DATA_SHARED].settings.settings.as_dict()


async def _refresh_files(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """A named printer that fails is an error; of all printers, each failure is an answer
    (one switched-off printer must not stop the others' refresh)."""
    printers: dict[str, Any] = {}
    for entry in _target_entries(hass, call):
        try:
            printers[entry.entry_id] = await entry.runtime_data.files.async_refresh()
        except PrinterError as err:
            error = printer_error(hass, err, entry=entry, action="refresh_files")
            if ATTR_ENTRY in call.data:
                raise error from err
            printers[entry.entry_id] = {"error": str(error)}
    return cast(ServiceResponse, {"printers": printers})


async def _list_files(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    files: list[dict[str, Any]] = []
    for entry in _target_entries(hass, call):
        files.extend(
            await entry.runtime_data.files.async_list(
                status=call.data.get("status"), name_contains=call.data.get("name_contains")
            )
        )
    return cast(ServiceResponse, {"files": files})


async def _download_file(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """A download waited for that failed is an error the caller sees (the failure event
    fires as well)."""
    entry = loaded_entry(hass, call.data[ATTR_ENTRY])
    with translate_printer_errors(hass, entry, "download_file"):
        answer = await entry.runtime_data.files.async_download(
            path=call.data.get("path"), file_id=call.data.get("file_id"), wait=call.data["wait"]
        )
    if answer["status"] == FILE_FAILED:
        raise ha_error("transfer_failed", printer=entry.title, error=answer["error"])
    return answer


async def _cleanup_files(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    if call.data["older_than_days"] < 0:
        raise service_error("invalid_days", days=call.data["older_than_days"])
    if not call.data["dry_run"]:
        await async_require_admin(hass, call.context)  # deletes files
    result: dict[str, Any] = {"candidates": [], "deleted": 0, "freed_bytes": 0}
    for entry in _target_entries(hass, call):
        part = await entry.runtime_data.files.async_cleanup(
            older_than_days=call.data["older_than_days"],
            dry_run=call.data["dry_run"],
            include_business=call.data["include_business"],
        )
        result["candidates"].extend(part["candidates"])
        result["deleted"] += part["deleted"]
        result["freed_bytes"] += part["freed_bytes"]
    return result


async def _upload_file(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = loaded_entry(hass, call.data[ATTR_ENTRY])
    if "source" in call.data:
        source = Path(call.data["source"])
    elif "file_id" in call.data:
        source = await async_local_file_for(hass, call.data["file_id"])
    else:
        raise service_error("source_or_file_id_required")
    return await actions.async_upload_file(
        hass,
        entry,
        source=source,
        name=call.data.get("name"),
        folder=call.data.get("folder"),
        overwrite=call.data["overwrite"],
        start=call.data["start"],
        wait=call.data["wait"],
        options=start_options(call.data),
    )


async def _start_print(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = loaded_entry(hass, call.data[ATTR_ENTRY])
    return await actions.async_start_file(
        hass,
        entry,
        path=call.data.get("path"),
        file_id=call.data.get("file_id"),
        options=start_options(call.data),
    )


async def _reprint(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    target = loaded_entry(hass, call.data[ATTR_ENTRY]) if ATTR_ENTRY in call.data else None
    return await actions.async_reprint(hass, call.data["job_id"], target, start_options(call.data))


HANDLERS: dict[
    str, Callable[[HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]]
] = {
    "calculate_cost": _calculate_cost,
    "list_jobs": _list_jobs,
    "set_job_category": _set_job_category,
    "add_job": _add_job,
    "get_job": _get_job,
    "queue_print": _queue_print,
    "list_queue": _list_queue,
    "cancel_queue_item": _cancel_queue_item,
    "move_queue_item": _move_queue_item,
    "cost_report": _cost_report,
    "printer_stats": _printer_stats,
    "material_usage": _material_usage,
    "set_maintenance_task": _set_maintenance_task,
    "export_report": _export_report,
    "update_settings": _update_settings,
    "get_settings": _get_settings,
    "refresh_files": _refresh_files,
    "list_files": _list_files,
    "download_file": _download_file,
    "cleanup_files": _cleanup_files,
    "upload_file": _upload_file,
    "start_print": _start_print,
    "reprint": _reprint,
}

# Services that only read answer only with data; the others also act.
READ_ONLY = {
    "calculate_cost",
    "list_jobs",
    "get_job",
    "list_queue",
    "cost_report",
    "get_settings",
    "list_files",
    "printer_stats",
    "material_usage",
}


def async_setup_services(hass: HomeAssistant) -> None:
    """Register every Printernizer service."""
    for name, handler in HANDLERS.items():
        hass.services.async_register(
            DOMAIN,
            name,
            partial(handler, hass),
            schema=SCHEMAS[name],
            supports_response=SupportsResponse.ONLY
            if name in READ_ONLY
            else SupportsResponse.OPTIONAL,
        )
