"""The PrusaLink simulator and print-file builders, checked with generic independent clients.

Client tests trust the simulator, so it is verified here with a from-scratch Digest client
(hashlib + aiohttp) and a from-scratch bgcode reader, not with the integration's own code.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
import hashlib
import json
import re
import struct
import time
from typing import Any
import zlib

import aiohttp
from multidict import CIMultiDictProxy
import pytest
from yarl import URL

from tests.simulators import gcodefiles
from tests.simulators.prusa import PrusaLinkSimulator

BUDDY_PW = "secretpass123"
PI_USER, PI_PW, PI_KEY = "prusa", "pi-password-1", "legacy-key-42"
CHALLENGE_RE = re.compile(r'^Digest realm="([^"]+)", nonce="([0-9a-f]{16})", stale=(true|false)$')


def md5(text: str) -> str:
    """MD5 hex digest; Digest auth as PrusaLink speaks it."""
    return hashlib.md5(text.encode()).hexdigest()


@dataclass
class Reply:
    """A fully read HTTP reply."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class DigestClient:
    """Minimal RFC 2069 Digest client (no qop), written independently of the integration."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, user: str, password: str
    ) -> None:
        self.session, self.base_url, self.user, self.password = session, base_url, user, password
        self.realm: str | None = None
        self.nonce: str | None = None
        self.send_algorithm = False
        self.statuses: list[int] = []

    def header(self, method: str, uri: str) -> str:
        ha1 = md5(f"{self.user}:{self.realm}:{self.password}")
        response = md5(f"{ha1}:{self.nonce}:{md5(f'{method}:{uri}')}")
        value = (
            f'Digest username="{self.user}", realm="{self.realm}", nonce="{self.nonce}", '
            f'uri="{uri}", response="{response}"'
        )
        return value + (", algorithm=MD5" if self.send_algorithm else "")

    async def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        url = URL(self.base_url + path, encoded=False)
        headers = dict(kwargs.pop("headers", {}))
        for _ in range(3):
            if self.nonce is not None:
                headers["Authorization"] = self.header(method, url.raw_path_qs)
            async with self.session.request(method, url, headers=headers, **kwargs) as resp:
                reply = Reply(resp.status, resp.headers, await resp.read())
            self.statuses.append(reply.status)
            match = CHALLENGE_RE.match(reply.headers.get("WWW-Authenticate", ""))
            if reply.status != 401 or match is None:
                return reply
            first_try = self.nonce is None
            self.realm, self.nonce = match[1], match[2]
            if not (first_try or match[3] == "true"):
                return reply  # wrong credentials: a retry cannot help
        return reply

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def buddy(socket_enabled: None) -> AsyncIterator[PrusaLinkSimulator]:
    async with PrusaLinkSimulator() as sim:
        yield sim


@pytest.fixture
async def pi(socket_enabled: None) -> AsyncIterator[PrusaLinkSimulator]:
    async with PrusaLinkSimulator(
        flavour="pi", username=PI_USER, password=PI_PW, api_key=PI_KEY, hostname="mk3s-sim"
    ) as sim:
        yield sim


@pytest.fixture
def bclient(buddy: PrusaLinkSimulator, session: aiohttp.ClientSession) -> DigestClient:
    return DigestClient(session, buddy.base_url, "maker", BUDDY_PW)


@pytest.fixture
def pclient(pi: PrusaLinkSimulator, session: aiohttp.ClientSession) -> DigestClient:
    return DigestClient(session, pi.base_url, PI_USER, PI_PW)


# ---------------------------------------------------------------------------- auth


async def test_no_auth_gets_digest_challenge(
    buddy: PrusaLinkSimulator, pi: PrusaLinkSimulator, session: aiohttp.ClientSession
) -> None:
    for sim, realm in ((buddy, "Printer API"), (pi, "Administrator")):
        for path in ("/api/v1/status", "/api/version", "/usb/CABLEC~1.BGC", "/nope"):
            async with session.get(sim.base_url + path) as resp:
                assert resp.status == 401
                challenge = resp.headers["WWW-Authenticate"]
        match = CHALLENGE_RE.match(challenge)
        assert match is not None, challenge
        assert match[1] == realm
        assert match[3] == "false"
        assert "qop" not in challenge
        assert "opaque" not in challenge
        assert sim.requests == []
        assert sim.challenges == 4
        assert sim.auth_failures == 0


async def test_digest_success_and_wrong_password(
    buddy: PrusaLinkSimulator, bclient: DigestClient, session: aiohttp.ClientSession
) -> None:
    reply = await bclient.get("/api/v1/status")
    assert reply.status == 200
    assert bclient.statuses == [401, 200]
    second = await bclient.get("/api/v1/info")  # the nonce is reused, no extra round trip
    assert second.json()["serial"] == buddy.serial
    assert bclient.statuses == [401, 200, 200]
    assert [(m, p) for _, m, p in buddy.requests] == [
        ("GET", "/api/v1/status"),
        ("GET", "/api/v1/info"),
    ]

    wrong = DigestClient(session, buddy.base_url, "maker", "not-the-password")
    assert (await wrong.get("/api/v1/status")).status == 401
    assert buddy.auth_failures == 1
    other_user = DigestClient(session, buddy.base_url, "admin", BUDDY_PW)
    assert (await other_user.get("/api/v1/status")).status == 401
    assert buddy.auth_failures == 2


async def test_digest_uri_must_match_request(
    buddy: PrusaLinkSimulator, bclient: DigestClient, session: aiohttp.ClientSession
) -> None:
    await bclient.get("/api/version")
    header = bclient.header("GET", "/api/version")  # signed for another path
    async with session.get(
        buddy.base_url + "/api/v1/status", headers={"Authorization": header}
    ) as r:
        assert r.status == 401


async def test_algorithm_rejected_by_old_firmware(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    async with (
        PrusaLinkSimulator() as old,
        PrusaLinkSimulator(reject_algorithm=False, firmware="6.5.2+12610") as new,
    ):
        for sim, expected in ((old, 401), (new, 200)):
            client = DigestClient(session, sim.base_url, "maker", BUDDY_PW)
            client.send_algorithm = True
            assert (await client.get("/api/v1/status")).status == expected
            client.send_algorithm = False
            assert (await client.get("/api/v1/status")).status == 200


async def test_expired_nonce_is_stale_then_new_nonce_works(
    buddy: PrusaLinkSimulator, bclient: DigestClient
) -> None:
    assert (await bclient.get("/api/v1/status")).status == 200
    old_nonce = bclient.nonce
    buddy.expire_nonces()
    reply = await bclient.get("/api/v1/status")
    assert reply.status == 200
    assert bclient.statuses == [401, 200, 401, 200]
    assert bclient.nonce != old_nonce
    assert buddy.auth_failures == 1  # the stale one


async def test_stale_reply_carries_stale_true(
    buddy: PrusaLinkSimulator, bclient: DigestClient, session: aiohttp.ClientSession
) -> None:
    await bclient.get("/api/v1/status")
    buddy.expire_nonces()
    header = bclient.header("GET", "/api/v1/status")
    async with session.get(
        buddy.base_url + "/api/v1/status", headers={"Authorization": header}
    ) as r:
        assert r.status == 401
        match = CHALLENGE_RE.match(r.headers["WWW-Authenticate"])
    assert match is not None
    assert match[3] == "true"
    # A wrong password with a stale nonce is not "stale": the digest must be otherwise right.
    bclient.password = "wrong-password"
    async with session.get(
        buddy.base_url + "/api/v1/status",
        headers={"Authorization": bclient.header("GET", "/api/v1/status")},
    ) as r:
        assert r.headers["WWW-Authenticate"].endswith("stale=false")


async def test_nonce_lifetime_elapses(socket_enabled: None, session: aiohttp.ClientSession) -> None:
    async with PrusaLinkSimulator(nonce_lifetime=0.05) as sim:
        client = DigestClient(session, sim.base_url, "maker", BUDDY_PW)
        assert (await client.get("/api/v1/status")).status == 200
        await asyncio.sleep(0.08)
        assert (await client.get("/api/v1/status")).status == 200
        assert client.statuses == [401, 200, 401, 200]


async def test_api_key_buddy(buddy: PrusaLinkSimulator, session: aiohttp.ClientSession) -> None:
    url = buddy.base_url + "/api/v1/status"
    async with session.get(url, headers={"X-Api-Key": BUDDY_PW}) as r:
        assert r.status == 200
        assert (await r.json())["printer"]["state"] == "IDLE"
    async with session.get(url, headers={"X-Api-Key": "wrong"}) as r:
        assert r.status == 401
        assert r.headers["WWW-Authenticate"] == 'ApiKey realm="Printer API"'
    assert buddy.auth_failures == 1


async def test_api_key_pi(
    pi: PrusaLinkSimulator, socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    url = pi.base_url + "/api/v1/status"
    async with session.get(url, headers={"X-Api-Key": PI_KEY}) as r:
        assert r.status == 200
    async with session.get(url, headers={"X-Api-Key": PI_PW}) as r:
        assert r.status == 403
        assert "Bad X-Api-Key." in await r.text()
    async with (
        PrusaLinkSimulator(flavour="pi", username=PI_USER, password=PI_PW) as no_key,
        session.get(no_key.base_url + "/api/v1/status", headers={"X-Api-Key": PI_PW}) as r,
    ):
        assert r.status == 403


async def test_errors_are_json_when_asked(bclient: DigestClient) -> None:
    plain = await bclient.get("/api/v1/nothing")
    assert plain.status == 404
    assert plain.headers["Content-Type"].startswith("text/plain")
    as_json = await bclient.get("/api/v1/nothing", headers={"Accept": "application/json"})
    assert as_json.status == 404
    assert set(as_json.json()) == {"title", "text"}


# ---------------------------------------------------------------------------- shapes


async def test_buddy_version_info_status_job_shapes(
    buddy: PrusaLinkSimulator, bclient: DigestClient
) -> None:
    version = (await bclient.get("/api/version")).json()
    assert version["api"] == "2.0.0"
    assert version["hostname"] == "coreone-sim"
    assert version["firmware"] == "6.5.2+12610"
    assert version["capabilities"] == {"upload-by-put": True}
    info = (await bclient.get("/api/v1/info")).json()
    assert set(info) == {"nozzle_diameter", "mmu", "serial", "hostname", "min_extrusion_temp"}

    idle = await bclient.get("/api/v1/status")
    assert "Content-Length" not in idle.headers  # Buddy sends JSON chunked
    status = idle.json()
    assert "job" not in status
    assert status["storage"] == {"path": "/usb/", "name": "usb", "read_only": False}
    assert status["printer"]["state"] == "IDLE"
    assert {"axis_x", "axis_y", "status_connect"} & set(status["printer"]) == {"axis_x", "axis_y"}
    assert (await bclient.get("/api/v1/job")).status == 204

    job_id = buddy.start_job("/usb/CABLEC~1.BGC")
    assert job_id == 318
    buddy.set_progress(46.0, time_printing=3712, time_remaining=4380)
    status = (await bclient.get("/api/v1/status")).json()
    assert status["job"] == {
        "id": 318,
        "progress": 46.0,
        "time_remaining": 4380,
        "time_printing": 3712,
    }
    assert status["printer"]["state"] == "PRINTING"
    assert "axis_x" not in status["printer"]
    assert isinstance(status["printer"]["temp_nozzle"], float)
    assert isinstance(status["printer"]["fan_print"], int)
    job = (await bclient.get("/api/v1/job")).json()
    assert set(job) == {"id", "state", "progress", "time_remaining", "time_printing", "file"}
    assert job["state"] == "PRINTING"
    size = len(buddy.files["/usb/CABLEC~1.BGC"])
    assert job["file"] == {
        "refs": {
            "icon": "/thumb/s/usb/CABLEC~1.BGC",
            "thumbnail": "/thumb/l/usb/CABLEC~1.BGC",
            "download": "/usb/CABLEC~1.BGC",
        },
        "name": "CABLEC~1.BGC",
        "display_name": "cable_clip_x8_0.4n_0.2mm_PETG_COREONE_2h17m.bgcode",
        "path": "/usb",
        "size": size,
        "m_timestamp": 1752398114,
    }

    buddy.estimate_valid = False
    assert "time_remaining" not in (await bclient.get("/api/v1/status")).json()["job"]
    buddy.attention()
    status = (await bclient.get("/api/v1/status")).json()
    job = (await bclient.get("/api/v1/job")).json()
    assert (status["printer"]["state"], job["state"]) == ("ATTENTION", "PAUSED")


async def test_buddy_job_derived_times_and_attention_finish(
    buddy: PrusaLinkSimulator, bclient: DigestClient
) -> None:
    buddy.start_job("/usb/cable_clip_x8_0.4n_0.2mm_PETG_COREONE_2h17m.bgcode")  # long name works
    buddy.set_progress(50)
    job = (await bclient.get("/api/v1/job")).json()
    assert (job["time_printing"], job["time_remaining"]) == (4112, 4112)  # 8224 s estimate
    buddy.finish_job(attention=True)  # newer firmware: job stays, waiting for part removal
    status = (await bclient.get("/api/v1/status")).json()
    assert status["printer"]["state"] == "ATTENTION"
    assert status["job"]["time_remaining"] == 0
    assert status["job"]["progress"] == 100.0


async def test_pi_shapes(pi: PrusaLinkSimulator, pclient: DigestClient) -> None:
    version = (await pclient.get("/api/version")).json()
    assert version["original"].startswith("PrusaLink I3MK3")
    info = (await pclient.get("/api/v1/info")).json()
    assert info["serial"] == pi.serial
    status = (await pclient.get("/api/v1/status")).json()
    assert [s["path"] for s in status["storage"]] == ["/local", "/sdcard"]
    assert status["printer"]["status_connect"] == {"ok": True, "message": "OK"}
    assert "job" not in status
    assert (await pclient.get("/api/v1/job")).status == 204

    pi.start_job("/local/bracket_v3_0.2mm_PLA_MK3S_1h12m.gcode")
    pi.set_progress(23.0)
    job = (await pclient.get("/api/v1/job")).json()
    name = "bracket_v3_0.2mm_PLA_MK3S_1h12m.gcode"
    assert job["file"]["path"] == f"/PrusaLink gcodes/{name}"
    assert job["file"]["refs"]["download"] == f"/api/files/local/PrusaLink gcodes/{name}/raw"
    assert job["file"]["refs"]["icon"] is None
    meta = job["file"]["meta"]
    assert meta["filament used [g]"] == 18.59
    assert meta["filament_type"] == "PLA"
    assert meta["estimated printing time (normal mode)"] == "1h 12m 8s"
    assert meta["estimated_print_time"] == 4328
    assert job["inaccurate_estimates"] is False
    assert "axis_x" not in (await pclient.get("/api/v1/status")).json()["printer"]

    pi.finish_job()  # the Pi keeps reporting the finished job
    job = (await pclient.get("/api/v1/job")).json()
    assert (job["state"], job["progress"]) == ("FINISHED", 100.0)
    assert (await pclient.get("/api/v1/status")).json()["job"]["id"] == job["id"]
    pi.clear_job()
    assert (await pclient.get("/api/v1/job")).status == 204

    storage = (await pclient.get("/api/v1/storage")).json()["storage_list"]
    assert [(s["type"], s["read_only"]) for s in storage] == [("LOCAL", False), ("SDCARD", True)]


# ---------------------------------------------------------------------------- job control


async def test_job_control_flow(buddy: PrusaLinkSimulator, bclient: DigestClient) -> None:
    last = buddy.last_job_id
    assert (await bclient.request("PUT", f"/api/v1/job/{last}/pause")).status == 409
    assert (await bclient.request("PUT", f"/api/v1/job/{last + 5}/pause")).status == 404
    assert (await bclient.request("PUT", "/api/v1/job/abc/pause")).status == 400

    job_id = buddy.start_job()
    assert buddy.job_id == job_id == last + 1
    assert (await bclient.request("PUT", f"/api/v1/job/{job_id - 1}/pause")).status == 404
    assert (await bclient.request("PUT", f"/api/v1/job/{job_id}/resume")).status == 409
    assert (await bclient.request("PUT", f"/api/v1/job/{job_id}/pause")).status == 204
    assert buddy.state == "PAUSED"
    assert (await bclient.request("PUT", f"/api/v1/job/{job_id}/pause")).status == 409
    assert (await bclient.request("PUT", f"/api/v1/job/{job_id}/continue")).status == 400
    assert (await bclient.request("PUT", f"/api/v1/job/{job_id}/resume")).status == 204
    assert buddy.state == "PRINTING"
    buddy.finish_job()
    assert buddy.state == "FINISHED"
    assert buddy.job_id is None
    assert (await bclient.get("/api/v1/job")).status == 204
    assert "job" not in (await bclient.get("/api/v1/status")).json()
    assert (await bclient.request("PUT", f"/api/v1/job/{job_id}/pause")).status == 409
    assert (await bclient.request("POST", "/api/v1/job/1/pause")).status == 405

    second = buddy.start_job()
    assert second == job_id + 1
    buddy.attention()
    assert (await bclient.request("PUT", f"/api/v1/job/{second}/resume")).status == 409
    assert (await bclient.request("DELETE", f"/api/v1/job/{second}")).status == 204
    assert (buddy.state, buddy.job_id) == ("STOPPED", None)
    assert (await bclient.request("DELETE", f"/api/v1/job/{second}")).status == 409


async def test_run_script_plays_a_whole_job(buddy: PrusaLinkSimulator) -> None:
    job_id = await buddy.run_script(steps=4, interval=0, pause_at_step=2)
    assert (buddy.state, buddy.job_id, buddy.last_job_id) == ("FINISHED", None, job_id)
    await buddy.run_script(steps=4, interval=0, outcome="STOPPED")
    assert buddy.state == "STOPPED"


async def test_played_job_starts_now(buddy: PrusaLinkSimulator, bclient: DigestClient) -> None:
    """time_printing counts the seconds really printed: the job does not start in the past.

    It used to be the file's slicer estimate × progress (an hour-long file at 25 % said
    900 s after one step), so Home Assistant dated the job's start long before it began.
    """
    loop = asyncio.get_running_loop()
    began = loop.time()
    script = asyncio.create_task(buddy.run_script(steps=4, interval=0.4))
    seen = []
    while not script.done():
        status = (await bclient.get("/api/v1/status")).json()
        if "job" in status:
            seen.append((loop.time() - began, status["job"]))
        await asyncio.sleep(0.1)
    job_id = await script
    assert len(seen) >= 10
    for elapsed, job in seen:
        assert job["time_printing"] <= elapsed + 0.5
        assert job["time_remaining"] <= (1 - job["progress"] / 100) * 4 * 0.4 + 0.5
    assert seen[-1][1]["progress"] == 75.0
    assert seen[-1][1]["time_printing"] >= 1
    assert (buddy.state, buddy.last_job_id) == ("FINISHED", job_id)


async def test_paused_job_stands_still_until_resumed(
    buddy: PrusaLinkSimulator, bclient: DigestClient
) -> None:
    """A pause through the API stops the played job's progress and its print time."""
    script = asyncio.create_task(buddy.run_script(steps=10, interval=0.05))
    while (buddy.status_body().get("job") or {}).get("progress", 0) < 20:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    job_id = buddy.job_id
    assert (await bclient.request("PUT", f"/api/v1/job/{job_id}/pause")).status == 204
    paused = (await bclient.get("/api/v1/job")).json()
    await asyncio.sleep(0.5)  # ten steps of the script
    still = (await bclient.get("/api/v1/job")).json()
    assert still["state"] == "PAUSED"
    assert (still["progress"], still["time_printing"]) == (
        paused["progress"],
        paused["time_printing"],
    )
    assert not script.done()
    assert (await bclient.request("PUT", f"/api/v1/job/{job_id}/resume")).status == 204
    assert await asyncio.wait_for(script, 5) == job_id
    assert buddy.state == "FINISHED"


