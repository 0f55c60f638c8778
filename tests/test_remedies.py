"""Remedy actions: the exact calls each makes, the requests each refuses, a failing service's translated error."""

from __future__ import annotations

import copy
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import CONF_SONARR, DOMAIN

from .fakes.services import MOVIES_LIBRARY, REMOVE, SCAN, SHOWS_LIBRARY, FakeRemedyApis, remedy_episode as episode
from .helpers import ENTRY_ID, MOVIE_FLOW, Services, get_requests, load_json, start_connected, stored_requests

DUNE = "sensor.media_requests_dune_part_two_2024"
CHERNOBYL = "sensor.media_requests_chernobyl_2019"


def queue(app: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = load_json(f"catchup/{app}_queue.json")["records"]
    return copy.deepcopy(records)


@pytest.fixture
async def remedy_stack(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    entry_data: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
) -> Services:
    await start_connected(hass, entry_data)
    return Services(hass, hass_client_no_auth)


async def act(hass: HomeAssistant, action: str, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, action, data, blocking=True)


async def refusal(hass: HomeAssistant, action: str, **data: Any) -> ServiceValidationError:
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, action, **data)
    return err.value


async def test_search_movie(hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services) -> None:
    """Radarr: the movie is looked up by its TMDB id, then MoviesSearch for its Radarr id."""
    await remedy_stack.run(*MOVIE_FLOW[:2])
    remedy_apis.remedy_calls()
    await act(hass, "search", entity_id=DUNE)
    assert remedy_apis.remedy_calls() == [
        ("GET", "/api/v3/movie", {"tmdbId": "693134"}, None),
        ("POST", "/api/v3/command", {}, {"name": "MoviesSearch", "movieIds": [42]}),
    ]


async def test_search_tv_missing_episodes_of_requested_seasons(
    hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services
) -> None:
    """Sonarr: EpisodeSearch for the requested season's episodes that aired, are monitored and have no file."""
    await remedy_stack.run("jellyseerr/tv_auto_approved")
    remedy_apis.episodes = [
        episode(1201, 1, 1),
        episode(1202, 1, 2, hasFile=True, episodeFileId=88),
        episode(1203, 1, 3, monitored=False),
        episode(1204, 1, 4),
        episode(1205, 1, 5, airDateUtc="2099-01-01T01:00:00Z"),
        episode(1206, 1, 6, airDateUtc=None),
        episode(1301, 2, 1),  # season 2 was not requested
        episode(1001, 0, 1),  # nor the specials
    ]
    remedy_apis.remedy_calls()
    await act(hass, "search", entity_id=CHERNOBYL)
    assert remedy_apis.remedy_calls() == [
        ("GET", "/api/v3/series", {"tvdbId": "360893"}, None),
        ("GET", "/api/v3/episode", {"seriesId": "12"}, None),
        ("POST", "/api/v3/command", {}, {"name": "EpisodeSearch", "episodeIds": [1201, 1204]}),
    ]
    remedy_apis.episodes = [episode(1201, 1, 1, hasFile=True)]
    err = await refusal(hass, "search", entity_id=CHERNOBYL)
    assert err.translation_key == "nothing_missing"
    assert str(err) == (
        "Sonarr has no missing episode of Chernobyl to search for (every requested episode that has aired has a "
        "file or is not monitored)"
    )


async def test_replace_movie_download(hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services) -> None:
    """The movie's queue record is removed from the client and blocklisted, then the movie is searched again."""
    await remedy_stack.run(*MOVIE_FLOW[:2])
    remedy_apis.queue["radarr"] = queue("radarr")
    remedy_apis.remedy_calls()
    await act(hass, "replace_download", request_id="16")  # Jellyseerr's request id works too
    assert remedy_apis.remedy_calls() == [
        ("GET", "/api/v3/movie", {"tmdbId": "693134"}, None),
        ("DELETE", "/api/v3/queue/1532790871", REMOVE, None),
        ("POST", "/api/v3/command", {}, {"name": "MoviesSearch", "movieIds": [42]}),
    ]
    assert [record.get("movieId") for record in remedy_apis.queue["radarr"]] == [43, None]  # the others stay


