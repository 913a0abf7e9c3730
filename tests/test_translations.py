"""English and German texts match each other and the code that uses them."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path
import re

import yaml

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


# --------------------------------------------------------------------------- flows and selectors

FLOWS = {"config": "config_flow.py", "options": "options_flow.py"}
# Reasons Home Assistant's flow helpers produce for us: `async_set_unique_id` (another flow for
# the same printer), `_abort_if_unique_id_configured` / `_async_abort_entries_match`.
HA_ABORT_REASONS = {"config": {"already_configured", "already_in_progress"}, "options": set()}
# Flow helpers of ours that take the abort reason as a positional argument.
REASON_ARGUMENT = {"_async_update_and_abort": 2}


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _flow_keys(source: str) -> tuple[set[str], set[str]]:
    """(error keys, abort reasons) a flow module can show, read from its syntax tree.

    Errors: `errors[...] = "key"`, `errors = {"field": "key"}`, `errors={"field": "key"}`
    arguments and `CannotConnect("key", ...)` (its reason becomes a form error); aborts:
    `reason="key"` and the reason argument of our update-and-abort helper.
    """
    errors: set[str] = set()
    reasons: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and (
            getattr(node.targets[0], "id", "") == "errors"  # errors = {"base": "key"}
            or getattr(getattr(node.targets[0], "value", None), "id", "") == "errors"
        ):
            values = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
            errors.update(key for key in map(_string, values) if key)
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name == "CannotConnect" and node.args and (key := _string(node.args[0])):
            errors.add(key)
        position = REASON_ARGUMENT.get(name, len(node.args))
        if position < len(node.args) and (key := _string(node.args[position])) is not None:
            reasons.add(key)
        for keyword in node.keywords:
            if keyword.arg == "reason" and (key := _string(keyword.value)) is not None:
                reasons.add(key)
            if keyword.arg == "errors" and isinstance(keyword.value, ast.Dict):
                errors.update(v for v in map(_string, keyword.value.values) if v)
    return errors, reasons


def _settings_error_keys() -> set[str]:
    """Translation keys the settings store raises; the settings form shows them as errors."""
    tree = ast.parse((COMPONENT / "settings.py").read_text("utf-8"))
    return {
        key
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "service_error"
        and node.args
        and (key := _string(node.args[0])) is not None
    }


def test_every_flow_error_and_abort_has_a_text() -> None:
    """Each error and abort a flow can show has an English and a German text.

    An untranslated key shows raw in the dialog (`already_in_progress` did).
    """
    missing: dict[str, list[str]] = {}
    for lang in ("en", "de"):
        texts = json.loads((COMPONENT / "translations" / f"{lang}.json").read_text("utf-8"))
        for section, module in FLOWS.items():
            errors, reasons = _flow_keys((COMPONENT / module).read_text("utf-8"))
            reasons |= HA_ABORT_REASONS[section]
            if section == "options":
                errors |= _settings_error_keys()
            assert errors, module
            known_errors = texts[section].get("error", {})
            known_reasons = texts[section].get("abort", {})
            gaps = [f"error.{k}" for k in sorted(errors - set(known_errors))]
            gaps += [f"abort.{k}" for k in sorted(reasons - set(known_reasons))]
            if gaps:
                missing[f"{lang}:{section}"] = gaps
    assert missing == {}


def _select_selectors_in_services() -> dict[str, tuple[str | None, list[str]]]:
    """service.field -> (translation_key, options) of every select selector in services.yaml."""
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text("utf-8"))
    found: dict[str, tuple[str | None, list[str]]] = {}
    for service, spec in services.items():
        for field, field_spec in ((spec or {}).get("fields") or {}).items():
            select = ((field_spec or {}).get("selector") or {}).get("select")
            if select is not None:
                options = [o if isinstance(o, str) else o["value"] for o in select["options"]]
                found[f"{service}.{field}"] = (select.get("translation_key"), options)
    return found


def _select_selectors_in_flows() -> dict[str, tuple[str | None, list[str]]]:
    """file:line -> (translation_key, options) of each SelectSelectorConfig in the flows.

    The options expression is evaluated in its module, so `list(CATEGORIES)` is checked with
    the real categories; options computed at run time (labelled printers found by a scan)
    come back as an empty list and need no translation key.
    """
    found: dict[str, tuple[str | None, list[str]]] = {}
    for module in FLOWS.values():
        namespace = vars(importlib.import_module(f"custom_components.printernizer.{module[:-3]}"))
        for node in ast.walk(ast.parse((COMPONENT / module).read_text("utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "SelectSelectorConfig"
            ):
                continue
            keywords = {kw.arg: kw.value for kw in node.keywords}
            try:
                options = eval(  # our own source, evaluated in its own module
                    compile(ast.Expression(keywords["options"]), module, "eval"), dict(namespace)
                )
            except NameError:
                options = []  # built from local values at run time
            found[f"{module}:{node.lineno}"] = (_string(keywords.get("translation_key")), options)
    return found


def test_every_select_option_has_a_text() -> None:
    """Every select selector of an action or a flow shows translated options, not raw keys."""
    selectors = {**_select_selectors_in_services(), **_select_selectors_in_flows()}
    assert len(selectors) >= 9
    untranslated = [where for where, (key, options) in selectors.items() if options and not key]
    assert untranslated == []
    missing: list[str] = []
    for lang in ("en", "de"):
        texts = json.loads((COMPONENT / "translations" / f"{lang}.json").read_text("utf-8"))
        for where, (key, options) in selectors.items():
            known = texts.get("selector", {}).get(key, {}).get("options", {}) if key else {}
            missing += [f"{lang}:{where}:{option}" for option in options if option not in known]
    assert missing == []
