"""Drucker-Dateien: the printers' files, downloaded safely into a tidy folder tree.

One `FileManager` per printer merges the printer's listing (Bambu FTPS, PrusaLink) into the
ledger's file index, downloads files to `<root>/<printer>/<YYYY-MM-DD>/<name>` and cleans up old
downloads. Names come from the printer and are untrusted: they are sanitised before they touch a
path, and every target is checked to stay inside the download root. A download streams into a
hidden temp file next to its target and is renamed only when complete and verified, so a cut
transfer never leaves half a file behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
import errno
import hashlib
import os
from pathlib import Path
import re
import secrets
import shutil
import threading
from typing import TYPE_CHECKING, Any, Literal, Protocol
import unicodedata

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.errors import FileTransferError, MetadataError, PrinterAuthError, PrinterError
from .api.metadata import read_print_metadata
from .api.models import PrinterSnapshot, PrintMetadata, RemoteFile
from .const import (
    CATEGORY_BUSINESS,
    DOMAIN,
    EVENT_FILE_DOWNLOAD_FAILED,
    EVENT_FILE_DOWNLOADED,
    LOGGER,
    STORAGE_DIR,
)
from .ledger import files as file_repo

if TYPE_CHECKING:
    from .ledger import JobRecord, Ledger
    from .settings import SettingsStore

# ---------------------------------------------------------------------------------------------
# Names and paths
# ---------------------------------------------------------------------------------------------

MAX_NAME_BYTES = 200
FALLBACK_NAME = "file"
_FORBIDDEN_CHARS = frozenset('<>:"|?*/\\')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{c}" for c in "0123456789¹²³"}
    | {f"LPT{c}" for c in "0123456789¹²³"}
)
# Up to two short suffixes make the extension we keep when shortening (".gcode.3mf").
_EXT_RE = re.compile(r"((?:\.[A-Za-z0-9]{1,10}){1,2})$")
_DOTS_RE = re.compile(r"\.{2,}")
TEMP_MARKER = ".part-"


def _clean_char(char: str) -> str:
    """Map one character to itself or `_` (control, format, separator or Windows-forbidden)."""
    if char in _FORBIDDEN_CHARS:
        return "_"
    category = unicodedata.category(char)
    # Cc: NUL, newline, DEL...; Cf: bidi overrides that disguise names in logs; Zl/Zp: line breaks
    if category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
        return "_"
    return char


def _truncate_utf8(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[: max(limit, 0)].decode("utf-8", errors="ignore")


def sanitize_filename(name: str) -> str:
    """Turn an untrusted name (from a printer) into one safe path component.

    The result has no separators, no `..`, no control characters, is valid on Windows (no
    reserved device names, no `<>:"|?*`, no trailing dot or space), is at most 200 UTF-8 bytes
    with its extension kept, does not start with a dot (temp files do, so they never collide)
    and is never empty.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(_clean_char(c) for c in text)
    text = _DOTS_RE.sub(".", text)
    text = text.strip(" .\t")
    if not text:
        return FALLBACK_NAME
    stem, _, rest = text.partition(".")
    if stem.rstrip(" ").upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    if len(text.encode("utf-8")) > MAX_NAME_BYTES:
        match = _EXT_RE.search(text)
        ext = match.group(1) if match and match.start() > 0 else ""
        stem = text[: len(text) - len(ext)]
        budget = MAX_NAME_BYTES - len(ext.encode("utf-8"))
        text = _truncate_utf8(stem, budget).rstrip(" .") + ext
        text = text.strip(" .")
    return text or FALLBACK_NAME


class UnsafePathError(HomeAssistantError):
    """A computed target left the download root (never expected after sanitising)."""


def _inside(path: Path, root: Path) -> bool:
    """True when the resolved `path` is `root` or below it."""
    return path == root or path.is_relative_to(root)


def _numbered(name: str, number: int) -> str:
    """`name (n).ext`, keeping a double extension like `.gcode.3mf` together."""
    match = _EXT_RE.search(name)
    ext = match.group(1) if match and match.start() > 0 else ""
    stem = name[: len(name) - len(ext)]
    suffix = f" ({number})"
    budget = MAX_NAME_BYTES - len(ext.encode("utf-8")) - len(suffix)
    return _truncate_utf8(stem, budget).rstrip(" .") + suffix + ext


