"""Local stand-ins for Jellyfin (REST) and Shoko Server (REST v3 + SignalR v5 live feed), for the demo and the e2e test.

    .venv/bin/python -m scripts.standins [--jellyfin-port N] [--api-key K] [--shoko-api-key K]

Run from the repository root. Prints one JSON line once both listen: {"jellyfin": URL, "shoko": URL, "control": URL},
then serves until SIGTERM/SIGINT.

Jellyfin answers what Jellyfin 10.11 answers for the demo media (../shared/docs/contracts.md 4.6): `GET /System/Info`
and `GET /Items` (PascalCase, nulls left out, "N" Guids, `ProviderIds` and `Path` only when asked for in `fields`,
filtered by includeItemTypes, parentId (+recursive), searchTerm, hasTmdbId/hasTvdbId/hasImdbId, ids, paged by
startIndex/limit), with `Authorization: MediaBrowser Token="<key>"` (or `?ApiKey=`). The library starts empty: an
item is listed only once it has been "imported" through the control API.

`GET /System/Configuration` answers LibraryMonitorDelay 0: this library lists a file as soon as it is imported, so
the integration need not wait for Jellyfin's scan (issue 17).

The Jellyfin webhook plugin (v21, installed and active) answers as Jellyfin's PluginsController serves it
(docs/service-apis.md section 3): `GET /Plugins` lists it; `GET /Plugins/{id}/Configuration` gives its configuration
(a fresh install's: `ServerUrl` "" and every destination list empty, PluginConfiguration.cs), `POST` replaces it
whole (204). Admin only: the API key. It stores what the integration writes and sends nothing.

Shoko is tests/fakes/shoko.py's ShokoTestServer (the SignalR aggregate hub, `feeds=shoko`, and
`GET /api/v3/File/PathEndsWith`), filled with the anime files as they are imported.

Control API (on the Jellyfin port, no auth):
- `POST /_control/import {"media": "dune"}` or `{"media": "chernobyl", "episodes": [1, 2]}`: list the movie, or the
  series and these episodes, in Jellyfin; for anime, first make Shoko know the files and broadcast
  `ShokoEvent:FileMatched` for each. Answers {"listed": [names], "shoko_events": <deliveries>}.
- `GET /_control/state`: {"imported": {media: [episodes]}, "shoko_connections": n, "requests": n,
  "webhook_plugin": <the plugin's configuration>}.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
import json
import re
import signal
import sys
from typing import Any

from aiohttp import web

from tests.fakes.shoko import ShokoTestServer

SERVER_ID = "e2ed3e0f5a1b4c6d8e9f0a1b2c3d4e5f"
SERVER_NAME = "Demo Jellyfin"
DEFAULT_API_KEY = "demo-jellyfin-api-key"
DEFAULT_SHOKO_API_KEY = "demo-shoko-api-key"
SHOKO_IMPORT_FOLDER = 1
SHOKO_IMPORT_ROOT = "/mnt/anime"
# jellyfin/jellyfin-plugin-webhook: WebhookPlugin.cs (Id, Name, Description), build.yaml (version 21).
WEBHOOK_PLUGIN_ID = "71552a5a5c5c4350a2aeebe451a30173"
WEBHOOK_PLUGIN = {
    "Name": "Webhook",
    "Version": "21.0.0.0",
    "ConfigurationFileName": "Jellyfin.Plugin.Webhook.xml",
    "Description": "Sends notifications to various services via webhooks.",
    "Id": WEBHOOK_PLUGIN_ID,
    "CanUninstall": True,
    "HasImage": True,
    "Status": "Active",
}
# PluginConfiguration's constructor, in its properties' order.
WEBHOOK_PLUGIN_DEFAULTS: dict[str, Any] = {
    "ServerUrl": "",
    "DiscordOptions": [],
    "GenericOptions": [],
    "GenericFormOptions": [],
    "GotifyOptions": [],
    "PushbulletOptions": [],
    "PushoverOptions": [],
    "SlackOptions": [],
    "SmtpOptions": [],
    "MqttOptions": [],
}


@dataclass(frozen=True)
class DemoEpisode:
    """One episode as Jellyfin and Sonarr know it."""

    number: int
    name: str
    item_id: str
    provider_ids: dict[str, str]
    path: str


@dataclass(frozen=True)
class DemoMedia:
    """A movie or a series of the demo (ids as in tests/fixtures)."""

    key: str
    item_type: str  # "Movie" | "Series"
    name: str
    year: int
    item_id: str
    provider_ids: dict[str, str]
    path: str
    anime: bool = False
    anidb_id: int | None = None
    episodes: tuple[DemoEpisode, ...] = ()
    season_item_id: str | None = None
    # Shoko's RelativePath (under its import folder) per episode number (0 for a movie).
    shoko_paths: dict[int, str] = field(default_factory=dict)


def _episode_ids(prefix: str, number: int) -> str:
    return f"{prefix}{number:02d}"


CHERNOBYL_DIR = "/data/media/tv/Chernobyl/Season 01"
FRIEREN_DIR = "/data/media/anime/Frieren - Beyond Journey's End/Season 01"
CHERNOBYL_EPISODES = {
    1: ("1:23:45", "Chernobyl - S01E01 - 1-23-45 [Bluray-1080p].mkv"),
    2: ("Please Remain Calm", "Chernobyl - S01E02 - Please Remain Calm [Bluray-1080p].mkv"),
    3: ("Open Wide, O Earth", "Chernobyl - S01E03 - Open Wide, O Earth [Bluray-1080p].mkv"),
    4: ("The Happiness of All Mankind", "Chernobyl - S01E04 - The Happiness of All Mankind [Bluray-1080p].mkv"),
    5: ("Vichnaya Pamyat", "Chernobyl - S01E05 - Vichnaya Pamyat [WEBDL-1080p].mkv"),
}
FRIEREN_EPISODES = {
    1: (
        "The Journey's End",
        "0f4e6c2a9b8d4e1fa3c5b7d9e1f2a3b4",
        "Frieren - Beyond Journey's End - S01E01 - The Journey's End [WEBDL-1080p].mkv",
    ),
    2: (
        "It Didn't Have to Be Magic...",
        "1a5f7d3b0c9e4f2ab4d6c8e0f2a3b4c5",
        "Frieren - Beyond Journey's End - S01E02 - It Didn't Have to Be Magic... [WEBDL-1080p].mkv",
    ),
}

MEDIA: dict[str, DemoMedia] = {
    "dune": DemoMedia(
        key="dune",
        item_type="Movie",
        name="Dune: Part Two",
        year=2024,
        item_id="6213b704a0d954293110f4d561b0f614",
        provider_ids={"Tmdb": "693134", "Imdb": "tt15239678"},
        path="/data/media/movies/Dune - Part Two (2024)/Dune - Part Two (2024) Remux-2160p.mkv",
    ),
    "chernobyl": DemoMedia(
        key="chernobyl",
        item_type="Series",
        name="Chernobyl",
        year=2019,
        item_id="3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b2a",
        provider_ids={"Tmdb": "87108", "Tvdb": "360893", "Imdb": "tt7366338"},
        path="/data/media/tv/Chernobyl",
        season_item_id="3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b00",
        episodes=tuple(
            DemoEpisode(
                number,
                name,
                _episode_ids("7d1e2f3a4b5c4d6e8f90a1b2c3d4e5", number),
                {"Tmdb": f"173449{number}", "Tvdb": f"693223{number}", "Imdb": f"tt816210{number}"},
                f"{CHERNOBYL_DIR}/{file}",
            )
            for number, (name, file) in CHERNOBYL_EPISODES.items()
        ),
    ),
    "suzume": DemoMedia(
        key="suzume",
        item_type="Movie",
        name="Suzume",
        year=2022,
        item_id="9f8e7d6c5b4a439281706f5e4d3c2b1a",
        provider_ids={"Tmdb": "916224", "Imdb": "tt16428256", "AniDB": "16710"},
        path="/data/media/anime-movies/Suzume (2022)/Suzume (2022) Bluray-1080p.mkv",
        anime=True,
        anidb_id=16710,
        shoko_paths={0: "Suzume (2022)/Suzume (2022) Bluray-1080p.mkv"},
    ),
    "frieren": DemoMedia(
        key="frieren",
        item_type="Series",
        name="Frieren: Beyond Journey's End",
        year=2023,
        item_id="9c8b7a6d5e4f43219876fedcba012345",
        provider_ids={"Tmdb": "209867", "Tvdb": "424536", "AniDB": "17617"},
        path="/data/media/anime/Frieren - Beyond Journey's End",
        anime=True,
        anidb_id=17617,
        season_item_id="9c8b7a6d5e4f43219876fedcba012300",
        episodes=tuple(
            DemoEpisode(number, name, item_id, {"Tmdb": f"447056{2 + number}"}, f"{FRIEREN_DIR}/{file}")
            for number, (name, item_id, file) in FRIEREN_EPISODES.items()
        ),
        shoko_paths={
            number: f"Frieren - Beyond Journey's End/Season 01/{file}"
            for number, (_, _, file) in FRIEREN_EPISODES.items()
        },
    ),
}


def _normalised(text: str) -> str:
    """Jellyfin compares search terms without case and punctuation."""
    return re.sub(r"[^\w]+", " ", text.casefold()).strip()


class JellyfinStandIn:
    """Jellyfin's REST API for the demo media; items appear once imported."""

    def __init__(self, api_key: str, shoko: ShokoTestServer) -> None:
        self.api_key = api_key
        self.shoko = shoko
        self.imported: dict[str, set[int]] = {}
        self.requests = 0
        self._shoko_file_id = 1000
        self.webhook_plugin: dict[str, Any] = json.loads(json.dumps(WEBHOOK_PLUGIN_DEFAULTS))
        self.app = web.Application()
        self.app.router.add_get("/System/Info", self._system_info)
        self.app.router.add_get("/System/Configuration", self._configuration)
        self.app.router.add_get("/Items", self._items)
        self.app.router.add_get("/Plugins", self._plugins)
        self.app.router.add_get("/Plugins/{plugin_id}/Configuration", self._plugin_configuration)
        self.app.router.add_post("/Plugins/{plugin_id}/Configuration", self._set_plugin_configuration)
        self.app.router.add_post("/_control/import", self._control_import)
        self.app.router.add_get("/_control/state", self._control_state)

    # --- auth ------------------------------------------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        match = re.match(r"\s*(?:MediaBrowser|Emby)\s+(.*)", header, re.IGNORECASE)
        if match:
            params = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
            if params.get("Token") == self.api_key:
                return True
        query = {key.lower(): value for key, value in request.query.items()}
        return query.get("apikey") == self.api_key or request.headers.get("X-Emby-Token") == self.api_key

    # --- REST ------------------------------------------------------------------------------------------------------

    async def _system_info(self, request: web.Request) -> web.Response:
        self.requests += 1
        if not self._authorized(request):
            return web.Response(status=401, text="Unauthorized")
        return web.json_response(
            {
                "OperatingSystemDisplayName": "Linux",
                "HasPendingRestart": False,
                "IsShuttingDown": False,
                "SupportsLibraryMonitor": True,
                "WebSocketPortNumber": request.url.port,
                "CompletedInstallations": [],
                "CanSelfRestart": True,
                "CanLaunchWebBrowser": False,
                "ProgramDataPath": "/config",
                "WebPath": "/jellyfin/jellyfin-web",
                "ItemsByNamePath": "/config/metadata",
                "CachePath": "/cache",
                "LogPath": "/config/log",
                "InternalMetadataPath": "/config/metadata",
                "TranscodingTempPath": "/cache/transcodes",
                "CastReceiverApplications": [],
                "HasUpdateAvailable": False,
                "EncoderLocation": "System",
                "SystemArchitecture": "X64",
                "LocalAddress": str(request.url.origin()),
                "ServerName": SERVER_NAME,
                "Version": "10.11.8",
                "ProductName": "Jellyfin Server",
                "Id": SERVER_ID,
                "StartupWizardCompleted": True,
            }
        )

    async def _configuration(self, request: web.Request) -> web.Response:
        self.requests += 1
        if not self._authorized(request):
            return web.Response(status=401, text="Unauthorized")
        # A few of ServerConfiguration's keys; the delay is 0 since `import_media` lists at once (issue 17).
        return web.json_response({"LibraryMonitorDelay": 0, "LibraryUpdateDuration": 30, "ServerName": SERVER_NAME})

    def _library(self) -> list[dict[str, Any]]:
        """Every listed item, as Jellyfin's DTO with every optional field (trimmed per request)."""
        items: list[dict[str, Any]] = []
        for key, numbers in self.imported.items():
            media = MEDIA[key]
            base = {
                "Name": media.name,
                "ServerId": SERVER_ID,
                "Id": media.item_id,
                "PremiereDate": f"{media.year}-01-01T00:00:00.0000000Z",
                "ProductionYear": media.year,
                "ProviderIds": dict(media.provider_ids),
                "Path": media.path,
                "Type": media.item_type,
                "LocationType": "FileSystem",
            }
            if media.item_type == "Movie":
                items.append({**base, "IsFolder": False, "MediaType": "Video", "_parents": set()})
                continue
            items.append({**base, "IsFolder": True, "MediaType": "Unknown", "_parents": set()})
            items.append(
                {
                    "Name": "Season 1",
                    "ServerId": SERVER_ID,
                    "Id": media.season_item_id,
                    "IndexNumber": 1,
                    "IsFolder": True,
                    "Type": "Season",
                    "ParentId": media.item_id,
                    "SeriesName": media.name,
                    "SeriesId": media.item_id,
                    "ProviderIds": {},
                    "Path": f"{media.path}/Season 01",
                    "LocationType": "FileSystem",
                    "MediaType": "Unknown",
                    "_parents": {media.item_id},
                }
            )
            for episode in media.episodes:
                if episode.number not in numbers:
                    continue
                items.append(
                    {
                        "Name": episode.name,
                        "ServerId": SERVER_ID,
                        "Id": episode.item_id,
                        "PremiereDate": f"{media.year}-01-01T00:00:00.0000000Z",
                        "ProductionYear": media.year,
                        "IndexNumber": episode.number,
                        "ParentIndexNumber": 1,
                        "IsFolder": False,
                        "Type": "Episode",
                        "ParentId": media.season_item_id,
                        "SeriesName": media.name,
                        "SeriesId": media.item_id,
                        "SeasonId": media.season_item_id,
                        "SeasonName": "Season 1",
                        "ProviderIds": dict(episode.provider_ids),
                        "Path": episode.path,
                        "LocationType": "FileSystem",
                        "MediaType": "Video",
                        "_parents": {media.item_id, media.season_item_id},
                    }
                )
        return items

    async def _items(self, request: web.Request) -> web.Response:
        self.requests += 1
        if not self._authorized(request):
            return web.Response(status=401, text="Unauthorized")
        # ASP.NET binds query parameters case-insensitively.
        query = {key.lower(): value for key, value in request.query.items()}

        def flag(name: str) -> bool | None:
            value = query.get(name.lower())
            return None if value is None else value.lower() == "true"

        def listed(name: str) -> set[str]:
            return {part.strip().lower() for part in query.get(name.lower(), "").split(",") if part.strip()}

        types = listed("includeItemTypes")
        fields = listed("fields")
        ids = {value.replace("-", "") for value in listed("ids")}
        parent = query.get("parentid", "").replace("-", "").lower()
        recursive = bool(flag("recursive"))
        term = _normalised(query.get("searchterm", ""))
        found = []
        for item in self._library():
            if types and item["Type"].lower() not in types:
                continue
            if ids and item["Id"] not in ids:
                continue
            if parent:
                if recursive and parent not in item["_parents"]:
                    continue
                if not recursive and item.get("ParentId") != parent:
                    continue
            elif not recursive and not ids:
                # Without parentId or recursion Jellyfin lists the user's root folders, which the demo has none of.
                continue
            if term and term not in _normalised(item["Name"]):
                continue
            missing = False
            for provider in ("Tmdb", "Tvdb", "Imdb"):
                wanted = flag(f"has{provider}Id")
                if wanted is not None and (provider in item["ProviderIds"]) != wanted:
                    missing = True
            if missing or flag("isMissing") is True:
                continue
            found.append(item)
        found.sort(key=lambda item: (item.get("ParentIndexNumber", 0), item.get("IndexNumber", 0), item["Name"]))
        start = int(query.get("startindex", "0") or 0)
        limit = int(query["limit"]) if query.get("limit") else None
        page = found[start : None if limit is None else start + limit]
        shaped = []
        for item in page:
            dto = {key: value for key, value in item.items() if not key.startswith("_")}
            if "providerids" not in fields:
                dto.pop("ProviderIds")
            if "path" not in fields:
                dto.pop("Path")
            shaped.append(dto)
        return web.json_response({"Items": shaped, "TotalRecordCount": len(found), "StartIndex": start})

    # --- the webhook plugin ------------------------------------------------------------------------------------------

    async def _plugins(self, request: web.Request) -> web.Response:
        self.requests += 1
        if not self._authorized(request):
            return web.Response(status=401, text="Unauthorized")
        return web.json_response([WEBHOOK_PLUGIN])

    def _is_webhook_plugin(self, request: web.Request) -> bool:
        # ASP.NET binds the Guid in either format ("N" or dashed, any case).
        return request.match_info["plugin_id"].replace("-", "").lower() == WEBHOOK_PLUGIN_ID

    async def _plugin_configuration(self, request: web.Request) -> web.Response:
        self.requests += 1
        if not self._authorized(request):
            return web.Response(status=401, text="Unauthorized")
        if not self._is_webhook_plugin(request):
            return web.Response(status=404)
        return web.json_response(self.webhook_plugin)

    async def _set_plugin_configuration(self, request: web.Request) -> web.Response:
        self.requests += 1
        if not self._authorized(request):
            return web.Response(status=401, text="Unauthorized")
        if not self._is_webhook_plugin(request):
            return web.Response(status=404)
        body = await request.json()
        if not isinstance(body, dict):
            return web.Response(status=400)
        # The POST replaces the whole configuration; properties it leaves out take their defaults.
        self.webhook_plugin = {**json.loads(json.dumps(WEBHOOK_PLUGIN_DEFAULTS)), **body}
        return web.Response(status=204)

    # --- control ---------------------------------------------------------------------------------------------------

    async def _control_import(self, request: web.Request) -> web.Response:
        body = await request.json()
        media = MEDIA.get(str(body.get("media")))
        if media is None:
            return web.json_response({"error": f"unknown media {body.get('media')!r}"}, status=400)
        numbers = [int(n) for n in body.get("episodes") or []] if media.episodes else [0]
        deliveries = await self.import_media(media, numbers)
        listed = [media.name] + [f"{media.name} S01E{n:02d}" for n in numbers if n]
        return web.json_response({"listed": listed, "shoko_events": deliveries})

    async def import_media(self, media: DemoMedia, numbers: list[int]) -> int:
        """List the media in Jellyfin; for anime, Shoko knows the files first and announces each match."""
        self.imported.setdefault(media.key, set()).update(n for n in numbers if n)
        deliveries = 0
        if media.anime:
            for number in numbers:
                deliveries += await self._shoko_match(media, number)
        return deliveries

    async def _shoko_match(self, media: DemoMedia, number: int) -> int:
        relative = media.shoko_paths[number]
        self._shoko_file_id += 1
        file_id = self._shoko_file_id
        series_id = 300 + (media.anidb_id or 0) % 100
        episode_id = 5000 + file_id
        anidb_episode = 270000 + file_id
        tmdb_show = [int(media.provider_ids["Tmdb"])] if media.item_type == "Series" else []
        tmdb_movie = [int(media.provider_ids["Tmdb"])] if media.item_type == "Movie" else []
        self.shoko.files.append(
            {
                "ID": file_id,
                "SeriesIDs": [
                    {
                        "SeriesID": {
                            "ID": series_id,
                            "AniDB": media.anidb_id,
                            "TMDB": {"Movie": tmdb_movie, "Show": tmdb_show},
                        },
                        "EpisodeIDs": [
                            {
                                "ID": episode_id,
                                "AniDB": anidb_episode,
                                "TMDB": {"Episode": [], "Movie": tmdb_movie, "Show": tmdb_show},
                                "ReleaseGroup": 7172,
                                "ED2K": f"{file_id:032x}",
                                "FileSize": 1468006400,
                                "Percentage": {"Start": 0, "End": 100, "Size": 100, "Group": 1},
                                "Source": "AniDB",
                            }
                        ],
                    }
                ],
                "Size": 1468006400,
                "IsVariation": False,
                "IsIgnored": False,
                "Hashes": {"ED2K": f"{file_id:032X}", "SHA1": None, "CRC32": f"{file_id:08X}", "MD5": None},
                "Locations": [
                    {
                        "ID": file_id + 16,
                        "FileID": file_id,
                        "ImportFolderID": SHOKO_IMPORT_FOLDER,
                        "RelativePath": relative,
                        "IsAccessible": True,
                    }
                ],
                "Resolution": "1920x1080",
                "Duration": "00:24:40",
                "ResumePosition": None,
                "Viewed": None,
                "Watched": None,
                "Imported": "2026-01-01T12:00:00",
                "Created": "2026-01-01T12:00:00",
                "Updated": "2026-01-01T12:00:00",
            }
        )
        event = {
            "FileID": file_id,
            "FileLocationID": file_id + 16,
            "ImportFolderID": SHOKO_IMPORT_FOLDER,
            "RelativePath": relative,
            "CrossReferences": [
                {
                    "EpisodeID": episode_id,
                    "AnidbEpisodeID": anidb_episode,
                    "SeriesID": series_id,
                    "AnidbAnimeID": media.anidb_id,
                    "GroupID": series_id - 20,
                }
            ],
        }
        return await self.shoko.send("ShokoEvent:FileMatched", event)

    async def _control_state(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "imported": {key: sorted(numbers) for key, numbers in self.imported.items()},
                "shoko_connections": len(self.shoko.connections),
                "requests": self.requests,
                "webhook_plugin": self.webhook_plugin,
            }
        )


async def serve(jellyfin_port: int, api_key: str, shoko_api_key: str) -> None:
    """Run both stand-ins until SIGTERM or SIGINT."""
    shoko = ShokoTestServer(
        api_key=shoko_api_key, import_folders={SHOKO_IMPORT_FOLDER: SHOKO_IMPORT_ROOT}, ping_interval=5
    )
    await shoko.start()
    jellyfin = JellyfinStandIn(api_key, shoko)
    runner = web.AppRunner(jellyfin.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", jellyfin_port)
    await site.start()
    port = runner.addresses[0][1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    jellyfin_url = f"http://127.0.0.1:{port}"
    print(json.dumps({"jellyfin": jellyfin_url, "shoko": shoko.url, "control": f"{jellyfin_url}/_control"}), flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await shoko.close()


def main(argv: list[str]) -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--jellyfin-port", type=int, default=0)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--shoko-api-key", default=DEFAULT_SHOKO_API_KEY)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.jellyfin_port, args.api_key, args.shoko_api_key))


if __name__ == "__main__":
    main(sys.argv[1:])
