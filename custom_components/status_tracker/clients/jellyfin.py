"""Jellyfin REST client (the parts status_tracker needs)."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from . import InvalidResponseError
from .http import parse_json, request


@dataclass(frozen=True, slots=True)
class JellyfinServerInfo:
    """Identity of a Jellyfin server."""

    server_id: str
    name: str
    version: str | None


class JellyfinClient:
    """Talks to one Jellyfin server with an API key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str, *, timeout: float = 10) -> None:
        self._session = session
        self._base = url.rstrip("/")
        # Legacy X-Emby-Token is refused by Jellyfin 12 by default; this scheme works everywhere.
        self._headers = {"Authorization": f'MediaBrowser Token="{api_key}"'}
        self._timeout = timeout

    async def async_get_server_info(self) -> JellyfinServerInfo:
        """Return the server's identity; needs a valid API key."""
        status, body = await request(
            self._session,
            "GET",
            f"{self._base}/System/Info",
            headers=self._headers,
            request_timeout=self._timeout,
        )
        data = parse_json(body)
        if status != 200 or not isinstance(data, dict) or not data.get("Id"):
            raise InvalidResponseError("not a Jellyfin /System/Info answer")
        version = data.get("Version")
        return JellyfinServerInfo(
            server_id=str(data["Id"]).replace("-", "").lower(),
            name=str(data.get("ServerName") or "Jellyfin"),
            version=str(version) if version is not None else None,
        )
