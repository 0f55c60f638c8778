"""What the pollers feed the tracker: download phases, failures, Shoko matches, Jellyfin hints, stuck flags; and the
three query sets the pollers ask, kept exact through flows, failures, availability and restarts."""

from __future__ import annotations

from datetime import datetime, timedelta
import json

import pytest

from custom_components.status_tracker.core.changes import Change
from custom_components.status_tracker.core.downloads import Torrent, TorrentPhase, torrent_keys
from custom_components.status_tracker.core.events import (
    DownloadMissing,
    DownloadProgress,
    EpisodeRef,
    FileMatched,
    Grabbed,
    Imported,
    ImportedFile,
    MediaInfo,
    SeenInLibrary,
)
from custom_components.status_tracker.core.models import EpisodeState, MediaRequest, MediaType, Notice, RequestState
from custom_components.status_tracker.core.tracker import Tracker

from .helpers import T0, Driver, assert_queries_exact, load

DUNE = "8c212779b4abde7c6bc608063a0d008b7e40ce32"
PACK = "c0ffee00deadbeef0123456789abcdef01234567"
E05 = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
FRIEREN_E01 = "54eddd830a5b58480a6143d616a97e3a6c23c439"
SHOKO_E01 = load("shoko/file_matched_v5")["RelativePath"]


def torrent(download_id: str, state: str, progress: float, speed: int = 0, eta: int = 8640000) -> DownloadProgress:
    """A poll result as the download poller builds it from qBittorrent's fields."""
    return Torrent(download_id, state=state, progress=progress, speed=speed, eta=eta).progress_event(download_id)


def movie_grabbed(driver: Driver, download_id: str | None = None) -> MediaRequest:
    payload = load("radarr/grab")
    if download_id is not None:
        payload["downloadId"] = download_id
    driver.post("jellyseerr/movie_auto_approved")
    driver.post("radarr/grab", payload)
    return driver.only()


# --- movie progress (acceptance 1) -------------------------------------------------------------------------------


def test_movie_progress_0_45_100() -> None:
    driver = Driver()
    request = movie_grabbed(driver)
    tracker, now = driver.tracker, driver.now
    assert tracker.awaited_downloads() == {DUNE}

    (change,) = tracker.apply(torrent(DUNE, "metaDL", 0.0), now)
    assert (change.old_state, change.new_state) == (RequestState.GRABBING, RequestState.GRABBING)
    assert request.download_progress == 0.0

    (change,) = tracker.apply(torrent(DUNE.upper(), "downloading", 0.45, 48234567, 951), now)
    assert (change.old_state, change.new_state) == (RequestState.GRABBING, RequestState.DOWNLOADING)
    assert (request.download_progress, request.download_speed, request.download_eta) == (0.45, 48234567, 951)
    (change,) = tracker.apply(torrent(DUNE, "stalledDL", 0.45123456), now)
    assert (request.download_progress, request.download_speed, request.download_eta) == (0.4512, 0, None)

    (change,) = tracker.apply(torrent(DUNE, "stoppedUP", 1.0, 0, 0), now)
    assert change.new_state is RequestState.DOWNLOADED
    assert (request.download_progress, request.download_speed, request.download_eta) == (1.0, None, None)
    assert tracker.apply(torrent(DUNE, "pausedUP", 1.0), now) == []
    assert tracker.apply(torrent(DUNE, "checkingDL", 0.5), now + timedelta(seconds=5))[0].new_state is (
        RequestState.DOWNLOADED  # a recheck never moves a request back
    )
    assert tracker.awaited_downloads() == {DUNE}

    driver.post("radarr/download")
    assert (tracker.awaited_downloads(), tracker.awaiting_library()) == (frozenset(), [request.request_id])
    assert tracker.apply(torrent(DUNE, "uploading", 1.0, 5000, 30), driver.now) == []
    driver.post("jellyfin/movie_item_added")
    assert (tracker.awaiting_library(), tracker.active_ids()) == ([], [])


