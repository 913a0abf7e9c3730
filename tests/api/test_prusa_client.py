"""PrusaLinkClient against the PrusaLink simulator over real sockets (both builds)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import json
import os
import pathlib
import threading
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.printernizer.api.errors import (
    FileTransferError,
    NotAPrinterError,
    PrinterAuthError,
    PrinterCommandError,
    PrinterConnectionError,
    PrinterError,
    PrinterJobNotFoundError,
    PrinterStateConflictError,
    PrinterTimeoutError,
)
from custom_components.printernizer.api.models import MaterialUsage, PrinterStatus
from custom_components.printernizer.api.prusa.client import PrusaLinkClient, _RequestSlot
from custom_components.printernizer.api.prusa.parse import parse_snapshot
from tests.simulators.gcodefiles import make_bgcode, make_gcode
from tests.simulators.prusa import PrusaLinkSimulator

PASSWORD = "secretpass123"
CABLE = "cable_clip_x8_0.4n_0.2mm_PETG_COREONE_2h17m.bgcode"


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant would hand in."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture(params=["buddy", "pi"])
async def sim(
    request: pytest.FixtureRequest, socket_enabled: None
) -> AsyncIterator[PrusaLinkSimulator]:
    """A running simulator of each build."""
    async with PrusaLinkSimulator(flavour=request.param, password=PASSWORD) as simulator:
        yield simulator


def _client(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator, **kwargs: Any
) -> PrusaLinkClient:
    kwargs.setdefault("password", PASSWORD)
    return PrusaLinkClient(session, sim.host, port=sim.port, **kwargs)


def test_host_normalisation() -> None:
    """Scheme, trailing slash and an explicit port in the host field are all accepted."""
    session: Any = None
    for host, port, expected in [
        ("192.168.1.20", 80, "http://192.168.1.20"),
        ("http://192.168.1.20/", 80, "http://192.168.1.20"),
        ("192.168.1.20:8080", 80, "http://192.168.1.20:8080"),
        ("http://mk4.local:8081/", 80, "http://mk4.local:8081"),
        ("  coreone  ", 8080, "http://coreone:8080"),
    ]:
        client = PrusaLinkClient(session, host, port=port, password="x")
        assert client.base_url == expected


async def test_printer_info_with_digest(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator
) -> None:
    """Digest login (first request challenged once), serial, flavour, firmware."""
    client = _client(session, sim)
    info = await client.async_get_printer_info()
    assert info.serial == "10589-3742441631047196"
    assert client.flavour == sim.flavour
    assert info.hostname == "coreone-sim"
    if sim.flavour == "buddy":
        assert info.firmware == "6.5.2+12610"
        assert info.model == "Core One"  # `printer` "7.1.0" in /api/version
        assert info.name is None
    else:
        assert info.firmware == "3.14.1-7982"
        assert info.model == "MK3S"
        assert info.name == "coreone-sim"
    # one challenge for the first request, no failed digest: `algorithm=` was not sent
    # (the simulator rejects it, like Buddy < 5.2) and the nonce was reused for /api/v1/info
    assert client.auth_retries == 1
    assert sim.challenges == 1
    assert sim.auth_failures == 0
    assert [path for _, _, path in sim.requests] == ["/api/version", "/api/v1/info"]


async def test_wrong_password(session: aiohttp.ClientSession, sim: PrusaLinkSimulator) -> None:
    """A wrong password is PrinterAuthError after exactly one digest attempt."""
    client = _client(session, sim, password="wrong-password")
    with pytest.raises(PrinterAuthError):
        await client.async_get_status()
    assert sim.auth_failures == 1
    assert sim.requests == []


async def test_no_password_is_auth_error(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator
) -> None:
    """Without any credentials the challenge cannot be answered."""
    client = PrusaLinkClient(session, sim.host, port=sim.port)
    with pytest.raises(PrinterAuthError):
        await client.async_get_version()


async def test_stale_nonce_is_renewed(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator
) -> None:
    """After the nonce expires (300 s on Buddy) one stale 401 is answered transparently."""
    client = _client(session, sim)
    await client.async_get_status()
    assert (client.auth_retries, sim.auth_failures) == (1, 0)
    await client.async_get_status()
    assert (client.auth_retries, sim.auth_failures) == (1, 0)  # nonce reused
    sim.expire_nonces()
    status = await client.async_get_status()
    assert status["printer"]["state"] == "IDLE"
    assert client.auth_retries == 2
    assert sim.auth_failures == 1  # the stale digest really was refused once
    assert len(sim.requests) == 3


@pytest.mark.parametrize("flavour", ["buddy", "pi"])
async def test_api_key(session: aiohttp.ClientSession, flavour: str, socket_enabled: None) -> None:
    """X-Api-Key: Buddy takes the password, the Pi its own key; a wrong key is an auth error."""
    key = "0123456789abcdef"
    async with PrusaLinkSimulator(flavour=flavour, password=PASSWORD, api_key=key) as sim:
        client = PrusaLinkClient(session, sim.base_url, api_key=key)
        info = await client.async_get_printer_info()
        assert info.serial == sim.serial
        assert client.auth_retries == 0
        assert sim.challenges == 0
        bad = PrusaLinkClient(session, sim.base_url, api_key="not-the-key")
        with pytest.raises(PrinterAuthError):
            await bad.async_get_status()
        assert sim.auth_failures == 1


async def test_job_flow(session: aiohttp.ClientSession, sim: PrusaLinkSimulator) -> None:
    """Start, poll, pause, resume, cancel; conflicts and wrong ids raise typed errors."""
    client = _client(session, sim)
    assert await client.async_get_job() is None
    with pytest.raises(PrinterStateConflictError):
        await client.async_pause_job(sim.last_job_id)  # idle
    job_id = sim.start_job()
    sim.set_progress(46.0, time_printing=3712, time_remaining=4380)
    status, job = await client.async_get_status(), await client.async_get_job()
    assert job is not None
    snap = parse_snapshot(status, job)
    assert snap.status is PrinterStatus.PRINTING
    assert snap.job_id == str(job_id)
    assert snap.progress == 46.0
    assert snap.remaining_minutes == 73
    assert snap.job_name == job["file"]["display_name"]
    assert snap.file_path == job["file"]["refs"]["download"]

    with pytest.raises(PrinterJobNotFoundError):
        await client.async_pause_job(job_id + 5)
    with pytest.raises(PrinterStateConflictError):
        await client.async_resume_job(job_id)  # not paused
    await client.async_pause_job(job_id)
    assert sim.state == "PAUSED"
    snap = parse_snapshot(await client.async_get_status(), None, previous=snap)
    assert snap.status is PrinterStatus.PAUSED
    assert snap.job_name == job["file"]["display_name"]
    await client.async_resume_job(job_id)
    assert sim.state == "PRINTING"
    await client.async_cancel_job(job_id)
    assert sim.state == "STOPPED"
    snap = parse_snapshot(
        await client.async_get_status(), await client.async_get_job(), previous=snap
    )
    assert snap.status is PrinterStatus.FAILED
    assert snap.job_id == str(job_id)


async def test_attention_after_finish(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    """Newer Buddy: ATTENTION with the job at 100 % and 0 s left reads as finished."""
    async with PrusaLinkSimulator(flavour="buddy", password=PASSWORD) as sim:
        client = _client(session, sim)
        sim.start_job()
        sim.set_progress(80.0)
        running = parse_snapshot(await client.async_get_status(), await client.async_get_job())
        sim.finish_job(attention=True)
        snap = parse_snapshot(await client.async_get_status(), None, previous=running)
        assert snap.raw_state == "ATTENTION"
        assert snap.status is PrinterStatus.FINISHED
        assert snap.job_name == CABLE


async def test_list_files_and_etag(session: aiohttp.ClientSession, sim: PrusaLinkSimulator) -> None:
    """Every storage and folder; the second listing is answered 304 from the ETag cache."""
    client = _client(session, sim)
    files = {f.path: f for f in await client.async_list_files()}
    if sim.flavour == "buddy":
        assert set(files) == {
            f"/usb/{CABLE}",
            "/usb/spool_holder_0.4n_0.15mm_PLA_COREONE_5h02m.bgcode",
            "/usb/calibration/first_layer_0.4n_PLA_COREONE.gcode",
        }  # the .bbf firmware is not listed
        cable = files[f"/usb/{CABLE}"]
        assert cable.name == "CABLEC~1.BGC"
        assert cable.download_ref == "/usb/CABLEC~1.BGC"
        assert cable.thumbnail_ref == "/thumb/l/usb/CABLEC~1.BGC"
        assert cable.size is None  # Buddy listings carry no size
        assert cable.storage == "usb"
        assert not cable.read_only
        assert cable.modified is not None
        assert cable.modified.timestamp() == 1752398114
        nested = files["/usb/calibration/first_layer_0.4n_PLA_COREONE.gcode"]
        assert nested.download_ref is not None
        assert nested.download_ref.startswith("/usb/CALIBR~1/")
        folders = 2
    else:
        bracket = files["/local/bracket_v3_0.2mm_PLA_MK3S_1h12m.gcode"]
        assert bracket.download_ref == (
            "/api/files/local/PrusaLink gcodes/bracket_v3_0.2mm_PLA_MK3S_1h12m.gcode/raw"
        )
        assert bracket.size == len(sim.files["/local/bracket_v3_0.2mm_PLA_MK3S_1h12m.gcode"])
        assert "/local/parts/hinge_0.2mm_PETG_MK3S.gcode" in files
        sd = files["/sdcard/BENCHY.GCO"]
        assert sd.read_only
        assert sd.download_ref is None  # SD card files cannot be downloaded
        folders = 3  # /local, /local/parts, /sdcard
    requests_before = len(sim.requests)
    again = {f.path: f for f in await client.async_list_files()}
    assert again == files
    assert client.not_modified == folders
    assert len(sim.requests) - requests_before == folders + 1  # storage + each folder, 304s

    sim.add_file(f"/{'usb' if sim.flavour == 'buddy' else 'local'}/new_part.gcode", make_gcode())
    third = await client.async_list_files()
    assert len(third) == len(files) + 1
    assert client.not_modified < 2 * folders  # the changed folder was fetched again


async def test_download_bytes(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator, tmp_path: pathlib.Path
) -> None:
    """refs.download gives the file's exact bytes (GCDE for bgcode), not the JSON metadata."""
    client = _client(session, sim)
    remote = [f for f in await client.async_list_files() if f.download_ref]
    for file in remote:
        dest = tmp_path / file.name
        assert file.download_ref is not None
        size = await client.async_download_file(file.download_ref, dest)
        key = file.download_ref if sim.flavour == "buddy" else file.path
        expected = sim.files[key]
        assert size == len(expected)
        assert dest.read_bytes() == expected
        if file.name.lower().endswith((".bgc", ".bgcode")):
            assert expected.startswith(b"GCDE")
        # Buddy listings have no size; the file's own metadata has it
        assert await client.async_get_file_size(file.download_ref) == len(expected)
    assert len(remote) >= 2
    assert await client.async_get_file_size("/usb/UNKNOWN.BGC") is None


