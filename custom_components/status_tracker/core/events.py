"""Domain events: what a parser read from one payload, in the tracker's vocabulary.

Events are small, frozen and service-neutral where they can be: a Radarr and a Sonarr Grab are both `Grabbed`
(a movie grab has no episodes). Ids are already canonical: TMDB/TVDB ids are ints (None when unknown or 0),
download ids lowercase, Jellyfin item ids without dashes and lowercase. `MediaInfo` names the media and carries
what the *arr knows about it, so an *arr event that arrives before its Jellyseerr request can create the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from .models import MediaType

if TYPE_CHECKING:
    # Only a type here: downloads.py builds the download events, so it imports this module, not the reverse.
    from .downloads import TorrentPhase


class NotificationKind(StrEnum):
    """The Jellyseerr notification types the tracker acts on."""

    PENDING = "MEDIA_PENDING"
    APPROVED = "MEDIA_APPROVED"
    AUTO_APPROVED = "MEDIA_AUTO_APPROVED"
    AVAILABLE = "MEDIA_AVAILABLE"
    DECLINED = "MEDIA_DECLINED"
    FAILED = "MEDIA_FAILED"

    @property
    def is_request(self) -> bool:
        """True for the kinds that mean "someone asked for this media"."""
        return self in (
            NotificationKind.PENDING,
            NotificationKind.APPROVED,
            NotificationKind.AUTO_APPROVED,
        )


class DeleteScope(StrEnum):
    """Whether a delete removed the whole movie/series or one file."""

    MEDIA = "media"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """The media an event is about, and what its sender knows of it."""

    media_type: MediaType
    title: str
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    year: int | None = None
    is_4k: bool = False
    is_anime: bool = False
    poster_url: str | None = None


@dataclass(frozen=True, slots=True)
class EpisodeRef:
    """One episode as Sonarr names it."""

    season: int
    episode: int
    title: str | None = None
    sonarr_id: int | None = None
    tvdb_id: int | None = None


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """A file the *arr imported; `episodes` is empty for a movie or when the file's episodes are unknown."""

    path: str
    quality: str | None = None
    episodes: tuple[EpisodeRef, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestNotified:
    """A Jellyseerr media notification (request made, approved, declined, failed, available)."""

    kind: NotificationKind
    media: MediaInfo
    jellyseerr_request_id: str | None = None
    requested_by: str | None = None
    # None when the payload has no "Requested Seasons" entry (movies, or an edited template).
    requested_seasons: tuple[int, ...] | None = None
    # Only to find the requester's Home Assistant person (core/requesters.py): never shown.
    requested_by_email: str | None = None


@dataclass(frozen=True, slots=True)
class Grabbed:
    """Radarr/Sonarr sent a release to the download client.

    `download_client_type` is the client's implementation ("qBittorrent", "Transmission", ...; None before Radarr
    4.1 / Sonarr 3.0.7), `download_client` the name the user gave it (older versions: the implementation's name).
    """

    media: MediaInfo
    download_id: str | None = None
    quality: str | None = None
    release_title: str | None = None
    download_client_type: str | None = None
    episodes: tuple[EpisodeRef, ...] = ()
    download_client: str | None = None


@dataclass(frozen=True, slots=True)
class Imported:
    """Radarr/Sonarr imported file(s) into the library (per-file Download or ImportComplete)."""

    media: MediaInfo
    files: tuple[ImportedFile, ...]
    download_id: str | None = None
    is_upgrade: bool = False
    # Every episode the import covers (ImportComplete lists them apart from the files).
    episodes: tuple[EpisodeRef, ...] = ()


@dataclass(frozen=True, slots=True)
class ManualInteractionRequired:
    """A finished download the *arr cannot import by itself."""

    media: MediaInfo
    message: str
    download_id: str | None = None
    episodes: tuple[EpisodeRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Deleted:
    """The *arr deleted the movie/series, or a file of it. `reason` is the *arr deleteReason, if any."""

    media: MediaInfo
    scope: DeleteScope
    reason: str | None = None
    path: str | None = None
    episodes: tuple[EpisodeRef, ...] = ()


@dataclass(frozen=True, slots=True)
class SeenInLibrary:
    """Jellyfin added a movie or episode(s): terminal evidence that it is in the library.

    For a movie the provider ids are the movie's. For episodes they are the episode's own (Jellyfin does not
    send the series ids on an Episode item), so the series is found by `series_item_id` or `series_name`.
    `request_id` is set by the Jellyfin poller, which knows which request it looked up: the event then goes to
    that request (if it is still active) without correlation; for TV, `season`/`episodes` (or `tvdb_id`) still
    name the rows.
    """

    media_type: MediaType
    item_id: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    series_item_id: str | None = None
    series_name: str | None = None
    season: int | None = None
    episodes: tuple[int, ...] = ()
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class SeriesInLibrary:
    """Jellyfin added a Series item: links its item id to the request so its episodes can be found."""

    item_id: str
    title: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """The download client's view of one awaited download, polled from qBittorrent.

    `download_id` is the id the tracker awaits (one of `Tracker.awaited_downloads()`), which may differ from the
    torrent's own `hash` (E6). `progress` is 0..1, `speed` bytes/s, `eta` seconds (None when unknown). `reason`
    is shown when `phase` is FAILED. `Torrent.progress_event` (downloads.py) builds it.
    """

    download_id: str
    phase: TorrentPhase
    progress: float
    speed: int | None = None
    eta: int | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class DownloadMissing:
    """An awaited download has been gone from qBittorrent for longer than the timeout, and nothing imported it."""

    download_id: str


@dataclass(frozen=True, slots=True)
class FileMatched:
    """Shoko matched a file (ShokoEvent:FileMatched, or a REST lookup) to `cross_references` AniDB episodes.

    `path` is the path as Shoko knows it: relative to its import folder or absolute, with either separator. Only
    its tail is compared with the *arr's final paths (E15 to E17).
    """

    path: str
    cross_references: int


type Event = (
    RequestNotified
    | Grabbed
    | Imported
    | ManualInteractionRequired
    | Deleted
    | SeenInLibrary
    | SeriesInLibrary
    | DownloadProgress
    | DownloadMissing
    | FileMatched
)


def source_of(event: Event) -> str:
    """The service an event comes from, as the timeline names it (core/timeline.py); catch-up names itself instead.

    Radarr and Sonarr send the same events: a movie's come from Radarr, a series' from Sonarr.
    """
    match event:
        case RequestNotified():
            return "jellyseerr"
        case Grabbed() | Imported() | ManualInteractionRequired() | Deleted():
            return "radarr" if event.media.media_type is MediaType.MOVIE else "sonarr"
        case SeenInLibrary() | SeriesInLibrary():
            return "jellyfin"
        case DownloadProgress() | DownloadMissing():
            return "qbittorrent"
        case FileMatched():
            return "shoko"
