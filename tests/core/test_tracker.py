"""The tracker end to end on parsed fixtures: the four flows, duplicates, reordering, persistence."""

from __future__ import annotations

from datetime import timedelta
from itertools import permutations
import json

import pytest

from custom_components.status_tracker.core.changes import Change
from custom_components.status_tracker.core.downloads import TorrentPhase
from custom_components.status_tracker.core.events import DownloadProgress
from custom_components.status_tracker.core.models import EpisodeState, MediaType, Notice, RequestState
from custom_components.status_tracker.core.tracker import Tracker

from ..helpers import DUNE_HASH, MOVIE_FLOW
from .helpers import Driver, assert_queries_exact, load, summary

# --- the four flows --------------------------------------------------------------------------------------------


def test_regular_movie_flow() -> None:
    driver = Driver()
    (created,) = driver.post("jellyseerr/movie_auto_approved")
    assert created.created
    assert (created.old_state, created.new_state, created.notice) == (None, RequestState.APPROVED, None)
    request = driver.tracker.get(created.request_id)
    assert request is not None
    assert len(request.request_id) == 32
    assert (request.title, request.year, request.requested_by, request.media_type) == (
        "Dune: Part Two",
        2024,
        "Alice",
        MediaType.MOVIE,
    )
    assert request.poster_url == "https://image.tmdb.org/t/p/w600_and_h900_bestv2/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg"
    assert (request.tmdb_id, request.jellyseerr_request_id) == (693134, "16")

    (grab,) = driver.post("radarr/grab")
    assert (grab.old_state, grab.new_state, grab.created) == (RequestState.APPROVED, RequestState.GRABBING, False)
    assert request.download_id == DUNE_HASH
    assert request.quality == "Bluray-2160p"
    assert request.imdb_id == "tt15239678"

    (download,) = driver.post("radarr/download")
    assert download.new_state is RequestState.IMPORTING
    assert request.final_path == "/data/media/movies/Dune - Part Two (2024)/Dune - Part Two (2024) Remux-2160p.mkv"
    assert request.final_paths == [request.final_path]
    assert request.quality == "Remux-2160p"
    assert request.available_at is None

    (seen,) = driver.post("jellyfin/movie_item_added")
    assert (seen.old_state, seen.new_state, seen.state_changed) == (
        RequestState.IMPORTING,
        RequestState.AVAILABLE,
        True,
    )
    assert request.available_at == driver.now
    assert request.updated_at == driver.now
    assert request.jellyfin_item_id == "6213b704a0d954293110f4d561b0f614"
    assert not request.is_active
    assert request.state_text() is None
    assert request.grabbed_text() is None


def test_regular_tv_one_season_flow() -> None:
    driver = Driver()
    driver.post("jellyseerr/tv_auto_approved")
    request = driver.only()
    assert (request.state, request.requested_seasons, request.tvdb_id) == (RequestState.APPROVED, [1], 360893)

    driver.post("sonarr/grab_episode")
    assert list(request.episodes) == [(1, 5)]
    driver.post("sonarr/grab_season_pack")
    assert sorted(request.episodes) == [(1, n) for n in range(1, 6)]
    assert request.state is RequestState.GRABBING
    assert request.episodes[(1, 1)].download_id == "c0ffee00deadbeef0123456789abcdef01234567"
    assert request.episodes[(1, 5)].download_id == "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
    assert request.grabbed_text() == "Grabbed 5 eps"
    request.episode_total = 5
    assert request.grabbed_text() == "Grabbed 5/5 eps"

    driver.post("sonarr/download_episode")
    assert request.episodes[(1, 5)].state is EpisodeState.IMPORTING
    assert request.state is RequestState.GRABBING
    driver.run("sonarr/download_pack_file_e01", "sonarr/download_pack_file_e02")
    assert request.state_text() == "3 importing, 2 queued"
    assert driver.post("sonarr/download_pack_file_e02") == []
    driver.post("sonarr/import_complete_pack")
    assert driver.only().state is RequestState.IMPORTING
    assert request.episodes[(1, 4)].final_path == (
        "/data/media/tv/Chernobyl/Season 01/Chernobyl - S01E04 - The Happiness of All Mankind [Bluray-1080p].mkv"
    )
    assert len(request.final_paths) == 5
    assert request.episodes[(1, 1)].quality == "Bluray-1080p"
    assert request.quality == "WEBDL-1080p"  # the last episode's (S01E05 came as a WEB-DL)

    driver.post("jellyfin/tv_series_item_added")
    assert request.jellyfin_item_id == "3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b2a"
    for number in range(1, 5):
        driver.post(f"jellyfin/tv_episode_s01e{number:02d}_item_added")
        assert driver.only().state is RequestState.IMPORTING
    assert request.state_text() == "4 available, 1 importing"
    (last,) = driver.post("jellyfin/tv_episode_s01e05_item_added")
    assert (last.old_state, last.new_state) == (RequestState.IMPORTING, RequestState.AVAILABLE)
    assert request.available_at == driver.now
    assert request.episode_counts()["available"] == 5


