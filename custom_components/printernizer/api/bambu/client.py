"""Bambu Lab LAN MQTT client: one TLS connection per printer, driven from the event loop.

paho-mqtt runs without a thread of its own, the way Home Assistant's MQTT client does it: the
blocking connect (TCP + TLS handshake) runs in the executor, then the socket is watched with
`loop.add_reader`/`add_writer` and a 1 s `loop_misc` timer keeps the keepalive. Nothing outlives
`async_disconnect`, which the HA test harness checks.

Security: the printer's certificate fingerprint is compared in paho's `on_socket_open`, which runs
right after the TLS handshake and before paho sends CONNECT; raising there aborts the connection,
so the access code never reaches a machine that does not hold the pinned certificate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
import contextlib
from dataclasses import replace
import itertools
import json
import logging
import random
import ssl
from typing import Any
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion

from ..errors import (
    PrinterAuthError,
    PrinterCertificateError,
    PrinterCommandError,
    PrinterCommandTimeoutError,
    PrinterConnectionError,
    PrinterError,
    PrinterStateConflictError,
    PrinterTimeoutError,
)
from ..models import (
    PrinterFamily,
    PrinterInfo,
    PrinterSnapshot,
    PrinterStatus,
)
from .report import (
    AMS_KEYS,
    CANCELLED_PRINT_ERROR,
    as_int,
    deep_merge,
    model_sends_deltas,
    parse_snapshot,
    parse_version,
)
from .start import ProjectFileStart, new_task_id, project_file_fields
from .tls import check_pin, make_client_context, normalize_fingerprint

_LOGGER = logging.getLogger(__name__)

USERNAME = "bblp"
DEFAULT_PORT = 8883

#: CONNACK reason codes that mean "wrong access code" (MQTT 3.1.1 rc 4 and rc 5 as paho 2 maps them).
_AUTH_REASONS = frozenset({"Bad user name or password", "Not authorized"})
_JOB_STARTING_STATES = frozenset({"PREPARE", "RUNNING", "SLICING", "INIT"})
_JOB_END_STATES = frozenset({"FINISH", "FAILED", "IDLE"})
#: 0500_4004: "the printer is busy", the answer to a start while a job runs.
BUSY_ERROR_CODE = 0x05004004

COMMAND_TIMEOUT_MESSAGE = (
    "The printer did not acknowledge '{command}'. Printers with current firmware ignore control "
    "commands unless they are in LAN-only mode with Developer Mode enabled."
)


class _Session:
    """One paho client and its one socket; a reconnect always starts a fresh session."""

    __slots__ = (
        "closed",
        "connack",
        "established",
        "fd",
        "misc_timer",
        "mqttc",
        "started",
        "writing",
    )

    def __init__(self, mqttc: mqtt.Client, connack: asyncio.Future[None]) -> None:
        self.mqttc = mqttc
        self.connack = connack
        self.fd = -1
        self.writing = False
        self.misc_timer: asyncio.TimerHandle | None = None
        self.established = False
        self.closed = False
        self.started = 0.0


def _consume(future: asyncio.Future[Any]) -> None:
    """Mark a future's exception retrieved (avoids 'never retrieved' noise for abandoned waits)."""
    if not future.cancelled():
        future.exception()


