"""Remedies: what the search, replace_download, approve, decline and rescan_library actions do to the services.

Each takes one tracked request and the entry's clients, refuses what makes no sense for that request (a
ServiceValidationError the UI shows translated), calls the service, checks its answer (a failing service is a
HomeAssistantError naming it) and returns the sentence the request's timeline keeps. `async_run` is the one way
to run one, for the actions (services.py) and the stuck requests' fix flow (repairs.py, through stuck.py): the
remedy, then its timeline entry. The endpoints, and the source files they were read in, are in docs/service-apis.md §6.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .catchup import ArrSource
from .clients import ServiceError
from .clients.jellyfin import JellyfinClient, JellyfinLibrary
from .clients.seerr import SeerrClient
from .const import DOMAIN
from .core.causes import remedy_for
from .core.models import MediaRequest, MediaType, RequestState
from .core.timeline import KIND_REMEDY
from .hub import Hub

if TYPE_CHECKING:
    # Only named in annotations: the runtime builds the stuck check (stuck.py), which asks `offered`.
    from .runtime import Clients

# Seerr's MediaRequestStatus after each answer (server/constants/media.ts).
_SEERR_STATUS = {"approve": 2, "decline": 3}
# A queue record in one of these is the download a replacement is for; without one, every download of the request.
_TROUBLED_STATES = frozenset({"importblocked", "importfailed", "failedpending", "failed"})
_TROUBLED_STATUSES = frozenset({"warning", "failed", "downloadclientunavailable"})
_LIBRARY_TYPES = {MediaType.MOVIE: "movies", MediaType.TV: "tvshows"}


def refused(key: str, **placeholders: str) -> ServiceValidationError:
    """A validation error the UI shows translated."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders or None
    )


async def _checked[T](service: str, call: Awaitable[T]) -> T:
    """The service's answer; a service that fails or refuses becomes a translated error naming it."""
    try:
        return await call
    except ServiceError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="remedy_failed",
            translation_placeholders={"service": service, "error": str(err) or type(err).__name__},
        ) from err


def _arr_name(app: str, is_4k: bool) -> str:
    return f"{app.capitalize()}{' 4K' if is_4k else ''}"


def arr_sources(arrs: Sequence[ArrSource], request: MediaRequest) -> tuple[list[ArrSource], str]:
    """The Radarr/Sonarr connections that may hold the request's media (4K requests go to a 4K one), and its name."""
    app = "radarr" if request.media_type is MediaType.MOVIE else "sonarr"
    sources = [source for source in arrs if source.app == app and source.is_4k == request.is_4k]
    return sources, _arr_name(app, request.is_4k)


async def _find_in_arr(clients: Clients, request: MediaRequest) -> tuple[ArrSource, int, str]:
    """The Radarr/Sonarr connection holding the request's media, its id there, its name."""
    sources, name = arr_sources(clients.arrs, request)
    if not sources:
        raise refused("missing_connection", service=name)
    for source in sources:
        media_id = await _checked(
            name, source.client.async_find_media_id(tmdb_id=request.tmdb_id, tvdb_id=request.tvdb_id)
        )
        if media_id is not None:
            return source, media_id, name
    raise refused("not_in_service", title=request.title, service=name)


def _seasons(request: MediaRequest) -> set[int] | None:
    """The requested seasons; None for every regular season (specials only when asked for)."""
    return set(request.requested_seasons) if request.requested_seasons else None


def _in_seasons(season: Any, seasons: set[int] | None) -> bool:
    return isinstance(season, int) and (season in seasons if seasons is not None else season > 0)


def _refuse_unless_in_progress(request: MediaRequest) -> None:
    if request.removed:
        raise refused("request_removed", title=request.title)
    if request.state is RequestState.AVAILABLE:
        raise refused("already_available", title=request.title)
    if request.state is RequestState.REQUESTED:
        raise refused("not_approved", title=request.title)


async def _async_start_search(source: ArrSource, media_id: int, name: str, request: MediaRequest) -> str:
    """Radarr searches for the movie; Sonarr for the missing (monitored, aired, no file) episodes asked for.

    Returns what the *arr now does, for the timeline after its name.
    """
    if source.app == "radarr":
        await _checked(name, source.client.async_command("MoviesSearch", movieIds=[media_id]))
        return "searches for the movie"
    now = dt_util.utcnow()
    seasons = _seasons(request)
    episodes = await _checked(name, source.client.async_get_episodes(media_id))
    missing = sorted(
        episode["id"]
        for episode in episodes
        if isinstance(episode.get("id"), int)
        and _in_seasons(episode.get("seasonNumber"), seasons)
        and episode.get("monitored") is True
        and not episode.get("hasFile")
        and _aired(episode.get("airDateUtc"), now)
    )
    if not missing:
        raise refused("nothing_missing", title=request.title, service=name)
    await _checked(name, source.client.async_command("EpisodeSearch", episodeIds=missing))
    return f"searches for {len(missing)} missing episode{'s' if len(missing) != 1 else ''}"


def _aired(value: Any, now: datetime) -> bool:
    aired = dt_util.parse_datetime(value) if isinstance(value, str) else None
    return aired is not None and aired <= now


async def async_search(clients: Clients, request: MediaRequest) -> str:
    """`search`: MoviesSearch in Radarr, EpisodeSearch for the missing episodes in Sonarr."""
    _refuse_unless_in_progress(request)
    source, media_id, name = await _find_in_arr(clients, request)
    return f"{name} {await _async_start_search(source, media_id, name, request)}"


