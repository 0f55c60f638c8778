"""The tracker: applies domain events to requests and reports what changed. Pure, no I/O.

Which request an event updates (correlation; every lookup is an index hit, see correlation.py):
- A media key is (media type, TMDB/TVDB/IMDb id, 4K). A request is ACTIVE while it is neither AVAILABLE nor
  removed (its movie/series was deleted from the *arr). Webhooks go to the newest active request for the key.
- *arr events (Grab, Download, ManualInteractionRequired, deletes): the active request owning the download id
  (compared lowercase); else the newest active request for the media key; else the AVAILABLE, not removed,
  request owning the download id, so late or repeated events for a finished download land on it; else the
  newest AVAILABLE request for the key (upgrades, imports reported after Jellyfin); else a NEW request is created
  from the *arr payload (title, year, ids, poster), so an early Grab is never lost. Deletes never create.
- TV scope: a TV request with known requested seasons only takes episodes of those seasons; a Grab for another
  season goes to (or creates) another request. New episode rows inside its seasons reopen an AVAILABLE TV request.
- Jellyseerr: the request already holding that Jellyseerr request id; else the newest active, else newest
  AVAILABLE, request for the media key whose seasons cover the requested ones; else a new request.
  * A request with no Jellyseerr id yet (created by an early *arr event) adopts the first one: poster, requester,
    title and seasons are filled in, whatever state it has reached, and nothing moves backwards.
  * A request that already has another Jellyseerr id treats the new one as a DUPLICATE: the id is recorded in
    `duplicate_request_ids`; if the request is AVAILABLE it gets `already_available=True` and the change carries
    Notice.ALREADY_AVAILABLE, else Notice.ALREADY_REQUESTED. Nothing new is created. A duplicate's own
    notifications never decline, fail or re-approve the original; its MEDIA_AVAILABLE still confirms.
  * Acceptance 6 and 7 together: a re-request of AVAILABLE media is a duplicate (above). A NEW request for the
    same id exists only once the old one is removed: Radarr MovieDelete, a MovieFileDelete of its file (any
    reason but "upgrade"), or Sonarr SeriesDelete free the media key. The next Jellyseerr request or Grab then
    creates a new request, and from then on every webhook for that media updates the new one only, even a Grab
    that repeats the old download id.
- Jellyfin and Shoko: see library.py (a movie item by TMDB/IMDb id, an episode by its TVDB id or its series;
  a poller's `request_id` hint goes straight to that request; a Shoko match by the tail of the file's path).
  Neither ever creates a request.
- qBittorrent (polled): the request owning the download id, if active. See lifecycle.py for which rows it moves
  or fails; the pollers ask `awaited_downloads()`, `awaiting_library()` and `active_ids()`, answered from exact
  sets kept in the index (correlation.py), never by scanning every request.

States (see lifecycle.py for the monotonic rules):
- Jellyseerr: MEDIA_PENDING -> REQUESTED; MEDIA_APPROVED / MEDIA_AUTO_APPROVED -> APPROVED; MEDIA_DECLINED /
  MEDIA_FAILED -> FAILED with a reason, only before any *arr progress (later they are stale and ignored);
  MEDIA_AVAILABLE -> AVAILABLE (for TV: every row of the requested seasons).
- Grab -> GRABBING, download id stored (per episode row for TV); a Grab with another id before the import
  replaces the current download. The Grab's download client is kept for the current download; a download in
  another client than qBittorrent is never awaited there (lifecycle.py `note_client`). Import -> IMPORTING, or
  ANIME_MATCHING for anime, with the final path and the file's quality (which then wins over the Grab's).
  Jellyfin -> AVAILABLE: seeing the item in the library is terminal evidence, so an import reported after it only
  fills in the path.
- An import of AVAILABLE media with isUpgrade and a new path sets `upgraded_at`; a Grab of AVAILABLE media only
  adds its download id to the history. ManualInteractionRequired -> DOWNLOADED with needs_attention and the *arr's
  message as reason, unless the media is already imported; the next import clears it. A delete with reason
  "upgrade" changes nothing; other file deletes are recorded as the reason.
- Downloads: GRABBING/DOWNLOADING/DOWNLOADED phases move forward with progress; a FAILED phase, or the torrent
  gone (`DownloadMissing`), fails only what still waits on that very download. A Shoko match stamps
  `anime_matched_at` and keeps the state.

Clocks and stuck (one place, `_commit`): a state change sets `state_changed_at`; a MOVE (see `progress_marks`)
sets `moved_at` and clears `stuck_since`. `stuck_candidates` lists active requests that have not moved for a
while; the HA side checks them with the pollers and calls `mark_stuck` for those still not moving.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import gc
from types import MappingProxyType
from typing import Any
from uuid import uuid4

from .correlation import Index, MediaKey, media_keys
from .downloads import TorrentPhase
from .events import (
    Deleted,
    DeleteScope,
    DownloadMissing,
    DownloadProgress,
    EpisodeRef,
    Event,
    FileMatched,
    Grabbed,
    Imported,
    ManualInteractionRequired,
    MediaInfo,
    NotificationKind,
    RequestNotified,
    SeenInLibrary,
    SeriesInLibrary,
)
from .library import find_matched, find_seen, find_series, mark_matched, mark_seen
from .models import EpisodeState, MediaRequest, MediaType, Notice, RequestState
from .transitions import (
    advance_episode,
    advance_request,
    awaits_download,
    episode_row,
    fail_download,
    merge_media,
    note_client,
    note_download,
    progress_marks,
    record_download,
    settle_download,
    sync_tv_state,
)

_DECLINED_REASON = "Declined in Jellyseerr"
_FAILED_REASON = "Jellyseerr could not send the request to Radarr/Sonarr"
_DOWNLOAD_FAILED_REASON = "Download failed in qBittorrent"
_DOWNLOAD_MISSING_REASON = "Download removed from qBittorrent before import"
# States (request or episode) in which the file is already in the library folder.
_IMPORTED = frozenset({"importing", "anime_matching", "available"})


@dataclass(frozen=True, slots=True)
class Change:
    """One request whose stored data changed. `old_state` is None when it was just created."""

    request_id: str
    old_state: RequestState | None
    new_state: RequestState
    created: bool = False
    notice: Notice | None = None

    @property
    def state_changed(self) -> bool:
        """True when the request's state moved (always, for a created request)."""
        return self.old_state is not self.new_state


