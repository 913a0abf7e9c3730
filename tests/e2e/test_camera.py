"""The camera and the job photo as a user sees them: the panel's job detail, a dashboard."""

from __future__ import annotations

import urllib.error
import urllib.request

from PIL import Image
from playwright.sync_api import expect
import pytest

from .conftest import SCREENSHOTS, OpenSession, goto
from .harness import Stack
from .test_panel import BAMBU, open_view


def finished_bambu_job(stack: Stack) -> dict:
    """The newest finished job of the simulated P1S (it has a chamber camera)."""
    jobs = stack.service("list_jobs", status="finished", limit=100)["jobs"]
    return next(job for job in jobs if job["printer"] == BAMBU)


def test_job_photo_in_the_panel(stack: Stack, session: OpenSession) -> None:
    """A finished P1S job has the camera's photo; the job detail shows it to the logged-in
    user; without a login Home Assistant refuses it."""
    job = finished_bambu_job(stack)
    assert job["photo"] == f"/media/local/printernizer/photos/{job['job_id']}.jpg"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(stack.url + job["photo"], timeout=10)
    assert refused.value.code == 401

    s = session()
    page = s.page
    open_view(page, stack, "jobs")
    page.locator(f"printernizer-jobs tr[data-job='{job['job_id']}']").click()
    dialog = page.locator("printernizer-jobs dialog.detail")
    photo = dialog.locator("img.photo")
    expect(photo).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1280", arg=photo.element_handle()
    )
    assert "authSig=" in (photo.get_attribute("src") or "")
    dialog.evaluate("d => { d.scrollTop = 0; }")
    s.shot("job-photo")
    dialog.get_by_role("button", name="Close").click()


def test_camera_on_a_dashboard(stack: Stack, session: OpenSession) -> None:
    """Home Assistant's own dashboard shows the printer's camera (the chamber image)."""
    s = session()
    page = s.page
    goto(page, f"{stack.url}/lovelace/0")
    page.wait_for_load_state("networkidle")
    card = page.locator("hui-picture-entity-card").filter(has_text="Camera").first
    card.scroll_into_view_if_needed()  # pictures load only once they are on screen
    picture = card.locator("img").first
    expect(picture).to_be_visible(timeout=30_000)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1280", arg=picture.element_handle()
    )
    assert "/api/camera_proxy/camera.bambu_lab_p1s_0001_camera" in (
        picture.get_attribute("src") or ""
    )
    s.shot("camera-dashboard")
    SCREENSHOTS.mkdir(exist_ok=True)
    card.screenshot(path=str(SCREENSHOTS / f"{s.name}-camera-card.png"))
    controls = page.locator("hui-entities-card").filter(has_text="Chamber light").first
    controls.scroll_into_view_if_needed()
    shot = SCREENSHOTS / f"{s.name}-camera-controls.png"
    controls.screenshot(path=str(shot))
    with Image.open(shot) as full:  # the card's head: name, chamber light, print speed
        full.crop((0, 0, full.width, min(full.height, 245))).save(shot)
