"""The api/ package is a library in waiting: it must not import Home Assistant."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
import subprocess
import sys

API_DIR = Path(__file__).parent.parent / "custom_components" / "printernizer" / "api"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 2:
            names.add("." * node.level + (node.module or ""))
    return names


def test_api_modules_exist() -> None:
    """The check below must look at real files, or it proves nothing."""
    files = list(API_DIR.rglob("*.py"))
    assert len(files) >= 3
    assert (API_DIR / "models.py") in files


def test_api_does_not_import_homeassistant() -> None:
    """No module under api/ imports homeassistant or reaches out of the package."""
    offenders = {}
    for path in API_DIR.rglob("*.py"):
        bad = {
            name
            for name in _imported_modules(path)
            if name == "homeassistant" or name.startswith(("homeassistant.", "..."))
        }
        if bad:
            offenders[str(path.relative_to(API_DIR))] = sorted(bad)
    assert offenders == {}


def test_isolation_check_catches_an_offender(tmp_path: Path) -> None:
    """The detector itself flags a homeassistant import (so the test above can fail)."""
    bad = tmp_path / "bad.py"
    bad.write_text("from homeassistant.core import HomeAssistant\nimport homeassistant\n")
    assert _imported_modules(bad) == {"homeassistant.core", "homeassistant"}


# The proof that counts: import api/ as a package of its own in a fresh interpreter where
# `homeassistant` (and the integration around api/) cannot be imported, then let its clients
# talk to the simulators and its parsers read real data.
_ISOLATED = r"""
import asyncio, importlib.abc, json, sys, tempfile
from pathlib import Path

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("homeassistant", "custom_components"):
            raise ImportError(f"refused in isolation: {name}")
        return None

sys.meta_path.insert(0, Refuse())
sys.path.insert(0, sys.argv[1])  # custom_components/printernizer: `api` is top-level here

import aiohttp
from api.bambu.client import BambuClient
from api.bambu.ftps import BambuFtpClient
from api.bambu.report import parse_snapshot
from api.metadata import read_print_metadata
from api.prusa.client import PrusaLinkClient
from tests.simulators.bambu import BambuSimulator
from tests.simulators.gcodefiles import make_bgcode
from tests.simulators.prusa import PrusaLinkSimulator

async def main():
    out = {}
    capture = json.loads(Path(sys.argv[2]).read_text())["push_all"]
    out["capture_status"] = parse_snapshot(capture, model="P1P").status.value
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "part.bgcode")
        path.write_bytes(make_bgcode(materials=(("PETG", 12.5),)))
        meta = read_print_metadata(path)
        out["grams"] = [(m.material, m.grams) for m in meta.materials]
    async with PrusaLinkSimulator(flavour="buddy", password="pw") as sim:
        async with aiohttp.ClientSession() as session:
            client = PrusaLinkClient(session, sim.host, port=sim.port, password="pw")
            out["prusa_serial"] = (await client.async_get_printer_info()).serial == sim.serial
            out["prusa_state"] = (await client.async_get_status())["printer"]["state"]
    async with BambuSimulator(access_code="12345678") as sim:
        client = BambuClient(
            host=sim.host, serial=sim.serial, access_code="12345678", port=sim.mqtt_port,
            fingerprint=sim.fingerprint,
        )
        await client.async_connect(timeout=15)
        out["bambu_status"] = client.snapshot.status.value
        await client.async_disconnect()
        ftp = BambuFtpClient(
            host=sim.host, access_code="12345678", port=sim.ftp_port, fingerprint=sim.fingerprint
        )
        out["bambu_files"] = len(await ftp.async_list_files()) > 0
    out["ha_loaded"] = any(m.split(".")[0] == "homeassistant" for m in sys.modules)
    print(json.dumps(out))

asyncio.run(main())
"""


def test_api_runs_where_homeassistant_cannot_be_imported(
    tmp_path: Path, socket_enabled: None
) -> None:
    """api/ parses, reads files and talks to both simulators with homeassistant refused."""
    script = tmp_path / "isolated.py"
    script.write_text(_ISOLATED)
    repo = API_DIR.parents[2]
    capture = repo / "tests" / "api" / "fixtures" / "ha_bambulab" / "P1P.json"
    result = subprocess.run(
        [sys.executable, str(script), str(API_DIR.parent), str(capture)],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {
        "capture_status": "failed",  # the P1P capture reports gcode_state FAILED
        "grams": [["PETG", 12.5]],
        "prusa_serial": True,
        "prusa_state": "IDLE",
        "bambu_status": "idle",
        "bambu_files": True,
        "ha_loaded": False,
    }


def test_the_isolation_hook_really_refuses(tmp_path: Path) -> None:
    """The same hook makes an import of homeassistant fail (so the test above can fail)."""
    script = tmp_path / "refuse.py"
    hook = _ISOLATED.split("sys.path.insert")[0]
    script.write_text(hook + "import homeassistant.core\n")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode != 0
    assert "refused in isolation: homeassistant" in result.stderr
