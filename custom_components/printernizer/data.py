"""Runtime data: what each printer entry holds, and what all printers share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import PrinterCoordinator
    from .figures import PrinterLedgerFigures
    from .files import FileManager
    from .jobs import JobTracker
    from .ledger import Ledger
    from .maintenance import Maintenance
    from .printing.queue import PrintQueue
    from .settings import SettingsStore


@dataclass(slots=True)
class PrinternizerData:
    """One printer: its coordinator, job tracker, file manager, ledger figures, maintenance."""

    coordinator: PrinterCoordinator
    tracker: JobTracker
    files: FileManager
    figures: PrinterLedgerFigures
    maintenance: Maintenance


@dataclass(slots=True)
class PrinternizerShared:
    """Shared by all printers: the job ledger, the shared settings and the print queue."""

    ledger: Ledger
    settings: SettingsStore
    queue: PrintQueue


type PrinternizerConfigEntry = ConfigEntry[PrinternizerData]

DATA_SHARED: HassKey[PrinternizerShared] = HassKey(DOMAIN)
