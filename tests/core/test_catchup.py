"""Catch-up (issue 8): REST records from Seerr and the *arr become the events of the missed webhooks.

Records are shaped as docs/service-apis.md §1.3-1.5 and §2.5-2.6 describe them (fixtures in tests/fixtures/catchup);
every test applies the events to a real Tracker, as the Home Assistant side will.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from custom_components.status_tracker.core.catchup import (
    arr_history_events,
    arr_queue_events,
    seerr_request_events,
    without_known_grabs,
)
from custom_components.status_tracker.core.changes import Change
from custom_components.status_tracker.core.events import Event, Grabbed, Imported, NotificationKind, RequestNotified
from custom_components.status_tracker.core.models import AnimeRules, EpisodeState, MediaType, RequestState

from ..helpers import DUNE_HASH, DUNE_POSTER, E05_HASH, PACK_HASH
from .helpers import RULES, Driver, assert_queries_exact, load, summary

DUNE_FILE = "/data/media/movies/Dune - Part Two (2024)/Dune - Part Two (2024) Remux-2160p.mkv"
Kind = NotificationKind


def record(name: str) -> dict[str, Any]:
    """A fixture from tests/fixtures/catchup."""
    data: dict[str, Any] = load(f"catchup/{name}")
    return data


def history(name: str) -> list[dict[str, Any]]:
    """A history/since answer (a plain array)."""
    rows: list[dict[str, Any]] = load(f"catchup/{name}")
    return rows


def movie_events() -> list[Event]:
    """What the HA side gathers for Dune: Seerr's request with its details, then Radarr's history."""
    return [
        *seerr_request_events(record("seerr_movie_request"), record("seerr_movie_details"), RULES),
        *arr_history_events("radarr", history("radarr_history"), RULES, is_4k=False),
    ]


def tv_events() -> list[Event]:
    """The same for Chernobyl: Seerr's request, then Sonarr's history (one row per episode)."""
    return [
        *seerr_request_events(record("seerr_tv_request"), record("seerr_tv_details"), RULES),
        *arr_history_events("sonarr", history("sonarr_history_pack"), RULES, is_4k=False),
    ]


def queue_events() -> list[Event]:
    """Both queues: Dune, and Chernobyl's pack and E05, still downloading."""
    return [
        *arr_queue_events("radarr", record("radarr_queue")["records"], RULES, is_4k=False),
        *arr_queue_events("sonarr", record("sonarr_queue")["records"], RULES, is_4k=False),
    ]


def downloads(events: list[Event]) -> list[tuple[str, str | None, list[int]]]:
    """(event type, download id, episode numbers) of each *arr event."""
    return [
        (type(event).__name__, event.download_id, [ref.episode for ref in event.episodes])
        for event in events
        if isinstance(event, Grabbed | Imported)
    ]


def apply(driver: Driver, events: list[Event]) -> list[list[Change]]:
    """Apply every event a minute apart; the changes of each."""
    result = []
    for event in events:
        driver.now += timedelta(minutes=1)
        result.append(driver.tracker.apply(event, driver.now))
    return result


# --- 1. a movie missed entirely -------------------------------------------------------------------------------


@pytest.mark.parametrize("history_first", [False, True])
def test_movie_requested_grabbed_and_imported_while_down(history_first: bool) -> None:
    seerr = seerr_request_events(record("seerr_movie_request"), record("seerr_movie_details"), RULES)
    arr = arr_history_events("radarr", history("radarr_history"), RULES, is_4k=False)
    # Newest first from the API, with a rename in between: the rename is ignored, and the grab is left out because
    # the import of the same movie follows it (the import carries the download id too).
    (imported,) = arr
    assert isinstance(imported, Imported)
    assert imported.download_id == DUNE_HASH
    assert [(item.path, item.quality) for item in imported.files] == [(DUNE_FILE, "Remux-2160p")]

    driver = Driver()
    apply(driver, [*arr, *seerr] if history_first else [*seerr, *arr])
    request = driver.only()
    assert request.state is RequestState.IMPORTING
    assert (request.download_id, request.final_path, request.quality) == (DUNE_HASH, DUNE_FILE, "Remux-2160p")
    assert (request.title, request.year, request.poster_url) == ("Dune: Part Two", 2024, DUNE_POSTER)
    assert (request.jellyseerr_request_id, request.requested_by) == ("16", "Alice")
    assert (request.tmdb_id, request.imdb_id, request.is_4k, request.is_anime) == (693134, "tt15239678", False, False)
    assert_queries_exact(driver.tracker)


