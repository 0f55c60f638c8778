"""The request hub: the only way to an entry's tracker, and the one place its changes leave from.

The tracker decides every state; the hub applies events from any source (webhooks, pollers, the Shoko feed,
catch-up) to it, hands what changed to the store (a webhook returns once it is on disk), and publishes it: entities
for new requests, a dispatcher signal per changed request, the integration's bus events, then its listeners.
Everything it needs is given to its constructor; whoever wants to hear about changes subscribes and gets back the
function that unsubscribes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from types import MappingProxyType

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .cause_text import cause_text, group_text
from .const import DOMAIN, EVENT_ALREADY_AVAILABLE, EVENT_REQUEST_STUCK, EVENT_STATE_CHANGED
from .core.causes import Diagnosis
from .core.changes import Change
from .core.coerce import iso
from .core.events import Event, MediaInfo
from .core.models import AnimeRules, EpisodeCause, MediaRequest, Notice
from .core.requesters import Recipient, recipient_for
from .core.timeline import TimelineEntry
from .core.tracker import Tracker
from .storage import META_LAST_WEBHOOK, StoreWriteError, TrackerStore

# Adds the entities of new requests; awaited, so that the events fired next can name them.
type NewRequestsListener = Callable[[list[MediaRequest]], Awaitable[None]]
# Told the changes a batch of events made, once they are published.
type ChangesListener = Callable[[Sequence[Change]], None]


def signal_request_updated(entry_id: str, request_id: str) -> str:
    """Dispatcher signal an entity listens to for its own request."""
    return f"{DOMAIN}_{entry_id}_{request_id}_updated"


def request_unique_id(entry_id: str, request_id: str) -> str:
    """Unique id of a request's sensor."""
    return f"{entry_id}_{request_id}"


def _subscribe[T](listeners: list[T], listener: T) -> CALLBACK_TYPE:
    listeners.append(listener)

    @callback
    def unsubscribe() -> None:
        listeners.remove(listener)

    return unsubscribe


