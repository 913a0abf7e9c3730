"""BambuFtpClient against the simulated printer's implicit-TLS FTPS, plus LIST parsing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import contextlib
from datetime import UTC, datetime
import os
from pathlib import Path
import threading
import time
from typing import Any

import pytest

from custom_components.printernizer.api.bambu.ftps import (
    BambuFtpClient,
    job_file_candidates,
    parse_list_line,
)
from custom_components.printernizer.api.errors import (
    FileTransferError,
    PrinterAuthError,
    PrinterCertificateError,
    PrinterConnectionError,
)
from tests.simulators.bambu import BambuSimulator, default_files


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    """A P1S simulator whose FTPS logins are recorded (to prove when credentials were sent)."""
    simulator = BambuSimulator(model="P1S")
    await simulator.start()
    logins: list[str] = []
    authorizer = simulator._ftps._handler_cls.authorizer
    validate = authorizer.validate_authentication

    def recording(username: str, password: str, handler: Any) -> None:
        logins.append(username)
        validate(username, password, handler)

    authorizer.validate_authentication = recording
    simulator.ftp_logins = logins  # type: ignore[attr-defined]
    try:
        yield simulator
    finally:
        await simulator.stop()


def _client(sim: BambuSimulator, **kwargs: Any) -> BambuFtpClient:
    options: dict[str, Any] = {
        "host": sim.host,
        "port": sim.ftp_port,
        "access_code": sim.access_code,
        "fingerprint": sim.fingerprint,
        "timeout": 10.0,
    }
    options.update(kwargs)
    return BambuFtpClient(**options)


async def test_list_files_with_sizes(sim: BambuSimulator) -> None:
    """/, /cache and /timelapse with exact sizes; a missing folder is skipped."""
    expected = {
        path: len(data) for path, data in default_files("P1S").items() if not path.endswith("/")
    }
    client = _client(sim)
    files = await client.async_list_files(
        ("/", "/cache", "/model", "/timelapse", "/does-not-exist")
    )
    assert {f.path: f.size for f in files} == expected
    by_path = {f.path: f for f in files}
    cube = by_path["/cube.gcode.3mf"]
    assert (cube.name, cube.storage, cube.download_ref) == (
        "cube.gcode.3mf",
        "/",
        "/cube.gcode.3mf",
    )
    assert by_path["/cache/benchy.3mf"].storage == "/cache"
    assert all(f.modified is not None and f.modified.tzinfo is UTC for f in files)
    assert abs((cube.modified - datetime.now(UTC)).total_seconds()) < 3600  # type: ignore[operator]


async def test_list_files_via_list_command(sim: BambuSimulator) -> None:
    """Printers do not speak MLSD: the LIST fallback gives the same names and sizes."""
    await sim.put_file("/cache/old job.gcode.3mf", b"x" * 1234, mtime=time.time() - 400 * 86400)
    client = _client(sim)
    client.use_mlsd = False
    files = await client.async_list_files(("/", "/cache", "/timelapse"))
    mlsd = await _client(sim).async_list_files(("/", "/cache", "/timelapse"))
    assert sorted((f.path, f.size) for f in files) == sorted((f.path, f.size) for f in mlsd)
    old = next(f for f in files if f.name == "old job.gcode.3mf")
    assert old.size == 1234
    assert old.modified is not None
    assert old.modified.year == datetime.fromtimestamp(time.time() - 400 * 86400, UTC).year


async def test_download_is_byte_exact(sim: BambuSimulator, tmp_path: Path) -> None:
    """A 3MF streams to disk unchanged (proves TLS session reuse on the data channel)."""
    client = _client(sim)
    dest = tmp_path / "job.3mf"
    written = await client.async_download_file("/cache/cable_clip_x12.gcode.3mf", dest)
    original = (await sim.list_files())["/cache/cable_clip_x12.gcode.3mf"]
    assert written == len(original)
    assert dest.read_bytes() == original


async def test_download_reports_blocks_from_the_writer_thread(
    sim: BambuSimulator, tmp_path: Path
) -> None:
    """on_block sees exactly the file's bytes in order, off the event loop; an error in it
    fails the download and leaves the client usable."""
    content = os.urandom(3 * 1024 * 1024 + 999)
    await sim.put_file("/cache/blocks.3mf", content)
    client = _client(sim)
    pieces: list[bytes] = []
    threads: set[int] = set()

    def on_block(block: bytes | bytearray | memoryview) -> None:
        pieces.append(bytes(block))
        threads.add(threading.get_ident())

    dest = tmp_path / "blocks.3mf"
    assert await client.async_download_file("/cache/blocks.3mf", dest, on_block=on_block) == len(
        content
    )
    assert b"".join(pieces) == content
    assert dest.read_bytes() == content
    assert len(pieces) > 1
    assert threading.get_ident() not in threads  # never in the event loop

    def broken(block: bytes | bytearray | memoryview) -> None:
        raise RuntimeError("hash failed")

    with pytest.raises(RuntimeError, match="hash failed"):
        await client.async_download_file("/cache/blocks.3mf", tmp_path / "x", on_block=broken)
    assert any(f.path == "/cache/blocks.3mf" for f in await client.async_list_files(("/cache",)))


@contextlib.contextmanager
def _held_login(sim: BambuSimulator) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The simulator stops at PASS until the block exits; yields (login reached, a session closed).

    The whole simulated FTPS server waits meanwhile, so it is released on the way out
    whatever happens (the fixture's stop() needs it).
    """
    handler_cls = sim._ftps._handler_cls
    authorizer = handler_cls.authorizer
    validate = authorizer.validate_authentication
    reached, release, closed = threading.Event(), threading.Event(), threading.Event()

    def slow(username: str, password: str, handler: Any) -> None:
        reached.set()
        release.wait(10)
        validate(username, password, handler)

    def on_disconnect(handler: Any) -> None:
        closed.set()

    authorizer.validate_authentication = slow
    handler_cls.on_disconnect = on_disconnect  # type: ignore[method-assign]
    try:
        yield reached, closed
    finally:
        release.set()
        authorizer.validate_authentication = validate


