"""The verified download core, shared by FileManager and scripts/bench_download.py.

A download streams into a hidden temp file next to its target, is checked against the size
the printer announced, hashed while it is written (by the client's writer thread, block by
block), and linked to its final name only when complete, so a cut transfer never leaves half
a file behind and no file is ever replaced.
One semaphore in hass.data bounds parallel downloads across all printers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
import errno
import hashlib
import os
from pathlib import Path
import secrets
from typing import Any, Protocol

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from custom_components.printernizer.api.errors import FileTransferError
from custom_components.printernizer.api.filewriter import OnBlock
from custom_components.printernizer.const import DOMAIN, LOGGER

from .paths import _file_sha256, _truncate_utf8, safe_target, sanitize_filename, target_folder

# ---------------------------------------------------------------------------------------------
# The download core
# ---------------------------------------------------------------------------------------------

TEMP_MARKER = ".part-"
type RunBlocking = Callable[..., Awaitable[Any]]


class BlockFetch(Protocol):
    """Writes the remote file to a temp path, at most `max_bytes`, reporting every block.

    `on_block` is called in the writing (executor) thread right after each block is written,
    one call at a time and in file order, so the blocks concatenated are the file.
    """

    def __call__(
        self, dest: Path, max_bytes: int | None, /, *, on_block: OnBlock
    ) -> Awaitable[int]:
        """Write the file to `dest`, passing each block to `on_block`; return bytes written."""
        ...


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


class _BlockHasher:
    """sha256 of the blocks a `BlockFetch` reports; runs in its writer thread.

    The writer calls it one block at a time (each call finishes before the next starts), so
    no lock is needed; `size` lets the core check that it saw exactly the file's bytes.
    """

    __slots__ = ("_digest", "size")

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self.size = 0

    def __call__(self, block: bytes | bytearray | memoryview) -> None:
        self._digest.update(block)
        self.size += len(block)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


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
    fetch: BlockFetch,
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
    failure, cancellation included, so a broken transfer leaves nothing behind. That cleanup
    runs as soon as `fetch` is cancelled, so a `fetch` whose writer thread outlives it must
    not create the file later (BambuFtpClient's thread checks a cancel flag after creating
    it and removes it itself). The size must match both what `fetch` reports and
    `expected_size` when the listing knew it.

    The sha256 costs no extra pass over the file: the writer hashes each block in the same
    executor call that writes it. If the hash did not see exactly the final number of bytes
    (a client that reports blocks wrongly), the file is hashed again from the start.
    """
    folder: Path = await run_blocking(_prepare_folder, root, printer_name, day)
    name = sanitize_filename(file_name)
    temp = folder / f".{_truncate_utf8(name, 180)}{TEMP_MARKER}{secrets.token_hex(6)}"
    hasher = _BlockHasher()
    try:
        written = await fetch(temp, max_bytes, on_block=hasher)
        actual: int = await run_blocking(_stat_size, temp)
        if actual != written:
            raise DownloadIntegrityError(f"{file_name}: wrote {actual} bytes, read {written}")
        if expected_size is not None and actual != expected_size:
            raise DownloadIntegrityError(
                f"{file_name}: got {actual} bytes, the printer listed {expected_size}"
            )
        if max_bytes is not None and actual > max_bytes:
            raise FileTooLargeError(f"{file_name}: {actual} bytes exceed {max_bytes}")
        digest: str
        if hasher.size == actual:
            digest = hasher.hexdigest()
        else:
            LOGGER.debug("Hashing %s again: the streamed hash saw %d bytes", temp.name, hasher.size)
            digest = await run_blocking(_file_sha256, temp)
        final, reused = await run_blocking(
            _finalize, temp, root, printer_name, day, file_name, digest, actual
        )
    except BaseException:
        try:
            await asyncio.shield(run_blocking(_unlink_quiet, temp))
        except BaseException:  # cancelled again or executor gone (shutdown): do it here
            _unlink_quiet(temp)
        raise
    return FetchResult(path=final, size=actual, sha256=digest, reused=reused)


# ---------------------------------------------------------------------------------------------
# The global download slots
# ---------------------------------------------------------------------------------------------

DOWNLOAD_SLOTS: HassKey[asyncio.Semaphore] = HassKey(f"{DOMAIN}_download_slots")
MAX_PARALLEL_DOWNLOADS = 2


def download_slots(hass: HomeAssistant) -> asyncio.Semaphore:
    """The one semaphore shared by all printers: printers' Wi-Fi and the disk are shared."""
    slots = hass.data.get(DOWNLOAD_SLOTS)
    if slots is None:
        slots = hass.data[DOWNLOAD_SLOTS] = asyncio.Semaphore(MAX_PARALLEL_DOWNLOADS)
    return slots
