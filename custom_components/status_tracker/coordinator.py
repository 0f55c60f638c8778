"""Pollers that fill the gaps webhooks leave: download progress, library confirmation, stuck requests.

Both coordinators turn what a service says into domain events and hand them to `Hub`; the tracker decides.
Neither makes an HTTP request while nothing waits on its service. While a service fails, the poll interval doubles
(up to MAX_POLL_BACKOFF) and the coordinator logs once when it goes away and once when it is back; requests keep
their states meanwhile. A refused credential starts Home Assistant's reauthentication flow.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .clients import InvalidAuthError, ServiceError
from .clients.jellyfin import JellyfinClient, JellyfinItem
from .clients.qbittorrent import QBittorrentClient, Torrent
from .clients.shoko import ShokoClient
from .const import (
    DOMAIN,
    DOWNLOAD_MISSING_AFTER,
    LIBRARY_CHECK_DELAYS,
    LIBRARY_TICK,
    MAX_POLL_BACKOFF,
    UNREACHABLE_ISSUE_AFTER,
)
from .core.downloads import torrent_keys
from .core.events import DownloadMissing, DownloadProgress, Event, FileMatched, SeenInLibrary
from .core.models import EpisodeState, MediaRequest, MediaType
from .hub import Hub
from .repairs import (
    async_create_auth_issue,
    async_create_unreachable_issue,
    async_delete_auth_issue,
    async_delete_unreachable_issue,
)

_LOGGER = logging.getLogger(__name__)

# Episode rows still waiting for the library.
_WAITING_ROWS = frozenset(state for state in EpisodeState if state not in (EpisodeState.AVAILABLE,))


class _BackoffCoordinator[T](DataUpdateCoordinator[T]):
    """A coordinator whose interval doubles while its service fails, and that maps client errors."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, *, name: str, interval: timedelta, service: str
    ) -> None:
        super().__init__(hass, _LOGGER, config_entry=entry, name=name, update_interval=interval)
        self._base_interval = interval
        self._service = service
        self._failures = 0
        self._failing_since: datetime | None = None

    def _succeeded(self) -> None:
        self._failures = 0
        self.update_interval = self._base_interval
        if self._failing_since is not None:
            self._failing_since = None
            async_delete_unreachable_issue(self.hass, self._entry_id, self._service)
        async_delete_auth_issue(self.hass, self._entry_id, self._service)

    @property
    def service(self) -> str:
        """The name of the service this coordinator polls, as messages show it."""
        return self._service

    @property
    def _entry_id(self) -> str:
        assert self.config_entry is not None  # noqa: S101 - always given to __init__
        return self.config_entry.entry_id

    def _failed(self, err: ServiceError, service: str | None = None) -> Exception:
        """The exception to raise for a client error, after slowing down."""
        if isinstance(err, InvalidAuthError):
            # Home Assistant starts reauthentication; the issue says which service refused.
            async_create_auth_issue(self.hass, self._entry_id, service or self._service)
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="service_auth_failed",
                translation_placeholders={"service": service or self._service},
            )
        self._failures += 1
        now = dt_util.utcnow()
        self._failing_since = self._failing_since or now
        if now - self._failing_since >= timedelta(seconds=UNREACHABLE_ISSUE_AFTER):
            async_create_unreachable_issue(self.hass, self._entry_id, self._service, UNREACHABLE_ISSUE_AFTER // 60)
        backoff = self._base_interval.total_seconds() * 2 ** min(self._failures, 10)
        self.update_interval = timedelta(seconds=min(backoff, MAX_POLL_BACKOFF))
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="service_unavailable",
            translation_placeholders={"service": self._service, "error": str(err) or type(err).__name__},
        )