class Hub:
    """One config entry's requests: queries, the commands that change them, and subscriptions to the changes."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        entry_id: str,
        store: TrackerStore,
        tracker: Tracker,
        rules: AnimeRules,
        last_webhook: Mapping[str, str],
        requesters: Mapping[str, Recipient] | None = None,
    ) -> None:
        self._hass = hass
        self._requesters = dict(requesters or {})
        self.entry_id = entry_id
        self._store = store
        self._tracker = tracker
        self.rules = rules
        self._last_webhook = dict(last_webhook)
        # Requests kept in the store without an entity (see retention.py); a change brings the entity back.
        self._hidden: set[str] = set()
        self._new_requests_listeners: list[NewRequestsListener] = []
        self._changes_listeners: list[ChangesListener] = []
        self._listeners: list[CALLBACK_TYPE] = []

    # Subscriptions: each returns the function that ends it (for entry.async_on_unload / entity.async_on_remove).

    @callback
    def async_add_new_requests_listener(self, listener: NewRequestsListener) -> CALLBACK_TYPE:
        """Be given each batch of requests that need an entity (new, or hidden and changed)."""
        return _subscribe(self._new_requests_listeners, listener)

    @callback
    def async_add_changes_listener(self, listener: ChangesListener) -> CALLBACK_TYPE:
        """Be told the changes of each batch of events, after their entities, signals and bus events."""
        return _subscribe(self._changes_listeners, listener)

    @callback
    def async_add_listener(self, update_callback: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Be called after every change of the requests, events or not (retention, removal)."""
        return _subscribe(self._listeners, update_callback)

    # Read-only questions about the requests: only the hub changes them.

    def get(self, request_id: str) -> MediaRequest | None:
        """A request by id."""
        return self._tracker.get(request_id)

    @property
    def requests(self) -> Mapping[str, MediaRequest]:
        """Every request, by id (a read-only view)."""
        return self._tracker.requests

    @property
    def last_webhook(self) -> Mapping[str, str]:
        """When each service's webhook last arrived (ISO times; a read-only view)."""
        return MappingProxyType(self._last_webhook)

    def visible_ids(self) -> list[str]:
        """Requests that have an entity: all but those retention hid."""
        return [rid for rid in self._tracker.requests if rid not in self._hidden]

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

    # Commands: each one saves and publishes what it changed.

    async def async_webhook_received(self, service: str, events: Iterable[Event]) -> list[Change]:
        """A webhook of `service` arrived (its time is kept, even when it carried nothing to apply): apply it.

        Returns once what it changed is on disk (StoreWriteError if it could not be written): the sender never
        sends it again once answered. Its changes are published after the write (automations hear of what is kept),
        and also when the write failed: the dashboard shows what the tracker holds.
        """
        now = dt_util.utcnow()
        self._last_webhook[service] = now.isoformat()
        self._store.async_changed({}, {META_LAST_WEBHOOK: dict(self._last_webhook)})
        changes = self._apply(events, now)
        self._stage(changes)
        try:
            await self._store.async_commit()
        finally:
            await self._async_broadcast(changes)
        return changes

    async def async_apply(self, events: Iterable[Event], *, source: str | None = None) -> list[Change]:
        """Apply events from any source (pollers, the Shoko feed, catch-up) and publish what changed.

        `source` names them in the timeline instead of the service each event comes from (catch-up does).
        """
        changes = self._apply(events, dt_util.utcnow(), source)
        await self.async_publish(changes)
        return changes

    async def async_note(
        self, request_id: str, *, kind: str, source: str, message: str, code: str | None = None
    ) -> None:
        """Add an entry to a request's timeline (a cause, a remedy, a note) and publish it; nothing if unknown.

        Written before it returns, like a webhook's change: what a person did to a request is kept. A disk that
        fails keeps it staged (the store logs it and tries again): the remedy itself was done.
        """
        now = dt_util.utcnow()
        entry = TimelineEntry(at=now, kind=kind, source=source, message=message, code=code)
        await self.async_publish(self._tracker.note(request_id, entry, now))
        with suppress(StoreWriteError):
            await self._store.async_commit()

    async def async_remove(self, request_id: str) -> None:
        """Stop tracking a request (the remove_request action); its entity is removed by the caller."""
        if self._tracker.remove(request_id) is not None:
            self._hidden.discard(request_id)
            self._changed_quietly([request_id])
            await self._store.async_commit()

    async def async_mark_stuck(self, request_ids: Iterable[str], now: datetime) -> None:
        """Flag requests as stuck (the stuck check found them still not moving) and publish it."""
        await self.async_publish([change for rid in request_ids for change in self._tracker.mark_stuck(rid, now)])

    async def async_set_cause(
        self, request_id: str, diagnosis: Diagnosis | None, now: datetime, groups: Sequence[EpisodeCause] = ()
    ) -> None:
        """Store why a request (and each of its episode groups) does not move, and publish it if it changed."""
        await self.async_publish(self._tracker.set_cause(request_id, diagnosis, now, groups))

    def async_retain(self, now: datetime, keep_for: timedelta, limit: int) -> list[str]:
        """Hide requests finished for `keep_for` and forget the oldest beyond `limit`; the ids whose entity goes."""
        retirement = self._tracker.retire(now, keep_for)
        newly_hidden = [rid for rid in retirement.retired if rid not in self._hidden]
        forgotten = self._tracker.trim(limit)
        self._hidden.update(newly_hidden)
        self._hidden.difference_update(forgotten)
        if retirement.compacted or forgotten:
            self._store.async_changed({rid: self._tracker.get(rid) for rid in [*retirement.compacted, *forgotten]})
        if newly_hidden or forgotten:
            self._notify()
        return [*newly_hidden, *forgotten]

    async def async_publish(self, changes: list[Change]) -> None:
        """Save, add entities for new requests, refresh the others, fire the events, then tell the listeners."""
        self._stage(changes)
        await self._async_broadcast(changes)

    def _apply(self, events: Iterable[Event], now: datetime, source: str | None = None) -> list[Change]:
        return [change for event in events for change in self._tracker.apply(event, now, source)]

    def _stage(self, changes: list[Change]) -> None:
        if changes:
            self._store.async_changed({change.request_id: self._tracker.get(change.request_id) for change in changes})

    async def _async_broadcast(self, changes: list[Change]) -> None:
        if not changes:
            return
        await self._async_add_entities(changes)
        self._announce(changes)
        for changes_listener in self._changes_listeners:
            changes_listener(changes)
        self._notify()

    def _changed_quietly(self, request_ids: list[str]) -> None:
        """The tracker changed without events to fire (retention, removal): save, and tell the listeners."""
        self._store.async_changed({rid: self._tracker.get(rid) for rid in request_ids})
        self._notify()

    def _notify(self) -> None:
        for update_callback in self._listeners:
            update_callback()

    async def _async_add_entities(self, changes: list[Change]) -> None:
        # New requests, and hidden ones that changed, get an entity (once, however many changes they had).
        appearing = {
            change.request_id: req
            for change in changes
            if (change.created or change.request_id in self._hidden) and (req := self._tracker.get(change.request_id))
        }
        self._hidden.difference_update(appearing)
        if appearing:
            for listener in tuple(self._new_requests_listeners):
                await listener(list(appearing.values()))

    def _announce(self, changes: list[Change]) -> None:
        registry = er.async_get(self._hass)
        for change in changes:
            request = self._tracker.get(change.request_id)
            if request is None:  # pragma: no cover - the tracker never reports a request it dropped
                continue
            if not change.created:
                async_dispatcher_send(self._hass, signal_request_updated(self.entry_id, change.request_id))
            entity_id = registry.async_get_entity_id(
                "sensor", DOMAIN, request_unique_id(self.entry_id, change.request_id)
            )
            recipient = recipient_for(self._requesters, request)
            common = {
                "entry_id": self.entry_id,
                "request_id": request.request_id,
                "entity_id": entity_id,
                "title": request.title,
                "media_type": str(request.media_type),
                "is_anime": request.is_anime,
                "requested_by": request.requested_by,
                "person": recipient.person,
                "notify_target": recipient.notify_target,
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
            if change.notice is Notice.ALREADY_AVAILABLE:
                self._hass.bus.async_fire(EVENT_ALREADY_AVAILABLE, common)
            elif change.notice is Notice.STUCK:
                self._hass.bus.async_fire(
                    EVENT_REQUEST_STUCK,
                    {
                        **common,
                        "state": str(request.state),
                        "stuck_since": iso(request.stuck_since),
                        "cause": request.cause,
                        "cause_details": dict(request.cause_details),
                        "cause_text": cause_text(self._hass, request),
                        "episode_causes": [
                            {**group.as_view(), "text": group_text(self._hass, group)}
                            for group in request.episode_causes
                        ],
                    },
                )
