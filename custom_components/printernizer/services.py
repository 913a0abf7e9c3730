"""Domain services (registered once in async_setup); every one answers with response data."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from decimal import Decimal
from functools import partial
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

from . import reports
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
from .ledger.jobs import STATUSES as JOB_STATUSES
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


HANDLERS: dict[
    str, Callable[[HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]]
] = {
    "calculate_cost": _calculate_cost,
    "list_jobs": _list_jobs,
    "set_job_category": _set_job_category,
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
}

# Services that only read answer only with data; the others also act.
READ_ONLY = {
    "calculate_cost",
    "list_jobs",
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
