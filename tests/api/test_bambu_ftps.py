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
    _parse_mlsd_line,
    job_file_candidates,
    parse_list_line,
)
from custom_components.printernizer.api.errors import (
    FileTransferError,
    PrinterAuthError,
    PrinterCertificateError,
    PrinterConnectionError,
    PrinterTimeoutError,
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
    # The missing folder's refusal (501, RFC 3659) did not switch an MLSD server to LIST.
    assert client.use_mlsd is True


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


async def test_cut_transfer_is_noticed_at_once_without_a_reply(
    sim: BambuSimulator, tmp_path: Path
) -> None:
    """Defect 14: the printer drops the data connection and says nothing on the control
    connection. The short stream is the answer: failure in well under a second, not after
    the 30 s read timeout waiting for a 426 that never comes; no half file is reported."""
    content = os.urandom(2 * 1024 * 1024 + 17)
    await sim.put_file("/cache/cut.3mf", content)
    sim.ftps_server.cut_transfer_after["/cache/cut.3mf"] = 700_000
    sim.ftps_server.reply_after_cut = False
    client = _client(sim, timeout=30.0)
    began = time.monotonic()
    async with asyncio.timeout(10):
        with pytest.raises(FileTransferError, match="700000 of 2097169"):
            await client.async_download_file("/cache/cut.3mf", tmp_path / "cut.3mf")
    assert time.monotonic() - began < 1.0
    # the client is free at once for the next operation
    assert await client.async_download_file("/cube.gcode.3mf", tmp_path / "cube.3mf") > 0


async def test_a_silent_data_connection_still_times_out(
    sim: BambuSimulator, tmp_path: Path
) -> None:
    """A printer that stops sending but keeps the data connection open is given up after the
    read timeout, not earlier (it may be slow) and not never."""
    content = os.urandom(600_000)
    await sim.put_file("/cache/stall.3mf", content)
    sim.ftps_server.stall_transfer_after["/cache/stall.3mf"] = 200_000
    client = _client(sim, timeout=1.0)
    began = time.monotonic()
    with pytest.raises(FileTransferError, match="timed out"):
        await client.async_download_file("/cache/stall.3mf", tmp_path / "stall.3mf")
    assert 0.9 < time.monotonic() - began < 5.0


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


# ---------------------------------------------------------------------------- printer quirks
# The tests below change how the simulated printer answers single commands (on this
# simulator's own handler class only) to reach the client's fallbacks and error paths.


def _answer(sim: BambuSimulator, command: str, reply: str) -> None:
    """Make the simulated printer answer `command` with a fixed reply."""

    def respond(handler: Any, arg: str) -> None:
        handler.respond(reply)

    setattr(sim._ftps._handler_cls, f"ftp_{command}", respond)


def _refuse(sim: BambuSimulator, command: str) -> None:
    """The printer does not know `command` at all (500 "not understood")."""
    handler_cls = sim._ftps._handler_cls
    handler_cls.proto_cmds = {k: v for k, v in handler_cls.proto_cmds.items() if k != command}


async def test_list_falls_back_to_list_when_mlsd_is_unknown(sim: BambuSimulator) -> None:
    """A printer answering 500 to MLSD is listed with LIST, and MLSD is not tried again."""
    _refuse(sim, "MLSD")
    client = _client(sim)
    assert client.use_mlsd is None
    files = await client.async_list_files(("/cache",))
    assert client.use_mlsd is False
    expected = {p: len(d) for p, d in default_files("P1S").items() if p.startswith("/cache/")}
    assert {f.path: f.size for f in files} == expected


async def test_mlsd_550_means_missing_folder(sim: BambuSimulator) -> None:
    """550 to MLSD is a missing folder: skipped, and MLSD stays in use."""
    _answer(sim, "MLSD", "550 No such file or directory.")
    client = _client(sim)
    assert await client.async_list_files(("/gone",)) == []
    assert client.use_mlsd is None  # still undecided: MLSD was not refused


async def test_list_error_other_than_missing_is_a_transfer_error(sim: BambuSimulator) -> None:
    """A LIST refused with 500 is not a missing folder but a FileTransferError."""
    _refuse(sim, "LIST")
    client = _client(sim)
    client.use_mlsd = False
    with pytest.raises(FileTransferError, match="500"):
        await client.async_list_files(("/",))


@pytest.mark.parametrize(
    ("model", "names"),
    [("P1S", {"/cache/benchy.3mf", "/cache/cable_clip_x12.gcode.3mf"}), ("X1C", None)],
)
async def test_unknown_list_format_falls_back_to_nlst(
    socket_enabled: None, model: str, names: set[str] | None
) -> None:
    """LIST lines we cannot parse -> names from NLST (bare on P1, full paths on X1)."""
    async with BambuSimulator(model=model) as sim:
        sim._ftps._handler_cls.abstracted_fs = type(
            "_OddList",
            (sim._ftps._handler_cls.abstracted_fs,),
            {"format_list": lambda self, *a, **k: iter([b"?? odd listing ??\r\n"])},
        )
        client = _client(sim)
        client.use_mlsd = False
        files = await client.async_list_files(("/cache",))
    expected = {p for p in default_files(model) if p.startswith("/cache/") and p[-1] != "/"}
    if names is not None:
        assert expected == names
    assert {f.path for f in files} == expected
    assert all((f.size, f.modified) == (None, None) for f in files)


async def test_find_job_file_without_any_3mf(socket_enabled: None) -> None:
    """No subtask name and no 3MF on the printer -> None (not some other file)."""
    files = {"/cache/": b"", "/cache/part.gcode": b"G28\n", "/notes.txt": b"x"}
    async with BambuSimulator(files=files) as sim:
        client = _client(sim)
        assert {f.path for f in await client.async_list_files(("/cache", "/"))} == {
            "/cache/part.gcode",
            "/notes.txt",
        }
        assert await client.async_find_job_file(None, None) is None


async def test_download_without_size_still_enforces_the_limit(
    sim: BambuSimulator, tmp_path: Path
) -> None:
    """SIZE unsupported (502): the byte limit is enforced while streaming."""
    _answer(sim, "SIZE", "502 Command not implemented.")
    client = _client(sim)
    with pytest.raises(FileTransferError, match="100 byte limit"):
        await client.async_download_file("/cube.gcode.3mf", tmp_path / "a", max_bytes=100)
    original = (await sim.list_files())["/cube.gcode.3mf"]
    assert await client.async_download_file("/cube.gcode.3mf", tmp_path / "b") == len(original)
    assert (tmp_path / "b").read_bytes() == original


async def test_download_with_busy_size_answer(sim: BambuSimulator, tmp_path: Path) -> None:
    """A 4xx answer to SIZE means 'size unknown', the file is still downloaded."""
    _answer(sim, "SIZE", "450 Busy, try later.")
    original = (await sim.list_files())["/cube.gcode.3mf"]
    written = await _client(sim).async_download_file("/cube.gcode.3mf", tmp_path / "c")
    assert written == len(original)
    assert (tmp_path / "c").read_bytes() == original


async def test_download_size_mismatch(sim: BambuSimulator, tmp_path: Path) -> None:
    """Fewer bytes than SIZE announced -> FileTransferError naming both counts."""
    original = (await sim.list_files())["/cube.gcode.3mf"]
    _answer(sim, "SIZE", f"213 {len(original) + 10}")
    with pytest.raises(FileTransferError, match=f"got {len(original)} of {len(original) + 10}"):
        await _client(sim).async_download_file("/cube.gcode.3mf", tmp_path / "d")


async def test_download_refused_retr(sim: BambuSimulator, tmp_path: Path) -> None:
    """SIZE works but RETR is refused -> FileTransferError 'cannot download'."""
    _refuse(sim, "RETR")
    with pytest.raises(FileTransferError, match="cannot download /cube.gcode.3mf"):
        await _client(sim).async_download_file("/cube.gcode.3mf", tmp_path / "e")


async def test_login_refused_otherwise_is_a_connection_error(sim: BambuSimulator) -> None:
    """A PASS answered with 500 (not 530) is no auth error but a PrinterConnectionError."""
    _refuse(sim, "PASS")
    with pytest.raises(PrinterConnectionError, match="500"):
        await _client(sim).async_list_files(("/",))


@contextlib.asynccontextmanager
async def _tcp_server(greeting: bytes | None) -> AsyncIterator[int]:
    """A plain TCP server on 127.0.0.1: sends `greeting` (or nothing) and holds the line."""
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        with contextlib.suppress(ConnectionError):  # the client may reset the line
            if greeting is not None:
                writer.write(greeting)
                await writer.drain()
            await reader.read()  # until the client hangs up

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_tls_handshake_timeout(socket_enabled: None) -> None:
    """A port that accepts but never speaks TLS -> PrinterTimeoutError after `timeout`."""
    async with _tcp_server(None) as port:
        client = BambuFtpClient(host="127.0.0.1", port=port, access_code="x", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(PrinterTimeoutError):
            await client.async_list_files(("/",))
        assert time.monotonic() - started < 1.5
        assert client.fingerprint is None


async def test_plain_ftp_instead_of_tls(socket_enabled: None) -> None:
    """A plain-text FTP banner where TLS is expected -> PrinterConnectionError."""
    async with _tcp_server(b"220 plain FTP here\r\n" * 50) as port:
        client = BambuFtpClient(host="127.0.0.1", port=port, access_code="x", timeout=2)
        with pytest.raises(PrinterConnectionError):
            await client.async_list_files(("/",))


async def test_repr_hides_the_access_code(sim: BambuSimulator) -> None:
    """repr names host and port only."""
    client = _client(sim, access_code="secret-code")
    assert repr(client) == f"<BambuFtpClient 127.0.0.1:{sim.ftp_port}>"
    assert "secret-code" not in repr(client)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "lrwxrwxrwx 1 root root 10 Jan 05 10:00 latest.3mf -> /cache/a.3mf",
            ("latest.3mf", False, 10, datetime(2026, 1, 5, 10, 0, tzinfo=UTC)),
        ),
        ("-rw-r--r-- 1 ftp ftp 7 Feb 30 2023 bad-date.3mf", ("bad-date.3mf", False, 7, None)),
        ("-rw-r--r-- 1 ftp ftp 7 Feb 30 10:00 bad-day.3mf", ("bad-day.3mf", False, 7, None)),
        ("-rw-r--r-- 1 ftp ftp 7 Foo 03 10:00 odd-month.3mf", ("odd-month.3mf", False, 7, None)),
    ],
)
def test_parse_list_line_edge_cases(line: str, expected: Any) -> None:
    """Symlinks keep their own name; impossible dates and unknown months give no time."""
    assert parse_list_line(line, now=NOW) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "type=file;size=12;modify=20250101120000; a b.3mf",
            ("a b.3mf", False, 12, datetime(2025, 1, 1, 12, 0, tzinfo=UTC)),
        ),
        ("Type=DIR;Modify=garbage; sub", ("sub", True, None, None)),
        ("type=cdir; .", None),
        ("type=pdir; ..", None),
        ("type=file;size=12;", None),
    ],
)
def test_parse_mlsd_line(line: str, expected: Any) -> None:
    """MLSD facts are case-insensitive; cdir/pdir and name-less lines are skipped."""
    assert _parse_mlsd_line(line) == expected
