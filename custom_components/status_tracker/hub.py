"""From a decoded webhook body to tracker changes, saved, shown and announced.

The tracker decides every state; this module only moves data between it and Home Assistant: it parses, applies,
schedules the save, asks the sensor platform for entities of new requests, tells existing entities to refresh, and
fires the integration's events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from http import HTTPStatus
import logging
from typing import Any

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .const import DOMAIN, EVENT_ALREADY_AVAILABLE, EVENT_REQUEST_STUCK, EVENT_STATE_CHANGED
from .core.events import Event, MediaInfo
from .core.models import AnimeRules, MediaRequest, Notice
from .core.parsers import InvalidPayload, ParseResult, jellyfin, jellyseerr, radarr, sonarr
from .core.tracker import Change, Tracker
from .repairs import async_create_webhook_issue, async_delete_webhook_issue, connected_services, missing_webhook
from .storage import StoredData, TrackerStore
from .webhook import json_response

_LOGGER = logging.getLogger(__name__)

type Parser = Callable[[Any, AnimeRules, bool], ParseResult]

# Only the *arr payloads cannot tell a 4K instance from a regular one; Jellyseerr says so itself.
PARSERS: Mapping[str, Parser] = {
    "jellyseerr": lambda payload, rules, _is_4k: jellyseerr.parse_result(payload, rules),
    "radarr": lambda payload, rules, is_4k: radarr.parse_result(payload, rules, is_4k=is_4k),
    "sonarr": lambda payload, rules, is_4k: sonarr.parse_result(payload, rules, is_4k=is_4k),
    "jellyfin": lambda payload, rules, _is_4k: jellyfin.parse_result(payload, rules),
}

type AddRequests = Callable[[list[MediaRequest]], Awaitable[None]]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def signal_request_updated(entry_id: str, request_id: str) -> str:
    """Dispatcher signal an entity listens to for its own request."""
    return f"{DOMAIN}_{entry_id}_{request_id}_updated"


def request_unique_id(entry_id: str, request_id: str) -> str:
    """Unique id of a request's sensor."""
    return f"{entry_id}_{request_id}"


