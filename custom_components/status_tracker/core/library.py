"""Library evidence: which request a Jellyfin sighting or a Shoko match is about, and what it does. Pure, no I/O.

Jellyfin (webhook or poller):
- A movie item matches the request linked to its item id if that one is active, else the newest active request by
  TMDB/IMDb id (non-4K first, then 4K). An episode matches by its own TVDB id (as Sonarr sent it), else its series
  by Jellyfin SeriesId (linked by a Series item) or name, then the newest request for that series holding one of
  the named rows still waiting. Jellyfin never creates a request, and a movie item for an inactive request
  changes nothing.
- With `request_id` set (the poller looked that request up), the event goes to that request only if it is still
  active and of the same media type; TV rows are still named by season/episodes or the episode TVDB id.
- A sighting is terminal evidence: the movie or rows become AVAILABLE, and the item id is linked.

Shoko (feed or REST):
- A match counts only with at least one cross reference (E16). Its path is compared by TAIL with the final paths
  (E15-E17, see `paths.path_tails`): "folder/file", or the file name alone when Shoko's path has one
  component. It concerns imported files Jellyfin has not confirmed: an active request, and the movie or the rows
  in IMPORTING/ANIME_MATCHING whose path matches (several rows share a multi-episode file).
- The first match sets `anime_matched_at` (on the movie, or per row); the state stays, since AVAILABLE still
  needs Jellyfin. The resulting Change tells the HA side to look the request up in Jellyfin at once. A repeated
  match changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .correlation import Index, MediaKey, media_keys, request_keys
from .events import FileMatched, SeenInLibrary, SeriesInLibrary
from .models import Episode, EpisodeKey, EpisodeState, MediaRequest, MediaType, RequestState
from .paths import path_tails
from .transitions import advance_episode, advance_request, sync_tv_state

_UNCONFIRMED = frozenset({"importing", "anime_matching"})


def find_seen(index: Index, event: SeenInLibrary) -> tuple[MediaRequest, list[Episode]] | None:
    """The request a Jellyfin item is about, and the rows it names (none for a movie); None: nothing to do."""
    if event.request_id is not None:
        return _hinted(index, event)
    if event.media_type is MediaType.MOVIE:
        request = index.by_jellyfin_item(event.item_id)
        if request is None or not request.is_active:
            request = _active_for(
                index,
                lambda is_4k: media_keys(
                    MediaType.MOVIE, tmdb_id=event.tmdb_id, tvdb_id=None, imdb_id=event.imdb_id, is_4k=is_4k
                ),
            )
        return None if request is None or not request.is_active else (request, [])
    keys = _named_keys(event)
    series = None
    by_tvdb = index.by_episode_tvdb(event.tvdb_id)
    if by_tvdb is not None:
        series = by_tvdb[0]
        keys.add(by_tvdb[1])
    series = series or index.by_jellyfin_item(event.series_item_id) or index.by_title(MediaType.TV, event.series_name)
    if series is None:
        return None

    def holds_waiting_row(candidate: MediaRequest) -> bool:
        return any(
            key in candidate.episodes and candidate.episodes[key].state is not EpisodeState.AVAILABLE for key in keys
        )

    request = index.for_media(request_keys(series), holds_waiting_row) or series
    rows = [request.episodes[key] for key in keys if key in request.episodes]
    return (request, rows) if rows else None


def mark_seen(request: MediaRequest, rows: list[Episode], event: SeenInLibrary, now: datetime) -> None:
    """Make the movie, or the rows, AVAILABLE and link the Jellyfin item."""
    if event.media_type is MediaType.MOVIE:
        advance_request(request, RequestState.AVAILABLE, now, evidence=True)
        request.jellyfin_item_id = request.jellyfin_item_id or event.item_id
        return
    for episode in rows:
        advance_episode(episode, EpisodeState.AVAILABLE, now, evidence=True)
    request.jellyfin_item_id = request.jellyfin_item_id or event.series_item_id
    sync_tv_state(request, now)


def find_series(index: Index, event: SeriesInLibrary) -> MediaRequest | None:
    """The request a Jellyfin Series item belongs to, when it is not linked to it yet."""
    request = _active_for(
        index,
        lambda is_4k: media_keys(
            MediaType.TV, tmdb_id=event.tmdb_id, tvdb_id=event.tvdb_id, imdb_id=event.imdb_id, is_4k=is_4k
        ),
    ) or index.by_title(MediaType.TV, event.title)
    return None if request is None or request.jellyfin_item_id == event.item_id else request


def find_matched(index: Index, event: FileMatched) -> tuple[MediaRequest, list[Episode]] | None:
    """The request whose imported file Shoko matched, and its matching rows (none for a movie); None: nothing."""
    tails = path_tails(event.path)
    if event.cross_references < 1 or not tails:
        return None
    request = index.by_path_tail(event.path)
    if request is None or not request.is_active:
        return None
    if request.episodes:
        rows = [
            episode
            for episode in request.episodes.values()
            if _unmatched(episode.state, episode.anime_matched_at) and tails[0] in path_tails(episode.final_path)
        ]
        return (request, rows) if rows else None
    if _unmatched(request.state, request.anime_matched_at) and tails[0] in path_tails(request.final_path):
        return request, []
    return None


def mark_matched(request: MediaRequest, rows: list[Episode], now: datetime) -> None:
    """Stamp the Shoko match on the rows, or on the movie when there are none."""
    if not rows:
        request.anime_matched_at = now
    for episode in rows:
        episode.anime_matched_at = now


def _unmatched(state: RequestState | EpisodeState, matched_at: datetime | None) -> bool:
    return state.value in _UNCONFIRMED and matched_at is None


def _hinted(index: Index, event: SeenInLibrary) -> tuple[MediaRequest, list[Episode]] | None:
    request = index.requests.get(event.request_id or "")
    if request is None or not request.is_active or request.media_type is not event.media_type:
        return None
    if event.media_type is MediaType.MOVIE:
        return request, []
    keys = _named_keys(event)
    by_tvdb = index.by_episode_tvdb(event.tvdb_id)
    if by_tvdb is not None and by_tvdb[0] is request:
        keys.add(by_tvdb[1])
    rows = [request.episodes[key] for key in keys if key in request.episodes]
    return (request, rows) if rows else None


def _named_keys(event: SeenInLibrary) -> set[EpisodeKey]:
    if event.season is None:
        return set()
    return {(event.season, number) for number in event.episodes}


def _active_for(index: Index, keys_for: Callable[[bool], list[MediaKey]]) -> MediaRequest | None:
    """The active request for a media whose 4K flag is unknown: normal quality first, then 4K."""
    candidates = [index.for_media(keys_for(is_4k)) for is_4k in (False, True)]
    return next((c for c in candidates if c is not None and c.is_active), None) or candidates[0]