async def test_replace_tv_download_removes_the_troubled_pack_once(
    hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services
) -> None:
    """A season pack blocked at import is one download (one DELETE for its 4 records); the healthy E05 stays."""
    await remedy_stack.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    remedy_apis.queue["sonarr"] = queue("sonarr")
    for record in remedy_apis.queue["sonarr"][:4]:
        record.update(status="completed", trackedDownloadState="importBlocked", trackedDownloadStatus="warning")
    remedy_apis.episodes = [episode(1200 + n, 1, n) for n in range(1, 6)]
    remedy_apis.remedy_calls()
    await act(hass, "replace_download", entity_id=CHERNOBYL)
    assert remedy_apis.remedy_calls() == [
        ("GET", "/api/v3/series", {"tvdbId": "360893"}, None),
        ("DELETE", "/api/v3/queue/880001", REMOVE, None),
        ("GET", "/api/v3/episode", {"seriesId": "12"}, None),
        ("POST", "/api/v3/command", {}, {"name": "EpisodeSearch", "episodeIds": [1201, 1202, 1203, 1204, 1205]}),
    ]
    assert [record["id"] for record in remedy_apis.queue["sonarr"]] == [880005]


async def test_replace_download_without_one(
    hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services
) -> None:
    """Nothing of the request in the queue: refused, nothing removed."""
    await remedy_stack.run(*MOVIE_FLOW[:2])
    remedy_apis.queue["radarr"] = [record for record in queue("radarr") if record.get("movieId") != 42]
    err = await refusal(hass, "replace_download", entity_id=DUNE)
    assert err.translation_key == "no_download"
    assert str(err) == "Radarr has no download of Dune: Part Two in its queue"
    assert not [call for call in remedy_apis.remedy_calls() if call[0] == "DELETE"]


@pytest.mark.parametrize(("action", "status"), [("approve", 2), ("decline", 3)])
async def test_approve_and_decline_a_pending_request(
    hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services, action: str, status: int
) -> None:
    """A pending request is answered through Seerr: POST request/{id}/approve|decline, no body."""
    await remedy_stack.run("jellyseerr/movie_pending")
    remedy_apis.seerr_requests[16] = {"id": 16, "status": 1, "type": "movie", "is4k": False}
    await act(hass, action, entity_id=DUNE)
    assert remedy_apis.remedy_calls() == [("POST", f"/api/v1/request/16/{action}", {}, None)]
    assert remedy_apis.seerr_requests[16]["status"] == status


async def test_approve_refused_unless_pending(
    hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services
) -> None:
    """An approved request is not waiting for an answer: refused before Seerr is asked."""
    await remedy_stack.run(*MOVIE_FLOW[:2])
    for action in ("approve", "decline"):
        err = await refusal(hass, action, entity_id=DUNE)
        assert err.translation_key == "not_pending"
        assert str(err) == "Dune: Part Two is not waiting for approval (it is grabbing)"
    assert remedy_apis.remedy_calls() == []


async def test_rescan_library_holding_the_file(
    hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services
) -> None:
    """The library whose folder holds the imported file is scanned (POST /Items/{library}/Refresh)."""
    await remedy_stack.run(*MOVIE_FLOW[:3])
    remedy_apis.libraries = [SHOWS_LIBRARY, MOVIES_LIBRARY]
    await act(hass, "rescan_library", entity_id=DUNE)
    assert remedy_apis.remedy_calls() == [
        ("GET", "/Library/VirtualFolders", {}, None),
        ("POST", f"/Items/{MOVIES_LIBRARY['ItemId']}/Refresh", SCAN, None),
    ]


async def test_rescan_library_other_mount_point(
    hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services
) -> None:
    """Jellyfin mounts the files elsewhere: its only Movies library is scanned; with two, the action refuses."""
    await remedy_stack.run(*MOVIE_FLOW[:3])
    elsewhere = {**MOVIES_LIBRARY, "Locations": ["/mnt/films"]}
    remedy_apis.libraries = [SHOWS_LIBRARY, elsewhere]
    await act(hass, "rescan_library", entity_id=DUNE)
    assert remedy_apis.remedy_calls()[-1] == ("POST", f"/Items/{MOVIES_LIBRARY['ItemId']}/Refresh", SCAN, None)
    remedy_apis.libraries = [
        elsewhere,
        {**elsewhere, "Name": "4K Movies", "ItemId": "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"},
    ]
    err = await refusal(hass, "rescan_library", entity_id=DUNE)
    assert err.translation_key == "no_library"
    assert err.translation_placeholders == {
        "title": "Dune: Part Two",
        "path": "/data/media/movies/Dune - Part Two (2024)/Dune - Part Two (2024) Remux-2160p.mkv",
    }


