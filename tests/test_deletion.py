"""delete_media: what a dry run lists, the exact calls a real run makes, what stays for other requests, failures."""

from __future__ import annotations

import copy
from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import yaml

from custom_components.status_tracker.const import CONF_QBITTORRENT, CONF_RADARR, DOMAIN

from .fakes.deletion import QBT_URL, FakeDeleteApis, episode_file, torrent
from .fakes.services import FakeRemedyApis
from .helpers import DUNE_HASH, MOVIE_FLOW, PACK_HASH, ROOT, Services, get_requests, load_json, start_connected

DUNE = "sensor.media_requests_dune_part_two_2024"
CHERNOBYL = "sensor.media_requests_chernobyl_2019"
SEASON_2_HASH = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"
EVERYTHING = {"seerr": True, "arr": True, "delete_files": True, "torrents": True, "torrent_data": True, "record": True}
DUNE_FILE = "/data/media/movies/Dune - Part Two (2024)/Dune.Part.Two.2024.2160p.mkv"
DUNE_MOVIE = {"id": 42, "title": "Dune: Part Two", "tmdbId": 693134,
              "path": "/data/media/movies/Dune - Part Two (2024)", "sizeOnDisk": 76543210987, "hasFile": True,
              "movieFile": {"id": 7, "path": DUNE_FILE}}  # fmt: skip
CHERNOBYL_SERIES = {"id": 12, "title": "Chernobyl", "tvdbId": 360893, "path": "/data/media/tv/Chernobyl",
                    "statistics": {"sizeOnDisk": 6_000_000_000}}  # fmt: skip


@pytest.fixture
async def delete_stack(
    hass: HomeAssistant,
    delete_apis: FakeDeleteApis,
    entry_data: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
) -> Services:
    """An entry connected to Jellyseerr, Radarr, Sonarr and qBittorrent, answered by the fakes."""
    qbittorrent = {CONF_URL: QBT_URL, CONF_USERNAME: "admin", CONF_PASSWORD: "qbt-secret"}
    await start_connected(hass, {**entry_data, CONF_QBITTORRENT: qbittorrent})
    return Services(hass, hass_client_no_auth)


async def delete(hass: HomeAssistant, context: Context | None = None, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "delete_media", data, blocking=True, return_response=True, context=context
    )
    assert response is not None
    return dict(response)


def listed_calls(response: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str], Any]]:
    """The calls a response lists, in the fakes' `deletes` form."""
    return [
        (service, call["method"], call["path"], call.get("params", {}), call.get("body"))
        for service, view in response["services"].items()
        for call in view["calls"]
    ]


async def dune(delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis) -> None:
    """Dune, grabbed: in Radarr with its file, its torrent in qBittorrent, Jellyseerr request 16 on media record 8."""
    await delete_stack.run(*MOVIE_FLOW[:2])
    remedy_apis.movies[693134] = copy.deepcopy(DUNE_MOVIE)
    delete_apis.seerr_media[("movie", 693134)] = {"id": 8, "tmdbId": 693134, "status": 3, "requests": [{"id": 16}]}
    delete_apis.torrents[DUNE_HASH] = torrent(DUNE_HASH, "Dune.Part.Two.2024.2160p", 76543210987)


DUNE_DRY_RUN = {
    "qbittorrent": {
        "name": "qBittorrent",
        "would_delete": [{"kind": "torrent", "id": DUNE_HASH, "title": "Dune.Part.Two.2024.2160p",
                          "path": "/data/torrents/Dune.Part.Two.2024.2160p", "size": 76543210987}],
        "already_gone": [], "kept": [], "failed": [],
        "calls": [{"method": "POST", "path": "/api/v2/torrents/delete",
                   "params": {"hashes": DUNE_HASH, "deleteFiles": "true"}}],
    },
    "radarr": {
        "name": "Radarr",
        "would_delete": [{"kind": "movie", "id": 42, "title": "Dune: Part Two", "path": DUNE_FILE,
                          "size": 76543210987}],
        "already_gone": [], "kept": [], "failed": [],
        "calls": [{"method": "DELETE", "path": "/api/v3/movie/42",
                   "params": {"deleteFiles": "true", "addImportExclusion": "false"}}],
    },
    "jellyseerr": {
        "name": "Jellyseerr",
        "would_delete": [{"kind": "request", "id": 16, "title": "Dune: Part Two"},
                         {"kind": "media", "id": 8, "title": "Dune: Part Two"}],
        "already_gone": [], "kept": [], "failed": [],
        "calls": [{"method": "DELETE", "path": "/api/v1/request/16"}, {"method": "DELETE", "path": "/api/v1/media/8"}],
    },
}  # fmt: skip


