"""Drucker-Dateien: listing, downloads, names, cleanup and limits against real simulators.

Every test drives the integration's real file clients (Bambu FTPS, PrusaLink HTTP) over
127.0.0.1 against the simulators in tests/simulators, with a real Ledger in tmp_path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
import hashlib
import os
from pathlib import Path
import threading
from typing import Any

import aiohttp
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.printernizer import files as files_mod
from custom_components.printernizer.api.bambu.ftps import BambuFtpClient
from custom_components.printernizer.api.models import PrinterSnapshot, RemoteFile
from custom_components.printernizer.api.prusa.client import PrusaLinkClient
from custom_components.printernizer.const import (
    DOMAIN,
    EVENT_FILE_DOWNLOAD_FAILED,
    EVENT_FILE_DOWNLOADED,
)
from custom_components.printernizer.files import (
    DOWNLOAD_SLOTS,
    BambuFileSource,
    FileManager,
    FileSource,
    PrusaFileSource,
    check_download_dir,
    safe_target,
    sanitize_filename,
)
from custom_components.printernizer.ledger import Ledger, files as file_repo
from custom_components.printernizer.ledger.db import to_db_time
from custom_components.printernizer.settings import SettingsStore

from .simulators.bambu import BambuSimulator
from .simulators.prusa import PrusaLinkSimulator, default_files as prusa_default_files
from .simulators.threemf import make_3mf, tiny_png

BAMBU_SERIAL = "01P00A000000001"
PRUSA_SERIAL = "10589-3742441631047196"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree(root: Path) -> list[Path]:
    """Every file below root (hidden temp files included)."""
    return sorted(p for p in root.rglob("*") if p.is_file())


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture
async def ledger(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[Ledger]:
    """A real ledger database in tmp_path."""
    book = Ledger(tmp_path / "ledger" / "printernizer.db")
    await hass.async_add_executor_job(book.open)
    yield book
    await hass.async_add_executor_job(book.close)


@pytest.fixture
def root(hass: HomeAssistant, tmp_path: Path) -> Path:
    """The download root, allowed in HA like a user would configure it."""
    path = tmp_path / "downloads"
    hass.config.allowlist_external_dirs = {str(tmp_path / "downloads")}
    return path


@pytest.fixture
async def settings(hass: HomeAssistant, root: Path) -> SettingsStore:
    store = SettingsStore(hass)
    await store.async_load()
    await store.async_update({"download_dir": str(root)})
    return store


@pytest.fixture
async def http(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    session = aiohttp.ClientSession()
    yield session
    await session.close()


@pytest.fixture
async def bambu_sim(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    sim = BambuSimulator(serial=BAMBU_SERIAL)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def prusa_sim(socket_enabled: None) -> AsyncIterator[PrusaLinkSimulator]:
    sim = PrusaLinkSimulator(flavour="buddy")
    await sim.start()
    yield sim
    await sim.stop()


def make_entry(hass: HomeAssistant, title: str, unique_id: str) -> MockConfigEntry:
    entry = MockConfigEntry(domain=DOMAIN, title=title, unique_id=unique_id, data={})
    entry.add_to_hass(hass)
    return entry


def bambu_client(sim: BambuSimulator) -> BambuFtpClient:
    return BambuFtpClient(
        host=sim.host, access_code=sim.access_code, port=sim.ftp_port, fingerprint=sim.fingerprint
    )


def prusa_client(sim: PrusaLinkSimulator, http: aiohttp.ClientSession) -> PrusaLinkClient:
    return PrusaLinkClient(http, sim.host, port=sim.port, password=sim.password)


@pytest.fixture
async def managers() -> AsyncIterator[list[FileManager]]:
    """Every FileManager made in a test; background downloads are cancelled at the end."""
    made: list[FileManager] = []
    yield made
    for manager in made:
        await manager.async_shutdown()


@pytest.fixture
def make_manager(
    hass: HomeAssistant, ledger: Ledger, settings: SettingsStore, managers: list[FileManager]
) -> Callable[..., FileManager]:
    def make(client: Any, family: str, *, title: str, unique_id: str) -> FileManager:
        source: FileSource = (
            BambuFileSource(hass, client, model=lambda: "P1S")
            if family == "bambu"
            else PrusaFileSource(hass, client, job_metadata=lambda: None)
        )
        manager = FileManager(
            hass,
            make_entry(hass, title, unique_id),
            ledger=ledger,
            settings=settings,
            source=source,
        )
        manager.retry_delay = 0.01
        managers.append(manager)
        return manager

    return make


@pytest.fixture
def bambu_manager(
    bambu_sim: BambuSimulator, make_manager: Callable[..., FileManager]
) -> FileManager:
    return make_manager(bambu_client(bambu_sim), "bambu", title="Sim P1S", unique_id=BAMBU_SERIAL)


@pytest.fixture
def prusa_manager(
    prusa_sim: PrusaLinkSimulator,
    http: aiohttp.ClientSession,
    make_manager: Callable[..., FileManager],
) -> FileManager:
    return make_manager(
        prusa_client(prusa_sim, http), "prusa", title="Core One", unique_id=PRUSA_SERIAL
    )


def capture(hass: HomeAssistant, event_type: str) -> list[Event]:
    return async_capture_events(hass, event_type)


def by_path(listing: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["remote_path"]: item for item in listing}


# ---------------------------------------------------------------------------------------------
# names and paths (pure)
# ---------------------------------------------------------------------------------------------

HOSTILE = [
    "../../x.3mf",
    "/etc/passwd",
    "a\\..\\b",
    "..",
    ".",
    "",
    "evil\x00.3mf",
    "line\nbreak.3mf",
    "x" * 1000 + ".gcode.3mf",
    "CON.3mf",
    "con",
    "LPT1.txt",
    "nul .gcode",
    'a<b>c:d"e|f?g*h.3mf',
    "trailing. . ",
    "\u202eevil\u202dfm3.exe",
    "ü" * 400 + ".bgcode",
    "..\\..\\..\\windows\\system32",
]


@pytest.mark.parametrize("name", HOSTILE, ids=[f"hostile{n}" for n in range(len(HOSTILE))])
def test_sanitize_filename_is_one_safe_component(name: str) -> None:
    clean = sanitize_filename(name)
    assert clean
    assert clean not in (".", "..")
    assert ".." not in clean
    assert "/" not in clean
    assert "\\" not in clean
    assert not any(ord(c) < 32 or ord(c) == 127 for c in clean)
    assert not set('<>:"|?*') & set(clean)
    assert clean[-1] not in ". "
    assert not clean.startswith(".")
    assert len(clean.encode("utf-8")) <= 200
    assert clean.split(".")[0].rstrip().upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1"}


def test_sanitize_filename_values() -> None:
    assert sanitize_filename("benchy.gcode.3mf") == "benchy.gcode.3mf"
    assert sanitize_filename("Halter für Kabel (v2).bgcode") == "Halter für Kabel (v2).bgcode"
    assert sanitize_filename("CON.3mf") == "_CON.3mf"
    assert sanitize_filename("/etc/passwd") == "_etc_passwd"
    assert sanitize_filename("") == "file"
    assert sanitize_filename("../..") == "_"
    long = sanitize_filename("x" * 1000 + ".gcode.3mf")
    assert long.endswith(".gcode.3mf")
    assert len(long.encode()) == 200
    umlauts = sanitize_filename("ü" * 400 + ".bgcode")
    assert umlauts.endswith(".bgcode")
    assert len(umlauts.encode()) <= 200
    umlauts.encode("utf-8").decode("utf-8")  # no split character


@pytest.mark.parametrize("name", HOSTILE, ids=[f"hostile{n}" for n in range(len(HOSTILE))])
def test_safe_target_stays_inside_root(tmp_path: Path, name: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    target = safe_target(root, name, date(2025, 6, 18), name)
    resolved = target.resolve()
    assert resolved.is_relative_to(root.resolve())
    assert resolved.parent.name == "2025-06-18"
    assert resolved.parent.parent.parent == root.resolve()


def test_safe_target_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "root"
    first = safe_target(root, "P1S", date(2025, 6, 18), "cube.gcode.3mf")
    first.parent.mkdir(parents=True)
    first.write_bytes(b"one")
    second = safe_target(root, "P1S", date(2025, 6, 18), "cube.gcode.3mf")
    assert second.name == "cube (2).gcode.3mf"
    second.write_bytes(b"two")
    assert safe_target(root, "P1S", date(2025, 6, 18), "cube.gcode.3mf").name == (
        "cube (3).gcode.3mf"
    )
    # the same content is recognised and not duplicated
    same = safe_target(root, "P1S", date(2025, 6, 18), "cube.gcode.3mf", sha256=sha(b"two"), size=3)
    assert same == second


def test_safe_target_refuses_a_symlink_escape(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "P1S").mkdir(parents=True)
    (root / "P1S" / "2025-06-18").symlink_to(outside, target_is_directory=True)
    with pytest.raises(files_mod.UnsafePathError):
        safe_target(root, "P1S", date(2025, 6, 18), "x.3mf")
    # a planted file symlink is skipped, never written through
    (root / "P1S" / "2025-06-19").mkdir()
    (root / "P1S" / "2025-06-19" / "x.3mf").symlink_to(outside / "victim")
    target = safe_target(root, "P1S", date(2025, 6, 19), "x.3mf")
    assert target.name == "x (2).3mf"


# ---------------------------------------------------------------------------------------------
# download root
# ---------------------------------------------------------------------------------------------


async def test_download_root_outside_allowed_paths_is_refused(
    hass: HomeAssistant, tmp_path: Path, root: Path
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await check_download_dir(hass, tmp_path / "elsewhere")
    assert err.value.translation_key == "download_dir_not_allowed"
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_placeholders == {"path": str(tmp_path / "elsewhere")}
    with pytest.raises(ServiceValidationError):
        await check_download_dir(hass, root / ".." / "elsewhere")
    assert await check_download_dir(hass, root) == root.resolve()
    # the integration's own folder is allowed without an allowlist entry
    own = Path(hass.config.path("printernizer", "files"))
    assert await check_download_dir(hass, None) == own.resolve()


async def test_download_with_root_not_allowed_is_refused(
    hass: HomeAssistant,
    tmp_path: Path,
    settings: SettingsStore,
    prusa_manager: FileManager,
) -> None:
    """A folder allowed when it was set but no longer (configuration.yaml changed since)."""
    allowed = hass.config.allowlist_external_dirs
    hass.config.allowlist_external_dirs = {*allowed, str(tmp_path / "not_allowed")}
    await settings.async_update({"download_dir": str(tmp_path / "not_allowed")})
    hass.config.allowlist_external_dirs = allowed
    await prusa_manager.async_refresh()
    item = (await prusa_manager.async_list())[0]
    with pytest.raises(ServiceValidationError) as err:
        await prusa_manager.async_download(file_id=item["file_id"])
    assert err.value.translation_key == "download_dir_not_allowed"
    assert not (tmp_path / "not_allowed").exists()
    listing = await prusa_manager.async_list()
    assert {i["status"] for i in listing} == {"remote"}


# ---------------------------------------------------------------------------------------------
# listing + download from both families
# ---------------------------------------------------------------------------------------------


async def test_bambu_list_and_download(
    hass: HomeAssistant, root: Path, bambu_sim: BambuSimulator, bambu_manager: FileManager
) -> None:
    content = make_3mf(filaments=[("PETG", 33.3)], prediction_s=4000)
    stamp = datetime(2025, 3, 4, 12, 0, tzinfo=UTC).timestamp()
    await bambu_sim.put_file("/cache/holder.gcode.3mf", content, mtime=stamp)
    events = capture(hass, EVENT_FILE_DOWNLOADED)
    updates: list[int] = []
    bambu_manager.async_add_listener(lambda: updates.append(bambu_manager.files_downloaded))

    counts = await bambu_manager.async_refresh()
    assert counts["new"] == counts["total"]
    assert counts["total"] >= 4
    assert counts["removed"] == 0
    listing = by_path(await bambu_manager.async_list())
    item = listing["/cache/holder.gcode.3mf"]
    assert item["status"] == "remote"
    assert item["size"] == len(content)
    assert item["name"] == "holder.gcode.3mf"
    assert item["printer"] == "Sim P1S"

    answer = await bambu_manager.async_download(path="/cache/holder.gcode.3mf")
    assert answer["status"] == "downloaded"
    assert answer["sha256"] == sha(content)
    assert answer["size"] == len(content)
    local = Path(answer["local_path"])
    expected_day = dt_util.as_local(datetime.fromtimestamp(stamp, UTC)).date().isoformat()
    assert local == root.resolve() / "Sim P1S" / expected_day / "holder.gcode.3mf"
    assert await hass.async_add_executor_job(local.read_bytes) == content
    assert await hass.async_add_executor_job(tree, root) == [local]

    item = by_path(await bambu_manager.async_list(status="downloaded"))["/cache/holder.gcode.3mf"]
    assert item["local_path"] == str(local)
    assert item["sha256"] == sha(content)
    assert bambu_manager.files_downloaded == 1
    assert bambu_manager.files_size == len(content)
    assert bambu_manager.last_download is not None
    assert updates
    assert updates[-1] == 1
    await hass.async_block_till_done()
    assert len(events) == 1
    assert events[0].data == {
        "config_entry_id": bambu_manager.entry.entry_id,
        "file_id": answer["file_id"],
        "name": "holder.gcode.3mf",
        "local_path": str(local),
        "size": len(content),
        "sha256": sha(content),
    }
    assert await bambu_manager.async_list(name_contains="HOLDER") == [
        by_path(await bambu_manager.async_list())["/cache/holder.gcode.3mf"]
    ]


async def test_prusa_list_and_download(
    hass: HomeAssistant, root: Path, prusa_sim: PrusaLinkSimulator, prusa_manager: FileManager
) -> None:
    counts = await prusa_manager.async_refresh()
    assert counts == {"total": 3, "new": 3, "removed": 0}  # the .bbf is not a print file
    listing = await prusa_manager.async_list()
    item = next(i for i in listing if i["name"].startswith("spool_holder"))
    assert item["status"] == "remote"
    expected = prusa_default_files("buddy")[item["remote_path"]]
    answer = await prusa_manager.async_download(file_id=item["file_id"])
    assert answer["status"] == "downloaded"
    local = Path(answer["local_path"])
    assert await hass.async_add_executor_job(local.read_bytes) == expected
    assert answer["sha256"] == sha(expected)
    assert answer["size"] == len(expected)
    assert local.name == item["name"]
    assert local.parent.parent == root.resolve() / "Core One"
    assert await hass.async_add_executor_job(tree, root) == [local]

    # the printer deletes a file we never downloaded, and one we did: deleted vs local_only
    prusa_sim.remove_file(item["remote_path"])
    other = next(i for i in listing if i["file_id"] != item["file_id"])
    prusa_sim.remove_file(other["remote_path"])
    counts = await prusa_manager.async_refresh()
    assert counts == {"total": 1, "new": 0, "removed": 2}
    states = {i["file_id"]: i["status"] for i in await prusa_manager.async_list()}
    assert states[item["file_id"]] == "local_only"
    assert states[other["file_id"]] == "deleted"
    assert prusa_manager.files_downloaded == 1


async def test_download_needs_path_or_id_and_known_file(
    hass: HomeAssistant, prusa_manager: FileManager
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await prusa_manager.async_download()
    assert err.value.translation_key == "path_or_file_id_required"
    with pytest.raises(ServiceValidationError) as err:
        await prusa_manager.async_download(path="/usb/nope.bgcode")
    assert err.value.translation_key == "file_not_found"
    with pytest.raises(ServiceValidationError) as err:
        await prusa_manager.async_download(file_id=9999)
    assert err.value.translation_key == "file_not_found"


# ---------------------------------------------------------------------------------------------
# broken transfers, duplicates, hostile names end to end
# ---------------------------------------------------------------------------------------------


async def test_bambu_cut_transfer_leaves_nothing_then_retry_succeeds(
    hass: HomeAssistant, root: Path, bambu_sim: BambuSimulator, bambu_manager: FileManager
) -> None:
    content = os.urandom(300_000)
    await bambu_sim.put_file("/cache/big.gcode.3mf", content)
    bambu_sim.cut_transfer_after["/cache/big.gcode.3mf"] = 100_000
    failed = capture(hass, EVENT_FILE_DOWNLOAD_FAILED)
    answer = await bambu_manager.async_download(path="/cache/big.gcode.3mf")
    assert answer["status"] == "failed"
    assert answer["local_path"] is None
    assert "cut short" in answer["error"] or "got" in answer["error"]
    assert await hass.async_add_executor_job(tree, root) == []  # no final file, no temp file
    item = by_path(await bambu_manager.async_list())["/cache/big.gcode.3mf"]
    assert item["status"] == "failed"
    assert item["local_path"] is None
    await hass.async_block_till_done()
    assert [e.data["file_id"] for e in failed] == [answer["file_id"]]
    assert failed[0].data["config_entry_id"] == bambu_manager.entry.entry_id
    assert failed[0].data["name"] == "big.gcode.3mf"
    assert bambu_manager.files_downloaded == 0

    bambu_sim.cut_transfer_after.clear()
    answer = await bambu_manager.async_download(file_id=answer["file_id"])
    assert answer["status"] == "downloaded"
    assert answer["sha256"] == sha(content)
    files = await hass.async_add_executor_job(tree, root)
    assert files == [Path(answer["local_path"])]
    assert await hass.async_add_executor_job(files[0].read_bytes) == content


async def test_bambu_download_cut_without_reply_fails_in_moments(
    hass: HomeAssistant, root: Path, bambu_sim: BambuSimulator, bambu_manager: FileManager
) -> None:
    """Defect 14: every attempt is cut and the printer sends no 426; download_file reports
    the failure after its three attempts in moments (it took ~96 s: 3 x 30 s read timeout)."""
    content = os.urandom(1024 * 1024)
    await bambu_sim.put_file("/cache/flaky_link.3mf", content)
    bambu_sim.cut_transfer_after["/cache/flaky_link.3mf"] = 300_000
    bambu_sim.ftps_server.reply_after_cut = False
    began = asyncio.get_running_loop().time()
    async with asyncio.timeout(20):
        answer = await bambu_manager.async_download(path="/cache/flaky_link.3mf")
    assert asyncio.get_running_loop().time() - began < 3.0
    assert answer["status"] == "failed"
    assert "300000 of 1048576" in answer["error"]
    assert bambu_sim.ftps_server.retrieved.count("/cache/flaky_link.3mf") == 3
    assert await hass.async_add_executor_job(tree, root) == []


async def test_prusa_cut_download_leaves_nothing_then_retry_succeeds(
    hass: HomeAssistant,
    root: Path,
    prusa_sim: PrusaLinkSimulator,
    prusa_manager: FileManager,
) -> None:
    content = os.urandom(400_000)
    key = prusa_sim.add_file("/usb/long_part_name_for_cut.gcode", content)
    prusa_sim.cut_download_after[key] = 150_000
    await prusa_manager.async_refresh()
    item = next(
        i for i in await prusa_manager.async_list() if i["name"] == "long_part_name_for_cut.gcode"
    )
    answer = await prusa_manager.async_download(file_id=item["file_id"])
    assert answer["status"] == "failed"
    assert await hass.async_add_executor_job(tree, root) == []
    assert by_path(await prusa_manager.async_list())[item["remote_path"]]["status"] == "failed"

    prusa_sim.cut_download_after.clear()
    answer = await prusa_manager.async_download(file_id=item["file_id"])
    assert answer["status"] == "downloaded"
    assert answer["sha256"] == sha(content)
    assert await hass.async_add_executor_job(tree, root) == [Path(answer["local_path"])]


async def test_retry_recovers_from_one_cut(
    hass: HomeAssistant, root: Path, bambu_sim: BambuSimulator, bambu_manager: FileManager
) -> None:
    """A cut on the first attempt only: the backoff retry fetches the file in the same call."""
    content = os.urandom(200_000)
    await bambu_sim.put_file("/flaky.3mf", content)
    bambu_sim.cut_transfer_after["/flaky.3mf"] = 50_000
    source = bambu_manager.source.client
    calls: list[str] = []

    class ClearAfterFirst:
        async def async_list_files(self) -> list[RemoteFile]:
            return await source.async_list_files()

        async def async_download_file(self, path: str, dest: Path, **kw: Any) -> int:
            calls.append(path)
            try:
                return await source.async_download_file(path, dest, **kw)
            finally:
                bambu_sim.cut_transfer_after.clear()

    bambu_manager.source.client = ClearAfterFirst()
    answer = await bambu_manager.async_download(path="/flaky.3mf")
    assert answer["status"] == "downloaded"
    assert calls == ["/flaky.3mf", "/flaky.3mf"]
    assert await hass.async_add_executor_job(tree, root) == [Path(answer["local_path"])]


async def test_clients_hash_while_writing(
    hass: HomeAssistant,
    root: Path,
    bambu_sim: BambuSimulator,
    prusa_sim: PrusaLinkSimulator,
    bambu_manager: FileManager,
    prusa_manager: FileManager,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both clients hand their blocks to the core's hash: the file is never read back."""
    reread: list[Path] = []
    rehash = files_mod.download._file_sha256

    def recording(path: Path) -> str:
        reread.append(path)
        return rehash(path)

    monkeypatch.setattr(files_mod.download, "_file_sha256", recording)
    content = os.urandom(3 * 1024 * 1024 + 77)
    await bambu_sim.put_file("/cache/big_part.3mf", content)
    prusa_sim.add_file("/usb/big_part_for_hashing.gcode", content)
    for manager, name in (
        (bambu_manager, "big_part.3mf"),
        (prusa_manager, "big_part_for_hashing.gcode"),
    ):
        await manager.async_refresh()
        item = next(i for i in await manager.async_list() if i["name"] == name)
        answer = await manager.async_download(file_id=item["file_id"])
        assert answer["status"] == "downloaded"
        assert answer["sha256"] == sha(content)
        assert answer["size"] == len(content)
        local = Path(answer["local_path"])
        assert await hass.async_add_executor_job(local.read_bytes) == content
    assert reread == []