async def test_cancel_during_login_creates_no_file_later(
    sim: BambuSimulator, tmp_path: Path
) -> None:
    """Cancelled while the session is still being set up: the executor thread stops and never
    creates `dest`, even though the caller has already cleaned up and gone; the client stays
    usable and its next operation waits for that thread."""
    await sim.put_file("/cache/late.3mf", os.urandom(300_000))
    client = _client(sim)
    out = tmp_path / "downloads"
    await asyncio.to_thread(out.mkdir)
    dest = out / ".late.3mf.part-0123456789ab"
    with _held_login(sim) as (reached, closed):
        task = asyncio.ensure_future(client.async_download_file("/cache/late.3mf", dest))
        assert await asyncio.to_thread(reached.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.to_thread(dest.unlink, missing_ok=True)  # what the download core does
    # The printer saw the cancelled session end; only then is "nothing left" meaningful.
    assert await asyncio.to_thread(closed.wait, 10)
    files = await client.async_list_files(("/cache",))
    assert "/cache/late.3mf" in {f.path for f in files}
    assert await asyncio.to_thread(lambda: sorted(out.iterdir())) == []
    written = await client.async_download_file("/cache/late.3mf", out / "late.3mf")
    assert written == 300_000


async def test_cancel_during_transfer_thread_removes_its_file(
    sim: BambuSimulator, tmp_path: Path
) -> None:
    """Cancelled mid-transfer: the thread stops at the next block and deletes the partial
    file itself (its caller no longer waits for it)."""
    await sim.put_file("/cache/big.3mf", os.urandom(3 * 1024 * 1024))
    client = _client(sim)
    out = tmp_path / "downloads"
    await asyncio.to_thread(out.mkdir)
    dest = out / ".big.3mf.part-0123456789ab"
    first_block, go = threading.Event(), threading.Event()
    blocks: list[int] = []

    def on_block(block: bytes | bytearray | memoryview) -> None:
        blocks.append(len(block))
        first_block.set()
        go.wait(10)

    task = asyncio.ensure_future(
        client.async_download_file("/cache/big.3mf", dest, on_block=on_block)
    )
    try:
        assert await asyncio.to_thread(first_block.wait, 10)
        assert await asyncio.to_thread(dest.exists)  # the partial file is there
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        go.set()
    await client.async_list_files(("/cache",))  # waits for the cancelled thread
    assert blocks == [1024 * 1024]  # no block after the cancel
    assert await asyncio.to_thread(lambda: sorted(out.iterdir())) == []


async def test_cut_transfer(sim: BambuSimulator, tmp_path: Path) -> None:
    """The link drops after 1000 bytes -> FileTransferError, not a short 'success'."""
    sim.cut_transfer_after["/cube.gcode.3mf"] = 1000
    with pytest.raises(FileTransferError):
        await _client(sim).async_download_file("/cube.gcode.3mf", tmp_path / "cube.3mf")


async def test_download_limits_and_missing(sim: BambuSimulator, tmp_path: Path) -> None:
    """A missing file and a file above max_bytes are transfer errors."""
    client = _client(sim)
    with pytest.raises(FileTransferError, match="not found"):
        await client.async_download_file("/cache/nope.3mf", tmp_path / "x")
    with pytest.raises(FileTransferError, match="limit"):
        await client.async_download_file("/cube.gcode.3mf", tmp_path / "y", max_bytes=100)


async def test_wrong_access_code(sim: BambuSimulator) -> None:
    """530 on login -> PrinterAuthError."""
    with pytest.raises(PrinterAuthError):
        await _client(sim, access_code="00000000").async_list_files(("/",))
    assert sim.ftp_logins == ["bblp"]  # type: ignore[attr-defined]


async def test_fingerprint_mismatch_refused_before_login(sim: BambuSimulator) -> None:
    """A different certificate is refused before USER/PASS are sent."""
    client = _client(sim, fingerprint="cd" * 32)
    with pytest.raises(PrinterCertificateError):
        await client.async_list_files(("/",))
    assert sim.ftp_logins == []  # type: ignore[attr-defined]
    # Trust on first use pins what it sees.
    tofu = _client(sim, fingerprint=None)
    await tofu.async_list_files(("/",))
    assert tofu.fingerprint == sim.fingerprint


async def test_unreachable(socket_enabled: None) -> None:
    """Nothing listening -> PrinterConnectionError."""
    client = BambuFtpClient(host="127.0.0.1", port=1, access_code="x", timeout=2)
    with pytest.raises(PrinterConnectionError):
        await client.async_list_files(("/",))


async def test_find_job_file(sim: BambuSimulator) -> None:
    """subtask name first (/cache before /), then gcode_file, then newest 3MF without a name."""
    client = _client(sim)
    found = await client.async_find_job_file("cable_clip_x12", "cable_clip_x12.gcode.3mf")
    assert found is not None
    assert found.path == "/cache/cable_clip_x12.gcode.3mf"
    found = await client.async_find_job_file("cube", None)
    assert found is not None
    assert found.path == "/cube.gcode.3mf"
    found = await client.async_find_job_file("Plate 1", "/sdcard/benchy.3mf")
    assert found is not None
    assert found.path == "/cache/benchy.3mf"
    assert await client.async_find_job_file("missing", "/data/Metadata/plate_1.gcode") is None
    await sim.put_file("/newest.3mf", b"new", mtime=time.time() + 60)
    found = await client.async_find_job_file(None, None)
    assert found is not None
    assert found.path == "/newest.3mf"


def test_job_file_candidates() -> None:
    """Candidate order as in ha-bambulab."""
    assert job_file_candidates("cube", "/data/Metadata/plate_1.gcode") == [
        "cube.3mf",
        "cube.gcode.3mf",
        "plate_1.3mf",
        "plate_1.gcode.3mf",
    ]
    assert job_file_candidates(None, "cube.gcode.3mf") == ["cube.gcode.3mf", "cube.3mf"]
    assert job_file_candidates("", "") == []


NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "-rw-rw-rw-   1 root     root      2097152 Aug 18 00:27 cube.gcode.3mf",
            ("cube.gcode.3mf", False, 2097152, datetime(2025, 8, 18, 0, 27, tzinfo=UTC)),
        ),
        (
            "-rw-r--r-- 1 ftp ftp 12 Dec 31 23:59 late.3mf",
            ("late.3mf", False, 12, datetime(2025, 12, 31, 23, 59, tzinfo=UTC)),
        ),
        (
            "-rw-r--r-- 1 ftp ftp 12 Feb 01 08:00 soon.3mf",  # clock skew: a few weeks ahead
            ("soon.3mf", False, 12, datetime(2026, 2, 1, 8, 0, tzinfo=UTC)),
        ),
        (
            "-rw-r--r-- 1 owner 5 Mar  3  2023 name with  spaces.3mf",
            ("name with  spaces.3mf", False, 5, datetime(2023, 3, 3, tzinfo=UTC)),
        ),
        (
            "drwxr-xr-x   2 root root 4096 Sep  1 10:00 thumbnail",
            ("thumbnail", True, 4096, datetime(2025, 9, 1, 10, 0, tzinfo=UTC)),
        ),
        ("total 12", None),
        ("garbage", None),
    ],
)
def test_parse_list_line(line: str, expected: Any) -> None:
    """Unix LIST lines; the year of recent entries is inferred within ±6 months of now."""
    assert parse_list_line(line, now=NOW) == expected