async def test_dry_run_lists_everything_and_deletes_nothing(
    hass: HomeAssistant, delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis
) -> None:
    """The default is a dry run: every service is asked what it has, nothing is deleted, the sensor stays."""
    await dune(delete_stack, delete_apis, remedy_apis)
    (request,) = (await get_requests(hass))["requests"]
    response = await delete(hass, entity_id=DUNE, **EVERYTHING)
    record = {"kind": "record", "id": request["request_id"], "title": "Dune: Part Two"}
    assert response == {
        "dry_run": True,
        "request_id": request["request_id"],
        "title": "Dune: Part Two",
        "services": {
            **DUNE_DRY_RUN,
            "tracker": {"name": "Media Request Status Tracker", "would_delete": [record], "already_gone": [],
                        "kept": [], "failed": [], "calls": []},
        },
        "failed": [],
        "half_removed": False,
    }  # fmt: skip
    assert delete_apis.taken() == []
    assert hass.states.get(DUNE) is not None
    assert list(remedy_apis.movies) == [693134]
    assert list(delete_apis.torrents) == [DUNE_HASH]
    assert list(delete_apis.seerr_media) == [("movie", 693134)]
    (after,) = (await get_requests(hass))["requests"]
    assert after["timeline"] == request["timeline"]  # a dry run is not kept


async def test_real_run_calls_exactly_what_the_dry_run_listed(
    hass: HomeAssistant, delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis
) -> None:
    """dry_run false sends the listed calls, in order, with the listed parameters; then the record goes."""
    await dune(delete_stack, delete_apis, remedy_apis)
    dry = await delete(hass, entity_id=DUNE, **EVERYTHING, add_import_exclusion=True)
    response = await delete(hass, entity_id=DUNE, **EVERYTHING, add_import_exclusion=True, dry_run=False)
    assert (
        delete_apis.taken()
        == listed_calls(dry)
        == [
            ("qbittorrent", "POST", "/api/v2/torrents/delete", {"hashes": DUNE_HASH, "deleteFiles": "true"}, None),
            ("radarr", "DELETE", "/api/v3/movie/42", {"deleteFiles": "true", "addImportExclusion": "true"}, None),
            ("jellyseerr", "DELETE", "/api/v1/request/16", {}, None),
            ("jellyseerr", "DELETE", "/api/v1/media/8", {}, None),
        ]
    )
    assert listed_calls(response) == listed_calls(dry)
    for service, view in response["services"].items():
        assert view["deleted"] == dry["services"][service]["would_delete"]
        assert view["failed"] == []
    assert (response["dry_run"], response["failed"], response["half_removed"]) == (False, [], False)
    assert (remedy_apis.movies, delete_apis.torrents, delete_apis.seerr_media) == ({}, {}, {})
    assert hass.states.get(DUNE) is None
    assert er.async_get(hass).async_get(DUNE) is None
    assert (await get_requests(hass))["requests"] == []


async def test_only_what_was_chosen(
    hass: HomeAssistant, delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis
) -> None:
    """Each part is off unless asked: Radarr only, keeping the files, and torrents keeping their data."""
    await dune(delete_stack, delete_apis, remedy_apis)
    response = await delete(hass, request_id="16", arr=True, torrents=True, dry_run=False)
    assert delete_apis.taken() == [
        ("qbittorrent", "POST", "/api/v2/torrents/delete", {"hashes": DUNE_HASH, "deleteFiles": "false"}, None),
        ("radarr", "DELETE", "/api/v3/movie/42", {"deleteFiles": "false", "addImportExclusion": "false"}, None),
    ]
    assert list(response["services"]) == ["qbittorrent", "radarr"]
    assert response["services"]["radarr"]["kept"] == [
        {"kind": "movie", "id": 42, "title": "Dune: Part Two", "path": DUNE_FILE, "size": 76543210987,
         "reason": "its files stay: delete_files is off"}
    ]  # fmt: skip
    assert hass.states.get(DUNE) is not None
    (request,) = (await get_requests(hass))["requests"]
    note = request["timeline"][-1]
    assert (note["kind"], note["source"], note["code"]) == ("note", "automation", "delete_media")
    assert note["message"] == "Deleted in qBittorrent: 1 torrent; deleted in Radarr: 1 movie"


