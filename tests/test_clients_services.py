"""The Seerr, Radarr/Sonarr and Jellyfin-webhook-plugin REST clients against composed answers (aioresponses).

A mock is registered for the exact URL, query included: a request that strays from it finds no mock and fails.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
import re
from typing import Any

import aiohttp
from aioresponses import aioresponses
from aioresponses.core import RequestCall
import pytest

from custom_components.status_tracker.clients import (
    CannotConnectError,
    InvalidAuthError,
    InvalidResponseError,
    ServiceError,
    WebhookRejectedError,
)
from custom_components.status_tracker.clients.arr import ArrClient, ArrStatus
from custom_components.status_tracker.clients.base import service_message
from custom_components.status_tracker.clients.jellyfin import WEBHOOK_PLUGIN_ID, JellyfinClient
from custom_components.status_tracker.clients.seerr import SeerrClient

from .helpers import load_json

KEY = "svc-secret-key-0123456789abcdef"
SEERR = "http://192.168.1.10:5055/api/v1"
RADARR = "http://192.168.1.10:7878/api/v3"
SONARR = "http://192.168.1.10:8989/api/v3"
JF = "http://192.168.1.10:8096"
JF_CONFIG = f"{JF}/Plugins/71552A5A-5C5C-4350-A2AE-EBE451A30173/Configuration"
HOOK = "http://192.168.1.20:8123/api/webhook/wh-jellyseerr-0001"
SETTINGS = {
    "enabled": True,
    "types": 222,
    "options": {"webhookUrl": HOOK, "jsonPayload": '"{\\"a\\":\\"{{event}}\\"}"'},
}
REQUESTS = "{SEERR}/request?take={take}&skip={skip}&filter=all&sort=modified"
RADARR_QUEUE = f"{RADARR}/queue?pageSize=200&includeUnknownMovieItems=false&includeMovie=true&page="
ECHO = {"message": f"bad key {KEY}"}  # an answer that echoes the key back


def fixture(name: str) -> Any:
    """A composed answer from tests/fixtures/api_clients."""
    return load_json(f"api_clients/{name}")


def sent(mocked: aioresponses, method: str, url: str) -> list[RequestCall]:
    """The calls to `url` (any query), in the order they were made."""
    return [
        call
        for (verb, target), calls in mocked.requests.items()
        if verb == method and str(target.with_query(None)) == url
        for call in calls
    ]


def assert_no_key(err: BaseException) -> None:
    """Neither the error nor anything it was raised from names the API key."""
    chained: BaseException | None = err
    while chained is not None:
        assert KEY not in str(chained)
        assert KEY not in repr(chained)
        chained = chained.__cause__ or chained.__context__


@pytest.fixture
def seerr(session: aiohttp.ClientSession) -> SeerrClient:
    """A Seerr client; the trailing slash of the URL is dropped."""
    return SeerrClient(session, "http://192.168.1.10:5055/", KEY, timeout=0.5)


@pytest.fixture
def radarr(session: aiohttp.ClientSession) -> ArrClient:
    """A Radarr client."""
    return ArrClient(session, "http://192.168.1.10:7878", KEY, "radarr")


@pytest.fixture
def sonarr(session: aiohttp.ClientSession) -> ArrClient:
    """A Sonarr client."""
    return ArrClient(session, "http://192.168.1.10:8989/", KEY, "sonarr")


# --- Seerr ---


async def test_seerr_webhook_round_trip(seerr: SeerrClient, http: aioresponses) -> None:
    """Check, read, test and save: URLs, key header and the settings sent as given."""
    http.get(f"{SEERR}/settings/main", payload={"applicationTitle": "Jellyseerr", "mediaServerType": 2})
    http.get(f"{SEERR}/settings/notifications/webhook", payload=fixture("seerr_webhook_settings.json"))
    http.post(f"{SEERR}/settings/notifications/webhook/test", status=204)
    http.post(f"{SEERR}/settings/notifications/webhook", payload={**SETTINGS, "options": {"jsonPayload": "Ig=="}})
    await seerr.async_check()
    current = await seerr.async_get_webhook()
    await seerr.async_test_webhook(SETTINGS)
    await seerr.async_set_webhook(SETTINGS)
    assert isinstance(current["options"]["jsonPayload"], str)
    assert current["types"] == 222
    for method, path in [("GET", "settings/main"), ("POST", "settings/notifications/webhook/test")]:
        (call,) = sent(http, method, f"{SEERR}/{path}")
        assert call.kwargs["headers"] == {"X-Api-Key": KEY, "Accept": "application/json"}
    (saved,) = sent(http, "POST", f"{SEERR}/settings/notifications/webhook")
    assert saved.kwargs["json"] == SETTINGS
    assert sent(http, "POST", f"{SEERR}/settings/notifications/webhook/test")[0].kwargs["json"] == SETTINGS


@pytest.mark.parametrize(
    ("answer", "error", "match"),
    [
        ({"status": 500, "payload": {"message": "Failed to send webhook notification."}}, WebhookRejectedError,
         "^Failed to send webhook notification.$"),
        ({"status": 500, "body": "<html>oops</html>"}, WebhookRejectedError, "could not send"),
        ({"status": 502, "body": "Bad Gateway"}, CannotConnectError, "HTTP 502"),
        ({"status": 400, "payload": {"message": "request/body/types must be number"}}, InvalidResponseError,
         r"HTTP 400\): request/body/types must be number"),
        ({"status": 400, "payload": "not an error object"}, InvalidResponseError, r"HTTP 400\)$"),
        ({"status": 403, "payload": {"status": 403, "error": "You do not have permission"}}, InvalidAuthError, "403"),
        ({"status": 500, "payload": ECHO}, WebhookRejectedError, r"bad key \*\*\*"),
    ],
)  # fmt: skip
async def test_seerr_webhook_test_errors(
    seerr: SeerrClient, http: aioresponses, answer: dict[str, Any], error: type[Exception], match: str
) -> None:
    """Seerr's 500 is a failed delivery; a proxy's 5xx is unreachable; other refusals are unexpected."""
    http.post(f"{SEERR}/settings/notifications/webhook/test", **answer)
    with pytest.raises(error, match=match) as caught:
        await seerr.async_test_webhook(SETTINGS)
    assert_no_key(caught.value)


async def test_seerr_requests_pages(seerr: SeerrClient, http: aioresponses) -> None:
    """Pages are walked with take/skip until pageInfo.pages; only spec-safe parameters are sent."""
    http.get(REQUESTS.format(SEERR=SEERR, take=2, skip=0), payload=fixture("seerr_requests_page1.json"))
    http.get(REQUESTS.format(SEERR=SEERR, take=2, skip=2), payload=fixture("seerr_requests_page2.json"))
    requests = await seerr.async_get_requests(page_size=2)
    assert [r["id"] for r in requests] == [42, 41, 40]
    assert requests[1]["media"]["tvdbId"] == 360893
    calls = sent(http, "GET", f"{SEERR}/request")
    assert [c.kwargs["params"] for c in calls] == [
        {"take": "2", "skip": "0", "filter": "all", "sort": "modified"},
        {"take": "2", "skip": "2", "filter": "all", "sort": "modified"},
    ]


async def test_seerr_requests_without_page_info(seerr: SeerrClient, http: aioresponses) -> None:
    """Without pageInfo an empty page ends the walk; rows seen twice (a request modified meanwhile) count once."""
    first = fixture("seerr_requests_page1.json")["results"]
    http.get(REQUESTS.format(SEERR=SEERR, take=2, skip=0), payload={"results": [*first, "garbage"]})
    http.get(REQUESTS.format(SEERR=SEERR, take=2, skip=2), payload={"results": [first[1], {"type": "tv"}]})
    http.get(REQUESTS.format(SEERR=SEERR, take=2, skip=4), payload={"results": []})
    requests = await seerr.async_get_requests(page_size=2)
    assert [r.get("id") for r in requests] == [42, 41, None]


async def test_seerr_requests_page_cap(seerr: SeerrClient, http: aioresponses) -> None:
    """`max_pages` bounds the walk even when the server claims more pages."""
    page = fixture("seerr_requests_page1.json")
    page["pageInfo"]["pages"] = 99
    http.get(re.compile(rf"^{re.escape(SEERR)}/request\?.*$"), payload=page, repeat=True)
    assert len(await seerr.async_get_requests(page_size=2, max_pages=3)) == 2
    assert len(sent(http, "GET", f"{SEERR}/request")) == 3


async def test_seerr_media(seerr: SeerrClient, http: aioresponses) -> None:
    """Movie details carry `title`, TV details `name`; only the two media types are accepted."""
    http.get(f"{SEERR}/movie/693134", payload=fixture("seerr_movie.json"))
    http.get(f"{SEERR}/tv/87108", payload=fixture("seerr_tv.json"))
    assert (await seerr.async_get_media("movie", 693134))["title"] == "Dune: Part Two"
    assert (await seerr.async_get_media("tv", 87108))["name"] == "Chernobyl"
    with pytest.raises(ValueError, match="media_type"):
        await seerr.async_get_media("../settings/main", 1)


@pytest.mark.parametrize(
    ("call", "target", "answer", "error"),
    [
        (lambda c: c.async_check(), "GET settings/main", {"status": 401}, InvalidAuthError),
        (lambda c: c.async_check(), "GET settings/main", {"status": 403, "payload": ECHO}, InvalidAuthError),
        (lambda c: c.async_check(), "GET settings/main", {"status": 404, "body": "Not Found"}, InvalidResponseError),
        (lambda c: c.async_check(), "GET settings/main", {"body": "<!DOCTYPE html>"}, InvalidResponseError),
        (lambda c: c.async_check(), "GET settings/main", {"payload": []}, InvalidResponseError),
        (lambda c: c.async_check(), "GET settings/main", {"status": 503}, CannotConnectError),
        (lambda c: c.async_check(), "GET settings/main", {"exception": TimeoutError()}, CannotConnectError),
        (lambda c: c.async_check(), "GET settings/main", {"exception": aiohttp.ClientConnectionError()},
         CannotConnectError),
        (lambda c: c.async_get_webhook(), "GET settings/notifications/webhook", {"payload": [1]}, InvalidResponseError),
        (lambda c: c.async_set_webhook(SETTINGS), "POST settings/notifications/webhook",
         {"status": 400, "payload": ECHO}, InvalidResponseError),
        (lambda c: c.async_get_requests(), "GET request?take=100&skip=0&filter=all&sort=modified",
         {"payload": {"pageInfo": {}}}, InvalidResponseError),
        (lambda c: c.async_get_media("movie", 1), "GET movie/1", {"status": 500, "payload": ECHO}, CannotConnectError),
        (lambda c: c.async_get_media("tv", 1), "GET tv/1", {"payload": ["x"]}, InvalidResponseError),
    ],
)  # fmt: skip
async def test_seerr_errors(
    seerr: SeerrClient,
    http: aioresponses,
    call: Callable[[SeerrClient], Awaitable[Any]],
    target: str,
    answer: dict[str, Any],
    error: type[ServiceError],
) -> None:
    """Every failure maps to one of the clients' errors, and none names the key."""
    method, path = target.split(" ")
    http.add(f"{SEERR}/{path}", method, **answer)
    with pytest.raises(error) as caught:
        await call(seerr)
    assert_no_key(caught.value)


