"""English and German texts match each other and the code that uses them."""

from __future__ import annotations

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
