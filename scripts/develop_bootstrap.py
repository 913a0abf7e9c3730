"""Helpers for scripts/develop: a ready dev login, Home Assistant kept running, the printers added.

``prepare`` runs while Home Assistant is stopped: it writes the user ``dev`` (owner, admin) with
its password, marks onboarding done so the UI opens straight to the login page, and prints a
long-lived access token for that user on stdout. Running it again reuses all of that.

``add-printers`` runs once Home Assistant is up: it waits for ``/api/``, then goes through the
Printernizer config flow over the REST API for the Bambu and the Prusa simulator, exactly as a
user would in the UI. A printer that is already added ends in ``already_configured`` and is
skipped; a flow that fails is reported and the next printer is still tried.

``run-ha`` runs Home Assistant and starts it again whenever it exits with code 100, which is
how it asks to be restarted (Settings → System → Restart, ``homeassistant.restart``). Any other
exit, or SIGINT/SIGTERM to this process, ends it.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import timedelta
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.request

TOKEN_CLIENT_NAME = "scripts/develop"
# homeassistant.const.RESTART_EXIT_CODE (not imported: `run-ha` must start without HA's imports).
RESTART_EXIT_CODE = 100
TOKEN_LIFETIME = timedelta(days=3650)
DOMAIN = "printernizer"
# Entry states that mean "set-up has not settled yet" (HA's ConfigEntryState values).
UNSETTLED_STATES = {"not_loaded", "setup_in_progress", "unload_in_progress"}


def _info(text: str) -> None:
    """Progress goes to stderr: stdout of ``prepare`` is only the token."""
    print(f"[develop] {text}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- prepare


async def _prepare(config_dir: Path, username: str, password: str) -> str:
    """Create or refresh the dev login, finish onboarding, return an access token."""
    # Imported here so `add-printers` and `--help` start fast.
    from homeassistant.auth import auth_manager_from_config
    from homeassistant.auth.const import GROUP_ID_ADMIN
    from homeassistant.auth.models import TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN
    from homeassistant.auth.providers import homeassistant as hass_auth
    from homeassistant.components.onboarding import STORAGE_KEY, STORAGE_VERSION
    from homeassistant.components.onboarding.const import STEPS
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import device_registry as dr, entity_registry as er
    from homeassistant.helpers.storage import Store

    hass = HomeAssistant(str(config_dir))
    try:
        # The auth store links users to devices/entities, so the registries must be loaded.
        await asyncio.gather(dr.async_load(hass), er.async_load(hass))
        # No auth_providers in configuration.yaml means exactly this one provider.
        hass.auth = await auth_manager_from_config(hass, [{"type": "homeassistant"}], [])
        provider = hass.auth.auth_providers[0]
        assert isinstance(provider, hass_auth.HassAuthProvider)
        await provider.async_initialize()
        assert provider.data is not None
        try:
            provider.data.add_auth(username, password)
            _info(f"created login {username!r}")
        except hass_auth.InvalidUser:
            # Already there: make sure the password is the documented one.
            provider.data.change_password(username, password)
        await provider.data.async_save()

        credentials = await provider.async_get_or_create_credentials({"username": username})
        user = (
            None
            if credentials.is_new
            else await hass.auth.async_get_user_by_credentials(credentials)
        )
        if user is None:
            # First non-system user becomes the owner, as the onboarding wizard would do.
            user = await hass.auth.async_create_user(
                username, group_ids=[GROUP_ID_ADMIN], local_only=False
            )
            await hass.auth.async_link_user(user, credentials)
            _info(f"created user {username!r} (owner: {user.is_owner})")
        if not user.is_admin:
            await hass.auth.async_update_user(user, group_ids=[GROUP_ID_ADMIN])
            _info(f"made user {username!r} an administrator")

        refresh = next(
            (
                token
                for token in user.refresh_tokens.values()
                if token.client_name == TOKEN_CLIENT_NAME
                and token.token_type == TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN
            ),
            None,
        )
        if refresh is None:
            refresh = await hass.auth.async_create_refresh_token(
                user,
                client_name=TOKEN_CLIENT_NAME,
                token_type=TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN,
                access_token_expiration=TOKEN_LIFETIME,
            )
        access_token = hass.auth.async_create_access_token(refresh)

        # All steps done: the frontend shows the login page instead of the wizard.
        onboarding: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY, private=True)
        done = ((await onboarding.async_load()) or {}).get("done", [])
        await onboarding.async_save({"done": [*done, *(s for s in STEPS if s not in done)]})
    finally:
        # force: a HomeAssistant that never started skips its final write (delayed saves)
        # unless forced through the stop stages.
        await hass.async_stop(force=True)
    return access_token


def cmd_prepare(args: argparse.Namespace) -> int:
    """Write login + onboarding; print the access token."""
    from homeassistant import runner

    config_dir = Path(args.config).resolve()
    config_dir.mkdir(parents=True, exist_ok=True)
    asyncio.set_event_loop_policy(runner.HassEventLoopPolicy(False))
    token = asyncio.run(_prepare(config_dir, args.username, args.password))
    print(token)
    return 0


# --------------------------------------------------------------------------- REST client


class HomeAssistantApi:
    """Tiny blocking REST client (urllib): enough for the config flow, no extra packages."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = 60
    ) -> tuple[int, Any]:
        """Status and decoded JSON (or text); HTTP errors are returned, not raised."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        text = raw.decode(errors="replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for_api(api: HomeAssistantApi, timeout: float, ha_pid: int | None) -> bool:
    """Poll GET /api/ until HA answers 200; False on timeout or when HA has exited."""
    deadline = time.monotonic() + timeout
    next_note = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not _alive(ha_pid):
            _info("Home Assistant exited before it answered")
            return False
        try:
            status, body = api.request("GET", "/api/", timeout=5)
        except (OSError, urllib.error.URLError):
            status, body = 0, None
        if status == 200:
            return True
        if status == 401:
            _info(f"{api.url}/api/ refuses the token: {body}")
            return False
        if time.monotonic() > next_note:
            # First start installs HA's own requirements and can take minutes.
            _info("still waiting for Home Assistant (first start installs its requirements)")
            next_note = time.monotonic() + 30
        time.sleep(1)
    _info(f"Home Assistant did not answer within {timeout:.0f} s")
    return False


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    """True once something accepts TCP connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def run_flow(api: HomeAssistantApi, label: str, menu: Sequence[str], form: dict[str, Any]) -> bool:
    """Start a Printernizer flow, pick the menu entries, submit the form; report the result.

    True when the printer was added now or had been added before.
    """
    status, result = api.request("POST", "/api/config/config_entries/flow", {"handler": DOMAIN})
    for choice in menu:
        if status != 200 or not isinstance(result, dict) or result.get("type") != "menu":
            break
        status, result = api.request(
            "POST",
            f"/api/config/config_entries/flow/{result['flow_id']}",
            {"next_step_id": choice},
        )
    if status == 200 and isinstance(result, dict) and result.get("type") == "form":
        # Validation connects to the printer (Bambu waits up to 15 s for its first report).
        status, result = api.request(
            "POST", f"/api/config/config_entries/flow/{result['flow_id']}", form, timeout=120
        )
    if status != 200 or not isinstance(result, dict):
        _info(f"{label}: config flow failed: HTTP {status}: {str(result)[:500]}")
        return False
    kind = result.get("type")
    if kind == "create_entry":
        _info(f"{label}: added as {result.get('title')!r}")
        return True
    if kind == "abort" and result.get("reason") == "already_configured":
        _info(f"{label}: already added, skipped")
        return True
    if kind == "abort":
        _info(f"{label}: config flow aborted: {result.get('reason')}")
        return False
    _info(
        f"{label}: config flow stopped at step {result.get('step_id')!r} "
        f"({kind}) with errors {result.get('errors')}"
    )
    if flow_id := result.get("flow_id"):
        # Don't leave a half-done flow behind in the UI's "discovered" list.
        api.request("DELETE", f"/api/config/config_entries/flow/{flow_id}")
    return False


