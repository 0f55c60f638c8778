"""The four flows end to end through Home Assistant's real webhook endpoints: entity states, attributes, events.

Payloads are the recorded fixtures under tests/fixtures, posted as the services post them.
"""

from __future__ import annotations

from http import HTTPStatus
import json
from typing import Any

from homeassistant.const import ATTR_ENTITY_PICTURE, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import DOMAIN, EVENT_ALREADY_AVAILABLE, EVENT_STATE_CHANGED

from .helpers import (
    ANIME_MOVIE_FLOW,
    ANIME_TV_FLOW,
    DUNE_HASH,
    DUNE_POSTER,
    MOVIE_FLOW,
    TV_FLOW,
    WEBHOOK_IDS,
    Services,
    in_memory,
    load_fixture,
    load_json,
    only_state,
    request_states,
    stable,
    stored_requests,
)

DUNE_PATH = "/data/media/movies/Dune - Part Two (2024)/Dune - Part Two (2024) Remux-2160p.mkv"


async def test_regular_movie(hass: HomeAssistant, services: Services) -> None:
    """Acceptance 1: APPROVED -> GRABBING -> IMPORTING -> AVAILABLE, checked after every step."""
    events = async_capture_events(hass, EVENT_STATE_CHANGED)

    await services.run("jellyseerr/movie_auto_approved")
    state = only_state(hass)
    assert state.entity_id == "sensor.media_requests_dune_part_two_2024"
    assert state.state == "approved"
    assert state.attributes["title"] == "Dune: Part Two"
    assert state.attributes["year"] == "2024"
    assert state.attributes["poster_url"] == DUNE_POSTER
    assert state.attributes[ATTR_ENTITY_PICTURE] == DUNE_POSTER
    assert state.attributes["requested_by"] == "Alice"
    assert state.attributes["media_type"] == "movie"
    assert state.attributes["tmdb_id"] == "693134"
    assert state.attributes["jellyseerr_request_id"] == "16"
    # Nothing that has no value or applies only to series: the dialog would show "Unknown" rows.
    assert not {"is_anime", "is_4k", "episodes", "requested_seasons", "state_text", "tvdb_id", "reason"} & set(
        state.attributes
    )
    assert state.attributes["device_class"] == "enum"
    assert state.attributes["options"] == [
        "requested", "approved", "grabbing", "downloading", "downloaded",
        "importing", "anime_matching", "available", "failed",
    ]  # fmt: skip

    await services.run("radarr/grab")
    state = only_state(hass)
    assert state.state == "grabbing"
    assert state.attributes["download_id"] == DUNE_HASH
    assert state.attributes["quality"] == "Bluray-2160p"
    assert state.attributes["imdb_id"] == "tt15239678"

    await services.run("radarr/download")
    state = only_state(hass)
    assert state.state == "importing"
    assert state.attributes["final_path"] == DUNE_PATH
    assert state.attributes.get("available_at") is None

    await services.run("jellyfin/movie_item_added")
    state = only_state(hass)
    assert state.state == "available"
    assert state.attributes.get("available_at") is not None

    assert [(e.data["old_state"], e.data["new_state"]) for e in events] == [
        (None, "approved"),
        ("approved", "grabbing"),
        ("grabbing", "importing"),
        ("importing", "available"),
    ]
    last = events[-1].data
    assert last["entity_id"] == state.entity_id
    assert last["title"] == "Dune: Part Two"
    assert last["media_type"] == "movie"
    assert last["is_anime"] is False
    assert last["request_id"] == state.attributes["request_id"]
    assert events[0].data["entity_id"] == state.entity_id  # even the event of the creating webhook names it


