"""What a Radarr or Sonarr webhook (or catch-up's replay of one) does to a request. Pure, no I/O.

Which request (every lookup an index hit, see correlation.py): the active request owning the download id
(compared lowercase); else the newest active request for the media key; else the AVAILABLE, not removed, request
owning the download id, so late or repeated events for a finished download land on it; else the newest AVAILABLE
request for the key (upgrades, imports reported after Jellyfin); else the tracker creates a NEW request from the
*arr payload (title, year, ids, poster), so an early Grab is never lost. Deletes never create.
TV scope: a TV request with known requested seasons only takes episodes of those seasons; a Grab for another season
goes to (or creates) another request. New episode rows inside its seasons reopen an AVAILABLE TV request.

What it does (see transitions.py for the monotonic rules):
- Grab -> GRABBING, download id stored (per episode row for TV); a Grab with another id before the import
  replaces the current download. The Grab's download client is kept for the current download; a download in
  another client than qBittorrent is never awaited there (transitions.py `note_client`). Import -> IMPORTING, or
  ANIME_MATCHING for anime, with the final path and the file's quality (which then wins over the Grab's).
  Jellyfin -> AVAILABLE: seeing the item in the library is terminal evidence, so an import reported after it only
  fills in the path.
- An import of AVAILABLE media with isUpgrade and a new path sets `upgraded_at`; a Grab of AVAILABLE media only
  adds its download id to the history. ManualInteractionRequired -> DOWNLOADED with needs_attention and the *arr's
  message as reason, unless the media is already imported; the next import clears it. A delete with reason
  "upgrade" changes nothing; other file deletes are recorded as the reason. Radarr MovieDelete, a MovieFileDelete
  of the request's file (any reason but "upgrade"), or Sonarr SeriesDelete mark the request removed: it frees the
  media key for a new request.
"""

from __future__ import annotations

from datetime import datetime

from .correlation import Index, covers_seasons, keys_of
from .events import Deleted, DeleteScope, EpisodeRef, Grabbed, Imported, ManualInteractionRequired, MediaInfo
from .models import Episode, EpisodeState, MediaRequest, MediaType, RequestState
from .transitions import (
    advance_episode,
    advance_request,
    awaits_download,
    episode_row,
    merge_media,
    note_client,
    note_download,
    sync_tv_state,
)

# States (request or episode) in which the file is already in the library folder.
_IMPORTED = frozenset({"importing", "anime_matching", "available"})


def find_arr_request(
    index: Index, media: MediaInfo, download_id: str | None, episodes: tuple[EpisodeRef, ...]
) -> MediaRequest | None:
    """The request an *arr event goes to (see the module docstring), or None: a new one is due (not for deletes)."""
    by_download = index.by_download(download_id)
    if by_download is not None and by_download.is_active:
        return by_download
    seasons = tuple(sorted({ref.season for ref in episodes})) or None
    by_media = index.for_media(keys_of(media), lambda request: covers_seasons(request, seasons))
    if by_media is not None and by_media.is_active:
        return by_media
    if by_download is not None and not by_download.removed:
        return by_download
    return by_media


def import_refs(event: Imported) -> tuple[EpisodeRef, ...]:
    """The episodes an import names, in the event or in its files, each once."""
    unique: dict[tuple[int, int], EpisodeRef] = {}
    for ref in (*event.episodes, *(ref for item in event.files for ref in item.episodes)):
        unique.setdefault((ref.season, ref.episode), ref)
    return tuple(unique.values())


def apply_grab(request: MediaRequest, event: Grabbed, now: datetime) -> None:
    """A Grab: the request (or its rows) GRABBING with this download as the current one."""
    merge_media(request, event.media, authoritative=False)
    note_download(request, event.download_id)
    note_client(request, event.download_id, event.download_client_type)
    was_failed = _has_failure(request)
    new_id = event.download_id
    if event.quality and not request.final_paths:
        request.quality = event.quality
    if event.episodes:
        for ref in event.episodes:
            episode = episode_row(request, ref)
            restart = new_id is None or new_id != episode.download_id
            advance_episode(episode, EpisodeState.GRABBING, now, evidence=restart)
            _replace_download(episode, new_id)
        sync_tv_state(request, now)
    elif not request.episodes:
        restart = new_id is None or new_id != request.download_id
        advance_request(request, RequestState.GRABBING, now, evidence=restart)
    _replace_download(request, new_id)
    # The client of the request's current download, whichever came first, this Grab or the import naming it.
    client = event.download_client or event.download_client_type
    if client and new_id == request.download_id:
        request.download_client = client
    if was_failed and not _has_failure(request):
        request.reason = None
        request.needs_attention = False


