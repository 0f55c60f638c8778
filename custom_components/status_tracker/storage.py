"""Versioned persistence of the tracker through Home Assistant's Store.

Layout: {"tracker": {"requests": [...]}, "last_webhook": {service: ISO time}} under the Store's version.
Versions:
- 1.1: the tracker also carried its own {"format": 1}; requests written before the clocks existed lack
  `state_changed_at` (they default to `updated_at`).
- 1.2: one version number, the Store's; every request is rewritten in today's form (clocks explicit).
Store files from a NEWER major version (the integration was downgraded) and data that does not read are never
overwritten: they are kept as `.storage/status_tracker.<entry_id>.backup`, tracking starts empty, and the caller
raises a repair issue. A file that is not even JSON is renamed aside by Home Assistant itself, which raises its own
repair issue.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN, STORAGE_MINOR_VERSION, STORAGE_SAVE_DELAY, STORAGE_VERSION
from .core.models import MediaRequest
from .core.tracker import Tracker
from .repairs import async_create_store_issue

_LOGGER = logging.getLogger(__name__)

type StoredData = dict[str, Any]

# How often the data is copied again when a change raced with the copy (see TrackerStore._data_at_write).
_COPY_ATTEMPTS = 5


class NewerStoreVersionError(Exception):
    """The file was written by a newer major version of the integration."""

    def __init__(self, version: int, data: Any) -> None:
        super().__init__(f"stored by version {version}, this integration reads version {STORAGE_VERSION}")
        self.data = data


def migrate(old_major: int, old_minor: int, data: Any) -> StoredData:
    """Bring data stored at an older version to the current one (Home Assistant saves the result at once)."""
    if old_major > STORAGE_VERSION:
        raise NewerStoreVersionError(old_major, data)
    if old_minor < 2 and isinstance(data, dict) and isinstance(tracker := data.get("tracker"), dict):
        # Unreadable requests are left as they are: loading them then keeps the whole file as a backup.
        requests = tracker.get("requests")
        if isinstance(requests, list):
            requests = [_rewrite(item) for item in requests]
        data = {**data, "tracker": {"requests": requests}}
    return data  # type: ignore[no-any-return]


def _rewrite(item: Any) -> Any:
    try:
        return MediaRequest.from_dict(item).to_dict()
    except (AttributeError, KeyError, TypeError, ValueError):
        return item


class _MigratingStore(Store[StoredData]):
    async def _async_migrate_func(self, old_major_version: int, old_minor_version: int, old_data: Any) -> StoredData:
        return migrate(old_major_version, old_minor_version, old_data)


class TrackerStore:
    """One store file per config entry: .storage/status_tracker.<entry_id>."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._hass = hass
        self._key = f"{DOMAIN}.{entry_id}"
        self._store = _MigratingStore(hass, STORAGE_VERSION, self._key, minor_version=STORAGE_MINOR_VERSION)
        self._data_func: Callable[[], StoredData] | None = None
        # A write is scheduled and has not read the data yet.
        self._pending = False

    @property
    def backup_path(self) -> str:
        """Where unreadable data is kept, relative to the configuration directory."""
        return f".storage/{self._key}.backup"

    async def async_load(self) -> StoredData:
        """The saved data; an empty dict on first run, or when the file came from a newer version (backed up)."""
        try:
            return await self._store.async_load() or {}
        except NewerStoreVersionError as err:
            await self.async_backup(err.data)
            raise

    def async_schedule_save(self, data_func: Callable[[], StoredData]) -> None:
        """Save within STORAGE_SAVE_DELAY of the first unsaved change; a burst of changes becomes one write.

        Home Assistant's delayed save restarts its timer at every call, so a steady stream of changes (progress every
        few seconds) would postpone the write for as long as it lasts. A write already scheduled is left alone: it
        reads the data when it runs, so it takes every change made until then.
        """
        self._data_func = data_func
        if not self._pending:
            self._pending = True
            self._store.async_delay_save(self._data_at_write, STORAGE_SAVE_DELAY)

    def _data_at_write(self) -> StoredData:
        """The data, read when the Store writes: a change from now on needs (and schedules) a write of its own.

        Home Assistant 2026.x calls this in the event loop; 2025.4 calls it in the Store's executor thread, while the
        loop may add a request, and copying a dict that changes size meanwhile raises RuntimeError. Copying again is
        safe: whatever changed meanwhile has scheduled a write of its own.
        """
        self._pending = False
        data_func = self._data_func
        assert data_func is not None  # noqa: S101 - set before any write is scheduled
        for _ in range(_COPY_ATTEMPTS - 1):
            try:
                return data_func()
            except RuntimeError:
                continue
        return data_func()

    async def async_flush(self) -> None:
        """Write a pending save now (unload, Home Assistant stop)."""
        if self._data_func is not None:
            # async_save cancels the delayed write, which then never reads the data.
            self._pending = False
            await self._store.async_save(self._data_func())
            self._data_func = None

    async def async_backup(self, data: Any) -> None:
        """Keep data that could not be read next to the store (see `backup_path`)."""
        backup: Store[Any] = Store(self._hass, STORAGE_VERSION, f"{self._key}.backup")
        await backup.async_save(data)

    async def async_remove(self) -> None:
        """Delete the file when the entry is removed."""
        await self._store.async_remove()


async def async_load_tracker(hass: HomeAssistant, entry_id: str, store: TrackerStore) -> tuple[Tracker, dict[str, str]]:
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
    async_create_store_issue(hass, entry_id, store.backup_path, problem)
    return Tracker(), {}
