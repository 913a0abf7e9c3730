"""English and German texts match each other and the code that uses them."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re

COMPONENT = Path(__file__).parent.parent / "custom_components" / "printernizer"
PLACEHOLDER = re.compile(r"{(\w+)}")


def _flat(data: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flat(value, path))
        else:
            out[path] = value
    return out


def _load(lang: str) -> dict[str, str]:
    return _flat(json.loads((COMPONENT / "translations" / f"{lang}.json").read_text("utf-8")))


def test_german_has_every_english_text_with_the_same_placeholders() -> None:
    """Same keys, and each German text uses exactly the placeholders of its English twin."""
    en, de = _load("en"), _load("de")
    assert set(en) == set(de)
    mismatched = {
        key: (sorted(PLACEHOLDER.findall(en[key])), sorted(PLACEHOLDER.findall(de[key])))
        for key in en
        if set(PLACEHOLDER.findall(en[key])) != set(PLACEHOLDER.findall(de[key]))
    }
    assert mismatched == {}


def test_every_raised_translation_key_has_a_text() -> None:
    """Exceptions raised with a translation key find their message in en.json."""
    en = json.loads((COMPONENT / "translations" / "en.json").read_text("utf-8"))
    known = set(en["exceptions"])
    raised: set[str] = set()
    for path in COMPONENT.rglob("*.py"):
        text = path.read_text("utf-8")
        for match in re.finditer(
            r"(ServiceValidationError|HomeAssistantError|UpdateFailed|ConfigEntry\w+)\(\s*translation_domain=DOMAIN,\s*translation_key=\"(\w+)\"",
            text,
        ):
            raised.add(match.group(2))
        raised.update(re.findall(r"_error\(\s*\"(\w+)\"", text))
    assert len(raised) >= 20
    assert raised - known == set()


def _raised_with_placeholders() -> list[tuple[str, str, set[str]]]:
    """(where, translation key, placeholder names) of every raise whose names are literal.

    Covers `service_error("key", name=...)` and `...Error(translation_key="key",
    translation_placeholders={"name": ...})`; calls that splat a mapping are skipped.
    """
    found: list[tuple[str, str, set[str]]] = []
    for path in sorted(COMPONENT.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(COMPONENT)}:{node.lineno}"
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if (
                name == "service_error"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and all(kw.arg is not None for kw in node.keywords)
            ):
                found.append((where, node.args[0].value, {kw.arg for kw in node.keywords}))
                continue
            keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg is not None}
            key, placeholders = (
                keywords.get("translation_key"),
                keywords.get("translation_placeholders"),
            )
            if (
                name.endswith(("Error", "Failed", "NotReady"))
                and isinstance(key, ast.Constant)
                and (placeholders is None or isinstance(placeholders, ast.Dict))
            ):
                names: set[str] = set()
                if isinstance(placeholders, ast.Dict):
                    if not all(isinstance(k, ast.Constant) for k in placeholders.keys):
                        continue  # `**mapping` inside the literal: not checkable here
                    names = {k.value for k in placeholders.keys if isinstance(k, ast.Constant)}
                found.append((where, key.value, names))
    return found


def test_raised_placeholders_match_the_texts() -> None:
    """Every literal raise passes exactly the placeholders its English text uses.

    A missing one makes Home Assistant show the raw template ("{field} must be a number")
    instead of the message; an extra one is a sign the text and the code drifted apart.
    """
    exceptions = json.loads((COMPONENT / "translations" / "en.json").read_text("utf-8"))[
        "exceptions"
    ]
    raised = _raised_with_placeholders()
    assert len(raised) >= 30
    mismatched = {
        where: (key, sorted(names), sorted(PLACEHOLDER.findall(exceptions[key]["message"])))
        for where, key, names in raised
        if names != set(PLACEHOLDER.findall(exceptions[key]["message"]))
    }
    assert mismatched == {}
