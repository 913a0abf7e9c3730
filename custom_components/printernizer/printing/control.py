"""Upload a file to a printer and start a print, on both families, from one place.

The rules a person expects are kept here once, for the services and the queue alike: a start
goes only to a printer that is idle, finished or failed (never to a busy one: an A1 mini cancels
its running job when it gets a start, and ATTENTION on a Prusa waits for a person); the file's
own metadata prices the job from its first minute; a Bambu file's filaments are matched to the
loaded trays by type and colour, and a missing one is named instead of printing with the wrong
spool. Transfers run in the clients' transfer paths, so status updates continue meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
import logging
from pathlib import Path
import shutil
import tempfile
from typing import TYPE_CHECKING

from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from custom_components.printernizer.api import (
    PrinterError,
    PrinterFamily,
    PrinterStatus,
    PrintMetadata,
    RemoteFile,
)
from custom_components.printernizer.api.bambu.start import ProjectFileStart
from custom_components.printernizer.api.errors import RemoteFileExistsError, UnsafeRemoteNameError
from custom_components.printernizer.api.metadata import (
    PlateFilament,
    combine_materials,
    read_plate_filaments,
    read_print_metadata,
)
from custom_components.printernizer.api.remotepath import check_path, join_remote
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.exceptions import ha_error, printer_error, service_error
from custom_components.printernizer.ledger import files as file_repo

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from custom_components.printernizer.coordinator import BambuCoordinator, PrusaCoordinator
    from custom_components.printernizer.data import PrinternizerConfigEntry

_LOGGER = logging.getLogger(__name__)

#: Raw printer states in which a start may be sent (reference: print-control-camera-panel.md).
BAMBU_START_STATES = frozenset({"IDLE", "FINISH", "FAILED"})
PRUSA_START_STATES = frozenset({"IDLE", "READY", "FINISHED", "STOPPED"})
#: How long a start may take to show as preparing/printing (a P1P can take over two minutes).
START_TIMEOUT = 180.0
#: External spool in `ams_mapping`.
EXTERNAL_TRAY = -1


@dataclass(frozen=True, slots=True, kw_only=True)
class StartOptions:
    """Bambu's print dialog; PrusaLink starts a file as it was sliced and ignores these."""

    plate: int = 1
    use_ams: bool | None = None  # None: True when the printer has an AMS
    ams_mapping: list[int] | None = None  # None: file filaments matched to loaded trays
    bed_leveling: bool = True
    timelapse: bool = False
    flow_calibration: bool = False


@dataclass(frozen=True, slots=True)
class UploadResult:
    """Where the file landed on the printer and how many bytes it holds."""

    remote_path: str
    size: int


def _status_text(entry: PrinternizerConfigEntry) -> str:
    coordinator = entry.runtime_data.coordinator
    snapshot = coordinator.data
    if (
        snapshot is None
        or not snapshot.online
        or snapshot.status is PrinterStatus.OFFLINE
        or not coordinator.last_update_success
    ):
        return str(PrinterStatus.OFFLINE)
    return snapshot.raw_state or str(snapshot.status)


def can_start(entry: PrinternizerConfigEntry) -> bool:
    """True when the printer is online and idle, finished or failed (not busy, not ATTENTION)."""
    coordinator = entry.runtime_data.coordinator
    snapshot = coordinator.data
    if (
        snapshot is None
        or not snapshot.online
        or snapshot.status is PrinterStatus.OFFLINE
        or not coordinator.last_update_success
    ):
        return False
    raw = (snapshot.raw_state or "").upper()
    if coordinator.family is PrinterFamily.BAMBU:
        if not raw:  # no gcode_state reported yet: a fresh printer is idle
            return snapshot.status is PrinterStatus.IDLE
        return raw in BAMBU_START_STATES
    return raw in PRUSA_START_STATES


