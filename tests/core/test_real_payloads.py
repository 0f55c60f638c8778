"""Every payload of the real corpus (tests/fixtures/real, see its README) through the parsers and the tracker.

Each file has one row below saying what it means: the event it is, the ids, year, download id and client, episodes,
and where the file ends up (the library path: `folderPath`/`series.path` + `relativePath`, whatever `path` says on
old versions), and the request after applying it after the rows in `before` (other real payloads of the same media).
Rows with `ignored` are payloads the tracker deliberately leaves alone: the reason starts with that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.status_tracker.core.changes import Change
from custom_components.status_tracker.core.events import (
    Deleted,
    Event,
    Grabbed,
    Imported,
    ManualInteractionRequired,
    RequestNotified,
    SeenInLibrary,
)
from custom_components.status_tracker.core.models import AnimeRules, MediaRequest
from custom_components.status_tracker.core.parsers import ParseResult, jellyfin, jellyseerr, radarr, sonarr
from custom_components.status_tracker.core.tracker import Tracker
from tests.helpers import real_files, real_payload, real_readme_files

_PARSERS = {
    "radarr": radarr.parse_result,
    "sonarr": sonarr.parse_result,
    "jellyseerr": jellyseerr.parse_result,
    "jellyfin": jellyfin.parse_result,
}
T0 = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """What one real payload means."""

    event: type[Event] | None = None  # None: ignored
    ignored: str | None = None  # the start of the skip reason
    title: str | None = None
    tmdb: int | None = None
    tvdb: int | None = None
    imdb: str | None = None
    year: int | None = None
    download_id: str | None = None
    client: str | None = None  # downloadClientType as read
    client_name: str | None = None  # the request's download_client afterwards (the name the user gave it)
    episodes: tuple[tuple[int, int], ...] = ()
    upgrade: bool = False
    paths: tuple[str, ...] = ()  # library path(s) of the imported or deleted file(s)
    before: tuple[str, ...] = ()  # real payloads applied first
    state: str | None = None  # the request's state afterwards; None: no request at all
    awaited: bool | None = None  # whether the download id is waited on in qBittorrent afterwards
    reason: str | None = None  # the request's reason afterwards
    kind: str | None = None  # Jellyseerr notification type
    requested_by: str | None = None
    seasons: tuple[int, ...] | None = None


# fmt: off
EXPECTED: dict[str, Row] = {
    # --- Radarr v3 (Zulip's fixtures, 2021): year only in remoteMovie, `path` is the download path --------------
    "radarr/zulip_v3_grab.json": Row(
        Grabbed, title="Greenland", tmdb=524047, imdb="tt7737786", year=2020,
        download_id="8daece475ee53205c6fedda67f87cdbaf15bd25a", client=None, client_name="Deluge",
        state="grabbing", awaited=True,  # no downloadClientType (v3): waited on as before, Deluge or not
    ),
    "radarr/zulip_v3_download.json": Row(
        Imported, title="Batman v Superman: Dawn of Justice", tmdb=209112, imdb="tt2975590", year=2016,
        download_id="54dd5b3dc0e345179cfea3e1ce9cd4c63af7a641",
        paths=("/home36/adbtech/media/Movies/Batman v Superman- Dawn of Justice (2016)/"
               "Batman v Superman- Dawn of Justice (2016) WEBDL-720p.mp4",),
        state="importing",
    ),
    "radarr/zulip_v3_download_upgrade.json": Row(
        Imported, title="Greenland", tmdb=524047, year=2020, upgrade=True,
        download_id="8daece475ee53205c6fedda67f87cdbaf15bd25a",
        paths=("/home36/adbtech/media/Movies/Greenland (2020)/Greenland (2020) WEBRip-1080p.mkv",),
        before=("radarr/zulip_v3_grab.json",), state="importing",
    ),
    "radarr/zulip_v3_moviefiledelete.json": Row(
        Deleted, title="Marley & Me", tmdb=14306, state=None,  # nothing tracked for it: nothing changes
    ),
    "radarr/zulip_v3_moviedelete.json": Row(
        Deleted, title="Batman v Superman: Dawn of Justice", tmdb=209112,
        before=("radarr/zulip_v3_download.json",), state="failed", reason="Deleted from Radarr",
    ),
    "radarr/zulip_v3_test.json": Row(ignored="Radarr test event"),
    # --- Radarr v4 ----------------------------------------------------------------------------------------------
    "radarr/dirlist_v4_download_transmission.json": Row(
        Imported, title="Gone Girl", tmdb=210577, imdb="tt2267998", year=2014,
        download_id="46baff01bcf576c04a9e9e19293f2d7492a4d583",  # Transmission's hash, read like any other
        paths=("/hdd1/media/movies/Gone Girl (2014)/Gone.Girl.2014.1080p.Remux.AVC.DTS-HD.MA.7.1-ShocK.mkv",),
        state="importing",  # `path` is /hdd1/transmission/finished/...: the library path wins
    ),
    # --- Radarr v5 ----------------------------------------------------------------------------------------------
    "radarr/arrtheaudio_v5_download.json": Row(
        Imported, title="28 Days Later", tmdb=170, imdb="tt0289043", year=2002, client="qBittorrent",
        download_id="0283c5676d83b6e6cceec3f732ee2c563042c692",
        paths=("/media/Movies/28 Days Later (2002)/28.Days.Later.2002.1080p.BluRay.DDP5.1.x265.10bit-GalaxyRG265.mkv",),
        state="importing",
    ),
    "radarr/ruddarr_movie-grab.json": Row(
        Grabbed, title="Akira", tmdb=149, year=1988, client="Download Station", client_name="Download Station",
        download_id="7fcf20eeaacd0f7810c11fd62e90076e9a25b76f:dbid_1234", state="grabbing", awaited=False,
    ),
    "radarr/ruddarr_movie-download.json": Row(
        Imported, title="Spirited Away", tmdb=129, year=2001, client="Download Station",
        download_id="7fcf20eeaacd0f7810c11fd62e90076e9a25b76f:dbid_1226",
        paths=("/volume2/Media/Movies/Spirited Away (2001)/"
               "Spirited.Away.2002.1080p.BluRay.Dual-Audio.DD+.5.1.x265-NAN0.mkv",),
        state="importing",
    ),
    "radarr/ruddarr_movie-file-delete.json": Row(
        Deleted, title="Upside-Down Magic", tmdb=671583, year=2020,
        paths=("/volume2/Media/Movies/Upside-Down Magic (2020)/Upside-Down Magic (2020).mp4",), state=None,
    ),
    "radarr/ruddarr_movie-delete.json": Row(Deleted, title="I Am Legend 2", tmdb=945956, year=None, state=None),
    "radarr/ruddarr_movie-delete_2024.json": Row(
        Deleted, title="Crimes of the Future", tmdb=819876, year=2022, state=None,
    ),
    "radarr/ruddarr_test.json": Row(ignored="Radarr test event"),
    "radarr/ruddarr_movie-added.json": Row(ignored="Radarr event MovieAdded is not tracked"),
    "radarr/ruddarr_health-issue.json": Row(ignored="Radarr event Health is not tracked"),
    "radarr/ruddarr_health-restored.json": Row(ignored="Radarr event HealthRestored is not tracked"),
    "radarr/ruddarr_app-update.json": Row(ignored="Radarr event ApplicationUpdate is not tracked"),
    # --- Sonarr v3 (Zulip's fixtures, 2021) ---------------------------------------------------------------------
    "sonarr/zulip_v3_grab.json": Row(
        Grabbed, title="NCIS", tvdb=72108, imdb="tt0364845", episodes=((18, 10),),
        download_id="2fbd49ef1d9934f560e4806e001c6de494d23fd6", client_name="Deluge", state="grabbing", awaited=True,
    ),
    "sonarr/zulip_v3_download.json": Row(
        Imported, title="Grey's Anatomy", tvdb=73762, episodes=((17, 9),),
        download_id="d93392b18d20704d1be349fa314faccb7b5df2c3",
        paths=("/home36/adbtech/media/TV Shows/Grey's Anatomy/Season 17/"
               "Grey's Anatomy - S17E09 - In My Life HDTV-720p.mkv",),
        state="importing",
    ),
    "sonarr/zulip_v3_download_upgrade.json": Row(
        Imported, title="NCIS", tvdb=72108, episodes=((18, 10),), upgrade=True,
        download_id="2fbd49ef1d9934f560e4806e001c6de494d23fd6",
        paths=("/home36/adbtech/media/TV Shows/NCIS/Season 18/NCIS - S18E10 - Watchdog HDTV-720p.mkv",),
        before=("sonarr/zulip_v3_grab.json",), state="importing",
    ),
    "sonarr/zulip_v3_seriesdelete.json": Row(Deleted, title="Breaking Bad", tvdb=81189, state=None),
    "sonarr/zulip_v3_test.json": Row(ignored="Sonarr test event"),
    "sonarr/sonarr_issue5655_grab.json": Row(
        Grabbed, title="Les Stroud's Wild Harvest", tvdb=392913, imdb="tt14938806", episodes=((1, 1),),
        download_id=None, state="grabbing",
    ),
    "sonarr/dirlist_v3_download_transmission.json": Row(
        Imported, title="Vinland Saga", tvdb=359274, imdb="tt10233448", episodes=((2, 2),),
        download_id="ae561de97732af7e5910746555cce82b0cacbb1f",
        paths=("/hdd1/media/shows/Vinland Saga/Season 2/S02E02 - Ketil's Farm HDTV-720p.mkv",),
        state="importing",  # typed "standard" in a shows folder: not anime, so no Shoko wait
    ),
    "sonarr/zulip_v3_health.json": Row(ignored="Sonarr event Health is not tracked"),
    "sonarr/zulip_v3_rename.json": Row(ignored="Sonarr event Rename is not tracked"),
    # --- Sonarr v4 ----------------------------------------------------------------------------------------------
    "sonarr/homelab_manager_v4_importcomplete_sabnzbd.json": Row(
        Imported, title="Australian Survivor", tmdb=10957, tvdb=303904, year=2002, episodes=((12, 6),),
        download_id="sabnzbd_nzo__sf78tpj",
        paths=("/media/TV/Australian Survivor (2002) [tvdbid-303904]/Season 12/"
               "Australian Survivor (2002) - S12E06 - Episode 6 [WEBDL-720p][AAC 2.0][h264]-WH.mkv",),
        state="importing",
    ),
    "sonarr/arrtheaudio_v4_importcomplete.json": Row(
        Imported, title="My Status as an Assassin Obviously Exceeds the Hero's", tmdb=284644, tvdb=460341, year=2025,
        episodes=((1, 11),), download_id="d199dbb9161a3ee6b855f5bdfcbc3b27cb9c070e",
        paths=("/media/Animes/My Status as an Assassin Obviously Exceeds the Hero's/Season 1/"
               "My Status as an Assassin Obviously Exceeds the Hero's - S01E11 - The Assassin Browses "
               "WEBDL-1080p VARYG.mkv",),
        state="anime_matching",  # tagged "anime": waits for Shoko after the import
    ),
    "sonarr/ruddarr_series-download.json": Row(
        Imported, title="Avatar: The Last Airbender", tvdb=74852, year=2005, episodes=((2, 18),),
        download_id="7fcf20eeaacd0f7810c11fd62e90076e9a25b76f:dbid_1267",
        paths=("/volume2/Media/TV Series/Avatar - The Last Airbender/Season 2/"
               "Avatar - The Last Airbender (2005) S02E18 The Earth King "
               "(1080p BDRip x265 10bit EAC3 2.0 - WEM)[TAoE].mkv",),
        state="importing",
    ),
    "sonarr/ruddarr_series-episode-upgrade.json": Row(
        Imported, title="House of the Dragon", tmdb=94997, tvdb=371572, year=2022, episodes=((1, 4),), upgrade=True,
        download_id="sabnzbd_nzo_50vw3af9",
        paths=("/volume2/Media/TV Series/House of the Dragon/Season 1/"
               "House.of.the.Dragon.S01E04.King.of.the.Narrow.Sea.2160p.WEBRip.DDP5.1.Atmos.HDR.X.265-EVO.mkv",),
        state="importing",
    ),
    "sonarr/ruddarr_series-import-completed.json": Row(
        Imported, title="Your Honor", tmdb=86430, tvdb=359579, year=2020, episodes=((2, 1),),
        download_id="sabnzbd_nzo_y4lqhm46",
        paths=("/volume2/Media/TV Series/Your Honor/Season 2/Your.Honor.S02E01.DVDRip.x264-TABULARiA.mkv",),
        state="importing",
    ),
    "sonarr/ruddarr_series-interaction-required.json": Row(
        ManualInteractionRequired, title="Only Murders in the Building", tmdb=107113, tvdb=399959, year=2021,
        episodes=((4, 5),), download_id="sabnzbd_nzo_ybbzwtxe", state="downloaded",
        reason="Manual import needed: One or more episodes expected in this release were not imported or missing "
               "from the release; Sample",
    ),
    "sonarr/ruddarr_series-episode-file-delete.json": Row(
        Deleted, title="The New Pope", tmdb=88408, tvdb=376058, year=2020, episodes=((1, 1),), state=None,
    ),
    "sonarr/ruddarr_series-deleted.json": Row(
        Deleted, title="Mountain Monsters", tmdb=64728, tvdb=271005, year=2013, state=None,
    ),
    "sonarr/anilistsync_v4_importcomplete_windows.json": Row(
        Imported, title="WITCH WATCH", tmdb=261868, tvdb=453127, imdb="tt33165027", year=2025, episodes=((1, 20),),
        download_id="8d9ae78a661534b2d747853b8b50a364749dce26",
        # Windows: series.path and relativePath joined with a backslash, exactly the `path` Sonarr sent.
        paths=("D:\\Documents\\MediaServer\\Animes\\Witch Watch\\Season 1\\"
               "WITCH WATCH - S01E20 - The Lost Wolf and the Stray Cat WEBDL-1080p.mkv",),
        state="importing",  # in "Animes" but untagged, and no anime path prefix configured: not anime
    ),
    # --- Overseerr / Jellyseerr ---------------------------------------------------------------------------------
    "jellyseerr/overseerr_grusite_movie_media_pending.json": Row(
        RequestNotified, kind="MEDIA_PENDING", title="The Beekeeper", tmdb=866398, year=2024,
        requested_by="grusite", state="requested",
    ),
    "jellyseerr/overseerr_grusite_tv_media_available.json": Row(
        RequestNotified, kind="MEDIA_AVAILABLE", title="The Mentalist", tmdb=5920, tvdb=82459, year=2008,
        requested_by="grusite", seasons=(1,), state="available",
    ),
    "jellyseerr/overseerr_ha_core_media_auto_approved.json": Row(
        RequestNotified, kind="MEDIA_AUTO_APPROVED", title="Something", tmdb=123, year=2024,
        requested_by="henk", state="approved",  # a movie: tvdbId "" is no id, no requested seasons
    ),
    "jellyseerr/overseerr_ha_core_test_notification.json": Row(ignored="Jellyseerr test notification"),
    "jellyseerr/jellyseerr_homelab_manager_issue_created.json": Row(
        ignored="Jellyseerr notification ISSUE_CREATED is not tracked",
    ),
    "jellyseerr/jellyseerr_homelab_manager_issue_resolved.json": Row(
        ignored="Jellyseerr notification ISSUE_RESOLVED is not tracked",
    ),
    # --- Jellyfin -----------------------------------------------------------------------------------------------
    "jellyfin/jellynouncer_10.10.7_itemadded_movie_sendallproperties.json": Row(
        SeenInLibrary, tmdb=550988, imdb="tt6264654", state=None,  # a library item nobody requested: no request
    ),
    "jellyfin/anilistsync_10.10.3_playbackstop_episode.json": Row(
        ignored="Jellyfin notification PlaybackStop is not tracked",
    ),
    "jellyfin/anilistsync_10.10.3_userdatasaved_episode.json": Row(
        ignored="Jellyfin notification UserDataSaved is not tracked",
    ),
    "jellyfin/anilistsync_10.10.3_authenticationsuccess.json": Row(
        ignored="Jellyfin notification AuthenticationSuccess is not tracked",
    ),
    "jellyfin/moviepilot_10.8.10_playbackstart_episode.json": Row(
        ignored="Jellyfin notification PlaybackStart is not tracked",
    ),
}
# fmt: on


def _service(name: str) -> str:
    return name.split("/", 1)[0]


def _parse(name: str) -> ParseResult:
    return _PARSERS[_service(name)](real_payload(name), AnimeRules())


def _apply(tracker: Tracker, name: str, now: datetime) -> list[Change]:
    return [change for event in _parse(name).events for change in tracker.apply(event, now)]


def _media_fields(event: Event) -> dict[str, Any]:
    if isinstance(event, SeenInLibrary):
        return {"title": None, "tmdb": event.tmdb_id, "tvdb": event.tvdb_id, "imdb": event.imdb_id, "year": None}
    assert isinstance(event, RequestNotified | Grabbed | Imported | ManualInteractionRequired | Deleted)
    media = event.media
    return {
        "title": media.title,
        "tmdb": media.tmdb_id,
        "tvdb": media.tvdb_id,
        "imdb": media.imdb_id,
        "year": media.year,
    }


def test_every_real_payload_has_a_readme_row_and_an_expectation() -> None:
    """Nobody adds a payload without saying where it comes from and what it means."""
    files = set(real_files())
    assert len(files) >= 47
    assert files == set(EXPECTED), "rows without a file, or files without a row"
    assert files == real_readme_files(), "README.md rows do not match the files"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_payload_parses_to_its_meaning(name: str) -> None:
    """The parser reads what the payload says: event, ids, year, download id and client, episodes, paths."""
    row = EXPECTED[name]
    result = _parse(name)
    if row.event is None:
        assert result.events == ()
        assert row.ignored is not None
        assert result.ignored is not None
        assert result.ignored.startswith(row.ignored), result.ignored
        return
    assert result.ignored is None
    (event,) = result.events
    assert type(event) is row.event
    fields = _media_fields(event)
    expected = {"title": row.title, "tmdb": row.tmdb, "tvdb": row.tvdb, "imdb": row.imdb, "year": row.year}
    # imdb is only asserted where the row names it.
    if row.imdb is None:
        fields.pop("imdb")
        expected.pop("imdb")
    assert fields == expected
    if isinstance(event, Grabbed | Imported | ManualInteractionRequired):
        assert event.download_id == row.download_id
        assert tuple((ref.season, ref.episode) for ref in event.episodes) == row.episodes
    if isinstance(event, Grabbed):
        assert event.download_client_type == row.client
    if isinstance(event, Imported):
        assert event.is_upgrade is row.upgrade
        assert tuple(file.path for file in event.files) == row.paths
    if isinstance(event, Deleted):
        assert tuple((ref.season, ref.episode) for ref in event.episodes) == row.episodes
        if row.paths:
            assert event.path == row.paths[0]
    if isinstance(event, RequestNotified):
        assert event.kind.value == row.kind
        assert event.requested_by == row.requested_by
        assert event.requested_seasons == row.seasons


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_payload_drives_the_tracker(name: str) -> None:
    """Applied after the rows it follows, the payload leaves the request in the state it means (or no request)."""
    row = EXPECTED[name]
    tracker = Tracker()
    now = T0
    for earlier in row.before:
        now += timedelta(minutes=1)
        assert _apply(tracker, earlier, now), earlier
    before = tracker.to_dict()
    changes = _apply(tracker, name, now + timedelta(minutes=1))

    if row.state is None:
        assert changes == []
        assert tracker.to_dict() == before
        return
    (request,) = tracker.requests.values()
    assert isinstance(request, MediaRequest)
    assert request.state.value == row.state
    assert changes
    assert changes[-1].new_state.value == row.state
    if row.title is not None:
        assert request.title == row.title
    # A payload without a year (a v3 MovieDelete) leaves the year an earlier payload of the request gave.
    earlier_years = [EXPECTED[earlier].year for earlier in reversed(row.before) if EXPECTED[earlier].year]
    year = row.year or next(iter(earlier_years), None)
    assert (request.tmdb_id, request.tvdb_id, request.year) == (row.tmdb, row.tvdb, year)
    if row.event is Imported:
        assert sorted(request.final_paths) == sorted(row.paths)
    if row.download_id is not None and row.event is not RequestNotified:
        assert row.download_id in request.download_ids or request.download_id == row.download_id
    if row.awaited is not None:
        assert (row.download_id in tracker.awaited_downloads()) is row.awaited
    if row.reason is not None:
        assert request.reason == row.reason
    if row.client_name is not None:
        assert request.download_client == row.client_name
    if row.episodes and row.event is not Deleted:
        assert sorted(request.episodes) == sorted(row.episodes)