def apply_import(request: MediaRequest, event: Imported, refs: tuple[EpisodeRef, ...], now: datetime) -> None:
    """An import of the files of `event` (episodes `refs`, see `import_refs`): IMPORTING or ANIME_MATCHING."""
    merge_media(request, event.media, authoritative=False)
    note_download(request, event.download_id)
    request.download_id = request.download_id or event.download_id
    was_available = request.state is RequestState.AVAILABLE
    anime = request.is_anime
    new_path = False
    if refs:
        target = EpisodeState.ANIME_MATCHING if anime else EpisodeState.IMPORTING
        for ref in refs:
            episode = episode_row(request, ref)
            advance_episode(episode, target, now, evidence=True)
            episode.download_id = episode.download_id or event.download_id
        for item in event.files:
            for ref in item.episodes or (refs if len(event.files) == 1 else ()):
                episode = request.episodes[(ref.season, ref.episode)]
                new_path = new_path or episode.final_path != item.path
                episode.final_path = item.path
                episode.quality = item.quality or episode.quality
        sync_tv_state(request, now)
    elif not request.episodes and event.files:
        target_state = RequestState.ANIME_MATCHING if anime else RequestState.IMPORTING
        advance_request(request, target_state, now, evidence=True)
        new_path = request.final_path != event.files[-1].path
        request.final_path = event.files[-1].path
    if request.episodes:
        # The last episode's, not the last import's: the same whatever order the imports came in.
        latest = [ep.quality for _, ep in sorted(request.episodes.items()) if ep.quality]
        request.quality = latest[-1] if latest else request.quality
    else:
        request.quality = next((item.quality for item in event.files if item.quality), request.quality)
    if event.is_upgrade and was_available and new_path:
        request.upgraded_at = now
    if request.needs_attention:
        request.needs_attention = False
        request.reason = None


def apply_manual(request: MediaRequest, event: ManualInteractionRequired, now: datetime) -> None:
    """The *arr needs the user to import by hand: DOWNLOADED with needs_attention, unless already imported."""
    merge_media(request, event.media, authoritative=False)
    note_download(request, event.download_id)
    if event.episodes:
        rows = [episode_row(request, ref) for ref in event.episodes]
        waiting = [episode for episode in rows if not _imported(episode.state)]
        for episode in waiting:
            advance_episode(episode, EpisodeState.DOWNLOADED, now, evidence=False)
        sync_tv_state(request, now)
        needs_import = bool(waiting)
    else:
        needs_import = not _imported(request.state)
        if needs_import and not request.episodes:
            advance_request(request, RequestState.DOWNLOADED, now, evidence=False)
    if needs_import:
        request.needs_attention = True
        request.reason = event.message


def delete_applies(request: MediaRequest, event: Deleted) -> bool:
    """False for an upgrade's delete, and for a movie file other than the one the request delivered."""
    if event.scope is DeleteScope.FILE and event.reason == "upgrade":
        return False
    is_movie = request.media_type is MediaType.MOVIE
    return not (is_movie and event.path and request.final_path and event.path != request.final_path)


def apply_delete(request: MediaRequest, event: Deleted, now: datetime) -> None:
    """A delete in the *arr: the media (removed, FAILED) or a file (recorded as the reason)."""
    is_movie = request.media_type is MediaType.MOVIE
    service = "Radarr" if is_movie else "Sonarr"
    if event.scope is DeleteScope.MEDIA:
        request.removed = True
        request.reason = f"Deleted from {service}"
        for episode in request.episodes.values():
            advance_episode(episode, EpisodeState.FAILED, now, evidence=False)
        sync_tv_state(request, now)
        if not request.episodes:
            advance_request(request, RequestState.FAILED, now, evidence=False)
    else:
        what = ", ".join(f"S{ref.season:02d}E{ref.episode:02d}" for ref in event.episodes) or "File"
        request.reason = f"{what} deleted in {service} ({event.reason or 'no reason given'})"
        if is_movie and request.state is RequestState.AVAILABLE:
            request.removed = True


def _replace_download(holder: MediaRequest | Episode, new_id: str | None) -> None:
    """A new Grab before the import REPLACES the download (E4: the old one failed or was blocklisted), even once
    DOWNLOADED: from then on only the new one's progress or failure counts."""
    if new_id and (holder.download_id is None or awaits_download(holder.state)):
        if holder.download_id != new_id:
            holder.download_progress = None
        holder.download_id = new_id


def _has_failure(request: MediaRequest) -> bool:
    """FAILED, or (TV) holding a FAILED row: the reason then explains the failure."""
    return request.state is RequestState.FAILED or any(
        episode.state is EpisodeState.FAILED for episode in request.episodes.values()
    )


def _imported(state: RequestState | EpisodeState) -> bool:
    return state.value in _IMPORTED
