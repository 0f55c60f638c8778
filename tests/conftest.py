"""Fixtures shared by every test (fixtures only: helpers live in tests/helpers.py, fakes in tests/fakes/).

Import the integration before any `hass` fixture runs: the harness puts its own testing_config on sys.path, whose
`custom_components` package would otherwise shadow ours.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
from aioresponses import aioresponses
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

import custom_components.status_tracker  # noqa: F401
from custom_components.status_tracker.const import (
    CONF_QBITTORRENT,
    CONF_SHOKO,
    CONF_WEBHOOK_IDS,
    DOMAIN,
)

from .fakes.deletion import FakeDeleteApis
from .fakes.services import RADARR_URL, SONARR_URL, FakeArr, FakeRemedyApis, FakeSeerr
from .helpers import ENTRY_ID, FIXTURES, JELLYFIN_API_KEY, JELLYFIN_URL, SERVER_ID, SERVER_NAME, WEBHOOK_IDS, Services


@pytest.fixture(autouse=True)
def _custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load our integration in every test that has a hass instance."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def mock_recorder_before_hass(request: pytest.FixtureRequest) -> None:
    """The harness's hook before hass: a test asking for `recorder_mock` gets its database prepared first."""
    if "recorder_mock" in request.fixturenames:
        request.getfixturevalue("recorder_db_url")


@pytest.fixture(autouse=True)
def _config_dir_per_test(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Each test's Home Assistant keeps its files (the requests' database) in a directory of its own.

    The harness keeps Home Assistant's JSON stores in memory (`hass_storage`), but the database is a real file.
    """
    if "hass" in request.fixturenames:
        hass: HomeAssistant = request.getfixturevalue("hass")
        hass.config.config_dir = str(tmp_path / "config")


@pytest.fixture(autouse=True)
def _jellyfin_answers_setup(request: pytest.FixtureRequest) -> Generator[None]:
    """Setting an entry up first asks Jellyfin for /System/Info (test-before-setup); here a healthy Jellyfin answers.

    Tests mock HTTP in many ways, or not at all (no request may leave), so the check is answered centrally. Tests of
    the check itself mark themselves `jellyfin_setup_check` and mock /System/Info like any other call.
    """
    if request.node.get_closest_marker("jellyfin_setup_check"):
        yield
        return
    with patch("custom_components.status_tracker.async_check_jellyfin", autospec=True, return_value=None):
        yield


@pytest.fixture
async def automation_hass(hass: HomeAssistant) -> HomeAssistant:
    """Home Assistant with its core integration (the triggers); tests load `automation` with their own config."""
    assert await async_setup_component(hass, "homeassistant", {})
    return hass


@pytest.fixture
def http() -> Generator[aioresponses]:
    """Outgoing HTTP mocked; Home Assistant's own test server and stand-ins on 127.0.0.1 (HTTP, websocket) are real."""
    with aioresponses(passthrough=["http://127.0.0.1", "ws://127.0.0.1"]) as mocked:
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
        entry_id=ENTRY_ID,
    )


@pytest.fixture
async def init_integration(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry, set up."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
def services(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> Services:
    """The four services, pointed at a loaded entry."""
    return Services(hass, hass_client_no_auth)


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session for the clients (the integration injects Home Assistant's).

    Its jar keeps cookies from IP hosts, as qBittorrent's login cookie needs; the other services set none.
    """
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client_session:
        yield client_session


@pytest.fixture
def connected_http(hass: HomeAssistant) -> Generator[aioresponses]:
    """Outgoing HTTP mocked, with the settings APIs a connected entry sets up (Seerr's webhook, the *arr's
    notifications); the fakes of what actions call are added on it."""
    with aioresponses(passthrough=["http://127.0.0.1"]) as mock:
        reachable: set[str] = set()
        FakeSeerr(mock, reachable)
        schema = json.loads((FIXTURES / "api_clients" / "radarr_notification_schema.json").read_text())[1]
        FakeArr(mock, RADARR_URL, "radarr", reachable, schema)
        FakeArr(mock, SONARR_URL, "sonarr", reachable, schema)
        yield mock


@pytest.fixture
def remedy_apis(connected_http: aioresponses) -> FakeRemedyApis:
    """What the remedies call (Radarr, Sonarr, Seerr, Jellyfin)."""
    return FakeRemedyApis(connected_http)


@pytest.fixture
def delete_apis(connected_http: aioresponses, remedy_apis: FakeRemedyApis) -> FakeDeleteApis:
    """What delete_media calls besides the remedies' lookups (Seerr, Radarr/Sonarr deletes, qBittorrent)."""
    return FakeDeleteApis(connected_http, remedy_apis)
