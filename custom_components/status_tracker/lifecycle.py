"""State transitions for one request or episode. Monotonic by construction.

- A state moves only forward in progress order (rank). A late, repeated or reordered event aiming at the current
  state or an earlier one changes nothing.
- FAILED is apart from the order. Anything but AVAILABLE may fail. A FAILED request or episode moves on only with
  `evidence` of progress: a NEW Grab (a different download id, or none known), an import, or Jellyfin seeing it.
  A repeat of the Grab that failed, or a late Jellyseerr approval, leaves it FAILED.
- AVAILABLE is terminal for a request: only TV requests reopen, when a new episode row inside their requested
  seasons appears (new work, not a step back for any episode); `sync_tv_state` derives it from the rows.
- available_at is stamped on every move into AVAILABLE.
"""

from __future__ import annotations

from datetime import datetime

from .events import EpisodeRef, MediaInfo
from .models import Episode, EpisodeState, MediaRequest, RequestState


def advance_request(request: MediaRequest, target: RequestState, now: datetime, *, evidence: bool) -> bool:
    """Move a request (one without episode rows) towards `target`; True when it moved."""
    if not _may_move(request.state, target, evidence=evidence):
        return False
    request.state = target
    if target is RequestState.AVAILABLE:
        request.available_at = now
    return True


def advance_episode(episode: Episode, target: EpisodeState, now: datetime, *, evidence: bool) -> bool:
    """Move an episode row towards `target`; True when it moved."""
    if not _may_move(episode.state, target, evidence=evidence):
        return False
    episode.state = target
    if target is EpisodeState.AVAILABLE:
        episode.available_at = now
    return True


def _may_move[S: (RequestState, EpisodeState)](current: S, target: S, *, evidence: bool) -> bool:
    if current is target:
        return False
    failed = type(current).FAILED
    available = type(current).AVAILABLE
    if target is failed:
        return current is not available
    if current is failed:
        return evidence
    return target.rank > current.rank


def sync_tv_state(request: MediaRequest, now: datetime) -> None:
    """Store the state a TV request's episode rows put it in."""
    if not request.episodes:
        return
    derived = request.derived_state()
    if derived is not request.state:
        request.state = derived
        if derived is RequestState.AVAILABLE:
            request.available_at = now


def episode_row(request: MediaRequest, ref: EpisodeRef) -> Episode:
    """The row for `ref`, created PENDING if new, with what the ref knows filled in."""
    episode = request.episodes.get((ref.season, ref.episode))
    if episode is None:
        episode = Episode(season=ref.season, episode=ref.episode)
        request.episodes[episode.key] = episode
    episode.title = episode.title or ref.title
    episode.sonarr_episode_id = episode.sonarr_episode_id or ref.sonarr_id
    episode.tvdb_id = episode.tvdb_id or ref.tvdb_id
    return episode


def merge_media(request: MediaRequest, media: MediaInfo, *, authoritative: bool) -> None:
    """Fold what an event knows about the media into the request.

    Jellyseerr is `authoritative` for title, year and poster (TMDB's, as the user saw them); an *arr only fills
    what is missing. So the result is the same whichever arrived first. Ids fill in, never change; anime only
    turns on.
    """
    if authoritative:
        request.title = media.title or request.title
        request.year = media.year if media.year is not None else request.year
        request.poster_url = media.poster_url or request.poster_url
    else:
        request.year = request.year if request.year is not None else media.year
        request.poster_url = request.poster_url or media.poster_url
    request.tmdb_id = request.tmdb_id or media.tmdb_id
    request.tvdb_id = request.tvdb_id or media.tvdb_id
    request.imdb_id = request.imdb_id or media.imdb_id
    request.is_anime = request.is_anime or media.is_anime


def note_download(request: MediaRequest, download_id: str | None) -> None:
    """Remember a download id for correlation (history kept, E4)."""
    if download_id is not None and download_id not in request.download_ids:
        # Sorted, not in arrival order, so reordered events leave the same history.
        request.download_ids = sorted([*request.download_ids, download_id])