async def test_refused_states(hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services) -> None:
    """Each remedy where it makes no sense: a translated refusal, and no call to the service."""
    await remedy_stack.run("jellyseerr/movie_pending")
    for action in ("search", "replace_download"):
        err = await refusal(hass, action, entity_id=DUNE)
        assert (err.translation_key, str(err)) == (
            "not_approved",
            "Dune: Part Two is not approved yet: approve it first",
        )
    assert (await refusal(hass, "rescan_library", entity_id=DUNE)).translation_key == "not_imported"
    await remedy_stack.run(*MOVIE_FLOW)
    state = hass.states.get(DUNE)
    assert state is not None
    assert state.state == "available"
    for action in ("search", "replace_download"):
        assert (await refusal(hass, action, entity_id=DUNE)).translation_key == "already_available"
    assert remedy_apis.remedy_calls() == []
    err = await refusal(hass, "search", request_id="nope")
    assert (err.translation_key, str(err)) == ("unknown_request", "There is no tracked media request with id nope")
    assert (await refusal(hass, "search", entity_id="sensor.does_not_exist")).translation_key == "not_a_request"
    with pytest.raises(Exception, match="entity_id"):
        await act(hass, "search")


async def test_media_not_in_radarr(hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services) -> None:
    """Radarr does not have the movie (it was deleted there): refused after the lookup."""
    await remedy_stack.run(*MOVIE_FLOW[:2])
    remedy_apis.movies.clear()
    err = await refusal(hass, "search", entity_id=DUNE)
    assert (err.translation_key, str(err)) == ("not_in_service", "Radarr does not have Dune: Part Two")


async def test_missing_connections(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    entry_data: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Without Radarr (search) or Jellyseerr (approve) the action names the connection it needs."""
    await start_connected(hass, entry_data, CONF_SONARR)
    await Services(hass, hass_client_no_auth).run("jellyseerr/movie_pending")
    err = await refusal(hass, "approve", entity_id=DUNE)
    assert (err.translation_key, err.translation_placeholders) == ("missing_connection", {"service": "Jellyseerr"})
    await Services(hass, hass_client_no_auth).run(*MOVIE_FLOW[:2])
    err = await refusal(hass, "search", entity_id=DUNE)
    assert str(err) == "This needs the Radarr connection: add it in the integration's configuration"
    assert remedy_apis.remedy_calls() == []


@pytest.mark.parametrize(
    ("action", "fixtures", "down", "service"),
    [
        ("search", MOVIE_FLOW[:2], "radarr", "Radarr"),
        ("approve", ("jellyseerr/movie_pending",), "jellyseerr", "Jellyseerr"),
        ("rescan_library", MOVIE_FLOW[:3], "jellyfin", "Jellyfin"),
    ],
)
async def test_failing_service(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    remedy_stack: Services,
    action: str,
    fixtures: tuple[str, ...],
    down: str,
    service: str,
) -> None:
    """The service answers 503: a translated error naming it."""
    await remedy_stack.run(*fixtures)
    remedy_apis.down.add(down)
    with pytest.raises(HomeAssistantError) as err:
        await act(hass, action, entity_id=DUNE)
    assert err.value.translation_key == "remedy_failed"
    assert err.value.translation_placeholders == {"service": service, "error": "HTTP 503"}
    assert str(err.value) == f"{service} did not do it: HTTP 503"


async def test_seerr_does_not_know_the_request(
    hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services
) -> None:
    """Seerr answers 404 "Request not found." (deleted there): the error carries Seerr's words."""
    await remedy_stack.run("jellyseerr/movie_pending")
    with pytest.raises(HomeAssistantError) as err:
        await act(hass, "decline", entity_id=DUNE)
    assert err.value.translation_placeholders == {
        "service": "Jellyseerr",
        "error": "request/16/decline: HTTP 404: Request not found.",
    }


async def test_remedy_is_noted_with_who_asked(
    hass: HomeAssistant, remedy_apis: FakeRemedyApis, remedy_stack: Services, hass_admin_user: MockUser
) -> None:
    """After the service answered, the request's timeline gets the remedy, by user or automation."""
    await remedy_stack.run(*MOVIE_FLOW[:2])
    state = hass.states.get(DUNE)
    assert state is not None
    request_id = state.attributes["request_id"]
    await hass.services.async_call(
        DOMAIN, "search", {"entity_id": DUNE}, blocking=True, context=Context(user_id=hass_admin_user.id)
    )
    await act(hass, "search", request_id=request_id, entry_id=ENTRY_ID)
    remedy_apis.down.add("radarr")
    with pytest.raises(HomeAssistantError):
        await act(hass, "search", entity_id=DUNE)
    (request,) = (await get_requests(hass, entity_id=DUNE))["requests"]
    remedies = [entry for entry in request["timeline"] if entry["kind"] == "remedy"]
    assert [(entry["source"], entry["message"], entry["code"]) for entry in remedies] == [
        (f"user:{hass_admin_user.name}", "Radarr searches for the movie", "search"),
        ("automation", "Radarr searches for the movie", "search"),
    ]
    # On disk when the action returned, as a webhook's change is.
    (stored,) = await stored_requests(hass)
    assert [entry["code"] for entry in stored["timeline"] if entry["kind"] == "remedy"] == ["search", "search"]
