"""Correlation indexes: every lookup the tracker makes is a dict access, never a scan of all requests.

What is indexed, all derived from the requests themselves (so `rebuild` restores them after a restart):
- media keys (media type, id kind, id, 4K) -> every request that claimed the key, oldest first. Per key the list
  holds the few requests ever made for that media, so picking among them is not a scan of all requests;
- download ids (lowercase) -> request; Jellyseerr request ids (primary and duplicates) -> request;
  Jellyfin item ids (movie item or series item) -> request; a Sonarr episode's TVDB id -> (request, episode);
  (media type, casefolded title) -> requests, for Jellyfin episodes whose series is known only by name;
  path tails (`paths.path_tails`: "folder/file" and "file", casefolded) of every final path -> request, for Shoko.
For single-owner keys the NEWEST request wins: an old request never steals a key back from a newer one. Keys a
request no longer has (an old title or path) may still point at it: lookups check the request's current data.

And three sets for the pollers, each kept EXACT on every `add` (a request's contribution is replaced, never just
added to), so a poller's query costs the size of its answer, not a scan of all requests:
- active: requests neither AVAILABLE, FAILED nor removed (stuck checks);
- awaited downloads: torrent ids (`is_torrent_hash`) of the movie or episode rows still waiting on their download
  (`awaits_download`), of requests not removed, minus those a Grab put in another client (qBittorrent);
- awaiting library: requests not removed that are IMPORTING/ANIME_MATCHING or hold a row in those states (Jellyfin).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .downloads import is_torrent_hash
from .events import MediaInfo
from .models import EpisodeKey, MediaRequest, MediaType, RequestState
from .paths import path_tails
from .transitions import awaits_download

type MediaKey = tuple[MediaType, str, str, bool]

_LIBRARY_WAIT = frozenset({"importing", "anime_matching"})


def media_keys(
    media_type: MediaType,
    *,
    tmdb_id: int | None,
    tvdb_id: int | None,
    imdb_id: str | None,
    is_4k: bool,
) -> list[MediaKey]:
    """The keys a media is known by; a movie is not keyed by TVDB (Radarr and Jellyseerr do not use it)."""
    keys: list[MediaKey] = []
    if tvdb_id is not None and media_type is MediaType.TV:
        keys.append((media_type, "tvdb", str(tvdb_id), is_4k))
    if tmdb_id is not None:
        keys.append((media_type, "tmdb", str(tmdb_id), is_4k))
    if imdb_id:
        keys.append((media_type, "imdb", imdb_id.lower(), is_4k))
    return keys


def keys_of(media: MediaInfo) -> list[MediaKey]:
    """The media keys an event's media is known by."""
    return media_keys(
        media.media_type, tmdb_id=media.tmdb_id, tvdb_id=media.tvdb_id, imdb_id=media.imdb_id, is_4k=media.is_4k
    )


def covers_seasons(request: MediaRequest, seasons: tuple[int, ...] | None) -> bool:
    """True when a request's requested seasons include all of `seasons` (unknown on either side: True)."""
    if request.requested_seasons is None or not seasons:
        return True
    return set(seasons) <= set(request.requested_seasons)


def request_keys(request: MediaRequest) -> list[MediaKey]:
    """The media keys a request claims."""
    return media_keys(
        request.media_type,
        tmdb_id=request.tmdb_id,
        tvdb_id=request.tvdb_id,
        imdb_id=request.imdb_id,
        is_4k=request.is_4k,
    )


