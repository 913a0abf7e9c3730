"""A Bambu Lab printer on 127.0.0.1: MQTT over TLS, implicit FTPS, SSDP and its camera.

Tests drive the simulator (``push``, ``start_job``, ``finish_job`` ...) and point the real
integration at ``host``/``mqtt_port``/``ftp_port``/``camera_port`` with ``serial`` and
``access_code``. The camera is the chamber image (port 6000) on P1/A1 and RTSPS (port 322) on
the others (see camera.py).
P1/A1 models send deltas (``msg: 1``) after a full ``pushall`` answer; X1 models send the
whole ``print`` object (``msg: 0``, pretty-printed like the firmware) on every push.

Run ``python -m tests.simulators.bambu --help`` for a stand-alone printer (scripts/develop).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from dataclasses import dataclass
import functools
import json
import math
from pathlib import Path
import random
import socket
import ssl
import time
from types import TracebackType
from typing import Any, Self

from .camera import ChamberImageServer, RtspsServer
from .certs import fingerprint_of_pem, make_self_signed_cert, server_ssl_context
from .ftps import BambuFtpsServer
from .jitter import Wander
from .mqtt_broker import RC_ACCEPTED, RC_NOT_AUTHORISED, ConnectInfo, MqttBroker, MqttSession
from .ssdp import send_notify
from .threemf import make_3mf

__all__ = ["CANCELLED_BY_USER", "MODELS", "BambuSimulator", "ModelInfo", "idle_state"]


MQTT_USER = "bblp"
#: print_error 0x0300400C, sent for a few seconds when the user stops a print.
CANCELLED_BY_USER = 50348044


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What differs between models as far as the LAN protocol shows it (reference §1.4)."""

    code: str  # SSDP DevModel / slice_info printer_model_id
    product_name: str  # info.get_version ota.product_name
    board: str  # board module name in get_version
    hw_ver: str
    project_name: str
    full_reports: bool  # X1: every push is the whole object
    idle_stage: int  # stg_cur when idle: 255 on P1/A1, -1 on X1
    firmware: str
    has_chamber_sensor: bool
    timelapse_ext: str


MODELS: dict[str, ModelInfo] = {
    "P1S": ModelInfo("C12", "Bambu Lab P1S", "esp32", "AP04", "C12", False, 255, "01.09.01.00", False, "avi"),
    "P1P": ModelInfo("C11", "Bambu Lab P1P", "esp32", "AP04", "C11", False, 255, "01.08.02.00", False, "avi"),
    "A1": ModelInfo("N2S", "Bambu Lab A1", "esp32", "AP05", "N2S", False, 255, "01.05.00.00", False, "avi"),
    "A1 mini": ModelInfo("N1", "Bambu Lab A1 mini", "esp32", "AP05", "N1", False, 255, "01.05.00.00", False, "avi"),
    "X1C": ModelInfo("BL-P001", "Bambu Lab X1-Carbon", "rv1126", "AP05", "", True, -1, "01.08.05.00", True, "mp4"),
    "X1E": ModelInfo("C13", "Bambu Lab X1E", "rv1126", "AP02", "", True, -1, "01.01.02.00", True, "mp4"),
    "P2S": ModelInfo("N7", "Bambu Lab P2S", "ap", "AP04", "", True, -1, "01.01.00.00", True, "mp4"),
    "H2D": ModelInfo("O1D", "Bambu Lab H2D", "ap", "AP05", "", True, -1, "01.01.02.07", True, "mp4"),
    "H2D Pro": ModelInfo("O1E", "Bambu Lab H2D Pro", "ap", "AP01", "", True, -1, "01.01.00.00", True, "mp4"),
}  # fmt: skip

