"""The one-time import of the Home Assistant Store file that releases before the database kept requests in.

That file (`.storage/status_tracker.<entry_id>`, JSON) held {"tracker": {"requests": [...]}, "last_webhook":
{service: ISO time}} under the Store's version:
- 1.1: the tracker also carried its own {"format": 1}; requests written before the clocks existed lack
  `state_changed_at` (they default to `updated_at`).
- 1.2: one version number, the Store's; every request in today's form (clocks explicit).
Once its requests are in the database, the file is kept as `.storage/status_tracker.<entry_id>.store_backup` (a
downgrade can still be read by hand) and removed. A file from a NEWER major version (the integration was downgraded,
then upgraded again) and data that does not read are never lost: they are kept as
`.storage/status_tracker.<entry_id>.backup` and the caller raises a repair issue. A file that is not even JSON is
renamed aside by Home Assistant itself, which raises its own repair issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN, STORAGE_MINOR_VERSION, STORAGE_VERSION
from .core.models import MediaRequest
from .core.tracker import Tracker

type StoredData = dict[str, Any]


class NewerStoreVersionError(Exception):
    """The file was written by a newer major version of the integration."""

    def __init__(self, version: int, data: Any) -> None:
        super().__init__(f"stored by version {version}, this integration reads version {STORAGE_VERSION}")
        self.data = data


class UnreadableStoreError(Exception):
    """The file's data does not read as requests; it was kept at `backup_path`."""


@dataclass(frozen=True, slots=True)
class StoreFile:
    """What the Store file held."""

    tracker: Tracker
    last_webhook: dict[str, str]


def migrate(old_major: int, old_minor: int, data: Any) -> StoredData:
    """Bring data stored at an older version to the current one."""
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


def _store_file(data: Any) -> StoreFile:
    last = data.get("last_webhook") or {}
    return StoreFile(Tracker.from_dict(data.get("tracker") or {}), {str(k): str(v) for k, v in last.items()})


class StoreFileImport:
    """The entry's Store file, if any: read it, then set it aside once imported."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Nothing is read until `async_read`."""
        self._hass = hass
        self._key = f"{DOMAIN}.{entry_id}"
        self._store = _MigratingStore(hass, STORAGE_VERSION, self._key, minor_version=STORAGE_MINOR_VERSION)
        self._raw: Any = None

    @property
    def backup_path(self) -> str:
        """Where unreadable data is kept, relative to the configuration directory."""
        return f".storage/{self._key}.backup"

    async def async_read(self) -> StoreFile | None:
        """The file's requests, None without a file; UnreadableStoreError when kept aside (the file is then gone)."""
        try:
            self._raw = await self._store.async_load()
        except NewerStoreVersionError as err:
            await self._async_set_aside(f"{self._key}.backup", err.data)
            raise UnreadableStoreError(str(err)) from err
        if self._raw is None:
            return None
        try:
            # Off the loop: a large history takes seconds to build.
            return await self._hass.async_add_executor_job(_store_file, self._raw)
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            await self._async_set_aside(f"{self._key}.backup", self._raw)
            # The exception text names a key or value of our own data, never a secret.
            raise UnreadableStoreError(f"{type(err).__name__}: {err}") from err

    async def async_set_aside(self) -> None:
        """The requests are in the database now: keep the file as `<key>.store_backup`, out of the way."""
        await self._async_set_aside(f"{self._key}.store_backup", self._raw)

    async def async_remove(self) -> None:
        """Delete the file and its backups (the config entry was removed)."""
        for key in (self._key, f"{self._key}.store_backup", f"{self._key}.backup"):
            await Store[Any](self._hass, STORAGE_VERSION, key).async_remove()

    async def _async_set_aside(self, key: str, data: Any) -> None:
        await Store[Any](self._hass, STORAGE_VERSION, key).async_save(data)
        await self._store.async_remove()
