"""qBittorrent WebUI API v2 client, for 4.x and 5.x alike.

Login answers differ by version (4.x: 200 with "Ok."/"Fails."; 5.2+: 204/401) and so does the session cookie's
name (SID, QBT_SID_<port>), so success is judged from status and body, and the cookie is left to the session's jar.
The session must have a cookie jar of its own that accepts cookies from IP hosts (CookieJar(unsafe=True)).
"""

from __future__ import annotations

import aiohttp

from . import InvalidAuthError, InvalidResponseError
from .http import request


class QBittorrentClient:
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
        self._session = session
        self._base = url.rstrip("/")
        self._username = username or ""
        self._password = password or ""
        self._timeout = timeout

    async def async_login(self) -> None:
        """Log in; raise InvalidAuthError on bad credentials."""
        status, body = await request(
            self._session,
            "POST",
            f"{self._base}/api/v2/auth/login",
            data={"username": self._username, "password": self._password},
            request_timeout=self._timeout,
        )
        text = body.strip()
        if text == "Fails.":
            raise InvalidAuthError("qBittorrent refused the credentials")
        if not (200 <= status < 300) or text not in ("Ok.", ""):
            raise InvalidResponseError(f"unexpected login answer (HTTP {status})")

    async def async_get_api_version(self) -> str:
        """Log in and return the WebUI API version (proves the session works)."""
        await self.async_login()
        status, body = await request(
            self._session,
            "GET",
            f"{self._base}/api/v2/app/webapiVersion",
            request_timeout=self._timeout,
        )
        version = body.strip()
        if status != 200 or not version or not version[0].isdigit():
            raise InvalidResponseError("not a qBittorrent WebUI API answer")
        return version
