"""The library poller: confirms imported media in Jellyfin when it can have listed it, and matches anime in Shoko.

Jellyfin lists an imported file only after its LibraryMonitorDelay (read from the server now and then) and a scan:
core/library_timing.py times each request's lookups from its last import (the hub's changes say when a request
gained a file). The timer ticks every LIBRARY_TICK and asks nothing while no request waits on the library. Each tick
also runs the stuck check (stuck.py), which looks stuck requests up whatever their schedule. The answers become
SeenInLibrary / FileMatched events (core/library.py decides what they mean); what a check did not find (no item with
the request's ids; the series without some imported episodes) is kept for the stuck check, which says it in the
`waiting_for_library` cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .clients import InvalidAuthError, ServiceError
from .clients.jellyfin import JellyfinClient, JellyfinItem
from .clients.shoko import ShokoClient
from .const import LIBRARY_TICK
from .core.changes import Change
from .core.events import Event, FileMatched, SeenInLibrary
from .core.library_timing import LibrarySchedule
from .core.models import EpisodeState, MediaRequest, MediaType, episode_labels
from .hub import Hub
from .polling import OtherServiceError, Poller
from .stuck import StuckRequests

_LOGGER = logging.getLogger(__name__)

# Episode rows still waiting for the library.
_WAITING_ROWS = frozenset(state for state in EpisodeState if state not in (EpisodeState.AVAILABLE,))
# Episode rows whose file is imported: Jellyfin should list them.
_IMPORTED = frozenset({EpisodeState.IMPORTING, EpisodeState.ANIME_MATCHING})
_NAMED = 6


class LibraryPoller(Poller):
    """Checks the requests waiting on the library, each on its own schedule, and flags stuck ones."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        hub: Hub,
        *,
        jellyfin: JellyfinClient,
        shoko: ShokoClient | None,
        stuck: StuckRequests,
        recheck_every: timedelta,
    ) -> None:
        super().__init__(
            hass, entry, name="Jellyfin library", service="Jellyfin", interval=timedelta(seconds=LIBRARY_TICK)
        )
        self._hub = hub
        self._jellyfin = jellyfin
        self._shoko = shoko
        self._stuck = stuck
        self._lookups = LibrarySchedule(recheck_every)
        # request id -> what its last Jellyfin check saw, when it was not all there ("saw" and its placeholders)
        self._saw: dict[str, dict[str, str]] = {}

    @property
    def monitor_delay(self) -> dict[str, int | bool]:
        """The LibraryMonitorDelay the lookups are timed to, and whether Jellyfin told it (for diagnostics)."""
        return {
            "seconds": int(self._lookups.monitor_delay.total_seconds()),
            "read_from_jellyfin": self._lookups.monitor_delay_read,
        }

    @property
    def stuck(self) -> StuckRequests:
        """The stuck check it runs at each tick (the stuck requests issue's fix flow asks it for remedies)."""
        return self._stuck

    async def async_check_now(self, request_id: str) -> str | None:
        """Check one request at once (a Shoko match, the refresh action); the service that failed, if one did.

        On failure the next tick tries again and reports it the usual way (issues, reauthentication).
        """
        try:
            await self._async_check(request_id)
        except (ServiceError, OtherServiceError) as err:
            _LOGGER.debug("Immediate library check failed (%s); retrying at the next tick", type(err).__name__)
            self.check_soon(request_id)
            if isinstance(err, OtherServiceError):  # Shoko refused its key, see _async_check
                self.report_refused(err.service)
                return err.service
            return self.service
        return None

    @callback
    def async_start(self) -> None:
        """Poll from now on, and hear of every import (the hub's changes) to time the lookups from it."""
        super().async_start()
        self._entry.async_on_unload(self._hub.async_add_changes_listener(self._on_changes))

    @callback
    def check_soon(self, request_id: str) -> None:
        """Make a request due at the next tick (a Shoko match just arrived, or an action asked)."""
        self._lookups.check_soon(request_id)

    @callback
    def _on_changes(self, changes: Sequence[Change]) -> None:
        now = dt_util.utcnow()
        for change in changes:
            request = self._hub.get(change.request_id)
            if request is not None and request.is_active:
                self._lookups.note(request, now)

    async def _async_poll(self) -> bool:
        now = dt_util.utcnow()
        waiting = [request for rid in self._hub.awaiting_library() if (request := self._hub.get(rid)) is not None]
        for request_id in set(self._saw) - {request.request_id for request in waiting}:
            del self._saw[request_id]
        if waiting and self._lookups.delay_due(now):
            await self._async_read_monitor_delay(now)
        due = self._lookups.due(waiting, now)
        try:
            for request_id in due:
                await self._async_check(request_id)
            await self._stuck.async_flag(now, self._async_check, self._saw)
        finally:
            self._stuck.update_issue()
        return True

    async def _async_read_monitor_delay(self, now: datetime) -> None:
        """Jellyfin's LibraryMonitorDelay; when it cannot be read, the schedule keeps the one it has (60 s at first)."""
        try:
            seconds = await self._jellyfin.async_get_library_monitor_delay()
        except ServiceError as err:
            # The lookups that follow report a Jellyfin that is down or refuses the key; this only times them.
            _LOGGER.debug("Jellyfin's LibraryMonitorDelay could not be read (%s)", type(err).__name__)
            seconds = None
        self._lookups.use_monitor_delay(seconds, now)

    async def _async_check(self, request_id: str) -> None:
        """Ask Shoko (anime) and Jellyfin about one request and apply what they know."""
        request = self._hub.get(request_id)
        if request is None or not request.is_active:
            return
        if self._shoko is not None and request.is_anime:
            try:
                await self._hub.async_apply(await self._async_shoko_matches(request))
            except InvalidAuthError as err:
                raise OtherServiceError("Shoko", err) from err
            except ServiceError as err:
                # Shoko only hastens the answer; Jellyfin decides, so it is asked anyway.
                _LOGGER.debug("Shoko lookup failed (%s); asking Jellyfin anyway", type(err).__name__)
        await self._hub.async_apply(await self._async_library_events(request))

    async def _async_shoko_matches(self, request: MediaRequest) -> list[Event]:
        assert self._shoko is not None  # noqa: S101 - checked by the caller
        events: list[Event] = []
        paths = [request.final_path] if request.final_path and not request.episodes else []
        paths += [
            episode.final_path
            for episode in request.episodes.values()
            if episode.final_path and episode.state is EpisodeState.ANIME_MATCHING and episode.anime_matched_at is None
        ]
        if request.episodes or request.anime_matched_at is None:
            for path in paths:
                found = await self._shoko.async_find_file(path)
                if found is not None and found.cross_references:
                    events.append(FileMatched(path=path, cross_references=found.cross_references))
        return events

    async def _async_library_events(self, request: MediaRequest) -> list[Event]:
        if request.media_type is MediaType.MOVIE:
            movie = await self._jellyfin.async_find(
                "Movie", title=request.title, tmdb_id=request.tmdb_id, imdb_id=request.imdb_id
            )
            if movie is None:
                self._saw[request.request_id] = {"saw": "no_item", "ids": _ids(request)}
                return []
            self._saw.pop(request.request_id, None)
            return [
                SeenInLibrary(
                    media_type=MediaType.MOVIE,
                    item_id=movie.item_id,
                    tmdb_id=request.tmdb_id,
                    imdb_id=request.imdb_id,
                    request_id=request.request_id,
                )
            ]
        rows = {key for key, episode in request.episodes.items() if episode.state in _WAITING_ROWS}
        if not rows:
            return []
        series = await self._jellyfin.async_find(
            "Series", title=request.title, tmdb_id=request.tmdb_id, tvdb_id=request.tvdb_id, imdb_id=request.imdb_id
        )
        if series is None:
            self._saw[request.request_id] = {"saw": "no_item", "ids": _ids(request)}
            return []
        present: dict[int, set[int]] = {}
        for item in await self._jellyfin.async_episodes(series.item_id):
            for key in _episode_keys(item):
                if key in rows:
                    present.setdefault(key[0], set()).add(key[1])
        imported = sorted(
            key
            for key, episode in request.episodes.items()
            if episode.state in _IMPORTED and key[1] not in present.get(key[0], set())
        )
        if imported:
            listed = episode_labels(imported, _NAMED)
            self._saw[request.request_id] = {"saw": "episodes_missing", "series": series.name, "episodes": listed}
        else:
            self._saw.pop(request.request_id, None)
        return [
            SeenInLibrary(
                media_type=MediaType.TV,
                series_item_id=series.item_id,
                series_name=series.name,
                season=season,
                episodes=tuple(sorted(numbers)),
                request_id=request.request_id,
            )
            for season, numbers in sorted(present.items())
        ]


def _ids(request: MediaRequest) -> str:
    """The provider ids Jellyfin was asked for, as its items name them ("tmdb 693134, imdb tt15239678")."""
    ids = [("tmdb", request.tmdb_id), ("tvdb", request.tvdb_id if request.media_type is MediaType.TV else None),
           ("imdb", request.imdb_id)]  # fmt: skip
    return ", ".join(f"{name} {value}" for name, value in ids if value)


def _episode_keys(item: JellyfinItem) -> list[tuple[int, int]]:
    """The (season, episode) pairs a Jellyfin episode item holds (a multi-episode file holds several)."""
    if item.season is None or item.episode is None:
        return []
    last = item.episode_end if item.episode_end and item.episode_end >= item.episode else item.episode
    return [(item.season, number) for number in range(item.episode, last + 1)]
