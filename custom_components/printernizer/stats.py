"""Statistics over the ledger: one query layer that aggregates in SQLite (GROUP BY).

Why SQL and not Python loops: a year of a busy farm is 100k jobs; building a record per job
costs seconds, while SQLite sums the same rows in a fraction of that. Each query reads every
ended job at its latest revision (GoBD: corrections are appended, reports see the newest).

Exactness: money is integer cents, summed as integers. Grams and kWh are Decimal text; SQLite
would sum them as floats, so they are summed as integer millionths (every amount the ledger
writes has at most six decimals) and, should a stored amount have more, the query runs again
with an exact Decimal aggregate. Local months (23- and 25-hour days around DST) are ranges of
UTC instants computed in Python and joined as a small table.

Answers are cached in the ledger until its jobs change (`Ledger.cached_read`). Everything here
blocks: call it in the executor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
import json
import sqlite3
from typing import Any

from .api.models import MaterialUsage
from .costs import allocate_material_cents, cents_to_eur, material_key
from .ledger import Ledger
from .ledger.db import to_db_time

MICRO = Decimal("0.000001")
_FROM = " FROM job_figures AS f"
# a material's group key in SQL where SQLite's ASCII-only upper() equals Python's
_SQL_KEY = "COALESCE(NULLIF(upper(trim({x})), ''), 'UNKNOWN')"
_MATERIAL_KEY = (
    "CASE WHEN {x} GLOB '*[^ -~]*' THEN printernizer_material_key({x}) ELSE " + _SQL_KEY + " END"
)


class _DecimalSum:
    """Exact sum of Decimal text (the fallback aggregate)."""

    def __init__(self) -> None:
        self.total = Decimal(0)

    def step(self, value: str | None) -> None:
        if value is not None:
            self.total += Decimal(str(value))

    def finalize(self) -> str:
        return format(self.total, "f")


def _register(conn: sqlite3.Connection) -> None:
    conn.create_aggregate("printernizer_dsum", 1, _DecimalSum)  # type: ignore[arg-type]
    conn.create_function("printernizer_material_key", 1, material_key, deterministic=True)


# job_figures keeps these amounts in millionths too, with a flag for the exact ones
_MICRO_COLUMNS = {"f.material_g": "f.material_g_u", "f.energy_kwh": "f.energy_kwh_u"}


def _dsum(column: str, exact: bool) -> str:
    if exact:
        return f"printernizer_dsum({column})"
    if column in _MICRO_COLUMNS:
        return f"SUM({_MICRO_COLUMNS[column]})"
    return f"SUM(CAST(ROUND(CAST({column} AS REAL) * 1000000) AS INTEGER))"


def _inexact(column: str) -> str:
    """1 where the stored amount has more than six decimals (the integer sum would round)."""
    if column in _MICRO_COLUMNS:
        return "(f.exact = 0)"
    return f"({column} GLOB '*.???????*')"


def _decimal(value: Any, exact: bool) -> Decimal:
    if value is None:
        return Decimal(0)
    return Decimal(value) if exact else Decimal(int(value)) * MICRO


def _run_exact(
    conn: sqlite3.Connection, build: Any, params: Sequence[Any], amounts: Sequence[str]
) -> tuple[list[sqlite3.Row], bool]:
    """Run `build(exact)` fast (integer millionths); again exactly if an amount needs it."""
    checks = dict.fromkeys(_inexact(a) for a in amounts)  # one flag may cover two amounts
    check = " + ".join(f"COALESCE(SUM({c}), 0)" for c in checks)
    rows = conn.execute(build(False, check), params).fetchall()
    if any(row[-1] for row in rows):
        _register(conn)
        return conn.execute(build(True, "0"), params).fetchall(), True
    return rows, False


# --- filters ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobFilter:
    """Which ended jobs: started in [start, end) (UTC), of a printer or config entry, a
    category. The printer is its uid (history follows the printer across config entries)."""

    start: datetime | None = None
    end: datetime | None = None
    printer_uid: str | None = None
    entry_id: str | None = None
    category: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses = ["1"]
        params: list[Any] = []
        if self.start is not None:
            clauses.append("f.started_at >= ?")
            params.append(to_db_time(self.start))
        if self.end is not None:
            clauses.append("f.started_at < ?")
            params.append(to_db_time(self.end))
        if self.printer_uid is not None:
            clauses.append("f.printer_uid = ?")
            params.append(self.printer_uid)
        if self.entry_id is not None:
            clauses.append("f.entry_id = ?")
            params.append(self.entry_id)
        if self.category is not None:
            clauses.append("f.category = ?")
            params.append(self.category)
        return " WHERE " + " AND ".join(clauses), params


def month_ranges(start: date, end: date, tz: tzinfo) -> list[tuple[str, str, str]]:
    """Local months from `start`'s to `end`'s as ("YYYY-MM", UTC start, UTC end) text."""
    months: list[tuple[str, str, str]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        begin = datetime(year, month, 1, tzinfo=tz).astimezone(UTC)
        until = datetime(nxt[0], nxt[1], 1, tzinfo=tz).astimezone(UTC)
        months.append((f"{year:04d}-{month:02d}", to_db_time(begin), to_db_time(until)))
        year, month = nxt
    return months


# --- figures ------------------------------------------------------------------------------


@dataclass
class Figures:
    """Sums of one group of jobs (money in cents, amounts exact)."""

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
    currencies: set[str] = field(default_factory=set)

    def add(self, other: Figures) -> None:
        self.jobs += other.jobs
        self.unpriced_jobs += other.unpriced_jobs
        self.material_g += other.material_g
        self.energy_kwh += other.energy_kwh
        self.material += other.material
        self.energy += other.energy
        self.machine += other.machine
        self.net += other.net
        self.vat += other.vat
        self.gross += other.gross
        self.currencies |= other.currencies

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
        """Material groups carry material figures only (VAT is charged per job, not split)."""
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


# net = material + energy + machine and gross = net + VAT hold for every revision (the ledger
# refuses others), so they are not summed again; a job without a price has none of them
_FIGURES = """COUNT(*), COUNT(f.net_cents), {grams}, {kwh},
       COALESCE(SUM(f.material_cents), 0), COALESCE(SUM(f.energy_cents), 0),
       COALESCE(SUM(f.machine_cents), 0), COALESCE(SUM(f.vat_cents), 0),
       MIN(f.currency), MAX(f.currency)"""
_FIGURE_COLUMNS = 10


def _figures(row: Sequence[Any], exact: bool) -> Figures:
    jobs, priced, grams, kwh, material, energy, machine, vat, low, high = row
    net = int(material) + int(energy) + int(machine)
    return Figures(
        jobs=int(jobs),
        unpriced_jobs=int(jobs) - int(priced),
        material_g=_decimal(grams, exact),
        energy_kwh=_decimal(kwh, exact),
        material=int(material),
        energy=int(energy),
        machine=int(machine),
        net=net,
        vat=int(vat),
        gross=net + int(vat),
        currencies={c for c in (low, high) if c is not None},  # two: "mixed" either way
    )


def grouped_figures(
    conn: sqlite3.Connection,
    where: JobFilter,
    group_by: str | None,
    months: Sequence[tuple[str, str, str]] = (),
) -> list[tuple[tuple[Any, ...], Figures]]:
    """Figures per group: by None (one row), `printer` (uid), `category` or `month` (needs
    `months`). The key comes first, as a tuple."""
    clause, params = where.where()
    keys: tuple[str, ...]
    if group_by is None:
        keys = ()
    elif group_by == "printer":
        keys = ("f.printer_uid",)
    elif group_by == "category":
        keys = ("f.category",)
    else:  # month
        keys = ("m.key",)
    join = ""
    prefix = ""
    head: list[Any] = []
    if group_by == "month":
        values = ", ".join("(?, ?, ?)" for _ in months)
        prefix = f"WITH m (key, s, e) AS (VALUES {values}) "
        join = " JOIN m ON f.started_at >= m.s AND f.started_at < m.e"
        head = [value for month in months for value in month]

    def build(exact: bool, check: str) -> str:
        select = ", ".join(keys) + (", " if keys else "")
        figures = _FIGURES.format(
            grams=_dsum("f.material_g", exact), kwh=_dsum("f.energy_kwh", exact)
        )
        group = (" GROUP BY " + ", ".join(keys)) if keys else ""
        return f"{prefix}SELECT {select}{figures}, {check} {_FROM}{join}{clause}{group}"

    rows, exact = _run_exact(conn, build, [*head, *params], ("f.material_g", "f.energy_kwh"))
    width = len(keys)
    out: list[tuple[tuple[Any, ...], Figures]] = []
    for row in rows:
        figures = _figures(row[width : width + _FIGURE_COLUMNS], exact)
        if figures.jobs or keys:
            out.append((tuple(row[:width]), figures))
    return out


def material_figures(conn: sqlite3.Connection, where: JobFilter) -> dict[str, Figures]:
    """Per material key: jobs using it, its grams, its share of the material cents.

    A job with one material gives that material all its material cents (in SQL); a job with
    several has its cents split by `allocate_material_cents` once per distinct combination of
    materials, prices and cents (a farm prints the same files at the same prices).
    """
    clause, params = where.where()
    key = _MATERIAL_KEY.format(x="json_extract(m.value, '$.material')")

    def build_plain(exact: bool, check: str) -> str:
        return (
            f"SELECT mkey, COUNT(DISTINCT id), COUNT(DISTINCT CASE WHEN net IS NULL THEN id END),"
            f" {_dsum('grams', exact)},"
            " COALESCE(SUM(CASE WHEN lines = 1 THEN cents END), 0),"
            f" {check} FROM (SELECT f.job_id AS id, f.net_cents AS net, f.material_cents AS cents,"
            " json_array_length(f.materials) AS lines,"
            f" json_extract(m.value, '$.grams') AS grams, {key} AS mkey"
            f" {_FROM}, json_each(f.materials) AS m{clause})"
            " GROUP BY mkey"
        )

    _register(conn)
    rows, exact = _run_exact(conn, build_plain, params, ("grams",))
    result: dict[str, Figures] = {}
    for mkey, jobs, unpriced, grams, cents, _check in rows:
        result[mkey] = Figures(
            jobs=int(jobs),
            unpriced_jobs=int(unpriced),
            material_g=_decimal(grams, exact),
            material=int(cents),
        )
    # several materials: split the cents once per distinct combination
    for materials, prices, cents, _count in conn.execute(
        f"SELECT f.materials, r.prices, f.material_cents, COUNT(*) {_FROM}"
        " JOIN job_revisions AS r ON r.job_id = f.job_id AND r.revision = f.revision"
        f"{clause}"
        " AND json_array_length(f.materials) > 1 AND f.material_cents IS NOT NULL"
        " GROUP BY f.materials, r.prices, f.material_cents",
        params,
    ):
        lines = [MaterialUsage(m["material"], float(m["grams"])) for m in json.loads(materials)]
        for mkey, share in allocate_material_cents(lines, json.loads(prices), cents).items():
            result[mkey].material += share * int(_count)
    return result


def currency_of(values: Iterable[str], default: str) -> str:
    """One currency, the default when there are no jobs, "mixed" when several."""
    found = sorted(set(values))
    if not found:
        return default
    return found[0] if len(found) == 1 else "mixed"


# --- cost report --------------------------------------------------------------------------


def cost_report(
    ledger: Ledger,
    *,
    start: date,
    end: date,
    start_utc: datetime,
    end_utc: datetime,
    group_by: str | None,
    tz: tzinfo,
    printer_uid: str | None = None,
    entry_id: str | None = None,
    category: str | None = None,
    default_currency: str = "EUR",
) -> dict[str, Any]:
    """Totals and groups of the ended jobs started in [start_utc, end_utc) (see reports.py)."""
    where = JobFilter(start_utc, end_utc, printer_uid, entry_id, category)

    def compute(conn: sqlite3.Connection) -> dict[str, Any]:
        totals = Figures()
        out_groups: list[dict[str, Any]] = []
        if group_by == "material":
            for _, figures in grouped_figures(conn, where, None):
                totals.add(figures)
            for material, figures in material_figures(conn, where).items():
                out_groups.append({"key": material, **figures.as_material_dict()})
        else:
            months = month_ranges(start, end, tz) if group_by == "month" else ()
            for group, figures in grouped_figures(conn, where, group_by, months):
                totals.add(figures)
                if group_by is None:
                    continue
                if group_by == "printer":
                    (uid,) = group
                    name, entry = latest_job_labels(conn, where, uid)
                    label = {"key": name, "printer_uid": uid, "entry_id": entry}
                else:
                    label = {"key": group[0]}
                out_groups.append({**label, **figures.as_dict()})
        out_groups.sort(key=lambda g: (str(g["key"]).casefold(), str(g.get("printer_uid", ""))))
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "time_zone": str(tz),
            "group_by": group_by,
            "currency": currency_of(totals.currencies, default_currency),
            "totals": totals.as_dict(),
            "groups": out_groups,
        }

    key = ("cost_report", where, start, end, group_by, str(tz), default_currency)
    return ledger.cached_read(key, compute)


def latest_job_labels(conn: sqlite3.Connection, where: JobFilter, uid: str) -> tuple[str, str]:
    """Name and entry id of a printer's latest job among `where`'s (what its group is called:
    a printer renamed, removed or added again shows its current name)."""
    clause, params = where.where()
    row = conn.execute(
        f"SELECT f.printer_name, f.entry_id {_FROM}{clause} AND f.printer_uid = ?"
        " ORDER BY f.started_at DESC, f.job_id DESC LIMIT 1",
        [*params, uid],
    ).fetchone()
    return row[0], row[1]  # the uid came from these jobs: one exists


# --- printer statistics -------------------------------------------------------------------


@dataclass
class PrinterFigures:
    """What printer_stats says about one printer (uid) over a period."""

    printer_uid: str
    name: str
    jobs: int = 0
    finished: int = 0
    failed: int = 0
    cancelled: int = 0
    print_s: int = 0
    actual_s: int = 0
    estimated_s: int = 0
    energy_kwh: Decimal = field(default_factory=Decimal)
    net: int = 0
    gross: int = 0
    first_job_at: datetime | None = None
    last_job_at: datetime | None = None
    material_g: dict[str, Decimal] = field(default_factory=dict)

    def add(self, other: PrinterFigures) -> None:
        """Another material list's jobs of the same printer (dates are read afterwards)."""
        for name in (
            "jobs", "finished", "failed", "cancelled", "print_s", "actual_s", "estimated_s",
            "energy_kwh", "net", "gross",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for material, grams in other.material_g.items():
            self.material_g[material] = self.material_g.get(material, Decimal(0)) + grams

    @property
    def success_rate(self) -> float | None:
        """Finished ÷ ended jobs × 100, one decimal; None without ended jobs."""
        ended = self.finished + self.failed + self.cancelled
        if not ended:
            return None
        return _round(Decimal(self.finished) * 100 / ended, 1)

    @property
    def print_hours(self) -> float:
        return _round(Decimal(self.print_s) / 3600, 2)

    def utilisation(self, period_s: int) -> float:
        """Printing hours ÷ the period's hours × 100, one decimal (a period is a day or more)."""
        return _round(Decimal(self.print_s) * 100 / period_s, 1)

    def as_dict(self, period_s: int | None, tz: tzinfo) -> dict[str, Any]:
        return {
            "name": self.name,
            "jobs": self.jobs,
            "finished": self.finished,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "success_rate": self.success_rate,
            "print_hours": self.print_hours,
            "utilisation": None if period_s is None else self.utilisation(period_s),
            "avg_job_hours": (
                _round(Decimal(self.print_s) / 3600 / self.jobs, 2) if self.jobs else None
            ),
            "estimate_accuracy": (
                _round(Decimal(self.actual_s) / self.estimated_s, 2) if self.estimated_s else None
            ),
            "material_g": {
                material: float(grams.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
                for material, grams in sorted(self.material_g.items())
            },
            "energy_kwh": float(self.energy_kwh.quantize(Decimal("0.001"), ROUND_HALF_UP)),
            "net": cents_to_eur(self.net),
            "gross": cents_to_eur(self.gross),
            "first_job_at": _iso(self.first_job_at, tz),
            "last_job_at": _iso(self.last_job_at, tz),
        }


def _round(value: Decimal, places: int) -> float:
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat()


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def printer_figures(conn: sqlite3.Connection, where: JobFilter) -> dict[str, PrinterFigures]:
    """Per printer uid: outcomes, print time, estimate, energy, money, dates, grams.

    One pass, grouped by printer; a farm prints the same files again and again, so each
    printer's distinct material lists are counted in the pass and parsed once afterwards
    (exact Decimal × count).
    """
    clause, params = where.where()

    def build(exact: bool, check: str) -> str:
        return (
            "SELECT f.printer_uid, f.materials, COUNT(*),"
            " SUM(f.status = 'finished'), SUM(f.status = 'failed'), SUM(f.print_s),"
            " SUM(f.estimate_actual_s), SUM(f.estimate_s),"
            f" {_dsum('f.energy_kwh', exact)}, SUM(f.net_cents), SUM(f.gross_cents),"
            f" {check} {_FROM}{clause} GROUP BY f.printer_uid, f.materials"
        )

    rows, exact = _run_exact(conn, build, params, ("f.energy_kwh",))
    result: dict[str, PrinterFigures] = {}
    parsed: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        (uid, materials, jobs, finished, failed, print_s, actual_s, est_s,
         kwh, net, gross, _check) = row  # fmt: skip
        if materials not in parsed:
            parsed[materials] = _grams_by_material(materials)
        figures = PrinterFigures(
            printer_uid=uid, name=uid, jobs=int(jobs), finished=int(finished),
            failed=int(failed), cancelled=int(jobs) - int(finished) - int(failed),
            print_s=int(print_s or 0), actual_s=int(actual_s or 0), estimated_s=int(est_s or 0),
            energy_kwh=_decimal(kwh, exact), net=int(net or 0), gross=int(gross or 0),
            material_g={key: grams * int(jobs) for key, grams in parsed[materials].items()},
        )  # fmt: skip
        if uid in result:
            result[uid].add(figures)
        else:
            result[uid] = figures
    for uid, figures in result.items():
        figures.name = latest_job_labels(conn, where, uid)[0]
        figures.first_job_at, figures.last_job_at = _first_and_last(conn, where, uid)
    return result


def _first_and_last(
    conn: sqlite3.Connection, where: JobFilter, uid: str
) -> tuple[datetime | None, datetime | None]:
    """A printer's first and last start among `where`'s jobs (two index seeks, not a scan)."""
    clause, params = where.where()
    first, last = (
        conn.execute(
            f"SELECT f.started_at {_FROM}{clause} AND f.printer_uid = ?"
            f" ORDER BY f.started_at {order} LIMIT 1",
            [*params, uid],
        ).fetchone()[0]
        for order in ("ASC", "DESC")
    )
    return _time(first), _time(last)


def _grams_by_material(materials: str) -> dict[str, Decimal]:
    grams: dict[str, Decimal] = {}
    for line in json.loads(materials or "[]"):
        key = material_key(line.get("material"))
        grams[key] = grams.get(key, Decimal(0)) + Decimal(str(line["grams"]))
    return grams


def printer_stats(
    ledger: Ledger,
    *,
    start_utc: datetime | None,
    end_utc: datetime | None,
    printer_uid: str | None = None,
) -> dict[str, PrinterFigures]:
    """Cached `printer_figures` of a period (None: the whole history)."""
    where = JobFilter(start_utc, end_utc, printer_uid)

    def compute(conn: sqlite3.Connection) -> dict[str, PrinterFigures]:
        return printer_figures(conn, where)

    return ledger.cached_read(("printer_stats", where), compute)


def period_seconds(start_utc: datetime, end_utc: datetime) -> int:
    """The period's length (a local day around DST has 23 or 25 hours)."""
    return int((end_utc - start_utc) / timedelta(seconds=1))
