"""Drucker-Dateien: the printers' files, downloaded safely into a tidy folder tree.

One `FileManager` per printer merges the printer's listing (Bambu FTPS, PrusaLink) into the
ledger's file index, downloads files to `<root>/<printer>/<YYYY-MM-DD>/<name>` and cleans up old
downloads. Untrusted names are made safe and kept inside the root by `paths`; the transfer into
a hidden temp file, verified and renamed only when complete, is `download`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
import functools
import inspect
from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any, Literal, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from custom_components.printernizer.api.errors import (
    FileTransferError,
    MetadataError,
    PrinterAuthError,
    PrinterError,
)
from custom_components.printernizer.api.filewriter import OnBlock
from custom_components.printernizer.api.metadata import read_print_metadata
from custom_components.printernizer.api.models import PrinterSnapshot, PrintMetadata, RemoteFile
from custom_components.printernizer.const import (
    CATEGORY_BUSINESS,
    DOMAIN,
    EVENT_FILE_DOWNLOAD_FAILED,
    EVENT_FILE_DOWNLOADED,
    LOGGER,
)
from custom_components.printernizer.exceptions import service_error
from custom_components.printernizer.ledger import files as file_repo

from .download import (
    DOWNLOAD_SLOTS,
    MAX_PARALLEL_DOWNLOADS,
    TEMP_MARKER,
    BlockFetch,
    DownloadIntegrityError,
    FetchResult,
    FileTooLargeError,
    _stat_size,
    async_fetch_verified,
    download_slots,
)
from .paths import (
    FALLBACK_NAME,
    MAX_NAME_BYTES,
    UnsafePathError,
    _inside,
    check_download_dir,
    default_download_dir,
    safe_target,
    sanitize_filename,
    target_folder,
)

if TYPE_CHECKING:
    from custom_components.printernizer.ledger import JobRecord, Ledger
    from custom_components.printernizer.settings import SettingsStore

__all__ = [
    "DOWNLOAD_ATTEMPTS",
    "DOWNLOAD_SLOTS",
    "FALLBACK_NAME",
    "FREE_SPACE_MARGIN",
    "MAX_NAME_BYTES",
    "MAX_PARALLEL_DOWNLOADS",
    "TEMP_MARKER",
    "BlockFetch",
    "DownloadIntegrityError",
    "FetchResult",
    "FileManager",
    "FileSource",
    "FileTooLargeError",
    "OnBlock",
    "UnsafePathError",
    "async_fetch_verified",
    "check_download_dir",
    "default_download_dir",
    "download_slots",
    "safe_target",
    "sanitize_filename",
    "target_folder",
]

# ---------------------------------------------------------------------------------------------
# FileManager
# ---------------------------------------------------------------------------------------------

DOWNLOAD_ATTEMPTS = 3
_MB = 1024 * 1024
FREE_SPACE_MARGIN = 10 * 1024 * 1024


class FileSource(Protocol):
    """What a printer's file client offers (BambuFtpClient, PrusaLinkClient).

    The download reference differs by family (FileManager._async_fetch adapts): Bambu
    downloads by `RemoteFile.path`, PrusaLink by `RemoteFile.download_ref`. Bambu clients
    also offer `async_find_job_file(subtask_name, gcode_file)`. Both clients also take an
    optional keyword `on_block` (see `BlockFetch`); a source without it is hashed by a reader
    following the temp file instead (see `_feeds_blocks`).
    """

    async def async_list_files(self) -> list[RemoteFile]:
        """Every file on the printer's storage."""
        ...

    async def async_download_file(
        self, ref: str, dest: Path, /, *, max_bytes: int | None = None
    ) -> int:
        """Write the file to `dest`, at most `max_bytes`; return the bytes written."""
        ...