async def test_download_refuses_json_and_cut(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator, tmp_path: pathlib.Path
) -> None:
    """A metadata URL (JSON) or a cut transfer is FileTransferError and leaves no file."""
    client = _client(session, sim)
    file = next(f for f in await client.async_list_files() if f.download_ref)
    assert file.download_ref is not None
    dest = tmp_path / "out"
    json_url = "/api/v1/files" + (file.download_ref if sim.flavour == "buddy" else file.path)
    with pytest.raises(FileTransferError, match="JSON"):
        await client.async_download_file(json_url, dest)
    assert not dest.exists()

    sim.cut_download_after = {file.download_ref: 1000}
    with pytest.raises(FileTransferError):
        await client.async_download_file(file.download_ref, dest)
    assert not dest.exists()
    sim.cut_download_after = {}
    with pytest.raises(FileTransferError, match="exceed|more than"):
        await client.async_download_file(file.download_ref, dest, max_bytes=100)
    with pytest.raises(FileTransferError, match="of 5 bytes"):
        await client.async_download_file(file.download_ref, dest, expected_size=5)
    assert not dest.exists()
    with pytest.raises(FileTransferError, match="not found"):
        await client.async_download_file(file.download_ref + "X", dest)
    # the client still works afterwards (lock released, connection pool sane)
    assert (await client.async_get_status())["printer"]["state"] == "IDLE"


