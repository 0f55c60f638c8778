"""Media Request Status Tracker: follow media requests from Jellyseerr to Jellyfin."""

from __future__ import annotations

from homeassistant.const import CONF_API_KEY, CONF_URL, EVENT_HOMEASSISTANT_FINAL_WRITE, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.loader import async_get_integration
from homeassistant.util import dt as dt_util

from . import log_redaction
from .card import async_register_card
from .catchup import Reconciler
from .const import CONF_SHOKO, DOMAIN
from .hub import Hub
from .retention import async_setup_retention, keep_finished
from .runtime import (
    StatusTrackerConfigEntry,
    StatusTrackerData,
    anime_rules,
    async_check_jellyfin,
    build_clients,
    build_pollers,
    requesters,
)
from .services import async_setup_services
from .shoko import ShokoMatches
from .storage import TrackerStore
from .summary import SummaryCoordinator
from .webhook import async_register_webhooks
from .webhook_setup import async_start_webhook_setup

PLATFORMS: list[Platform] = [Platform.SENSOR]


CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Actions and the dashboard card are the integration's, not an entry's."""
    async_setup_services(hass)
    integration = await async_get_integration(hass, DOMAIN)
    await async_register_card(hass, str(integration.version))
    return True


async def async_setup_entry(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> bool:
    """Check Jellyfin, load the saved tracker, add its entities, then start listening and polling."""
    clients = build_clients(hass, entry)
    await async_check_jellyfin(clients.jellyfin)
    store = TrackerStore(hass, entry.entry_id)
    tracker, last_webhook = await store.async_load(dt_util.utcnow(), keep_finished(entry.options))
    # Unload callbacks run last-registered first: the store closes after webhooks and pollers have stopped.
    entry.async_on_unload(store.async_close)

    async def _async_final_write(_event: Event) -> None:
        await store.async_close()

    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_FINAL_WRITE, _async_final_write))
    hub = Hub(
        hass,
        entry_id=entry.entry_id,
        store=store,
        tracker=tracker,
        rules=anime_rules(entry.options),
        last_webhook=last_webhook,
        requesters=requesters(entry.options),
    )
    catchup = Reconciler(hass, entry, hub, clients.seerr, clients.arrs)
    downloads, library = build_pollers(hass, entry, hub, clients, catchup)
    summary = SummaryCoordinator(hass, entry, hub)
    await summary.async_config_entry_first_refresh()
    entry.async_on_unload(hub.async_add_listener(summary.async_tracker_changed))
    entry.runtime_data = StatusTrackerData(
        store=store, hub=hub, downloads=downloads, library=library, summary=summary, clients=clients
    )
    async_setup_retention(hass, entry, hub)
    # Entities first, so that the first webhook already has a platform to add its request to.
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(log_redaction.install(log_redaction.entry_secrets(entry.data, entry.options)))
    entry.async_on_unload(async_register_webhooks(hass, entry, hub))
    async_start_webhook_setup(hass, entry, clients)
    catchup.async_start()
    # One reload path for options, reauth and reconfigure alike.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    for poller in (downloads, library):
        if poller is not None:
            poller.async_start()
    if (shoko := entry.data.get(CONF_SHOKO) or {}).get(CONF_URL):
        matches = ShokoMatches(
            hass,
            hub,
            library,
            session=async_get_clientsession(hass),
            url=shoko[CONF_URL],
            api_key=shoko[CONF_API_KEY],
        )
        matches.async_start(entry)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> bool:
    """Remove the entities; the unload callbacks then stop listening, polling, and close the store."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> None:
    """Delete the entry's saved requests."""
    await TrackerStore(hass, entry.entry_id).async_remove()


async def _async_reload(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)
