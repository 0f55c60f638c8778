"""The stuck requests issue's fix flow, through Home Assistant's repairs HTTP API: the form listing each stuck
request with its cause and its remedy, the calls the picked remedies make, the timeline entries, the errors."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import CONF_SONARR, CONF_STUCK_AFTER, DOMAIN

from .fakes.services import MOVIES_LIBRARY, REMOVE, SCAN, FakeRemedyApis, remedy_episode
from .helpers import ENTRY_ID, MOVIE_FLOW, Services, get_requests, load_json, start_connected, tick

ISSUE = f"stuck_requests_{ENTRY_ID}"
FIX = "/api/repairs/issues/fix"
NO_RELEASE = (
    "Released, but {service} has grabbed no release in the 31 minutes since it was approved or last searched for."
)


class Repairs:
    """Home Assistant's repairs API as the frontend uses it, as an admin. Each call signs in afresh: the tests move
    the clock past an access token's lifetime."""

    def __init__(self, hass: HomeAssistant, client_factory: ClientSessionGenerator, access_token: str) -> None:
        self._hass = hass
        self._client_factory = client_factory
        refresh_token = hass.auth.async_validate_access_token(access_token)
        assert refresh_token is not None
        self._refresh_token = refresh_token

    async def _post(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        client = await self._client_factory(self._hass.auth.async_create_access_token(self._refresh_token))
        response = await client.post(path, json=data)
        assert response.status == HTTPStatus.OK, await response.text()
        answer: dict[str, Any] = await response.json()
        return answer

    async def open(self) -> dict[str, Any]:
        return await self._post(FIX, {"handler": DOMAIN, "issue_id": ISSUE})

    async def submit(self, flow: dict[str, Any], **data: Any) -> dict[str, Any]:
        return await self._post(f"{FIX}/{flow['flow_id']}", data)


@pytest.fixture
async def stuck_stack(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    entry_data: dict[str, Any],
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hass_access_token: str,
) -> tuple[Services, Repairs]:
    """Radarr, Sonarr and Jellyseerr connected, flagged stuck after 30 minutes; the repairs API loaded."""
    assert await async_setup_component(hass, "repairs", {})
    await start_connected(hass, entry_data, options={CONF_STUCK_AFTER: 30})
    return Services(hass, hass_client_no_auth), Repairs(hass, hass_client, hass_access_token)


def _issue(hass: HomeAssistant) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, ISSUE)


