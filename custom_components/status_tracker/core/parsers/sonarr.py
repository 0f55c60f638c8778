"""Sonarr v4/v5 webhook payloads -> events (contracts.md §2).

Followed eventTypes: Grab, Download, ManualInteractionRequired, EpisodeFileDelete, SeriesDelete. `Test` and every
other type are skipped. `Download` has two shapes, told apart by the `episodeFiles` key, never by eventType (E1):
per file (`episodeFile` + the `episodes[]` inside it) and ImportComplete (`episodeFiles[]` + every episode of the
release). ImportComplete does not say which file holds which episode: a file is tied to episodes only when its
name carries an SxxEyy code naming them; every listed episode is imported either way.
Needed fields: `series` with `title` and a `tvdbId` or `tmdbId` (0 means none); `episodes[]` items with
`seasonNumber` and `episodeNumber` for Grab and Download; `episodeFile` (per file) or `episodeFiles` (a list), each
with a `relativePath` (with `series.path`) or a `path`. A file's path is `series.path` + its `relativePath`
("Season 01/..."; `arr.library_path`: before 4.0.9 the `path` of an import is the download folder's file).
Anime: `series.type == "anime"`, the tag label, or a path under an anime prefix (E13).
"""

from __future__ import annotations

from typing import Any

from ..events import (
    Deleted,
    DeleteScope,
    EpisodeRef,
    Event,
    Imported,
    ImportedFile,
    ManualInteractionRequired,
    MediaInfo,
)
from ..models import AnimeRules, MediaType
from . import InvalidPayload, ParseResult
from .arr import (
    Handler,
    dispatch,
    episodes,
    episodes_in_name,
    grab,
    is_anime,
    library_path,
    manual_interaction_message,
    poster_url,
    require_library_path,
)
from .fields import (
    JsonObject,
    download_id,
    optional_bool,
    optional_id,
    optional_int,
    optional_object,
    optional_str,
    require_list,
    require_object,
    require_str,
)


def parse(payload: Any, rules: AnimeRules, *, is_4k: bool = False) -> list[Event]:
    """The events in one Sonarr webhook payload."""
    return list(parse_result(payload, rules, is_4k=is_4k).events)


def parse_result(payload: Any, rules: AnimeRules, *, is_4k: bool = False) -> ParseResult:
    """The events in one Sonarr webhook payload, or why it was skipped."""
    return dispatch("Sonarr", _HANDLERS, payload, rules, is_4k=is_4k)


def _series(data: JsonObject, rules: AnimeRules, is_4k: bool, paths: tuple[str | None, ...] = ()) -> MediaInfo:
    series = require_object(data, "series")
    tvdb_id = optional_id(series, "tvdbId", "series")
    tmdb_id = optional_id(series, "tmdbId", "series")
    if tvdb_id is None and tmdb_id is None:
        raise InvalidPayload("series.tvdbId", "missing (and no series.tmdbId)")
    series_type = (optional_str(series, "type", "series") or "").casefold()
    folder = optional_str(series, "path", "series")
    return MediaInfo(
        media_type=MediaType.TV,
        title=require_str(series, "title", "series"),
        tmdb_id=tmdb_id,
        tvdb_id=tvdb_id,
        imdb_id=optional_str(series, "imdbId", "series"),
        year=optional_int(series, "year", "series") or None,
        is_4k=is_4k,
        is_anime=series_type == "anime" or is_anime(series, "series", rules, (folder, *paths)),
        poster_url=poster_url(series, "series"),
    )


def _grab(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    return grab(data, _series(data, rules, is_4k), episodes(data, required=True))


def _download(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    refs = episodes(data, required=True)
    if "episodeFiles" in data:
        files = _import_complete_files(data, refs)
    else:
        episode_file = require_object(data, "episodeFile")
        path = require_library_path(_folder(data), episode_file, "episodeFile")
        quality = optional_str(episode_file, "quality", "episodeFile")
        files = (ImportedFile(path=path, quality=quality, episodes=refs),)
    return Imported(
        media=_series(data, rules, is_4k, tuple(item.path for item in files)),
        files=files,
        download_id=download_id(data),
        is_upgrade=optional_bool(data, "isUpgrade"),
        episodes=refs,
    )


def _folder(data: JsonObject) -> str | None:
    """The series folder, for the file paths; `_series` reports a missing or malformed `series`."""
    return optional_str(optional_object(data, "series") or {}, "path", "series")


def _import_complete_files(data: JsonObject, refs: tuple[EpisodeRef, ...]) -> tuple[ImportedFile, ...]:
    folder = _folder(data)
    files = []
    for index, item in enumerate(require_list(data, "episodeFiles")):
        path_name = f"episodeFiles[{index}]"
        if not isinstance(item, dict):
            raise InvalidPayload(path_name, "must be an object")
        path = require_library_path(folder, item, path_name)
        name = optional_str(item, "relativePath", path_name) or path
        files.append(
            ImportedFile(
                path=path,
                quality=optional_str(item, "quality", path_name),
                episodes=episodes_in_name(name.replace("\\", "/").rsplit("/", 1)[-1], refs),
            )
        )
    return tuple(files)


def _manual(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    return ManualInteractionRequired(
        media=_series(data, rules, is_4k),
        message=manual_interaction_message(data),
        download_id=download_id(data),
        episodes=episodes(data, required=False),
    )


def _file_delete(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    episode_file = optional_object(data, "episodeFile") or {}
    return Deleted(
        media=_series(data, rules, is_4k),
        scope=DeleteScope.FILE,
        reason=optional_str(data, "deleteReason"),
        path=library_path(_folder(data), episode_file, "episodeFile"),
        episodes=episodes(data, required=False),
    )


def _series_delete(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    return Deleted(media=_series(data, rules, is_4k), scope=DeleteScope.MEDIA)


_HANDLERS: dict[str, Handler] = {
    "Grab": _grab,
    "Download": _download,
    "ManualInteractionRequired": _manual,
    "EpisodeFileDelete": _file_delete,
    "SeriesDelete": _series_delete,
}
