"""Webhook security: per-service secrets, body size, and no secret in any log line."""

from __future__ import annotations

import base64
from http import HTTPStatus
import json
import logging
import re
from typing import Any

from aioresponses import aioresponses
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import CONF_QBITTORRENT, CONF_SHOKO, CONF_WEBHOOK_SECRETS, DOMAIN

from .helpers import (
    ANIME_MOVIE_FLOW,
    ANIME_TV_FLOW,
    JELLYFIN_API_KEY,
    MOVIE_FLOW,
    QBT_URL,
    SHOKO_API_KEY,
    TV_FLOW,
    WEBHOOK_IDS,
    load_fixture,
    request_states,
)

SECRETS = {
    "jellyseerr": "js-secret-token-123",
    "radarr": "radarr-secret-pass-456",
    "sonarr": "sonarr-secret-pass-789",
    "jellyfin": "jf-webhook-secret-000",
}
QBT_PASSWORD = "qbt-password-secret-42"


def basic(password: str, username: str = "homeassistant") -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# How each service sends its secret (see webhook_auth.py).
GOOD_HEADERS = {
    "jellyseerr": {"Authorization": SECRETS["jellyseerr"]},
    "radarr": {"Authorization": basic(SECRETS["radarr"])},
    "sonarr": {"Authorization": basic(SECRETS["sonarr"], "sonarr")},
    "jellyfin": {"X-Webhook-Secret": SECRETS["jellyfin"]},
}
FIXTURE = {
    "jellyseerr": "jellyseerr/movie_auto_approved",
    "radarr": "radarr/grab",
    "sonarr": "sonarr/grab_episode",
    "jellyfin": "jellyfin/movie_item_added",
}


@pytest.fixture
def entry_data(entry_data: dict[str, Any]) -> dict[str, Any]:
    return {
        **entry_data,
        CONF_QBITTORRENT: {CONF_URL: QBT_URL, CONF_USERNAME: "admin", CONF_PASSWORD: QBT_PASSWORD},
        CONF_SHOKO: {CONF_URL: "http://192.168.1.10:8111", CONF_API_KEY: SHOKO_API_KEY},
    }


@pytest.fixture
def mock_config_entry(mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry with a secret for every service."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data=mock_config_entry.data,
        options={CONF_WEBHOOK_SECRETS: dict(SECRETS)},
        entry_id=mock_config_entry.entry_id,
    )


@pytest.fixture
def http(http: aioresponses) -> aioresponses:
    """The pollers' services mocked (they may run during the flows)."""
    http.post(f"{QBT_URL}/api/v2/auth/login", body="Ok.", repeat=True)
    http.get(re.compile(r"^http://192\.168\.1\.10:8080/api/v2/sync/maindata.*"), payload={"rid": 1}, repeat=True)
    http.get(re.compile(r"^http://192\.168\.1\.10:8096/Items.*"), payload={"Items": []}, repeat=True)
    http.get(re.compile(r"^http://192\.168\.1\.10:8111/.*"), payload=[], repeat=True)
    return http


async def post(
    client_factory: ClientSessionGenerator, service: str, body: bytes | str, headers: dict[str, str]
) -> tuple[int, str]:
    client = await client_factory()
    response = await client.post(
        f"/api/webhook/{WEBHOOK_IDS[service]}", data=body, headers={"Content-Type": "application/json", **headers}
    )
    return response.status, await response.text()


