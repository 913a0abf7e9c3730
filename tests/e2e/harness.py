"""One real Home Assistant with both simulated printers, started as scripts/develop does.

`Stack` starts the Bambu and the Prusa simulator (`python -m tests.simulators ...`, playing
short jobs in a loop), prepares the login and onboarding with `scripts/develop_bootstrap.py
prepare`, starts `hass --config <tmp>` and adds both printers through the config flow with
`scripts/develop_bootstrap.py add-printers`, all on free ports of 127.0.0.1. `stop()` ends every
process group it started. `python -m tests.e2e.harness` runs it until Ctrl-C (to look around).

The configuration is minimal and explicit (no `default_config`): everything it needs is
installed by scripts/setup, and Home Assistant runs with --skip-pip so a missing package fails
the run instead of being installed at test time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
HASS = ROOT / ".venv" / "bin" / "hass"
USERNAME = "dev"
PASSWORD = "dev"
BAMBU_SERIAL = "01P00A000000001"
BAMBU_CODE = "12345678"
PRUSA_USER = "maker"
PRUSA_PASSWORD = "secretpass123"

CONFIGURATION = """\
homeassistant:
  name: Printernizer E2E
  time_zone: Europe/Berlin
  country: DE
  currency: EUR
  unit_system: metric
  allowlist_external_dirs:
    - {config}
http:
  server_host: 127.0.0.1
  server_port: {port}
frontend:
config:
recorder:  # every real install has it (default_config); the frontend asks it
logger:
  default: warning
  logs:
    custom_components.printernizer: info
"""


SPARE_BAMBU_SERIAL = "01S00C000000002"
SPARE_PRUSA_SERIAL = "10589-3742441631040002"


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """The processes of one end-to-end run and how to reach them."""

    workdir: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="printernizer-e2e-"))
    )
    port: int = field(default_factory=free_port)
    bambu_mqtt: int = field(default_factory=free_port)
    bambu_ftp: int = field(default_factory=free_port)
    bambu_camera: int = field(default_factory=free_port)
    prusa_port: int = field(default_factory=free_port)
    token: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> Path:
        return self.workdir / "config"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + (
            os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
        )
        env["VIRTUAL_ENV"] = str(ROOT / ".venv")
        env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env

    def _start(self, name: str, *args: str | Path) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(a) for a in args],
            cwd=ROOT,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches its children
        )
        self.processes.append(process)
        return process

    def start(self) -> None:
        """Simulators, login, Home Assistant, both printers; raises when any step fails."""
        self.config.mkdir(parents=True)
        (self.config / "configuration.yaml").write_text(
            CONFIGURATION.format(port=self.port, config=self.config), encoding="utf-8"
        )
        # Short jobs; PrusaLink is polled every 10 s, so its end states last longer than that.
        self._start(
            "simulator-bambu", PYTHON, "-m", "tests.simulators", "bambu",
            "--loop", "--idle", "4", "--steps", "12", "--interval", "1.5",
            "--mqtt-port", str(self.bambu_mqtt), "--ftp-port", str(self.bambu_ftp),
            "--camera-port", str(self.bambu_camera),
            "--ssdp-port", "0", "--serial", BAMBU_SERIAL, "--access-code", BAMBU_CODE,
            "--cert-dir", self.workdir / "certs",
        )  # fmt: skip
        self._start(
            "simulator-prusa", PYTHON, "-m", "tests.simulators", "prusa",
            "--loop", "--idle", "15", "--steps", "12", "--interval", "2",
            "--port", str(self.prusa_port), "--username", PRUSA_USER, "--password", PRUSA_PASSWORD,
        )  # fmt: skip
        prepared = subprocess.run(
            [PYTHON, "scripts/develop_bootstrap.py", "prepare", "--config", str(self.config),
             "--username", USERNAME, "--password", PASSWORD],
            cwd=ROOT, env=self._env(), capture_output=True, check=True, timeout=120,
        )  # fmt: skip
        self.token = prepared.stdout.decode().strip().splitlines()[-1]
        hass = self._start("home-assistant", HASS, "--config", self.config, "--skip-pip")
        added = subprocess.run(
            [PYTHON, "scripts/develop_bootstrap.py", "add-printers", "--url", self.url,
             "--ha-pid", str(hass.pid), "--timeout", "180",
             "--bambu-port", str(self.bambu_mqtt), "--bambu-ftp-port", str(self.bambu_ftp),
             "--bambu-camera-port", str(self.bambu_camera),
             "--bambu-serial", BAMBU_SERIAL, "--bambu-access-code", BAMBU_CODE,
             "--prusa-port", str(self.prusa_port), "--prusa-username", PRUSA_USER,
             "--prusa-password", PRUSA_PASSWORD],
            cwd=ROOT, env={**self._env(), "DEVELOP_TOKEN": self.token},
            capture_output=True, timeout=300, check=False,
        )  # fmt: skip
        if added.returncode != 0:
            raise RuntimeError(
                "adding the simulated printers failed:\n"
                + added.stderr.decode(errors="replace")
                + self.log_tail("home-assistant")
            )

    def start_spare_printers(self) -> tuple[int, int, int]:
        """A Bambu X1C and a Prusa that are not set up, for the config flow tests.

        Returns (Bambu MQTT port, Bambu FTPS port, PrusaLink port).
        """
        mqtt, ftp, http = free_port(), free_port(), free_port()
        self._start(
            "simulator-bambu-spare", PYTHON, "-m", "tests.simulators", "bambu", "--model", "X1C",
            "--mqtt-port", str(mqtt), "--ftp-port", str(ftp), "--ssdp-port", "0",
            "--camera-port", str(free_port()),
            "--serial", SPARE_BAMBU_SERIAL, "--access-code", BAMBU_CODE,
        )  # fmt: skip
        self._start(
            "simulator-prusa-spare", PYTHON, "-m", "tests.simulators", "prusa",
            "--port", str(http), "--serial", SPARE_PRUSA_SERIAL, "--password", PRUSA_PASSWORD,
        )  # fmt: skip
        for port in (mqtt, ftp, http):
            wait_for_port(port)
        return mqtt, ftp, http

    def log_tail(self, name: str, lines: int = 60) -> str:
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def api(self, method: str, path: str, body: dict | None = None) -> object:
        """Home Assistant's REST API with the dev user's token."""
        request = urllib.request.Request(
            self.url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def service(self, service: str, **data: object) -> dict:
        """Call a Printernizer service and return its response data."""
        answer = self.api("POST", f"/api/services/printernizer/{service}?return_response", data)
        assert isinstance(answer, dict)
        return answer["service_response"]

    def stop(self) -> None:
        """Stop Home Assistant first (it writes its state), then the simulators."""
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def main() -> int:
    stack = Stack()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        stack.start()
        print(f"Home Assistant: {stack.url} (dev / dev); logs in {stack.workdir}", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
