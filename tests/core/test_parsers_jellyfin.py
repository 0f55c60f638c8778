"""Jellyfin webhook plugin payloads -> events (contracts.md §4, E18)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.status_tracker.core.events import SeenInLibrary, SeriesInLibrary
from custom_components.status_tracker.core.models import MediaType
from custom_components.status_tracker.core.parsers import InvalidPayload, jellyfin

from .helpers import RULES, load, load_text


def _seen(payload: Any) -> SeenInLibrary:
    (event,) = jellyfin.parse(payload, RULES)
    assert isinstance(event, SeenInLibrary)
    return event


@pytest.mark.parametrize("fixture", ["jellyfin/movie_item_added", "jellyfin/movie_item_added_all_properties"])
def test_movie_template_and_all_properties_read_the_same(fixture: str) -> None:
    event = _seen(load(fixture))
    assert event.media_type is MediaType.MOVIE
    assert (event.tmdb_id, event.imdb_id, event.tvdb_id) == (693134, "tt15239678", None)
    assert event.item_id == "6213b704a0d954293110f4d561b0f614"


def test_episode_with_string_numbers() -> None:
    event = _seen(load("jellyfin/tv_episode_s01e03_item_added"))
    assert (event.media_type, event.season, event.episodes, event.tvdb_id) == (MediaType.TV, 1, (3,), 6932233)
    assert event.series_item_id == "3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b2a"
    assert event.series_name == "Chernobyl"


def test_shokofin_episode_with_numbers_and_no_tvdb() -> None:
    event = _seen(load("jellyfin/anime_episode_s01e02_item_added"))
    assert (event.season, event.episodes, event.tvdb_id) == (1, (2,), None)


def test_multi_episode_file() -> None:
    payload = load("jellyfin/tv_episode_s01e01_item_added")
    payload["EpisodeNumberEnd"] = "3"
    assert _seen(payload).episodes == (1, 2, 3)


def test_episode_known_only_by_tvdb() -> None:
    payload = load("jellyfin/tv_episode_s01e01_item_added")
    payload["SeasonNumber"] = ""
    event = _seen(payload)
    assert (event.season, event.episodes, event.tvdb_id) == (None, (), 6932231)


def test_series_links_item() -> None:
    (event,) = jellyfin.parse(load("jellyfin/anime_series_item_added"), RULES)
    assert isinstance(event, SeriesInLibrary)
    assert (event.item_id, event.tmdb_id, event.tvdb_id) == ("9c8b7a6d5e4f43219876fedcba012345", 209867, None)


def test_provider_keys_any_case() -> None:
    payload = load("jellyfin/movie_item_added")
    payload["Provider_Tmdb"] = payload.pop("Provider_tmdb")
    assert _seen(payload).tmdb_id == 693134


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (load("jellyfin/playback_start"), "Jellyfin notification PlaybackStart is not tracked"),
        ({"NotificationType": "ItemAdded", "ItemType": "Season"}, "Jellyfin item type Season is not tracked"),
        ({"Name": "x"}, "no NotificationType: not a Jellyfin webhook payload"),
        ([], "payload is not a JSON object"),
    ],
)
def test_ignored(payload: Any, reason: str) -> None:
    assert jellyfin.parse(payload, RULES) == []
    assert jellyfin.parse_result(payload, RULES).ignored == reason


_EPISODE = "jellyfin/tv_episode_s01e01_item_added"


@pytest.mark.parametrize(
    ("fixture", "mutate", "field"),
    [
        ("jellyfin/movie_item_added", lambda p: p.pop("ItemType"), "ItemType"),
        (  # an id, but none the tracker can match a movie by
            "jellyfin/movie_item_added",
            lambda p: p.update(Provider_tmdb="", Provider_imdb="", Provider_anidb="1"),
            "Provider_tmdb",
        ),
        ("jellyfin/movie_item_added", lambda p: p.update(Provider_tmdb="tt1"), "Provider_tmdb"),
        (
            "jellyfin/tv_episode_s01e01_item_added",
            lambda p: p.update(EpisodeNumber="", Provider_tvdb=""),
            "EpisodeNumber",
        ),
        (
            "jellyfin/tv_episode_s01e01_item_added",
            lambda p: p.update(SeasonNumber="", Provider_tvdb=""),
            "SeasonNumber",
        ),
        ("jellyfin/tv_episode_s01e01_item_added", lambda p: p.update(SeasonNumber="one"), "SeasonNumber"),
        ("jellyfin/tv_series_item_added", lambda p: p.update(ItemId=""), "ItemId"),
    ],
)
def test_bad_payloads_name_the_field(fixture: str, mutate: Any, field: str) -> None:
    payload = load(fixture)
    mutate(payload)
    with pytest.raises(InvalidPayload) as info:
        jellyfin.parse(payload, RULES)
    assert info.value.field == field


def _without_provider_ids(payload: dict[str, Any], *, all_properties: bool) -> dict[str, Any]:
    """What the plugin sends before metadata: SendAllProperties has no Provider_* key, the template renders ""."""
    if all_properties:
        return {key: value for key, value in payload.items() if not key.startswith("Provider_")}
    return {key: "" if key.startswith("Provider_") else value for key, value in payload.items()}


@pytest.mark.parametrize("all_properties", [False, True])
@pytest.mark.parametrize(
    ("fixture", "mutate"),
    [
        ("jellyfin/movie_item_added", lambda p: None),
        ("jellyfin/movie_item_added_all_properties", lambda p: None),
        # An episode without ids can still be matched by its numbers: only one without them is skipped.
        (_EPISODE, lambda p: p.update(SeasonNumber="", EpisodeNumber="")),
        (_EPISODE, lambda p: p.update(EpisodeNumber="")),
        (_EPISODE, lambda p: (p.pop("SeasonNumber"), p.pop("EpisodeNumber"))),
    ],
)
def test_item_added_without_provider_ids_is_skipped(fixture: str, mutate: Any, all_properties: bool) -> None:
    """Jellyfin 10.8 can send ItemAdded before the metadata fetch: the library check confirms the item later."""
    payload = _without_provider_ids(load(fixture), all_properties=all_properties)
    mutate(payload)
    result = jellyfin.parse_result(payload, RULES)
    assert (result.events, result.ignored) == ((), "no provider ids")


@pytest.mark.parametrize("all_properties", [False, True])
def test_episode_without_provider_ids_but_numbers_is_still_read(all_properties: bool) -> None:
    event = _seen(_without_provider_ids(load(_EPISODE), all_properties=all_properties))
    assert (event.season, event.episodes, event.tvdb_id, event.tmdb_id) == (1, (1,), None, None)
    assert event.series_name == "Chernobyl"


@pytest.mark.parametrize(
    ("body", "repaired"),
    [
        # The plugin's Escape() doubles no backslash: "AC\DC" arrives as AC\DC, which JSON refuses.
        ('{"Name":"AC\\DC","SeriesName":"Face\\Off"}', '{"Name":"AC\\\\DC","SeriesName":"Face\\\\Off"}'),
        ('{"Name":"\\m/"}', '{"Name":"\\\\m/"}'),
        ('{"Name":"end\\ "}', '{"Name":"end\\\\ "}'),
        ('{"Name":"\\Umbrella \\u12"}', '{"Name":"\\\\Umbrella \\\\u12"}'),
        # Valid escapes stay what JSON makes of them, as in a body that needed no repair.
        ('{"Name":"a\\"b \\\\ \\n \\u00e9 \\/ \\x"}', '{"Name":"a\\"b \\\\ \\n \\u00e9 \\/ \\\\x"}'),
        ('{"Name":"\\\\\\D"}', '{"Name":"\\\\\\\\D"}'),
        # Keys are strings too; a backslash outside any string is not repaired (the body stays invalid).
        ('{"N\\ame":1}', '{"N\\\\ame":1}'),
    ],
)
def test_repair_escapes_only_backslashes_json_refuses(body: str, repaired: str) -> None:
    assert jellyfin.repair_backslashes(body) == repaired
    assert json.loads(repaired)


@pytest.mark.parametrize(
    "body",
    [
        '{"Name":"AC/DC"}',
        '{"Name":"a\\nb"}',
        '{"Name":\\"x"}',  # outside a string: not a stray backslash in a value
        '{"Name":"x\\',  # unterminated
        '{"Name":"AC"}\\',  # after the last string
        '{"Overview":"line\nbreak"}',  # a raw line break is another fault: not repaired
    ],
)
def test_repair_leaves_everything_else_alone(body: str) -> None:
    assert jellyfin.repair_backslashes(body) is None


def test_repaired_body_reads_the_names_with_their_backslashes() -> None:
    body = load_text(_EPISODE).replace('"Name": "1:23:45"', '"Name": "1\\23\\45"')
    body = body.replace('"SeriesName": "Chernobyl"', '"SeriesName": "Face\\Off"')
    with pytest.raises(json.JSONDecodeError, match="Invalid \\\\escape"):
        json.loads(body)
    repaired = jellyfin.repair_backslashes(body)
    assert repaired is not None
    payload = json.loads(repaired)
    assert (payload["Name"], payload["SeriesName"]) == ("1\\23\\45", "Face\\Off")
    assert _seen(payload).series_name == "Face\\Off"
