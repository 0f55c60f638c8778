"""delete_media: remove a request's media from the services the user chose, after a dry run that shows exactly what.

Each chosen service is first asked what it holds (core/deletion.py plans from the answers what may go without
touching another request's media); a dry run returns that plan and sends nothing else. A real run sends each
planned call in turn: torrents first (nothing downloads into a deleted folder), then Radarr/Sonarr, then Jellyseerr,
then the request's own record, which stays when anything failed so that the user can look and run it again. A
service that fails is reported and the others still run. The endpoints are in docs/service-apis.md §7.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import ServiceValidationError

from .catchup import ArrSource
from .clients import ServiceError
from .clients.qbittorrent import QBittorrentClient
from .clients.seerr import SeerrClient
from .core import deletion
from .core.deletion import GONE, DeleteOptions, ServicePlan
from .core.models import MediaRequest, MediaType
from .core.timeline import KIND_NOTE
from .hub import Hub
from .remedies import arr_sources, refused

if TYPE_CHECKING:
    from .runtime import Clients

CODE_DELETE_MEDIA = "delete_media"


type Sender = Callable[[deletion.Action], Awaitable[bool]]


def _error(err: ServiceError) -> str:
    return str(err) or type(err).__name__


def _missing(service: str) -> ServiceValidationError:
    return refused("missing_connection", service=service)


async def _async_plan_seerr(seerr: SeerrClient, request: MediaRequest) -> ServicePlan:
    """From Seerr's movie or TV details: its media record (`mediaInfo`) with every request on it."""
    if request.tmdb_id is None:
        return deletion.failed(deletion.SEERR, "Jellyseerr", "the request has no TMDB id to find it by")
    try:
        details = await seerr.async_get_media(str(request.media_type), request.tmdb_id)
    except ServiceError as err:
        return deletion.failed(deletion.SEERR, "Jellyseerr", _error(err))
    media_info = details.get("mediaInfo")
    return deletion.plan_seerr(request, media_info if isinstance(media_info, dict) else None)


async def _async_plan_arr(
    sources: list[ArrSource], name: str, request: MediaRequest, others: list[MediaRequest], options: DeleteOptions
) -> tuple[ServicePlan, ArrSource]:
    """The movie or series in the first of `sources` that has it (4K requests: the 4K ones), and that source."""
    chosen = sources[0]
    try:
        for source in sources:
            arr = deletion.Arr(source.key, name)
            if request.media_type is MediaType.MOVIE:
                movie = await source.client.async_get_movie(request.tmdb_id) if request.tmdb_id is not None else None
                if movie is not None:
                    return deletion.plan_movie(request, others, movie, arr=arr, options=options), source
                continue
            series = await source.client.async_get_series(request.tvdb_id) if request.tvdb_id is not None else None
            if series is not None and isinstance(series_id := series.get("id"), int):
                files = await source.client.async_get_episode_files(series_id)
                return deletion.plan_series(request, others, series, files, arr=arr, options=options), source
    except ServiceError as err:
        return deletion.failed(source.key, name, _error(err)), source
    arr = deletion.Arr(chosen.key, name)
    if request.media_type is MediaType.MOVIE:
        return deletion.plan_movie(request, others, None, arr=arr, options=options), chosen
    return deletion.plan_series(request, others, None, [], arr=arr, options=options), chosen


async def _async_plan_torrents(
    qbittorrent: QBittorrentClient, request: MediaRequest, others: list[MediaRequest], options: DeleteOptions
) -> ServicePlan:
    hashes = deletion.torrent_hashes(request)
    torrents: list[dict[str, Any]] = []
    if hashes:  # `torrents/info` without hashes lists every torrent
        try:
            torrents = await qbittorrent.async_get_torrents(hashes)
        except ServiceError as err:
            return deletion.failed(deletion.QBITTORRENT, "qBittorrent", _error(err))
    return deletion.plan_torrents(request, others, torrents, options)


async def _async_plans(
    clients: Clients, request: MediaRequest, others: list[MediaRequest], options: DeleteOptions
) -> list[tuple[ServicePlan, Sender]]:
    """Each chosen service's plan and how its calls are sent, in the order they run. Every chosen service must be
    connected: without one, nothing is done (the user would get half of what they asked for)."""
    if not any((options.seerr, options.arr, options.torrents, options.record)):
        raise refused("nothing_to_delete")
    plans: list[tuple[ServicePlan, Sender]] = []
    if options.torrents:
        if (qbittorrent := clients.qbittorrent) is None:
            raise _missing("qBittorrent")
        plans.append(
            (await _async_plan_torrents(qbittorrent, request, others, options), _qbittorrent_sender(qbittorrent))
        )
    if options.arr:
        sources, name = arr_sources(clients.arrs, request)
        if not sources:
            raise _missing(name)
        plan, source = await _async_plan_arr(sources, name, request, others, options)
        client = source.client
        plans.append(
            (
                plan,
                lambda action: client.async_delete(action.path, params=dict(action.params) or None, json=action.body),
            )
        )
    if options.seerr:
        if (seerr := clients.seerr) is None:
            raise _missing("Jellyseerr")
        plans.append((await _async_plan_seerr(seerr, request), lambda action: seerr.async_delete(action.path)))
    return plans


def _qbittorrent_sender(qbittorrent: QBittorrentClient) -> Sender:
    async def send(action: deletion.Action) -> bool:
        # qBittorrent skips hashes it does not have and answers 200 all the same.
        await qbittorrent.async_post(action.path, dict(action.params))
        return True

    return send


async def async_delete_media(
    hub: Hub,
    clients: Clients,
    request: MediaRequest,
    options: DeleteOptions,
    *,
    dry_run: bool,
    source: str,
    remove_record: Callable[[], Awaitable[None]],
) -> dict[str, Any]:
    """Plan, then (unless `dry_run`) delete; the action's response (core/deletion.py `report`)."""
    others = deletion.others_of(request, hub.requests.values())
    views: dict[str, dict[str, Any]] = {}
    for plan, send in await _async_plans(clients, request, others, options):
        views[plan.service] = deletion.service_view(plan, None if dry_run else await _async_run(plan, send))
    if options.record:
        record = deletion.plan_record(request)
        if dry_run:
            views[record.service] = deletion.service_view(record, None)
        elif failed := [view["name"] for view in views.values() if view["failed"]]:
            views[record.service] = deletion.service_view(deletion.keep_record(request, failed), None)
        else:
            await remove_record()
            views[record.service] = deletion.service_view(record, [deletion.DELETED])
    if not dry_run and hub.get(request.request_id) is not None:
        message = deletion.summary(views)
        await hub.async_note(request.request_id, kind=KIND_NOTE, source=source, message=message, code=CODE_DELETE_MEDIA)
    return deletion.report(request, views, dry_run=dry_run)


async def _async_run(plan: ServicePlan, send: Sender) -> list[str]:
    """Each planned call's outcome: deleted, already gone, or why it failed; a failure does not stop the next."""
    outcomes = []
    for action in plan.actions:
        try:
            outcomes.append(deletion.DELETED if await send(action) else GONE)
        except ServiceError as err:
            outcomes.append(_error(err))
    return outcomes
