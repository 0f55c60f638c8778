"""Jellyseerr / Seerr webhook payloads (default template) -> events (contracts.md §3).

Followed notification types: MEDIA_PENDING, MEDIA_APPROVED, MEDIA_AUTO_APPROVED, MEDIA_AVAILABLE, MEDIA_DECLINED,
MEDIA_FAILED. TEST_NOTIFICATION, the ISSUE_* types and anything else are skipped, as is a body without
`notification_type` (the template is user-editable, E10).
Every template value is a string: ids arrive as "693134", a movie's tvdbId as "". Needed: `media` (an object) with
`media_type` "movie"|"tv" and a `tmdbId` (a TV request may carry a `tvdbId` instead), and `subject`.
- `subject` is "Title (YYYY)"; the year is the LAST "(dddd)" at the end, so "(500) Days of Summer (2009)" keeps its
  parentheses. Without a date TMDB sends the bare title and the year is None.
- `image` is the poster; a TMDB URL ending in "null" (no poster) or "" reads as None.
- `request.requestedBy_username` (the display name) is the requester; `request.request_id` the request id.
  `request.requestedBy_email` (Seerr stores it lower case) only serves to find the requester's person.
- 4K comes only from the `event` prefix "4K " (E8).
- Requested seasons come from the `extra` entry named "Requested Seasons" ("1, 2, 3"; E11); None when absent.
"""

from __future__ import annotations

import re
from typing import Any

from ..coerce import as_int
from ..events import Event, MediaInfo, NotificationKind, RequestNotified
from ..models import AnimeRules, MediaType
from . import InvalidPayload, ParseResult
from .fields import JsonObject, optional_id, optional_list, optional_object, optional_str, require_str

_SUBJECT = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)\s*$")
_KINDS = {kind.value: kind for kind in NotificationKind}
_SEASONS_ENTRY = "requested seasons"


def parse(payload: Any, rules: AnimeRules) -> list[Event]:
    """The events in one Jellyseerr webhook payload."""
    return list(parse_result(payload, rules).events)


def parse_result(payload: Any, rules: AnimeRules) -> ParseResult:
    """The events in one Jellyseerr webhook payload, or why it was skipped."""
    if not isinstance(payload, dict):
        return ParseResult.skip("payload is not a JSON object")
    notification = optional_str(payload, "notification_type")
    if notification is None:
        return ParseResult.skip("no notification_type: not a Jellyseerr payload")
    if notification == "TEST_NOTIFICATION":
        return ParseResult.skip("Jellyseerr test notification")
    kind = _KINDS.get(notification)
    if kind is None:
        return ParseResult.skip(f"Jellyseerr notification {notification} is not tracked")
    return ParseResult(events=(_notification(payload, kind),))


def split_subject(subject: str) -> tuple[str, int | None]:
    """("Dune: Part Two", 2024) from "Dune: Part Two (2024)"; the title alone when there is no year."""
    match = _SUBJECT.match(subject)
    if match is None or not match.group("title"):
        return subject.strip(), None
    return match.group("title"), int(match.group("year"))


def _notification(payload: JsonObject, kind: NotificationKind) -> RequestNotified:
    media = payload.get("media")
    if not isinstance(media, dict):
        raise InvalidPayload("media", "missing" if media is None else "must be an object")
    media_type = _media_type(media)
    tmdb_id = optional_id(media, "tmdbId", "media")
    tvdb_id = optional_id(media, "tvdbId", "media")
    if tmdb_id is None and (media_type is MediaType.MOVIE or tvdb_id is None):
        raise InvalidPayload("media.tmdbId", "missing")
    title, year = split_subject(require_str(payload, "subject"))
    request = optional_object(payload, "request") or {}
    return RequestNotified(
        kind=kind,
        media=MediaInfo(
            media_type=media_type,
            title=title,
            tmdb_id=tmdb_id,
            tvdb_id=tvdb_id if media_type is MediaType.TV else None,
            year=year,
            is_4k=(optional_str(payload, "event") or "").startswith("4K "),
            poster_url=_poster(payload),
        ),
        jellyseerr_request_id=optional_str(request, "request_id", "request"),
        requested_by=optional_str(request, "requestedBy_username", "request"),
        requested_seasons=_requested_seasons(payload) if media_type is MediaType.TV else None,
        requested_by_email=optional_str(request, "requestedBy_email", "request"),
    )


def _media_type(media: JsonObject) -> MediaType:
    value = (optional_str(media, "media_type", "media") or "").lower()
    if not value:
        raise InvalidPayload("media.media_type", "missing")
    try:
        return MediaType(value)
    except ValueError:
        raise InvalidPayload("media.media_type", f"unknown media type {value!r}") from None


def _poster(payload: JsonObject) -> str | None:
    image = optional_str(payload, "image")
    if image is None or image.endswith("null"):
        return None
    return image


def _requested_seasons(payload: JsonObject) -> tuple[int, ...] | None:
    for index, entry in enumerate(optional_list(payload, "extra")):
        if not isinstance(entry, dict):
            continue
        name = optional_str(entry, "name", f"extra[{index}]")
        if name is None or name.casefold() != _SEASONS_ENTRY:
            continue
        value = optional_str(entry, "value", f"extra[{index}]") or ""
        seasons = []
        for token in value.split(","):
            season = as_int(token)
            if season is None:
                raise InvalidPayload(f"extra[{index}].value", f"not a season number: {token.strip()!r}")
            seasons.append(season)
        return tuple(sorted(set(seasons)))
    return None
