"""The timeline through Home Assistant: webhooks write it, get_requests returns it, a restart keeps it, Hub.async_note
adds to it, and the sensor's recorded attributes never carry it."""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.status_tracker.const import EVENT_STATE_CHANGED

from .helpers import MOVIE_FLOW, Services, get_requests, in_memory, only_state, restart, stored_requests

MOVIE_TIMELINE = [
    ("state", "jellyseerr", "approved", "Tracked as approved"),
    ("state", "radarr", "grabbing", "approved → grabbing"),
    ("state", "radarr", "importing", "grabbing → importing"),
    ("state", "jellyfin", "available", "importing → available"),
]


async def _timeline(hass: HomeAssistant) -> list[dict[str, str | None]]:
    (request,) = (await get_requests(hass))["requests"]
    timeline: list[dict[str, str | None]] = request["timeline"]
    return timeline


def _summary(timeline: list[dict[str, str | None]]) -> list[tuple[str | None, ...]]:
    return [(entry["kind"], entry["source"], entry["code"], entry["message"]) for entry in timeline]


async def test_webhook_flow_is_in_get_requests_and_survives_a_restart(
    hass: HomeAssistant, services: Services, init_integration: MockConfigEntry
) -> None:
    await services.run(*MOVIE_FLOW)
    (request,) = (await get_requests(hass))["requests"]
    timeline = request["timeline"]
    assert _summary(timeline) == MOVIE_TIMELINE
    assert all(set(entry) == {"at", "kind", "source", "message", "code"} for entry in timeline)
    times = [datetime.fromisoformat(entry["at"]) for entry in timeline]
    assert times == sorted(times)
    assert timeline[-1]["at"] == request["state_changed_at"]
    # The recorder never sees it: not one of the sensor's attributes.
    assert "timeline" not in only_state(hass).attributes
    # Each webhook was answered once on disk, timeline included.
    (stored,) = await stored_requests(hass)
    assert [entry["source"] for entry in stored["timeline"]] == ["jellyseerr", "radarr", "radarr", "jellyfin"]

    await restart(hass, init_integration)
    assert await _timeline(hass) == timeline


async def test_async_note_adds_an_entry_without_moving_the_request(
    hass: HomeAssistant, services: Services, init_integration: MockConfigEntry
) -> None:
    await services.run(*MOVIE_FLOW[:2])
    hub = init_integration.runtime_data.hub
    state = only_state(hass)
    request_id = state.attributes["request_id"]
    changed = async_capture_events(hass, EVENT_STATE_CHANGED)

    await hub.async_note(request_id, kind="remedy", source="user:Alice", message="Searched in Radarr", code="search")
    await hass.async_block_till_done()
    timeline = await _timeline(hass)
    assert _summary(timeline)[-1] == ("remedy", "user:Alice", "search", "Searched in Radarr")
    assert len(timeline) == 3
    # Not a state change: no state_changed event, the sensor stays GRABBING and shows the note's time as its update.
    assert changed == []
    after = only_state(hass)
    assert after.state == "grabbing"
    assert after.attributes["updated_at"] == timeline[-1]["at"]
    # An unknown request: nothing happens.
    await hub.async_note("unknown", kind="note", source="automation", message="nothing")
    assert len(await _timeline(hass)) == 3

    # Staged like every change: the unload writes it, and it is back after the restart.
    await restart(hass, init_integration)
    assert await _timeline(hass) == timeline
    assert [entry["timeline"] for entry in await stored_requests(hass)] == [
        entry["timeline"] for entry in in_memory(init_integration.runtime_data.hub)
    ]
