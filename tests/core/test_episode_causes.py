"""A TV request's causes per group of episodes, from Sonarr's episode and queue answers (tests/fakes/arr_media.py)
and qBittorrent's sync/maindata: each run of neighbouring episodes in one situation is one group."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from custom_components.status_tracker.core.causes import EpisodeFacts, Facts, QueueFacts, diagnose
from custom_components.status_tracker.core.downloads import Torrent
from custom_components.status_tracker.core.episode_causes import MAX_GROUPS, episode_causes
from custom_components.status_tracker.core.models import EpisodeCause, EpisodeState, MediaRequest

from ..fakes.arr_media import queue_record, sonarr_episode
from .helpers import Driver

PACK = "c0ffee00deadbeef0123456789abcdef01234567"
SINGLE = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
AIRED = "2024-04-01T01:00:00Z"


def grabbed_season() -> tuple[Driver, MediaRequest]:
    """Season 1 requested; a pack of E01-E04 grabbed (E01 imported), E05 grabbed alone."""
    driver = Driver()
    driver.run(
        "jellyseerr/tv_auto_approved", "sonarr/grab_season_pack", "sonarr/grab_episode", "sonarr/download_pack_file_e01"
    )
    return driver, driver.only()


def episodes(*records: dict[str, Any]) -> tuple[EpisodeFacts, ...]:
    return tuple(facts for record in records if (facts := EpisodeFacts.from_resource(record)) is not None)


def season(**overrides: dict[str, Any]) -> tuple[EpisodeFacts, ...]:
    """Sonarr's season 1 (and a special): E01-E08 aired, E09-E10 air in June, E11 has no date yet."""
    records = [sonarr_episode(0, 1, AIRED)]
    for number in range(1, 12):
        air = AIRED if number <= 8 else f"2024-06-{number:02d}T01:00:00Z" if number <= 10 else None
        records.append(sonarr_episode(1, number, air, **overrides.get(f"E{number:02d}", {})))
    return episodes(*records)


def span(first: str, last: str) -> str:
    """How a group names a run of episodes: first and last, with an en dash between."""
    return f"{first}\u2013{last}"


def view(groups: list[EpisodeCause]) -> list[tuple[str, str, dict[str, str]]]:
    return [(group.episodes, group.cause, group.details) for group in groups]


def test_each_situation_is_one_group_in_episode_order() -> None:
    driver, request = grabbed_season()
    now = driver.now + timedelta(hours=2)
    pack = Torrent.from_fields(PACK, {"state": "stalledDL", "progress": 0.4, "num_seeds": 0, "num_complete": 0,
                                      "num_leechs": 2})  # fmt: skip
    failed = queue_record(SINGLE, "failedPending", messages=[{"title": "E05", "messages": ["Not a video file"]}])
    facts = Facts(
        arr_connected=True,
        found=True,
        series_monitored=True,
        episodes=season(E01={"hasFile": True, "episodeFileId": 9}, E08={"monitored": False}),
        queue=(QueueFacts.from_record(failed),),
        qbittorrent_connected=True,
        torrents=(pack,),
    )
    assert view(episode_causes(request, now, facts)) == [
        ("S01E01", "waiting_for_library",
         {"sentence": "waiting_for_library", "minutes": "120", "files": "1", "path": request.final_paths[0]}),
        (span("S01E02", "S01E04"), "stalled",
         {"sentence": "stalled", "minutes": "120", "torrent_state": "stalledDL", "progress": "40.0", "seeds": "0",
          "peers": "2", "swarm_seeds": "0"}),
        ("S01E05", "import_failed", {"sentence": "import_failed", "service": "Sonarr", "message": "Not a video file"}),
        (span("S01E06", "S01E07"), "no_release_found",
         {"sentence": "no_release_found", "service": "Sonarr", "minutes": "123"}),
        ("S01E08", "unmonitored", {"sentence": "unmonitored", "service": "Sonarr"}),
        (span("S01E09", "S01E10"), "not_released",
         {"sentence": "not_released", "service": "Sonarr", "date": "2024-06-09T01:00:00+00:00"}),
        ("S01E11", "not_released", {"sentence": "not_released_undated", "service": "Sonarr"}),
    ]  # fmt: skip
    # The request's own cause stays its most pressing one, as before: the failed download.
    diagnosis = diagnose(request, now, facts)
    assert diagnosis is not None
    assert str(diagnosis.cause) == "import_failed"


def test_an_available_episode_splits_a_run_and_each_download_is_its_own_group() -> None:
    """E04 available, so no run spans it; two torrents stalled alike are still two groups."""
    driver, request = grabbed_season()
    request.episodes[(1, 3)].download_id = "b" * 40
    request.episodes[(1, 4)].state = EpisodeState.AVAILABLE
    now = driver.now + timedelta(minutes=40)
    torrents = tuple(
        Torrent.from_fields(download, {"state": "stalledDL", "progress": 0.1}) for download in (PACK, "b" * 40)
    )
    facts = Facts(
        arr_connected=True,
        found=True,
        episodes=season(E01={"hasFile": True}, E06={"hasFile": True}, E07={"lastSearchTime": "2024-05-20T18:30:00Z"}),
        qbittorrent_connected=True,
        torrents=torrents,
    )
    groups = view(episode_causes(request, now, facts))
    assert [(name, cause) for name, cause, _ in groups] == [
        ("S01E01", "waiting_for_library"),
        ("S01E02", "stalled"),
        ("S01E03", "stalled"),
        ("S01E05", "stalled"),
        ("S01E07", "no_release_found"),
        ("S01E08", "no_release_found"),
        (span("S01E09", "S01E10"), "not_released"),
        ("S01E11", "not_released"),
    ]
    # Counted from the last search (18:30), else from the request (18:01).
    assert (groups[4][2]["minutes"], groups[5][2]["minutes"]) == ("14", "43")
    assert groups[3][2] == {"sentence": "stalled_unseen", "minutes": "40", "client": "qBittorrent"}


