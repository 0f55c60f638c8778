"""The pollers in a running Home Assistant: qBittorrent progress, Jellyfin fallback, stuck requests, faults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import ClientConnectionError
from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import (
    CONF_LIBRARY_POLL_INTERVAL,
    CONF_QBITTORRENT,
    CONF_STUCK_AFTER,
    DOMAIN,
    EVENT_REQUEST_STUCK,
    EVENT_STATE_CHANGED,
)

from .helpers import (
    ITEMS,
    JELLYFIN_URL,
    MAINDATA,
    QBT_URL,
    Services,
    get_requests,
    load_json,
    only_state,
    request_states,
    tick,
)

LOGIN = f"{QBT_URL}/api/v2/auth/login"
DUNE = "8c212779b4abde7c6bc608063a0d008b7e40ce32"
PACK = "c0ffee00deadbeef0123456789abcdef01234567"
E05 = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
TRANSMISSION = {"downloadClient": "Seedbox", "downloadClientType": "Transmission"}


@pytest.fixture
def entry_data(entry_data: dict[str, Any]) -> dict[str, Any]:
    """An entry with qBittorrent configured."""
    return {**entry_data, CONF_QBITTORRENT: {CONF_URL: QBT_URL, CONF_USERNAME: "admin", CONF_PASSWORD: "qbt-pass"}}


def qbt_torrent(progress: float, state: str, **fields: Any) -> dict[str, Any]:
    """A sync/maindata torrent object (qBittorrent 4.5 keys)."""
    return {"name": "x", "progress": progress, "state": state, "dlspeed": 0, "eta": 8640000, **fields}


def calls(http: aioresponses, pattern: str) -> int:
    """How many requests went to URLs containing `pattern`."""
    return sum(len(sent) for (_, url), sent in http.requests.items() if pattern in str(url))


async def test_movie_progress(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services, http: aioresponses
) -> None:
    """Acceptance 1: 0 %, 45 % and 100 % in qBittorrent: GRABBING -> DOWNLOADING (45) -> DOWNLOADED."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    downloads = init_integration.runtime_data.downloads
    assert downloads is not None
    http.post(LOGIN, body="Ok.")
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {DUNE: qbt_torrent(0, "metaDL")}})
    http.get(MAINDATA, payload={"rid": 2, "torrents": {DUNE: {"progress": 0.45, "state": "downloading",
                                                              "dlspeed": 48234567, "eta": 951}}})  # fmt: skip
    http.get(MAINDATA, payload={"rid": 3, "torrents": {DUNE: {"progress": 1, "state": "stalledUP", "eta": 0}}})

    await downloads.async_poll()
    state = only_state(hass)
    assert state.state == "grabbing"
    assert state.attributes["download_progress"] == "0.0 %"

    await downloads.async_poll()
    state = only_state(hass)
    assert state.state == "downloading"
    # As the more-info dialog shows them: units, no thousands separators (the numbers are in get_requests).
    assert state.attributes["download_progress"] == "45.0 %"
    assert state.attributes["download_speed"] == "48 MB/s"
    assert state.attributes["download_eta"] == "15 min 51 s"

    await downloads.async_poll()
    state = only_state(hass)
    assert state.state == "downloaded"
    assert state.attributes["download_progress"] == "100.0 %"
    assert calls(http, "auth/login") == 1
    # The timeline names the poller that moved it (a progress tick that keeps the state adds nothing).
    (request,) = (await get_requests(hass))["requests"]
    assert request["download_progress"] == 100
    assert [(entry["source"], entry["code"]) for entry in request["timeline"]] == [
        ("jellyseerr", "approved"),
        ("radarr", "grabbing"),
        ("qbittorrent", "downloading"),
        ("qbittorrent", "downloaded"),
    ]


