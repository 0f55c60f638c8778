"""Counts over every request of an entry, for the summary sensors.

Recomputed in one pass over the requests, at most once a second however many webhooks arrive (the refresh
debouncer), and every five minutes so that "available in the last 24 h" ages without any event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .core.models import EpisodeState, RequestState
from .hub import Hub

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Summary:
    """What the summary sensors show."""

    active: int = 0
    downloading: int = 0
    stuck: int = 0
    failed: int = 0
    available_last_24_h: int = 0


class SummaryCoordinator(DataUpdateCoordinator[Summary]):
    """Keeps the counts current."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, hub: Hub) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name="request summary",
            update_interval=timedelta(minutes=5),
            request_refresh_debouncer=Debouncer(hass, _LOGGER, cooldown=1, immediate=True),
        )
        self._hub = hub
        self._entry = entry

    @callback
    def async_tracker_changed(self) -> None:
        """Recount soon (debounced)."""
        self._entry.async_create_task(self.hass, self.async_request_refresh(), eager_start=True)

    async def _async_update_data(self) -> Summary:
        return count(self._hub)


def count(hub: Hub) -> Summary:
    """The counts, in one pass over the requests."""
    since = dt_util.utcnow() - timedelta(hours=24)
    active = downloading = stuck = failed = recent = 0
    for request in hub.requests.values():
        if request.removed:
            continue
        if request.state is RequestState.FAILED:
            failed += 1
        elif request.state is RequestState.AVAILABLE:
            recent += request.available_at is not None and request.available_at >= since
        else:
            active += 1
            stuck += request.stuck_since is not None
            downloading += request.state is RequestState.DOWNLOADING or any(
                episode.state is EpisodeState.DOWNLOADING for episode in request.episodes.values()
            )
    return Summary(active=active, downloading=downloading, stuck=stuck, failed=failed, available_last_24_h=recent)