def _feeds_blocks(source: Any) -> bool:
    """Whether `source.async_download_file` takes a named `on_block` keyword.

    Only a parameter of that name counts (not `**kwargs`): a wrapper that forwards keywords
    may wrap a client without it. A source that takes `on_block` but does not call it costs
    one more hashing pass (the core checks the hashed byte count), never a wrong digest.
    """
    try:
        parameter = inspect.signature(source.async_download_file).parameters.get("on_block")
    except (AttributeError, TypeError, ValueError):
        return False
    return parameter is not None and parameter.kind in (
        inspect.Parameter.KEYWORD_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )


def _error_text(err: BaseException) -> str:
    """A short, single-line error for the ledger and events (printer names are untrusted)."""
    text = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    return "".join(c if c.isprintable() else " " for c in text)[:500]


def _free_bytes(path: Path) -> int:
    """Free space of the filesystem that will hold `path` (which may not exist yet)."""
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def _remove_local(path: Path, root: Path) -> int:
    """Delete one downloaded file (only a regular file inside `root`); return bytes freed.

    Empty date and printer folders left behind are removed too.
    """
    if path.is_symlink() or not _inside(path.resolve(), root):
        raise UnsafePathError(f"{path} is not inside {root}")
    freed = 0
    if path.is_file():
        freed = path.stat().st_size
        path.unlink()
    parent = path.parent
    for _ in range(2):  # <printer>/<day>
        if parent == root or not _inside(parent, root):
            break
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
    return freed


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
        family: Literal["bambu", "prusa"],
    ) -> None:
        """Bind to one printer; nothing is fetched until async_refresh/async_download."""
        if family not in ("bambu", "prusa"):
            raise ValueError(f"unknown printer family {family!r}")
        self.hass = hass
        self.entry = entry
        self.ledger = ledger
        self.settings = settings
        self.source = source
        self.family = family
        self.printer_uid: str = entry.unique_id or entry.entry_id
        self.printer_name: str = entry.title or self.printer_uid
        self._source_kind = "ftps" if family == "bambu" else "prusalink"
        self._lock = asyncio.Lock()  # one transfer per printer (Bambu: one FTP session)
        self._listing: dict[str, RemoteFile] = {}
        self._listeners: list[Callable[[], None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
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

    def _setting(self, key: str, default: Any) -> Any:
        value = getattr(self.settings.settings, key, None)
        return default if value is None else value

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
    def _not_found(ref: str) -> ServiceValidationError:
        return service_error("file_not_found", file=ref)

    def _downloadable(self, remote: RemoteFile) -> bool:
        """Bambu files download by path; PrusaLink files only where the printer offers a link."""
        return self.family == "bambu" or bool(remote.download_ref)

    async def _async_fetch(
        self,
        remote: RemoteFile,
        dest: Path,
        max_bytes: int | None,
        *,
        on_block: OnBlock | None = None,
    ) -> int:
        """The family's download call: Bambu by FTP path, Prusa by `refs.download`.

        `on_block` is passed on only when given (the source then takes it, `_feeds_blocks`).
        """
        source: Any = self.source
        extra: dict[str, Any] = {} if on_block is None else {"on_block": on_block}
        if self.family == "bambu":
            return int(
                await source.async_download_file(remote.path, dest, max_bytes=max_bytes, **extra)
            )
        if not self._downloadable(remote):
            raise FileTransferError(f"{remote.path}: the printer offers no download for it")
        # PrusaLinkClient also checks the listed size
        return int(
            await source.async_download_file(
                remote.download_ref,
                dest,
                max_bytes=max_bytes,
                expected_size=remote.size,
                **extra,
            )
        )

    # -- listing ------------------------------------------------------------------------------

    async def async_refresh(self) -> dict[str, int]:
        """Fetch the printer's listing and merge it into the index."""
        listing: list[RemoteFile] = await self.source.async_list_files()
        self._listing = {remote.path: remote for remote in listing}
        result = await self._db(
            file_repo.merge_listing,
            printer_uid=self.printer_uid,
            entry_id=self.entry.entry_id,
            source=self._source_kind,
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
        root = await check_download_dir(self.hass, self._setting("download_dir", None))
        max_mb = int(self._setting("max_download_mb", 1024))
        max_bytes = max_mb * _MB if max_mb > 0 else None
        size = remote.size if remote.size is not None else None
        if max_bytes is not None and size is not None and size > max_bytes:
            raise service_error(
                "file_too_large",
                name=sanitize_filename(record.name),
                size_mb=round(size / _MB, 1),
                max_mb=max_mb,
            )
        await self._async_check_space(root, size)
        record = await self._db(file_repo.set_downloading, record.file_id)
        self._notify()
        run = self._async_transfer(record, remote, root, max_bytes, job)
        if wait:
            return await run
        task = self.entry.async_create_background_task(
            self.hass, run, f"{DOMAIN} download {record.file_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
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
                                functools.partial(self._async_fetch, remote),
                                root=root,
                                printer_name=self.printer_name,
                                day=day,
                                file_name=record.name,
                                expected_size=remote.size,
                                max_bytes=max_bytes,
                                run_blocking=self.hass.async_add_executor_job,
                                feeds_blocks=_feeds_blocks(self.source),
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
                        if not self._downloadable(remote):
                            break  # e.g. a Pi's SD card: the printer offers no download
                        LOGGER.debug(
                            "Download of %s from %s failed (attempt %d/%d): %s",
                            _printable(record.remote_path),
                            _printable(self.printer_name),
                            attempt + 1,
                            DOWNLOAD_ATTEMPTS,
                            _error_text(err),
                        )
                    except Exception as err:  # a client bug must not leave "downloading"
                        LOGGER.exception("Unexpected error downloading %s", _printable(record.name))
                        error = err
                        break
        except asyncio.CancelledError:
            await asyncio.shield(self._async_record_failure(record, "cancelled"))
            raise
        if result is None:
            text = _error_text(error) if error else "unknown error"
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
        return _download_answer(done)

    async def _async_record_failure(self, record: file_repo.FileRecord, text: str) -> None:
        LOGGER.warning(
            "Download of %s from %s failed: %s",
            _printable(record.remote_path),
            _printable(self.printer_name),
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
        """Delete local copies downloaded more than `older_than_days` ago.

        Files of a business job stay while the job is within `retention_years` (GoBD keeps
        the records; the print file documents what was sold) unless `include_business`.
        Only files inside the current download root are touched; remote files never are.
        """
        if (
            isinstance(older_than_days, bool)
            or not isinstance(older_than_days, int)
            or older_than_days < 0
        ):
            raise service_error("invalid_days", days=older_than_days)
        now = dt_util.utcnow()
        rows = await self._db(
            file_repo.cleanup_candidates,
            older_than=now - timedelta(days=older_than_days),
            printer_uid=self.printer_uid,
        )
        retention_years = int(self._setting("retention_years", 10))
        candidates: list[file_repo.FileRecord] = []
        for record, category, job_end in rows:
            if (
                not include_business
                and category == CATEGORY_BUSINESS
                and (job_end is None or _add_years(job_end, retention_years) > now)
            ):
                continue
            candidates.append(record)
        answer: dict[str, Any] = {
            "candidates": [
                {"file_id": r.file_id, "local_path": r.local_path, "size": r.size}
                for r in candidates
            ],
            "deleted": 0,
            "freed_bytes": 0,
        }
        if dry_run or not candidates:
            return answer
        root = await check_download_dir(self.hass, self._setting("download_dir", None))
        deleted = freed = 0
        for record in candidates:
            assert record.local_path is not None
            try:
                freed += await self.hass.async_add_executor_job(
                    _remove_local, Path(record.local_path), root
                )
            except (OSError, UnsafePathError) as err:
                LOGGER.warning("Cleanup skipped %s: %s", _printable(record.local_path), err)
                continue
            await self._db(file_repo.mark_local_deleted, record.file_id)
            deleted += 1
        answer["deleted"] = deleted
        answer["freed_bytes"] = freed
        await self._async_update_stats()
        return answer

    # -- job files ----------------------------------------------------------------------------

    async def _async_find_job_remote(
        self, job: JobRecord, snapshot: PrinterSnapshot
    ) -> RemoteFile | None:
        if self.family == "bambu":
            subtask = snapshot.job_name or job.name or ""
            gcode = snapshot.file_name or job.file_name or ""
            finder: Any = self.source  # BambuFtpClient.async_find_job_file
            found: RemoteFile | None = await finder.async_find_job_file(subtask, gcode)
            return found
        await self.async_refresh()
        wanted = [p for p in (snapshot.file_path, snapshot.file_name, job.file_name) if p]
        for ref in wanted:
            remote = self._listing.get(ref)
            if remote is not None:
                return remote
        for remote in self._listing.values():  # 8.3 name or display name, any folder
            names = {remote.name, remote.display_name, remote.download_ref}
            for ref in wanted:
                if ref in names or ref.rsplit("/", 1)[-1] in names:
                    return remote
        return None

    async def async_download_job_file(
        self, job: JobRecord, snapshot: PrinterSnapshot
    ) -> tuple[dict[str, Any] | None, PrintMetadata | None]:
        """Fetch the file a job printed, link it to the job and read its metadata.

        Used at job end (auto-download). Never raises for printer, file or parse problems:
        the job is recorded either way; (None, None) when the file cannot be found.
        """
        try:
            remote = await self._async_find_job_remote(job, snapshot)
        except (PrinterError, HomeAssistantError) as err:
            LOGGER.info("Could not look up the file of job %s: %s", job.job_id, _error_text(err))
            return None, None
        if remote is None:
            return None, None
        self._listing[remote.path] = remote
        record = await self._db(
            file_repo.upsert_remote,
            printer_uid=self.printer_uid,
            entry_id=self.entry.entry_id,
            source=self._source_kind,
            remote=remote,
            now=dt_util.utcnow(),
        )
        local = await self._async_existing_copy(record, remote)
        if local is not None:
            record = await self._db(file_repo.link_job, record.file_id, job.job_id)
            result = _download_answer(record)
        else:
            try:
                result = await self.async_download(file_id=record.file_id, job=job)
            except HomeAssistantError as err:
                LOGGER.info("Job %s file not downloaded: %s", job.job_id, _error_text(err))
                await self._db(file_repo.link_job, record.file_id, job.job_id)
                return None, None
            if result["status"] != file_repo.STATUS_DOWNLOADED:
                await self._db(file_repo.link_job, record.file_id, job.job_id)
                return result, None
            local = Path(result["local_path"])
        try:
            metadata: PrintMetadata = await self.hass.async_add_executor_job(
                read_print_metadata, local
            )
        except (MetadataError, OSError) as err:
            LOGGER.info("No metadata in %s: %s", _printable(local.name), _error_text(err))
            metadata = None  # type: ignore[assignment]
        return result, metadata

    async def _async_existing_copy(
        self, record: file_repo.FileRecord, remote: RemoteFile
    ) -> Path | None:
        """The local copy when it is present and still matches the printer's file."""
        if record.status != file_repo.STATUS_DOWNLOADED or not record.local_path:
            return None
        path = Path(record.local_path)
        try:
            size = await self.hass.async_add_executor_job(_stat_size, path)
        except OSError:
            return None
        if remote.size is not None and remote.size != size:
            return None
        if (
            remote.modified is not None
            and record.downloaded_at is not None
            and remote.modified > record.downloaded_at
        ):
            return None
        return path


def _download_answer(record: file_repo.FileRecord) -> dict[str, Any]:
    """What a download service call answers about a file's local copy."""
    return {
        "status": record.status,
        "file_id": record.file_id,
        "local_path": record.local_path,
        "size": record.size,
        "sha256": record.sha256,
    }


def _add_years(when: datetime, years: int) -> datetime:
    """`when` + whole years (29 February becomes 28 February)."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)


def _printable(text: str) -> str:
    """A printer-supplied name made safe for one log line."""
    return "".join(c if c.isprintable() else "?" for c in text)[:300]


def _exceeds(err: FileTransferError, max_bytes: int | None) -> bool:
    """The client gave up because of `max_bytes` (its message names the limit)."""
    return max_bytes is not None and str(max_bytes) in str(err)
