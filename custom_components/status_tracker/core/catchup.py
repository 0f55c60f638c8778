"""Catch-up: the events of webhooks missed while Home Assistant was down, rebuilt from REST records. Pure, no I/O.

The HA side fetches the records (docs/service-apis.md) and applies the events; the tracker is idempotent, so events
the webhooks did deliver, or a second run, change nothing.
- Seerr request list (GET /api/v1/request results[], §1.3-1.5): one record -> the RequestNotified events its webhooks
  sent, in order. PENDING(1) -> MEDIA_PENDING; APPROVED(2) -> MEDIA_APPROVED, plus MEDIA_AVAILABLE when the media
  (`status4k` for a 4K request) is AVAILABLE(5); DECLINED(3) -> MEDIA_DECLINED; FAILED(4) -> MEDIA_FAILED;
  COMPLETED(5) -> MEDIA_APPROVED, plus MEDIA_AVAILABLE when the media is AVAILABLE (DELETED(7) adds nothing). The list
  has no title: title, year and poster come from the /movie or /tv details, else the title is "TMDB <id>". The
  requester is the display name or a user name, never the email (Seerr's displayName falls back to it); the email
  is kept apart, to find the requester's person only.
- *arr history (GET /api/v3/history/since, media included, §2.6): `grabbed` -> Grabbed, `downloadFolderImported` ->
  Imported of `data.importedPath`, the library file (movie/series folder + relativePath in every version, the path
  the webhook parsers build too); other types are ignored. Rows are taken in `date` order (stable). Sonarr writes a
  row per episode: consecutive rows of the same type, download, media and release (grab) or file (import) are ONE
  event with all their episodes, so a season pack's grab is one Grabbed with N episodes, as its webhook was. A grab
  whose every episode (or movie) a later row grabs again or imports is left out: it adds nothing the later event
  does not, and replaying it would point the tracker back at a finished or replaced download.
- *arr queue (GET /api/v3/queue, media included, §2.5): each download id -> one Grabbed with every episode queued
  under it (Sonarr lists one record per episode). A queued download was grabbed even if its Grab webhook was lost.
- Download client: a history grab's `data.downloadClient` is the client's type (as the Grab webhook's
  `downloadClientType`) and `data.downloadClientName` its name; a queue record's `downloadClient` is the name only,
  so its type stays unknown (the tracker then keeps what it knew of that download).
- Anime: Sonarr `seriesType == "anime"`, or a path (media folder, imported file, the Seerr root folder) under an
  anime prefix. REST `tags` are tag IDS, not the labels webhooks send, so the tag rule cannot apply here.
- A Grab of a download the tracker already holds is dropped before applying (`without_known_grabs`).
- A record that cannot be read (not an object, no media or id, a bad number or date; a queue record without a
  downloadId) is skipped, never raised on: it costs its own events only. The caller counts skips.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
import re
from typing import Any

from .events import EpisodeRef, Event, Grabbed, Imported, ImportedFile, MediaInfo, NotificationKind, RequestNotified
from .models import AnimeRules, ArrApp, MediaType
from .parsers import InvalidPayload
from .parsers.arr import as_object, poster_url
from .parsers.fields import (
    JsonObject,
    download_id,
    optional_bool,
    optional_id,
    optional_int,
    optional_list,
    optional_object,
    optional_str,
    require_int,
    require_object,
    require_str,
)

_TMDB_POSTER = "https://image.tmdb.org/t/p/w600_and_h900_bestv2"
_MEDIA_AVAILABLE = 5  # MediaStatus.AVAILABLE
_APPROVED, _COMPLETED = 2, 5  # the MediaRequestStatus values MEDIA_AVAILABLE may follow
_KINDS = {
    1: NotificationKind.PENDING,
    _APPROVED: NotificationKind.APPROVED,
    3: NotificationKind.DECLINED,
    4: NotificationKind.FAILED,
    _COMPLETED: NotificationKind.APPROVED,
}
_MEDIA_TYPES = {media_type.value: media_type for media_type in MediaType}
_USER_NAMES = ("displayName", "username", "jellyfinUsername", "plexUsername")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_YEAR = re.compile(r"[0-9]{4}")
_GRABBED, _IMPORTED = "grabbed", "downloadfolderimported"


def seerr_request_events(record: dict[str, Any], details: dict[str, Any] | None, rules: AnimeRules) -> list[Event]:
    """The RequestNotified events one Seerr request record stands for; [] when the record cannot be read."""
    try:
        return _seerr_events(record, details, rules)
    except InvalidPayload:
        return []


def _seerr_events(record: Any, details: Any, rules: AnimeRules) -> list[Event]:
    data = as_object(record)
    if data is None:
        return []
    status = require_int(data, "status")
    media = require_object(data, "media")
    type_name = optional_str(media, "mediaType", "media") or optional_str(data, "type") or ""
    media_type = _MEDIA_TYPES.get(type_name.lower())
    if status not in _KINDS or media_type is None:
        return []
    is_tv = media_type is MediaType.TV
    tmdb_id = optional_id(media, "tmdbId", "media")
    tvdb_id = optional_id(media, "tvdbId", "media") if is_tv else None
    if tmdb_id is None and tvdb_id is None:
        raise InvalidPayload("media.tmdbId", "missing")
    is_4k = optional_bool(data, "is4k")
    title, year, poster, imdb_id = _details(details, media_type)
    info = MediaInfo(
        media_type=media_type,
        title=title or (f"TMDB {tmdb_id}" if tmdb_id else f"TVDB {tvdb_id}"),
        tmdb_id=tmdb_id,
        tvdb_id=tvdb_id,
        imdb_id=optional_str(media, "imdbId", "media") or imdb_id,
        year=year,
        is_4k=is_4k,
        # Seerr sends anime to the anime root folder and records it on the request when it is not the default one.
        is_anime=rules.path_is_anime(optional_str(data, "rootFolder")),
        poster_url=poster,
    )
    kinds = [_KINDS[status]]
    media_status = optional_int(media, "status4k" if is_4k else "status", "media")
    if status in {_APPROVED, _COMPLETED} and media_status == _MEDIA_AVAILABLE:
        kinds.append(NotificationKind.AVAILABLE)
    request_id, requester = require_str(data, "id"), _requester(data)
    email = optional_str(optional_object(data, "requestedBy") or {}, "email", "requestedBy")
    seasons = _seasons(data) if is_tv else None
    return [RequestNotified(kind, info, request_id, requester, seasons, email or None) for kind in kinds]


def _details(details: Any, media_type: MediaType) -> tuple[str | None, int | None, str | None, str | None]:
    """(title, year, poster url, IMDb id) from the /movie or /tv details; all None when absent or unreadable."""
    data = as_object(details)
    if data is None:
        return None, None, None, None
    movie = media_type is MediaType.MOVIE
    try:
        external = optional_object(data, "externalIds") or {}
        date = _YEAR.match(optional_str(data, "releaseDate" if movie else "firstAirDate") or "")
        poster = optional_str(data, "posterPath")
        return (
            optional_str(data, "title" if movie else "name"),
            int(date.group()) if date else None,
            f"{_TMDB_POSTER}{poster}" if poster else None,
            optional_str(data, "imdbId") or optional_str(external, "imdbId", "externalIds"),
        )
    except InvalidPayload:  # the details are optional: a bad one must not cost the request
        return None, None, None, None


def _requester(data: JsonObject) -> str | None:
    user = optional_object(data, "requestedBy") or {}
    email = (optional_str(user, "email", "requestedBy") or "").casefold()
    for key in _USER_NAMES:
        name = optional_str(user, key, "requestedBy")
        if name and name.casefold() != email and not _EMAIL.fullmatch(name):
            return name
    return None


def _seasons(data: JsonObject) -> tuple[int, ...] | None:
    """seasons[].seasonNumber, sorted; None when there are none (unknown: every season is in scope)."""
    items = optional_list(data, "seasons")
    numbers = {require_int(item, "seasonNumber", f"seasons[{i}]") for i, item in enumerate(items) if as_object(item)}
    return tuple(sorted(numbers)) or None


# --- Radarr / Sonarr ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    """One history or queue record, read: what its event needs, one episode at most."""

    grab: bool
    media: MediaInfo
    download_id: str | None
    quality: str | None
    release_title: str | None
    client_type: str | None
    client_name: str | None
    path: str  # importedPath ("" for a grab)
    episode: EpisodeRef | None

    @property
    def key(self) -> tuple[object, ...]:
        """Rows with equal keys are one webhook's worth: the same download of the same media, release or file."""
        return (self.grab, self.download_id, self.media, self.release_title if self.grab else self.path)


