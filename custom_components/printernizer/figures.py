"""The ledger's figures of one printer, as its statistics sensors show them.

Why a holder and not a query per sensor: the sensors are thin (they read, never do I/O); the
figures are read in the executor when the ledger changes and at local midnight (the 30-day
window moves), from the cached statistics every printer shares (stats.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_time_change
from homeassistant.util import dt as dt_util

from . import stats
from .const import SIGNAL_LEDGER_CHANGED
from .ledger import Ledger
from .reports import day_range_utc, default_period


class PrinterLedgerFigures:
    """Success rate and utilisation of the last 30 days, lifetime print hours and jobs."""

    def __init__(
        self,
        hass: HomeAssistant,
        ledger: Ledger,
        printer_uid: str,
        on_change: Callable[[], None],
    ) -> None:
        """Nothing is read until `async_refresh`."""
        self._hass = hass
        self._ledger = ledger
        self._uid = printer_uid
        self._on_change = on_change
        self._lock = asyncio.Lock()  # one read at a time: the newest read is the last written
        self.success_rate: float | None = None
        self.utilisation: float | None = None
        self.print_hours: float | None = None
        self.jobs_total: int | None = None

    async def async_refresh(self) -> None:
        """Read the figures (cached until the ledger changes) and let the sensors know."""
        async with self._lock:
            await self._async_read()
        self._on_change()

    async def _async_read(self) -> None:
        tz = dt_util.get_default_time_zone()
        start_utc, end_utc = day_range_utc(*default_period(tz), tz)
        window = await self._hass.async_add_executor_job(
            partial(stats.printer_stats, self._ledger, start_utc=start_utc, end_utc=end_utc)
        )
        lifetime = await self._hass.async_add_executor_job(
            partial(stats.printer_stats, self._ledger, start_utc=None, end_utc=None)
        )
        recent = window.get(self._uid) or stats.PrinterFigures(self._uid, "")
        total = lifetime.get(self._uid) or stats.PrinterFigures(self._uid, "")
        self.success_rate = recent.success_rate
        self.utilisation = recent.utilisation(stats.period_seconds(start_utc, end_utc))
        self.print_hours = total.print_hours
        self.jobs_total = total.jobs

    @callback
    def async_start(self) -> Callable[[], None]:
        """Follow the ledger and the local midnight; returns the function that stops it."""

        @callback
        def _refresh(*_: object) -> None:
            self._hass.async_create_background_task(
                self.async_refresh(), f"printernizer figures {self._uid}"
            )

        stops = [
            async_dispatcher_connect(self._hass, SIGNAL_LEDGER_CHANGED, _refresh),
            async_track_time_change(self._hass, _refresh, hour=0, minute=0, second=5),
        ]

        def stop() -> None:
            while stops:
                stops.pop()()

        return stop
