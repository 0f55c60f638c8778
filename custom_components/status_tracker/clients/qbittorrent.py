"""qBittorrent WebUI API v2 client, for 4.x and 5.x alike.

Login answers differ by version (4.x: 200 with "Ok."/"Fails."; 5.2+: 204/401) and so does the session cookie's
name (SID, QBT_SID_<port>), so success is judged from status and body, and the cookie is left to the session's jar.
The session must have a cookie jar of its own that accepts cookies from IP hosts (CookieJar(unsafe=True)).

Progress comes from `sync/maindata`: one request per poll however many torrents, answered with only what changed
since the `rid` we send back. Partial objects are merged into a local cache; a new login resets the server's sync
state, so the cache is rebuilt from a full update then. Each sync answers typed torrents (core/downloads.py).

delete_media reads the torrents it would remove from `torrents/info` and removes them with `torrents/delete`.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from ..core.downloads import Torrent
from . import InvalidAuthError, InvalidResponseError
from .base import RestClient, expect_json


class QBittorrentClient(RestClient):
    """Talks to one qBittorrent WebUI."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        username: str | None,
        password: str | None,
        *,
        timeout: float = 10,
    ) -> None:
        # Authentication is the session's cookie, not a header.
        super().__init__(session, url.rstrip("/") + "/api/v2", None, timeout)
        self._username = username or ""
        self._password = password or ""
        self._logged_in = False
        self._rid = 0
        # hash (lowercase) -> the torrent's fields, merged across partial updates
        self._torrents: dict[str, dict[str, Any]] = {}

    async def async_login(self) -> None:
        """Log in; raise InvalidAuthError on bad credentials."""
        credentials = {"username": self._username, "password": self._password}
        status, body = await self._async_request("POST", "/auth/login", data=credentials)
        text = body.strip()
        if text == "Fails.":
            raise InvalidAuthError("qBittorrent refused the credentials")
        if not (200 <= status < 300) or text not in ("Ok.", ""):
            raise InvalidResponseError(f"unexpected login answer (HTTP {status})")
        self._logged_in = True
        # The server keeps sync state per session: start over with a full update.
        self._rid = 0

    async def async_get_api_version(self) -> str:
        """Log in and return the WebUI API version (proves the session works)."""
        await self.async_login()
        status, body = await self._async_request("GET", "/app/webapiVersion")
        version = body.strip()
        if status != 200 or not version or not version[0].isdigit():
            raise InvalidResponseError("not a qBittorrent WebUI API answer")
        return version

    async def async_sync(self) -> dict[str, Torrent]:
        """Every torrent by hash (lowercase) after one `sync/maindata` call merged into the cache; logs in first, or
        again when the session expired.
        """
        if not self._logged_in:
            await self.async_login()
        try:
            data = await self._async_maindata()
        except InvalidAuthError:
            # The session cookie expired (403); one new login, then a real auth failure propagates.
            await self.async_login()
            data = await self._async_maindata()
        self._merge(data)
        return {key: Torrent.from_fields(key, fields) for key, fields in self._torrents.items()}

    async def async_get_torrents(self, hashes: list[str]) -> list[dict[str, Any]]:
        """`torrents/info?hashes=a|b`: the torrents among these hashes that qBittorrent has (hash, name, size,
        content_path, ...); an unknown hash is simply not listed."""
        status, body = await self._async_logged_in("GET", "/torrents/info", params={"hashes": "|".join(hashes)})
        data = expect_json(status, body, list, "not a qBittorrent torrents/info answer", ok=(200,))
        return [item for item in data if isinstance(item, dict)]

    async def async_post(self, path: str, form: dict[str, str]) -> None:
        """One POST action with a form (`torrents/delete` with `hashes` and `deleteFiles`); it answers 200 with no
        body, and skips hashes it does not have."""
        status, _ = await self._async_logged_in("POST", f"/{path}", data=form)
        if status != 200:
            raise InvalidResponseError(f"{path}: HTTP {status}")

    async def _async_logged_in(
        self, method: str, path: str, *, params: dict[str, str] | None = None, data: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """A request in a logged-in session: logs in first, or again once when the session expired (403)."""
        if not self._logged_in:
            await self.async_login()
        try:
            return await self._async_request(method, path, params=params, data=data)
        except InvalidAuthError:
            await self.async_login()
            return await self._async_request(method, path, params=params, data=data)

    async def _async_maindata(self) -> dict[str, Any]:
        status, body = await self._async_request("GET", "/sync/maindata", params={"rid": str(self._rid)})
        data = expect_json(status, body, dict, "not a qBittorrent sync/maindata answer", ok=(200,))
        if not isinstance(data.get("rid"), int):
            raise InvalidResponseError("not a qBittorrent sync/maindata answer")
        return data

    def _merge(self, data: dict[str, Any]) -> None:
        torrents = data.get("torrents") or {}
        removed = data.get("torrents_removed") or []
        if not isinstance(torrents, dict) or not isinstance(removed, list):
            raise InvalidResponseError("sync/maindata torrents have an unexpected shape")
        if data.get("full_update"):
            self._torrents = {}
        for torrent_hash, fields in torrents.items():
            if isinstance(fields, dict):
                # Partial objects hold only changed keys: never treat a missing key as 0.
                self._torrents.setdefault(str(torrent_hash).lower(), {}).update(fields)
        for torrent_hash in removed:
            self._torrents.pop(str(torrent_hash).lower(), None)
        self._rid = data["rid"]