def report_entries(api: HomeAssistantApi, settle: float) -> None:
    """Print each Printernizer entry's state once set-up has settled (or `settle` s passed)."""
    deadline = time.monotonic() + settle
    entries: list[dict[str, Any]] = []
    while True:
        status, body = api.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
        entries = body if status == 200 and isinstance(body, list) else []
        if time.monotonic() > deadline or not any(
            e.get("state") in UNSETTLED_STATES for e in entries
        ):
            break
        time.sleep(1)
    for entry in entries:
        reason = f" ({entry['reason']})" if entry.get("reason") else ""
        _info(f"entry {entry.get('title')!r}: {entry.get('state')}{reason}")


def cmd_add_printers(args: argparse.Namespace) -> int:
    """Wait for HA, then add both simulated printers through the config flow."""
    token = os.environ.get("DEVELOP_TOKEN", "")
    if not token:
        _info("DEVELOP_TOKEN is not set")
        return 2
    api = HomeAssistantApi(args.url, token)
    if not wait_for_api(api, args.timeout, args.ha_pid):
        return 1
    ok = True
    bambu = {
        "host": args.bambu_host,
        "serial": args.bambu_serial,
        "access_code": args.bambu_access_code,
        "port": args.bambu_port,
        "ftp_port": args.bambu_ftp_port,
    }
    if args.bambu_camera_port:
        bambu["camera_port"] = args.bambu_camera_port
    prusa = {
        "host": args.prusa_host,
        "port": args.prusa_port,
        "username": args.prusa_username,
        "password": args.prusa_password,
    }
    printers = [
        ("Bambu simulator", ["bambu", "bambu_manual"], bambu, args.bambu_host, args.bambu_port),
        ("Prusa simulator", ["prusa"], prusa, args.prusa_host, args.prusa_port),
    ]
    for label, menu, form, host, port in printers:
        if not wait_for_port(host, port, 30):
            _info(f"{label}: nothing listens on {host}:{port}; see its log")
            ok = False
            continue
        ok = run_flow(api, label, menu, form) and ok
    report_entries(api, settle=30)
    return 0 if ok else 1


