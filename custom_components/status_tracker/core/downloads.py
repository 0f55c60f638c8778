"""qBittorrent's torrents in the tracker's terms: phases, ids, progress events and the missing timer. Pure, no I/O.

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
- A torrent's fields are read leniently (`Torrent.from_fields`): a value of the wrong type is unknown, never a crash.
- An awaited torrent absent from every poll for `missing_after` is DownloadMissing (`DownloadWatch`).
- Only qBittorrent is polled: a Grab whose client type (the *arr client implementation's name, "qBittorrent",
  "Transmission", "Deluge", ...) is another one is never waited on there, even with a torrent id (issue 12).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import re
from typing import Any, TypeGuard

from .coerce import as_float, as_int
from .events import DownloadMissing, DownloadProgress, Event


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


@dataclass(frozen=True, slots=True)
class Torrent:
    """One torrent as qBittorrent's `sync/maindata` lists it."""

    hash: str
    name: str = ""
    state: str = ""
    progress: float = 0.0
    speed: int | None = None  # dlspeed, bytes/s
    eta: int | None = None  # seconds, ETA_UNKNOWN included
    infohash_v1: str = ""
    infohash_v2: str = ""
    # Seeds and leechers connected (num_seeds, num_leechs) and seeds in the swarm (num_complete): why a stall stalls.
    seeds: int | None = None
    peers: int | None = None
    swarm_seeds: int | None = None

    @classmethod
    def from_fields(cls, torrent_hash: str, fields: Mapping[str, Any]) -> Torrent:
        """The torrent a (merged) sync/maindata object describes; a field of the wrong type is unknown."""
        speed, eta = as_float(fields.get("dlspeed")), as_float(fields.get("eta"))
        return cls(
            hash=torrent_hash.lower(),
            name=str(fields.get("name") or ""),
            state=str(fields.get("state") or ""),
            progress=as_float(fields.get("progress")) or 0.0,
            speed=int(speed) if speed is not None else None,
            eta=int(eta) if eta is not None else None,
            infohash_v1=str(fields.get("infohash_v1") or ""),
            infohash_v2=str(fields.get("infohash_v2") or ""),
            seeds=as_int(fields.get("num_seeds")),
            peers=as_int(fields.get("num_leechs")),
            swarm_seeds=as_int(fields.get("num_complete")),
        )

    @property
    def keys(self) -> set[str]:
        """Every id an *arr may know this torrent by (see `torrent_keys`)."""
        return torrent_keys(self.hash, self.infohash_v1, self.infohash_v2)

    def progress_event(self, download_id: str) -> DownloadProgress:
        """What this torrent says about the download the tracker knows as `download_id`."""
        phase = torrent_phase(self.state, self.progress)
        reason = failure_reason(self.state) if phase is TorrentPhase.FAILED else None
        return DownloadProgress(download_id.lower(), phase, self.progress, self.speed, eta_seconds(self.eta), reason)


class DownloadWatch:
    """Turns each poll's torrents into events for the awaited downloads, and times those that are missing."""

    def __init__(self, missing_after: timedelta) -> None:
        self._missing_after = missing_after
        self._missing_since: dict[str, datetime] = {}

    def idle(self) -> None:
        """Nothing is awaited any more: forget every missing timer."""
        self._missing_since.clear()

    def events(self, awaited: Set[str], torrents: Iterable[Torrent], now: datetime) -> list[Event]:
        """DownloadProgress for each awaited download found; DownloadMissing for one gone for `missing_after`."""
        found: dict[str, Torrent] = {}
        for torrent in torrents:
            for key in torrent.keys:
                if key in awaited:
                    found[key] = torrent
        events: list[Event] = []
        for download_id in awaited:
            match = found.get(download_id)
            if match is None:
                since = self._missing_since.setdefault(download_id, now)
                if now - since >= self._missing_after:
                    events.append(DownloadMissing(download_id))
                continue
            self._missing_since.pop(download_id, None)
            events.append(match.progress_event(download_id))
        for gone in set(self._missing_since) - awaited:
            del self._missing_since[gone]
        return events
