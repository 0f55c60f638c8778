"""Jellyfin webhook plugin (Generic destination) payloads -> events (contracts.md §4).

Only `NotificationType == "ItemAdded"` is followed; every other notification, and Season or other item types,
is skipped. Both the recommended template (every value a string, "" when empty, dashed ItemId) and
SendAllProperties (numbers stay numbers, N-format ItemId) are read. Provider keys are matched case-insensitively
(`Provider_tmdb`, `Provider_Tmdb`). Item ids are normalised: dashes removed, lowercase (E18).
- Movie: needs a Provider_tmdb, Provider_imdb or Provider_tvdb -> SeenInLibrary with the movie's ids.
- Episode: needs SeasonNumber and EpisodeNumber, or a Provider_tvdb (the EPISODE's TVDB id, which Sonarr also
  sends as `episodes[].tvdbId`); EpisodeNumberEnd expands a multi-episode file (E2). The series is named by
  SeriesId and SeriesName, since Jellyfin does not send the series' provider ids on an episode.
- Series: needs ItemId -> SeriesInLibrary, linking the Jellyfin series to the request.
- A Movie, or an Episode without its numbers, that has no provider id at all is skipped ("no provider ids"): the
  plugin sends ItemAdded before the metadata fetch on Jellyfin 10.8 (after 10 retries on later versions), with no
  Provider_* key (SendAllProperties) or each one "" (template). The library check confirms such an item later.
The body may arrive as text/plain; decoding the JSON is the caller's job, this module takes the decoded value.
`repair_backslashes` serves that caller: the plugin's Escape() escapes only `"`, so a backslash in a Name or
SeriesName reaches the template raw and makes the body invalid JSON.
"""

from __future__ import annotations

import re
from typing import Any

from ..events import Event, SeenInLibrary, SeriesInLibrary
from ..models import AnimeRules, MediaType
from . import InvalidPayload, ParseResult
from .fields import JsonObject, optional_id, optional_int, optional_str, require_str

_PROVIDER = "Provider_"
NO_PROVIDER_IDS = "no provider ids"

# A JSON string (quotes included), an escape pair at a time, so an escaped quote never ends it.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# A backslash with the escape it starts, if JSON knows that escape.
_BACKSLASH = re.compile(r'\\(["\\/bfnrt]|u[0-9A-Fa-f]{4})?')


def parse(payload: Any, rules: AnimeRules) -> list[Event]:
    """The events in one Jellyfin webhook payload."""
    return list(parse_result(payload, rules).events)


def parse_result(payload: Any, rules: AnimeRules) -> ParseResult:
    """The events in one Jellyfin webhook payload, or why it was skipped."""
    if not isinstance(payload, dict):
        return ParseResult.skip("payload is not a JSON object")
    notification = optional_str(payload, "NotificationType")
    if notification is None:
        return ParseResult.skip("no NotificationType: not a Jellyfin webhook payload")
    if notification != "ItemAdded":
        return ParseResult.skip(f"Jellyfin notification {notification} is not tracked")
    item_type = require_str(payload, "ItemType")
    # Keyed "Provider_<name lowercase>" whatever case the sender used, so errors name the usual key.
    providers = {
        _PROVIDER + key[len(_PROVIDER) :].casefold(): value
        for key, value in payload.items()
        if key.casefold().startswith(_PROVIDER.casefold())
    }
    identified = any(value is not None and str(value).strip() for value in providers.values())
    if item_type == "Movie":
        return ParseResult(events=(_movie(payload, providers),)) if identified else ParseResult.skip(NO_PROVIDER_IDS)
    if item_type == "Episode":
        if not identified and None in (optional_int(payload, "SeasonNumber"), optional_int(payload, "EpisodeNumber")):
            return ParseResult.skip(NO_PROVIDER_IDS)
        return ParseResult(events=(_episode(payload, providers),))
    if item_type == "Series":
        return ParseResult(events=(_series(payload, providers),))
    return ParseResult.skip(f"Jellyfin item type {item_type} is not tracked")


