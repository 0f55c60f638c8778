"""A TV request's causes per group of episodes: which episodes wait for what. Pure, no I/O.

The stuck check gives a TV request its own cause (core/causes.py `diagnose`, its most pressing one) and, with
the same facts, `episode_causes`: its requested episodes not yet available, in (season, episode) order, each given
the situation it is in, and each run of neighbours in the same situation made one `EpisodeCause`:
- an episode with a row past PENDING, by its row: GRABBING/DOWNLOADING is its download's *arr queue record failing
  (`import_failed`) or its torrent `stalled` (one group per download); DOWNLOADED is the queue's `import_blocked`
  (or `import_failed`), else `import_waiting`; IMPORTING is `waiting_for_library`; ANIME_MATCHING is
  `waiting_for_shoko` until Shoko matched its file;
- an episode not grabbed, by Sonarr's episode resource (read only when Sonarr answered): `unmonitored`,
  `not_released` until its `airDateUtc` (a group says its first date), else `no_release_found`; without Sonarr's
  episodes, a PENDING row says which connection is missing (or that Sonarr did not answer).
- An available (or failed) episode, or one Sonarr has a file for, ends a run: "S01E01-S01E04" never spans one.
- Bounded: the first MAX_GROUPS groups, in episode order.
"""

from __future__ import annotations

from datetime import datetime

from .causes import (
    Cause,
    EpisodeFacts,
    Facts,
    minutes_since,
    missing_episodes,
    stalled_details,
)
from .models import Episode, EpisodeCause, EpisodeKey, EpisodeState, MediaRequest, MediaType, episode_label

MAX_GROUPS = 10
_SERVICE = "Sonarr"
_BLOCKED = frozenset({"importblocked", "importpending"})
_FAILED = frozenset({"failedpending", "failed"})
_FILES = frozenset({Cause.WAITING_FOR_LIBRARY, Cause.WAITING_FOR_SHOKO})

# (cause, sentence, details, what else tells two groups apart: the download) of one episode; None: nothing awaited.
type _Situation = tuple[str, str, tuple[tuple[str, str], ...], str]


def episode_causes(request: MediaRequest, now: datetime, facts: Facts) -> list[EpisodeCause]:
    """The request's episode groups and their causes (empty for a movie or a request with no cause)."""
    if request.media_type is not MediaType.TV or not request.is_active:
        return []
    keys = set(request.episodes)
    seasons = request.requested_seasons
    aired_facts = {
        (ep.season, ep.episode): ep
        for ep in facts.episodes or ()
        if (ep.season in seasons if seasons is not None else ep.season > 0)
    }
    keys |= aired_facts.keys()
    missing = {(ep.season, ep.episode): ep for ep in missing_episodes(request, facts.episodes)}
    groups: list[tuple[list[EpisodeKey], _Situation, list[datetime]]] = []
    previous: _Situation | None = None
    for key in sorted(keys):
        situation, date = _situation(request, now, facts, request.episodes.get(key), missing.get(key))
        if situation is not None and situation == previous:
            groups[-1][0].append(key)
            if date is not None:
                groups[-1][2].append(date)
        elif situation is not None:
            groups.append(([key], situation, [date] if date is not None else []))
        previous = situation
    return [_group(request, keys, situation, dates) for keys, situation, dates in groups[:MAX_GROUPS]]