async def test_download_reports_blocks_from_the_writer_thread(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator, tmp_path: pathlib.Path
) -> None:
    """on_block sees exactly the file's bytes in order, off the event loop; if it fails, the
    download fails and leaves no file."""
    client = _client(session, sim)
    storage = "usb" if sim.flavour == "buddy" else "local"
    content = os.urandom(3 * 1024 * 1024 + 4321)  # several write blocks and a short tail
    sim.add_file(f"/{storage}/blocks.gcode", content)
    file = next(f for f in await client.async_list_files() if f.display_name == "blocks.gcode")
    assert file.download_ref is not None
    pieces: list[bytes] = []
    threads: set[int] = set()

    def on_block(block: bytes | bytearray | memoryview) -> None:
        pieces.append(bytes(block))
        threads.add(threading.get_ident())

    dest = tmp_path / "blocks.gcode"
    assert await client.async_download_file(file.download_ref, dest, on_block=on_block) == len(
        content
    )
    assert b"".join(pieces) == content
    assert dest.read_bytes() == content
    assert len(pieces) > 1
    assert threading.get_ident() not in threads  # never in the event loop

    def broken(block: bytes | bytearray | memoryview) -> None:
        raise RuntimeError("hash failed")

    dest.unlink()
    with pytest.raises(RuntimeError, match="hash failed"):
        await client.async_download_file(file.download_ref, dest, on_block=broken)
    assert not dest.exists()
    assert (await client.async_get_status())["printer"]["state"] == "IDLE"  # lock released


async def test_thumbnail(session: aiohttp.ClientSession, sim: PrusaLinkSimulator) -> None:
    """refs.thumbnail is a PNG; a file without preview gives None."""
    client = _client(session, sim)
    storage = "usb" if sim.flavour == "buddy" else "local"
    sim.add_file(f"/{storage}/plain.gcode", b"G28\nG1 X1\n")
    files = {f.display_name: f for f in await client.async_list_files()}
    with_preview = next(
        f for f in files.values() if f.thumbnail_ref and f.display_name != "plain.gcode"
    )
    assert with_preview.thumbnail_ref is not None
    png = await client.async_get_thumbnail(with_preview.thumbnail_ref)
    assert png is not None
    assert png.startswith(b"\x89PNG")
    plain = files["plain.gcode"]
    ref = plain.thumbnail_ref or "/api/thumbnails/PrusaLink gcodes/plain.gcode.orig.png"
    assert await client.async_get_thumbnail(ref) is None


