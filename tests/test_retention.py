"""Retention: finished requests leave the dashboard after N days but stay in storage; the history is capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import (
    CONF_KEEP_FINISHED_DAYS,
    CONF_MAX_REQUESTS,
    EVENT_ALREADY_AVAILABLE,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
)

from .helpers import (
    MOVIE_FLOW,
    STORE_KEY,
    TV_FLOW,
    Services,
    in_memory,
    load_json,
    request_states,
    stored_requests,
    tick,
)

HOUR = timedelta(hours=1)


async def test_finished_requests_leave_the_dashboard_after_seven_days(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After 7 days the AVAILABLE movie's entity is gone from the registry; the request stays in storage, compact."""
    services = Services(hass, hass_client_no_auth)
    await services.run(*MOVIE_FLOW, "jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    movie, series = request_states(hass)
    assert (movie.state, series.state) == ("available", "grabbing")
    registry = er.async_get(hass)

    await tick(hass, freezer, timedelta(days=7) - HOUR)
    assert registry.async_get(movie.entity_id) is not None
    await tick(hass, freezer, 2 * HOUR)
    assert registry.async_get(movie.entity_id) is None
    assert hass.states.get(movie.entity_id) is None
    # The request in progress keeps its entity, however old.
    assert [state.entity_id for state in request_states(hass)] == [series.entity_id]

    await tick(hass, freezer, 10 * HOUR)  # the batched write
    on_disk = await stored_requests(hass)
    stored = {item["request_id"]: item for item in on_disk}
    assert set(stored) == {movie.attributes["request_id"], series.attributes["request_id"]}
    assert stored[movie.attributes["request_id"]]["state"] == "available"
    # Compacted on disk as in memory: the series' episodes lost their titles, paths and progress, not their states.
    assert on_disk == in_memory(init_integration.runtime_data.hub)


async def test_re_request_of_a_retired_movie_is_a_duplicate_and_brings_it_back(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Duplicate detection still works on a retired request, across a restart; its entity comes back."""
    services = Services(hass, hass_client_no_auth)
    await services.run(*MOVIE_FLOW)
    (movie,) = request_states(hass)
    await tick(hass, freezer, timedelta(days=8))
    assert request_states(hass) == []

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert request_states(hass) == []

    notices = async_capture_events(hass, EVENT_ALREADY_AVAILABLE)
    await services.run("jellyseerr/movie_rerequest_auto_approved")
    (state,) = request_states(hass)
    assert state.attributes["request_id"] == movie.attributes["request_id"]
    assert state.entity_id == movie.entity_id
    assert state.state == "available"
    assert state.attributes["already_available"] is True
    assert [event.data["entity_id"] for event in notices] == [movie.entity_id]


async def test_retired_series_stays_available_after_a_late_import(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A retired TV request is found again by its episodes: no new request, and it is still AVAILABLE."""
    services = Services(hass, hass_client_no_auth)
    await services.run(*TV_FLOW)
    (series,) = request_states(hass)
    assert series.state == "available"
    await tick(hass, freezer, timedelta(days=8))
    assert request_states(hass) == []
    await services.run("sonarr/download_pack_file_e01")
    (state,) = request_states(hass)
    assert state.attributes["request_id"] == series.attributes["request_id"]
    assert state.state == "available"


def _movie(index: int, state: str, updated: datetime) -> dict[str, Any]:
    return {
        "request_id": f"{index:032x}",
        "media_type": "movie",
        "title": f"Movie {index}",
        "state": state,
        "created_at": updated.isoformat(),
        "updated_at": updated.isoformat(),
        "tmdb_id": 5000 + index,
    }


async def test_history_is_capped_oldest_finished_first(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    http: aioresponses,
) -> None:
    """Above max_requests, the finished requests changed longest ago are forgotten; active ones never are."""
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    freezer.move_to(now)
    # 120 available (the oldest first), then 5 in progress older than all of them.
    items = [_movie(i, "available", now - timedelta(hours=200 - i)) for i in range(120)]
    items += [_movie(1000 + i, "grabbing", now - timedelta(days=400)) for i in range(5)]
    hass_storage[STORE_KEY] = {
        "version": STORAGE_VERSION,
        "minor_version": STORAGE_MINOR_VERSION,
        "key": STORE_KEY,
        "data": {"tracker": {"requests": items}, "last_webhook": {}},
    }
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_MAX_REQUESTS: 100})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await tick(hass, freezer, timedelta(seconds=10))  # the batched write

    kept = {item["request_id"] for item in await stored_requests(hass)}
    assert len(kept) == 100
    assert {f"{1000 + i:032x}" for i in range(5)} <= kept
    assert kept - {f"{1000 + i:032x}" for i in range(5)} == {f"{i:032x}" for i in range(25, 120)}
    # Within 7 days: entities; older finished ones: none; in progress: always.
    shown = {state.attributes["request_id"] for state in request_states(hass)}
    recent = {f"{i:032x}" for i in range(120) if 200 - i < 7 * 24}
    assert shown == recent | {f"{1000 + i:032x}" for i in range(5)}


async def test_zero_days_retires_at_the_next_pass(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """keep_finished_days 0: an AVAILABLE request loses its entity at the next hourly pass."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_KEEP_FINISHED_DAYS: 0})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    services = Services(hass, hass_client_no_auth)
    await services.run(*MOVIE_FLOW)
    declined = load_json("jellyseerr/movie_declined.json")
    declined["media"]["tmdbId"] = "999001"
    declined["request"]["request_id"] = "77"
    await services.post("jellyseerr/movie_declined", declined)
    assert [state.state for state in request_states(hass)] == ["available", "failed"]
    await tick(hass, freezer, HOUR)
    assert request_states(hass) == []
