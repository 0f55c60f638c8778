"""What a request sensor shows as attributes: also the shape the get_requests action and the card read."""

from __future__ import annotations

import math
from typing import Any

from .coerce import iso
from .models import MediaRequest


def percent(fraction: float | None) -> float | None:
    """Progress as a percentage with one decimal, as users read it: rounded down, so that a download still running
    (qBittorrent's 0.9996) never reads 100 %."""
    # The epsilon keeps binary fractions exact: 0.119 * 1000 is 118.99999999999999.
    return math.floor(fraction * 1000 + 1e-6) / 10 if fraction is not None else None


def episode_rows(request: MediaRequest) -> list[dict[str, Any]]:
    """One row per episode, in episode order: what the card's episode grid and the blueprints read."""
    return [
        {
            "season": episode.season,
            "episode": episode.episode,
            "state": str(episode.state),
            "title": episode.title,
            "download_progress": percent(episode.download_progress),
            "final_path": episode.final_path,
        }
        for _, episode in sorted(request.episodes.items())
    ]


def episode_cause_views(request: MediaRequest) -> list[dict[str, Any]] | None:
    """The cause of each group of episodes, None when there is none."""
    return [group.as_view() for group in request.episode_causes] or None


def request_attributes(request: MediaRequest) -> dict[str, Any]:
    """The sensor's attributes (also the shape the actions return)."""
    counts = request.episode_counts() if request.episodes else None
    return {
        "request_id": request.request_id,
        "title": request.title,
        "year": request.year,
        "media_type": str(request.media_type),
        "is_anime": request.is_anime,
        "is_4k": request.is_4k,
        "poster_url": request.poster_url,
        "requested_by": request.requested_by,
        "tmdb_id": request.tmdb_id,
        "tvdb_id": request.tvdb_id,
        "imdb_id": request.imdb_id,
        "jellyseerr_request_id": request.jellyseerr_request_id,
        "quality": request.quality,
        "requested_seasons": request.requested_seasons,
        "download_id": request.download_id,
        "download_client": request.download_client,
        "download_progress": percent(request.download_progress),
        "download_speed": request.download_speed,
        "download_eta": request.download_eta,
        "final_path": request.final_path,
        "episode_total": request.episode_total if request.episodes else None,
        "episode_counts": counts,
        "state_text": request.state_text(),
        "grabbed_text": request.grabbed_text(),
        "reason": request.reason,
        "stuck_since": iso(request.stuck_since),
        "cause": request.cause,
        "cause_since": iso(request.cause_since),
        "cause_details": dict(request.cause_details) or None,
        "episode_causes": episode_cause_views(request),
        "anime_matched_at": iso(request.anime_matched_at),
        "needs_attention": request.needs_attention,
        "already_available": request.already_available,
        "created_at": iso(request.created_at),
        "state_changed_at": iso(request.state_changed_at),
        "updated_at": iso(request.updated_at),
        "available_at": iso(request.available_at),
        "episodes": episode_rows(request),
    }
