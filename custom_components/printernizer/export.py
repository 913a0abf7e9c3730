"""Job rows as the exports write them: JSON dicts, plain CSV and German Excel CSV.

One place for how a job looks outside Home Assistant, so the list_jobs answer and the JSON
export agree field by field. Text cells that a spreadsheet would run as a formula are
neutralised; the German CSV uses `;`, decimal commas and TT.MM.JJJJ dates so Excel opens it
as numbers and dates. All pure except write_export, which blocks (run it in the executor).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
import csv
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
import json
import os
import pathlib
from typing import Any

from .api.models import MaterialUsage
from .costs import PRICE_SMALL_BUSINESS, PRICE_VAT_RATE, cents_to_eur, to_decimal
from .ledger import JobRecord

EXPORT_FORMATS = ("csv_de", "csv", "json")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SMALL_BUSINESS_NOTE = "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet."


# --- job dicts ----------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _local_iso(value: datetime | None, tz: tzinfo) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat()


def job_to_dict(job: JobRecord, tz: tzinfo) -> dict[str, Any]:
    """A job as JSON-ready data: local ISO times, EUR numbers (None when not priced)."""
    cost = job.cost
    return {
        "job_id": job.job_id,
        "printer": job.printer_name,
        "printer_uid": job.printer_uid,
        "entry_id": job.entry_id,
        "name": job.name,
        "file_name": job.file_name,
        "status": job.status,
        "started_at": _local_iso(job.started_at, tz),
        "ended_at": _local_iso(job.ended_at, tz),
        "duration_s": job.duration_s,
        "paused_s": job.paused_s,
        "progress": job.last_progress,
        "material_g": _number(job.material_g),
        "materials": [
            {"material": m.material, "grams": float(to_decimal(m.grams))} for m in job.materials
        ],
        "energy_kwh": _number(job.energy_kwh),
        "energy_source": job.energy_source,
        "category": job.category,
        "customer": job.customer,
        "note": job.note,
        "material_cost": cents_to_eur(cost.material_cents) if cost else None,
        "energy_cost": cents_to_eur(cost.energy_cents) if cost else None,
        "machine_cost": cents_to_eur(cost.machine_cents) if cost else None,
        "net": cents_to_eur(cost.net_cents) if cost else None,
        "vat": cents_to_eur(cost.vat_cents) if cost else None,
        "gross": cents_to_eur(cost.gross_cents) if cost else None,
        "currency": job.currency,
        "revision": job.revision,
        "complete": job.complete,
    }


# --- csv rows and the export file ---------------------------------------------------------


def neutralise(text: str) -> str:
    """A spreadsheet must not run a job name: a cell starting like a formula gets an apostrophe."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _de_text(value: str | None) -> str:
    if value is None or value == "":
        return ""
    return '"' + neutralise(value).replace('"', '""') + '"'


def _decimal(value: Decimal | None) -> str:
    return "" if value is None else _plain(value)


def _money(cents: int | None) -> str:
    return "" if cents is None else format(Decimal(cents) / 100, ".2f")


def _de_decimal(value: Decimal | None) -> str:
    """Decimal comma, no thousands separator, unquoted so Excel reads a number."""
    return _decimal(value).replace(".", ",")


def _de_money(cents: int | None) -> str:
    return _money(cents).replace(".", ",")


def _vat_rate(job: JobRecord) -> Decimal | None:
    if job.cost is None:
        return None
    if job.prices.get(PRICE_SMALL_BUSINESS) == "true":
        return Decimal(0)
    rate = job.prices.get(PRICE_VAT_RATE)
    return None if rate is None else Decimal(rate)