async def chernobyl_seasons(delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis) -> None:
    """Chernobyl season 1 (Jellyseerr request 19, its pack grabbed) and season 2 (request 20, its own pack)."""
    await delete_stack.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    season_2 = load_json("jellyseerr/tv_auto_approved.json")
    season_2["request"]["request_id"] = "20"
    season_2["extra"] = [{"name": "Requested Seasons", "value": "2"}]
    await delete_stack.post("jellyseerr/tv_auto_approved", season_2)
    grab = load_json("sonarr/grab_season_pack.json")
    for episode in grab["episodes"]:
        episode.update(seasonNumber=2, id=episode["id"] + 100)
    grab["downloadId"] = SEASON_2_HASH.upper()
    grab["release"]["releaseTitle"] = "Chernobyl.S02.1080p.BluRay.x264-ROVERS"
    await delete_stack.post("sonarr/grab_season_pack", grab)
    remedy_apis.series[360893] = copy.deepcopy(CHERNOBYL_SERIES)
    delete_apis.episode_files = [episode_file(501, 1, 1), episode_file(502, 1, 2),
                                 episode_file(601, 2, 1), episode_file(602, 2, 2)]  # fmt: skip
    delete_apis.seerr_media[("tv", 87108)] = {"id": 9, "tmdbId": 87108, "requests": [{"id": 19}, {"id": 20}]}
    delete_apis.torrents[PACK_HASH] = torrent(PACK_HASH, "Chernobyl.S01.1080p.BluRay.x264-ROVERS", 3_000_000_000)
    delete_apis.torrents[SEASON_2_HASH] = torrent(
        SEASON_2_HASH, "Chernobyl.S02.1080p.BluRay.x264-ROVERS", 3_000_000_000
    )


async def test_season_2_request_deletes_only_season_2(
    hass: HomeAssistant, delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis
) -> None:
    """Season 1 is another request's: only season 2's episode files go, never the series; its torrent and
    Jellyseerr request go, the media record stays for request 19."""
    await chernobyl_seasons(delete_stack, delete_apis, remedy_apis)
    assert len((await get_requests(hass))["requests"]) == 2
    dry = await delete(hass, request_id="20", **EVERYTHING)
    # The README shows this dry run.
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### `status_tracker.delete_media`")[1]
    shown = yaml.safe_load(section.split("```yaml\n")[2].split("```")[0])
    assert shown["services"]["tracker"]["would_delete"][0]["id"] == shown["request_id"]  # ids differ per run
    shown["request_id"] = shown["services"]["tracker"]["would_delete"][0]["id"] = dry["request_id"]
    assert dry == shown
    response = await delete(hass, request_id="20", **EVERYTHING, dry_run=False)
    assert delete_apis.taken() == [
        ("qbittorrent", "POST", "/api/v2/torrents/delete", {"hashes": SEASON_2_HASH, "deleteFiles": "true"}, None),
        ("sonarr", "DELETE", "/api/v3/episodefile/bulk", {}, {"episodeFileIds": [601, 602]}),
        ("jellyseerr", "DELETE", "/api/v1/request/20", {}, None),
    ]
    sonarr = response["services"]["sonarr"]
    assert [(item["kind"], item["id"], item["path"]) for item in sonarr["deleted"]] == [
        ("episode_file", 601, "/data/media/tv/Chernobyl/Season 02/Chernobyl - S02E01.mkv"),
        ("episode_file", 602, "/data/media/tv/Chernobyl/Season 02/Chernobyl - S02E02.mkv"),
    ]
    assert sonarr["kept"] == [{"kind": "season", "id": 1, "title": "Chernobyl season 1",
                               "reason": "Chernobyl (Jellyseerr request 19) asked for it"}]  # fmt: skip
    assert response["services"]["jellyseerr"]["kept"] == [
        {"kind": "media", "id": 9, "title": "Chernobyl", "reason": "Jellyseerr request 19 is on it too"}
    ]
    assert [f["id"] for f in delete_apis.episode_files] == [501, 502]
    assert list(delete_apis.torrents) == [PACK_HASH]
    assert delete_apis.seerr_media[("tv", 87108)]["requests"] == [{"id": 19}]
    assert 360893 in remedy_apis.series
    assert [r["jellyseerr_request_id"] for r in (await get_requests(hass))["requests"]] == ["19"]