def _situation(
    request: MediaRequest, now: datetime, facts: Facts, row: Episode | None, missing: EpisodeFacts | None
) -> tuple[_Situation | None, datetime | None]:
    minutes = minutes_since(request.moved_at, now)
    if row is not None and row.state is not EpisodeState.PENDING:
        return _row_situation(request, facts, row, minutes), None
    if missing is not None:
        if not missing.monitored:
            return (str(Cause.UNMONITORED), "unmonitored", (("service", _SERVICE),), ""), None
        if missing.air_date_utc is not None and missing.air_date_utc > now:
            return (str(Cause.NOT_RELEASED), "not_released", (("service", _SERVICE),), ""), missing.air_date_utc
        if missing.air_date_utc is None:
            return (str(Cause.NOT_RELEASED), "not_released_undated", (("service", _SERVICE),), ""), None
        searched = missing.last_search_time
        start = max(request.created_at, searched) if searched is not None else request.created_at
        details = (("service", _SERVICE), ("minutes", minutes_since(start, now)))
        return (str(Cause.NO_RELEASE_FOUND), "no_release_found", details, ""), None
    if row is None or facts.episodes is not None:
        return None, None
    if not facts.arr_connected:
        details = (("minutes", minutes), ("missing_connection", _SERVICE))
        return (str(Cause.NO_RELEASE_FOUND), "no_release_found_unconfirmed", details, ""), None
    details = (("minutes", minutes), ("service", _SERVICE))
    return (str(Cause.NO_RELEASE_FOUND), "no_release_found_unanswered", details, ""), None


def _row_situation(request: MediaRequest, facts: Facts, row: Episode, minutes: str) -> _Situation | None:
    download = (row.download_id or "").casefold()
    queue = [record for record in facts.queue if download and record.download_id == download]
    if row.state in (EpisodeState.GRABBING, EpisodeState.DOWNLOADING, EpisodeState.DOWNLOADED):
        for record in queue:
            state, message = record.state.casefold(), "; ".join(record.messages) or record.state
            if state in _FAILED:
                return str(Cause.IMPORT_FAILED), "import_failed", _pairs(service=_SERVICE, message=message), download
            if row.state is EpisodeState.DOWNLOADED and state in _BLOCKED:
                return str(Cause.IMPORT_BLOCKED), "import_blocked", _pairs(service=_SERVICE, message=message), download
    if row.state is EpisodeState.DOWNLOADED:
        if not facts.arr_connected:
            details = _pairs(minutes=minutes, service=_SERVICE, missing_connection=_SERVICE)
            return str(Cause.IMPORT_BLOCKED), "import_blocked_unconfirmed", details, download
        return str(Cause.IMPORT_BLOCKED), "import_waiting", _pairs(minutes=minutes, service=_SERVICE), download
    if row.state in (EpisodeState.GRABBING, EpisodeState.DOWNLOADING):
        torrent = next((t for t in facts.torrents if t.hash.casefold() == download), None) if download else None
        if torrent is not None:
            return str(Cause.STALLED), "stalled", tuple(stalled_details(torrent, minutes).items()), download
        client = request.download_client or "qBittorrent"
        unpolled = {download_id.casefold() for download_id in request.unpolled_download_ids}
        if not facts.qbittorrent_connected or download in unpolled:
            return (
                str(Cause.STALLED),
                "stalled_unconfirmed",
                _pairs(minutes=minutes, missing_connection=client),
                download,
            )
        return str(Cause.STALLED), "stalled_unseen", _pairs(minutes=minutes, client=client), download
    if row.state is EpisodeState.ANIME_MATCHING and row.anime_matched_at is None:
        return str(Cause.WAITING_FOR_SHOKO), "waiting_for_shoko", _pairs(minutes=minutes), ""
    if row.state in (EpisodeState.IMPORTING, EpisodeState.ANIME_MATCHING):
        return str(Cause.WAITING_FOR_LIBRARY), "waiting_for_library", _pairs(minutes=minutes), ""
    return None


def _pairs(**details: str) -> tuple[tuple[str, str], ...]:
    return tuple(details.items())


def _group(request: MediaRequest, keys: list[EpisodeKey], situation: _Situation, dates: list[datetime]) -> EpisodeCause:
    cause, sentence, details, _ = situation
    stored = {"sentence": sentence, **dict(details)}
    if dates:
        stored["date"] = min(dates).isoformat()
    if cause in _FILES:
        # Each imported file has its own path: the group says how many and the first one.
        paths = [path for key in keys if (path := request.episodes[key].final_path)]
        stored |= {"files": str(len(keys)), "path": paths[0] if paths else ""}
    first, last = keys[0], keys[-1]
    name = episode_label(first) if first == last else f"{episode_label(first)}\u2013{episode_label(last)}"
    return EpisodeCause(episodes=name, cause=cause, details=stored)
