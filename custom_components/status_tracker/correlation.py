"""Correlation indexes: every lookup the tracker makes is a dict access, never a scan of all requests.

What is indexed, all derived from the requests themselves (so `rebuild` restores them after a restart):
- media keys (media type, id kind, id, 4K) -> every request that claimed the key, oldest first. Per key the list
  holds the few requests ever made for that media, so picking among them is not a scan of all requests;
- download ids (lowercase) -> request; Jellyseerr request ids (primary and duplicates) -> request;
  Jellyfin item ids (movie item or series item) -> request; a Sonarr episode's TVDB id -> (request, episode);
  (media type, casefolded title) -> requests, for Jellyfin episodes whose series is known only by name.
For single-owner keys the NEWEST request wins: an old request never steals a key back from a newer one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .models import EpisodeKey, MediaRequest, MediaType

type MediaKey = tuple[MediaType, str, str, bool]


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


def _append(items: list[str], rid: str) -> None:
    if rid not in items:
        items.append(rid)