_PLA_TRAY: dict[str, Any] = {
    "id": "0",
    "remain": 64,
    "k": 0.019999999552965164,
    "n": 1,
    "cali_idx": -1,
    "tag_uid": "C5E1038A00000100",
    "tray_id_name": "A00-B8",
    "tray_info_idx": "GFA00",
    "tray_type": "PLA",
    "tray_sub_brands": "PLA Basic",
    "tray_color": "0A2989FF",
    "tray_weight": "1000",
    "tray_diameter": "1.75",
    "tray_temp": "55",
    "tray_time": "8",
    "bed_temp_type": "0",
    "bed_temp": "0",
    "nozzle_temp_max": "230",
    "nozzle_temp_min": "190",
    "xcam_info": "D007D007E803E8039A99193F",
    "tray_uuid": "6E0A2C4E6A8C0E2A4C6E8A0C2E4A6C8E",
    "ctype": 0,
    "cols": ["0A2989FF"],
    "state": 11,
    "total_len": 330000,
}

_VT_TRAY: dict[str, Any] = {
    "id": "254",
    "tag_uid": "0000000000000000",
    "tray_id_name": "",
    "tray_info_idx": "",
    "tray_type": "",
    "tray_sub_brands": "",
    "tray_color": "00000000",
    "tray_weight": "0",
    "tray_diameter": "0.00",
    "tray_temp": "0",
    "tray_time": "0",
    "bed_temp_type": "0",
    "bed_temp": "0",
    "nozzle_temp_max": "0",
    "nozzle_temp_min": "0",
    "xcam_info": "000000000000000000000000",
    "tray_uuid": "00000000000000000000000000000000",
    "remain": 0,
    "k": 0.019999999552965164,
    "n": 1,
    "cali_idx": -1,
}


def _packed_ip(host: str) -> int:
    """IPv4 packed little-endian into an int, as ``net.info[].ip`` carries it."""
    try:
        return int.from_bytes(socket.inet_aton(host), "little")
    except OSError:
        return 0


def idle_state(model: str = "P1S", host: str = "127.0.0.1") -> dict[str, Any]:
    """A realistic IDLE ``print`` object for ``model`` (built from the reference payloads).

    Envelope keys (``command``, ``msg``, ``sequence_id``) are not part of it; they are
    added per report. Types follow the firmware: several numbers are strings.
    """
    info = MODELS[model]
    x1 = info.full_reports
    state: dict[str, Any] = {
        "upgrade_state": {
            "sequence_id": 0,
            "progress": "0" if x1 else "",
            "status": "IDLE",
            "consistency_request": False,
            "dis_state": 0,
            "err_code": 0,
            "force_upgrade": False,
            "message": "" if x1 else "0%, 0B/s",
            "module": "null" if x1 else "",
            "new_version_state": 2,
            **({"ota_new_version_number": "", "ams_new_version_number": ""} if x1 else {}),
            **({} if x1 else {"cur_state_code": 0, "new_ver_list": []}),
        },
        "ipcam": {
            "ipcam_dev": "1",
            "ipcam_record": "enable",
            "timelapse": "disable",
            "resolution": "1080p" if x1 else "",
            "tutk_server": "disable",
            "mode_bits": 2 if x1 else 3,
            **({"rtsp_url": f"rtsps://{host}/streaming/live/1"} if x1 else {}),
        },
        "upload": {"status": "idle", "progress": 0, "message": ""},
        "net": {"conf": 16 if x1 else 0, "info": [{"ip": _packed_ip(host), "mask": 16777215}]},
        "nozzle_temper": 24.96875,
        "nozzle_target_temper": 0,
        "bed_temper": 23.96875,
        "bed_target_temper": 0,
        "chamber_temper": 26.0 if info.has_chamber_sensor else 5,
        "mc_print_stage": "1",
        "heatbreak_fan_speed": "0",
        "cooling_fan_speed": "0",
        "big_fan1_speed": "0",
        "big_fan2_speed": "0",
        "mc_percent": 0,
        "mc_remaining_time": 0,
        "ams_status": 0,
        "ams_rfid_status": 6,
        "hw_switch_state": 1,
        "spd_mag": 100,
        "spd_lvl": 2,
        "print_error": 0,
        "mc_print_error_code": "0",
        "fail_reason": "0",
        "lifecycle": "product",
        "wifi_signal": "-54dBm",
        "gcode_state": "IDLE",
        "gcode_file_prepare_percent": "0",
        "queue_number": 0,
        "queue_total": 0,
        "queue_est": 0,
        "queue_sts": 0,
        "project_id": "0",
        "profile_id": "0",
        "task_id": "0",
        "subtask_id": "0",
        "subtask_name": "",
        "gcode_file": "",
        "stg": [],
        "stg_cur": info.idle_stage,
        "print_type": "idle",
        "home_flag": -1066929999 if x1 else 322122839,
        "mc_print_line_number": "0",
        "mc_print_sub_stage": 0,
        "sdcard": True,
        "force_upgrade": False,
        "mess_production_state": "active",
        "layer_num": 0,
        "total_layer_num": 0,
        "s_obj": [],
        "filam_bak": [],
        "fan_gear": 0,
        "nozzle_diameter": "0.4",
        "nozzle_type": "hardened_steel" if x1 else "stainless_steel",
        "cali_version": 0,
        "k": "0.0200",
        "flag3": 15,
        "hms": [],
        "online": {"ahb": False, "rfid": False, "version": 1193046},
        "ams": {
            "ams": [
                {
                    "id": "0",
                    "humidity": "4",
                    "humidity_raw": "23",
                    "temp": "26.9",
                    "tray": [copy.deepcopy(_PLA_TRAY), {"id": "1"}, {"id": "2"}, {"id": "3"}],
                }
            ],
            "ams_exist_bits": "1",
            "tray_exist_bits": "1",
            "tray_is_bbl_bits": "1",
            "tray_tar": "255",
            "tray_now": "255",
            "tray_pre": "0",
            "tray_read_done_bits": "1",
            "tray_reading_bits": "0",
            "version": 4096,
            "insert_flag": True,
            "power_on_flag": False,
        },
        "vt_tray": copy.deepcopy(_VT_TRAY),
        "lights_report": [{"node": "chamber_light", "mode": "on"}],
    }
    if x1:
        state.update(
            {
                "gcode_start_time": "0",
                "aux_part_fan": True,
                "maintain": 3,
                "print_gcode_action": 0,
                "print_real_action": 0,
                "xcam_status": "0",
                "xcam": {
                    "allow_skip_parts": False,
                    "buildplate_marker_detector": True,
                    "first_layer_inspector": True,
                    "halt_print_sensitivity": "medium",
                    "print_halt": True,
                    "printing_monitor": True,
                    "spaghetti_detector": True,
                },
                "lights_report": [
                    {"node": "chamber_light", "mode": "on"},
                    {"node": "work_light", "mode": "off"},
                ],
            }
        )
    return state


