"""Anime flows with Shoko: the live feed (a local SignalR server speaking the real protocol) and the REST fallback."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from aioresponses import aioresponses
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.status_tracker.const import CONF_SHOKO

from .fakes.shoko import ShokoTestServer
from .helpers import ITEMS, Services, items_page, only_state, wait_until

SHOKO_KEY = "shoko-live-key-123"
SUZUME_ITEM = {"Name": "Suzume", "Id": "5a1e2b3c4d5e6f708192a3b4c5d6e7f8", "Type": "Movie",
               "ProviderIds": {"Tmdb": "916224", "AniDB": "17101"}, "LocationType": "FileSystem"}  # fmt: skip
FRIEREN_SERIES = {"Name": "Frieren: Beyond Journey's End", "Id": "9c8b7a6d5e4f43219876fedcba012345",
                  "Type": "Series", "ProviderIds": {"Tmdb": "209867", "AniDB": "17617"}}  # fmt: skip
E01 = "Frieren - Beyond Journey's End - S01E01 - The Journey's End [WEBDL-1080p].mkv"


def frieren_episode(number: int) -> dict[str, Any]:
    """A Shokofin episode item: no TVDB id, numbers from the Jellyfin season."""
    return {"Name": f"Episode {number}", "Id": f"ep{number:030d}", "Type": "Episode", "ParentIndexNumber": 1,
            "IndexNumber": number, "SeriesId": FRIEREN_SERIES["Id"], "LocationType": "FileSystem",
            "ProviderIds": {"AniDB": str(271255 + number)}}  # fmt: skip


def file_matched(relative_path: str, file_id: int) -> dict[str, Any]:
    """ShokoEvent:FileMatched's argument as Shoko v5 sends it (PascalCase, Windows separators possible)."""
    return {"FileID": file_id, "FileLocationID": file_id + 16, "ImportFolderID": 2, "RelativePath": relative_path,
            "CrossReferences": [{"EpisodeID": 5567, "AnidbEpisodeID": 271256, "SeriesID": 310,
                                 "AnidbAnimeID": 17617, "GroupID": 290}]}  # fmt: skip


@pytest.fixture
async def shoko(socket_enabled: None) -> AsyncGenerator[ShokoTestServer]:
    """A Shoko stand-in on 127.0.0.1 that requires the API key."""
    server = ShokoTestServer(api_key=SHOKO_KEY)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def entry_data(entry_data: dict[str, Any], shoko: ShokoTestServer) -> dict[str, Any]:
    """An entry with Shoko configured."""
    return {**entry_data, CONF_SHOKO: {CONF_URL: shoko.url, CONF_API_KEY: SHOKO_KEY}}


async def wait_for_state(hass: HomeAssistant, wanted: str) -> None:
    """Wait until the request sensor is in `wanted`."""
    await wait_until(lambda: only_state(hass).state == wanted)


