"""The tracker: applies domain events to requests and reports what changed. Pure, no I/O.

Every event goes the same way: find the request it is about (every lookup an index hit, see correlation.py), or
open a new one; let the module that knows the service apply it; commit (`_commit`: what changed, the clocks, the
indexes). A media key is (media type, TMDB/TVDB/IMDb id, 4K). A request is ACTIVE while it is neither AVAILABLE
nor removed (its movie/series was deleted from the *arr). Webhooks go to the newest active request for the key.
- Jellyseerr: jellyseerr.py (adopting a Jellyseerr id, duplicates, already available).
- Radarr / Sonarr: arr.py (which request a Grab, import, manual interaction or delete goes to; what it does).
- Jellyfin and Shoko: library.py (a movie item by TMDB/IMDb id, an episode by its TVDB id or its series; a poller's
  `request_id` hint goes straight to that request; a Shoko match by the tail of the file's path). Neither ever
  creates a request.
- qBittorrent (polled): the request owning the download id, if active. See transitions.py for which rows it moves
  or fails; the pollers ask `awaited_downloads()`, `awaiting_library()` and `active_ids()`, answered from exact
  sets kept in the index (correlation.py), never by scanning every request. GRABBING/DOWNLOADING/DOWNLOADED
  phases move forward with progress; a FAILED phase, or the torrent gone (`DownloadMissing`), fails only what
  still waits on that very download. A Shoko match stamps `anime_matched_at` and keeps the state.

Timeline (timeline.py): `apply` adds each state change, from the event's service (or the `source` given, catch-up);
`mark_stuck` a note; `set_cause` a "cause" entry when a cause replaces another; `note` what the HA side adds
(remedies).

Clocks and stuck (one place, `_commit`): a state change sets `state_changed_at`; a MOVE (see `progress_marks`)
sets `moved_at`, clears `stuck_since` and the causes (core/causes.py, core/episode_causes.py; `set_cause` stores
them, which is no move).
`stuck_candidates` lists active requests that have not moved for a while; the HA side checks them with the pollers,
sets their causes and calls `mark_stuck` for those still not moving (not those waiting for their release date).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import gc
from types import MappingProxyType
from typing import Any
from uuid import uuid4

from .arr import apply_delete, apply_grab, apply_import, apply_manual, delete_applies, find_arr_request, import_refs
from .causes import Diagnosis, apply_diagnosis
from .changes import Change, Retirement
from .correlation import Index, keys_of
from .downloads import TorrentPhase
from .events import (
    Deleted,
    DownloadMissing,
    DownloadProgress,
    Event,
    FileMatched,
    Grabbed,
    Imported,
    ManualInteractionRequired,
    MediaInfo,
    RequestNotified,
    SeenInLibrary,
    SeriesInLibrary,
    source_of,
)
from .jellyseerr import apply_notification, find_notified
from .library import find_matched, find_seen, find_series, mark_matched, mark_seen
from .models import EpisodeCause, MediaRequest, Notice, RequestState
from .timeline import TimelineEntry, append, cause_entry, state_entry, stuck_entry
from .transitions import fail_download, merge_media, progress_marks, record_download, settle_download

_DOWNLOAD_FAILED_REASON = "Download failed in qBittorrent"
_DOWNLOAD_MISSING_REASON = "Download removed from qBittorrent before import"


class Tracker:
    """All tracked requests, their indexes and the state machine."""

    def __init__(self) -> None:
        """Start with no requests."""
        self._index = Index()
        # Every request updated at or before this was compacted by `retire` (None: no pass yet).
        self._retired_until: datetime | None = None

    @property
    def requests(self) -> Mapping[str, MediaRequest]:
        """Every request by id, oldest first (read-only view)."""
        return MappingProxyType(self._index.requests)

    def get(self, request_id: str) -> MediaRequest | None:
        """One request by id."""
        return self._index.requests.get(request_id)

    def apply(self, event: Event, now: datetime, source: str | None = None) -> list[Change]:
        """Apply one event; the changes it made ([] when it changed nothing).

        A state change goes into the request's timeline, from `source` (by default the event's service).
        """
        changes = self._dispatch(event, now)
        for change in changes:
            if change.state_changed:
                request = self._index.requests[change.request_id]
                entry = state_entry(change.old_state, change.new_state, request.reason, source or source_of(event), now)
                append(request.timeline, entry)
        return changes

    def note(self, request_id: str, entry: TimelineEntry, now: datetime) -> list[Change]:
        """Add `entry` (a cause, a remedy, a note) to a request's timeline; [] if the request is unknown."""
        request = self._index.requests.get(request_id)
        if request is None:
            return []
        before = _Snapshot.of(request)
        append(request.timeline, entry)
        return self._commit(request, before, now)

    # --- queries for the pollers (each answered from a set kept exact in the index) ---------------------------

    def find_jellyseerr(self, jellyseerr_request_id: str) -> MediaRequest | None:
        """The request holding this Jellyseerr request id (its own, or folded in as a duplicate)."""
        return self._index.by_jellyseerr(jellyseerr_request_id)

    def knows_download(self, download_id: str) -> bool:
        """True when a request holds this download id (compared lowercase): its Grab or import was applied."""
        return self._index.by_download(download_id) is not None

    def find_media(self, media: MediaInfo) -> MediaRequest | None:
        """The request webhooks about this media go to first: the newest active one, else the newest (not removed)."""
        return self._index.for_media(keys_of(media))

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
        append(request.timeline, stuck_entry(request.moved_at, now))
        return self._commit(request, before, now, Notice.STUCK)

    def set_cause(
        self, request_id: str, diagnosis: Diagnosis | None, now: datetime, groups: Sequence[EpisodeCause] = ()
    ) -> list[Change]:
        """Store why an active request does not move (core/causes.py) and, for TV, per episode group
        (core/episode_causes.py); [] if unknown, inactive or unchanged. Not a move: the stuck clock runs on.
        """
        request = self._index.requests.get(request_id)
        if request is None or not self._index.is_open(request_id):
            return []
        before = _Snapshot.of(request)
        old = request.cause
        apply_diagnosis(request, diagnosis, now)
        request.episode_causes = list(groups) if diagnosis is not None else []
        if old is not None and request.cause is not None and request.cause != old:
            append(request.timeline, cause_entry(old, request.cause, now))
        return self._commit(request, before, now)

    # --- retention --------------------------------------------------------------------------------------------

    def retire(self, now: datetime, keep_for: timedelta) -> Retirement:
        """Finished requests untouched for `keep_for` or longer, compacted (see MediaRequest.compact) (cost: all).

        Their clocks are kept: any later change makes them recent, and so no longer retired, again.
        """
        limit = now - keep_for
        requests = self._index.requests
        retirement = Retirement([rid for rid, req in requests.items() if req.is_finished and req.updated_at <= limit])
        # A request retired by an earlier pass was compacted then, and any change since would have made it recent:
        # only those that crossed the limit since that pass need compacting (all of them on the first pass).
        since = self._retired_until
        for rid in retirement.retired:
            request = requests[rid]
            if (since is None or request.updated_at > since) and request.compact():
                retirement.compacted.append(rid)
                self._index.add(request)
        self._retired_until = limit if since is None else max(since, limit)
        return retirement

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
            # Left in the youngest generation, the new objects would all be walked by the collector's next pass, with
            # the interpreter held (130 ms at 100,000 episodes, scripts/bench g); moved as they are to the oldest
            # generation (freeze, then unfreeze at once: nothing stays frozen), they wait for its next full pass.
            gc.freeze()
            gc.unfreeze()
            if collecting:
                gc.enable()
        return tracker

    # --- Jellyseerr, Radarr and Sonarr (jellyseerr.py, arr.py) ----------------------------------------------

    def _on_notified(self, event: RequestNotified, now: datetime) -> list[Change]:
        request, before = self._open(find_notified(self._index, event), event.media, now)
        notice = apply_notification(request, event, now)
        return self._commit(request, before, now, notice)

    def _on_grabbed(self, event: Grabbed, now: datetime) -> list[Change]:
        found = find_arr_request(self._index, event.media, event.download_id, event.episodes)
        request, before = self._open(found, event.media, now)
        apply_grab(request, event, now)
        return self._commit(request, before, now)

    def _on_imported(self, event: Imported, now: datetime) -> list[Change]:
        refs = import_refs(event)
        found = find_arr_request(self._index, event.media, event.download_id, refs)
        request, before = self._open(found, event.media, now)
        apply_import(request, event, refs, now)
        return self._commit(request, before, now)

    def _on_manual(self, event: ManualInteractionRequired, now: datetime) -> list[Change]:
        found = find_arr_request(self._index, event.media, event.download_id, event.episodes)
        request, before = self._open(found, event.media, now)
        apply_manual(request, event, now)
        return self._commit(request, before, now)

    def _on_deleted(self, event: Deleted, now: datetime) -> list[Change]:
        request = find_arr_request(self._index, event.media, None, event.episodes)
        if request is None or not delete_applies(request, event):
            return []
        before = _Snapshot.of(request)
        apply_delete(request, event, now)
        return self._commit(request, before, now)

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

    def _dispatch(self, event: Event, now: datetime) -> list[Change]:
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
            apply_diagnosis(request, None, now)
            request.episode_causes = []
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
