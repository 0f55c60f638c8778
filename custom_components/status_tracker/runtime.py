"""What a loaded entry owns (runtime data, the typed entry), and the one place its service clients are built."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .catchup import ArrSource, Reconciler
from .clients import InvalidAuthError, ServiceError
from .clients.arr import ArrClient
from .clients.jellyfin import JellyfinClient
from .clients.qbittorrent import QBittorrentClient
from .clients.seerr import SeerrClient
from .clients.shoko import ShokoClient
from .const import (
    ARR_SECTIONS,
    CONF_ANIME_PATH_PREFIXES,
    CONF_ANIME_TAG,
    CONF_DOWNLOAD_POLL_INTERVAL,
    CONF_IS_4K,
    CONF_JELLYSEERR,
    CONF_LIBRARY_POLL_INTERVAL,
    CONF_QBITTORRENT,
    CONF_REQUEST_TIMEOUT,
    CONF_REQUESTERS,
    CONF_SHOKO,
    CONF_STUCK_AFTER,
    DEFAULT_ANIME_TAG,
    DEFAULT_DOWNLOAD_POLL_INTERVAL,
    DEFAULT_LIBRARY_POLL_INTERVAL,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_STUCK_AFTER,
    DOMAIN,
)
from .core.models import AnimeRules
from .core.requesters import Recipient, parse_requesters
from .downloads import DownloadPoller
from .hub import Hub
from .library import LibraryPoller
from .storage import TrackerStore
from .stuck import StuckRequests
from .summary import SummaryCoordinator
from .validation import async_create_qbittorrent_session


@dataclass(frozen=True, slots=True)
class Clients:
    """One client per configured service, shared by everything that talks to it."""

    jellyfin: JellyfinClient
    qbittorrent: QBittorrentClient | None
    shoko: ShokoClient | None
    seerr: SeerrClient | None
    arrs: list[ArrSource]


def build_clients(hass: HomeAssistant, entry: ConfigEntry) -> Clients:
    """The clients of every service the entry configures, with its request timeout."""
    session = async_get_clientsession(hass)
    timeout = float(entry.options.get(CONF_REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT))
    data = entry.data
    qbittorrent = None
    if (qbt := data.get(CONF_QBITTORRENT) or {}).get(CONF_URL):
        # A session of its own: its cookie jar holds the login. Home Assistant closes it when it stops.
        qbittorrent = QBittorrentClient(
            async_create_qbittorrent_session(hass),
            qbt[CONF_URL],
            qbt.get(CONF_USERNAME),
            qbt.get(CONF_PASSWORD),
            timeout=timeout,
        )
    shoko = None
    if (shoko_conf := data.get(CONF_SHOKO) or {}).get(CONF_URL):
        shoko = ShokoClient(session, shoko_conf[CONF_URL], shoko_conf[CONF_API_KEY], timeout=timeout)
    seerr = None
    if (seerr_conf := data.get(CONF_JELLYSEERR) or {}).get(CONF_URL):
        seerr = SeerrClient(session, seerr_conf[CONF_URL], seerr_conf[CONF_API_KEY], timeout=timeout)
    arrs = [
        ArrSource(
            key,
            ArrClient(session, arr[CONF_URL], arr[CONF_API_KEY], app, timeout=timeout),
            app,
            bool(arr.get(CONF_IS_4K)),
        )
        for key, app in ARR_SECTIONS.items()
        if (arr := data.get(key) or {}).get(CONF_URL)
    ]
    return Clients(
        jellyfin=JellyfinClient(session, data[CONF_URL], data[CONF_API_KEY], timeout=timeout),
        qbittorrent=qbittorrent,
        shoko=shoko,
        seerr=seerr,
        arrs=arrs,
    )


async def async_check_jellyfin(jellyfin: JellyfinClient) -> None:
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


def build_pollers(
    hass: HomeAssistant, entry: ConfigEntry, hub: Hub, clients: Clients, catchup: Reconciler
) -> tuple[DownloadPoller | None, LibraryPoller]:
    """The qBittorrent poller (when configured) and the library poller with its stuck check."""
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
        clients=clients,
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


def anime_rules(options: Mapping[str, Any]) -> AnimeRules:
    """How anime is recognised, from the entry's options."""
    return AnimeRules(
        tag_label=options.get(CONF_ANIME_TAG) or DEFAULT_ANIME_TAG,
        path_prefixes=tuple(options.get(CONF_ANIME_PATH_PREFIXES, ())),
    )


def requesters(options: Mapping[str, Any]) -> dict[str, Recipient]:
    """The Seerr users mapped to persons and notify targets (the options flow checked the lines)."""
    return parse_requesters(options.get(CONF_REQUESTERS, ()))


@dataclass(slots=True)
class StatusTrackerData:
    """What a loaded entry owns."""

    store: TrackerStore
    hub: Hub
    downloads: DownloadPoller | None
    library: LibraryPoller
    summary: SummaryCoordinator
    # The services' clients, for the remedy actions.
    clients: Clients


type StatusTrackerConfigEntry = ConfigEntry[StatusTrackerData]