async def test_tv_season_progress(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services, http: aioresponses
) -> None:
    """Acceptance 2: per-episode progress and the counts text at each poll."""
    await services.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack", "sonarr/grab_episode")
    downloads = init_integration.runtime_data.downloads
    assert downloads is not None
    http.post(LOGIN, body="Ok.")
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {
        PACK: qbt_torrent(0.2, "downloading"), E05: qbt_torrent(0, "queuedDL")}})  # fmt: skip
    http.get(
        MAINDATA, payload={"rid": 2, "torrents": {PACK: {"progress": 0.5}, E05: {"progress": 1, "state": "uploading"}}}
    )
    http.get(MAINDATA, payload={"rid": 3, "torrents": {PACK: {"progress": 1, "state": "pausedUP"}}})

    await downloads.async_poll()
    state = only_state(hass)
    assert state.state == "grabbing"
    assert state.attributes["state_text"] == "4 downloading, 1 queued"
    rows = {row["episode"]: row for row in state.attributes["episodes"]}
    assert rows[1]["download_progress"] == 20
    assert rows[5]["state"] == "grabbing"

    await downloads.async_poll()
    state = only_state(hass)
    assert state.state == "downloading"
    assert state.attributes["state_text"] == "1 downloaded, 4 downloading"
    assert {row["episode"]: row["download_progress"] for row in state.attributes["episodes"]} == {
        1: 50, 2: 50, 3: 50, 4: 50, 5: 100
    }  # fmt: skip

    await downloads.async_poll()
    state = only_state(hass)
    assert state.state == "downloaded"
    assert state.attributes["state_text"] == "5 downloaded"