def test_unknown_phase_and_untracked_torrents_change_nothing() -> None:
    driver = Driver()
    movie_grabbed(driver)
    assert driver.tracker.apply(torrent(DUNE, "moving", 0.5), driver.now) == []
    assert driver.tracker.apply(torrent("f" * 40, "downloading", 0.5), driver.now) == []


def test_progress_is_never_recorded_on_an_inactive_request() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab", "jellyseerr/movie_available")
    request = driver.only()
    assert driver.tracker.apply(torrent(DUNE, "downloading", 0.5), driver.now) == []
    assert driver.tracker.apply(DownloadMissing(DUNE), driver.now) == []
    assert request.download_progress is None


# --- TV progress (acceptance 2) ----------------------------------------------------------------------------------

SHOW = MediaInfo(MediaType.TV, "Show", tvdb_id=9001)
TORRENTS = {"a" * 40: range(1, 4), "b" * 40: range(4, 9), "c" * 40: range(9, 13)}


def twelve_episodes() -> tuple[Tracker, MediaRequest]:
    tracker = Tracker()
    for download_id, numbers in TORRENTS.items():
        refs = tuple(EpisodeRef(1, number) for number in numbers)
        tracker.apply(Grabbed(SHOW, download_id=download_id, episodes=refs), T0)
    (request,) = tracker.requests.values()
    return tracker, request


def test_season_progress_per_episode_and_counts() -> None:
    tracker, request = twelve_episodes()
    assert request.state_text() == "12 queued"
    assert tracker.awaited_downloads() == set(TORRENTS)
    steps = [
        ("a" * 40, "downloading", 0.2, "3 downloading, 9 queued"),
        ("b" * 40, "metaDL", 0.0, "3 downloading, 9 queued"),
        ("b" * 40, "forcedDL", 0.1, "8 downloading, 4 queued"),
        ("a" * 40, "stalledUP", 1.0, "3 downloaded, 5 downloading, 4 queued"),
        ("c" * 40, "queuedDL", 0.0, "3 downloaded, 5 downloading, 4 queued"),
        ("b" * 40, "queuedUP", 1.0, "8 downloaded, 4 queued"),
        ("c" * 40, "downloading", 0.75, "8 downloaded, 4 downloading"),
    ]
    for download_id, state, progress, text in steps:
        tracker.apply(torrent(download_id, state, progress), T0)
        assert request.state_text() == text
        for number in TORRENTS[download_id]:
            assert request.episodes[(1, number)].download_progress == progress
    assert request.state is RequestState.DOWNLOADING
    assert request.download_progress == 0.75  # the request's current download: the last Grab's
    assert request.download_speed is None  # speed and eta are a movie's
    assert_queries_exact(tracker)


def test_chernobyl_pack_and_single_episode() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode", "sonarr/grab_season_pack")
    tracker, request = driver.tracker, driver.only()
    assert tracker.awaited_downloads() == {PACK, E05}
    tracker.apply(torrent(E05, "downloading", 0.3), driver.now)
    assert request.state_text() == "1 downloading, 4 queued"
    tracker.apply(torrent(PACK, "downloading", 0.45), driver.now)
    assert request.state_text() == "5 downloading"
    assert [request.episodes[(1, n)].download_progress for n in range(1, 6)] == [0.45] * 4 + [0.3]
    tracker.apply(torrent(E05, "uploading", 1.0), driver.now)
    assert request.state_text() == "1 downloaded, 4 downloading"
    driver.post("sonarr/download_episode")
    assert tracker.awaited_downloads() == {PACK}
    assert tracker.awaiting_library() == [request.request_id]
    (change,) = tracker.apply(torrent(PACK, "stoppedUP", 1.0), driver.now)
    assert change.new_state is RequestState.DOWNLOADED
    assert request.state_text() == "1 importing, 4 downloaded"
    serialised = request.to_dict()["episodes"][0]
    assert serialised["download_progress"] == 1.0
    assert "anime_matched_at" not in serialised


# --- failures and missing downloads (E4) ---------------------------------------------------------------------------