# --------------------------------------------------------------------------- run-ha


def run_restarting(command: Sequence[str]) -> int:
    """Run `command`, again each time it exits with RESTART_EXIT_CODE; return its last exit code.

    SIGINT/SIGTERM/SIGHUP end the loop once the command has exited. They are meant for the
    whole process group (scripts/develop signals the group, a terminal's Ctrl-C reaches it
    too), so they are not passed on: HA stops cleanly on the first SIGTERM and dies at once on
    a second. HA itself answers SIGHUP with code 100; a closed terminal must not restart it.
    """
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    while True:
        proc = subprocess.Popen(command)
        if stopping:  # the signal came before this command started: it did not get it
            proc.terminate()
        code = proc.wait()
        if code != RESTART_EXIT_CODE or stopping:
            return code
        _info("Home Assistant asked for a restart: starting it again")


def cmd_run_ha(args: argparse.Namespace) -> int:
    """Keep Home Assistant running across restarts requested from the UI."""
    command = args.command_line
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        _info("run-ha: no command given")
        return 2
    return run_restarting(command)


# --------------------------------------------------------------------------- CLI


def build_parser() -> argparse.ArgumentParser:
    """Sub-commands `prepare` and `add-printers`."""
    parser = argparse.ArgumentParser(description="Set-up steps of scripts/develop.")
    commands = parser.add_subparsers(dest="command", required=True)

    prepare = commands.add_parser("prepare", help="dev login, onboarding done, print a token")
    prepare.add_argument("--config", default="config", help="Home Assistant config folder")
    prepare.add_argument("--username", default="dev")
    prepare.add_argument("--password", default="dev")
    prepare.set_defaults(func=cmd_prepare)

    add = commands.add_parser(
        "add-printers", help="add the simulators via the config flow (token in $DEVELOP_TOKEN)"
    )
    add.add_argument("--url", default="http://127.0.0.1:8123")
    add.add_argument("--timeout", type=float, default=900, help="seconds to wait for HA")
    add.add_argument("--ha-pid", type=int, default=None, help="give up if this process exits")
    add.add_argument("--bambu-host", default="127.0.0.1")
    add.add_argument("--bambu-port", type=int, default=8883)
    add.add_argument("--bambu-ftp-port", type=int, default=9990)
    add.add_argument(
        "--bambu-camera-port", type=int, default=0, help="0: the model's standard camera port"
    )
    add.add_argument("--bambu-serial", default="01P00A000000001")
    add.add_argument("--bambu-access-code", default="12345678")
    add.add_argument("--prusa-host", default="127.0.0.1")
    add.add_argument("--prusa-port", type=int, default=8080)
    add.add_argument("--prusa-username", default="maker")
    add.add_argument("--prusa-password", default="secretpass123")
    add.set_defaults(func=cmd_add_printers)

    run = commands.add_parser(
        "run-ha", help="run a command (Home Assistant), again while it exits with code 100"
    )
    run.add_argument("command_line", nargs=argparse.REMAINDER, help="-- hass --config ...")
    run.set_defaults(func=cmd_run_ha)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
