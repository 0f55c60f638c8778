"""What hassfest and the HACS action check on this repository, checked here without network.

The GitHub workflow (.github/workflows/validate.yml) runs both validators on every push. These tests apply the rules
those validators apply to a custom integration, read from their source (home-assistant/core script/hassfest:
manifest.py, services.py, icons.py, translations.py, quality_scale.py and quality_scale_validation/ as of HA 2026.2;
hacs/integration custom_components/hacs/validate/*.py and utils/validate.py), so that a change breaking one fails
here first. Also: the brand images follow the home-assistant/brands image spec, the LICENSE is the MIT text GitHub
recognises (HACS reads the SPDX id GitHub derives from it), and quality_scale.yaml grades every rule of the scale.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
import json
from pathlib import Path
import re
import runpy
import struct
from typing import Any
import zlib

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
import voluptuous as vol

from custom_components.status_tracker.const import DOMAIN

from .helpers import INTEGRATION, ROOT

BRAND = INTEGRATION / "brand"
WORKFLOW = ROOT / ".github" / "workflows" / "validate.yml"
REPOSITORY = "https://github.com/status-tracker/status_tracker"


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# --- manifest.json -----------------------------------------------------------------------------------------------

# Every key hassfest's CUSTOM_INTEGRATION_MANIFEST_SCHEMA knows; the schema has no ALLOW_EXTRA, so any other fails.
HASSFEST_MANIFEST_KEYS = {
    "domain",
    "name",
    "integration_type",
    "config_flow",
    "mqtt",
    "zeroconf",
    "ssdp",
    "bluetooth",
    "homekit",
    "dhcp",
    "usb",
    "documentation",
    "issue_tracker",
    "quality_scale",
    "requirements",
    "dependencies",
    "after_dependencies",
    "codeowners",
    "loggers",
    "disabled",
    "iot_class",
    "single_config_entry",
    "version",
    "import_executor",
}
IOT_CLASSES = ("assumed_state", "calculated", "cloud_polling", "cloud_push", "local_polling", "local_push")
INTEGRATION_TYPES = ("device", "entity", "hardware", "helper", "hub", "service", "system")


def _hassfest_version(value: str) -> str:
    """hassfest accepts a custom integration's version in one of these strategies only."""
    AwesomeVersion(
        value,
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )
    return value


# The keys this manifest uses, typed as hassfest types them; `version` is required for custom integrations.
MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): str,
        vol.Required("name"): str,
        vol.Required("codeowners"): [str],
        vol.Required("documentation"): cv.url,
        vol.Required("iot_class"): vol.In(IOT_CLASSES),
        vol.Required("version"): vol.All(str, _hassfest_version),
        vol.Optional("integration_type"): vol.In(INTEGRATION_TYPES),
        vol.Optional("config_flow"): bool,
        vol.Optional("issue_tracker"): cv.url,
        vol.Optional("requirements"): [str],
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        vol.Optional("single_config_entry"): bool,
    },
    extra=vol.ALLOW_EXTRA,
)

# HACS' INTEGRATION_MANIFEST_JSON_SCHEMA: these keys must be there (others are allowed).
HACS_MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("codeowners"): list,
        vol.Required("documentation"): cv.url,
        vol.Required("domain"): str,
        vol.Required("issue_tracker"): cv.url,
        vol.Required("name"): str,
        vol.Required("version"): vol.Coerce(AwesomeVersion),
    },
    extra=vol.ALLOW_EXTRA,
)


def test_manifest_passes_hassfest_and_hacs() -> None:
    """The manifest is what hassfest (custom integration) and the HACS action accept."""
    manifest = _json(INTEGRATION / "manifest.json")
    assert set(manifest) <= HASSFEST_MANIFEST_KEYS, set(manifest) - HASSFEST_MANIFEST_KEYS
    MANIFEST_SCHEMA(manifest)
    HACS_MANIFEST_SCHEMA(manifest)
    assert manifest["domain"] == INTEGRATION.name
    # hassfest: "Manifest keys are not sorted correctly: domain, name, then alphabetical order".
    keys = list(manifest)
    assert keys == sorted(keys, key=lambda key: {"domain": ".domain", "name": ".name"}.get(key, key))
    assert manifest["codeowners"]
    # A quality_scale key would claim a tier core grades; custom integrations are "Custom" (quality_scale.yaml).
    assert "quality_scale" not in manifest


