"""Why a request does not move: each cause from realistic service answers (tests/fakes/arr_media.py, qBittorrent's
sync/maindata), what the integration sees alone, and not_released holding off the stuck flag until its date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.status_tracker.core.causes import (
    Cause,
    Diagnosis,
    EpisodeFacts,
    Facts,
    MovieFacts,
    QueueFacts,
    diagnose,
    holds_off_stuck,
    next_look,
    parse_time,
    queue_records_of,
)
from custom_components.status_tracker.core.downloads import Torrent
from custom_components.status_tracker.core.models import MediaRequest
from custom_components.status_tracker.core.tracker import Tracker

from ..fakes.arr_media import queue_record, radarr_is_available, radarr_movie, sonarr_episode
from .helpers import Driver

DUNE = "8c212779b4abde7c6bc608063a0d008b7e40ce32"
E01 = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
RADARR = Facts(arr_connected=True, found=True, qbittorrent_connected=True)


def movie_facts(now: datetime, **fields: object) -> MovieFacts:
    """What Radarr answers for the movie at `now`."""
    resource = radarr_movie(**fields)
    return MovieFacts.from_resource({**resource, "isAvailable": radarr_is_available(resource, now)})


def approved_movie() -> tuple[Driver, MediaRequest]:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved")
    return driver, driver.only()


def said(diagnosis: Diagnosis | None) -> tuple[str, str, dict[str, str]]:
    assert diagnosis is not None
    return str(diagnosis.cause), diagnosis.sentence, diagnosis.details


def test_not_released_movie_names_its_date_and_holds_off_stuck_until_then() -> None:
    """Radarr: not available, minimumAvailability released: the earlier of digital and physical release."""
    _, request = approved_movie()
    fields = {"status": "inCinemas", "inCinemas": "2026-03-06T00:00:00Z", "digitalRelease": "2026-04-21T00:00:00Z",
              "physicalRelease": "2026-05-19T00:00:00Z"}  # fmt: skip
    before = datetime(2026, 4, 1, tzinfo=UTC)
    facts = Facts(arr_connected=True, found=True, movie=movie_facts(before, **fields))
    diagnosis = diagnose(request, before, facts)
    assert said(diagnosis) == (
        "not_released",
        "not_released",
        {"service": "Radarr", "date": "2026-04-21T00:00:00+00:00"},
    )
    assert holds_off_stuck(diagnosis, before)
    # Asked again at its date, or within the recheck interval when that comes first.
    assert next_look(diagnosis, before, timedelta(hours=6)) == before + timedelta(hours=6)
    assert next_look(diagnosis, datetime(2026, 4, 20, 20, tzinfo=UTC), timedelta(hours=6)) == parse_time(
        "2026-04-21T00:00:00Z"
    )

    after = datetime(2026, 4, 22, tzinfo=UTC)
    facts = Facts(arr_connected=True, found=True, movie=movie_facts(after, **fields))
    diagnosis = diagnose(request, after, facts)
    assert diagnosis is not None
    assert diagnosis.cause is Cause.NO_RELEASE_FOUND
    assert not holds_off_stuck(diagnosis, after)
    assert next_look(diagnosis, after, timedelta(hours=6)) is None


def test_not_released_for_in_cinemas_availability_and_undated() -> None:
    """minimumAvailability inCinemas waits for inCinemas; a movie Radarr knows no date for holds off undated."""
    _, request = approved_movie()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cinemas = movie_facts(now, minimumAvailability="inCinemas", inCinemas="2026-03-06T00:00:00Z", status="announced")
    assert said(diagnose(request, now, Facts(arr_connected=True, found=True, movie=cinemas)))[2]["date"] == (
        "2026-03-06T00:00:00+00:00"
    )
    tba = movie_facts(now, status="tba", inCinemas=None, digitalRelease=None, physicalRelease=None)
    diagnosis = diagnose(request, now, Facts(arr_connected=True, found=True, movie=tba))
    assert said(diagnosis) == ("not_released", "not_released_undated", {"service": "Radarr"})
    assert holds_off_stuck(diagnosis, now)
    assert next_look(diagnosis, now, timedelta(hours=6)) == now + timedelta(hours=6)
    # Only inCinemas known: Radarr waits 90 days after it.
    late = movie_facts(now, inCinemas="2025-12-01T00:00:00Z", digitalRelease=None, physicalRelease=None)
    assert said(diagnose(request, now, Facts(arr_connected=True, found=True, movie=late)))[2]["date"] == (
        "2026-03-01T00:00:00+00:00"
    )


def test_no_release_found_counts_from_approval_or_the_last_search() -> None:
    driver, request = approved_movie()
    now = driver.now + timedelta(minutes=150)
    released = movie_facts(now)
    assert said(diagnose(request, now, Facts(arr_connected=True, found=True, movie=released))) == (
        "no_release_found", "no_release_found", {"service": "Radarr", "minutes": "150"}
    )  # fmt: skip
    searched = (now - timedelta(minutes=20)).isoformat()
    movie = movie_facts(now, lastSearchTime=searched)
    assert said(diagnose(request, now, Facts(arr_connected=True, found=True, movie=movie)))[2]["minutes"] == "20"


def test_without_radarr_an_approved_movie_says_which_connection_is_missing() -> None:
    driver, request = approved_movie()
    now = driver.now + timedelta(minutes=130)
    assert said(diagnose(request, now, Facts())) == (
        "no_release_found", "no_release_found_unconfirmed", {"minutes": "130", "missing_connection": "Radarr"}
    )  # fmt: skip


def test_unmonitored_and_removed_movie() -> None:
    driver, request = approved_movie()
    now = driver.now + timedelta(hours=3)
    unmonitored = Facts(arr_connected=True, found=True, movie=movie_facts(now, monitored=False))
    assert said(diagnose(request, now, unmonitored))[:2] == ("unmonitored", "unmonitored")
    # Radarr's movie?tmdbId= answered [].
    assert said(diagnose(request, now, Facts(arr_connected=True, found=False))) == (
        "removed", "removed", {"service": "Radarr"}
    )  # fmt: skip


def test_stalled_torrent_with_its_seeds_and_peers() -> None:
    """qBittorrent sync/maindata: stalledDL at 12 %, no seed connected, 1 in the swarm, 3 leechers."""
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    request = driver.only()
    torrent = Torrent.from_fields(DUNE, {"state": "stalledDL", "progress": 0.12, "num_seeds": 0, "num_complete": 1,
                                         "num_leechs": 3, "dlspeed": 0, "eta": 8640000})  # fmt: skip
    now = driver.now + timedelta(minutes=125)
    facts = Facts(arr_connected=True, found=True, qbittorrent_connected=True, torrents=(torrent,))
    assert said(diagnose(request, now, facts)) == (
        "stalled",
        "stalled",
        {"minutes": "125", "torrent_state": "stalledDL", "progress": "12.0", "seeds": "0", "peers": "3",
         "swarm_seeds": "1"},
    )  # fmt: skip
    # No torrent seen in qBittorrent yet, or no qBittorrent connection at all.
    assert said(diagnose(request, now, RADARR))[1] == "stalled_unseen"
    assert said(diagnose(request, now, Facts(arr_connected=True)))[2] == {
        "minutes": "125", "missing_connection": "qBittorrent"
    }  # fmt: skip


def test_import_blocked_and_failed_from_the_queue() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    now = driver.now + timedelta(hours=3)
    message = "Found matching movie via grab history, but release was matched to movie by ID. Manual Import required."
    blocked = queue_record(DUNE, "importBlocked", messages=[{"title": "Dune.mkv", "messages": [message]}])
    failed = queue_record(DUNE, "failedPending", messages=[{"title": "Dune.mkv", "messages": ["Not a video file"]}])
    other = {**queue_record("f" * 40, "importBlocked"), "downloadId": "F" * 40}
    request = driver.only()
    # A download still downloading is not "blocked", even if the *arr already complains; a failed one is failed.
    queue = tuple(queue_records_of(request, [blocked, other]))
    assert queue == (QueueFacts("importBlocked", (message,), DUNE),)
    assert said(diagnose(request, now, Facts(arr_connected=True, found=True, queue=queue)))[0] == "stalled"
    failing = tuple(queue_records_of(request, [failed]))
    assert said(diagnose(request, now, Facts(arr_connected=True, found=True, queue=failing))) == (
        "import_failed", "import_failed", {"service": "Radarr", "message": "Not a video file"}
    )  # fmt: skip
    # Downloaded in qBittorrent, held in Radarr's queue.
    driver.tracker.apply(Torrent.from_fields(DUNE, {"state": "stalledUP", "progress": 1}).progress_event(DUNE), now)
    request = driver.only()
    assert said(diagnose(request, now, Facts(arr_connected=True, found=True, queue=queue))) == (
        "import_blocked", "import_blocked", {"service": "Radarr", "message": message}
    )  # fmt: skip
    # Nothing in the queue: Radarr has not imported it yet; without Radarr, say so.
    assert said(diagnose(request, now, RADARR))[1] == "import_waiting"
    assert said(diagnose(request, now, Facts()))[1:] == (
        "import_blocked_unconfirmed", {"minutes": "0", "service": "Radarr", "missing_connection": "Radarr"}
    )  # fmt: skip


def test_manual_interaction_required_is_import_blocked_without_radarr() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/manual_interaction_required")
    request = driver.only()
    assert said(diagnose(request, driver.now + timedelta(hours=3), Facts()))[:2] == (
        "import_blocked", "import_blocked"
    )  # fmt: skip
    assert "sample" in said(diagnose(request, driver.now, Facts()))[2]["message"]


def test_waiting_for_library_and_shoko() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    request = driver.only()
    now = driver.now + timedelta(minutes=45)
    assert said(diagnose(request, now, RADARR)) == (
        "waiting_for_library", "waiting_for_library",
        {"minutes": "45", "files": "1", "path": request.final_path},
    )  # fmt: skip
    anime = Driver()
    anime.run("jellyseerr/anime_movie_auto_approved", "radarr/anime_grab", "radarr/anime_download")
    request = anime.only()
    assert said(diagnose(request, anime.now + timedelta(minutes=45), RADARR))[0] == "waiting_for_shoko"


def test_sonarr_episodes_not_aired_then_aired() -> None:
    """Sonarr: the requested season's missing episodes air later (not_released), or one has aired (no release)."""
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved")
    request = driver.only()
    now = datetime(2026, 5, 1, tzinfo=UTC)
    future = [EpisodeFacts.from_resource(sonarr_episode(1, n, f"2026-05-{n + 10:02d}T01:00:00Z")) for n in (1, 2, 3)]
    episodes = tuple(ep for ep in future if ep is not None)
    facts = Facts(arr_connected=True, found=True, series_monitored=True, episodes=episodes)
    diagnosis = diagnose(request, now, facts)
    assert said(diagnosis) == (
        "not_released",
        "not_released",
        {"service": "Sonarr", "date": "2026-05-11T01:00:00+00:00"},
    )
    assert holds_off_stuck(diagnosis, now)
    later = datetime(2026, 5, 12, tzinfo=UTC)
    assert said(diagnose(request, later, facts))[0] == "no_release_found"
    # Every missing episode unmonitored, or the series itself.
    unmonitored = tuple(EpisodeFacts(ep.season, ep.episode, False, False, ep.air_date_utc) for ep in episodes)
    facts = Facts(arr_connected=True, found=True, series_monitored=True, episodes=unmonitored)
    assert said(diagnose(request, later, facts)) == (
        "unmonitored", "unmonitored", {"service": "Sonarr", "episodes": "S01E01, S01E02, S01E03"}
    )  # fmt: skip
    assert said(diagnose(request, later, Facts(arr_connected=True, found=True, series_monitored=False)))[0] == (
        "unmonitored"
    )


