"""Fixtures shared by every test.

Import the integration before any `hass` fixture runs: the harness puts its own testing_config on sys.path, whose
`custom_components` package would otherwise shadow ours.
"""

from __future__ import annotations

from collections.abc import Generator
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from aioresponses import aioresponses
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.status_tracker  # noqa: F401
from custom_components.status_tracker.const import (
    CONF_QBITTORRENT,
    CONF_SHOKO,
    CONF_WEBHOOK_IDS,
    DOMAIN,
)

JELLYFIN_URL = "http://192.168.1.10:8096"
JELLYFIN_API_KEY = "jf-secret-key-0123456789"
SERVER_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
SERVER_NAME = "Living Room Jellyfin"
QBT_URL = "http://192.168.1.10:8080"
SHOKO_URL = "http://192.168.1.10:8111"
SHOKO_API_KEY = "shoko-secret-key-abcdef"
WEBHOOK_IDS = {
    "jellyseerr": "wh-jellyseerr-0001",
    "radarr": "wh-radarr-0002",
    "sonarr": "wh-sonarr-0003",
    "jellyfin": "wh-jellyfin-0004",
}


FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> str:
    """A recorded payload from tests/fixtures/<service>/<name>, as text."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def load_json(name: str) -> Any:
    """A recorded payload from tests/fixtures, decoded."""
    return json.loads(load_fixture(name))


@pytest.fixture(autouse=True)
def _custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load our integration in every test that has a hass instance."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


def system_info(server_id: str = SERVER_ID, name: str = SERVER_NAME) -> dict[str, Any]:
    """A /System/Info answer as Jellyfin 10.11 sends it (PascalCase, extra keys)."""
    return {
        "OperatingSystemDisplayName": "Linux",
        "HasPendingRestart": False,
        "IsShuttingDown": False,
        "SupportsLibraryMonitor": True,
        "WebSocketPortNumber": 8096,
        "CanSelfRestart": True,
        "CanLaunchWebBrowser": False,
        "ServerName": name,
        "Version": "10.11.8",
        "ProductName": "Jellyfin Server",
        "Id": server_id,
        "StartupWizardCompleted": True,
    }


@pytest.fixture(autouse=True)
def _jellyfin_answers_setup(request: pytest.FixtureRequest) -> Generator[None]:
    """Setting an entry up first asks Jellyfin for /System/Info (test-before-setup); here a healthy Jellyfin answers.

    Tests mock HTTP in many ways, or not at all (no request may leave), so the check is answered centrally. Tests of
    the check itself mark themselves `jellyfin_setup_check` and mock /System/Info like any other call.
    """
    if request.node.get_closest_marker("jellyfin_setup_check"):
        yield
        return
    with patch("custom_components.status_tracker._async_check_jellyfin", autospec=True, return_value=None):
        yield


@pytest.fixture
def mock_aioresponse() -> Generator[aioresponses]:
    """Mock outgoing HTTP; calls to the local test server pass through."""
    with aioresponses(passthrough=["http://127.0.0.1"]) as mocked:
        yield mocked


@pytest.fixture
def entry_data() -> dict[str, Any]:
    """The data of an entry with only Jellyfin configured."""
    return {
        CONF_URL: JELLYFIN_URL,
        CONF_API_KEY: JELLYFIN_API_KEY,
        CONF_QBITTORRENT: {},
        CONF_SHOKO: {},
        CONF_WEBHOOK_IDS: dict(WEBHOOK_IDS),
    }


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """A status_tracker entry, not yet added to hass."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=SERVER_NAME,
        unique_id=SERVER_ID,
        data=entry_data,
        entry_id="01JSTATUSTRACKERENTRY0001",
    )


@pytest.fixture
async def init_integration(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry, set up."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry
