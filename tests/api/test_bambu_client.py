"""BambuClient against the simulated printer: real TLS MQTT on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import dataclasses
import time
from typing import Any

import pytest

from custom_components.printernizer.api.bambu.client import BambuClient
from custom_components.printernizer.api.bambu.tls import async_probe_fingerprint
from custom_components.printernizer.api.errors import (
    PrinterAuthError,
    PrinterCertificateError,
    PrinterCommandError,
    PrinterCommandTimeoutError,
    PrinterConnectionError,
    PrinterError,
    PrinterTimeoutError,
)
from custom_components.printernizer.api.models import JobOutcome, PrinterSnapshot, PrinterStatus
from tests.simulators.bambu import BambuSimulator
from tests.simulators.mqtt_broker import RC_SERVER_UNAVAILABLE, ConnectInfo

SimFactory = Callable[..., Awaitable[BambuSimulator]]


class Recorder:
    """Collects everything a client reports through its callbacks."""

    def __init__(self, client: BambuClient) -> None:
        self.snapshots: list[PrinterSnapshot] = []
        self.connection: list[bool] = []
        self.fatal: list[PrinterError] = []
        client.on_snapshot = self.snapshots.append
        client.on_connection_change = self.connection.append
        client.on_fatal_error = self.fatal.append


async def wait_for(predicate: Callable[[], Any], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Poll until predicate() is truthy (reports arrive asynchronously)."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polling a condition set by callbacks
            await asyncio.sleep(0.01)


@pytest.fixture
async def make_sim(socket_enabled: None) -> AsyncIterator[SimFactory]:
    """Start simulators that record every MQTT CONNECT they see; all are stopped afterwards."""
    sims: list[BambuSimulator] = []

    async def factory(**kwargs: Any) -> BambuSimulator:
        sim = BambuSimulator(**kwargs)
        sim.connect_log: list[ConnectInfo] = []  # type: ignore[misc]
        broker = sim._broker  # the simulator has no CONNECT log of its own
        authenticate = broker._authenticate

        def recording(info: ConnectInfo) -> int:
            sim.connect_log.append(info)  # type: ignore[attr-defined]
            return authenticate(info)

        broker._authenticate = recording
        sims.append(sim)
        await sim.start()
        return sim

    yield factory
    for sim in sims:
        await sim.stop()


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., BambuClient]]:
    """Clients with test-sized timings; every one is disconnected afterwards."""
    clients: list[BambuClient] = []

    def factory(sim: BambuSimulator, **kwargs: Any) -> BambuClient:
        options: dict[str, Any] = {
            "host": sim.host,
            "port": sim.mqtt_port,
            "serial": sim.serial,
            "access_code": sim.access_code,
            "fingerprint": sim.fingerprint,
        }
        options.update(kwargs)
        client = BambuClient(**options)
        client.reconnect_min_delay = 0.05
        client.reconnect_max_delay = 0.4
        client.command_timeout = 2.0
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.async_disconnect()


@pytest.fixture
async def late_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Executor jobs report back 20 ms late, like a worker thread preempted on a loaded machine.

    Wraps the running loop's `run_in_executor` (undone by monkeypatch after the test): the job
    itself runs unchanged, only the hand-back to the loop is delayed.
    """
    loop = asyncio.get_running_loop()
    run_in_executor = loop.run_in_executor

    def late_run_in_executor(
        executor: Any, func: Callable[..., Any], *args: Any
    ) -> asyncio.Future[Any]:
        def late() -> Any:
            try:
                return func(*args)
            finally:
                time.sleep(0.02)

        return run_in_executor(executor, late)

    monkeypatch.setattr(loop, "run_in_executor", late_run_in_executor)