def _options(flow: dict[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
    """The remedies field of the form: its options (value, label) and what is selected."""
    (field,) = flow["data_schema"]
    assert field["name"] == "remedies"
    assert field["selector"]["select"]["multiple"] is True
    return field["selector"]["select"]["options"], field["default"]


async def _remedies_noted(hass: HomeAssistant) -> dict[str, list[tuple[str, str, str | None]]]:
    """Each request's remedy entries in its timeline (get_requests): source, message, code."""
    answer = await get_requests(hass)
    return {
        item["title"]: [(e["source"], e["message"], e["code"]) for e in item["timeline"] if e["kind"] == "remedy"]
        for item in answer["requests"]
    }


async def _stuck_dune_and_chernobyl(
    hass: HomeAssistant, services: Services, apis: FakeRemedyApis, freezer: FrozenDateTimeFactory
) -> dict[str, str]:
    """Both approved, nothing grabbed for 31 minutes: stuck with no_release_found; their request ids by title."""
    apis.episodes = [remedy_episode(1201, 1, 1), remedy_episode(1202, 1, 2, hasFile=True, episodeFileId=88)]
    await services.run("jellyseerr/movie_auto_approved", "jellyseerr/tv_auto_approved")
    await tick(hass, freezer, 31 * 60)
    apis.remedy_calls()  # the stuck check's lookups
    return {item["title"]: item["request_id"] for item in (await get_requests(hass))["requests"]}


async def test_form_lists_causes_and_runs_the_picked_search(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    stuck_stack: tuple[Services, Repairs],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Both requests are offered a search, all selected; the one picked is searched for, as the action would, and
    its timeline says so with source "repair". The issue stays while the requests have not moved."""
    services, repairs = stuck_stack
    ids = await _stuck_dune_and_chernobyl(hass, services, remedy_apis, freezer)
    issue = _issue(hass)
    assert issue is not None
    assert issue.is_fixable

    flow = await repairs.open()
    assert (flow["type"], flow["step_id"], flow["errors"]) == ("form", "fix", {})
    assert flow["description_placeholders"]["causes"] == (
        f"- Chernobyl: {NO_RELEASE.format(service='Sonarr')}\n- Dune: Part Two: {NO_RELEASE.format(service='Radarr')}"
    )
    options, selected = _options(flow)
    assert options == [
        {"value": ids["Chernobyl"], "label": "Chernobyl: Search"},
        {"value": ids["Dune: Part Two"], "label": "Dune: Part Two: Search"},
    ]
    assert selected == [ids["Chernobyl"], ids["Dune: Part Two"]]

    result = await repairs.submit(flow, remedies=[ids["Dune: Part Two"]])
    assert remedy_apis.remedy_calls() == [
        ("GET", "/api/v3/movie", {"tmdbId": "693134"}, None),
        ("POST", "/api/v3/command", {}, {"name": "MoviesSearch", "movieIds": [42]}),
    ]
    assert (result["type"], result["reason"]) == ("abort", "remedies_started")
    assert result["description_placeholders"] == {"done": "- Dune: Part Two: Radarr searches for the movie"}
    assert await _remedies_noted(hass) == {
        "Dune: Part Two": [("repair", "Radarr searches for the movie", "search")],
        "Chernobyl": [],
    }
    assert _issue(hass) is not None


@pytest.mark.parametrize(
    ("fixtures", "blocked", "cause", "label", "calls"),
    [
        pytest.param(
            MOVIE_FLOW[:2],
            False,
            "stalled",
            "Replace download",
            [
                ("GET", "/api/v3/movie", {"tmdbId": "693134"}, None),
                ("DELETE", "/api/v3/queue/1532790871", REMOVE, None),
                ("POST", "/api/v3/command", {}, {"name": "MoviesSearch", "movieIds": [42]}),
            ],
            id="stalled",
        ),
        pytest.param(
            MOVIE_FLOW[:2],
            True,
            "import_blocked",
            "Replace download",
            [
                ("GET", "/api/v3/movie", {"tmdbId": "693134"}, None),
                ("DELETE", "/api/v3/queue/1532790871", REMOVE, None),
                ("POST", "/api/v3/command", {}, {"name": "MoviesSearch", "movieIds": [42]}),
            ],
            id="import_blocked",
        ),
        pytest.param(
            MOVIE_FLOW[:3],
            False,
            "waiting_for_library",
            "Rescan library",
            [
                ("GET", "/Library/VirtualFolders", {}, None),
                ("POST", f"/Items/{MOVIES_LIBRARY['ItemId']}/Refresh", SCAN, None),
            ],
            id="waiting_for_library",
        ),
    ],
)
async def test_the_remedy_of_each_cause(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    stuck_stack: tuple[Services, Repairs],
    freezer: FrozenDateTimeFactory,
    fixtures: tuple[str, ...],
    blocked: bool,
    cause: str,
    label: str,
    calls: list[tuple[str, str, dict[str, str], Any]],
) -> None:
    """A stalled download or a blocked import: replaced (removed, blocklisted, searched again); an import Jellyfin
    does not list: its library scanned."""
    services, repairs = stuck_stack
    remedy_apis.queue["radarr"] = load_json("catchup/radarr_queue.json")["records"]
    remedy_apis.libraries = [MOVIES_LIBRARY]
    await services.run(*fixtures)
    if blocked:
        await services.run("radarr/manual_interaction_required")
    await tick(hass, freezer, 31 * 60)
    state = hass.states.get("sensor.media_requests_dune_part_two_2024")
    assert state is not None
    assert (state.attributes["cause"], state.attributes["stuck_since"] is not None) == (cause, True)
    remedy_apis.remedy_calls()

    flow = await repairs.open()
    options, selected = _options(flow)
    assert [option["label"] for option in options] == [f"Dune: Part Two: {label}"]
    result = await repairs.submit(flow, remedies=selected)
    assert result["reason"] == "remedies_started"
    assert remedy_apis.remedy_calls() == calls
    ((source, message, _),) = (await _remedies_noted(hass))["Dune: Part Two"]
    assert source == "repair"
    assert result["description_placeholders"]["done"] == f"- Dune: Part Two: {message}"


async def test_a_failing_service_is_shown_and_the_others_still_run(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    stuck_stack: tuple[Services, Repairs],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Radarr answers 503: the form comes back with the translated error and only Dune selected; Sonarr's search
    ran and is noted. Once Radarr answers, submitting again runs Dune's search."""
    services, repairs = stuck_stack
    ids = await _stuck_dune_and_chernobyl(hass, services, remedy_apis, freezer)
    remedy_apis.down.add("radarr")

    flow = await repairs.open()
    result = await repairs.submit(flow, remedies=_options(flow)[1])
    assert (result["type"], result["errors"]) == ("form", {"base": "remedy_failed"})
    assert result["description_placeholders"]["failures"] == "- Dune: Part Two (Search): Radarr did not do it: HTTP 503"
    assert _options(result)[1] == [ids["Dune: Part Two"]]
    assert [call[:2] for call in remedy_apis.remedy_calls()] == [
        ("GET", "/api/v3/series"),
        ("GET", "/api/v3/episode"),
        ("POST", "/api/v3/command"),
        ("GET", "/api/v3/movie"),
    ]
    noted = await _remedies_noted(hass)
    assert noted == {"Chernobyl": [("repair", "Sonarr searches for 1 missing episode", "search")], "Dune: Part Two": []}

    remedy_apis.down.clear()
    result = await repairs.submit(result, remedies=_options(result)[1])
    assert result["reason"] == "remedies_started"
    assert remedy_apis.remedy_calls()[-1] == ("POST", "/api/v3/command", {}, {"name": "MoviesSearch", "movieIds": [42]})


async def test_a_refused_remedy_is_shown_translated(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    stuck_stack: tuple[Services, Repairs],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The download left Radarr's queue since the check: the remedy's refusal, as its action says it."""
    services, repairs = stuck_stack
    await services.run(*MOVIE_FLOW[:2])
    await tick(hass, freezer, 31 * 60)
    flow = await repairs.open()
    result = await repairs.submit(flow, remedies=_options(flow)[1])
    assert result["errors"] == {"base": "remedy_failed"}
    assert result["description_placeholders"]["failures"] == (
        "- Dune: Part Two (Replace download): Radarr has no download of Dune: Part Two in its queue"
    )
    assert not [call for call in remedy_apis.remedy_calls() if call[0] == "DELETE"]


async def test_nothing_picked(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    stuck_stack: tuple[Services, Repairs],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Submitting with nothing selected asks for a choice and calls nothing."""
    services, repairs = stuck_stack
    await _stuck_dune_and_chernobyl(hass, services, remedy_apis, freezer)
    flow = await repairs.open()
    result = await repairs.submit(flow, remedies=[])
    assert (result["type"], result["errors"]) == ("form", {"remedies": "nothing_chosen"})
    assert remedy_apis.remedy_calls() == []


async def test_moved_since_the_issue_was_raised(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    stuck_stack: tuple[Services, Repairs],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Radarr grabbed the movie after the check raised the issue: nothing is left to fix, the flow says so."""
    services, repairs = stuck_stack
    await services.run("jellyseerr/movie_auto_approved")
    await tick(hass, freezer, 31 * 60)
    assert _issue(hass) is not None
    remedy_apis.remedy_calls()
    await services.run("radarr/grab")  # a move: no longer stuck; the issue is updated at the next tick
    result = await repairs.open()
    assert (result["type"], result["reason"]) == ("abort", "no_remedy")
    assert remedy_apis.remedy_calls() == []


async def test_not_fixable_without_the_connection_a_remedy_needs(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    entry_data: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without Radarr, a movie nothing was grabbed for has no remedy the integration can run: no Fix button."""
    await start_connected(hass, entry_data, CONF_SONARR, options={CONF_STUCK_AFTER: 30})
    await Services(hass, hass_client_no_auth).run("jellyseerr/movie_auto_approved")
    await tick(hass, freezer, 31 * 60)
    issue = _issue(hass)
    assert issue is not None
    assert not issue.is_fixable


async def test_entry_unloaded_since_the_issue_was_raised(
    hass: HomeAssistant,
    remedy_apis: FakeRemedyApis,
    stuck_stack: tuple[Services, Repairs],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The integration was unloaded (disabled, or failing to set up) after the check: the flow says to reload it."""
    services, repairs = stuck_stack
    await _stuck_dune_and_chernobyl(hass, services, remedy_apis, freezer)
    assert await hass.config_entries.async_unload(ENTRY_ID)
    result = await repairs.open()
    assert (result["type"], result["reason"]) == ("abort", "entry_not_loaded")
    assert remedy_apis.remedy_calls() == []