def test_anime_movie_flow() -> None:
    driver = Driver()
    driver.run("jellyseerr/anime_movie_auto_approved", "radarr/anime_grab")
    request = driver.only()
    assert request.is_anime
    assert request.requested_by == "Bob"
    (imported,) = driver.post("radarr/anime_download")
    assert imported.new_state is RequestState.ANIME_MATCHING
    (seen,) = driver.post("jellyfin/anime_movie_item_added")
    assert (seen.old_state, seen.new_state) == (RequestState.ANIME_MATCHING, RequestState.AVAILABLE)


def test_anime_tv_flow() -> None:
    driver = Driver()
    driver.run("jellyseerr/anime_tv_auto_approved", "sonarr/anime_grab_e01", "sonarr/anime_download_e01")
    request = driver.only()
    assert request.is_anime
    assert request.episodes[(1, 1)].state is EpisodeState.ANIME_MATCHING
    assert request.state is RequestState.ANIME_MATCHING
    driver.post("sonarr/anime_grab_e02")
    assert driver.only().state is RequestState.GRABBING
    assert request.state_text() == "1 matching, 1 queued"
    driver.post("sonarr/anime_import_complete_e02")
    assert request.episodes[(1, 2)].state is EpisodeState.ANIME_MATCHING
    assert request.episodes[(1, 2)].final_path is not None
    driver.post("jellyfin/anime_series_item_added")
    assert request.jellyfin_item_id == "9c8b7a6d5e4f43219876fedcba012345"
    driver.post("jellyfin/anime_episode_s01e01_item_added")
    assert request.state is RequestState.ANIME_MATCHING
    (done,) = driver.post("jellyfin/anime_episode_s01e02_item_added")
    assert done.new_state is RequestState.AVAILABLE


def test_anime_episodes_found_by_series_name_without_series_item() -> None:
    driver = Driver()
    driver.run("jellyseerr/anime_tv_auto_approved", "sonarr/anime_grab_e01", "sonarr/anime_download_e01")
    (seen,) = driver.post("jellyfin/anime_episode_s01e01_item_added")
    assert seen.new_state is RequestState.AVAILABLE
    assert driver.only().jellyfin_item_id == "9c8b7a6d5e4f43219876fedcba012345"


# --- Jellyseerr states -----------------------------------------------------------------------------------------


def test_pending_then_approved() -> None:
    driver = Driver()
    (pending,) = driver.post("jellyseerr/movie_pending")
    assert pending.new_state is RequestState.REQUESTED
    (approved,) = driver.post("jellyseerr/movie_approved")
    assert (approved.old_state, approved.new_state) == (RequestState.REQUESTED, RequestState.APPROVED)
    assert driver.post("jellyseerr/movie_pending") == []


def test_declined_then_a_new_grab_starts_again() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_pending", "jellyseerr/movie_declined")
    request = driver.only()
    assert (request.state, request.reason) == (RequestState.FAILED, "Declined in Jellyseerr")
    assert driver.post("jellyseerr/movie_approved") == []
    (grab,) = driver.post("radarr/grab")
    assert (grab.old_state, grab.new_state) == (RequestState.FAILED, RequestState.GRABBING)
    assert request.reason is None


def test_repeat_of_the_failed_grab_does_not_restart() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    request = driver.only()
    request.state = RequestState.FAILED  # as issue 4 will do when the torrent errors
    assert driver.post("radarr/grab") == []
    assert request.state is RequestState.FAILED


def test_failed_notification_is_stale_after_progress() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    assert driver.post("jellyseerr/movie_failed") == []
    driver2 = Driver()
    driver2.run("jellyseerr/movie_auto_approved", "jellyseerr/movie_failed")
    assert driver2.only().reason == "Jellyseerr could not send the request to Radarr/Sonarr"


def test_media_available_confirms() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab", "jellyseerr/movie_available")
    assert driver.only().state is RequestState.AVAILABLE
    assert driver.post("jellyfin/movie_item_added") == []


