"""Radarr payloads -> events (contracts.md §1)."""

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
from custom_components.status_tracker.core.parsers import InvalidPayload, radarr

from .helpers import RULES, load


def test_grab_reads_movie_ids_quality_and_lowercases_the_hash() -> None:
    (event,) = radarr.parse(load("radarr/grab"), RULES)
    assert isinstance(event, Grabbed)
    assert event.download_id == "8c212779b4abde7c6bc608063a0d008b7e40ce32"
    assert event.quality == "Bluray-2160p"
    assert event.download_client_type == "qBittorrent"
    media = event.media
    assert (media.media_type, media.title, media.year) == (MediaType.MOVIE, "Dune: Part Two", 2024)
    assert (media.tmdb_id, media.imdb_id, media.is_4k, media.is_anime) == (693134, "tt15239678", False, False)
    assert media.poster_url == "https://image.tmdb.org/t/p/original/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg"


def test_is_4k_comes_from_the_caller() -> None:
    (event,) = radarr.parse(load("radarr/grab"), RULES, is_4k=True)
    assert isinstance(event, Grabbed)
    assert event.media.is_4k


def test_download_is_an_import_with_the_final_path() -> None:
    (event,) = radarr.parse(load("radarr/download"), RULES)
    assert isinstance(event, Imported)
    assert not event.is_upgrade
    (file,) = event.files
    assert file.path.endswith("Dune - Part Two (2024) Remux-2160p.mkv")
    assert file.quality == "Remux-2160p"
    assert event.download_id == "8c212779b4abde7c6bc608063a0d008b7e40ce32"


def test_upgrade_flag() -> None:
    (event,) = radarr.parse(load("radarr/download_upgrade"), RULES)
    assert isinstance(event, Imported)
    assert event.is_upgrade


def test_anime_by_tag_and_by_path_prefix() -> None:
    (event,) = radarr.parse(load("radarr/anime_grab"), RULES)
    assert isinstance(event, Grabbed)
    assert event.media.is_anime
    untagged = load("radarr/anime_download")
    untagged["movie"]["tags"] = []
    (plain,) = radarr.parse(untagged, RULES)
    assert isinstance(plain, Imported)
    assert not plain.media.is_anime
    (by_path,) = radarr.parse(untagged, AnimeRules(path_prefixes=("/DATA/media/anime-movies/",)))
    assert isinstance(by_path, Imported)
    assert by_path.media.is_anime
    custom = AnimeRules(tag_label="2-bob")
    (by_label,) = radarr.parse(load("radarr/grab"), custom)
    assert isinstance(by_label, Grabbed)
    assert not by_label.media.is_anime


def test_tags_key_absent_on_old_radarr() -> None:
    payload = load("radarr/grab")
    del payload["movie"]["tags"]
    (event,) = radarr.parse(payload, RULES)
    assert isinstance(event, Grabbed)
    assert not event.media.is_anime


def test_manual_interaction_message() -> None:
    (event,) = radarr.parse(load("radarr/manual_interaction_required"), RULES)
    assert isinstance(event, ManualInteractionRequired)
    assert event.message == "Manual import needed: Unable to determine if file is a sample"
    payload = load("radarr/manual_interaction_required")
    payload["downloadStatusMessages"] = [{"title": "Some.File.mkv", "messages": []}, "junk"]
    (titled,) = radarr.parse(payload, RULES)
    assert isinstance(titled, ManualInteractionRequired)
    assert titled.message == "Manual import needed: Some.File.mkv"
    del payload["downloadStatusMessages"]
    (bare,) = radarr.parse(payload, RULES)
    assert isinstance(bare, ManualInteractionRequired)
    assert bare.message == "Manual import needed: Warning"


@pytest.mark.parametrize(
    ("fixture", "scope", "reason"),
    [
        ("radarr/movie_file_delete", DeleteScope.FILE, "manual"),
        ("radarr/movie_file_delete_upgrade", DeleteScope.FILE, "upgrade"),
        ("radarr/movie_delete", DeleteScope.MEDIA, None),
    ],
)
def test_deletes(fixture: str, scope: DeleteScope, reason: str | None) -> None:
    (event,) = radarr.parse(load(fixture), RULES)
    assert isinstance(event, Deleted)
    assert (event.scope, event.reason) == (scope, reason)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (load("radarr/test"), "Radarr test event"),
        (load("radarr/health"), "Radarr event Health is not tracked"),
        (load("radarr/movie_added"), "Radarr event MovieAdded is not tracked"),
        ({"movie": {}}, "no eventType: not a Radarr payload"),
        ([1, 2], "payload is not a JSON object"),
        ("Grab", "payload is not a JSON object"),
    ],
)
def test_ignored_payloads(payload: Any, reason: str) -> None:
    assert radarr.parse(payload, RULES) == []
    assert radarr.parse_result(payload, RULES).ignored == reason


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    data = copy.deepcopy(payload)
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


