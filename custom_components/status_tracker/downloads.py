"""The qBittorrent poller: one `sync/maindata` call per cycle while the tracker waits on a torrent, none otherwise.

What a torrent means (its phase, its progress event, the missing-torrent timer) is core/downloads.py's; this module
only asks qBittorrent on a timer (polling.py) and hands the events to the hub.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .clients.qbittorrent import QBittorrentClient
from .const import DOWNLOAD_MISSING_AFTER
from .core.downloads import DownloadWatch, Torrent
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
        # The awaited torrents of the last poll, by every id an *arr may use: what a stall's cause reads.
        self._seen: dict[str, Torrent] = {}

    def torrents_of(self, download_ids: Iterable[str]) -> list[Torrent]:
        """The torrents the last poll saw for these download ids (any case), each once."""
        found = {torrent.hash: torrent for key in download_ids if (torrent := self._seen.get(key.lower()))}
        return list(found.values())

    async def _async_poll(self) -> bool:
        awaited = self._hub.awaited_downloads()
        if not awaited:
            self._watch.idle()
            self._seen = {}
            return False
        torrents = await self._client.async_sync()
        self._seen = {key: torrent for torrent in torrents.values() for key in torrent.keys if key in awaited}
        await self._hub.async_apply(self._watch.events(awaited, torrents.values(), dt_util.utcnow()))
        return True
