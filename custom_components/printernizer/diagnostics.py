"""Diagnostics: the printer's state and the integration's view of it, secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .const import CONF_ACCESS_CODE, CONF_API_KEY, CONF_SERIAL, CONF_TLS_FINGERPRINT
from .data import PrinternizerConfigEntry

TO_REDACT = {
    CONF_ACCESS_CODE,
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_HOST,
    CONF_SERIAL,
    CONF_TLS_FINGERPRINT,
    "serial",
    "serial_number",
    "unique_id",
    "printer_uid",
    "hostname",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PrinternizerConfigEntry
) -> dict[str, Any]:
    """What a maintainer needs to understand a report, nothing a stranger could use."""
    data = entry.runtime_data
    coordinator = data.coordinator
    snapshot = asdict(coordinator.data) if coordinator.data else None
    tracker = data.tracker
    diagnostics: dict[str, Any] = _plain(
        async_redact_data(
            {
                "entry": {
                    "title": entry.title,
                    "unique_id": entry.unique_id,
                    "data": dict(entry.data),
                    "options": dict(entry.options),
                },
                "printer": asdict(coordinator.info),
                "connection": {
                    "last_update_success": coordinator.last_update_success,
                    "update_interval": str(coordinator.update_interval),
                },
                "snapshot": snapshot,
                "jobs": {
                    "current": _job(tracker.current_job),
                    "last": _job(tracker.last_job),
                    "totals": asdict(tracker.totals),
                },
                "files": {
                    "downloaded": data.files.files_downloaded,
                    "size": data.files.files_size,
                    "last_download": data.files.last_download,
                },
            },
            TO_REDACT,
        )
    )
    return diagnostics


def _plain(value: Any) -> Any:
    """Decimals (grams, kWh) as exact text: the diagnostics JSON has no Decimal type."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _job(job: Any) -> dict[str, Any] | None:
    """A job without customer details."""
    if job is None:
        return None
    return async_redact_data(asdict(job), {"customer", "note", "printer_uid"})
