"""Jellyfin REST client (the parts status_tracker needs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from ..core.coerce import as_int
from . import InvalidResponseError
from .base import RestClient, expect_json


@dataclass(frozen=True, slots=True)
class JellyfinServerInfo:
    """Identity of a Jellyfin server."""

    server_id: str
    name: str
    version: str | None


@dataclass(frozen=True, slots=True)
class JellyfinItem:
    """The parts of a Jellyfin library item the tracker matches on."""

    item_id: str
    name: str
    item_type: str
    # Provider ids with lowercase keys ("tmdb", "tvdb", "imdb", "anidb", ...), values as strings.
    provider_ids: dict[str, str]
    season: int | None = None
    episode: int | None = None
    episode_end: int | None = None
    series_id: str | None = None
    path: str | None = None

    def has_provider_id(self, provider: str, value: int | str | None) -> bool:
        """True when the item carries exactly this id (Jellyfin cannot filter by value: E19)."""
        if value is None or value == "":
            return False
        return self.provider_ids.get(provider, "").strip().lower() == str(value).strip().lower()


@dataclass(frozen=True, slots=True)
class JellyfinLibrary:
    """A library (virtual folder): its folder item, and the paths it holds as Jellyfin sees them."""

    item_id: str
    name: str
    # "movies", "tvshows", ... (CollectionTypeOptions); None for a mixed library.
    collection_type: str | None
    locations: tuple[str, ...]


# The Jellyfin webhook plugin, as /Plugins lists it ("N" format); routes get the form WebhookPlugin.cs declares.
WEBHOOK_PLUGIN_ID = "71552a5a5c5c4350a2aeebe451a30173"
_WEBHOOK_CONFIGURATION = "/Plugins/71552A5A-5C5C-4350-A2AE-EBE451A30173/Configuration"
_OK = (200,)
_NOT_INFO = "not a Jellyfin /System/Info answer"
_NOT_ITEMS = "not a Jellyfin /Items answer"

# Enough for large libraries; a lookup stops at the first page that holds a match.
_PAGE_SIZE = 500
_MAX_PAGES = 40


class JellyfinClient(RestClient):
    """Talks to one Jellyfin server with an API key.

    Library lookups fetch items with their provider ids and match them here: Jellyfin cannot filter by an id's
    value and silently returns everything for the Emby-only AnyProviderIdEquals (E19).
    """

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str, *, timeout: float = 10) -> None:
        # Legacy X-Emby-Token is refused by Jellyfin 12 by default; this scheme works everywhere.
        super().__init__(session, url.rstrip("/"), {"Authorization": f'MediaBrowser Token="{api_key}"'}, timeout)

    async def async_get_server_info(self) -> JellyfinServerInfo:
        """Return the server's identity; needs a valid API key."""
        status, body = await self._async_request("GET", "/System/Info")
        data = expect_json(status, body, dict, _NOT_INFO, ok=_OK)
        if not data.get("Id"):
            raise InvalidResponseError(_NOT_INFO)
        version = data.get("Version")
        return JellyfinServerInfo(
            server_id=str(data["Id"]).replace("-", "").lower(),
            name=str(data.get("ServerName") or "Jellyfin"),
            version=str(version) if version is not None else None,
        )

    async def async_get_library_monitor_delay(self) -> int | None:
        """Seconds Jellyfin waits after a folder's last file change before it scans it; None when not given.

        `LibraryMonitorDelay` of `GET /System/Configuration` (ServerConfiguration, PascalCase; any valid key).
        """
        status, body = await self._async_request("GET", "/System/Configuration")
        data = expect_json(status, body, dict, "not a Jellyfin /System/Configuration answer", ok=_OK)
        return as_int(data.get("LibraryMonitorDelay"))

    async def async_find(
        self,
        item_type: str,
        *,
        title: str | None,
        tmdb_id: int | None = None,
        tvdb_id: int | None = None,
        imdb_id: str | None = None,
    ) -> JellyfinItem | None:
        """The Movie or Series item with one of these provider ids: by title first, then through the library."""

        def matches(item: JellyfinItem) -> bool:
            return (
                item.has_provider_id("tmdb", tmdb_id)
                or item.has_provider_id("tvdb", tvdb_id)
                or item.has_provider_id("imdb", imdb_id)
            )

        if tmdb_id is None and tvdb_id is None and not imdb_id:
            return None
        query = {"includeItemTypes": item_type, "recursive": "true", "fields": "ProviderIds,Path"}
        # These only test that an id is present, which still narrows a large library; the value is matched here.
        if tmdb_id is not None:
            query["hasTmdbId"] = "true"
        elif tvdb_id is not None:
            query["hasTvdbId"] = "true"
        if title:
            for item in await self._async_page({**query, "searchTerm": title}, 0):
                if matches(item):
                    return item
        # Titles differ between services (anime, translations): walk the library, a page at a time.
        for page in range(_MAX_PAGES):
            items = await self._async_page(query, page * _PAGE_SIZE)
            for item in items:
                if matches(item):
                    return item
            if len(items) < _PAGE_SIZE:
                break
        return None

    async def async_episodes(self, series_id: str) -> list[JellyfinItem]:
        """Every episode of a series that has a file (virtual "missing" episodes are left out)."""
        query = {
            "parentId": series_id,
            "includeItemTypes": "Episode",
            "recursive": "true",
            "isMissing": "false",
            "fields": "ProviderIds,Path",
        }
        episodes: list[JellyfinItem] = []
        for page in range(_MAX_PAGES):
            items = await self._async_page(query, page * _PAGE_SIZE)
            episodes.extend(items)
            if len(items) < _PAGE_SIZE:
                break
        return episodes

    async def async_get_webhook_plugin_configuration(self) -> dict[str, Any] | None:
        """The webhook plugin's whole configuration (PascalCase), or None unless the plugin is installed and active."""
        status, body = await self._async_request("GET", "/Plugins")
        plugins = expect_json(status, body, list, "not a Jellyfin /Plugins answer", ok=_OK)
        if not any(
            isinstance(plugin, dict)
            and str(plugin.get("Id", "")).replace("-", "").lower() == WEBHOOK_PLUGIN_ID
            and str(plugin.get("Status", "")).lower() == "active"
            for plugin in plugins
        ):
            return None
        status, body = await self._async_request("GET", _WEBHOOK_CONFIGURATION)
        if status == 404:  # uninstalled between the two calls
            return None
        return expect_json(status, body, dict, "not a webhook plugin configuration", ok=_OK)

    async def async_set_webhook_plugin_configuration(self, configuration: dict[str, Any]) -> None:
        """Replace the webhook plugin's whole configuration: send back what was read, with our changes."""
        status, _ = await self._async_request("POST", _WEBHOOK_CONFIGURATION, json=configuration)
        if status not in (200, 204):
            raise InvalidResponseError(f"the webhook plugin refused its configuration (HTTP {status})")

    async def async_get_libraries(self) -> list[JellyfinLibrary]:
        """The libraries (`GET /Library/VirtualFolders`) with their folders as Jellyfin sees them."""
        status, body = await self._async_request("GET", "/Library/VirtualFolders")
        libraries = []
        for raw in expect_json(status, body, list, "not a Jellyfin /Library/VirtualFolders answer", ok=_OK):
            if isinstance(raw, dict) and raw.get("ItemId"):
                locations = raw.get("Locations")
                libraries.append(
                    JellyfinLibrary(
                        item_id=str(raw["ItemId"]),
                        name=str(raw.get("Name") or ""),
                        collection_type=str(raw.get("CollectionType") or "") or None,
                        locations=tuple(str(path) for path in locations if path) if isinstance(locations, list) else (),
                    )
                )
        return libraries

    async def async_scan_library(self, library_id: str) -> None:
        """Queue a scan of one library for new and changed files, as the web UI's "Scan library" does.

        `POST /Items/{id}/Refresh` on a library's folder validates its children (ProviderManager.RefreshItem);
        Default modes give new items their metadata and images. It answers 204 once queued, while
        `POST /Library/Refresh` would hold the answer until every library was scanned.
        """
        params = {
            "metadataRefreshMode": "Default",
            "imageRefreshMode": "Default",
            "replaceAllMetadata": "false",
            "replaceAllImages": "false",
        }
        status, _ = await self._async_request("POST", f"/Items/{library_id}/Refresh", params=params)
        if status not in (200, 204):
            raise InvalidResponseError(f"the library refresh was refused (HTTP {status})")

    async def _async_page(self, query: dict[str, str], start: int) -> list[JellyfinItem]:
        params = {**query, "startIndex": str(start), "limit": str(_PAGE_SIZE)}
        status, body = await self._async_request("GET", "/Items", params=params)
        data = expect_json(status, body, dict, _NOT_ITEMS, ok=_OK)
        if not isinstance(data.get("Items"), list):
            raise InvalidResponseError(_NOT_ITEMS)
        return [item for raw in data["Items"] if (item := _item(raw)) is not None]


def _item(raw: Any) -> JellyfinItem | None:
    """One item of an /Items answer, or None for garbage and for virtual (missing) items."""
    if not isinstance(raw, dict) or not raw.get("Id") or raw.get("LocationType") == "Virtual":
        return None
    providers = raw.get("ProviderIds")
    return JellyfinItem(
        item_id=str(raw["Id"]).replace("-", "").lower(),
        name=str(raw.get("Name") or ""),
        item_type=str(raw.get("Type") or ""),
        provider_ids=(
            {str(k).lower(): str(v) for k, v in providers.items() if v is not None}
            if isinstance(providers, dict)
            else {}
        ),
        season=as_int(raw.get("ParentIndexNumber")),
        episode=as_int(raw.get("IndexNumber")),
        episode_end=as_int(raw.get("IndexNumberEnd")),
        series_id=str(raw["SeriesId"]).replace("-", "").lower() if raw.get("SeriesId") else None,
        path=str(raw["Path"]) if raw.get("Path") else None,
    )
