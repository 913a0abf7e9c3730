"""Diagnostics: the printer's state and the integration's view of it, secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import (
    CONF_HOST,
    CONF_IP_ADDRESS,
    CONF_MAC,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ACCESS_CODE,
    CONF_API_KEY,
    CONF_CAMERA_PORT,
    CONF_FTP_PORT,
    CONF_PRINTER_TYPE,
    CONF_SERIAL,
    CONF_TLS_FINGERPRINT,
)
from .data import PrinternizerConfigEntry

# Keys redacted wherever they appear (the printer's facts and state included).
TO_REDACT = {
    CONF_ACCESS_CODE,
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_HOST,
    CONF_IP_ADDRESS,
    CONF_MAC,
    CONF_SERIAL,
    CONF_TLS_FINGERPRINT,
    "serial_number",
    "unique_id",
    "printer_uid",
    "hostname",
}
# The entry's data shown as it is; every other field is redacted, so a field added later
# (a new secret, a discovered MAC) stays hidden until someone decides it is harmless.
ENTRY_DATA_SHOWN = frozenset({CONF_PRINTER_TYPE, CONF_PORT, CONF_FTP_PORT, CONF_CAMERA_PORT})


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
                    "data": {
                        key: value if key in ENTRY_DATA_SHOWN else REDACTED
                        for key, value in entry.data.items()
                    },
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
