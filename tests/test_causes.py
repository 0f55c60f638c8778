"""Causes in a running Home Assistant: the sensor's attributes, the stuck event and the repair issue name why a
request does not move; a movie not released yet is not flagged before its date, and is after it."""

from __future__ import annotations

from datetime import UTC, datetime
import json
import re
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import (
    CONF_IS_4K,
    CONF_QBITTORRENT,
    CONF_RADARR,
    CONF_STUCK_AFTER,
    DOMAIN,
    EVENT_REQUEST_STUCK,
)

from .fakes.arr_media import FakeRadarrMedia, queue_record, radarr_movie
from .fakes.services import RADARR_URL, FakeArr, json_result
from .helpers import ENTRY_ID, FIXTURES, ITEMS, MAINDATA, QBT_URL, Services, only_state, tick

ISSUE = f"stuck_requests_{ENTRY_ID}"
DUNE = "8c212779b4abde7c6bc608063a0d008b7e40ce32"
EMPTY_PAGE = {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}
# Dune: Part Two as if it were still to come: digital release on 2026-04-21.
UPCOMING = {"status": "inCinemas", "inCinemas": "2026-03-06T00:00:00Z", "digitalRelease": "2026-04-21T00:00:00Z",
            "physicalRelease": "2026-05-19T00:00:00Z"}  # fmt: skip


@pytest.fixture
def radarr_media(http: aioresponses) -> FakeRadarrMedia:
    """Radarr's movie and queue endpoints, its notification list (webhook setup) and an empty history."""
    schema = json.loads((FIXTURES / "api_clients" / "radarr_notification_schema.json").read_text())[1]
    FakeArr(http, RADARR_URL, "radarr", set(), schema)
    http.get(re.compile(rf"^{re.escape(RADARR_URL)}/api/v3/history/since\?.*$"), payload=[], repeat=True)
    http.get(ITEMS, payload=EMPTY_PAGE, repeat=True)
    return FakeRadarrMedia(http)


async def _start(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(domain=DOMAIN, title="Jellyfin", data=data, options={CONF_STUCK_AFTER: 30},
                            entry_id=ENTRY_ID)  # fmt: skip
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _issue(hass: HomeAssistant) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, ISSUE)


async def test_not_released_is_not_stuck_before_its_date_and_is_after_it(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    radarr_media: FakeRadarrMedia,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(datetime(2026, 4, 1, 12, tzinfo=UTC))
    radarr_media.movies.append(radarr_movie(**UPCOMING))
    data = {**entry_data, CONF_RADARR: {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123", CONF_IS_4K: False}}
    await _start(hass, data)
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await Services(hass, hass_client_no_auth).run("jellyseerr/movie_auto_approved")

    await tick(hass, freezer, 31 * 60)
    state = only_state(hass)
    assert state.attributes["cause"] == "not_released"
    assert state.attributes["cause_details"] == {
        "sentence": "not_released", "service": "Radarr", "date": "2026-04-21T00:00:00+00:00"
    }  # fmt: skip
    assert state.attributes["cause_since"] is not None
    assert state.attributes["stuck_since"] is None
    assert stuck == []
    assert _issue(hass) is None
    # Waiting: Radarr is not asked again at every tick.
    asked = len(radarr_media.asked)
    await tick(hass, freezer, 60)
    await tick(hass, freezer, 60)
    assert len(radarr_media.asked) == asked

    # Past the digital release, Radarr says available; nothing was grabbed: stuck, with the cause.
    freezer.move_to(datetime(2026, 4, 21, 0, 30, tzinfo=UTC))
    await tick(hass, freezer, 10)
    state = only_state(hass)
    assert state.attributes["stuck_since"] is not None
    assert state.attributes["cause"] == "no_release_found"
    assert len(stuck) == 1
    assert stuck[0].data["cause"] == "no_release_found"
    assert stuck[0].data["cause_details"]["service"] == "Radarr"
    assert stuck[0].data["cause_text"].startswith("Released, but Radarr has grabbed no release in the ")
    issue = _issue(hass)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["causes"] == f"- Dune: Part Two: {stuck[0].data['cause_text']}"


async def test_without_radarr_the_cause_names_the_missing_connection(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    http: aioresponses,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    http.get(ITEMS, payload=EMPTY_PAGE, repeat=True)
    await _start(hass, entry_data)
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await Services(hass, hass_client_no_auth).run("jellyseerr/movie_auto_approved")
    await tick(hass, freezer, 31 * 60)
    assert len(stuck) == 1
    assert stuck[0].data["cause"] == "no_release_found"
    assert stuck[0].data["cause_details"]["missing_connection"] == "Radarr"
    assert stuck[0].data["cause_text"] == (
        "Nothing grabbed in the 31 minutes since approval; connect Radarr to the integration to tell whether it is "
        "released yet."
    )


async def test_stalled_torrent_and_blocked_import(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    radarr_media: FakeRadarrMedia,
    http: aioresponses,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """qBittorrent's seeds and peers name a stall; Radarr's queue names a blocked import."""
    radarr_media.movies.append(radarr_movie())
    qbt = {CONF_URL: QBT_URL, CONF_USERNAME: "admin", CONF_PASSWORD: "qbt-pass"}
    radarr_conf = {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123", CONF_IS_4K: False}
    await _start(hass, {**entry_data, CONF_QBITTORRENT: qbt, CONF_RADARR: radarr_conf})
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    http.post(f"{QBT_URL}/api/v2/auth/login", body="Ok.", repeat=True)
    torrent = {"name": "Dune", "progress": 0.12, "state": "stalledDL", "dlspeed": 0, "eta": 8640000, "num_seeds": 0,
               "num_complete": 1, "num_leechs": 3}  # fmt: skip
    # sync/maindata answers these in turn, then "nothing changed".
    answers: list[dict[str, Any]] = [{"rid": 1, "full_update": True, "torrents": {DUNE: torrent}}]
    http.get(MAINDATA, callback=lambda url, **kw: json_result(answers.pop(0) if answers else {"rid": 2}), repeat=True)
    services = Services(hass, hass_client_no_auth)
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    downloads = hass.config_entries.async_get_entry(ENTRY_ID).runtime_data.downloads  # type: ignore[union-attr]
    assert downloads is not None
    await downloads.async_poll()  # 12 %, then no progress

    await tick(hass, freezer, 31 * 60)
    state = only_state(hass)
    assert state.attributes["cause"] == "stalled"
    assert len(stuck) == 1
    assert stuck[0].data["cause_text"] == (
        "The download is stalled in qBittorrent (stalledDL, 12.0 %): 0 seed(s) and 3 peer(s) connected, 1 seed(s) "
        "in the swarm."
    )

    # It finishes; Radarr blocks the import.
    message = "Not an upgrade for existing movie file. Existing quality: Bluray-1080p. New Quality Bluray-1080p."
    radarr_media.queue.append(
        queue_record(DUNE, "importBlocked", messages=[{"title": "Dune.mkv", "messages": [message]}])
    )
    answers.append({"rid": 3, "torrents": {DUNE: {"progress": 1, "state": "stalledUP"}}})
    await downloads.async_poll()
    assert only_state(hass).attributes["cause"] is None  # it moved
    await tick(hass, freezer, 31 * 60)
    assert len(stuck) == 2
    assert stuck[1].data["cause"] == "import_blocked"
    assert stuck[1].data["cause_text"] == f"Radarr cannot import the download: {message}"