def arr_history_events(
    app: ArrApp, records: Iterable[dict[str, Any]], rules: AnimeRules, *, is_4k: bool
) -> list[Event]:
    """Grabbed/Imported events from history records, oldest first; unreadable and other records are skipped."""
    dated: list[tuple[datetime, _Row]] = []
    for record in records:
        try:
            read = _history_row(app, record, rules, is_4k)
        except InvalidPayload:
            continue
        if read is not None:
            dated.append(read)
    dated.sort(key=lambda item: item[0])
    groups: list[list[_Row]] = []
    for _, row in dated:
        if groups and groups[-1][-1].key == row.key:
            groups[-1].append(row)
        else:
            groups.append([row])
    # Newest first: a Grab whose every episode (or movie) a later event grabs again or imports is left out. Replayed,
    # it would make the tracker wait on a finished or replaced download until that later event: a change every run.
    kept: list[Event] = []
    covered: set[tuple[object, ...]] = set()
    for event in map(_event, reversed(groups)):
        media = event.media
        who = (media.media_type, media.tmdb_id, media.tvdb_id, media.is_4k)
        keys: set[tuple[object, ...]] = {(*who, ref.season, ref.episode) for ref in event.episodes} or {who}
        if isinstance(event, Imported) or not keys <= covered:
            kept.append(event)
        covered |= keys
    return kept[::-1]


