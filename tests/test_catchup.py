"""Catch-up: requests, grabs and imports that happened while Home Assistant was down are filled in at setup."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
import json
import re
from typing import Any

from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import (
    CONF_IS_4K,
    CONF_JELLYSEERR,
    CONF_RADARR,
    CONF_SONARR,
    CONF_STUCK_AFTER,
    DOMAIN,
    EVENT_REQUEST_STUCK,
    EVENT_STATE_CHANGED,
)

from .fakes.services import RADARR_URL, SEERR_URL, SONARR_URL, FakeArr, FakeSeerr, json_result
from .helpers import (
    ENTRY_ID,
    FIXTURES,
    JELLYFIN_URL,
    Services,
    get_requests,
    in_memory,
    request_states,
    restart,
    stored_requests,
    tick,
)

EMPTY_PAGE = {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}


def catchup(name: str) -> Any:
    return json.loads((FIXTURES / "catchup" / f"{name}.json").read_text())


class Apis:
    """The catch-up APIs: Seerr's request list and details, Radarr's and Sonarr's history and queue."""

    def __init__(self, mock: aioresponses) -> None:
        self.requests: list[dict[str, Any]] = []
        self.history: dict[str, list[dict[str, Any]]] = {"radarr": [], "sonarr": []}
        self.queue: dict[str, list[dict[str, Any]]] = {"radarr": [], "sonarr": []}
        self.calls: dict[str, int] = {"requests": 0, "details": 0, "radarr": 0, "sonarr": 0}
        self.down: set[str] = set()
        self.refused: set[str] = set()  # apps answering 401, as to a wrong API key
        # Jellyfin has none of the media: the library and stuck checks find nothing, and go on.
        mock.get(re.compile(rf"^{re.escape(JELLYFIN_URL)}/Items\?.*$"), payload=EMPTY_PAGE, repeat=True)
        mock.get(re.compile(rf"^{re.escape(SEERR_URL)}/api/v1/request\?.*$"), callback=self._requests, repeat=True)
        mock.get(f"{SEERR_URL}/api/v1/movie/693134", callback=self._details("movie"), repeat=True)
        mock.get(f"{SEERR_URL}/api/v1/tv/87108", callback=self._details("tv"), repeat=True)
        for app, base in (("radarr", RADARR_URL), ("sonarr", SONARR_URL)):
            api = re.escape(f"{base}/api/v3")
            mock.get(re.compile(rf"^{api}/history/since\?.*$"), callback=self._history(app), repeat=True)
            mock.get(re.compile(rf"^{api}/queue\?.*$"), callback=self._queue(app), repeat=True)

    def _requests(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.calls["requests"] += 1
        if "jellyseerr" in self.down:
            return CallbackResult(status=503)
        page = {"pages": 1, "pageSize": 100, "results": len(self.requests), "page": 1}
        return json_result({"pageInfo": page, "results": self.requests})

    def _details(self, kind: str) -> Any:
        def answer(url: Any, **kwargs: Any) -> CallbackResult:
            self.calls["details"] += 1
            return json_result(catchup(f"seerr_{kind}_details"))

        return answer

    def _history(self, app: str) -> Any:
        def answer(url: Any, **kwargs: Any) -> CallbackResult:
            self.calls[app] += 1
            if app in self.refused:
                return CallbackResult(status=401, body="")
            return json_result(self.history[app])

        return answer

    def _queue(self, app: str) -> Any:
        def answer(url: Any, **kwargs: Any) -> CallbackResult:
            records = self.queue[app]
            return json_result({"page": 1, "pageSize": 200, "totalRecords": len(records), "records": records})

        return answer


@pytest.fixture
def apis(hass: HomeAssistant) -> Generator[Apis]:
    """The services' APIs (and their webhook settings, which setup also writes)."""
    with aioresponses(passthrough=["http://127.0.0.1"]) as mock:
        reachable: set[str] = set()
        FakeSeerr(mock, reachable)
        schema = json.loads((FIXTURES / "api_clients" / "radarr_notification_schema.json").read_text())[1]
        FakeArr(mock, RADARR_URL, "radarr", reachable, schema)
        FakeArr(mock, SONARR_URL, "sonarr", reachable, schema)
        yield Apis(mock)


@pytest.fixture
def connected(entry_data: dict[str, Any]) -> dict[str, Any]:
    """Entry data with Jellyseerr, Radarr and Sonarr connected."""
    return {
        **entry_data,
        CONF_JELLYSEERR: {CONF_URL: SEERR_URL, CONF_API_KEY: "seerr-key-0123"},
        CONF_RADARR: {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123", CONF_IS_4K: False},
        CONF_SONARR: {CONF_URL: SONARR_URL, CONF_API_KEY: "sonarr-key-0123", CONF_IS_4K: False},
    }


async def _start(hass: HomeAssistant, data: dict[str, Any], options: dict[str, Any] | None = None) -> MockConfigEntry:
    await async_process_ha_core_config(hass, {"internal_url": "http://192.168.1.20:8123"})
    entry = MockConfigEntry(domain=DOMAIN, title="Jellyfin", data=data, options=options or {}, entry_id=ENTRY_ID)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_movie_requested_grabbed_and_imported_while_down(
    hass: HomeAssistant, apis: Apis, connected: dict[str, Any]
) -> None:
    """Nothing tracked; Jellyseerr has the open request, Radarr grabbed and imported it: IMPORTING after setup."""
    apis.requests = [catchup("seerr_movie_request")]
    apis.history["radarr"] = catchup("radarr_history")
    await _start(hass, connected)

    (state,) = request_states(hass)
    assert state.state == "importing"
    assert state.attributes["title"] == "Dune: Part Two"
    assert state.attributes["jellyseerr_request_id"] == "16"
    assert state.attributes["download_id"] == "8c212779b4abde7c6bc608063a0d008b7e40ce32"
    assert state.attributes["final_path"].endswith("Dune - Part Two (2024) Remux-2160p.mkv")
    assert state.attributes["poster_url"].startswith("https://image.tmdb.org/t/p/")
    assert apis.calls["details"] == 1
    # The timeline says catch-up did it, not the services whose webhooks were missed.
    (request,) = (await get_requests(hass))["requests"]
    assert [(entry["source"], entry["code"]) for entry in request["timeline"]] == [
        ("catch-up", "approved"),
        ("catch-up", "importing"),
    ]


async def test_tv_per_episode_imports_are_filled_in(
    hass: HomeAssistant,
    apis: Apis,
    connected: dict[str, Any],
    entry_data: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A season tracked from webhooks; its pack was imported while Home Assistant was down: rows filled in."""
    entry = await _start(hass, entry_data)
    services = Services(hass, hass_client_no_auth)
    tv_request = catchup("seerr_tv_request")
    await services.run("jellyseerr/tv_auto_approved")
    (before,) = request_states(hass)
    assert before.state == "approved"

    # Down; Sonarr grabs and imports the pack meanwhile. Back up with the connections.
    assert await hass.config_entries.async_unload(entry.entry_id)
    tv_request["id"] = int(before.attributes["jellyseerr_request_id"])
    apis.requests = [tv_request]
    apis.history["sonarr"] = catchup("sonarr_history_pack")
    hass.config_entries.async_update_entry(entry, data=connected)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    (state,) = request_states(hass)
    assert state.attributes["request_id"] == before.attributes["request_id"]
    rows = {(row["season"], row["episode"]): row for row in state.attributes["episodes"]}
    assert {key: row["state"] for key, row in rows.items() if key[1] <= 4} == {
        (1, 1): "importing",
        (1, 2): "importing",
        (1, 3): "importing",
        (1, 4): "importing",
    }
    assert all(rows[(1, n)]["final_path"] for n in range(1, 5))
    assert state.attributes["title"] == before.attributes["title"]  # the tracked title stands
    assert apis.calls["details"] == 0  # known requests need no details


async def test_catch_up_twice_changes_nothing(hass: HomeAssistant, apis: Apis, connected: dict[str, Any]) -> None:
    """A second catch-up (restart) with the same answers fires no event and stores the same requests."""
    apis.requests = [catchup("seerr_movie_request"), catchup("seerr_tv_request")]
    apis.history["radarr"] = catchup("radarr_history")
    apis.history["sonarr"] = catchup("sonarr_history_pack")
    entry = await _start(hass, connected)
    states = [(state.attributes["request_id"], state.state) for state in request_states(hass)]
    # The pack's four episodes imported; a fifth episode's own grab still waits.
    assert [state for _, state in states] == ["importing", "grabbing"]
    stored = in_memory(entry.runtime_data.hub)

    changed = async_capture_events(hass, EVENT_STATE_CHANGED)
    await restart(hass, entry)
    assert apis.calls["requests"] == 2
    assert changed == []
    assert [(state.attributes["request_id"], state.state) for state in request_states(hass)] == states
    assert in_memory(entry.runtime_data.hub) == stored
    assert await stored_requests(hass, entry.entry_id) == stored


async def test_first_setup_imports_only_open_requests_once(
    hass: HomeAssistant, apis: Apis, connected: dict[str, Any]
) -> None:
    """The library sync: pending/approved requests of media not yet available; never the same one twice."""
    movie = catchup("seerr_movie_request")

    def other(request_id: int, status: Any, tmdb_id: Any, media_status: int = 3) -> dict[str, Any]:
        media = {**movie["media"], "id": request_id, "tmdbId": tmdb_id, "imdbId": None, "status": media_status}
        return {**movie, "id": request_id, "status": status, "media": media}

    declined, done, available = other(30, 3, 1001), other(31, 5, 1002, 5), other(32, 2, 1003, 5)
    pending = other(33, "1", "1004")  # string-typed numbers
    unreadable = [{**movie, "id": 34, "media": None}, {**other(35, 2, 1005), "type": "music"}]
    unreadable[1]["media"]["mediaType"] = "music"
    apis.requests = [movie, declined, done, available, pending, *unreadable]
    entry = await _start(hass, connected)
    assert sorted(state.attributes["jellyseerr_request_id"] for state in request_states(hass)) == ["16", "33"]
    assert {state.state for state in request_states(hass)} == {"approved", "requested"}

    await restart(hass, entry)
    assert len(request_states(hass)) == 2
    assert len(entry.runtime_data.hub.requests) == 2


async def test_stuck_request_triggers_catch_up_at_most_every_15_minutes(
    hass: HomeAssistant,
    apis: Apis,
    connected: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Requests newly flagged stuck start one catch-up, unless the last one ran less than 15 minutes ago."""
    apis.requests = [catchup("seerr_movie_request"), catchup("seerr_tv_request")]
    entry = await _start(hass, connected, {CONF_STUCK_AFTER: 10})
    assert apis.calls["requests"] == 1
    assert len(request_states(hass)) == 2
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)

    await tick(hass, freezer, timedelta(minutes=10))
    assert [event.data["entry_id"] for event in stuck] == [entry.entry_id] * 2
    assert apis.calls["requests"] == 1  # the setup's run was 10 minutes ago

    # Both move, then stop moving again: two requests flagged at once, 20 minutes after the last run.
    await Services(hass, hass_client_no_auth).run("radarr/grab", "sonarr/grab_season_pack")
    await tick(hass, freezer, timedelta(minutes=10))
    assert len(stuck) == 4
    assert apis.calls["requests"] == 2


async def test_service_down_is_logged_once_and_recovers(
    hass: HomeAssistant,
    apis: Apis,
    connected: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    apis.down.add("jellyseerr")
    apis.requests = [catchup("seerr_movie_request")]
    await _start(hass, connected, {CONF_STUCK_AFTER: 16})
    assert request_states(hass) == []
    # A request the catch-up does not know gets stuck every 16 minutes (it moves in between): each time a catch-up.
    services = Services(hass, hass_client_no_auth)
    await services.run("jellyseerr/tv_auto_approved")
    for move in ("sonarr/grab_season_pack", "sonarr/grab_episode"):
        await tick(hass, freezer, timedelta(minutes=16))
        await services.run(move)
    assert apis.calls["requests"] == 3
    assert caplog.text.count("Could not catch up with Jellyseerr") == 1
    assert "seerr-key-0123" not in caplog.text

    apis.down.clear()
    await tick(hass, freezer, timedelta(minutes=16))
    states = {state.attributes["title"]: state.state for state in request_states(hass)}
    assert states["Dune: Part Two"] == "approved"


async def test_refused_api_key_during_catch_up_starts_reauth(
    hass: HomeAssistant, apis: Apis, connected: dict[str, Any]
) -> None:
    """Sonarr refuses its key while catching up: reauth asks for Sonarr's key; Jellyseerr's catch-up still counts."""
    apis.refused.add("sonarr")
    apis.requests = [catchup("seerr_movie_request")]
    entry = await _start(hass, connected)
    assert [state.state for state in request_states(hass)] == ["approved"]
    assert apis.calls["radarr"] == 1
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"auth_failed_sonarr_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"service": "Sonarr"}
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"])
    assert result["step_id"] == "reauth_connection"
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"]["service"] == "Sonarr"
    assert result["description_placeholders"]["url"] == SONARR_URL