def _file_sha256(path: Path) -> str:
    """Stream a file through sha256 (1 MiB blocks: bounded memory for any size)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _same_file(path: Path, size: int | None, sha256: str | None) -> bool:
    """True when the file at `path` has exactly this content (size first: cheap)."""
    if sha256 is None:
        return False
    try:
        if not path.is_file() or (size is not None and path.stat().st_size != size):
            return False
        return _file_sha256(path) == sha256
    except OSError:
        return False


def target_folder(root: Path, printer_name: str, day: date) -> Path:
    """`<root>/<sanitised printer name>/<YYYY-MM-DD>`, resolved and checked to stay in root."""
    base = root.resolve()
    folder = (base / sanitize_filename(printer_name) / day.isoformat()).resolve()
    if not _inside(folder, base) or folder == base:
        raise UnsafePathError(f"target folder {folder} is outside {base}")
    return folder


def safe_target(
    root: Path,
    printer_name: str,
    day: date,
    file_name: str,
    *,
    sha256: str | None = None,
    size: int | None = None,
) -> Path:
    """Where a downloaded file goes; blocking (stat, maybe hash): run in the executor.

    Layout `<root>/<printer>/<YYYY-MM-DD>/<name>`. The path is resolved (symlinks too) and must
    stay inside `root`, else UnsafePathError. When a different file already sits there the name
    gets ` (2)`, ` (3)`... so nothing is ever overwritten; when the same content (same sha256)
    is already there, that path is returned so a re-download does not duplicate it.
    """
    base = root.resolve()
    folder = target_folder(base, printer_name, day)
    name = sanitize_filename(file_name)
    number = 1
    while True:
        candidate = folder / (name if number == 1 else _numbered(name, number))
        if not candidate.is_symlink():  # a planted symlink is never written through
            if candidate.resolve().parent != folder:
                raise UnsafePathError(f"target {candidate} is outside {folder}")
            if not candidate.exists():
                return candidate
            if _same_file(candidate, size, sha256):
                return candidate
        number += 1
        if number > 10_000:
            raise UnsafePathError(f"too many files named {name} in {folder}")


# ---------------------------------------------------------------------------------------------
# The download root
# ---------------------------------------------------------------------------------------------


def default_download_dir(hass: HomeAssistant) -> Path:
    """`<config>/printernizer/files`: the integration's own folder, allowed without asking."""
    return Path(hass.config.path(STORAGE_DIR, "files"))


def _is_allowed_root(hass: HomeAssistant, path: Path) -> bool:
    """Blocking (resolves symlinks): HA's allowlist, or inside our own `<config>/printernizer`.

    HA's default allowlist holds only `www` and the media folders, not the config folder, so
    the integration's own default folder is accepted explicitly; anything else must be in
    `allowlist_external_dirs` like for every other integration that writes files.
    """
    resolved = path.resolve()
    own = Path(hass.config.path(STORAGE_DIR)).resolve()
    if _inside(resolved, own):
        return True
    # asked for a (non-existent) file inside the root: HA then checks the root itself, which
    # also works for a root that will only be created by the first download
    return hass.config.is_allowed_path(str(resolved / ".printernizer-probe"))


async def check_download_dir(hass: HomeAssistant, path: str | Path | None) -> Path:
    """Validate the download root and return it resolved.

    Raises ServiceValidationError(download_dir_not_allowed) for a relative path or one outside
    HA's allowed folders (and the integration's own folder).
    """
    raw = Path(path) if path else default_download_dir(hass)
    if not raw.is_absolute():
        raw = Path(hass.config.path(str(raw)))
    if await hass.async_add_executor_job(_is_allowed_root, hass, raw):
        return await hass.async_add_executor_job(raw.resolve)
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="download_dir_not_allowed",
        translation_placeholders={"path": str(raw)},
    )


# ---------------------------------------------------------------------------------------------
# The download core (shared by FileManager and scripts/bench_download.py)
# ---------------------------------------------------------------------------------------------

type RunBlocking = Callable[..., Awaitable[Any]]
type Fetch = Callable[[Path, int | None], Awaitable[int]]
"""Writes the remote file to the given temp path, at most `max_bytes`; returns bytes written."""

FREE_SPACE_MARGIN = 10 * 1024 * 1024


class FileTooLargeError(FileTransferError):
    """The file is larger than `max_download_mb` (not worth retrying)."""