def arr_queue_events(app: ArrApp, records: Iterable[dict[str, Any]], rules: AnimeRules, *, is_4k: bool) -> list[Event]:
    """One Grabbed per download id in the queue, in first-seen order; records without a download or media skipped."""
    by_download: dict[str, list[_Row]] = {}
    for record in records:
        try:
            data = as_object(record) or {}
            grabbed = download_id(data)
            if grabbed is not None:  # a pending (delayed) release has none: it is not grabbed yet
                media, episode = _media(app, data, rules, is_4k, None)
                # The queue's `downloadClient` is the name the user gave the client, not its type: left unknown.
                name = optional_str(data, "downloadClient")
                row = _Row(True, media, grabbed, _quality(data), optional_str(data, "title"), None, name, "", episode)
                by_download.setdefault(grabbed, []).append(row)
        except InvalidPayload:
            continue
    return [_event(group) for group in by_download.values()]


def _history_row(app: ArrApp, record: Any, rules: AnimeRules, is_4k: bool) -> tuple[datetime, _Row] | None:
    data = as_object(record)
    event_type = None if data is None else (optional_str(data, "eventType") or "").casefold()
    if data is None or event_type not in {_GRABBED, _IMPORTED}:
        return None
    grab = event_type == _GRABBED
    extra = optional_object(data, "data") or {}
    path = "" if grab else require_str(extra, "importedPath", "data")
    when = _date(data)
    media, episode = _media(app, data, rules, is_4k, path or None)
    # History `data.downloadClient` is the client's type (qBittorrent), as the Grab webhook's downloadClientType.
    client = optional_str(extra, "downloadClient", "data") if grab else None
    name = optional_str(extra, "downloadClientName", "data") if grab else None
    release = optional_str(data, "sourceTitle")
    return when, _Row(grab, media, download_id(data), _quality(data), release, client, name, path, episode)


def _media(
    app: ArrApp, data: JsonObject, rules: AnimeRules, is_4k: bool, file_path: str | None
) -> tuple[MediaInfo, EpisodeRef | None]:
    """The record's movie or series (and, for Sonarr, its one episode)."""
    movie = app == "radarr"
    name = "movie" if movie else "series"
    item = require_object(data, name)
    tmdb_id = optional_id(item, "tmdbId", name)
    tvdb_id = None if movie else optional_id(item, "tvdbId", name)
    if tmdb_id is None and tvdb_id is None:
        raise InvalidPayload(f"{name}.tmdbId", "missing")
    episode = None if movie else _episode(require_object(data, "episode"))
    series_type = (optional_str(item, "seriesType", name) or "").casefold()
    paths = (optional_str(item, "path", name), file_path)
    media = MediaInfo(
        media_type=MediaType.MOVIE if movie else MediaType.TV,
        title=require_str(item, "title", name),
        tmdb_id=tmdb_id,
        tvdb_id=tvdb_id,
        imdb_id=optional_str(item, "imdbId", name),
        year=optional_int(item, "year", name) or None,
        is_4k=is_4k,
        # Not the tag rule: REST tags are ids (ints), and a label could be a number (see the module docstring).
        is_anime=series_type == "anime" or any(rules.path_is_anime(path) for path in paths),
        poster_url=poster_url(item, name) or optional_str(item, "remotePoster", name),
    )
    return media, episode


def _episode(item: JsonObject) -> EpisodeRef:
    return EpisodeRef(
        season=require_int(item, "seasonNumber", "episode"),
        episode=require_int(item, "episodeNumber", "episode"),
        title=optional_str(item, "title", "episode"),
        sonarr_id=optional_id(item, "id", "episode"),
        tvdb_id=optional_id(item, "tvdbId", "episode"),
    )


def _quality(data: JsonObject) -> str | None:
    """quality.quality.name, e.g. "Bluray-1080p"."""
    outer = optional_object(data, "quality") or {}
    return optional_str(optional_object(outer, "quality", "quality") or {}, "name", "quality.quality")


def _date(data: JsonObject) -> datetime:
    text = require_str(data, "date")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidPayload("date", f"not an ISO date: {text!r}") from None
    # The *arr write UTC; a date without an offset must still compare with those that have one.
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _event(rows: list[_Row]) -> Grabbed | Imported:
    """One event for rows sharing a key, with every episode they name (once, in order)."""
    first = rows[0]
    unique = {(row.episode.season, row.episode.episode): row.episode for row in rows if row.episode}
    refs = tuple(ref for _, ref in sorted(unique.items()))
    if first.grab:
        return Grabbed(
            first.media,
            first.download_id,
            first.quality,
            first.release_title,
            download_client_type=first.client_type,
            episodes=refs,
            download_client=first.client_name,
        )
    file = ImportedFile(path=first.path, quality=first.quality, episodes=refs)
    return Imported(first.media, files=(file,), download_id=first.download_id, episodes=refs)


def without_known_grabs(events: Iterable[Event], knows_download: Callable[[str], bool]) -> list[Event]:
    """The events minus Grabs of downloads the tracker already holds (their rows exist): replaying one could only
    make an older of two live downloads the request's current one again, so a second catch-up would not be a no-op.
    """
    return [
        event
        for event in events
        if not (isinstance(event, Grabbed) and event.download_id and knows_download(event.download_id))
    ]
