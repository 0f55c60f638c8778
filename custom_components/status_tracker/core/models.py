"""The tracker's data: request and episode states, the request and episode records.

Rules held here:
- States are ordered by progress; `rank()` gives that order so transitions can be monotonic. FAILED ranks last,
  but it is not "more progress": the tracker treats it apart (see tracker.py).
- A TV request with episode rows takes its state from them: the lowest state among the rows not yet AVAILABLE,
  AVAILABLE when all are. `derived_state()` computes it; the tracker stores it in `state`.
- Episode texts: `state_text()` counts rows from the most advanced state down, skipping zeros, e.g.
  "2 available, 3 downloaded, 5 downloading, 4 queued"; PENDING and GRABBING both count as "queued", ANIME_MATCHING
  reads "matching". `grabbed_text()` reads "Grabbed 3/12 eps" when `episode_total` is known, else "Grabbed 3 eps".
- Clocks: `state_changed_at` is when the request's state last changed (time in state); `moved_at` when it last
  MOVED: its state, an episode row's state, a download's progress or a Shoko match changed. A stall is measured
  from `moved_at`, so a long download that keeps progressing, or a season whose episodes keep arriving while the
  request's state holds, is never stuck. `stuck_since` is set by `Tracker.mark_stuck` and cleared by any move.
- Serialisation (schema.py reads it from the fields below, in their order) is compact: None, False, empty lists and
  empty dicts are left out; datetimes are ISO strings. `moved_at` is left out while it equals `state_changed_at`.
  Data stored before a field existed still loads: the clocks then default to `updated_at`, everything else to its
  default. Nothing in here is a Home Assistant type, so the store can save `to_dict()` output as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from .schema import Schema, loads_from, same_as
from .timeline import TimelineEntry, compact as compact_timeline


class RequestState(StrEnum):
    """Where a request is, in progress order."""

    REQUESTED = "requested"
    APPROVED = "approved"
    GRABBING = "grabbing"
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    IMPORTING = "importing"
    ANIME_MATCHING = "anime_matching"
    AVAILABLE = "available"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """Position in progress order, for monotonic comparison."""
        return _REQUEST_RANK[self]


class EpisodeState(StrEnum):
    """Where one episode of a TV request is, in progress order."""

    PENDING = "pending"
    GRABBING = "grabbing"
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    IMPORTING = "importing"
    ANIME_MATCHING = "anime_matching"
    AVAILABLE = "available"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """Position in progress order, for monotonic comparison."""
        return _EPISODE_RANK[self]

    @property
    def request_state(self) -> RequestState:
        """The request state an episode in this state holds its request at."""
        return _EPISODE_TO_REQUEST[self]


class MediaType(StrEnum):
    """Jellyseerr's media types."""

    MOVIE = "movie"
    TV = "tv"


# The two *arr applications, as the config, the clients and the webhook paths name them.
type ArrApp = Literal["radarr", "sonarr"]


class Notice(StrEnum):
    """Something the HA shell may want to tell the user about, beyond a state change."""

    ALREADY_AVAILABLE = "already_available"
    ALREADY_REQUESTED = "already_requested"
    # The request has not moved for the configured time and the pollers found nothing new (Tracker.mark_stuck).
    STUCK = "stuck"


_REQUEST_RANK = {state: index for index, state in enumerate(RequestState)}
_EPISODE_RANK = {state: index for index, state in enumerate(EpisodeState)}
# A PENDING row is known but not grabbed: its request is approved work waiting for the *arr.
_EPISODE_TO_REQUEST = {
    EpisodeState.PENDING: RequestState.APPROVED,
    EpisodeState.GRABBING: RequestState.GRABBING,
    EpisodeState.DOWNLOADING: RequestState.DOWNLOADING,
    EpisodeState.DOWNLOADED: RequestState.DOWNLOADED,
    EpisodeState.IMPORTING: RequestState.IMPORTING,
    EpisodeState.ANIME_MATCHING: RequestState.ANIME_MATCHING,
    EpisodeState.AVAILABLE: RequestState.AVAILABLE,
    EpisodeState.FAILED: RequestState.FAILED,
}
_TEXT_ORDER: tuple[tuple[str, tuple[EpisodeState, ...]], ...] = (
    ("available", (EpisodeState.AVAILABLE,)),
    ("matching", (EpisodeState.ANIME_MATCHING,)),
    ("importing", (EpisodeState.IMPORTING,)),
    ("downloaded", (EpisodeState.DOWNLOADED,)),
    ("downloading", (EpisodeState.DOWNLOADING,)),
    ("queued", (EpisodeState.PENDING, EpisodeState.GRABBING)),
    ("failed", (EpisodeState.FAILED,)),
)

type EpisodeKey = tuple[int, int]


def episode_label(key: EpisodeKey) -> str:
    """S01E05, as Sonarr and the card name an episode."""
    return f"S{key[0]:02d}E{key[1]:02d}"


def episode_labels(keys: Sequence[EpisodeKey], limit: int = 6) -> str:
    """The first `limit` episodes by label, and how many more: "S01E01, S01E02 (+3)"."""
    more = f" (+{len(keys) - limit})" if len(keys) > limit else ""
    return ", ".join(episode_label(key) for key in keys[:limit]) + more


