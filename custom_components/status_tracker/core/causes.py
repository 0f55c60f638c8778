"""Why a request does not move: its cause, from what the services say about it. Pure, no I/O.

The stuck check (stuck.py) gathers `Facts` for the requests that have not moved for a while and asks `diagnose`;
the tracker stores the answer (`Tracker.set_cause`). Rules:
- By state: APPROVED (nothing grabbed) is `removed`, `unmonitored`, `not_released` or `no_release_found`, as
  Radarr's movie or Sonarr's episodes say; GRABBING/DOWNLOADING is the queue's `import_failed` (failedPending/
  failed) or qBittorrent's `stalled`; DOWNLOADED is `import_blocked` (importBlocked/importPending, or a
  ManualInteractionRequired webhook) or `import_failed`; IMPORTING is `waiting_for_library`; ANIME_MATCHING is
  `waiting_for_shoko` until Shoko matched every file. REQUESTED (awaiting approval) waits on a person: no cause.
- Radarr's own `isAvailable` decides "released"; the expected date is the one its `minimumAvailability` waits for
  (Radarr's Movie.IsAvailable: inCinemas; else the earlier of physical and digital release; else inCinemas + 90
  days). A Sonarr request is `not_released` when every monitored episode it still misses airs later
  (`airDateUtc`), `no_release_found` when one of them has aired.
- `not_released` is waiting, not stuck: `holds_off_stuck` is True for it until its date (or while it has none).
- Without the *arr's connection, what the integration sees alone still gives a cause (`missing_connection` in the
  details names the connection that would tell more); so does a GRABBING/DOWNLOADING request without qBittorrent.
- Each Diagnosis has a `sentence` key (the cause, or a variant such as "not_released_undated") whose translation
  (strings.json `exceptions.cause_<sentence>`) takes the details as placeholders; every value is a string.
- `cause_since` is when the cause was first given; a new diagnosis with the same code keeps it. `waiting_for_library`
  says what the library check last saw (`Facts.library`) as the sentence `waiting_for_library_<saw>`.
- `remedy_for` names the remedy (remedies.py) the stuck issue's fix flow offers for a cause (search, another
  release, a library scan); the other causes wait on a date, on Shoko or on a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .coerce import as_int
from .downloads import Torrent
from .models import ArrApp, EpisodeState, MediaRequest, MediaType, RequestState, episode_labels


class Cause(StrEnum):
    """Why a request does not move."""

    NOT_RELEASED = "not_released"
    NO_RELEASE_FOUND = "no_release_found"
    STALLED = "stalled"
    IMPORT_BLOCKED = "import_blocked"
    IMPORT_FAILED = "import_failed"
    WAITING_FOR_LIBRARY = "waiting_for_library"
    WAITING_FOR_SHOKO = "waiting_for_shoko"
    UNMONITORED = "unmonitored"
    REMOVED = "removed"


# Radarr's MovieStatusType values as its API writes them (camelCase).
_CINEMAS = "incinemas"
_NO_DATE_NEEDED = frozenset({"tba", "announced"})
# Radarr's fallback when a movie has neither a physical nor a digital release date.
_CINEMA_WINDOW = timedelta(days=90)
_BLOCKED = frozenset({"importblocked", "importpending"})
_FAILED = frozenset({"failedpending", "failed"})
_SERVICE: dict[ArrApp, str] = {"radarr": "Radarr", "sonarr": "Sonarr"}
_REMEDY_OF: dict[str, str] = {
    Cause.NO_RELEASE_FOUND: "search",
    Cause.STALLED: "replace_download",
    Cause.IMPORT_BLOCKED: "replace_download",
    Cause.IMPORT_FAILED: "replace_download",
    Cause.WAITING_FOR_LIBRARY: "rescan_library",
}


@dataclass(frozen=True, slots=True)
class MovieFacts:
    """Radarr's movie resource (`GET /api/v3/movie?tmdbId=`), the fields a cause reads."""

    monitored: bool
    is_available: bool
    minimum_availability: str
    in_cinemas: datetime | None = None
    physical_release: datetime | None = None
    digital_release: datetime | None = None
    last_search_time: datetime | None = None

    @classmethod
    def from_resource(cls, data: Mapping[str, Any]) -> MovieFacts:
        """Read leniently: a missing flag reads as Radarr's default (monitored, available)."""
        return cls(
            monitored=data.get("monitored") is not False,
            is_available=data.get("isAvailable") is not False,
            minimum_availability=str(data.get("minimumAvailability") or "released"),
            in_cinemas=parse_time(data.get("inCinemas")),
            physical_release=parse_time(data.get("physicalRelease")),
            digital_release=parse_time(data.get("digitalRelease")),
            last_search_time=parse_time(data.get("lastSearchTime")),
        )

    def expected(self) -> datetime | None:
        """The date Radarr waits for before the movie counts as available (None: no date known)."""
        minimum = self.minimum_availability.casefold()
        if minimum in _NO_DATE_NEEDED:
            return None
        if minimum == _CINEMAS and self.in_cinemas is not None:
            return self.in_cinemas
        releases = [date for date in (self.physical_release, self.digital_release) if date is not None]
        if releases:
            return min(releases)
        return self.in_cinemas + _CINEMA_WINDOW if self.in_cinemas is not None else None


