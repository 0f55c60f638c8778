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
- Serialisation is compact: None, False, empty lists and empty dicts are left out; datetimes are ISO strings.
  `moved_at` is left out while it equals `state_changed_at`. Data stored before a field existed still loads: the
  clocks then default to `updated_at`, everything else to its default.
  Nothing in here is a Home Assistant type, so the store can save `to_dict()` output as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from operator import attrgetter
from typing import Any


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
        """Compact JSON-safe form."""
        data: dict[str, Any] = {
            "season": self.season,
            "episode": self.episode,
            "state": str(self.state),
        }
        _put(data, "title", self.title)
        _put(data, "sonarr_episode_id", self.sonarr_episode_id)
        _put(data, "tvdb_id", self.tvdb_id)
        _put(data, "download_id", self.download_id)
        _put(data, "final_path", self.final_path)
        _put(data, "quality", self.quality)
        _put(data, "download_progress", self.download_progress)
        _put(data, "anime_matched_at", _iso(self.anime_matched_at))
        _put(data, "available_at", _iso(self.available_at))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Episode:
        """Inverse of `to_dict`."""
        return cls(
            season=data["season"],
            episode=data["episode"],
            state=EpisodeState(data["state"]),
            title=data.get("title"),
            sonarr_episode_id=data.get("sonarr_episode_id"),
            tvdb_id=data.get("tvdb_id"),
            download_id=data.get("download_id"),
            final_path=data.get("final_path"),
            quality=data.get("quality"),
            download_progress=data.get("download_progress"),
            anime_matched_at=_parse_dt(data.get("anime_matched_at")),
            available_at=_parse_dt(data.get("available_at")),
        )


