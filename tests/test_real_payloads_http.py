"""Real payloads (tests/fixtures/real) posted byte for byte through Home Assistant's webhook endpoints.

The pure path of every file is in tests/core/test_real_payloads.py; this checks the HTTP answer and the entities a
user sees for a sample: ignored events (Overseerr's test notification among them), real Overseerr requests (pending,
automatically approved), a Radarr v3 grab then upgrade import, a Jellyfin library item nobody asked for, a Sonarr
import on Windows and a Radarr v4 import from Transmission.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import DOMAIN

from .helpers import WEBHOOK_IDS, real_body


async def _post(hass: HomeAssistant, client_factory: ClientSessionGenerator, name: str) -> tuple[int, dict[str, Any]]:
    """Post a real payload's exact bytes as its service does; the answer."""
    service = name.split("/", 1)[0]
    client = await client_factory()
    # The Jellyfin plugin's Generic destination sends text/plain unless told otherwise.
    content_type = "text/plain" if service == "jellyfin" else "application/json"
    response = await client.post(
        f"/api/webhook/{WEBHOOK_IDS[service]}", data=real_body(name), headers={"Content-Type": content_type}
    )
    answer = await response.json()
    await hass.async_block_till_done()
    return response.status, answer


def _requests(hass: HomeAssistant) -> dict[str, State]:
    """Every request sensor by its title."""
    registry = er.async_get(hass)
    states = [hass.states.get(entry.entity_id) for entry in registry.entities.values() if entry.platform == DOMAIN]
    return {state.attributes["title"]: state for state in states if state and "request_id" in state.attributes}


async def test_real_payloads_over_http(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """What real installs send is answered and shown as it means."""
    for name, message in (
        ("radarr/ruddarr_test.json", "ignored: Radarr test event"),
        ("sonarr/zulip_v3_test.json", "ignored: Sonarr test event"),
        ("radarr/ruddarr_health-issue.json", "ignored: Radarr event Health is not tracked"),
        ("jellyseerr/jellyseerr_homelab_manager_issue_created.json", "ignored: Jellyseerr notification ISSUE_CREATED"),
        ("sonarr/zulip_v3_rename.json", "ignored: Sonarr event Rename is not tracked"),
        # Overseerr's test button: `media` and `request` are null, still a 200, not a 400.
        ("jellyseerr/overseerr_ha_core_test_notification.json", "ignored: Jellyseerr test notification"),
        (
            "jellyfin/moviepilot_10.8.10_playbackstart_episode.json",
            "ignored: Jellyfin notification PlaybackStart is not tracked",
        ),
    ):
        status, answer = await _post(hass, hass_client_no_auth, name)
        assert (status, answer["message"][: len(message)]) == (HTTPStatus.OK, message), name
    assert _requests(hass) == {}

    status, answer = await _post(hass, hass_client_no_auth, "jellyseerr/overseerr_grusite_movie_media_pending.json")
    assert (status, answer) == (HTTPStatus.OK, {"message": "applied 1 change(s)"})
    beekeeper = _requests(hass)["The Beekeeper"]
    assert beekeeper.state == "requested"
    assert beekeeper.attributes["tmdb_id"] == "866398"
    assert beekeeper.attributes["year"] == "2024"
    assert beekeeper.attributes["requested_by"] == "grusite"
    assert beekeeper.attributes["jellyseerr_request_id"] == "269"

    # MEDIA_AUTO_APPROVED, straight to approved without a MEDIA_PENDING first.
    status, answer = await _post(hass, hass_client_no_auth, "jellyseerr/overseerr_ha_core_media_auto_approved.json")
    assert (status, answer) == (HTTPStatus.OK, {"message": "applied 1 change(s)"})
    something = _requests(hass)["Something"]
    assert something.state == "approved"
    assert (something.attributes["tmdb_id"], something.attributes["year"]) == ("123", "2024")
    assert something.attributes["requested_by"] == "henk"
    assert something.attributes["jellyseerr_request_id"] == "16"

    # Radarr v3: the year only in remoteMovie, then an upgrade whose movieFile.path is the download folder.
    status, _ = await _post(hass, hass_client_no_auth, "radarr/zulip_v3_grab.json")
    assert status == HTTPStatus.OK
    greenland = _requests(hass)["Greenland"]
    assert greenland.state == "grabbing"
    assert greenland.attributes["download_id"] == "8daece475ee53205c6fedda67f87cdbaf15bd25a"
    assert greenland.attributes["tmdb_id"] == "524047"
    assert greenland.attributes["year"] == "2020"

    status, _ = await _post(hass, hass_client_no_auth, "radarr/zulip_v3_download_upgrade.json")
    assert status == HTTPStatus.OK
    greenland = _requests(hass)["Greenland"]
    assert greenland.state == "importing"
    assert (
        greenland.attributes["final_path"]
        == "/home36/adbtech/media/Movies/Greenland (2020)/Greenland (2020) WEBRip-1080p.mkv"
    )

    # Jellyfin 10.10.7 "Send All Properties", sent as text/plain: a movie nobody requested changes nothing.
    status, answer = await _post(
        hass, hass_client_no_auth, "jellyfin/jellynouncer_10.10.7_itemadded_movie_sendallproperties.json"
    )
    assert (status, answer) == (HTTPStatus.OK, {"message": "applied 0 change(s)"})
    assert set(_requests(hass)) == {"The Beekeeper", "Something", "Greenland"}

    # Sonarr on Windows: the episode's library path keeps Windows separators, equal to the `path` Sonarr sent.
    status, _ = await _post(hass, hass_client_no_auth, "sonarr/anilistsync_v4_importcomplete_windows.json")
    assert status == HTTPStatus.OK
    witch_watch = _requests(hass)["WITCH WATCH"]
    assert witch_watch.state == "importing"
    (episode,) = witch_watch.attributes["episodes"]
    assert (episode["season"], episode["episode"], episode["state"]) == (1, 20, "importing")
    assert episode["final_path"] == (
        "D:\\Documents\\MediaServer\\Animes\\Witch Watch\\Season 1\\"
        "WITCH WATCH - S01E20 - The Lost Wolf and the Stray Cat WEBDL-1080p.mkv"
    )

    # Radarr v4 with Transmission, before 5.10.1: the library file, not /hdd1/transmission/finished.
    status, _ = await _post(hass, hass_client_no_auth, "radarr/dirlist_v4_download_transmission.json")
    assert status == HTTPStatus.OK
    gone_girl = _requests(hass)["Gone Girl"]
    assert (gone_girl.state, gone_girl.attributes["year"]) == ("importing", "2014")
    assert gone_girl.attributes["final_path"] == (
        "/hdd1/media/movies/Gone Girl (2014)/Gone.Girl.2014.1080p.Remux.AVC.DTS-HD.MA.7.1-ShocK.mkv"
    )