def test_torrent_error_fails_the_request() -> None:
    driver = Driver()
    request = movie_grabbed(driver)
    driver.tracker.apply(torrent(DUNE, "downloading", 0.45, 1000, 60), driver.now)
    (change,) = driver.tracker.apply(torrent(DUNE, "error", 0.45), driver.now)
    assert (change.old_state, change.new_state) == (RequestState.DOWNLOADING, RequestState.FAILED)
    assert (request.reason, request.download_speed, request.download_eta) == ("qBittorrent: error", None, None)
    assert request.download_progress == 0.45
    assert driver.tracker.awaited_downloads() == frozenset()
    assert driver.tracker.active_ids() == []
    # The same torrent again is no evidence; a failed request is not polled anyway.
    assert driver.tracker.apply(torrent(DUNE, "downloading", 0.5), driver.now) == []
    # The *arr blocklists and grabs another release: the request starts again.
    payload = load("radarr/grab")
    payload["downloadId"] = "D" * 40
    (regrab,) = driver.post("radarr/grab", payload)
    assert (regrab.old_state, regrab.new_state) == (RequestState.FAILED, RequestState.GRABBING)
    request = driver.only()  # (a fresh name for mypy, which narrowed the fields above)
    assert (request.reason, request.download_id, request.download_progress) == (None, "d" * 40, None)
    assert driver.tracker.awaited_downloads() == {"d" * 40}


def test_failed_phase_without_a_reason_gets_a_default() -> None:
    driver = Driver()
    request = movie_grabbed(driver)
    driver.tracker.apply(DownloadProgress(DUNE, TorrentPhase.FAILED, 0.1), driver.now)
    assert (request.state, request.reason) == (RequestState.FAILED, "Download failed in qBittorrent")


def test_error_of_a_replaced_download_is_ignored() -> None:
    driver = Driver()
    request = movie_grabbed(driver)
    driver.tracker.apply(torrent(DUNE, "downloading", 0.6), driver.now)
    payload = load("radarr/grab")
    payload["downloadId"] = "E" * 40
    driver.post("radarr/grab", payload)  # a newer Grab replaces the download
    assert (request.download_id, request.download_progress) == ("e" * 40, None)
    assert driver.tracker.awaited_downloads() == {"e" * 40}
    assert driver.tracker.apply(torrent(DUNE, "missingFiles", 0.6), driver.now) == []
    assert driver.tracker.apply(DownloadMissing(DUNE), driver.now) == []
    assert request.state is RequestState.DOWNLOADING
    (change,) = driver.tracker.apply(torrent("e" * 40, "missingFiles", 0.0), driver.now)
    assert change.new_state is RequestState.FAILED
    assert request.reason == "qBittorrent: missingFiles"


def test_a_new_grab_replaces_a_downloaded_but_unimported_download() -> None:
    driver = Driver()
    request = movie_grabbed(driver)
    driver.tracker.apply(torrent(DUNE, "uploading", 1.0), driver.now)
    driver.post("radarr/manual_interaction_required")
    payload = load("radarr/grab")
    payload["downloadId"] = "E" * 40
    driver.post("radarr/grab", payload)
    assert request.download_id == "e" * 40
    assert driver.tracker.apply(DownloadMissing(DUNE), driver.now) == []
    assert request.state is RequestState.DOWNLOADED


def test_failure_after_import_is_ignored() -> None:
    driver = Driver()
    request = movie_grabbed(driver)
    driver.post("radarr/download")
    assert driver.tracker.apply(torrent(DUNE, "error", 1.0), driver.now) == []
    assert driver.tracker.apply(DownloadMissing(DUNE), driver.now) == []
    assert (request.state, request.reason) == (RequestState.IMPORTING, None)


def test_missing_download_fails_with_its_reason() -> None:
    driver = Driver()
    request = movie_grabbed(driver)
    (change,) = driver.tracker.apply(DownloadMissing(DUNE.upper()), driver.now)
    assert change.new_state is RequestState.FAILED
    assert request.reason == "Download removed from qBittorrent before import"
    assert driver.tracker.apply(DownloadMissing(DUNE), driver.now) == []
    assert driver.tracker.apply(DownloadMissing("0" * 40), driver.now) == []