def test_media_available_for_tv_marks_requested_season_rows() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack", "jellyseerr/tv_available")
    request = driver.only()
    assert request.state is RequestState.AVAILABLE
    assert request.episode_counts()["available"] == 4


def test_declined_request_for_unknown_media_is_created_failed() -> None:
    (change,) = Driver().post("jellyseerr/movie_declined")
    assert (change.created, change.new_state) == (True, RequestState.FAILED)


# --- duplicates (acceptance 6 and 7) ----------------------------------------------------------------------------


def test_rerequest_of_available_media_is_already_available() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    (change,) = driver.post("jellyseerr/movie_rerequest_auto_approved")
    assert not change.created
    assert change.notice is Notice.ALREADY_AVAILABLE
    assert (change.old_state, change.new_state, change.state_changed) == (
        RequestState.AVAILABLE,
        RequestState.AVAILABLE,
        False,
    )
    request = driver.only()
    assert request.already_available
    assert request.requested_by == "Alice"
    assert request.duplicate_request_ids == ["23"]
    assert driver.post("jellyseerr/movie_rerequest_auto_approved") == []


def test_rerequest_in_progress_returns_the_same_request() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    (change,) = driver.post("jellyseerr/movie_rerequest_auto_approved")
    assert change.notice is Notice.ALREADY_REQUESTED
    assert len(driver.tracker.requests) == 1
    assert not driver.only().already_available
    declined = load("jellyseerr/movie_declined")
    declined["request"]["request_id"] = "23"
    assert driver.post("jellyseerr/movie_declined", declined) == []
    assert driver.only().state is RequestState.GRABBING


@pytest.mark.parametrize("removal", ["radarr/movie_file_delete", "radarr/movie_delete"])
def test_new_request_after_removal_gets_the_grab_not_the_old_one(removal: str) -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    old = driver.only()
    (removed,) = driver.post(removal)
    assert removed.new_state is RequestState.AVAILABLE
    assert old.removed
    assert old.reason is not None
    (created,) = driver.post("jellyseerr/movie_rerequest_auto_approved")
    assert created.created
    assert created.notice is None
    new = driver.tracker.get(created.request_id)
    assert new is not None
    assert new.requested_by == "Bob"
    old_before = old.to_dict()
    (grab,) = driver.post("radarr/grab")  # the very same payload as the old request's Grab
    assert grab.request_id == new.request_id
    assert new.state is RequestState.GRABBING
    (download,) = driver.post("radarr/download")
    assert download.request_id == new.request_id
    (seen,) = driver.post("jellyfin/movie_item_added")
    assert seen.request_id == new.request_id
    assert old.to_dict() == old_before


def test_grab_after_removal_without_jellyseerr_creates_a_new_request() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW, "radarr/movie_delete")
    (grab,) = driver.post("radarr/grab")
    assert grab.created
    assert len(driver.tracker.requests) == 2
    assert driver.post("radarr/movie_delete") == [Change(grab.request_id, RequestState.GRABBING, RequestState.FAILED)]
    assert driver.post("radarr/movie_delete") == []


def test_four_k_requests_are_kept_apart() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    (four_k,) = driver.post("jellyseerr/movie_4k_auto_approved")
    assert four_k.created
    assert four_k.notice is None
    request_4k = driver.tracker.get(four_k.request_id)
    assert request_4k is not None
    assert request_4k.is_4k
    # A normal-quality Grab goes to the available normal request as an upgrade, never to the 4K one.
    regrab = load("radarr/grab")
    regrab["downloadId"] = "FFFF2779B4ABDE7C6BC608063A0D008B7E40CE32"
    (upgrade,) = driver.post("radarr/grab", regrab)
    assert upgrade.request_id != request_4k.request_id
    assert request_4k.state is RequestState.APPROVED
    # Jellyfin does not know 4K: an item for this movie goes to the only active request, the 4K one.
    (seen,) = driver.post("jellyfin/movie_item_added_all_properties")
    assert seen.request_id == request_4k.request_id


# --- reordering and repeats (acceptance 8) ----------------------------------------------------------------------


def _final(*paths: str) -> list[dict[str, object]]:
    driver = Driver()
    driver.run(*paths)
    return summary(driver.tracker)


@pytest.mark.parametrize(
    "order",
    [order for order in permutations(MOVIE_FLOW) if order[0] != "jellyfin/movie_item_added"],
)
def test_movie_events_in_any_order_end_the_same(order: tuple[str, ...]) -> None:
    assert _final(*order) == _final(*MOVIE_FLOW)


