"""Period reports and exports over the ledger (what the services answer and write).

Day and month boundaries are local (Europe/Berlin has 23- and 25-hour days), and money is
summed as integer cents from each job's latest revision, so a report always equals the sum of
its jobs. The sums run in SQLite (stats.py, cached until the ledger changes);
`build_cost_report` is the same report computed job by job in Python, kept as the reference
the SQL is tested against.

Period rule: a job belongs to the period (and to the month) in which it *started*, in Home
Assistant's time zone; reports and exports count ended jobs only (an open job has no cost yet).
How a job looks in a row or an export file is export.py's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import partial
import pathlib
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from . import stats
from .api.models import MaterialUsage
from .const import DOMAIN, STORAGE_DIR
from .costs import (
    allocate_material_cents,
    cents_to_eur,
    compute_cost,
    estimate_energy_kwh,
    material_key,
    price_source,
    snapshot_price_source,
    to_decimal,
)
from .exceptions import service_error
from .export import EXPORT_FORMATS, job_to_dict, write_export
from .ledger import JobOpenError, JobRecord, Ledger, UnknownJobError
from .ledger.jobs import CATEGORIES, JOB_ORDER, STATUSES
from .photos import photo_url
from .settings import Settings, SettingsStore

GROUP_BY = ("printer", "category", "material", "month")
EXPORT_DIR = "exports"
MAX_LIMIT = 1000


def _time_zone() -> tzinfo:
    """Home Assistant's configured zone (set by hass.config.async_set_time_zone)."""
    return dt_util.get_default_time_zone()


# --- periods ------------------------------------------------------------------------------


def local_midnight_utc(day: date, tz: tzinfo) -> datetime:
    """The UTC instant at which `day` begins in `tz` (midnight exists on every Berlin day)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def day_range_utc(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Inclusive local dates -> [start, end) in UTC; raises end_before_start."""
    if end < start:
        raise service_error("end_before_start", start=start.isoformat(), end=end.isoformat())
    return local_midnight_utc(start, tz), local_midnight_utc(end + timedelta(days=1), tz)


def _as_bound(value: date | datetime | str | None, tz: tzinfo, *, is_end: bool) -> datetime | None:
    """A service value -> UTC instant; a date means its whole local day (end inclusive)."""
    if value is None:
        return None
    if isinstance(value, str):
        # date first: parse_datetime also reads "2025-03-10", as an instant (midnight)
        parsed: date | datetime | None = dt_util.parse_date(value) or dt_util.parse_datetime(value)
        if parsed is None:
            raise service_error("invalid_date", value=value)
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        return value.astimezone(UTC)
    if is_end:
        return local_midnight_utc(value + timedelta(days=1), tz)
    return local_midnight_utc(value, tz)


def _as_date(value: date | datetime | str, name: str, tz: tzinfo) -> date:
    """A service value -> a calendar day in the user's time zone."""
    if isinstance(value, datetime):
        return value.astimezone(tz).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    parsed = dt_util.parse_date(str(value))
    if parsed is None:
        raise service_error("invalid_date", value=f"{name}={value}")
    return parsed


def _current(settings: Settings | SettingsStore) -> Settings:
    return settings.settings if isinstance(settings, SettingsStore) else settings


def _printer_filter(hass: HomeAssistant, entry_id: str | None) -> dict[str, str]:
    """The ledger filter for a printer named by its config entry: its uid, so the history
    follows the printer (removed and added again = a new entry, the same serial). An id that is
    no Printernizer entry (any more) selects what was recorded under it."""
    if entry_id is None:
        return {}
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        return {"entry_id": entry_id}
    return {"printer_uid": entry.unique_id or entry.entry_id}


def _check_category(category: str | None) -> None:
    if category is not None and category not in CATEGORIES:
        raise service_error("invalid_category", category=category)


# --- list_jobs ----------------------------------------------------------------------------


