"""The verified download core on its own: integrity checks, the final rename's races and
filesystems without hard links. The fetches here write real files; only `os.link` is made to
behave like FAT or SMB, or to lose a race, since the test machine's disk cannot."""

from __future__ import annotations

import asyncio
from datetime import date
import errno
import hashlib
import os
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from custom_components.printernizer.api.errors import FileTransferError
from custom_components.printernizer.api.filewriter import OnBlock
from custom_components.printernizer.files import (
    DownloadIntegrityError,
    FileTooLargeError,
    async_fetch_verified,
)

DAY = date(2025, 6, 18)
CONTENT = os.urandom(300_000)


def _files(root: Path) -> dict[str, bytes]:
    """Every file under root (hidden temp files included), relative path -> bytes."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


async def _fetch_verified(hass: HomeAssistant, root: Path, fetch: Any, **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "root": root,
        "printer_name": "P1S",
        "day": DAY,
        "file_name": "part.3mf",
        "expected_size": len(CONTENT),
        "max_bytes": None,
        "run_blocking": hass.async_add_executor_job,
    }
    options.update(kwargs)
    return await async_fetch_verified(fetch, **options)


async def fetch_content(dest: Path, max_bytes: int | None, *, on_block: OnBlock) -> int:
    """A well-behaved block fetch of CONTENT, in two blocks."""

    def write() -> None:
        with dest.open("wb") as handle:
            for block in (CONTENT[:100_000], CONTENT[100_000:]):
                handle.write(block)
                on_block(block)

    await asyncio.to_thread(write)
    return len(CONTENT)


async def test_a_fetch_that_miscounts_is_refused(hass: HomeAssistant, tmp_path: Path) -> None:
    """The bytes on disk must be the bytes the fetch reports: 1 byte off fails, and neither
    the temp file nor a final file stays."""

    async def miscounting(dest: Path, max_bytes: int | None, *, on_block: OnBlock) -> int:
        await fetch_content(dest, max_bytes, on_block=on_block)
        return len(CONTENT) - 1

    with pytest.raises(DownloadIntegrityError, match=f"wrote {len(CONTENT)} bytes, read"):
        await _fetch_verified(hass, tmp_path, miscounting, expected_size=None)
    assert await hass.async_add_executor_job(_files, tmp_path) == {}


async def test_a_fetch_over_the_limit_is_refused(hass: HomeAssistant, tmp_path: Path) -> None:
    """A fetch that ignores max_bytes is caught after the transfer: too large, no file."""
    with pytest.raises(FileTooLargeError, match=f"{len(CONTENT)} bytes exceed 1000"):
        await _fetch_verified(hass, tmp_path, fetch_content, expected_size=None, max_bytes=1000)
    assert await hass.async_add_executor_job(_files, tmp_path) == {}


async def test_blocks_missed_by_the_hash_are_hashed_again(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """A fetch that reports only some of its blocks: the streamed hash saw too few bytes, so
    the file is hashed again from disk and the recorded sha256 is the file's."""

    async def forgetful(dest: Path, max_bytes: int | None, *, on_block: OnBlock) -> int:
        def write() -> None:
            with dest.open("wb") as handle:
                handle.write(CONTENT[:100_000])  # not reported
                handle.write(CONTENT[100_000:])
                on_block(CONTENT[100_000:])

        await asyncio.to_thread(write)
        return len(CONTENT)

    result = await _fetch_verified(hass, tmp_path, forgetful)
    assert result.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert await hass.async_add_executor_job(result.path.read_bytes) == CONTENT


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV])
async def test_without_hard_links_the_file_is_moved(
    hass: HomeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    """A download folder on FAT or SMB (no hard links): the verified temp file is moved to
    its name instead, and a second, different file still gets a name of its own."""

    def no_links(src: Any, dst: Any) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_links)
    first = await _fetch_verified(hass, tmp_path, fetch_content)
    assert first.path == tmp_path / "P1S" / "2025-06-18" / "part.3mf"
    assert not first.reused

    other = CONTENT[::-1]

    async def fetch_other(dest: Path, max_bytes: int | None, *, on_block: OnBlock) -> int:
        def write() -> None:
            dest.write_bytes(other)
            on_block(other)

        await asyncio.to_thread(write)
        return len(other)

    second = await _fetch_verified(hass, tmp_path, fetch_other)
    assert second.path != first.path
    files = await hass.async_add_executor_job(_files, tmp_path)
    assert files == {
        "P1S/2025-06-18/part.3mf": CONTENT,
        str(second.path.relative_to(tmp_path)): other,
    }


async def test_a_name_taken_meanwhile_is_never_replaced(
    hass: HomeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer creates the chosen name between the check and the link: the link
    fails, that file stays as it is, and the download takes the next free name."""
    real_link = os.link
    intruder = b"written by someone else"
    calls: list[str] = []

    def racing_link(src: Any, dst: Any) -> None:
        calls.append(Path(dst).name)
        if len(calls) == 1:
            Path(dst).write_bytes(intruder)
        real_link(src, dst)

    monkeypatch.setattr(os, "link", racing_link)
    result = await _fetch_verified(hass, tmp_path, fetch_content)
    assert len(calls) == 2
    assert calls[0] == "part.3mf"
    assert result.path.name == calls[1] != "part.3mf"
    files = await hass.async_add_executor_job(_files, tmp_path)
    assert files == {
        "P1S/2025-06-18/part.3mf": intruder,
        f"P1S/2025-06-18/{calls[1]}": CONTENT,
    }


async def test_a_disk_error_while_linking_fails_and_cleans_up(
    hass: HomeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link error that is not about hard-link support (here EACCES) is not papered over
    with a move: the download fails and the temp file is gone."""

    def denied(src: Any, dst: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "link", denied)
    with pytest.raises(PermissionError):
        await _fetch_verified(hass, tmp_path, fetch_content)
    assert await hass.async_add_executor_job(_files, tmp_path) == {}


async def test_no_free_name_left(
    hass: HomeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If every candidate name is taken as it is tried, the download gives up with a clear
    error after 100 names rather than looping, and leaves no temp file."""

    def always_taken(src: Any, dst: Any) -> None:
        raise FileExistsError(errno.EEXIST, "File exists")

    monkeypatch.setattr(os, "link", always_taken)
    with pytest.raises(FileTransferError, match="could not find a free name for part.3mf"):
        await _fetch_verified(hass, tmp_path, fetch_content)
    assert await hass.async_add_executor_job(_files, tmp_path) == {}
