"""One place that turns aiohttp outcomes into the clients' exceptions."""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any

import aiohttp

from . import CannotConnectError, InvalidAuthError, InvalidResponseError

AUTH_STATUSES = frozenset({401, 403})


async def request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    request_timeout: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    json: Any = None,
    server_errors: bool = False,
) -> tuple[int, str]:
    """Send one request and return (status, body text); auth failures and 5xx raise.

    `json` is sent as a JSON body. With `server_errors`, a 5xx is returned like any other status: for endpoints
    whose 500 carries a meaning of its own (Seerr's webhook test answers 500 when it could not reach the URL).
    """
    try:
        async with session.request(
            method,
            url,
            headers=headers,
            params=params,
            data=data,
            json=json,
            timeout=aiohttp.ClientTimeout(total=request_timeout),
            allow_redirects=False,
        ) as response:
            body = await response.text(errors="replace")
            status = response.status
    except TimeoutError as err:
        raise CannotConnectError(f"timed out after {request_timeout} s") from err
    except aiohttp.ClientError as err:
        # str(err) of a connection error names host and port, never a credential.
        raise CannotConnectError(type(err).__name__) from err
    if status in AUTH_STATUSES:
        raise InvalidAuthError(f"HTTP {status}")
    if status >= 500 and not server_errors:
        raise CannotConnectError(f"HTTP {status}")
    return status, body


async def api_request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    request_timeout: float,
    headers: Mapping[str, str],
    not_found: str,
    params: Mapping[str, str] | None = None,
    json: Any = None,
) -> tuple[int, str]:
    """`request` for a REST API at a base URL the user typed: a 404 means the base is wrong (`not_found` says so)."""
    status, body = await request(
        session, method, url, headers=headers, params=params, json=json, request_timeout=request_timeout
    )
    if status == 404:
        raise InvalidResponseError(not_found)
    return status, body


def parse_json(body: str) -> Any:
    """Decode a JSON body, or raise InvalidResponseError."""
    try:
        return json.loads(body)
    except ValueError as err:
        raise InvalidResponseError("response is not JSON") from err


def service_message(body: str, *, secrets: tuple[str, ...] = (), limit: int = 300) -> str:
    """The error text a service put in its answer ({"message"} or *arr's [{"errorMessage"}]), or "".

    The text is the service's own, so it may echo what we sent: the secrets given are blanked out, whatever it says.
    """
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        texts = [data.get("message")]
    elif isinstance(data, list):
        texts = [item.get("errorMessage") for item in data if isinstance(item, dict)]
    else:
        return ""
    text = "; ".join(str(t) for t in texts if isinstance(t, str) and t)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:limit]