@pytest.mark.parametrize("service", list(SECRETS))
async def test_secret_required(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    service: str,
) -> None:
    """Missing or wrong secret: 401 and nothing changes; the right one in the service's own way: accepted."""
    body = load_fixture(f"{FIXTURE[service]}.json")
    wrong = {
        "jellyseerr": [{}, {"Authorization": "nope"}, {"Authorization": f"{SECRETS['jellyseerr']}x"}],
        "radarr": [{}, {"Authorization": basic("wrong")}, {"Authorization": "Basic %%%"},
                   {"Authorization": SECRETS["radarr"]}, {"Authorization": "Basic " + base64.b64encode(b"x").decode()}],
        "sonarr": [{}, {"Authorization": basic(SECRETS["radarr"])}],
        "jellyfin": [{}, {"X-Webhook-Secret": "nope"}, {"Authorization": "Bearer nope"}],
    }[service]  # fmt: skip
    for headers in wrong:
        status, text = await post(hass_client_no_auth, service, body, headers)
        assert status == HTTPStatus.UNAUTHORIZED, headers
        assert "secret" in text
    hub = init_integration.runtime_data.hub
    assert hub.requests == {}
    assert service not in hub.last_webhook

    status, _ = await post(hass_client_no_auth, service, body, GOOD_HEADERS[service])
    assert status == HTTPStatus.OK
    assert service in hub.last_webhook


async def test_jellyfin_secret_as_bearer(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The Jellyfin plugin may send the secret as an Authorization header too."""
    body = load_fixture("jellyfin/playback_start.json")
    status, _ = await post(hass_client_no_auth, "jellyfin", body, {"Authorization": f"Bearer {SECRETS['jellyfin']}"})
    assert status == HTTPStatus.OK


async def test_body_too_large(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Bodies over 1 MiB get 413, announced or streamed in chunks, and change nothing."""
    big = json.dumps({"eventType": "Grab", "padding": "x" * (1024 * 1024)})
    status, _ = await post(hass_client_no_auth, "radarr", big, GOOD_HEADERS["radarr"])
    assert status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE

    async def chunks() -> Any:
        for _ in range(20):
            yield b"x" * 65536

    client = await hass_client_no_auth()
    response = await client.post(f"/api/webhook/{WEBHOOK_IDS['radarr']}", data=chunks(), headers=GOOD_HEADERS["radarr"])
    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert init_integration.runtime_data.hub.requests == {}
    # Just under the limit is read (and here refused only as not JSON).
    status, _ = await post(hass_client_no_auth, "radarr", "x" * (1024 * 1024), GOOD_HEADERS["radarr"])
    assert status == HTTPStatus.BAD_REQUEST


async def test_no_secret_in_any_log_record(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    http: aioresponses,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """All four flows at DEBUG with secrets set: no record holds an API key, password, webhook id or secret."""
    caplog.set_level(logging.DEBUG)
    for flow in (MOVIE_FLOW, TV_FLOW, ANIME_MOVIE_FLOW, ANIME_TV_FLOW):
        for fixture in flow:
            service = fixture.split("/", 1)[0]
            status, text = await post(
                hass_client_no_auth, service, load_fixture(f"{fixture}.json"), GOOD_HEADERS[service]
            )
            assert status == HTTPStatus.OK, (fixture, text)
    # Wrong secrets, bad bodies and a path Home Assistant's security filter refuses (it logs the path) are logged
    # too: still nothing secret.
    await post(hass_client_no_auth, "radarr", "{}", {"Authorization": basic("wrong")})
    await post(hass_client_no_auth, "sonarr", "not json", GOOD_HEADERS["sonarr"])
    client = await hass_client_no_auth()
    refused = await client.post(f"/api/webhook/{WEBHOOK_IDS['radarr']}?x=../../etc/passwd", data="{}")
    assert refused.status == HTTPStatus.BAD_REQUEST
    runtime = init_integration.runtime_data
    assert runtime.downloads is not None
    await runtime.downloads.async_poll()
    for request_id in runtime.hub.active_ids():
        await runtime.library.async_check_now(request_id)
    await hass.async_block_till_done()
    assert [state.state for state in request_states(hass)] == ["available"] * 4

    records = [record.getMessage() for record in caplog.records]
    assert any("webhook" in message.lower() for message in records)  # the webhook component did log
    secrets = [*SECRETS.values(), *WEBHOOK_IDS.values(), JELLYFIN_API_KEY, SHOKO_API_KEY, QBT_PASSWORD]
    leaks = [(secret, message) for message in records for secret in secrets if secret in message]
    assert not leaks, leaks[:3]
