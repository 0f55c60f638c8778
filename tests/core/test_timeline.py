"""The timeline in the tracker: one entry per state change from the service that moved it, notes, the bound of 50,
compaction to 10, and the stored form."""

from __future__ import annotations

from datetime import timedelta

from custom_components.status_tracker.core.changes import Change
from custom_components.status_tracker.core.downloads import TorrentPhase
from custom_components.status_tracker.core.events import (
    Deleted,
    DeleteScope,
    DownloadMissing,
    DownloadProgress,
    FileMatched,
    Grabbed,
    Imported,
    ManualInteractionRequired,
    MediaInfo,
    NotificationKind,
    RequestNotified,
    SeenInLibrary,
    SeriesInLibrary,
    source_of,
)
from custom_components.status_tracker.core.models import MediaRequest, MediaType, RequestState
from custom_components.status_tracker.core.parsers import jellyseerr
from custom_components.status_tracker.core.timeline import TimelineEntry
from custom_components.status_tracker.core.tracker import Tracker

from ..helpers import DUNE_HASH, MOVIE_FLOW
from .helpers import RULES, T0, Driver, load

WEEK = timedelta(days=7)


def _entries(request: MediaRequest) -> list[tuple[str, str, str | None, str]]:
    return [(entry.kind, entry.source, entry.code, entry.message) for entry in request.timeline]


def _remedy(at_minute: int) -> TimelineEntry:
    return TimelineEntry(
        at=T0 + timedelta(minutes=at_minute), kind="remedy", source="user:alice", message=f"#{at_minute}", code="search"
    )


def test_movie_flow_writes_each_state_change_with_its_service_and_time() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    request = driver.only()
    assert _entries(request) == [
        ("state", "jellyseerr", "approved", "Tracked as approved"),
        ("state", "radarr", "grabbing", "approved → grabbing"),
        ("state", "radarr", "importing", "grabbing → importing"),
        ("state", "jellyfin", "available", "importing → available"),
    ]
    # The driver's clock ticks a minute per payload: each entry has the time of the event that made it.
    assert [entry.at for entry in request.timeline] == [T0 + timedelta(minutes=n) for n in range(1, 5)]
    assert request.timeline[-1].at == request.state_changed_at


def test_events_that_change_no_state_write_nothing() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    # The same Grab again, and a progress tick that keeps GRABBING: data may change, the state does not.
    driver.post("radarr/grab")
    driver.tracker.apply(DownloadProgress(DUNE_HASH, TorrentPhase.GRABBING, 0.0), driver.now)
    assert [entry.code for entry in driver.only().timeline] == ["approved", "grabbing"]


def test_series_changes_come_from_sonarr() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    assert [(entry.source, entry.code) for entry in driver.only().timeline] == [
        ("jellyseerr", "approved"),
        ("sonarr", "grabbing"),
    ]


def test_pollers_are_named_and_a_failure_says_why() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    now = driver.now + timedelta(minutes=5)
    driver.tracker.apply(DownloadProgress(DUNE_HASH, TorrentPhase.DOWNLOADING, 0.4), now)
    driver.tracker.apply(DownloadProgress(DUNE_HASH, TorrentPhase.DOWNLOADING, 0.6), now + timedelta(minutes=1))
    driver.tracker.apply(DownloadMissing(DUNE_HASH), now + timedelta(minutes=9))
    assert _entries(driver.only())[2:] == [
        ("state", "qbittorrent", "downloading", "grabbing → downloading"),
        ("state", "qbittorrent", "failed", "downloading → failed: Download removed from qBittorrent before import"),
    ]
    assert driver.only().timeline[-1].at == now + timedelta(minutes=9)


def test_every_event_names_its_service() -> None:
    movie = MediaInfo(MediaType.MOVIE, "Dune")
    tv = MediaInfo(MediaType.TV, "Shōgun")
    assert [source_of(event) for event in (
        RequestNotified(NotificationKind.APPROVED, movie),
        Grabbed(movie), Imported(movie, ()), ManualInteractionRequired(movie, "x"), Deleted(movie, DeleteScope.MEDIA),
        Grabbed(tv), Imported(tv, ()), ManualInteractionRequired(tv, "x"), Deleted(tv, DeleteScope.FILE),
        SeenInLibrary(MediaType.MOVIE), SeriesInLibrary("abc"),
        DownloadProgress(DUNE_HASH, TorrentPhase.DOWNLOADING, 0.5), DownloadMissing(DUNE_HASH),
        FileMatched("Dune.mkv", 1),
    )] == [
        "jellyseerr",
        "radarr", "radarr", "radarr", "radarr",
        "sonarr", "sonarr", "sonarr", "sonarr",
        "jellyfin", "jellyfin",
        "qbittorrent", "qbittorrent",
        "shoko",
    ]  # fmt: skip


def test_catch_up_names_itself() -> None:
    tracker = Tracker()
    (event,) = jellyseerr.parse(load("jellyseerr/movie_auto_approved"), RULES)
    (change,) = tracker.apply(event, T0, "catch-up")
    request = tracker.get(change.request_id)
    assert request is not None
    assert _entries(request) == [("state", "catch-up", "approved", "Tracked as approved")]