def test_manifest_domain_and_dependencies_exist_in_core() -> None:
    """No collision with a core integration (hassfest warns), and every dependency is a core integration."""
    from homeassistant import components

    core = Path(components.__file__).parent
    manifest = _json(INTEGRATION / "manifest.json")
    assert not (core / manifest["domain"]).exists()
    for dependency in manifest["dependencies"] + manifest["after_dependencies"]:
        assert (core / dependency / "manifest.json").is_file(), dependency


def test_one_repository_name_everywhere() -> None:
    """Manifest, README install steps and the card's documentation link name the same GitHub repository."""
    manifest = _json(INTEGRATION / "manifest.json")
    assert manifest["documentation"] == REPOSITORY
    assert manifest["issue_tracker"] == f"{REPOSITORY}/issues"
    assert manifest["codeowners"] == ["@" + REPOSITORY.split("/")[3]]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{REPOSITORY}`" in readme
    card = (INTEGRATION / "frontend" / "status-tracker-card.js").read_text(encoding="utf-8")
    assert f'"{REPOSITORY}#the-dashboard-card"' in card
    linked = {word.strip("()<>`\"',.;") for word in readme.split() if "github.com/status" in word}
    assert all(link.startswith(REPOSITORY) for link in linked), linked


# --- hacs.json -----------------------------------------------------------------------------------------------------

# HACS' HACS_MANIFEST_JSON_SCHEMA (extra=PREVENT_EXTRA): these keys and types, `name` required.
HACS_JSON_SCHEMA = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any(str, [str]),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): str,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): str,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
    },
    extra=vol.PREVENT_EXTRA,
)


def test_hacs_json_passes_hacs() -> None:
    """hacs.json has only keys HACS knows, a name, and no zip_release without filename."""
    hacs = _json(ROOT / "hacs.json")
    HACS_JSON_SCHEMA(hacs)
    assert hacs["name"] == _json(INTEGRATION / "manifest.json")["name"]
    assert not hacs.get("zip_release") or hacs.get("filename")
    # HACS finds the integration as the one folder under custom_components/ unless content_in_root is set.
    assert not hacs.get("content_in_root")
    assert [path.name for path in (ROOT / "custom_components").iterdir() if path.is_dir()] == [INTEGRATION.name]


# --- brand images ----------------------------------------------------------------------------------------------------