class Index:
    """The tracker's lookup tables."""

    def __init__(self) -> None:
        """Start empty."""
        self.requests: dict[str, MediaRequest] = {}
        self._seq: dict[str, int] = {}
        self._by_media: dict[MediaKey, list[str]] = {}
        self._by_title: dict[tuple[MediaType, str], list[str]] = {}
        self._by_download: dict[str, str] = {}
        self._by_jellyseerr: dict[str, str] = {}
        self._by_jellyfin_item: dict[str, str] = {}
        self._by_episode_tvdb: dict[int, tuple[str, EpisodeKey]] = {}
        self._by_path_tail: dict[str, str] = {}
        # Insertion-ordered dicts used as sets, so answers come in a stable order.
        self._active: dict[str, None] = {}
        self._awaiting_library: dict[str, None] = {}
        self._awaits: dict[str, frozenset[str]] = {}
        self._awaited: dict[str, set[str]] = {}

    def add(self, request: MediaRequest) -> None:
        """Index (or re-index, after a change) one request. Idempotent."""
        rid = request.request_id
        if rid not in self._seq:
            self._seq[rid] = len(self._seq)
            self.requests[rid] = request
        for key in request_keys(request):
            _append(self._by_media.setdefault(key, []), rid)
        _append(self._by_title.setdefault((request.media_type, request.title.casefold()), []), rid)
        for download_id in request.download_ids:
            self._claim(self._by_download, download_id, rid)
        for js_id in (request.jellyseerr_request_id, *request.duplicate_request_ids):
            if js_id is not None:
                self._claim(self._by_jellyseerr, js_id, rid)
        if request.jellyfin_item_id is not None:
            self._claim(self._by_jellyfin_item, request.jellyfin_item_id, rid)
        for episode in request.episodes.values():
            if episode.tvdb_id is not None:
                owner = self._by_episode_tvdb.get(episode.tvdb_id)
                if owner is None or self._seq[owner[0]] <= self._seq[rid]:
                    self._by_episode_tvdb[episode.tvdb_id] = (rid, episode.key)
        # Only Shoko matches look paths up, and only for anime still waiting: finished and regular media need no entry.
        if request.is_anime and request.is_active:
            for path in request.final_paths:
                for tail in path_tails(path):
                    self._claim(self._by_path_tail, tail, rid)
        _toggle(self._active, rid, on=_is_open(request))
        _toggle(self._awaiting_library, rid, on=_awaits_library(request))
        self._set_awaits(rid, _awaited_ids(request))

    def remove(self, rid: str) -> MediaRequest | None:
        """Forget one request and every key it holds; the keys it held go to nobody (no scan of other requests)."""
        request = self.requests.pop(rid, None)
        if request is None:
            return None
        for media_key in request_keys(request):
            _discard(self._by_media, media_key, rid)
        _discard(self._by_title, (request.media_type, request.title.casefold()), rid)
        held: tuple[tuple[dict[str, str], list[str | None]], ...] = (
            (self._by_download, list(request.download_ids)),
            (self._by_jellyseerr, [request.jellyseerr_request_id, *request.duplicate_request_ids]),
            (self._by_jellyfin_item, [request.jellyfin_item_id]),
            (self._by_path_tail, [tail for path in request.final_paths for tail in path_tails(path)]),
        )
        for table, keys in held:
            for key in keys:
                if key is not None and table.get(key) == rid:
                    del table[key]
        for episode in request.episodes.values():
            if episode.tvdb_id is not None and self._by_episode_tvdb.get(episode.tvdb_id, ("",))[0] == rid:
                del self._by_episode_tvdb[episode.tvdb_id]
        self._active.pop(rid, None)
        self._awaiting_library.pop(rid, None)
        self._set_awaits(rid, frozenset())
        self._awaits.pop(rid, None)
        return request

    @property
    def active(self) -> list[str]:
        """Ids of the requests neither AVAILABLE, FAILED nor removed."""
        return list(self._active)

    def is_open(self, rid: str) -> bool:
        """True when the request is in the active set (neither AVAILABLE, FAILED nor removed)."""
        return rid in self._active

    @property
    def awaiting_library(self) -> list[str]:
        """Ids of the requests with an imported file (or row) Jellyfin has not confirmed yet."""
        return list(self._awaiting_library)

    @property
    def awaited_downloads(self) -> frozenset[str]:
        """The torrent ids (lowercase) some request or episode row still waits on."""
        return frozenset(self._awaited)

    def by_path_tail(self, path: str | None) -> MediaRequest | None:
        """The request whose final path (movie or episode) ends like `path`: its last two components, else its file
        name when `path` has only one (E15-E17: another container sees another mount root).
        """
        tails = path_tails(path)
        return None if not tails else self._get(self._by_path_tail.get(tails[0]))

    def _set_awaits(self, rid: str, ids: frozenset[str]) -> None:
        old = self._awaits.get(rid, frozenset())
        if ids == old:
            return
        for download_id in old - ids:
            owners = self._awaited[download_id]
            owners.discard(rid)
            if not owners:
                del self._awaited[download_id]
        for download_id in ids - old:
            self._awaited.setdefault(download_id, set()).add(rid)
        self._awaits[rid] = ids

    def by_download(self, download_id: str | None) -> MediaRequest | None:
        """The request owning a download id (compared lowercase)."""
        return None if download_id is None else self._get(self._by_download.get(download_id.lower()))

    def by_jellyseerr(self, jellyseerr_id: str | None) -> MediaRequest | None:
        """The request a Jellyseerr request id was folded into."""
        return None if jellyseerr_id is None else self._get(self._by_jellyseerr.get(jellyseerr_id))

    def by_jellyfin_item(self, item_id: str | None) -> MediaRequest | None:
        """The request linked to a Jellyfin movie or series item."""
        return None if item_id is None else self._get(self._by_jellyfin_item.get(item_id))

    def by_episode_tvdb(self, tvdb_id: int | None) -> tuple[MediaRequest, EpisodeKey] | None:
        """The request and episode row carrying an episode TVDB id."""
        owner = None if tvdb_id is None else self._by_episode_tvdb.get(tvdb_id)
        if owner is None:
            return None
        return self.requests[owner[0]], owner[1]

    def for_media(
        self, keys: Iterable[MediaKey], accept: Callable[[MediaRequest], bool] = lambda _: True
    ) -> MediaRequest | None:
        """The request for this media: the newest ACTIVE one that `accept`s, else the newest accepted one.

        Removed requests are never returned: their media key is free for a new request.
        """
        found: dict[str, MediaRequest] = {}
        for key in keys:
            for rid in self._by_media.get(key, ()):
                request = self.requests[rid]
                if not request.removed and accept(request):
                    found[rid] = request
        return self._pick(found.values())

    def by_title(self, media_type: MediaType, title: str | None) -> MediaRequest | None:
        """The newest active (else newest) request whose CURRENT title matches, case-insensitively."""
        if not title:
            return None
        folded = title.casefold()
        rids = self._by_title.get((media_type, folded), ())
        # A request keeps its old title entry when renamed: check the title it has now.
        return self._pick(
            self.requests[rid]
            for rid in rids
            if self.requests[rid].title.casefold() == folded and not self.requests[rid].removed
        )

    def _pick(self, requests: Iterable[MediaRequest]) -> MediaRequest | None:
        best: MediaRequest | None = None
        for request in requests:
            if best is None or (request.is_active, self._seq[request.request_id]) > (
                best.is_active,
                self._seq[best.request_id],
            ):
                best = request
        return best

    def _claim(self, table: dict[str, str], key: str, rid: str) -> None:
        owner = table.get(key)
        if owner is None or self._seq[owner] <= self._seq[rid]:
            table[key] = rid

    def _get(self, rid: str | None) -> MediaRequest | None:
        return None if rid is None else self.requests.get(rid)


