"""One sensor per tracked request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback, async_get_current_platform
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.loader import async_get_integration

from .const import DOMAIN
from .core.display import request_display_attributes
from .core.models import MediaRequest, RequestState
from .entity import StatusTrackerEntity, requests_device_info, tracker_device_info
from .hub import Hub, request_unique_id, signal_request_updated
from .runtime import StatusTrackerConfigEntry
from .summary import Summary, SummaryCoordinator

# Entities are pushed by webhooks; nothing to throttle.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StatusTrackerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a sensor for each known request, and for each new one as it appears."""
    hub = entry.runtime_data.hub
    platform = async_get_current_platform()
    version = str((await async_get_integration(hass, DOMAIN)).version)
    tracker = tracker_device_info(entry, version)
    requests_device = requests_device_info(entry, version)

    async def async_add_requests(requests: list[MediaRequest]) -> None:
        # Awaited (not the callback's scheduled add) so that the hub's events can name the new entities.
        await platform.async_add_entities(
            [RequestSensor(entry, requests_device, hub, request.request_id) for request in requests]
        )

    entry.async_on_unload(hub.async_add_new_requests_listener(async_add_requests))
    async_add_entities(
        SummarySensor(entry, tracker, entry.runtime_data.summary, description) for description in SUMMARY_SENSORS
    )
    async_add_entities(RequestSensor(entry, requests_device, hub, request_id) for request_id in hub.visible_ids())


@dataclass(frozen=True, kw_only=True)
class SummarySensorDescription(SensorEntityDescription):
    """A count over the entry's requests."""

    value_fn: Callable[[Summary], int]


SUMMARY_SENSORS = (
    SummarySensorDescription(key="active_requests", translation_key="active_requests", value_fn=lambda s: s.active),
    SummarySensorDescription(key="downloading", translation_key="downloading", value_fn=lambda s: s.downloading),
    SummarySensorDescription(key="stuck_requests", translation_key="stuck_requests", value_fn=lambda s: s.stuck),
    SummarySensorDescription(key="failed_requests", translation_key="failed_requests", value_fn=lambda s: s.failed),
    SummarySensorDescription(
        key="available_last_24_h", translation_key="available_last_24_h", value_fn=lambda s: s.available_last_24_h
    ),
)


class SummarySensor(CoordinatorEntity[SummaryCoordinator], SensorEntity):
    """How many requests are in a given situation."""

    entity_description: SummarySensorDescription
    _attr_has_entity_name = True
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(
        self,
        entry: StatusTrackerConfigEntry,
        device_info: DeviceInfo,
        coordinator: SummaryCoordinator,
        description: SummarySensorDescription,
    ) -> None:
        """One count of one entry."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = device_info

    @property
    def native_value(self) -> int:
        """The count."""
        return self.entity_description.value_fn(self.coordinator.data)


class RequestSensor(StatusTrackerEntity, SensorEntity):
    """Where one request is: its state, and the details as attributes."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options: list[str] = [str(state) for state in RequestState]  # noqa: RUF012 - HA's own attribute type
    _attr_translation_key = "request"
    # Per-episode rows can be large (16 KiB attribute limit); the download figures and updated_at change with every
    # qBittorrent poll and would store a new attribute row each time. History keeps the state and the rest.
    _unrecorded_attributes = frozenset(
        {"episodes", "episode_causes", "download_progress", "download_speed", "download_eta", "updated_at"}
    )

    def __init__(self, entry: StatusTrackerConfigEntry, device_info: DeviceInfo, hub: Hub, request_id: str) -> None:
        """Follow one request of the entry's tracker."""
        super().__init__(device_info)
        self._entry_id = entry.entry_id
        self._hub = hub
        self._request_id = request_id
        self._attr_unique_id = request_unique_id(entry.entry_id, request_id)
        request = self._request
        self._attr_translation_placeholders = {"title": _display_title(request) if request else request_id}

    @property
    def _request(self) -> MediaRequest | None:
        return self._hub.get(self._request_id)

    @property
    def available(self) -> bool:
        """Unavailable only if the request is gone from the tracker."""
        return self._request is not None

    @property
    def native_value(self) -> str | None:
        """The request state's lowercase name."""
        request = self._request
        return str(request.state) if request else None

    @property
    def entity_picture(self) -> str | None:
        """The poster Jellyseerr or the *arr sent; without one, Home Assistant draws the state's icon."""
        request = self._request
        return (request.poster_url or None) if request else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """What a person reads in the more-info dialog, and the keys the card and automations read."""
        request = self._request
        return request_display_attributes(request) if request else {}

    async def async_added_to_hass(self) -> None:
        """Refresh when the tracker changes this request."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_request_updated(self._entry_id, self._request_id), self._async_updated
            )
        )

    @callback
    def _async_updated(self) -> None:
        self.async_write_ha_state()


def _display_title(request: MediaRequest) -> str:
    return f"{request.title} ({request.year})" if request.year else request.title
