"""What the upload_file, start_print and reprint services do (one implementation each).

The services only validate and answer; the rules live here and in `control`: which file a
`file_id` or a ledger job means, the printer's copy before the local one, uploading first
when the printer no longer holds the file, and the `printernizer_file_uploaded` event.
"""

from __future__ import annotations

from datetime import UTC, datetime
import logging
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, cast

from homeassistant.exceptions import HomeAssistantError

from custom_components.printernizer.api import PrinterError, PrinterFamily, RemoteFile
from custom_components.printernizer.const import CONF_PRINTER_TYPE, DOMAIN, EVENT_FILE_UPLOADED
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.exceptions import printer_error, service_error
from custom_components.printernizer.ledger import files as file_repo

from .control import (
    StartOptions,
    UploadResult,
    async_start_print,
    async_upload,
    local_file_for,
    remote_path_for,
    require_can_start,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from custom_components.printernizer.data import PrinternizerConfigEntry
    from custom_components.printernizer.ledger.jobs import JobRecord

_LOGGER = logging.getLogger(__name__)

STATUS_UPLOADED = "uploaded"
STATUS_UPLOADING = "uploading"
STATUS_FAILED = "failed"
STATUS_STARTED = "started"
_LOCAL_STATUSES = (file_repo.STATUS_DOWNLOADED, file_repo.STATUS_LOCAL_ONLY)


def fire_uploaded(
    hass: HomeAssistant, entry: PrinternizerConfigEntry, result: UploadResult, *, started: bool
) -> None:
    """`printernizer_file_uploaded`: the printer holds the whole file now."""
    hass.bus.async_fire(
        EVENT_FILE_UPLOADED,
        {
            "config_entry_id": entry.entry_id,
            "remote_path": result.remote_path,
            "size": result.size,
            "started": started,
        },
    )


async def async_upload_file(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    *,
    source: Path,
    name: str | None,
    folder: str | None,
    overwrite: bool,
    start: bool,
    wait: bool,
    options: StartOptions,
) -> dict[str, Any]:
    """Upload (and start) a local file; without `wait` answer `uploading` at once.

    With `start` a busy printer is refused before a byte is sent.
    """
    if start:
        require_can_start(entry)

    async def run() -> dict[str, Any]:
        result = await async_upload(
            hass, entry, source, name=name, folder=folder, overwrite=overwrite
        )
        started = False
        try:
            if start:
                await async_start_print(hass, entry, result.remote_path, options, local_file=source)
                started = True
        finally:
            fire_uploaded(hass, entry, result, started=started)
        return _answer(STATUS_UPLOADED, result, started)

    if wait:
        return await run()
    size = await hass.async_add_executor_job(_size, source)
    remote_path = remote_path_for(entry, name or source.name, folder)

    async def background() -> None:
        try:
            await run()
        except HomeAssistantError as err:
            _LOGGER.warning("%s: upload of %s failed: %s", entry.title, source.name, err)

    entry.async_create_background_task(hass, background(), name=f"{DOMAIN} upload {source.name}")
    return {"status": STATUS_UPLOADING, "remote_path": remote_path, "size": size, "started": False}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        raise service_error("source_not_found", path=str(path)) from None


def _answer(status: str, result: UploadResult, started: bool) -> dict[str, Any]:
    return {
        "status": status,
        "remote_path": result.remote_path,
        "size": result.size,
        "started": started,
    }


async def async_start_file(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    *,
    path: str | None,
    file_id: int | None,
    options: StartOptions,
) -> dict[str, Any]:
    """Start a file on the printer by its path, or a `list_files` file by its id.

    A file of another printer (or one no longer on this one) is uploaded from its local copy
    first; a file still on this printer is started where it is.
    """
    if path:
        await async_start_print(hass, entry, path, options)
        return {"status": STATUS_STARTED, "remote_path": path}
    if file_id is None:
        raise service_error("path_or_file_id_required")
    record = await hass.async_add_executor_job(
        file_repo.get_file, hass.data[DATA_SHARED].ledger, file_id
    )
    if record is None:
        raise service_error("file_not_found", file=str(file_id))
    local = _local_copy(record)
    here = (
        record.entry_id == entry.entry_id
        and not record.is_archive
        and record.status != file_repo.STATUS_LOCAL_ONLY
        and record.status != file_repo.STATUS_DELETED
    )
    if here:
        await async_start_print(hass, entry, record.remote_path, options, local_file=local)
        return {"status": STATUS_STARTED, "remote_path": record.remote_path}
    if local is None:
        local = await hass.async_add_executor_job(local_file_for, hass, file_id)
    return await _async_upload_and_start(hass, entry, local, record.name, options)


def _local_copy(record: file_repo.FileRecord) -> Path | None:
    """The record's local file if it is there (checked on disk by the caller's executor)."""
    if record.status in _LOCAL_STATUSES and record.local_path:
        return Path(record.local_path)
    return None


async def _async_upload_and_start(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    local: Path,
    name: str,
    options: StartOptions,
) -> dict[str, Any]:
    require_can_start(entry)
    result = await async_upload(hass, entry, local, name=name, overwrite=True)
    try:
        await async_start_print(hass, entry, result.remote_path, options, local_file=local)
    finally:
        fire_uploaded(hass, entry, result, started=False)
    return {"status": STATUS_STARTED, "remote_path": result.remote_path, "uploaded": True}


async def async_reprint(
    hass: HomeAssistant,
    job_id: int,
    target: PrinternizerConfigEntry | None,
    options: StartOptions,
) -> dict[str, Any]:
    """The same file as a ledger job again: the printer's copy if it is there, else the local
    copy uploaded first. `target` (another printer of the same family) defaults to the job's."""
    ledger = hass.data[DATA_SHARED].ledger
    job: JobRecord | None = await hass.async_add_executor_job(ledger.get_job, job_id)
    if job is None:
        raise service_error("unknown_job", job_id=job_id)
    original = hass.config_entries.async_get_entry(job.entry_id)
    entry = target or original
    if entry is None or entry.domain != DOMAIN or not hasattr(entry, "runtime_data"):
        raise service_error("entry_not_found", entry_id=job.entry_id)
    if original is not None and original.data.get(CONF_PRINTER_TYPE) != entry.data.get(
        CONF_PRINTER_TYPE
    ):
        raise service_error("reprint_other_family", printer=entry.title, job_id=job_id)
    wanted = job.file_name or job.name
    if not wanted:
        raise service_error("reprint_no_file", job_id=job_id)
    require_can_start(entry)
    local = await hass.async_add_executor_job(_local_for_job, hass, job)
    try:
        listing = await entry.runtime_data.files.source.async_list_files()
    except PrinterError as err:
        raise printer_error(hass, err, entry=entry, action="reprint") from err
    remote = _find_by_name(listing, wanted)
    if remote is not None:
        path = _start_path(entry, remote)
        await async_start_print(hass, entry, path, options, local_file=local)
        return {"status": STATUS_STARTED, "remote_path": path, "uploaded": False}
    if local is None:
        raise service_error("reprint_no_file", job_id=job_id)
    name = PurePosixPath(wanted).name
    if "." not in name:
        name = local.name
    return await _async_upload_and_start(hass, entry, local, name, options)


def _start_path(entry: PrinternizerConfigEntry, remote: RemoteFile) -> str:
    """The path a start names: the printer path (Bambu) or the storage path (PrusaLink)."""
    coordinator = entry.runtime_data.coordinator
    if coordinator.family is PrinterFamily.PRUSA:
        client = entry.runtime_data.files.source.client  # type: ignore[attr-defined]
        return client.files_path(remote.download_ref) or remote.path
    return remote.path


def _stem(name: str) -> str:
    base = PurePosixPath(name).name.lower()
    for suffix in (".3mf", ".gcode", ".bgcode"):
        base = base.removesuffix(suffix)
    return base.removesuffix(".gcode")


def _find_by_name(listing: list[RemoteFile], wanted: str) -> RemoteFile | None:
    """The listed print file named like the job's file (exact name first, then the stem)."""
    name = PurePosixPath(wanted).name.lower()
    printable = [
        f
        for f in listing
        if f.name.lower().endswith((".3mf", ".gcode", ".bgcode", ".bgc", ".gco", ".g"))
    ]
    for remote in printable:
        if name in {remote.name.lower(), (remote.display_name or "").lower()}:
            return remote
    stem = _stem(wanted)
    for remote in printable:
        if stem in {_stem(remote.name), _stem(remote.display_name or "")}:
            return remote
    return None


def _local_for_job(hass: HomeAssistant, job: JobRecord) -> Path | None:
    """A downloaded copy of the job's file (blocking: SQLite and disk): the one kept for this
    job, else the newest download of the same file from the same printer (a print started again
    at once keeps its file for the later job: the printer was busy when the first one ended)."""
    records = [
        record
        for record in file_repo.list_files(
            hass.data[DATA_SHARED].ledger, entry_id=job.entry_id, status=_LOCAL_STATUSES
        )
        if record.local_path and Path(record.local_path).is_file()
    ]
    for record in records:
        if record.job_id == job.job_id:
            return Path(cast(str, record.local_path))
    name = PurePosixPath(job.file_name or "").name.lower()
    same = [
        record
        for record in records
        if name and record.printer_uid == job.printer_uid and record.name.lower() == name
    ]
    if not same:
        return None
    newest = max(same, key=lambda record: record.downloaded_at or datetime.min.replace(tzinfo=UTC))
    return Path(cast(str, newest.local_path))