def test_without_sonarr_or_qbittorrent_the_groups_say_what_is_missing() -> None:
    driver, request = grabbed_season()
    now = driver.now + timedelta(minutes=30)
    assert view(episode_causes(request, now, Facts()))[1:] == [
        (span("S01E02", "S01E04"), "stalled",
         {"sentence": "stalled_unconfirmed", "minutes": "30", "missing_connection": "qBittorrent"}),
        ("S01E05", "stalled",
         {"sentence": "stalled_unconfirmed", "minutes": "30", "missing_connection": "qBittorrent"}),
    ]  # fmt: skip
    # Sonarr configured but silent, qBittorrent without the torrents: only the rows, each download unseen.
    groups = view(episode_causes(request, now, Facts(arr_connected=True, qbittorrent_connected=True)))
    assert [(name, details["sentence"]) for name, _, details in groups] == [
        ("S01E01", "waiting_for_library"), (span("S01E02", "S01E04"), "stalled_unseen"), ("S01E05", "stalled_unseen")
    ]  # fmt: skip


def test_pending_rows_without_sonarr_facts() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    request = driver.only()
    for row in request.episodes.values():
        row.state, row.download_id = EpisodeState.PENDING, None
    now = driver.now + timedelta(minutes=31)
    assert view(episode_causes(request, now, Facts())) == [
        (span("S01E01", "S01E04"), "no_release_found",
         {"sentence": "no_release_found_unconfirmed", "minutes": "31", "missing_connection": "Sonarr"}),
    ]  # fmt: skip
    assert view(episode_causes(request, now, Facts(arr_connected=True)))[0][2]["sentence"] == (
        "no_release_found_unanswered"
    )


def test_downloaded_rows_blocked_or_waiting_and_anime_rows() -> None:
    driver, request = grabbed_season()
    for number in (2, 3):
        request.episodes[(1, number)].state = EpisodeState.DOWNLOADED
    request.episodes[(1, 1)].state = EpisodeState.ANIME_MATCHING
    now = driver.now + timedelta(minutes=50)
    blocked = queue_record(PACK, "importBlocked", messages=[{"title": "Pack", "messages": ["Unknown series"]}])
    facts = Facts(arr_connected=True, found=True, queue=(QueueFacts.from_record(blocked),), qbittorrent_connected=True)
    groups = view(episode_causes(request, now, facts))
    assert groups[:2] == [
        ("S01E01", "waiting_for_shoko",
         {"sentence": "waiting_for_shoko", "minutes": "50", "files": "1", "path": request.final_paths[0]}),
        (span("S01E02", "S01E03"), "import_blocked",
         {"sentence": "import_blocked", "service": "Sonarr", "message": "Unknown series"}),
    ]  # fmt: skip
    assert view(episode_causes(request, now, Facts(qbittorrent_connected=True)))[1][2]["sentence"] == (
        "import_blocked_unconfirmed"
    )
    assert view(episode_causes(request, now, Facts(arr_connected=True)))[1][2]["sentence"] == "import_waiting"


def test_bounded_and_only_for_active_tv_requests() -> None:
    driver, request = grabbed_season()
    # Every other episode unmonitored: over thirty groups, the first MAX_GROUPS kept (E01, E02-E04, E05, E06...).
    many = episodes(*(sonarr_episode(1, n, AIRED, monitored=n % 2 == 0) for n in range(6, 40)))
    groups = episode_causes(request, driver.now, Facts(arr_connected=True, found=True, episodes=many))
    assert len(groups) == MAX_GROUPS
    assert groups[-1].episodes == "S01E12"
    movie = Driver()
    movie.run("jellyseerr/movie_auto_approved")
    assert episode_causes(movie.only(), movie.now, Facts()) == []


def test_stored_read_back_cleared_by_a_move_and_dropped_by_compaction() -> None:
    driver, request = grabbed_season()
    now = driver.now + timedelta(minutes=30)
    groups = episode_causes(request, now, Facts())
    changes = driver.tracker.set_cause(request.request_id, diagnose(request, now, Facts()), now, groups)
    assert [change.request_id for change in changes] == [request.request_id]
    assert MediaRequest.from_dict(request.to_dict()).episode_causes == groups
    # Unchanged: no change.
    assert driver.tracker.set_cause(request.request_id, diagnose(request, now, Facts()), now, groups) == []
    progress = Torrent.from_fields(SINGLE, {"state": "downloading", "progress": 0.5}).progress_event(SINGLE)
    driver.tracker.apply(progress, now + timedelta(minutes=1))
    assert request.episode_causes == []
    driver.tracker.set_cause(request.request_id, diagnose(request, now, Facts()), now, groups)
    assert request.compact()
    assert request.episode_causes == []


def test_a_cause_replacing_another_is_in_the_timeline() -> None:
    driver, request = grabbed_season()
    now = driver.now + timedelta(minutes=30)
    driver.tracker.set_cause(request.request_id, diagnose(request, now, Facts()), now)
    kinds = [entry.kind for entry in request.timeline]
    assert "cause" not in kinds
    failed = QueueFacts.from_record(queue_record(SINGLE, "failedPending"))
    later = now + timedelta(minutes=30)
    driver.tracker.set_cause(request.request_id, diagnose(request, later, Facts(queue=(failed,))), later)
    entry = request.timeline[-1]
    assert (entry.at, entry.kind, entry.source, entry.message, entry.code) == (
        later, "cause", "stuck check", "Cause: stalled → import_failed", "import_failed"
    )  # fmt: skip
    assert request.cause_since == later
