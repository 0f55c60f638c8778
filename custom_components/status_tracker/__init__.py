"""Media Request Status Tracker: follow media requests from Jellyseerr to Jellyfin."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from .const import CONF_ANIME_PATH_PREFIXES, CONF_ANIME_TAG, DEFAULT_ANIME_TAG
from .data import StatusTrackerConfigEntry, StatusTrackerData
from .ingest import Ingest
from .models import AnimeRules
from .storage import StoredData, TrackerStore
from .tracker import Tracker
from .webhook import async_register_webhooks

_LOGGER = logging.getLogger(__name__)

PLATFORMS: list[Platform] = [Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> bool:
    """Load the saved tracker, add its entities, then start listening."""
    store = TrackerStore(hass, entry.entry_id)
    stored = await store.async_load()
    ingest = Ingest(
        hass,
        entry_id=entry.entry_id,
        store=store,
        tracker=await _async_restore_tracker(store, stored),
        rules=anime_rules(entry.options),
        last_webhook=_restore_last_webhook(stored),
    )
    entry.runtime_data = StatusTrackerData(store=store, ingest=ingest)
    # Entities first, so that the first webhook already has a platform to add its request to.
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(
        async_register_webhooks(hass, entry.title, entry.data, entry.options, ingest.async_handle_payload)
    )
    # One reload path for options, reauth and reconfigure alike.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
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


def anime_rules(options: Mapping[str, Any]) -> AnimeRules:
    """How anime is recognised, from the entry's options."""
    return AnimeRules(
        tag_label=options.get(CONF_ANIME_TAG) or DEFAULT_ANIME_TAG,
        path_prefixes=tuple(options.get(CONF_ANIME_PATH_PREFIXES, ())),
    )


async def _async_restore_tracker(store: TrackerStore, stored: StoredData) -> Tracker:
    """The saved tracker; unreadable data is kept aside as a backup rather than overwritten."""
    try:
        return Tracker.from_dict(stored.get("tracker") or {})
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        # The exception text names a key or value of our own data, never a secret.
        _LOGGER.error(  # noqa: TRY400 - a traceback of our own data adds nothing for the user
            "The saved requests could not be read (%s: %s); a backup was kept and tracking starts empty",
            type(err).__name__,
            err,
        )
        await store.async_backup(stored)
        return Tracker()


def _restore_last_webhook(stored: StoredData) -> dict[str, str]:
    last = stored.get("last_webhook")
    return {str(k): str(v) for k, v in last.items()} if isinstance(last, dict) else {}
