"""BambuClient at the edges, against the simulated printer over real TLS sockets.

Connections cut or abandoned at awkward moments (during the TLS handshake, right after it, as the
login is accepted), a printer that hangs up on CONNECT, a hung printer found by the keepalive, the
watchdog across an outage, a printer that stops acknowledging requests, malformed reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import dataclasses
import logging
import sys
import threading
import time
from typing import Any

import pytest

from custom_components.printernizer.api.bambu.client import BambuClient
from custom_components.printernizer.api.errors import PrinterAuthError, PrinterConnectionError
from tests.api import test_bambu_client as _base
from tests.api.test_bambu_client import Recorder, SimFactory, wait_for
from tests.simulators.bambu import BambuSimulator
from tests.simulators.mqtt_broker import (
    PINGREQ,
    PUBLISH,
    RC_BAD_PROTOCOL,
    MqttBroker,
    ProtocolError,
)

_CLIENT_LOGGER = "custom_components.printernizer.api.bambu.client"

# The simulator and client fixtures of the main client tests (started/closed the same way).
make_sim = _base.make_sim
make_client = _base.make_client


def _handler_tasks(sim: BambuSimulator) -> int:
    """Connections the simulated broker is still serving (TCP open on its side)."""
    return len(sim._broker._tasks)


def _commands(sim: BambuSimulator, category: str) -> list[str]:
    return [r[category].get("command") for r in sim.requests if category in r]


@dataclasses.dataclass
class ConnectGate:
    """Holds the executor's blocking connect after it finished, until `release`."""

    futures: list[asyncio.Future[Any]]
    release: threading.Event