def job_fields(job: JobRecord, tz: tzinfo) -> dict[str, Any]:
    """A job as list_jobs and set_job_category answer it: the export's fields, plus whether its
    end was estimated (it ended while Home Assistant was away), where each material's price
    came from (`price_source`: table, default, None when not recorded), the user who made
    the revision shown (None for the automatic one), its photo (`/media/local/...`) and its
    `source` (`printer`: watched, `manual`: entered with add_job)."""
    fields = job_to_dict(job, tz)
    fields["end_estimated"] = job.end_estimated
    fields["materials"] = [
        {**line, "price_source": snapshot_price_source(job.prices, usage.material)}
        for line, usage in zip(fields["materials"], job.materials, strict=True)
    ]
    fields["user_id"] = job.user_id
    fields["photo"] = photo_url(job.photo)
    fields["source"] = job.source
    return fields


def revision_fields(job: JobRecord, tz: tzinfo) -> dict[str, Any]:
    """One revision of a job: its figures then, every price used, when, why, what changed."""
    return {
        **job_fields(job, tz),
        "prices": dict(job.prices),
        "revised_at": job.revised_at.astimezone(tz).isoformat() if job.revised_at else None,
        "reason": job.reason,
        "changed_fields": list(job.changed_fields),
    }


async def async_get_job(hass: HomeAssistant, ledger: Ledger, job_id: int) -> dict[str, Any]:
    """One job at its latest revision, with all its revisions (oldest first)."""

    def _read() -> tuple[JobRecord | None, list[JobRecord]]:
        return ledger.get_job(job_id), ledger.get_revisions(job_id)

    job, revisions = await hass.async_add_executor_job(_read)
    if job is None:
        raise service_error("unknown_job", job_id=job_id)
    tz = dt_util.get_default_time_zone()
    return {
        "job": revision_fields(job, tz),
        "revisions": [revision_fields(revision, tz) for revision in revisions],
    }


def job_with_revisions(result: dict[str, Any]) -> dict[str, Any]:
    """What get_job answers, from `async_get_job`: the job as list_jobs shows it and its
    audit trail, each revision with its time, reason, user and changed fields."""
    job = {k: v for k, v in result["job"].items() if k not in REVISION_ONLY}
    return {
        **job,
        "revisions": [
            {
                "revision": revision["revision"],
                "time": revision["revised_at"],
                "reason": revision["reason"],
                "user_id": revision["user_id"],
                "changed": revision["changed_fields"],
            }
            for revision in result["revisions"]
        ],
    }


REVISION_ONLY = ("prices", "revised_at", "reason", "changed_fields")


async def async_list_jobs(
    hass: HomeAssistant,
    ledger: Ledger,
    *,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    entry_id: str | None = None,
    status: str | None = None,
    category: str | None = None,
    limit: int = 100,
    offset: int = 0,
    order_by: str = "started_at",
    descending: bool = True,
) -> dict[str, Any]:
    """Jobs started in the period, newest first: {"jobs": [...], "total": n}.

    A date bound means the whole local day (`end` inclusive); a datetime is an instant (naive
    means local). `limit` is clamped to 1..1000 and `offset` to >= 0. `order_by` (a
    `JOB_ORDER` key) and `descending` sort the pages differently (the panel's table).
    """
    tz = _time_zone()
    start_utc = _as_bound(start, tz, is_end=False)
    end_utc = _as_bound(end, tz, is_end=True)
    if start_utc is not None and end_utc is not None:
        # an inclusive end date ends a day later, so compare what the user typed
        end_first = _as_bound(end, tz, is_end=False)
        if end_first < start_utc:  # type: ignore[operator]
            raise service_error("end_before_start", start=str(start), end=str(end))
    _check_category(category)
    if status is not None and status not in STATUSES:
        raise service_error("invalid_status", status=status)
    if order_by not in JOB_ORDER:
        raise service_error("invalid_order", order_by=order_by)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    printer = _printer_filter(hass, entry_id)

    def _run() -> dict[str, Any]:
        jobs, total = ledger.list_jobs(
            start=start_utc,
            end=end_utc,
            **printer,
            status=status,
            category=category,
            limit=limit,
            offset=offset,
            order_by=order_by,
            descending=descending,
        )
        return {"jobs": [job_fields(job, tz) for job in jobs], "total": total}

    return await hass.async_add_executor_job(_run)


