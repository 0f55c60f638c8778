"""Media Request Status Tracker: follow media requests from Jellyseerr to Jellyfin."""

from __future__ import annotations

from http import HTTPStatus
import logging
from typing import Any

from aiohttp import web
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .data import StatusTrackerConfigEntry, StatusTrackerData
from .storage import TrackerStore
from .webhook import async_register_webhooks, json_response

_LOGGER = logging.getLogger(__name__)

PLATFORMS: list[Platform] = []


async def async_setup_entry(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> bool:
    """Load the saved tracker, then start listening."""
    store = TrackerStore(hass, entry.entry_id)
    runtime = StatusTrackerData.from_stored(store, await store.async_load())
    entry.runtime_data = runtime

    async def on_payload(service: str, payload: Any) -> web.Response:
        runtime.last_webhook[service] = dt_util.utcnow().isoformat()
        store.async_schedule_save(runtime.as_stored)
        return json_response(HTTPStatus.OK, "accepted")

    entry.async_on_unload(async_register_webhooks(hass, entry.title, entry.data, entry.options, on_payload))
    # One reload path for options, reauth and reconfigure alike.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> bool:
    """Stop listening and write what is pending."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.store.async_flush()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> None:
    """Delete the entry's store file."""
    await TrackerStore(hass, entry.entry_id).async_remove()


async def _async_reload(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)