def _minutes(seconds: int | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(seconds) / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    """20.0 -> "20", 0.1250 -> "0.125": no exponent, no trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _materials_text(
    materials: Sequence[MaterialUsage], number: Callable[[Decimal], str] = _plain
) -> str:
    """`PLA 12.34 g, PETG 3 g`; the German CSV passes its decimal comma as `number`."""
    return ", ".join(f"{m.material} {number(to_decimal(m.grams))} g" for m in materials)


_STATUS_DE = {
    "finished": "fertig",
    "failed": "fehlgeschlagen",
    "cancelled": "abgebrochen",
    "printing": "druckt",
    "paused": "pausiert",
}
_CATEGORY_DE = {"business": "geschäftlich", "private": "privat"}
_SOURCE_DE = {"measured": "gemessen", "estimated": "geschätzt"}

CSV_DE_HEADER = (
    "Auftrag-Nr.", "Revision", "Drucker", "Auftrag", "Datei", "Status",
    "Startdatum", "Startzeit", "Enddatum", "Endzeit", "Dauer (min)",
    "Material", "Material (g)", "Energie (kWh)", "Energiequelle", "Kategorie", "Kunde", "Notiz",
    "Materialkosten", "Energiekosten", "Maschinenkosten", "Netto", "USt-Satz (%)", "USt",
    "Brutto", "Währung", "Vollständig", "Hinweis",
)  # fmt: skip

CSV_HEADER = (
    "job_id", "revision", "printer", "name", "file_name", "status", "started_at", "ended_at",
    "duration_s", "materials", "material_g", "energy_kwh", "energy_source", "category",
    "customer", "note", "material_cost", "energy_cost", "machine_cost", "net", "vat_rate",
    "vat", "gross", "currency", "complete",
)  # fmt: skip


def csv_de_lines(jobs: Iterable[JobRecord], tz: tzinfo) -> list[str]:
    """German Excel CSV lines: `;`, decimal comma, TT.MM.JJJJ + HH:MM, text quoted, numbers not."""
    lines = [";".join(_de_text(h) for h in CSV_DE_HEADER)]
    for job in jobs:
        start = job.started_at.astimezone(tz)
        end = job.ended_at.astimezone(tz) if job.ended_at else None
        cost = job.cost
        small_business = job.prices.get(PRICE_SMALL_BUSINESS) == "true"
        cells = [
            str(job.job_id),
            str(job.revision),
            _de_text(job.printer_name),
            _de_text(job.name),
            _de_text(job.file_name),
            _de_text(_STATUS_DE.get(job.status, job.status)),
            start.strftime("%d.%m.%Y"),
            start.strftime("%H:%M"),
            end.strftime("%d.%m.%Y") if end else "",
            end.strftime("%H:%M") if end else "",
            _de_decimal(_minutes(job.duration_s)),
            _de_text(_materials_text(job.materials, _de_decimal)),
            _de_decimal(job.material_g),
            _de_decimal(job.energy_kwh),
            _de_text(_SOURCE_DE.get(job.energy_source or "", job.energy_source)),
            _de_text(_CATEGORY_DE.get(job.category, job.category)),
            _de_text(job.customer),
            _de_text(job.note),
            _de_money(cost.material_cents if cost else None),
            _de_money(cost.energy_cents if cost else None),
            _de_money(cost.machine_cents if cost else None),
            _de_money(cost.net_cents if cost else None),
            _de_decimal(_vat_rate(job)),
            _de_money(cost.vat_cents if cost else None),
            _de_money(cost.gross_cents if cost else None),
            _de_text(job.currency),
            _de_text("ja" if job.complete else "nein"),
            _de_text(SMALL_BUSINESS_NOTE if small_business else None),
        ]
        lines.append(";".join(cells))
    return lines


def csv_rows(jobs: Iterable[JobRecord], tz: tzinfo) -> list[list[Any]]:
    """Plain CSV rows: comma, dot decimals, ISO times with offset; text cells neutralised."""
    rows: list[list[Any]] = [list(CSV_HEADER)]

    def text(value: str | None) -> str:
        return "" if value is None else neutralise(value)

    for job in jobs:
        cost = job.cost
        rows.append(
            [
                job.job_id,
                job.revision,
                text(job.printer_name),
                text(job.name),
                text(job.file_name),
                job.status,
                _local_iso(job.started_at, tz),
                _local_iso(job.ended_at, tz) or "",
                "" if job.duration_s is None else job.duration_s,
                text(_materials_text(job.materials)),
                _decimal(job.material_g),
                _decimal(job.energy_kwh),
                job.energy_source or "",
                job.category,
                text(job.customer),
                text(job.note),
                _money(cost.material_cents if cost else None),
                _money(cost.energy_cents if cost else None),
                _money(cost.machine_cents if cost else None),
                _money(cost.net_cents if cost else None),
                _decimal(_vat_rate(job)),
                _money(cost.vat_cents if cost else None),
                _money(cost.gross_cents if cost else None),
                job.currency,
                "true" if job.complete else "false",
            ]
        )
    return rows


def _unique_path(folder: pathlib.Path, stem: str, suffix: str) -> pathlib.Path:
    path = folder / f"{stem}{suffix}"
    counter = 1
    while path.exists():
        path = folder / f"{stem}-{counter}{suffix}"
        counter += 1
    return path


def write_export(
    jobs: Sequence[JobRecord],
    *,
    folder: pathlib.Path,
    stem: str,
    fmt: str,
    tz: tzinfo,
) -> pathlib.Path:
    """Write the export file (blocking) and return its path; a temp file is renamed at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    path = _unique_path(folder, stem, ".json" if fmt == "json" else ".csv")
    tmp = path.with_name(path.name + ".part")
    if fmt == "csv_de":
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            handle.write("\r\n".join(csv_de_lines(jobs, tz)) + "\r\n")
    elif fmt == "csv":
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(csv_rows(jobs, tz))
    else:
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump([job_to_dict(job, tz) for job in jobs], handle, ensure_ascii=False, indent=2)
            handle.write("\n")
    os.replace(tmp, path)
    return path


__all__ = [
    "CSV_DE_HEADER",
    "CSV_HEADER",
    "EXPORT_FORMATS",
    "FORMULA_PREFIXES",
    "SMALL_BUSINESS_NOTE",
    "csv_de_lines",
    "csv_rows",
    "job_to_dict",
    "neutralise",
    "write_export",
]
