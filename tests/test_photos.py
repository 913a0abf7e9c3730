"""A photo of every job: taken as the job ends, stored in the media folder, in the ledger, the
services, the finished event; served to logged-in users only; cleaned up like downloads."""

from __future__ import annotations

from datetime import timedelta
import io
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.printernizer.api.bambu.camera import ChamberCamera
from custom_components.printernizer.api.models import JobOutcome, PrinterStatus as P
from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.jobs import JobTracker
from custom_components.printernizer.ledger import JobRecord, Ledger
from custom_components.printernizer.photos import async_take_job_photo
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.camera import ChamberImageServer, make_jpeg
from tests.simulators.prusa import PrusaLinkSimulator
from tests.simulators.threemf import tiny_png
from tests.test_bambu import setup, wait_for
from tests.test_camera import Webcam, webcam  # noqa: F401 - the webcam fixture
from tests.test_jobs import (  # noqa: F401 - fixtures
    DEVICE_ID,
    feed,
    ledger,
    settings,
    snap,
    start_time,
)
from tests.test_services import BRACKET, call, print_bracket, tick


@pytest.fixture(autouse=True)
def short_linger(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chamber image connection closes 0.3 s after the last viewer."""
    monkeypatch.setattr(ChamberCamera, "linger", 0.3)


def media(hass: HomeAssistant) -> Path:
    """The test's local media folder."""
    return Path(hass.config.media_dirs["local"])


def read(path: Path) -> bytes:
    """File bytes (tests read in the executor like the integration)."""
    return path.read_bytes()


async def test_p1s_job_photo_from_the_camera(
    hass: HomeAssistant,
    bambu_sim: BambuSimulator,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The photo is a frame of the chamber image, in the media folder, the ledger, the event
    and list_jobs, and only a logged-in user may fetch it."""
    await setup(hass, bambu_entry(bambu_sim))
    finished = async_capture_events(hass, "printernizer_job_finished")
    await bambu_sim.start_job("cube")
    await bambu_sim.progress(50)
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: bool(finished))

    job_id = finished[0].data["job_id"]
    url = f"/media/local/printernizer/photos/{job_id}.jpg"
    assert finished[0].data["photo_url"] == url
    photo = await hass.async_add_executor_job(
        read, media(hass) / "printernizer" / "photos" / f"{job_id}.jpg"
    )
    camera = bambu_sim.camera
    assert isinstance(camera, ChamberImageServer)
    assert photo in {make_jpeg(i) for i in range(camera.frames_sent)}
    assert (await call(hass, "list_jobs"))["jobs"][0]["photo"] == url
    event = hass.states.get("event.workshop_p1s_job")
    assert event is not None
    assert event.attributes["photo_url"] == url

    anonymous = await hass_client_no_auth()
    response = await anonymous.get(url)
    assert response.status == 401
    client = await hass_client()
    response = await client.get(url)
    assert response.status == 200
    assert response.content_type == "image/jpeg"
    assert await response.read() == photo

    shared: Ledger = hass.data[DATA_SHARED].ledger
    with shared.read() as conn:
        row = conn.execute("SELECT path, source, size FROM job_photos").fetchone()
    assert tuple(row) == (f"printernizer/photos/{job_id}.jpg", "camera", len(photo))


async def test_buddy_job_photo_is_its_thumbnail(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    prusa_sim: PrusaLinkSimulator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """No camera: the job's thumbnail (a PNG in the bgcode), stored as a JPEG; the panel's job
    command names it."""
    assert await async_setup_component(hass, DOMAIN, {})  # its views, before HTTP starts
    client = await hass_ws_client(hass)  # logged in before the clock jumps to the print
    finished = async_capture_events(hass, "printernizer_job_finished")
    await print_bracket(hass, freezer, prusa_sim, small_business=False)
    (event,) = finished
    job_id = event.data["job_id"]
    assert event.data["photo_url"] == f"/media/local/printernizer/photos/{job_id}.jpg"
    photo = await hass.async_add_executor_job(
        read, media(hass) / "printernizer" / "photos" / f"{job_id}.jpg"
    )
    with Image.open(io.BytesIO(photo)) as picture:
        assert picture.format == "JPEG"
        assert picture.size[0] >= 16
    shared: Ledger = hass.data[DATA_SHARED].ledger
    with shared.read() as conn:
        assert conn.execute("SELECT source FROM job_photos").fetchone()[0] == "thumbnail"
    await client.send_json_auto_id({"type": "printernizer/job", "job_id": job_id})
    answer = await client.receive_json()
    assert answer["result"]["job"]["photo"] == event.data["photo_url"]


async def test_external_png_camera_is_stored_as_jpeg(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    prusa_sim: PrusaLinkSimulator,
    webcam: Webcam,  # noqa: F811
) -> None:
    """A webcam chosen for a Buddy printer takes the photo; its transparent PNG becomes a JPEG
    on white."""
    transparent = io.BytesIO()
    Image.new("RGBA", (8, 6), (255, 0, 0, 0)).save(transparent, "PNG")
    webcam.image = transparent.getvalue()
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"camera_entity": "camera.webcam"})
    await setup(hass, entry)
    finished = async_capture_events(hass, "printernizer_job_finished")
    prusa_sim.start_job(prusa_sim.add_file("/usb/bracket.bgcode", BRACKET))
    await tick(hass, freezer, 30)
    prusa_sim.finish_job()
    await tick(hass, freezer, 30)
    (event,) = finished
    path = media(hass) / event.data["photo_url"].removeprefix("/media/local/")
    photo = await hass.async_add_executor_job(read, path)
    with Image.open(io.BytesIO(photo)) as picture:
        assert (picture.format, picture.size) == ("JPEG", (8, 6))
        assert picture.getpixel((3, 3)) == pytest.approx((255, 255, 255), abs=3)


async def test_no_camera_no_thumbnail_no_media_folder(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Without a picture, or without a media folder, the job simply has no photo."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    job = await hass.async_add_executor_job(
        lambda: hass.data[DATA_SHARED].ledger.start_job(
            printer_uid=bambu_sim.serial,
            printer_name="Workshop P1S",
            entry_id=entry.entry_id,
            job_key="k",
            name="x",
            file_name="x.3mf",
            started_at=dt_util.utcnow() - timedelta(hours=1),
            category="private",
        )
    )
    shared = hass.data[DATA_SHARED].ledger
    assert entry.runtime_data.coordinator.thumbnail is None
    # seen late (HA was away): not the camera, and there is no thumbnail
    assert await async_take_job_photo(hass, entry, shared, job, live=False) is None
    entry.runtime_data.coordinator.set_thumbnail(tiny_png())
    url = await async_take_job_photo(hass, entry, shared, job, live=False)
    assert url == f"/media/local/printernizer/photos/{job.job_id}.jpg"
    hass.config.media_dirs = {}
    assert await async_take_job_photo(hass, entry, shared, job, live=True) is None


async def test_cleanup_treats_photos_like_downloads(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """A private job's photo goes after older_than_days; a business one stays for the
    retention years unless include_business; list_jobs shows no photo afterwards."""
    entry = await print_bracket(hass, freezer, prusa_sim, small_business=False)
    (job,) = (await call(hass, "list_jobs"))["jobs"]
    photo = media(hass) / job["photo"].removeprefix("/media/local/")
    await call(hass, "set_job_category", job_id=job["job_id"], category="business")

    freezer.tick(timedelta(days=40))
    dry = await call(hass, "cleanup_files", older_than_days=30)
    assert [c for c in dry["candidates"] if c["kind"] == "photo"] == []  # business, kept
    dry = await call(hass, "cleanup_files", older_than_days=30, include_business=True)
    (candidate,) = [c for c in dry["candidates"] if c["kind"] == "photo"]
    assert candidate == {
        "kind": "photo",
        "job_id": job["job_id"],
        "local_path": str(photo),
        "size": (await hass.async_add_executor_job(photo.stat)).st_size,
    }

    await call(hass, "set_job_category", job_id=job["job_id"], category="private")
    done = await call(hass, "cleanup_files", older_than_days=30, dry_run=False)
    assert done["deleted"] == 2  # the downloaded job file and the photo
    assert not await hass.async_add_executor_job(photo.exists)
    (after,) = (await call(hass, "list_jobs"))["jobs"]
    assert after["photo"] is None
    again = await call(hass, "cleanup_files", older_than_days=0, config_entry_id=entry.entry_id)
    assert [c for c in again["candidates"] if c["kind"] == "photo"] == []


async def test_business_photo_goes_after_retention(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """Ten years after the job, a business photo may go like any other."""
    await print_bracket(hass, freezer, prusa_sim, small_business=False)
    (job,) = (await call(hass, "list_jobs"))["jobs"]
    await call(hass, "set_job_category", job_id=job["job_id"], category="business")
    await call(hass, "update_settings", retention_years=10)
    freezer.tick(timedelta(days=3653))
    await tick(hass, freezer, 1)
    dry = await call(hass, "cleanup_files", older_than_days=30)
    assert [c["job_id"] for c in dry["candidates"] if c["kind"] == "photo"] == [job["job_id"]]


class RecordingPhotos:
    """A photo provider that records how it was asked, or fails."""

    def __init__(self, answer: str | Exception | None) -> None:
        self.answer = answer
        self.calls: list[tuple[int, bool]] = []

    async def __call__(self, job: JobRecord, live: bool) -> str | None:
        self.calls.append((job.job_id, live))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def make_tracker(
    hass: HomeAssistant, store: Ledger, shared_settings: Any, photos: RecordingPhotos
) -> JobTracker:
    """A tracker of a P1S whose photos come from `photos`."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id="SERIAL1", title="Workshop P1S")
    entry.add_to_hass(hass)
    tracker = JobTracker(
        hass,
        entry,
        ledger=store,
        settings=shared_settings,
        device_id=DEVICE_ID,
        photo_provider=photos,
    )
    await tracker.async_restore()
    return tracker


async def test_tracker_asks_for_the_photo_as_the_job_ends(
    hass: HomeAssistant,
    ledger: Ledger,  # noqa: F811
    settings: Any,  # noqa: F811
    start_time: FrozenDateTimeFactory,  # noqa: F811
) -> None:
    """A live end asks for a live photo and puts its URL in the event; a failing photo
    loses nothing; a job replaced by the next one gets none."""
    events = async_capture_events(hass, "printernizer_job_finished")
    photos = RecordingPhotos("/media/local/printernizer/photos/1.jpg")
    tracker = await make_tracker(hass, ledger, settings, photos)

    def job(status: P, progress: float, number: int, **kwargs: Any) -> Any:
        name = f"job{number}"
        return snap(status, progress, job_id=str(number), name=name, file=f"{name}.3mf", **kwargs)

    await feed(hass, tracker, job(P.PRINTING, 10, 1))
    await feed(hass, tracker, job(P.FINISHED, 100, 1, outcome=JobOutcome.FINISHED))
    assert photos.calls == [(1, True)]
    assert events[-1].data["photo_url"] == "/media/local/printernizer/photos/1.jpg"
    await feed(hass, tracker, snap(P.IDLE, None, name=None, file=None))

    photos.answer = RuntimeError("camera on fire")
    await feed(hass, tracker, job(P.PRINTING, 10, 2))
    await feed(hass, tracker, job(P.FAILED, 40, 2, outcome=JobOutcome.FAILED))
    assert photos.calls[-1] == (2, True)
    assert events[-1].data["status"] == "failed"
    assert events[-1].data["photo_url"] is None
    await feed(hass, tracker, snap(P.IDLE, None, name=None, file=None))

    photos.answer = "/never"
    await feed(hass, tracker, job(P.PRINTING, 10, 3))
    await feed(hass, tracker, job(P.PRINTING, 5, 4))
    assert events[-1].data["job_name"] == "job3"
    assert events[-1].data["photo_url"] is None  # the printer moved on: no photo of it
    assert len(photos.calls) == 2
    await tracker.async_shutdown()