def local_file_for(hass: HomeAssistant, file_id: int | str) -> Path:
    """The local copy of a downloaded file of `list_files`; blocking (SQLite, disk).

    Call it in the executor (`async_local_file_for` does). ServiceValidationError when the
    id is unknown, the file was never downloaded or its copy is gone.
    """
    try:
        number = int(file_id)
    except (TypeError, ValueError):
        raise service_error("file_not_found", file=str(file_id)) from None
    record = file_repo.get_file(hass.data[DATA_SHARED].ledger, number)
    if record is None:
        raise service_error("file_not_found", file=str(file_id))
    if not record.local_path or not Path(record.local_path).is_file():
        raise service_error("file_not_downloaded", name=record.name)
    return Path(record.local_path)


async def async_local_file_for(hass: HomeAssistant, file_id: int | str) -> Path:
    """`local_file_for` in the executor."""
    return await hass.async_add_executor_job(local_file_for, hass, file_id)


def _prusa_storage(entry: PrinternizerConfigEntry) -> str:
    """Where uploads go: `usb` on Buddy printers, `local` on the Raspberry Pi build."""
    client = _prusa(entry).client
    return "local" if client.flavour == "pi" else "usb"


def _bambu(entry: PrinternizerConfigEntry) -> BambuCoordinator:
    return entry.runtime_data.coordinator  # type: ignore[return-value]


def _prusa(entry: PrinternizerConfigEntry) -> PrusaCoordinator:
    return entry.runtime_data.coordinator  # type: ignore[return-value]


def _is_bambu(entry: PrinternizerConfigEntry) -> bool:
    return entry.runtime_data.coordinator.family is PrinterFamily.BAMBU


def remote_path_for(entry: PrinternizerConfigEntry, name: str, folder: str | None = None) -> str:
    """The printer path for `name` in `folder` (Prusa: inside the upload storage); checked."""
    try:
        if _is_bambu(entry):
            return join_remote(folder, name)
        storage = _prusa_storage(entry)
        inner = (folder or "").strip("/")
        if inner.split("/")[0] == storage:
            inner = inner[len(storage) :].strip("/")
        return join_remote(f"{storage}/{inner}", name)
    except UnsafeRemoteNameError:
        raise service_error("unsafe_remote_name", name=f"{folder or ''}/{name}") from None


def _check_source(hass: HomeAssistant, source: Path) -> int:
    """The source's size; it must be a file in a folder Home Assistant may read."""
    if not hass.config.is_allowed_path(str(source)):
        raise service_error("source_not_allowed", path=str(source))
    try:
        if not source.is_file():
            raise service_error("source_not_found", path=str(source))
        return source.stat().st_size
    except OSError:
        raise service_error("source_not_found", path=str(source)) from None


async def async_upload(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    source: Path,
    *,
    name: str | None = None,
    folder: str | None = None,
    overwrite: bool = False,
) -> UploadResult:
    """Stream `source` to the printer; return where it landed once the printer holds it all.

    `source` must lie in an allowed folder (`allowlist_external_dirs`, the media folders).
    Bambu: STOR over FTPS, done after the final 226 (a P2S's 426 is checked by size);
    PrusaLink: PUT in the transfer slot. A cut upload raises and reports nothing uploaded.
    """
    source = Path(source)
    await hass.async_add_executor_job(_check_source, hass, source)
    remote_path = remote_path_for(entry, name or source.name, folder)
    try:
        if _is_bambu(entry):
            ftp = entry.runtime_data.files.source.client  # type: ignore[attr-defined]
            size = await ftp.async_upload_file(source, remote_path, overwrite=overwrite)
        else:
            size = await _prusa(entry).client.async_upload_file(
                source, remote_path, overwrite=overwrite
            )
    except RemoteFileExistsError:
        raise service_error("remote_file_exists", path=remote_path) from None
    except UnsafeRemoteNameError:
        raise service_error("unsafe_remote_name", name=remote_path) from None
    except PrinterError as err:
        raise printer_error(hass, err, entry=entry, action="upload") from err
    await _async_index(entry, remote_path, size)
    return UploadResult(remote_path=remote_path, size=size)


