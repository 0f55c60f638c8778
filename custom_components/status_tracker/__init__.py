"""Media Request Status Tracker: follow media requests from Jellyseerr to Jellyfin."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
import logging
from typing import Any

from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.loader import async_get_integration

from . import log_redaction
from .card import async_register_card
from .catchup import Reconciler
from .clients import InvalidAuthError, ServiceError
from .clients.jellyfin import JellyfinClient
from .const import (
    ARR_SECTIONS,
    CONF_ANIME_PATH_PREFIXES,
    CONF_ANIME_TAG,
    CONF_DOWNLOAD_POLL_INTERVAL,
    CONF_JELLYSEERR,
    CONF_LIBRARY_POLL_INTERVAL,
    CONF_QBITTORRENT,
    CONF_SHOKO,
    CONF_STUCK_AFTER,
    CONF_WEBHOOK_IDS,
    CONF_WEBHOOK_SECRETS,
    DEFAULT_ANIME_TAG,
    DEFAULT_DOWNLOAD_POLL_INTERVAL,
    DEFAULT_LIBRARY_POLL_INTERVAL,
    DEFAULT_STUCK_AFTER,
    DOMAIN,
)
from .core.models import AnimeRules
from .core.tracker import Tracker
from .downloads import DownloadPoller
from .hub import Hub
from .library import LibraryPoller
from .repairs import async_create_store_issue
from .retention import async_setup_retention
from .runtime import Clients, StatusTrackerConfigEntry, StatusTrackerData, build_clients
from .services import async_setup_services
from .shoko import ShokoMatches
from .storage import NewerStoreVersionError, TrackerStore
from .stuck import StuckRequests
from .summary import SummaryCoordinator
from .webhook import async_register_webhooks
from .webhook_setup import async_start_webhook_setup

_LOGGER = logging.getLogger(__name__)

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
    await _async_check_jellyfin(clients.jellyfin)
    store = TrackerStore(hass, entry.entry_id)
    tracker, last_webhook = await _async_load(hass, entry, store)
    hub = Hub(
        hass,
        entry_id=entry.entry_id,
        store=store,
        tracker=tracker,
        rules=anime_rules(entry.options),
        last_webhook=last_webhook,
    )
    catchup = Reconciler(hass, entry, hub, clients.seerr, clients.arrs)
    downloads, library = _create_pollers(hass, entry, hub, clients, catchup)
    summary = SummaryCoordinator(hass, entry, hub)
    await summary.async_config_entry_first_refresh()
    entry.async_on_unload(hub.async_add_listener(summary.async_tracker_changed))
    entry.runtime_data = StatusTrackerData(store=store, hub=hub, downloads=downloads, library=library, summary=summary)
    async_setup_retention(hass, entry, hub)
    # Entities first, so that the first webhook already has a platform to add its request to.
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(log_redaction.install(_secrets(entry.data, entry.options)))
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
        entry.async_create_background_task(hass, matches.feed.async_run(), "status_tracker Shoko feed")
        entry.async_on_unload(matches.feed.async_stop)
    return True


async def _async_check_jellyfin(jellyfin: JellyfinClient) -> None:
    """One authenticated call: a refused key asks for a new one, an unreachable server is retried by Home Assistant."""
    try:
        await jellyfin.async_get_server_info()
    except InvalidAuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="service_auth_failed",
            translation_placeholders={"service": "Jellyfin"},
        ) from err
    except ServiceError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="service_unavailable",
            translation_placeholders={"service": "Jellyfin", "error": str(err) or type(err).__name__},
        ) from err


def _create_pollers(
    hass: HomeAssistant, entry: StatusTrackerConfigEntry, hub: Hub, clients: Clients, catchup: Reconciler
) -> tuple[DownloadPoller | None, LibraryPoller]:
    options = entry.options
    downloads = None
    if clients.qbittorrent is not None:
        interval = timedelta(seconds=options.get(CONF_DOWNLOAD_POLL_INTERVAL, DEFAULT_DOWNLOAD_POLL_INTERVAL))
        downloads = DownloadPoller(hass, entry, hub, clients.qbittorrent, interval)
    stuck = StuckRequests(
        hass,
        hub,
        stuck_after=timedelta(minutes=options.get(CONF_STUCK_AFTER, DEFAULT_STUCK_AFTER)),
        downloads=downloads,
        on_stuck=catchup.async_stuck,
    )
    library = LibraryPoller(
        hass,
        entry,
        hub,
        jellyfin=clients.jellyfin,
        shoko=clients.shoko,
        stuck=stuck,
        recheck_every=timedelta(seconds=options.get(CONF_LIBRARY_POLL_INTERVAL, DEFAULT_LIBRARY_POLL_INTERVAL)),
    )
    return downloads, library


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


def _secrets(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    """Every secret the entry holds: webhook ids, webhook secrets, API keys and passwords."""
    secrets = [*data[CONF_WEBHOOK_IDS].values(), *(options.get(CONF_WEBHOOK_SECRETS) or {}).values()]
    secrets.append(data[CONF_API_KEY])
    sections = [data.get(key) or {} for key in (CONF_QBITTORRENT, CONF_SHOKO, CONF_JELLYSEERR, *ARR_SECTIONS)]
    secrets += [section.get(key) or "" for section in sections for key in (CONF_PASSWORD, CONF_API_KEY)]
    return [secret for secret in secrets if secret]


def anime_rules(options: Mapping[str, Any]) -> AnimeRules:
    """How anime is recognised, from the entry's options."""
    return AnimeRules(
        tag_label=options.get(CONF_ANIME_TAG) or DEFAULT_ANIME_TAG,
        path_prefixes=tuple(options.get(CONF_ANIME_PATH_PREFIXES, ())),
    )


async def _async_load(
    hass: HomeAssistant, entry: StatusTrackerConfigEntry, store: TrackerStore
) -> tuple[Tracker, dict[str, str]]:
    """The saved tracker and webhook times; unreadable data is kept as a backup, never overwritten."""
    stored: Any = None
    try:
        stored = await store.async_load()
        tracker = Tracker.from_dict(stored.get("tracker") or {})
        last = stored.get("last_webhook")
    except NewerStoreVersionError as err:
        problem = str(err)
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        await store.async_backup(stored)
        # The exception text names a key or value of our own data, never a secret.
        problem = f"{type(err).__name__}: {err}"
    else:
        return tracker, {str(k): str(v) for k, v in last.items()} if isinstance(last, dict) else {}
    _LOGGER.error("The saved requests could not be read (%s); a backup was kept and tracking starts empty", problem)
    async_create_store_issue(hass, entry.entry_id, store.backup_path, problem)
    return Tracker(), {}