def test_episode_failures_touch_only_rows_on_that_download() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode", "sonarr/grab_season_pack")
    tracker, request = driver.tracker, driver.only()
    (change,) = tracker.apply(torrent(PACK, "error", 0.2), driver.now)
    assert change.new_state is RequestState.GRABBING  # E05 still waits on its own torrent
    assert request.state_text() == "1 queued, 4 failed"
    assert request.reason == "qBittorrent: error"
    assert tracker.awaited_downloads() == {E05}
    (change,) = tracker.apply(DownloadMissing(E05), driver.now)
    assert change.new_state is RequestState.FAILED
    assert request.state_text() == "5 failed"
    assert request.reason == "Download removed from qBittorrent before import"
    assert (tracker.awaited_downloads(), tracker.active_ids()) == (frozenset(), [])
    # Sonarr grabs a new pack for E01-E04: the FAILED rows start again, E05 stays failed.
    payload = load("sonarr/grab_season_pack")
    payload["downloadId"] = "F" * 40
    driver.post("sonarr/grab_season_pack", payload)
    assert request.state_text() == "4 queued, 1 failed"
    assert request.reason == "Download removed from qBittorrent before import"
    assert tracker.awaited_downloads() == {"f" * 40}
    payload = load("sonarr/grab_episode")
    payload["downloadId"] = "9" * 40
    driver.post("sonarr/grab_episode", payload)
    request = driver.only()
    assert (request.state_text(), request.reason) == ("5 queued", None)
    assert_queries_exact(tracker)


def test_replaced_episode_download_is_not_failed() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode")
    tracker, request = driver.tracker, driver.only()
    tracker.apply(torrent(E05, "downloading", 0.8), driver.now)
    payload = load("sonarr/grab_episode")
    payload["downloadId"] = "9" * 40
    driver.post("sonarr/grab_episode", payload)
    assert request.episodes[(1, 5)].download_progress is None
    assert tracker.apply(torrent(E05, "error", 0.8), driver.now) == []
    assert request.episodes[(1, 5)].state is EpisodeState.DOWNLOADING


# --- download ids that are not torrents (E7), hybrid torrents (E6) ------------------------------------------------


@pytest.mark.parametrize("download_id", ["SABnzbd_nzo_abc", "0123456789abcdef0123456789abcdef", None])
def test_usenet_or_missing_id_is_never_awaited(download_id: str | None) -> None:
    driver = Driver()
    payload = load("radarr/grab")
    payload["downloadClientType"] = "Sabnzbd"
    if download_id is None:
        del payload["downloadId"]
    else:
        payload["downloadId"] = download_id
    driver.run("jellyseerr/movie_auto_approved")
    driver.post("radarr/grab", payload)
    request = driver.only()
    assert request.state is RequestState.GRABBING
    assert driver.tracker.awaited_downloads() == frozenset()
    assert driver.tracker.active_ids() == [request.request_id]
    driver.post("radarr/download")
    assert driver.tracker.awaiting_library() == [request.request_id]


V1 = "5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e0f"
V2 = "d8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb"


@pytest.mark.parametrize("grab_id", [V1, V2], ids=["v1-grab", "v2-only-grab"])
def test_hybrid_torrent_found_by_any_of_its_hashes(grab_id: str) -> None:
    driver = Driver()
    request = movie_grabbed(driver, grab_id.upper())
    awaited = driver.tracker.awaited_downloads()
    assert awaited == {grab_id}
    # qBittorrent keys the torrent by its v2 hash cut to 40 chars (E6).
    maindata = {V2[:40]: {"infohash_v1": V1 if grab_id == V1 else "", "infohash_v2": V2}}
    matched = [
        (key, fields)
        for qbt_hash, fields in maindata.items()
        for key in torrent_keys(qbt_hash, fields["infohash_v1"], fields["infohash_v2"])
        if key in awaited
    ]
    assert [key for key, _ in matched] == [grab_id]
    driver.tracker.apply(torrent(matched[0][0], "downloading", 0.5), driver.now)
    assert (request.state, request.download_progress) == (RequestState.DOWNLOADING, 0.5)


