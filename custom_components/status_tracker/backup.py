"""Home Assistant backups: the database's main file does not change while a backup copies it.

Before the copy, what is staged is written and the WAL folded into the main file; until the backup ends, writes go
on (webhooks are still answered once durable) but stay in the WAL. Home Assistant's backup leaves out `*.db-shm`;
a WAL copied in the middle of a write loses only that last transaction when restored (SQLite checks every frame).
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .runtime import StatusTrackerConfigEntry


def _entries(hass: HomeAssistant) -> list[StatusTrackerConfigEntry]:
    return hass.config_entries.async_loaded_entries(DOMAIN)


async def async_pre_backup(hass: HomeAssistant) -> None:
    """Hold the main files still."""
    for entry in _entries(hass):
        await entry.runtime_data.store.async_hold_for_backup()


async def async_post_backup(hass: HomeAssistant) -> None:
    """Let the main files take the WAL again."""
    for entry in _entries(hass):
        await entry.runtime_data.store.async_release_after_backup()