async def test_last_request_of_a_series_deletes_the_series(
    hass: HomeAssistant, delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis
) -> None:
    """Once season 2's request is gone, season 1's owns every file: the whole series goes, and Seerr's media."""
    await chernobyl_seasons(delete_stack, delete_apis, remedy_apis)
    await delete(hass, request_id="20", **EVERYTHING, dry_run=False)
    delete_apis.taken()
    await delete(hass, entity_id=CHERNOBYL, **EVERYTHING, dry_run=False)
    assert delete_apis.taken() == [
        ("qbittorrent", "POST", "/api/v2/torrents/delete", {"hashes": PACK_HASH, "deleteFiles": "true"}, None),
        ("sonarr", "DELETE", "/api/v3/series/12", {"deleteFiles": "true", "addImportListExclusion": "false"}, None),
        ("jellyseerr", "DELETE", "/api/v1/request/19", {}, None),
        ("jellyseerr", "DELETE", "/api/v1/media/9", {}, None),
    ]
    assert (remedy_apis.series, delete_apis.episode_files, delete_apis.seerr_media) == ({}, [], {})


async def test_a_service_down_midway_is_reported_and_the_rest_done(
    hass: HomeAssistant, delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis
) -> None:
    """Radarr answers its lookup, then fails the delete: qBittorrent and Jellyseerr are still done, the response
    says the request is half removed, the record stays and its timeline says what happened."""
    await dune(delete_stack, delete_apis, remedy_apis)
    delete_apis.down.add("radarr")
    response = await delete(hass, entity_id=DUNE, **EVERYTHING, dry_run=False)
    assert [call[:3] for call in delete_apis.taken()] == [
        ("qbittorrent", "POST", "/api/v2/torrents/delete"),
        ("radarr", "DELETE", "/api/v3/movie/42"),
        ("jellyseerr", "DELETE", "/api/v1/request/16"),
        ("jellyseerr", "DELETE", "/api/v1/media/8"),
    ]
    assert response["failed"] == ["Radarr"]
    assert response["half_removed"] is True
    radarr = response["services"]["radarr"]
    assert (radarr["deleted"], radarr["failed"]) == (
        [],
        [{**DUNE_DRY_RUN["radarr"]["would_delete"][0], "error": "HTTP 503"}],
    )
    assert response["services"]["jellyseerr"]["deleted"] == DUNE_DRY_RUN["jellyseerr"]["would_delete"]
    assert response["services"]["tracker"]["kept"][0]["reason"] == (
        "kept because Radarr failed: run it again once that is fixed"
    )
    assert hass.states.get(DUNE) is not None
    (request,) = (await get_requests(hass))["requests"]
    assert request["timeline"][-1]["message"] == (
        "Deleted in qBittorrent: 1 torrent; failed in Radarr: HTTP 503; "
        "deleted in Jellyseerr: 1 request, 1 media record"
    )

    # Once Radarr is back, the same call finishes the job: what is gone already is said so, not failed.
    delete_apis.down.clear()
    response = await delete(hass, entity_id=DUNE, **EVERYTHING, dry_run=False)
    assert [call[:3] for call in delete_apis.taken()] == [("radarr", "DELETE", "/api/v3/movie/42")]
    assert response["services"]["qbittorrent"]["already_gone"] == [{"kind": "torrent", "id": DUNE_HASH}]
    assert (response["failed"], response["half_removed"]) == ([], False)
    assert hass.states.get(DUNE) is None


async def test_a_service_that_cannot_be_asked(
    hass: HomeAssistant, delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis
) -> None:
    """qBittorrent down for the lookup: the dry run says so, the others are planned."""
    await dune(delete_stack, delete_apis, remedy_apis)
    delete_apis.down.add("qbittorrent")
    response = await delete(hass, entity_id=DUNE, **EVERYTHING)
    assert response["services"]["qbittorrent"]["failed"] == [{"error": "HTTP 503"}]
    assert response["failed"] == ["qBittorrent"]
    assert response["services"]["radarr"]["would_delete"] == DUNE_DRY_RUN["radarr"]["would_delete"]