# --- cost report --------------------------------------------------------------------------


@dataclass
class _Totals:
    """Running sums of one report group (money in cents, amounts exact)."""

    jobs: int = 0
    unpriced_jobs: int = 0
    material_g: Decimal = field(default_factory=Decimal)
    energy_kwh: Decimal = field(default_factory=Decimal)
    material: int = 0
    energy: int = 0
    machine: int = 0
    net: int = 0
    vat: int = 0
    gross: int = 0

    def add_job(self, job: JobRecord) -> None:
        self.jobs += 1
        self.material_g += job.material_g or Decimal(0)
        self.energy_kwh += job.energy_kwh or Decimal(0)
        if job.cost is None:
            self.unpriced_jobs += 1
            return
        self.material += job.cost.material_cents
        self.energy += job.cost.energy_cents
        self.machine += job.cost.machine_cents
        self.net += job.cost.net_cents
        self.vat += job.cost.vat_cents
        self.gross += job.cost.gross_cents

    def as_dict(self) -> dict[str, Any]:
        return {
            "jobs": self.jobs,
            "unpriced_jobs": self.unpriced_jobs,
            "material_g": float(self.material_g),
            "energy_kwh": float(self.energy_kwh),
            "material_cost": cents_to_eur(self.material),
            "energy_cost": cents_to_eur(self.energy),
            "machine_cost": cents_to_eur(self.machine),
            "net": cents_to_eur(self.net),
            "vat": cents_to_eur(self.vat),
            "gross": cents_to_eur(self.gross),
        }

    def as_material_dict(self) -> dict[str, Any]:
        """Material groups carry material figures only (see build_cost_report)."""
        return {
            "jobs": self.jobs,
            "unpriced_jobs": self.unpriced_jobs,
            "material_g": float(self.material_g),
            "energy_kwh": None,
            "material_cost": cents_to_eur(self.material),
            "energy_cost": None,
            "machine_cost": None,
            "net": None,
            "vat": None,
            "gross": None,
        }


def _currency(jobs: Sequence[JobRecord], default: str) -> str:
    currencies = sorted({job.currency for job in jobs})
    if not currencies:
        return default
    return currencies[0] if len(currencies) == 1 else "mixed"


def build_cost_report(
    jobs: Iterable[JobRecord],
    *,
    start: date,
    end: date,
    group_by: str | None,
    tz: tzinfo,
    default_currency: str = "EUR",
) -> dict[str, Any]:
    """Aggregate ended jobs into totals and groups (pure; runs in the executor).

    Groups: `printer` (key = printer name, by printer unique id), `category`, `month` (local
    "YYYY-MM" of the job start) each carry the full set of figures and sum exactly to the
    totals. `material` groups carry material figures only: `jobs` counts jobs using that
    material (a multi-material job counts in several groups), `material_g` its grams, and
    `material_cost` the job's rounded material cents split over its materials in proportion to
    grams × snapshotted price (largest remainder, so material groups add up to the material
    total to the cent). Energy, machine, net, VAT and gross are None there: VAT is charged on a
    job's net sum, not per material, and no split of it would be a booked amount.
    """
    jobs = list(jobs)
    totals = _Totals()
    groups: dict[str, _Totals] = {}
    labels: dict[str, dict[str, Any]] = {}
    for job in jobs:
        totals.add_job(job)
        if group_by is None:
            continue
        if group_by == "material":
            shares = (
                allocate_material_cents(job.materials, job.prices, job.cost.material_cents)
                if job.cost is not None
                else {}
            )
            grams: dict[str, Decimal] = {}
            for line in job.materials:
                key = material_key(line.material)
                grams[key] = grams.get(key, Decimal(0)) + to_decimal(line.grams)
            for key, amount in grams.items():
                group = groups.setdefault(key, _Totals())
                group.jobs += 1
                group.material_g += amount
                if job.cost is None:
                    group.unpriced_jobs += 1
                else:
                    group.material += shares.get(key, 0)
            continue
        if group_by == "printer":
            key = job.printer_uid
            labels[key] = {
                "key": job.printer_name,
                "printer_uid": job.printer_uid,
                "entry_id": job.entry_id,
            }
        elif group_by == "category":
            key = job.category
        else:  # month
            key = job.started_at.astimezone(tz).strftime("%Y-%m")
        groups.setdefault(key, _Totals()).add_job(job)

    out_groups: list[dict[str, Any]] = []
    for key, group in groups.items():
        figures = group.as_material_dict() if group_by == "material" else group.as_dict()
        out_groups.append({**labels.get(key, {"key": key}), **figures})
    out_groups.sort(key=lambda g: (str(g["key"]).casefold(), str(g.get("printer_uid", ""))))
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "time_zone": str(tz),
        "group_by": group_by,
        "currency": _currency(jobs, default_currency),
        "totals": totals.as_dict(),
        "groups": out_groups,
    }


