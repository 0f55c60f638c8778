"""The qBittorrent poller: one `sync/maindata` call per cycle while the tracker waits on a torrent, none otherwise.

What a torrent means (its phase, its progress event, the missing-torrent timer) is core/downloads.py's; this module
only asks qBittorrent on a timer (polling.py) and hands the events to the hub.
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .clients.qbittorrent import QBittorrentClient
from .const import DOWNLOAD_MISSING_AFTER
from .core.downloads import DownloadWatch
from .hub import Hub
from .polling import Poller


class DownloadPoller(Poller):
    """Follows the torrents the tracker waits on."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, hub: Hub, client: QBittorrentClient, interval: timedelta
    ) -> None:
        super().__init__(hass, entry, name="qBittorrent downloads", service="qBittorrent", interval=interval)
        self._hub = hub
        self._client = client
        self._watch = DownloadWatch(timedelta(seconds=DOWNLOAD_MISSING_AFTER))

    async def _async_poll(self) -> bool:
        awaited = self._hub.awaited_downloads()
        if not awaited:
            self._watch.idle()
            return False
        torrents = await self._client.async_sync()
        await self._hub.async_apply(self._watch.events(awaited, torrents.values(), dt_util.utcnow()))
        return True