def test_grab_row_not_yet_imported_is_grabbed() -> None:
    rows = [row for row in history("radarr_history") if row["eventType"] == "grabbed"]
    (grab,) = arr_history_events("radarr", rows, RULES, is_4k=False)
    assert isinstance(grab, Grabbed)
    assert (grab.download_id, grab.quality, grab.download_client_type) == (DUNE_HASH, "Bluray-2160p", "qBittorrent")
    assert grab.release_title == "Dune.Part.Two.2024.2160p.UHD.BluRay.REMUX.HDR.HEVC.TrueHD.Atmos-FraMeSToR"
    assert (grab.media.title, grab.media.year, grab.media.tmdb_id, grab.media.tvdb_id) == (
        "Dune: Part Two",
        2024,
        693134,
        None,
    )
    assert grab.media.poster_url == "https://image.tmdb.org/t/p/original/poster-path-example.jpg"
    driver = Driver()
    apply(driver, [*seerr_request_events(record("seerr_movie_request"), None, RULES), grab])
    assert (driver.only().state, driver.only().download_id) == (RequestState.GRABBING, DUNE_HASH)


def test_a_later_grab_replaces_the_earlier_one() -> None:
    (grab,) = [row for row in history("radarr_history") if row["eventType"] == "grabbed"]
    first = {**grab, "downloadId": "FEEDFACE" * 5, "date": "2024-05-20T17:00:00Z", "id": 400}
    failed = {**first, "eventType": "downloadFailed", "date": "2024-05-20T17:30:00Z", "id": 401}
    events = arr_history_events("radarr", [grab, failed, first], RULES, is_4k=False)
    assert downloads(events) == [("Grabbed", DUNE_HASH, [])]


def test_order_of_the_sources_does_not_matter() -> None:
    seerr_first, arr_first = Driver(), Driver()
    events = movie_events()
    apply(seerr_first, events)
    apply(arr_first, [*events[1:], events[0]])
    assert summary(seerr_first.tracker) == summary(arr_first.tracker)


# --- 2. a request the webhooks already started ----------------------------------------------------------------


def test_catch_up_finishes_the_request_the_webhooks_started() -> None:
    driver = Driver()
    driver.run("jellyseerr/movie_approved", "radarr/grab")
    request = driver.only()
    assert request.state is RequestState.GRABBING

    changes = [change for changes in apply(driver, movie_events()) for change in changes]
    assert driver.only() is request
    assert [(change.old_state, change.new_state) for change in changes] == [
        (RequestState.GRABBING, RequestState.IMPORTING)
    ]
    assert not any(change.created or change.notice for change in changes)
    assert (request.jellyseerr_request_id, request.duplicate_request_ids) == ("16", [])
    assert (request.final_path, request.download_ids) == (DUNE_FILE, [DUNE_HASH])


# --- 3. a season pack, one history row per episode -------------------------------------------------------------


def test_tv_season_pack_imports_fill_every_episode_row() -> None:
    rows = history("sonarr_history_pack")
    # While the pack downloads, its 4 grab rows (one per episode) are ONE Grabbed, as its webhook was.
    grabs = arr_history_events("sonarr", [row for row in rows if row["eventType"] == "grabbed"], RULES, is_4k=False)
    assert downloads(grabs) == [("Grabbed", E05_HASH, [5]), ("Grabbed", PACK_HASH, [1, 2, 3, 4])]

    events = tv_events()
    notified, *arr = events
    assert isinstance(notified, RequestNotified)
    assert (notified.kind, notified.jellyseerr_request_id, notified.requested_seasons) == (Kind.APPROVED, "19", (1,))
    assert (notified.media.title, notified.media.year, notified.media.tvdb_id) == ("Chernobyl", 2019, 360893)
    # Once imported, the pack's grab adds nothing: one Imported per file, and E05's grab, still downloading.
    assert downloads(arr) == [
        ("Grabbed", E05_HASH, [5]),
        *[("Imported", PACK_HASH, [number]) for number in range(1, 5)],
    ]

    driver = Driver()
    apply(driver, events)
    request = driver.only()
    assert (request.media_type, request.requested_seasons, request.jellyseerr_request_id) == (MediaType.TV, [1], "19")
    for number in range(1, 5):
        row = request.episodes[(1, number)]
        assert (row.state, row.download_id, row.quality) == (EpisodeState.IMPORTING, PACK_HASH, "Bluray-1080p")
        assert row.final_path is not None
        assert row.final_path.startswith(f"/data/media/tv/Chernobyl/Season 01/Chernobyl - S01E{number:02d} - ")
    last = request.episodes[(1, 5)]
    assert (last.state, last.download_id, last.final_path) == (EpisodeState.GRABBING, E05_HASH, None)
    assert (last.title, last.sonarr_episode_id, last.tvdb_id) == ("Vichnaya Pamyat", 1205, 6932235)
    assert request.state is RequestState.GRABBING
    assert request.state_text() == "4 importing, 1 queued"
    assert request.grabbed_text() == "Grabbed 5 eps"
    assert len(request.final_paths) == 4
    assert_queries_exact(driver.tracker)


