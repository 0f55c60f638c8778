"""Radarr webhook payloads -> events (contracts.md §1).

Followed eventTypes: Grab, Download (an import; `isUpgrade` marks upgrades), ManualInteractionRequired,
MovieFileDelete, MovieDelete. `Test` and every other type (Rename, Health, MovieAdded, ...) are skipped.
Needed fields: `movie` with `title` and a `tmdbId` (from `remoteMovie` when the movie lacks it); for Download also
`movieFile.relativePath` (with `movie.folderPath`) or `movieFile.path`. The file's path is `movie.folderPath` +
`movieFile.relativePath` (`arr.library_path`: before 5.10.1 `movieFile.path` of a Download is the download folder's
file). The year is `movie.year`, else `remoteMovie.year` (Radarr 3.0/3.1 send it only there). Radarr knows nothing
of 4K: the webhook the payload came to decides `is_4k` (E8).
"""

from __future__ import annotations

from typing import Any

from ..events import (
    Deleted,
    DeleteScope,
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
    require_object,
    require_str,
)


def parse(payload: Any, rules: AnimeRules, *, is_4k: bool = False) -> list[Event]:
    """The events in one Radarr webhook payload."""
    return list(parse_result(payload, rules, is_4k=is_4k).events)


def parse_result(payload: Any, rules: AnimeRules, *, is_4k: bool = False) -> ParseResult:
    """The events in one Radarr webhook payload, or why it was skipped."""
    return dispatch("Radarr", _HANDLERS, payload, rules, is_4k=is_4k)


def _movie(data: JsonObject, rules: AnimeRules, is_4k: bool, file_path: str | None = None) -> MediaInfo:
    movie = require_object(data, "movie")
    tmdb_id = optional_id(movie, "tmdbId", "movie")
    remote = optional_object(data, "remoteMovie")
    if tmdb_id is None and remote is not None:
        tmdb_id = optional_id(remote, "tmdbId", "remoteMovie")
    if tmdb_id is None:
        raise InvalidPayload("movie.tmdbId", "missing")
    folder = optional_str(movie, "folderPath", "movie")
    year = optional_int(movie, "year", "movie") or (optional_int(remote, "year", "remoteMovie") if remote else None)
    return MediaInfo(
        media_type=MediaType.MOVIE,
        title=require_str(movie, "title", "movie"),
        tmdb_id=tmdb_id,
        imdb_id=optional_str(movie, "imdbId", "movie"),
        year=year or None,
        is_4k=is_4k,
        is_anime=is_anime(movie, "movie", rules, (folder, file_path)),
        poster_url=poster_url(movie, "movie"),
    )


def _folder(data: JsonObject) -> str | None:
    """The movie folder, for the file paths; `_movie` reports a missing or malformed `movie`."""
    return optional_str(optional_object(data, "movie") or {}, "folderPath", "movie")


def _grab(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    return grab(data, _movie(data, rules, is_4k))


def _download(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    movie_file = require_object(data, "movieFile")
    path = require_library_path(_folder(data), movie_file, "movieFile")
    return Imported(
        media=_movie(data, rules, is_4k, path),
        files=(ImportedFile(path=path, quality=optional_str(movie_file, "quality", "movieFile")),),
        download_id=download_id(data),
        is_upgrade=optional_bool(data, "isUpgrade"),
    )


def _manual(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    return ManualInteractionRequired(
        media=_movie(data, rules, is_4k),
        message=manual_interaction_message(data),
        download_id=download_id(data),
    )


def _file_delete(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    movie_file = optional_object(data, "movieFile") or {}
    return Deleted(
        media=_movie(data, rules, is_4k),
        scope=DeleteScope.FILE,
        reason=optional_str(data, "deleteReason"),
        path=library_path(_folder(data), movie_file, "movieFile"),
    )


def _movie_delete(data: JsonObject, rules: AnimeRules, is_4k: bool) -> Event:
    return Deleted(media=_movie(data, rules, is_4k), scope=DeleteScope.MEDIA)


_HANDLERS: dict[str, Handler] = {
    "Grab": _grab,
    "Download": _download,
    "ManualInteractionRequired": _manual,
    "MovieFileDelete": _file_delete,
    "MovieDelete": _movie_delete,
}
