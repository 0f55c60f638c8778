"""What a Jellyseerr notification (or catch-up's replay of one) does to a request. Pure, no I/O.

Which request: the one already holding that Jellyseerr request id; else the newest active, else newest AVAILABLE,
request for the media key whose seasons cover the requested ones; else the tracker creates a new request.
- A request with no Jellyseerr id yet (created by an early *arr event) adopts the first one: poster, requester,
  title and seasons are filled in, whatever state it has reached, and nothing moves backwards.
- A request that already has another Jellyseerr id treats the new one as a DUPLICATE: the id is recorded in
  `duplicate_request_ids`; if the request is AVAILABLE it gets `already_available=True` and the change carries
  Notice.ALREADY_AVAILABLE, else Notice.ALREADY_REQUESTED. Nothing new is created. A duplicate's own
  notifications never decline, fail or re-approve the original; its MEDIA_AVAILABLE still confirms.
- Acceptance 6 and 7 together: a re-request of AVAILABLE media is a duplicate (above). A NEW request for the same
  id exists only once the old one is removed (arr.py: deletes free the media key). The next Jellyseerr request or
  Grab then creates a new request, and from then on every webhook for that media updates the new one only, even a
  Grab that repeats the old download id.

States: MEDIA_PENDING -> REQUESTED; MEDIA_APPROVED / MEDIA_AUTO_APPROVED -> APPROVED; MEDIA_DECLINED /
MEDIA_FAILED -> FAILED with a reason, only before any *arr progress (later they are stale and ignored);
MEDIA_AVAILABLE -> AVAILABLE (for TV: every row of the requested seasons).
"""

from __future__ import annotations

from datetime import datetime

from .correlation import Index, covers_seasons, keys_of
from .events import NotificationKind, RequestNotified
from .models import EpisodeState, MediaRequest, Notice, RequestState
from .transitions import advance_episode, advance_request, merge_media, sync_tv_state

_DECLINED_REASON = "Declined in Jellyseerr"
_FAILED_REASON = "Jellyseerr could not send the request to Radarr/Sonarr"


def find_notified(index: Index, event: RequestNotified) -> MediaRequest | None:
    """The request a notification goes to, or None: a new one is due."""
    return index.by_jellyseerr(event.jellyseerr_request_id) or index.for_media(
        keys_of(event.media), lambda candidate: covers_seasons(candidate, event.requested_seasons)
    )


def apply_notification(request: MediaRequest, event: RequestNotified, now: datetime) -> Notice | None:
    """Apply a notification: adopt its Jellyseerr id, or record it as a duplicate; what to tell the user, if any."""
    js_id = event.jellyseerr_request_id
    notice = None
    if js_id is None or request.jellyseerr_request_id in (None, js_id):
        request.jellyseerr_request_id = js_id or request.jellyseerr_request_id
        merge_media(request, event.media, authoritative=True)
        request.requested_by = event.requested_by or request.requested_by
        request.requested_by_email = event.requested_by_email or request.requested_by_email
        if event.requested_seasons is not None:
            merged = set(request.requested_seasons or ()) | set(event.requested_seasons)
            request.requested_seasons = sorted(merged)
        _apply_kind(request, event.kind, now)
    else:
        if js_id not in request.duplicate_request_ids:
            request.duplicate_request_ids.append(js_id)
            if event.kind.is_request and request.state is RequestState.AVAILABLE:
                request.already_available = True
                notice = Notice.ALREADY_AVAILABLE
            elif event.kind.is_request:
                notice = Notice.ALREADY_REQUESTED
        if event.kind is NotificationKind.AVAILABLE:
            _apply_kind(request, event.kind, now)
    return notice


def _apply_kind(request: MediaRequest, kind: NotificationKind, now: datetime) -> None:
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