def test_rows_of_one_multi_episode_file_are_one_import() -> None:
    rows = [row for row in history("sonarr_history_pack") if row["eventType"] == "downloadFolderImported"][:2]
    rows[1]["data"]["importedPath"] = rows[0]["data"]["importedPath"]
    (imported,) = arr_history_events("sonarr", rows, RULES, is_4k=False)
    assert isinstance(imported, Imported)
    assert [ref.episode for ref in imported.episodes] == [3, 4]
    assert [[ref.episode for ref in item.episodes] for item in imported.files] == [[3, 4]]


# --- 4. idempotent ---------------------------------------------------------------------------------------------


def test_running_the_same_catch_up_twice_changes_nothing() -> None:
    def catch_up() -> list[Event]:
        # The pack is imported, so only E05 is still in Sonarr's queue.
        queued = [item for item in record("sonarr_queue")["records"] if item["episode"]["episodeNumber"] == 5]
        return [
            *movie_events(),
            *tv_events(),
            *arr_queue_events("radarr", record("radarr_queue")["records"], RULES, is_4k=False),
            *arr_queue_events("sonarr", queued, RULES, is_4k=False),
        ]

    driver = Driver()
    first = apply(driver, catch_up())
    assert all(first[index] for index in (0, 2, 3))
    before = summary(driver.tracker)
    again = catch_up()
    assert apply(driver, again) == [[] for _ in again]
    assert summary(driver.tracker) == before


def test_two_live_downloads_of_one_series_replayed_change_nothing() -> None:
    """Grabs the tracker already holds are not replayed: the request's current download would flip back."""
    driver = Driver()
    events = [*seerr_request_events(record("seerr_tv_request"), None, RULES), *queue_events()]
    assert without_known_grabs(events, driver.tracker.knows_download) == events
    apply(driver, events)
    # Replayed as they are, the older live download becomes the current one again: a change, on every run.
    assert any(apply(driver, events))
    again = without_known_grabs(events, driver.tracker.knows_download)
    assert [event for event in again if isinstance(event, Grabbed)] == []
    assert apply(driver, again) == [[] for _ in again]


@pytest.mark.parametrize("download", ["radarr/download", "radarr/download_before_5_10_1"])
def test_catch_up_over_webhooks_that_did_arrive_changes_nothing(download: str) -> None:
    """History's importedPath is the library file (folder + relativePath), as the webhook's path, old Radarr too."""
    driver = Driver()
    driver.run("jellyseerr/movie_approved", "radarr/grab", download)
    events = movie_events()
    assert apply(driver, events) == [[] for _ in events]


# --- 5. statuses, 4K, malformed records ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "media_status", "kinds", "state"),
    [
        (1, 2, [Kind.PENDING], RequestState.REQUESTED),
        (2, 3, [Kind.APPROVED], RequestState.APPROVED),
        (2, 5, [Kind.APPROVED, Kind.AVAILABLE], RequestState.AVAILABLE),  # Jellyseerr <= 2.5: no COMPLETED yet
        (3, 1, [Kind.DECLINED], RequestState.FAILED),
        (4, 3, [Kind.FAILED], RequestState.FAILED),
        (5, 5, [Kind.APPROVED, Kind.AVAILABLE], RequestState.AVAILABLE),
        (5, 7, [Kind.APPROVED], RequestState.APPROVED),  # COMPLETED because the media was DELETED
        ("5", "5", [Kind.APPROVED, Kind.AVAILABLE], RequestState.AVAILABLE),
    ],
)
def test_request_status_becomes_its_notifications(
    status: object, media_status: object, kinds: list[Kind], state: RequestState
) -> None:
    data = record("seerr_movie_request")
    data["status"], data["media"]["status"] = status, media_status
    events = seerr_request_events(data, record("seerr_movie_details"), RULES)
    assert [event.kind for event in events if isinstance(event, RequestNotified)] == kinds
    driver = Driver()
    apply(driver, events)
    assert driver.only().state is state