class BambuClient:
    """Talks to one Bambu printer over its LAN MQTT broker and keeps a normalised snapshot."""

    #: Seconds to wait for a command ACK (tests shorten it).
    command_timeout: float = 10.0
    #: Reconnect back-off: starts here, doubles up to `reconnect_max_delay`, with ±20 % jitter.
    reconnect_min_delay: float = 1.0
    reconnect_max_delay: float = 60.0
    #: A session must last this long before the back-off starts again from the minimum.
    stable_session_s: float = 60.0
    #: Timeout of one reconnect attempt (TCP + TLS + CONNACK).
    reconnect_attempt_timeout: float = 15.0
    #: Silence after which the watchdog asks for data again, and how often it looks.
    watchdog_timeout: float = 60.0
    watchdog_interval: float = 5.0
    #: P1/A1 lag when asked for `pushall` more often than this (reference §1.3).
    pushall_min_interval: float = 300.0
    keepalive: int = 60

    def __init__(
        self,
        *,
        host: str,
        serial: str,
        access_code: str,
        port: int = DEFAULT_PORT,
        fingerprint: str | None = None,
        model: str | None = None,
    ) -> None:
        """Store the connection facts; nothing connects until `async_connect`."""
        self.host = host
        self.port = port
        self.serial = serial
        self._access_code = access_code
        self.fingerprint: str | None = normalize_fingerprint(fingerprint)
        self.model: str | None = model
        self.firmware: str | None = None

        self.on_snapshot: Callable[[PrinterSnapshot], None] | None = None
        self.on_connection_change: Callable[[bool], None] | None = None
        self.on_fatal_error: Callable[[PrinterError], None] | None = None

        self.snapshot: PrinterSnapshot | None = None
        self.info: PrinterInfo | None = None
        self.connected = False
        self.fatal_error: PrinterError | None = None

        self._client_id = f"printernizer-{uuid.uuid4().hex}"
        self._report_topic = f"device/{serial}/report"
        self._request_topic = f"device/{serial}/request"
        self._state: dict[str, Any] = {}
        self._cancelled = False
        self._last_gcode_state: str | None = None
        self._last_print_error: int | None = None
        self._sequence = itertools.count(1)
        self._pending: dict[str, tuple[str, str, asyncio.Future[dict[str, Any]]]] = {}

        self._loop: asyncio.AbstractEventLoop | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._session: _Session | None = None
        self._ready = False
        self._closing = True
        self._version_reply: asyncio.Future[None] | None = None
        self._full_report: asyncio.Future[None] | None = None
        self._reconnect_task: asyncio.Task[None] | None = None
        self._watchdog_task: asyncio.Task[None] | None = None
        self._backoff = self.reconnect_min_delay
        self._last_message = 0.0
        self._last_pushall: float | None = None

    def __repr__(self) -> str:
        """Identify the printer without the access code."""
        return f"<BambuClient {self.serial}@{self.host}:{self.port}>"

    @property
    def state(self) -> dict[str, Any]:
        """The merged raw `print` state (read-only use: diagnostics)."""
        return self._state

    # ----------------------------------------------------------------------------------------
    # Public API
    # ----------------------------------------------------------------------------------------

    async def async_connect(self, *, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """Connect, subscribe, ask for version and full state; return once both have arrived.

        Raises PrinterAuthError, PrinterCertificateError, PrinterTimeoutError or
        PrinterConnectionError and then leaves nothing running. On success the client stays
        connected and reconnects by itself until `async_disconnect`.
        """
        if self._ready and not self._closing:
            return
        if self._session or self._reconnect_task or self._watchdog_task:
            await self._async_shutdown()  # e.g. after a fatal error: start clean
        loop = self._loop = asyncio.get_running_loop()
        self._closing = False
        self.fatal_error = None
        self._backoff = self.reconnect_min_delay
        self._version_reply = loop.create_future()
        self._full_report = loop.create_future()
        for future in (self._version_reply, self._full_report):
            future.add_done_callback(_consume)
        try:
            async with asyncio.timeout(timeout):
                if self._ssl_context is None:
                    self._ssl_context = await loop.run_in_executor(None, make_client_context)
                await self._async_open_session()
                await self._version_reply
                await self._full_report
        except TimeoutError as err:
            await self._async_shutdown()
            raise PrinterTimeoutError(
                f"{self.serial} at {self.host}:{self.port} did not answer within {timeout} s"
            ) from err
        except PrinterError:
            await self._async_shutdown()
            raise
        except (OSError, ssl.SSLError) as err:
            await self._async_shutdown()
            raise PrinterConnectionError(
                f"cannot connect to {self.host}:{self.port}: {err}"
            ) from err
        except BaseException:
            await self._async_shutdown()
            raise
        self._ready = True
        self._watchdog_task = loop.create_task(
            self._async_watchdog(), name=f"bambu watchdog {self.serial}"
        )
        self._notify(self.on_connection_change, True)

    async def async_disconnect(self) -> None:
        """Stop for good: no thread, task, timer or socket is left behind."""
        await self._async_shutdown()

    async def async_pause(self) -> None:
        """Pause the running print (needs Developer Mode on current firmware)."""
        await self._async_print_command("pause")

    async def async_resume(self) -> None:
        """Resume a paused print."""
        await self._async_print_command("resume")

    async def async_stop(self) -> None:
        """Stop (cancel) the current print."""
        await self._async_print_command("stop")

    async def async_set_chamber_light(self, on: bool) -> None:
        """Switch the chamber light (`system.ledctrl`; every timing key must be present)."""
        await self._async_command(
            "system",
            "ledctrl",
            {
                "led_node": "chamber_light",
                "led_mode": "on" if on else "off",
                "led_on_time": 500,
                "led_off_time": 500,
                "loop_times": 0,
                "interval_time": 0,
            },
        )

    async def async_set_print_speed(self, level: int) -> None:
        """Set the speed level: 1 silent, 2 standard, 3 sport, 4 ludicrous (a string param)."""
        if level not in (1, 2, 3, 4):
            raise ValueError(f"speed level {level} is not 1-4")
        await self._async_command("print", "print_speed", {"param": str(level)})

    async def async_start_print(self, start: ProjectFileStart) -> str:
        """Start printing a file on the SD card (`project_file`); return the task id sent.

        Acknowledged like the other commands (its own sequence id, a refusal such as the busy
        printer's 0500_4004 raises PrinterCommandError). The caller checks the printer is
        idle first: an A1 mini cancels its running job when it gets a start.
        """
        task_id = new_task_id()
        await self._async_command(
            "print", "project_file", project_file_fields(start, self.model, task_id)
        )
        return task_id

    async def async_refresh(self) -> bool:
        """Ask for version and full state; False when `pushall` was throttled (P1/A1, 5 min)."""
        session = self._require_session()
        self._send_get_version(session)
        if not self._pushall_allowed():
            _LOGGER.debug(
                "%s: pushall throttled (at most every %s s)", self.serial, self.pushall_min_interval
            )
            return False
        self._send_pushall(session)
        return True

    # ----------------------------------------------------------------------------------------
    # Session management
    # ----------------------------------------------------------------------------------------

    async def _async_open_session(self) -> None:
        """Connect one paho client; returns after a successful CONNACK (requests already sent).

        Two phases, because paho is not thread-safe: while the executor runs the blocking
        connect, the loop never touches this paho client (nothing is registered with the
        loop, CONNECT only waits in paho's queue). Once the executor has returned, the loop
        owns the client: the socket hooks are installed first, then the socket is watched and
        CONNECT is sent. So every socket paho closes (e.g. after a refused CONNACK) goes
        through `_async_on_socket_close` and is unhooked from the loop before it is closed.
        """
        loop = self._require_loop()
        connack: asyncio.Future[None] = loop.create_future()
        connack.add_done_callback(_consume)
        mqttc = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self._client_id,
            clean_session=True,
            protocol=MQTTProtocolVersion.MQTTv311,
            # No reconnect from inside paho (its MQTT 3.1 downgrade after CONNACK rc 1 would
            # run a blocking connect in the loop): reconnects are ours, in the executor.
            reconnect_on_failure=False,
        )
        session = _Session(mqttc, connack)
        mqttc.suppress_exceptions = False  # an exception in on_socket_open must abort the connect
        mqttc.username_pw_set(USERNAME, self._access_code)
        mqttc.tls_set_context(self._ssl_context)
        mqttc.connect_timeout = 10.0
        mqttc.on_connect = lambda *args: self._on_connect(session, *args)
        mqttc.on_message = lambda *args: self._on_message(session, *args)
        # Runs in the executor thread, after the TLS handshake and before CONNECT is queued.
        mqttc.on_socket_open = lambda *args: self._check_pin_in_executor(args[2])
        # Not None, so paho queues CONNECT instead of writing it from the executor thread;
        # `_async_attach` registers the writer once the loop owns the client.
        mqttc.on_socket_register_write = lambda *args: None
        self._session = session
        try:
            await loop.run_in_executor(None, self._blocking_connect, session)
            # From now on paho only runs (and calls back) in the event loop.
            mqttc.on_socket_register_write = lambda *args: self._async_on_register_write(session)
            mqttc.on_socket_unregister_write = lambda *args: self._async_on_unregister_write(
                session
            )
            mqttc.on_socket_close = lambda *args: self._async_on_socket_close(session)
            if session.closed:
                raise PrinterConnectionError("connection closed while connecting")
            self._async_attach(session)
            await connack
        except BaseException:
            self._abort_session(session)
            if self._session is session:
                self._session = None
            raise

    def _blocking_connect(self, session: _Session) -> None:
        """Executor: TCP connect + TLS handshake (+ pin check in on_socket_open), queue CONNECT."""
        mqttc = session.mqttc
        try:
            mqttc.connect(self.host, self.port, keepalive=self.keepalive)
        except PrinterError:
            self._close_paho_socket(mqttc)
            raise
        except (OSError, ssl.SSLError, ValueError) as err:
            self._close_paho_socket(mqttc)
            raise PrinterConnectionError(
                f"cannot connect to {self.host}:{self.port}: {err}"
            ) from err
        if session.closed:  # abandoned (timeout/cancel) while we were connecting
            self._close_paho_socket(mqttc)

    @staticmethod
    def _close_paho_socket(mqttc: mqtt.Client) -> None:
        sock = mqttc.socket()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _check_pin_in_executor(self, sock: Any) -> None:
        """Executor thread, right after the TLS handshake and before CONNECT: check the pin.

        Raising here makes paho's connect() fail, so the access code is never sent.
        """
        if not isinstance(sock, ssl.SSLSocket):
            raise PrinterConnectionError("the connection is not encrypted")
        actual = check_pin(sock, self.fingerprint)  # raises PrinterCertificateError
        if self.fingerprint is None:
            self.fingerprint = actual  # trust on first use

    def _async_attach(self, session: _Session) -> None:
        """Loop: watch the connected socket, start the keepalive timer, send the queued CONNECT."""
        mqttc = session.mqttc
        sock = mqttc.socket()
        fd = sock.fileno() if sock is not None else -1
        if fd < 0:
            raise PrinterConnectionError("connection closed while connecting")
        session.fd = fd
        loop = self._require_loop()
        loop.add_reader(fd, self._async_on_readable, session)
        session.misc_timer = loop.call_at(loop.time() + 1, self._async_misc, session)
        if mqttc.want_write():  # CONNECT, queued by connect() in the executor
            self._async_on_register_write(session)

    def _async_on_readable(self, session: _Session) -> None:
        """Read what arrived; drain TLS-buffered bytes too, which select() cannot see."""
        mqttc = session.mqttc
        for _ in range(1000):
            if session.closed or mqttc.loop_read() != MQTTErrorCode.MQTT_ERR_SUCCESS:
                return
            sock = mqttc.socket()
            if not isinstance(sock, ssl.SSLSocket) or sock.pending() <= 0:
                return

    def _async_on_register_write(self, session: _Session) -> None:
        if session.closed or session.writing:
            return
        sock = session.mqttc.socket()
        fd = sock.fileno() if sock is not None else -1
        if fd < 0:
            return
        session.fd = fd
        session.writing = True
        self._require_loop().add_writer(fd, self._async_on_writable, session)

    def _async_on_unregister_write(self, session: _Session) -> None:
        if session.writing:
            session.writing = False
            if session.fd >= 0:
                self._require_loop().remove_writer(session.fd)

    def _async_on_writable(self, session: _Session) -> None:
        if not session.closed:
            session.mqttc.loop_write()

    def _async_misc(self, session: _Session) -> None:
        """Keepalive pings and ping timeouts (paho's loop_misc), once a second."""
        session.misc_timer = None
        if session.closed:
            return
        if session.mqttc.loop_misc() == MQTTErrorCode.MQTT_ERR_SUCCESS and not session.closed:
            loop = self._require_loop()
            session.misc_timer = loop.call_at(loop.time() + 1, self._async_misc, session)

    def _release(self, session: _Session) -> None:
        """Unhook the session's socket from the loop and stop its timer."""
        loop = self._loop
        if session.misc_timer is not None:
            session.misc_timer.cancel()
            session.misc_timer = None
        if loop is not None and session.fd >= 0:
            loop.remove_reader(session.fd)
            if session.writing:
                loop.remove_writer(session.fd)
        session.writing = False
        session.fd = -1

    def _abort_session(self, session: _Session) -> None:
        """Close a session at once, without the MQTT goodbye."""
        session.closed = True
        self._release(session)
        self._close_paho_socket(session.mqttc)
        if not session.connack.done():
            session.connack.set_exception(PrinterConnectionError("connection closed"))

    def _async_on_socket_close(self, session: _Session) -> None:
        """paho closed the socket (read error, keepalive timeout, refused CONNACK, goodbye)."""
        already = session.closed
        session.closed = True
        self._release(session)
        if not session.connack.done():
            session.connack.set_exception(
                PrinterConnectionError("the printer closed the connection before answering")
            )
        if not already and session is self._session:
            self._async_connection_lost(session)

    def _async_connection_lost(self, session: _Session) -> None:
        loop = self._require_loop()
        self._session = None
        was_connected = self.connected
        self.connected = False
        self._fail_pending(PrinterConnectionError("connection to the printer lost"))
        if session.established and loop.time() - session.started >= self.stable_session_s:
            self._backoff = self.reconnect_min_delay
        if not self._ready:  # still inside async_connect: let it fail instead of retrying
            for future in (self._version_reply, self._full_report):
                if future is not None and not future.done():
                    future.set_exception(PrinterConnectionError("connection lost while connecting"))
            return
        _LOGGER.debug("%s: connection lost", self.serial)
        if self.snapshot is not None:
            self.snapshot = replace(self.snapshot, online=False, status=PrinterStatus.OFFLINE)
        if was_connected:
            self._notify(self.on_connection_change, False)
        if not self._closing and self._reconnect_task is None:
            self._reconnect_task = loop.create_task(
                self._async_reconnect_loop(), name=f"bambu reconnect {self.serial}"
            )

    async def _async_reconnect_loop(self) -> None:
        """Retry with exponential back-off until connected, stopped, or refused for good."""
        try:
            while not self._closing:
                delay = self._backoff * random.uniform(0.8, 1.2)
                self._backoff = min(self._backoff * 2, self.reconnect_max_delay)
                await asyncio.sleep(delay)
                if self._closing:
                    return
                try:
                    async with asyncio.timeout(self.reconnect_attempt_timeout):
                        await self._async_open_session()
                except (PrinterAuthError, PrinterCertificateError) as err:
                    _LOGGER.warning("%s: reconnect refused, giving up: %s", self.serial, err)
                    self.fatal_error = err
                    self._closing = True
                    self._notify(self.on_fatal_error, err)
                    return
                except (PrinterError, OSError, ssl.SSLError, TimeoutError) as err:
                    _LOGGER.debug(
                        "%s: reconnect failed (%s), next try in ~%.0f s",
                        self.serial,
                        err,
                        self._backoff,
                    )
                    if self._session is not None and not self._session.established:
                        self._abort_session(self._session)
                        self._session = None
                    continue
                _LOGGER.debug("%s: reconnected", self.serial)
                self._notify(self.on_connection_change, True)
                return
        finally:
            if self._reconnect_task is asyncio.current_task():
                self._reconnect_task = None

    async def _async_shutdown(self) -> None:
        """Cancel tasks, say goodbye if connected, close the socket, fail waiting commands."""
        self._closing = True
        self._ready = False
        current = asyncio.current_task()
        for task in (self._reconnect_task, self._watchdog_task):
            if task is not None and task is not current and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._reconnect_task = self._watchdog_task = None
        session, self._session = self._session, None
        if session is not None and not session.closed:
            if session.established:
                with contextlib.suppress(Exception):
                    session.mqttc.disconnect()
                    session.mqttc.loop_write()  # sends DISCONNECT; paho then closes the socket
            self._abort_session(session)
        self.connected = False
        self._fail_pending(PrinterConnectionError("client disconnected"))
        for future in (self._version_reply, self._full_report):
            if future is not None and not future.done():
                future.cancel()

    # ----------------------------------------------------------------------------------------
    # MQTT callbacks (event loop)
    # ----------------------------------------------------------------------------------------

    def _on_connect(
        self, session: _Session, _client: Any, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if session.connack.done():
            return
        try:
            self._on_connect_result(session, reason)
        except PrinterError as err:
            if not session.connack.done():
                session.connack.set_exception(err)

    def _on_connect_result(self, session: _Session, reason: Any) -> None:
        if reason.is_failure:
            if str(reason) in _AUTH_REASONS:
                err: PrinterError = PrinterAuthError(
                    f"{self.serial} refused the access code ({reason})"
                )
            else:
                err = PrinterConnectionError(f"{self.serial} refused the connection ({reason})")
            session.connack.set_exception(err)
            return
        loop = self._require_loop()
        session.established = True
        session.started = self._last_message = loop.time()
        self.connected = True
        session.mqttc.subscribe(self._report_topic, qos=0)
        self._send_get_version(session)
        # A fresh connection has missed deltas: always ask for the full state once.
        self._send_pushall(session)
        session.connack.set_result(None)

    def _on_message(self, session: _Session, _client: Any, _userdata: Any, message: Any) -> None:
        if session is not self._session:
            return
        try:
            payload = json.loads(message.payload)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to decode
            _LOGGER.debug("%s: ignoring a message that is not usable JSON", self.serial)
            return
        if type(payload) is not dict:
            return
        try:
            self._handle_payload(payload)
        except Exception:
            _LOGGER.exception("%s: unexpected error while handling a report", self.serial)

    def _handle_payload(self, payload: dict[str, Any]) -> None:
        """Dispatch one message: command ACKs, state reports, version replies."""
        self._last_message = self._require_loop().time()
        for category, body in payload.items():
            if type(body) is not dict:
                continue
            command = body.get("command")
            sequence_id = body.get("sequence_id")
            if sequence_id is not None and self._pending:
                pending = self._pending.get(str(sequence_id))
                if (
                    pending is not None
                    and pending[0] == category
                    and (command == pending[1] or (command is None and "result" in body))
                    and not pending[2].done()
                ):
                    pending[2].set_result(body)
                    continue
            if category == "print" and (
                command == "push_status" or (command is None and "result" not in body)
            ):
                self._handle_report(body)
            elif category == "info" and command == "get_version":
                self._handle_version(body)

    def _handle_report(self, body: dict[str, Any]) -> None:
        full = body.get("msg") == 0
        deep_merge(self._state, body, full=full)
        self._update_cancel_latch()
        if full and self._full_report is not None and not self._full_report.done():
            self._full_report.set_result(None)
        self._publish_snapshot(None if full else body.keys())

    def _handle_version(self, body: dict[str, Any]) -> None:
        model, firmware = parse_version(body, self.serial)
        if model:
            self.model = model
        if firmware:
            self.firmware = firmware
        self.info = PrinterInfo(
            family=PrinterFamily.BAMBU, serial=self.serial, model=self.model, firmware=self.firmware
        )
        if self._version_reply is not None and not self._version_reply.done():
            self._version_reply.set_result(None)
        if self._state and self._ready:
            self._publish_snapshot()

    def _update_cancel_latch(self) -> None:
        """Remember a user stop (print_error 50348044) until the next job starts."""
        state = self._state
        raw = state.get("gcode_state")
        gcode_state = raw.upper() if type(raw) is str else None
        error = as_int(state.get("print_error"))
        if (
            gcode_state in _JOB_STARTING_STATES
            and self._last_gcode_state in _JOB_END_STATES
            and error != CANCELLED_PRINT_ERROR
        ):
            self._cancelled = False
        if error == CANCELLED_PRINT_ERROR and self._last_print_error != CANCELLED_PRINT_ERROR:
            self._cancelled = True
        self._last_print_error = error
        if gcode_state:
            self._last_gcode_state = gcode_state

    def _publish_snapshot(self, reported: Iterable[str] | None = None) -> None:
        """Parse the merged state; `reported`: the keys of a delta report (None: anything)."""
        previous = self.snapshot
        ams = None
        if reported is not None and previous is not None and AMS_KEYS.isdisjoint(reported):
            ams = (previous.ams_trays, previous.ams_units)
        self.snapshot = parse_snapshot(
            self._state,
            model=self.model,
            cancelled=self._cancelled,
            online=True,
            serial=self.serial,
            firmware=self.firmware,
            ams=ams,
        )
        self._notify(self.on_snapshot, self.snapshot)

    # ----------------------------------------------------------------------------------------
    # Requests
    # ----------------------------------------------------------------------------------------

    def _next_sequence(self) -> str:
        return str(next(self._sequence))

    def _publish(self, session: _Session, payload: dict[str, Any]) -> None:
        """QoS 1 for everything: printers ignore QoS 0 requests while busy (reference §1.1)."""
        info = session.mqttc.publish(self._request_topic, json.dumps(payload), qos=1)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise PrinterConnectionError(
                f"cannot send to {self.serial}: {mqtt.error_string(info.rc)}"
            )

    def _pushall_allowed(self) -> bool:
        if self._last_pushall is None or not model_sends_deltas(self.model):
            return True
        return self._require_loop().time() - self._last_pushall >= self.pushall_min_interval

    def _send_get_version(self, session: _Session) -> None:
        self._publish(
            session, {"info": {"sequence_id": self._next_sequence(), "command": "get_version"}}
        )

    def _send_pushall(self, session: _Session) -> None:
        self._last_pushall = self._require_loop().time()
        self._publish(
            session,
            {
                "pushing": {
                    "sequence_id": self._next_sequence(),
                    "command": "pushall",
                    "version": 1,
                    "push_target": 1,
                }
            },
        )

    async def _async_print_command(self, command: str) -> None:
        """A `print` command without parameters (pause, resume, stop)."""
        await self._async_command("print", command, {"param": ""})

    async def _async_command(self, category: str, command: str, fields: dict[str, Any]) -> None:
        """Send a command with its own sequence_id and wait for the matching ACK.

        The ACK comes back under the same category (`system.ledctrl` under `system`).
        """
        session = self._require_session()
        loop = self._require_loop()
        sequence_id = self._next_sequence()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        future.add_done_callback(_consume)
        self._pending[sequence_id] = (category, command, future)
        try:
            self._publish(
                session,
                {category: {"sequence_id": sequence_id, "command": command, **fields}},
            )
            async with asyncio.timeout(self.command_timeout):
                reply = await future
        except TimeoutError:
            raise PrinterCommandTimeoutError(
                COMMAND_TIMEOUT_MESSAGE.format(command=command)
            ) from None
        finally:
            self._pending.pop(sequence_id, None)
        result = reply.get("result")
        if not (type(result) is str and result.lower() == "success"):
            reason = reply.get("reason") or result or "no result"
            if as_int(reply.get("err_code")) == BUSY_ERROR_CODE:
                raise PrinterStateConflictError(f"the printer is busy: '{command}' refused")
            raise PrinterCommandError(f"the printer refused '{command}': {reason}")

    async def _async_watchdog(self) -> None:
        """After `watchdog_timeout` of silence ask again: pushall, or pushing.start when throttled."""
        loop = self._require_loop()
        while True:
            await asyncio.sleep(self.watchdog_interval)
            session = self._session
            if not self.connected or session is None or session.closed:
                continue
            now = loop.time()
            if now - self._last_message < self.watchdog_timeout:
                continue
            self._last_message = now  # wait a full period before nudging again
            _LOGGER.debug(
                "%s: no report for %s s, asking for data", self.serial, self.watchdog_timeout
            )
            try:
                if self._pushall_allowed():
                    self._send_pushall(session)
                else:
                    self._publish(
                        session,
                        {"pushing": {"sequence_id": self._next_sequence(), "command": "start"}},
                    )
            except PrinterError as err:
                _LOGGER.debug("%s: watchdog request failed: %s", self.serial, err)

    # ----------------------------------------------------------------------------------------
    # Helpers
    # ----------------------------------------------------------------------------------------

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise PrinterConnectionError("the client was never connected")
        return self._loop

    def _require_session(self) -> _Session:
        session = self._session
        if not self.connected or session is None or session.closed:
            raise PrinterConnectionError(f"{self.serial} is not connected")
        return session

    def _fail_pending(self, error: PrinterError) -> None:
        for _category, _command, future in self._pending.values():
            if not future.done():
                future.set_exception(error)

    def _notify(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        """Call a user callback; its errors are logged, never allowed to break the connection."""
        if callback is None or self._loop is None:
            return
        try:
            callback(value)
        except Exception:
            _LOGGER.exception("%s: error in callback %s", self.serial, callback)