async def test_non_admin_users_are_refused(
    hass: HomeAssistant,
    delete_stack: Services,
    delete_apis: FakeDeleteApis,
    remedy_apis: FakeRemedyApis,
    hass_read_only_user: MockUser,
    hass_admin_user: MockUser,
) -> None:
    """As Home Assistant's admin-only actions: Unauthorized for a user who is not an admin, even for a dry run."""
    await dune(delete_stack, delete_apis, remedy_apis)
    with pytest.raises(Unauthorized):
        await delete(hass, Context(user_id=hass_read_only_user.id), entity_id=DUNE, **EVERYTHING, dry_run=False)
    with pytest.raises(Unauthorized):
        await delete(hass, Context(user_id=hass_read_only_user.id), entity_id=DUNE, **EVERYTHING)
    with pytest.raises(UnknownUser):
        await delete(hass, Context(user_id="no-such-user"), entity_id=DUNE, **EVERYTHING)
    assert delete_apis.taken() == []
    assert hass.states.get(DUNE) is not None
    await delete(hass, Context(user_id=hass_admin_user.id), entity_id=DUNE, arr=True, dry_run=False)
    assert delete_apis.taken()[0][:3] == ("radarr", "DELETE", "/api/v3/movie/42")
    (request,) = (await get_requests(hass))["requests"]
    assert request["timeline"][-1]["source"] == f"user:{hass_admin_user.name}"


async def test_what_is_gone_already(
    hass: HomeAssistant, delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis
) -> None:
    """Deleted elsewhere: nothing to call, each part said to be gone; the record still goes."""
    await delete_stack.run(*MOVIE_FLOW[:2])
    remedy_apis.movies.clear()
    response = await delete(hass, entity_id=DUNE, **EVERYTHING, dry_run=False)
    assert delete_apis.taken() == []
    assert {service: view["already_gone"] for service, view in response["services"].items()} == {
        "qbittorrent": [{"kind": "torrent", "id": DUNE_HASH}],
        "radarr": [{"kind": "movie", "id": "tmdb:693134", "title": "Dune: Part Two"}],
        "jellyseerr": [{"kind": "request", "id": 16, "title": "Dune: Part Two"},
                       {"kind": "media", "id": "tmdb:693134", "title": "Dune: Part Two"}],
        "tracker": [],
    }  # fmt: skip
    assert hass.states.get(DUNE) is None


async def test_refusals(
    hass: HomeAssistant,
    delete_apis: FakeDeleteApis,
    entry_data: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Nothing chosen, or a chosen service not connected: refused before anything is asked or deleted."""
    await start_connected(hass, entry_data, CONF_RADARR)
    await Services(hass, hass_client_no_auth).run(*MOVIE_FLOW[:2], "jellyseerr/tv_auto_approved")
    missing = "This needs the {} connection: add it in the integration's configuration"
    for entity_id, data, key, message in (
        (DUNE, {}, "nothing_to_delete", "Choose what to delete: the Jellyseerr request, the media in Radarr or "
         "Sonarr, the torrents, or the tracked request"),
        (DUNE, {"arr": True, "seerr": True}, "missing_connection", missing.format("Jellyseerr")),
        (DUNE, {"arr": True, "torrents": True}, "missing_connection", missing.format("qBittorrent")),
        (CHERNOBYL, {"arr": True}, "missing_connection", missing.format("Sonarr")),
    ):  # fmt: skip
        with pytest.raises(ServiceValidationError) as err:
            await delete(hass, entity_id=entity_id, dry_run=False, **data)
        assert (err.value.translation_key, str(err.value)) == (key, message)
    assert delete_apis.taken() == []
    # Without asking for the response (an automation): it runs all the same.
    assert (
        await hass.services.async_call(DOMAIN, "delete_media", {"entity_id": DUNE, "arr": True}, blocking=True) is None
    )
    assert delete_apis.taken() == []


async def test_tv_lookups_that_fail_or_find_nothing(
    hass: HomeAssistant, delete_stack: Services, delete_apis: FakeDeleteApis, remedy_apis: FakeRemedyApis
) -> None:
    """Seerr and Sonarr down: each says why in the dry run; a series Sonarr no longer has is gone; a request with
    no download asks qBittorrent nothing."""
    await delete_stack.run("jellyseerr/tv_auto_approved")
    delete_apis.down |= {"jellyseerr", "sonarr"}
    response = await delete(hass, entity_id=CHERNOBYL, **EVERYTHING)
    assert {service: view["failed"] for service, view in response["services"].items()} == {
        "qbittorrent": [],
        "sonarr": [{"error": "HTTP 503"}],
        "jellyseerr": [{"error": "HTTP 503"}],
        "tracker": [],
    }
    assert response["services"]["qbittorrent"]["already_gone"] == []
    delete_apis.down.clear()
    remedy_apis.series.clear()
    response = await delete(hass, entity_id=CHERNOBYL, arr=True)
    assert response["services"]["sonarr"]["already_gone"] == [
        {"kind": "series", "id": "tvdb:360893", "title": "Chernobyl"}
    ]