async def test_jitter_moves_temperatures_by_fractions_of_a_degree(socket_enabled: None) -> None:
    sim = PrusaLinkSimulator(jitter=True, seed=5)
    sim.start_job()
    readings = []
    for _ in range(100):
        sim.wander()
        readings.append((sim.telemetry["temp_nozzle"], sim.telemetry["temp_bed"]))
    target_nozzle, target_bed = sim.telemetry["target_nozzle"], sim.telemetry["target_bed"]
    assert all(abs(n - target_nozzle) <= 0.65 and abs(b - target_bed) <= 0.35 for n, b in readings)
    assert all(round(n, 1) == n and round(b, 1) == b for n, b in readings)
    assert len({n for n, _ in readings}) > 5


# ---------------------------------------------------------------------------- files


async def test_buddy_listing_etag_and_file_metadata(
    buddy: PrusaLinkSimulator, bclient: DigestClient
) -> None:
    listing = await bclient.get("/api/v1/files/usb/")
    assert listing.status == 200
    etag = listing.headers["ETag"]
    assert re.fullmatch(r'"\d+"', etag)
    body = listing.json()
    assert (body["type"], body["ro"], body["name"]) == ("FOLDER", False, "usb")
    assert "m_timestamp" not in body  # FAT cannot stat the root
    names = [c["name"] for c in body["children"]]
    assert names == ["CALIBR~1", "CABLEC~1.BGC", "SPOOLH~1.BGC"]  # no .bbf firmware
    cable = body["children"][1]
    assert set(cable) == {"name", "ro", "type", "m_timestamp", "refs", "display_name"}
    assert cable["type"] == "PRINT_FILE"

    again = await bclient.get("/api/v1/files/usb/", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    sub = (await bclient.get("/api/v1/files/usb/CALIBR~1")).json()
    assert sub["display_name"] == "calibration"
    assert [c["name"] for c in sub["children"]] == ["FIRSTL~1.GCO"]
    assert "size" not in sub["children"][0]

    buddy.add_file("/usb/new_part_PLA.bgcode", gcodefiles.make_bgcode())
    changed = await bclient.get("/api/v1/files/usb/", headers={"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
    assert "NEWPAR~1.BGC" in [c["name"] for c in changed.json()["children"]]

    meta = await bclient.get("/api/v1/files/usb/CABLEC~1.BGC")
    assert meta.status == 200
    assert "ETag" not in meta.headers
    assert meta.json()["size"] == len(buddy.files["/usb/CABLEC~1.BGC"])
    assert "meta" not in meta.json()
    assert (await bclient.get("/api/v1/files/usb/MISSING.BGC")).status == 404
    assert (await bclient.get("/api/v1/files/local/")).status == 403


async def test_download_bytes_and_thumbnails_buddy(
    buddy: PrusaLinkSimulator, bclient: DigestClient
) -> None:
    entry = (await bclient.get("/api/v1/files/usb/CABLEC~1.BGC")).json()
    raw = await bclient.get(entry["refs"]["download"])
    assert raw.status == 200
    assert raw.body == buddy.files["/usb/CABLEC~1.BGC"]
    assert raw.body[:4] == b"GCDE"
    assert raw.headers["Content-Length"] == str(len(raw.body))
    assert raw.headers["Content-Disposition"].startswith("attachment")

    icon = await bclient.get(entry["refs"]["icon"])
    large = await bclient.get(entry["refs"]["thumbnail"])
    for reply, size in ((icon, (16, 16)), (large, (313, 173))):
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "image/png"
        assert reply.body[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", reply.body[16:24]) == size
    cached = await bclient.get(
        entry["refs"]["icon"], headers={"If-None-Match": icon.headers["ETag"]}
    )
    assert cached.status == 304

    buddy.add_file("/usb/NOPREV.GCO", b"G28\nG1 X10\n")
    assert (await bclient.get("/thumb/l/usb/NOPREV.GCO")).status == 404
    gcode = (await bclient.get("/usb/CALIBR~1/FIRSTL~1.GCO")).body
    assert b"; filament used [g] = 3.05" in gcode


async def test_pi_listing_download_and_thumbnail(
    pi: PrusaLinkSimulator, pclient: DigestClient
) -> None:
    listing = await pclient.get("/api/v1/files/local")
    assert re.fullmatch(r'W/"[0-9a-f]{10}"', listing.headers["ETag"])
    assert "Last-Modified" in listing.headers
    children = listing.json()["children"]
    assert [c["type"] for c in children] == ["FOLDER", "PRINT_FILE"]
    bracket = children[1]
    assert bracket["read_only"] is False
    assert bracket["size"] == len(pi.files["/local/bracket_v3_0.2mm_PLA_MK3S_1h12m.gcode"])
    assert bracket["meta"]["filament used [g]"] == 18.59
    again = await pclient.get(
        "/api/v1/files/local", headers={"If-None-Match": listing.headers["ETag"]}
    )
    assert again.status == 304

    raw = await pclient.get(bracket["refs"]["download"])
    assert raw.body == pi.files["/local/bracket_v3_0.2mm_PLA_MK3S_1h12m.gcode"]
    assert raw.headers["Content-Length"] == str(len(raw.body))
    thumb = await pclient.get(bracket["refs"]["thumbnail"])
    assert struct.unpack(">II", thumb.body[16:24]) == (313, 173)

    sd = (await pclient.get("/api/v1/files/sdcard")).json()
    assert sd["read_only"] is True
    assert sd["children"][0]["refs"] == {"download": None, "icon": None, "thumbnail": None}
    nested = (await pclient.get("/api/v1/files/local/parts")).json()
    assert [c["name"] for c in nested["children"]] == ["hinge_0.2mm_PETG_MK3S.gcode"]


async def test_cut_download_ends_early(buddy: PrusaLinkSimulator, bclient: DigestClient) -> None:
    buddy.cut_download_after["/usb/SPOOLH~1.BGC"] = 1000
    await bclient.get("/api/version")  # fetch a nonce
    received = bytearray()
    header = bclient.header("GET", "/usb/SPOOLH~1.BGC")
    async with bclient.session.get(
        buddy.base_url + "/usb/SPOOLH~1.BGC", headers={"Authorization": header}
    ) as resp:
        assert resp.status == 200
        assert int(resp.headers["Content-Length"]) > 1000

        async def drain() -> None:
            async for chunk in resp.content.iter_any():
                received.extend(chunk)

        with pytest.raises(aiohttp.ClientPayloadError):
            await drain()
    assert len(received) == 1000
    assert bytes(received) == buddy.files["/usb/SPOOLH~1.BGC"][:1000]
    assert (await bclient.get("/api/v1/status")).status == 200  # the printer is still fine


async def test_streamed_large_file(buddy: PrusaLinkSimulator, bclient: DigestClient) -> None:
    total = 3_000_000
    key = buddy.add_file(
        "/usb/big_PLA.gcode",
        lambda: gcodefiles.iter_gcode(total_bytes=total, chunk_size=1 << 18),
        size=total,
    )
    raw = await bclient.get(key)
    assert len(raw.body) == total
    assert b"; filament used [g] = 21.37" in raw.body[-2000:]


async def test_upload_and_start_print(buddy: PrusaLinkSimulator, bclient: DigestClient) -> None:
    data = gcodefiles.make_bgcode(materials=[("PLA", 5.0)])
    put = await bclient.request("PUT", "/api/v1/files/usb/uploaded_part.bgcode", data=data)
    assert put.status == 201
    again = await bclient.request("PUT", "/api/v1/files/usb/uploaded_part.bgcode", data=data)
    assert again.status == 409
    over = await bclient.request(
        "PUT", "/api/v1/files/usb/uploaded_part.bgcode", data=data, headers={"Overwrite": "?1"}
    )
    assert over.status == 201
    assert (await bclient.request("PUT", "/api/v1/files/usb/x.stl", data=b"solid")).status == 415
    start = await bclient.request("POST", "/api/v1/files/usb/UPLOAD~1.BGC")
    assert start.status == 204
    assert (await bclient.get("/api/v1/job")).json()["file"][
        "display_name"
    ] == "uploaded_part.bgcode"
    assert (await bclient.request("POST", "/api/v1/files/usb/UPLOAD~1.BGC")).status == 409


# ---------------------------------------------------------------------------- faults


async def test_delay_and_offline(buddy: PrusaLinkSimulator, session: aiohttp.ClientSession) -> None:
    url = buddy.base_url + "/api/v1/status"
    key = {"X-Api-Key": BUDDY_PW}
    buddy.delay = 0.3
    with pytest.raises(TimeoutError):
        async with session.get(url, headers=key, timeout=aiohttp.ClientTimeout(total=0.1)):
            pass
    started = time.monotonic()
    async with session.get(url, headers=key) as resp:
        assert resp.status == 200
    assert time.monotonic() - started >= 0.29
    buddy.delay = 0.0

    buddy.offline = True
    with pytest.raises(aiohttp.ClientConnectionError):
        async with session.get(url, headers=key):
            pass
    buddy.offline = False
    async with session.get(url, headers=key) as resp:
        assert resp.status == 200


async def test_max_in_flight_and_request_log(
    buddy: PrusaLinkSimulator, session: aiohttp.ClientSession
) -> None:
    buddy.delay = 0.15
    key = {"X-Api-Key": BUDDY_PW}

    async def fetch(path: str) -> int:
        async with session.get(buddy.base_url + path, headers=key) as resp:
            return resp.status

    statuses = await asyncio.gather(
        fetch("/api/v1/status"), fetch("/api/v1/job"), fetch("/api/v1/info")
    )
    assert statuses == [200, 204, 200]
    assert buddy.max_in_flight == 3
    assert buddy.in_flight == 0
    assert sorted(p for _, _, p in buddy.requests) == [
        "/api/v1/info",
        "/api/v1/job",
        "/api/v1/status",
    ]
    buddy.delay = 0
    await fetch("/api/v1/status")
    assert buddy.max_in_flight == 3
    assert buddy.requests[-1][0] >= buddy.requests[0][0]


async def test_stop_is_prompt_during_a_long_delay(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    sim = PrusaLinkSimulator()
    await sim.start()
    sim.delay = 30

    async def fetch() -> None:
        async with session.get(sim.base_url + "/api/version"):
            pass

    request = asyncio.ensure_future(fetch())
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await sim.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(aiohttp.ClientError):
        await request


# ---------------------------------------------------------------------------- print files


def read_bgcode(data: bytes) -> tuple[int, list[tuple[int, bytes, bytes]]]:
    """Independent bgcode walker: returns (checksum type, [(type, params, data)]), checks CRCs."""
    assert data[:4] == b"GCDE"
    version, checksum_type = struct.unpack_from("<IH", data, 4)
    assert version == 1
    blocks: list[tuple[int, bytes, bytes]] = []
    pos = 10
    while pos < len(data):
        start = pos
        block_type, compression, size = struct.unpack_from("<HHI", data, pos)
        pos += 8
        stored = size
        if compression != 0:
            (stored,) = struct.unpack_from("<I", data, pos)
            pos += 4
        n_params = 6 if block_type == 5 else 2
        params = data[pos : pos + n_params]
        payload = data[pos + n_params : pos + n_params + stored]
        pos += n_params + stored
        if checksum_type == 1:
            (crc,) = struct.unpack_from("<I", data, pos)
            assert crc == zlib.crc32(data[start:pos]), f"bad CRC in block at {start}"
            pos += 4
        if compression == 1:
            payload = zlib.decompress(payload)
        assert len(payload) == size
        blocks.append((block_type, params, payload))
    assert pos == len(data)
    return checksum_type, blocks


def ini(payload: bytes) -> dict[str, str]:
    return dict(line.split("=", 1) for line in payload.decode().splitlines())


@pytest.mark.parametrize(("checksum", "compress"), [(True, False), (True, True), (False, False)])
def test_bgcode_parses_back(checksum: bool, compress: bool) -> None:
    data = gcodefiles.make_bgcode(checksum=checksum, compress_metadata=compress, gcode_bytes=70000)
    checksum_type, blocks = read_bgcode(data)
    assert checksum_type == (1 if checksum else 0)
    types = [b[0] for b in blocks]
    assert types == [0, 3, 5, 5, 4, 2, 1, 1]  # the order PrusaSlicer writes
    assert sum(len(b[2]) for b in blocks if b[0] == 1) == 70000
    assert ini(blocks[0][2]) == {"Producer": "PrusaSlicer 2.8.1"}
    printer = ini(blocks[1][2])
    assert (printer["filament_type"], printer["printer_model"]) == ("PETG", "COREONE")
    thumb_params = [struct.unpack("<HHH", b[1]) for b in blocks if b[0] == 5]
    assert thumb_params == [(0, 16, 16), (0, 313, 173)]
    assert blocks[2][2][:8] == b"\x89PNG\r\n\x1a\n"
    print_meta = ini(blocks[4][2])
    assert print_meta["filament used [g]"] == "21.37"
    assert print_meta["estimated printing time (normal mode)"] == "2h 17m 4s"
    assert float(print_meta["filament used [mm]"]) > 6000
    assert all(struct.unpack("<H", b[1]) == (0,) for b in blocks if b[0] != 5)


def test_bgcode_multi_material() -> None:
    data = gcodefiles.make_bgcode(materials=[("PLA", 12.0), ("PETG", 3.5)], estimated_s=45)
    _, blocks = read_bgcode(data)
    print_meta = ini(next(b[2] for b in blocks if b[0] == 4))
    assert print_meta["filament used [g]"] == "12.00, 3.50"
    assert print_meta["filament_type"] == "PLA;PETG"
    assert print_meta["estimated printing time (normal mode)"] == "45s"


def test_gcode_has_stats_at_the_end() -> None:
    data = gcodefiles.make_gcode(materials=[("PLA", 12.0), ("PETG", 3.5)], padding_lines=500)
    text = data.decode()
    assert text.startswith("; generated by PrusaSlicer 2.8.1 on ")
    head = re.search(r"; thumbnail begin 16x16 (\d+)\n(.*?); thumbnail end", text, re.S)
    assert head is not None
    b64 = "".join(line[2:] for line in head[2].splitlines())
    assert len(b64) == int(head[1])
    tail = text[-3000:]
    assert "; filament used [g] = 12.00, 3.50\n" in tail
    assert "; filament_type = PLA;PETG\n" in tail
    assert "; estimated printing time (normal mode) = 2h 17m 4s\n" in tail
    assert re.search(r"; filament used \[mm\] = [\d.]+, [\d.]+\n", tail)
    assert "; filament cost = 0.30, 0.09\n" in tail
    assert text.index("; filament used [g]") > text.rindex("G1 X")
    single = gcodefiles.make_gcode().decode()
    assert "; filament used [g] = 21.37\n" in single
    assert "; filament cost = 0.53\n" in single
    assert "; filament_type = PETG\n" in single


def test_iter_gcode_exact_size_and_stats() -> None:
    for total in (50_000, 1_234_567):
        chunks = list(gcodefiles.iter_gcode(total_bytes=total, chunk_size=65536))
        data = b"".join(chunks)
        assert len(data) == total
        assert max(len(c) for c in chunks) <= 65536
        assert data.endswith(b"; prusaslicer_config = end\n")
        assert b"; filament used [g] = 21.37\n" in data[-3000:]
        assert all(line.startswith((b"G", b"M", b";")) or line == b"" for line in data.split(b"\n"))
