"""Shoko Server REST v3 client (the parts status_tracker needs)."""

from __future__ import annotations

import aiohttp

from . import InvalidResponseError
from .http import parse_json, request

# A tail no real file has: the lookup proves the key and the endpoint without matching anything.
_PROBE_TAIL = "status_tracker_connection_check.mkv"


class ShokoClient:
    """Talks to one Shoko Server with an API key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str, *, timeout: float = 10) -> None:
        self._session = session
        self._base = url.rstrip("/")
        self._headers = {"apikey": api_key}
        self._timeout = timeout

    async def async_check(self) -> None:
        """Call the file lookup the tracker relies on; raise if it does not work."""
        status, body = await request(
            self._session,
            "GET",
            f"{self._base}/api/v3/File/PathEndsWith",
            headers=self._headers,
            params={"path": _PROBE_TAIL, "limit": "1"},
            request_timeout=self._timeout,
        )
        if status != 200 or not isinstance(parse_json(body), list):
            raise InvalidResponseError("not a Shoko PathEndsWith answer")