async def test_read_metadata_bgcode_stops_early(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Over HTTP, a 3 MB bgcode is read only up to its first G-code block."""
    big = make_bgcode(
        materials=[("PETG", 21.37), ("PLA", 4.2)], estimated_s=8224, gcode_bytes=3_000_000
    )
    async with PrusaLinkSimulator(
        flavour="buddy", password=PASSWORD, files={"/usb/big_part.bgcode": big}
    ) as sim:
        client = _client(session, sim)
        file = (await client.async_list_files())[0]
        assert file.download_ref is not None
        meta = await client.async_read_metadata(file.download_ref)
        assert meta.materials == (MaterialUsage("PETG", 21.37), MaterialUsage("PLA", 4.2))
        assert meta.estimated_seconds == 8224
        assert meta.thumbnail_png is not None
        assert 0 < client.last_metadata_bytes < len(big) // 10
        # the connection was dropped mid-file; the next request works
        assert (await client.async_get_status())["printer"]["state"] == "IDLE"


async def test_read_metadata_gcode_reads_to_end(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Plain G-code keeps its stats at the end: the whole file is streamed (Pi refs)."""
    data = make_gcode(materials=[("PLA", 18.59)], estimated_s=4328, padding_lines=20000)
    async with PrusaLinkSimulator(
        flavour="pi", password=PASSWORD, files={"/local/x y.gcode": data}
    ) as sim:
        client = _client(session, sim)
        file = next(f for f in await client.async_list_files() if f.download_ref)
        assert file.download_ref == "/api/files/local/PrusaLink gcodes/x y.gcode/raw"
        meta = await client.async_read_metadata(file.download_ref)
        assert meta.materials == (MaterialUsage("PLA", 18.59),)
        assert meta.estimated_seconds == 4328
        assert client.last_metadata_bytes == len(data)


async def test_one_request_and_one_transfer_in_flight(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator, tmp_path: pathlib.Path
) -> None:
    """Many tasks at once: the printer sees at most one short request of this client plus
    one transfer (downloads and metadata streams take turns), never more."""
    client = _client(session, sim)
    sim.delay = 0.02
    ref = next(f for f in await client.async_list_files() if f.download_ref).download_ref
    assert ref is not None
    calls = [client.async_get_status() for _ in range(6)]
    calls += [client.async_get_job(), client.async_get_info(), client.async_list_files()]
    calls += [client.async_download_file(ref, tmp_path / "d"), client.async_read_metadata(ref)]
    calls += [client.async_download_file(ref, tmp_path / "e")]
    results = await asyncio.gather(*calls)
    assert len(results) == 12
    assert sim.max_transfers_in_flight == 1
    assert sim.max_in_flight == 2


async def test_polls_and_commands_do_not_wait_for_a_transfer(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator, tmp_path: pathlib.Path
) -> None:
    """Defect 1 at the client: while a slow download runs, a status poll and a pause go
    through at once, and the download still completes byte for byte."""
    content = os.urandom(1024 * 1024)
    sim.add_file(f"/{'usb' if sim.flavour == 'buddy' else 'local'}/slow.gcode", content)
    client = _client(session, sim)
    file = next(f for f in await client.async_list_files() if f.display_name == "slow.gcode")
    assert file.download_ref is not None
    sim.start_job()
    sim.throttle_bps = 400_000  # ~2.6 s for the file
    loop = asyncio.get_running_loop()
    download = asyncio.ensure_future(client.async_download_file(file.download_ref, tmp_path / "s"))
    async with asyncio.timeout(5):
        while True:
            if sim.transfers_in_flight:
                break
            await asyncio.sleep(0.01)
    began = loop.time()
    assert (await client.async_get_status())["printer"]["state"] == "PRINTING"
    await client.async_pause_job(sim.job_id or 0)
    assert loop.time() - began < 0.5
    assert sim.state == "PAUSED"
    assert not download.done()
    assert await download == len(content)
    assert (tmp_path / "s").read_bytes() == content


async def test_a_command_goes_before_waiting_polls(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator
) -> None:
    """Polls queued behind a slow request wait for a Stop pressed after them."""
    client = _client(session, sim)
    await client.async_get_status()  # logged in
    sim.start_job()
    sim.delay = 0.1
    first = asyncio.ensure_future(client.async_get_status())
    await asyncio.sleep(0.02)  # the first poll holds the slot
    polls = [asyncio.ensure_future(client.async_get_status()) for _ in range(3)]
    await asyncio.sleep(0)
    stop = asyncio.ensure_future(client.async_cancel_job(sim.job_id or 0))
    await asyncio.gather(first, stop, *polls)
    order = [method for _, method, path in sim.requests[-5:]]
    assert order == ["GET", "DELETE", "GET", "GET", "GET"]


async def test_request_slot_survives_cancelled_waiters() -> None:
    """A waiter cancelled while waiting, or just as the slot was handed to it, passes the slot
    on: the next caller gets it at once."""
    slot = _RequestSlot()
    entered: list[str] = []

    async def take(name: str) -> None:
        async with slot.hold():
            entered.append(name)

    async with slot.hold():
        waiting = asyncio.ensure_future(take("waiting"))
        handed = asyncio.ensure_future(take("handed"))
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.sleep(0)
    # leaving handed the slot to `handed`, which is cancelled before it could run
    handed.cancel()
    for task in (waiting, handed):
        with pytest.raises(asyncio.CancelledError):
            await task
    async with asyncio.timeout(1):
        await take("next")
    assert entered == ["next"]


async def test_slow_printer_times_out_without_blocking_another(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """A hung printer times out quickly; another printer keeps answering meanwhile."""
    async with (
        PrusaLinkSimulator(flavour="buddy", password=PASSWORD) as slow_sim,
        PrusaLinkSimulator(flavour="buddy", password=PASSWORD) as fast_sim,
    ):
        slow = _client(session, slow_sim, request_timeout=0.5)
        fast = _client(session, fast_sim, request_timeout=0.5)
        slow_sim.delay = 12.0
        loop = asyncio.get_running_loop()
        start = loop.time()
        done: dict[str, float] = {}

        async def slow_call() -> None:
            with pytest.raises(PrinterTimeoutError):
                await slow.async_get_status()
            done["slow"] = loop.time() - start

        async def fast_calls() -> None:
            for _ in range(3):
                await fast.async_get_status()
            done["fast"] = loop.time() - start

        await asyncio.gather(slow_call(), fast_calls())
        assert done["fast"] < 0.4 < done["slow"] < 2.0
        # the timeout counts from when the request starts, not while waiting for the lock:
        # five queued calls take ~0.9 s in all, each one well under its 0.5 s
        slow_sim.delay = 0.15
        begin = loop.time()
        results = await asyncio.gather(
            *(slow.async_get_status() for _ in range(5)), return_exceptions=True
        )
        assert loop.time() - begin > 0.5
        assert all(isinstance(r, dict) for r in results), results


async def test_offline_printer(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    """A printer that hangs up or is gone is PrinterConnectionError."""
    async with PrusaLinkSimulator(flavour="buddy", password=PASSWORD) as sim:
        client = _client(session, sim)
        await client.async_get_status()
        sim.offline = True
        with pytest.raises(PrinterConnectionError):
            await client.async_get_status()
        port = sim.port
    gone = PrusaLinkClient(session, "127.0.0.1", port=port, password=PASSWORD)
    with pytest.raises(PrinterConnectionError):
        await gone.async_get_status()


@pytest.fixture(params=["html", "foreign-json", "missing"])
async def not_a_printer(request: pytest.FixtureRequest, socket_enabled: None) -> AsyncIterator[str]:
    """A web server that is not PrusaLink: a router page, another API, or nothing (404)."""

    async def version(_request: web.Request) -> web.Response:
        if request.param == "html":
            return web.Response(text="<html><body>login</body></html>", content_type="text/html")
        return web.json_response({"server": "1.9.0", "safemode": None})

    app = web.Application()
    if request.param != "missing":
        app.router.add_get("/api/version", version)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        await runner.cleanup()


async def test_not_a_printer(session: aiohttp.ClientSession, not_a_printer: str) -> None:
    """HTML, foreign JSON or 404 at /api/version is NotAPrinterError."""
    client = PrusaLinkClient(session, not_a_printer, password=PASSWORD)
    with pytest.raises(NotAPrinterError):
        await client.async_get_printer_info()


# -- edge cases: host forms, odd answers, faults -------------------------------------------------


class _FaultySim(PrusaLinkSimulator):
    """The simulator with per-request overrides for answers real firmware gives under faults.

    Auth, bookkeeping and every other route stay the simulator's own; only a matching
    (method, path) is answered by the override.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.overrides: dict[
            tuple[str, str], Callable[[web.Request], Awaitable[web.StreamResponse]]
        ]
        self.overrides = {}
        self.seen_headers: list[tuple[str, dict[str, str]]] = []

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.seen_headers.append((request.path, dict(request.headers)))
        handler = self.overrides.get((request.method, request.path))
        if handler is not None:
            return await handler(request)
        return await super()._dispatch(request)


def _answer(
    status: int, body: bytes = b"", content_type: str = "application/json", **headers: str
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, content_type=content_type, headers=headers)

    return handler


@pytest.fixture
async def faulty(socket_enabled: None) -> AsyncIterator[_FaultySim]:
    """A Buddy simulator whose answers a test can override per path."""
    async with _FaultySim(flavour="buddy", password=PASSWORD) as simulator:
        yield simulator


def test_host_normalisation_edge_cases() -> None:
    """Scheme case, a foreign scheme and an https URL with its port; no host is an error."""
    session: Any = None
    for host, expected in [
        ("HTTP://MK4.local:81", "http://mk4.local:81"),
        ("ftp://mk4.local", "http://mk4.local"),  # only http(s) make sense: fall back to http
        ("https://mk4.local:8443/", "https://mk4.local:8443"),
        ("https://mk4.local/", "https://mk4.local"),  # 443, not the plain-HTTP default 80
    ]:
        client = PrusaLinkClient(session, host, password="x")
        assert client.base_url == expected
        assert client.host == "mk4.local"
    for empty in ("", "   ", "/", "http://", "https://"):
        with pytest.raises(ValueError, match="no host"):
            PrusaLinkClient(session, empty, password="x")


async def test_pi_api_key_forbidden_is_not_an_auth_error(
    session: aiohttp.ClientSession, socket_enabled: None, tmp_path: pathlib.Path
) -> None:
    """Pi + X-Api-Key: a wrong key (403 naming the key) is an auth error on any path, but a 403
    for a forbidden resource with the right key (SD card download) is a failed download, as
    with Digest auth, not blamed on the key."""
    key = "0123456789abcdef"
    async with PrusaLinkSimulator(flavour="pi", password=PASSWORD, api_key=key) as sim:
        bad = PrusaLinkClient(session, sim.base_url, api_key="wrong")
        with pytest.raises(PrinterAuthError, match="API key"):
            await bad.async_get_version()
        with pytest.raises(PrinterAuthError, match="API key"):
            await bad.async_get_storage()
        assert sim.auth_failures == 2
        good = PrusaLinkClient(session, sim.base_url, api_key=key)
        ref = "/api/files/sdcard/SD Card/BENCHY.GCO/raw"
        with pytest.raises(FileTransferError, match="download failed with HTTP 403"):
            await good.async_download_file(ref, tmp_path / "sd")
        assert not (tmp_path / "sd").exists()
        assert sim.auth_failures == 2  # not counted against the key
        # the same refusal with Digest auth is the same failed download
        digest = _client(session, sim)
        with pytest.raises(FileTransferError, match="download failed with HTTP 403"):
            await digest.async_download_file(ref, tmp_path / "sd")
        assert (await good.async_get_status())["printer"]["state"] == "IDLE"


async def test_non_digest_challenge_is_auth_error(
    session: aiohttp.ClientSession, faulty: _FaultySim
) -> None:
    """A 401 offering only Basic auth cannot be answered with the password: auth error, once."""
    faulty.overrides["GET", "/api/v1/status"] = _answer(
        401, b"{}", **{"WWW-Authenticate": 'Basic realm="x"'}
    )
    client = _client(session, faulty)
    with pytest.raises(PrinterAuthError, match="no usable Digest challenge"):
        await client.async_get_status()
    assert [p for p, _ in faulty.seen_headers] == ["/api/v1/status"]


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "match"),
    [
        (500, b'{"title": "Internal"}', "application/json", PrinterConnectionError, "HTTP 500"),
        (503, b"busy", "text/plain", PrinterConnectionError, "HTTP 503"),
        (302, b"", "text/html", PrinterError, "unexpected HTTP 302"),
        (200, b"<html>login</html>", "text/html", NotAPrinterError, "did not answer JSON"),
        (200, b"[1, 2]", "application/json", NotAPrinterError, "did not answer a JSON object"),
        (404, b"{}", "application/json", NotAPrinterError, "not a PrusaLink printer"),
    ],
)
async def test_odd_answers_on_json_endpoints(
    session: aiohttp.ClientSession,
    faulty: _FaultySim,
    status: int,
    body: bytes,
    content_type: str,
    error: type[Exception],
    match: str,
) -> None:
    """5xx is a connection problem, 3xx a generic error, non-JSON / non-object is not PrusaLink."""
    faulty.overrides["GET", "/api/v1/status"] = _answer(status, body, content_type)
    client = _client(session, faulty)
    with pytest.raises(error, match=match) as caught:
        await client.async_get_status()
    if error is PrinterError:
        assert type(caught.value) is PrinterError
    # the other endpoints of the same client are unaffected
    assert (await client.async_get_info())["serial"] == faulty.serial


async def test_printer_info_odd_version_status(
    session: aiohttp.ClientSession, faulty: _FaultySim
) -> None:
    """An odd status on /api/version means "not a printer"; a 5xx stays a connection error."""
    client = _client(session, faulty)
    faulty.overrides["GET", "/api/version"] = _answer(400, b"bad", "text/plain")
    with pytest.raises(NotAPrinterError, match="unexpected HTTP 400"):
        await client.async_get_printer_info()
    faulty.overrides["GET", "/api/version"] = _answer(503, b"", "text/plain")
    with pytest.raises(PrinterConnectionError):
        await client.async_get_printer_info()
    assert client.flavour is None  # never identified
    del faulty.overrides["GET", "/api/version"]
    assert (await client.async_get_printer_info()).serial == faulty.serial
    assert client.flavour == "buddy"


async def test_job_command_errors(session: aiohttp.ClientSession, faulty: _FaultySim) -> None:
    """A 5xx on a job command is a connection error, any other refusal a command error."""
    client = _client(session, faulty)
    job_id = faulty.start_job()
    faulty.overrides["PUT", f"/api/v1/job/{job_id}/pause"] = _answer(500, b"{}")
    with pytest.raises(PrinterConnectionError, match="HTTP 500"):
        await client.async_pause_job(job_id)
    faulty.overrides["PUT", f"/api/v1/job/{job_id}/pause"] = _answer(400, b"{}")
    with pytest.raises(PrinterCommandError, match="refused with HTTP 400"):
        await client.async_pause_job(job_id)
    assert faulty.state == "PRINTING"  # nothing happened
    del faulty.overrides["PUT", f"/api/v1/job/{job_id}/pause"]
    await client.async_pause_job(job_id)
    assert faulty.state == "PAUSED"


async def test_storage_and_listing_oddities(
    session: aiohttp.ClientSession, faulty: _FaultySim
) -> None:
    """Unavailable or unnamed storages are skipped; junk children are ignored, not fatal."""
    storages = {
        "storage_list": [
            "junk",
            {"path": 5},
            {"path": "/", "available": True},
            {"path": "/sd/", "available": False},
            {"path": "/usb/", "available": True},
        ]
    }
    faulty.overrides["GET", "/api/v1/storage"] = _answer(200, json.dumps(storages).encode())
    client = _client(session, faulty)
    assert len(await client.async_get_storage()) == 4  # the non-object entry is dropped
    files = await client.async_list_files()
    assert {f.storage for f in files} == {"usb"}
    assert len(files) == 3
    listed = [p for p, _ in faulty.seen_headers if p.startswith("/api/v1/files")]
    assert "/api/v1/files/sd/" not in listed
    # a listing with odd children: non-object, nameless, and `children` not a list
    listing = {"children": ["x", {"type": "PRINT_FILE"}, {"name": "A.GCO", "size": True}]}
    faulty.overrides["GET", "/api/v1/files/usb/"] = _answer(200, json.dumps(listing).encode())
    only = await client.async_list_files()
    assert [(f.name, f.size, f.download_ref, f.modified) for f in only] == [
        ("A.GCO", None, None, None)
    ]
    faulty.overrides["GET", "/api/v1/files/usb/"] = _answer(200, b'{"children": {}}')
    assert await client.async_list_files() == []


async def test_folder_cache_follows_etag_and_errors(
    session: aiohttp.ClientSession, faulty: _FaultySim
) -> None:
    """A nested folder answered without ETag is not cached; a vanished folder is an error and
    forgets its cached listing; a failing listing is FileTransferError."""
    client = _client(session, faulty)
    first = await client.async_list_files()
    await client.async_list_files()
    assert client.not_modified == 2  # /usb/ and /usb/CALIBR~1 both 304
    nested = next(  # the sub-folder's listing path, /api/v1/files/usb/CALIBR~1
        p for p, _ in faulty.seen_headers if p.startswith("/api/v1/files/usb/CALIBR")
    )

    async def no_etag(request: web.Request) -> web.StreamResponse:
        listing = faulty._listing(faulty._resolve(nested.removeprefix("/api/v1/files")) or "")
        return web.json_response(listing)

    faulty.overrides["GET", nested] = no_etag
    assert await client.async_list_files() == first
    faulty.seen_headers.clear()
    assert await client.async_list_files() == first
    sent = dict(faulty.seen_headers)
    assert "If-None-Match" not in sent[nested]  # no ETag: nothing cached to revalidate
    assert "If-None-Match" in sent["/api/v1/files/usb/"]

    del faulty.overrides["GET", nested]
    await client.async_list_files()  # cached again with its ETag
    faulty.overrides["GET", nested] = _answer(404, b"{}")
    with pytest.raises(FileTransferError, match="folder not found"):
        await client.async_list_files()
    del faulty.overrides["GET", nested]
    faulty.seen_headers.clear()
    assert await client.async_list_files() == first
    assert "If-None-Match" not in dict(faulty.seen_headers)[nested]

    faulty.overrides["GET", "/api/v1/files/usb/"] = _answer(500, b"{}")
    with pytest.raises(FileTransferError, match="listing failed with HTTP 500"):
        await client.async_list_files()


async def _chunked(request: web.Request, data: bytes) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(data), 4096):
        await response.write(data[start : start + 4096])
    await response.write_eof()
    return response


async def test_chunked_download_checks_size_lookup(
    session: aiohttp.ClientSession, faulty: _FaultySim, tmp_path: pathlib.Path
) -> None:
    """Without Content-Length the file's metadata size decides: equal passes, short fails and
    removes the file; max_bytes is enforced while streaming."""
    client = _client(session, faulty)
    file = next(f for f in await client.async_list_files() if f.name == "CABLEC~1.BGC")
    ref = file.download_ref
    assert ref is not None
    data = faulty.files[ref]
    faulty.overrides["GET", ref] = lambda request: _chunked(request, data)
    dest = tmp_path / "cable.bgcode"
    assert await client.async_download_file(ref, dest) == len(data)
    assert dest.read_bytes() == data
    assert faulty.seen_headers[-1][0] == "/api/v1/files" + ref  # the size lookup

    faulty.overrides["GET", ref] = lambda request: _chunked(request, data[:-10])
    with pytest.raises(FileTransferError, match=f"got {len(data) - 10} of {len(data)} bytes"):
        await client.async_download_file(ref, dest)
    assert not dest.exists()

    faulty.overrides["GET", ref] = lambda request: _chunked(request, data)
    with pytest.raises(FileTransferError, match="more than 5000 bytes"):
        await client.async_download_file(ref, dest, max_bytes=5000)
    assert not dest.exists()

    # an unlisted ref cannot be size-checked: the chunked bytes are taken as they are
    faulty.overrides["GET", "/usb/OTHER.BGC"] = lambda request: _chunked(request, b"G28\n")
    assert await client.async_download_file("/usb/OTHER.BGC", dest) == 4
    assert dest.read_bytes() == b"G28\n"


async def test_file_size_of_removed_file(
    session: aiohttp.ClientSession, sim: PrusaLinkSimulator
) -> None:
    """A listed file deleted on the printer meanwhile has no size (404), not an error."""
    client = _client(session, sim)
    file = next(f for f in await client.async_list_files() if f.download_ref)
    assert file.download_ref is not None
    assert await client.async_get_file_size(file.download_ref) is not None
    sim.remove_file(file.path)
    assert await client.async_get_file_size(file.download_ref) is None


async def test_download_timeout_and_hangup(
    session: aiohttp.ClientSession, socket_enabled: None, tmp_path: pathlib.Path
) -> None:
    """A download whose headers never come times out; a hang-up is a connection error."""
    async with PrusaLinkSimulator(flavour="buddy", password=PASSWORD) as sim:
        client = _client(session, sim, request_timeout=0.3)
        ref = next(f for f in await client.async_list_files() if f.download_ref).download_ref
        assert ref is not None
        sim.delay = 5.0
        with pytest.raises(PrinterTimeoutError, match="no answer in 0.3 s"):
            await client.async_download_file(ref, tmp_path / "x")
        sim.delay = 0.0
        sim.offline = True
        with pytest.raises(PrinterConnectionError, match=f"GET {ref}"):
            await client.async_read_metadata(ref)
        sim.offline = False
        assert not (tmp_path / "x").exists()
        assert (await client.async_get_status())["printer"]["state"] == "IDLE"


async def test_thumbnail_relative_ref_and_failures(
    session: aiohttp.ClientSession, faulty: _FaultySim
) -> None:
    """A ref without leading slash works; a 5xx or an oversized preview is FileTransferError."""
    client = _client(session, faulty)
    file = next(f for f in await client.async_list_files() if f.name == "CABLEC~1.BGC")
    assert file.thumbnail_ref is not None
    png = await client.async_get_thumbnail(file.thumbnail_ref.lstrip("/"))
    assert png is not None
    assert png.startswith(b"\x89PNG")
    assert faulty.seen_headers[-1][0] == file.thumbnail_ref
    faulty.overrides["GET", file.thumbnail_ref] = _answer(500, b"", "image/png")
    with pytest.raises(FileTransferError, match="thumbnail failed with HTTP 500"):
        await client.async_get_thumbnail(file.thumbnail_ref)
    huge = b"\x89PNG" + bytes(8 * 1024 * 1024)
    faulty.overrides["GET", file.thumbnail_ref] = _answer(200, huge, "image/png")
    with pytest.raises(FileTransferError, match="thumbnail larger than"):
        await client.async_get_thumbnail(file.thumbnail_ref)


async def test_read_metadata_gives_up_after_max_bytes(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Plain G-code has its stats at the end: a max_bytes below the file size stops the read."""
    data = make_gcode(padding_lines=20000)
    async with PrusaLinkSimulator(
        flavour="buddy", password=PASSWORD, files={"/usb/long.gcode": data}
    ) as sim:
        client = _client(session, sim)
        ref = (await client.async_list_files())[0].download_ref
        assert ref is not None
        with pytest.raises(FileTransferError, match="no metadata within 100000 bytes"):
            await client.async_read_metadata(ref, max_bytes=100_000)
        assert 100_000 < client.last_metadata_bytes < len(data)
        meta = await client.async_read_metadata(ref, max_bytes=len(data))
        assert meta.materials == (MaterialUsage("PETG", 21.37),)
