"""What delete_media deletes, given one request, the other requests and what the services answer. Pure.

deletion.py (glue) asks each chosen service what it holds, plans here, then (unless it is a dry run) sends exactly
the planned `Action`s and reports each one's outcome through `service_view` / `report`.

Rules held here:
- Nothing another request owns is deleted. Another tracked request (not removed) for the same movie in the same
  Radarr keeps the movie; for the same series in the same Sonarr it keeps the seasons it asked for (every season
  when it names none), and then only this request's own seasons' episode files go (`episodefile/bulk`), never the
  series. A torrent whose hash another request also holds is kept. Seerr's media record goes only when Seerr lists
  no other request on it: deleting it deletes every request on it (MediaRequest.media is ON DELETE CASCADE).
- A whole series goes only when no other request wants it and this one asked for every season that has files.
- Sonarr deletes a season only with its files: without `delete_files` those files are kept and said so.
- What a service no longer has is "already gone", not an error; what it refuses or cannot answer is "failed".
The endpoints and their parameters are read in the services' sources: docs/service-apis.md §7.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .coerce import as_int
from .models import MediaRequest, MediaType

SEERR = "jellyseerr"
QBITTORRENT = "qbittorrent"
TRACKER = "tracker"
SEERR_ROOT = "/api/v1"
ARR_ROOT = "/api/v3"
QBITTORRENT_ROOT = "/api/v2"

# An Action's outcome: deleted, or gone before we asked (the service answered 404); else the error text.
DELETED = "deleted"
GONE = "already_gone"


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    """What the user chose to delete; each part off unless asked."""

    seerr: bool = False
    arr: bool = False
    delete_files: bool = False
    add_import_exclusion: bool = False
    torrents: bool = False
    torrent_data: bool = False
    record: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """One thing a service holds: a request, a movie, an episode file, a torrent... and, when kept, why."""

    kind: str
    id: str | int
    title: str | None = None
    path: str | None = None
    size: int | None = None
    reason: str | None = None

    def as_view(self) -> dict[str, Any]:
        """The fields the service told us (None left out)."""
        view = {"kind": self.kind, "id": self.id, "title": self.title, "path": self.path, "size": self.size}
        if self.reason is not None:
            view["reason"] = self.reason
        return {key: value for key, value in view.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Action:
    """One deleting call, exactly as it is sent: method, path under the service's API root, query or form, JSON body."""

    method: str
    path: str
    items: tuple[Item, ...]
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None

    def as_view(self, root: str) -> dict[str, Any]:
        """What a dry run shows of the call (its path under the service's API `root`)."""
        view: dict[str, Any] = {"method": self.method, "path": f"{root}/{self.path}"}
        if self.params:
            view["params"] = dict(self.params)
        if self.body is not None:
            view["body"] = self.body
        return view


@dataclass(frozen=True, slots=True)
class ServicePlan:
    """What one service would be asked to delete, what it no longer has, what stays, or why it could not be asked.

    `root`: the service's API root, which the actions' paths are under.
    """

    service: str
    name: str
    root: str = ""
    actions: tuple[Action, ...] = ()
    gone: tuple[Item, ...] = ()
    kept: tuple[Item, ...] = ()
    error: str | None = None


def others_of(request: MediaRequest, requests: Iterable[MediaRequest]) -> list[MediaRequest]:
    """The other requests that still own media: every one but this one and those whose media was deleted."""
    return [other for other in requests if other.request_id != request.request_id and not other.removed]


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _owner(other: MediaRequest) -> str:
    seerr = f" (Jellyseerr request {other.jellyseerr_request_id})" if other.jellyseerr_request_id else ""
    return f"{other.title}{seerr}"


def seerr_ids(request: MediaRequest) -> list[int]:
    """The request's Seerr request ids: its own and those folded into it as duplicates."""
    return [
        int(rid) for rid in (request.jellyseerr_request_id, *request.duplicate_request_ids) if rid and rid.isdigit()
    ]