def test_service_message() -> None:
    """Error text from either error shape, secrets blanked, length capped; nothing from other answers."""
    assert service_message('[{"errorMessage": "a"}, {"errorMessage": "b"}, 3]') == "a; b"
    assert service_message('{"message": "key k1 bad"}', secrets=("", "k1")) == "key *** bad"
    assert service_message('{"message": "' + "y" * 500 + '"}') == "y" * 300
    assert service_message("12") == service_message("<html>") == ""


# --- Radarr / Sonarr ---


async def test_arr_status(radarr: ArrClient, sonarr: ArrClient, http: aioresponses) -> None:
    """system/status names the app: another app is refused, an answer without appName is taken as it is."""
    http.get(f"{RADARR}/system/status", payload=fixture("radarr_system_status.json"))
    http.get(f"{SONARR}/system/status", payload=fixture("sonarr_system_status.json"))
    http.get(f"{SONARR}/system/status", payload=fixture("radarr_system_status.json"))
    http.get(f"{SONARR}/system/status", payload={"version": "4.0.19.2934"})
    assert (await radarr.async_get_status()).version == "6.0.4.10291"
    assert (await sonarr.async_get_status()).app_name == "Sonarr"
    with pytest.raises(InvalidResponseError, match="this is Radarr, not sonarr"):
        await sonarr.async_get_status()
    assert await sonarr.async_get_status() == ArrStatus(app_name=None, version="4.0.19.2934", instance_name=None)
    (call,) = sent(http, "GET", f"{RADARR}/system/status")
    assert call.kwargs["headers"] == {"X-Api-Key": KEY, "Accept": "application/json"}
    assert call.kwargs["json"] is None