# --- Shoko matches by path tail (E15-E17) -----------------------------------------------------------------------


def anime_tv() -> Driver:
    driver = Driver()
    driver.run("jellyseerr/anime_tv_auto_approved", "sonarr/anime_grab_e01", "sonarr/anime_download_e01")
    return driver


@pytest.mark.parametrize(
    "path",
    [
        SHOKO_E01,  # relative to Shoko's import folder
        f"/mnt/anime/{SHOKO_E01}",  # another mount root
        "D:\\Anime\\" + SHOKO_E01.upper().replace("/", "\\"),  # Windows server, other case
        SHOKO_E01.rsplit("/", 1)[1],  # the file name alone
    ],
)
def test_file_matched_by_tail(path: str) -> None:
    driver = anime_tv()
    tracker, request = driver.tracker, driver.only()
    now = driver.now + timedelta(seconds=3)
    (change,) = tracker.apply(FileMatched(path, cross_references=1), now)
    assert (change.request_id, change.old_state, change.new_state) == (
        request.request_id,
        RequestState.ANIME_MATCHING,
        RequestState.ANIME_MATCHING,
    )
    assert request.episodes[(1, 1)].anime_matched_at == now
    assert request.episodes[(1, 1)].state is EpisodeState.ANIME_MATCHING
    assert request.anime_matched_at is None
    assert tracker.apply(FileMatched(path, cross_references=2), now) == []  # only the first match counts
    assert tracker.awaiting_library() == [request.request_id]
    (seen,) = driver.post("jellyfin/anime_episode_s01e01_item_added")
    assert seen.new_state is RequestState.AVAILABLE
    assert tracker.awaiting_library() == []


@pytest.mark.parametrize(
    "path",
    [
        "Frieren - Beyond Journey's End/Season 02/" + SHOKO_E01.rsplit("/", 1)[1],  # same name, other folder
        "Season 01/Frieren - S01E01.mkv",
        "",
        "/",
    ],
)
def test_file_matched_elsewhere_changes_nothing(path: str) -> None:
    driver = anime_tv()
    assert driver.tracker.apply(FileMatched(path, cross_references=1), driver.now) == []


def test_file_matched_without_cross_references_changes_nothing() -> None:
    driver = anime_tv()
    assert driver.tracker.apply(FileMatched(SHOKO_E01, cross_references=0), driver.now) == []
    assert driver.only().episodes[(1, 1)].anime_matched_at is None


def test_file_matched_for_an_anime_movie() -> None:
    driver = Driver()
    driver.run("jellyseerr/anime_movie_auto_approved", "radarr/anime_grab")
    path = "\\\\nas\\anime-movies\\Suzume (2022)\\Suzume (2022) Bluray-1080p.mkv"
    assert driver.tracker.apply(FileMatched(path, 1), driver.now) == []  # not imported yet
    driver.post("radarr/anime_download")
    request = driver.only()
    (change,) = driver.tracker.apply(FileMatched(path, 1), driver.now)
    assert change.new_state is RequestState.ANIME_MATCHING
    assert request.anime_matched_at == driver.now
    assert request.to_dict()["anime_matched_at"] == driver.now.isoformat()
    driver.post("jellyfin/anime_movie_item_added")
    assert request.state is RequestState.AVAILABLE
    assert driver.tracker.apply(FileMatched(path, 1), driver.now) == []


