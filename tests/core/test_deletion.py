"""core/deletion.py: what may go given the other requests and what the services answer; the response it makes."""

from __future__ import annotations

from typing import Any

from custom_components.status_tracker.core import deletion
from custom_components.status_tracker.core.deletion import Arr, DeleteOptions, Item
from custom_components.status_tracker.core.models import Episode, MediaRequest, MediaType

from .helpers import T0

SONARR = Arr("sonarr", "Sonarr")
RADARR = Arr("radarr_4k", "Radarr 4K")
WITH_FILES = DeleteOptions(arr=True, delete_files=True)
SERIES = {"id": 12, "title": "Chernobyl", "path": "/tv/Chernobyl", "statistics": {"sizeOnDisk": 40}}


def request(request_id: str, media_type: MediaType = MediaType.TV, **fields: Any) -> MediaRequest:
    return MediaRequest(request_id=request_id, media_type=media_type, title="Chernobyl", created_at=T0,
                        updated_at=T0, tmdb_id=87108, tvdb_id=360893, **fields)  # fmt: skip


def files(*seasons: int) -> list[dict[str, Any]]:
    """Two episode files per season, ids 100 * season + 1 and + 2, 10 bytes each."""
    return [{"id": 100 * s + n, "seasonNumber": s, "path": f"/tv/Chernobyl/S{s:02d}E{n:02d}.mkv", "size": 10}
            for s in seasons for n in (1, 2)]  # fmt: skip


def calls(plan: deletion.ServicePlan) -> list[dict[str, Any]]:
    return [action.as_view(plan.root) for action in plan.actions]


def test_season_of_another_request_is_kept() -> None:
    mine = request("b", requested_seasons=[2], jellyseerr_request_id="20")
    other = request("a", requested_seasons=[1], jellyseerr_request_id="19")
    plan = deletion.plan_series(mine, [other], SERIES, files(1, 2), arr=SONARR, options=WITH_FILES)
    assert calls(plan) == [
        {"method": "DELETE", "path": "/api/v3/episodefile/bulk", "body": {"episodeFileIds": [201, 202]}}
    ]
    assert plan.kept == (
        Item("season", 1, "Chernobyl season 1", reason="Chernobyl (Jellyseerr request 19) asked for it"),
    )
    # Without delete_files, Sonarr has no way to delete a season: the files are said to stay, nothing is sent.
    kept = deletion.plan_series(mine, [other], SERIES, files(1, 2), arr=SONARR, options=DeleteOptions(arr=True))
    assert kept.actions == ()
    assert [(item.kind, item.id) for item in kept.kept] == [("season", 1), ("episode_file", 201), ("episode_file", 202)]
    assert kept.kept[1].reason == "Sonarr deletes a season only with its files: delete_files is off"


def test_another_request_for_every_season_keeps_everything() -> None:
    mine = request("b", requested_seasons=[2])
    other = request("a")  # no requested seasons: every season
    plan = deletion.plan_series(mine, [other], SERIES, files(1, 2), arr=SONARR, options=WITH_FILES)
    assert plan.actions == ()
    assert [item.id for item in plan.kept] == [1, 2]


def test_unrequested_seasons_with_files_keep_the_series() -> None:
    """Files of a season nobody requested (added in Sonarr by hand) are not this request's: no series delete."""
    plan = deletion.plan_series(
        request("a", requested_seasons=[1]), [], SERIES, files(1, 2), arr=SONARR, options=WITH_FILES
    )
    assert calls(plan)[0]["body"] == {"episodeFileIds": [101, 102]}
    assert plan.kept == (Item("season", 2, "Chernobyl season 2", reason="not requested here"),)


def test_sole_request_deletes_the_series() -> None:
    options = DeleteOptions(arr=True, add_import_exclusion=True)
    plan = deletion.plan_series(
        request("a", requested_seasons=[1, 2]), [], SERIES, files(1, 2), arr=SONARR, options=options
    )
    assert calls(plan) == [{"method": "DELETE", "path": "/api/v3/series/12",
                            "params": {"deleteFiles": "false", "addImportListExclusion": "true"}}]  # fmt: skip
    assert plan.kept == (Item("series", 12, "Chernobyl", "/tv/Chernobyl", 40, "its files stay: delete_files is off"),)
    # A request removed from Sonarr no longer owns anything.
    removed = request("b", requested_seasons=[1], removed=True)
    assert deletion.others_of(request("a"), [request("a"), removed]) == []