class DownloadIntegrityError(FileTransferError):
    """The written file does not match what the printer announced (retry)."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A verified file at its final path."""

    path: Path
    size: int
    sha256: str
    reused: bool  # the same content was already there; nothing new was written


def _prepare_folder(root: Path, printer_name: str, day: date) -> Path:
    folder = target_folder(root, printer_name, day)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _unlink_quiet(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as err:  # pragma: no cover - e.g. permissions changed under us
        LOGGER.warning("Could not remove the temporary file %s: %s", path, err)


def _stat_size(path: Path) -> int:
    return path.stat().st_size


def _follow_sha256(path: Path, finished: threading.Event) -> tuple[str | None, int]:
    """Hash a file while another thread appends to it, until `finished` and EOF.

    Returns (hex digest, bytes hashed), or (None, 0) when the file never appeared. Idle waits
    back off from 2 ms to 20 ms: short enough that little is left to hash when the transfer
    ends, long enough that a slow printer (70 KB/s) costs nothing noticeable.
    """
    digest = hashlib.sha256()
    total = 0
    delay = 0.002
    handle = None
    while handle is None:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            if finished.is_set():
                return None, 0
            finished.wait(delay)
            delay = min(delay * 2, 0.02)
    with handle:
        while True:
            block = handle.read(1024 * 1024)
            if block:
                digest.update(block)
                total += len(block)
                delay = 0.002
                continue
            if finished.is_set():
                # the writer closed the file before `finished`; one more read drains it
                while block := handle.read(1024 * 1024):
                    digest.update(block)
                    total += len(block)
                return digest.hexdigest(), total
            finished.wait(delay)
            delay = min(delay * 2, 0.02)


async def _settle(future: asyncio.Future[Any]) -> None:
    """Wait for a helper future and drop its result or error (cleanup paths)."""
    with contextlib.suppress(BaseException):
        await future


def _finalize(
    temp: Path, root: Path, printer_name: str, day: date, file_name: str, sha256: str, size: int
) -> tuple[Path, bool]:
    """Move the verified temp file to its final name without ever replacing another file.

    `os.link` fails if the name exists, so a file that appeared meanwhile is never clobbered
    (we pick the next free name); filesystems without hard links (FAT, some SMB) fall back to
    `os.replace` right after the existence check, which the per-printer lock makes safe for
    our own writes.
    """
    for _ in range(100):
        final = safe_target(root, printer_name, day, file_name, sha256=sha256, size=size)
        if final.exists():  # the same content is already there
            temp.unlink(missing_ok=True)
            return final, True
        try:
            os.link(temp, final)
        except FileExistsError:
            continue
        except OSError as err:
            if err.errno not in (
                errno.EPERM,
                errno.ENOTSUP,
                errno.EOPNOTSUPP,
                errno.EXDEV,
                errno.EMLINK,
                errno.ENOSYS,
            ):
                raise
            os.replace(temp, final)
            return final, False
        temp.unlink()
        return final, False
    raise FileTransferError(f"could not find a free name for {file_name}")


async def async_fetch_verified(
    fetch: Fetch,
    *,
    root: Path,
    printer_name: str,
    day: date,
    file_name: str,
    expected_size: int | None,
    max_bytes: int | None,
    run_blocking: RunBlocking,
) -> FetchResult:
    """Download via `fetch` into a temp file next to the target, verify, hash, rename.

    The temp file (`.<name>.part-<random>`, hidden, never a sanitised name) is removed on any
    failure, cancellation included, so a broken transfer leaves nothing behind. The size must
    match both what `fetch` reports and `expected_size` when the listing knew it. The sha256
    is computed by a reader that follows the temp file while it is written (the hash costs no
    extra pass on fast links); if it did not see exactly the final bytes, the file is hashed
    again from the start.
    """
    folder: Path = await run_blocking(_prepare_folder, root, printer_name, day)
    name = sanitize_filename(file_name)
    temp = folder / f".{_truncate_utf8(name, 180)}{TEMP_MARKER}{secrets.token_hex(6)}"
    written_done = threading.Event()
    hashing: asyncio.Future[tuple[str | None, int]] = asyncio.ensure_future(
        run_blocking(_follow_sha256, temp, written_done)
    )
    try:
        try:
            written = await fetch(temp, max_bytes)
        finally:
            written_done.set()
        actual: int = await run_blocking(_stat_size, temp)
        if actual != written:
            raise DownloadIntegrityError(f"{file_name}: wrote {actual} bytes, read {written}")
        if expected_size is not None and actual != expected_size:
            raise DownloadIntegrityError(
                f"{file_name}: got {actual} bytes, the printer listed {expected_size}"
            )
        if max_bytes is not None and actual > max_bytes:
            raise FileTooLargeError(f"{file_name}: {actual} bytes exceed {max_bytes}")
        followed, hashed = await hashing
        digest: str = (
            followed
            if followed is not None and hashed == actual
            else await run_blocking(_file_sha256, temp)
        )
        final, reused = await run_blocking(
            _finalize, temp, root, printer_name, day, file_name, digest, actual
        )
    except BaseException:
        written_done.set()
        try:
            await asyncio.shield(_settle(hashing))
            await asyncio.shield(run_blocking(_unlink_quiet, temp))
        except BaseException:  # cancelled again or executor gone (shutdown): do it here
            _unlink_quiet(temp)
        raise
    return FetchResult(path=final, size=actual, sha256=digest, reused=reused)


# ---------------------------------------------------------------------------------------------
# FileManager
# ---------------------------------------------------------------------------------------------

DOWNLOAD_SLOTS: HassKey[asyncio.Semaphore] = HassKey(f"{DOMAIN}_download_slots")
MAX_PARALLEL_DOWNLOADS = 2
DOWNLOAD_ATTEMPTS = 3
_MB = 1024 * 1024


class FileSource(Protocol):
    """What a printer's file client offers (BambuFtpClient, PrusaLinkClient).

    The download reference differs by family (FileManager._async_fetch adapts): Bambu
    downloads by `RemoteFile.path`, PrusaLink by `RemoteFile.download_ref`. Bambu clients
    also offer `async_find_job_file(subtask_name, gcode_file)`.
    """

    async def async_list_files(self) -> list[RemoteFile]:
        """Every file on the printer's storage."""
        ...

    async def async_download_file(
        self, ref: str, dest: Path, /, *, max_bytes: int | None = None
    ) -> int:
        """Write the file to `dest`, at most `max_bytes`; return the bytes written."""
        ...


def download_slots(hass: HomeAssistant) -> asyncio.Semaphore:
    """The one semaphore shared by all printers: printers' Wi-Fi and the disk are shared."""
    slots = hass.data.get(DOWNLOAD_SLOTS)
    if slots is None:
        slots = hass.data[DOWNLOAD_SLOTS] = asyncio.Semaphore(MAX_PARALLEL_DOWNLOADS)
    return slots


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
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="file_not_found",
            translation_placeholders={"file": ref},
        )

    async def _async_fetch(self, remote: RemoteFile, dest: Path, max_bytes: int | None) -> int:
        """The family's download call: Bambu by FTP path, Prusa by `refs.download`."""
        if self.family == "bambu":
            return int(
                await self.source.async_download_file(remote.path, dest, max_bytes=max_bytes)
            )
        if not remote.download_ref:
            raise FileTransferError(f"{remote.path}: the printer offers no download for it")
        source: Any = self.source  # PrusaLinkClient also checks the listed size
        return int(
            await source.async_download_file(
                remote.download_ref, dest, max_bytes=max_bytes, expected_size=remote.size
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
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="path_or_file_id_required"
            )
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
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="insufficient_space",
                translation_placeholders={
                    "path": str(root),
                    "needed_mb": str(round(needed / _MB, 1)),
                    "free_mb": str(round(free / _MB, 1)),
                },
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
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="file_too_large",
                translation_placeholders={
                    "name": sanitize_filename(record.name),
                    "size_mb": str(round(size / _MB, 1)),
                    "max_mb": str(max_mb),
                },
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
                                lambda dest, limit: self._async_fetch(remote, dest, limit),
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
        return {
            "status": file_repo.STATUS_DOWNLOADED,
            "file_id": done.file_id,
            "local_path": done.local_path,
            "size": done.size,
            "sha256": done.sha256,
        }

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
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_days",
                translation_placeholders={"days": str(older_than_days)},
            )
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
            return await finder.async_find_job_file(subtask, gcode)
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
            result: dict[str, Any] = {
                "status": record.status,
                "file_id": record.file_id,
                "local_path": record.local_path,
                "size": record.size,
                "sha256": record.sha256,
            }
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
