"""Stateful stand-ins for the Jellyseerr, Radarr/Sonarr and Jellyfin-plugin settings APIs, on aioresponses.

Each keeps the settings it was given and answers the way the real service does (docs/service-apis.md): Seerr's
GET returns the payload template decoded once and its test answers 500 for an address it cannot reach; the *arr
mask passwords, test a connection on save and refuse it (400) when the test fails; the Jellyfin plugin's
configuration is replaced whole. `writes` counts every call that changes something.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
import json
import re
from typing import Any

from aioresponses import CallbackResult, aioresponses

SEERR_URL = "http://192.168.1.10:5055"
RADARR_URL = "http://192.168.1.10:7878"
SONARR_URL = "http://192.168.1.10:8989"
SONARR_4K_URL = "http://192.168.1.11:8989"
JELLYFIN = "http://192.168.1.10:8096"
WEBHOOK_PLUGIN = "71552A5A-5C5C-4350-A2AE-EBE451A30173"


def json_result(body: Any, status: int = 200) -> CallbackResult:
    return CallbackResult(status=status, body=json.dumps(body), content_type="application/json")


class FakeSeerr:
    """Seerr's single webhook agent."""

    def __init__(self, mock: aioresponses, reachable: set[str], settings: dict[str, Any] | None = None) -> None:
        self.reachable = reachable
        self.settings = settings or {"enabled": False, "types": 0, "options": {"webhookUrl": "", "jsonPayload": ""}}
        self.writes: list[dict[str, Any]] = []
        self.tests: list[str] = []
        base = f"{SEERR_URL}/api/v1/settings/notifications/webhook"
        mock.get(base, callback=self._get, repeat=True)
        mock.post(f"{base}/test", callback=self._test, repeat=True)
        mock.post(base, callback=self._set, repeat=True)

    def _get(self, url: Any, **kwargs: Any) -> CallbackResult:
        shown = copy.deepcopy(self.settings)
        payload = shown["options"].get("jsonPayload")
        if payload:
            shown["options"]["jsonPayload"] = json.loads(payload)  # stored as a quoted literal; GET decodes once
        return json_result(shown)

    def _test(self, url: Any, **kwargs: Any) -> CallbackResult:
        target = kwargs["json"]["options"]["webhookUrl"]
        self.tests.append(target)
        if target in self.reachable:
            return CallbackResult(status=204)
        return json_result({"message": "Failed to send webhook notification."}, 500)

    def _set(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.writes.append(kwargs["json"])
        self.settings = copy.deepcopy(kwargs["json"])
        return json_result(self.settings)


class FakeArr:
    """A Radarr or Sonarr notification list."""

    def __init__(
        self,
        mock: aioresponses,
        base: str,
        app: str,
        reachable: set[str],
        schema: dict[str, Any],
        *,
        api_key: str | None = None,
    ) -> None:
        self.app = app
        self.reachable = reachable
        # With a key, any other X-Api-Key is answered 401 as the *arr do; None takes any key.
        self.api_key = api_key
        self.notifications: list[dict[str, Any]] = [
            {"id": 1, "name": "Discord", "implementation": "Discord", "fields": [], "onGrab": True, "tags": []}
        ]
        self.writes: list[tuple[str, dict[str, Any]]] = []
        api = f"{base}/api/v3"
        status = {"appName": app.capitalize(), "version": "5.20.0"}
        mock.get(f"{api}/system/status", callback=self._keyed(lambda url, **kw: json_result(status)), repeat=True)
        mock.get(f"{api}/notification", callback=self._keyed(self._list), repeat=True)
        schemas = [{"implementation": "Discord"}, schema]
        mock.get(
            f"{api}/notification/schema", callback=self._keyed(lambda url, **kw: json_result(schemas)), repeat=True
        )
        mock.post(f"{api}/notification", callback=self._keyed(self._create), repeat=True)
        mock.put(re.compile(rf"^{re.escape(api)}/notification/\d+$"), callback=self._keyed(self._update), repeat=True)

    def _keyed(self, answer: Callable[..., CallbackResult]) -> Callable[..., CallbackResult]:
        def checked(url: Any, **kwargs: Any) -> CallbackResult:
            if self.api_key is not None and kwargs["headers"].get("X-Api-Key") != self.api_key:
                return CallbackResult(status=401, body="")
            return answer(url, **kwargs)

        return checked

    def _list(self, url: Any, **kwargs: Any) -> CallbackResult:
        shown = copy.deepcopy(self.notifications)
        for item in shown:
            for field in item.get("fields", []):
                if field.get("name") == "password" and field.get("value"):
                    field["value"] = "********"
        return json_result(shown)

    def _refused(self, resource: dict[str, Any]) -> CallbackResult | None:
        url = next(field["value"] for field in resource["fields"] if field["name"] == "url")
        if url in self.reachable:
            return None
        message = f"Unable to send test message: HTTP request failed: [404:NotFound] [POST] at [{url}]"
        return json_result([{"propertyName": "Url", "errorMessage": message, "severity": "error"}], 400)

    def _create(self, url: Any, **kwargs: Any) -> CallbackResult:
        resource = copy.deepcopy(kwargs["json"])
        if refused := self._refused(resource):
            return refused
        resource["id"] = max(item["id"] for item in self.notifications) + 1
        self.notifications.append(resource)
        self.writes.append(("POST", resource))
        return json_result(resource, 201)

    def _update(self, url: Any, **kwargs: Any) -> CallbackResult:
        resource = copy.deepcopy(kwargs["json"])
        if refused := self._refused(resource):
            return refused
        index = next(i for i, item in enumerate(self.notifications) if item["id"] == resource["id"])
        self.notifications[index] = resource
        self.writes.append(("PUT", resource))
        return json_result(resource, 202)

    def ours(self) -> list[dict[str, Any]]:
        """Our connections (Webhook implementation)."""
        return [item for item in self.notifications if item.get("implementation") == "Webhook"]


class FakeJellyfinPlugin:
    """The Jellyfin webhook plugin's configuration."""

    def __init__(self, mock: aioresponses, *, installed: bool = True) -> None:
        self.configuration: dict[str, Any] = {
            "ServerUrl": "",
            "DiscordOptions": [],
            "GenericOptions": [{"WebhookName": "Other", "WebhookUri": "http://other/hook", "EnableWebhook": True}],
        }
        self.writes: list[dict[str, Any]] = []
        plugins = [{"Name": "AudioDB", "Id": "a629c0dafac54c7e931a7174223f14c8", "Status": "Active"}]
        if installed:
            plugins.append({"Name": "Webhook", "Id": "71552a5a5c5c4350a2aeebe451a30173", "Status": "Active"})
        mock.get(f"{JELLYFIN}/Plugins", payload=plugins, repeat=True)
        config_url = f"{JELLYFIN}/Plugins/{WEBHOOK_PLUGIN}/Configuration"
        mock.get(config_url, callback=lambda url, **kw: json_result(self.configuration), repeat=True)
        mock.post(config_url, callback=self._set, repeat=True)

    def _set(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.configuration = copy.deepcopy(kwargs["json"])
        self.writes.append(self.configuration)
        return CallbackResult(status=204)


# The query of a remedy's queue DELETE and of a library scan, and two Jellyfin libraries (VirtualFolderInfo).
REMOVE = {"removeFromClient": "true", "blocklist": "true", "skipRedownload": "true"}
SCAN = {"metadataRefreshMode": "Default", "imageRefreshMode": "Default", "replaceAllMetadata": "false",
        "replaceAllImages": "false"}  # fmt: skip
MOVIES_LIBRARY = {"Name": "Movies", "Locations": ["/data/media/movies"], "CollectionType": "movies",
                  "ItemId": "f137a2dd21bbc1b99aa5c0f6bf02a805", "LibraryOptions": {}}  # fmt: skip
SHOWS_LIBRARY = {"Name": "Shows", "Locations": ["/data/media/tv"], "CollectionType": "tvshows",
                 "ItemId": "a656b907eb3a73532e40e44b968d0225", "LibraryOptions": {}}  # fmt: skip


def remedy_episode(episode_id: int, season: int, number: int, **fields: Any) -> dict[str, Any]:
    """A Sonarr EpisodeResource of series 12 (Chernobyl): aired in 2019, monitored, no file, unless told otherwise."""
    return {"id": episode_id, "seriesId": 12, "tvdbId": 7000000 + episode_id, "episodeFileId": 0,
            "seasonNumber": season, "episodeNumber": number, "title": f"Episode {number}",
            "airDate": "2019-05-06", "airDateUtc": "2019-05-07T01:00:00Z", "hasFile": False, "monitored": True,
            **fields}  # fmt: skip


class FakeRemedyApis:
    """What the remedy actions call, answering as the sources say (docs/service-apis.md §6), plus the catch-up
    reads a connected entry makes at setup (empty request list, history and Seerr details).

    Radarr/Sonarr: `GET movie?tmdbId=` / `series?tvdbId=` list the one match or nothing; `GET episode?seriesId=`;
    `POST command` answers 201 with the queued command (an unknown name is a 500, as the controller's `Single`
    throws); `DELETE queue/{id}` answers 200 with no body, 404 for an id not in the queue. Seerr's
    `POST request/{id}/approve|decline` answers 200 with the request (status 2 or 3), 404 "Request not found.".
    Jellyfin: `GET /Library/VirtualFolders`; `POST /Items/{id}/Refresh` 204, 404 for an unknown item.
    `calls` keeps every remedy call as (method, path, query, JSON body); `down` names services answering 503.
    """

    def __init__(self, mock: aioresponses) -> None:
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []
        self.down: set[str] = set()
        self.movies: dict[int, dict[str, Any]] = {693134: {"id": 42, "title": "Dune: Part Two", "tmdbId": 693134}}
        self.series: dict[int, dict[str, Any]] = {360893: {"id": 12, "title": "Chernobyl", "tvdbId": 360893}}
        self.episodes: list[dict[str, Any]] = []
        self.queue: dict[str, list[dict[str, Any]]] = {"radarr": [], "sonarr": []}
        self.seerr_requests: dict[int, dict[str, Any]] = {}
        self.libraries: list[dict[str, Any]] = []
        mock.get(re.compile(rf"^{re.escape(JELLYFIN)}/Items\?.*$"), payload={"Items": [], "TotalRecordCount": 0},
                 repeat=True)  # fmt: skip
        seerr = re.escape(f"{SEERR_URL}/api/v1")
        page = {"pageInfo": {"pages": 1, "page": 1, "results": 0}, "results": []}
        mock.get(re.compile(rf"^{seerr}/request\?.*$"), payload=page, repeat=True)
        mock.post(re.compile(rf"^{seerr}/request/\d+/(approve|decline)$"), callback=self._answer, repeat=True)
        for app, base in (("radarr", RADARR_URL), ("sonarr", SONARR_URL)):
            api = re.escape(f"{base}/api/v3")
            mock.get(re.compile(rf"^{api}/history/since\?.*$"), payload=[], repeat=True)
            mock.get(re.compile(rf"^{api}/queue\?.*$"), callback=self._queue(app), repeat=True)
            mock.get(re.compile(rf"^{api}/(movie|series|episode)\?.*$"), callback=self._lookup(app), repeat=True)
            mock.post(f"{base}/api/v3/command", callback=self._command(app), repeat=True)
            mock.delete(re.compile(rf"^{api}/queue/\d+\?.*$"), callback=self._remove(app), repeat=True)
        mock.get(f"{JELLYFIN}/Library/VirtualFolders", callback=self._libraries, repeat=True)
        mock.post(re.compile(rf"^{re.escape(JELLYFIN)}/Items/\w+/Refresh\?.*$"), callback=self._refresh, repeat=True)

    def _record(self, method: str, url: Any, kwargs: dict[str, Any]) -> None:
        query = {key: str(value) for key, value in (kwargs.get("params") or {}).items()}
        query.update(url.query)
        self.calls.append((method, url.path, query, kwargs.get("json")))

    def _queue(self, app: str) -> Callable[..., CallbackResult]:
        def answer(url: Any, **kwargs: Any) -> CallbackResult:
            records = self.queue[app]
            return json_result({"page": 1, "pageSize": 200, "totalRecords": len(records), "records": records})

        return answer

    def _lookup(self, app: str) -> Callable[..., CallbackResult]:
        def answer(url: Any, **kwargs: Any) -> CallbackResult:
            self._record("GET", url, kwargs)
            if app in self.down:
                return CallbackResult(status=503)
            query = {**url.query, **(kwargs.get("params") or {})}
            if url.path.endswith("/episode"):
                return json_result([e for e in self.episodes if str(e["seriesId"]) == query["seriesId"]])
            found = self.movies if app == "radarr" else self.series
            item = found.get(int(query["tmdbId" if app == "radarr" else "tvdbId"]))
            return json_result([item] if item else [])

        return answer

    def _command(self, app: str) -> Callable[..., CallbackResult]:
        def answer(url: Any, **kwargs: Any) -> CallbackResult:
            self._record("POST", url, kwargs)
            body = kwargs["json"]
            if app in self.down or body["name"] not in {"MoviesSearch", "EpisodeSearch", "SeasonSearch"}:
                return CallbackResult(status=500, body="Sequence contains no matching element")
            resource = {"id": 1234, "name": body["name"], "commandName": body["name"], "body": body,
                        "priority": "normal", "status": "queued", "queued": "2025-05-01T10:00:00Z",
                        "trigger": "manual", "sendUpdatesToClient": True}  # fmt: skip
            return json_result(resource, 201)

        return answer

    def _remove(self, app: str) -> Callable[..., CallbackResult]:
        def answer(url: Any, **kwargs: Any) -> CallbackResult:
            self._record("DELETE", url, kwargs)
            queue_id = int(url.path.rsplit("/", 1)[1])
            removed = next((r for r in self.queue[app] if r["id"] == queue_id), None)
            if removed is None:
                return CallbackResult(status=404, body="")
            # The whole download leaves the queue, every episode record of a season pack with it.
            self.queue[app] = [r for r in self.queue[app] if r.get("downloadId") != removed.get("downloadId")]
            return CallbackResult(status=200, body="")

        return answer

    def _answer(self, url: Any, **kwargs: Any) -> CallbackResult:
        self._record("POST", url, kwargs)
        if "jellyseerr" in self.down:
            return CallbackResult(status=503)
        *_, request_id, answer = url.path.split("/")
        request = self.seerr_requests.get(int(request_id))
        if request is None:
            return json_result({"message": "Request not found."}, 404)
        request["status"] = 2 if answer == "approve" else 3
        return json_result(request)

    def _libraries(self, url: Any, **kwargs: Any) -> CallbackResult:
        self._record("GET", url, kwargs)
        if "jellyfin" in self.down:
            return CallbackResult(status=503)
        return json_result(self.libraries)

    def _refresh(self, url: Any, **kwargs: Any) -> CallbackResult:
        self._record("POST", url, kwargs)
        item_id = url.path.split("/")[2]
        if not any(library["ItemId"] == item_id for library in self.libraries):
            return CallbackResult(status=404)
        return CallbackResult(status=204)

    def remedy_calls(self) -> list[tuple[str, str, dict[str, str], Any]]:
        """The calls made so far, then forgotten."""
        calls, self.calls = self.calls, []
        return calls
