"""One printer's files: the ledger's file index and verified downloads into the root.

The family-specific work (how to list, download and find a job's file, whether a busy printer
may be touched) is the `FileSource`'s; the transfer into a verified file is `download`'s;
cleanup is `cleanup`'s; a job's file and its grams are `jobfiles`'. This class ties them to
the ledger's file index, the sensors and the events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
import functools
from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from custom_components.printernizer.api.errors import (
    FileTransferError,
    PrinterAuthError,
    PrinterError,
)
from custom_components.printernizer.api.models import PrinterSnapshot, PrintMetadata, RemoteFile
from custom_components.printernizer.const import (
    DOMAIN,
    EVENT_FILE_DOWNLOAD_FAILED,
    EVENT_FILE_DOWNLOADED,
    LOGGER,
)
from custom_components.printernizer.exceptions import service_error
from custom_components.printernizer.ledger import files as file_repo

from .cleanup import async_cleanup
from .download import FetchResult, FileTooLargeError, async_fetch_verified, download_slots
from .jobfiles import JobFiles
from .paths import UnsafePathError, check_download_dir, error_text, printable, sanitize_filename
from .source import FileSource

if TYPE_CHECKING:
    from custom_components.printernizer.jobs import MetadataPhase
    from custom_components.printernizer.ledger import JobRecord, Ledger
    from custom_components.printernizer.settings import SettingsStore

DOWNLOAD_ATTEMPTS = 3
FREE_SPACE_MARGIN = 10 * 1024 * 1024
_MB = 1024 * 1024


def _free_bytes(path: Path) -> int:
    """Free space of the filesystem that will hold `path` (which may not exist yet)."""
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def _exceeds(err: FileTransferError, max_bytes: int | None) -> bool:
    """The client gave up because of `max_bytes` (its message names the limit)."""
    return max_bytes is not None and str(max_bytes) in str(err)


class FileManager:
    """The file index, downloads and cleanup of one printer."""

    retry_delay: float = 2.0  # first backoff in seconds (doubles); tests shorten it

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        ledger: Ledger,
        settings: SettingsStore,
        source: FileSource,
    ) -> None:
        """Bind to one printer; nothing is fetched until async_refresh/async_download."""
        self.hass = hass
        self.entry = entry
        self.ledger = ledger
        self.settings = settings
        self.source = source
        self.printer_uid: str = entry.unique_id or entry.entry_id
        self.printer_name: str = entry.title or self.printer_uid
        self._lock = asyncio.Lock()  # one download per printer (Bambu: one FTP session)
        self._listing: dict[str, RemoteFile] = {}
        self._listeners: list[Callable[[], None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self.job_files = JobFiles(self)
        self._files_downloaded = 0
        self._files_size = 0
        self._last_download: datetime | None = None

    # -- sensors ------------------------------------------------------------------------------

    @property
    def files_downloaded(self) -> int:
        """Local copies held for this printer."""
        return self._files_downloaded

    @property
    def files_size(self) -> int:
        """Bytes of the local copies held for this printer."""
        return self._files_size

    @property
    def last_download(self) -> datetime | None:
        """When the newest local copy was downloaded."""
        return self._last_download

    @callback
    def async_add_listener(self, cb: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `cb` whenever the stats or the index change; returns the remover."""
        self._listeners.append(cb)

        @callback
        def remove() -> None:
            if cb in self._listeners:
                self._listeners.remove(cb)

        return remove

    @callback
    def _notify(self) -> None:
        for cb in list(self._listeners):
            cb()

    async def async_load(self) -> None:
        """Read the stats from the index (call once at setup, before the sensors appear)."""
        await self._async_update_stats(notify=False)

    async def _async_update_stats(self, *, notify: bool = True) -> None:
        stats = await self._db(file_repo.file_stats, printer_uid=self.printer_uid)
        self._files_downloaded = stats.count
        self._files_size = stats.size
        self._last_download = stats.last_download
        if notify:
            self._notify()

    async def async_shutdown(self) -> None:
        """Cancel background downloads (unload); their temp files are removed as they stop."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- helpers ------------------------------------------------------------------------------

    async def _db[R](self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run a repository function in the executor with our ledger."""
        return await self.hass.async_add_executor_job(lambda: fn(self.ledger, *args, **kwargs))

    def background[R](self, run: Coroutine[Any, Any, R], name: str) -> asyncio.Task[R]:
        """A task of this entry that unload cancels (see async_shutdown)."""
        task = self.entry.async_create_background_task(self.hass, run, f"{DOMAIN} {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def max_bytes(self) -> int | None:
        """The largest file to transfer (`max_download_mb`; 0 or less: no limit)."""
        max_mb = self.settings.settings.max_download_mb
        return max_mb * _MB if max_mb > 0 else None

    def _as_dict(self, record: file_repo.FileRecord) -> dict[str, Any]:
        return {
            "file_id": record.file_id,
            "name": record.name,
            "remote_path": record.remote_path,
            "size": record.size,
            "status": record.status,
            "local_path": record.local_path,
            "sha256": record.sha256,
            "remote_mtime": record.remote_mtime.isoformat() if record.remote_mtime else None,
            "downloaded_at": record.downloaded_at.isoformat() if record.downloaded_at else None,
            "job_id": record.job_id,
            "printer": self.printer_name,
        }

    @staticmethod
    def download_answer(record: file_repo.FileRecord) -> dict[str, Any]:
        """What a download answers about a file's local copy."""
        return {
            "status": record.status,
            "file_id": record.file_id,
            "local_path": record.local_path,
            "size": record.size,
            "sha256": record.sha256,
        }

    @staticmethod
    def _not_found(ref: str) -> ServiceValidationError:
        return service_error("file_not_found", file=ref)

    # -- listing ------------------------------------------------------------------------------

    async def async_refresh(self) -> dict[str, int]:
        """Fetch the printer's listing and merge it into the index."""
        listing = await self.source.async_list_files()
        self._listing = {remote.path: remote for remote in listing}
        result = await self._db(
            file_repo.merge_listing,
            printer_uid=self.printer_uid,
            entry_id=self.entry.entry_id,
            source=self.source.kind,
            files=listing,
            now=dt_util.utcnow(),
        )
        await self._async_update_stats()
        return {"total": result.total, "new": result.new, "removed": result.removed}

    async def async_list(
        self, *, status: str | None = None, name_contains: str | None = None
    ) -> list[dict[str, Any]]:
        """The indexed files of this printer (newest first)."""
        records = await self._db(
            file_repo.list_files,
            printer_uid=self.printer_uid,
            status=status,
            name_contains=name_contains,
        )
        return [self._as_dict(record) for record in records]

    async def _async_remote_for(self, record: file_repo.FileRecord) -> RemoteFile:
        """The listing entry of an indexed file (Prusa needs its current download ref)."""
        remote = self._listing.get(record.remote_path)
        if remote is None:
            await self.async_refresh()
            remote = self._listing.get(record.remote_path)
        if remote is None:
            raise self._not_found(record.remote_path)
        return remote

    async def _async_resolve(self, path: str | None, file_id: int | None) -> file_repo.FileRecord:
        if file_id is not None:
            record = await self._db(file_repo.get_file, int(file_id))
            if record is None or record.printer_uid != self.printer_uid:
                raise self._not_found(str(file_id))
            return record
        if not path:
            raise service_error("path_or_file_id_required")
        record = await self._db(file_repo.get_by_path, self.printer_uid, path)
        if record is None:
            await self.async_refresh()
            record = await self._db(file_repo.get_by_path, self.printer_uid, path)
        if record is None:
            raise self._not_found(path)
        return record

    # -- downloads ----------------------------------------------------------------------------

    def _day_for(self, remote: RemoteFile, job: JobRecord | None) -> date:
        """The date folder: the job's start, else the file's time, else today (local time)."""
        when = job.started_at if job is not None else remote.modified
        if when is None:
            return dt_util.now().date()
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return dt_util.as_local(when).date()

    async def _async_check_space(self, root: Path, size: int | None) -> None:
        needed = (size or 0) + FREE_SPACE_MARGIN
        free = await self.hass.async_add_executor_job(_free_bytes, root)
        if free < needed:
            raise service_error(
                "insufficient_space",
                path=root,
                needed_mb=round(needed / _MB, 1),
                free_mb=round(free / _MB, 1),
            )

    async def async_download(
        self,
        *,
        path: str | None = None,
        file_id: int | None = None,
        wait: bool = True,
        job: JobRecord | None = None,
    ) -> dict[str, Any]:
        """Download one file into the download root.

        Input problems raise ServiceValidationError before anything is transferred. With
        `wait=False` the transfer runs as a background task and the answer is "downloading";
        the outcome arrives as a `printernizer_file_downloaded` / `_download_failed` event.
        """
        record = await self._async_resolve(path, file_id)
        remote = await self._async_remote_for(record)
        root = await check_download_dir(self.hass, self.settings.settings.download_dir)
        max_bytes = self.max_bytes
        size = remote.size
        if max_bytes is not None and size is not None and size > max_bytes:
            raise service_error(
                "file_too_large",
                name=sanitize_filename(record.name),
                size_mb=round(size / _MB, 1),
                max_mb=max_bytes // _MB,
            )
        await self._async_check_space(root, size)
        record = await self._db(file_repo.set_downloading, record.file_id)
        self._notify()
        run = self._async_transfer(record, remote, root, max_bytes, job)
        if wait:
            return await run
        self.background(run, f"download {record.file_id}")
        return {
            "status": file_repo.STATUS_DOWNLOADING,
            "file_id": record.file_id,
            "local_path": None,
            "size": size,
            "sha256": None,
        }

    async def _async_transfer(
        self,
        record: file_repo.FileRecord,
        remote: RemoteFile,
        root: Path,
        max_bytes: int | None,
        job: JobRecord | None,
    ) -> dict[str, Any]:
        """Run the download with retries under the printer lock and a global slot."""
        day = self._day_for(remote, job)
        error: BaseException | None = None
        result: FetchResult | None = None
        try:
            async with self._lock:
                for attempt in range(DOWNLOAD_ATTEMPTS):
                    if attempt:
                        await asyncio.sleep(self.retry_delay * 2 ** (attempt - 1))
                    try:
                        async with download_slots(self.hass):
                            result = await async_fetch_verified(
                                functools.partial(self.source.async_download, remote),
                                root=root,
                                printer_name=self.printer_name,
                                day=day,
                                file_name=record.name,
                                expected_size=remote.size,
                                max_bytes=max_bytes,
                                run_blocking=self.hass.async_add_executor_job,
                            )
                        error = None
                        break
                    except FileTooLargeError as err:
                        error = err
                        break
                    except (PrinterError, OSError, UnsafePathError) as err:
                        error = err
                        if isinstance(err, FileTransferError) and _exceeds(err, max_bytes):
                            break  # the client's own limit check: retrying cannot help
                        if isinstance(err, UnsafePathError | PrinterAuthError):
                            break  # a wrong access code or a path problem stays wrong
                        if not self.source.downloadable(remote):
                            break  # e.g. a Pi's SD card: the printer offers no download
                        LOGGER.debug(
                            "Download of %s from %s failed (attempt %d/%d): %s",
                            printable(record.remote_path),
                            printable(self.printer_name),
                            attempt + 1,
                            DOWNLOAD_ATTEMPTS,
                            error_text(err),
                        )
                    except Exception as err:  # a client bug must not leave "downloading"
                        LOGGER.exception("Unexpected error downloading %s", printable(record.name))
                        error = err
                        break
        except asyncio.CancelledError:
            await asyncio.shield(self._async_record_failure(record, "cancelled"))
            raise
        if result is None:
            text = error_text(error) if error else "unknown error"
            await self._async_record_failure(record, text)
            return {
                "status": file_repo.STATUS_FAILED,
                "file_id": record.file_id,
                "local_path": None,
                "size": None,
                "sha256": None,
                "error": text,
            }
        done = await self._db(
            file_repo.set_downloaded,
            record.file_id,
            local_path=str(result.path),
            sha256=result.sha256,
            size=result.size,
            downloaded_at=dt_util.utcnow(),
            job_id=job.job_id if job is not None else None,
        )
        await self._async_update_stats()
        self.hass.bus.async_fire(
            EVENT_FILE_DOWNLOADED,
            {
                "config_entry_id": self.entry.entry_id,
                "file_id": done.file_id,
                "name": done.name,
                "local_path": done.local_path,
                "size": done.size,
                "sha256": done.sha256,
            },
        )
        return self.download_answer(done)

    async def _async_record_failure(self, record: file_repo.FileRecord, text: str) -> None:
        LOGGER.warning(
            "Download of %s from %s failed: %s",
            printable(record.remote_path),
            printable(self.printer_name),
            text,
        )
        await self._db(file_repo.set_failed, record.file_id, error=text)
        self._notify()
        self.hass.bus.async_fire(
            EVENT_FILE_DOWNLOAD_FAILED,
            {
                "config_entry_id": self.entry.entry_id,
                "file_id": record.file_id,
                "name": record.name,
                "error": text,
            },
        )

    # -- cleanup ------------------------------------------------------------------------------

    async def async_cleanup(
        self, *, older_than_days: int, dry_run: bool = True, include_business: bool = False
    ) -> dict[str, Any]:
        """Delete local copies downloaded more than `older_than_days` ago (see `cleanup`)."""
        answer = await async_cleanup(
            self.hass,
            self.ledger,
            self.settings.settings,
            printer_uid=self.printer_uid,
            older_than_days=older_than_days,
            dry_run=dry_run,
            include_business=include_business,
        )
        if answer["deleted"]:
            await self._async_update_stats()
        return answer

    # -- a job's file (see jobfiles) ----------------------------------------------------------

    async def async_track_remote(self, remote: RemoteFile) -> file_repo.FileRecord:
        """Index a file found outside a listing (a job's file) so that it can be downloaded."""
        self._listing[remote.path] = remote
        return await self._db(
            file_repo.upsert_remote,
            printer_uid=self.printer_uid,
            entry_id=self.entry.entry_id,
            source=self.source.kind,
            remote=remote,
            now=dt_util.utcnow(),
        )

    async def async_link_job(self, file_id: int, job_id: int) -> file_repo.FileRecord:
        """Record which job printed an indexed file."""
        return await self._db(file_repo.link_job, file_id, job_id)

    async def async_job_metadata(
        self, job: JobRecord, snapshot: PrinterSnapshot, phase: MetadataPhase
    ) -> PrintMetadata | None:
        """The job tracker's metadata provider (see `JobFiles.async_metadata`)."""
        return await self.job_files.async_metadata(job, snapshot, phase)

    @callback
    def async_job_ended(self, job: JobRecord, snapshot: PrinterSnapshot | None) -> None:
        """A job ended: its file is auto-downloaded (see `JobFiles.async_job_ended`)."""
        self.job_files.async_job_ended(job, snapshot)