async def test_arr_notifications(radarr: ArrClient, http: aioresponses) -> None:
    """The list skips garbage rows; the schema yields the Webhook template."""
    http.get(f"{RADARR}/notification", payload=[*fixture("radarr_notifications.json"), None])
    http.get(f"{RADARR}/notification/schema", payload=fixture("radarr_notification_schema.json"))
    (ours,) = await radarr.async_get_notifications()
    assert ours["fields"][0] == ours["fields"][0] | {
        "name": "url",
        "value": HOOK.replace("jellyseerr-0001", "radarr-0002"),
    }
    schema = await radarr.async_get_webhook_schema()
    assert (schema["configContract"], schema["id"]) == ("WebhookSettings", 0)
    assert [field["name"] for field in schema["fields"]] == ["url", "method", "username", "password", "headers"]


async def test_arr_create_and_update(radarr: ArrClient, http: aioresponses) -> None:
    """POST creates (201), PUT replaces by id (202); the resource is sent as given."""
    resource = fixture("radarr_notification_schema.json")[1] | {"name": "status_tracker", "onGrab": True}
    stored = {**resource, "id": 3}
    http.post(f"{RADARR}/notification", status=201, payload=stored)
    http.put(f"{RADARR}/notification/3", status=202, payload=stored)
    assert (await radarr.async_create_notification(resource))["id"] == 3
    assert (await radarr.async_update_notification(stored))["id"] == 3
    assert sent(http, "POST", f"{RADARR}/notification")[0].kwargs["json"] == resource
    (put,) = sent(http, "PUT", f"{RADARR}/notification/3")
    assert (put.kwargs["json"], put.kwargs["headers"]["X-Api-Key"]) == (stored, KEY)
    for bad_id in (None, 0, True, "3"):
        with pytest.raises(ValueError, match="id"):
            await radarr.async_update_notification({**stored, "id": bad_id})


