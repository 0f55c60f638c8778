"""A Jellyfin library that lists imported files when the real server does (docs/service-apis.md §3.6).

Jellyfin scans a changed folder `LibraryMonitorDelay` seconds after its LAST file change (each change restarts the
folder's timer, `IO/FileRefresher.cs`), and its scan takes a while before the item is listed with its provider ids:
here a file is listed `monitor_delay + scan` seconds after the last change of its folder, on the (frozen) clock.
`GET /System/Configuration` answers the delay (or 404 with `configuration=False`, as through a proxy that blocks
it); `GET /Items` answers as Jellyfin does for what is listed: `searchTerm` (name contains, case-insensitive),
`includeItemTypes`, `parentId` (a series' episodes), `startIndex`/`limit`.

`lookups` keeps the time and title of each library check (a check starts with a title search), `items_calls`
counts every /Items request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import json
import posixpath
import re
from typing import Any

from aioresponses import CallbackResult, aioresponses
from homeassistant.util import dt as dt_util

JELLYFIN = "http://192.168.1.10:8096"


@dataclass(slots=True)
class _File:
    folder: str
    item: dict[str, Any]
    # The Series item an episode belongs to (listed with the first of its episodes).
    series: dict[str, Any] | None


def movie_item(name: str, item_id: str, path: str, **provider_ids: str) -> dict[str, Any]:
    """A Movie item as Jellyfin's /Items lists it (PascalCase, "N" id)."""
    return {"Name": name, "Id": item_id, "Type": "Movie", "ProviderIds": provider_ids, "Path": path,
            "LocationType": "FileSystem"}  # fmt: skip


def series_item(name: str, item_id: str, **provider_ids: str) -> dict[str, Any]:
    """A Series item."""
    return {"Name": name, "Id": item_id, "Type": "Series", "ProviderIds": provider_ids, "LocationType": "FileSystem"}


def episode_item(series: dict[str, Any], season: int, episode: int, path: str) -> dict[str, Any]:
    """An Episode item of `series`."""
    return {"Name": f"Episode {episode}", "Id": f"{series['Id'][:24]}{season:04d}{episode:04d}", "Type": "Episode",
            "ParentIndexNumber": season, "IndexNumber": episode, "SeriesId": series["Id"], "SeriesName": series["Name"],
            "Path": path, "LocationType": "FileSystem"}  # fmt: skip


class FakeJellyfinLibrary:
    """Jellyfin's /Items and /System/Configuration, listing each file when the server would."""

    def __init__(
        self, mock: aioresponses, *, monitor_delay: int = 60, scan: float = 5, configuration: bool = True
    ) -> None:
        self.monitor_delay = monitor_delay
        self.scan = timedelta(seconds=scan)
        self.configuration = configuration
        self.lookups: list[tuple[datetime, str]] = []
        self.items_calls = 0
        self.configuration_calls = 0
        self._files: dict[str, _File] = {}
        self._changed: dict[str, datetime] = {}
        mock.get(re.compile(rf"^{re.escape(JELLYFIN)}/Items\?.*$"), callback=self._items, repeat=True)
        mock.get(f"{JELLYFIN}/System/Configuration", callback=self._configuration, repeat=True)

    def add_file(self, item: dict[str, Any], series: dict[str, Any] | None = None) -> None:
        """Radarr/Sonarr put the item's file (its Path) in the library now: its folder's timer restarts."""
        folder = posixpath.dirname(item["Path"])
        self._files[item["Path"]] = _File(folder, item, series)
        self._changed[folder] = dt_util.utcnow()

    def listed_at(self, path: str) -> datetime:
        """When the file's item is listed: its folder's last change, the monitor delay, the scan."""
        return self._changed[self._files[path].folder] + timedelta(seconds=self.monitor_delay) + self.scan

    def lookups_before(self, listed: datetime, title: str | None = None) -> int:
        """How many library checks (of `title`, or of anything) came before `listed`."""
        return sum(1 for at, term in self.lookups if at < listed and title in (None, term))

    def _listed(self) -> list[dict[str, Any]]:
        now = dt_util.utcnow()
        items: dict[str, dict[str, Any]] = {}
        for path, file in self._files.items():
            if self.listed_at(path) <= now:
                if file.series is not None:
                    items.setdefault(file.series["Id"], file.series)
                items[file.item["Id"]] = file.item
        return list(items.values())

    def _configuration(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.configuration_calls += 1
        if not self.configuration:
            return CallbackResult(status=404, body="")
        # A few of ServerConfiguration's keys, as Jellyfin serialises them.
        body = {"LibraryMonitorDelay": self.monitor_delay, "LibraryUpdateDuration": 30, "EnableFolderView": False,
                "ServerName": "Jellyfin", "UICulture": "en-US"}  # fmt: skip
        return CallbackResult(status=200, body=json.dumps(body), content_type="application/json")

    def _items(self, url: Any, **kwargs: Any) -> CallbackResult:
        query = {**url.query, **{key: str(value) for key, value in (kwargs.get("params") or {}).items()}}
        self.items_calls += 1
        if "searchTerm" in query:
            self.lookups.append((dt_util.utcnow(), query["searchTerm"]))
        types = set(query.get("includeItemTypes", "").split(","))
        found = [
            item
            for item in self._listed()
            if item["Type"] in types
            and query.get("searchTerm", "").casefold() in item["Name"].casefold()
            and ("parentId" not in query or item.get("SeriesId") == query["parentId"])
        ]
        start, limit = int(query.get("startIndex", 0)), int(query.get("limit", 100))
        body = {"Items": found[start : start + limit], "TotalRecordCount": len(found), "StartIndex": start}
        return CallbackResult(status=200, body=json.dumps(body), content_type="application/json")
