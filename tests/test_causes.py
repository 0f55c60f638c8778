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
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.cause_text import async_load_texts, cause_text, error_text, remedy_name
from custom_components.status_tracker.const import (
    CONF_IS_4K,
    CONF_QBITTORRENT,
    CONF_RADARR,
    CONF_SONARR,
    CONF_STUCK_AFTER,
    DOMAIN,
    EVENT_REQUEST_STUCK,
)
from custom_components.status_tracker.core.models import MediaRequest, MediaType

from .fakes.arr_media import (
    FakeRadarrMedia,
    FakeSonarrMedia,
    queue_record,
    radarr_movie,
    sonarr_episode,
    sonarr_series,
)
from .fakes.services import RADARR_URL, SONARR_URL, FakeArr, json_result
from .helpers import ENTRY_ID, FIXTURES, ITEMS, MAINDATA, PACK_HASH, QBT_URL, Services, get_requests, only_state, tick

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
    assert state.attributes.get("cause_since") is not None
    assert state.attributes.get("stuck_since") is None
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
    assert state.attributes.get("stuck_since") is not None
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
    assert only_state(hass).attributes.get("cause") is None  # it moved
    await tick(hass, freezer, 31 * 60)
    assert len(stuck) == 2
    assert stuck[1].data["cause"] == "import_blocked"
    assert stuck[1].data["cause_text"] == f"Radarr cannot import the download: {message}"


@pytest.fixture
def sonarr_media(http: aioresponses) -> FakeSonarrMedia:
    """Sonarr's series, episode and queue endpoints, its notification list (webhook setup) and an empty history."""
    schema = json.loads((FIXTURES / "api_clients" / "radarr_notification_schema.json").read_text())[1]
    FakeArr(http, SONARR_URL, "sonarr", set(), schema)
    http.get(re.compile(rf"^{re.escape(SONARR_URL)}/api/v3/history/since\?.*$"), payload=[], repeat=True)
    http.get(ITEMS, payload=EMPTY_PAGE, repeat=True)
    return FakeSonarrMedia(http)


SONARR = {CONF_URL: SONARR_URL, CONF_API_KEY: "sonarr-key-0123", CONF_IS_4K: False}
AIRED = "2019-05-07T01:00:00Z"


@pytest.mark.parametrize(
    ("series", "episodes", "fixtures", "queue", "cause", "text"),
    [
        pytest.param(
            [sonarr_series()],
            [sonarr_episode(1, 1, AIRED, hasFile=True, episodeFileId=9), sonarr_episode(1, 2, AIRED)],
            ("jellyseerr/tv_auto_approved",),
            [],
            "no_release_found",
            "Released, but Sonarr has grabbed no release in the 31 minutes since it was approved or last searched for.",
            id="episode-aired-not-grabbed",
        ),
        pytest.param(
            [],
            [],
            ("jellyseerr/tv_auto_approved",),
            [],
            "removed",
            "Sonarr no longer has it.",
            id="series-deleted-in-sonarr",
        ),
        pytest.param(
            [sonarr_series(monitored=False)],
            [sonarr_episode(1, 1, AIRED)],
            ("jellyseerr/tv_auto_approved",),
            [],
            "unmonitored",
            "Sonarr does not monitor it, so it will not search for it.",
            id="series-unmonitored",
        ),
        pytest.param(
            [sonarr_series()],
            [],
            ("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack"),
            [queue_record(PACK_HASH, "failedPending", messages=[{"title": "Pack", "messages": ["Download failed"]}])],
            "import_failed",
            "Sonarr failed the download: Download failed",
            id="pack-failed-in-the-queue",
        ),
    ],
)
async def test_sonarr_causes(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    sonarr_media: FakeSonarrMedia,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    series: list[dict[str, Any]],
    episodes: list[dict[str, Any]],
    fixtures: tuple[str, ...],
    queue: list[dict[str, Any]],
    cause: str,
    text: str,
) -> None:
    """A series request's cause, from Sonarr's series, episodes and queue: the attributes, the event, the issue."""
    freezer.move_to(datetime(2025, 5, 1, 12, tzinfo=UTC))
    sonarr_media.series, sonarr_media.episodes, sonarr_media.queue = series, episodes, queue
    await _start(hass, {**entry_data, CONF_SONARR: SONARR})
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await Services(hass, hass_client_no_auth).run(*fixtures)
    await tick(hass, freezer, 31 * 60)
    assert only_state(hass).attributes["cause"] == cause
    assert [(event.data["title"], event.data["cause"], event.data["cause_text"]) for event in stuck] == [
        ("Chernobyl", cause, text)
    ]
    issue = _issue(hass)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["causes"] == f"- Chernobyl: {text}"