@pytest.mark.parametrize(
    ("answer", "error", "match"),
    [
        ({"status": 400, "payload": fixture("arr_test_failed.json")}, WebhookRejectedError,
         r"^Unable to send test message: HTTP request failed: \[404:NotFound\]"),
        ({"status": 400, "payload": [{"propertyName": "Url", "errorMessage": "Invalid Url: 'ha'"}]},
         WebhookRejectedError, "^Invalid Url: 'ha'$"),
        ({"status": 400, "payload": [{"propertyName": "Url"}]}, WebhookRejectedError, "could not send the test"),
        ({"status": 400, "payload": [{"propertyName": "", "errorMessage": f"Unable to send test message: {KEY}"}]},
         WebhookRejectedError, r"message: \*\*\*$"),
        ({"status": 400, "payload": fixture("arr_name_not_unique.json")}, InvalidResponseError,
         "refused the connection: Should be unique$"),
        ({"status": 400, "payload": {"message": "Fields can't be null"}}, InvalidResponseError, "can't be null"),
        ({"status": 400, "body": "<html>"}, InvalidResponseError, "refused the connection$"),
        ({"status": 404, "payload": {"message": "NotFound"}}, InvalidResponseError, "HTTP 404"),
        ({"status": 409, "payload": {}}, InvalidResponseError, "HTTP 409"),
        ({"status": 201, "payload": []}, InvalidResponseError, "not a JSON dict"),
        ({"status": 401}, InvalidAuthError, "401"),
        ({"status": 500, "payload": ECHO}, CannotConnectError, "500"),
    ],
)  # fmt: skip
async def test_arr_save_errors(
    sonarr: ArrClient, http: aioresponses, answer: dict[str, Any], error: type[Exception], match: str
) -> None:
    """A failed test-on-save is a rejected webhook; other validation failures are unexpected answers."""
    http.post(f"{SONARR}/notification", **answer)
    http.put(f"{SONARR}/notification/7", **answer)
    for save in (sonarr.async_create_notification, sonarr.async_update_notification):
        with pytest.raises(error, match=match) as caught:
            await save({"id": 7, "name": "status_tracker", "implementation": "Webhook"})
        assert_no_key(caught.value)