@dataclass(frozen=True, slots=True)
class EpisodeFacts:
    """One of Sonarr's episode resources (`GET /api/v3/episode?seriesId=`)."""

    season: int
    episode: int
    monitored: bool
    has_file: bool
    air_date_utc: datetime | None = None
    last_search_time: datetime | None = None

    @classmethod
    def from_resource(cls, data: Mapping[str, Any]) -> EpisodeFacts | None:
        """None for a record without season and episode numbers."""
        season, number = as_int(data.get("seasonNumber")), as_int(data.get("episodeNumber"))
        if season is None or number is None:
            return None
        return cls(
            season=season,
            episode=number,
            monitored=data.get("monitored") is not False,
            has_file=data.get("hasFile") is True,
            air_date_utc=parse_time(data.get("airDateUtc")),
            last_search_time=parse_time(data.get("lastSearchTime")),
        )


@dataclass(frozen=True, slots=True)
class QueueFacts:
    """One *arr queue record of the request's download: its tracked state and status messages."""

    state: str
    messages: tuple[str, ...] = ()
    download_id: str = ""

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> QueueFacts:
        """The record's `trackedDownloadState` and the texts of its `statusMessages` (then its `errorMessage`)."""
        texts: list[str] = []
        for status in data.get("statusMessages") or ():
            if isinstance(status, Mapping):
                texts += [text for text in status.get("messages") or () if isinstance(text, str) and text]
                if not status.get("messages") and isinstance(status.get("title"), str):
                    texts.append(status["title"])
        if not texts and isinstance(data.get("errorMessage"), str) and data["errorMessage"]:
            texts.append(data["errorMessage"])
        download = str(data.get("downloadId") or "").casefold()
        state = str(data.get("trackedDownloadState") or "")
        return cls(state=state, messages=tuple(dict.fromkeys(texts)), download_id=download)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the services said about one request; each part None when that service was not asked.

    `arr_connected`: the *arr the request needs is configured (asked or not answering); `found` False: it has no such
    movie/series. `qbittorrent_connected`: qBittorrent is polled. `library`: what the library check last saw.
    """

    arr_connected: bool = False
    found: bool | None = None
    movie: MovieFacts | None = None
    series_monitored: bool | None = None
    episodes: tuple[EpisodeFacts, ...] | None = None
    queue: tuple[QueueFacts, ...] = ()
    qbittorrent_connected: bool = False
    torrents: tuple[Torrent, ...] = ()
    library: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """A cause, the key of its sentence, and the sentence's placeholders."""

    cause: Cause
    sentence: str
    details: dict[str, str] = field(default_factory=dict)


def diagnose(request: MediaRequest, now: datetime, facts: Facts) -> Diagnosis | None:
    """Why `request` does not move, as far as `facts` tell; None when no service is to blame (awaiting approval)."""
    app: ArrApp = "radarr" if request.media_type is MediaType.MOVIE else "sonarr"
    service = _SERVICE[app]
    state = request.state
    if state is RequestState.REQUESTED or not request.is_active or state is RequestState.FAILED:
        return None
    if state.rank < RequestState.IMPORTING.rank:
        if facts.found is False:
            return _said(Cause.REMOVED, {"service": service})
        if (unmonitored := _unmonitored(request, facts)) is not None:
            return _said(Cause.UNMONITORED, {"service": service, **unmonitored})
    if state is RequestState.APPROVED:
        return _not_grabbed(request, now, facts, service)
    if state in (RequestState.GRABBING, RequestState.DOWNLOADING):
        return _queue_cause(facts, service, blocked=False) or _downloading(request, now, facts)
    if state is RequestState.DOWNLOADED:
        return _queue_cause(facts, service, blocked=True) or _not_imported(request, now, facts, service)
    return _waiting_for_library(request, now, facts.library or {})