async def async_cost_report(
    hass: HomeAssistant,
    ledger: Ledger,
    *,
    start: date | datetime | str,
    end: date | datetime | str,
    entry_id: str | None = None,
    category: str | None = None,
    group_by: str | None = None,
) -> dict[str, Any]:
    """Totals (and groups) over ended jobs started between two local dates, both inclusive."""
    tz = _time_zone()
    start_day, end_day = _as_date(start, "start", tz), _as_date(end, "end", tz)
    start_utc, end_utc = day_range_utc(start_day, end_day, tz)
    _check_category(category)
    if group_by is not None and group_by not in GROUP_BY:
        raise service_error("invalid_group_by", group_by=group_by)
    printer = _printer_filter(hass, entry_id)

    def _run() -> dict[str, Any]:
        return stats.cost_report(
            ledger,
            start=start_day,
            end=end_day,
            start_utc=start_utc,
            end_utc=end_utc,
            group_by=group_by,
            tz=tz,
            category=category,
            **printer,
        )

    return await hass.async_add_executor_job(_run)


# --- printer statistics and material usage ------------------------------------------------

STATS_DAYS = 30
MATERIAL_GROUP_BY = ("material", "printer", "month")


def default_period(tz: tzinfo, days: int = STATS_DAYS) -> tuple[date, date]:
    """The last `days` local days, today included."""
    today = dt_util.now(tz).date()
    return today - timedelta(days=days - 1), today


def _period(
    start: date | datetime | str | None, end: date | datetime | str | None, tz: tzinfo
) -> tuple[date, date, datetime, datetime]:
    """Inclusive local days (default: the last 30) and their UTC bounds."""
    first, last = default_period(tz)
    start_day = first if start is None else _as_date(start, "start", tz)
    end_day = last if end is None else _as_date(end, "end", tz)
    if start is None and end is not None:
        start_day = end_day - timedelta(days=STATS_DAYS - 1)
    start_utc, end_utc = day_range_utc(start_day, end_day, tz)
    return start_day, end_day, start_utc, end_utc


def printer_uid_of(entry: Any) -> str:
    """The uid a printer's jobs are recorded under (its serial; the entry id without one)."""
    return str(entry.unique_id or entry.entry_id)