async def test_regular_tv_one_season(hass: HomeAssistant, services: Services) -> None:
    """Acceptance 2: grabs create episode rows, imports move them one by one, AVAILABLE only at the end."""
    await services.run("jellyseerr/tv_auto_approved")
    state = only_state(hass)
    assert state.state == "approved"
    assert state.attributes["requested_seasons"] == "1"
    assert "episodes" not in state.attributes

    await services.run("sonarr/grab_season_pack")
    state = only_state(hass)
    assert state.state == "grabbing"
    assert [(row["season"], row["episode"]) for row in state.attributes["episodes"]] == [(1, n) for n in range(1, 5)]

    await services.run("sonarr/grab_episode")
    state = only_state(hass)
    assert len(state.attributes["episodes"]) == 5
    assert {row["state"] for row in state.attributes["episodes"]} == {"grabbing"}
    assert state.attributes["grabbed_text"] == "Grabbed 5 eps"

    await services.run("sonarr/download_pack_file_e01")
    state = only_state(hass)
    assert state.state == "grabbing"
    assert state.attributes["state_text"] == "1 importing, 4 queued"
    await services.run("sonarr/download_pack_file_e02", "sonarr/download_episode")
    assert only_state(hass).attributes["state_text"] == "3 importing, 2 queued"

    await services.run("sonarr/import_complete_pack")
    state = only_state(hass)
    assert state.state == "importing"
    assert state.attributes["state_text"] == "5 importing"
    assert all(row["final_path"] for row in state.attributes["episodes"])

    await services.run("jellyfin/tv_series_item_added")
    for number in range(1, 5):
        await services.run(f"jellyfin/tv_episode_s01e{number:02d}_item_added")
        assert only_state(hass).state == "importing"
    assert only_state(hass).attributes["state_text"] == "4 available, 1 importing"
    await services.run("jellyfin/tv_episode_s01e05_item_added")
    state = only_state(hass)
    assert state.state == "available"
    assert state.attributes["state_text"] == "5 available"


async def test_anime_movie(hass: HomeAssistant, services: Services) -> None:
    """Acceptance 3: an anime-tagged movie goes to ANIME_MATCHING on import, AVAILABLE on Jellyfin."""
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    await services.run(*ANIME_MOVIE_FLOW[:2])
    state = only_state(hass)
    assert state.state == "grabbing"
    assert state.attributes["is_anime"] is True
    await services.run(ANIME_MOVIE_FLOW[2])
    assert only_state(hass).state == "anime_matching"
    await services.run(ANIME_MOVIE_FLOW[3])
    assert only_state(hass).state == "available"
    assert [e.data["new_state"] for e in events] == ["approved", "grabbing", "anime_matching", "available"]
    assert all(e.data["is_anime"] for e in events[1:])


async def test_anime_tv(hass: HomeAssistant, services: Services) -> None:
    """Acceptance 4: anime episodes go to ANIME_MATCHING one by one."""
    await services.run(*ANIME_TV_FLOW[:4])
    state = only_state(hass)
    assert state.attributes["is_anime"] is True
    rows = {row["episode"]: row["state"] for row in state.attributes["episodes"]}
    assert rows == {1: "anime_matching", 2: "grabbing"}
    assert state.state == "grabbing"
    await services.run(ANIME_TV_FLOW[4])
    assert only_state(hass).state == "anime_matching"
    await services.run(*ANIME_TV_FLOW[5:7])
    assert only_state(hass).state == "anime_matching"
    await services.run(ANIME_TV_FLOW[7])
    assert only_state(hass).state == "available"


async def test_pending_then_approved(hass: HomeAssistant, services: Services) -> None:
    """Acceptance 5: MEDIA_PENDING -> REQUESTED, then MEDIA_APPROVED -> APPROVED."""
    await services.run("jellyseerr/movie_pending")
    assert only_state(hass).state == "requested"
    await services.run("jellyseerr/movie_approved")
    assert only_state(hass).state == "approved"


async def test_rerequest_of_available_media(hass: HomeAssistant, services: Services) -> None:
    """Acceptance 6a: re-requesting available media keeps the request, flags it, fires an event."""
    await services.run(*MOVIE_FLOW)
    notices = async_capture_events(hass, EVENT_ALREADY_AVAILABLE)
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    await services.run("jellyseerr/movie_rerequest_auto_approved")
    state = only_state(hass)
    assert state.state == "available"
    assert state.attributes["already_available"] is True
    assert len(notices) == 1
    assert notices[0].data["entity_id"] == state.entity_id
    assert notices[0].data["title"] == "Dune: Part Two"
    assert changes == []