def plan_seerr(request: MediaRequest, media_info: Mapping[str, Any] | None) -> ServicePlan:
    """The request's Seerr requests, then its media record unless another request is on it.

    `media_info` is Seerr's `mediaInfo` of the movie or series (GET movie|tv/{tmdbId}, with its requests); None when
    Seerr has no media record for it (and so none of its requests either).
    """
    ours = seerr_ids(request)
    if media_info is None:
        vanished = tuple(Item("request", rid, request.title) for rid in ours)
        media_key = f"tmdb:{request.tmdb_id}"
        return ServicePlan(SEERR, "Jellyseerr", SEERR_ROOT, gone=(*vanished, Item("media", media_key, request.title)))
    listed = [entry for entry in media_info.get("requests") or () if isinstance(entry, dict)]
    present = {rid for entry in listed if (rid := as_int(entry.get("id"))) is not None}
    actions = [
        Action("DELETE", f"request/{rid}", (Item("request", rid, request.title),)) for rid in ours if rid in present
    ]
    gone = [Item("request", rid, request.title) for rid in ours if rid not in present]
    kept: tuple[Item, ...] = ()
    media_id = as_int(media_info.get("id"))
    media = Item("media", media_id if media_id is not None else "?", request.title)
    if foreign := sorted(present - set(ours)):
        kept = (_kept(media, f"Jellyseerr request {', '.join(map(str, foreign))} is on it too"),)
    elif media_id is not None:
        actions.append(Action("DELETE", f"media/{media_id}", (media,)))
    return ServicePlan(SEERR, "Jellyseerr", SEERR_ROOT, actions=tuple(actions), gone=tuple(gone), kept=kept)


def _kept(item: Item, reason: str) -> Item:
    return Item(item.kind, item.id, item.title, item.path, item.size, reason)


@dataclass(frozen=True, slots=True)
class Arr:
    """The Radarr/Sonarr connection asked: its entry section (the response's key) and its name."""

    key: str
    name: str


def plan_movie(
    request: MediaRequest,
    others: Sequence[MediaRequest],
    movie: Mapping[str, Any] | None,
    *,
    arr: Arr,
    options: DeleteOptions,
) -> ServicePlan:
    """Radarr's movie (`movie?tmdbId=`), with its files when asked, unless another request for it in this Radarr."""
    key, name = arr.key, arr.name
    if movie is None:
        return ServicePlan(key, name, ARR_ROOT, gone=(Item("movie", f"tmdb:{request.tmdb_id}", request.title),))
    movie_file = _mapping(movie.get("movieFile"))
    item = Item(
        "movie",
        as_int(movie.get("id")) or 0,
        _text(movie.get("title")) or request.title,
        _text(movie_file.get("path")) or _text(movie.get("path")),
        as_int(movie.get("sizeOnDisk")),
    )
    sharers = [
        o
        for o in others
        if o.media_type is MediaType.MOVIE and o.tmdb_id == request.tmdb_id and o.is_4k == request.is_4k
    ]
    if sharers:
        return ServicePlan(key, name, ARR_ROOT, kept=(_kept(item, f"{_owner(sharers[0])} wants it too"),))
    params = {"deleteFiles": _flag(options.delete_files), "addImportExclusion": _flag(options.add_import_exclusion)}
    kept = () if options.delete_files or not item.size else (_kept(item, "its files stay: delete_files is off"),)
    return ServicePlan(key, name, ARR_ROOT, actions=(Action("DELETE", f"movie/{item.id}", (item,), params),), kept=kept)


def _seasons_of(other: MediaRequest) -> set[int] | None:
    return set(other.requested_seasons) if other.requested_seasons else None