async def test_arr_queue_pages(radarr: ArrClient, http: aioresponses) -> None:
    """Radarr's queue is read 200 at a time, with its movies, until page * pageSize covers totalRecords."""
    record = fixture("radarr_queue_record.json")
    first = [record | {"id": n} for n in range(200)]
    http.get(f"{RADARR_QUEUE}1", payload={"page": 1, "pageSize": 200, "totalRecords": 201, "records": first})
    http.get(f"{RADARR_QUEUE}2", payload={"page": 2, "pageSize": 200, "totalRecords": 201,
                                                      "records": [record, "garbage"]})  # fmt: skip
    queue = await radarr.async_get_queue()
    assert len(queue) == 201
    assert queue[-1]["movie"]["tmdbId"] == 693134
    params = [call.kwargs["params"] for call in sent(http, "GET", f"{RADARR}/queue")]
    assert params == [
        {"page": page, "pageSize": "200", "includeUnknownMovieItems": "false", "includeMovie": "true"}
        for page in ("1", "2")
    ]


async def test_arr_queue_stops(sonarr: ArrClient, http: aioresponses) -> None:
    """Sonarr asks for series and episodes; an empty page, a missing total or the page cap end the walk."""
    url = f"{SONARR}/queue?pageSize=200&includeUnknownSeriesItems=false&includeSeries=true&includeEpisode=true&page="
    record = fixture("sonarr_queue_record.json")
    http.get(f"{url}1", payload={"totalRecords": 1, "records": [record]})
    http.get(f"{url}1", payload={"totalRecords": 500, "records": []})
    http.get(f"{url}1", payload={"records": [record]})
    assert [q["episode"]["episodeNumber"] for q in await sonarr.async_get_queue()] == [1]
    assert await sonarr.async_get_queue() == []
    assert len(await sonarr.async_get_queue()) == 1
    assert sent(http, "GET", f"{SONARR}/queue")[0].kwargs["params"] == {
        "page": "1",
        "pageSize": "200",
        "includeUnknownSeriesItems": "false",
        "includeSeries": "true",
        "includeEpisode": "true",
    }
    # aioresponses matches a pattern against the URL with its query sorted.
    everything = re.compile(rf"^{re.escape(SONARR)}/queue\?.*page=\d+&pageSize=200$")
    http.get(everything, payload={"totalRecords": 10**6, "records": [record]}, repeat=True)
    assert len(await sonarr.async_get_queue()) == 50


