"""Shoko's live feed, wired to the tracker: a matched anime file ends its wait and triggers a Jellyfin check."""

from __future__ import annotations

import logging

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .clients.shoko_feed import ShokoFeed, ShokoMatch
from .core.events import FileMatched
from .hub import Hub
from .library import LibraryPoller

_LOGGER = logging.getLogger(__name__)


class ShokoMatches:
    """Owns the feed of one config entry; callbacks run in the event loop."""

    def __init__(
        self,
        hass: HomeAssistant,
        hub: Hub,
        library: LibraryPoller,
        *,
        session: aiohttp.ClientSession,
        url: str,
        api_key: str,
    ) -> None:
        self._hass = hass
        self._hub = hub
        self._library = library
        self._connected: bool | None = None
        self._feed = ShokoFeed(session, url, api_key, on_match=self._on_match, on_connection=self._on_connection)

    @callback
    def async_start(self, entry: ConfigEntry) -> None:
        """Follow the feed while the entry is loaded."""
        entry.async_create_background_task(self._hass, self._feed.async_run(), "status_tracker Shoko feed")
        entry.async_on_unload(self._feed.async_stop)

    @callback
    def _on_match(self, match: ShokoMatch) -> None:
        if match.relative_path and match.cross_references:
            self._hass.async_create_task(self._async_matched(match), eager_start=True)

    async def _async_matched(self, match: ShokoMatch) -> None:
        changes = await self._hub.async_apply(
            [FileMatched(path=match.relative_path, cross_references=match.cross_references)]
        )
        for request_id in {change.request_id for change in changes}:
            await self._library.async_check_now(request_id)

    @callback
    def _on_connection(self, connected: bool, error: str | None) -> None:
        # The feed reports each change once; log the loss once and the return once.
        if connected:
            if self._connected is False:
                _LOGGER.info("Shoko live feed is back")
        else:
            _LOGGER.warning("Shoko live feed is unavailable (%s); retrying with backoff", error or "disconnected")
        self._connected = connected
