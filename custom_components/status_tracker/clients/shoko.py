"""Shoko Server REST v3 client (the parts status_tracker needs).

Files are found by the tail of their path (E15 to E17, core/paths.py).
Works with v5 (`includeXRefs=true`) and v6-dev (`include=XRefs`); both flags are sent, ASP.NET ignores the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from ..core.coerce import as_int
from ..core.paths import normalize_path, path_tail, tail_matches
from . import InvalidResponseError
from .base import RestClient, expect_json

# A tail no real file has: the lookup proves the key and the endpoint without matching anything.
_PROBE_TAIL = "status_tracker_connection_check.mkv"
# How many files one tail may match (the same episode in several releases or import folders).
_FIND_LIMIT = 20
# v5 and v6-dev name the cross-reference include differently; each ignores the other's.
_WITH_XREFS = {"includeXRefs": "true", "include": "XRefs"}
_OK = (200,)


@dataclass(frozen=True, slots=True)
class ShokoFile:
    """A Shoko file (VideoLocal) with what its cross references say."""

    file_id: int
    relative_path: str
    import_folder_id: int | None
    cross_references: int
    anidb_anime_ids: tuple[int, ...] = ()
    tmdb_show_ids: tuple[int, ...] = ()
    tmdb_movie_ids: tuple[int, ...] = ()

    @property
    def matched(self) -> bool:
        """Shoko has linked the file to at least one episode."""
        return self.cross_references > 0


class ShokoClient(RestClient):
    """Talks to one Shoko Server with an API key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str, *, timeout: float = 10) -> None:
        super().__init__(session, url.rstrip("/") + "/api/v3/File", {"apikey": api_key}, timeout)

    async def async_check(self) -> None:
        """Call the file lookup the tracker relies on; raise if it does not work."""
        status, body = await self._async_request("GET", "/PathEndsWith", params={"path": _PROBE_TAIL, "limit": "1"})
        expect_json(status, body, list, "not a Shoko PathEndsWith answer", ok=_OK)

    async def async_find_file(self, path: str) -> ShokoFile | None:
        """The Shoko file whose location ends like `path` (last two components, else the file name), or None.

        `path` is the path as any other service sees it (Sonarr's episodeFile.path, a qBittorrent content path);
        only its tail is sent. Raises CannotConnectError, InvalidAuthError or InvalidResponseError.
        """
        if not normalize_path(path):
            return None
        tail = path_tail(path, 2)
        found = await self._async_path_ends_with(tail, unique=False)
        if found is None and "/" in tail:
            # The parent folder differs (another layout, or Shoko renamed it on import): fall back to the file name,
            # but only when it names exactly one file (E17: a bare name can be ambiguous).
            found = await self._async_path_ends_with(path_tail(path, 1), unique=True)
        return found

    async def async_get_file(self, file_id: int) -> ShokoFile | None:
        """A file by its Shoko id (v6 `release:saved` names only the id), or None if Shoko does not know it."""
        status, body = await self._async_request("GET", f"/{int(file_id)}", params=_WITH_XREFS)
        if status == 404:
            return None
        return _parse_file(expect_json(status, body, dict, "unexpected file answer", ok=_OK), "")

    async def _async_path_ends_with(self, tail: str, *, unique: bool) -> ShokoFile | None:
        params = {"path": tail, **_WITH_XREFS, "limit": str(_FIND_LIMIT)}
        status, body = await self._async_request("GET", "/PathEndsWith", params=params)
        if status == 404:
            # Some versions answer 404 for "no such file" on the route form.
            return None
        data = expect_json(status, body, list, "unexpected PathEndsWith answer", ok=_OK)
        matches = [file for item in data if (file := _parse_file(item, tail)) is not None]
        if not matches or (unique and len({file.file_id for file in matches}) > 1):
            return None
        # Several releases of one episode can share a tail: prefer one Shoko has matched.
        return max(matches, key=lambda file: file.matched)


def _parse_file(item: Any, tail: str) -> ShokoFile | None:
    """A File object from REST v3, if one of its locations ends with `tail` ("" accepts the first location)."""
    if not isinstance(item, dict):
        raise InvalidResponseError("a PathEndsWith item is not a JSON object")
    file_id = as_int(item.get("ID"))
    if file_id is None:
        raise InvalidResponseError("a Shoko file has no ID")
    locations = item.get("Locations")
    if not isinstance(locations, list):
        locations = []
    location: dict[str, Any] | None = None
    for candidate in locations:
        relative = candidate.get("RelativePath") if isinstance(candidate, dict) else None
        if isinstance(relative, str) and (not tail or tail_matches(relative, tail, relative=True)):
            location = candidate
            break
    if location is None:
        if tail:
            return None
        location = {}
    relative_path = location.get("RelativePath")
    folder_id = as_int(location.get("ImportFolderID", location.get("ManagedFolderID")))

    anidb: list[int] = []
    shows: list[int] = []
    movies: list[int] = []
    cross_references = 0
    series_refs = item.get("SeriesIDs")
    for series_ref in series_refs if isinstance(series_refs, list) else ():
        if not isinstance(series_ref, dict):
            continue
        series = series_ref.get("SeriesID")
        episodes = series_ref.get("EpisodeIDs")
        episode_list = (
            [episode for episode in episodes if isinstance(episode, dict)] if isinstance(episodes, list) else []
        )
        cross_references += max(1, len(episode_list))
        if isinstance(series, dict):
            _add(anidb, [series.get("AniDB")])
            tmdb = series.get("TMDB")
            if isinstance(tmdb, dict):
                _add(shows, _as_list(tmdb.get("Show")))
                _add(movies, _as_list(tmdb.get("Movie")))
        for episode in episode_list:
            tmdb = episode.get("TMDB")
            if isinstance(tmdb, dict):
                _add(shows, _as_list(tmdb.get("Show")))
                _add(movies, _as_list(tmdb.get("Movie")))
    return ShokoFile(
        file_id=file_id,
        relative_path=normalize_path(relative_path) if isinstance(relative_path, str) else "",
        import_folder_id=folder_id,
        cross_references=cross_references,
        anidb_anime_ids=tuple(anidb),
        tmdb_show_ids=tuple(shows),
        tmdb_movie_ids=tuple(movies),
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _add(target: list[int], values: Iterable[Any]) -> None:
    """Append the integer values not already in `target` (keeps Shoko's order)."""
    for value in values:
        number = as_int(value)
        if number is not None and number not in target:
            target.append(number)