# Stands for "not given" in MediaRequest's clock fields, which then start at created_at.
_UNSET = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AnimeRules:
    """How parsers recognise anime besides Sonarr's series type."""

    tag_label: str = "anime"
    path_prefixes: tuple[str, ...] = ()

    def path_is_anime(self, path: str | None) -> bool:
        """True when `path` lies under one of the configured prefixes (either slash, any case)."""
        if not path:
            return False
        normalised = path.replace("\\", "/").casefold()
        for prefix in self.path_prefixes:
            root = prefix.replace("\\", "/").casefold().rstrip("/")
            if root and (normalised == root or normalised.startswith(root + "/")):
                return True
        return False


@dataclass(slots=True)
class Episode:
    """One episode row of a TV request, keyed by (season, episode)."""

    season: int
    episode: int
    state: EpisodeState = EpisodeState.PENDING
    title: str | None = None
    sonarr_episode_id: int | None = None
    # The episode's own TVDB id: Jellyfin reports it as Provider_tvdb on an Episode item.
    tvdb_id: int | None = None
    download_id: str | None = None
    final_path: str | None = None
    quality: str | None = None
    # 0..1 while this row's download is awaited (issue 4); the last value seen is kept afterwards.
    download_progress: float | None = None
    # When Shoko matched this row's file (at least one cross reference).
    anime_matched_at: datetime | None = None
    available_at: datetime | None = None

    @property
    def key(self) -> EpisodeKey:
        """The (season, episode) pair the request keys this row by."""
        return (self.season, self.episode)

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON-safe form (see schema.py)."""
        return _EPISODE_SCHEMA.dump(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Episode:
        """Inverse of `to_dict`."""
        return cls(**_EPISODE_SCHEMA.load(data))


@dataclass(frozen=True, slots=True)
class EpisodeCause:
    """Why a group of a TV request's episodes in the same situation does not move (core/episode_causes.py).

    `episodes` names them ("S01E05-S01E08", with an en dash); `cause` and `details` (with its `sentence`) as the
    request's own.
    Frozen and replaced whole, so the request's fingerprint, which copies the list, never shares a mutable one.
    """

    episodes: str
    cause: str
    details: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON-safe form (see schema.py): what the request's row stores."""
        return _EPISODE_CAUSE_SCHEMA.dump(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EpisodeCause:
        """Inverse of `to_dict`."""
        return cls(**_EPISODE_CAUSE_SCHEMA.load(data))

    def as_view(self) -> dict[str, Any]:
        """What the `episode_causes` attribute and the stuck event show of it."""
        return {"episodes": self.episodes, "cause": self.cause, "details": dict(self.details)}


@dataclass(slots=True, kw_only=True)
class MediaRequest:
    """One tracked request: a movie, or a set of seasons of a series, in normal or 4K quality.

    The fields, in this order, are also the stored form (schema.py).
    """

    request_id: str
    media_type: MediaType
    title: str
    state: RequestState = RequestState.REQUESTED
    created_at: datetime
    updated_at: datetime
    # Both default to created_at (see the module docstring for what each clock measures); data stored before they
    # existed reads them as updated_at.
    state_changed_at: datetime = field(default=_UNSET, metadata=loads_from("updated_at"))
    moved_at: datetime = field(default=_UNSET, metadata=same_as("state_changed_at"))
    stuck_since: datetime | None = None
    # Why the request does not move (core/causes.py): a Cause value, since when, and its sentence's placeholders.
    cause: str | None = None
    cause_since: datetime | None = None
    cause_details: dict[str, str] = field(default_factory=dict)
    # A TV request's causes per group of episodes (core/episode_causes.py), bounded; `cause` is its main one's.
    episode_causes: list[EpisodeCause] = field(default_factory=list)
    year: int | None = None
    is_4k: bool = False
    is_anime: bool = False
    poster_url: str | None = None
    requested_by: str | None = None
    # Matched against the requester mapping only (core/requesters.py); not an attribute, redacted in diagnostics.
    requested_by_email: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    jellyseerr_request_id: str | None = None
    # Later Jellyseerr requests that were folded into this one (duplicates).
    duplicate_request_ids: list[str] = field(default_factory=list)
    # None means unknown (no Jellyseerr "Requested Seasons" entry): every season is in scope.
    requested_seasons: list[int] | None = None
    # The Grab's quality until a file is imported, then the imported file's; for TV, that of the last episode.
    quality: str | None = None
    download_id: str | None = None
    # Every download id ever seen for this request, sorted, so late events still find it (E4).
    download_ids: list[str] = field(default_factory=list)
    # The client holding the current download, as the *arr names it (the user's name, else the client type).
    download_client: str | None = None
    # Download ids a Grab put in another client than qBittorrent, sorted: never waited on in qBittorrent. A tuple:
    # almost every request has none, and the empty tuple is shared.
    unpolled_download_ids: tuple[str, ...] = ()
    download_progress: float | None = None
    # A movie's download speed (bytes/s) and eta (s, None when unknown), kept only while GRABBING/DOWNLOADING.
    download_speed: int | None = None
    download_eta: int | None = None
    final_path: str | None = None
    # When Shoko matched the movie's file (TV: per episode row).
    anime_matched_at: datetime | None = None
    reason: str | None = None
    needs_attention: bool = False
    already_available: bool = False
    # The media was deleted from the *arr: this request no longer claims its media key.
    removed: bool = False
    jellyfin_item_id: str | None = None
    episode_total: int | None = None
    upgraded_at: datetime | None = None
    available_at: datetime | None = None
    episodes: dict[EpisodeKey, Episode] = field(default_factory=dict)
    # What happened to the request, oldest first (timeline.py: bounded, compacted by retention).
    timeline: list[TimelineEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Start the clocks that were not given at created_at."""
        if self.state_changed_at is _UNSET:
            self.state_changed_at = self.created_at
        if self.moved_at is _UNSET:
            self.moved_at = self.state_changed_at

    @property
    def is_active(self) -> bool:
        """True while webhooks may still move this request: not AVAILABLE and not removed."""
        return self.state is not RequestState.AVAILABLE and not self.removed

    @property
    def final_paths(self) -> list[str]:
        """The imported file paths: the movie's, or each episode's in (season, episode) order."""
        if not self.episodes:
            return [self.final_path] if self.final_path else []
        return [ep.final_path for _, ep in sorted(self.episodes.items()) if ep.final_path]

    def derived_state(self) -> RequestState:
        """The state the episode rows put this request in; its own state when it has none."""
        if not self.episodes:
            return self.state
        waiting = [ep.state for ep in self.episodes.values() if ep.state is not EpisodeState.AVAILABLE]
        if not waiting:
            return RequestState.AVAILABLE
        return min(waiting, key=lambda state: state.rank).request_state

    def episode_counts(self) -> dict[str, int]:
        """How many episode rows are in each state (every state listed, zeros included)."""
        counts = dict.fromkeys((str(state) for state in EpisodeState), 0)
        for ep in self.episodes.values():
            counts[str(ep.state)] += 1
        return counts

    def state_text(self) -> str | None:
        """E.g. "3 downloaded, 5 downloading, 4 queued"; None for a request without episode rows."""
        if not self.episodes:
            return None
        counts = self.episode_counts()
        parts = []
        for label, states in _TEXT_ORDER:
            number = sum(counts[str(state)] for state in states)
            if number:
                parts.append(f"{number} {label}")
        return ", ".join(parts)

    def grabbed_text(self) -> str | None:
        """E.g. "Grabbed 3/12 eps"; None for a request without episode rows."""
        if not self.episodes:
            return None
        grabbed = sum(1 for ep in self.episodes.values() if ep.state is not EpisodeState.PENDING)
        if self.episode_total is None:
            return f"Grabbed {grabbed} eps"
        return f"Grabbed {grabbed}/{self.episode_total} eps"

    @property
    def is_finished(self) -> bool:
        """True once nothing is expected any more: AVAILABLE, FAILED, or its media deleted from the *arr."""
        return self.state in (RequestState.AVAILABLE, RequestState.FAILED) or self.removed

    def compact(self) -> bool:
        """Drop what only a request in progress needs; keep every id that correlation and duplicate checks use.

        True when something was dropped (a request compacted before is left unchanged).

        Kept: the media ids, Jellyseerr ids, download ids (and which are not qBittorrent's) and client, states,
        reasons, clocks, the movie's file path (a delete of an older file is told apart by it), per episode its
        numbers, ids, state and availability time, and the last entries of the timeline.
        """
        compacted = compact_timeline(self.timeline)
        compacted = _drop(self, _REQUEST_PROGRESS) or compacted
        if self.cause_details or self.episode_causes:
            self.cause_details, self.episode_causes = {}, []
            compacted = True
        for episode in self.episodes.values():
            compacted = _drop(episode, _EPISODE_PROGRESS) or compacted
        return compacted

    def fingerprint(self) -> tuple[object, ...]:
        """Every field's value, copied: equal fingerprints mean equal `to_dict()`, at a tenth of its cost."""
        return _REQUEST_SCHEMA.fingerprint(self)

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON-safe form (see schema.py)."""
        return _REQUEST_SCHEMA.dump(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MediaRequest:
        """Inverse of `to_dict`."""
        return cls(**_REQUEST_SCHEMA.load(data))


# What `compact` drops.
_REQUEST_PROGRESS = ("download_progress", "download_speed", "download_eta", "stuck_since", "cause", "cause_since")
_EPISODE_PROGRESS = ("title", "download_id", "final_path", "quality", "download_progress", "anime_matched_at")


def _drop(record: object, names: tuple[str, ...]) -> bool:
    dropped = False
    for name in names:
        if getattr(record, name) is not None:
            setattr(record, name, None)
            dropped = True
    return dropped


_EPISODE_SCHEMA = Schema(Episode)
_EPISODE_CAUSE_SCHEMA = Schema(EpisodeCause)
_REQUEST_SCHEMA = Schema(MediaRequest)
