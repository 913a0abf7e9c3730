"""Jobs entered by hand (`add_job`): a print Home Assistant did not watch, priced like any job.

Why its own path into the ledger: such a job never ran through the tracker, so it is written
ended and priced at once, marked `source: manual` with the user who entered it. Its grams are
what was used (a failed print's grams are not scaled by a progress nobody saw); its kWh are
the ones given, else the printer's power (jobs/energy) × the print hours. It counts in reports,
not in the printer's `total_*` sensors.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util, slugify

from .api.models import MaterialUsage
from .const import CATEGORY_PRIVATE, CONF_DEFAULT_CATEGORY, DOMAIN
from .costs import (
    compute_cost,
    estimate_energy_kwh,
    hours_from_seconds,
    price_snapshot,
    to_decimal,
)
from .data import DATA_SHARED
from .exceptions import service_error
from .jobs.energy import ENERGY_ESTIMATED, ENERGY_MEASURED, printer_power_watts
from .ledger import JobRecord, LedgerError
from .reports import job_fields

MANUAL_PREFIX = "manual:"


def as_utc(value: datetime) -> datetime:
    """A service time -> UTC; one without an offset is in Home Assistant's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    return value.astimezone(UTC)


def _grams(materials: Mapping[str, Any]) -> list[MaterialUsage]:
    usage: list[MaterialUsage] = []
    for material, grams in materials.items():
        amount = to_decimal(grams)  # the schema made it a number
        if not amount.is_finite() or amount < 0:
            raise service_error("negative_amount", field=f"materials.{material}", value=grams)
        if amount > 0:
            usage.append(MaterialUsage(str(material).strip(), float(amount)))
    return usage


async def async_add_job(
    hass: HomeAssistant,
    *,
    entry_id: str | None,
    printer_name: str | None,
    name: str,
    started_at: datetime,
    ended_at: datetime | None = None,
    duration_s: int | None = None,
    status: str = "finished",
    materials: Mapping[str, Any] | None = None,
    energy_kwh: float | Decimal | str | None = None,
    category: str | None = None,
    customer: str | None = None,
    note: str | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Record a job by hand; answers it as list_jobs shows it (with its `job_id`).

    `status` and `category` come checked by the service schema; the ledger refuses others.
    """
    if not name or not name.strip():
        raise service_error("job_name_required")
    options: Mapping[str, Any] = {}
    model: str | None = None
    machine_rate = Decimal(0)
    if entry_id:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise service_error("entry_not_found", entry_id=entry_id)
        printer_uid, title, options = entry.unique_id or entry.entry_id, entry.title, entry.options
        runtime = getattr(entry, "runtime_data", None)
        if runtime is not None:
            model = runtime.coordinator.info.model
            machine_rate = runtime.tracker.machine_rate
    elif printer_name and printer_name.strip():
        title = printer_name.strip()
        printer_uid, entry_id = MANUAL_PREFIX + slugify(title), ""
    else:
        raise service_error("printer_required")

    start = as_utc(started_at)
    if ended_at is not None:  # the schema allows ended_at or duration_s, not both
        end = as_utc(ended_at)
    elif duration_s is not None:
        end = start + timedelta(seconds=int(duration_s))
    else:
        raise service_error("end_or_duration")
    if end < start:
        raise service_error("job_end_before_start", start=start.isoformat(), end=end.isoformat())

    used = _grams(materials or {})
    print_hours = hours_from_seconds(int((end - start).total_seconds()))
    power_watts: Decimal | None = None
    if energy_kwh is None:
        power_watts = printer_power_watts(options, model)
        kwh = estimate_energy_kwh(power_watts, print_hours)
        energy_source = ENERGY_ESTIMATED
    else:
        kwh = to_decimal(energy_kwh)
        if not kwh.is_finite() or kwh < 0:
            raise service_error("negative_amount", field="energy_kwh", value=energy_kwh)
        energy_source = ENERGY_MEASURED
    settings = hass.data[DATA_SHARED].settings.settings
    cost = compute_cost(
        materials=used,
        print_hours=print_hours,
        energy_kwh=kwh,
        settings=settings,
        machine_rate=machine_rate,
    )
    prices = price_snapshot(settings, used, machine_rate=machine_rate, power_watts=power_watts)
    ledger = hass.data[DATA_SHARED].ledger

    def _write() -> JobRecord:
        return ledger.add_manual_job(
            printer_uid=printer_uid,
            printer_name=title,
            entry_id=entry_id,
            job_key=MANUAL_PREFIX + uuid.uuid4().hex,
            name=name.strip(),
            status=status,
            started_at=start,
            ended_at=end,
            materials=used,
            energy_kwh=kwh,
            energy_source=energy_source,
            prices=prices,
            cost=cost,
            currency=settings.currency,
            category=category or options.get(CONF_DEFAULT_CATEGORY, CATEGORY_PRIVATE),
            customer=(customer or "").strip() or None,
            note=(note or "").strip() or None,
            user_id=user_id,
        )

    try:
        job = await hass.async_add_executor_job(_write)
    except LedgerError as err:  # pragma: no cover - validated above
        raise service_error("invalid_job", error=str(err)) from err
    return job_fields(job, dt_util.get_default_time_zone())