def test_tmdb_id_falls_back_to_remote_movie() -> None:
    (event,) = radarr.parse(_without(load("radarr/grab"), "movie", "tmdbId"), RULES)
    assert isinstance(event, Grabbed)
    assert event.media.tmdb_id == 693134


@pytest.mark.parametrize(
    ("fixture", "path", "field"),
    [
        ("radarr/grab", ("movie",), "movie"),
        ("radarr/grab", ("movie", "title"), "movie.title"),
        ("radarr/download", ("movieFile",), "movieFile"),
    ],
)
def test_missing_fields(fixture: str, path: tuple[str, ...], field: str) -> None:
    with pytest.raises(InvalidPayload) as info:
        radarr.parse(_without(load(fixture), *path), RULES)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_missing_tmdb_id_everywhere() -> None:
    payload = _without(_without(load("radarr/grab"), "movie", "tmdbId"), "remoteMovie")
    with pytest.raises(InvalidPayload, match=r"movie\.tmdbId"):
        radarr.parse(payload, RULES)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["movie"].update(tmdbId="abc"), "movie.tmdbId"),
        (lambda p: p["movie"].update(tmdbId=True), "movie.tmdbId"),
        (lambda p: p.update(movie="Dune"), "movie"),
        (lambda p: p["movie"].update(tags="anime"), "movie.tags"),
        (lambda p: p["movie"].update(title=["Dune"]), "movie.title"),
        (lambda p: p.update(isUpgrade="maybe"), "isUpgrade"),
        (lambda p: p.update(eventType=["Download"]), "eventType"),
    ],
)
def test_wrong_types(mutate: Any, field: str) -> None:
    payload = load("radarr/download")
    mutate(payload)
    with pytest.raises(InvalidPayload) as info:
        radarr.parse(payload, RULES)
    assert info.value.field == field


def test_string_numbers_and_nulls_are_tolerated() -> None:
    payload = load("radarr/download")
    payload["movie"].update(tmdbId=" 693134 ", year=2024.0, imdbId=None, images=None)
    payload["isUpgrade"] = "false"
    payload["release"] = None
    (event,) = radarr.parse(payload, RULES)
    assert isinstance(event, Imported)
    assert (event.media.tmdb_id, event.media.year, event.media.imdb_id) == (693134, 2024, None)
    assert event.media.poster_url is None


def test_no_download_id_for_untracked_imports() -> None:
    payload = _without(load("radarr/download"), "downloadId")
    (event,) = radarr.parse(payload, RULES)
    assert isinstance(event, Imported)
    assert event.download_id is None


DUNE_LIBRARY_FILE = "/data/media/movies/Dune - Part Two (2024)/Dune - Part Two (2024) Remux-2160p.mkv"


@pytest.mark.parametrize("fixture", ["radarr/download", "radarr/download_before_5_10_1"])
def test_download_path_is_the_library_file_in_old_and_new_radarr(fixture: str) -> None:
    """Before 5.10.1 `movieFile.path` is the file in the download folder: folderPath + relativePath is not."""
    (event,) = radarr.parse(load(fixture), RULES)
    assert isinstance(event, Imported)
    assert [file.path for file in event.files] == [DUNE_LIBRARY_FILE]


def test_old_radarr_download_path_decides_anime_by_library_folder() -> None:
    payload = load("radarr/anime_download_before_5_10_1")
    payload["movie"]["tags"] = []
    (event,) = radarr.parse(payload, AnimeRules(path_prefixes=("/data/media/anime-movies",)))
    assert isinstance(event, Imported)
    assert event.files[0].path == "/data/media/anime-movies/Suzume (2022)/Suzume (2022) Bluray-1080p.mkv"
    assert event.media.is_anime