async def check_library_now(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Run the library check for every waiting request now (the backoff timing is tested elsewhere)."""
    library = entry.runtime_data.library
    for request_id in entry.runtime_data.hub.awaiting_library():
        library.check_soon(request_id)
    await library.async_poll()
    await hass.async_block_till_done()
    assert library.last_poll_ok


async def test_anime_movie_live_match_then_jellyfin(
    hass: HomeAssistant, services: Services, shoko: ShokoTestServer, http: aioresponses
) -> None:
    """Acceptance 6: FileMatched from the live feed -> immediate Jellyfin check -> AVAILABLE."""
    await shoko.wait_handshakes(1, within=5)
    await services.run("jellyseerr/anime_movie_auto_approved", "radarr/anime_grab", "radarr/anime_download")
    assert only_state(hass).state == "anime_matching"
    http.get(ITEMS, payload=items_page(SUZUME_ITEM), repeat=True)
    # Shoko sees its own mount root and, on Windows, backslashes.
    await shoko.send("ShokoEvent:FileMatched", file_matched("Suzume (2022)\\Suzume (2022) Bluray-1080p.mkv", 4242))
    await wait_for_state(hass, "available")
    state = only_state(hass)
    assert state.attributes.get("anime_matched_at") is not None
    assert any("/Items" in str(url) for _, url in http.requests)


async def test_anime_tv_live_matches_per_episode(
    hass: HomeAssistant, services: Services, shoko: ShokoTestServer, http: aioresponses
) -> None:
    """Acceptance 6 (TV): each matched episode is checked in Jellyfin; AVAILABLE once every one is there."""
    await shoko.wait_handshakes(1, within=5)
    await services.run(
        "jellyseerr/anime_tv_auto_approved",
        "sonarr/anime_grab_e01",
        "sonarr/anime_grab_e02",
        "sonarr/anime_download_e01",
        "sonarr/anime_import_complete_e02",
    )
    assert only_state(hass).state == "anime_matching"
    http.get(ITEMS, payload=items_page(FRIEREN_SERIES))
    http.get(ITEMS, payload=items_page(frieren_episode(1)))
    await shoko.send("ShokoEvent:FileMatched", file_matched(f"Frieren - Beyond Journey's End/Season 01/{E01}", 1))
    await wait_until(lambda: only_state(hass).attributes["state_text"] == "1 available, 1 matching")
    assert only_state(hass).state == "anime_matching"

    http.get(ITEMS, payload=items_page(FRIEREN_SERIES))
    http.get(ITEMS, payload=items_page(frieren_episode(1), frieren_episode(2)))
    e02 = E01.replace("S01E01 - The Journey's End", "S01E02 - It Didn't Have to Be Magic...")
    await shoko.send("ShokoEvent:FileMatched", file_matched(f"Frieren - Beyond Journey's End/Season 01/{e02}", 2))
    await wait_for_state(hass, "available")


async def test_old_radarr_anime_movie_matched_by_the_library_path_tail(
    hass: HomeAssistant, services: Services, shoko: ShokoTestServer, http: aioresponses
) -> None:
    """Radarr < 5.10.1 names the download folder's file in movieFile.path; Shoko sees the renamed library file, and
    still matches it by its path tail.
    """
    await shoko.wait_handshakes(1, within=5)
    await services.run(
        "jellyseerr/anime_movie_auto_approved", "radarr/anime_grab", "radarr/anime_download_before_5_10_1"
    )
    assert only_state(hass).state == "anime_matching"
    http.get(ITEMS, payload=items_page(SUZUME_ITEM), repeat=True)
    await shoko.send("ShokoEvent:FileMatched", file_matched("Suzume (2022)\\Suzume (2022) Bluray-1080p.mkv", 4243))
    await wait_until(lambda: only_state(hass).attributes.get("anime_matched_at") is not None)
    await wait_for_state(hass, "available")
    state = only_state(hass)
    assert state.attributes["final_path"] == "/data/media/anime-movies/Suzume (2022)/Suzume (2022) Bluray-1080p.mkv"


async def test_old_sonarr_import_complete_episode_matched_by_the_library_path_tail(
    hass: HomeAssistant, services: Services, shoko: ShokoTestServer, http: aioresponses
) -> None:
    """Sonarr < 4.0.9 names the download folder's file in episodeFiles[].path: Shoko's match of the library file
    (Season folder + renamed file) still reaches the episode.
    """
    await shoko.wait_handshakes(1, within=5)
    await services.run(
        "jellyseerr/anime_tv_auto_approved",
        "sonarr/anime_grab_e02",
        "sonarr/anime_import_complete_e02_before_4_0_9",
    )
    assert only_state(hass).state == "anime_matching"
    http.get(ITEMS, payload=items_page(FRIEREN_SERIES))
    http.get(ITEMS, payload=items_page(frieren_episode(2)))
    e02 = E01.replace("S01E01 - The Journey's End", "S01E02 - It Didn't Have to Be Magic...")
    await shoko.send("ShokoEvent:FileMatched", file_matched(f"Frieren - Beyond Journey's End/Season 01/{e02}", 4244))
    await wait_for_state(hass, "available")
    (row,) = only_state(hass).attributes["episodes"]
    assert row["final_path"] == f"/data/media/anime/Frieren - Beyond Journey's End/Season 01/{e02}"


async def test_anime_movie_never_matched_found_by_fallback(
    hass: HomeAssistant,
    services: Services,
    shoko: ShokoTestServer,
    http: aioresponses,
    init_integration: MockConfigEntry,
) -> None:
    """Acceptance 6: Shoko never matches (wrong AniDB id); the Jellyfin check still finds it -> AVAILABLE."""
    await services.run("jellyseerr/anime_movie_auto_approved", "radarr/anime_grab", "radarr/anime_download")
    assert only_state(hass).state == "anime_matching"
    http.get(ITEMS, payload=items_page(SUZUME_ITEM), repeat=True)
    await check_library_now(hass, init_integration)
    state = only_state(hass)
    assert state.state == "available"
    assert state.attributes.get("anime_matched_at") is None
    # Shoko was asked over REST for the file (by its path tail, with the API key), and had nothing.
    lookups = [seen for seen in shoko.requests if seen.path.endswith("PathEndsWith")]
    assert lookups
    assert lookups[0].query["path"] == "Suzume (2022)/Suzume (2022) Bluray-1080p.mkv"


async def test_shoko_rest_match_before_jellyfin(
    hass: HomeAssistant,
    services: Services,
    shoko: ShokoTestServer,
    http: aioresponses,
    init_integration: MockConfigEntry,
) -> None:
    """A match made while the feed was not connected is found over REST at the next check."""
    shoko.files.append(
        {
            "ID": 4242, "Size": 1468006400, "IsVariation": False, "IsIgnored": False,
            "Hashes": {"ED2K": "0123456789ABCDEF0123456789ABCDEF"},
            "SeriesIDs": [{"SeriesID": {"ID": 311, "AniDB": 17101, "TMDB": {"Movie": [916224], "Show": []}},
                           "EpisodeIDs": [{"ID": 9001, "AniDB": 280000, "TMDB": {"Episode": [], "Movie": [916224],
                                           "Show": []}}]}],
            "Locations": [{"ID": 4250, "FileID": 4242, "ImportFolderID": 2,
                           "RelativePath": "Suzume (2022)/Suzume (2022) Bluray-1080p.mkv", "IsAccessible": True}],
        }
    )  # fmt: skip
    await services.run("jellyseerr/anime_movie_auto_approved", "radarr/anime_grab", "radarr/anime_download")
    http.get(ITEMS, payload=items_page())
    http.get(ITEMS, payload=items_page())
    await check_library_now(hass, init_integration)
    state = only_state(hass)
    assert state.state == "anime_matching"
    assert state.attributes.get("anime_matched_at") is not None


@pytest.mark.parametrize("status", [500, 401])
async def test_shoko_rest_failure_does_not_block_jellyfin(
    hass: HomeAssistant,
    services: Services,
    shoko: ShokoTestServer,
    http: aioresponses,
    init_integration: MockConfigEntry,
    status: int,
) -> None:
    """Shoko failing its lookup: a 500 still lets Jellyfin confirm; a 401 starts reauth and keeps the state."""
    await services.run("jellyseerr/anime_movie_auto_approved", "radarr/anime_grab", "radarr/anime_download")
    shoko.rest_status = status
    http.get(ITEMS, payload=items_page(SUZUME_ITEM), repeat=True)
    library = init_integration.runtime_data.library
    for request_id in init_integration.runtime_data.hub.awaiting_library():
        library.check_soon(request_id)
    await library.async_poll()
    await hass.async_block_till_done()
    if status == 500:
        assert library.last_poll_ok
        assert only_state(hass).state == "available"
    else:
        assert not library.last_poll_ok
        assert only_state(hass).state == "anime_matching"
        flows = hass.config_entries.flow.async_progress_by_handler("status_tracker")
        assert [flow["context"]["source"] for flow in flows] == ["reauth"]