class Hub:
    """Applies webhook payloads of one config entry to its tracker."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        entry_id: str,
        store: TrackerStore,
        tracker: Tracker,
        rules: AnimeRules,
        last_webhook: dict[str, str],
    ) -> None:
        self._hass = hass
        self.entry_id = entry_id
        self._store = store
        self._tracker = tracker
        self.rules = rules
        self.last_webhook = last_webhook
        # Where each service should post (shown in repair issues); set by setup.
        self.webhook_urls: Mapping[str, str] = {}
        # Set by the sensor platform once it is loaded.
        self.add_requests: AddRequests | None = None
        # Called after every change (the summary counts).
        self.listeners: list[Callable[[], None]] = []
        # Requests kept in the store without an entity (see retention.py); a change brings the entity back.
        self.hidden: set[str] = set()

    # Read-only questions about the requests: only the hub changes them.

    def get(self, request_id: str) -> MediaRequest | None:
        """A request by id."""
        return self._tracker.get(request_id)

    @property
    def requests(self) -> Mapping[str, MediaRequest]:
        """Every request, by id (a read-only view)."""
        return self._tracker.requests

    def active_ids(self) -> list[str]:
        """Requests still in progress."""
        return self._tracker.active_ids()

    def awaited_downloads(self) -> frozenset[str]:
        """Torrent ids waited on in qBittorrent."""
        return self._tracker.awaited_downloads()

    def awaiting_library(self) -> list[str]:
        """Requests imported and waiting for Jellyfin (or Shoko)."""
        return self._tracker.awaiting_library()

    def stuck_candidates(self, now: datetime, after: timedelta) -> list[str]:
        """Active requests that have not moved for `after`."""
        return self._tracker.stuck_candidates(now, after)

    def find_jellyseerr(self, jellyseerr_request_id: str) -> MediaRequest | None:
        """The request holding a Jellyseerr request id."""
        return self._tracker.find_jellyseerr(jellyseerr_request_id)

    def find_media(self, media: MediaInfo) -> MediaRequest | None:
        """The request the tracker would give an event about this media."""
        return self._tracker.find_media(media)

    def knows_download(self, download_id: str) -> bool:
        """True when a request holds this download id."""
        return self._tracker.knows_download(download_id)

    def as_stored(self) -> StoredData:
        """What the store keeps."""
        return {"tracker": self._tracker.to_dict(), "last_webhook": dict(self.last_webhook)}

    async def async_handle_payload(self, service: str, payload: Any, is_4k: bool) -> web.Response:
        """Parse one webhook body and apply it; the answer tells the service what happened."""
        try:
            result = PARSERS[service](payload, self.rules, is_4k)
        except InvalidPayload as err:
            _LOGGER.warning("Ignored a %s webhook: field %s %s", service, err.field, err.message)
            return json_response(HTTPStatus.UNPROCESSABLE_ENTITY, f"invalid field {err.field}: {err.message}")

        if service not in self.last_webhook:
            async_delete_webhook_issue(self._hass, self.entry_id, service)
        self.last_webhook[service] = dt_util.utcnow().isoformat()
        if result.ignored is not None:
            _LOGGER.debug("Ignored a %s webhook: %s", service, result.ignored)
            self._store.async_schedule_save(self.as_stored)
            return json_response(HTTPStatus.OK, f"ignored: {result.ignored}")

        changes = await self.async_apply(result.events)
        if not changes:
            # Only the webhook time changed.
            self._store.async_schedule_save(self.as_stored)
        _LOGGER.debug("%s webhook: %d event(s), %d change(s)", service, len(result.events), len(changes))
        return json_response(HTTPStatus.OK, f"applied {len(changes)} change(s)")

    async def async_apply(self, events: Iterable[Event]) -> list[Change]:
        """Apply events from any source (webhooks, pollers, the Shoko feed) and publish what changed."""
        now = dt_util.utcnow()
        changes = [change for event in events for change in self._tracker.apply(event, now)]
        await self.async_publish(changes)
        return changes

    async def async_remove(self, request_id: str) -> None:
        """Stop tracking a request (the remove_request action); its entity is removed by the caller."""
        if self._tracker.remove(request_id) is not None:
            self.hidden.discard(request_id)
            self.async_changed_quietly()

    async def async_mark_stuck(self, request_ids: Iterable[str], now: datetime) -> None:
        """Flag requests as stuck (the stuck check found them still not moving) and publish it."""
        await self.async_publish([change for rid in request_ids for change in self._tracker.mark_stuck(rid, now)])

    def async_retain(self, now: datetime, keep_for: timedelta, limit: int) -> list[str]:
        """Hide requests finished for `keep_for` and forget the oldest beyond `limit`; the ids whose entity goes."""
        retired = self._tracker.retire(now, keep_for)
        newly_hidden = [rid for rid in retired if rid not in self.hidden]
        forgotten = self._tracker.trim(limit)
        self.hidden.update(newly_hidden)
        self.hidden.difference_update(forgotten)
        if newly_hidden or forgotten:
            self.async_changed_quietly()
        return [*newly_hidden, *forgotten]

    def async_changed_quietly(self) -> None:
        """The tracker changed without events to fire (retention, removal): save, and update the counts."""
        self._store.async_schedule_save(self.as_stored)
        self._notify()

    def _notify(self) -> None:
        for listener in self.listeners:
            listener()

    async def async_publish(self, changes: list[Change]) -> None:
        """Save, add entities for new requests, refresh the others, then fire the events."""
        if not changes:
            return
        self._store.async_schedule_save(self.as_stored)
        await self._async_publish(changes)
        self._notify()

    async def _async_publish(self, changes: list[Change]) -> None:
        # New requests, and hidden ones that changed, get an entity (once, however many changes they had).
        appearing = {
            change.request_id: req
            for change in changes
            if (change.created or change.request_id in self.hidden) and (req := self._tracker.get(change.request_id))
        }
        created = list(appearing.values())
        self.hidden.difference_update(appearing)
        if created and self.add_requests is not None:
            # Awaited so that the events below can name the new entities.
            await self.add_requests(created)
        registry = er.async_get(self._hass)
        entry = self._hass.config_entries.async_get_entry(self.entry_id)
        connected = connected_services(entry.data) if entry else frozenset()
        for change in changes:
            request = self._tracker.get(change.request_id)
            if request is None:  # pragma: no cover - the tracker never reports a request it dropped
                continue
            if not change.created:
                async_dispatcher_send(self._hass, signal_request_updated(self.entry_id, change.request_id))
            entity_id = registry.async_get_entity_id(
                "sensor", DOMAIN, request_unique_id(self.entry_id, change.request_id)
            )
            common = {
                "entry_id": self.entry_id,
                "request_id": request.request_id,
                "entity_id": entity_id,
                "title": request.title,
                "media_type": str(request.media_type),
                "is_anime": request.is_anime,
            }
            if change.state_changed:
                self._hass.bus.async_fire(
                    EVENT_STATE_CHANGED,
                    {
                        **common,
                        "old_state": str(change.old_state) if change.old_state else None,
                        "new_state": str(change.new_state),
                    },
                )
            missing = missing_webhook(request, change.created, self.last_webhook, connected)
            if missing and (url := self.webhook_urls.get(missing)):
                async_create_webhook_issue(self._hass, self.entry_id, missing, url)
            if change.notice is Notice.ALREADY_AVAILABLE:
                self._hass.bus.async_fire(EVENT_ALREADY_AVAILABLE, common)
            elif change.notice is Notice.STUCK:
                self._hass.bus.async_fire(
                    EVENT_REQUEST_STUCK,
                    {**common, "state": str(request.state), "stuck_since": _iso(request.stuck_since)},
                )
