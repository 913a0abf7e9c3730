"""The pieces scripts/develop is built from: the simulators' command line and the login bootstrap.

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
