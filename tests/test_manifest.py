"""What manifest.json and hacs.json declare, and translations/en.json in sync (validator rules: test_publishing)."""

from __future__ import annotations

import json
import runpy

from awesomeversion import AwesomeVersion

from .helpers import INTEGRATION, ROOT


def test_manifest_values() -> None:
    """What the integration declares (the keys and their order, as hassfest and HACS want them: test_publishing)."""
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert manifest["config_flow"] is True
    assert manifest["dependencies"] == ["http", "webhook"]
    assert manifest["iot_class"] == "local_push"
    assert manifest["integration_type"] in ("hub", "service", "device")
    assert manifest["requirements"] == []
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    assert AwesomeVersion(manifest["version"]).valid


def test_hacs_json() -> None:
    """hacs.json names the integration and the oldest Home Assistant we test on."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["homeassistant"] == "2025.4.0"
    assert AwesomeVersion(hacs["homeassistant"]).valid


def test_translations_match_strings() -> None:
    """translations/en.json is exactly what scripts/translations makes of strings.json."""
    render = runpy.run_path(str(ROOT / "scripts" / "translations"))["render"]
    assert (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8") == render()


def test_no_raw_urls_in_strings() -> None:
    """hassfest refuses URLs in strings; they go in placeholders."""
    assert "://" not in (INTEGRATION / "strings.json").read_text(encoding="utf-8")