def test_file_matched_covers_every_row_of_a_multi_episode_file() -> None:
    tracker = Tracker()
    refs = (EpisodeRef(1, 1), EpisodeRef(1, 2))
    anime = MediaInfo(MediaType.TV, "Show", tvdb_id=1, is_anime=True)
    path = "/data/anime/Show/Season 01/Show - S01E01-E02.mkv"
    tracker.apply(Imported(anime, files=(ImportedFile(path, episodes=refs),), episodes=refs), T0)
    (request,) = tracker.requests.values()
    assert tracker.apply(FileMatched("Show/Season 01/show - s01e01-e02.MKV", 1), T0) != []
    assert [row.anime_matched_at for row in request.episodes.values()] == [T0, T0]


# --- Jellyfin poller hint ---------------------------------------------------------------------------------------


def test_seen_with_request_hint_skips_correlation() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    request = driver.only()
    wrong = SeenInLibrary(MediaType.MOVIE, item_id="abc", tmdb_id=1, request_id="nope")
    assert driver.tracker.apply(wrong, driver.now) == []
    assert driver.tracker.apply(SeenInLibrary(MediaType.TV, request_id=request.request_id), driver.now) == []
    (change,) = driver.tracker.apply(SeenInLibrary(MediaType.MOVIE, item_id="abc", request_id=request.request_id), T0)
    assert (change.new_state, request.jellyfin_item_id) == (RequestState.AVAILABLE, "abc")
    again = SeenInLibrary(MediaType.MOVIE, item_id="abc", request_id=request.request_id)
    assert driver.tracker.apply(again, T0) == []  # inactive now


def test_seen_with_request_hint_for_episodes() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack", "sonarr/import_complete_pack")
    request = driver.only()
    hinted = SeenInLibrary(
        MediaType.TV, series_item_id="s1", season=1, episodes=(1, 2, 9), request_id=request.request_id
    )
    (change,) = driver.tracker.apply(hinted, driver.now)
    assert request.state_text() == "2 available, 2 importing"
    assert request.jellyfin_item_id == "s1"
    assert change.state_changed is False
    by_tvdb = load("sonarr/import_complete_pack")["episodes"][2]["tvdbId"]
    tvdb_only = SeenInLibrary(MediaType.TV, tvdb_id=by_tvdb, request_id=request.request_id)
    driver.tracker.apply(tvdb_only, driver.now)
    assert request.state_text() == "3 available, 1 importing"
    other_season = SeenInLibrary(MediaType.TV, season=2, episodes=(1,), request_id=request.request_id)
    assert driver.tracker.apply(other_season, T0) == []


# --- stuck ------------------------------------------------------------------------------------------------------


def test_stuck_marking_and_clearing() -> None:
    driver = Driver()
    request = movie_grabbed(driver)
    tracker, grabbed_at = driver.tracker, driver.now
    assert (request.state_changed_at, request.moved_at) == (grabbed_at, grabbed_at)
    hour = timedelta(hours=1)
    assert tracker.stuck_candidates(grabbed_at + hour - timedelta(seconds=1), hour) == []
    later = grabbed_at + hour
    assert tracker.stuck_candidates(later, hour) == [request.request_id]

    (change,) = tracker.mark_stuck(request.request_id, later)
    assert change == Change(request.request_id, RequestState.GRABBING, RequestState.GRABBING, notice=Notice.STUCK)
    assert request.stuck_since == later
    assert request.moved_at == grabbed_at  # being flagged is not a move
    assert tracker.mark_stuck(request.request_id, later) == []
    assert tracker.stuck_candidates(later, hour) == []
    assert tracker.mark_stuck("unknown", later) == []

    # A move (progress, without a state change) clears the flag; time in state keeps counting.
    tracker.apply(torrent(DUNE, "metaDL", 0.0), later)
    (moved,) = tracker.apply(torrent(DUNE, "metaDL", 0.01), later + hour)
    request = driver.only()
    assert (moved.notice, request.stuck_since) == (None, None)
    assert (request.state_changed_at, request.moved_at) == (grabbed_at, later + hour)
    # A state change is a move too.
    tracker.mark_stuck(request.request_id, later + 2 * hour)
    (changed,) = tracker.apply(torrent(DUNE, "downloading", 0.01), later + 3 * hour)
    request = driver.only()
    assert (changed.state_changed, changed.notice, request.stuck_since) == (True, None, None)
    assert request.state_changed_at == later + 3 * hour
    # Stalled: same progress every poll, no move.
    assert tracker.apply(torrent(DUNE, "stalledDL", 0.01), later + 4 * hour) == []
    assert tracker.stuck_candidates(later + 4 * hour, hour) == [request.request_id]


