"""Repair issues: a service that never sends its webhook, a service out of reach for long."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import re
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import (
    CONF_IS_4K,
    CONF_QBITTORRENT,
    CONF_RADARR,
    CONF_RADARR_2,
    CONF_SONARR,
    CONF_SONARR_2,
    DOMAIN,
)
from custom_components.status_tracker.core.models import Episode, EpisodeState, MediaRequest, MediaType, RequestState
from custom_components.status_tracker.repairs import connected_services, missing_webhook

from .fakes.services import RADARR_URL, FakeArr
from .helpers import MAINDATA, QBT_URL, WEBHOOK_IDS, Services, load_json, only_state


def issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


@pytest.fixture
async def radarr_connected(
    hass: HomeAssistant, entry_data: dict[str, Any], http: aioresponses
) -> AsyncGenerator[MockConfigEntry]:
    """An entry with Radarr connected (an API connection: it writes its webhook, catches up with its history)."""
    FakeArr(http, RADARR_URL, "radarr", set(), load_json("api_clients/radarr_notification_schema.json")[1])
    api = re.escape(f"{RADARR_URL}/api/v3")
    http.get(re.compile(rf"^{api}/history/since\?.*$"), payload=[], repeat=True)
    http.get(re.compile(rf"^{api}/queue\?.*$"), payload={"page": 1, "totalRecords": 0, "records": []}, repeat=True)
    radarr = {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123", CONF_IS_4K: False}
    entry = MockConfigEntry(domain=DOMAIN, data={**entry_data, CONF_RADARR: radarr}, entry_id="01JSTATUSTRACKERRADARR1")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_radarr_webhook_missing(
    hass: HomeAssistant, radarr_connected: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Radarr is connected, yet a movie became available without a single Radarr webhook: add the connection's
    webhook; cleared by one.
    """
    services = Services(hass, hass_client_no_auth)
    issue_id = f"webhook_missing_radarr_{radarr_connected.entry_id}"
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


@pytest.mark.parametrize(
    "fixtures",
    [
        ("jellyseerr/movie_auto_approved", "jellyseerr/movie_available"),
        ("jellyseerr/movie_auto_approved", "jellyfin/movie_item_added"),
        ("jellyseerr/tv_auto_approved", "jellyseerr/tv_available"),
    ],
)
async def test_no_arr_issue_for_media_it_never_touched(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services, fixtures: tuple[str, ...]
) -> None:
    """Issue 12.9: media added by hand (or by a user without Radarr/Sonarr) becomes available; neither service is
    connected, nor went the request through it: no "not sending webhooks" issue.
    """
    await services.run(*fixtures)
    assert only_state(hass).state == "available"
    assert not [i for (domain, _), i in ir.async_get(hass).issues.items() if domain == DOMAIN]


def test_arr_issue_needs_evidence_that_the_media_went_through_it() -> None:
    """A connection of the entry, or a Grab or import on the request (caught up from history); never heard from."""
    now = datetime(2024, 5, 20, 18, 0, tzinfo=UTC)
    movie = MediaRequest(
        request_id="m",
        media_type=MediaType.MOVIE,
        title="Dune",
        created_at=now,
        updated_at=now,
        state=RequestState.AVAILABLE,
        jellyseerr_request_id="16",
    )
    heard = {"jellyseerr"}
    assert missing_webhook(movie, False, heard, frozenset()) is None
    assert missing_webhook(movie, False, heard, {"sonarr"}) is None
    assert missing_webhook(movie, False, heard, {"radarr"}) == "radarr"
    movie.download_ids = ["8c212779b4abde7c6bc608063a0d008b7e40ce32"]
    assert missing_webhook(movie, False, heard, frozenset()) == "radarr"
    assert missing_webhook(movie, False, {*heard, "radarr"}, {"radarr"}) is None
    series = MediaRequest(
        request_id="s",
        media_type=MediaType.TV,
        title="Shogun",
        created_at=now,
        updated_at=now,
        state=RequestState.AVAILABLE,
        jellyseerr_request_id="17",
    )
    series.episodes[(1, 1)] = Episode(1, 1, EpisodeState.AVAILABLE, final_path="/tv/Shogun/S01E01.mkv")
    assert missing_webhook(series, False, heard, frozenset()) == "sonarr"
    series.state = RequestState.IMPORTING
    assert missing_webhook(series, False, heard, {"sonarr"}) is None

    radarr = {CONF_URL: RADARR_URL, CONF_API_KEY: "k"}
    data = {CONF_RADARR: radarr, CONF_RADARR_2: {}, CONF_SONARR_2: {CONF_URL: ""}, CONF_SONARR: None}
    assert connected_services(data) == {"radarr"}
    assert connected_services({CONF_SONARR_2: {**radarr, CONF_IS_4K: True}}) == {"sonarr"}


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