def _is_mine(record: dict[str, Any], request: MediaRequest, app: str, media_id: int) -> bool:
    download_id = record.get("downloadId")
    if isinstance(download_id, str) and download_id.lower() in {d.lower() for d in request.download_ids}:
        return True
    if app == "radarr":
        return record.get("movieId") == media_id
    return record.get("seriesId") == media_id and _in_seasons(record.get("seasonNumber"), _seasons(request))


def _is_troubled(record: dict[str, Any]) -> bool:
    return (
        str(record.get("trackedDownloadState", "")).lower() in _TROUBLED_STATES
        or str(record.get("trackedDownloadStatus", "")).lower() in {"warning", "error"}
        or str(record.get("status", "")).lower() in _TROUBLED_STATUSES
    )


async def async_replace_download(clients: Clients, request: MediaRequest) -> str:
    """`replace_download`: remove the request's download from the queue and blocklist it, then search again.

    The troubled downloads are replaced (import blocked or failed, stalled, failed); when none is, every download of
    the request is (the user asked for it). A season pack is one download however many episode records it has.
    """
    _refuse_unless_in_progress(request)
    source, media_id, name = await _find_in_arr(clients, request)
    records = [
        record
        for record in await _checked(name, source.client.async_get_queue())
        if isinstance(record.get("id"), int) and _is_mine(record, request, source.app, media_id)
    ]
    if not records:
        raise refused("no_download", title=request.title, service=name)
    chosen: dict[str, int] = {}
    for record in [record for record in records if _is_troubled(record)] or records:
        chosen.setdefault(str(record.get("downloadId") or record["id"]).lower(), record["id"])
    for queue_id in chosen.values():
        await _checked(name, source.client.async_remove_from_queue(queue_id))
    removed = f"{name} removed and blocklisted {len(chosen)} download{'s' if len(chosen) != 1 else ''}"
    try:
        searching = await _async_start_search(source, media_id, name, request)
    except ServiceValidationError:
        # Nothing left to search for: what was removed is on disk already (Sonarr counts the episode as not missing).
        return removed
    return f"{removed}; it {searching}"


async def async_answer(seerr: SeerrClient | None, request: MediaRequest, answer: str) -> str:
    """`approve` / `decline`: a pending request, through Seerr; its webhook then moves the request as usual."""
    if seerr is None:
        raise refused("missing_connection", service="Jellyseerr")
    if request.state is not RequestState.REQUESTED or not (request.jellyseerr_request_id or "").isdigit():
        raise refused("not_pending", title=request.title, state=str(request.state))
    seerr_id = int(request.jellyseerr_request_id or "0")
    answered = await _checked("Jellyseerr", seerr.async_answer_request(seerr_id, answer))
    if answered.get("status") != _SEERR_STATUS[answer]:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="remedy_failed",
            translation_placeholders={
                "service": "Jellyseerr",
                "error": f"request {seerr_id} has status {answered.get('status')!r} after {answer}",
            },
        )
    return f"Jellyseerr request {seerr_id} {'approved' if answer == 'approve' else 'declined'}"


def _holds(location: str, path: str) -> bool:
    root = location.replace("\\", "/").rstrip("/").casefold()
    normalised = path.replace("\\", "/").casefold()
    return bool(root) and normalised.startswith(root + "/")


def _libraries_for(libraries: list[JellyfinLibrary], request: MediaRequest) -> list[JellyfinLibrary]:
    """The libraries holding the imported files; else the one library of the media's kind.

    Radarr/Sonarr and Jellyfin often see the same files under different mount points: then no folder matches, and
    the only Movies (or Shows) library is the one the file went to.
    """
    held = [lib for lib in libraries if any(_holds(loc, p) for loc in lib.locations for p in request.final_paths)]
    if held:
        return held
    of_kind = [lib for lib in libraries if lib.collection_type == _LIBRARY_TYPES[request.media_type]]
    return of_kind if len(of_kind) == 1 else []


async def async_rescan_library(jellyfin: JellyfinClient, request: MediaRequest) -> str:
    """`rescan_library`: Jellyfin scans the library that holds the imported files."""
    paths = request.final_paths
    if not paths:
        raise refused("not_imported", title=request.title)
    libraries = _libraries_for(await _checked("Jellyfin", jellyfin.async_get_libraries()), request)
    if not libraries:
        raise refused("no_library", title=request.title, path=paths[0])
    for library in libraries:
        await _checked("Jellyfin", jellyfin.async_scan_library(library.item_id))
    return f"Jellyfin scans the library {', '.join(library.name for library in libraries)}"


type Remedy = Callable[[Clients, MediaRequest], Awaitable[str]]

REMEDIES: dict[str, Remedy] = {
    "search": async_search,
    "replace_download": async_replace_download,
    "approve": lambda clients, request: async_answer(clients.seerr, request, "approve"),
    "decline": lambda clients, request: async_answer(clients.seerr, request, "decline"),
    "rescan_library": lambda clients, request: async_rescan_library(clients.jellyfin, request),
}


def offered(arrs: Sequence[ArrSource], request: MediaRequest) -> str | None:
    """The remedy for the request's cause (core/causes.py), unless it needs a Radarr/Sonarr connection that is
    missing (`arrs`: the entry's); Jellyfin, which rescan_library needs, is always connected."""
    remedy = remedy_for(request.cause)
    if remedy in ("search", "replace_download") and not arr_sources(arrs, request)[0]:
        return None
    return remedy


async def async_run(hub: Hub, clients: Clients, request: MediaRequest, remedy: str, *, source: str) -> str:
    """Run one remedy on one request, then keep what it did in the request's timeline; returns that sentence.

    Nothing is noted when it is refused or the service fails (the error propagates).
    """
    message = await REMEDIES[remedy](clients, request)
    await hub.async_note(request.request_id, kind=KIND_REMEDY, source=source, message=message, code=remedy)
    return message