async def test_rerequest_in_progress(hass: HomeAssistant, services: Services) -> None:
    """Acceptance 6b: re-requesting media in progress returns the same entity."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    before = only_state(hass)
    await services.run("jellyseerr/movie_rerequest_auto_approved")
    after = only_state(hass)
    assert after.entity_id == before.entity_id
    assert after.state == "grabbing"
    assert "already_available" not in after.attributes


async def test_grab_updates_only_the_new_request(hass: HomeAssistant, services: Services) -> None:
    """Acceptance 7: once the old movie is removed, a new request takes every later webhook."""
    await services.run(*MOVIE_FLOW, "radarr/movie_delete", "jellyseerr/movie_rerequest_auto_approved")
    old, new = request_states(hass)
    assert old.state == "available"
    assert new.state == "approved"
    assert new.attributes["requested_by"] == "Bob"
    await services.run("radarr/grab")
    old_after, new_after = request_states(hass)
    assert stable(old_after) == stable(old)
    assert new_after.state == "grabbing"


async def _final_states(services: Services, hass: HomeAssistant, fixtures: tuple[str, ...]) -> list[Any]:
    await services.run(*fixtures)
    return [stable(state) for state in request_states(hass)]


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("radarr/grab", *MOVIE_FLOW), id="grab-before-jellyseerr"),
        pytest.param((*MOVIE_FLOW[:3], "radarr/download", MOVIE_FLOW[3]), id="download-twice"),
        pytest.param((*MOVIE_FLOW[:2], MOVIE_FLOW[3], MOVIE_FLOW[2]), id="jellyfin-before-download"),
        pytest.param(tuple(f for f in MOVIE_FLOW for _ in range(2)), id="everything-twice"),
    ],
)
async def test_reordered_movie_events_end_the_same(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    order: tuple[str, ...],
) -> None:
    """Acceptance 8: reordered and repeated events end in the same state as in order."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    services = Services(hass, hass_client_no_auth)
    reordered = await _final_states(services, hass, order)

    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    fresh = MockConfigEntry(domain=DOMAIN, title=mock_config_entry.title, data=mock_config_entry.data)
    fresh.add_to_hass(hass)
    assert await hass.config_entries.async_setup(fresh.entry_id)
    in_order = await _final_states(services, hass, MOVIE_FLOW)

    assert reordered == in_order
    assert in_order[0][0] == "available"


@pytest.mark.parametrize(
    ("flow", "final"),
    [
        pytest.param(MOVIE_FLOW, "available", id="movie"),
        pytest.param(TV_FLOW, "available", id="tv"),
        pytest.param(ANIME_MOVIE_FLOW, "available", id="anime-movie"),
        pytest.param(ANIME_TV_FLOW[:5], "anime_matching", id="anime-tv"),
    ],
)
async def test_restart_between_every_step(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    flow: tuple[str, ...],
    final: str,
) -> None:
    """Acceptance 9: unloading (store written) and setting up again after each step changes nothing."""
    services = Services(hass, hass_client_no_auth)
    for fixture in flow:
        await services.run(fixture)
        before = [stable(state) for state in request_states(hass)]
        entity_ids = [state.entity_id for state in request_states(hass)]
        held = in_memory(init_integration.runtime_data.hub)
        # Every webhook was answered once on disk: what it did is there before any unload.
        assert await stored_requests(hass) == held
        assert await hass.config_entries.async_unload(init_integration.entry_id)
        await hass.async_block_till_done()
        assert all(hass.states.get(entity_id).state == STATE_UNAVAILABLE for entity_id in entity_ids)
        # Nothing lost: the file holds every request exactly as it was in memory; nothing duplicated either.
        stored = await stored_requests(hass)
        assert stored == held
        assert len({item["request_id"] for item in stored}) == len(stored) == len(before)
        for item in stored:
            rows = [(row["season"], row["episode"]) for row in item.get("episodes", ())]
            assert len(set(rows)) == len(rows)
        assert await hass.config_entries.async_setup(init_integration.entry_id)
        await hass.async_block_till_done()
        assert in_memory(init_integration.runtime_data.hub) == stored
        assert [stable(state) for state in request_states(hass)] == before
        assert [state.entity_id for state in request_states(hass)] == entity_ids
    assert only_state(hass).state == final