def test_delete_names_the_same_path_as_the_import_it_deletes() -> None:
    """A MovieFileDelete carries the library path in every version: it equals the import's path, old or new."""
    (old_import,) = radarr.parse(load("radarr/download_before_5_10_1"), RULES)
    (delete,) = radarr.parse(load("radarr/movie_file_delete"), RULES)
    assert isinstance(old_import, Imported)
    assert isinstance(delete, Deleted)
    assert delete.path == old_import.files[0].path == DUNE_LIBRARY_FILE


@pytest.mark.parametrize(
    ("folder", "relative", "expected"),
    [
        # As the *arr's own Path.Combine: Windows installs (a drive or a UNC share) join with a backslash unless
        # the folder ends with a separator already.
        ("D:\\Movies\\Dune (2021)", "Dune (2021).mkv", "D:\\Movies\\Dune (2021)\\Dune (2021).mkv"),
        ("D:\\Movies\\Dune (2021)\\", "Dune (2021).mkv", "D:\\Movies\\Dune (2021)\\Dune (2021).mkv"),
        ("\\\\nas\\movies\\Dune (2021)", "Dune (2021).mkv", "\\\\nas\\movies\\Dune (2021)\\Dune (2021).mkv"),
        ("D:/Movies/Dune (2021)/", "Dune (2021).mkv", "D:/Movies/Dune (2021)/Dune (2021).mkv"),
        # POSIX: a trailing separator or not, and a backslash is part of a name there, not a separator.
        ("/movies/Dune (2021)/", "Dune (2021).mkv", "/movies/Dune (2021)/Dune (2021).mkv"),
        ("/movies/AC\\DC Live", "AC\\DC Live.mkv", "/movies/AC\\DC Live/AC\\DC Live.mkv"),
        ("/", "/Dune (2021).mkv", "/Dune (2021).mkv"),
    ],
)
def test_library_path_joins_with_the_separator_of_the_arr(folder: str, relative: str, expected: str) -> None:
    payload = load("radarr/download_before_5_10_1")
    payload["movie"]["folderPath"] = folder
    payload["movieFile"]["relativePath"] = relative
    (event,) = radarr.parse(payload, RULES)
    assert isinstance(event, Imported)
    assert event.files[0].path == expected


@pytest.mark.parametrize("missing", [("movie", "folderPath"), ("movieFile", "relativePath")])
def test_path_is_the_fallback_without_folder_or_relative_path(missing: tuple[str, str]) -> None:
    payload = _without(load("radarr/download_before_5_10_1"), *missing)
    (event,) = radarr.parse(payload, RULES)
    assert isinstance(event, Imported)
    assert event.files[0].path == payload["movieFile"]["path"]
    delete = _without(load("radarr/movie_file_delete"), *missing)
    (deleted,) = radarr.parse(delete, RULES)
    assert isinstance(deleted, Deleted)
    assert deleted.path == DUNE_LIBRARY_FILE


def test_download_needs_a_path_or_a_relative_path() -> None:
    payload = _without(_without(load("radarr/download"), "movieFile", "path"), "movieFile", "relativePath")
    with pytest.raises(InvalidPayload) as info:
        radarr.parse(payload, RULES)
    assert info.value.field == "movieFile.path"
    (event,) = radarr.parse(_without(load("radarr/download"), "movieFile", "path"), RULES)
    assert isinstance(event, Imported)
    assert event.files[0].path == DUNE_LIBRARY_FILE


@pytest.mark.parametrize("fixture", ["radarr/grab_v3", "radarr/download_v3"])
def test_radarr_v3_year_comes_from_remote_movie(fixture: str) -> None:
    """Radarr v3.0/v3.1 `movie` has no `year` (added in e67d3d3, May 2021): only `remoteMovie` carries it."""
    (event,) = radarr.parse(load(fixture), RULES)
    assert isinstance(event, Grabbed | Imported)
    assert (event.media.title, event.media.year) == ("Dune", 2021)


@pytest.mark.parametrize(
    ("movie_year", "remote_year", "expected"),
    [(0, 2023, 2023), (None, 2023, 2023), (2024, 2023, 2024), (0, 0, None)],
)
def test_year_zero_or_absent_falls_back_to_remote_movie(
    movie_year: int | None, remote_year: int, expected: int | None
) -> None:
    payload = load("radarr/grab")
    payload["movie"]["year"] = movie_year
    payload["remoteMovie"]["year"] = remote_year
    (event,) = radarr.parse(payload, RULES)
    assert isinstance(event, Grabbed)
    assert event.media.year == expected