def plan_series(
    request: MediaRequest,
    others: Sequence[MediaRequest],
    series: Mapping[str, Any] | None,
    files: Sequence[Mapping[str, Any]],
    *,
    arr: Arr,
    options: DeleteOptions,
) -> ServicePlan:
    """Sonarr's series (`series?tvdbId=`) when it is all this request's; else this request's seasons' episode files
    (`episodefile?seriesId=`), never those of a season another request asked for."""
    key, name = arr.key, arr.name
    if series is None:
        return ServicePlan(key, name, ARR_ROOT, gone=(Item("series", f"tvdb:{request.tvdb_id}", request.title),))
    series_id = as_int(series.get("id")) or 0
    title = _text(series.get("title")) or request.title
    statistics = _mapping(series.get("statistics"))
    sharers = [
        o for o in others if o.media_type is MediaType.TV and o.tvdb_id == request.tvdb_id and o.is_4k == request.is_4k
    ]
    ours = _seasons_of(request)
    by_season: dict[int, list[Mapping[str, Any]]] = {}
    for file in files:
        if (season := as_int(file.get("seasonNumber"))) is not None:
            by_season.setdefault(season, []).append(file)
    if not sharers and (ours is None or set(by_season) <= ours):
        item = Item("series", series_id, title, _text(series.get("path")), as_int(statistics.get("sizeOnDisk")))
        params = {
            "deleteFiles": _flag(options.delete_files),
            "addImportListExclusion": _flag(options.add_import_exclusion),
        }
        files_kept = (
            () if options.delete_files or not item.size else (_kept(item, "its files stay: delete_files is off"),)
        )
        return ServicePlan(
            key, name, ARR_ROOT, actions=(Action("DELETE", f"series/{series_id}", (item,), params),), kept=files_kept
        )
    kept: list[Item] = []
    mine: list[Item] = []
    for season, season_files in sorted(by_season.items()):
        owner = next((o for o in sharers if (wanted := _seasons_of(o)) is None or season in wanted), None)
        if owner is not None or (ours is not None and season not in ours):
            reason = f"{_owner(owner)} asked for it" if owner is not None else "not requested here"
            kept.append(Item("season", season, f"{title} season {season}", reason=reason))
            continue
        mine += [
            Item("episode_file", file_id, f"{title} season {season}", _text(file.get("path")), as_int(file.get("size")))
            for file in season_files
            if (file_id := as_int(file.get("id"))) is not None
        ]
    if not options.delete_files:
        reason = "Sonarr deletes a season only with its files: delete_files is off"
        return ServicePlan(key, name, ARR_ROOT, kept=(*kept, *(_kept(item, reason) for item in mine)))
    actions: tuple[Action, ...] = ()
    if mine:
        body = {"episodeFileIds": sorted(int(item.id) for item in mine)}
        actions = (Action("DELETE", "episodefile/bulk", tuple(mine), body=body),)
    return ServicePlan(key, name, ARR_ROOT, actions=actions, kept=tuple(kept))


def torrent_hashes(request: MediaRequest) -> list[str]:
    """The request's downloads in qBittorrent (lowercase): every id seen, but those a Grab put in another client."""
    other_clients = {h.lower() for h in request.unpolled_download_ids}
    seen = {h.lower() for h in request.download_ids}
    seen |= {ep.download_id.lower() for ep in request.episodes.values() if ep.download_id}
    return sorted(seen - other_clients)


def plan_torrents(
    request: MediaRequest, others: Sequence[MediaRequest], torrents: Sequence[Mapping[str, Any]], options: DeleteOptions
) -> ServicePlan:
    """The request's torrents that qBittorrent has (`torrents/info?hashes=`), but those another request holds too."""
    held = {str(t.get("hash", "")).lower(): t for t in torrents}
    users = {h.lower(): other for other in others for h in torrent_hashes(other)}
    gone: list[Item] = []
    kept: list[Item] = []
    chosen: list[Item] = []
    for torrent_hash in torrent_hashes(request):
        if (torrent := held.get(torrent_hash)) is None:
            gone.append(Item("torrent", torrent_hash))
            continue
        size = as_int(torrent.get("total_size"))
        item = Item("torrent", torrent_hash, _text(torrent.get("name")), _text(torrent.get("content_path")), size)
        if (other := users.get(torrent_hash)) is not None:
            kept.append(_kept(item, f"{_owner(other)} uses it too"))
        else:
            chosen.append(item)
    actions: tuple[Action, ...] = ()
    if chosen:
        form = {"hashes": "|".join(str(item.id) for item in chosen), "deleteFiles": _flag(options.torrent_data)}
        actions = (Action("POST", "torrents/delete", tuple(chosen), form),)
    return ServicePlan(
        QBITTORRENT, "qBittorrent", QBITTORRENT_ROOT, actions=actions, gone=tuple(gone), kept=tuple(kept)
    )


