"""Base entity: one service device per config entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN


def entry_device_info(entry: ConfigEntry) -> DeviceInfo:
    """The device every entity of an entry belongs to."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=DeviceEntryType.SERVICE,
        name=entry.title,
        manufacturer="Media Request Status Tracker",
    )


class StatusTrackerEntity(Entity):
    """Common attributes of the integration's pushed entities."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: ConfigEntry) -> None:
        """Attach the entity to the entry's device."""
        self._attr_device_info = entry_device_info(entry)