def test_every_movie_event_twice_ends_the_same() -> None:
    assert _final(*(path for path in MOVIE_FLOW for _ in range(2))) == _final(*MOVIE_FLOW)


def test_jellyfin_never_creates_a_request() -> None:
    driver = Driver()
    assert driver.post("jellyfin/movie_item_added") == []
    assert driver.post("jellyfin/tv_episode_s01e01_item_added") == []
    assert driver.post("jellyfin/tv_series_item_added") == []
    assert driver.tracker.requests == {}


def test_grab_before_jellyseerr_fills_in_later() -> None:
    driver = Driver()
    (created,) = driver.post("radarr/grab")
    assert created.created
    request = driver.only()
    assert (request.title, request.requested_by, request.jellyseerr_request_id) == ("Dune: Part Two", None, None)
    assert request.poster_url == "https://image.tmdb.org/t/p/original/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg"
    (late,) = driver.post("jellyseerr/movie_approved")
    assert (late.old_state, late.new_state, late.notice) == (RequestState.GRABBING, RequestState.GRABBING, None)
    assert request.requested_by == "Alice"
    assert request.poster_url.startswith("https://image.tmdb.org/t/p/w600_and_h900_bestv2")


TV_FLOW = (
    "jellyseerr/tv_auto_approved",
    "sonarr/grab_episode",
    "sonarr/grab_season_pack",
    "sonarr/download_episode",
    "sonarr/download_pack_file_e01",
    "sonarr/import_complete_pack",
    "jellyfin/tv_episode_s01e01_item_added",
    "jellyfin/tv_episode_s01e05_item_added",
)


@pytest.mark.parametrize(
    "order",
    [
        TV_FLOW[1:3] + TV_FLOW[:1] + TV_FLOW[3:],  # Sonarr before Jellyseerr
        TV_FLOW[:3] + TV_FLOW[5:6] + TV_FLOW[3:5] + TV_FLOW[6:],  # ImportComplete before the per-file imports
        TV_FLOW[:4] + TV_FLOW[6:] + TV_FLOW[4:6],  # Jellyfin before the imports
        tuple(reversed(TV_FLOW[1:6])) + TV_FLOW[:1] + TV_FLOW[6:],
        tuple(path for path in TV_FLOW for _ in range(2)),
    ],
)
def test_tv_events_reordered_end_the_same(order: tuple[str, ...]) -> None:
    assert _final(*order) == _final(*TV_FLOW)


def test_approval_after_grab_does_not_move_back() -> None:
    driver = Driver()
    driver.run("radarr/grab", "radarr/download")
    assert driver.post("jellyseerr/movie_approved")[0].new_state is RequestState.IMPORTING


# --- *arr details -----------------------------------------------------------------------------------------------


def test_upgrade_of_available_movie_changes_only_attributes() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW)
    request = driver.only()
    assert driver.post("radarr/movie_file_delete_upgrade") == []
    (change,) = driver.post("radarr/download_upgrade")
    assert (change.old_state, change.new_state) == (RequestState.AVAILABLE, RequestState.AVAILABLE)
    assert request.upgraded_at == driver.now
    assert request.final_path is not None
    assert request.final_path.endswith("Proper.mkv")
    assert "3f6a1c0e9b2d4f8a7c5e3b1d9f0a2c4e6b8d0f1a" in request.download_ids
    assert request.download_id == DUNE_HASH
    # The delete of the replaced file names an older path: no loss of availability.
    assert driver.post("radarr/movie_file_delete") == []
    assert not request.removed


@pytest.mark.parametrize("download", ["radarr/download", "radarr/download_before_5_10_1"])
def test_delete_of_the_imported_library_file_is_recognised_in_old_and_new_radarr(download: str) -> None:
    """The delete names the library file in every Radarr; the import's path before 5.10.1 is the download's file."""
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab", download, "jellyfin/movie_item_added")
    (change,) = driver.post("radarr/movie_file_delete")
    request = driver.only()
    assert change.new_state is RequestState.AVAILABLE
    assert request.removed
    assert request.reason == "File deleted in Radarr (manual)"


def test_manual_interaction_needs_attention_until_imported() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    (change,) = driver.post("radarr/manual_interaction_required")
    request = driver.only()
    assert change.new_state is RequestState.DOWNLOADED
    assert request.needs_attention
    assert request.reason == "Manual import needed: Unable to determine if file is a sample"
    driver.post("radarr/download")
    assert (driver.only().needs_attention, driver.only().reason) == (False, None)
    assert driver.post("radarr/manual_interaction_required") == []


