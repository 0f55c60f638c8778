"""A minimal ASP.NET Core SignalR client: JSON hub protocol over WebSockets, receive-only.

Enough to follow a server's broadcasts (Shoko's aggregate hub): negotiate, open the WebSocket, handshake, then read
records separated by U+001E, hand invocations (type 1) to a callback, answer the keep-alive (type 6) and stop on a
close message (type 7). Streaming, client-to-server invocations and the other transports are not implemented.
Protocol: https://github.com/dotnet/aspnetcore/blob/main/src/SignalR/docs/specs/HubProtocol.md

Credentials may travel in the query (`params`): URLs built here are never logged or put in an exception message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import contextlib
from enum import IntEnum
import json
import logging
from typing import Any

import aiohttp
from yarl import URL

from . import CannotConnectError, InvalidAuthError, InvalidResponseError
from .base import parse_json, request

_LOGGER = logging.getLogger(__name__)

RECORD_SEPARATOR = "\x1e"
HANDSHAKE = json.dumps({"protocol": "json", "version": 1}, separators=(",", ":")) + RECORD_SEPARATOR
PING = json.dumps({"type": 6}, separators=(",", ":")) + RECORD_SEPARATOR

# ASP.NET Core defaults: the server pings every 15 s and drops a client silent for 30 s; the client does the same.
KEEPALIVE_INTERVAL = 15.0
SERVER_TIMEOUT = 30.0

type EventCallback = Callable[[str, list[Any]], None]


class MessageType(IntEnum):
    """SignalR hub message types."""

    INVOCATION = 1
    STREAM_ITEM = 2
    COMPLETION = 3
    STREAM_INVOCATION = 4
    CANCEL_INVOCATION = 5
    PING = 6
    CLOSE = 7


class ConnectionClosedError(CannotConnectError):
    """The connection ended: the server closed it, sent a close message, or went silent."""

    def __init__(self, reason: str, *, allow_reconnect: bool = True) -> None:
        super().__init__(reason)
        self.allow_reconnect = allow_reconnect


def encode(message: Mapping[str, Any]) -> str:
    """One message as a JSON record."""
    return json.dumps(message, separators=(",", ":")) + RECORD_SEPARATOR


class RecordBuffer:
    """Splits a text stream into records; a record may span frames and a frame may hold several records."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> list[str]:
        """The records completed by `text` (the unfinished rest is kept)."""
        *records, self._pending = (self._pending + text).split(RECORD_SEPARATOR)
        return [record for record in records if record.strip()]