def test_declined_and_failed_requests_fail_with_the_webhook_reason() -> None:
    reasons = []
    for status in (3, 4):
        data = record("seerr_movie_request")
        data["status"] = status
        driver = Driver()
        apply(driver, seerr_request_events(data, None, RULES))
        reasons.append(driver.only().reason)
    assert reasons == ["Declined in Jellyseerr", "Jellyseerr could not send the request to Radarr/Sonarr"]


def test_4k_request_reads_status4k_and_stays_apart_from_the_normal_one() -> None:
    normal = record("seerr_movie_request")
    normal["media"].update(status=5, status4k=3)
    four_k = copy.deepcopy(normal)
    four_k.update(id=17, is4k=True)
    details = record("seerr_movie_details")
    normal_events = seerr_request_events(normal, details, RULES)
    four_k_events = seerr_request_events(four_k, details, RULES)
    assert [event.kind for event in normal_events if isinstance(event, RequestNotified)] == [
        Kind.APPROVED,
        Kind.AVAILABLE,
    ]
    assert [event.kind for event in four_k_events if isinstance(event, RequestNotified)] == [Kind.APPROVED]

    driver = Driver()
    four_k_history = arr_history_events("radarr", history("radarr_history"), RULES, is_4k=True)
    apply(driver, [*normal_events, *four_k_events, *four_k_history])
    by_id = {request.jellyseerr_request_id: request for request in driver.tracker.requests.values()}
    assert (by_id["16"].state, by_id["16"].is_4k, by_id["16"].final_path) == (RequestState.AVAILABLE, False, None)
    assert (by_id["17"].state, by_id["17"].is_4k, by_id["17"].final_path) == (RequestState.IMPORTING, True, DUNE_FILE)


def test_malformed_seerr_records_are_skipped_and_the_others_applied() -> None:
    good = record("seerr_movie_request")
    tv = record("seerr_tv_request")
    media = good["media"]
    bad: list[Any] = [
        "not an object",
        {},
        {**good, "media": None},
        {**good, "media": "movie"},
        {**good, "status": 9},
        {**good, "status": "approved"},
        {**good, "type": "music", "media": {**media, "mediaType": "music"}},
        {**good, "media": {**media, "tmdbId": "tt15239678"}},
        {**good, "media": {**media, "tmdbId": None}},
        {**good, "id": None},
        {**good, "requestedBy": "Alice"},
        {**tv, "seasons": [{"id": 31, "seasonNumber": "one"}]},
    ]
    for item in bad:
        assert seerr_request_events(item, None, RULES) == [], item
    events = [event for item in [*bad, good] for event in seerr_request_events(item, None, RULES)]
    driver = Driver()
    apply(driver, events)
    assert (driver.only().state, driver.only().jellyseerr_request_id) == (RequestState.APPROVED, "16")


def test_malformed_history_rows_are_skipped_and_the_others_applied() -> None:
    rows = history("radarr_history")
    grab = next(row for row in rows if row["eventType"] == "grabbed")
    imported = next(row for row in rows if row["eventType"] == "downloadFolderImported")
    bad: list[Any] = [
        None,
        "grabbed",
        {**grab, "movie": None},  # includeMovie forgotten
        {**grab, "movie": {**grab["movie"], "tmdbId": 0}},
        {**grab, "movie": {**grab["movie"], "title": ""}},
        {**grab, "date": "yesterday"},
        {**grab, "date": None},
        {**grab, "quality": "Bluray-2160p"},
        {**grab, "downloadId": {"hash": DUNE_HASH}},
        {**imported, "data": {"droppedPath": "/data/torrents/x.mkv"}},
        {**grab, "eventType": 1},  # names are camelCase strings; a number is nothing we follow
    ]
    assert arr_history_events("radarr", bad, RULES, is_4k=False) == []
    events = arr_history_events("radarr", [*bad, *rows], RULES, is_4k=False)
    assert events == arr_history_events("radarr", rows, RULES, is_4k=False)

    pack = history("sonarr_history_pack")
    series_row = pack[-1]
    sonarr_bad: list[Any] = [
        {key: value for key, value in series_row.items() if key != "episode"},  # includeEpisode forgotten
        {**series_row, "episode": {**series_row["episode"], "seasonNumber": None}},
        {**series_row, "series": {**series_row["series"], "tvdbId": 0, "tmdbId": 0}},
    ]
    assert arr_history_events("sonarr", sonarr_bad, RULES, is_4k=False) == []
    driver = Driver()
    apply(driver, arr_history_events("sonarr", [*sonarr_bad, *pack], RULES, is_4k=False))
    assert driver.only().state_text() == "4 importing, 1 queued"