def test_manual_interaction_for_tv_episodes() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode", "sonarr/manual_interaction_required")
    request = driver.only()
    assert request.needs_attention
    assert request.episodes[(1, 5)].state is EpisodeState.DOWNLOADED
    driver.post("sonarr/download_episode")
    assert not driver.only().needs_attention
    assert driver.post("sonarr/manual_interaction_required") == []


def test_manual_interaction_without_episodes_on_a_tv_request() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode")
    payload = load("sonarr/manual_interaction_required")
    del payload["episodes"]
    driver.post("sonarr/manual_interaction_required", payload)
    request = driver.only()
    assert request.needs_attention
    assert request.episodes[(1, 5)].state is EpisodeState.GRABBING


def test_sonarr_deletes() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode", "sonarr/download_episode")
    (change,) = driver.post("sonarr/episode_file_delete")
    request = driver.only()
    assert change.new_state is RequestState.IMPORTING
    assert request.reason == "S01E05 deleted in Sonarr (missingFromDisk)"
    assert not request.removed
    (deleted,) = driver.post("sonarr/series_delete")
    assert deleted.new_state is RequestState.FAILED
    assert driver.only().removed
    assert driver.only().reason == "Deleted from Sonarr"
    assert driver.post("sonarr/series_delete") == []


def test_movie_file_delete_before_availability_is_only_recorded() -> None:
    driver = Driver()
    driver.run("radarr/grab")
    payload = load("radarr/movie_file_delete")
    del payload["movieFile"]
    del payload["deleteReason"]
    driver.post("radarr/movie_file_delete", payload)
    request = driver.only()
    assert request.reason == "File deleted in Radarr (no reason given)"
    assert not request.removed


def test_delete_of_unknown_media_changes_nothing() -> None:
    assert Driver().post("radarr/movie_delete") == []


def test_grab_for_another_season_makes_its_own_request() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode")
    other = load("sonarr/grab_episode")
    other["episodes"][0].update(seasonNumber=2, episodeNumber=1, id=2201, tvdbId=7000001)
    other["downloadId"] = "B" * 40
    (change,) = driver.post("sonarr/grab_episode", other)
    assert change.created
    assert len(driver.tracker.requests) == 2


def test_new_episode_in_scope_reopens_an_available_tv_request() -> None:
    driver = Driver()
    driver.run(
        "jellyseerr/tv_auto_approved",
        "sonarr/grab_episode",
        "sonarr/download_episode",
        "jellyfin/tv_episode_s01e05_item_added",
    )
    request = driver.only()
    assert request.state is RequestState.AVAILABLE
    (reopened,) = driver.post("sonarr/grab_season_pack")
    assert (reopened.old_state, reopened.new_state) == (RequestState.AVAILABLE, RequestState.GRABBING)
    assert len(driver.tracker.requests) == 1


def test_import_without_any_grab_creates_the_rows() -> None:
    driver = Driver()
    (change,) = driver.post("sonarr/import_complete_pack")
    assert change.created
    assert driver.only().state is RequestState.IMPORTING


def test_episode_found_by_tvdb_id_alone() -> None:
    driver = Driver()
    driver.run("sonarr/grab_episode", "sonarr/download_episode")
    payload = load("jellyfin/tv_episode_s01e05_item_added")
    payload.update(SeasonNumber="", EpisodeNumber="", SeriesId="", SeriesName="")
    (change,) = driver.post("jellyfin/x", payload)
    assert change.new_state is RequestState.AVAILABLE


def test_episode_for_an_untracked_row_or_series_changes_nothing() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode")
    payload = load("jellyfin/tv_episode_s01e01_item_added")
    payload["Provider_tvdb"] = ""
    assert driver.post("jellyfin/x", payload) == []
    payload["SeriesName"] = "Some Other Show"
    payload["SeriesId"] = ""
    assert driver.post("jellyfin/x", payload) == []


def test_series_item_links_once() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved")
    assert len(driver.post("jellyfin/tv_series_item_added")) == 1
    assert driver.post("jellyfin/tv_series_item_added") == []