def _discard[K](table: dict[K, list[str]], key: K, rid: str) -> None:
    items = table.get(key)
    if items is not None and rid in items:
        items.remove(rid)
        if not items:
            del table[key]


def _append(items: list[str], rid: str) -> None:
    if rid not in items:
        items.append(rid)


def _toggle(members: dict[str, None], rid: str, *, on: bool) -> None:
    if on:
        members.setdefault(rid)
    else:
        members.pop(rid, None)


def _is_open(request: MediaRequest) -> bool:
    return not request.removed and request.state not in (RequestState.AVAILABLE, RequestState.FAILED)


def _awaits_library(request: MediaRequest) -> bool:
    if request.removed:
        return False
    return request.state.value in _LIBRARY_WAIT or any(
        episode.state.value in _LIBRARY_WAIT for episode in request.episodes.values()
    )


def _awaited_ids(request: MediaRequest) -> frozenset[str]:
    """The torrent ids this request waits on: its rows' when it has rows, else its own; none in another client."""
    if request.removed:
        return frozenset()
    if request.episodes:
        ids = frozenset(
            episode.download_id
            for episode in request.episodes.values()
            # The state test first: it is cheap and false for almost every stored row.
            if awaits_download(episode.state) and is_torrent_hash(episode.download_id)
        )
    elif awaits_download(request.state) and is_torrent_hash(request.download_id):
        ids = frozenset({request.download_id})
    else:
        return frozenset()
    # Almost always empty: only users of a second download client have any.
    return ids.difference(request.unpolled_download_ids) if request.unpolled_download_ids else ids
