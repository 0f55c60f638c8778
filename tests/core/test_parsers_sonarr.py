"""Sonarr payloads -> events (contracts.md §2, E1, E2, E13)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from custom_components.status_tracker.core.events import (
    Deleted,
    DeleteScope,
    Grabbed,
    Imported,
    ManualInteractionRequired,
)
from custom_components.status_tracker.core.models import AnimeRules, MediaType
from custom_components.status_tracker.core.parsers import InvalidPayload, sonarr

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
        (
            "sonarr/download_episode",
            lambda p: (p["episodeFile"].pop("path"), p["episodeFile"].pop("relativePath")),
            "episodeFile.path",
        ),
        ("sonarr/import_complete_pack", lambda p: p.update(episodeFiles=None), "episodeFiles"),
        ("sonarr/import_complete_pack", lambda p: p.update(episodeFiles=[7]), "episodeFiles[0]"),
        (
            "sonarr/import_complete_pack",
            lambda p: (p["episodeFiles"][1].pop("path"), p["series"].pop("path")),
            "episodeFiles[1].path",
        ),
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


CHERNOBYL = "/data/media/tv/Chernobyl/Season 01/Chernobyl - "
E05_LIBRARY_FILE = CHERNOBYL + "S01E05 - Vichnaya Pamyat [WEBDL-1080p].mkv"


@pytest.mark.parametrize("fixture", ["sonarr/download_episode", "sonarr/download_episode_before_4_0_9"])
def test_per_file_path_is_the_library_file_in_old_and_new_sonarr(fixture: str) -> None:
    """Before 4.0.9 `episodeFile.path` is the file in the download folder: series.path + relativePath is not."""
    (event,) = sonarr.parse(load(fixture), RULES)
    assert isinstance(event, Imported)
    assert [file.path for file in event.files] == [E05_LIBRARY_FILE]


@pytest.mark.parametrize("fixture", ["sonarr/import_complete_pack", "sonarr/import_complete_pack_before_4_0_9"])
def test_import_complete_paths_are_the_library_files_in_old_and_new_sonarr(fixture: str) -> None:
    (event,) = sonarr.parse(load(fixture), RULES)
    assert isinstance(event, Imported)
    assert [file.path for file in event.files] == [
        CHERNOBYL + "S01E01 - 1-23-45 [Bluray-1080p].mkv",
        CHERNOBYL + "S01E02 - Please Remain Calm [Bluray-1080p].mkv",
        CHERNOBYL + "S01E03 - Open Wide, O Earth [Bluray-1080p].mkv",
        CHERNOBYL + "S01E04 - The Happiness of All Mankind [Bluray-1080p].mkv",
    ]
    assert [[(r.season, r.episode) for r in f.episodes] for f in event.files] == [[(1, n)] for n in range(1, 5)]


def test_old_sonarr_import_complete_decides_anime_by_library_folder() -> None:
    payload = load("sonarr/anime_import_complete_e02_before_4_0_9")
    payload["series"]["type"] = "standard"
    (event,) = sonarr.parse(payload, AnimeRules(path_prefixes=("/data/media/anime/",)))
    assert isinstance(event, Imported)
    assert event.media.is_anime
    assert event.files[0].path.startswith("/data/media/anime/Frieren - Beyond Journey's End/Season 01/")


def test_episode_file_delete_names_the_path_the_import_recorded() -> None:
    (old_import,) = sonarr.parse(load("sonarr/download_episode_before_4_0_9"), RULES)
    (delete,) = sonarr.parse(load("sonarr/episode_file_delete"), RULES)
    assert isinstance(old_import, Imported)
    assert isinstance(delete, Deleted)
    assert delete.path == old_import.files[0].path == E05_LIBRARY_FILE


@pytest.mark.parametrize(
    ("folder", "relative", "expected"),
    [
        ("D:\\TV\\Chernobyl", "Season 01\\S01E05.mkv", "D:\\TV\\Chernobyl\\Season 01\\S01E05.mkv"),
        ("D:\\TV\\Chernobyl\\", "Season 01\\S01E05.mkv", "D:\\TV\\Chernobyl\\Season 01\\S01E05.mkv"),
        ("/tv/Chernobyl/", "Season 01/S01E05.mkv", "/tv/Chernobyl/Season 01/S01E05.mkv"),
    ],
)
def test_library_path_joins_with_the_separator_of_the_arr(folder: str, relative: str, expected: str) -> None:
    per_file = load("sonarr/download_episode_before_4_0_9")
    per_file["series"]["path"] = folder
    per_file["episodeFile"]["relativePath"] = relative
    pack = load("sonarr/import_complete_pack_before_4_0_9")
    pack["series"]["path"] = folder
    pack["episodeFiles"] = pack["episodeFiles"][:1]
    pack["episodeFiles"][0]["relativePath"] = relative.replace("S01E05", "S01E01")
    (single,) = sonarr.parse(per_file, RULES)
    (complete,) = sonarr.parse(pack, RULES)
    assert isinstance(single, Imported)
    assert isinstance(complete, Imported)
    assert single.files[0].path == expected
    assert complete.files[0].path == expected.replace("S01E05", "S01E01")
    assert [(ref.season, ref.episode) for ref in complete.files[0].episodes] == [(1, 1)]


def test_path_is_the_fallback_without_series_path_or_relative_path() -> None:
    payload = load("sonarr/download_episode_before_4_0_9")
    del payload["episodeFile"]["relativePath"]
    (event,) = sonarr.parse(payload, RULES)
    assert isinstance(event, Imported)
    assert event.files[0].path == payload["episodeFile"]["path"]
    pack = load("sonarr/import_complete_pack_before_4_0_9")
    del pack["series"]["path"]
    (complete,) = sonarr.parse(pack, RULES)
    assert isinstance(complete, Imported)
    assert [file.path for file in complete.files] == [item["path"] for item in pack["episodeFiles"]]