def test_download_progress() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_auto_approved", "radarr/grab")
    tracker, request = driver.tracker, driver.only()
    now = driver.now + timedelta(seconds=5)
    (change,) = tracker.apply(DownloadProgress(DUNE_HASH.upper(), TorrentPhase.DOWNLOADING, 0.42), now)
    assert change.new_state is RequestState.DOWNLOADING
    assert request.download_progress == 0.42
    assert tracker.apply(DownloadProgress(DUNE_HASH, TorrentPhase.DOWNLOADING, 0.42), now) == []
    tracker.apply(DownloadProgress(DUNE_HASH, TorrentPhase.DOWNLOADED, 1.0), now)
    assert (request.state, request.download_progress) == (RequestState.DOWNLOADED, 1.0)
    assert tracker.apply(DownloadProgress("0" * 40, TorrentPhase.DOWNLOADING, 0.5), now) == []


def test_download_progress_for_episodes() -> None:
    driver = Driver()
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode", "sonarr/grab_season_pack")
    request = driver.only()
    pack = "c0ffee00deadbeef0123456789abcdef01234567"
    driver.tracker.apply(DownloadProgress(pack, TorrentPhase.DOWNLOADED, 0.5), driver.now)
    assert request.state_text() == "4 downloaded, 1 queued"
    assert request.download_progress == 0.5  # the request's current download is the pack


# --- persistence ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", range(1, len(TV_FLOW)))
def test_round_trip_between_steps_behaves_identically(cut: int) -> None:
    straight = Driver()
    straight.run(*TV_FLOW, *MOVIE_FLOW, "jellyseerr/movie_rerequest_auto_approved")

    first = Driver()
    first.run(*TV_FLOW[:cut])
    stored = json.loads(json.dumps(first.tracker.to_dict()))
    resumed = Driver(Tracker.from_dict(stored))
    resumed.now = first.now
    resumed.run(*TV_FLOW[cut:], *MOVIE_FLOW, "jellyseerr/movie_rerequest_auto_approved")
    assert summary(resumed.tracker) == summary(straight.tracker)
    assert _without_ids(resumed.tracker) == _without_ids(straight.tracker)


def _without_ids(tracker: Tracker) -> list[dict[str, object]]:
    return [{k: v for k, v in item.items() if k != "request_id"} for item in tracker.to_dict()["requests"]]


def test_round_trip_keeps_every_index() -> None:
    driver = Driver()
    driver.run(*MOVIE_FLOW, "radarr/movie_file_delete", "jellyseerr/movie_rerequest_auto_approved", "radarr/grab")
    driver.run("jellyseerr/tv_auto_approved", "sonarr/grab_episode", "jellyfin/tv_series_item_added")
    data = driver.tracker.to_dict()
    assert set(data) == {"requests"}
    assert json.loads(json.dumps(data)) == data
    restored = Tracker.from_dict(data)
    assert restored.to_dict() == data
    copy = Driver(restored)
    copy.now = driver.now
    for tracked in (driver, copy):
        changes = tracked.run("radarr/download", "sonarr/download_episode", "jellyfin/tv_episode_s01e05_item_added")
        assert [change.new_state for change in changes] == [
            RequestState.IMPORTING,
            RequestState.IMPORTING,
            RequestState.AVAILABLE,
        ]
    assert copy.tracker.to_dict() == driver.tracker.to_dict()


def test_requests_view_is_read_only() -> None:
    tracker = Tracker()
    with pytest.raises(TypeError):
        tracker.requests["x"] = None  # type: ignore[index]
    assert tracker.get("missing") is None
    assert Tracker.from_dict({}).requests == {}


def test_remove_forgets_the_request_and_its_keys() -> None:
    driver = Driver()
    driver.run(
        "jellyseerr/tv_auto_approved", "sonarr/grab_season_pack", "sonarr/grab_episode", "sonarr/import_complete_pack"
    )
    request = driver.only()
    assert driver.tracker.awaited_downloads()
    removed = driver.tracker.remove(request.request_id)
    assert removed is request
    assert driver.tracker.requests == {}
    assert driver.tracker.remove(request.request_id) is None
    assert driver.tracker.active_ids() == []
    assert driver.tracker.awaiting_library() == []
    assert driver.tracker.awaited_downloads() == frozenset()
    # Webhooks for that media now start a new request instead of finding the removed one.
    (created,) = driver.post("sonarr/grab_episode")
    assert created.created
    assert created.request_id != request.request_id
    assert driver.post("jellyfin/tv_episode_s01e01_item_added") == []
    assert_queries_exact(driver.tracker)
    restored = type(driver.tracker).from_dict(driver.tracker.to_dict())
    assert list(restored.requests) == [created.request_id]