def _png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the RGBA rows of an 8-bit RGBA, non-interlaced PNG (the kind scripts/brand writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    chunks: dict[bytes, bytes] = {}
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunks[kind] = chunks.get(kind, b"") + data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    # Colour type 6 is RGBA: the background can be transparent.
    assert (depth, color, interlace) == (8, 6, 0), f"{path.name}: depth {depth}, colour type {color}"
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * 4
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = row[x - 4] if x >= 4 else 0
            up = previous[x]
            corner = previous[x - 4] if x >= 4 else 0
            if kind == 1:
                row[x] = (row[x] + left) & 0xFF
            elif kind == 2:
                row[x] = (row[x] + up) & 0xFF
            elif kind == 3:
                row[x] = (row[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                nearest = min(
                    (abs(estimate - left), 0, left), (abs(estimate - up), 1, up), (abs(estimate - corner), 2, corner)
                )
                row[x] = (row[x] + nearest[2]) & 0xFF
        rows.append(bytes(row))
        previous = row
    return width, height, rows


def _alpha_box(width: int, height: int, rows: list[bytes]) -> tuple[int, int, int, int]:
    """Left, top, right, bottom (exclusive) of the pixels that are not fully transparent."""
    xs = [x for row in rows for x in range(width) if row[x * 4 + 3]]
    ys = [y for y, row in enumerate(rows) if any(row[3::4])]
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


@pytest.fixture(scope="module")
def brand_images() -> dict[str, tuple[int, int, list[bytes]]]:
    """The committed brand images, decoded."""
    return {name: _png(BRAND / name) for name in ("icon.png", "logo.png")}


def test_brand_icon_is_square_256(brand_images: dict[str, tuple[int, int, list[bytes]]]) -> None:
    """HACS' brands check wants custom_components/<domain>/brand/icon.png; the brands spec 256x256, trimmed."""
    width, height, rows = brand_images["icon.png"]
    assert (width, height) == (256, 256)
    # Trimmed: the motif reaches every edge; transparent: the corners are empty.
    assert _alpha_box(width, height, rows) == (0, 0, 256, 256)
    for x, y in ((0, 0), (255, 0), (0, 255), (255, 255)):
        assert rows[y][x * 4 + 3] == 0, (x, y)


def test_brand_logo_within_spec(brand_images: dict[str, tuple[int, int, list[bytes]]]) -> None:
    """The brands spec: logo's shortest side 128-256 px, trimmed, transparent background."""
    width, height, rows = brand_images["logo.png"]
    assert 128 <= min(width, height) <= 256
    assert _alpha_box(width, height, rows) == (0, 0, width, height)
    assert rows[0][3] == 0
    assert rows[-1][-1] == 0


def test_brand_script_regenerates_the_images(
    tmp_path: Path, brand_images: dict[str, tuple[int, int, list[bytes]]]
) -> None:
    """scripts/brand draws the committed images (pixel for pixel, give or take resampling rounding)."""
    render: Callable[[Path], list[Path]] = runpy.run_path(str(ROOT / "scripts" / "brand"))["render"]
    written = render(tmp_path)
    assert sorted(path.name for path in written) == ["icon.png", "logo.png"]
    for path in written:
        width, height, rows = _png(path)
        committed_width, committed_height, committed = brand_images[path.name]
        assert (width, height) == (committed_width, committed_height)
        worst = max(
            abs(a - b) for row, other in zip(rows, committed, strict=True) for a, b in zip(row, other, strict=True)
        )
        assert worst <= 2, f"{path.name} differs by {worst}: run scripts/brand"


# --- LICENSE -------------------------------------------------------------------------------------------------------


def test_license_is_mit() -> None:
    """HACS requires a license GitHub identifies (SPDX MIT here): the MIT text, unchanged, at the repository root."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "MIT License"
    assert lines[2] == "Copyright (c) 2026 status_tracker contributors"
    body = " ".join(text.split())
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy of this software" in body
    assert "The above copyright notice and this permission notice shall be included in all copies" in body
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in body
    assert body.endswith("OTHER DEALINGS IN THE SOFTWARE.")


# --- quality_scale.yaml -------------------------------------------------------------------------------------------

# ALL_RULES of HA 2026.2's script/hassfest/quality_scale.py, by tier. The same 52 ids are in every quality_scale.yaml
# the homeassistant 2026.2.3 package ships (docs-triggers and docs-conditions came later, in 2026.6).
RULES = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}

# hassfest's SCHEMA for one rule: a bare status, or status with a comment; exempt always needs the comment.
RULE_SCHEMA = vol.Any(
    vol.In(["todo", "done"]),
    vol.Schema({vol.Required("status"): vol.In(["todo", "done"]), vol.Required("comment"): str}),
    vol.Schema({vol.Required("status"): "exempt", vol.Required("comment"): str}),
)


def _status(value: str | dict[str, str]) -> str:
    return value if isinstance(value, str) else value["status"]


@pytest.fixture(scope="module")
def quality_scale() -> dict[str, Any]:
    """The rules of quality_scale.yaml, loaded as hassfest loads it."""
    rules: dict[str, Any] = load_yaml_dict(str(INTEGRATION / "quality_scale.yaml"))["rules"]
    return rules


def test_quality_scale_grades_every_rule(quality_scale: dict[str, Any]) -> None:
    """Exactly the rules hassfest knows, each with a valid status; every exemption says why."""
    known = {rule for tier in RULES.values() for rule in tier}
    assert len(known) == 52
    assert set(quality_scale) == known, set(quality_scale) ^ known
    for rule, value in quality_scale.items():
        RULE_SCHEMA(value)
        if isinstance(value, dict):
            assert value["comment"].strip(), rule


def test_quality_scale_what_issue_12_adds_is_done(quality_scale: dict[str, Any]) -> None:
    """Issue 12 delivers the brand images, the setup check and translated action errors; the grade says so."""
    for rule in ("brands", "test-before-setup", "action-exceptions", "reauthentication-flow"):
        assert _status(quality_scale[rule]) == "done", rule
    # Bronze is met in full: nothing left to do there.
    assert [rule for rule in RULES["bronze"] if _status(quality_scale[rule]) == "todo"] == []


def _module(name: str) -> ast.Module:
    return ast.parse((INTEGRATION / name).read_text(encoding="utf-8"))


def _calls(module: ast.AST, attribute: str) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attribute
        for node in ast.walk(module)
    )


def _setup_entry(module: ast.Module) -> ast.AsyncFunctionDef:
    return next(
        node for node in module.body if isinstance(node, ast.AsyncFunctionDef) and node.name == "async_setup_entry"
    )


def _raises(names: set[str]) -> bool:
    """Some module of the integration raises one of `names` (hassfest's test-before-setup walk)."""
    for path in INTEGRATION.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                while isinstance(target, ast.Attribute):
                    target = target.value
                if isinstance(target, ast.Name) and target.id in names:
                    return True
    return False


def _registers_actions_in_setup() -> bool:
    setup = next(node for node in _module("__init__.py").body if getattr(node, "name", "") == "async_setup")
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "async_setup_services"
        for node in ast.walk(setup)
    )


def _config_flow() -> bool:
    return (
        _json(INTEGRATION / "manifest.json").get("config_flow") is True and (INTEGRATION / "config_flow.py").is_file()
    )


def _runtime_data() -> bool:
    setup = _setup_entry(_module("__init__.py"))
    entry = setup.args.args[1]
    sets = any(
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == entry.arg
        and node.attr == "runtime_data"
        and isinstance(node.ctx, ast.Store)
        for node in ast.walk(setup)
    )
    # With strict-typing done, hassfest also wants the typed entry alias (<Name>ConfigEntry) in setup's signature.
    annotation = entry.annotation
    return (
        sets and isinstance(annotation, ast.Name) and re.fullmatch(r"[A-Za-z]+ConfigEntry", annotation.id) is not None
    )


def _test_before_setup() -> bool:
    return _calls(_setup_entry(_module("__init__.py")), "async_config_entry_first_refresh") or _raises(
        {"ConfigEntryNotReady", "ConfigEntryAuthFailed", "ConfigEntryError"}
    )


def _unique_config_entry() -> bool:
    flow = _module("config_flow.py")
    return _calls(flow, "_async_abort_entries_match") or (
        _calls(flow, "async_set_unique_id") and _calls(flow, "_abort_if_unique_id_configured")
    )


def _reconfiguration_flow() -> bool:
    return any(
        isinstance(node, ast.AsyncFunctionDef) and node.name == "async_step_reconfigure"
        for node in ast.walk(_module("config_flow.py"))
    )


# The rules hassfest checks in code when they are marked done (quality_scale_validation/), as it checks them.
VALIDATED = {
    "config-flow": _config_flow,
    "runtime-data": _runtime_data,
    "unique-config-entry": _unique_config_entry,
    "reconfiguration-flow": _reconfiguration_flow,
    # Met today by the summary coordinator's first refresh; Jellyfin's own check in setup is issue 12 point 7.
    "test-before-setup": _test_before_setup,
}


@pytest.mark.parametrize("check", list(VALIDATED.values()), ids=list(VALIDATED))
def test_quality_scale_done_rules_pass_hassfest_validators(
    quality_scale: dict[str, Any], check: Callable[[], bool], request: pytest.FixtureRequest
) -> None:
    """A rule marked done passes the check hassfest runs for it (hassfest itself skips custom integrations)."""
    rule = request.node.callspec.id
    assert _status(quality_scale[rule]) == "done"
    assert check(), rule


def test_quality_scale_claims_match_the_code(quality_scale: dict[str, Any]) -> None:
    """Rules marked done that the files show: one look per rule at what the rule asks for."""
    done = {rule for rule, value in quality_scale.items() if _status(value) == "done"}
    manifest = _json(INTEGRATION / "manifest.json")
    platforms = [path for path in INTEGRATION.glob("*.py") if path.stem in ("sensor", "event", "binary_sensor")]
    evidence = {
        "brands": (BRAND / "icon.png").is_file(),
        # The base entity in entity.py; the one coordinator (the summary's, it owns entities) in one module.
        "common-modules": (INTEGRATION / "entity.py").is_file()
        and len([path for path in INTEGRATION.glob("*.py") if "(DataUpdateCoordinator[" in path.read_text()]) == 1,
        "dependency-transparency": manifest["requirements"] == [],
        "diagnostics": (INTEGRATION / "diagnostics.py").is_file(),
        "icon-translations": (INTEGRATION / "icons.json").is_file(),
        "integration-owner": bool(manifest["codeowners"]),
        "parallel-updates": all("\nPARALLEL_UPDATES = " in path.read_text(encoding="utf-8") for path in platforms),
        "reauthentication-flow": _calls(_module("config_flow.py"), "_get_reauth_entry"),
        "repair-issues": _calls(_module("repairs.py"), "async_create_issue"),
        # Actions are registered once in async_setup, not per entry.
        "action-setup": _registers_actions_in_setup(),
        "exception-translations": "exceptions" in _json(INTEGRATION / "strings.json"),
        "entity-translations": "entity" in _json(INTEGRATION / "strings.json"),
    }
    assert platforms
    wrong = [rule for rule, shown in evidence.items() if rule in done and not shown]
    assert wrong == []
    assert set(evidence) <= done


# --- strings.json, services.yaml, icons.json (translations/en.json in sync: tests/test_manifest.py) ---------------


def test_every_action_is_named_described_and_has_an_icon() -> None:
    """hassfest's services and icons plugins: each action in services.yaml has a name and description (strings.json
    services), each field too, each selector translation_key has its options translated, and icons.json an icon."""
    services: dict[str, Any] = load_yaml_dict(str(INTEGRATION / "services.yaml"))
    strings = _json(INTEGRATION / "strings.json")
    icons = _json(INTEGRATION / "icons.json")
    assert set(strings["services"]) == set(services)
    assert set(icons["services"]) == set(services)
    for action, schema in services.items():
        text = strings["services"][action]
        assert text["name"].strip()
        assert text["description"].strip()
        assert set(text.get("fields", {})) == set(schema.get("fields", {})), action
        for field, field_schema in schema.get("fields", {}).items():
            assert text["fields"][field]["name"].strip(), (action, field)
            assert text["fields"][field]["description"].strip(), (action, field)
            select = field_schema.get("selector", {}).get("select")
            if select and "translation_key" in select:
                options = strings["selector"][select["translation_key"]]["options"]
                assert set(options) == set(select["options"]), (action, field)
        assert icons["services"][action]["service"].startswith("mdi:")


async def test_registered_actions_are_in_services_yaml(hass: HomeAssistant) -> None:
    """hassfest: an integration that registers actions describes each in services.yaml, and nothing more."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert set(hass.services.async_services_for_domain(DOMAIN)) == set(
        load_yaml_dict(str(INTEGRATION / "services.yaml"))
    )


def test_entity_translations_and_icons_agree() -> None:
    """icons.json's entity translation keys and states exist in strings.json (icons and translations plugins)."""
    strings = _json(INTEGRATION / "strings.json")["entity"]
    icons = _json(INTEGRATION / "icons.json")["entity"]
    for platform, keys in icons.items():
        for key, icon in keys.items():
            assert key in strings[platform], (platform, key)
            assert icon["default"].startswith("mdi:")
            for state, state_icon in icon.get("state", {}).items():
                assert state in strings[platform][key]["state"], (key, state)
                assert state_icon.startswith("mdi:")
                # hassfest: a state icon equal to the default can be removed.
                assert state_icon != icon["default"], (key, state)


# --- .github/workflows/validate.yml ---------------------------------------------------------------------------------


def test_workflow_runs_hassfest_and_hacs() -> None:
    """The workflow runs both validators on push, pull request and a schedule (hassfest runs core's dev branch)."""
    workflow: dict[Any, Any] = load_yaml_dict(str(WORKFLOW))
    # YAML 1.1 (PyYAML, as GitHub's parser is not) reads the key `on` as True.
    triggers: dict[str, Any] = workflow["on"] if "on" in workflow else workflow[True]
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    assert triggers["schedule"][0]["cron"]
    steps = {step.get("uses", "").split("@")[0]: step for job in workflow["jobs"].values() for step in job["steps"]}
    assert steps["home-assistant/actions/hassfest"]["uses"].endswith("@master")
    hacs = steps["hacs/action"]
    assert hacs["uses"].endswith("@main")
    assert hacs["with"]["category"] == "integration"
    # Nothing ignored: brands, hacsjson and information are all provided.
    assert "ignore" not in hacs["with"]
