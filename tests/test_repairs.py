"""Repair issues: a service that never sends its webhook, a service out of reach for long."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
import re
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import CONF_QBITTORRENT, DOMAIN

from .conftest import QBT_URL, WEBHOOK_IDS
from .test_flows import Services, only_state

MAINDATA = re.compile(r"^http://192\.168\.1\.10:8080/api/v2/sync/maindata\?rid=\d+$")


@pytest.fixture
def services(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> Services:
    return Services(hass, hass_client_no_auth)


def issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


async def test_radarr_webhook_missing(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services
) -> None:
    """A movie that became available without a single Radarr webhook: add the connection; cleared by one."""
    issue_id = f"webhook_missing_radarr_{init_integration.entry_id}"
    await services.run("jellyseerr/movie_auto_approved", "jellyfin/movie_item_added")
    assert only_state(hass).state == "available"
    found = issue(hass, issue_id)
    assert found is not None
    assert found.translation_key == "webhook_missing"
    assert found.translation_placeholders is not None
    assert found.translation_placeholders["service"] == "Radarr"
    assert found.translation_placeholders["url"].endswith(f"/api/webhook/{WEBHOOK_IDS['radarr']}")
    await services.run("radarr/test")
    assert issue(hass, issue_id) is None


async def test_jellyseerr_webhook_missing(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services
) -> None:
    """A request known only from Radarr while Jellyseerr never called: the issue; its test event clears it."""
    issue_id = f"webhook_missing_jellyseerr_{init_integration.entry_id}"
    await services.run("radarr/grab")
    assert issue(hass, issue_id) is not None
    await services.run("jellyseerr/test_notification")
    assert issue(hass, issue_id) is None
    # Once heard from, the next Radarr-first request raises nothing.
    await services.run("sonarr/grab_episode")
    assert issue(hass, issue_id) is None


async def test_no_issue_when_webhooks_arrive(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services
) -> None:
    """The normal flow opens no issue at all."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download", "jellyfin/movie_item_added")
    assert not [i for (domain, _), i in ir.async_get(hass).issues.items() if domain == DOMAIN]


@pytest.fixture
def entry_data(entry_data: dict[str, Any]) -> dict[str, Any]:
    return {**entry_data, CONF_QBITTORRENT: {CONF_URL: QBT_URL, CONF_USERNAME: "admin", CONF_PASSWORD: "pw"}}


@pytest.fixture
def http() -> Generator[aioresponses]:
    with aioresponses(passthrough=["http://127.0.0.1"]) as mocked:
        yield mocked


async def test_unreachable_service_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """qBittorrent failing for half an hour opens an issue; the first answer closes it."""
    issue_id = f"unreachable_qbittorrent_{init_integration.entry_id}"
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    http.post(f"{QBT_URL}/api/v2/auth/login", status=502, repeat=True)
    elapsed = 0
    while elapsed < 1700:
        freezer.tick(timedelta(seconds=60))
        elapsed += 60
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert issue(hass, issue_id) is None
    for _ in range(5):
        freezer.tick(timedelta(seconds=300))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    found = issue(hass, issue_id)
    assert found is not None
    assert found.translation_placeholders == {"service": "qBittorrent", "minutes": "30"}
    assert only_state(hass).state == "grabbing"

    http.clear()
    http.post(f"{QBT_URL}/api/v2/auth/login", body="Ok.")
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {}})
    freezer.tick(timedelta(seconds=300))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert issue(hass, issue_id) is None
