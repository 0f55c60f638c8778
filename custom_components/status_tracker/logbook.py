"""Logbook lines for the integration's events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_ALREADY_AVAILABLE, EVENT_REQUEST_STUCK, EVENT_STATE_CHANGED

# Logbook messages are plain English in Home Assistant itself; they are not translatable.
_STATE_WORDS = {
    "requested": "requested",
    "approved": "approved",
    "grabbing": "grabbing",
    "downloading": "downloading",
    "downloaded": "downloaded",
    "importing": "importing",
    "anime_matching": "anime matching",
    "available": "available",
    "failed": "failed",
}


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe each event the integration fires."""

    @callback
    def state_changed(event: Event) -> dict[str, Any]:
        data = event.data
        new = _STATE_WORDS.get(data.get("new_state") or "", data.get("new_state"))
        old = data.get("old_state")
        message = f"is now {new}" if old is None else f"changed from {_STATE_WORDS.get(old, old)} to {new}"
        return _entry(data, message)

    @callback
    def already_available(event: Event) -> dict[str, Any]:
        return _entry(event.data, "was requested again but is already available")

    @callback
    def stuck(event: Event) -> dict[str, Any]:
        state = event.data.get("state") or ""
        message = f"is stuck while {_STATE_WORDS.get(state, state)}"
        # The why, as the stuck check found it, is what the reader of the logbook needs next.
        if cause := event.data.get("cause_text"):
            message = f"{message}: {cause}"
        return _entry(event.data, message)

    async_describe_event(DOMAIN, EVENT_STATE_CHANGED, state_changed)
    async_describe_event(DOMAIN, EVENT_ALREADY_AVAILABLE, already_available)
    async_describe_event(DOMAIN, EVENT_REQUEST_STUCK, stuck)


def _entry(data: Any, message: str) -> dict[str, Any]:
    entry = {LOGBOOK_ENTRY_NAME: data.get("title") or "Media request", LOGBOOK_ENTRY_MESSAGE: message}
    if entity_id := data.get("entity_id"):
        entry[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
    return entry