async def _async_index(entry: PrinternizerConfigEntry, remote_path: str, size: int) -> None:
    """Show the uploaded file in `list_files` at once (the next listing fills in the rest)."""
    folder, _, name = remote_path.rpartition("/")
    bambu = _is_bambu(entry)
    await entry.runtime_data.files.async_track_remote(
        RemoteFile(
            path=remote_path,
            name=name,
            size=size,
            modified=dt_util.utcnow(),
            storage=(folder or "/") if bambu else folder.strip("/").split("/")[0],
            display_name=None if bambu else name,
            download_ref=remote_path if bambu else None,
        )
    )


# ------------------------------------------------------------------------------ start


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What a print file says about itself: grams per material and a 3MF plate's filaments."""

    metadata: PrintMetadata | None
    filaments: tuple[PlateFilament, ...] = ()


def read_file_facts(path: Path, plate: int = 1) -> FileFacts:
    """Metadata and plate filaments of a local file; blocking. Unreadable: no facts."""
    try:
        metadata = read_print_metadata(path)
        filaments = read_plate_filaments(path, plate)
        if filaments:
            # the plate being printed, not the first plate of a multi-plate project
            materials = combine_materials(
                [f.grams for f in filaments], [f.material for f in filaments]
            )
            metadata = replace(metadata, materials=materials)
        return FileFacts(metadata, filaments)
    except (PrinterError, OSError) as err:
        _LOGGER.debug("No metadata in %s: %s", path.name, err)
        return FileFacts(None)


async def _async_printer_copy_facts(
    hass: HomeAssistant, entry: PrinternizerConfigEntry, remote_path: str, plate: int
) -> FileFacts:
    """The facts of the printer's copy, fetched into a temporary folder (best effort)."""
    files = entry.runtime_data.files
    source = files.source
    try:
        listing = await source.async_list_files()
        remote = _find_remote(listing, remote_path)
        if remote is None or not source.downloadable(remote):
            return FileFacts(None)
        folder = Path(await hass.async_add_executor_job(tempfile.mkdtemp))
        try:
            dest = folder / "file"
            await source.async_download(remote, dest, files.max_bytes)
            return await hass.async_add_executor_job(read_file_facts, dest, plate)
        finally:
            await hass.async_add_executor_job(shutil.rmtree, folder, True)
    except (PrinterError, HomeAssistantError, OSError) as err:
        _LOGGER.debug("%s: no metadata for %s: %s", entry.title, remote_path, err)
        return FileFacts(None)


def _find_remote(listing: list[RemoteFile], remote_path: str) -> RemoteFile | None:
    """A listed file by its path: printer path, Prusa display path or download path."""
    wanted = remote_path.lower()
    for remote in listing:
        refs = {remote.path, remote.download_ref or ""}
        if remote.storage and not remote.path.startswith(f"/{remote.storage}"):
            refs.add(f"/{remote.storage.strip('/')}/{remote.name}")
        if any(ref.lower() == wanted for ref in refs if ref):
            return remote
    return None


def _norm_color(color: str | None) -> str | None:
    return color.upper()[:7] if color else None


def default_ams_mapping(
    entry: PrinternizerConfigEntry, filaments: tuple[PlateFilament, ...]
) -> list[int]:
    """Each filament of the plate matched to a loaded tray by type and colour.

    Tray index `ams_id * 4 + slot`; the external spool is -1. A filament without a match is
    refused with its type and colour named (printing with the wrong spool wastes the part).
    """
    snapshot = entry.runtime_data.coordinator.data
    trays = [t for t in (snapshot.ams_trays if snapshot else ()) if not t.empty and t.material]
    mapping: list[int] = []
    missing: list[str] = []
    for filament in filaments:
        match = next(
            (
                tray
                for tray in trays
                if (tray.material or "").upper() == filament.material.upper()
                and _norm_color(tray.color) == _norm_color(filament.color)
            ),
            None,
        )
        if match is None:
            missing.append(f"{filament.material} {filament.color or ''}".strip())
            continue
        mapping.append(EXTERNAL_TRAY if match.ams_id == 255 else match.ams_id * 4 + match.slot)
    if missing:
        raise service_error("filament_not_loaded", printer=entry.title, missing=", ".join(missing))
    return mapping