def printer_rows(
    hass: HomeAssistant,
    figures: dict[str, stats.PrinterFigures],
    *,
    period_s: int | None,
    tz: tzinfo,
    entry_id: str | None = None,
) -> list[dict[str, Any]]:
    """One row per set-up printer (its history by serial), then one per other printer name
    in the ledger (manual jobs, removed printers) with `config_entry_id` None."""
    rows: list[dict[str, Any]] = []
    entries = sorted(hass.config_entries.async_entries(DOMAIN), key=lambda e: e.title.casefold())
    known: set[str] = set()
    for entry in entries:
        uid = printer_uid_of(entry)
        known.add(uid)
        if entry_id is not None and entry.entry_id != entry_id:
            continue
        own = figures.get(uid) or stats.PrinterFigures(printer_uid=uid, name=entry.title)
        rows.append(
            {"config_entry_id": entry.entry_id, **own.as_dict(period_s, tz), "name": entry.title}
        )
    if entry_id is not None:
        return rows
    others = [f for uid, f in figures.items() if uid not in known]
    for own in sorted(others, key=lambda f: (f.name.casefold(), f.printer_uid)):
        rows.append({"config_entry_id": None, **own.as_dict(period_s, tz)})
    return rows


async def async_printer_stats(
    hass: HomeAssistant,
    ledger: Ledger,
    *,
    entry_id: str | None = None,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
) -> dict[str, Any]:
    """Per printer: outcomes, success rate, print hours, utilisation, material, money
    over the ended jobs started between two local days (inclusive; default the last 30)."""
    tz = _time_zone()
    start_day, end_day, start_utc, end_utc = _period(start, end, tz)
    figures = await hass.async_add_executor_job(
        partial(stats.printer_stats, ledger, start_utc=start_utc, end_utc=end_utc)
    )
    period_s = stats.period_seconds(start_utc, end_utc)
    return {
        "start": start_day.isoformat(),
        "end": end_day.isoformat(),
        "time_zone": str(tz),
        "period_hours": round(period_s / 3600, 2),
        "printers": printer_rows(hass, figures, period_s=period_s, tz=tz, entry_id=entry_id),
    }


async def async_material_usage(
    hass: HomeAssistant,
    ledger: Ledger,
    *,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    group_by: str = "material",
) -> dict[str, Any]:
    """Grams, material cost (net) and jobs per material, printer or local month: the
    material figures of cost_report's groups, over the same jobs."""
    if group_by not in MATERIAL_GROUP_BY:
        raise service_error("invalid_group_by", group_by=group_by)
    tz = _time_zone()
    start_day, end_day, start_utc, end_utc = _period(start, end, tz)
    report = await hass.async_add_executor_job(
        partial(
            stats.cost_report,
            ledger,
            start=start_day,
            end=end_day,
            start_utc=start_utc,
            end_utc=end_utc,
            group_by=group_by,
            tz=tz,
        )
    )
    entries = {printer_uid_of(e): e.entry_id for e in hass.config_entries.async_entries(DOMAIN)}

    def figures(group: dict[str, Any]) -> dict[str, Any]:
        return {
            "material_g": group["material_g"],
            "material_cost": group["material_cost"],
            "jobs": group["jobs"],
        }

    groups = []
    for group in report["groups"]:
        row = {"key": group["key"], **figures(group)}
        if group_by == "printer":
            row["config_entry_id"] = entries.get(group["printer_uid"])
        groups.append(row)
    return {
        "start": report["start"],
        "end": report["end"],
        "time_zone": report["time_zone"],
        "group_by": group_by,
        "currency": report["currency"],
        "totals": figures(report["totals"]),
        "groups": groups,
    }