def default_files(model: str = "P1S") -> dict[str, bytes]:
    """The SD card a fresh simulator serves: sliced 3MFs in ``/`` and ``/cache``, a timelapse."""
    return dict(_default_files(model))


@functools.cache
def _default_files(model: str) -> tuple[tuple[str, bytes], ...]:
    """Built once per model: zipping ~80 KB of G-code per simulator would stall the loop."""
    info = MODELS[model]
    code = info.code
    video = b"RIFF" + (4096).to_bytes(4, "little") + b"AVI LIST" + bytes(range(256)) * 16
    if info.timelapse_ext == "mp4":
        video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 16
    return tuple(
        {
            "/cube.gcode.3mf": make_3mf(printer_model_id=code, gcode_moves=3000),
            "/cache/cable_clip_x12.gcode.3mf": make_3mf(
                filaments=[("PETG", 21.5)],
                prediction_s=5400,
                printer_model_id=code,
                gcode_moves=5000,
            ),
            "/cache/benchy.3mf": make_3mf(
                filaments=[("PLA", 10.02), ("PLA", 3.1)], prediction_s=2950, printer_model_id=code
            ),
            f"/timelapse/video_2025-06-18_00-27-00.{info.timelapse_ext}": video,
            "/model/": b"",
        }.items()
    )


