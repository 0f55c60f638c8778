"""Actions: get_requests, refresh, remove_request, with bad input and unloaded entries."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientConnectionError
from aioresponses import aioresponses
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import CONF_QBITTORRENT, DOMAIN

from .helpers import ITEMS, MOVIE_FLOW, QBT_URL, Services, get_requests, request_states, stored_requests

DUNE_ITEM = {"Name": "Dune: Part Two", "Id": "6213b704a0d954293110f4d561b0f614", "Type": "Movie",
             "ProviderIds": {"Tmdb": "693134"}}  # fmt: skip


@pytest.fixture
async def services(services: Services) -> Services:
    """An entry with a movie in progress and a TV request."""
    await services.run(*MOVIE_FLOW[:3], "jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    return services


async def test_get_requests_shape(hass: HomeAssistant, services: Services, init_integration: MockConfigEntry) -> None:
    """Every request with its entity, state, attributes and episodes; newest update first."""
    response = await get_requests(hass)
    tv, movie = response["requests"]
    assert movie["title"] == "Dune: Part Two"
    assert movie["state"] == "importing"
    assert movie["entity_id"] == "sensor.media_requests_dune_part_two_2024"
    assert movie["config_entry_id"] == init_integration.entry_id
    assert movie["episodes"] == []
    assert tv["media_type"] == "tv"
    assert [(row["season"], row["episode"], row["state"]) for row in tv["episodes"]] == [
        (1, n, "grabbing") for n in range(1, 5)
    ]
    assert set(movie) >= {"request_id", "year", "poster_url", "requested_by", "download_progress", "reason",
                          "state_text", "created_at", "updated_at", "available_at", "stuck_since"}  # fmt: skip


async def test_get_requests_filters(hass: HomeAssistant, services: Services, init_integration: MockConfigEntry) -> None:
    """Filters by state, media type and entry; episodes can be left out."""
    assert [r["title"] for r in (await get_requests(hass, state=["importing"]))["requests"]] == ["Dune: Part Two"]
    assert [r["media_type"] for r in (await get_requests(hass, media_type="tv"))["requests"]] == ["tv"]
    assert (await get_requests(hass, state="available"))["requests"] == []
    response = await get_requests(hass, config_entry_id=init_integration.entry_id, include_episodes=False)
    assert all("episodes" not in item for item in response["requests"])
    assert len(response["requests"]) == 2
    # One request by its sensor (the card's detail view), with the other filters still applied.
    dune = next(state.entity_id for state in request_states(hass) if state.attributes["title"] == "Dune: Part Two")
    assert [r["title"] for r in (await get_requests(hass, entity_id=dune))["requests"]] == ["Dune: Part Two"]
    assert (await get_requests(hass, entity_id=dune, media_type="tv"))["requests"] == []
    with pytest.raises(ServiceValidationError) as err:
        await get_requests(hass, entity_id="sensor.media_request_status_tracker_active_requests")
    assert err.value.translation_key == "not_a_request"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"state": ["lost"]}, "value must be one of"),
        ({"media_type": "book"}, "value must be one of"),
    ],
)
async def test_get_requests_bad_input(
    hass: HomeAssistant, services: Services, data: dict[str, Any], error: str
) -> None:
    """Values outside the documented choices are refused by the schema."""
    with pytest.raises(Exception, match=error):
        await get_requests(hass, **data)


async def test_get_requests_unknown_or_unloaded_entry(
    hass: HomeAssistant, services: Services, init_integration: MockConfigEntry
) -> None:
    """A wrong entry id, or an unloaded entry, is a translated validation error."""
    with pytest.raises(ServiceValidationError) as err:
        await get_requests(hass, config_entry_id="nope")
    assert err.value.translation_key == "unknown_entry"
    other = MockConfigEntry(domain="other_domain")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError):
        await get_requests(hass, config_entry_id=other.entry_id)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    with pytest.raises(ServiceValidationError) as err:
        await get_requests(hass, config_entry_id=init_integration.entry_id)
    assert err.value.translation_key == "entry_not_loaded"
    with pytest.raises(ServiceValidationError) as err:
        await get_requests(hass)
    assert err.value.translation_key == "no_loaded_entry"


async def test_refresh_one_request(hass: HomeAssistant, services: Services, http: aioresponses) -> None:
    """refresh checks a named request against Jellyfin now."""
    http.get(ITEMS, payload={"Items": [DUNE_ITEM]})
    await hass.services.async_call(
        DOMAIN, "refresh", {"entity_id": "sensor.media_requests_dune_part_two_2024"}, blocking=True
    )
    await hass.async_block_till_done()
    assert hass.states.get("sensor.media_requests_dune_part_two_2024").state == "available"


async def test_refresh_everything(hass: HomeAssistant, services: Services, http: aioresponses) -> None:
    """refresh without a target checks every unfinished request."""
    http.get(ITEMS, payload={"Items": [DUNE_ITEM]}, repeat=True)
    await hass.services.async_call(DOMAIN, "refresh", {}, blocking=True)
    await hass.async_block_till_done()
    states = {state.attributes["title"]: state.state for state in request_states(hass)}
    assert states == {"Dune: Part Two": "available", "Chernobyl": "grabbing"}


async def test_remove_request(hass: HomeAssistant, services: Services, init_integration: MockConfigEntry) -> None:
    """remove_request forgets the request, removes its entity, and the removal is on disk when the action returns."""
    entity_id = "sensor.media_requests_dune_part_two_2024"
    await hass.services.async_call(DOMAIN, "remove_request", {"entity_id": entity_id}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id) is None
    assert er.async_get(hass).async_get(entity_id) is None
    assert [state.attributes["title"] for state in request_states(hass)] == ["Chernobyl"]
    assert [item["title"] for item in await stored_requests(hass)] == ["Chernobyl"]


@pytest.mark.parametrize("service", ["remove_request", "refresh"])
async def test_actions_refuse_other_entities(hass: HomeAssistant, services: Services, service: str) -> None:
    """A summary sensor or an unknown entity is not a request."""
    for entity_id in ("sensor.media_request_status_tracker_active_requests", "sensor.does_not_exist"):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(DOMAIN, service, {"entity_id": entity_id}, blocking=True)
        assert err.value.translation_key == "not_a_request"
    assert len(request_states(hass)) == 2


async def test_remove_request_needs_a_target(hass: HomeAssistant, services: Services) -> None:
    """remove_request without entity_id is refused by the schema."""
    with pytest.raises(Exception, match="entity_id"):
        await hass.services.async_call(DOMAIN, "remove_request", {}, blocking=True)


async def test_refresh_names_jellyfin_when_it_fails(
    hass: HomeAssistant, services: Services, http: aioresponses
) -> None:
    """Jellyfin does not answer: the action fails with a translated error naming Jellyfin; states stay."""
    http.get(ITEMS, exception=ClientConnectionError("refused"), repeat=True)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "refresh", {"entity_id": "sensor.media_requests_dune_part_two_2024"}, blocking=True
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "refresh_failed"
    assert err.value.translation_placeholders == {"services": "Jellyfin"}
    assert str(err.value) == (
        "The refresh could not check everything: Jellyfin failed. Requests keep their states and are checked again "
        "later; the log says why"  # rendered without the final "."
    )
    assert hass.states.get("sensor.media_requests_dune_part_two_2024").state == "importing"


async def test_refresh_names_qbittorrent_when_it_fails(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    http: aioresponses,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """qBittorrent down while Jellyfin answers: the error names qBittorrent only; what Jellyfin knew is applied."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Living Room Jellyfin",
        data={**entry_data, CONF_QBITTORRENT: {CONF_URL: QBT_URL, CONF_USERNAME: "admin", CONF_PASSWORD: "pw"}},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await Services(hass, hass_client_no_auth).run(
        *MOVIE_FLOW[:3], "jellyseerr/tv_auto_approved", "sonarr/grab_season_pack"
    )
    http.post(f"{QBT_URL}/api/v2/auth/login", exception=ClientConnectionError("refused"), repeat=True)
    http.get(ITEMS, payload={"Items": [DUNE_ITEM]}, repeat=True)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(DOMAIN, "refresh", {}, blocking=True)
    assert err.value.translation_key == "refresh_failed"
    assert err.value.translation_placeholders == {"services": "qBittorrent"}
    assert "qBittorrent failed" in str(err.value)
    states = {state.attributes["title"]: state.state for state in request_states(hass)}
    assert states == {"Dune: Part Two": "available", "Chernobyl": "grabbing"}