async def async_export_report(
    hass: HomeAssistant,
    ledger: Ledger,
    settings: Settings | SettingsStore,
    *,
    start: date | datetime | str,
    end: date | datetime | str,
    fmt: str = "csv_de",
    category: str | None = None,
    entry_id: str | None = None,
) -> dict[str, Any]:
    """Export ended jobs started between two local dates (inclusive): {"path", "rows", ...}.

    Files go to `<config>/printernizer/exports/printernizer_jobs_<start>_<end>[_<category>]_
    <local timestamp>.<csv|json>`; one row per job, the same jobs a cost_report counts.
    """
    tz = _time_zone()
    start_day, end_day = _as_date(start, "start", tz), _as_date(end, "end", tz)
    start_utc, end_utc = day_range_utc(start_day, end_day, tz)
    _check_category(category)
    if fmt not in EXPORT_FORMATS:
        raise service_error("invalid_format", format=fmt)
    current = _current(settings)
    folder = pathlib.Path(hass.config.path(STORAGE_DIR, EXPORT_DIR))
    stamp = dt_util.now(tz).strftime("%Y%m%d-%H%M%S")
    stem = f"printernizer_jobs_{start_day.isoformat()}_{end_day.isoformat()}"
    if category:
        stem += f"_{category}"
    stem += f"_{stamp}"
    printer = _printer_filter(hass, entry_id)

    def _run() -> dict[str, Any]:
        jobs = ledger.report_jobs(start=start_utc, end=end_utc, **printer, category=category)
        path = write_export(jobs, folder=folder, stem=stem, fmt=fmt, tz=tz)
        return {
            "path": str(path),
            "rows": len(jobs),
            "format": fmt,
            "currency": _currency(jobs, current.currency),
        }

    return await hass.async_add_executor_job(_run)


# --- corrections and quotes ---------------------------------------------------------------


async def async_set_job_category(
    hass: HomeAssistant,
    ledger: Ledger,
    *,
    job_id: int,
    category: str | None,
    customer: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Correct category / customer / note by appending a revision; answers the job at it.

    None leaves a field unchanged, an empty string clears customer or note. Unchanged values
    append no revision. The revision records `user_id`, the Home Assistant user who asked.
    """
    _check_category(category)
    changes: dict[str, Any] = {}
    if category is not None:
        changes["category"] = category
    if customer is not None:
        changes["customer"] = customer.strip() or None
    if note is not None:
        changes["note"] = note.strip() or None
    tz = _time_zone()

    def _run() -> JobRecord:
        return ledger.add_revision(
            int(job_id), reason=reason or "set_job_category", changes=changes, user_id=user_id
        )

    try:
        job = await hass.async_add_executor_job(_run)
    except UnknownJobError:
        raise service_error("unknown_job", job_id=job_id)
    except JobOpenError:
        raise service_error("job_not_finished", job_id=job_id)
    return job_fields(job, tz)


def _non_negative(name: str, value: Any) -> Decimal:
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError):
        raise service_error("invalid_amount", field=name, value=value)
    if amount < 0:
        raise service_error("negative_amount", field=name, value=value)
    return amount


async def async_calculate_cost(
    settings: Settings | SettingsStore,
    *,
    material: str | None = None,
    grams: float | Decimal,
    print_hours: float | Decimal,
    power_watts: float | Decimal,
    machine_rate: float | Decimal = 0,
) -> dict[str, Any]:
    """A quote with the current prices, without printing: cost components plus energy_kwh."""
    current = _current(settings)
    grams_d = _non_negative("grams", grams)
    hours_d = _non_negative("print_hours", print_hours)
    watts_d = _non_negative("power_watts", power_watts)
    rate_d = _non_negative("machine_rate", machine_rate)
    energy_kwh = estimate_energy_kwh(watts_d, hours_d)
    materials = [MaterialUsage(material or "", float(grams_d))] if grams_d else []
    cost = compute_cost(
        materials=materials,
        print_hours=hours_d,
        energy_kwh=energy_kwh,
        settings=current,
        machine_rate=rate_d,
    )
    return {
        **cost.as_response(current.currency),
        "energy_kwh": float(energy_kwh),
        "material": material,
        "grams": float(grams_d),
        "print_hours": float(hours_d),
        "price_per_kg": float(current.price_per_kg(material)),
        "electricity_price": float(current.electricity_price),
        "machine_rate": float(rate_d),
        "vat_rate": float(current.effective_vat_rate),
        "small_business": current.small_business,
        "price_source": price_source(current, material),
    }


__all__ = [
    "GROUP_BY",
    "async_calculate_cost",
    "async_cost_report",
    "async_export_report",
    "async_list_jobs",
    "async_material_usage",
    "async_printer_stats",
    "async_set_job_category",
    "build_cost_report",
    "job_fields",
]
