"""State transitions for one request or episode. Monotonic by construction.

- A state moves only forward in progress order (rank). A late, repeated or reordered event aiming at the current
  state or an earlier one changes nothing.
- FAILED is apart from the order. Anything but AVAILABLE may fail. A FAILED request or episode moves on only with
  `evidence` of progress: a NEW Grab (a different download id, or none known), an import, or Jellyfin seeing it.
  A repeat of the Grab that failed, or a late Jellyseerr approval, leaves it FAILED.
- AVAILABLE is terminal for a request: only TV requests reopen, when a new episode row inside their requested
  seasons appears (new work, not a step back for any episode); `sync_tv_state` derives it from the rows.
- available_at is stamped on every move into AVAILABLE.

Downloads (issue 4; the phases come from downloads.py):
- A download moves only the rows that still wait on it: the movie, or each episode row, whose CURRENT download id
  it is and that is not imported yet (before IMPORTING; a FAILED row is not waiting). GRABBING, DOWNLOADING and
  DOWNLOADED move them forward, monotonically; the progress is stored on each of them, and on the request when
  it is the request's current download. A movie also gets speed and eta, kept only while GRABBING/DOWNLOADING
  (`settle_download` drops them otherwise).
- A failure (qBittorrent `error`/`missingFiles`, or the torrent gone) makes exactly those rows FAILED with the
  reason: a download replaced by a newer Grab, or one already imported, fails nothing. A FAILED row moves on only
  with evidence (a NEW Grab, an import, Jellyfin); qBittorrent reporting the same torrent again is not evidence.
- A download a Grab put in another client (`downloadClientType` present and not qBittorrent) is never waited on in
  qBittorrent (`note_client`): its rows move through the *arr and Jellyfin only. A Grab without a type (older
  *arr versions, the queue's catch-up) changes nothing of what is known, so such a download is waited on as before.
"""

from __future__ import annotations

from datetime import datetime

from .downloads import TorrentPhase, is_polled_client
from .events import DownloadProgress, EpisodeRef, MediaInfo
from .models import Episode, EpisodeState, MediaRequest, RequestState

_PHASE_TARGETS = {
    TorrentPhase.GRABBING: (RequestState.GRABBING, EpisodeState.GRABBING),
    TorrentPhase.DOWNLOADING: (RequestState.DOWNLOADING, EpisodeState.DOWNLOADING),
    TorrentPhase.DOWNLOADED: (RequestState.DOWNLOADED, EpisodeState.DOWNLOADED),
}
# The only request states in which a movie's download speed and eta mean something.
_TRANSFERRING = frozenset({RequestState.GRABBING, RequestState.DOWNLOADING})


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


def note_client(request: MediaRequest, download_id: str | None, client_type: str | None) -> None:
    """Remember whether a Grab's download is in qBittorrent; unchanged when the Grab has no id or no client type."""
    if download_id is None or client_type is None:
        return
    unpolled = set(request.unpolled_download_ids)
    if is_polled_client(client_type):
        unpolled.discard(download_id)
    else:
        unpolled.add(download_id)
    # Sorted, as download_ids: reordered Grabs leave the same data.
    request.unpolled_download_ids = tuple(sorted(unpolled))


def awaits_download(state: RequestState | EpisodeState) -> bool:
    """True for a request or row state still waiting on its download: before IMPORTING, and not FAILED."""
    return state.rank < type(state).IMPORTING.rank


def record_download(request: MediaRequest, event: DownloadProgress, now: datetime) -> None:
    """Apply a GRABBING/DOWNLOADING/DOWNLOADED report to the rows waiting on `event.download_id` (lowercase)."""
    request_target, episode_target = _PHASE_TARGETS[event.phase]
    progress = round(min(max(event.progress, 0.0), 1.0), 4)
    download_id = event.download_id
    if request.episodes:
        for episode in _waiting_rows(request, download_id):
            advance_episode(episode, episode_target, now, evidence=False)
            episode.download_progress = progress
        sync_tv_state(request, now)
    elif request.download_id == download_id and awaits_download(request.state):
        advance_request(request, request_target, now, evidence=False)
        request.download_speed = event.speed
        request.download_eta = event.eta
    if request.download_id == download_id and awaits_download(request.state):
        request.download_progress = progress


def fail_download(request: MediaRequest, download_id: str, reason: str, now: datetime) -> None:
    """Make the rows waiting on `download_id` (lowercase) FAILED with `reason`; nothing else."""
    failed = False
    if request.episodes:
        for episode in _waiting_rows(request, download_id):
            failed = advance_episode(episode, EpisodeState.FAILED, now, evidence=False) or failed
        sync_tv_state(request, now)
    elif request.download_id == download_id and awaits_download(request.state):
        failed = advance_request(request, RequestState.FAILED, now, evidence=False)
    if failed:
        request.reason = reason


def settle_download(request: MediaRequest) -> None:
    """Drop a movie's speed and eta once it is no longer transferring (imported, failed, available...)."""
    if request.state not in _TRANSFERRING:
        request.download_speed = None
        request.download_eta = None


def progress_marks(request: MediaRequest) -> tuple[object, ...]:
    """What counts as the request MOVING: its state and download progress, its Shoko match, and each episode
    row's state, progress and match. Different marks before and after a change mean the request moved (see
    `moved_at`).
    """
    rows = tuple(
        (ep.season, ep.episode, ep.state, ep.download_progress, ep.anime_matched_at) for ep in request.episodes.values()
    )
    return (request.state, request.download_progress, request.anime_matched_at, rows)


def _waiting_rows(request: MediaRequest, download_id: str) -> list[Episode]:
    return [
        episode
        for episode in request.episodes.values()
        if episode.download_id == download_id and awaits_download(episode.state)
    ]