def test_movie_of_another_request_in_the_same_radarr_is_kept() -> None:
    mine = request("a", MediaType.MOVIE, is_4k=True)
    movie = {"id": 42, "title": "Dune", "path": "/movies/Dune", "sizeOnDisk": 5}
    other_4k = request("b", MediaType.MOVIE, is_4k=True, jellyseerr_request_id="17")
    plan = deletion.plan_movie(mine, [other_4k], movie, arr=RADARR, options=WITH_FILES)
    assert (plan.actions, plan.kept[0].reason) == ((), "Chernobyl (Jellyseerr request 17) wants it too")
    other_hd = request("b", MediaType.MOVIE)
    plan = deletion.plan_movie(mine, [other_hd], movie, arr=RADARR, options=WITH_FILES)
    assert calls(plan) == [{"method": "DELETE", "path": "/api/v3/movie/42",
                            "params": {"deleteFiles": "true", "addImportExclusion": "false"}}]  # fmt: skip
    assert plan.actions[0].items == (Item("movie", 42, "Dune", "/movies/Dune", 5),)


def test_torrents() -> None:
    """Every hash of the request and its episodes, but another client's; one another request holds is kept."""
    mine = request(
        "a",
        download_ids=["AAA", "BBB", "CCC"],
        unpolled_download_ids=("CCC",),
        episodes={(1, 1): Episode(1, 1, download_id="DDD")},
    )
    assert deletion.torrent_hashes(mine) == ["aaa", "bbb", "ddd"]
    other = request("b", download_ids=["bbb"], jellyseerr_request_id="19")
    held = [{"hash": "aaa", "name": "A", "total_size": 3, "content_path": "/t/A"}, {"hash": "bbb", "name": "B"}]
    plan = deletion.plan_torrents(mine, [other], held, DeleteOptions(torrents=True))
    assert calls(plan) == [{"method": "POST", "path": "/api/v2/torrents/delete",
                            "params": {"hashes": "aaa", "deleteFiles": "false"}}]  # fmt: skip
    assert plan.kept == (Item("torrent", "bbb", "B", reason="Chernobyl (Jellyseerr request 19) uses it too"),)
    assert plan.gone == (Item("torrent", "ddd"),)


def test_seerr_media_record() -> None:
    """Requests Seerr no longer lists are gone; the media record stays while a request not ours is on it."""
    mine = request("a", jellyseerr_request_id="19", duplicate_request_ids=["21"])
    plan = deletion.plan_seerr(mine, {"id": 9, "requests": [{"id": 19}, {"id": 20}]})
    assert calls(plan) == [{"method": "DELETE", "path": "/api/v1/request/19"}]
    assert plan.gone == (Item("request", 21, "Chernobyl"),)
    assert plan.kept == (Item("media", 9, "Chernobyl", reason="Jellyseerr request 20 is on it too"),)
    plan = deletion.plan_seerr(mine, None)
    assert [(item.kind, item.id) for item in plan.gone] == [("request", 19), ("request", 21), ("media", "tmdb:87108")]


def test_views_and_report() -> None:
    mine = request("a", jellyseerr_request_id="19")
    plan = deletion.plan_seerr(mine, {"id": 9, "requests": [{"id": 19}]})
    view = deletion.service_view(plan, [deletion.GONE, "HTTP 500"])
    assert view["deleted"] == []
    assert view["already_gone"] == [{"kind": "request", "id": 19, "title": "Chernobyl"}]
    assert view["failed"] == [{"kind": "media", "id": 9, "title": "Chernobyl", "error": "HTTP 500"}]
    views = {
        "jellyseerr": view,
        "sonarr": deletion.service_view(deletion.failed("sonarr", "Sonarr", "timed out"), None),
    }
    report = deletion.report(mine, views, dry_run=False)
    assert (report["failed"], report["half_removed"]) == (["Jellyseerr", "Sonarr"], False)  # nothing was deleted
    assert deletion.summary(views) == "Failed in Jellyseerr: HTTP 500; failed in Sonarr: timed out"
    assert deletion.summary({}) == "Nothing deleted"


def test_every_season_request_keeps_the_season_another_request_asked_for() -> None:
    """A request naming no season would own the whole series, but season 1 is another request's: not the series,
    only the other seasons' files."""
    other = request("a", requested_seasons=[1], jellyseerr_request_id="19")
    plan = deletion.plan_series(request("b"), [other], SERIES, files(1, 2, 3), arr=SONARR, options=WITH_FILES)
    assert calls(plan)[0]["body"] == {"episodeFileIds": [201, 202, 301, 302]}
    assert [(item.id, item.reason) for item in plan.kept] == [(1, "Chernobyl (Jellyseerr request 19) asked for it")]
