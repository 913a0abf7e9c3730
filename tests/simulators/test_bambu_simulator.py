"""The Bambu simulator speaks the real protocols: proven with generic clients only.

paho-mqtt (TLS, MQTT 3.1.1), raw TLS sockets, ftplib with implicit TLS and session reuse and
plain UDP sockets talk to the simulator; none of the integration's code is used, so these
tests pin the simulator's behaviour that the integration tests rely on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import ftplib
import hashlib
import io
import itertools
import json
import re
import socket
import ssl
import struct
from typing import Any
from xml.etree import ElementTree as ET
import zipfile

from cryptography import x509
from cryptography.x509.oid import NameOID
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
import pytest

from tests.simulators.bambu import CANCELLED_BY_USER, BambuSimulator
from tests.simulators.certs import fingerprint_of_pem, make_self_signed_cert
from tests.simulators.ssdp import send_notify
from tests.simulators.threemf import make_3mf, tiny_png

SERIAL = "01P00A000000001"
CODE = "12345678"


def _client_ctx() -> ssl.SSLContext:
    """TLS client context without CA loading (no blocking file I/O in the event loop)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Probe:
    """paho-mqtt client in its own thread, feeding connects and messages to asyncio queues."""

    def __init__(
        self, sim: BambuSimulator, *, password: str = CODE, client_id: str = "probe"
    ) -> None:
        self.sim = sim
        self.loop = asyncio.get_running_loop()
        self.connects: asyncio.Queue[mqtt.ReasonCode] = asyncio.Queue()
        self.disconnects: asyncio.Queue[object] = asyncio.Queue()
        self.messages: asyncio.Queue[tuple[bytes, dict[str, Any]]] = asyncio.Queue()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311
        )
        self.client.tls_set_context(_client_ctx())
        self.client.username_pw_set("bblp", password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any) -> None:
        if not rc.is_failure:
            client.subscribe(f"device/{self.sim.serial}/report", qos=1)
        self.loop.call_soon_threadsafe(self.connects.put_nowait, rc)

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, rc: Any, _p: Any) -> None:
        self.loop.call_soon_threadsafe(self.disconnects.put_nowait, rc)

    def _on_message(self, _c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        item = (msg.payload, json.loads(msg.payload))
        self.loop.call_soon_threadsafe(self.messages.put_nowait, item)

    async def start(self) -> mqtt.ReasonCode:
        """Connect (in paho's thread: the broker lives in this event loop) and subscribe."""
        self.client.connect_async("127.0.0.1", self.sim.mqtt_port, keepalive=30)
        self.client.loop_start()
        rc = await asyncio.wait_for(self.connects.get(), 5)
        if not rc.is_failure:
            await self.wait_for(lambda: self.sim.active_connections >= 1)
            await asyncio.sleep(0.1)  # let SUBSCRIBE land before tests publish
        return rc

    async def stop(self) -> None:
        self.client.disconnect()
        await asyncio.to_thread(self.client.loop_stop)

    def request(self, payload: dict[str, Any]) -> None:
        self.client.publish(f"device/{self.sim.serial}/request", json.dumps(payload), qos=1)

    async def next(
        self, where: Callable[[dict[str, Any]], bool] = lambda m: True, within: float = 5
    ) -> dict[str, Any]:
        """Next message matching ``where`` (others are skipped)."""
        async with asyncio.timeout(within):
            while True:
                _, msg = await self.messages.get()
                if where(msg):
                    return msg

    async def silent(self, seconds: float) -> list[dict[str, Any]]:
        """Everything received within ``seconds``."""
        await asyncio.sleep(seconds)
        out = []
        while not self.messages.empty():
            out.append(self.messages.get_nowait()[1])
        return out

    @staticmethod
    async def wait_for(cond: Callable[[], bool], within: float = 5) -> None:
        """Poll a simulator counter (they change in the loop, there is no event for them)."""
        async with asyncio.timeout(within):
            while not cond():  # noqa: ASYNC110
                await asyncio.sleep(0.02)


def is_status(msg: dict[str, Any]) -> bool:
    return msg.get("print", {}).get("command") == "push_status"


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    async with BambuSimulator(serial=SERIAL, access_code=CODE, model="P1S") as simulator:
        yield simulator


@pytest.fixture
async def probe(sim: BambuSimulator) -> AsyncIterator[Probe]:
    client = Probe(sim)
    rc = await client.start()
    assert not rc.is_failure
    yield client
    await client.stop()


# ----------------------------------------------------------------------------- MQTT


async def test_pushall_gives_full_report_with_firmware_types(
    sim: BambuSimulator, probe: Probe
) -> None:
    probe.request({"pushing": {"sequence_id": "0", "command": "pushall"}})
    msg = (await probe.next(is_status))["print"]
    assert msg["msg"] == 0
    assert len(msg) >= 60
    assert msg["gcode_state"] == "IDLE"
    assert msg["stg_cur"] == 255
    assert isinstance(msg["sequence_id"], str)
    assert int(msg["sequence_id"]) > 0
    assert msg["wifi_signal"] == "-54dBm"
    for key in ("cooling_fan_speed", "mc_print_stage", "gcode_file_prepare_percent",
                "nozzle_diameter", "project_id", "task_id"):  # fmt: skip
        assert isinstance(msg[key], str), key
    assert isinstance(msg["mc_percent"], int)
    assert isinstance(msg["nozzle_temper"], float)
    assert msg["ams"]["ams"][0]["tray"][0]["tray_type"] == "PLA"
    assert sim.requests == [{"pushing": {"sequence_id": "0", "command": "pushall"}}]
    assert sim.connection_count == 1
    assert sim.active_connections == 1


async def test_get_version_identifies_model(sim: BambuSimulator, probe: Probe) -> None:
    probe.request({"info": {"sequence_id": "7", "command": "get_version"}})
    info = (await probe.next(lambda m: "info" in m))["info"]
    assert info["sequence_id"] == "7"
    modules = {m["name"]: m for m in info["module"]}
    assert modules["ota"]["product_name"] == "Bambu Lab P1S"
    assert modules["ota"]["sw_ver"] == "01.09.01.00"
    assert modules["esp32"]["project_name"] == "C12"
    assert modules["esp32"]["sn"] == SERIAL


async def test_wrong_access_code_is_not_authorised(sim: BambuSimulator) -> None:
    client = Probe(sim, password="87654321")
    try:
        rc = await client.start()
    finally:
        await client.stop()
    assert rc.is_failure
    assert str(rc) == "Not authorized"
    assert sim.active_connections == 0


def _tls_socket(port: int) -> ssl.SSLSocket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return _client_ctx().wrap_socket(sock)


def _connect_packet(password: str, keepalive: int = 30, client_id: str = "raw") -> bytes:
    def s(v: str) -> bytes:
        return struct.pack(">H", len(v)) + v.encode()

    body = s("MQTT") + bytes([4, 0xC2]) + struct.pack(">H", keepalive)
    body += s(client_id) + s("bblp") + s(password)
    return bytes([0x10, len(body)]) + body


def _recv_exact(sock: ssl.SSLSocket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


async def test_raw_mqtt_codes_fragmentation_and_keepalive(sim: BambuSimulator) -> None:
    """Byte-level check: CONNACK rc 5, fragmented packets, SUBACK, PINGRESP, keepalive drop."""

    def run() -> tuple[bytes, bytes, bytes, bytes, bytes, bytes]:
        with _tls_socket(sim.mqtt_port) as bad:
            bad.sendall(_connect_packet("wrong"))
            refused = _recv_exact(bad, 4)
            after_refusal = bad.recv(1)
        with _tls_socket(sim.mqtt_port) as good:
            for byte in _connect_packet(CODE, keepalive=1):  # one byte per TLS record
                good.sendall(bytes([byte]))
            accepted = _recv_exact(good, 4)
            topic = f"device/{SERIAL}/report".encode()
            sub = b"\x00\x01" + struct.pack(">H", len(topic)) + topic + b"\x01"
            good.sendall(bytes([0x82, len(sub)]) + sub)
            suback = _recv_exact(good, 5)
            good.sendall(b"\xc0\x00")
            pingresp = _recv_exact(good, 2)
            good.settimeout(4)
            dropped = good.recv(1)  # silent for > 1.5 x keepalive: broker hangs up
        return refused, after_refusal, accepted, suback, pingresp, dropped

    refused, after_refusal, accepted, suback, pingresp, dropped = await asyncio.to_thread(run)
    assert refused == b"\x20\x02\x00\x05"
    assert after_refusal == b""
    assert accepted == b"\x20\x02\x00\x00"
    assert suback == b"\x90\x03\x00\x01\x01"
    assert pingresp == b"\xd0\x00"
    assert dropped == b""


async def test_p1_sends_only_changed_fields_after_pushall(
    sim: BambuSimulator, probe: Probe
) -> None:
    probe.request({"pushing": {"sequence_id": "0", "command": "pushall"}})
    full = (await probe.next(is_status))["print"]
    await sim.start_job("cube", total_layers=50, prediction_min=62)
    await sim.progress(40)
    deltas = [(await probe.next(is_status))["print"] for _ in range(5)]
    assert all(d["msg"] == 1 for d in deltas)
    assert [d.get("gcode_state") for d in deltas] == ["PREPARE", None, None, "RUNNING", "RUNNING"]
    assert [d.get("gcode_file_prepare_percent") for d in deltas[:3]] == ["0", "50", "100"]
    last = deltas[-1]
    assert set(last) == {
        "gcode_state", "mc_percent", "layer_num", "mc_remaining_time", "wifi_signal",
        "nozzle_temper", "bed_temper", "cooling_fan_speed", "command", "msg", "sequence_id",
    }  # fmt: skip
    assert (last["mc_percent"], last["layer_num"], last["mc_remaining_time"]) == (40, 20, 38)
    seqs = [int(full["sequence_id"])] + [int(d["sequence_id"]) for d in deltas]
    assert seqs == sorted(set(seqs))  # strictly increasing
    assert deltas[0]["subtask_name"] == "cube"
    assert deltas[0]["gcode_file"] == "cube.gcode.3mf"
    assert sim.state["ams"]["tray_now"] == "255"  # untouched fields stay in the merged state
    assert sim.state["mc_percent"] == 40


async def test_x1_sends_whole_object_every_time(socket_enabled: None) -> None:
    async with BambuSimulator(model="X1C", serial="00M00A000000001", name="Sim X1C") as x1:
        client = Probe(x1)
        try:
            assert not (await client.start()).is_failure
            await x1.push({"mc_percent": 5})
            raw, msg = await asyncio.wait_for(client.messages.get(), 5)
            client.request({"info": {"sequence_id": "1", "command": "get_version"}})
            info = (await client.next(lambda m: "info" in m))["info"]
        finally:
            await client.stop()
    body = msg["print"]
    assert body["msg"] == 0
    assert body["mc_percent"] == 5
    assert len(body) >= 60
    assert body["stg_cur"] == -1
    assert body["chamber_temper"] == 26.0
    assert b"\n" in raw  # X1 firmware pretty-prints
    ota = next(m for m in info["module"] if m["name"] == "ota")
    assert ota["product_name"] == "Bambu Lab X1-Carbon"


async def test_job_end_states(sim: BambuSimulator) -> None:
    await sim.start_job("cube", total_layers=50)
    await sim.progress(50)
    await sim.pause_job()
    assert sim.state["gcode_state"] == "PAUSE"
    await sim.resume_job()
    await sim.finish_job()
    final = sim.published[-1]["print"]
    assert final["gcode_state"] == "FINISH"
    assert (final["mc_percent"], final["mc_remaining_time"], final["layer_num"]) == (100, 0, 50)
    assert (final["nozzle_target_temper"], final["bed_target_temper"]) == (0, 0)
    assert final["stg_cur"] == 255

    await sim.start_job("plate2")
    await sim.fail_job()
    assert sim.published[-1]["print"]["gcode_state"] == "FAILED"
    assert sim.published[-1]["print"]["print_error"] == 0x07008011

    await sim.start_job("plate3")
    mark = len(sim.published)
    await sim.cancel_job()
    cancel = [m["print"] for m in sim.published[mark:]]
    assert [c.get("print_error") for c in cancel] == [CANCELLED_BY_USER, None, 0]
    assert cancel[1]["gcode_state"] == "FAILED"
    assert (sim.state["print_error"], sim.state["gcode_state"]) == (0, "FAILED")


async def test_paused_job_stands_still_until_resumed(sim: BambuSimulator, probe: Probe) -> None:
    """A pause command stops the played job's progress (it used to run on, RUNNING again)."""
    script = asyncio.create_task(sim.run_script(steps=20, interval=0.05))
    await probe.wait_for(lambda: sim.state["mc_percent"] >= 10)
    probe.request({"print": {"command": "pause", "sequence_id": "7", "param": ""}})
    await probe.wait_for(lambda: sim.state["gcode_state"] == "PAUSE")
    paused_at = sim.state["mc_percent"]
    mark = len(sim.published)
    await asyncio.sleep(0.5)  # ten steps of the script
    during = [m["print"] for m in sim.published[mark:]]
    assert len(during) >= 5  # the printer keeps reporting its temperatures
    assert all("mc_percent" not in m and "gcode_state" not in m for m in during)
    assert (sim.state["gcode_state"], sim.state["mc_percent"]) == ("PAUSE", paused_at)
    assert not script.done()

    probe.request({"print": {"command": "resume", "sequence_id": "8", "param": ""}})
    await asyncio.wait_for(script, 5)
    assert (sim.state["gcode_state"], sim.state["mc_percent"]) == ("FINISH", 100)


async def test_stop_command_ends_the_played_job(sim: BambuSimulator, probe: Probe) -> None:
    script = asyncio.create_task(sim.run_script(steps=20, interval=0.05))
    await probe.wait_for(lambda: sim.state["mc_percent"] >= 10)
    probe.request({"print": {"command": "stop", "sequence_id": "9", "param": ""}})
    await asyncio.wait_for(script, 5)
    assert sim.state["gcode_state"] == "FAILED"
    assert sim.published[-1]["print"] == {
        "print_error": 0, "command": "push_status", "msg": 1, "sequence_id": str(sim._seq)
    }  # fmt: skip


async def test_scripted_pause_resumes_by_itself(sim: BambuSimulator) -> None:
    await sim.run_script(outcome="pause", steps=4, interval=0)
    states = [m["print"]["gcode_state"] for m in sim.published if "gcode_state" in m["print"]]
    changes = [s for n, s in enumerate(states) if n == 0 or states[n - 1] != s]
    assert changes == ["PREPARE", "RUNNING", "PAUSE", "RUNNING", "FINISH"]


async def test_jitter_wanders_like_a_printer(socket_enabled: None) -> None:
    """Temperatures within fractions of a degree of the target (1/32 °C steps), Wi-Fi ±1-2 dBm."""
    async with BambuSimulator(jitter=True, seed=3) as noisy:
        await noisy.start_job("cube")
        reports = []
        for percent in range(1, 200):
            await noisy.progress(percent // 2)
            reports.append(noisy.published[-1]["print"])
    nozzle = [r["nozzle_temper"] for r in reports]
    bed = [r["bed_temper"] for r in reports]
    wifi = [int(r["wifi_signal"].removesuffix("dBm")) for r in reports]
    assert all(abs(t - 220) <= 0.6 + 1 / 64 and (t * 32).is_integer() for t in nozzle)
    assert all(abs(t - 60) <= 0.3 + 1 / 64 and (t * 32).is_integer() for t in bed)
    assert all(-56 <= w <= -52 for w in wifi)
    assert len(set(nozzle)) > 10
    assert len(set(bed)) > 5
    assert len(set(wifi)) >= 3
    # Like a regulated heater, successive readings are close (not independent throws).
    assert max(abs(a - b) for a, b in itertools.pairwise(nozzle)) < 0.6


async def test_control_commands_are_acked_with_same_sequence_id(
    sim: BambuSimulator, probe: Probe
) -> None:
    await sim.start_job("cube")
    probe.request({"print": {"command": "pause", "sequence_id": "101", "param": ""}})
    ack = (await probe.next(lambda m: m.get("print", {}).get("sequence_id") == "101"))["print"]
    assert (ack["command"], ack["result"]) == ("pause", "success")
    state = await probe.next(lambda m: "gcode_state" in m.get("print", {}))
    assert state["print"]["gcode_state"] == "PAUSE"

    probe.request({"print": {"command": "resume", "sequence_id": "102", "param": ""}})
    ack = (await probe.next(lambda m: m.get("print", {}).get("sequence_id") == "102"))["print"]
    assert ack["command"] == "resume"
    await probe.next(lambda m: m.get("print", {}).get("gcode_state") == "RUNNING")

    probe.request({"print": {"command": "stop", "sequence_id": "103", "param": ""}})
    ack = (await probe.next(lambda m: m.get("print", {}).get("sequence_id") == "103"))["print"]
    assert (ack["command"], ack["result"]) == ("stop", "success")
    err = await probe.next(lambda m: "print_error" in m.get("print", {}))
    assert err["print"]["print_error"] == CANCELLED_BY_USER
    await probe.next(lambda m: m.get("print", {}).get("gcode_state") == "FAILED")
    err = await probe.next(lambda m: "print_error" in m.get("print", {}))
    assert err["print"]["print_error"] == 0


async def test_commands_dropped_without_developer_mode(socket_enabled: None) -> None:
    async with BambuSimulator(ack_commands=False) as quiet:
        await quiet.start_job("cube")
        client = Probe(quiet)
        try:
            assert not (await client.start()).is_failure
            client.request({"print": {"command": "pause", "sequence_id": "5", "param": ""}})
            received = await client.silent(0.5)
            client.request({"pushing": {"sequence_id": "6", "command": "pushall"}})
            full = (await client.next(is_status))["print"]
        finally:
            await client.stop()
    assert received == []
    assert quiet.state["gcode_state"] == "RUNNING"
    assert (full["msg"], full["gcode_state"]) == (0, "RUNNING")
    assert quiet.requests[0]["print"]["command"] == "pause"


async def test_broker_restart_on_same_port_and_client_reconnects(
    sim: BambuSimulator, probe: Probe
) -> None:
    port = sim.mqtt_port
    await sim.stop_broker()
    await asyncio.wait_for(probe.disconnects.get(), 5)
    assert sim.active_connections == 0
    await sim.start_broker()
    assert sim.mqtt_port == port
    rc = await asyncio.wait_for(probe.connects.get(), 5)  # paho's own reconnect
    assert not rc.is_failure
    assert sim.connection_count >= 2
    await probe.wait_for(lambda: sim.active_connections == 1)


async def test_regenerated_certificate_used_for_new_connections(sim: BambuSimulator) -> None:
    def peer_fingerprint(port: int) -> str:
        with _tls_socket(port) as tls:
            der = tls.getpeercert(binary_form=True)
        assert der is not None
        return hashlib.sha256(der).hexdigest()

    old = sim.fingerprint
    assert await asyncio.to_thread(peer_fingerprint, sim.mqtt_port) == old
    assert await asyncio.to_thread(peer_fingerprint, sim.ftp_port) == old
    sim.regenerate_certificate()
    assert sim.fingerprint != old
    assert sim.fingerprint == fingerprint_of_pem(sim.cert_pem)
    assert await asyncio.to_thread(peer_fingerprint, sim.mqtt_port) == sim.fingerprint
    assert await asyncio.to_thread(peer_fingerprint, sim.ftp_port) == sim.fingerprint


async def test_certificate_can_be_trusted_as_ca_with_serial_hostname(
    sim: BambuSimulator,
) -> None:
    def handshake() -> str:
        ctx = ssl.create_default_context(cadata=sim.cert_pem.decode())
        sock = socket.create_connection(("127.0.0.1", sim.mqtt_port), timeout=5)
        with ctx.wrap_socket(sock, server_hostname=SERIAL) as tls:
            return str(tls.version())

    assert (await asyncio.to_thread(handshake)).startswith("TLS")
    cert = x509.load_pem_x509_certificate(sim.cert_pem)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == SERIAL
    assert re.fullmatch(r"[0-9a-f]{64}", sim.fingerprint)
    assert fingerprint_of_pem(make_self_signed_cert("x")[0]) != sim.fingerprint


# ----------------------------------------------------------------------------- FTPS


class ImplicitFTPS(ftplib.FTP_TLS):
    """ftplib client for port 990: TLS from the first byte, data channel resumes the session."""

    def __init__(self, *, reuse_session: bool = True) -> None:
        super().__init__(context=_client_ctx(), timeout=5)
        self.reuse_session = reuse_session

    def connect(
        self, host: str = "", port: int = 0, timeout: float = 5, source_address: Any = None
    ) -> str:  # type: ignore[override]
        self.host, self.port = host, port
        raw = socket.create_connection((host, port), timeout)
        self.af = raw.family
        self.sock = self.context.wrap_socket(raw)
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome

    def ntransfercmd(
        self, cmd: str, rest: int | str | None = None
    ) -> tuple[socket.socket, int | None]:
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        session = self.sock.session if self.reuse_session else None  # type: ignore[union-attr]
        return self.context.wrap_socket(conn, session=session), size


def _ftp(sim: BambuSimulator, *, password: str = CODE, reuse: bool = True) -> ImplicitFTPS:
    ftp = ImplicitFTPS(reuse_session=reuse)
    ftp.connect("127.0.0.1", sim.ftp_port)
    ftp.login("bblp", password)
    ftp.prot_p()
    return ftp


async def test_ftps_lists_and_downloads_byte_exact(sim: BambuSimulator) -> None:
    def run() -> dict[str, Any]:
        ftp = _ftp(sim)
        try:
            out: dict[str, Any] = {"pwd": ftp.pwd()}
            ftp.cwd("/cache")
            out["nlst"] = sorted(ftp.nlst())
            lines: list[str] = []
            ftp.retrlines("LIST", lines.append)
            out["list"] = lines
            out["mlsd"] = dict(ftp.mlsd("/"))
            out["size"] = ftp.size("/cache/benchy.3mf")
            out["mdtm"] = ftp.voidcmd("MDTM /cache/benchy.3mf")
            buf = io.BytesIO()
            ftp.retrbinary("RETR /cache/benchy.3mf", buf.write)
            out["data"] = buf.getvalue()
            out["dele"] = ftp.delete("/cube.gcode.3mf")
            out["root"] = sorted(ftp.nlst("/"))
            return out
        finally:
            ftp.quit()

    out = await asyncio.to_thread(run)
    files = await sim.list_files()
    assert out["pwd"] == "/"
    assert out["nlst"] == ["benchy.3mf", "cable_clip_x12.gcode.3mf"]  # P1: bare names
    assert any(line.startswith("-") and line.endswith(" benchy.3mf") for line in out["list"])
    assert out["mlsd"]["cache"]["type"] == "dir"
    assert out["mlsd"]["timelapse"]["type"] == "dir"
    assert out["data"] == files["/cache/benchy.3mf"]
    assert out["size"] == len(out["data"])
    assert out["mdtm"].startswith("213 ")
    assert out["dele"].startswith("250")
    assert "/cube.gcode.3mf" not in files
    assert out["root"] == ["cache", "model", "timelapse"]
    with zipfile.ZipFile(io.BytesIO(out["data"])) as zf:
        assert "Metadata/slice_info.config" in zf.namelist()


async def test_ftps_requires_session_reuse_and_password(sim: BambuSimulator) -> None:
    def without_reuse() -> str:
        ftp = _ftp(sim, reuse=False)
        try:
            conn = ftp.transfercmd("LIST /cache")  # the TLS handshake itself succeeds ...
            try:
                assert conn.recv(1024) == b""  # ... then the server hangs up: no listing
            finally:
                conn.close()
            with pytest.raises(ftplib.error_perm) as err:
                ftp.voidresp()
            return str(err.value)
        finally:
            ftp.close()

    def wrong_password() -> str:
        with pytest.raises(ftplib.error_perm) as err:
            _ftp(sim, password="00000000")
        return str(err.value)

    assert await asyncio.to_thread(without_reuse) == (
        "522 SSL connection failed: session reuse required"
    )
    assert (await asyncio.to_thread(wrong_password)).startswith("530")


async def test_ftps_cut_transfer_then_retry(sim: BambuSimulator) -> None:
    path = "/cache/cable_clip_x12.gcode.3mf"
    sim.cut_transfer_after[path] = 1000

    def run() -> tuple[int, BaseException | None, str, bytes]:
        ftp = _ftp(sim)
        try:
            got = bytearray()
            error: BaseException | None = None
            try:
                ftp.retrbinary(f"RETR {path}", got.extend)
            except (OSError, EOFError, ftplib.Error) as err:
                error = err
            if isinstance(error, ftplib.Error):
                resp = str(error)
            else:  # TLS unwrap failed first: the 426 is still waiting on the control channel
                with pytest.raises(ftplib.error_temp) as late:
                    ftp.voidresp()
                resp = str(late.value)
            sim.cut_transfer_after.pop(path)
            buf = io.BytesIO()
            ftp.retrbinary(f"RETR {path}", buf.write)
            return len(got), error, resp, buf.getvalue()
        finally:
            ftp.quit()

    received, error, resp, full = await asyncio.to_thread(run)
    assert received == 1000
    assert error is not None
    assert resp.startswith("426")
    assert full == (await sim.list_files())[path]


async def test_x1_nlst_returns_full_paths(socket_enabled: None) -> None:
    async with BambuSimulator(model="X1C", files={"/cache/a.3mf": make_3mf()}) as x1:

        def run() -> list[str]:
            ftp = _ftp(x1)
            try:
                return ftp.nlst("/cache")
            finally:
                ftp.quit()

        assert await asyncio.to_thread(run) == ["/cache/a.3mf"]


# ----------------------------------------------------------------------------- 3MF and SSDP


def test_make_3mf_is_a_real_bambu_archive() -> None:
    data = make_3mf(filaments=[("PLA", 12.34), ("PETG", 3.5)], prediction_s=3725)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        root = ET.fromstring(zf.read("Metadata/slice_info.config"))
        settings = json.loads(zf.read("Metadata/project_settings.config"))
        png = zf.read("Metadata/plate_1.png")
        gcode = zf.read("Metadata/plate_1.gcode").decode()
    assert {"[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model"} <= names
    plate = root.find("plate")
    assert plate is not None
    meta = {m.get("key"): m.get("value") for m in plate.findall("metadata")}
    assert (meta["index"], meta["prediction"], meta["weight"]) == ("1", "3725", "15.84")
    assert meta["printer_model_id"] == "C12"
    filaments = plate.findall("filament")
    assert [(f.get("id"), f.get("type"), f.get("used_g")) for f in filaments] == [
        ("1", "PLA", "12.34"),
        ("2", "PETG", "3.50"),
    ]
    assert 4.0 < float(filaments[0].get("used_m") or 0) < 4.3
    assert settings["filament_type"] == ["PLA", "PETG"]
    assert settings["filament_cost"] == ["24.99", "24.99"]
    assert png == tiny_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (4, 4)
    assert "; HEADER_BLOCK_START" in gcode
    assert "total estimated time: 1h 2m 5s" in gcode

    bare = make_3mf(with_plate=False, plate_png=tiny_png(2, 2, (0, 0, 255)))
    with zipfile.ZipFile(io.BytesIO(bare)) as zf:
        root = ET.fromstring(zf.read("Metadata/slice_info.config"))
        assert zf.read("Metadata/plate_1.png") == tiny_png(2, 2, (0, 0, 255))
        assert "Metadata/plate_1.gcode" not in zf.namelist()
    assert root.find("header") is not None
    assert root.find("plate") is None


def _parse_notify(data: bytes) -> tuple[str, dict[str, str]]:
    start, *lines = data.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines if line)
    return start, {k.lower(): v for k, v in headers.items()}


async def test_ssdp_notify_packets(socket_enabled: None) -> None:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        udp.setblocking(False)
        port = udp.getsockname()[1]
        async with BambuSimulator(model="A1 mini", serial="0300AA000000001", name="Shelf") as s:
            await send_notify(s, port)
            one, _ = await asyncio.wait_for(loop.sock_recvfrom(udp, 4096), 5)
        await send_notify({"USN": "X", "DevSignal.bambu.com": None}, port)
        two, _ = await asyncio.wait_for(loop.sock_recvfrom(udp, 4096), 5)
        async with BambuSimulator(ssdp_port=port):
            periodic = [
                (await asyncio.wait_for(loop.sock_recvfrom(udp, 4096), 5))[0] for _ in range(2)
            ]
    start, headers = _parse_notify(one)
    assert start == "NOTIFY * HTTP/1.1"
    assert headers["usn"] == "0300AA000000001"
    assert headers["devmodel.bambu.com"] == "N1"
    assert headers["devname.bambu.com"] == "Shelf"
    assert headers["location"] == "127.0.0.1"
    assert headers["nt"] == "urn:bambulab-com:device:3dprinter:1"
    assert (headers["devconnect.bambu.com"], headers["devbind.bambu.com"]) == ("lan", "free")
    assert headers["devversion.bambu.com"] == "01.05.00.00"
    _, headers = _parse_notify(two)
    assert headers["usn"] == "X"
    assert "devsignal.bambu.com" not in headers
    assert all(_parse_notify(p)[1]["usn"] == SERIAL for p in periodic)
