"""Versioned persistence of the tracker through Home Assistant's Store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN, STORAGE_MINOR_VERSION, STORAGE_SAVE_DELAY, STORAGE_VERSION

type StoredData = dict[str, Any]


class TrackerStore:
    """One store file per config entry: .storage/status_tracker.<entry_id>."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._hass = hass
        self._key = f"{DOMAIN}.{entry_id}"
        self._store: Store[StoredData] = Store(
            hass,
            STORAGE_VERSION,
            self._key,
            minor_version=STORAGE_MINOR_VERSION,
        )
        self._data_func: Callable[[], StoredData] | None = None

    async def async_load(self) -> StoredData:
        """The saved data, or an empty dict on first run."""
        return await self._store.async_load() or {}

    def async_schedule_save(self, data_func: Callable[[], StoredData]) -> None:
        """Save soon; a burst of changes becomes one write."""
        self._data_func = data_func
        self._store.async_delay_save(data_func, STORAGE_SAVE_DELAY)

    async def async_flush(self) -> None:
        """Write a pending save now (unload, Home Assistant stop)."""
        if self._data_func is not None:
            await self._store.async_save(self._data_func())
            self._data_func = None

    async def async_backup(self, data: StoredData) -> None:
        """Keep data that could not be read next to the store, as .storage/status_tracker.<entry_id>.backup."""
        backup: Store[StoredData] = Store(self._hass, STORAGE_VERSION, f"{self._key}.backup")
        await backup.async_save(data)

    async def async_remove(self) -> None:
        """Delete the file when the entry is removed."""
        await self._store.async_remove()
