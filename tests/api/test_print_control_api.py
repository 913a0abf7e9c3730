"""Upload and start on both families' clients, against the simulators over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
import time

import aiohttp
import pytest

from custom_components.printernizer.api.bambu.client import BambuClient
from custom_components.printernizer.api.bambu.ftps import BambuFtpClient
from custom_components.printernizer.api.bambu.start import (
    ProjectFileStart,
    ams_mapping2,
    file_url,
    new_task_id,
    project_file_fields,
)
from custom_components.printernizer.api.errors import (
    FileTransferError,
    PrinterStateConflictError,
    RemoteFileExistsError,
    UnsafeRemoteNameError,
)
from custom_components.printernizer.api.metadata import read_plate_filaments
from custom_components.printernizer.api.prusa.client import PrusaLinkClient
from custom_components.printernizer.api.remotepath import check_path, join_remote
from tests.simulators.bambu import BambuSimulator
from tests.simulators.gcodefiles import make_bgcode
from tests.simulators.prusa import PrusaLinkSimulator
from tests.simulators.threemf import make_3mf

PASSWORD = "secretpass123"


@pytest.fixture
async def bambu(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    """A P1S that acknowledges commands."""
    async with BambuSimulator(model="P1S") as sim:
        yield sim


@pytest.fixture
async def prusa(socket_enabled: None) -> AsyncIterator[PrusaLinkSimulator]:
    """A Core One (Buddy firmware, Digest auth)."""
    async with PrusaLinkSimulator(flavour="buddy", password=PASSWORD) as sim:
        yield sim


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def _ftp(sim: BambuSimulator) -> BambuFtpClient:
    return BambuFtpClient(
        host=sim.host,
        port=sim.ftp_port,
        access_code=sim.access_code,
        fingerprint=sim.fingerprint,
        timeout=10.0,
    )


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------ names


def test_remote_names_checked() -> None:
    """Hostile names are refused, never repaired; folders are joined part by part."""
    assert join_remote(None, "cube.3mf") == "/cube.3mf"
    assert join_remote("/model/parts/", "Würfel 2.gcode.3mf") == "/model/parts/Würfel 2.gcode.3mf"
    assert check_path("usb/x.bgcode") == "/usb/x.bgcode"
    for bad in ("../x", "..", ".", "a\r\nDELE x", "a\x00b", " lead", "", "a/b", "x" * 256):
        with pytest.raises(UnsafeRemoteNameError):
            join_remote(None, bad)
    with pytest.raises(UnsafeRemoteNameError):
        check_path("/cache/../../etc/passwd")


def test_project_file_fields_per_model() -> None:
    """url per model, booleans, one id below 2^31, ams_mapping2 from the tray indexes."""
    start = ProjectFileStart(path="/model/cube.gcode.3mf", plate=2, ams_mapping=(0, 5, -1))
    p1 = project_file_fields(start, "P1S", "123")
    assert p1["url"] == "file:///sdcard/model/cube.gcode.3mf"
    assert p1["param"] == "Metadata/plate_2.gcode"
    assert p1["subtask_name"] == "cube"
    assert p1["file"] == "cube.gcode.3mf"
    assert (p1["task_id"], p1["subtask_id"], p1["project_id"], p1["profile_id"]) == ("123",) * 4
    assert p1["ams_mapping"] == [0, 5, -1]
    assert p1["ams_mapping2"] == [
        {"ams_id": 0, "slot_id": 0},
        {"ams_id": 1, "slot_id": 1},
        {"ams_id": 255, "slot_id": 0},
    ]
    assert p1["use_ams"] is True
    assert p1["bed_leveling"] is True
    assert p1["timelapse"] is False
    assert p1["flow_cali"] is False
    assert p1["vibration_cali"] is True
    h2 = project_file_fields(start, "H2D", "1")
    assert h2["url"] == "ftp:///model/cube.gcode.3mf"
    p2s = project_file_fields(start, "P2S", "1")
    assert p2s["url"] == "ftp:///model/cube.gcode.3mf"
    assert p2s["vibration_cali"] is False
    assert file_url("/x.3mf", None) == "file:///sdcard/x.3mf"
    assert ams_mapping2(()) == []
    # a fresh dict every call: nothing leaks from one start into the next
    p1["ams_mapping"].append(9)
    assert project_file_fields(start, "P1S", "123")["ams_mapping"] == [0, 5, -1]
    ids = {int(new_task_id()) for _ in range(200)}
    assert len(ids) == 200
    assert all(0 < i < 2**31 for i in ids)


def test_plate_filaments(tmp_path: Path) -> None:
    """Type, colour and grams per filament of the plate, in slicer order."""
    path = _file(tmp_path, "two.3mf", make_3mf(filaments=[("PLA", 10.02), ("PETG", 3.1)]))
    found = read_plate_filaments(path, 1)
    assert [(f.filament_id, f.material, f.color, f.grams) for f in found] == [
        (1, "PLA", "#FFFFFF", 10.02),
        (2, "PETG", "#000000", 3.1),
    ]
    assert read_plate_filaments(path, 3) == found  # one sliced plate answers for any number
    gcode = _file(tmp_path, "x.gcode", b"; plain\n")
    assert read_plate_filaments(gcode) == ()


# ------------------------------------------------------------------------------ Bambu FTPS


async def test_ftps_upload_stores_after_226(bambu: BambuSimulator, tmp_path: Path) -> None:
    """The whole file lands in a new folder; progress reaches the total; overwrite is asked."""
    data = make_3mf(filaments=[("PLA", 12.5)], gcode_moves=20000)
    source = _file(tmp_path, "part.gcode.3mf", data)
    seen: list[tuple[int, int]] = []
    client = _ftp(bambu)
    sent = await client.async_upload_file(
        source, "/model/new/part.gcode.3mf", on_progress=lambda a, b: seen.append((a, b))
    )
    assert sent == len(data)
    assert (await bambu.list_files())["/model/new/part.gcode.3mf"] == data
    assert bambu.ftps_server.stored == ["/model/new/part.gcode.3mf"]
    assert seen[-1] == (len(data), len(data))
    assert len(seen) == -(-len(data) // (64 * 1024))
    with pytest.raises(RemoteFileExistsError):
        await client.async_upload_file(source, "/model/new/part.gcode.3mf")
    assert await client.async_file_size("/model/new/part.gcode.3mf") == len(data)
    assert await client.async_file_size("/model/new/none.3mf") is None
    smaller = _file(tmp_path, "small.3mf", b"x" * 1000)
    assert (
        await client.async_upload_file(smaller, "/model/new/part.gcode.3mf", overwrite=True) == 1000
    )
    assert (await bambu.list_files())["/model/new/part.gcode.3mf"] == b"x" * 1000


async def test_ftps_426_after_complete_upload(bambu: BambuSimulator, tmp_path: Path) -> None:
    """A P2S answers 426 after a complete transfer: the size on the printer decides."""
    bambu.ftps_server.answer_426_after_store = True
    source = _file(tmp_path, "a.3mf", b"a" * 300_000)
    assert await _ftp(bambu).async_upload_file(source, "/a.3mf") == 300_000
    assert (await bambu.list_files())["/a.3mf"] == b"a" * 300_000


async def test_ftps_cut_upload_raises(bambu: BambuSimulator, tmp_path: Path) -> None:
    """The link drops after 100 KB: an error, never a stored file."""
    bambu.ftps_server.cut_upload_after["/cut.3mf"] = 100_000
    source = _file(tmp_path, "cut.3mf", b"c" * 2_000_000)
    with pytest.raises(FileTransferError):
        await _ftp(bambu).async_upload_file(source, "/cut.3mf")
    assert bambu.ftps_server.stored == []
    assert "/cut.3mf" not in await bambu.list_files()  # the half file is removed


async def test_ftps_hostile_name_sends_nothing(bambu: BambuSimulator, tmp_path: Path) -> None:
    """`../x` and CR/LF never reach the printer (no session is opened)."""
    source = _file(tmp_path, "x.3mf", b"x")
    for bad in ("/../x.3mf", "/a\r\nDELE cube.gcode.3mf"):
        with pytest.raises(UnsafeRemoteNameError):
            await _ftp(bambu).async_upload_file(source, bad)
    assert bambu.ftps_server.sessions == 0


async def test_ftps_slow_upload(bambu: BambuSimulator, tmp_path: Path) -> None:
    """200 KB/s: 300 KB take over a second (the simulator's throttle really holds)."""
    bambu.ftps_server.upload_bps = 200_000
    source = _file(tmp_path, "s.3mf", b"s" * 300_000)
    began = time.monotonic()
    await _ftp(bambu).async_upload_file(source, "/s.3mf")
    assert time.monotonic() - began >= 1.0


# ------------------------------------------------------------------------------ Bambu start


async def _connected(sim: BambuSimulator) -> BambuClient:
    client = BambuClient(
        host=sim.host,
        port=sim.mqtt_port,
        serial=sim.serial,
        access_code=sim.access_code,
        fingerprint=sim.fingerprint,
        model=sim.model,
    )
    client.command_timeout = 2.0
    await client.async_connect(timeout=10)
    return client


async def test_project_file_starts_the_file(bambu: BambuSimulator) -> None:
    """Acknowledged; the simulator plays the file as a job named after it."""
    client = await _connected(bambu)
    try:
        task_id = await client.async_start_print(
            ProjectFileStart(path="/cache/benchy.3mf", ams_mapping=(0, 0))
        )
        assert bambu.started_files[0][0] == "/cache/benchy.3mf"
        body = bambu.started_files[0][1]
        assert body["task_id"] == task_id
        assert body["url"] == "file:///sdcard/cache/benchy.3mf"
        async with asyncio.timeout(5):
            while client.snapshot is None or client.snapshot.job_name != "benchy":  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        # busy now: the printer answers 0500_4004 and starts nothing
        await bambu.progress(10)
        with pytest.raises(PrinterStateConflictError):
            await client.async_start_print(ProjectFileStart(path="/cube.gcode.3mf"))
        assert len(bambu.started_files) == 1
        await bambu.finish_job()
        with pytest.raises(Exception, match="file not found"):
            await client.async_start_print(ProjectFileStart(path="/none.3mf"))
    finally:
        await client.async_disconnect()


# ------------------------------------------------------------------------------ PrusaLink


async def test_prusa_upload_once_with_digest(
    prusa: PrusaLinkSimulator, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """The body crosses the wire once (a nonce is fetched first); 409 on an existing file."""
    data = make_bgcode(gcode_bytes=500_000)
    source = _file(tmp_path, "part.bgcode", data)
    client = PrusaLinkClient(session, prusa.host, port=prusa.port, password=PASSWORD)
    seen: list[int] = []
    assert await client.async_upload_file(
        source, "/usb/part.bgcode", on_progress=lambda a, b: seen.append(a)
    ) == len(data)
    assert prusa.upload_body_bytes == len(data)
    assert seen[-1] == len(data)
    assert len(prusa.uploaded) == 1
    assert prusa.state == "IDLE"
    assert prusa.files[prusa.uploaded[0]] == data
    with pytest.raises(RemoteFileExistsError):
        await client.async_upload_file(source, "/usb/part.bgcode")
    assert prusa.upload_body_bytes == 2 * len(data)
    # a stale nonce costs one resend, never more
    prusa.expire_nonces()
    assert await client.async_upload_file(source, "/usb/part.bgcode", overwrite=True) == len(data)
    assert prusa.upload_body_bytes <= 4 * len(data)


async def test_prusa_start_and_busy(
    prusa: PrusaLinkSimulator, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """POST starts an existing file; 409 while printing; Print-After-Upload refused when busy."""
    source = _file(tmp_path, "p.bgcode", make_bgcode())
    client = PrusaLinkClient(session, prusa.host, port=prusa.port, password=PASSWORD)
    await client.async_upload_file(source, "/usb/p.bgcode")
    await client.async_start_print("/usb/p.bgcode")
    assert prusa.state == "PRINTING"
    with pytest.raises(PrinterStateConflictError):
        await client.async_start_print("/usb/p.bgcode")
    with pytest.raises(PrinterStateConflictError):
        await client.async_upload_file(source, "/usb/q.bgcode", print_after=True)
    with pytest.raises(FileTransferError):
        await client.async_start_print("/usb/none.bgcode")


async def test_prusa_cut_upload(
    prusa: PrusaLinkSimulator, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """The printer goes away mid-body: an error, no file."""
    prusa.upload_bps = 100_000
    source = _file(tmp_path, "c.bgcode", make_bgcode(gcode_bytes=400_000))
    client = PrusaLinkClient(session, prusa.host, port=prusa.port, password=PASSWORD)
    await client.async_get_version()

    async def drop() -> None:
        await asyncio.sleep(0.5)
        prusa.offline = True
        await prusa.stop()

    task = asyncio.create_task(drop())
    with pytest.raises(FileTransferError):
        await client.async_upload_file(source, "/usb/c.bgcode")
    await task
    assert prusa.uploaded == []


def test_plate_filaments_of_odd_files(tmp_path: Path) -> None:
    """Several plates pick by index; broken or hostile archives raise MetadataError."""
    import zipfile

    from custom_components.printernizer.api.errors import MetadataError

    def archive(name: str, xml: str | None) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("3D/3dmodel.model", "<model/>")
            if xml is not None:
                zf.writestr("Metadata/slice_info.config", xml)
        return path

    two = archive(
        "two.3mf",
        "<config>"
        '<plate><metadata key="index" value="1"/><filament id="1" type="PLA" color="#FF0000" used_g="2"/></plate>'
        '<plate><metadata key="index" value="2"/><filament id="x" type="ABS" color="00FF00" used_g="3.5"/></plate>'
        "</config>",
    )
    (second,) = read_plate_filaments(two, 2)
    assert (second.filament_id, second.material, second.color, second.grams) == (
        0,
        "ABS",
        "#00FF00",
        3.5,
    )
    assert read_plate_filaments(two, 3) == ()
    assert read_plate_filaments(archive("none.3mf", None)) == ()
    for name, xml in (
        ("dtd.3mf", '<!DOCTYPE x [<!ENTITY a "b">]><config/>'),
        ("broken.3mf", "<config><plate>"),
    ):
        with pytest.raises(MetadataError):
            read_plate_filaments(archive(name, xml))
    bad = tmp_path / "bad.3mf"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(MetadataError):
        read_plate_filaments(bad)


async def test_prusa_upload_refusals(
    prusa: PrusaLinkSimulator, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """Not a print file (415), a wrong password, an API key that is refused."""
    from custom_components.printernizer.api.errors import PrinterAuthError

    text = _file(tmp_path, "notes.txt", b"hello")
    client = PrusaLinkClient(session, prusa.host, port=prusa.port, password=PASSWORD)
    with pytest.raises(FileTransferError, match="415"):
        await client.async_upload_file(text, "/usb/notes.txt")
    source = _file(tmp_path, "p.bgcode", make_bgcode())
    wrong = PrusaLinkClient(session, prusa.host, port=prusa.port, password="wrong")
    with pytest.raises(PrinterAuthError):
        await wrong.async_upload_file(source, "/usb/p.bgcode")
    keyed = PrusaLinkClient(session, prusa.host, port=prusa.port, api_key="bad-key")
    with pytest.raises(PrinterAuthError):
        await keyed.async_upload_file(source, "/usb/p.bgcode")
    prusa.offline = False
    with pytest.raises(UnsafeRemoteNameError):
        await client.async_start_print("/usb/../x.bgcode")