def test_episode_moves_keep_a_tv_request_from_being_stuck() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode", "sonarr/grab_season_pack")
    tracker, request = driver.tracker, driver.only()
    start = request.state_changed_at
    later = driver.now + timedelta(hours=3)
    tracker.apply(torrent(E05, "uploading", 1.0), later)  # one row moves, the request stays GRABBING
    assert (request.state, request.state_changed_at, request.moved_at) == (RequestState.GRABBING, start, later)
    assert tracker.stuck_candidates(later, timedelta(hours=1)) == []


def test_finished_or_failed_requests_are_never_stuck() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download", "jellyfin/movie_item_added")
    driver.run("jellyseerr/tv_auto_approved", "jellyseerr/tv_auto_approved")
    tv = next(r for r in driver.tracker.requests.values() if r.media_type is MediaType.TV)
    driver.post("sonarr/grab_episode")
    driver.tracker.apply(DownloadMissing(E05), driver.now)
    much_later = driver.now + timedelta(days=30)
    assert driver.tracker.stuck_candidates(much_later, timedelta(minutes=1)) == []
    movie = next(r for r in driver.tracker.requests.values() if r.media_type is MediaType.MOVIE)
    assert driver.tracker.mark_stuck(movie.request_id, much_later) == []
    assert driver.tracker.mark_stuck(tv.request_id, much_later) == []


# --- the three query sets, exact at every step and after restarts -------------------------------------------------

FLOWS = (
    ("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/manual_interaction_required", "radarr/download"),
    ("jellyfin/movie_item_added", "radarr/movie_file_delete", "jellyseerr/movie_rerequest_auto_approved"),
    ("radarr/grab", "jellyseerr/movie_4k_auto_approved", "jellyseerr/tv_auto_approved", "sonarr/grab_episode"),
    ("sonarr/grab_season_pack", "sonarr/download_episode", "sonarr/download_pack_file_e01"),
    ("sonarr/import_complete_pack", "jellyfin/tv_series_item_added", "jellyfin/tv_episode_s01e01_item_added"),
    ("jellyseerr/anime_tv_auto_approved", "sonarr/anime_grab_e01", "sonarr/anime_grab_e02"),
    ("sonarr/anime_download_e01", "jellyseerr/anime_movie_auto_approved", "radarr/anime_grab"),
    ("radarr/anime_download", "jellyfin/anime_movie_item_added", "sonarr/anime_import_complete_e02"),
    ("jellyfin/anime_episode_s01e01_item_added", "jellyfin/anime_episode_s01e02_item_added", "sonarr/series_delete"),
    ("jellyseerr/tv_available", "radarr/movie_delete"),
)
STEPS = [path for flow in FLOWS for path in flow]
POLLS: dict[int, list[DownloadProgress | DownloadMissing | FileMatched]] = {
    2: [torrent(DUNE, "downloading", 0.3)],
    10: [torrent(DUNE, "error", 0.3)],
    11: [torrent(PACK, "downloading", 0.4), torrent(E05, "uploading", 1.0)],
    13: [torrent(PACK, "uploading", 1.0)],
    20: [FileMatched(SHOKO_E01, 1)],
    22: [torrent("5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e0f", "missingFiles", 0.0)],  # the import then revives it
    24: [DownloadMissing("0bed5f40753b342cb143e83c2b21924cc8474731")],
}