async def test_unknown_shapes_and_test_events_change_nothing(hass: HomeAssistant, services: Services) -> None:
    """Acceptance 10a: JSON of an unknown shape, or a Test event, answers 200 and creates nothing."""
    for fixture, payload in [
        ("radarr/test", None),
        ("sonarr/test", None),
        ("jellyseerr/test_notification", None),
        ("radarr/health", None),
        ("radarr/x", {"hello": "world"}),
        ("sonarr/x", [1, 2, 3]),
        ("jellyseerr/x", "just a string"),
        ("jellyfin/x", None),
    ]:
        status, answer = await services.post(fixture, payload, raw="null" if fixture == "jellyfin/x" else None)
        assert status == HTTPStatus.OK, (fixture, answer)
        assert answer["message"].startswith("ignored"), (fixture, answer)
    assert request_states(hass) == []


async def test_bad_input_never_changes_state(
    hass: HomeAssistant, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """Acceptance 10b: non-JSON gets 400; a payload missing a needed field gets 422 and a log naming it."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    before = stable(only_state(hass))

    status, answer = await services.post("radarr/grab", raw="{not json")
    assert status == HTTPStatus.BAD_REQUEST

    broken = load_json("radarr/download.json")
    del broken["movie"]["tmdbId"]
    del broken["remoteMovie"]
    del broken["movie"]["imdbId"]
    status, answer = await services.post("radarr/download", broken)
    assert status == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "movie.tmdbId" in answer["message"]
    assert "movie.tmdbId" in caplog.text

    broken_grab = load_json("sonarr/grab_episode.json")
    broken_grab["episodes"][0]["seasonNumber"] = "five"
    status, answer = await services.post("sonarr/grab_episode", broken_grab)
    assert status == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "seasonNumber" in answer["message"]

    assert stable(only_state(hass)) == before
    assert len(request_states(hass)) == 1


async def test_entity_attributes_keep_episodes_out_of_the_recorder(hass: HomeAssistant, services: Services) -> None:
    """The per-episode rows are excluded from recording; the rest is recorded."""
    await services.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    state = only_state(hass)
    registry = er.async_get(hass)
    entity = hass.data["entity_components"]["sensor"].get_entity(state.entity_id)
    assert entity is not None
    assert "episodes" in entity._unrecorded_attributes
    assert registry.async_get(state.entity_id).unique_id.endswith(state.attributes["request_id"])


async def test_4k_instance_updates_only_the_4k_request(
    hass: HomeAssistant, services: Services, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A 4K Radarr posting with ?4k=1 updates the 4K request, never the regular one of the same movie."""
    await services.run("jellyseerr/movie_auto_approved", "jellyseerr/movie_4k_auto_approved")
    regular, four_k = request_states(hass)
    assert (regular.attributes.get("is_4k"), four_k.attributes["is_4k"]) == (None, True)

    client = await hass_client_no_auth()
    response = await client.post(
        f"/api/webhook/{WEBHOOK_IDS['radarr']}?4k=1",
        data=load_fixture("radarr/grab.json"),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()
    regular_after, four_k_after = request_states(hass)
    assert regular_after.state == "approved"
    assert four_k_after.state == "grabbing"

    regular_grab = load_json("radarr/grab.json")
    regular_grab["downloadId"] = "1111222233334444555566667777888899990000"
    status, _ = await services.post("radarr/grab", regular_grab)
    assert status == HTTPStatus.OK
    regular_after, four_k_after = request_states(hass)
    assert regular_after.state == "grabbing"
    assert regular_after.attributes["download_id"] == "1111222233334444555566667777888899990000"
    assert four_k_after.attributes["download_id"] == DUNE_HASH


async def test_old_radarr_import_shows_the_library_path_and_its_delete_is_recognised(
    hass: HomeAssistant, services: Services
) -> None:
    """Radarr < 5.10.1 sends the download folder's file as movieFile.path: the entity still shows the library file,
    and the MovieFileDelete of that file (which names the library path) is recognised.
    """
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download_before_5_10_1")
    state = only_state(hass)
    assert state.state == "importing"
    assert state.attributes["final_path"] == DUNE_PATH
    await services.run("jellyfin/movie_item_added", "radarr/movie_file_delete")
    state = only_state(hass)
    assert state.state == "available"
    assert state.attributes["reason"] == "File deleted in Radarr (manual)"


async def test_old_sonarr_imports_show_library_paths_per_episode(hass: HomeAssistant, services: Services) -> None:
    """Sonarr < 4.0.9, per file and ImportComplete: each episode's final_path is the file in the series folder."""
    await services.run(
        "jellyseerr/tv_auto_approved",
        "sonarr/grab_season_pack",
        "sonarr/grab_episode",
        "sonarr/import_complete_pack_before_4_0_9",
        "sonarr/download_episode_before_4_0_9",
    )
    rows = only_state(hass).attributes["episodes"]
    assert [(row["episode"], row["final_path"]) for row in rows] == [
        (1, "/data/media/tv/Chernobyl/Season 01/Chernobyl - S01E01 - 1-23-45 [Bluray-1080p].mkv"),
        (2, "/data/media/tv/Chernobyl/Season 01/Chernobyl - S01E02 - Please Remain Calm [Bluray-1080p].mkv"),
        (3, "/data/media/tv/Chernobyl/Season 01/Chernobyl - S01E03 - Open Wide, O Earth [Bluray-1080p].mkv"),
        (4, "/data/media/tv/Chernobyl/Season 01/Chernobyl - S01E04 - The Happiness of All Mankind [Bluray-1080p].mkv"),
        (5, "/data/media/tv/Chernobyl/Season 01/Chernobyl - S01E05 - Vichnaya Pamyat [WEBDL-1080p].mkv"),
    ]


async def test_radarr_v3_grab_gives_the_request_its_year(hass: HomeAssistant, services: Services) -> None:
    """Radarr v3.0/v3.1 sends the year only in remoteMovie: the request created by its Grab still has one."""
    await services.run("radarr/grab_v3")
    state = only_state(hass)
    assert (state.attributes["title"], state.attributes["year"]) == ("Dune", "2021")
    assert state.entity_id == "sensor.media_requests_dune_2021"


async def test_jellyfin_item_added_before_its_metadata_is_ignored_with_200(
    hass: HomeAssistant, services: Services
) -> None:
    """Jellyfin 10.8 may send ItemAdded before the metadata fetch: no Provider_* id (template: "", all properties:
    no key). Answered 200 so the plugin does not retry; the library check confirms the item later.
    """
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    before = stable(only_state(hass))
    template = load_json("jellyfin/movie_item_added.json")
    template.update(Provider_tmdb="", Provider_imdb="", Provider_tvdb="", Provider_anidb="")
    all_properties = load_json("jellyfin/movie_item_added_all_properties.json")
    del all_properties["Provider_tmdb"], all_properties["Provider_imdb"]
    for payload in (template, all_properties):
        status, answer = await services.post("jellyfin/movie_item_added", payload)
        assert (status, answer) == (HTTPStatus.OK, {"message": "ignored: no provider ids"})
    assert stable(only_state(hass)) == before


async def test_jellyfin_body_with_a_backslash_in_a_name_is_read(hass: HomeAssistant, services: Services) -> None:
    """The plugin's Escape() escapes only quotes: a backslash in Name/SeriesName makes the body invalid JSON. It is
    read all the same; anything else that is not JSON is still answered 400, and other services get no repair.
    """
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    body = load_fixture("jellyfin/movie_item_added.json").replace('"Dune: Part Two"', '"Dune\\Part Two"')
    with pytest.raises(json.JSONDecodeError, match="Invalid \\\\escape"):
        json.loads(body)

    broken = body.replace('"Year"', '"Year\n"')  # a raw line break besides the backslash
    status, _ = await services.post("jellyfin/movie_item_added", raw=broken)
    assert status == HTTPStatus.BAD_REQUEST
    radarr_body = load_fixture("radarr/download.json").replace('"Dune: Part Two"', '"Dune\\Part Two"')
    status, _ = await services.post("radarr/download", raw=radarr_body)
    assert status == HTTPStatus.BAD_REQUEST
    assert only_state(hass).state == "importing"

    status, answer = await services.post("jellyfin/movie_item_added", raw=body)
    assert (status, answer["message"]) == (HTTPStatus.OK, "applied 1 change(s)")
    assert only_state(hass).state == "available"
