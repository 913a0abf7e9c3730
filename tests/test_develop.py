"""The pieces scripts/develop is built from: the simulators' command line, the login bootstrap,
the restart loop and the dev configuration.

Each test runs the real command in a subprocess and always stops it (no process is left behind).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
import contextlib
import hashlib
import json
import os
from pathlib import Path
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import bcrypt
from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.util.yaml import load_yaml_dict
import jwt
import pytest

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 20.0


@contextlib.contextmanager
def _simulator(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start `python -m tests.simulators ...` with output to `log`; kill it if still running."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.simulators", *args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def _wait_for(log: Path, pattern: str, proc: subprocess.Popen[bytes]) -> re.Match[str]:
    """Poll the log until `pattern` shows up (the simulator prints it once it listens)."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if match := re.search(pattern, log.read_text(errors="replace")):
            return match
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"no {pattern!r} in simulator output:\n{log.read_text(errors='replace')}")


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout=15)


def _peer_fingerprint(port: int) -> str:
    """SHA-256 of the certificate the MQTT/TLS port presents."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        ctx.wrap_socket(raw) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return hashlib.sha256(der).hexdigest()


def test_simulators_help() -> None:
    """Both printer kinds are offered."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.simulators", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "{bambu,prusa}" in result.stdout


def test_bambu_cli_serves_and_keeps_its_certificate(socket_enabled: None, tmp_path: Path) -> None:
    """Listens where it says, stops on SIGTERM, and presents the same certificate after a restart."""
    certs = tmp_path / "certs"
    args = ["bambu", "--mqtt-port", "0", "--ftp-port", "0", "--ssdp-port", "0"]
    args += ["--serial", "01S00C123456789", "--access-code", "87654321", "--cert-dir", str(certs)]
    fingerprints = []
    for run in (1, 2):
        log = tmp_path / f"bambu{run}.log"
        with _simulator(args, log) as proc:
            found = _wait_for(
                log, r"MQTT \(TLS\):\s+127\.0\.0\.1:(\d+)[\s\S]*fingerprint: (\w+)", proc
            )
            port, printed = int(found[1]), found[2]
            assert _peer_fingerprint(port) == printed
            fingerprints.append(printed)
            text = log.read_text()
            assert "serial:      01S00C123456789" in text
            assert "access code: 87654321" in text
            assert _stop(proc, signal.SIGTERM) == 0
        assert "Stopping." in log.read_text()
    assert fingerprints[0] == fingerprints[1]
    assert (certs / "bambu-01S00C123456789.key").stat().st_mode & 0o777 == 0o600


def test_prusa_cli_serves_and_stops_on_ctrl_c(socket_enabled: None, tmp_path: Path) -> None:
    """The PrusaLink port asks for Digest credentials; SIGINT (Ctrl-C) ends it with status 0."""
    log = tmp_path / "prusa.log"
    with _simulator(["prusa", "--port", "0", "--password", "pw-from-cli"], log) as proc:
        url = _wait_for(log, r"URL:\s+(http://127\.0\.0\.1:\d+)", proc)[1]
        assert "password: pw-from-cli" in log.read_text()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{url}/api/version", timeout=5)
        assert err.value.code == 401
        assert 'Digest realm="Printer API"' in err.value.headers["WWW-Authenticate"]
        assert _stop(proc, signal.SIGINT) == 0
    assert "Stopping." in log.read_text()


