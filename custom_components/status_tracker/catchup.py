"""Catch-up with the services' APIs: what webhooks missed while Home Assistant was down is applied anyway.

It runs once the entry is set up, and again when a request is flagged stuck (stuck.py calls `async_stuck`; at most
every RECONCILE_EVERY).
- Jellyseerr: every request already tracked is brought up to date; of the others, only OPEN ones (pending or
  approved, media not yet available or deleted) are imported, so the first setup imports what is in progress (the
  "library sync") and not years of history. Details (title, poster) are fetched only for requests not tracked yet.
- Radarr/Sonarr: history since the oldest request in progress (at most RECONCILE_HISTORY_DAYS back) and the queue,
  applied to requests in progress only: old grabs of finished media would only churn their history.
The events are rebuilt by catchup.py and applied through Hub, so entities and events follow as for webhooks;
the tracker ignores what it already knows, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .clients import InvalidAuthError, ServiceError
from .clients.arr import ArrClient
from .clients.seerr import SeerrClient
from .const import RECONCILE_EVERY, RECONCILE_HISTORY_DAYS
from .core.catchup import arr_history_events, arr_queue_events, seerr_request_events, without_known_grabs
from .core.coerce import as_int
from .core.events import Event, Grabbed, Imported
from .core.models import ArrApp
from .core.timeline import SOURCE_CATCH_UP
from .hub import Hub
from .repairs import async_connection_refused, connection_name

_LOGGER = logging.getLogger(__name__)

_OPEN_REQUEST = frozenset({1, 2})  # MediaRequestStatus PENDING, APPROVED
_MEDIA_DONE = frozenset({5, 7})  # MediaStatus AVAILABLE, DELETED


@dataclass(frozen=True, slots=True)
class ArrSource:
    """One connected Radarr/Sonarr."""

    key: str  # its entry data section, e.g. "radarr_2"
    client: ArrClient
    app: ArrApp
    is_4k: bool


class Reconciler:
    """Runs the catch-up of one entry."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, hub: Hub, seerr: SeerrClient | None, arrs: list[ArrSource]
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._hub = hub
        self._seerr = seerr
        self._arrs = arrs
        self._last_run: datetime | None = None
        self._failing: set[str] = set()

    @property
    def configured(self) -> bool:
        """True when there is anything to catch up from."""
        return self._seerr is not None or bool(self._arrs)

    @callback
    def async_start(self) -> None:
        """Catch up once, in the background (the entry is set up)."""
        if self.configured:
            self._entry.async_create_background_task(self._hass, self.async_run(), "status_tracker catch-up")

    @callback
    def async_stuck(self) -> None:
        """A request was just flagged stuck: its webhooks may have been missed, so catch up if due (background)."""
        if self.configured:
            self._entry.async_create_background_task(self._hass, self.async_run_if_due(), "status_tracker catch-up")

    async def async_run_if_due(self) -> None:
        """Run, unless a run happened less than RECONCILE_EVERY ago (stuck requests come in bursts)."""
        now = dt_util.utcnow()
        if self._last_run is None or now - self._last_run >= timedelta(seconds=RECONCILE_EVERY):
            await self.async_run()

    async def async_run(self) -> int:
        """Catch up with every connected service; the number of changes applied."""
        self._last_run = dt_util.utcnow()
        changes = 0
        if self._seerr is not None:
            changes += await self._guarded("jellyseerr", self._async_seerr(self._seerr))
        for source in self._arrs:
            changes += await self._guarded(source.key, self._async_arr(source))
        if changes:
            _LOGGER.info("Catch-up with the services applied %d change(s)", changes)
        return changes

    async def _guarded(self, key: str, work: Any) -> int:
        """Run one connection's catch-up (`key` is its entry data section); a failure leaves the others to run."""
        try:
            changes: int = await work
        except ServiceError as err:
            # Logged once per outage; the next run (stuck request, restart) tries again.
            if key not in self._failing:
                _LOGGER.warning("Could not catch up with %s: %s", connection_name(key), err)
            self._failing.add(key)
            if isinstance(err, InvalidAuthError):
                async_connection_refused(self._hass, self._hub.entry_id, key)
            return 0
        # The issue of a refused key is cleared by the webhook setup, which asks every connection at each load.
        self._failing.discard(key)
        return changes

    async def _async_seerr(self, seerr: SeerrClient) -> int:
        events: list[Event] = []
        for record in await seerr.async_get_requests():
            known = self._hub.find_jellyseerr(str(record.get("id")))
            if known is not None:
                # The tracked title stands: the list has none, and fetching each one would cost a call per request.
                details: dict[str, Any] | None = {"title": known.title, "name": known.title}
            elif _is_open(record):
                details = await _async_details(seerr, record)
            else:
                continue
            events += seerr_request_events(record, details, self._hub.rules)
        return len(await self._hub.async_apply(events, source=SOURCE_CATCH_UP))

    async def _async_arr(self, source: ArrSource) -> int:
        active = [self._hub.requests[rid] for rid in self._hub.active_ids()]
        if not active:
            return 0
        now = dt_util.utcnow()
        since = max(min(request.created_at for request in active), now - timedelta(days=RECONCILE_HISTORY_DAYS))
        rules = self._hub.rules
        history = await source.client.async_get_history_since(since)
        queue = await source.client.async_get_queue()
        events = arr_history_events(source.app, history, rules, is_4k=source.is_4k)
        events += arr_queue_events(source.app, queue, rules, is_4k=source.is_4k)
        wanted = [
            event
            for event in without_known_grabs(events, self._hub.knows_download)
            if isinstance(event, Grabbed | Imported)
            and (request := self._hub.find_media(event.media)) is not None
            and request.is_active
        ]
        return len(await self._hub.async_apply(wanted, source=SOURCE_CATCH_UP))


def _is_open(record: dict[str, Any]) -> bool:
    media = record.get("media")
    status = media.get("status4k" if record.get("is4k") else "status") if isinstance(media, dict) else None
    return as_int(record.get("status")) in _OPEN_REQUEST and as_int(status) not in _MEDIA_DONE


async def _async_details(seerr: SeerrClient, record: dict[str, Any]) -> dict[str, Any] | None:
    media = record.get("media")
    if not isinstance(media, dict):
        return None
    media_type, tmdb_id = media.get("mediaType") or record.get("type"), as_int(media.get("tmdbId"))
    if media_type not in ("movie", "tv") or not tmdb_id:
        return None
    try:
        return await seerr.async_get_media(media_type, tmdb_id)
    except ServiceError as err:
        _LOGGER.debug("No details for %s %s: %s", media_type, tmdb_id, err)
        return None