async def test_arr_history_since(radarr: ArrClient, sonarr: ArrClient, http: aioresponses) -> None:
    """The date goes out as ISO-8601 UTC; the answer is a plain array with the includes asked for."""
    since = datetime(2025, 3, 11, 8, 30, 0, 250000, tzinfo=timezone(timedelta(hours=1)))
    date = "2025-03-11T07:30:00.250Z"
    http.get(f"{RADARR}/history/since?date={date}&includeMovie=true",
                         payload=fixture("radarr_history_since.json"))  # fmt: skip
    http.get(f"{SONARR}/history/since?date={date}&includeSeries=true&includeEpisode=true",
                         payload=fixture("sonarr_history_since.json"))  # fmt: skip
    movies = await radarr.async_get_history_since(since)
    assert [r["eventType"] for r in movies] == ["grabbed", "downloadFolderImported"]
    (failed,) = await sonarr.async_get_history_since(since.astimezone(UTC))
    assert failed["data"]["message"] == "Download failed: tracker unreachable"
    assert sent(http, "GET", f"{RADARR}/history/since")[0].kwargs["params"] == {
        "date": date,
        "includeMovie": "true",
    }
    with pytest.raises(ValueError, match="timezone"):
        await radarr.async_get_history_since(datetime(2025, 3, 11))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("call", "path", "answer", "error"),
    [
        (lambda c: c.async_get_status(), "system/status", {"status": 401}, InvalidAuthError),
        (lambda c: c.async_get_status(), "system/status", {"status": 403, "payload": ECHO}, InvalidAuthError),
        (lambda c: c.async_get_status(), "system/status", {"status": 404, "body": ""}, InvalidResponseError),
        (lambda c: c.async_get_status(), "system/status", {"body": "<html>Radarr</html>"}, InvalidResponseError),
        (lambda c: c.async_get_status(), "system/status", {"status": 302, "body": ""}, InvalidResponseError),
        (lambda c: c.async_get_status(), "system/status", {"exception": TimeoutError()}, CannotConnectError),
        (lambda c: c.async_get_status(), "system/status", {"exception": aiohttp.ClientOSError()}, CannotConnectError),
        (lambda c: c.async_get_notifications(), "notification", {"payload": {}}, InvalidResponseError),
        (lambda c: c.async_get_webhook_schema(), "notification/schema",
         {"payload": [{"implementation": "Discord"}, "x"]}, InvalidResponseError),
        (lambda c: c.async_get_queue(), "queue?page=1&pageSize=200&includeUnknownMovieItems=false&includeMovie=true",
         {"payload": {"totalRecords": 1, "records": None}}, InvalidResponseError),
        (lambda c: c.async_get_queue(), "queue?page=1&pageSize=200&includeUnknownMovieItems=false&includeMovie=true",
         {"status": 503, "payload": ECHO}, CannotConnectError),
        (lambda c: c.async_get_history_since(datetime(2025, 1, 1, tzinfo=UTC)),
         "history/since?date=2025-01-01T00:00:00.000Z&includeMovie=true", {"payload": {"records": []}},
         InvalidResponseError),
    ],
)  # fmt: skip
async def test_arr_errors(
    radarr: ArrClient,
    http: aioresponses,
    call: Callable[[ArrClient], Awaitable[Any]],
    path: str,
    answer: dict[str, Any],
    error: type[ServiceError],
) -> None:
    """Every failure maps to one of the clients' errors, and none names the key."""
    http.get(f"{RADARR}/{path}", **answer)
    with pytest.raises(error) as caught:
        await call(radarr)
    assert_no_key(caught.value)


# --- Jellyfin webhook plugin ---