def plan_record(request: MediaRequest) -> ServicePlan:
    """This integration's own record of the request (what remove_request removes)."""
    item = Item("record", request.request_id, request.title)
    return ServicePlan(TRACKER, "Media Request Status Tracker", actions=(Action("", "", (item,)),))


def keep_record(request: MediaRequest, failed_names: Sequence[str]) -> ServicePlan:
    """The record stays when a service failed: the user sees the request, and can run the action again."""
    reason = f"kept because {', '.join(failed_names)} failed: run it again once that is fixed"
    item = Item("record", request.request_id, request.title, reason=reason)
    return ServicePlan(TRACKER, "Media Request Status Tracker", kept=(item,))


def failed(service: str, name: str, error: str) -> ServicePlan:
    """A service that could not be asked what it holds."""
    return ServicePlan(service, name, error=error)


def service_view(plan: ServicePlan, outcomes: Sequence[str] | None) -> dict[str, Any]:
    """One service's part of the response; `outcomes` per action (DELETED, GONE or the error), None in a dry run."""
    done: list[dict[str, Any]] = []
    gone = [item.as_view() for item in plan.gone]
    failures: list[dict[str, Any]] = [{"error": plan.error}] if plan.error else []
    for index, action in enumerate(plan.actions):
        outcome = DELETED if outcomes is None else outcomes[index]
        views = [item.as_view() for item in action.items]
        if outcome == DELETED:
            done += views
        elif outcome == GONE:
            gone += views
        else:
            failures += [{**view, "error": outcome} for view in views]
    return {
        "name": plan.name,
        "would_delete" if outcomes is None else "deleted": done,
        "already_gone": gone,
        "kept": [item.as_view() for item in plan.kept],
        "failed": failures,
        "calls": [action.as_view(plan.root) for action in plan.actions if plan.root],
    }


def report(request: MediaRequest, views: Mapping[str, dict[str, Any]], *, dry_run: bool) -> dict[str, Any]:
    """The action's response: per service what was (would be) deleted, was gone, stays or failed; whether the request
    is now half removed (something deleted, something failed)."""
    failed_names = [view["name"] for view in views.values() if view["failed"]]
    deleted = any(view.get("deleted") for view in views.values())
    return {
        "dry_run": dry_run,
        "request_id": request.request_id,
        "title": request.title,
        "services": dict(views),
        "failed": failed_names,
        "half_removed": not dry_run and deleted and bool(failed_names),
    }


def summary(views: Mapping[str, dict[str, Any]]) -> str:
    """The timeline's sentence for a real run: "Deleted in Sonarr: 3 episode files; failed in qBittorrent: ..."."""
    parts = []
    for view in views.values():
        if view.get("deleted"):
            parts.append(f"deleted in {view['name']}: {_count(view['deleted'])}")
        if view["failed"]:
            errors = sorted({failure["error"] for failure in view["failed"]})
            parts.append(f"failed in {view['name']}: {'; '.join(errors)}")
    text = "; ".join(parts) or "nothing deleted"
    return text[0].upper() + text[1:]


def _count(items: Sequence[Mapping[str, Any]]) -> str:
    kinds: dict[str, int] = {}
    for item in items:
        kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
    return ", ".join(f"{n} {_LABELS[kind][n != 1]}" for kind, n in kinds.items())


# Each Item kind's label, singular and plural.
_LABELS = {
    "request": ("request", "requests"),
    "media": ("media record", "media records"),
    "movie": ("movie", "movies"),
    "series": ("series", "series"),
    "episode_file": ("episode file", "episode files"),
    "torrent": ("torrent", "torrents"),
    "record": ("record", "records"),
}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