def test_requested_awaiting_approval_has_no_cause() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_pending")
    assert diagnose(driver.only(), driver.now + timedelta(days=1), Facts()) is None


@pytest.mark.parametrize("value", [None, "", "soon", "2026-01-01T00:00:00", 5])
def test_unreadable_times_are_unknown(value: object) -> None:
    assert parse_time(value) is None


def test_cause_is_stored_kept_while_the_same_and_cleared_by_a_move() -> None:
    """The tracker stores the cause (a change, not a move), keeps its since, and drops it when the request moves."""
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    tracker: Tracker = driver.tracker
    request = driver.only()
    moved = request.moved_at
    first = driver.now + timedelta(hours=2)
    stalled = diagnose(request, first, Facts(arr_connected=True))
    assert [c.request_id for c in tracker.set_cause(request.request_id, stalled, first)] == [request.request_id]
    assert (request.cause, request.cause_since, request.moved_at) == ("stalled", first, moved)
    assert request.cause_details["missing_connection"] == "qBittorrent"
    again = diagnose(request, first + timedelta(minutes=5), Facts(arr_connected=True))
    tracker.set_cause(request.request_id, again, first + timedelta(minutes=5))
    assert request.cause_since == first
    # Stored and read back.
    assert MediaRequest.from_dict(request.to_dict()).cause_details == request.cause_details
    assert tracker.set_cause("nope", stalled, first) == []

    progress = Torrent.from_fields(DUNE, {"state": "downloading", "progress": 0.5}).progress_event(DUNE)
    tracker.apply(progress, first + timedelta(minutes=6))
    assert request.to_dict().keys().isdisjoint({"cause", "cause_since", "cause_details"})


def test_compaction_drops_the_cause() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    request = driver.only()
    driver.tracker.set_cause(request.request_id, diagnose(request, driver.now, Facts()), driver.now)
    assert request.compact()
    assert (request.cause, request.cause_details) == (None, {})


def test_waiting_for_library_says_what_the_library_check_saw() -> None:
    """The library check found no item with the ids, or the series without some episodes: the sentence says so."""
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    request = driver.only()
    now = driver.now + timedelta(minutes=45)
    saw = {"saw": "no_item", "ids": "tmdb 693134"}
    assert said(diagnose(request, now, Facts(library=saw))) == (
        "waiting_for_library", "waiting_for_library_no_item",
        {"minutes": "45", "files": "1", "path": request.final_path, "ids": "tmdb 693134"},
    )  # fmt: skip
    saw = {"saw": "episodes_missing", "series": "Chernobyl", "episodes": "S01E02"}
    assert said(diagnose(request, now, Facts(library=saw)))[1:] == (
        "waiting_for_library_episodes_missing",
        {"minutes": "45", "files": "1", "path": request.final_path, "series": "Chernobyl", "episodes": "S01E02"},
    )