def test_query_sets_stay_exact_through_every_flow_and_restart() -> None:
    driver = Driver()
    for step, path in enumerate(STEPS):
        assert driver.post(path) != []
        for event in POLLS.get(step, []):
            assert driver.tracker.apply(event, driver.now) != []
        assert_queries_exact(driver.tracker)
        for rid in driver.tracker.stuck_candidates(driver.now + timedelta(days=1), timedelta(hours=1))[:1]:
            driver.tracker.mark_stuck(rid, driver.now)
        stored = json.loads(json.dumps(driver.tracker.to_dict()))
        restored = Tracker.from_dict(stored)
        assert restored.to_dict() == stored
        assert restored.awaited_downloads() == driver.tracker.awaited_downloads()
        assert set(restored.active_ids()) == set(driver.tracker.active_ids())
        assert set(restored.awaiting_library()) == set(driver.tracker.awaiting_library())
        assert_queries_exact(restored)
        driver = Driver(restored) if step % 2 else driver  # continue on the restored copy half the time
        driver.now = max(driver.now, T0 + timedelta(minutes=step + 1))
    assert driver.tracker.awaited_downloads() == frozenset()
    assert len(driver.tracker.requests) >= 5


# --- persistence of the new fields ------------------------------------------------------------------------------


def test_new_fields_round_trip_and_old_data_loads() -> None:
    driver = anime_tv()
    tracker, request = driver.tracker, driver.only()
    tracker.apply(torrent("0bed5f40753b342cb143e83c2b21924cc8474731", "downloading", 0.5), driver.now)
    driver.post("sonarr/anime_grab_e02")
    tracker.apply(torrent("0bed5f40753b342cb143e83c2b21924cc8474731", "downloading", 0.5), driver.now)
    matched_at = driver.now + timedelta(minutes=1)
    tracker.apply(FileMatched(SHOKO_E01, 1), matched_at)
    tracker.mark_stuck(request.request_id, driver.now + timedelta(hours=5))
    data = json.loads(json.dumps(tracker.to_dict()))
    (stored,) = data["requests"]
    assert {"state_changed_at", "moved_at", "stuck_since"} <= set(stored)
    assert stored["moved_at"] == matched_at.isoformat()  # a Shoko match is a move
    assert stored["episodes"][0]["anime_matched_at"] == matched_at.isoformat()
    assert stored["episodes"][1]["download_progress"] == 0.5
    restored = Tracker.from_dict(data)
    assert restored.to_dict() == data
    assert restored.awaited_downloads() == {"0bed5f40753b342cb143e83c2b21924cc8474731"}

    new_keys = {"state_changed_at", "moved_at", "stuck_since", "anime_matched_at", "download_speed", "download_eta"}
    old = {key: value for key, value in stored.items() if key not in new_keys}
    old["episodes"] = [
        {key: value for key, value in row.items() if key not in {"download_progress", "anime_matched_at"}}
        for row in stored["episodes"]
    ]
    loaded = MediaRequest.from_dict(old)
    updated = datetime.fromisoformat(stored["updated_at"])
    assert (loaded.state_changed_at, loaded.moved_at, loaded.stuck_since) == (updated, updated, None)
    assert loaded.episodes[(1, 1)].anime_matched_at is None
    old_tracker = Tracker.from_dict({"requests": [old]})
    assert old_tracker.awaited_downloads() == {"0bed5f40753b342cb143e83c2b21924cc8474731"}
    assert old_tracker.awaiting_library() == [request.request_id]


def test_compact_clocks() -> None:
    request = MediaRequest(request_id="r", media_type=MediaType.MOVIE, title="M", created_at=T0, updated_at=T0)
    assert (request.state_changed_at, request.moved_at, request.stuck_since) == (T0, T0, None)
    data = request.to_dict()
    assert data["state_changed_at"] == T0.isoformat()
    assert "moved_at" not in data
    assert "stuck_since" not in data
    assert MediaRequest.from_dict(data) == request
    request.moved_at = T0 + timedelta(minutes=1)
    request.download_speed, request.download_eta = 0, 0
    data = request.to_dict()
    assert (data["moved_at"], data["download_speed"], data["download_eta"]) == (
        request.moved_at.isoformat(),
        0,
        0,
    )
    assert MediaRequest.from_dict(data) == request