class DownloadCoordinator(_BackoffCoordinator[dict[str, Torrent]]):
    """Follows the torrents the tracker waits on with one `sync/maindata` call per cycle."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        hub: Hub,
        client: QBittorrentClient,
        interval: timedelta,
    ) -> None:
        super().__init__(hass, entry, name="qBittorrent downloads", interval=interval, service="qBittorrent")
        self._hub = hub
        self._client = client
        self._missing_since: dict[str, datetime] = {}

    async def _async_update_data(self) -> dict[str, Torrent]:
        awaited = self._hub.awaited_downloads()
        if not awaited:
            self._missing_since.clear()
            return {}
        try:
            torrents = await self._client.async_sync()
        except ServiceError as err:
            raise self._failed(err) from err
        self._succeeded()

        found: dict[str, Torrent] = {}
        for torrent_hash, torrent in torrents.items():
            for key in torrent_keys(
                torrent_hash, str(torrent.get("infohash_v1") or ""), str(torrent.get("infohash_v2") or "")
            ):
                if key in awaited:
                    found[key] = torrent
        now = dt_util.utcnow()
        events: list[Event] = []
        for download_id in awaited:
            match = found.get(download_id)
            if match is None:
                since = self._missing_since.setdefault(download_id, now)
                if now - since >= timedelta(seconds=DOWNLOAD_MISSING_AFTER):
                    events.append(DownloadMissing(download_id))
                continue
            self._missing_since.pop(download_id, None)
            events.append(_progress_event(download_id, match))
        for gone in set(self._missing_since) - awaited:
            del self._missing_since[gone]
        await self._hub.async_apply(events)
        return found


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _progress_event(download_id: str, torrent: Torrent) -> DownloadProgress:
    speed = _number(torrent.get("dlspeed"))
    eta = _number(torrent.get("eta"))
    return DownloadProgress.from_torrent(
        download_id,
        str(torrent.get("state") or ""),
        _number(torrent.get("progress")) or 0.0,
        speed=int(speed) if speed is not None else None,
        eta=int(eta) if eta is not None else None,
    )


class LibraryCoordinator(_BackoffCoordinator[None]):
    """Confirms imported media in Jellyfin on a backoff, matches anime files in Shoko, and flags stuck requests."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        hub: Hub,
        *,
        jellyfin: JellyfinClient,
        shoko: ShokoClient | None,
        downloads: DownloadCoordinator | None,
        stuck_after: timedelta,
        recheck_every: timedelta,
    ) -> None:
        super().__init__(
            hass, entry, name="Jellyfin library", interval=timedelta(seconds=LIBRARY_TICK), service="Jellyfin"
        )
        self._recheck_every = recheck_every
        self._hub = hub
        self._jellyfin = jellyfin
        self._shoko = shoko
        self._downloads = downloads
        self._stuck_after = stuck_after
        # request id -> (checks made, when the next one is due)
        self._schedule: dict[str, tuple[int, datetime]] = {}

    async def async_check_now(self, request_id: str) -> str | None:
        """Check one request at once (a Shoko match, the refresh action); the service that failed, if one did.

        On failure the next tick tries again and reports it the usual way (issues, reauthentication).
        """
        try:
            await self._async_check(request_id)
        except (ServiceError, ConfigEntryAuthFailed) as err:
            _LOGGER.debug("Immediate library check failed (%s); retrying at the next tick", type(err).__name__)
            self.check_soon(request_id)
            if isinstance(err, ConfigEntryAuthFailed):  # Shoko's, see _async_check
                return (err.translation_placeholders or {}).get("service", self._service)
            return self._service
        return None

    def check_soon(self, request_id: str) -> None:
        """Make a request due at the next tick (a Shoko match just arrived, or an action asked)."""
        attempts, _ = self._schedule.get(request_id, (0, dt_util.utcnow()))
        self._schedule[request_id] = (attempts, dt_util.utcnow())

    async def _async_update_data(self) -> None:
        now = dt_util.utcnow()
        waiting = self._hub.awaiting_library()
        for request_id in set(self._schedule) - set(waiting):
            del self._schedule[request_id]
        due = []
        for request_id in waiting:
            attempts, at = self._schedule.setdefault(request_id, (0, now + timedelta(seconds=LIBRARY_CHECK_DELAYS[0])))
            if at <= now:
                due.append(request_id)
                quick = attempts + 1 < len(LIBRARY_CHECK_DELAYS)
                delay = timedelta(seconds=LIBRARY_CHECK_DELAYS[attempts + 1]) if quick else self._recheck_every
                self._schedule[request_id] = (attempts + 1, now + delay)
        try:
            for request_id in due:
                await self._async_check(request_id)
            await self._async_flag_stuck(now)
        except ServiceError as err:
            raise self._failed(err) from err
        finally:
            self._update_stuck_issue()
        self._succeeded()

    def _update_stuck_issue(self) -> None:
        """One repair issue per entry while any request is stuck, listing them; gone once none is."""
        stuck = [r for rid in self._hub.active_ids() if (r := self._hub.get(rid)) is not None and r.stuck_since]
        issue_id = f"stuck_requests_{self._hub.entry_id}"
        if not stuck:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="stuck_requests",
            translation_placeholders={
                "count": str(len(stuck)),
                "minutes": str(int(self._stuck_after.total_seconds() // 60)),
                "titles": ", ".join(sorted(request.title for request in stuck)[:10]),
            },
        )

    async def _async_flag_stuck(self, now: datetime) -> None:
        """Re-check requests that have not moved for too long; flag those that still do not move."""
        candidates = self._hub.stuck_candidates(now, self._stuck_after)
        if not candidates:
            return
        if self._downloads is not None:
            await self._downloads.async_refresh()
        for request_id in candidates:
            await self._async_check(request_id)
        still = set(self._hub.stuck_candidates(dt_util.utcnow(), self._stuck_after))
        await self._hub.async_mark_stuck([rid for rid in candidates if rid in still], now)

    async def _async_check(self, request_id: str) -> None:
        """Ask Shoko (anime) and Jellyfin about one request and apply what they know."""
        request = self._hub.get(request_id)
        if request is None or not request.is_active:
            return
        if self._shoko is not None and request.is_anime:
            try:
                await self._hub.async_apply(await self._async_shoko_matches(request))
            except InvalidAuthError as err:
                raise self._failed(err, "Shoko") from err
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
                return []
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
            return []
        present: dict[int, set[int]] = {}
        for item in await self._jellyfin.async_episodes(series.item_id):
            for key in _episode_keys(item):
                if key in rows:
                    present.setdefault(key[0], set()).add(key[1])
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


def _episode_keys(item: JellyfinItem) -> list[tuple[int, int]]:
    """The (season, episode) pairs a Jellyfin episode item holds (a multi-episode file holds several)."""
    if item.season is None or item.episode is None:
        return []
    last = item.episode_end if item.episode_end and item.episode_end >= item.episode else item.episode
    return [(item.season, number) for number in range(item.episode, last + 1)]