async def test_one_request_per_cycle_and_none_when_idle(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Acceptance 4: one HTTP request per poll for 50 torrents; none over ten idle minutes."""
    await tick(hass, freezer, 600)
    assert calls(http, "192.168.1.10:8080") == 0

    torrents = {}
    for number in range(50):
        grab = load_json("radarr/grab.json")
        grab["movie"]["tmdbId"] = grab["remoteMovie"]["tmdbId"] = 100000 + number
        grab["movie"]["imdbId"] = grab["remoteMovie"]["imdbId"] = f"tt9{number:06d}"
        grab["movie"]["title"] = f"Movie {number}"
        grab["downloadId"] = f"{number:040X}"
        await services.post("radarr/grab", grab)
        torrents[f"{number:040x}"] = qbt_torrent(number / 100, "downloading")
    assert len(request_states(hass)) == 50
    http.post(LOGIN, body="Ok.", repeat=True)
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": torrents})
    http.get(MAINDATA, payload={"rid": 2, "torrents": {}}, repeat=True)

    await tick(hass, freezer, 5)
    assert calls(http, "sync/maindata") == 1
    assert calls(http, "auth/login") == 1
    assert all(state.state == "downloading" for state in request_states(hass))
    for cycle in range(2, 6):
        await tick(hass, freezer, 5)
        assert calls(http, "sync/maindata") == cycle
    assert calls(http, "auth/login") == 1


async def test_missing_torrent_fails_after_timeout(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A grabbed torrent absent from qBittorrent for ten minutes, with no import, fails with a reason."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    http.post(LOGIN, body="Ok.")
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {}})
    http.get(MAINDATA, payload={"rid": 2}, repeat=True)
    await tick(hass, freezer, 5)
    assert only_state(hass).state == "grabbing"
    await tick(hass, freezer, 590)
    assert only_state(hass).state == "grabbing"
    await tick(hass, freezer, 10)
    state = only_state(hass)
    assert state.state == "failed"
    assert "removed from qBittorrent" in state.attributes["reason"]


async def test_usenet_download_is_not_polled(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """E7: a usenet download id skips the qBittorrent stage cleanly."""
    grab = load_json("radarr/grab.json")
    grab["downloadId"] = "SABnzbd_nzo_p86tgx"
    grab["downloadClientType"] = "SABnzbd"
    await services.run("jellyseerr/movie_auto_approved")
    await services.post("radarr/grab", grab)
    await tick(hass, freezer, 60)
    assert calls(http, "192.168.1.10:8080") == 0
    assert only_state(hass).state == "grabbing"


def jf_page(*items: dict[str, Any]) -> dict[str, Any]:
    return {"Items": list(items), "TotalRecordCount": len(items), "StartIndex": 0}


DUNE_ITEM = {"Name": "Dune: Part Two", "Id": "6213b704a0d954293110f4d561b0f614", "Type": "Movie",
             "ProviderIds": {"Tmdb": "693134", "Imdb": "tt15239678"}, "LocationType": "FileSystem"}  # fmt: skip
OTHER_ITEM = {"Name": "Dune", "Id": "11111111111111111111111111111111", "Type": "Movie",
              "ProviderIds": {"Tmdb": "438631"}, "LocationType": "FileSystem"}  # fmt: skip


async def test_movie_available_through_jellyfin_fallback(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Acceptance 5 (movie): no Jellyfin webhook; the checks once Jellyfin can have scanned the file find it.

    Jellyfin's LibraryMonitorDelay cannot be read here: its default, 60 s, applies.
    """
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    assert only_state(hass).state == "importing"
    # Nothing is asked before Jellyfin's scan can have listed the file.
    await tick(hass, freezer, 60)
    assert calls(http, "/Items") == 0
    # First check (65 s after the import): only an unrelated item comes back (E19); it must not count.
    http.get(ITEMS, payload=jf_page(OTHER_ITEM))
    http.get(ITEMS, payload=jf_page(OTHER_ITEM))
    await tick(hass, freezer, 10)
    assert only_state(hass).state == "importing"
    assert calls(http, "/Items") == 2
    # The next one follows closely (75 s), while Jellyfin's scan may run.
    http.get(ITEMS, payload=jf_page(OTHER_ITEM, DUNE_ITEM))
    await tick(hass, freezer, 10)
    state = only_state(hass)
    assert state.state == "available"
    assert events[-1].data["new_state"] == "available"
    # Nothing waits on the library any more: no more calls.
    await tick(hass, freezer, 3600)
    assert calls(http, "/Items") == 3


async def test_tv_available_through_jellyfin_fallback(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Acceptance 5 (TV): the episodes found under the series end the request."""
    await services.run(
        "jellyseerr/tv_auto_approved", "sonarr/grab_season_pack", "sonarr/grab_episode", "sonarr/import_complete_pack"
    )
    await services.run("sonarr/download_episode")
    assert only_state(hass).state == "importing"
    series = {"Name": "Chernobyl", "Id": "3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b2a", "Type": "Series",
              "ProviderIds": {"Tmdb": "87108", "Tvdb": "360893"}}  # fmt: skip
    episodes = [
        {
            "Name": f"E{n}",
            "Id": f"ep{n}",
            "Type": "Episode",
            "ParentIndexNumber": 1,
            "IndexNumber": n,
            "SeriesId": series["Id"],
            "LocationType": "FileSystem",
        }
        for n in range(1, 6)
    ]
    http.get(ITEMS, payload=jf_page(series))
    http.get(ITEMS, payload=jf_page(*episodes[:4]))
    await tick(hass, freezer, 60)
    await tick(hass, freezer, 10)
    state = only_state(hass)
    assert state.state == "importing"
    assert state.attributes["state_text"] == "4 available, 1 importing"
    http.get(ITEMS, payload=jf_page(series))
    http.get(ITEMS, payload=jf_page(*episodes))
    await tick(hass, freezer, 10)
    assert only_state(hass).state == "available"


async def test_stuck_flagged_with_event_and_repair_then_cleared(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Acceptance 7: no progress for the timeout: stuck, event, repair issue; moving clears all three."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_STUCK_AFTER: 30})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    services = Services(hass, hass_client_no_auth)
    stuck_events = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await services.run("jellyseerr/movie_auto_approved")
    http.get(ITEMS, payload=jf_page(OTHER_ITEM), repeat=True)
    http.post(LOGIN, body="Ok.", repeat=True)

    await tick(hass, freezer, 29 * 60)
    assert only_state(hass).attributes.get("stuck_since") is None
    await tick(hass, freezer, 70)
    state = only_state(hass)
    assert state.state == "approved"
    assert state.attributes.get("stuck_since") is not None
    assert len(stuck_events) == 1
    assert stuck_events[0].data["entity_id"] == state.entity_id
    assert stuck_events[0].data["state"] == "approved"
    issue_id = f"stuck_requests_{mock_config_entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "count": "1",
        "minutes": "30",
        "titles": "Dune: Part Two",
        "causes": "- Dune: Part Two: Nothing grabbed in the 30 minutes since approval; connect Radarr to the "
        "integration to tell whether it is released yet.",
    }
    assert stuck_events[0].data["cause"] == "no_release_found"
    (request,) = (await get_requests(hass))["requests"]
    note = request["timeline"][-1]
    assert (note["kind"], note["source"], note["code"]) == ("note", "stuck check", "stuck")
    assert note["message"] == "Flagged stuck: no progress for 30 min"
    assert note["at"] == state.attributes["stuck_since"]
    # Still stuck on later ticks: flagged once.
    await tick(hass, freezer, 60)
    assert len(stuck_events) == 1

    await services.run("radarr/grab")
    assert only_state(hass).attributes.get("stuck_since") is None
    await tick(hass, freezer, 10)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize(
    "failure",
    [
        {"exception": ClientConnectionError("refused")},
        {"exception": TimeoutError()},
        {"status": 500, "body": "Internal Server Error"},
        {"status": 200, "body": "<html>captive portal</html>"},
        {"status": 200, "payload": {"unexpected": True}},
    ],
    ids=["down", "slow", "500", "garbage", "wrong-json"],
)
async def test_qbittorrent_faults_recover(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    failure: dict[str, Any],
) -> None:
    """Acceptance 8 (qBittorrent): no exception escapes, states stay, logged once, then recovers with backoff."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    downloads = init_integration.runtime_data.downloads
    assert downloads is not None
    http.post(LOGIN, body="Ok.", repeat=True)
    for _ in range(3):
        http.get(MAINDATA, **failure)
    await tick(hass, freezer, 5)
    assert not downloads.last_poll_ok
    assert only_state(hass).state == "grabbing"
    assert downloads.interval == timedelta(seconds=10)
    await tick(hass, freezer, 10)
    assert downloads.interval == timedelta(seconds=20)
    await tick(hass, freezer, 20)
    assert downloads.interval == timedelta(seconds=40)
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {DUNE: qbt_torrent(0.5, "downloading")}})
    await tick(hass, freezer, 40)
    assert downloads.last_poll_ok
    assert downloads.interval == timedelta(seconds=5)
    assert only_state(hass).state == "downloading"
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "qBittorrent" in r.getMessage()]
    assert len(errors) == 1
    assert "recovered" in caplog.text
    assert "qbt-pass" not in caplog.text