def _deep_merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    """Merge nested dicts; lists and scalars replace (what P1/A1 deltas do)."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


class BambuSimulator:
    """One simulated printer: TLS MQTT broker + implicit FTPS + optional SSDP announcements."""

    def __init__(
        self,
        *,
        serial: str = "01P00A000000001",
        access_code: str = "12345678",
        model: str = "P1S",
        host: str = "127.0.0.1",
        mqtt_port: int = 0,
        ftp_port: int = 0,
        camera_port: int = 0,
        ssdp_port: int | None = None,
        files: dict[str, bytes] | None = None,
        ack_commands: bool = True,
        name: str = "Sim P1S",
        report_interval: float | None = None,
        max_connections: int | None = None,
        jitter: bool = False,
        seed: int | str | None = None,
    ) -> None:
        """``jitter``: temperatures and Wi-Fi wander like a real printer's (``seed`` for repeatable runs)."""
        if model not in MODELS:
            raise ValueError(f"unknown model {model!r}; known: {', '.join(MODELS)}")
        self.serial = serial
        self.access_code = access_code
        self.model = model
        self.model_info = MODELS[model]
        self.host = host
        self.ssdp_port = ssdp_port
        self.ack_commands = ack_commands
        self.name = name
        self.report_interval = report_interval
        self.report_qos = 0
        self.state: dict[str, Any] = idle_state(model, host)
        self.requests: list[dict[str, Any]] = []
        self.published: list[dict[str, Any]] = []
        #: Files started by ``project_file`` commands: (SD card path, the command's body).
        self.started_files: list[tuple[str, dict[str, Any]]] = []
        self._seq = 2000
        self._job: dict[str, int] = {"total_layers": 0, "prediction_min": 0}
        self.cert_pem, self._key_pem = make_self_signed_cert(serial)
        self.fingerprint = fingerprint_of_pem(self.cert_pem)
        self._mqtt_ctx: ssl.SSLContext | None = None
        self._mqtt_ctx_cert = b""
        self._broker = MqttBroker(
            host=host,
            port=mqtt_port,
            ssl_context=self._mqtt_ssl_context,
            authenticate=self._authenticate,
            on_publish=self._on_publish,
            max_connections=max_connections,
        )
        self._ftps = BambuFtpsServer(
            host=host,
            port=ftp_port,
            password=lambda: self.access_code,
            files=default_files(model) if files is None else files,
            cert_pem=self.cert_pem,
            key_pem=self._key_pem,
            nlst_full_paths=self.model_info.full_reports,
        )
        self.camera: ChamberImageServer | RtspsServer
        if self.model_info.full_reports:
            self.camera = RtspsServer(
                host=host,
                port=camera_port,
                ssl_context=self._mqtt_ssl_context,
                access_code=lambda: self.access_code,
            )
        else:
            self.camera = ChamberImageServer(
                host=host,
                port=camera_port,
                ssl_context=self._mqtt_ssl_context,
                access_code=lambda: self.access_code,
            )
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False
        self.jitter = jitter
        rng = random.Random(serial if seed is None else seed)
        # P1/A1 report temperatures in 1/32 °C steps; the bed is held more tightly than the nozzle.
        self._nozzle = Wander(rng, spread=0.6, step=1 / 32)
        self._bed = Wander(rng, spread=0.3, step=1 / 32)
        self._wifi = Wander(rng, spread=1.5, step=1)

    # ------------------------------------------------------------------ properties

    @property
    def mqtt_port(self) -> int:
        """Bound MQTT/TLS port (the printer's 8883)."""
        return self._broker.port

    @property
    def ftp_port(self) -> int:
        """Bound implicit-FTPS port (the printer's 990)."""
        return self._ftps.port

    @property
    def camera_port(self) -> int:
        """Bound camera port (the printer's 6000 on P1/A1, 322 on X1/H2/P2S)."""
        return self.camera.port

    @property
    def full_reports(self) -> bool:
        """True for X1-style printers that always send the whole object."""
        return self.model_info.full_reports

    @property
    def report_topic(self) -> str:
        """``device/<serial>/report``."""
        return f"device/{self.serial}/report"

    @property
    def request_topic(self) -> str:
        """``device/<serial>/request``."""
        return f"device/{self.serial}/request"

    @property
    def connection_count(self) -> int:
        """TCP connections accepted on the MQTT port over the simulator's lifetime."""
        return self._broker.connection_count

    @property
    def active_connections(self) -> int:
        """Currently connected, logged-in MQTT clients."""
        return self._broker.active_connections

    @property
    def cut_transfer_after(self) -> dict[str, int]:
        """``{ftp path: n}``: RETR of that path sends n bytes (n >= 1), then drops (426)."""
        return self._ftps.cut_transfer_after

    @property
    def ftps_server(self) -> BambuFtpsServer:
        """The FTPS side: fault knobs (stalls, silent cuts) and counters (sessions, RETRs)."""
        return self._ftps

    @property
    def ftp_root(self) -> Path | None:
        """Local directory holding the FTPS tree while running."""
        return self._ftps.root

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind MQTT and FTPS, start SSDP/periodic reports if configured."""
        if self._started:
            return
        self._started = True
        try:
            await self._mqtt_ssl_context()
            await self._broker.start()
            await self._ftps.start()
            await self.camera.start()
        except BaseException:
            await self.stop()
            raise
        if self.ssdp_port is not None:
            self._spawn(self._ssdp_loop(self.ssdp_port))
        if self.report_interval:
            self._spawn(self._report_loop(self.report_interval))

    async def stop(self) -> None:
        """Stop everything: tasks cancelled, clients dropped, FTPS thread joined, temp dir gone."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._broker.stop()
        await self._ftps.stop()
        await self.camera.stop()
        self._started = False

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def stop_broker(self) -> None:
        """Close the MQTT listener and drop clients (printer rebooting / Wi-Fi gone)."""
        await self._broker.stop()

    async def start_broker(self) -> None:
        """Listen again on the same MQTT port."""
        await self._broker.start()

    async def drop_connections(self) -> None:
        """Drop every MQTT client but keep listening (a short network blip)."""
        for session in list(self._broker.sessions):
            session.close()
        await asyncio.sleep(0)

    def regenerate_certificate(self) -> None:
        """New key and certificate (new ``fingerprint``) for connections accepted from now on."""
        self.cert_pem, self._key_pem = make_self_signed_cert(self.serial)
        self.fingerprint = fingerprint_of_pem(self.cert_pem)
        self._ftps.set_certificate(self.cert_pem, self._key_pem)

    # ------------------------------------------------------------------ FTPS content

    async def put_file(self, path: str, data: bytes, *, mtime: float | None = None) -> None:
        """Add/replace a file on the simulated SD card (``mtime`` as Unix seconds)."""
        await self._ftps.put_file(path, data, mtime=mtime)

    async def remove_file(self, path: str) -> None:
        """Delete a file from the simulated SD card."""
        await self._ftps.remove_file(path)

    async def list_files(self) -> dict[str, bytes]:
        """Current SD card content ``{"/dir/name": bytes}`` (sees DELE done by clients)."""
        return await self._ftps.list_files()

    # ------------------------------------------------------------------ reports

    async def push(self, changes: dict[str, Any]) -> None:
        """Merge ``changes`` into ``state`` and publish a push_status report.

        Delta models send just ``changes`` with ``msg: 1``; full models send everything with
        ``msg: 0``. ``sequence_id`` is the printer's own increasing counter (a string).
        """
        _deep_merge(self.state, changes)
        body = copy.deepcopy(self.state if self.full_reports else changes)
        body.update(command="push_status", msg=0 if self.full_reports else 1)
        await self._send_status(body)

    async def push_full(self) -> None:
        """Publish the whole state with ``msg: 0`` (what a ``pushall`` answer is)."""
        body = copy.deepcopy(self.state)
        body.update(command="push_status", msg=0)
        await self._send_status(body)

    async def publish_raw(self, payload: dict[str, Any] | bytes) -> None:
        """Publish anything on the report topic (for odd-payload tests), state untouched."""
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self._broker.publish(self.report_topic, data, self.report_qos)

    async def _send_status(self, body: dict[str, Any]) -> None:
        self._seq += 1
        body["sequence_id"] = str(self._seq)
        await self._publish({"print": body})

    async def _publish(self, message: dict[str, Any]) -> None:
        self.published.append(copy.deepcopy(message))
        # X1 firmware pretty-prints its reports; P1/A1 send compact JSON.
        text = json.dumps(message, indent=4) if self.full_reports else json.dumps(message)
        self._broker.publish(self.report_topic, text.encode(), self.report_qos)
        await asyncio.sleep(0)

    # ------------------------------------------------------------------ job flows

    def _temps_printing(self) -> dict[str, Any]:
        """Heaters at their targets (220 / 60 °C); with jitter each report wanders a little."""
        if not self.jitter:
            return {"nozzle_temper": 219.96875, "bed_temper": 59.96875, "cooling_fan_speed": "13"}
        return {
            "nozzle_temper": self._nozzle(220.0),
            "bed_temper": self._bed(60.0),
            "cooling_fan_speed": "13",
        }

    def _wifi_signal(self, percent: int) -> str:
        if not self.jitter:
            return f"-{54 + percent % 3}dBm"
        return f"{self._wifi(-54.0):.0f}dBm"

    async def start_job(
        self,
        name: str = "cube",
        *,
        file: str | None = None,
        total_layers: int = 50,
        prediction_min: int = 62,
    ) -> None:
        """PREPARE (file download "0" → "100"), then RUNNING at 0 %."""
        self._job = {"total_layers": total_layers, "prediction_min": prediction_min}
        prepare: dict[str, Any] = {
            "gcode_state": "PREPARE",
            "subtask_name": name,
            "gcode_file": file or f"{name}.gcode.3mf",
            "print_type": "local",
            "gcode_file_prepare_percent": "0",
            "mc_percent": 0,
            "mc_remaining_time": prediction_min,
            "layer_num": 0,
            "total_layer_num": total_layers,
            "stg": [2, 14, 13, 1, 8],
            "stg_cur": 2,
            "mc_print_stage": "2",
            "print_error": 0,
            "nozzle_target_temper": 220.0,
            "bed_target_temper": 60.0,
            "nozzle_temper": 140.5,
            "bed_temper": 45.25,
            "heatbreak_fan_speed": "15",
            "project_id": "0",
            "profile_id": "0",
            "task_id": "0",
            "subtask_id": "0",
            "s_obj": [],
        }
        if self.full_reports:
            prepare["gcode_start_time"] = str(int(time.time()))
        await self.push(prepare)
        await self.push({"gcode_file_prepare_percent": "50"})
        await self.push({"gcode_file_prepare_percent": "100"})
        await self.push(
            {"gcode_state": "RUNNING", "stg_cur": 0, "mc_percent": 0, **self._temps_printing()}
        )

    async def progress(self, percent: float) -> None:
        """RUNNING at ``percent``: layer, remaining minutes, temperatures, Wi-Fi.

        A fraction moves the layer and the remaining time between whole percents, as the
        printer's own counters do (``mc_percent`` is reported in whole percents).
        """
        percent = max(0.0, min(100.0, percent))
        total = self._job["total_layers"] or int(self.state.get("total_layer_num") or 0)
        prediction = self._job["prediction_min"]
        await self.push(
            {
                "gcode_state": "RUNNING",
                "mc_percent": int(percent),
                "layer_num": round(total * percent / 100),
                "mc_remaining_time": math.ceil(prediction * (100 - percent) / 100),
                "wifi_signal": self._wifi_signal(int(percent)),
                **self._temps_printing(),
            }
        )

    async def pause_job(self) -> None:
        """PAUSE, stage 16 (paused by user)."""
        await self.push({"gcode_state": "PAUSE", "stg_cur": 16})

    async def resume_job(self) -> None:
        """Back to RUNNING, stage 0."""
        await self.push({"gcode_state": "RUNNING", "stg_cur": 0})

    def _ended(self) -> dict[str, Any]:
        return {
            "nozzle_target_temper": 0,
            "bed_target_temper": 0,
            "stg": [],
            "stg_cur": self.model_info.idle_stage,
            "mc_print_stage": "1",
            "cooling_fan_speed": "0",
        }

    async def finish_job(self) -> None:
        """FINISH at 100 %, 0 min left, last layer, heaters off, idle stage."""
        total = self._job["total_layers"] or int(self.state.get("total_layer_num") or 0)
        await self.push(
            {
                "gcode_state": "FINISH",
                "mc_percent": 100,
                "mc_remaining_time": 0,
                "layer_num": total,
                **self._ended(),
            }
        )

    async def fail_job(self, print_error: int = 0x07008011) -> None:
        """FAILED with ``print_error`` (default 0x07008011, an AMS filament error)."""
        await self.push({"gcode_state": "FAILED", "print_error": print_error, **self._ended()})

    async def cancel_job(self) -> None:
        """User stop: print_error 0x0300400C, then FAILED, then print_error back to 0."""
        await self.push({"print_error": CANCELLED_BY_USER})
        await self.push({"gcode_state": "FAILED", **self._ended()})
        await self.push({"print_error": 0})

    async def run_script(
        self,
        *,
        outcome: str = "finish",
        steps: int = 10,
        interval: float = 1.0,
        name: str = "cube",
    ) -> None:
        """A whole job in real time: ``finish``, ``fail``, ``cancel`` or ``pause`` (pause, resume, finish).

        Like a printer, progress stands still while the job is paused (by this script or by a
        ``pause`` command) and the heaters keep reporting; a ``stop`` command ends the script.
        """
        if outcome not in ("finish", "fail", "cancel", "pause"):
            raise ValueError(f"unknown outcome {outcome!r}")
        await self.start_job(name)
        resume_in: int | None = None  # paused steps left before the script resumes
        step = 0
        while step < steps:
            await asyncio.sleep(interval)
            gcode_state = self.state.get("gcode_state")
            if gcode_state == "PAUSE":
                if resume_in is not None:
                    resume_in -= 1
                if resume_in == 0:
                    resume_in = None
                    await self.resume_job()
                else:
                    await self.push(self._temps_printing())
                continue
            if gcode_state != "RUNNING":
                return  # stopped by a command
            resume_in = None  # resumed by a command meanwhile
            step += 1
            await self.progress(step * 100 // steps)
            if step == max(steps // 2, 1):
                if outcome == "fail":
                    await self.fail_job()
                    return
                if outcome == "cancel":
                    await self.cancel_job()
                    return
                if outcome == "pause":
                    await self.pause_job()
                    resume_in = 2
        await self.finish_job()

    # ------------------------------------------------------------------ MQTT handling

    async def _mqtt_ssl_context(self) -> ssl.SSLContext:
        """Current TLS context; rebuilt in an executor after ``regenerate_certificate``."""
        if self._mqtt_ctx is None or self._mqtt_ctx_cert != self.cert_pem:
            cert, key = self.cert_pem, self._key_pem
            self._mqtt_ctx = await asyncio.to_thread(server_ssl_context, cert, key)
            self._mqtt_ctx_cert = cert
        return self._mqtt_ctx

    def _authenticate(self, info: ConnectInfo) -> int:
        if info.username == MQTT_USER and info.password == self.access_code:
            return RC_ACCEPTED
        return RC_NOT_AUTHORISED

    async def _on_publish(self, session: MqttSession, topic: str, payload: bytes) -> None:
        if topic != self.request_topic:
            return
        try:
            message = json.loads(payload)
        except ValueError:
            self.requests.append({"_invalid": payload.decode(errors="replace")})
            return
        if not isinstance(message, dict):
            self.requests.append({"_invalid": message})
            return
        self.requests.append(message)
        for category, body in message.items():
            if isinstance(body, dict):
                await self._handle_request(category, body)

    async def _handle_request(self, category: str, body: dict[str, Any]) -> None:
        command = body.get("command")
        if category == "pushing":
            if command == "pushall":
                await self.push_full()
            return  # "start" just (re)starts the stream: nothing to answer
        if category == "info" and command == "get_version":
            await self._publish({"info": self._version_reply(body)})
            return
        if category not in ("print", "system") or not self.ack_commands:
            return  # without Developer Mode the printer silently drops control commands
        if category == "print" and command == "project_file":
            await self._start_project_file(body)
            return
        ack = {**body, "result": "success", "reason": "success"}
        await self._publish({category: ack})
        if category == "system":
            if command == "ledctrl" and body.get("led_node"):
                lights = [
                    light
                    for light in self.state.get("lights_report", [])
                    if light.get("node") != body["led_node"]
                ]
                lights.append({"node": body["led_node"], "mode": body.get("led_mode", "on")})
                await self.push({"lights_report": lights})
            return
        await self._apply_print_command(str(command), body)

    async def _apply_print_command(self, command: str, body: dict[str, Any]) -> None:
        gcode_state = self.state.get("gcode_state")
        active = gcode_state in ("PREPARE", "RUNNING", "PAUSE")
        if command == "pause" and gcode_state in ("PREPARE", "RUNNING"):
            await self.pause_job()
        elif command == "resume" and gcode_state == "PAUSE":
            await self.resume_job()
        elif command == "stop" and active:
            await self.cancel_job()
        elif command == "print_speed":
            level = int(str(body.get("param", "2")) or 2)
            speeds = {1: 50, 2: 100, 3: 124, 4: 166}
            if level in speeds:
                await self.push({"spd_lvl": level, "spd_mag": speeds[level]})

    def project_file_path(self, url: str) -> str | None:
        """The SD card path a ``project_file`` url names (``ftp://``, ``ftp:///``, ``file:///sdcard/``)."""
        for prefix in ("file:///sdcard/", "file:///mnt/sdcard/", "ftp:///", "ftp://"):
            if url.startswith(prefix):
                return "/" + url[len(prefix) :].lstrip("/")
        return None

    async def _start_project_file(self, body: dict[str, Any]) -> None:
        """Start a file on the SD card, or answer Bambu's error like the firmware does.

        A busy printer answers ``0500_4004`` and starts nothing (an A1 mini would cancel its
        job: tests assert that nothing reached ``started_files``); a missing file ``0500_C010``.
        The started file plays as a job named after ``subtask_name``.
        """
        gcode_state = self.state.get("gcode_state")
        path = self.project_file_path(str(body.get("url", "")))
        local = self._ftps.root
        error: tuple[int, str] | None = None
        if gcode_state in ("PREPARE", "SLICING", "RUNNING", "PAUSE"):
            error = (0x05004004, "the printer is busy")
        elif path is None or local is None or not (local / path.lstrip("/")).is_file():
            error = (0x0500C010, "file not found")
        if error is not None:
            reply = {**body, "result": "fail", "reason": error[1], "err_code": error[0]}
            await self._publish({"print": reply})
            return
        assert path is not None
        self.started_files.append((path, copy.deepcopy(body)))
        await self._publish({"print": {**body, "result": "success", "reason": "success"}})
        file = path.rsplit("/", 1)[-1]
        name = str(body.get("subtask_name") or file.split(".")[0])
        self._spawn(self.start_job(name, file=file))

    def _version_reply(self, request: dict[str, Any]) -> dict[str, Any]:
        info = self.model_info
        modules: list[dict[str, Any]] = [
            {
                "name": "ota",
                "product_name": info.product_name,
                "sw_ver": info.firmware,
                "hw_ver": "OTA",
                "sn": self.serial,
                "flag": 3,
                "visible": True,
            },
            {
                "name": info.board,
                "project_name": info.project_name,
                "sw_ver": info.firmware,
                "hw_ver": info.hw_ver,
                "sn": self.serial,
                "flag": 0,
                "loader_ver": "00.00.00.00",
            },
            {"name": "mc", "sw_ver": "00.00.26.45", "hw_ver": "MC07", "sn": self.serial, "flag": 0},
            {"name": "th", "sw_ver": "00.00.07.70", "hw_ver": "TH07", "sn": self.serial, "flag": 0},
            {"name": "ams/0", "sw_ver": "00.00.06.49", "hw_ver": "AMS08", "sn": "006E0A2C4E6A8C0", "flag": 0},
        ]  # fmt: skip
        return {
            "command": "get_version",
            "sequence_id": request.get("sequence_id", "0"),
            "module": modules,
            "result": "success",
            "reason": "",
        }

    # ------------------------------------------------------------------ background tasks

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ssdp_loop(self, port: int) -> None:
        while True:
            with contextlib.suppress(OSError):
                await send_notify(self, port)
            await asyncio.sleep(0.5)

    async def _report_loop(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if self.full_reports:
                await self.push({})
            else:
                await self.push({"wifi_signal": self.state.get("wifi_signal", "-54dBm")})