async def test_core_rehashes_when_reported_blocks_miss_bytes(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """A block fetch that reports less than it wrote (or nothing) cannot yield a wrong digest:
    the core hashes the file again; an integrity failure leaves no temp file."""
    content = os.urandom(300_000)

    def write(dest: Path) -> None:
        dest.write_bytes(content)

    async def fetch_partial(dest: Path, limit: int | None, *, on_block: Any) -> int:
        await hass.async_add_executor_job(write, dest)
        on_block(content[:1000])  # reports only the first piece
        return len(content)

    async def fetch_silent(dest: Path, limit: int | None, *, on_block: Any) -> int:
        await hass.async_add_executor_job(write, dest)
        return len(content)

    for number, fetch in enumerate((fetch_partial, fetch_silent)):
        result = await files_mod.async_fetch_verified(
            fetch,
            root=tmp_path / "out",
            printer_name="P1S",
            day=date(2025, 6, 18),
            file_name=f"part{number}.3mf",
            expected_size=len(content),
            max_bytes=None,
            run_blocking=hass.async_add_executor_job,
        )
        assert result.sha256 == sha(content)
        assert result.size == len(content)
        assert not result.reused
        assert await hass.async_add_executor_job(result.path.read_bytes) == content

    with pytest.raises(files_mod.DownloadIntegrityError):
        await files_mod.async_fetch_verified(
            fetch_partial,
            root=tmp_path / "out",
            printer_name="P1S",
            day=date(2025, 6, 18),
            file_name="short.3mf",
            expected_size=len(content) + 1,
            max_bytes=None,
            run_blocking=hass.async_add_executor_job,
        )
    names = sorted(p.name for p in await hass.async_add_executor_job(tree, tmp_path / "out"))
    assert names == ["part0.3mf", "part1.3mf"]


async def test_cancel_while_connecting_leaves_no_temp_file(
    hass: HomeAssistant, tmp_path: Path, bambu_sim: BambuSimulator
) -> None:
    """A Bambu download cancelled while its FTPS session is still logging in: the core
    cleans up at once, and the executor thread, released afterwards, must not create the
    `.<name>.part-<random>` file behind it."""
    handler_cls = bambu_sim._ftps._handler_cls
    authorizer = handler_cls.authorizer
    validate = authorizer.validate_authentication
    reached, release, closed = threading.Event(), threading.Event(), threading.Event()

    def slow_login(username: str, password: str, handler: Any) -> None:
        reached.set()
        release.wait(10)
        validate(username, password, handler)

    def on_disconnect(handler: Any) -> None:
        closed.set()

    client = bambu_client(bambu_sim)

    async def fetch(dest: Path, limit: int | None, *, on_block: Any) -> int:
        return await client.async_download_file(
            "/cache/benchy.3mf", dest, max_bytes=limit, on_block=on_block
        )

    out = tmp_path / "out"
    authorizer.validate_authentication = slow_login
    handler_cls.on_disconnect = on_disconnect
    try:
        task = hass.async_create_task(
            files_mod.async_fetch_verified(
                fetch,
                root=out,
                printer_name="P1S",
                day=date(2025, 6, 18),
                file_name="benchy.3mf",
                expected_size=None,
                max_bytes=None,
                run_blocking=hass.async_add_executor_job,
            )
        )
        assert await hass.async_add_executor_job(reached.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        release.set()
        authorizer.validate_authentication = validate
    # the printer saw the cancelled session end: the thread is done with the folder
    assert await hass.async_add_executor_job(closed.wait, 10)
    await client.async_list_files(("/cache",))  # and the client is free again
    assert await hass.async_add_executor_job(tree, out) == []


async def test_same_name_twice_never_overwrites(
    hass: HomeAssistant, root: Path, bambu_sim: BambuSimulator, bambu_manager: FileManager
) -> None:
    stamp = datetime(2025, 6, 18, 10, 0, tzinfo=UTC).timestamp()
    first, second, third = b"first" * 1000, b"second" * 1000, b"third" * 1000
    await bambu_sim.put_file("/part.3mf", first, mtime=stamp)
    await bambu_sim.put_file("/cache/part.3mf", second, mtime=stamp)
    a = await bambu_manager.async_download(path="/part.3mf")
    b = await bambu_manager.async_download(path="/cache/part.3mf")
    assert a["status"] == b["status"] == "downloaded"
    pa, pb = Path(a["local_path"]), Path(b["local_path"])
    assert pa.parent == pb.parent
    assert (pa.name, pb.name) == ("part.3mf", "part (2).3mf")
    assert await hass.async_add_executor_job(pa.read_bytes) == first
    assert await hass.async_add_executor_job(pb.read_bytes) == second

    # downloading the same content again reuses the copy, no third file
    again = await bambu_manager.async_download(path="/part.3mf")
    assert again["local_path"] == str(pa)
    assert len(await hass.async_add_executor_job(tree, root)) == 2

    # the printer's /part.3mf changes: the new version is a new file, the old copy stays indexed
    await bambu_sim.put_file("/part.3mf", third, mtime=stamp)
    c = await bambu_manager.async_download(path="/part.3mf")
    pc = Path(c["local_path"])
    assert pc.name == "part (3).3mf"
    assert await hass.async_add_executor_job(pa.read_bytes) == first
    assert await hass.async_add_executor_job(pc.read_bytes) == third
    assert len(await hass.async_add_executor_job(tree, root)) == 3
    local = {i["local_path"]: i for i in await bambu_manager.async_list(status="local_only")}
    assert local[str(pa)]["sha256"] == sha(first)
    assert bambu_manager.files_downloaded == 3
    assert bambu_manager.files_size == len(first) + len(second) + len(third)


async def test_hostile_printer_and_file_names_stay_inside_root(
    hass: HomeAssistant,
    root: Path,
    prusa_sim: PrusaLinkSimulator,
    http: aiohttp.ClientSession,
    make_manager: Callable[..., FileManager],
) -> None:
    manager = make_manager(
        prusa_client(prusa_sim, http), "prusa", title="../../../etc", unique_id="evil"
    )
    content = b"G28\n" * 500
    prusa_sim.add_file("/usb/evil.gcode", content, display_name="..\\..\\CON.gcode")
    await manager.async_refresh()
    item = next(i for i in await manager.async_list() if "CON" in i["name"])
    answer = await manager.async_download(file_id=item["file_id"])
    assert answer["status"] == "downloaded"
    local = Path(answer["local_path"])
    assert local.resolve().is_relative_to(root.resolve())
    assert local.parent.parent.parent == root.resolve()
    assert local.parent.parent.name == "_._._etc"
    assert local.name == "_._CON.gcode"
    assert await hass.async_add_executor_job(local.read_bytes) == content


# ---------------------------------------------------------------------------------------------
# limits
# ---------------------------------------------------------------------------------------------


async def test_too_large_is_refused_before_or_during_download(
    hass: HomeAssistant,
    root: Path,
    settings: SettingsStore,
    bambu_sim: BambuSimulator,
    bambu_manager: FileManager,
    prusa_sim: PrusaLinkSimulator,
    prusa_manager: FileManager,
) -> None:
    await settings.async_update({"max_download_mb": 1})
    big = os.urandom(1024 * 1024 + 1)
    await bambu_sim.put_file("/cache/huge.3mf", big)
    # Bambu lists the size: refused before any transfer
    with pytest.raises(ServiceValidationError) as err:
        await bambu_manager.async_download(path="/cache/huge.3mf")
    assert err.value.translation_key == "file_too_large"
    assert err.value.translation_placeholders["max_mb"] == "1"
    assert by_path(await bambu_manager.async_list())["/cache/huge.3mf"]["status"] == "remote"
    # Buddy lists no size: the stream is aborted at the limit, nothing is left behind
    prusa_sim.add_file("/usb/huge_model.gcode", big)
    await prusa_manager.async_refresh()
    item = next(i for i in await prusa_manager.async_list() if i["name"] == "huge_model.gcode")
    assert item["size"] is None
    answer = await prusa_manager.async_download(file_id=item["file_id"])
    assert answer["status"] == "failed"
    assert str(1024 * 1024) in answer["error"]
    assert await hass.async_add_executor_job(tree, root) == []


async def test_insufficient_space_is_refused(
    hass: HomeAssistant,
    root: Path,
    bambu_manager: FileManager,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = files_mod.manager.shutil.disk_usage

    def tiny_disk(path: Any) -> Any:
        usage = real(path)
        return type(usage)(usage.total, usage.total - 5 * 1024 * 1024, 5 * 1024 * 1024)

    monkeypatch.setattr(files_mod.manager.shutil, "disk_usage", tiny_disk)
    with pytest.raises(ServiceValidationError) as err:
        await bambu_manager.async_download(path="/cache/benchy.3mf")
    assert err.value.translation_key == "insufficient_space"
    assert not root.exists()


async def test_global_and_per_printer_concurrency(
    hass: HomeAssistant,
    root: Path,
    http: aiohttp.ClientSession,
    bambu_sim: BambuSimulator,
    prusa_sim: PrusaLinkSimulator,
    bambu_manager: FileManager,
    prusa_manager: FileManager,
    make_manager: Callable[..., FileManager],
) -> None:
    """Three printers × three downloads: at most 2 transfers in flight, 1 per printer.

    With only two printers the per-printer lock alone would cap the total at 2, so a third
    printer (a Pi-flavoured PrusaLink) makes the shared semaphore the limiting part.
    """
    families = ("bambu", "buddy", "pi")
    in_flight = dict.fromkeys(("all", *families), 0)
    peak = dict.fromkeys(("all", *families), 0)

    class Counting:
        """Counts transfers around the real client (no logic of ours replaced)."""

        def __init__(self, inner: Any, family: str) -> None:
            self.inner = inner
            self.family = family

        async def async_list_files(self) -> list[RemoteFile]:
            return await self.inner.async_list_files()

        async def async_download_file(self, ref: str, dest: Path, **kw: Any) -> int:
            for key in ("all", self.family):
                in_flight[key] += 1
                peak[key] = max(peak[key], in_flight[key])
            try:
                await asyncio.sleep(0.05)  # keep the slot long enough for others to pile up
                return await self.inner.async_download_file(ref, dest, **kw)
            finally:
                for key in ("all", self.family):
                    in_flight[key] -= 1

    pi_sim = PrusaLinkSimulator(flavour="pi", serial="CZPX-PI", files={})
    await pi_sim.start()
    try:
        pi_manager = make_manager(
            prusa_client(pi_sim, http), "prusa", title="MK3S", unique_id="CZPX-PI"
        )
        bambu_manager.source.client = Counting(bambu_manager.source.client, "bambu")
        prusa_manager.source.client = Counting(prusa_manager.source.client, "buddy")
        pi_manager.source.client = Counting(pi_manager.source.client, "pi")
        for n in range(3):
            await bambu_sim.put_file(f"/cache/part{n}.3mf", os.urandom(50_000 + n))
            prusa_sim.add_file(f"/usb/part_number_{n}.gcode", os.urandom(60_000 + n))
            pi_sim.add_file(f"/local/pi_part_{n}.gcode", os.urandom(70_000 + n))
        for manager in (bambu_manager, prusa_manager, pi_manager):
            await manager.async_refresh()
        ids = {
            manager: [i["file_id"] for i in await manager.async_list(name_contains="part")]
            for manager in (bambu_manager, prusa_manager, pi_manager)
        }
        assert [len(v) for v in ids.values()] == [3, 3, 3]
        results = await asyncio.gather(
            *(
                manager.async_download(file_id=file_id)
                for manager, file_ids in ids.items()
                for file_id in file_ids
            )
        )
    finally:
        await pi_sim.stop()
    assert [r["status"] for r in results] == ["downloaded"] * 9
    assert peak == {"all": 2, "bambu": 1, "buddy": 1, "pi": 1}
    assert len(await hass.async_add_executor_job(tree, root)) == 9
    assert hass.data[DOWNLOAD_SLOTS]._value == 2  # every slot was given back


async def test_background_download_answers_downloading(
    hass: HomeAssistant, root: Path, bambu_manager: FileManager
) -> None:
    done = asyncio.Event()
    events: list[Event] = []

    @callback
    def on_event(event: Event) -> None:
        events.append(event)
        done.set()

    hass.bus.async_listen(EVENT_FILE_DOWNLOADED, on_event)
    answer = await bambu_manager.async_download(path="/cache/benchy.3mf", wait=False)
    assert answer["status"] == "downloading"
    assert answer["local_path"] is None
    async with asyncio.timeout(20):
        await done.wait()
    assert events[0].data["file_id"] == answer["file_id"]
    item = by_path(await bambu_manager.async_list())["/cache/benchy.3mf"]
    assert item["status"] == "downloaded"
    assert Path(item["local_path"]).is_relative_to(root.resolve())


async def test_shutdown_cancels_background_download_without_leftovers(
    hass: HomeAssistant, root: Path, bambu_sim: BambuSimulator, bambu_manager: FileManager
) -> None:
    started = asyncio.Event()
    source = bambu_manager.source.client

    class Slow:
        async def async_list_files(self) -> list[RemoteFile]:
            return await source.async_list_files()

        async def async_download_file(self, path: str, dest: Path, **kw: Any) -> int:
            await hass.async_add_executor_job(dest.write_bytes, b"partial")
            started.set()
            await asyncio.sleep(30)
            raise AssertionError("not reached")

    bambu_manager.source.client = Slow()
    answer = await bambu_manager.async_download(path="/cache/benchy.3mf", wait=False)
    async with asyncio.timeout(10):
        await started.wait()
    assert len(await hass.async_add_executor_job(tree, root)) == 1  # the temp file
    await bambu_manager.async_shutdown()
    assert await hass.async_add_executor_job(tree, root) == []
    item = by_path(await bambu_manager.async_list())["/cache/benchy.3mf"]
    assert item["file_id"] == answer["file_id"]
    assert item["status"] == "failed"


# ---------------------------------------------------------------------------------------------
# cleanup
# ---------------------------------------------------------------------------------------------


async def _backdate(hass: HomeAssistant, ledger: Ledger, file_id: int, days: int) -> None:
    when = to_db_time(dt_util.utcnow() - timedelta(days=days))

    def write() -> None:
        with ledger.write() as conn:
            conn.execute("UPDATE files SET downloaded_at = ? WHERE id = ?", (when, file_id))

    await hass.async_add_executor_job(write)


async def _business_job(
    hass: HomeAssistant, ledger: Ledger, category: str, age: timedelta = timedelta(hours=2)
) -> int:
    started = dt_util.utcnow() - age

    def run() -> int:
        job = ledger.start_job(
            printer_uid=BAMBU_SERIAL,
            printer_name="Sim P1S",
            entry_id="x",
            job_key=f"job-{category}-{age}",
            name="cube",
            file_name="cube.gcode.3mf",
            started_at=started,
            category=category,
        )
        ledger.finish_job(
            job.job_id,
            status="finished",
            ended_at=started + timedelta(hours=1),
            duration_s=3600,
            paused_s=0,
            last_progress=100.0,
            materials=[],
            energy_kwh=Decimal("0.1"),
            energy_source="estimated",
            prices={},
            cost=None,
            currency="EUR",
            complete=False,
        )
        return job.job_id

    return await hass.async_add_executor_job(run)


async def test_cleanup_dry_run_real_run_and_business_retention(
    hass: HomeAssistant,
    root: Path,
    ledger: Ledger,
    bambu_manager: FileManager,
) -> None:
    await bambu_manager.async_refresh()
    old = await bambu_manager.async_download(path="/cache/benchy.3mf")
    business = await bambu_manager.async_download(path="/cache/cable_clip_x12.gcode.3mf")
    private = await bambu_manager.async_download(path="/cube.gcode.3mf")
    fresh_timelapse = next(
        i["remote_path"]
        for i in await bambu_manager.async_list()
        if "timelapse" in i["remote_path"]
    )
    fresh = await bambu_manager.async_download(path=fresh_timelapse)
    for answer in (old, business, private):
        await _backdate(hass, ledger, answer["file_id"], 40)
    business_job = await _business_job(hass, ledger, "business")
    private_job = await _business_job(hass, ledger, "private")
    await hass.async_add_executor_job(file_repo.link_job, ledger, business["file_id"], business_job)
    await hass.async_add_executor_job(file_repo.link_job, ledger, private["file_id"], private_job)
    before = await hass.async_add_executor_job(tree, root)
    assert len(before) == 4

    with pytest.raises(ServiceValidationError) as err:
        await bambu_manager.async_cleanup(older_than_days=-1)
    assert err.value.translation_key == "invalid_days"

    dry = await bambu_manager.async_cleanup(older_than_days=30)
    assert {c["file_id"] for c in dry["candidates"]} == {old["file_id"], private["file_id"]}
    assert dry["deleted"] == 0
    assert dry["freed_bytes"] == 0
    assert await hass.async_add_executor_job(tree, root) == before

    real = await bambu_manager.async_cleanup(older_than_days=30, dry_run=False)
    assert {c["file_id"] for c in real["candidates"]} == {old["file_id"], private["file_id"]}
    assert real["deleted"] == 2
    assert real["freed_bytes"] == old["size"] + private["size"]
    left = await hass.async_add_executor_job(tree, root)
    assert sorted(left) == sorted([Path(business["local_path"]), Path(fresh["local_path"])])
    states = {i["file_id"]: i for i in await bambu_manager.async_list()}
    assert states[old["file_id"]]["status"] == "remote"  # still on the printer
    assert states[old["file_id"]]["local_path"] is None
    assert states[business["file_id"]]["status"] == "downloaded"
    assert states[business["file_id"]]["job_id"] == business_job
    assert bambu_manager.files_downloaded == 2

    forced = await bambu_manager.async_cleanup(
        older_than_days=30, dry_run=False, include_business=True
    )
    assert [c["file_id"] for c in forced["candidates"]] == [business["file_id"]]
    assert forced["deleted"] == 1
    assert await hass.async_add_executor_job(tree, root) == [Path(fresh["local_path"])]
    assert bambu_manager.files_downloaded == 1


# ---------------------------------------------------------------------------------------------
# auto-download at job end
# ---------------------------------------------------------------------------------------------


async def test_job_file_download_fills_metadata_bambu(
    hass: HomeAssistant,
    root: Path,
    ledger: Ledger,
    bambu_sim: BambuSimulator,
    bambu_manager: FileManager,
) -> None:
    png = tiny_png(8, 8, (0, 174, 66))
    content = make_3mf(filaments=[("PLA", 12.34), ("PETG", 5.5)], prediction_s=3725, plate_png=png)
    await bambu_sim.put_file("/cache/Gear box.gcode.3mf", content)
    started = datetime(2025, 7, 1, 22, 30, tzinfo=UTC)
    job_id = await hass.async_add_executor_job(
        lambda: ledger.start_job(
            printer_uid=BAMBU_SERIAL,
            printer_name="Sim P1S",
            entry_id="x",
            job_key="k1",
            name="Gear box",
            file_name="/data/Metadata/plate_1.gcode",
            started_at=started,
            category="private",
        ).job_id
    )
    job = await hass.async_add_executor_job(ledger.get_job, job_id)
    snapshot = PrinterSnapshot(job_name="Gear box", file_name="/data/Metadata/plate_1.gcode")
    result, metadata = await bambu_manager.job_files.async_download(job, snapshot)
    assert result is not None
    assert result["status"] == "downloaded"
    assert result["sha256"] == sha(content)
    local = Path(result["local_path"])
    assert local.parent.name == dt_util.as_local(started).date().isoformat()
    assert metadata is not None
    assert {(m.material, round(m.grams, 2)) for m in metadata.materials} == {
        ("PLA", 12.34),
        ("PETG", 5.5),
    }
    assert metadata.estimated_seconds == 3725
    assert metadata.thumbnail_png == png
    item = by_path(await bambu_manager.async_list())["/cache/Gear box.gcode.3mf"]
    assert item["job_id"] == job_id

    # a second call (e.g. after a restart) reuses the local copy
    again, meta2 = await bambu_manager.job_files.async_download(job, snapshot)
    assert again is not None
    assert again["local_path"] == str(local)
    assert meta2 == metadata
    assert await hass.async_add_executor_job(tree, root) == [local]

    # no such file: nothing, no exception
    missing = PrinterSnapshot(job_name="nope", file_name="nope.gcode")
    assert await bambu_manager.job_files.async_download(job, missing) == (None, None)


async def test_job_file_download_fills_metadata_prusa(
    hass: HomeAssistant,
    root: Path,
    ledger: Ledger,
    prusa_sim: PrusaLinkSimulator,
    prusa_manager: FileManager,
) -> None:
    await prusa_manager.async_refresh()
    item = next(i for i in await prusa_manager.async_list() if i["name"].startswith("spool_holder"))
    job_id = await hass.async_add_executor_job(
        lambda: ledger.start_job(
            printer_uid=PRUSA_SERIAL,
            printer_name="Core One",
            entry_id="y",
            job_key="318",
            name=item["name"],
            file_name=item["name"],
            started_at=dt_util.utcnow(),
            category="business",
        ).job_id
    )
    job = await hass.async_add_executor_job(ledger.get_job, job_id)
    # Buddy reports the 8.3 path of the running file
    short = next(k for k in prusa_sim.files if k.startswith("/usb/SPOOL"))
    snapshot = PrinterSnapshot(file_path=short, file_name=item["name"])
    result, metadata = await prusa_manager.job_files.async_download(job, snapshot)
    assert result is not None
    assert result["status"] == "downloaded"
    assert result["sha256"] == sha(prusa_sim.files[short])
    assert metadata is not None
    assert [(m.material, round(m.grams, 1)) for m in metadata.materials] == [("PLA", 96.4)]
    assert metadata.estimated_seconds == 18120
    assert by_path(await prusa_manager.async_list())[item["remote_path"]]["job_id"] == job_id


async def test_cleanup_business_files_past_retention_are_candidates(
    hass: HomeAssistant,
    root: Path,
    ledger: Ledger,
    settings: SettingsStore,
    bambu_manager: FileManager,
) -> None:
    await settings.async_update({"retention_years": 1})
    answer = await bambu_manager.async_download(path="/cache/benchy.3mf")
    await _backdate(hass, ledger, answer["file_id"], 800)
    old_job = await _business_job(hass, ledger, "business", timedelta(days=800))
    await hass.async_add_executor_job(file_repo.link_job, ledger, answer["file_id"], old_job)
    dry = await bambu_manager.async_cleanup(older_than_days=30)
    assert [c["file_id"] for c in dry["candidates"]] == [answer["file_id"]]
    await settings.async_update({"retention_years": 10})
    dry = await bambu_manager.async_cleanup(older_than_days=30)
    assert dry["candidates"] == []
    assert await hass.async_add_executor_job(tree, root) == [Path(answer["local_path"])]
