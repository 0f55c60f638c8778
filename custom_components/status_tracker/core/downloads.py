"""qBittorrent's vocabulary in the tracker's terms: torrent phases and torrent ids. Pure, no I/O.

Rules (issue 4, edge cases E6, E7, E20):
- Both state vocabularies are known: 4.x `pausedUP`/`pausedDL` and 5.x `stoppedUP`/`stoppedDL`.
- `error` and `missingFiles` are FAILED whatever the progress. Otherwise `progress >= 1.0` is DOWNLOADED in ANY state
  (qBittorrent reports 1.0 while still `checkingUP`, `moving` or `queuedUP`), and every `*UP` state is DOWNLOADED.
  Metadata, queue, check and allocation states are GRABBING; active or paused downloads are DOWNLOADING.
  Any other string (`moving` below 100 %, `unknown`, a state of a future version) is UNKNOWN: it changes nothing.
- An eta of 8640000 s (`MAX_ETA`) means unknown, as do negative values.
- A torrent id is 40 hex chars (v1, or a hybrid/v2 torrent's truncated v2 hash) or 64 (a full v2 hash), in either
  case. Usenet ids (`SABnzbd_nzo_...`, NZBGet's 32-hex GUID) are not, so they never wait on qBittorrent.
- An *arr may know a torrent by its v1 hash, by its full v2 hash or by qBittorrent's `hash`; `torrent_keys` gives
  all of them, lowercase, so an awaited id is found whichever one the *arr sent.
- Only qBittorrent is polled: a Grab whose client type (the *arr client implementation's name, "qBittorrent",
  "Transmission", "Deluge", ...) is another one is never waited on there, even with a torrent id (issue 12).
"""

from __future__ import annotations

from enum import StrEnum
import re
from typing import TypeGuard


class TorrentPhase(StrEnum):
    """What a torrent's state means for the request waiting on it."""

    GRABBING = "grabbing"
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    FAILED = "failed"
    UNKNOWN = "unknown"


# qBittorrent's MAX_ETA: "infinite or unknown".
ETA_UNKNOWN = 8640000

_GRABBING = frozenset({"metaDL", "forcedMetaDL", "queuedDL", "checkingDL", "checkingResumeData", "allocating"})
_DOWNLOADING = frozenset({"downloading", "stalledDL", "forcedDL", "pausedDL", "stoppedDL"})
_DOWNLOADED = frozenset({"uploading", "stalledUP", "queuedUP", "checkingUP", "forcedUP", "pausedUP", "stoppedUP"})
_FAILED = frozenset({"error", "missingFiles"})
_TORRENT_ID = re.compile(r"[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?")
# Radarr's and Sonarr's QBittorrent.Name.
_POLLED_CLIENT = "qbittorrent"


def torrent_phase(state: str, progress: float) -> TorrentPhase:
    """The phase a qBittorrent `state` and `progress` (0..1) put a download in."""
    if state in _FAILED:
        return TorrentPhase.FAILED
    if state in _DOWNLOADED or progress >= 1.0:
        return TorrentPhase.DOWNLOADED
    if state in _GRABBING:
        return TorrentPhase.GRABBING
    if state in _DOWNLOADING:
        return TorrentPhase.DOWNLOADING
    return TorrentPhase.UNKNOWN


def eta_seconds(eta: int | None) -> int | None:
    """qBittorrent's eta as seconds, None when unknown (8640000, negative or absent)."""
    if eta is None or eta < 0 or eta >= ETA_UNKNOWN:
        return None
    return eta


def failure_reason(state: str) -> str:
    """The reason shown on a request whose torrent is in a failed state, e.g. "qBittorrent: missingFiles"."""
    return f"qBittorrent: {state}"


def is_torrent_hash(download_id: str | None) -> TypeGuard[str]:
    """True (a bool) for a torrent id qBittorrent can be asked about: 40 or 64 hex chars, any case."""
    return download_id is not None and _TORRENT_ID.fullmatch(download_id) is not None


def is_polled_client(client_type: str) -> bool:
    """True when an *arr `downloadClientType` names qBittorrent, the client the integration polls (any case)."""
    return client_type.casefold() == _POLLED_CLIENT


def torrent_keys(hash: str, infohash_v1: str, infohash_v2: str) -> set[str]:  # noqa: A002 - qBittorrent's name
    """Every lowercase id an *arr may use for this torrent: `hash`, both info hashes and the v2 hash's first 40 chars.

    Empty values (qBittorrent sends "" for a missing info hash, and 4.x before 4.4 has neither) are left out.
    """
    keys = {value.lower() for value in (hash, infohash_v1, infohash_v2) if value}
    if infohash_v2:
        keys.add(infohash_v2[:40].lower())
    return keys
