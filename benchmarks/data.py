"""Generated tracker data: many finished requests, as years of use leave them, plus a few active targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import hashlib
from typing import Any

EPISODES_PER_SERIES = 20
# The requests the scale benchmark posts webhooks for: present, identical, in the small and the big tracker.
TARGET_MOVIES = 5
TARGET_SERIES = 5
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def torrent_hash(*parts: object) -> str:
    """A stable 40-hex torrent hash."""
    return hashlib.sha1("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _iso(minutes: int) -> str:
    return (BASE_TIME + timedelta(minutes=minutes)).isoformat()


def movie(index: int, *, state: str = "available", download_id: str | None = None) -> dict[str, Any]:
    """A movie request as `MediaRequest.to_dict` writes it."""
    title = f"Movie number {index}"
    download_id = download_id or torrent_hash("movie", index)
    data: dict[str, Any] = {
        "request_id": f"m{index:08d}",
        "media_type": "movie",
        "title": title,
        "state": state,
        "created_at": _iso(index),
        "updated_at": _iso(index + 90),
        "state_changed_at": _iso(index + 90),
        "year": 2000 + index % 25,
        "poster_url": f"https://image.tmdb.org/t/p/w600_and_h900_bestv2/poster{index}.jpg",
        "requested_by": f"user{index % 7}",
        "tmdb_id": 1_000_000 + index,
        "imdb_id": f"tt{9_000_000 + index}",
        "jellyseerr_request_id": str(100_000 + index),
        "quality": "Bluray-1080p",
        "download_id": download_id,
        "download_ids": [download_id],
    }
    if state == "available":
        path = f"/data/media/movies/{title} ({data['year']})/{title} ({data['year']}) Bluray-1080p.mkv"
        data |= {
            "download_progress": 1.0,
            "final_path": path,
            "jellyfin_item_id": torrent_hash("jf-movie", index)[:32],
            "available_at": _iso(index + 90),
        }
    return data


def series(index: int, *, state: str = "available", episodes: int = EPISODES_PER_SERIES) -> dict[str, Any]:
    """A TV request with `episodes` rows (season 1), as `MediaRequest.to_dict` writes it."""
    title = f"Series number {index}"
    available = state == "available"
    rows = []
    for number in range(1, episodes + 1):
        row: dict[str, Any] = {
            "season": 1,
            "episode": number,
            "state": "available" if available else "pending",
            "title": f"Episode {number} of {title}",
            "sonarr_episode_id": index * 100 + number,
            "tvdb_id": 50_000_000 + index * 100 + number,
        }
        if available:
            row |= {
                "download_id": torrent_hash("series", index),
                "final_path": f"/data/media/tv/{title}/Season 01/{title} - S01E{number:02d} WEBDL-1080p.mkv",
                "quality": "WEBDL-1080p",
                "download_progress": 1.0,
                "available_at": _iso(index + 90),
            }
        rows.append(row)
    data: dict[str, Any] = {
        "request_id": f"s{index:08d}",
        "media_type": "tv",
        "title": title,
        "state": "available" if available else "approved",
        "created_at": _iso(index),
        "updated_at": _iso(index + 90),
        "state_changed_at": _iso(index + 90),
        "year": 2000 + index % 25,
        "poster_url": f"https://artworks.thetvdb.com/banners/posters/{index}-1.jpg",
        "requested_by": f"user{index % 7}",
        "tmdb_id": 2_000_000 + index,
        "tvdb_id": 3_000_000 + index,
        "imdb_id": f"tt{8_000_000 + index}",
        "jellyseerr_request_id": str(200_000 + index),
        "requested_seasons": [1],
        "episode_total": episodes,
        "episodes": rows,
    }
    if available:
        data |= {
            "quality": "WEBDL-1080p",
            "download_id": torrent_hash("series", index),
            "download_ids": [torrent_hash("series", index)],
            "jellyfin_item_id": torrent_hash("jf-series", index)[:32],
            "available_at": _iso(index + 90),
        }
    return data


def targets() -> list[dict[str, Any]]:
    """The active requests the scale benchmark updates: TARGET_MOVIES approved movies, TARGET_SERIES series."""
    return [movie(i, state="approved") for i in range(TARGET_MOVIES)] + [
        series(i, state="approved") for i in range(TARGET_SERIES)
    ]


def tracker_data(requests: int, episodes: int) -> dict[str, Any]:
    """`Tracker.to_dict` output: the targets, then finished fillers, `requests` in all, `episodes` rows in all.

    Fillers are half movies, half series; the series share the episode rows left after the targets' evenly.
    """
    items = targets()
    fillers = requests - len(items)
    filler_series = fillers // 2
    rows_left = episodes - sum(len(item.get("episodes", ())) for item in items)
    per_series, extra = divmod(max(rows_left, 0), filler_series) if filler_series else (0, 0)
    for n in range(fillers - filler_series):
        items.append(movie(TARGET_MOVIES + n))
    for n in range(filler_series):
        items.append(series(TARGET_SERIES + n, episodes=per_series + (1 if n < extra else 0)))
    return {"requests": items}