def holds_off_stuck(diagnosis: Diagnosis | None, now: datetime) -> bool:
    """True while a request is waiting for its release: not stuck before its date, nor while it has none."""
    if diagnosis is None or diagnosis.cause is not Cause.NOT_RELEASED:
        return False
    expected = parse_time(diagnosis.details.get("date"))
    return expected is None or expected > now


def next_look(diagnosis: Diagnosis | None, now: datetime, recheck: timedelta) -> datetime | None:
    """When a request held off by `holds_off_stuck` is worth asking about again: its date, within `recheck`."""
    if not holds_off_stuck(diagnosis, now):
        return None
    assert diagnosis is not None  # noqa: S101 - holds_off_stuck is False for None
    expected = parse_time(diagnosis.details.get("date"))
    return min(expected, now + recheck) if expected is not None else now + recheck


def remedy_for(cause: str | None) -> str | None:
    """The remedy that can move a request stuck for this cause; None when only waiting (or a person) can."""
    return _REMEDY_OF.get(cause) if cause is not None else None


def apply_diagnosis(request: MediaRequest, diagnosis: Diagnosis | None, now: datetime) -> None:
    """Store a diagnosis on the request; the same cause keeps its `cause_since`."""
    if diagnosis is None:
        request.cause, request.cause_since, request.cause_details = None, None, {}
        return
    if request.cause != diagnosis.cause or request.cause_since is None:
        request.cause_since = now
    request.cause = str(diagnosis.cause)
    request.cause_details = {"sentence": diagnosis.sentence, **diagnosis.details}


def queue_records_of(request: MediaRequest, records: Iterable[Mapping[str, Any]]) -> list[QueueFacts]:
    """The facts of the queue records holding one of the request's downloads (ids compared in any case)."""
    ids = {download_id.casefold() for download_id in request.download_ids}
    if request.download_id:
        ids.add(request.download_id.casefold())
    return [
        QueueFacts.from_record(record)
        for record in records
        if isinstance(record.get("downloadId"), str) and record["downloadId"].casefold() in ids
    ]