class SignalRConnection:
    """One connection to one hub; connect it, then run it until it ends (it ends with an exception, always)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        hub_url: str,
        on_event: EventCallback,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        request_timeout: float = 10,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        server_timeout: float = SERVER_TIMEOUT,
    ) -> None:
        self._session = session
        self._hub_url = URL(hub_url.rstrip("/"))
        self._on_event = on_event
        self._params = dict(params or {})
        self._headers = dict(headers or {})
        self._request_timeout = request_timeout
        self._keepalive_interval = keepalive_interval
        self._server_timeout = server_timeout
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._buffer = RecordBuffer()
        # Records that arrived in the same frame as the handshake reply.
        self._backlog: list[str] = []
        self.connection_id: str | None = None

    @property
    def connected(self) -> bool:
        """The handshake succeeded and the WebSocket is open."""
        return self._ws is not None and not self._ws.closed

    async def async_connect(self) -> None:
        """Negotiate, open the WebSocket and complete the handshake.

        Raises InvalidAuthError (401/403), CannotConnectError (unreachable, 5xx, timeout) or InvalidResponseError
        (no hub there, a redirect to another service, a refused handshake).
        """
        token = await self._async_negotiate()
        ws_url = self._hub_url.with_scheme("wss" if self._hub_url.scheme == "https" else "ws").with_query(
            {**self._params, "id": token}
        )
        try:
            async with asyncio.timeout(self._request_timeout):
                self._ws = await self._session.ws_connect(ws_url, headers=self._headers, autoping=True)
                await self._ws.send_str(HANDSHAKE)
                reply = await self._async_handshake_reply()
        except aiohttp.WSServerHandshakeError as err:
            await self.async_close()
            # The message of this error holds the URL (and so the key): keep the status, drop the chain.
            if err.status in (401, 403):
                raise InvalidAuthError(f"HTTP {err.status}") from None
            raise CannotConnectError(f"WebSocket refused (HTTP {err.status})") from None
        except TimeoutError as err:
            await self.async_close()
            raise CannotConnectError(f"handshake timed out after {self._request_timeout} s") from err
        except aiohttp.ClientError as err:
            await self.async_close()
            raise CannotConnectError(type(err).__name__) from None
        except BaseException:
            await self.async_close()
            raise
        error = reply.get("error")
        if error is not None:
            await self.async_close()
            raise InvalidResponseError(f"handshake refused: {error}")

    async def async_run(self) -> None:
        """Read messages until the connection ends; raises ConnectionClosedError (or CancelledError) then."""
        ws = self._ws
        if ws is None:
            raise ConnectionClosedError("not connected")
        pinger = asyncio.get_running_loop().create_task(self._async_ping(ws), name="signalr keep-alive")
        try:
            backlog, self._backlog = self._backlog, []
            for record in backlog:
                await self._async_handle(ws, record)
            while True:
                try:
                    message = await ws.receive(timeout=self._server_timeout)
                except TimeoutError as err:
                    raise ConnectionClosedError(f"no message from the server for {self._server_timeout:g} s") from err
                if message.type is aiohttp.WSMsgType.TEXT:
                    text: str = message.data
                elif message.type is aiohttp.WSMsgType.BINARY:
                    text = bytes(message.data).decode("utf-8", errors="replace")
                elif message.type is aiohttp.WSMsgType.ERROR:
                    raise ConnectionClosedError(f"WebSocket error: {type(message.data).__name__}")
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    raise ConnectionClosedError(f"closed by the server (code {ws.close_code})")
                else:  # pragma: no cover - aiohttp answers PING and swallows PONG itself (autoping)
                    continue
                for record in self._buffer.feed(text):
                    await self._async_handle(ws, record)
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger
            await self.async_close()

    async def async_close(self) -> None:
        """Close the WebSocket (safe to call at any time, any number of times)."""
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            with contextlib.suppress(Exception):
                await ws.close()

    async def _async_negotiate(self) -> str:
        status, body = await request(
            self._session,
            "POST",
            str(self._hub_url / "negotiate"),
            headers=self._headers,
            params={**self._params, "negotiateVersion": "1"},
            request_timeout=self._request_timeout,
        )
        if status == 404:
            raise InvalidResponseError("no SignalR hub at this address (HTTP 404)")
        if status != 200:
            raise InvalidResponseError(f"unexpected negotiate answer (HTTP {status})")
        answer = parse_json(body)
        if not isinstance(answer, dict):
            raise InvalidResponseError("negotiate answer is not a JSON object")
        if answer.get("error"):
            raise InvalidResponseError(f"negotiate refused: {answer['error']}")
        if "url" in answer:
            # Azure SignalR Service style redirect (url + accessToken): not something a Shoko server sends.
            raise InvalidResponseError("negotiate redirected to another service; redirects are not supported")
        transports = answer.get("availableTransports")
        if (
            isinstance(transports, list)
            and transports
            and not any(
                isinstance(transport, dict) and transport.get("transport") == "WebSockets" for transport in transports
            )
        ):
            raise InvalidResponseError("the server does not offer WebSockets")
        connection_id = answer.get("connectionId")
        self.connection_id = connection_id if isinstance(connection_id, str) else None
        # negotiateVersion 1 has a separate token; version 0 servers use the connection id.
        token = answer.get("connectionToken") or connection_id
        if not isinstance(token, str) or not token:
            raise InvalidResponseError("negotiate answer has no connection token")
        return token

    async def _async_handshake_reply(self) -> dict[str, Any]:
        assert self._ws is not None  # noqa: S101 - set just before, in async_connect
        while True:
            message = await self._ws.receive()
            if message.type is aiohttp.WSMsgType.TEXT:
                text: str = message.data
            elif message.type is aiohttp.WSMsgType.BINARY:
                text = bytes(message.data).decode("utf-8", errors="replace")
            else:
                raise CannotConnectError("the server closed the connection during the handshake")
            records = self._buffer.feed(text)
            if not records:
                continue
            first, *self._backlog = records
            try:
                reply = json.loads(first)
            except ValueError as err:
                raise InvalidResponseError("handshake answer is not JSON") from err
            if not isinstance(reply, dict):
                raise InvalidResponseError("handshake answer is not a JSON object")
            return reply

    async def _async_handle(self, ws: aiohttp.ClientWebSocketResponse, record: str) -> None:
        try:
            message = json.loads(record)
        except ValueError:
            _LOGGER.debug("Skipping a record that is not JSON (%d characters)", len(record))
            return
        if not isinstance(message, dict):
            _LOGGER.debug("Skipping a record that is not a JSON object")
            return
        kind = message.get("type")
        if kind == MessageType.INVOCATION:
            target = message.get("target")
            arguments = message.get("arguments", [])
            if not isinstance(target, str) or not isinstance(arguments, list):
                _LOGGER.debug("Skipping a malformed invocation")
                return
            invocation_id = message.get("invocationId")
            if isinstance(invocation_id, str):
                # The server waits for a result we do not produce; tell it so instead of leaving it hanging.
                with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
                    await ws.send_str(
                        encode(
                            {"type": MessageType.COMPLETION, "invocationId": invocation_id, "error": "not supported"}
                        )
                    )
            try:
                self._on_event(target, arguments)
            except Exception:
                _LOGGER.exception("Error handling SignalR event %s", target)
        elif kind == MessageType.CLOSE:
            error = message.get("error")
            allow = message.get("allowReconnect") is not False
            reason = f"the server closed the connection: {error}" if error else "the server closed the connection"
            raise ConnectionClosedError(reason, allow_reconnect=allow)
        elif kind != MessageType.PING:
            _LOGGER.debug("Ignoring SignalR message of type %r", kind)

    async def _async_ping(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Keep the server from dropping us as idle."""
        while not ws.closed:
            await asyncio.sleep(self._keepalive_interval)
            try:
                await ws.send_str(PING)
            except (aiohttp.ClientError, ConnectionError, RuntimeError):  # pragma: no cover - a race with the reader
                # The reader sees the closed connection and ends the run; the pinger just stops.
                return