def test_history_dates_without_an_offset_still_sort() -> None:
    rows = [row for row in history("sonarr_history_pack") if row["eventType"] == "grabbed"]  # newest first
    for row in rows:
        row["date"] = row["date"].removesuffix("Z")
    rows[0]["date"] += "+00:00"  # mixed: naive and aware dates in one answer
    events = arr_history_events("sonarr", rows, RULES, is_4k=False)
    assert [event.download_id for event in events if isinstance(event, Grabbed)] == [E05_HASH, PACK_HASH]


# --- 6. the queue ----------------------------------------------------------------------------------------------


def test_download_in_the_queue_without_history_is_grabbing() -> None:
    records = record("radarr_queue")["records"]
    # A delayed release (no downloadId yet) and an unknown item (no movie) are skipped.
    (grab,) = arr_queue_events("radarr", records, RULES, is_4k=False)
    assert isinstance(grab, Grabbed)
    assert (grab.download_id, grab.quality, grab.download_client_type) == (DUNE_HASH, "Bluray-2160p", None)

    driver = Driver()
    apply(driver, [*seerr_request_events(record("seerr_movie_request"), None, RULES), grab])
    request = driver.only()
    assert (request.state, request.download_id) == (RequestState.GRABBING, DUNE_HASH)
    assert driver.tracker.awaited_downloads() == frozenset({DUNE_HASH})


def test_sonarr_queue_gives_one_grab_per_download() -> None:
    records = record("sonarr_queue")["records"]
    bad: list[Any] = [None, {**records[0], "downloadId": ["x"]}, {**records[0], "series": None}]
    events = arr_queue_events("sonarr", [*bad, *records], RULES, is_4k=False)
    assert downloads(events) == [("Grabbed", PACK_HASH, [1, 2, 3, 4]), ("Grabbed", E05_HASH, [5])]
    driver = Driver()
    apply(driver, [*seerr_request_events(record("seerr_tv_request"), None, RULES), *events])
    request = driver.only()
    assert (request.state, request.state_text()) == (RequestState.GRABBING, "5 queued")
    assert {row.download_id for row in request.episodes.values()} == {PACK_HASH, E05_HASH}


# --- fields -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected", "email"),
    [
        (
            {"displayName": "Alice", "email": "alice@example.com", "jellyfinUsername": "alice"},
            "Alice",
            "alice@example.com",
        ),
        ({"email": "bob@example.com", "username": None, "jellyfinUsername": "bob"}, "bob", "bob@example.com"),
        ({"email": "carol@example.com", "plexUsername": "carol_plex"}, "carol_plex", "carol@example.com"),
        # Seerr's displayName is the email when the user has no name: never show it (it still finds the person).
        ({"displayName": "Dave@Example.com", "email": "dave@example.com"}, None, "dave@example.com"),
        ({"displayName": "erin@example.org"}, None, None),
        (None, None, None),
    ],
)
def test_requester_is_a_name_never_the_email(
    user: dict[str, Any] | None, expected: str | None, email: str | None
) -> None:
    data = record("seerr_movie_request")
    data["requestedBy"] = user
    (event,) = seerr_request_events(data, None, RULES)
    assert isinstance(event, RequestNotified)
    assert (event.requested_by, event.requested_by_email) == (expected, email)