async def test_qbittorrent_401_starts_reauth(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Acceptance 8: refused credentials start the reauthentication flow; states stay."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    http.post(LOGIN, status=401, body="Unauthorized", repeat=True)
    await tick(hass, freezer, 5)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert only_state(hass).state == "grabbing"


@pytest.mark.parametrize(
    "failure",
    [
        {"exception": ClientConnectionError("refused")},
        {"status": 503, "body": ""},
        {"status": 200, "body": "garbage"},
    ],
    ids=["down", "503", "garbage"],
)
async def test_jellyfin_faults_recover(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
    failure: dict[str, Any],
) -> None:
    """Acceptance 8 (Jellyfin): the request keeps its state and the checker recovers by itself."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    library = init_integration.runtime_data.library
    assert library.interval == timedelta(seconds=10)
    http.get(ITEMS, **failure)
    await tick(hass, freezer, 60)
    await tick(hass, freezer, 10)
    assert not library.last_poll_ok
    # It backs off while Jellyfin fails, and comes back to its pace once it answers.
    assert library.interval == timedelta(seconds=20)
    assert only_state(hass).state == "importing"
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    http.get(ITEMS, payload=jf_page(DUNE_ITEM), repeat=True)
    await tick(hass, freezer, 300)
    await tick(hass, freezer, 300)
    assert library.last_poll_ok
    assert library.interval == timedelta(seconds=10)
    assert only_state(hass).state == "available"


async def test_jellyfin_401_starts_reauth_and_reload_recovers(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Acceptance 8: Jellyfin refusing the key starts reauth and pauses checks; after the reload it goes on."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    http.get(ITEMS, status=401)
    await tick(hass, freezer, 60)
    await tick(hass, freezer, 10)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    await tick(hass, freezer, 600)
    assert calls(http, "/Items") == 1  # paused until the user signs in again
    assert only_state(hass).state == "importing"

    http.get(ITEMS, payload=jf_page(DUNE_ITEM), repeat=True)
    assert await hass.config_entries.async_reload(init_integration.entry_id)  # what a successful reauth does
    await tick(hass, freezer, 10)
    await tick(hass, freezer, 10)
    assert only_state(hass).state == "available"


async def test_poll_urls_and_secrets(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The pollers talk to the configured services with their credentials in headers or form fields."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    http.get(ITEMS, payload=jf_page(DUNE_ITEM))
    await tick(hass, freezer, 60)
    await tick(hass, freezer, 10)
    ((_, url), sent), *_ = [(key, value) for key, value in http.requests.items() if "/Items" in str(key[1])]
    assert str(url).startswith(f"{JELLYFIN_URL}/Items")
    assert sent[0].kwargs["headers"]["Authorization"].startswith("MediaBrowser Token=")
    assert sent[0].kwargs["params"]["hasTmdbId"] == "true"
    assert sent[0].kwargs["params"]["fields"] == "ProviderIds,Path"
    assert sent[0].kwargs["params"]["searchTerm"] == "Dune: Part Two"


async def test_torrent_fields_of_the_wrong_type(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services, http: aioresponses
) -> None:
    """Garbage in a torrent's fields is read as unknown, never as a crash."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    downloads = init_integration.runtime_data.downloads
    assert downloads is not None
    http.post(LOGIN, body="Ok.")
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {
        DUNE: {"progress": "n/a", "state": None, "dlspeed": "fast", "eta": [1]}}})  # fmt: skip
    await downloads.async_poll()
    assert downloads.last_poll_ok
    state = only_state(hass)
    assert state.state == "grabbing"
    assert state.attributes.get("download_speed") is None


