"""Radarr's movies, Sonarr's series and episodes and either's queue, as their sources say (docs/service-apis.md).

Resources carry the fields of Radarr's MovieResource and Sonarr's EpisodeResource/QueueResource (camelCase, nulls
left out). Radarr's `isAvailable` is computed as Movie.IsAvailable does (availability delay 0) at the time asked,
so a frozen clock moved past the release date makes the movie available, as the real Radarr would.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
import json
import re
from typing import Any

from aioresponses import CallbackResult, aioresponses

RADARR_URL = "http://192.168.1.10:7878"
SONARR_URL = "http://192.168.1.10:8989"


def _json(body: Any, status: int = 200) -> CallbackResult:
    return CallbackResult(status=status, body=json.dumps(body), content_type="application/json")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def radarr_is_available(movie: dict[str, Any], now: datetime) -> bool:
    """Radarr's Movie.IsAvailable(delay: 0)."""
    minimum = movie.get("minimumAvailability", "released")
    cinemas, physical, digital = (_time(movie.get(key)) for key in ("inCinemas", "physicalRelease", "digitalRelease"))
    if minimum in ("tba", "announced"):
        return True
    if minimum == "inCinemas" and cinemas is not None:
        return now >= cinemas
    releases = [date for date in (physical, digital) if date is not None]
    if releases:
        return now >= min(releases)
    return cinemas is not None and now >= cinemas + timedelta(days=90)


def radarr_movie(**fields: Any) -> dict[str, Any]:
    """A Radarr 5 movie resource (Dune: Part Two, released), with `fields` replacing its values."""
    movie = {
        "id": 12,
        "title": "Dune: Part Two",
        "originalTitle": "Dune: Part Two",
        "year": 2024,
        "tmdbId": 693134,
        "imdbId": "tt15239678",
        "titleSlug": "693134",
        "path": "/data/media/movies/Dune Part Two (2024)",
        "hasFile": False,
        "movieFileId": 0,
        "monitored": True,
        "minimumAvailability": "released",
        "status": "released",
        "inCinemas": "2024-02-27T00:00:00Z",
        "physicalRelease": "2024-05-14T00:00:00Z",
        "digitalRelease": "2024-04-16T00:00:00Z",
        "added": "2024-05-20T18:00:00Z",
        "tags": [],
    }
    movie.update(fields)
    return {key: value for key, value in movie.items() if value is not None}


def sonarr_series(**fields: Any) -> dict[str, Any]:
    """A Sonarr series resource (Chernobyl)."""
    return {
        "id": 7,
        "title": "Chernobyl",
        "tvdbId": 360893,
        "tmdbId": 87108,
        "imdbId": "tt7366338",
        "seriesType": "standard",
        "path": "/data/media/tv/Chernobyl",
        "monitored": True,
        "seasons": [{"seasonNumber": 1, "monitored": True}],
        **fields,
    }


def sonarr_episode(season: int, episode: int, air_date_utc: str | None, **fields: Any) -> dict[str, Any]:
    """A Sonarr episode resource of series 7."""
    record = {
        "id": 1000 + season * 100 + episode,
        "seriesId": 7,
        "tvdbId": 7000000 + season * 100 + episode,
        "episodeFileId": 0,
        "seasonNumber": season,
        "episodeNumber": episode,
        "title": f"Episode {episode}",
        "airDate": air_date_utc[:10] if air_date_utc else None,
        "airDateUtc": air_date_utc,
        "hasFile": False,
        "monitored": True,
        "unverifiedSceneNumbering": False,
        "grabbed": False,
        **fields,
    }
    return {key: value for key, value in record.items() if value is not None}


def queue_record(download_id: str, state: str, *, messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A Radarr queue record (QueueResource) of `download_id` in `trackedDownloadState` `state`."""
    status = {"importBlocked": "warning", "importPending": "warning", "failedPending": "error"}.get(state, "ok")
    return {
        "id": 1714236987,
        "movieId": 12,
        "title": "Dune.Part.Two.2024.1080p.BluRay.x264-GROUP",
        "size": 15032385536,
        "sizeleft": 0,
        "status": "completed",
        "trackedDownloadStatus": status,
        "trackedDownloadState": state,
        "statusMessages": messages or [],
        "downloadId": download_id.upper(),
        "protocol": "torrent",
        "downloadClient": "qBittorrent",
        "outputPath": "/data/torrents/radarr/Dune.Part.Two.2024.1080p.BluRay.x264-GROUP",
    }


class FakeRadarrMedia:
    """Radarr's `movie?tmdbId=` and `queue` (one page), for the movies and records it holds; `down`: answers 503."""

    def __init__(self, mock: aioresponses, base: str = RADARR_URL) -> None:
        self.movies: list[dict[str, Any]] = []
        self.queue: list[dict[str, Any]] = []
        self.asked: list[str] = []
        self.down = False
        api = f"{base}/api/v3"
        mock.get(re.compile(rf"^{re.escape(api)}/movie(\?.*)?$"), callback=self._movie, repeat=True)
        mock.get(re.compile(rf"^{re.escape(api)}/queue(\?.*)?$"), callback=self._queue, repeat=True)

    def _movie(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.asked.append("movie")
        if self.down:
            return _json({"message": "Service Unavailable"}, 503)
        tmdb_id = int(kwargs["params"]["tmdbId"])
        now = datetime.now(UTC)
        found = [
            {**copy.deepcopy(movie), "isAvailable": radarr_is_available(movie, now)}
            for movie in self.movies
            if movie["tmdbId"] == tmdb_id
        ]
        return _json(found)

    def _queue(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.asked.append("queue")
        return _json(_page(self.queue))


class FakeSonarrMedia:
    """Sonarr's `series?tvdbId=`, `episode?seriesId=` and `queue` (one page)."""

    def __init__(self, mock: aioresponses, base: str = SONARR_URL) -> None:
        self.series: list[dict[str, Any]] = []
        self.episodes: list[dict[str, Any]] = []
        self.queue: list[dict[str, Any]] = []
        self.asked: list[str] = []
        api = f"{base}/api/v3"
        mock.get(re.compile(rf"^{re.escape(api)}/series(\?.*)?$"), callback=self._series, repeat=True)
        mock.get(re.compile(rf"^{re.escape(api)}/episode(\?.*)?$"), callback=self._episodes, repeat=True)
        mock.get(re.compile(rf"^{re.escape(api)}/queue(\?.*)?$"), callback=self._queue, repeat=True)

    def _series(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.asked.append("series")
        tvdb_id = int(kwargs["params"]["tvdbId"])
        return _json([copy.deepcopy(series) for series in self.series if series["tvdbId"] == tvdb_id])

    def _episodes(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.asked.append("episode")
        params = kwargs.get("params") or {}
        if "seriesId" not in params:
            return _json({"message": "seriesId or episodeIds must be provided"}, 400)
        series_id = int(params["seriesId"])
        return _json([copy.deepcopy(ep) for ep in self.episodes if ep["seriesId"] == series_id])

    def _queue(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.asked.append("queue")
        return _json(_page(self.queue))


def _page(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "page": 1,
        "pageSize": 200,
        "sortKey": "timeleft",
        "sortDirection": "ascending",
        "totalRecords": len(records),
        "records": copy.deepcopy(records),
    }
