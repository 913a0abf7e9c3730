"""A PrusaLink printer on 127.0.0.1 speaking the real HTTP API with Digest auth.

Tests and scripts/develop drive the integration's real PrusaLink client against this server
instead of mocks. It emulates both builds (reference: prusalink-api.md):
- "buddy": Core One/MK4 firmware: user `maker`, realm "Printer API", one `/usb` storage with
  8.3 short names, no `meta`, the job vanishes at FINISHED/STOPPED, chunked JSON.
- "pi": Prusa-Link on a Raspberry Pi (MK3S): realm "Administrator", `/local` + `/sdcard`,
  storage array in status, `meta` on jobs and files, optional X-Api-Key (wrong -> 403), and a
  camera: `/api/v1/cameras` lists it, `/api/v1/cameras/{id}/snap` (and `/snap` for the default
  one) answers its last photo as JPEG (204 before the first, 404 without a camera).
State changes are synchronous method calls, so tests need no sleeps; faults (delay, offline,
stale nonces, cut downloads, a slow link for file bytes both ways) are attributes.
Uploads (`PUT /api/v1/files/<storage>/<path>`) honour `Overwrite` and `Print-After-Upload`,
answer 409 for an existing file or a busy printer and 201 once the whole body is stored;
`upload_body_bytes` counts every body byte that arrived (also of refused requests), so a
test proves an upload crossed the wire once. `POST` on a file starts it (409 when busy).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
import contextlib
from dataclasses import dataclass, field
from email.utils import formatdate
import hashlib
import hmac
import itertools
import json
import random
import re
import secrets
from typing import Any, NoReturn, Self
import zlib

from aiohttp import web

from . import gcodefiles
from .camera import make_jpeg
from .jitter import Wander

FLAVOURS = ("buddy", "pi")
STATES = (
    "IDLE",
    "BUSY",
    "PRINTING",
    "PAUSED",
    "FINISHED",
    "STOPPED",
    "ERROR",
    "ATTENTION",
    "READY",
    "UNKNOWN",
)
PRINTABLE_EXTENSIONS = (".g", ".gc", ".gco", ".gcode", ".bgc", ".bgcode")
_ACTIVE = ("PRINTING", "PAUSED", "ATTENTION")
_SFN_CHARS = r"A-Z0-9~!#$%&'()@^`{}\-"
_SFN_RE = re.compile(rf"[{_SFN_CHARS}_]{{1,8}}(?:\.[{_SFN_CHARS}_]{{1,3}})?")
_DIGEST_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))')
_PI_ROOTS = {"local": "PrusaLink gcodes", "sdcard": "SD Card"}
_CHUNK = 65536

Handler = Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]]
FileSource = bytes | Callable[[], Iterable[bytes]]


@dataclass
class _File:
    """A print file; `parts` are short (SFN) names on buddy, long names on the Pi."""

    storage: str
    parts: tuple[str, ...]
    long_parts: tuple[str, ...]
    source: FileSource
    size: int
    m_timestamp: int
    read_only: bool = False
    _meta: dict[str, str] | None = field(default=None, repr=False)
    _thumbs: list[tuple[int, int, bytes]] | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return "/" + "/".join((self.storage, *self.parts))

    @property
    def long_key(self) -> str:
        return "/" + "/".join((self.storage, *self.long_parts))

    def head(self, limit: int = 1 << 20) -> bytes:
        """The first bytes (all of them for in-memory files); enough for bgcode metadata."""
        if isinstance(self.source, bytes):
            return self.source
        buf = bytearray()
        for chunk in self.source():
            buf += chunk
            if len(buf) >= limit:
                break
        return bytes(buf)

    def chunks(self) -> Iterable[bytes]:
        if isinstance(self.source, bytes):
            return (self.source[i : i + _CHUNK] for i in range(0, len(self.source), _CHUNK))
        return self.source()

    def metadata(self) -> dict[str, str]:
        if self._meta is None:
            try:
                data = self.source if isinstance(self.source, bytes) else self.head()
                self._meta = gcodefiles.read_metadata(data)
            except (ValueError, zlib.error):
                self._meta = {}
        return self._meta

    def thumbnails(self) -> list[tuple[int, int, bytes]]:
        if self._thumbs is None:
            try:
                self._thumbs = gcodefiles.extract_thumbnails(self.head())
            except (ValueError, zlib.error):
                self._thumbs = []
        return self._thumbs


@dataclass
class _Folder:
    storage: str
    parts: tuple[str, ...]
    long_parts: tuple[str, ...]
    m_timestamp: int


@dataclass
class _Job:
    id: int
    file: _File
    progress: float = 0.0
    time_printing: int = 0
    time_remaining: int | None = None


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # the protocol mandates MD5


def _same(given: str, expected: str) -> bool:
    """Constant-time compare that tolerates non-ASCII input from clients."""
    return hmac.compare_digest(given.encode(), expected.encode())


def _short_name(long: str, taken: set[str]) -> str:
    """FAT 8.3 alias for a long name (CABLEC~1.BGC), as Buddy reports in `name`."""
    if _SFN_RE.fullmatch(long):
        return long
    stem, dot, ext = long.rpartition(".")
    if not dot or not stem:
        stem, ext = long, ""

    def clean(text: str) -> str:
        return re.sub(rf"[^{_SFN_CHARS}]", "", text.upper()).replace("~", "")

    base, ext3 = clean(stem)[:6] or "FILE", clean(ext)[:3]
    for n in itertools.count(1):
        tail = f"~{n}"
        cand = base[: 8 - len(tail)] + tail + (f".{ext3}" if ext3 else "")
        if cand.casefold() not in taken:
            return cand
    raise AssertionError  # pragma: no cover


def default_files(flavour: str) -> dict[str, bytes]:
    """A few realistic print files (long names; buddy derives the SFN names)."""
    if flavour == "buddy":
        return {
            "/usb/cable_clip_x8_0.4n_0.2mm_PETG_COREONE_2h17m.bgcode": gcodefiles.make_bgcode(),
            "/usb/spool_holder_0.4n_0.15mm_PLA_COREONE_5h02m.bgcode": gcodefiles.make_bgcode(
                materials=[("PLA", 96.4)], estimated_s=18120, compress_metadata=True
            ),
            "/usb/calibration/first_layer_0.4n_PLA_COREONE.gcode": gcodefiles.make_gcode(
                materials=[("PLA", 3.05)], estimated_s=600
            ),
            "/usb/COREONE_6_5_2.bbf": b"firmware image, not printable",
        }
    return {
        "/local/bracket_v3_0.2mm_PLA_MK3S_1h12m.gcode": gcodefiles.make_gcode(
            materials=[("PLA", 18.59)], estimated_s=4328, printer_model="MK3S"
        ),
        "/local/parts/hinge_0.2mm_PETG_MK3S.gcode": gcodefiles.make_gcode(
            materials=[("PETG", 7.4)], estimated_s=1980, printer_model="MK3S"
        ),
        "/sdcard/BENCHY.GCO": gcodefiles.make_gcode(
            materials=[("PLA", 12.8)], estimated_s=5400, printer_model="MK3S"
        ),
    }


class PrusaLinkSimulator:
    """PrusaLink HTTP server (aiohttp) with deterministic state and fault injection."""

    def __init__(
        self,
        *,
        flavour: str = "buddy",
        username: str = "maker",
        password: str = "secretpass123",
        api_key: str | None = None,
        serial: str = "10589-3742441631047196",
        host: str = "127.0.0.1",
        port: int = 0,
        nonce_lifetime: float = 300.0,
        files: dict[str, bytes] | None = None,
        hostname: str = "coreone-sim",
        reject_algorithm: bool = True,
        firmware: str | None = None,
        report_firmware: bool = True,
        keep_job_after_end: bool | None = None,
        first_job_id: int = 318,
        jitter: bool = False,
        seed: int | str | None = None,
    ) -> None:
        """Set up state; nothing listens until start(). files: {path: bytes} (long or SFN).

        jitter: while a job plays (run_script), temperatures wander like a real printer's.
        """
        if flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {FLAVOURS}")
        self.flavour = flavour
        self.username = username
        self.password = password
        self.api_key = api_key
        self.serial = serial
        self.host = host
        self.port = port
        self.hostname = hostname
        self.nonce_lifetime = nonce_lifetime
        self.reject_algorithm = reject_algorithm
        self.firmware = firmware or ("6.5.2+12610" if flavour == "buddy" else "3.14.1-7982")
        self.report_firmware = report_firmware
        self.keep_job_after_end = (
            flavour == "pi" if keep_job_after_end is None else keep_job_after_end
        )
        self.realm = "Printer API" if flavour == "buddy" else "Administrator"
        # Printer state.
        self.state = "IDLE"
        self.last_job_id = first_job_id - 1
        self.material = "PETG" if flavour == "buddy" else "PLA"
        self.estimate_valid = True
        self.filament_change_in: int | None = None
        self.camera_id: str | None = "Kp4vTz9Qw2LmR" if flavour == "pi" else None
        #: The camera's last photo (None: it has taken none yet, the snap answers 204).
        self.camera_photo: bytes | None = make_jpeg(1, (160, 120)) if flavour == "pi" else None
        self.camera_photo_time = 1752398114.0
        self.telemetry: dict[str, Any] = {}
        self._job: _Job | None = None
        self.jitter = jitter
        rng = random.Random(serial if seed is None else seed)
        # PrusaLink reports temperatures with one decimal.
        self._nozzle = Wander(rng, spread=0.6, step=0.1)
        self._bed = Wander(rng, spread=0.3, step=0.1)
        self._apply_thermals()
        # Fault injection.
        self.delay = 0.0
        self.offline = False
        self.cut_download_after: dict[str, int] = {}
        # Cleared: file downloads wait (their headers unsent) until it is set again.
        self.downloads_open = asyncio.Event()
        self.downloads_open.set()
        self.throttle_bps: int | None = None  # file bytes per second (a Buddy serves ~200 KB/s)
        self.upload_bps: int | None = None  # upload body bytes per second received
        # Observation of uploads: body bytes received by any request, paths stored by PUT.
        self.upload_body_bytes = 0
        self.uploaded: list[str] = []
        # Observation.
        self.requests: list[tuple[float, str, str]] = []
        self.max_in_flight = 0
        self.in_flight = 0
        self.max_transfers_in_flight = 0  # file downloads served at the same time
        self.transfers_in_flight = 0
        self.auth_failures = 0
        self.challenges = 0
        # Files.
        self._files: dict[str, _File] = {}
        self._folders: dict[str, _Folder] = {}
        self._alias: dict[str, str] = {}
        self._generation = 1
        self._fs_changed = 1752398114
        initial = default_files(flavour) if files is None else files
        for n, (path, data) in enumerate(initial.items()):
            self.add_file(path, data, m_timestamp=1752398114 - n * 492584)
        # Auth.
        self._nonce_hi = secrets.randbits(32)
        self._nonce_seq = secrets.randbits(20)
        self._nonces: dict[str, float] = {}
        # Server.
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one)."""
        self._closing = asyncio.Event()

        @web.middleware
        async def middleware(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            return await self._serve(request, handler)

        app = web.Application(middlewares=[middleware], client_max_size=1 << 30)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close the listener and every connection; pending delays end at once."""
        self._closing.set()
        self.downloads_open.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>, what a user types as the printer's host."""
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ files
    def add_file(
        self,
        path: str,
        data: FileSource,
        *,
        size: int | None = None,
        display_name: str | None = None,
        m_timestamp: int | None = None,
        read_only: bool | None = None,
    ) -> str:
        """Store a file and return its key (the SFN path on buddy, e.g. /usb/CABLEC~1.BGC).

        data may be a callable returning fresh chunk iterables (e.g. gcodefiles.iter_gcode)
        so that 200 MB downloads never sit in memory; then size is required.
        """
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2 or parts[0] not in self._storages():
            raise ValueError(f"{path!r} is not under {self._storages()}")
        if not isinstance(data, bytes) and size is None:
            raise ValueError("size is required for streamed files")
        storage, *names = parts
        short: list[str] = []
        long: list[str] = []
        for depth, name in enumerate(names):
            last = depth == len(names) - 1
            known = self._child("/" + "/".join((storage, *short)), name)
            if known is not None and not (last and display_name):
                short.append(known.rsplit("/", 1)[1])
                node = self._files.get(known) or self._folders.get(known)
                long.append(node.long_parts[-1] if node else name)
            else:
                label = display_name if last and display_name else name
                long.append(label)
                short.append(self._new_short_name(storage, short, name, label))
            if not last:
                key = "/" + "/".join((storage, *short))
                if key not in self._folders:
                    stamp = m_timestamp or self._fs_changed
                    self._folders[key] = _Folder(storage, tuple(short), tuple(long), stamp)
                    self._register(key, "/" + "/".join((storage, *long)))
        ro = storage == "sdcard" if read_only is None else read_only
        file = _File(
            storage,
            tuple(short),
            tuple(long),
            data,
            len(data) if isinstance(data, bytes) else int(size or 0),
            m_timestamp or self._fs_changed,
            ro,
        )
        self._files[file.key] = file
        self._register(file.key, file.long_key)
        self._touch()
        return file.key

    def _child(self, parent_key: str, name: str) -> str | None:
        """Key of the file or folder called `name` (short or long, any case) under a folder."""
        wanted = name.casefold()
        for key, node in (*self._files.items(), *self._folders.items()):
            parent, _, short = key.rpartition("/")
            if parent == parent_key and wanted in (
                short.casefold(),
                node.long_parts[-1].casefold(),
            ):
                return key
        return None

    def _new_short_name(self, storage: str, parent: list[str], name: str, label: str) -> str:
        """Buddy lists 8.3 aliases: keep `name` if it is one, else derive one from the label."""
        if self.flavour != "buddy":
            return label
        if _SFN_RE.fullmatch(name):
            return name
        parent_key = "/" + "/".join((storage, *parent))
        taken = {
            k.rsplit("/", 1)[1].casefold()
            for k in (*self._files, *self._folders)
            if k.rsplit("/", 1)[0] == parent_key
        }
        return _short_name(label, taken)

    def remove_file(self, path: str) -> None:
        """Delete a file (KeyError when missing)."""
        file = self._lookup_file(path)
        if file is None:
            raise KeyError(path)
        del self._files[file.key]
        self._alias = {k: v for k, v in self._alias.items() if v != file.key}
        self._touch()

    @property
    def files(self) -> dict[str, bytes]:
        """In-memory file contents by key (streamed files are left out)."""
        return {k: f.source for k, f in self._files.items() if isinstance(f.source, bytes)}

    def _register(self, key: str, long_key: str) -> None:
        for alias in (key, long_key):
            self._alias[alias] = key
            self._alias[alias.casefold()] = key

    def _touch(self) -> None:
        """Any file change moves the listing ETag, as the firmware's change chain does."""
        self._generation += 1
        self._fs_changed += 1

    def _storages(self) -> tuple[str, ...]:
        return ("usb",) if self.flavour == "buddy" else ("local", "sdcard")

    def _resolve(self, path: str) -> str | None:
        path = "/" + path.strip("/")
        return self._alias.get(path) or self._alias.get(path.casefold())

    def _lookup_file(self, path: str) -> _File | None:
        key = self._resolve(path)
        return self._files.get(key) if key else None

    # ------------------------------------------------------------------ state control
    @property
    def job_id(self) -> int | None:
        """Id of the job the printer reports, None when status has no job."""
        return self._job.id if self._job else None

    def start_job(self, path: str | None = None) -> int:
        """Start printing a file (default: the first printable one); returns the new job id."""
        if path is None:
            file = next(f for f in self._files.values() if _printable(f.parts[-1]))
        else:
            found = self._lookup_file(path)
            if found is None:
                raise KeyError(path)
            file = found
        self.last_job_id += 1
        self._job = _Job(self.last_job_id, file)
        self.state = "PRINTING"
        self.set_progress(0.0)
        material = file.metadata().get("filament_type", "").split(";")[0]
        if material:
            self.material = material
        self._apply_thermals()
        return self.last_job_id

    def set_progress(
        self,
        progress: float,
        *,
        time_printing: int | None = None,
        time_remaining: int | None = None,
    ) -> None:
        """Move the job; times default to the file's slicer estimate scaled by progress."""
        job = self._require_job()
        total = self._estimate(job.file)
        job.progress = round(float(progress), 2)
        job.time_printing = (
            round(total * progress / 100) if time_printing is None else time_printing
        )
        job.time_remaining = (
            max(total - round(total * progress / 100), 0)
            if time_remaining is None
            else time_remaining
        )

    def pause(self) -> None:
        """PAUSED, as if paused on the printer's own screen."""
        self._require_job()
        self.set_state("PAUSED")

    def resume(self) -> None:
        """Back to PRINTING (also from ATTENTION, e.g. after a filament swap)."""
        self._require_job()
        self.set_state("PRINTING")

    def finish_job(self, *, attention: bool = False, time_printing: int | None = None) -> None:
        """FINISHED (buddy drops the job); attention=True mimics newer firmware instead:

        ATTENTION with the job kept at 100 %, time_remaining 0 and time_printing frozen (at
        the slicer's estimate unless given).
        """
        job = self._require_job()
        job.progress = 100.0
        job.time_printing = (
            max(job.time_printing, self._estimate(job.file))
            if time_printing is None
            else time_printing
        )
        job.time_remaining = 0
        if attention:
            self.state = "ATTENTION"
            self._apply_thermals()
        else:
            self.set_state("FINISHED")

    def stop_job(self) -> None:
        """STOPPED (cancel); buddy drops the job."""
        self._require_job()
        self.set_state("STOPPED")

    def attention(self) -> None:
        """ATTENTION (e.g. filament runout): /api/v1/job says PAUSED on buddy."""
        self._require_job()
        self.set_state("ATTENTION")

    def clear_job(self) -> None:
        """Forget the job (Pi after the finished screen is left); state becomes IDLE."""
        self._job = None
        self.state = "IDLE"
        self._apply_thermals()

    def set_state(self, state: str) -> None:
        """Set printer.state; ends the job where the flavour does (buddy: FINISHED/STOPPED/IDLE)."""
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        self.state = state
        if state in ("FINISHED", "STOPPED", "IDLE") and not self.keep_job_after_end:
            self._job = None
        self._apply_thermals()

    def expire_nonces(self) -> None:
        """Make every nonce handed out so far stale (as if 300 s had passed)."""
        self._nonces = dict.fromkeys(self._nonces, float("-inf"))

    async def run_script(
        self,
        *,
        path: str | None = None,
        steps: int = 10,
        interval: float = 1.0,
        outcome: str = "FINISHED",
        pause_at_step: int | None = None,
        pause_steps: int = 2,
    ) -> int:
        """Play a whole job for scripts/develop: progress in steps, then FINISHED, STOPPED or

        ATTENTION (finished, waiting for the part to be removed). Returns the job id.
        Like a printer: the job starts now (time_printing counts the seconds really printed,
        time_remaining the steps left), progress stands still while the job is paused (by this
        script or through the API) or needs attention, and a job stopped through the API ends
        the script.
        """
        if outcome not in ("FINISHED", "STOPPED", "ATTENTION"):
            raise ValueError("outcome must be FINISHED, STOPPED or ATTENTION")
        job_id = self.start_job(path)
        self.set_progress(0.0, time_printing=0, time_remaining=round(steps * interval))
        loop = asyncio.get_running_loop()
        stop_at = steps // 2 if outcome == "STOPPED" else steps
        step = 0
        printed = 0.0
        last = loop.time()
        resume_in: int | None = None  # paused steps left before the script resumes
        while step < stop_at:
            await asyncio.sleep(interval)
            if self.job_id != job_id:  # cancelled through the API meanwhile
                return job_id
            now = loop.time()
            self.wander()
            if self.state != "PRINTING":
                last = now
                if resume_in is not None and self.state == "PAUSED":
                    resume_in -= 1
                    if resume_in <= 0:
                        resume_in = None
                        self.resume()
                continue
            resume_in = None  # resumed through the API meanwhile
            printed += now - last
            last = now
            step += 1
            self.set_progress(
                100 * step / steps,
                time_printing=round(printed),
                time_remaining=round((steps - step) * interval),
            )
            if step == pause_at_step:
                self.pause()
                resume_in = pause_steps
        if outcome == "STOPPED":
            self.stop_job()
        else:
            self.finish_job(attention=outcome == "ATTENTION", time_printing=round(printed))
        return job_id

    def wander(self) -> None:
        """With jitter on: one report's sensor noise, temperatures a fraction of a degree off."""
        if not self.jitter:
            return
        nozzle, bed = self.telemetry["target_nozzle"] or 25.0, self.telemetry["target_bed"] or 25.0
        self.telemetry.update(temp_nozzle=self._nozzle(nozzle), temp_bed=self._bed(bed))

    def _require_job(self) -> _Job:
        if self._job is None:
            raise RuntimeError("no job; call start_job() first")
        return self._job

    @staticmethod
    def _estimate(file: _File) -> int:
        text = file.metadata().get("estimated printing time (normal mode)", "")
        return gcodefiles.parse_duration(text) or 3600

    def _apply_thermals(self) -> None:
        """Plausible temperatures for the state, so entities have values to show."""
        heating = self.state in _ACTIVE or self.state == "BUSY"
        nozzle, bed = {"PLA": (215.0, 60.0), "PETG": (240.0, 80.0)}.get(
            self.material, (230.0, 70.0)
        )
        self.telemetry.update(
            temp_bed=round(bed - 0.2, 1) if heating else 24.8,
            target_bed=bed if heating else 0.0,
            temp_nozzle=round(nozzle - 0.6, 1) if heating else 25.3,
            target_nozzle=nozzle if heating else 0.0,
            axis_x=241.0,
            axis_y=-4.0,
            axis_z=7.4 if heating else 40.0,
            flow=100,
            speed=100,
            fan_hotend=5120 if heating else 0,
            fan_print=2860 if self.state == "PRINTING" else 0,
        )

    # ------------------------------------------------------------------ request pipeline
    async def _serve(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Fault injection, auth and bookkeeping around every request."""
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.offline:
                self._drop(request)
            if self.delay > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.delay):
                        await self._closing.wait()
                if self.offline or self._closing.is_set():
                    self._drop(request)
            denied = self._check_auth(request)
            if denied is not None:
                if request.can_read_body:
                    await self._receive_body(request)  # the client sent it: count it
                return denied
            self.requests.append((asyncio.get_running_loop().time(), request.method, request.path))
            return await handler(request)
        finally:
            self.in_flight -= 1

    @staticmethod
    def _drop(request: web.Request) -> NoReturn:
        """Close the connection without a reply: what a hung or rebooting printer looks like."""
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError

    def _check_auth(self, request: web.Request) -> web.StreamResponse | None:
        """Per-flavour X-Api-Key then Digest (RFC 2069: MD5, no qop), as the firmware does."""
        if not self.password:  # an empty password disables login
            return self._unauthorized(request, stale=False, counted=True)
        key = request.headers.get("X-Api-Key")
        if key is not None:
            if self.flavour == "buddy":
                if _same(key, self.api_key or self.password):
                    return None
                self.auth_failures += 1
                return self._error(
                    request,
                    401,
                    "Unauthorized",
                    "Bad API key",
                    {"WWW-Authenticate": f'ApiKey realm="{self.realm}"'},
                )
            if self.api_key is not None and _same(key, self.api_key):
                return None
            self.auth_failures += 1
            return self._error(request, 403, "Forbidden", "Bad X-Api-Key.")
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("digest "):
            return self._unauthorized(request, stale=False, counted=bool(header))
        params = {m[0].lower(): m[1] or m[2] for m in _DIGEST_PARAM.findall(header[7:])}
        if self.reject_algorithm and "algorithm" in params:
            return self._unauthorized(request, stale=False, counted=True)
        nonce, uri = params.get("nonce", ""), params.get("uri", "")
        if params.get("username") != self.username or params.get("realm") != self.realm:
            return self._unauthorized(request, stale=False, counted=True)
        if uri not in (request.raw_path, request.path, request.rel_url.path_qs):
            return self._unauthorized(request, stale=False, counted=True)
        ha1 = _md5(f"{self.username}:{self.realm}:{self.password}")
        expected = _md5(f"{ha1}:{nonce}:{_md5(f'{request.method}:{uri}')}")
        if not _same(params.get("response", ""), expected):
            return self._unauthorized(request, stale=False, counted=True)
        issued = self._nonces.get(nonce)
        if issued is None:
            return self._unauthorized(request, stale=False, counted=True)
        if asyncio.get_running_loop().time() - issued >= self.nonce_lifetime:
            return self._unauthorized(request, stale=True, counted=True)
        return None

    def _unauthorized(
        self, request: web.Request, *, stale: bool, counted: bool
    ) -> web.StreamResponse:
        if counted:
            self.auth_failures += 1
        else:
            self.challenges += 1
        self._nonce_seq = (self._nonce_seq + 1) & 0xFFFFFFFF
        nonce = f"{self._nonce_hi:08x}{self._nonce_seq:08x}"
        now = asyncio.get_running_loop().time()
        if len(self._nonces) > 1000:  # long scripts/develop runs: forget long-dead nonces
            self._nonces = {
                n: t for n, t in self._nonces.items() if now - t < 2 * self.nonce_lifetime
            }
        self._nonces[nonce] = now
        challenge = (
            f'Digest realm="{self.realm}", nonce="{nonce}", stale={"true" if stale else "false"}'
        )
        return self._error(
            request, 401, "Unauthorized", "Unauthorized", {"WWW-Authenticate": challenge}
        )

    @staticmethod
    def _error(
        request: web.Request,
        status: int,
        title: str,
        text: str,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        """JSON {title,text} when the client accepts JSON, plain text otherwise (as firmware)."""
        if "application/json" in request.headers.get("Accept", ""):
            return web.json_response({"title": title, "text": text}, status=status, headers=headers)
        return web.Response(status=status, text=f"{title}\n{text}", headers=headers)

    async def _json(
        self, request: web.Request, body: Any, *, headers: dict[str, str] | None = None
    ) -> web.StreamResponse:
        """JSON; chunked without Content-Length on buddy (as the firmware), plain on the Pi."""
        data = json.dumps(body).encode()
        if self.flavour == "pi":
            return web.Response(body=data, content_type="application/json", headers=headers)
        resp = web.StreamResponse(headers=headers)
        resp.content_type = "application/json"
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        await resp.write(data)
        await resp.write_eof()
        return resp

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        for pattern, methods in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            handler = methods.get(request.method)
            if handler is None:
                return self._error(request, 405, "Method Not Allowed", request.method)
            return await handler(request, {k: v or "" for k, v in match.groupdict().items()})
        return self._error(request, 404, "Not Found", "Not found")

    def _build_routes(self) -> list[tuple[re.Pattern[str], dict[str, Handler]]]:
        routes: list[tuple[str, dict[str, Handler]]] = [
            (r"/api/version", {"GET": self._h_version}),
            (r"/api/v1/info", {"GET": self._h_info}),
            (r"/api/v1/status", {"GET": self._h_status}),
            (r"/api/v1/job", {"GET": self._h_job}),
            (r"/api/v1/job/(?P<id>[^/]*)", {"DELETE": self._h_job_stop}),
            (r"/api/v1/job/(?P<id>[^/]*)/(?P<action>[^/]+)", {"PUT": self._h_job_action}),
            (r"/api/v1/storage", {"GET": self._h_storage}),
            (r"/api/v1/transfer", {"GET": self._h_no_content}),
            (r"/api/printer", {"GET": self._h_legacy_printer}),
            (
                r"/api/v1/files(?P<path>/.*)?",
                {
                    "GET": self._h_files_get,
                    "HEAD": self._h_files_get,
                    "PUT": self._h_files_put,
                    "POST": self._h_files_post,
                    "DELETE": self._h_files_delete,
                },
            ),
        ]
        if self.flavour == "buddy":
            routes += [
                (r"/usb(?P<path>/.+)", {"GET": self._h_download}),
                (r"/thumb/(?P<size>[sl])(?P<path>/.+)", {"GET": self._h_thumbnail}),
            ]
        else:
            routes += [
                (
                    r"/api/files/(?P<storage>local|sdcard)/(?P<path>.+)/raw",
                    {"GET": self._h_download},
                ),
                (r"/api/thumbnails/(?P<path>.+)\.orig\.png", {"GET": self._h_thumbnail}),
                (r"/api/v1/cameras", {"GET": self._h_cameras}),
                (r"/api/v1/cameras/(?:(?P<id>[^/]+)/)?snap", {"GET": self._h_camera_snap}),
            ]
        return [(re.compile(p), m) for p, m in routes]

    # ------------------------------------------------------------------ simple endpoints
    async def _h_no_content(self, request: web.Request, _m: dict[str, str]) -> web.StreamResponse:
        return web.Response(status=204)

    async def _h_version(self, request: web.Request, _m: dict[str, str]) -> web.StreamResponse:
        if self.flavour == "buddy":
            body: dict[str, Any] = {
                "api": "2.0.0",
                "server": "2.1.2",
                "nozzle_diameter": 0.4,
                "text": "PrusaLink",
                "hostname": self.hostname,
            }
            if self.report_firmware:
                body |= {"firmware": self.firmware, "printer": "7.1.0"}
            body["capabilities"] = {"upload-by-put": True}
        else:
            body = {
                "api": "2.0.0",
                "server": "0.8.1",
                "original": "PrusaLink I3MK3S",
                "text": "PrusaLink 0.8.1",
                "firmware": self.firmware,
                "sdk": "0.8.0",
                "capabilities": {"upload-by-put": True},
                "hostname": self.hostname,
            }
        return await self._json(request, body)

    async def _h_info(self, request: web.Request, _m: dict[str, str]) -> web.StreamResponse:
        if self.flavour == "buddy":
            body: dict[str, Any] = {
                "nozzle_diameter": 0.4,
                "mmu": False,
                "serial": self.serial,
                "hostname": self.hostname,
                "min_extrusion_temp": 170,
            }
        else:
            body = {
                "name": self.hostname,
                "location": "Workshop",
                "farm_mode": False,
                "network_error_chime": False,
                "nozzle_diameter": 0.4,
                "min_extrusion_temp": 170,
                "serial": self.serial,
                "hostname": "connect.prusa3d.com",
                "port": "/dev/ttyAMA0",
            }
        return await self._json(request, body)

    def status_body(self) -> dict[str, Any]:
        """The /api/v1/status document for the current state (also handy in assertions)."""
        printer: dict[str, Any] = {"state": self.state}
        hide_xy = (
            self.state in ("PRINTING", "PAUSED", "ATTENTION")
            if self.flavour == "buddy"
            else self.state in ("PRINTING", "BUSY")
        )
        for key, value in self.telemetry.items():
            if not (hide_xy and key in ("axis_x", "axis_y")):
                printer[key] = value
        body: dict[str, Any] = {}
        if self._job is not None:
            job: dict[str, Any] = {"id": self._job.id, "progress": self._job.progress}
            if self.estimate_valid and self._job.time_remaining is not None:
                job["time_remaining"] = self._job.time_remaining
            job["time_printing"] = self._job.time_printing
            if self.flavour == "buddy" and self.filament_change_in is not None:
                job["filament_change_in"] = self.filament_change_in
            body["job"] = job
        if self.flavour == "buddy":
            body["storage"] = {"path": "/usb/", "name": "usb", "read_only": False}
        else:
            body["storage"] = [
                {
                    "path": "/local",
                    "read_only": False,
                    "free_space": 26841554944,
                    "name": _PI_ROOTS["local"],
                },
                {"path": "/sdcard", "read_only": True, "name": _PI_ROOTS["sdcard"]},
            ]
            printer["status_connect"] = {"ok": True, "message": "OK"}
            printer["status_printer"] = {"ok": True, "message": "OK"}
            if self.camera_id:
                body["camera"] = {"id": self.camera_id}
        body["printer"] = printer
        return body

    async def _h_status(self, request: web.Request, _m: dict[str, str]) -> web.StreamResponse:
        return await self._json(request, self.status_body())

    def job_body(self) -> dict[str, Any] | None:
        """The /api/v1/job document, None when the printer answers 204."""
        job = self._job
        if job is None:
            return None
        if self.flavour == "buddy":
            state = {"PRINTING": "PRINTING", "PAUSED": "PAUSED", "ATTENTION": "PAUSED"}.get(
                self.state, self.state if self.state in ("FINISHED", "STOPPED") else "ERROR"
            )
        else:
            state = self.state
        body: dict[str, Any] = {"id": job.id, "state": state, "progress": job.progress}
        if self.estimate_valid and job.time_remaining is not None:
            body["time_remaining"] = job.time_remaining
        body["time_printing"] = job.time_printing
        if self.flavour == "buddy":
            if self.filament_change_in is not None:
                body["filament_change_in"] = self.filament_change_in
            body["file"] = {
                "refs": self._refs(job.file),
                "name": job.file.parts[-1],
                "display_name": job.file.long_parts[-1],
                "path": "/" + "/".join((job.file.storage, *job.file.parts[:-1])),
                "size": job.file.size,
                "m_timestamp": job.file.m_timestamp,
            }
        else:
            pi_path = "/" + "/".join((_PI_ROOTS[job.file.storage], *job.file.long_parts))
            body["file"] = {
                "name": job.file.long_parts[-1],
                "display_name": job.file.long_parts[-1],
                "path": pi_path,
                "display_path": pi_path,
                "size": job.file.size,
                "m_timestamp": job.file.m_timestamp,
                "refs": self._refs(job.file),
                "meta": self._pi_meta(job.file),
            }
            body["inaccurate_estimates"] = False
        return body

    async def _h_job(self, request: web.Request, _m: dict[str, str]) -> web.StreamResponse:
        body = self.job_body()
        if body is None:
            return web.Response(status=204)
        return await self._json(request, body)

    def _job_guard(self, request: web.Request, raw_id: str) -> web.StreamResponse | None:
        """400 for a non-integer id, 404 when it isn't the printer's (current or last) job."""
        if not raw_id.isdigit():
            return self._error(request, 400, "Bad Request", "Invalid job id")
        current = self._job.id if self._job else self.last_job_id
        if int(raw_id) != current:
            return self._error(request, 404, "Not Found", "Not the current job")
        return None

    async def _h_job_action(self, request: web.Request, m: dict[str, str]) -> web.StreamResponse:
        if (bad := self._job_guard(request, m["id"])) is not None:
            return bad
        action = m["action"]
        if action == "continue" and self.flavour == "pi":
            return web.Response(status=204)  # Prusa-Link: "Not implemented yet"
        if action not in ("pause", "resume"):
            return self._error(request, 400, "Bad Request", f"Unknown action {action}")
        needed = "PRINTING" if action == "pause" else "PAUSED"
        if self._job is None or self.state != needed:
            return self._error(
                request, 409, "Conflict", "Action conflicts with current printer state"
            )
        self.set_state("PAUSED" if action == "pause" else "PRINTING")
        return web.Response(status=204)

    async def _h_job_stop(self, request: web.Request, m: dict[str, str]) -> web.StreamResponse:
        if (bad := self._job_guard(request, m["id"])) is not None:
            return bad
        allowed = _ACTIVE if self.flavour == "buddy" else ("PRINTING", "PAUSED")
        if self._job is None or self.state not in allowed:
            return self._error(
                request, 409, "Conflict", "Action conflicts with current printer state"
            )
        self.set_state("STOPPED")
        return web.Response(status=204)

    async def _h_storage(self, request: web.Request, _m: dict[str, str]) -> web.StreamResponse:
        if self.flavour == "buddy":
            items: list[dict[str, Any]] = [
                {
                    "path": "/usb/",
                    "name": "usb",
                    "type": "USB",
                    "read_only": False,
                    "available": True,
                }
            ]
        else:
            count = {s: sum(1 for f in self._files.values() if f.storage == s) for s in _PI_ROOTS}
            items = [
                {
                    "type": "LOCAL",
                    "path": "/local",
                    "available": True,
                    "free_space": 26841554944,
                    "total_space": 31268536320,
                    "read_only": False,
                    "name": _PI_ROOTS["local"],
                    "print_files": count["local"],
                    "system_files": 0,
                },
                {
                    "type": "SDCARD",
                    "path": "/sdcard",
                    "available": True,
                    "read_only": True,
                    "name": _PI_ROOTS["sdcard"],
                    "print_files": count["sdcard"],
                },
            ]
        return await self._json(request, {"storage_list": items})

    async def _h_legacy_printer(
        self, request: web.Request, _m: dict[str, str]
    ) -> web.StreamResponse:
        t = self.telemetry
        printing = self.state in _ACTIVE
        body = {
            "telemetry": {
                "temp-bed": t.get("temp_bed"),
                "temp-nozzle": t.get("temp_nozzle"),
                "print-speed": t.get("speed"),
                "z-height": t.get("axis_z"),
                "material": self.material if self.material else "---",
            },
            "temperature": {
                "tool0": {
                    "actual": t.get("temp_nozzle"),
                    "target": t.get("target_nozzle"),
                    "display": t.get("target_nozzle"),
                    "offset": 0,
                },
                "bed": {"actual": t.get("temp_bed"), "target": t.get("target_bed"), "offset": 0},
            },
            "state": {
                "text": "Printing" if printing else "Operational",
                "flags": {
                    "operational": not printing,
                    "paused": self.state == "PAUSED",
                    "printing": printing,
                    "cancelling": False,
                    "pausing": False,
                    "error": self.state == "ERROR",
                    "sdReady": False,
                    "closedOnError": False,
                    "ready": self.state == "IDLE",
                    "busy": self.state == "BUSY",
                },
            },
        }
        return await self._json(request, body)

    # ------------------------------------------------------------------ files API
    def _refs(self, file: _File) -> dict[str, str | None]:
        """refs exactly as each build writes them; clients must use them verbatim."""
        if self.flavour == "buddy":
            return {
                "icon": f"/thumb/s{file.key}",
                "thumbnail": f"/thumb/l{file.key}",
                "download": file.key,
            }
        if file.storage == "sdcard":
            return {"download": None, "icon": None, "thumbnail": None}
        rel = "/".join((_PI_ROOTS["local"], *file.long_parts))
        return {
            "download": f"/api/files/local/{rel}/raw",
            "icon": None,
            "thumbnail": f"/api/thumbnails/{rel}.orig.png" if file.thumbnails() else None,
        }

    def _pi_meta(self, file: _File) -> dict[str, Any]:
        """Prusa-Link's `meta`: slicer keys, numbers as numbers, per-tool lists, seconds."""
        meta: dict[str, Any] = {}
        raw = file.metadata()
        keys = (
            "filament used [mm]",
            "filament used [cm3]",
            "filament used [g]",
            "filament cost",
        )
        for key in keys:
            if key in raw:
                values = [float(v) for v in raw[key].split(",") if v.strip()]
                meta[key] = round(sum(values), 2)
                if len(values) > 1:
                    meta[f"{key} per tool"] = values
        if "filament_type" in raw:
            meta["filament_type"] = raw["filament_type"]
            if ";" in raw["filament_type"]:
                meta["filament_type per tool"] = raw["filament_type"].split(";")
        estimate = raw.get("estimated printing time (normal mode)")
        if estimate:
            meta["estimated printing time (normal mode)"] = estimate
            meta["estimated_print_time"] = gcodefiles.parse_duration(estimate)
        for key in (
            "layer_height",
            "nozzle_diameter",
            "temperature",
            "bed_temperature",
            "max_layer_z",
        ):
            if key in raw:
                with contextlib.suppress(ValueError):
                    number = float(raw[key].split(",")[0])
                    meta[key] = (
                        int(number)
                        if number.is_integer() and key.endswith("temperature")
                        else number
                    )
        for key in ("fill_density", "printer_model"):
            if key in raw:
                meta[key] = raw[key]
        return meta

    def _file_entry(self, file: _File, *, child: bool) -> dict[str, Any]:
        if self.flavour == "buddy":
            body: dict[str, Any] = {
                "name": file.parts[-1],
                "ro": file.read_only,
                "type": _file_type(file.parts[-1]),
                "m_timestamp": file.m_timestamp,
            }
            if not child:
                body["size"] = file.size
            body["refs"] = self._refs(file)
            body["display_name"] = file.long_parts[-1]
            return body
        body = {
            "name": file.long_parts[-1],
            "display_name": file.long_parts[-1],
            "type": _file_type(file.long_parts[-1]),
            "read_only": file.read_only,
            "size": file.size,
            "m_timestamp": file.m_timestamp,
            "refs": self._refs(file),
            "meta": self._pi_meta(file),
        }
        if not child:
            body["path"] = file.long_key
        return body

    def _listing(self, key: str) -> dict[str, Any]:
        storage, *parts = key.strip("/").split("/")
        folder = self._folders.get(key)
        ro_key = "ro" if self.flavour == "buddy" else "read_only"
        if self.flavour == "buddy":
            name = parts[-1] if parts else storage
            display = folder.long_parts[-1] if folder else storage
        else:
            name = display = folder.long_parts[-1] if folder else _PI_ROOTS[storage]
        body: dict[str, Any] = {"type": "FOLDER", ro_key: storage == "sdcard"}
        if folder is not None or self.flavour == "pi":  # FAT can't stat the /usb root
            body["m_timestamp"] = folder.m_timestamp if folder else self._fs_changed
        body["name"] = name
        if self.flavour == "pi" or folder is not None:
            body["display_name"] = display
        children: list[dict[str, Any]] = []
        for sub in self._folders.values():
            if (
                sub.storage == storage
                and len(sub.parts) == len(parts) + 1
                and sub.parts[:-1] == tuple(parts)
            ):
                entry: dict[str, Any] = {
                    "name": sub.parts[-1] if self.flavour == "buddy" else sub.long_parts[-1],
                    ro_key: storage == "sdcard",
                    "type": "FOLDER",
                    "m_timestamp": sub.m_timestamp,
                    "display_name": sub.long_parts[-1],
                }
                children.append(entry)
        for file in self._files.values():
            if (
                file.storage == storage
                and len(file.parts) == len(parts) + 1
                and file.parts[:-1] == tuple(parts)
            ):
                if self.flavour == "buddy" and not _printable(file.parts[-1]):
                    continue  # Buddy hides firmware and other non-printable files
                children.append(self._file_entry(file, child=True))
        body["children"] = children
        return body

    def _etag(self, key: str) -> str:
        """Buddy: "<uint32>" per folder (0 never matches); Pi: one weak tag for the filesystem."""
        if self.flavour == "buddy":
            value = zlib.crc32(f"{key}:{self._generation}".encode()) or 1
            return f'"{value}"'
        return 'W/"' + hashlib.sha1(str(self._generation).encode()).hexdigest()[:10] + '"'

    def _etag_matches(self, request: web.Request, etag: str) -> bool:
        header = request.headers.get("If-None-Match")
        if not header:
            return False
        if self.flavour == "buddy":  # the firmware reads only the digits
            digits = "".join(c for c in header if c.isdigit())
            return digits == etag.strip('"') and digits != "0"
        tags = [t.strip() for t in header.split(",")]
        return etag in tags or etag.removeprefix("W/") in tags or "*" in tags

    async def _h_files_get(self, request: web.Request, m: dict[str, str]) -> web.StreamResponse:
        target = self._files_target(request, m["path"])
        if isinstance(target, web.StreamResponse):
            return target
        key = target
        is_folder = key not in self._files
        headers: dict[str, str] = {}
        if is_folder or self.flavour == "pi":  # Buddy drops the ETag on file GETs
            headers["ETag"] = self._etag(key)
            if self.flavour == "pi":
                headers["Last-Modified"] = formatdate(self._fs_changed, usegmt=True)
            if self._etag_matches(request, headers["ETag"]):
                return web.Response(status=304, headers=headers)
        if request.method == "HEAD":
            file = self._files.get(key)
            headers["Read-Only"] = "?1" if file and file.read_only else "?0"
            printing = self._job is not None and file is not None and self._job.file is file
            headers["Currently-Printed"] = "?1" if printing else "?0"
            return web.Response(status=200, headers=headers)
        body = self._listing(key) if is_folder else self._file_entry(self._files[key], child=False)
        return await self._json(request, body, headers=headers)

    def _files_target(self, request: web.Request, path: str) -> str | web.StreamResponse:
        """Resolve /api/v1/files/<storage>/<path> to a key, or the firmware's error reply."""
        storage = path.strip("/").split("/")[0] if path.strip("/") else ""
        if storage not in self._storages():
            if self.flavour == "buddy":
                return self._error(request, 403, "Forbidden", "Only /usb is accessible")
            return self._error(request, 404, "Not Found", "Storage not found")
        if path.strip("/") == storage:
            return "/" + storage
        key = self._resolve(path)
        if key is None:
            return self._error(request, 404, "Not Found", "File not found")
        return key

    async def _h_files_put(self, request: web.Request, m: dict[str, str]) -> web.StreamResponse:
        """Upload: raw body, Content-Length required, Overwrite: ?1, Print-After-Upload."""
        path = m["path"]
        storage = path.strip("/").split("/")[0]
        if storage not in self._storages():
            return self._error(
                request, 403 if self.flavour == "buddy" else 404, "Forbidden", "Bad storage"
            )
        if storage == "sdcard":
            return self._error(request, 409, "Conflict", "Storage is read only")
        if request.content_length is None:
            return self._error(request, 411, "Length Required", "Content-Length required")
        if not _printable(path):
            return self._error(request, 415, "Unsupported Media Type", "Not a G-code file")
        if request.content_length == 0:
            return self._error(request, 501, "Not Implemented", "Empty file")
        start = request.headers.get("Print-After-Upload", "").lower() in ("?1", "1", "true")
        if start and self.state in (*_ACTIVE, "BUSY"):
            await self._receive_body(request)
            return self._error(request, 409, "Conflict", "Can't print right now")
        existing = self._lookup_file(path)
        if existing is not None:
            if self._job is not None and self._job.file is existing:
                await self._receive_body(request)
                return self._error(request, 409, "Conflict", "File is busy")
            if request.headers.get("Overwrite") != "?1":
                await self._receive_body(request)
                return self._error(request, 409, "Conflict", "File already exists")
        data = await self._receive_body(request)
        if len(data) != request.content_length:
            return self._error(request, 400, "Bad Request", "Body shorter than Content-Length")
        if existing is not None:
            self.remove_file(existing.key)
        key = self.add_file(path, data, m_timestamp=self._fs_changed + 1)
        self.uploaded.append(key)
        if start:
            self.start_job(key)
        return web.Response(status=201)

    async def _receive_body(self, request: web.Request) -> bytes:
        """Read a request body as it arrives, held to `upload_bps`, counted in `upload_body_bytes`.

        Every body byte that reaches the printer is counted, including those of a request that
        is then refused (a Digest 401 or a 409): a test proves an upload crossed the wire once.
        """
        parts: list[bytes] = []
        began = asyncio.get_running_loop().time()
        received = 0
        while True:
            await self._throttle(received, began, self.upload_bps)
            chunk = await request.content.read(_CHUNK if not self.upload_bps else 16384)
            if not chunk:
                break
            received += len(chunk)
            self.upload_body_bytes += len(chunk)
            parts.append(chunk)
        return b"".join(parts)

    async def _h_files_post(self, request: web.Request, m: dict[str, str]) -> web.StreamResponse:
        """POST on a file starts printing it."""
        target = self._files_target(request, m["path"])
        if isinstance(target, web.StreamResponse):
            return target
        if target not in self._files:
            return self._error(request, 404, "Not Found", "Not a file")
        if self.state in (*_ACTIVE, "BUSY"):
            return self._error(request, 409, "Conflict", "Printer is busy")
        self.start_job(target)
        return web.Response(status=204)

    async def _h_files_delete(self, request: web.Request, m: dict[str, str]) -> web.StreamResponse:
        target = self._files_target(request, m["path"])
        if isinstance(target, web.StreamResponse):
            return target
        file = self._files.get(target)
        if file is None:
            return self._error(request, 409, "Conflict", "Folder deletion is not simulated")
        if file.read_only or (
            self._job is not None and self._job.file is file and self.state in _ACTIVE
        ):
            return self._error(request, 409, "Conflict", "File is busy")
        self.remove_file(target)
        return web.Response(status=204)

    # ------------------------------------------------------------------ bytes
    async def _h_download(self, request: web.Request, m: dict[str, str]) -> web.StreamResponse:
        """File bytes at refs.download: Content-Length, attachment, no Range support."""
        if self.flavour == "buddy":
            file = self._lookup_file("/usb" + m["path"])
        else:
            rel = m["path"]
            root = _PI_ROOTS[m["storage"]] + "/"
            file = self._lookup_file(f"/{m['storage']}/{rel.removeprefix(root)}")
            if file is not None and file.storage == "sdcard":
                return self._error(request, 403, "Forbidden", "Can't download from the SD card")
        if file is None:
            return self._error(request, 404, "Not Found", "File not found")
        await self.downloads_open.wait()
        cut = None
        for candidate in (request.path, file.key, file.long_key):
            if candidate in self.cut_download_after:
                cut = self.cut_download_after[candidate]
                break
        resp = web.StreamResponse(
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Disposition": f'attachment; filename="{file.parts[-1]}"',
                "Cache-Control": "no-cache, no-store",
            }
        )
        resp.content_length = file.size
        self.transfers_in_flight += 1
        self.max_transfers_in_flight = max(self.max_transfers_in_flight, self.transfers_in_flight)
        try:
            await resp.prepare(request)
            sent = 0
            began = asyncio.get_running_loop().time()
            for chunk in file.chunks():
                await self._throttle(sent, began)
                if self._closing.is_set():
                    self._drop(request)
                if cut is not None and sent + len(chunk) >= cut:
                    await resp.write(chunk[: cut - sent])
                    if request.transport is not None:
                        request.transport.close()  # flushes what was written, then hangs up
                    raise asyncio.CancelledError
                await resp.write(chunk)
                sent += len(chunk)
            await resp.write_eof()
        finally:
            self.transfers_in_flight -= 1
        return resp

    async def _throttle(self, sent: int, began: float, bps: int | None = None) -> None:
        """Hold the next chunk until the `sent` bytes before it fit `throttle_bps`.

        Waiting before a chunk, not after it, ends the transfer with its last byte, as the
        client sees it. Stopping the simulator ends the wait.
        """
        rate = bps if bps is not None else self.throttle_bps
        if not rate:
            return
        ahead = sent / rate - (asyncio.get_running_loop().time() - began)
        if ahead > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ahead):
                    await self._closing.wait()

    async def _h_thumbnail(self, request: web.Request, m: dict[str, str]) -> web.StreamResponse:
        """Buddy /thumb/s (16x16) and /thumb/l (first PNG >= 17x17); Pi .orig.png (largest)."""
        if self.flavour == "buddy":
            file = self._lookup_file(m["path"])
        else:
            storage = next(
                (s for s, root in _PI_ROOTS.items() if m["path"].startswith(root + "/")), None
            )
            file = (
                None
                if storage is None
                else self._lookup_file(f"/{storage}/{m['path'][len(_PI_ROOTS[storage]) + 1 :]}")
            )
        if file is None:
            return self._error(request, 404, "Not Found", "File not found")
        thumbs = file.thumbnails()
        png: bytes | None = None
        if self.flavour == "pi":
            png = max(thumbs, key=lambda t: t[0] * t[1])[2] if thumbs else None
        elif m["size"] == "s":
            png = next(
                (p for w, h, p in thumbs if (w, h) == (16, 16)), thumbs[0][2] if thumbs else None
            )
        else:
            png = next((p for w, h, p in thumbs if w >= 17 and h >= 17), None)
        if png is None:
            return self._error(request, 404, "Not Found", "File doesn't contain preview")
        etag = f'"{zlib.crc32(f"{file.key}:{file.m_timestamp}:{file.size}:{m.get('size', 'o')}".encode())}"'
        if (
            self._etag_matches(request, etag)
            if self.flavour == "buddy"
            else request.headers.get("If-None-Match") == etag
        ):
            return web.Response(status=304, headers={"ETag": etag})
        resp = web.StreamResponse(headers={"ETag": etag, "Content-Type": "image/png"})
        if self.flavour == "buddy":
            resp.enable_chunked_encoding()
        else:
            resp.content_length = len(png)
        await resp.prepare(request)
        await resp.write(png)
        await resp.write_eof()
        return resp

    def take_camera_photo(self, photo: bytes | None = None) -> bytes:
        """The camera takes a new photo (its trigger fired); returns the JPEG."""
        self.camera_photo_time += 10
        self.camera_photo = photo or make_jpeg(int(self.camera_photo_time) % 997, (160, 120))
        return self.camera_photo

    async def _h_cameras(self, request: web.Request, _m: dict[str, str]) -> web.StreamResponse:
        """The Pi's list is an object (the spec says an array)."""
        cameras = []
        if self.camera_id:
            cameras.append(
                {
                    "camera_id": self.camera_id,
                    "config": {"name": "Pi camera", "driver": "V4L2", "resolution": "640x480"},
                    "connected": True,
                    "detected": True,
                    "stored": True,
                    "registered": False,
                }
            )
        return await self._json(request, {"camera_list": cameras})

    async def _h_camera_snap(self, request: web.Request, m: dict[str, str]) -> web.StreamResponse:
        """The last stored photo as JPEG, 204 before the first one, 404 for an unknown camera."""
        if not self.camera_id or m["id"] not in ("", self.camera_id):
            return self._error(request, 404, "Not Found", "Camera not found")
        if self.camera_photo is None:
            return web.Response(status=204)
        modified = formatdate(self.camera_photo_time, usegmt=True)
        if request.headers.get("If-Modified-Since") == modified:
            return web.Response(status=304)
        return web.Response(
            body=self.camera_photo,
            content_type="image/jpeg",
            headers={"Last-Modified": modified, "Cache-Control": "private, max-age=30"},
        )


def _printable(name: str) -> bool:
    return name.lower().endswith(PRINTABLE_EXTENSIONS)


def _file_type(name: str) -> str:
    if _printable(name):
        return "PRINT_FILE"
    return "FIRMWARE" if name.lower().endswith(".bbf") else "FILE"