async def test_tv_fallback_when_series_is_not_in_jellyfin_yet(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No series in Jellyfin yet, then one whose episodes lack numbers: nothing is marked, checks go on."""
    await services.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode", "sonarr/download_episode")
    series = {"Name": "Chernobyl", "Id": "3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b2a", "Type": "Series",
              "ProviderIds": {"Tmdb": "87108"}}  # fmt: skip
    http.get(ITEMS, payload=jf_page())
    http.get(ITEMS, payload=jf_page())
    await tick(hass, freezer, 60)
    await tick(hass, freezer, 10)
    assert only_state(hass).state == "importing"
    http.get(ITEMS, payload=jf_page(series))
    http.get(ITEMS, payload=jf_page({"Name": "Special", "Id": "sp1", "Type": "Episode", "SeriesId": series["Id"]}))
    await tick(hass, freezer, 10)
    assert only_state(hass).state == "importing"
    assert init_integration.runtime_data.library.last_poll_ok


async def test_immediate_check_failure_retries_at_the_next_tick(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A check asked for at once (after a Shoko match) that fails is made again at the next tick."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    library = init_integration.runtime_data.library
    (request_id,) = init_integration.runtime_data.hub.awaiting_library()
    http.get(ITEMS, exception=ClientConnectionError())
    await library.async_check_now(request_id)
    assert only_state(hass).state == "importing"
    http.get(ITEMS, payload=jf_page(DUNE_ITEM))
    await tick(hass, freezer, 10)
    assert only_state(hass).state == "available"


async def test_refused_credentials_issue_cleared_after_reauth(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A refused key opens a repair issue naming the service; the first success after the new key closes it."""
    issue_id = f"auth_failed_qbittorrent_{init_integration.entry_id}"
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    http.post(LOGIN, body="Fails.")
    await tick(hass, freezer, 5)
    found = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert found is not None
    assert found.translation_placeholders == {"service": "qBittorrent"}
    http.post(LOGIN, body="Ok.", repeat=True)
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {DUNE: qbt_torrent(0.1, "downloading")}})
    assert await hass.config_entries.async_reload(init_integration.entry_id)  # what a successful reauth does
    await tick(hass, freezer, 5)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert only_state(hass).state == "downloading"


