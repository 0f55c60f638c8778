"""Downloads in another client than qBittorrent (issue 12.2): followed through the *arr and Jellyfin only.

Radarr >= 4.1.0 and Sonarr >= 3.0.7 send `downloadClientType` (the client implementation's `Name`, e.g. "qBittorrent",
"Transmission", "Deluge") and `downloadClient` (the name the user gave it) with every Grab; older versions send only
`downloadClient`, holding the implementation's name.
"""

from __future__ import annotations

from datetime import timedelta
import json
from typing import Any

import pytest

from custom_components.status_tracker.core.catchup import arr_history_events, arr_queue_events
from custom_components.status_tracker.core.events import Grabbed
from custom_components.status_tracker.core.models import MediaRequest, RequestState
from custom_components.status_tracker.core.parsers import radarr, sonarr
from custom_components.status_tracker.core.tracker import Tracker

from ..helpers import DUNE_HASH, E05_HASH, PACK_HASH
from .helpers import RULES, Driver, assert_queries_exact, load

TRANSMISSION = {"downloadClient": "Seedbox", "downloadClientType": "Transmission"}


def grab(fixture: str, **fields: Any) -> dict[str, Any]:
    """A Grab fixture with some top-level fields replaced."""
    payload: dict[str, Any] = load(fixture)
    payload.update(fields)
    return payload


def test_parsers_read_the_client_name_and_type() -> None:
    (movie,) = radarr.parse(grab("radarr/grab", **TRANSMISSION), RULES)
    deluge = {"downloadClient": "Deluge (NAS)", "downloadClientType": "Deluge"}
    (series,) = sonarr.parse(grab("sonarr/grab_episode", **deluge), RULES)
    assert isinstance(movie, Grabbed)
    assert isinstance(series, Grabbed)
    assert (movie.download_client, movie.download_client_type) == ("Seedbox", "Transmission")
    assert (series.download_client, series.download_client_type) == ("Deluge (NAS)", "Deluge")


def test_movie_in_another_client_is_never_awaited_in_qbittorrent() -> None:
    driver = Driver()
    driver.post("jellyseerr/movie_auto_approved")
    driver.post("radarr/grab", grab("radarr/grab", **TRANSMISSION))
    request = driver.only()
    assert (request.state, request.download_id) == (RequestState.GRABBING, DUNE_HASH)
    assert request.download_client == "Seedbox"
    assert driver.tracker.awaited_downloads() == frozenset()
    assert_queries_exact(driver.tracker)
    # The *arr and Jellyfin still move it.
    driver.run("radarr/download", "jellyfin/movie_item_added")
    assert request.state is RequestState.AVAILABLE


@pytest.mark.parametrize("client_type", ["qBittorrent", "QBittorrent"])
def test_movie_in_qbittorrent_is_awaited(client_type: str) -> None:
    driver = Driver()
    driver.post("radarr/grab", grab("radarr/grab", downloadClient="qBit (home)", downloadClientType=client_type))
    assert driver.only().download_client == "qBit (home)"
    assert driver.tracker.awaited_downloads() == {DUNE_HASH}
    assert_queries_exact(driver.tracker)


def test_grab_without_a_client_type_is_awaited_as_before() -> None:
    """Radarr before 4.1 / Sonarr before 3.0.7: `downloadClient` only, holding the implementation's name."""
    payload = grab("radarr/grab", downloadClient="Transmission")
    del payload["downloadClientType"]
    driver = Driver()
    driver.post("radarr/grab", payload)
    assert driver.only().download_client == "Transmission"
    assert driver.tracker.awaited_downloads() == {DUNE_HASH}


def test_episodes_wait_only_on_the_downloads_of_qbittorrent() -> None:
    """A season pack in Transmission and one episode in qBittorrent: only the episode's torrent is polled."""
    driver = Driver()
    driver.post("jellyseerr/tv_auto_approved")
    driver.post("sonarr/grab_season_pack", grab("sonarr/grab_season_pack", **TRANSMISSION))
    assert driver.tracker.awaited_downloads() == frozenset()
    driver.post("sonarr/grab_episode")
    request = driver.only()
    assert driver.tracker.awaited_downloads() == {E05_HASH}
    assert request.download_client == "qBittorrent"  # the request's current download: the episode's
    assert_queries_exact(driver.tracker)
    # A Grab repeated without its type (the queue's catch-up) changes nothing; one that says qBittorrent is polled.
    driver.post("sonarr/grab_season_pack", grab("sonarr/grab_season_pack", downloadClientType=None))
    assert driver.tracker.awaited_downloads() == {E05_HASH}
    driver.post("sonarr/grab_season_pack")
    assert driver.tracker.awaited_downloads() == {E05_HASH, PACK_HASH}
    assert_queries_exact(driver.tracker)


def test_client_survives_storage_and_compaction() -> None:
    driver = Driver()
    driver.post("jellyseerr/movie_auto_approved")
    driver.post("radarr/grab", grab("radarr/grab", **TRANSMISSION))
    stored = json.loads(json.dumps(driver.tracker.to_dict()))
    (data,) = stored["requests"]
    assert (data["download_client"], data["unpolled_download_ids"]) == ("Seedbox", [DUNE_HASH])
    restored = Tracker.from_dict(stored)
    assert restored.awaited_downloads() == frozenset()
    (request,) = restored.requests.values()
    assert request.download_client == "Seedbox"
    assert MediaRequest.from_dict(request.to_dict()).fingerprint() == request.fingerprint()
    # Finished and compacted: both stay (request-level data is never compacted).
    copy = Driver(restored)
    copy.now = driver.now
    copy.run("radarr/download", "jellyfin/movie_item_added")
    assert restored.retire(copy.now + timedelta(days=30), timedelta(days=7)).retired == [request.request_id]
    compacted = request.to_dict()
    assert (compacted["download_client"], compacted["unpolled_download_ids"]) == ("Seedbox", [DUNE_HASH])
    # Data stored before the field existed loads with nothing unpolled.
    del data["download_client"], data["unpolled_download_ids"]
    assert Tracker.from_dict(stored).awaited_downloads() == {DUNE_HASH}


def test_catch_up_records_carry_the_client() -> None:
    """History rows hold the type in data.downloadClient and the name in data.downloadClientName; the queue only
    the name, in downloadClient.
    """
    rows = [row for row in load("catchup/radarr_history") if row["eventType"] == "grabbed"]
    for row in rows:
        row["data"].update(downloadClient="Transmission", downloadClientName="Seedbox")
    (from_history,) = arr_history_events("radarr", rows, RULES, is_4k=False)
    queue = load("catchup/radarr_queue")["records"]
    (from_queue,) = arr_queue_events("radarr", queue, RULES, is_4k=False)
    assert isinstance(from_history, Grabbed)
    assert isinstance(from_queue, Grabbed)
    assert (from_history.download_client, from_history.download_client_type) == ("Seedbox", "Transmission")
    assert (from_queue.download_client, from_queue.download_client_type) == ("qBit (home)", None)

    driver = Driver()
    driver.tracker.apply(from_history, driver.now)
    assert driver.tracker.awaited_downloads() == frozenset()
    assert driver.only().download_client == "Seedbox"