def parse_time(value: object) -> datetime | None:
    """An *arr date-time ("2025-06-01T00:00:00Z") as an aware datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _said(cause: Cause, details: dict[str, str], sentence: str | None = None) -> Diagnosis:
    return Diagnosis(cause, sentence or str(cause), details)


def minutes_since(since: datetime, now: datetime) -> str:
    return str(max(0, int((now - since).total_seconds() // 60)))


def _unmonitored(request: MediaRequest, facts: Facts) -> dict[str, str] | None:
    if facts.movie is not None:
        return None if facts.movie.monitored else {}
    if facts.series_monitored is False:
        return {}
    missing = missing_episodes(request, facts.episodes) if request.state is RequestState.APPROVED else []
    if missing and not any(episode.monitored for episode in missing):
        return {"episodes": episode_labels([(episode.season, episode.episode) for episode in missing])}
    return None


def missing_episodes(request: MediaRequest, episodes: Sequence[EpisodeFacts] | None) -> list[EpisodeFacts]:
    """The requested episodes Sonarr has no file for (specials only when season 0 was requested)."""
    seasons = request.requested_seasons
    missing = []
    for episode in episodes or ():
        in_scope = episode.season in seasons if seasons is not None else episode.season > 0
        row = request.episodes.get((episode.season, episode.episode))
        if in_scope and not episode.has_file and (row is None or row.state is EpisodeState.PENDING):
            missing.append(episode)
    return missing


def _not_grabbed(request: MediaRequest, now: datetime, facts: Facts, service: str) -> Diagnosis:
    since = request.state_changed_at
    if not facts.arr_connected:
        details = {"minutes": minutes_since(since, now), "missing_connection": service}
        return _said(Cause.NO_RELEASE_FOUND, details, "no_release_found_unconfirmed")
    if facts.found is None:
        # Connected, but it did not answer: whether the media is released is not known.
        details = {"minutes": minutes_since(since, now), "service": service}
        return _said(Cause.NO_RELEASE_FOUND, details, "no_release_found_unanswered")
    if facts.movie is not None:
        movie = facts.movie
        if not movie.is_available:
            return _not_released(movie.expected(), now, service)
        searched = movie.last_search_time
    else:
        monitored = [episode for episode in missing_episodes(request, facts.episodes) if episode.monitored]
        aired = [ep for ep in monitored if ep.air_date_utc is not None and ep.air_date_utc <= now]
        if monitored and not aired:
            dates = [ep.air_date_utc for ep in monitored if ep.air_date_utc is not None]
            return _not_released(min(dates) if dates else None, now, service)
        searches = [ep.last_search_time for ep in aired if ep.last_search_time is not None]
        searched = max(searches) if searches else None
    start = max(since, searched) if searched is not None else since
    return _said(Cause.NO_RELEASE_FOUND, {"service": service, "minutes": minutes_since(start, now)})


def _not_released(expected: datetime | None, now: datetime, service: str) -> Diagnosis:
    if expected is None or expected <= now:
        # Radarr says "not available" past its date while its availability delay runs: no date to promise.
        return _said(Cause.NOT_RELEASED, {"service": service}, "not_released_undated")
    return _said(Cause.NOT_RELEASED, {"service": service, "date": expected.isoformat()})


def _queue_cause(facts: Facts, service: str, *, blocked: bool) -> Diagnosis | None:
    for record in facts.queue:
        state = record.state.casefold()
        message = "; ".join(record.messages) or record.state
        if state in _FAILED:
            return _said(Cause.IMPORT_FAILED, {"service": service, "message": message})
        if blocked and state in _BLOCKED:
            return _said(Cause.IMPORT_BLOCKED, {"service": service, "message": message})
    return None


def _downloading(request: MediaRequest, now: datetime, facts: Facts) -> Diagnosis:
    minutes = minutes_since(request.moved_at, now)
    if facts.torrents:
        torrent = min(facts.torrents, key=lambda torrent: torrent.progress)
        return _said(Cause.STALLED, stalled_details(torrent, minutes))
    client = request.download_client or "qBittorrent"
    if not facts.qbittorrent_connected or request.unpolled_download_ids:
        # The integration follows only qBittorrent: another client's download is seen only through its *arr.
        return _said(Cause.STALLED, {"minutes": minutes, "missing_connection": client}, "stalled_unconfirmed")
    return _said(Cause.STALLED, {"minutes": minutes, "client": client}, "stalled_unseen")


def stalled_details(torrent: Torrent, minutes: str) -> dict[str, str]:
    """A stalled torrent's placeholders: its qBittorrent state, progress, seed and peer counts."""
    counts = {"seeds": torrent.seeds, "peers": torrent.peers, "swarm_seeds": torrent.swarm_seeds}
    return {
        "minutes": minutes,
        "torrent_state": torrent.state,
        "progress": f"{torrent.progress * 100:.1f}",
        **{name: str(value) if value is not None and value >= 0 else "?" for name, value in counts.items()},
    }


def _not_imported(request: MediaRequest, now: datetime, facts: Facts, service: str) -> Diagnosis:
    minutes = minutes_since(request.moved_at, now)
    if request.needs_attention and request.reason:
        return _said(Cause.IMPORT_BLOCKED, {"service": service, "message": request.reason})
    if not facts.arr_connected:
        details = {"minutes": minutes, "service": service, "missing_connection": service}
        return _said(Cause.IMPORT_BLOCKED, details, "import_blocked_unconfirmed")
    return _said(Cause.IMPORT_BLOCKED, {"minutes": minutes, "service": service}, "import_waiting")


def _waiting_for_library(request: MediaRequest, now: datetime, saw: Mapping[str, str]) -> Diagnosis:
    minutes = minutes_since(request.moved_at, now)
    unmatched = [
        path
        for path, state, matched in _imported_files(request)
        if state is EpisodeState.ANIME_MATCHING and matched is None
    ]
    if unmatched:
        return _said(Cause.WAITING_FOR_SHOKO, {"minutes": minutes, "files": str(len(unmatched)), "path": unmatched[0]})
    paths = request.final_paths
    details = {"minutes": minutes, "files": str(len(paths)), "path": paths[0] if paths else "", **saw}
    sentence = f"waiting_for_library_{details.pop('saw')}" if "saw" in details else None
    return _said(Cause.WAITING_FOR_LIBRARY, details, sentence)


def _imported_files(request: MediaRequest) -> list[tuple[str, EpisodeState, datetime | None]]:
    """(path, state as an episode state, Shoko match) of each imported file not yet available."""
    if not request.episodes:
        state = EpisodeState(str(request.state))
        return [(request.final_path or "", state, request.anime_matched_at)]
    return [
        (episode.final_path or "", episode.state, episode.anime_matched_at)
        for _, episode in sorted(request.episodes.items())
        if episode.state in (EpisodeState.IMPORTING, EpisodeState.ANIME_MATCHING)
    ]
