"""The api/ package is a library in waiting: it must not import Home Assistant."""

from __future__ import annotations

import ast
from pathlib import Path

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