async def test_sonarr_episodes_not_aired_yet_wait_without_a_flag(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    sonarr_media: FakeSonarrMedia,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every missing episode airs later: waiting for the first air date, not stuck, no issue."""
    freezer.move_to(datetime(2025, 5, 1, 12, tzinfo=UTC))
    sonarr_media.series = [sonarr_series()]
    sonarr_media.episodes = [sonarr_episode(1, 1, "2025-06-02T01:00:00Z"), sonarr_episode(1, 2, "2025-06-09T01:00:00Z")]
    await _start(hass, {**entry_data, CONF_SONARR: SONARR})
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await Services(hass, hass_client_no_auth).run("jellyseerr/tv_auto_approved")
    await tick(hass, freezer, 31 * 60)
    state = only_state(hass)
    assert state.attributes["cause_details"] == {
        "sentence": "not_released", "service": "Sonarr", "date": "2025-06-02T01:00:00+00:00"
    }  # fmt: skip
    assert state.attributes.get("stuck_since") is None
    assert stuck == []
    assert _issue(hass) is None


async def test_radarr_failing_during_the_check(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    radarr_media: FakeRadarrMedia,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Radarr answers 503 when asked about the movie: the check still flags it, with what it knows without Radarr's
    answer; the next stuck check is not blocked."""
    radarr_media.movies.append(radarr_movie())
    radarr_media.down = True
    radarr_conf = {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123", CONF_IS_4K: False}
    await _start(hass, {**entry_data, CONF_RADARR: radarr_conf})
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await Services(hass, hass_client_no_auth).run("jellyseerr/movie_auto_approved")
    await tick(hass, freezer, 31 * 60)
    assert "movie" in radarr_media.asked
    state = only_state(hass)
    assert state.attributes.get("stuck_since") is not None
    assert [(event.data["cause"], event.data["cause_details"]["service"]) for event in stuck] == [
        ("no_release_found", "Radarr")
    ]
    # It does not claim the movie is released: Radarr did not say.
    assert stuck[0].data["cause_text"] == (
        "Nothing grabbed in the 31 minutes since approval; Radarr did not answer, so whether it is released is not"
        " known."
    )


async def test_awaiting_approval_is_stuck_without_a_cause(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    http: aioresponses,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A request nobody approved waits on a person, not a service: flagged with no cause, its issue line is the
    title alone, and nothing in its fix flow (no remedy)."""
    http.get(ITEMS, payload=EMPTY_PAGE, repeat=True)
    await _start(hass, entry_data)
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await Services(hass, hass_client_no_auth).run("jellyseerr/movie_pending")
    await tick(hass, freezer, 31 * 60)
    assert [(event.data["cause"], event.data["cause_text"]) for event in stuck] == [(None, None)]
    issue = _issue(hass)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["causes"] == "- Dune: Part Two"
    assert not issue.is_fixable


@pytest.mark.parametrize(
    ("cause", "details", "text"),
    [
        pytest.param(
            "not_released",
            {"sentence": "not_released", "service": "Radarr", "date": "2026-04-21T03:00:00+00:00"},
            "Not released yet: Radarr expects it on 2026-04-20; it waits until then.",
            id="date-in-home-assistant-time-zone",
        ),
        pytest.param(
            "removed",
            {"sentence": "removed"},
            "{service} no longer has it.",
            id="stored-without-a-placeholder",
        ),
        pytest.param(
            "stalled", {"sentence": "stalled_by_a_newer_version"}, "stalled", id="sentence-unknown-here-reads-as-code"
        ),
    ],
)
async def test_cause_sentence_fallbacks(hass: HomeAssistant, cause: str, details: dict[str, str], text: str) -> None:
    """Dates read in Home Assistant's time zone; details stored by another version still give the best sentence."""
    await hass.config.async_set_time_zone("America/Los_Angeles")
    await async_load_texts(hass)
    at = datetime(2026, 4, 1, tzinfo=UTC)
    request = MediaRequest(request_id="r1", media_type=MediaType.MOVIE, title="Dune: Part Two", created_at=at,
                           updated_at=at, cause=cause, cause_details=details)  # fmt: skip
    assert cause_text(hass, request) == text


async def test_error_text(hass: HomeAssistant) -> None:
    """A remedy's error in Home Assistant's language; an error without a translation says its own message."""
    await async_load_texts(hass)
    refused = HomeAssistantError(
        translation_domain=DOMAIN, translation_key="remedy_failed", translation_placeholders={"service": "Radarr",
        "error": "HTTP 503"}
    )  # fmt: skip
    assert error_text(hass, refused) == "Radarr did not do it: HTTP 503"
    assert error_text(hass, HomeAssistantError("Connection reset")) == "Connection reset"
    assert remedy_name(hass, "rescan_library") == "Rescan library"


SINGLE = "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678"


async def test_episode_groups_in_the_attributes_and_the_event_and_diagnosed_again_while_flagged(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    sonarr_media: FakeSonarrMedia,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A pack of E01-E04 and E05 grabbed, E06-E07 aired but not grabbed, E08 airs later: one cause per group.

    Flagged, it is diagnosed again every 30 minutes, no sooner: Sonarr failing E05's download changes its cause.
    """
    freezer.move_to(datetime(2025, 5, 1, 12, tzinfo=UTC))
    sonarr_media.series = [sonarr_series()]
    sonarr_media.episodes = [sonarr_episode(1, n, AIRED) for n in range(1, 8)] + [
        sonarr_episode(1, 8, "2025-06-02T20:00:00Z")
    ]
    await _start(hass, {**entry_data, CONF_SONARR: SONARR})
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await Services(hass, hass_client_no_auth).run(
        "jellyseerr/tv_auto_approved", "sonarr/grab_season_pack", "sonarr/grab_episode"
    )
    await tick(hass, freezer, 31 * 60)
    unconfirmed = {"sentence": "stalled_unconfirmed", "minutes": "31", "missing_connection": "qBittorrent"}
    groups = [
        {"episodes": "S01E01\u2013S01E04", "cause": "stalled", "details": unconfirmed},
        {"episodes": "S01E05", "cause": "stalled", "details": unconfirmed},
        {"episodes": "S01E06\u2013S01E07", "cause": "no_release_found",
         "details": {"sentence": "no_release_found", "service": "Sonarr", "minutes": "31"}},
        {"episodes": "S01E08", "cause": "not_released",
         "details": {"sentence": "not_released", "service": "Sonarr", "date": "2025-06-02T20:00:00+00:00"}},
    ]  # fmt: skip
    state = only_state(hass)
    assert (state.attributes["cause"], state.attributes["episode_causes"]) == ("stalled", groups)
    (event,) = stuck
    stalled = "The download has not progressed for 31 minutes; connect qBittorrent to the integration to see why."
    assert event.data["episode_causes"] == [
        {**groups[0], "text": stalled},
        {**groups[1], "text": stalled},
        {**groups[2], "text": "Released, but Sonarr has grabbed no release in the 31 minutes since it was approved "
                              "or last searched for."},
        {**groups[3], "text": "Not released yet: Sonarr expects it on 2025-06-02; it waits until then."},
    ]  # fmt: skip

    # Sonarr fails E05's download. Not asked again before 30 minutes have passed since the flag.
    sonarr_media.queue = [queue_record(SINGLE, "failedPending", messages=[{"title": "E05", "messages": ["Bad file"]}])]
    asked = len(sonarr_media.asked)
    await tick(hass, freezer, 10 * 60)
    assert len(sonarr_media.asked) == asked
    assert only_state(hass).attributes["cause"] == "stalled"
    await tick(hass, freezer, 20 * 60)
    state = only_state(hass)
    assert state.attributes["cause"] == "import_failed"
    assert state.attributes["cause_since"] == "2025-05-01T13:01:00+00:00"
    assert state.attributes["episode_causes"][1] == {
        "episodes": "S01E05", "cause": "import_failed",
        "details": {"sentence": "import_failed", "service": "Sonarr", "message": "Bad file"},
    }  # fmt: skip
    assert state.attributes.get("stuck_since") is not None
    assert len(stuck) == 1
    (request,) = (await get_requests(hass))["requests"]
    assert request["timeline"][-1] == {
        "at": "2025-05-01T13:01:00+00:00", "kind": "cause", "source": "stuck check",
        "message": "Cause: stalled → import_failed", "code": "import_failed",
    }  # fmt: skip


CHERNOBYL_SERIES = {"Id": "3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b2a", "Name": "Chernobyl", "Type": "Series",
                    "ProviderIds": {"Tvdb": "360893", "Tmdb": "87108"}}  # fmt: skip


def _jellyfin_items(episodes: list[dict[str, Any]]) -> Any:
    """Jellyfin's /Items: Chernobyl for a series search, `episodes` for its episodes, nothing else."""

    def answer(url: Any, **kwargs: Any) -> Any:
        kind = (kwargs.get("params") or {}).get("includeItemTypes")
        items = [CHERNOBYL_SERIES] if kind == "Series" else episodes if kind == "Episode" else []
        return json_result({"Items": items, "TotalRecordCount": len(items), "StartIndex": 0})

    return answer


async def test_waiting_for_library_says_what_jellyfin_listed(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    http: aioresponses,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """E05 imported, Jellyfin lists the series with only E01: the cause names the missing E05."""
    freezer.move_to(datetime(2025, 5, 1, 12, tzinfo=UTC))
    e01 = {"Id": "e01", "Name": "1:23:45", "Type": "Episode", "SeriesId": CHERNOBYL_SERIES["Id"],
           "ParentIndexNumber": 1, "IndexNumber": 1}  # fmt: skip
    episodes: list[dict[str, Any]] = []
    http.get(ITEMS, callback=_jellyfin_items(episodes), repeat=True)
    await _start(hass, entry_data)
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await Services(hass, hass_client_no_auth).run(
        "jellyseerr/tv_auto_approved", "sonarr/grab_episode", "sonarr/download_episode"
    )
    episodes.append(e01)
    await tick(hass, freezer, 31 * 60)
    state = only_state(hass)
    assert state.attributes["cause"] == "waiting_for_library"
    details = state.attributes["cause_details"]
    assert (details["sentence"], details["series"], details["episodes"]) == (
        "waiting_for_library_episodes_missing", "Chernobyl", "S01E05"
    )  # fmt: skip
    (event,) = stuck
    assert event.data["cause_text"] == (
        f"Imported 31 minutes ago ({details['path']}); Jellyfin lists Chernobyl, but not S01E05 yet."
    )


async def test_waiting_for_library_names_the_ids_jellyfin_has_no_item_for(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    http: aioresponses,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(datetime(2025, 5, 1, 12, tzinfo=UTC))
    http.get(ITEMS, payload=EMPTY_PAGE, repeat=True)
    await _start(hass, entry_data)
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    await Services(hass, hass_client_no_auth).run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    await tick(hass, freezer, 31 * 60)
    details = only_state(hass).attributes["cause_details"]
    assert (details["sentence"], details["ids"]) == ("waiting_for_library_no_item", "tmdb 693134, imdb tt15239678")
    (event,) = stuck
    assert event.data["cause_text"] == (
        f"Imported 31 minutes ago ({details['path']}); Jellyfin lists no item with its ids "
        "(tmdb 693134, imdb tt15239678) yet."
    )
