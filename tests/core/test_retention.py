"""Retention in the tracker: which finished requests retire, what compaction keeps, and the history cap."""

from __future__ import annotations

from datetime import timedelta
import json

from custom_components.status_tracker.core.models import EpisodeState, Notice, RequestState
from custom_components.status_tracker.core.tracker import Tracker

from ..helpers import MOVIE_FLOW
from .helpers import Driver, assert_queries_exact, load

TV_FLOW = (
    "jellyseerr/tv_auto_approved",
    "sonarr/grab_season_pack",
    "sonarr/download_pack_file_e01",
    "sonarr/download_pack_file_e02",
    "jellyseerr/tv_available",
)
WEEK = timedelta(days=7)


def test_only_finished_requests_untouched_long_enough_retire() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    movie, series = driver.tracker.requests.values()
    assert movie.state is RequestState.AVAILABLE
    assert series.state is RequestState.GRABBING

    assert driver.tracker.retire(movie.updated_at + WEEK - timedelta(seconds=1), WEEK).retired == []
    assert driver.tracker.retire(movie.updated_at + WEEK, WEEK).retired == [movie.request_id]
    # However long it waits, a request in progress never retires.
    assert driver.tracker.retire(series.updated_at + 100 * WEEK, WEEK).retired == [movie.request_id]


def test_failed_and_deleted_requests_retire_too() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_declined")
    (declined,) = driver.tracker.requests.values()
    assert declined.state is RequestState.FAILED
    assert driver.tracker.retire(driver.now + WEEK, WEEK).retired == [declined.request_id]


def test_compaction_drops_details_and_keeps_what_correlation_needs() -> None:
    driver = Driver()
    driver.run(*TV_FLOW)
    request = driver.only()
    assert request.state is RequestState.AVAILABLE
    before = request.to_dict()
    assert any("final_path" in row and "title" in row for row in before["episodes"])

    assert driver.tracker.retire(driver.now + WEEK, WEEK).retired == [request.request_id]
    after = request.to_dict()
    assert len(json.dumps(after)) < len(json.dumps(before))
    for row_before, row_after in zip(before["episodes"], after["episodes"], strict=True):
        assert row_after == {
            key: value
            for key, value in row_before.items()
            if key in {"season", "episode", "state", "tvdb_id", "sonarr_episode_id", "available_at"}
        }
    # Request-level ids, states, clocks and the rest are untouched.
    assert {key: value for key, value in after.items() if key != "episodes"} == {
        key: value for key, value in before.items() if key != "episodes"
    }
    assert_queries_exact(driver.tracker)
    # Retiring again changes nothing.
    driver.tracker.retire(driver.now + 2 * WEEK, WEEK)
    assert request.to_dict() == after


def test_retired_request_still_recognises_duplicates_and_late_webhooks() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    (movie,) = driver.tracker.requests.values()
    driver.now += 2 * WEEK
    driver.tracker.retire(driver.now, WEEK)
    restored = Driver(Tracker.from_dict(driver.tracker.to_dict()))
    restored.now = driver.now

    (change,) = restored.run("jellyseerr/movie_rerequest_auto_approved")
    assert change.notice is Notice.ALREADY_AVAILABLE
    assert change.request_id == movie.request_id
    assert not change.created
    # A late import of the same file lands on it too, without creating anything.
    restored.run("radarr/download")
    assert list(restored.tracker.requests) == [movie.request_id]
    assert restored.only().state is RequestState.AVAILABLE
    # The change made it recent again: not retired until another week has passed.
    assert restored.tracker.retire(restored.now, WEEK).retired == []


def test_retired_series_stays_available_after_a_late_import() -> None:
    driver = Driver()
    driver.run(*TV_FLOW)
    driver.tracker.retire(driver.now + WEEK, WEEK)
    assert all(row.state is EpisodeState.AVAILABLE for row in driver.only().episodes.values())
    assert driver.run("sonarr/download_pack_file_e01")[0].new_state is RequestState.AVAILABLE


def test_trim_forgets_oldest_finished_first_and_never_active() -> None:
    driver = Driver()
    for index in range(6):
        grab = load("radarr/grab")
        for movie in (grab["movie"], grab["remoteMovie"]):
            movie.update(tmdbId=1000 + index, imdbId=f"tt{index:07d}", title=f"Movie {index}")
        grab["downloadId"] = f"{index:040x}"
        driver.post("radarr/grab", grab)
    requests = list(driver.tracker.requests.values())
    assert len(requests) == 6
    # The 2nd, 4th and 6th become AVAILABLE, the 6th first, so it is the oldest finished.
    for index in (5, 1, 3):
        available = load("jellyseerr/movie_available")
        available["media"]["tmdbId"] = str(1000 + index)
        available["request"]["request_id"] = str(100 + index)
        driver.post("jellyseerr/movie_available", available)
        assert requests[index].state is RequestState.AVAILABLE

    assert driver.tracker.trim(10) == []
    forgotten = driver.tracker.trim(4)
    assert forgotten == [requests[5].request_id, requests[1].request_id]
    assert list(driver.tracker.requests) == [requests[i].request_id for i in (0, 2, 3, 4)]
    # Below the active count, everything finished goes and nothing active does.
    assert driver.tracker.trim(1) == [requests[3].request_id]
    assert list(driver.tracker.requests) == [requests[i].request_id for i in (0, 2, 4)]
    assert_queries_exact(driver.tracker)
    assert driver.tracker.awaited_downloads() == {f"{i:040x}" for i in (0, 2, 4)}


def test_retired_request_keeps_its_duplicates() -> None:
    """A duplicate folded in before retirement is still known after it: repeating it changes nothing."""
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    (change,) = driver.run("jellyseerr/movie_rerequest_auto_approved")
    assert change.notice is Notice.ALREADY_AVAILABLE
    driver.now += 2 * WEEK
    driver.tracker.retire(driver.now, WEEK)
    restored = Driver(Tracker.from_dict(driver.tracker.to_dict()))
    restored.now = driver.now
    assert restored.run("jellyseerr/movie_rerequest_auto_approved") == []
    assert restored.tracker.retire(restored.now, WEEK).retired == [change.request_id]


def test_each_request_is_compacted_once_per_retirement() -> None:
    """Hourly passes compact only what crossed the limit since the last pass (the store writes just those rows); a
    retired request that changes again is compacted again when it next retires."""
    driver = Driver()
    driver.run(*TV_FLOW)
    request = driver.only()
    first = driver.tracker.retire(driver.now + WEEK, WEEK)
    assert (first.retired, first.compacted) == ([request.request_id], [request.request_id])
    later = driver.tracker.retire(driver.now + WEEK + timedelta(hours=1), WEEK)
    assert (later.retired, later.compacted) == ([request.request_id], [])

    driver.now += 2 * WEEK
    driver.run("sonarr/grab_season_pack")  # a new grab of the same season: the request is recent again
    assert request.updated_at == driver.now
    assert driver.tracker.retire(driver.now + WEEK - timedelta(hours=1), WEEK).compacted == []
    assert driver.tracker.retire(driver.now + WEEK, WEEK).compacted == [request.request_id]
