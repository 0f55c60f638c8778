"""What every client shares: one request path, one place that turns aiohttp outcomes into the clients' exceptions.

`RestClient` holds a service's session, base URL, our headers and the timeout, and sends every request through
`request`; `expect_json` is the one check of an answer's status and JSON shape. Loose values inside an answer are
read with core/coerce.py, the coercers the parsers and catch-up use too.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
import json
from typing import Any

import aiohttp

from . import CannotConnectError, InvalidAuthError, InvalidResponseError

AUTH_STATUSES = frozenset({401, 403})
SUCCESS = range(200, 300)


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


def expect_json[T: (dict[str, Any], list[Any])](
    status: int, body: str, kind: type[T], error: str, *, ok: Container[int] = SUCCESS
) -> T:
    """The decoded body of an `ok` answer, which must be a JSON `kind`; else InvalidResponseError(`error`)."""
    if status not in ok:
        raise InvalidResponseError(f"{error}: HTTP {status}")
    data = parse_json(body)
    if not isinstance(data, kind):
        raise InvalidResponseError(f"{error}: not a JSON {kind.__name__}")
    return data


class RestClient:
    """One service's REST API at a base URL, with our headers and a timeout: every request goes through `request`."""

    def __init__(
        self, session: aiohttp.ClientSession, base: str, headers: Mapping[str, str] | None, timeout: float
    ) -> None:
        """`base` without its trailing slash; paths given to the methods start with one."""
        self._session = session
        self._base = base
        self._headers = headers
        self._timeout = timeout

    async def _async_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        server_errors: bool = False,
        not_found: str | None = None,
    ) -> tuple[int, str]:
        """`request` to base + `path`. With `not_found`, a 404 means the base URL the user typed is wrong."""
        status, body = await request(
            self._session,
            method,
            self._base + path,
            headers=self._headers,
            params=params,
            data=data,
            json=json,
            request_timeout=self._timeout,
            server_errors=server_errors,
        )
        if status == 404 and not_found is not None:
            raise InvalidResponseError(not_found)
        return status, body