def test_without_details_the_title_is_a_placeholder() -> None:
    (movie,) = seerr_request_events(record("seerr_movie_request"), None, RULES)
    assert isinstance(movie, RequestNotified)
    assert (movie.media.title, movie.media.year, movie.media.poster_url) == ("TMDB 693134", None, None)
    assert movie.media.imdb_id == "tt15239678"  # from the record's media

    tv = record("seerr_tv_request")
    tv["media"]["tmdbId"] = None
    unreadable = {"name": {"en": "Chernobyl"}, "posterPath": "/x.jpg"}  # a bad details answer is ignored whole
    (show,) = seerr_request_events(tv, unreadable, RULES)
    assert isinstance(show, RequestNotified)
    assert (show.media.title, show.media.tvdb_id, show.media.poster_url) == ("TVDB 360893", 360893, None)


def test_details_fill_what_the_record_lacks() -> None:
    data = record("seerr_tv_request")
    details = record("seerr_tv_details")
    (event,) = seerr_request_events(data, details, RULES)
    assert isinstance(event, RequestNotified)
    media = event.media
    assert (media.title, media.year, media.imdb_id) == ("Chernobyl", 2019, "tt7366338")
    assert media.poster_url == "https://image.tmdb.org/t/p/w600_and_h900_bestv2/hlLXt2tOPT6RRnjiUmoxyG1LTFi.jpg"
    details.update(firstAirDate="", posterPath=None, externalIds=None)
    (bare,) = seerr_request_events(data, details, RULES)
    assert isinstance(bare, RequestNotified)
    assert (bare.media.title, bare.media.year, bare.media.poster_url, bare.media.imdb_id) == (
        "Chernobyl",
        None,
        None,
        None,
    )


def test_loose_values_are_read_as_the_webhook_parsers_read_them() -> None:
    data = record("seerr_tv_request")
    del data["media"]["mediaType"]  # the request's own `type` says tv
    data.update(id="19", is4k="false", status="2")
    data["media"].update(tmdbId="87108", tvdbId=" 360893 ")
    data["seasons"] = [{"seasonNumber": "2"}, {"seasonNumber": 1}, {"seasonNumber": 2}, "junk"]
    (event,) = seerr_request_events(data, None, RULES)
    assert isinstance(event, RequestNotified)
    assert (event.media.media_type, event.media.tmdb_id, event.media.tvdb_id) == (MediaType.TV, 87108, 360893)
    assert (event.jellyseerr_request_id, event.requested_seasons, event.media.is_4k) == ("19", (1, 2), False)
    data["seasons"] = []
    (no_seasons,) = seerr_request_events(data, None, RULES)
    assert isinstance(no_seasons, RequestNotified)
    assert no_seasons.requested_seasons is None  # unknown, not "no season": every season stays in scope


def test_anime_from_series_type_and_paths_never_from_tag_ids() -> None:
    rules = AnimeRules(tag_label="1", path_prefixes=("/data/media/anime",))
    # Tag id 1 is not the label "1": REST tags are ids.
    assert not any(
        event.media.is_anime
        for event in arr_history_events("radarr", history("radarr_history"), rules, is_4k=False)
        if isinstance(event, Grabbed | Imported)
    )
    rows = history("sonarr_history_pack")
    for row in rows:
        row["series"] = {**row["series"], "seriesType": "anime"}
    assert all(
        event.media.is_anime
        for event in arr_history_events("sonarr", rows, rules, is_4k=False)
        if isinstance(event, Grabbed | Imported)
    )
    moved = history("radarr_history")
    for row in moved:
        row["movie"] = {**row["movie"], "path": "/data/media/anime/Dune - Part Two (2024)"}
    assert all(
        event.media.is_anime
        for event in arr_history_events("radarr", moved, rules, is_4k=False)
        if isinstance(event, Grabbed | Imported)
    )
    request = record("seerr_movie_request")
    request["rootFolder"] = "/data/media/anime"
    (notified,) = seerr_request_events(request, None, rules)
    assert isinstance(notified, RequestNotified)
    assert notified.media.is_anime


def test_poster_falls_back_to_remote_poster() -> None:
    (row,) = [row for row in history("radarr_history") if row["eventType"] == "grabbed"]
    row["movie"] = {**row["movie"], "images": [], "remotePoster": "https://image.tmdb.org/t/p/original/x.jpg"}
    (grab,) = arr_history_events("radarr", [row], RULES, is_4k=False)
    assert isinstance(grab, Grabbed)
    assert grab.media.poster_url == "https://image.tmdb.org/t/p/original/x.jpg"