@pytest.fixture
async def gated_connect(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ConnectGate]:
    """The executor's TCP+TLS connect finishes, then its worker waits for the test to let go.

    Only the hand-back to the loop is held (like a worker thread preempted on a loaded machine);
    the connect itself runs unchanged. The future the client awaits is exposed to the test.
    """
    loop = asyncio.get_running_loop()
    run_in_executor = loop.run_in_executor
    gate = ConnectGate([], threading.Event())

    def gated(executor: Any, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        if getattr(func, "__name__", "") != "_blocking_connect":
            return run_in_executor(executor, func, *args)

        def held() -> Any:
            try:
                return func(*args)
            finally:
                gate.release.wait(5)

        future = run_in_executor(executor, held)
        gate.futures.append(future)
        return future

    monkeypatch.setattr(loop, "run_in_executor", gated)
    try:
        yield gate
    finally:
        gate.release.set()


# ------------------------------------------------------------------------- connecting


async def test_disconnect_during_tls_handshake_never_sends_the_code(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """async_disconnect while the executor is still in the TLS handshake: the connect that
    completes afterwards is thrown away (socket closed, no CONNECT, so no access code sent) and
    async_connect fails with a connection error instead of coming back half-connected."""
    sim = await make_sim()
    handshake = asyncio.Event()
    tls_context = sim._broker._ssl_context
    assert tls_context is not None

    async def slow_tls_context() -> Any:
        await handshake.wait()  # the printer is slow to answer the ClientHello
        return await tls_context()

    sim._broker._ssl_context = slow_tls_context
    client = make_client(sim)
    rec = Recorder(client)
    task = asyncio.ensure_future(client.async_connect(timeout=10))
    await wait_for(lambda: sim.connection_count == 1)  # TCP accepted, handshake pending
    await client.async_disconnect()
    assert not task.done()  # still in the executor
    handshake.set()
    with pytest.raises(PrinterConnectionError, match="connection closed while connecting"):
        await task
    await wait_for(lambda: _handler_tasks(sim) == 0)  # the printer saw the socket close
    assert sim.connect_log == []  # type: ignore[attr-defined]
    assert sim.requests == []
    assert not client.connected
    assert rec.connection == []
    assert client.fingerprint == sim.fingerprint  # the handshake itself did complete


async def test_cancel_as_the_tls_connection_is_handed_to_the_loop(
    make_sim: SimFactory, make_client: Callable[..., BambuClient], gated_connect: ConnectGate
) -> None:
    """Set-up cancelled in the very step the socket is hooked into the loop (CONNECT queued,
    writer registered, nothing written yet): the writer is unhooked with the reader, the socket
    closed, and CONNECT (with the access code) never leaves."""
    sim = await make_sim()
    client = make_client(sim)
    task = asyncio.ensure_future(client.async_connect(timeout=10))
    await wait_for(lambda: gated_connect.futures)
    # Runs right after the client's own wake-up on the same future, in the same loop iteration.
    gated_connect.futures[0].add_done_callback(lambda _: task.cancel())
    gated_connect.release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_for(lambda: _handler_tasks(sim) == 0)
    assert sim.connection_count == 1
    assert sim.connect_log == []  # type: ignore[attr-defined]
    assert not client.connected
    # The loop is healthy afterwards: the same client connects normally.
    await client.async_connect(timeout=10)
    assert client.connected
    assert len(sim.connect_log) == 1  # type: ignore[attr-defined]


async def test_cancel_as_the_login_is_accepted(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """Set-up cancelled in the loop iteration the CONNACK arrives: the late CONNACK is ignored,
    nothing is subscribed or requested, and the connection is closed."""
    sim = await make_sim()
    client = make_client(sim)
    rec = Recorder(client)
    loop = asyncio.get_running_loop()
    authenticate = sim._broker._authenticate
    task: asyncio.Future[None] | None = None

    def accept_then_cancel(info: Any) -> int:
        assert task is not None
        loop.call_soon(task.cancel)  # runs before the client reads the CONNACK sent next
        return authenticate(info)

    sim._broker._authenticate = accept_then_cancel
    task = asyncio.ensure_future(client.async_connect(timeout=10))
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_for(lambda: _handler_tasks(sim) == 0)
    assert len(sim.connect_log) == 1  # type: ignore[attr-defined]
    assert sim.requests == []  # no get_version / pushall went out
    assert not client.connected
    assert rec.connection == []
    assert client.snapshot is None


def _hang_up_on_connect(info: Any) -> int:
    raise ProtocolError("printer dropped the connection")  # the broker closes without CONNACK


@pytest.mark.parametrize(
    "check_connect",
    [
        pytest.param(_hang_up_on_connect, id="closed-without-connack"),
        # CONNACK rc 1 (protocol refused): paho closes without calling on_connect.
        pytest.param(lambda info: RC_BAD_PROTOCOL, id="connack-rc1"),
    ],
)
async def test_printer_hangs_up_after_connect(
    make_sim: SimFactory,
    make_client: Callable[..., BambuClient],
    check_connect: Callable[[Any], int],
) -> None:
    """The printer closes the connection after our CONNECT without accepting it: a plain
    connection error (retryable), not an auth error, and nothing is left open."""
    sim = await make_sim()
    sim._broker._check_connect = check_connect  # type: ignore[method-assign]
    client = make_client(sim)
    rec = Recorder(client)
    started = time.monotonic()
    with pytest.raises(PrinterConnectionError) as excinfo:
        await client.async_connect(timeout=10)
    assert time.monotonic() - started < 5  # at once, not after the timeout
    assert str(excinfo.value) == "the printer closed the connection before answering"
    assert not isinstance(excinfo.value, PrinterAuthError)
    assert client.fatal_error is None
    assert not client.connected
    assert rec.connection == []
    assert sim.requests == []
    await wait_for(lambda: _handler_tasks(sim) == 0)


# ------------------------------------------------------------------------- connected


async def test_hung_printer_is_found_by_the_keepalive(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """A printer whose MQTT stack hangs (TCP open, no PINGRESP, no reports, never closes) is
    detected by the keepalive ping; the client reports offline and reconnects by itself."""
    sim = await make_sim()
    broker = sim._broker
    dispatch = broker._dispatch

    def hung_parse_connect(body: bytes) -> Any:
        # A hung printer enforces no keepalive of its own either: it never closes.
        return dataclasses.replace(MqttBroker._parse_connect(body), keepalive=0)

    async def no_pingresp(session: Any, ptype: int, flags: int, body: bytes) -> None:
        if ptype != PINGREQ:
            await dispatch(session, ptype, flags, body)

    broker._parse_connect = hung_parse_connect  # type: ignore[method-assign]
    broker._dispatch = no_pingresp  # type: ignore[method-assign]
    client = make_client(sim)
    client.keepalive = 1
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    started = time.monotonic()
    await wait_for(lambda: rec.connection == [True, False], timeout=8)
    assert 1.0 <= time.monotonic() - started < 6  # ping after ~1-2 s, declared dead ~1 s later
    assert client.snapshot is not None
    assert not client.snapshot.online
    await wait_for(lambda: rec.connection == [True, False, True], timeout=5)
    assert len(sim.connect_log) == 2  # type: ignore[attr-defined]
    assert rec.fatal == []


async def test_watchdog_survives_an_outage(
    make_sim: SimFactory,
    make_client: Callable[..., BambuClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While the printer is unreachable the watchdog sends nothing; after the reconnect it is
    still running and nudges the silent printer again (pushing.start on a throttled P1)."""
    sim = await make_sim(model="P1S")
    client = make_client(sim)
    client.watchdog_timeout = 0.3
    client.watchdog_interval = 0.02
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    await sim.stop_broker()
    await wait_for(lambda: rec.connection == [True, False])
    sim.requests.clear()
    caplog.set_level(logging.DEBUG, logger=_CLIENT_LOGGER)
    await asyncio.sleep(client.watchdog_timeout + 0.1)  # many watchdog ticks while offline
    assert not [r for r in caplog.records if "watchdog" in r.getMessage()]
    await sim.start_broker()
    await wait_for(lambda: rec.connection == [True, False, True], timeout=10)
    await wait_for(lambda: "start" in _commands(sim, "pushing"))
    # The reconnect asked for get_version + pushall; then silence -> the watchdog nudge.
    assert _commands(sim, "pushing")[0] == "pushall"
    assert _commands(sim, "info") == ["get_version"]
    assert client.connected


async def test_printer_that_stops_acknowledging_requests(
    make_sim: SimFactory,
    make_client: Callable[..., BambuClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The printer keeps the connection but no longer acknowledges (PUBACKs) our QoS 1 requests.

    Unacknowledged requests pile up in paho until its 16-bit message-id space is used up; then
    requests fail with a connection error instead of being queued forever, and the watchdog
    logs its failed nudge and keeps running.
    """
    sim = await make_sim(model="P1S")
    dispatch = sim._broker._dispatch

    async def no_puback(session: Any, ptype: int, flags: int, body: bytes) -> None:
        if ptype != PUBLISH:  # requests are swallowed: no PUBACK, no answer
            await dispatch(session, ptype, flags, body)

    client = make_client(sim)
    client.watchdog_interval = 0.02
    await client.async_connect(timeout=10)
    sim._broker._dispatch = no_puback  # type: ignore[method-assign]
    sent: list[bool] = []

    async def flood() -> None:
        while len(sent) < 70000:
            sent.append(await client.async_refresh())  # pushall throttled: get_version only

    with pytest.raises(PrinterConnectionError) as excinfo:
        await flood()
    # subscribe + get_version + pushall used ids 1-3 and were acknowledged: 65535 ids in all.
    assert len(sent) == 65535
    assert not any(sent)
    assert str(excinfo.value) == f"cannot send to {sim.serial}: Message queue full."
    assert client.connected  # the link itself is still up

    caplog.set_level(logging.DEBUG, logger=_CLIENT_LOGGER)
    client.watchdog_timeout = 0.0  # the printer is silent: nudge now
    await wait_for(
        lambda: (sum("watchdog request failed" in r.getMessage() for r in caplog.records) >= 2)
    )
    assert client.connected


async def test_report_too_deep_to_merge_is_skipped(
    make_sim: SimFactory,
    make_client: Callable[..., BambuClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A report nested deeper than Python can recurse breaks the merge; that report is logged
    and skipped, the connection stays up and the next report is applied."""
    sim = await make_sim()
    client = make_client(sim)
    rec = Recorder(client)
    await client.async_connect(timeout=10)
    depth = sys.getrecursionlimit() + 200
    nested = '{"a": ' * depth + "1" + "}" * depth
    report = ('{"print": {"command": "push_status", "msg": 1, "junk": ' + nested + "}}").encode()
    await sim.publish_raw(report)  # first time: stored as is, no recursion needed
    await wait_for(lambda: "junk" in client.state)
    snapshots = len(rec.snapshots)
    await sim.publish_raw(report)  # second time: merging it into itself recurses too deep
    await sim.push({"bed_temper": 61.0})
    await wait_for(lambda: client.snapshot is not None and client.snapshot.bed_temperature == 61.0)
    assert len(rec.snapshots) == snapshots + 1  # the broken report produced no snapshot
    errors = [
        r for r in caplog.records if "unexpected error while handling a report" in r.getMessage()
    ]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert errors[0].exc_info[0] is RecursionError
    assert client.connected


async def test_json_too_deep_to_decode_is_ignored(
    make_sim: SimFactory, make_client: Callable[..., BambuClient]
) -> None:
    """A message nested too deeply for the JSON decoder is ignored like any non-JSON message,
    and the next report is applied."""
    sim = await make_sim()
    client = make_client(sim)
    await client.async_connect(timeout=10)
    depth = 100_000
    await sim.publish_raw(('{"print": ' + '{"a": ' * depth + "1" + "}" * (depth + 1)).encode())
    await sim.push({"bed_temper": 61.0})
    await wait_for(
        lambda: client.snapshot is not None and client.snapshot.bed_temperature == 61.0,
        timeout=2,
    )