async def test_download_in_another_client_is_never_missing_from_qbittorrent(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Issue 12.2: a Transmission torrent (a 40-hex id) is not waited on in qBittorrent: never asked about, never
    "removed from qBittorrent", and the sensor says where it is; Radarr's import still moves it.
    """
    await services.run("jellyseerr/movie_auto_approved")
    await services.post("radarr/grab", {**load_json("radarr/grab.json"), **TRANSMISSION})
    await tick(hass, freezer, 700)
    assert calls(http, "192.168.1.10:8080") == 0
    state = only_state(hass)
    assert state.state == "grabbing"
    assert state.attributes["download_client"] == "Seedbox"
    assert state.attributes.get("reason") is None

    # A second movie, in qBittorrent, gets it polled: ten minutes of answers listing neither torrent.
    other = load_json("radarr/grab.json")
    other["movie"]["tmdbId"] = other["remoteMovie"]["tmdbId"] = 438631
    other["movie"]["imdbId"] = other["remoteMovie"]["imdbId"] = "tt1160419"
    other["movie"]["title"] = other["remoteMovie"]["title"] = "Dune"
    other["downloadId"] = PACK.upper()
    await services.post("radarr/grab", other)
    http.post(LOGIN, body="Ok.")
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {}})
    http.get(MAINDATA, payload={"rid": 2}, repeat=True)
    for _ in range(122):  # a poll every 5 s for more than ten minutes
        await tick(hass, freezer, 5)
    assert calls(http, "sync/maindata") > 100
    by_title = {state.attributes["title"]: state for state in request_states(hass)}
    assert by_title["Dune"].state == "failed"
    assert by_title["Dune"].attributes["download_client"] == "qBittorrent"
    assert by_title["Dune: Part Two"].state == "grabbing"
    assert by_title["Dune: Part Two"].attributes.get("reason") is None

    await services.run("radarr/download")
    imported = hass.states.get(by_title["Dune: Part Two"].entity_id)
    assert imported is not None
    assert imported.state == "importing"


async def test_grab_without_a_client_type_waits_on_qbittorrent_as_before(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Radarr before 4.1 sends no downloadClientType (its downloadClient is the type): the torrent is polled."""
    grab = load_json("radarr/grab.json")
    del grab["downloadClientType"]
    await services.run("jellyseerr/movie_auto_approved")
    await services.post("radarr/grab", grab)
    http.post(LOGIN, body="Ok.")
    http.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {}})
    http.get(MAINDATA, payload={"rid": 2}, repeat=True)
    await tick(hass, freezer, 5)
    await tick(hass, freezer, 605)
    state = only_state(hass)
    assert state.state == "failed"
    assert "removed from qBittorrent" in state.attributes["reason"]
    assert state.attributes["download_client"] == "qBittorrent"


@pytest.mark.parametrize(
    ("options", "rechecks"),
    [({}, [1260]), ({CONF_LIBRARY_POLL_INTERVAL: 120}, [480, 600, 720, 840, 960, 1080, 1200, 1320])],
    ids=["default", "120s"],
)
async def test_library_poll_interval_spaces_the_rechecks(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
    options: dict[str, Any],
    rechecks: list[int],
) -> None:
    """After the quick checks (5 s to 5 min after LibraryMonitorDelay), Jellyfin is asked every `library_poll_interval`.

    Unset, the spacing stays 15 minutes, as before the option was read.
    """
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options=options)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await Services(hass, hass_client_no_auth).run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    http.get(ITEMS, payload=jf_page(OTHER_ITEM), repeat=True)  # never found: the checks go on
    checked_at = []  # seconds after the import
    for elapsed in range(10, 1440, 10):
        before = calls(http, "/Items")
        await tick(hass, freezer, 10)
        if calls(http, "/Items") > before:
            checked_at.append(elapsed)
    # Jellyfin's delay (60 s here: unreadable) passed, the checks come 5, 15, 30 and 60 s, 2 and 5 min after it.
    assert checked_at == [70, 80, 90, 120, 180, 360, *rechecks]
    assert only_state(hass).state == "importing"
