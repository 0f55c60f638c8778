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
) -> tuple[int, str]:
    """Send one request and return (status, body text); auth failures and 5xx raise."""
    try:
        async with session.request(
            method,
            url,
            headers=headers,
            params=params,
            data=data,
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
    if status >= 500:
        raise CannotConnectError(f"HTTP {status}")
    return status, body


def parse_json(body: str) -> Any:
    """Decode a JSON body, or raise InvalidResponseError."""
    try:
        return json.loads(body)
    except ValueError as err:
        raise InvalidResponseError("response is not JSON") from err
