"""Logbook lines for the integration's events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import Event, HomeAssistant

from custom_components.status_tracker.const import (
    DOMAIN,
    EVENT_ALREADY_AVAILABLE,
    EVENT_REQUEST_STUCK,
    EVENT_STATE_CHANGED,
)
from custom_components.status_tracker.logbook import async_describe_events

ENTITY = "sensor.media_requests_dune_part_two_2024"
BASE = {"entity_id": ENTITY, "title": "Dune: Part Two", "request_id": "r1", "media_type": "movie"}


def describers(hass: HomeAssistant) -> dict[str, Callable[[Event], dict[str, Any]]]:
    """What the integration registers with the logbook, by event type."""
    found: dict[str, Callable[[Event], dict[str, Any]]] = {}

    def register(domain: str, event_type: str, describe: Callable[[Event], dict[str, Any]]) -> None:
        assert domain == DOMAIN
        found[event_type] = describe

    async_describe_events(hass, register)
    return found


async def test_logbook_describes_events(hass: HomeAssistant) -> None:
    """Each event reads as a sentence about the request, linked to its entity."""
    describe = describers(hass)
    assert set(describe) == {EVENT_STATE_CHANGED, EVENT_ALREADY_AVAILABLE, EVENT_REQUEST_STUCK}

    created = describe[EVENT_STATE_CHANGED](
        Event(EVENT_STATE_CHANGED, {**BASE, "old_state": None, "new_state": "approved"})
    )
    assert created == {"name": "Dune: Part Two", "message": "is now approved", "entity_id": ENTITY}
    changed = describe[EVENT_STATE_CHANGED](
        Event(EVENT_STATE_CHANGED, {**BASE, "old_state": "importing", "new_state": "anime_matching"})
    )
    assert changed["message"] == "changed from importing to anime matching"
    again = describe[EVENT_ALREADY_AVAILABLE](Event(EVENT_ALREADY_AVAILABLE, BASE))
    assert again["message"] == "was requested again but is already available"
    stuck = describe[EVENT_REQUEST_STUCK](Event(EVENT_REQUEST_STUCK, {**BASE, "state": "downloading"}))
    assert stuck["message"] == "is stuck while downloading"
    why = "qBittorrent has had no peer for 2 h."
    explained = describe[EVENT_REQUEST_STUCK](
        Event(EVENT_REQUEST_STUCK, {**BASE, "state": "downloading", "cause_text": why})
    )
    assert explained["message"] == f"is stuck while downloading: {why}"
    anonymous = describe[EVENT_STATE_CHANGED](Event(EVENT_STATE_CHANGED, {"old_state": None, "new_state": "requested"}))
    assert anonymous == {"name": "Media request", "message": "is now requested"}