def test_prepare_login_is_ready_and_idempotent(tmp_path: Path) -> None:
    """Two runs: one owner/admin `dev` with password `dev`, onboarding done, one token, valid JWTs."""
    code = (
        "import sys; sys.path.insert(0, 'scripts'); import develop_bootstrap as b; "
        f"args = ['prepare', '--config', {str(tmp_path)!r}]; "
        "sys.exit(b.main(args) or b.main(args))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    tokens = result.stdout.split()
    assert len(tokens) == 2

    storage = tmp_path / ".storage"
    auth = json.loads((storage / "auth").read_text())["data"]
    users = [u for u in auth["users"] if not u["system_generated"]]
    assert len(users) == 1
    user = users[0]
    assert user["is_owner"] is True
    assert user["group_ids"] == ["system-admin"]
    assert [c["data"]["username"] for c in auth["credentials"]] == ["dev"]
    refresh_tokens = [t for t in auth["refresh_tokens"] if t["user_id"] == user["id"]]
    assert len(refresh_tokens) == 1
    refresh = refresh_tokens[0]
    assert (refresh["token_type"], refresh["client_name"]) == (
        "long_lived_access_token",
        "scripts/develop",
    )
    for token in tokens:
        claims = jwt.decode(token, refresh["jwt_key"], algorithms=["HS256"])
        assert claims["iss"] == refresh["id"]
        assert claims["exp"] - claims["iat"] > 365 * 24 * 3600

    provider = json.loads((storage / "auth_provider.homeassistant").read_text())["data"]
    (login,) = provider["users"]
    assert login["username"] == "dev"
    assert bcrypt.checkpw(b"dev", base64.b64decode(login["password"]))

    onboarding = json.loads((storage / "onboarding").read_text())["data"]
    assert sorted(onboarding["done"]) == ["analytics", "core_config", "integration", "user"]
    assert os.stat(storage / "auth").st_mode & 0o077 == 0  # HA keeps it private


RUN_HA = [sys.executable, "scripts/develop_bootstrap.py", "run-ha", "--"]

# A stand-in for `hass` in the restart loop: counts its starts, asks for a restart (exit 100)
# `restarts` times, then runs until signalled. On SIGHUP it exits 100, as HA does.
FAKE_HASS = """
import signal, sys, time
from pathlib import Path
runs = Path(sys.argv[1])
starts = len(runs.read_text().splitlines()) + 1 if runs.exists() else 1
runs.write_text(runs.read_text() + "start\\n" if runs.exists() else "start\\n")
if starts <= int(sys.argv[2]):
    sys.exit(100)
def stop(signum, frame):
    with runs.open("a") as out:
        out.write(f"stopped by {signal.Signals(signum).name}\\n")
    sys.exit(100 if signum == signal.SIGHUP else 0)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGHUP, stop)
with runs.open("a") as out:
    out.write("ready\\n")
while True:
    time.sleep(0.05)
"""


@contextlib.contextmanager
def _run_ha(tmp_path: Path, restarts: int) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`develop_bootstrap.py run-ha` around FAKE_HASS, in its own process group like develop's."""
    runs = tmp_path / "runs"
    proc = subprocess.Popen(
        [*RUN_HA, sys.executable, "-c", FAKE_HASS, str(runs), str(restarts)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while "ready" not in (runs.read_text() if runs.exists() else ""):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the fake Home Assistant never got ready"
            time.sleep(0.05)
        yield proc, runs
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


def test_restart_from_the_ui_starts_home_assistant_again(tmp_path: Path) -> None:
    """Exit code 100 (homeassistant.restart) starts it again; SIGTERM to the group ends it."""
    with _run_ha(tmp_path, restarts=2) as (proc, runs):
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert runs.read_text().splitlines() == [
            "start", "start", "start", "ready", "stopped by SIGTERM"
        ]  # fmt: skip
        assert proc.stderr is not None
        assert proc.stderr.read().decode().count("asked for a restart") == 2


def test_hangup_ends_home_assistant_instead_of_restarting_it(tmp_path: Path) -> None:
    """HA answers SIGHUP (a closed terminal) with code 100; the loop must not start it again."""
    with _run_ha(tmp_path, restarts=0) as (proc, runs):
        os.killpg(proc.pid, signal.SIGHUP)
        assert proc.wait(timeout=15) == 100
        assert runs.read_text().splitlines() == ["start", "ready", "stopped by SIGHUP"]


def test_run_ha_passes_on_any_other_exit_code(tmp_path: Path) -> None:
    result = subprocess.run(
        [*RUN_HA, sys.executable, "-c", "import sys; sys.exit(3)"],
        cwd=ROOT,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 3
    assert b"restart" not in result.stderr


async def test_dev_config_starts_only_what_a_dev_machine_has(hass: HomeAssistant) -> None:
    """No default_config: nothing that needs the go2rtc binary, PyAV, hardware or the internet."""
    config = await hass.async_add_executor_job(
        load_yaml_dict, str(ROOT / "config" / "configuration.yaml")
    )
    assert "default_config" not in config
    domains = set(config) - {"homeassistant"}
    started = set(domains)
    for domain in domains:
        integration = await loader.async_get_integration(hass, domain)
        started |= await integration.resolve_dependencies() or set()
    lacking = {"go2rtc", "stream", "camera", "bluetooth", "usb", "dhcp", "zeroconf", "ssdp"}
    lacking |= {"cloud", "assist_pipeline", "homeassistant_alerts", "mobile_app"}
    assert not started & lacking
    # What working on Printernizer needs: the UI, graphs, logbook, energy, automations.
    assert {
        "frontend",
        "config",
        "history",
        "recorder",
        "logbook",
        "energy",
        "automation",
    } <= started
