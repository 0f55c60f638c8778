"""Radarr and Sonarr REST client (API v3, which Sonarr v5 keeps): notifications, queue, history, the movie, series
and episodes a request's cause is read from, the remedies (search commands, queue removal) and delete_media's
deletes (movie, series, episode files).

Creating or changing an enabled notification makes the service send a real test webhook first and refuse to save
if that fails, so our webhook must answer before these calls. See docs/service-apis.md §2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from ..core.models import ArrApp
from . import InvalidResponseError, WebhookRejectedError
from .base import SUCCESS, RestClient, expect_json, parse_json, service_message

# Names for the queue and history includes differ; values are strings because they travel in the query.
_QUEUE_PARAMS: dict[ArrApp, dict[str, str]] = {
    "radarr": {"includeUnknownMovieItems": "false", "includeMovie": "true"},
    "sonarr": {"includeUnknownSeriesItems": "false", "includeSeries": "true", "includeEpisode": "true"},
}
_HISTORY_PARAMS: dict[ArrApp, dict[str, str]] = {
    "radarr": {"includeMovie": "true"},
    "sonarr": {"includeSeries": "true", "includeEpisode": "true"},
}
_QUEUE_PAGE_SIZE = 200
# A queue of 10,000 downloads is already absurd; this only guards against a server that never stops paging.
_QUEUE_MAX_PAGES = 50
_TEST_FAILED = "unable to send test message"


@dataclass(frozen=True, slots=True)
class ArrStatus:
    """What `system/status` says about the server (each None when it does not say)."""

    app_name: str | None
    version: str | None
    instance_name: str | None


class ArrClient(RestClient):
    """Talks to one Radarr or Sonarr server with its API key."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, api_key: str, app: ArrApp, *, timeout: float = 10
    ) -> None:
        headers = {"X-Api-Key": api_key, "Accept": "application/json"}
        super().__init__(session, url.rstrip("/") + "/api/v3", headers, timeout)
        self._api_key = api_key
        self._app: ArrApp = app

    async def async_get_status(self) -> ArrStatus:
        """`system/status`; proves URL and key, and that this is the right app."""
        status, body = await self._async_send("GET", "system/status")
        data = expect_json(status, body, dict, "system/status")
        app_name = data.get("appName")
        if isinstance(app_name, str) and app_name.lower() != self._app:
            raise InvalidResponseError(f"this is {app_name[:40]}, not {self._app}")
        return ArrStatus(_text(app_name), _text(data.get("version")), _text(data.get("instanceName")))

    async def async_get_notifications(self) -> list[dict[str, Any]]:
        """Every notification connection (passwords come back masked)."""
        status, body = await self._async_send("GET", "notification")
        return [item for item in expect_json(status, body, list, "notification") if isinstance(item, dict)]

    async def async_get_webhook_schema(self) -> dict[str, Any]:
        """The Webhook template from `notification/schema`: the base for a new connection in any version."""
        status, body = await self._async_send("GET", "notification/schema")
        for item in expect_json(status, body, list, "notification/schema"):
            if isinstance(item, dict) and item.get("implementation") == "Webhook":
                return item
        raise InvalidResponseError(f"{self._app} offers no Webhook connection")

    async def async_create_notification(self, resource: dict[str, Any]) -> dict[str, Any]:
        """Create a connection; WebhookRejectedError when its test webhook failed (nothing is saved then)."""
        status, body = await self._async_send("POST", "notification", json=resource)
        return self._saved(status, body)

    async def async_update_notification(self, resource: dict[str, Any]) -> dict[str, Any]:
        """Replace connection `resource["id"]` (send every field); errors as for a create."""
        notification_id = resource.get("id")
        if not isinstance(notification_id, int) or isinstance(notification_id, bool) or notification_id <= 0:
            raise ValueError("an update needs the resource's id")
        status, body = await self._async_send("PUT", f"notification/{notification_id}", json=resource)
        return self._saved(status, body)

    async def async_get_queue(self) -> list[dict[str, Any]]:
        """Every queue record, with its movie (Radarr) or series and episode (Sonarr); one per episode in Sonarr."""
        records: list[dict[str, Any]] = []
        for page in range(1, _QUEUE_MAX_PAGES + 1):
            params = {"page": str(page), "pageSize": str(_QUEUE_PAGE_SIZE), **_QUEUE_PARAMS[self._app]}
            status, body = await self._async_send("GET", "queue", params=params)
            data = expect_json(status, body, dict, "queue")
            page_records = data.get("records")
            if not isinstance(page_records, list):
                raise InvalidResponseError("queue answer has no records")
            records.extend(item for item in page_records if isinstance(item, dict))
            total = data.get("totalRecords")
            # An empty page ends it too: the total may grow while we page.
            if not page_records or not isinstance(total, int) or page * _QUEUE_PAGE_SIZE >= total:
                break
        return records

    async def async_get_history_since(self, since: datetime) -> list[dict[str, Any]]:
        """History records since `since` (timezone-aware), with their movie (Radarr) or series and episode (Sonarr)."""
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        date = since.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        params = {"date": date, **_HISTORY_PARAMS[self._app]}
        status, body = await self._async_send("GET", "history/since", params=params)
        return [item for item in expect_json(status, body, list, "history/since") if isinstance(item, dict)]

    async def async_get_movie(self, tmdb_id: int) -> dict[str, Any] | None:
        """Radarr's movie with this TMDB id (`movie?tmdbId=` answers a list of 0 or 1), None when it has none."""
        return self._first(await self._async_send("GET", "movie", params={"tmdbId": str(tmdb_id)}), "movie")

    async def async_get_series(self, tvdb_id: int) -> dict[str, Any] | None:
        """Sonarr's series with this TVDB id (`series?tvdbId=`, a list of 0 or 1), None when it has none."""
        return self._first(await self._async_send("GET", "series", params={"tvdbId": str(tvdb_id)}), "series")

    async def async_get_episodes(self, series_id: int) -> list[dict[str, Any]]:
        """Every episode of a Sonarr series (`episode?seriesId=`)."""
        status, body = await self._async_send("GET", "episode", params={"seriesId": str(series_id)})
        return [item for item in expect_json(status, body, list, "episode") if isinstance(item, dict)]

    async def async_get_episode_files(self, series_id: int) -> list[dict[str, Any]]:
        """Every episode file of a Sonarr series (`episodefile?seriesId=`): id, seasonNumber, path, size."""
        status, body = await self._async_send("GET", "episodefile", params={"seriesId": str(series_id)})
        return [item for item in expect_json(status, body, list, "episodefile") if isinstance(item, dict)]

    async def async_delete(self, path: str, *, params: dict[str, str] | None = None, json: Any = None) -> bool:
        """One DELETE (`movie/{id}`, `series/{id}`, `episodefile/bulk`); False when the *arr answers 404: the id is
        gone already (its controllers map ModelNotFoundException to 404)."""
        status, body = await self._async_send("DELETE", path, params=params, json=json, not_found="")
        if status == 404:
            return False
        if status not in SUCCESS:
            message = service_message(body, secrets=(self._api_key,))
            raise InvalidResponseError(f"{path}: HTTP {status}{f': {message}' if message else ''}")
        return True

    @staticmethod
    def _first(answer: tuple[int, str], what: str) -> dict[str, Any] | None:
        found = [item for item in expect_json(*answer, list, what) if isinstance(item, dict)]
        return found[0] if found else None

    async def async_find_media_id(self, *, tmdb_id: int | None = None, tvdb_id: int | None = None) -> int | None:
        """Radarr's movie id for a TMDB id, Sonarr's series id for a TVDB id; None when it does not have the media."""
        if self._app == "radarr":
            media = await self.async_get_movie(tmdb_id) if tmdb_id is not None else None
        else:
            media = await self.async_get_series(tvdb_id) if tvdb_id is not None else None
        media_id = media.get("id") if media else None
        return media_id if isinstance(media_id, int) else None

    async def async_command(self, name: str, **body: Any) -> dict[str, Any]:
        """Start a command (`MoviesSearch`, `EpisodeSearch`, ...); the *arr answers 201 with the queued command."""
        status, body_text = await self._async_send("POST", "command", json={"name": name, **body})
        if status == 400:
            message = service_message(body_text, secrets=(self._api_key,))
            raise InvalidResponseError(f"{self._app} refused {name}{f': {message}' if message else ''}")
        return expect_json(status, body_text, dict, "command")

    async def async_remove_from_queue(self, queue_id: int) -> None:
        """Remove a queue item from the download client and blocklist its release.

        `skipRedownload=true`: the *arr would otherwise search on its own when AutoRedownloadFailed is on, and the
        caller searches itself (one search, whatever that setting says).
        """
        params = {"removeFromClient": "true", "blocklist": "true", "skipRedownload": "true"}
        status, body = await self._async_send(
            "DELETE", f"queue/{int(queue_id)}", params=params, not_found=f"queue item {queue_id} is gone"
        )
        if status not in SUCCESS:
            message = service_message(body, secrets=(self._api_key,))
            raise InvalidResponseError(f"queue/{queue_id}: HTTP {status}{f': {message}' if message else ''}")

    async def _async_send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        not_found: str | None = None,
    ) -> tuple[int, str]:
        # A 404 is also a missing id, but we mostly ask for ids we were just given: a wrong URL base is likelier.
        # "" lets the caller read a 404 itself.
        if not_found is None:
            not_found = f"no {self._app} API v3 at this address ({path}: HTTP 404)"
        return await self._async_request(method, f"/{path}", params=params, json=json, not_found=not_found or None)

    def _saved(self, status: int, body: str) -> dict[str, Any]:
        """The stored resource of a create or update, or the reason it was refused."""
        if status == 400:
            message = service_message(body, secrets=(self._api_key,))
            if _test_failed(body):
                raise WebhookRejectedError(message or f"{self._app} could not send the test webhook")
            raise InvalidResponseError(f"{self._app} refused the connection{f': {message}' if message else ''}")
        return expect_json(status, body, dict, "notification")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _test_failed(body: str) -> bool:
    """Whether a 400 is the failed test-on-save (or the URL's own validator), not another validation error."""
    try:
        failures = parse_json(body)
    except InvalidResponseError:
        return False
    return isinstance(failures, list) and any(
        isinstance(failure, dict)
        and (
            str(failure.get("propertyName", "")).lower() == "url"
            or _TEST_FAILED in str(failure.get("errorMessage", "")).lower()
        )
        for failure in failures
    )
