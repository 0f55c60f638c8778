"""What delete_media calls besides FakeRemedyApis' lookups, answering as the sources say (docs/service-apis.md §7).

- Seerr (server/routes): `GET movie|tv/{tmdbId}` has `mediaInfo` (with its `requests`) only when Seerr has a media
  record; `DELETE request/{id}` answers 204, 404 {"message": "Request not found."}; `DELETE media/{id}` 204 and
  removes the requests on it (ON DELETE CASCADE), 404 {"message": "Media not found"}.
- Radarr `DELETE movie/{id}` and Sonarr `DELETE series/{id}` answer 200 with no body, 404 for an unknown id (their
  RestController maps ModelNotFoundException). Sonarr `GET episodefile?seriesId=` lists EpisodeFileResources;
  `DELETE episodefile/bulk` takes {"episodeFileIds": [...]} and answers 200 {}; with no known id its
  `episodeFiles.First()` throws: a 500.
- qBittorrent (webui/api/torrentscontroller.cpp): `torrents/info?hashes=a|b` lists the ones it has; `POST
  torrents/delete` needs `hashes` and `deleteFiles`, skips unknown hashes and answers 200 with an empty body.
`deletes` keeps every deleting call as (service, method, path, query or form, JSON body); `down` names services
whose endpoints here answer 503.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from aioresponses import CallbackResult, aioresponses

from .services import RADARR_URL, SEERR_URL, SONARR_URL, FakeRemedyApis, json_result

QBT_URL = "http://192.168.1.10:8080"


def episode_file(file_id: int, season: int, number: int, size: int = 1_500_000_000) -> dict[str, Any]:
    """A Sonarr EpisodeFileResource of Chernobyl (series 12)."""
    relative = f"Season {season:02d}/Chernobyl - S{season:02d}E{number:02d}.mkv"
    return {"id": file_id, "seriesId": 12, "seasonNumber": season, "relativePath": relative,
            "path": f"/data/media/tv/Chernobyl/{relative}", "size": size, "dateAdded": "2025-05-01T10:00:00Z",
            "quality": {"quality": {"id": 7, "name": "Bluray-1080p"}}}  # fmt: skip


def torrent(torrent_hash: str, name: str, size: int) -> dict[str, Any]:
    """A qBittorrent torrents/info entry (the fields delete_media reads, and a few others)."""
    return {"hash": torrent_hash, "name": name, "size": size, "total_size": size, "progress": 1,
            "state": "stalledUP", "save_path": "/data/torrents/", "content_path": f"/data/torrents/{name}"}  # fmt: skip


class FakeDeleteApis:
    """Seerr's media records and deletes, the *arr deletes and episode files, qBittorrent's torrents."""

    def __init__(self, mock: aioresponses, lookups: FakeRemedyApis) -> None:
        # The movies and series the *arr have are FakeRemedyApis' (their GET answers from them).
        self.lookups = lookups
        self.deletes: list[tuple[str, str, str, dict[str, str], Any]] = []
        self.down: set[str] = set()
        # (media type, TMDB id) -> Seerr's Media with its requests
        self.seerr_media: dict[tuple[str, int], dict[str, Any]] = {}
        self.episode_files: list[dict[str, Any]] = []
        self.torrents: dict[str, dict[str, Any]] = {}
        seerr = re.escape(f"{SEERR_URL}/api/v1")
        mock.get(re.compile(rf"^{seerr}/(movie|tv)/\d+$"), callback=self._seerr_details, repeat=True)
        mock.delete(re.compile(rf"^{seerr}/(request|media)/\d+$"), callback=self._seerr_delete, repeat=True)
        for app, base, kind in (("radarr", RADARR_URL, "movie"), ("sonarr", SONARR_URL, "series")):
            api = re.escape(f"{base}/api/v3")
            mock.delete(re.compile(rf"^{api}/{kind}/\d+(\?.*)?$"), callback=self._arr_delete(app), repeat=True)
        sonarr = re.escape(f"{SONARR_URL}/api/v3")
        mock.get(re.compile(rf"^{sonarr}/episodefile\?.*$"), callback=self._episode_files, repeat=True)
        mock.delete(f"{SONARR_URL}/api/v3/episodefile/bulk", callback=self._bulk_delete, repeat=True)
        qbt = re.escape(f"{QBT_URL}/api/v2")
        mock.post(f"{QBT_URL}/api/v2/auth/login", body="Ok.", repeat=True)
        mock.get(re.compile(rf"^{qbt}/sync/maindata\?.*$"), callback=self._maindata, repeat=True)
        mock.get(re.compile(rf"^{qbt}/torrents/info\?.*$"), callback=self._torrents_info, repeat=True)
        mock.post(f"{QBT_URL}/api/v2/torrents/delete", callback=self._torrents_delete, repeat=True)

    def _deleted(self, service: str, method: str, url: Any, kwargs: dict[str, Any], form: Any = None) -> None:
        query = dict(url.query) if form is None else dict(form)
        self.deletes.append((service, method, url.path, query, kwargs.get("json")))

    def _seerr_details(self, url: Any, **kwargs: Any) -> CallbackResult:
        if "jellyseerr" in self.down:
            return CallbackResult(status=503)
        *_, media_type, tmdb_id = url.path.split("/")
        details: dict[str, Any] = {"id": int(tmdb_id), "title" if media_type == "movie" else "name": "Some title"}
        if (media := self.seerr_media.get((media_type, int(tmdb_id)))) is not None:
            details["mediaInfo"] = media
        return json_result(details)

    def _seerr_delete(self, url: Any, **kwargs: Any) -> CallbackResult:
        self._deleted("jellyseerr", "DELETE", url, kwargs)
        if "jellyseerr" in self.down:
            return CallbackResult(status=503)
        *_, kind, item_id = url.path.split("/")
        for key, media in list(self.seerr_media.items()):
            if kind == "media" and media["id"] == int(item_id):
                del self.seerr_media[key]
                return CallbackResult(status=204)
            requests = media["requests"]
            if kind == "request" and any(request["id"] == int(item_id) for request in requests):
                media["requests"] = [request for request in requests if request["id"] != int(item_id)]
                return CallbackResult(status=204)
        message = "Request not found." if kind == "request" else "Media not found"
        return json_result({"message": message}, 404)

    def _arr_delete(self, app: str) -> Any:
        def answer(url: Any, **kwargs: Any) -> CallbackResult:
            self._deleted(app, "DELETE", url, kwargs)
            if app in self.down:
                return CallbackResult(status=503)
            held = self.lookups.movies if app == "radarr" else self.lookups.series
            media_id = int(url.path.rsplit("/", 1)[1])
            key = next((key for key, item in held.items() if item["id"] == media_id), None)
            if key is None:
                return json_result({"message": "NotFound"}, 404)
            del held[key]
            if app == "sonarr" and url.query.get("deleteFiles") == "true":
                self.episode_files = [f for f in self.episode_files if f["seriesId"] != media_id]
            return CallbackResult(status=200, body="")

        return answer

    def _episode_files(self, url: Any, **kwargs: Any) -> CallbackResult:
        if "sonarr" in self.down:
            return CallbackResult(status=503)
        series_id = int({**url.query, **(kwargs.get("params") or {})}["seriesId"])
        return json_result([f for f in self.episode_files if f["seriesId"] == series_id])

    def _bulk_delete(self, url: Any, **kwargs: Any) -> CallbackResult:
        self._deleted("sonarr", "DELETE", url, kwargs)
        if "sonarr" in self.down:
            return CallbackResult(status=503)
        ids = set(kwargs["json"]["episodeFileIds"])
        if not any(f["id"] in ids for f in self.episode_files):
            return CallbackResult(status=500, body="Sequence contains no elements")
        self.episode_files = [f for f in self.episode_files if f["id"] not in ids]
        return json_result({})

    def _maindata(self, url: Any, **kwargs: Any) -> CallbackResult:
        return json_result({"rid": 1, "full_update": True, "torrents": {}})

    def _torrents_info(self, url: Any, **kwargs: Any) -> CallbackResult:
        if "qbittorrent" in self.down:
            return CallbackResult(status=503)
        query = {**url.query, **(kwargs.get("params") or {})}
        wanted = {h.lower() for h in query["hashes"].split("|") if h}
        return json_result([t for h, t in self.torrents.items() if not wanted or h in wanted])

    def _torrents_delete(self, url: Any, **kwargs: Any) -> CallbackResult:
        form = kwargs["data"] if isinstance(kwargs["data"], dict) else dict(parse_qsl(kwargs["data"]))
        self._deleted("qbittorrent", "POST", url, kwargs, form)
        if "qbittorrent" in self.down:
            return CallbackResult(status=503)
        for torrent_hash in form["hashes"].split("|"):
            self.torrents.pop(torrent_hash.lower(), None)
        return CallbackResult(status=200, body="")

    def taken(self) -> list[tuple[str, str, str, dict[str, str], Any]]:
        """The deleting calls made so far, then forgotten."""
        deletes, self.deletes = self.deletes, []
        return deletes