def test_stuck_check_writes_a_note() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved")
    request = driver.only()
    flagged_at = driver.now + timedelta(hours=2, minutes=5, seconds=30)
    (change,) = driver.tracker.mark_stuck(request.request_id, flagged_at)
    assert not change.state_changed
    assert request.timeline[-1] == TimelineEntry(
        at=flagged_at, kind="note", source="stuck check", message="Flagged stuck: no progress for 2 h 5 min",
        code="stuck",
    )  # fmt: skip
    # Flagged once: a second check writes nothing.
    assert driver.tracker.mark_stuck(request.request_id, flagged_at + timedelta(days=3)) == []
    assert len(request.timeline) == 2


def test_stuck_note_counts_days_and_minutes() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved")
    request = driver.only()
    driver.tracker.mark_stuck(request.request_id, driver.now + timedelta(days=3, hours=4, minutes=59))
    assert request.timeline[-1].message == "Flagged stuck: no progress for 3 d 4 h"
    driver.post("radarr/grab")
    driver.tracker.mark_stuck(request.request_id, driver.now + timedelta(minutes=45))
    assert request.timeline[-1].message == "Flagged stuck: no progress for 45 min"


def test_note_is_a_change_that_neither_moves_nor_unflags_the_request() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved")
    request = driver.only()
    driver.tracker.mark_stuck(request.request_id, driver.now + timedelta(hours=1))
    moved_at, stuck_since = request.moved_at, request.stuck_since
    noted_at = driver.now + timedelta(hours=2)
    entry = TimelineEntry(at=noted_at, kind="remedy", source="user:alice", message="Searched in Radarr", code="search")

    assert driver.tracker.note(request.request_id, entry, noted_at) == [
        Change(request.request_id, RequestState.APPROVED, RequestState.APPROVED)
    ]
    assert request.timeline[-1] == entry
    assert request.updated_at == noted_at
    assert (request.moved_at, request.stuck_since) == (moved_at, stuck_since)
    assert driver.tracker.note("unknown", entry, noted_at) == []


def test_timeline_keeps_the_last_50_entries() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved")
    request = driver.only()
    for minute in range(1, 61):
        driver.tracker.note(request.request_id, _remedy(minute), T0 + timedelta(minutes=minute))
    assert len(request.timeline) == 50
    assert [entry.message for entry in request.timeline] == [f"#{minute}" for minute in range(11, 61)]
    # A state change after the cap still lands, and the oldest goes.
    driver.post("radarr/grab")
    assert len(request.timeline) == 50
    assert request.timeline[0].message == "#12"
    assert request.timeline[-1].code == "grabbing"


def test_retention_keeps_the_last_10_entries_of_a_finished_request() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    request = driver.only()
    for minute in range(100, 120):
        driver.tracker.note(request.request_id, _remedy(minute), driver.now)
    before = request.to_dict()
    retirement = driver.tracker.retire(driver.now + WEEK, WEEK)
    assert retirement.compacted == [request.request_id]
    assert [entry.message for entry in request.timeline] == [f"#{minute}" for minute in range(110, 120)]
    # Nothing else of a request with no progress details is dropped.
    assert {k: v for k, v in request.to_dict().items() if k != "timeline"} == {
        k: v for k, v in before.items() if k != "timeline"
    }


def test_retention_leaves_a_short_timeline_alone() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    request = driver.only()
    timeline = list(request.timeline)
    assert driver.tracker.retire(driver.now + WEEK, WEEK).compacted == []
    assert request.timeline == timeline


def test_stored_form_round_trips_and_older_rows_read_as_empty() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    request = driver.only()
    driver.tracker.note(request.request_id, _remedy(30), driver.now)
    stored = request.to_dict()
    assert stored["timeline"][0] == {
        "at": (T0 + timedelta(minutes=1)).isoformat(),
        "kind": "state",
        "source": "jellyseerr",
        "message": "Tracked as approved",
        "code": "approved",
    }
    restored = Tracker.from_dict(driver.tracker.to_dict()).get(request.request_id)
    assert restored is not None
    assert restored.timeline == request.timeline
    assert restored.fingerprint() == request.fingerprint()
    # A row stored before the timeline existed has no key, and loads with an empty one (and writes none back).
    del stored["timeline"]
    older = MediaRequest.from_dict(stored)
    assert older.timeline == []
    assert "timeline" not in older.to_dict()


def test_an_entry_without_code_stores_none_and_every_view_has_every_key() -> None:
    entry = TimelineEntry(at=T0, kind="note", source="automation", message="Told Alice")
    assert entry.to_dict() == {"at": T0.isoformat(), "kind": "note", "source": "automation", "message": "Told Alice"}
    assert TimelineEntry.from_dict(entry.to_dict()) == entry
    assert entry.as_view() == {
        "at": T0.isoformat(),
        "kind": "note",
        "source": "automation",
        "message": "Told Alice",
        "code": None,
    }