async def test_jellyfin_webhook_plugin_round_trip(session: aiohttp.ClientSession, http: aioresponses) -> None:
    """Found in /Plugins by its id, read and written back whole, with the MediaBrowser token."""
    client = JellyfinClient(session, JF, KEY)
    configuration = fixture("jellyfin_webhook_configuration.json")
    http.get(f"{JF}/Plugins", payload=fixture("jellyfin_plugins.json"))
    http.get(JF_CONFIG, payload=configuration)
    http.post(JF_CONFIG, status=204)
    http.post(JF_CONFIG, status=200, body="")
    read = await client.async_get_webhook_plugin_configuration()
    assert read is not None
    assert read["GenericOptions"][0]["WebhookName"] == "Someone else's hook"
    await client.async_set_webhook_plugin_configuration(read)
    await client.async_set_webhook_plugin_configuration(read)
    (posted, _) = sent(http, "POST", JF_CONFIG)
    assert posted.kwargs["json"] == configuration
    assert posted.kwargs["headers"] == {"Authorization": f'MediaBrowser Token="{KEY}"'}
    assert sent(http, "GET", JF_CONFIG)[0].kwargs["headers"] == posted.kwargs["headers"]


@pytest.mark.parametrize(
    "plugins",
    [
        [],
        [{"Name": "Webhook", "Id": WEBHOOK_PLUGIN_ID, "Status": "Restart"}],
        [{"Name": "Webhook", "Id": "00000000000000000000000000000000", "Status": "Active"}, "garbage"],
    ],
)
async def test_jellyfin_webhook_plugin_absent(
    session: aiohttp.ClientSession, http: aioresponses, plugins: list[Any]
) -> None:
    """Not installed, or not active yet (a restart pending): None, and the configuration is not asked for."""
    http.get(f"{JF}/Plugins", payload=plugins)
    assert await JellyfinClient(session, JF, KEY).async_get_webhook_plugin_configuration() is None
    assert not sent(http, "GET", JF_CONFIG)


async def test_jellyfin_webhook_plugin_edges(session: aiohttp.ClientSession, http: aioresponses) -> None:
    """A dashed upper-case id matches; a 404 on the configuration is an absent plugin; garbage and refusals raise."""
    client = JellyfinClient(session, JF, KEY)
    dashed = [{"Name": "Webhook", "Id": "71552A5A-5C5C-4350-A2AE-EBE451A30173", "Status": "Active"}]
    http.get(f"{JF}/Plugins", payload=dashed, repeat=True)
    http.get(JF_CONFIG, status=404)
    http.get(JF_CONFIG, payload=["not", "a", "configuration"])
    assert await client.async_get_webhook_plugin_configuration() is None
    with pytest.raises(InvalidResponseError, match="configuration"):
        await client.async_get_webhook_plugin_configuration()
    http.post(JF_CONFIG, status=400, payload={"title": "One or more validation errors occurred."})
    with pytest.raises(InvalidResponseError, match="HTTP 400"):
        await client.async_set_webhook_plugin_configuration({})
    http.post(JF_CONFIG, status=401)
    with pytest.raises(InvalidAuthError):
        await client.async_set_webhook_plugin_configuration({})


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"payload": {"Items": []}}, InvalidResponseError),
        ({"status": 403, "body": f"token {KEY}"}, InvalidAuthError),
        ({"exception": TimeoutError()}, CannotConnectError),
    ],
)
async def test_jellyfin_plugins_errors(
    session: aiohttp.ClientSession, http: aioresponses, answer: dict[str, Any], error: type[ServiceError]
) -> None:
    """/Plugins failures map to the clients' errors and never name the key."""
    http.get(f"{JF}/Plugins", **answer)
    with pytest.raises(error) as caught:
        await JellyfinClient(session, JF, KEY, timeout=0.5).async_get_webhook_plugin_configuration()
    assert_no_key(caught.value)