class Tracker:
    """All tracked requests, their indexes and the state machine."""

    def __init__(self) -> None:
        """Start with no requests."""
        self._index = Index()

    @property
    def requests(self) -> Mapping[str, MediaRequest]:
        """Every request by id, oldest first (read-only view)."""
        return MappingProxyType(self._index.requests)

    def get(self, request_id: str) -> MediaRequest | None:
        """One request by id."""
        return self._index.requests.get(request_id)

    def apply(self, event: Event, now: datetime) -> list[Change]:
        """Apply one event; the changes it made ([] when it changed nothing)."""
        match event:
            case RequestNotified():
                return self._on_notified(event, now)
            case Grabbed():
                return self._on_grabbed(event, now)
            case Imported():
                return self._on_imported(event, now)
            case ManualInteractionRequired():
                return self._on_manual(event, now)
            case Deleted():
                return self._on_deleted(event, now)
            case SeenInLibrary():
                return self._on_seen(event, now)
            case SeriesInLibrary():
                return self._on_series_seen(event, now)
            case DownloadProgress():
                return self._on_progress(event, now)
            case DownloadMissing():
                return self._on_missing(event, now)
            case FileMatched():
                return self._on_file_matched(event, now)

    # --- queries for the pollers (each answered from a set kept exact in the index) ---------------------------

    def find_jellyseerr(self, jellyseerr_request_id: str) -> MediaRequest | None:
        """The request holding this Jellyseerr request id (its own, or folded in as a duplicate)."""
        return self._index.by_jellyseerr(jellyseerr_request_id)

    def knows_download(self, download_id: str) -> bool:
        """True when a request holds this download id (compared lowercase): its Grab or import was applied."""
        return self._index.by_download(download_id) is not None

    def find_media(self, media: MediaInfo) -> MediaRequest | None:
        """The request webhooks about this media go to first: the newest active one, else the newest (not removed)."""
        return self._index.for_media(_keys(media))

    def active_ids(self) -> list[str]:
        """Requests neither AVAILABLE, FAILED nor removed."""
        return self._index.active

    def awaited_downloads(self) -> frozenset[str]:
        """Torrent ids (lowercase) a movie or episode row still waits on; usenet ids never appear (E7)."""
        return self._index.awaited_downloads

    def awaiting_library(self) -> list[str]:
        """Requests with an imported file (movie or row) that Jellyfin has not confirmed yet."""
        return self._index.awaiting_library

    # --- stuck ------------------------------------------------------------------------------------------------

    def stuck_candidates(self, now: datetime, after: timedelta) -> list[str]:
        """Active requests, not flagged stuck yet, that have not moved for `after` or longer (cost: active ones)."""
        limit = now - after
        requests = self._index.requests
        return [
            rid for rid in self._index.active if requests[rid].stuck_since is None and requests[rid].moved_at <= limit
        ]

    def mark_stuck(self, request_id: str, now: datetime) -> list[Change]:
        """Flag an active request as stuck (Change with Notice.STUCK); [] if unknown, inactive or already flagged.

        The flag clears by itself when the request next moves.
        """
        request = self._index.requests.get(request_id)
        if request is None or request.stuck_since is not None or not self._index.is_open(request_id):
            return []
        before = _Snapshot.of(request)
        request.stuck_since = now
        return self._commit(request, before, now, Notice.STUCK)

    # --- retention --------------------------------------------------------------------------------------------

    def retire(self, now: datetime, keep_for: timedelta) -> list[str]:
        """Finished requests untouched for `keep_for` or longer, compacted (see MediaRequest.compact) (cost: all).

        Their clocks are kept: any later change makes them recent, and so no longer retired, again.
        """
        limit = now - keep_for
        retired = [
            rid for rid, request in self._index.requests.items() if request.is_finished and request.updated_at <= limit
        ]
        for rid in retired:
            request = self._index.requests[rid]
            request.compact()
            self._index.add(request)
        return retired

    def trim(self, limit: int) -> list[str]:
        """Forget the finished requests least recently updated until at most `limit` are left; the ids forgotten.

        Requests in progress are never forgotten, even above the limit.
        """
        excess = len(self._index.requests) - limit
        if excess <= 0:
            return []
        finished = [request for request in self._index.requests.values() if request.is_finished]
        oldest = sorted(finished, key=lambda request: request.updated_at)[:excess]
        for request in oldest:
            self._index.remove(request.request_id)
        return [request.request_id for request in oldest]

    def remove(self, request_id: str) -> MediaRequest | None:
        """Stop tracking a request (the user removed it); the removed request, or None if unknown."""
        return self._index.remove(request_id)

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild the tracker, as plain JSON values (indexes are derived, not stored)."""
        return {"requests": [request.to_dict() for request in self._index.requests.values()]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tracker:
        """Rebuild a tracker, and every index, from `to_dict` output."""
        tracker = cls()
        # Loading creates hundreds of thousands of objects and no cycles: the cyclic collector would only rescan them.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for item in data.get("requests", []):
                tracker._index.add(MediaRequest.from_dict(item))
        finally:
            if collecting:
                gc.enable()
        return tracker

    # --- Jellyseerr -------------------------------------------------------------------------------------------

    def _on_notified(self, event: RequestNotified, now: datetime) -> list[Change]:
        media, js_id = event.media, event.jellyseerr_request_id
        request = self._index.by_jellyseerr(js_id) or self._index.for_media(
            _keys(media), lambda candidate: _covers_seasons(candidate, event.requested_seasons)
        )
        request, before = self._open(request, media, now)
        notice = None
        if js_id is None or request.jellyseerr_request_id in (None, js_id):
            request.jellyseerr_request_id = js_id or request.jellyseerr_request_id
            merge_media(request, media, authoritative=True)
            request.requested_by = event.requested_by or request.requested_by
            if event.requested_seasons is not None:
                merged = set(request.requested_seasons or ()) | set(event.requested_seasons)
                request.requested_seasons = sorted(merged)
            self._apply_kind(request, event.kind, now)
        else:
            if js_id not in request.duplicate_request_ids:
                request.duplicate_request_ids.append(js_id)
                if event.kind.is_request and request.state is RequestState.AVAILABLE:
                    request.already_available = True
                    notice = Notice.ALREADY_AVAILABLE
                elif event.kind.is_request:
                    notice = Notice.ALREADY_REQUESTED
            if event.kind is NotificationKind.AVAILABLE:
                self._apply_kind(request, event.kind, now)
        return self._commit(request, before, now, notice)

    def _apply_kind(self, request: MediaRequest, kind: NotificationKind, now: datetime) -> None:
        if kind is NotificationKind.AVAILABLE:
            if request.episodes:
                seasons = request.requested_seasons
                for episode in request.episodes.values():
                    if seasons is None or episode.season in seasons:
                        advance_episode(episode, EpisodeState.AVAILABLE, now, evidence=True)
                sync_tv_state(request, now)
            else:
                advance_request(request, RequestState.AVAILABLE, now, evidence=True)
        elif kind in (NotificationKind.DECLINED, NotificationKind.FAILED):
            if request.state.rank < RequestState.GRABBING.rank:
                advance_request(request, RequestState.FAILED, now, evidence=False)
                request.reason = _DECLINED_REASON if kind is NotificationKind.DECLINED else _FAILED_REASON
        elif not request.episodes:
            target = RequestState.REQUESTED if kind is NotificationKind.PENDING else RequestState.APPROVED
            advance_request(request, target, now, evidence=False)

    # --- Radarr / Sonarr --------------------------------------------------------------------------------------

    def _on_grabbed(self, event: Grabbed, now: datetime) -> list[Change]:
        found = self._arr_request(event.media, event.download_id, event.episodes)
        request, before = self._open(found, event.media, now)
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
                if new_id and (episode.download_id is None or awaits_download(episode.state)):
                    if episode.download_id != new_id:
                        episode.download_progress = None
                    episode.download_id = new_id
            sync_tv_state(request, now)
        elif not request.episodes:
            restart = new_id is None or new_id != request.download_id
            advance_request(request, RequestState.GRABBING, now, evidence=restart)
        # A new Grab before the import REPLACES the download (E4: the old one failed or was blocklisted), even
        # once DOWNLOADED: from then on only the new one's progress or failure counts.
        if new_id and (request.download_id is None or awaits_download(request.state)):
            if request.download_id != new_id:
                request.download_progress = None
            request.download_id = new_id
        # The client of the request's current download, whichever came first, this Grab or the import naming it.
        client = event.download_client or event.download_client_type
        if client and new_id == request.download_id:
            request.download_client = client
        if was_failed and not _has_failure(request):
            request.reason = None
            request.needs_attention = False
        return self._commit(request, before, now)

    def _on_imported(self, event: Imported, now: datetime) -> list[Change]:
        refs = _unique_refs((*event.episodes, *(ref for item in event.files for ref in item.episodes)))
        found = self._arr_request(event.media, event.download_id, refs)
        request, before = self._open(found, event.media, now)
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
        return self._commit(request, before, now)

    def _on_manual(self, event: ManualInteractionRequired, now: datetime) -> list[Change]:
        found = self._arr_request(event.media, event.download_id, event.episodes)
        request, before = self._open(found, event.media, now)
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
        return self._commit(request, before, now)

    def _on_deleted(self, event: Deleted, now: datetime) -> list[Change]:
        request = self._arr_request(event.media, None, event.episodes)
        if request is None or (event.scope is DeleteScope.FILE and event.reason == "upgrade"):
            return []
        is_movie = request.media_type is MediaType.MOVIE
        if is_movie and event.path and request.final_path and event.path != request.final_path:
            return []  # an older file, not the one the request delivered
        before = _Snapshot.of(request)
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
        return self._commit(request, before, now)

    def _arr_request(
        self, media: MediaInfo, download_id: str | None, episodes: tuple[EpisodeRef, ...]
    ) -> MediaRequest | None:
        by_download = self._index.by_download(download_id)
        if by_download is not None and by_download.is_active:
            return by_download
        seasons = tuple(sorted({ref.season for ref in episodes})) or None
        by_media = self._index.for_media(_keys(media), lambda request: _covers_seasons(request, seasons))
        if by_media is not None and by_media.is_active:
            return by_media
        if by_download is not None and not by_download.removed:
            return by_download
        return by_media

    # --- Jellyfin and download client -------------------------------------------------------------------------

    def _on_seen(self, event: SeenInLibrary, now: datetime) -> list[Change]:
        found = find_seen(self._index, event)
        if found is None:
            return []
        request, rows = found
        before = _Snapshot.of(request)
        mark_seen(request, rows, event, now)
        return self._commit(request, before, now)

    def _on_series_seen(self, event: SeriesInLibrary, now: datetime) -> list[Change]:
        request = find_series(self._index, event)
        if request is None:
            return []
        before = _Snapshot.of(request)
        request.jellyfin_item_id = event.item_id
        return self._commit(request, before, now)

    def _on_file_matched(self, event: FileMatched, now: datetime) -> list[Change]:
        found = find_matched(self._index, event)
        if found is None:
            return []
        request, rows = found
        before = _Snapshot.of(request)
        mark_matched(request, rows, now)
        return self._commit(request, before, now)

    def _on_progress(self, event: DownloadProgress, now: datetime) -> list[Change]:
        if event.phase is TorrentPhase.UNKNOWN:
            return []
        request = self._index.by_download(event.download_id)
        if request is None or not request.is_active:
            return []
        before = _Snapshot.of(request)
        download_id = event.download_id.lower()
        if event.phase is TorrentPhase.FAILED:
            fail_download(request, download_id, event.reason or _DOWNLOAD_FAILED_REASON, now)
        else:
            record_download(request, replace(event, download_id=download_id), now)
        return self._commit(request, before, now)

    def _on_missing(self, event: DownloadMissing, now: datetime) -> list[Change]:
        request = self._index.by_download(event.download_id)
        if request is None or not request.is_active:
            return []
        before = _Snapshot.of(request)
        fail_download(request, event.download_id.lower(), _DOWNLOAD_MISSING_REASON, now)
        return self._commit(request, before, now)

    # --- plumbing ---------------------------------------------------------------------------------------------

    def _open(
        self, request: MediaRequest | None, media: MediaInfo, now: datetime
    ) -> tuple[MediaRequest, _Snapshot | None]:
        """The request to update and its snapshot, or a new request (snapshot None)."""
        if request is not None:
            return request, _Snapshot.of(request)
        created = MediaRequest(
            request_id=uuid4().hex,
            media_type=media.media_type,
            title=media.title,
            created_at=now,
            updated_at=now,
            is_4k=media.is_4k,
        )
        merge_media(created, media, authoritative=True)
        return created, None

    def _commit(
        self,
        request: MediaRequest,
        before: _Snapshot | None,
        now: datetime,
        notice: Notice | None = None,
    ) -> list[Change]:
        settle_download(request)
        if before is None:
            self._index.add(request)
            return [Change(request.request_id, None, request.state, created=True, notice=notice)]
        if request.fingerprint() == before.fingerprint:
            return []
        if request.state is not before.state:
            request.state_changed_at = now
        if progress_marks(request) != before.marks:
            request.moved_at = now
            request.stuck_since = None
        request.updated_at = now
        self._index.add(request)
        return [Change(request.request_id, before.state, request.state, notice=notice)]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """A request as it was before an event: what `_commit` compares it with afterwards."""

    fingerprint: tuple[object, ...]
    state: RequestState
    marks: tuple[object, ...]

    @classmethod
    def of(cls, request: MediaRequest) -> _Snapshot:
        return cls(request.fingerprint(), request.state, progress_marks(request))


def _keys(media: MediaInfo) -> list[MediaKey]:
    return media_keys(
        media.media_type, tmdb_id=media.tmdb_id, tvdb_id=media.tvdb_id, imdb_id=media.imdb_id, is_4k=media.is_4k
    )


def _covers_seasons(request: MediaRequest, seasons: tuple[int, ...] | None) -> bool:
    """True when a request's requested seasons include all of `seasons` (unknown on either side: True)."""
    if request.requested_seasons is None or not seasons:
        return True
    return set(seasons) <= set(request.requested_seasons)


def _has_failure(request: MediaRequest) -> bool:
    """FAILED, or (TV) holding a FAILED row: the reason then explains the failure."""
    return request.state is RequestState.FAILED or any(
        episode.state is EpisodeState.FAILED for episode in request.episodes.values()
    )


def _imported(state: RequestState | EpisodeState) -> bool:
    return state.value in _IMPORTED


def _unique_refs(refs: tuple[EpisodeRef, ...]) -> tuple[EpisodeRef, ...]:
    unique: dict[tuple[int, int], EpisodeRef] = {}
    for ref in refs:
        unique.setdefault((ref.season, ref.episode), ref)
    return tuple(unique.values())
