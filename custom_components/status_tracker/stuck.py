"""Stuck requests: their causes, the flag, its repair issue, and the catch-up a newly stuck request triggers.

The library poller runs the check at each of its ticks: requests that have not moved for `stuck_after` are checked
against qBittorrent and the library once more. For those that still have not moved, the facts their cause is read
from are gathered (core/causes.py): the last qBittorrent poll's torrent, and from the request's Radarr/Sonarr (when
connected) its movie or its series' episodes and, past the Grab, the queue (once per *arr and check). Only these
candidates are asked about, never every request. The cause is stored on the request, and a TV request's causes per
episode group (core/episode_causes.py); those waiting for their
release date are not flagged, and not asked about again before that date (or RELEASE_RECHECK); the others are
flagged (the hub fires status_tracker_request_stuck for each). A newly flagged request may be one whose webhooks
were missed, so it starts the catch-up with the services' APIs (catchup.py; at most every RECONCILE_EVERY).
A flagged request is not a candidate any more, but its cause can change while it does not move (a torrent finds
its seeds and stalls again, Sonarr blocks the import): flagged requests are diagnosed again, each at most every
REDIAGNOSE_EVERY (only those due, at the check's tick).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .catchup import ArrSource
from .cause_text import async_load_texts, cause_text
from .clients import ServiceError
from .const import DOMAIN, REDIAGNOSE_EVERY, RELEASE_RECHECK
from .core.causes import Diagnosis, EpisodeFacts, Facts, MovieFacts, diagnose, next_look, queue_records_of
from .core.episode_causes import episode_causes
from .core.models import MediaRequest, MediaType, RequestState
from .core.timeline import SOURCE_REPAIR
from .downloads import DownloadPoller
from .hub import Hub
from .remedies import async_run, offered
from .repairs import connection_name, stuck_issue_id

if TYPE_CHECKING:
    # Only named in annotations: the runtime builds this check.
    from .runtime import Clients

_LOGGER = logging.getLogger(__name__)

# States whose cause may be in the *arr queue: grabbed, not imported.
_QUEUED = frozenset({RequestState.GRABBING, RequestState.DOWNLOADING, RequestState.DOWNLOADED})
_ISSUE_LINES = 10


class StuckRequests:
    """Flags the stuck requests of one entry, with their causes, and keeps its repair issue in step."""

    def __init__(
        self,
        hass: HomeAssistant,
        hub: Hub,
        *,
        stuck_after: timedelta,
        downloads: DownloadPoller | None,
        on_stuck: Callable[[], None] | None,
        clients: Clients,
    ) -> None:
        self._hass = hass
        self._hub = hub
        self._stuck_after = stuck_after
        self._downloads = downloads
        self._on_stuck = on_stuck
        self._clients = clients
        self._arrs = clients.arrs
        # request id -> when a request waiting for its release is worth asking about again
        self._waiting: dict[str, datetime] = {}
        # request id -> when a flagged request was last diagnosed (flagged before a restart: since its flag)
        self._diagnosed: dict[str, datetime] = {}

    async def async_flag(
        self, now: datetime, check: Callable[[str], Awaitable[None]], saw: Mapping[str, Mapping[str, str]]
    ) -> None:
        """Re-check (with `check`, the library's) requests that have not moved for too long; give those that still
        do not move their cause, and flag them unless they wait for their release. `saw`: what the library check
        last saw of each request it did not find. A client error of `check` propagates: nothing is flagged.
        """
        candidates = [
            rid
            for rid in self._hub.stuck_candidates(now, self._stuck_after)
            if rid not in self._waiting or self._waiting[rid] <= now
        ]
        due = self._due_again(now)
        if not candidates and not due:
            return
        if self._downloads is not None:
            await self._downloads.async_poll()
        for request_id in candidates:
            await check(request_id)
        still = set(self._hub.stuck_candidates(dt_util.utcnow(), self._stuck_after))
        await async_load_texts(self._hass)
        queues: dict[str, list[dict[str, Any]] | None] = {}
        for flagged_request in due:
            # Flagged and still not moving (a move clears the flag): its cause may have changed since.
            await self._async_diagnose(flagged_request, now, queues, saw)
        flagged = []
        for request_id in candidates:
            request = self._hub.get(request_id)
            if request_id not in still or request is None:
                continue
            diagnosis = await self._async_diagnose(request, now, queues, saw)
            if (again := next_look(diagnosis, now, timedelta(seconds=RELEASE_RECHECK))) is not None:
                self._waiting[request_id] = again
            else:
                self._waiting.pop(request_id, None)
                flagged.append(request_id)
        for request_id in [rid for rid in self._waiting if rid not in still]:
            del self._waiting[request_id]
        if flagged:
            await self._hub.async_mark_stuck(flagged, now)
            if self._on_stuck is not None:
                self._on_stuck()

    def _due_again(self, now: datetime) -> list[MediaRequest]:
        """The flagged requests last diagnosed (or flagged) REDIAGNOSE_EVERY ago or longer."""
        flagged = {request.request_id: request for request in stuck_requests(self._hub)}
        self._diagnosed = {rid: at for rid, at in self._diagnosed.items() if rid in flagged}
        every = timedelta(seconds=REDIAGNOSE_EVERY)
        return [
            request
            for rid, request in flagged.items()
            if self._diagnosed.get(rid, request.stuck_since or now) + every <= now
        ]

    async def _async_diagnose(
        self,
        request: MediaRequest,
        now: datetime,
        queues: dict[str, list[dict[str, Any]] | None],
        saw: Mapping[str, Mapping[str, str]],
    ) -> Diagnosis | None:
        """Give a request its cause (and a TV request its episode groups' causes) from what the services say."""
        facts = replace(await self._async_facts(request, queues), library=saw.get(request.request_id))
        diagnosis = diagnose(request, now, facts)
        await self._hub.async_set_cause(request.request_id, diagnosis, now, episode_causes(request, now, facts))
        self._diagnosed[request.request_id] = now
        return diagnosis

    async def _async_facts(self, request: MediaRequest, queues: dict[str, list[dict[str, Any]] | None]) -> Facts:
        """What qBittorrent's last poll and the request's *arr say about it (an *arr failing: nothing from it)."""
        torrents = tuple(self._downloads.torrents_of(request.download_ids)) if self._downloads is not None else ()
        base = Facts(qbittorrent_connected=self._downloads is not None, torrents=torrents)
        source = self._arr_of(request)
        if source is None:
            return base
        try:
            return await self._async_arr_facts(request, source, base, queues)
        except ServiceError as err:
            _LOGGER.debug("No cause from %s: %s", connection_name(source.key), err)
            return Facts(arr_connected=True, qbittorrent_connected=base.qbittorrent_connected, torrents=torrents)

    async def _async_arr_facts(
        self, request: MediaRequest, source: ArrSource, base: Facts, queues: dict[str, list[dict[str, Any]] | None]
    ) -> Facts:
        facts: dict[str, Any] = {"arr_connected": True}
        if request.state.rank < RequestState.IMPORTING.rank:
            if request.media_type is MediaType.MOVIE and request.tmdb_id:
                movie = await source.client.async_get_movie(request.tmdb_id)
                facts |= {"found": movie is not None, "movie": MovieFacts.from_resource(movie) if movie else None}
            elif request.media_type is MediaType.TV and request.tvdb_id:
                series = await source.client.async_get_series(request.tvdb_id)
                facts["found"] = series is not None
                if series is not None and isinstance(series.get("id"), int):
                    facts["series_monitored"] = series.get("monitored") is not False
                    # In every state before the import: the episodes not grabbed yet have their own groups.
                    records = await source.client.async_get_episodes(series["id"])
                    facts["episodes"] = tuple(
                        episode for record in records if (episode := EpisodeFacts.from_resource(record))
                    )
        if request.state in _QUEUED:
            if source.key not in queues:
                queues[source.key] = await source.client.async_get_queue()
            facts["queue"] = tuple(queue_records_of(request, queues[source.key] or []))
        return Facts(**facts, qbittorrent_connected=base.qbittorrent_connected, torrents=base.torrents)

    def _arr_of(self, request: MediaRequest) -> ArrSource | None:
        """The connected *arr holding the request's media: its app, the 4K one for a 4K request if there is one."""
        app = "radarr" if request.media_type is MediaType.MOVIE else "sonarr"
        sources = [source for source in self._arrs if source.app == app]
        return next((s for s in sources if s.is_4k == request.is_4k), sources[0] if sources else None)

    def fix_offers(self) -> tuple[list[str], list[tuple[MediaRequest, str]]]:
        """For the issue's fix flow: each stuck request's line (title and cause), and the remedy offered to each one a
        remedy can help (remedies.offered)."""
        stuck = stuck_requests(self._hub)
        offers = [(request, remedy) for request in stuck if (remedy := offered(self._arrs, request)) is not None]
        return [issue_line(self._hass, request) for request in stuck], offers

    async def async_fix(self, request: MediaRequest, remedy: str) -> str:
        """Run a remedy picked in the issue's fix flow as its action does (remedies.async_run), noted as a repair."""
        return await async_run(self._hub, self._clients, request, remedy, source=SOURCE_REPAIR)

    @callback
    def update_issue(self) -> None:
        """One repair issue per entry while any request is stuck, naming each one's cause; gone once none is.

        It is fixable when a remedy can help one of them (remedies.offered): its fix flow (repairs.py) runs them.
        """
        stuck = stuck_requests(self._hub)
        issue_id = stuck_issue_id(self._hub.entry_id)
        if not stuck:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        shown = stuck[:_ISSUE_LINES]
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=any(offered(self._arrs, request) for request in stuck),
            data={"entry_id": self._hub.entry_id},
            severity=ir.IssueSeverity.WARNING,
            translation_key="stuck_requests",
            translation_placeholders={
                "count": str(len(stuck)),
                "minutes": str(int(self._stuck_after.total_seconds() // 60)),
                "titles": ", ".join(request.title for request in shown),
                "causes": "\n".join(issue_line(self._hass, request) for request in shown),
            },
        )


def stuck_requests(hub: Hub) -> list[MediaRequest]:
    """The entry's requests flagged stuck, by title."""
    stuck = [r for rid in hub.active_ids() if (r := hub.get(rid)) is not None and r.stuck_since]
    return sorted(stuck, key=lambda request: request.title)


def issue_line(hass: HomeAssistant, request: MediaRequest) -> str:
    """A stuck request's line in the issue and its fix flow: its title and its cause."""
    text = cause_text(hass, request)
    return f"- {request.title}: {text}" if text else f"- {request.title}"
