"""Sonarr payloads -> events (contracts.md §2, E1, E2, E13)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from custom_components.status_tracker.events import (
    Deleted,
    DeleteScope,
    Grabbed,
    Imported,
    ManualInteractionRequired,
)
from custom_components.status_tracker.models import AnimeRules, MediaType
from custom_components.status_tracker.parsers import InvalidPayload, sonarr

from .helpers import RULES, load


def test_season_pack_grab_lists_every_episode() -> None:
    (event,) = sonarr.parse(load("sonarr/grab_season_pack"), RULES)
    assert isinstance(event, Grabbed)
    assert [(ref.season, ref.episode) for ref in event.episodes] == [(1, 1), (1, 2), (1, 3), (1, 4)]
    assert event.episodes[0].tvdb_id == 6932231
    assert event.episodes[0].sonarr_id == 1201
    assert event.download_id == "c0ffee00deadbeef0123456789abcdef01234567"
    media = event.media
    assert (media.media_type, media.title, media.tvdb_id, media.tmdb_id) == (MediaType.TV, "Chernobyl", 360893, 87108)
    assert not media.is_anime
    assert media.poster_url == "https://artworks.thetvdb.com/banners/posters/360893-1.jpg"


def test_anime_by_series_type() -> None:
    (event,) = sonarr.parse(load("sonarr/anime_grab_e01"), RULES)
    assert isinstance(event, Grabbed)
    assert event.media.is_anime


def test_anime_by_tag_or_path() -> None:
    payload = load("sonarr/grab_episode")
    payload["series"]["tags"] = ["anime"]
    (tagged,) = sonarr.parse(payload, RULES)
    assert isinstance(tagged, Grabbed)
    assert tagged.media.is_anime
    (by_path,) = sonarr.parse(load("sonarr/download_episode"), AnimeRules(path_prefixes=("/data/media/tv",)))
    assert isinstance(by_path, Imported)
    assert by_path.media.is_anime


def test_per_file_download() -> None:
    (event,) = sonarr.parse(load("sonarr/download_episode"), RULES)
    assert isinstance(event, Imported)
    (file,) = event.files
    assert [(ref.season, ref.episode) for ref in file.episodes] == [(1, 5)]
    assert file.path.startswith("/data/media/tv/Chernobyl/Season 01/Chernobyl - S01E05")
    assert not event.is_upgrade


def test_import_complete_is_told_apart_by_episode_files() -> None:
    (event,) = sonarr.parse(load("sonarr/import_complete_pack"), RULES)
    assert isinstance(event, Imported)
    assert len(event.episodes) == 4
    assert [[(r.season, r.episode) for r in f.episodes] for f in event.files] == [[(1, n)] for n in range(1, 5)]


def test_import_complete_file_names_without_codes_or_with_unknown_episodes() -> None:
    payload = load("sonarr/import_complete_pack")
    payload["episodeFiles"][0]["relativePath"] = "Season 01/Chernobyl - 01.mkv"
    payload["episodeFiles"][1]["relativePath"] = "Season 01/Chernobyl - S01E01E02.mkv"
    payload["episodeFiles"][2]["relativePath"] = "Season 01/Chernobyl - S03E09.mkv"
    del payload["episodeFiles"][3]["relativePath"]
    (event,) = sonarr.parse(payload, RULES)
    assert isinstance(event, Imported)
    assert [[(r.season, r.episode) for r in f.episodes] for f in event.files] == [
        [],
        [(1, 1), (1, 2)],
        [],
        [(1, 4)],
    ]


def test_manual_interaction_and_deletes() -> None:
    (manual,) = sonarr.parse(load("sonarr/manual_interaction_required"), RULES)
    assert isinstance(manual, ManualInteractionRequired)
    assert manual.episodes[0].episode == 5
    assert manual.message.startswith("Manual import needed: Found matching series")
    (file_delete,) = sonarr.parse(load("sonarr/episode_file_delete"), RULES)
    assert isinstance(file_delete, Deleted)
    assert (file_delete.scope, file_delete.reason) == (DeleteScope.FILE, "missingFromDisk")
    (series_delete,) = sonarr.parse(load("sonarr/series_delete"), RULES)
    assert isinstance(series_delete, Deleted)
    assert series_delete.scope is DeleteScope.MEDIA


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (load("sonarr/test"), "Sonarr test event"),
        (load("sonarr/series_add"), "Sonarr event SeriesAdd is not tracked"),
        ({}, "no eventType: not a Sonarr payload"),
        (None, "payload is not a JSON object"),
    ],
)
def test_ignored_payloads(payload: Any, reason: str) -> None:
    assert sonarr.parse(payload, RULES) == []
    assert sonarr.parse_result(payload, RULES).ignored == reason


def test_tmdb_only_series_and_zero_ids() -> None:
    payload = load("sonarr/grab_episode")
    payload["series"]["tvdbId"] = 0
    (event,) = sonarr.parse(payload, RULES)
    assert isinstance(event, Grabbed)
    assert (event.media.tvdb_id, event.media.tmdb_id) == (None, 87108)
    payload["series"]["tmdbId"] = 0
    with pytest.raises(InvalidPayload) as info:
        sonarr.parse(payload, RULES)
    assert info.value.field == "series.tvdbId"


@pytest.mark.parametrize(
    ("fixture", "mutate", "field"),
    [
        ("sonarr/grab_episode", lambda p: p.pop("series"), "series"),
        ("sonarr/grab_episode", lambda p: p.pop("episodes"), "episodes"),
        ("sonarr/grab_episode", lambda p: p["episodes"][0].pop("seasonNumber"), "episodes[0].seasonNumber"),
        ("sonarr/grab_episode", lambda p: p["episodes"][0].update(episodeNumber="five"), "episodes[0].episodeNumber"),
        ("sonarr/grab_episode", lambda p: p.update(episodes=["S01E05"]), "episodes[0]"),
        ("sonarr/grab_episode", lambda p: p.update(episodes={"id": 1}), "episodes"),
        ("sonarr/download_episode", lambda p: p.pop("episodeFile"), "episodeFile"),
        ("sonarr/download_episode", lambda p: p["episodeFile"].pop("path"), "episodeFile.path"),
        ("sonarr/import_complete_pack", lambda p: p.update(episodeFiles=None), "episodeFiles"),
        ("sonarr/import_complete_pack", lambda p: p.update(episodeFiles=[7]), "episodeFiles[0]"),
        ("sonarr/import_complete_pack", lambda p: p["episodeFiles"][1].pop("path"), "episodeFiles[1].path"),
        ("sonarr/grab_episode", lambda p: p["series"].update(type=3), "series.type"),
    ],
)
def test_bad_payloads_name_the_field(fixture: str, mutate: Any, field: str) -> None:
    payload = copy.deepcopy(load(fixture))
    mutate(payload)
    if field == "series.type":
        (event,) = sonarr.parse(payload, RULES)  # a number reads as a string: tolerated
        assert isinstance(event, Grabbed)
        return
    with pytest.raises(InvalidPayload) as info:
        sonarr.parse(payload, RULES)
    assert info.value.field == field
