"""The entry's two service devices: the tracker (summary sensors) and its requests (one sensor each).

Core integrations that follow items of a server put the items on devices of their own (plex and jellyfin: each
client or session linked to the server's device with via_device; tautulli: a service device per user) rather than an
entity category, which is for configuration and diagnostics. The request sensors get one such device, so that the
device page lists the five counts apart from the (many) requests. Both devices are named by translation, once:
entity names then carry no server name.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_URL
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import CONF_QBITTORRENT, CONF_SHOKO, DOMAIN

MANUFACTURER = "Media Request Status Tracker"


def connected_services(entry: ConfigEntry) -> str:
    """The device model: the services the entry follows, in the order a request meets them."""
    services = ["Jellyseerr", "Radarr", "Sonarr"]
    if (entry.data.get(CONF_QBITTORRENT) or {}).get(CONF_URL):
        services.append("qBittorrent")
    if (entry.data.get(CONF_SHOKO) or {}).get(CONF_URL):
        services.append("Shoko")
    services.append("Jellyfin")
    return " → ".join(services)


def tracker_device_info(entry: ConfigEntry, version: str) -> DeviceInfo:
    """The device of the summary sensors (the entry's device since the first release: the same identifier)."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=DeviceEntryType.SERVICE,
        translation_key="tracker",
        manufacturer=MANUFACTURER,
        model=connected_services(entry),
        sw_version=version,
    )


def requests_device_info(entry: ConfigEntry, version: str) -> DeviceInfo:
    """The device of the request sensors, under the tracker's."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_requests")},
        entry_type=DeviceEntryType.SERVICE,
        translation_key="requests",
        manufacturer=MANUFACTURER,
        model=connected_services(entry),
        sw_version=version,
        via_device=(DOMAIN, entry.entry_id),
    )


class StatusTrackerEntity(Entity):
    """Common attributes of the integration's pushed entities."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, device_info: DeviceInfo) -> None:
        """Attach the entity to its device."""
        self._attr_device_info = device_info
