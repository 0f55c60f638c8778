"""Retention: finished requests leave the dashboard after some days, and the store keeps a bounded history.

A finished request (AVAILABLE, FAILED or deleted from the *arr) untouched for `keep_finished_days` loses its entity
(removed from the entity registry, so it leaves dashboards and the entity list) but stays in the store, compacted,
so that a re-request is still recognised as a duplicate and late webhooks still find it. Any later change brings
its entity back. Above `max_requests`, the finished requests least recently updated are forgotten entirely.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .const import (
    CONF_KEEP_FINISHED_DAYS,
    CONF_MAX_REQUESTS,
    DEFAULT_KEEP_FINISHED_DAYS,
    DEFAULT_MAX_REQUESTS,
    DOMAIN,
    RETENTION_EVERY,
)
from .hub import Hub, request_unique_id
from .runtime import StatusTrackerConfigEntry


def keep_finished(options: Mapping[str, Any]) -> timedelta:
    """How long a finished request keeps its entity (the option, in days)."""
    return timedelta(days=options.get(CONF_KEEP_FINISHED_DAYS, DEFAULT_KEEP_FINISHED_DAYS))


@callback
def async_setup_retention(hass: HomeAssistant, entry: StatusTrackerConfigEntry, hub: Hub) -> None:
    """Apply retention now (before the entities are added) and every hour while the entry is loaded."""
    keep_for = keep_finished(entry.options)
    limit = int(entry.options.get(CONF_MAX_REQUESTS, DEFAULT_MAX_REQUESTS))

    @callback
    def run(_now: datetime | None = None) -> None:
        async_apply_retention(hass, hub, keep_for, limit)

    run()
    entry.async_on_unload(async_track_time_interval(hass, run, timedelta(seconds=RETENTION_EVERY)))


@callback
def async_apply_retention(hass: HomeAssistant, hub: Hub, keep_for: timedelta, limit: int) -> None:
    """One pass: hide the requests finished for long enough, then trim the history to `limit`."""
    registry = er.async_get(hass)
    for rid in hub.async_retain(dt_util.utcnow(), keep_for, limit):
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, request_unique_id(hub.entry_id, rid))
        if entity_id is not None:
            registry.async_remove(entity_id)