def _has_ams(entry: PrinternizerConfigEntry) -> bool:
    snapshot = entry.runtime_data.coordinator.data
    return snapshot is not None and any(tray.ams_id != 255 for tray in snapshot.ams_trays)


def require_can_start(entry: PrinternizerConfigEntry) -> None:
    """Refuse (translated) unless the printer may be sent a start now."""
    if not can_start(entry):
        raise service_error("printer_not_ready", printer=entry.title, status=_status_text(entry))


async def async_start_print(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    remote_path: str,
    options: StartOptions,
    *,
    local_file: Path | None = None,
) -> None:
    """Start printing a file that is on the printer; return once it prepares or prints.

    Refused unless `can_start`. The file's metadata (`local_file`, else the printer's copy)
    gives the job its grams from the start and the default `ams_mapping`. A printer that
    does not show preparing/printing within 180 s is an error.
    """
    require_can_start(entry)
    try:
        path = check_path(remote_path)
    except UnsafeRemoteNameError:
        raise service_error("unsafe_remote_name", name=remote_path) from None
    bambu = _is_bambu(entry)
    facts = FileFacts(None)
    if local_file is not None:
        facts = await hass.async_add_executor_job(read_file_facts, Path(local_file), options.plate)
    elif bambu or not _is_pi(entry):
        facts = await _async_printer_copy_facts(hass, entry, path, options.plate)
    start: ProjectFileStart | None = None
    if bambu:
        use_ams = _has_ams(entry) if options.use_ams is None else options.use_ams
        if options.ams_mapping is not None:
            mapping = list(options.ams_mapping)
        elif use_ams and facts.filaments:
            mapping = default_ams_mapping(entry, facts.filaments)
        else:
            mapping = []
        start = ProjectFileStart(
            path=path,
            plate=options.plate,
            use_ams=use_ams,
            ams_mapping=tuple(mapping),
            bed_leveling=options.bed_leveling,
            timelapse=options.timelapse,
            flow_calibration=options.flow_calibration,
        )
    require_can_start(entry)  # reading the file took a while: ask again right before sending
    tracker = entry.runtime_data.tracker
    name = path.rsplit("/", 1)[-1]
    if facts.metadata is not None:
        tracker.expect_file(name, facts.metadata)
    coordinator = entry.runtime_data.coordinator
    try:
        if start is not None:
            await _bambu(entry).client.async_start_print(start)
        else:
            await _prusa(entry).client.async_start_print(path)
            await coordinator.async_refresh()
    except PrinterError as err:
        tracker.expect_file(None, None)
        raise printer_error(hass, err, entry=entry, action="start_print") from err
    await _async_wait_started(hass, entry)


def _is_pi(entry: PrinternizerConfigEntry) -> bool:
    """A Raspberry Pi PrusaLink reports the job file's metadata itself."""
    return not _is_bambu(entry) and _prusa(entry).client.flavour == "pi"


async def _async_wait_started(hass: HomeAssistant, entry: PrinternizerConfigEntry) -> None:
    """Wait until the printer reports preparing or printing (≤ START_TIMEOUT)."""
    coordinator = entry.runtime_data.coordinator
    started = asyncio.Event()

    def check() -> None:
        data = coordinator.data
        if data is not None and data.status in (PrinterStatus.PREPARING, PrinterStatus.PRINTING):
            started.set()

    check()
    remove = coordinator.async_add_listener(check)
    try:
        async with asyncio.timeout(START_TIMEOUT):
            while not started.is_set():
                if _is_bambu(entry):
                    await started.wait()
                else:
                    # PrusaLink is polled: ask now and then rather than wait 30 s idle polls
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(2):
                            await started.wait()
                    if not started.is_set():
                        await coordinator.async_refresh()
    except TimeoutError:
        raise ha_error(
            "start_not_confirmed", printer=entry.title, seconds=int(START_TIMEOUT)
        ) from None
    finally:
        remove()


__all__ = [
    "FileFacts",
    "StartOptions",
    "UploadResult",
    "async_local_file_for",
    "async_start_print",
    "async_upload",
    "can_start",
    "local_file_for",
    "read_file_facts",
    "remote_path_for",
]
