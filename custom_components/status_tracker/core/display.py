"""What a request sensor shows as attributes: what a person reads in Home Assistant's more-info dialog.

The frontend formats a number with the locale's separators ("2,024") and knows units only for its own domains, so
ids, the year and the download figures are text here; a key with no value is left out (the dialog would show
"Unknown"). The machine-readable shape, numbers as numbers, stays with `get_requests` and the events
(attributes.py's `request_attributes`).
"""

from __future__ import annotations

from typing import Any

from .attributes import episode_cause_views, episode_rows, percent
from .coerce import iso
from .models import MediaRequest

_SPEED_UNITS = ("B/s", "kB/s", "MB/s", "GB/s")


def format_percent(fraction: float) -> str:
    """0.119 → "11.9 %"; 0.9996 → "99.9 %" (rounded down, as `percent`)."""
    return f"{percent(fraction):.1f} %"


def format_speed(bytes_per_second: int) -> str:
    """273140 → "273 kB/s": decimal units, one decimal below ten (the card's wording)."""
    value = float(bytes_per_second)
    unit = 0
    while value >= 1000 and unit < len(_SPEED_UNITS) - 1:
        value /= 1000
        unit += 1
    number = f"{value:.1f}" if value < 10 and unit else f"{round(value)}"
    return f"{number} {_SPEED_UNITS[unit]}"


def format_duration(seconds: int) -> str:
    """211 → "3 min 31 s", 5400 → "1 h 30 min", 200000 → "2 d 7 h": the two largest units."""
    rest = max(0, seconds)
    parts: list[str] = []
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s")):
        if rest >= size or (size == 1 and not parts):
            parts.append(f"{rest // size} {unit}")
            rest %= size
        elif parts:
            break
        if len(parts) == 2:
            break
    return " ".join(parts)


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def request_display_attributes(request: MediaRequest) -> dict[str, Any]:
    """The sensor's attributes, most important first; keys without a value are left out."""
    seasons = request.requested_seasons
    shown: dict[str, Any] = {
        # What needs a person comes first.
        "reason": request.reason,
        "needs_attention": request.needs_attention,
        "cause": request.cause,
        "cause_since": iso(request.cause_since),
        "cause_details": dict(request.cause_details) or None,
        "stuck_since": iso(request.stuck_since),
        "state_text": request.state_text(),
        "grabbed_text": request.grabbed_text(),
        "download_progress": None if request.download_progress is None else format_percent(request.download_progress),
        "download_speed": format_speed(request.download_speed) if request.download_speed else None,
        "download_eta": None if request.download_eta is None else format_duration(request.download_eta),
        "title": request.title,
        "year": _text(request.year),
        "media_type": str(request.media_type),
        "requested_by": request.requested_by,
        "requested_seasons": ", ".join(str(season) for season in sorted(seasons)) if seasons else None,
        "quality": request.quality,
        # Flags read only when they hold: a movie is not "Anime: No".
        "is_4k": request.is_4k or None,
        "is_anime": request.is_anime or None,
        "already_available": request.already_available or None,
        "download_client": request.download_client,
        "download_id": request.download_id,
        "final_path": request.final_path,
        "request_id": request.request_id,
        "jellyseerr_request_id": request.jellyseerr_request_id,
        "tmdb_id": _text(request.tmdb_id),
        "tvdb_id": _text(request.tvdb_id),
        "imdb_id": request.imdb_id,
        "poster_url": request.poster_url or None,
        "created_at": iso(request.created_at),
        "state_changed_at": iso(request.state_changed_at),
        "updated_at": iso(request.updated_at),
        "anime_matched_at": iso(request.anime_matched_at),
        "available_at": iso(request.available_at),
        "episode_causes": episode_cause_views(request),
        # Last: the card and automations read the per-episode rows; a person reads state_text above.
        "episodes": episode_rows(request) or None,
    }
    return {key: value for key, value in shown.items() if value is not None and value != ""}