async def test_connect_gives_full_snapshot(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """After connect: model and firmware from get_version, values from the full report."""
    sim = await make_sim(model="P1S")
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    assert client.connected
    assert rec.connection == [True]
    assert client.model == "P1S"
    assert client.info is not None
    assert (client.info.model, client.info.firmware, client.info.serial) == (
        "P1S",
        "01.09.01.00",
        sim.serial,
    )
    snap = client.snapshot
    assert snap is not None
    assert snap.status is PrinterStatus.IDLE
    assert snap.nozzle_temperature == 24.96875
    assert snap.bed_temperature == 23.96875
    assert snap.chamber_temperature is None  # P1S reports a fake 5 °C
    assert snap.wifi_signal_dbm == -54
    assert snap.ams_trays[0].material == "PLA"
    assert (snap.serial, snap.model, snap.firmware) == (sim.serial, "P1S", "01.09.01.00")
    assert rec.snapshots[-1] == snap
    # Requests: get_version then pushall, QoS 1, increasing string sequence ids.
    sent = [
        (cat, body["command"], body["sequence_id"])
        for req in sim.requests
        for cat, body in req.items()
    ]
    assert [s[:2] for s in sent] == [("info", "get_version"), ("pushing", "pushall")]
    assert [int(s[2]) for s in sent] == sorted(int(s[2]) for s in sent)
    assert all(isinstance(s[2], str) for s in sent)
    assert sim.active_connections == 1
    assert sim.connect_log[0].username == "bblp"
    assert sim.connect_log[0].clean_session
    assert sim.connect_log[0].keepalive == 60
    assert sim.connect_log[0].protocol_level == 4  # MQTT 3.1.1


async def test_trust_on_first_use_pins_the_certificate(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """Without a pin the first certificate seen is pinned; the probe sees the same one."""
    sim = await make_sim()
    assert await async_probe_fingerprint(sim.host, sim.mqtt_port, timeout=5) == sim.fingerprint
    assert sim.connect_log == []  # the probe sent no credentials
    client = make_client(sim, fingerprint=None)
    await client.async_connect(timeout=10)
    assert client.fingerprint == sim.fingerprint


async def test_p1_delta_changes_only_delta_fields(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """A P1 delta (msg 1) updates exactly the fields it carries."""
    sim = await make_sim(model="P1S")
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    before = client.snapshot
    assert before is not None
    await sim.push({"nozzle_temper": 200.5, "wifi_signal": "-61dBm"})
    await wait_for(
        lambda: client.snapshot is not None and client.snapshot.nozzle_temperature == 200.5
    )
    assert sim.published[-1]["print"]["msg"] == 1
    assert set(sim.published[-1]["print"]) == {
        "nozzle_temper",
        "wifi_signal",
        "command",
        "msg",
        "sequence_id",
    }
    assert client.snapshot == dataclasses.replace(
        before, nozzle_temperature=200.5, wifi_signal_dbm=-61
    )
    assert rec.snapshots[-1] is client.snapshot


async def test_x1_full_reports(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """X1C: every push is the full (pretty-printed) object; chamber temperature is real."""
    sim = await make_sim(model="X1C", serial="00M00A000000001")
    client = make_client(sim)
    await client.async_connect(timeout=10)
    assert client.model == "X1C"
    assert client.snapshot is not None
    assert client.snapshot.chamber_temperature == 26.0
    await sim.push({"chamber_temper": 31.5, "bed_temper": 55.0})
    await wait_for(
        lambda: client.snapshot is not None and client.snapshot.chamber_temperature == 31.5
    )
    assert sim.published[-1]["print"]["msg"] == 0
    assert client.snapshot.bed_temperature == 55.0
    assert client.snapshot.ams_trays[0].material == "PLA"


async def test_job_lifecycle_finish(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """PREPARE -> RUNNING (40 %) -> FINISH as the coordinator will see it."""
    sim = await make_sim(model="P1S")
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    await sim.start_job("cube", total_layers=50, prediction_min=62)
    await sim.progress(40)
    await sim.finish_job()
    await wait_for(lambda: rec.snapshots[-1].status is PrinterStatus.FINISHED)
    statuses = [s.status for s in rec.snapshots]
    first = {status: statuses.index(status) for status in dict.fromkeys(statuses)}
    assert (
        first[PrinterStatus.PREPARING]
        < first[PrinterStatus.PRINTING]
        < first[PrinterStatus.FINISHED]
    )
    at_40 = next(s for s in rec.snapshots if s.progress == 40.0)
    assert (at_40.status, at_40.current_layer, at_40.total_layers, at_40.remaining_minutes) == (
        PrinterStatus.PRINTING,
        20,
        50,
        38,
    )
    done = rec.snapshots[-1]
    assert done.outcome is JobOutcome.FINISHED
    assert (done.job_name, done.file_name, done.progress) == ("cube", "cube.gcode.3mf", 100.0)


async def test_job_failed_and_cancelled(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """FAILED with an error is FAILED; a user stop is CANCELLED even after print_error clears."""
    sim = await make_sim(model="P1S")
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)

    await sim.start_job("first")
    await sim.fail_job()
    await wait_for(lambda: rec.snapshots[-1].status is PrinterStatus.FAILED)
    assert rec.snapshots[-1].outcome is JobOutcome.FAILED
    assert rec.snapshots[-1].print_error == 0x07008011

    await sim.start_job("second")
    await sim.progress(10)
    await wait_for(lambda: rec.snapshots[-1].status is PrinterStatus.PRINTING)
    assert rec.snapshots[-1].outcome is None
    await sim.cancel_job()  # 50348044, then FAILED, then print_error 0
    await wait_for(
        lambda: rec.snapshots[-1].print_error == 0 and rec.snapshots[-1].raw_state == "FAILED"
    )
    last = rec.snapshots[-1]
    assert (last.status, last.outcome, last.job_name) == (
        PrinterStatus.FAILED,
        JobOutcome.CANCELLED,
        "second",
    )

    # The latch ends when the next job starts: a later failure is a failure again.
    await sim.start_job("third")
    await wait_for(
        lambda: rec.snapshots[-1].job_name == "third"
        and rec.snapshots[-1].status is PrinterStatus.PRINTING
    )
    await sim.fail_job()
    await wait_for(lambda: rec.snapshots[-1].status is PrinterStatus.FAILED)
    assert rec.snapshots[-1].outcome is JobOutcome.FAILED


async def test_wrong_access_code(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """CONNACK rc 5 -> PrinterAuthError, and nothing keeps running."""
    sim = await make_sim()
    client = make_client(sim, access_code="00000000")
    with pytest.raises(PrinterAuthError):
        await client.async_connect(timeout=10)
    assert not client.connected
    assert [info.password for info in sim.connect_log] == ["00000000"]
    await wait_for(lambda: sim.active_connections == 0)


async def test_wrong_access_code_every_time(
    make_sim: SimFactory, make_client: Callable[..., BambuClient], late_executor: None
) -> None:
    """Regression: a refused CONNACK that arrives before the connect coroutine resumes.

    With the executor slow to report back (a loaded machine), the old client let the loop send
    CONNECT and read the refusal while the executor phase's hooks were still installed: paho
    closed its socket without telling us, the fd stayed registered with the loop, and the
    cleanup's `remove_reader` failed with EBADF, so the config flow showed `cannot_connect`.
    """
    sim = await make_sim()
    errors: list[BaseException] = []

    async def attempt(fingerprint: str | None) -> None:
        client = make_client(sim, access_code="87654321", fingerprint=fingerprint)
        try:
            await client.async_connect(timeout=10)
        except PrinterError as err:
            errors.append(err)
        finally:
            await client.async_disconnect()

    for _ in range(15):  # like the config flow: no pin yet (trust on first use)
        await attempt(None)
    for _ in range(3):  # concurrent attempts share the loop's selector and reuse fd numbers
        await asyncio.gather(*(attempt(sim.fingerprint) for _ in range(5)))
    assert [type(err) for err in errors] == [PrinterAuthError] * 30, errors
    assert [info.password for info in sim.connect_log] == ["87654321"] * 30
    await wait_for(lambda: sim.active_connections == 0)
    good = make_client(sim)  # the loop is still healthy: the right code connects
    await good.async_connect(timeout=10)
    assert good.connected


async def test_pin_mismatch_never_sends_the_access_code(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """A different certificate is refused after the handshake, before CONNECT carries the code."""
    sim = await make_sim()
    client = make_client(sim, fingerprint="ab" * 32)
    before = sim.connection_count
    with pytest.raises(PrinterCertificateError) as excinfo:
        await client.async_connect(timeout=10)
    assert excinfo.value.actual == sim.fingerprint
    assert excinfo.value.expected == "ab" * 32
    assert sim.connection_count == before + 1  # the TCP/TLS connection happened ...
    await asyncio.sleep(0.2)
    assert sim.connect_log == []  # ... but no MQTT CONNECT (user/access code) ever arrived
    assert sim.requests == []
    assert not client.connected


async def test_unreachable_printer(
    socket_enabled: None, make_client: Callable[..., BambuClient]
) -> None:
    """Nothing listening -> PrinterConnectionError."""
    fake = type(
        "Sim",
        (),
        {
            "host": "127.0.0.1",
            "mqtt_port": 1,
            "serial": "X",
            "access_code": "1",
            "fingerprint": None,
        },
    )
    client = make_client(fake)
    with pytest.raises(PrinterConnectionError):
        await client.async_connect(timeout=5)


async def test_reconnects_after_broker_restart(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """Broker gone -> connection lost; back -> reconnected by itself, exactly one connection."""
    sim = await make_sim(model="P1S")
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    await sim.stop_broker()
    await wait_for(lambda: rec.connection == [True, False])
    assert not client.connected
    assert client.snapshot is not None
    assert client.snapshot.status is PrinterStatus.OFFLINE
    await asyncio.sleep(0.5)  # a few failed attempts while the port is closed
    await sim.start_broker()
    await wait_for(lambda: rec.connection == [True, False, True], timeout=10)
    assert client.connected
    await wait_for(lambda: sim.active_connections == 1)
    await sim.push({"nozzle_temper": 180.25})
    await wait_for(
        lambda: client.snapshot is not None and client.snapshot.nozzle_temperature == 180.25
    )
    assert client.snapshot.online
    await asyncio.sleep(0.3)
    assert sim.active_connections == 1
    assert rec.fatal == []


async def test_new_certificate_on_reconnect_is_fatal(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """A changed certificate on a re-connection stops the retries and reports it."""
    sim = await make_sim()
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    pinned = sim.fingerprint
    logins = len(sim.connect_log)
    sim.regenerate_certificate()
    await sim.drop_connections()
    await wait_for(lambda: rec.fatal)
    assert isinstance(rec.fatal[0], PrinterCertificateError)
    assert (rec.fatal[0].expected, rec.fatal[0].actual) == (pinned, sim.fingerprint)
    count = sim.connection_count
    await asyncio.sleep(0.5)
    assert sim.connection_count == count  # no more attempts
    assert len(sim.connect_log) == logins  # the code never went to the new certificate
    assert client.fatal_error is rec.fatal[0]


async def test_wrong_code_on_reconnect_is_fatal(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """The user changed the access code on the printer: rc 5 on reconnect ends the retries."""
    sim = await make_sim()
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    sim.access_code = "87654321"
    await sim.drop_connections()
    await wait_for(lambda: rec.fatal)
    assert isinstance(rec.fatal[0], PrinterAuthError)
    assert rec.connection == [True, False]


async def test_pause_resume_stop(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """Commands are acknowledged by sequence_id and the printer follows."""
    sim = await make_sim(model="P1S")
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    await sim.start_job("cube")
    await wait_for(lambda: rec.snapshots[-1].status is PrinterStatus.PRINTING)
    await client.async_pause()
    await wait_for(lambda: rec.snapshots[-1].status is PrinterStatus.PAUSED)
    await client.async_resume()
    await wait_for(lambda: rec.snapshots[-1].status is PrinterStatus.PRINTING)
    await client.async_stop()
    await wait_for(lambda: rec.snapshots[-1].status is PrinterStatus.FAILED)
    assert rec.snapshots[-1].outcome is JobOutcome.CANCELLED
    commands = [
        (r["print"]["command"], r["print"]["sequence_id"]) for r in sim.requests if "print" in r
    ]
    assert [c for c, _ in commands] == ["pause", "resume", "stop"]
    assert all(r["print"]["param"] == "" for r in sim.requests if "print" in r)
    ids = [int(s) for _, s in commands]
    assert ids == sorted(ids)
    assert len(set(ids)) == 3


async def test_unacknowledged_command_explains_developer_mode(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """No ACK (Developer Mode off) -> PrinterCommandTimeoutError that says what to do."""
    sim = await make_sim(ack_commands=False)
    client = make_client(sim)
    await client.async_connect(timeout=10)
    client.command_timeout = 0.3
    with pytest.raises(PrinterCommandTimeoutError, match="Developer Mode") as excinfo:
        await client.async_pause()
    assert "LAN-only" in str(excinfo.value)
    assert any("print" in r for r in sim.requests)


async def test_commands_need_a_connection() -> None:
    """A command without a connection fails at once."""
    client = BambuClient(host="127.0.0.1", serial="X", access_code="1")
    with pytest.raises(PrinterConnectionError):
        await client.async_pause()


async def test_refresh_throttles_pushall_on_p1(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """P1: pushall at most every 5 minutes; X1: always."""
    p1 = await make_sim(model="P1S")
    client = make_client(p1)
    await client.async_connect(timeout=10)
    assert await client.async_refresh() is False  # connect just sent one
    assert [b["command"] for r in p1.requests for b in r.values()].count("pushall") == 1
    client.pushall_min_interval = 0.0
    assert await client.async_refresh() is True
    await wait_for(
        lambda: [b["command"] for r in p1.requests for b in r.values()].count("pushall") == 2
    )

    x1 = await make_sim(model="X1C", serial="00M00A000000002")
    x1_client = make_client(x1)
    await x1_client.async_connect(timeout=10)
    assert await x1_client.async_refresh() is True


async def test_watchdog_nudges_a_silent_printer(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """After silence a throttled P1 gets pushing.start, an X1 gets pushall."""
    sim = await make_sim(model="P1S")
    client = make_client(sim)
    client.watchdog_timeout = 0.3
    client.watchdog_interval = 0.05
    await client.async_connect(timeout=10)
    await wait_for(
        lambda: any(r.get("pushing", {}).get("command") == "start" for r in sim.requests)
    )
    assert next(r["pushing"]["command"] for r in sim.requests if "pushing" in r) == "pushall"

    x1 = await make_sim(model="X1C", serial="00M00A000000003")
    x1_client = make_client(x1)
    x1_client.watchdog_timeout = 0.3
    x1_client.watchdog_interval = 0.05
    await x1_client.async_connect(timeout=10)
    await wait_for(
        lambda: [r.get("pushing", {}).get("command") for r in x1.requests].count("pushall") >= 2
    )


async def test_disconnect_closes_the_connection(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """After async_disconnect the printer sees no client and no callback fires."""
    sim = await make_sim()
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    await client.async_disconnect()
    assert not client.connected
    await wait_for(lambda: sim.active_connections == 0)
    await sim.push({"nozzle_temper": 99.0})
    await asyncio.sleep(0.1)
    assert rec.connection == [True]
    assert client.snapshot is not None
    assert client.snapshot.nozzle_temperature != 99.0
    await client.async_disconnect()  # idempotent


async def test_repr_and_state(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """repr names serial and address but never the access code; `state` is the merged report."""
    sim = await make_sim(access_code="87654321")
    client = make_client(sim)
    assert repr(client) == f"<BambuClient {sim.serial}@127.0.0.1:{sim.mqtt_port}>"
    assert "87654321" not in repr(client)
    assert client.state == {}
    await client.async_connect(timeout=10)
    assert client.state["gcode_state"] == sim.state["gcode_state"]
    await sim.push({"nozzle_temper": 123.5})
    await wait_for(lambda: client.state.get("nozzle_temper") == 123.5)


async def test_connect_twice_keeps_one_session(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """A second async_connect on a connected client does not open another connection."""
    sim = await make_sim()
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    await client.async_connect(timeout=10)
    assert len(sim.connect_log) == 1  # type: ignore[attr-defined]
    assert rec.connection == [True]


async def test_odd_messages_are_ignored(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """Non-JSON, non-object and non-object bodies change nothing; the next report still lands."""
    sim = await make_sim()
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    before = dict(client.state)
    snapshots = len(rec.snapshots)
    await sim.publish_raw(b"\x00not json")
    await sim.publish_raw(b"[1, 2, 3]")
    await sim.publish_raw({"print": "push_status", "info": 5})
    await sim.push({"bed_temper": 61.0})
    await wait_for(lambda: client.state.get("bed_temper") == 61.0)
    assert client.connected
    changed = {"bed_temper", "msg", "sequence_id"}  # the report itself, not the odd messages
    assert {k: v for k, v in client.state.items() if k not in changed} == {
        k: v for k, v in before.items() if k not in changed
    }
    assert len(rec.snapshots) == snapshots + 1  # only the real report produced a snapshot
    assert rec.snapshots[-1].bed_temperature == 61.0


async def test_failing_callback_does_not_break_the_client(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """A callback that raises is logged; reports keep arriving and being applied."""
    sim = await make_sim()
    client = make_client(sim)
    calls: list[float | None] = []

    def broken(snapshot: PrinterSnapshot) -> None:
        calls.append(snapshot.bed_temperature)
        raise RuntimeError("listener bug")

    client.on_snapshot = broken
    await client.async_connect(timeout=10)
    await sim.push({"bed_temper": 40.0})
    await sim.push({"bed_temper": 45.0})
    await wait_for(lambda: calls[-1:] == [45.0])
    assert client.connected
    assert client.snapshot is not None
    assert client.snapshot.bed_temperature == 45.0


async def test_silent_printer_times_out_cleanly(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """A broker that accepts but never answers get_version/pushall -> PrinterTimeoutError,
    and the client hangs up (nothing left connected)."""
    sim = await make_sim()

    async def ignore(category: str, body: dict[str, Any]) -> None:
        return None

    sim._handle_request = ignore  # type: ignore[method-assign]
    client = make_client(sim)
    started = time.monotonic()
    with pytest.raises(PrinterTimeoutError, match="did not answer within 0.3 s"):
        await client.async_connect(timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert not client.connected
    assert len(sim.connect_log) == 1  # type: ignore[attr-defined]
    await wait_for(lambda: sim.active_connections == 0)


async def test_refused_connection_is_not_an_auth_error(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """CONNACK 'server unavailable' -> PrinterConnectionError, not a (fatal) auth error."""
    sim = await make_sim()
    sim._broker._authenticate = lambda info: RC_SERVER_UNAVAILABLE
    client = make_client(sim)
    with pytest.raises(PrinterConnectionError, match="refused the connection") as excinfo:
        await client.async_connect(timeout=5)
    assert not isinstance(excinfo.value, PrinterAuthError)
    assert not client.connected


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"result": "failed", "reason": "printer busy"}, "printer busy"),
        ({"result": "fail"}, "fail"),
        ({}, "no result"),
    ],
)
async def test_refused_command(
    make_sim: SimFactory,
    make_client: Callable[..., BambuClient],
    reply: dict[str, Any],
    message: str,
) -> None:
    """An ACK without result 'success' -> PrinterCommandError with the printer's reason."""
    sim = await make_sim(ack_commands=False)
    handle_request = sim._handle_request

    async def refusing(category: str, body: dict[str, Any]) -> None:
        if category == "print":
            await sim._publish({"print": {**body, **reply}})
            return
        await handle_request(category, body)

    sim._handle_request = refusing  # type: ignore[method-assign]
    client = make_client(sim)
    await client.async_connect(timeout=10)
    with pytest.raises(PrinterCommandError, match=f"refused 'pause': {message}$"):
        await client.async_pause()
    assert client.connected


async def test_pending_command_fails_when_the_connection_drops(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """A command waiting for its ACK fails at once when the link drops, not after the timeout."""
    sim = await make_sim(ack_commands=False)
    client = make_client(sim)
    await client.async_connect(timeout=10)
    client.command_timeout = 30.0
    task = asyncio.ensure_future(client.async_pause())
    await wait_for(lambda: any("print" in r for r in sim.requests))
    started = time.monotonic()
    await sim.drop_connections()
    with pytest.raises(PrinterConnectionError, match="connection to the printer lost"):
        await task
    assert not isinstance(task.exception(), PrinterCommandTimeoutError)
    assert time.monotonic() - started < 1.5
    await wait_for(lambda: client.connected)  # and it reconnects by itself


async def test_connect_again_after_a_fatal_error(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """After a fatal reconnect refusal (code changed), fixing the code and connecting works."""
    sim = await make_sim()
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    sim.access_code = "99999999"
    await sim.drop_connections()
    await wait_for(lambda: rec.fatal)
    assert isinstance(client.fatal_error, PrinterAuthError)
    assert not client.connected
    sim.access_code = "12345678"
    await client.async_connect(timeout=10)
    assert client.connected
    assert client.fatal_error is None
    assert rec.connection == [True, False, True]


async def test_cancelled_connect_leaves_nothing_running(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """Cancelling async_connect while it waits for the printer closes the connection."""
    sim = await make_sim()

    async def ignore(category: str, body: dict[str, Any]) -> None:
        return None

    sim._handle_request = ignore  # type: ignore[method-assign]
    client = make_client(sim)
    task = asyncio.ensure_future(client.async_connect(timeout=10))
    await wait_for(lambda: sim.active_connections == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not client.connected
    await wait_for(lambda: sim.active_connections == 0)


async def test_temporarily_refusing_printer_is_retried(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """CONNACK 'server unavailable' on reconnect is not fatal: the client keeps trying and
    is back once the printer accepts again."""
    sim = await make_sim()
    client = make_client(sim)
    client.stable_session_s = 0.0  # the first session counts as stable: back-off from the minimum
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    broker = sim._broker
    accept = broker._authenticate
    broker._authenticate = lambda info: RC_SERVER_UNAVAILABLE
    attempts_before = sim.connection_count
    await sim.drop_connections()
    await wait_for(lambda: sim.connection_count >= attempts_before + 2)  # refused twice
    assert not client.connected
    assert client.fatal_error is None
    broker._authenticate = accept
    await wait_for(lambda: client.connected)
    assert rec.connection == [True, False, True]
    assert rec.fatal == []