@dataclass(slots=True)
class MediaRequest:
    """One tracked request: a movie, or a set of seasons of a series, in normal or 4K quality."""

    request_id: str
    media_type: MediaType
    title: str
    created_at: datetime
    updated_at: datetime
    state: RequestState = RequestState.REQUESTED
    # Both default to created_at (see the module docstring for what each clock measures).
    state_changed_at: datetime = _UNSET
    moved_at: datetime = _UNSET
    stuck_since: datetime | None = None
    year: int | None = None
    is_4k: bool = False
    is_anime: bool = False
    poster_url: str | None = None
    requested_by: str | None = None
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

    def compact(self) -> None:
        """Drop what only a request in progress needs; keep every id that correlation and duplicate checks use.

        Kept: the media ids, Jellyseerr ids, download ids (and which are not qBittorrent's) and client, states,
        reasons, clocks, the movie's file path (a delete of an older file is told apart by it), and per episode its
        numbers, ids, state and availability time.
        """
        self.download_progress = self.download_speed = self.download_eta = None
        self.stuck_since = None
        for episode in self.episodes.values():
            episode.title = episode.download_id = episode.final_path = episode.quality = None
            episode.download_progress = None
            episode.anime_matched_at = None

    def fingerprint(self) -> tuple[object, ...]:
        """Every field's value, copied: equal fingerprints mean equal `to_dict()`, at a tenth of its cost."""
        return (
            _REQUEST_SCALARS(self),
            tuple(self.duplicate_request_ids),
            None if self.requested_seasons is None else tuple(self.requested_seasons),
            tuple(self.download_ids),
            tuple(map(_EPISODE_VALUES, self.episodes.values())),
        )

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON-safe form."""
        data: dict[str, Any] = {
            "request_id": self.request_id,
            "media_type": str(self.media_type),
            "title": self.title,
            "state": str(self.state),
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "state_changed_at": _iso(self.state_changed_at),
        }
        if self.moved_at != self.state_changed_at:
            data["moved_at"] = _iso(self.moved_at)
        _put(data, "stuck_since", _iso(self.stuck_since))
        _put(data, "year", self.year)
        _put(data, "is_4k", self.is_4k)
        _put(data, "is_anime", self.is_anime)
        _put(data, "poster_url", self.poster_url)
        _put(data, "requested_by", self.requested_by)
        _put(data, "tmdb_id", self.tmdb_id)
        _put(data, "tvdb_id", self.tvdb_id)
        _put(data, "imdb_id", self.imdb_id)
        _put(data, "jellyseerr_request_id", self.jellyseerr_request_id)
        _put(data, "duplicate_request_ids", list(self.duplicate_request_ids))
        if self.requested_seasons is not None:
            data["requested_seasons"] = list(self.requested_seasons)
        _put(data, "quality", self.quality)
        _put(data, "download_id", self.download_id)
        _put(data, "download_ids", list(self.download_ids))
        _put(data, "download_client", self.download_client)
        _put(data, "unpolled_download_ids", list(self.unpolled_download_ids))
        _put(data, "download_progress", self.download_progress)
        _put(data, "download_speed", self.download_speed)
        _put(data, "download_eta", self.download_eta)
        _put(data, "final_path", self.final_path)
        _put(data, "anime_matched_at", _iso(self.anime_matched_at))
        _put(data, "reason", self.reason)
        _put(data, "needs_attention", self.needs_attention)
        _put(data, "already_available", self.already_available)
        _put(data, "removed", self.removed)
        _put(data, "jellyfin_item_id", self.jellyfin_item_id)
        _put(data, "episode_total", self.episode_total)
        _put(data, "upgraded_at", _iso(self.upgraded_at))
        _put(data, "available_at", _iso(self.available_at))
        _put(data, "episodes", [ep.to_dict() for _, ep in sorted(self.episodes.items())])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaRequest:
        """Inverse of `to_dict`."""
        episodes = [Episode.from_dict(item) for item in data.get("episodes", [])]
        seasons = data.get("requested_seasons")
        updated_at = datetime.fromisoformat(data["updated_at"])
        state_changed_at = _parse_dt(data.get("state_changed_at")) or updated_at
        return cls(
            request_id=data["request_id"],
            media_type=MediaType(data["media_type"]),
            title=data["title"],
            state=RequestState(data["state"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            updated_at=updated_at,
            state_changed_at=state_changed_at,
            moved_at=_parse_dt(data.get("moved_at")) or state_changed_at,
            stuck_since=_parse_dt(data.get("stuck_since")),
            year=data.get("year"),
            is_4k=data.get("is_4k", False),
            is_anime=data.get("is_anime", False),
            poster_url=data.get("poster_url"),
            requested_by=data.get("requested_by"),
            tmdb_id=data.get("tmdb_id"),
            tvdb_id=data.get("tvdb_id"),
            imdb_id=data.get("imdb_id"),
            jellyseerr_request_id=data.get("jellyseerr_request_id"),
            duplicate_request_ids=list(data.get("duplicate_request_ids", [])),
            requested_seasons=None if seasons is None else list(seasons),
            quality=data.get("quality"),
            download_id=data.get("download_id"),
            download_ids=list(data.get("download_ids", [])),
            download_client=data.get("download_client"),
            unpolled_download_ids=tuple(data.get("unpolled_download_ids", ())),
            download_progress=data.get("download_progress"),
            download_speed=data.get("download_speed"),
            download_eta=data.get("download_eta"),
            final_path=data.get("final_path"),
            anime_matched_at=_parse_dt(data.get("anime_matched_at")),
            reason=data.get("reason"),
            needs_attention=data.get("needs_attention", False),
            already_available=data.get("already_available", False),
            removed=data.get("removed", False),
            jellyfin_item_id=data.get("jellyfin_item_id"),
            episode_total=data.get("episode_total"),
            upgraded_at=_parse_dt(data.get("upgraded_at")),
            available_at=_parse_dt(data.get("available_at")),
            episodes={ep.key: ep for ep in episodes},
        )


# The fields `fingerprint` reads as they are: immutable values (the lists and the episode rows are copied).
_REQUEST_SCALARS = attrgetter(
    *(
        f.name
        for f in fields(MediaRequest)
        if f.name not in {"duplicate_request_ids", "requested_seasons", "download_ids", "episodes"}
    )
)
_EPISODE_VALUES = attrgetter(*(f.name for f in fields(Episode)))


def _put(data: dict[str, Any], key: str, value: object) -> None:
    # Compactness: defaults are implied by absence (from_dict restores them).
    if value is None or value is False or value == []:
        return
    data[key] = value


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