def repair_backslashes(text: str) -> str | None:
    """`text` with every backslash inside a string that starts no JSON escape doubled; None when there is none.

    Only that is repaired: a backslash outside a string, a raw line break, an unterminated string are left as they
    are (the body stays invalid). A backslash that starts a valid escape (\\n, \\t, \\", \\\\, \\/, \\b, \\f, \\r,
    \\u and four hex digits) keeps its JSON meaning even though the name may have meant it literally ("C:\\new"):
    a body needing no repair is read that way too, so a name reads the same whatever else the body holds. A name
    ending in a backslash is beyond repair: its backslash escapes the closing quote.
    """
    parts: list[str] = []
    position = 0
    changed = False

    def escape(match: re.Match[str]) -> str:
        nonlocal changed
        if match.group(1) is not None:
            return match.group(0)
        changed = True
        return "\\\\"

    while (start := text.find('"', position)) >= 0:
        string = _JSON_STRING.match(text, start)
        if string is None:
            break  # unterminated: nothing after it is known to be inside a string
        parts += (text[position:start], _BACKSLASH.sub(escape, string.group()))
        position = string.end()
    parts.append(text[position:])
    return "".join(parts) if changed else None


def normalise_item_id(value: str) -> str:
    """A Jellyfin Guid in the REST API's form: no dashes, lowercase."""
    return value.replace("-", "").lower()


def _item_id(payload: JsonObject, key: str) -> str | None:
    value = optional_str(payload, key)
    return None if value is None else normalise_item_id(value)


def _movie(payload: JsonObject, providers: JsonObject) -> SeenInLibrary:
    tmdb_id = optional_id(providers, "Provider_tmdb")
    tvdb_id = optional_id(providers, "Provider_tvdb")
    imdb_id = optional_str(providers, "Provider_imdb")
    if tmdb_id is None and imdb_id is None and tvdb_id is None:
        raise InvalidPayload("Provider_tmdb", "missing (no provider id at all)")
    return SeenInLibrary(
        media_type=MediaType.MOVIE,
        item_id=_item_id(payload, "ItemId"),
        tmdb_id=tmdb_id,
        tvdb_id=tvdb_id,
        imdb_id=imdb_id,
    )


def _episode(payload: JsonObject, providers: JsonObject) -> SeenInLibrary:
    tvdb_id = optional_id(providers, "Provider_tvdb")
    season = optional_int(payload, "SeasonNumber")
    first = optional_int(payload, "EpisodeNumber")
    if (season is None or first is None) and tvdb_id is None:
        field = "SeasonNumber" if season is None else "EpisodeNumber"
        raise InvalidPayload(field, "missing (and no Provider_tvdb)")
    last = optional_int(payload, "EpisodeNumberEnd")
    numbers: tuple[int, ...] = ()
    if first is not None:
        numbers = tuple(range(first, last + 1)) if last is not None and last > first else (first,)
    return SeenInLibrary(
        media_type=MediaType.TV,
        item_id=_item_id(payload, "ItemId"),
        tmdb_id=optional_id(providers, "Provider_tmdb"),
        tvdb_id=tvdb_id,
        imdb_id=optional_str(providers, "Provider_imdb"),
        series_item_id=_item_id(payload, "SeriesId"),
        series_name=optional_str(payload, "SeriesName"),
        season=season,
        episodes=numbers if season is not None else (),
    )


def _series(payload: JsonObject, providers: JsonObject) -> SeriesInLibrary:
    return SeriesInLibrary(
        item_id=normalise_item_id(require_str(payload, "ItemId")),
        title=optional_str(payload, "Name"),
        tmdb_id=optional_id(providers, "Provider_tmdb"),
        tvdb_id=optional_id(providers, "Provider_tvdb"),
        imdb_id=optional_str(providers, "Provider_imdb"),
    )
