"""Seerr / Jellyseerr REST client (API v1): the webhook agent, the request list, titles, approve and decline, and
delete_media's deletes (a request, a media record).

Seerr has ONE webhook agent per instance; the settings given here are sent as they are (the caller builds
`options.jsonPayload` as a JSON string literal). See docs/service-apis.md §1.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from . import CannotConnectError, InvalidResponseError, WebhookRejectedError
from .base import RestClient, parse_json, service_message

_MEDIA_TYPES = frozenset({"movie", "tv"})
_ANSWERS = frozenset({"approve", "decline"})


class SeerrClient(RestClient):
    """Talks to one Seerr or Jellyseerr server with its API key (it acts as the first admin)."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str, *, timeout: float = 10) -> None:
        headers = {"X-Api-Key": api_key, "Accept": "application/json"}
        super().__init__(session, url.rstrip("/") + "/api/v1", headers, timeout)
        self._api_key = api_key

    async def async_check(self) -> None:
        """Prove the URL and the key, with admin rights (settings need them); a wrong key is a 403."""
        data = await self._async_json("GET", "settings/main")
        if not isinstance(data, dict):
            raise InvalidResponseError("not a Seerr settings answer")

    async def async_get_webhook(self) -> dict[str, Any]:
        """The webhook agent's settings; `options.jsonPayload` comes back as the template text."""
        data = await self._async_json("GET", "settings/notifications/webhook")
        if not isinstance(data, dict):
            raise InvalidResponseError("not a Seerr webhook settings answer")
        return data

    async def async_test_webhook(self, settings: dict[str, Any]) -> None:
        """Have Seerr send a test notification with these settings (nothing is saved).

        Raises WebhookRejectedError when Seerr could not deliver it (it answers 500 then).
        """
        status, body = await self._async_request(
            "POST", "/settings/notifications/webhook/test", json=settings, server_errors=True
        )
        if 200 <= status < 300:
            return
        message = self._message(body)
        if status == 500:
            raise WebhookRejectedError(message or "Seerr could not send the test webhook")
        if status > 500:
            # 502 to 504 come from a proxy in front of Seerr, not from the test.
            raise CannotConnectError(f"HTTP {status}")
        raise InvalidResponseError(f"webhook test refused (HTTP {status}){f': {message}' if message else ''}")

    async def async_set_webhook(self, settings: dict[str, Any]) -> None:
        """Replace the webhook agent's settings (omitted fields are cleared by Seerr)."""
        # The answer is the stored form (jsonPayload in base64), of no use to the caller.
        await self._async_send("POST", "settings/notifications/webhook", json=settings)

    async def async_get_requests(self, *, page_size: int = 100, max_pages: int = 50) -> list[dict[str, Any]]:
        """Every request, most recently modified first, at most `max_pages` pages of `page_size`.

        Only the parameters every version's spec declares are sent (Seerr rejects others). A request modified
        while we page moves to the front and pushes the rest back a row, so ids seen twice are kept once.
        """
        found: list[dict[str, Any]] = []
        seen: set[int] = set()
        for page in range(max_pages):
            params = {"take": str(page_size), "skip": str(page * page_size), "filter": "all", "sort": "modified"}
            data = await self._async_json("GET", "request", params=params)
            results = data.get("results") if isinstance(data, dict) else None
            if not isinstance(results, list):
                raise InvalidResponseError("not a Seerr request list")
            for item in results:
                if not isinstance(item, dict):
                    continue
                request_id = item.get("id")
                if isinstance(request_id, int):
                    if request_id in seen:
                        continue
                    seen.add(request_id)
                found.append(item)
            page_info = data.get("pageInfo")
            pages = page_info.get("pages") if isinstance(page_info, dict) else None
            if not results or (isinstance(pages, int) and page + 1 >= pages):
                break
        return found

    async def async_get_media(self, media_type: str, tmdb_id: int) -> dict[str, Any]:
        """Movie or TV details by TMDB id (`title` for movies, `name` for TV); raises ValueError for another type."""
        if media_type not in _MEDIA_TYPES:
            raise ValueError(f"media_type must be 'movie' or 'tv', not {media_type!r}")
        data = await self._async_json("GET", f"{media_type}/{int(tmdb_id)}")
        if not isinstance(data, dict):
            raise InvalidResponseError(f"not a Seerr {media_type} answer")
        return data

    async def async_answer_request(self, request_id: int, answer: str) -> dict[str, Any]:
        """Approve or decline a request (`POST request/{id}/approve|decline`); the request as Seerr now holds it.

        Seerr answers 404 "Request not found." when the id is unknown (routes/request.ts); anything but a 200 with
        the request is a refusal.
        """
        if answer not in _ANSWERS:
            raise ValueError(f"answer must be 'approve' or 'decline', not {answer!r}")
        path = f"request/{int(request_id)}/{answer}"
        status, body = await self._async_request("POST", f"/{path}")
        if status != 200:
            message = self._message(body)
            raise InvalidResponseError(f"{path}: HTTP {status}{f': {message}' if message else ''}")
        data = parse_json(body)
        if not isinstance(data, dict):
            raise InvalidResponseError(f"{path}: not a Seerr request")
        return data

    async def async_delete(self, path: str) -> bool:
        """One DELETE (`request/{id}`, `media/{id}`), answered 204; False when Seerr answers 404 ("Request not
        found." / "Media not found"): it is gone already."""
        status, body = await self._async_request("DELETE", f"/{path}")
        if status == 404:
            return False
        if not 200 <= status < 300:
            message = self._message(body)
            raise InvalidResponseError(f"{path}: HTTP {status}{f': {message}' if message else ''}")
        return True

    async def _async_json(self, method: str, path: str, *, params: dict[str, str] | None = None) -> Any:
        return parse_json(await self._async_send(method, path, params=params))

    async def _async_send(
        self, method: str, path: str, *, params: dict[str, str] | None = None, json: Any = None
    ) -> str:
        """The body of a 2xx answer; a 404 means this is not Seerr's API, other statuses are refusals."""
        not_found = f"no Seerr API at this address ({path}: HTTP 404)"
        status, body = await self._async_request(method, f"/{path}", params=params, json=json, not_found=not_found)
        if not 200 <= status < 300:
            message = self._message(body)
            raise InvalidResponseError(f"{path}: HTTP {status}{f': {message}' if message else ''}")
        return body

    def _message(self, body: str) -> str:
        return service_message(body, secrets=(self._api_key,))
