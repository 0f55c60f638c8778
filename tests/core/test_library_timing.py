"""core/library_timing.py: when a request waiting on the library is looked up in Jellyfin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.status_tracker.core.library_timing import LibrarySchedule
from custom_components.status_tracker.core.models import Episode, EpisodeState, MediaRequest, MediaType, RequestState

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
RECHECK = timedelta(minutes=15)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def movie(path: str | None = "/movies/Dune/Dune.mkv", *, moved: float = 0) -> MediaRequest:
    return MediaRequest(request_id="m", media_type=MediaType.MOVIE, title="Dune", state=RequestState.IMPORTING,
                        created_at=T0, updated_at=at(moved), moved_at=at(moved), final_path=path)  # fmt: skip


def season(*imported: int) -> MediaRequest:
    rows = {(1, n): Episode(1, n, EpisodeState.DOWNLOADING) for n in range(1, 5)}
    for n in imported:
        rows[(1, n)] = Episode(1, n, EpisodeState.IMPORTING, final_path=f"/tv/Show/Season 01/E{n:02d}.mkv")
    return MediaRequest(request_id="s", media_type=MediaType.TV, title="Show", state=RequestState.IMPORTING,
                        created_at=T0, updated_at=T0, episodes=rows)  # fmt: skip


def lookups(schedule: LibrarySchedule, request: MediaRequest, until: float) -> list[float]:
    """The seconds (after T0) at which the request is due, asked every second until `until`."""
    return [s for s in range(int(until) + 1) if schedule.due([request], at(s))]


def test_lookups_wait_for_the_monitor_delay_then_follow_closely_then_back_off() -> None:
    schedule = LibrarySchedule(RECHECK)
    request = movie()
    schedule.note(request, T0)
    assert schedule.next_lookup("m") == at(65)
    assert lookups(schedule, request, 3000) == [65, 75, 90, 120, 180, 360, 1260, 2160]


def test_the_delay_read_from_jellyfin_is_used_and_bounded() -> None:
    schedule = LibrarySchedule(RECHECK)
    assert schedule.delay_due(T0)
    schedule.use_monitor_delay(10, T0)
    request = movie()
    schedule.note(request, T0)
    assert schedule.next_lookup("m") == at(15)
    # Read again hourly; an unreadable answer keeps the last value and is retried after 5 minutes.
    assert not schedule.delay_due(at(3599))
    assert schedule.delay_due(at(3600))
    schedule.use_monitor_delay(None, at(3600))
    assert schedule.monitor_delay == timedelta(seconds=10)
    assert not schedule.delay_due(at(3899))
    assert schedule.delay_due(at(3900))
    schedule.use_monitor_delay(-5, T0)
    assert schedule.monitor_delay == timedelta(0)
    schedule.use_monitor_delay(86400, T0)
    assert schedule.monitor_delay == timedelta(hours=1)


def test_an_unread_delay_is_jellyfins_default() -> None:
    schedule = LibrarySchedule(RECHECK)
    schedule.use_monitor_delay(None, T0)
    assert schedule.monitor_delay == timedelta(seconds=60)


def test_each_new_file_restarts_the_wait_other_changes_do_not() -> None:
    """A season pack's episodes arrive one after another: Jellyfin's timer, and the lookups, count from the last."""
    schedule = LibrarySchedule(RECHECK)
    schedule.note(season(1), T0)
    schedule.note(season(1, 2), at(40))
    assert schedule.next_lookup("s") == at(105)
    request = season(1, 2)
    request.episodes[(1, 3)].download_progress = 0.5
    request.episodes[(1, 1)].state = EpisodeState.AVAILABLE
    schedule.note(request, at(80))  # progress, a row listed: no new file
    assert schedule.next_lookup("s") == at(105)
    schedule.note(season(1, 2, 3), at(80))
    assert lookups(schedule, season(1, 2, 3), 160) == [145, 155]


def test_a_request_without_files_has_no_plan_until_it_is_waiting() -> None:
    schedule = LibrarySchedule(RECHECK)
    schedule.note(movie(None), T0)
    assert schedule.next_lookup("m") is None


def test_check_soon_looks_up_at_once_and_keeps_the_schedule() -> None:
    """A Shoko match 20 s after the import: looked up then, and again once Jellyfin can have listed the file."""
    schedule = LibrarySchedule(RECHECK)
    request = movie()
    schedule.note(request, T0)
    schedule.check_soon("m")
    assert schedule.due([request], at(20)) == ["m"]
    assert schedule.due([request], at(21)) == []
    assert schedule.next_lookup("m") == at(65)


def test_a_request_the_schedule_never_saw_counts_from_when_it_last_moved() -> None:
    """After a restart: a request imported 10 minutes ago is looked up at once, a fresh one after the delay."""
    schedule = LibrarySchedule(RECHECK)
    old, fresh = movie(moved=0), movie(moved=590)
    fresh.request_id = "f"
    assert schedule.due([old, fresh], at(600)) == ["m"]
    assert schedule.next_lookup("f") == at(655)


def test_requests_no_longer_waiting_are_forgotten() -> None:
    schedule = LibrarySchedule(RECHECK)
    request = movie()
    schedule.note(request, T0)
    schedule.check_soon("m")
    assert schedule.due([], at(1)) == []
    assert schedule.next_lookup("m") is None
    # Its "soon" went with it: back on the schedule, it waits for the delay again.
    schedule.note(request, at(2))
    assert schedule.due([request], at(3)) == []
