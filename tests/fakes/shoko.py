"""A local stand-in for Shoko Server: the SignalR aggregate hub (JSON protocol) and REST v3 PathEndsWith.

It speaks the wire protocol a real ASP.NET Core SignalR server speaks, so the client under test is exercised end to
end: `POST /signalr/aggregate/negotiate?negotiateVersion=1`, a WebSocket at `/signalr/aggregate?id=<token>`, the
handshake, records separated by U+001E, invocations (type 1), pings (type 6) and close messages (type 7). Like Shoko v5
it greets each connection with `ShokoEvent:OnConnected` (argument null) and only broadcasts the feeds a connection
asked for (`?feeds=shoko` gets `ShokoEvent:*`; `file` and `release` get the v6 `file:*` and `release:*` targets).

Usage (sockets must be enabled, see the `socket_enabled` fixture of pytest-socket):

    server = ShokoTestServer(api_key="key")
    await server.start()
    ... server.url ...
    await server.send("ShokoEvent:FileMatched", {...})
    await server.close()
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

RS = "\x1e"
HUB = "/signalr/aggregate"


def record(message: dict[str, Any]) -> str:
    """One SignalR JSON record."""
    return json.dumps(message) + RS


@dataclass
class HubConnection:
    """One client connected to the hub (after a successful handshake)."""

    ws: web.WebSocketResponse
    request: web.Request
    feeds: frozenset[str]
    received: list[dict[str, Any]] = field(default_factory=list)

    def subscribed(self, target: str) -> bool:
        """Whether this connection's feeds include the group of `target`, as Shoko decides it."""
        if target.startswith("ShokoEvent:"):
            return "shoko" in self.feeds
        group = target.split(":", 1)[0].lower()
        return group in self.feeds


@dataclass
class SeenRequest:
    """What a client sent, for assertions (credentials included: this is a test server)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class ShokoTestServer:
    """Shoko on 127.0.0.1, for tests."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        import_folders: dict[int, str] | None = None,
        ping_interval: float | None = 0.05,
    ) -> None:
        self.api_key = api_key
        self.import_folders = import_folders if import_folders is not None else {1: "/mnt/anime", 2: "/mnt/anime"}
        self.ping_interval = ping_interval
        # REST: the files PathEndsWith searches (v5 JSON shape), or a forced answer.
        self.files: list[dict[str, Any]] = []
        self.rest_status: int | None = None
        self.rest_body: str | None = None
        # Hub behaviour knobs.
        self.negotiate_body: dict[str, Any] | None = None
        self.handshake_error: str | None = None
        self.coalesce_greeting = False
        self.send_on_connected = True
        self.negotiate_version_0 = False
        self.negotiate_status: int | None = None
        # Frames to answer the handshake with instead of "{}\x1e" ([] closes without an answer).
        self.handshake_frames: list[str | bytes] | None = None
        # Never answer the handshake (the client must give up on its own).
        self.handshake_silent = False
        # Cut the TCP connection when the WebSocket upgrade comes in.
        self.abort_websocket = False
        # Observations.
        self.requests: list[SeenRequest] = []
        self.connections: list[HubConnection] = []
        self.handshakes = 0
        self._tokens: set[str] = set()
        self._counter = itertools.count(1)
        self._connected = asyncio.Condition()
        app = web.Application()
        app.router.add_post(f"{HUB}/negotiate", self._negotiate)
        app.router.add_get(HUB, self._hub)
        app.router.add_get("/api/v3/File/PathEndsWith", self._path_ends_with)
        app.router.add_get("/api/v3/File/{file_id:\\d+}", self._get_file)
        self._server = TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        """Base URL, as a user would enter it."""
        return str(self._server.make_url("")).rstrip("/")

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        # No access log: it would print the api key of the query string into every failing test's output.
        await self._server.start_server(access_log=None)

    async def close(self) -> None:
        """Close every connection and stop listening."""
        await self.drop()
        await self._server.close()

    # Hub test API -------------------------------------------------------------------------------------------------

    async def send(self, target: str, *arguments: Any) -> int:
        """Broadcast an invocation to the connections subscribed to its feed; returns how many got it."""
        sent = 0
        for connection in list(self.connections):
            if connection.subscribed(target) and not connection.ws.closed:
                await connection.ws.send_str(record({"type": 1, "target": target, "arguments": list(arguments)}))
                sent += 1
        return sent

    async def send_raw(self, text: str) -> None:
        """Send a text frame as is to every connection (garbage, partial records, several records)."""
        for connection in list(self.connections):
            if not connection.ws.closed:
                await connection.ws.send_str(text)

    async def send_close(self, error: str | None = None, *, allow_reconnect: bool | None = None) -> None:
        """Send a SignalR close message (type 7), then close the WebSockets."""
        message: dict[str, Any] = {"type": 7}
        if error is not None:
            message["error"] = error
        if allow_reconnect is not None:
            message["allowReconnect"] = allow_reconnect
        await self.send_raw(record(message))
        await self.drop()

    async def drop(self, *, abrupt: bool = False) -> None:
        """End every connection: a WebSocket close, or (abrupt) the TCP connection cut without one."""
        connections, self.connections = self.connections, []
        for connection in connections:
            if abrupt and connection.request.transport is not None:
                connection.request.transport.abort()
            else:
                with contextlib.suppress(Exception):
                    await connection.ws.close(code=1001, message=b"server going away")

    async def wait_handshakes(self, count: int, within: float = 2) -> None:
        """Wait until `count` handshakes in all have succeeded."""
        async with asyncio.timeout(within), self._connected:
            await self._connected.wait_for(lambda: self.handshakes >= count)

    def pings_received(self) -> int:
        """Type 6 messages received from clients, over all connections."""
        return sum(1 for c in self.connections for m in c.received if m.get("type") == 6)

    # Handlers -----------------------------------------------------------------------------------------------------

    def _seen(self, request: web.Request) -> None:
        self.requests.append(SeenRequest(request.method, request.path, dict(request.query), dict(request.headers)))

    def _authorized(self, request: web.Request) -> bool:
        if self.api_key is None:
            return True
        return self.api_key in (request.headers.get("apikey"), request.query.get("apikey"))

    async def _negotiate(self, request: web.Request) -> web.Response:
        self._seen(request)
        if not self._authorized(request):
            return web.Response(status=401)
        if self.negotiate_status is not None:
            return web.Response(status=self.negotiate_status)
        if self.negotiate_body is not None:
            return web.json_response(self.negotiate_body)
        number = next(self._counter)
        token = f"token-{number:04d}"
        version = 1 if request.query.get("negotiateVersion") == "1" and not self.negotiate_version_0 else 0
        body: dict[str, Any] = {
            "negotiateVersion": version,
            "connectionId": f"connection-{number:04d}",
            "availableTransports": [
                {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]},
                {"transport": "ServerSentEvents", "transferFormats": ["Text"]},
                {"transport": "LongPolling", "transferFormats": ["Text", "Binary"]},
            ],
        }
        if version == 1:
            body["connectionToken"] = token
            self._tokens.add(token)
        else:
            # Version 0 servers identify the WebSocket by the connection id.
            self._tokens.add(body["connectionId"])
        return web.json_response(body)

    async def _hub(self, request: web.Request) -> web.StreamResponse:
        self._seen(request)
        if not self._authorized(request):
            return web.Response(status=401)
        if request.query.get("id") not in self._tokens:
            return web.Response(status=404, text="No Connection with that ID")
        if self.abort_websocket and request.transport is not None:
            # aiohttp retries a GET once on a dropped keep-alive connection: the token stays valid for that.
            request.transport.abort()
            return web.Response(status=500)
        self._tokens.discard(request.query["id"])
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        feeds = frozenset(f.strip().lower() for value in request.query.getall("feeds", []) for f in value.split(","))
        connection = HubConnection(ws, request, feeds)
        pinger: asyncio.Task[None] | None = None
        try:
            if not await self._handshake(connection):
                return ws
            self.connections.append(connection)
            async with self._connected:
                self.handshakes += 1
                self._connected.notify_all()
            if self.ping_interval is not None:
                pinger = asyncio.get_running_loop().create_task(self._ping(ws, self.ping_interval))
            await self._read(connection)
        finally:
            if pinger is not None:
                pinger.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pinger
            if connection in self.connections:
                self.connections.remove(connection)
            await ws.close()
        return ws

    async def _handshake(self, connection: HubConnection) -> bool:
        ws = connection.ws
        message = await ws.receive(timeout=5)
        if message.type is not WSMsgType.TEXT or not message.data.endswith(RS):
            await ws.close()
            return False
        request = json.loads(message.data.split(RS)[0])
        if self.handshake_error is not None or request != {"protocol": "json", "version": 1}:
            error = self.handshake_error or "Requested protocol is not available."
            await ws.send_str(record({"error": error}))
            await ws.close()
            return False
        if self.handshake_silent:
            async for _ in ws:
                pass
            return False
        if self.handshake_frames is not None:
            for frame in self.handshake_frames:
                await (ws.send_bytes(frame) if isinstance(frame, bytes) else ws.send_str(frame))
            if not self.handshake_frames:
                await ws.close()
                return False
            return True
        greeting = record({"type": 1, "target": "ShokoEvent:OnConnected", "arguments": [None]})
        wants_greeting = self.send_on_connected and "shoko" in connection.feeds
        if self.coalesce_greeting and wants_greeting:
            # ASP.NET may flush the handshake answer and the first message in one frame.
            await ws.send_str("{}" + RS + greeting)
        else:
            await ws.send_str("{}" + RS)
            if wants_greeting:
                await ws.send_str(greeting)
        return True

    async def _read(self, connection: HubConnection) -> None:
        pending = ""
        async for message in connection.ws:
            if message.type is not WSMsgType.TEXT:
                continue
            *records, pending = (pending + message.data).split(RS)
            for text in records:
                decoded = json.loads(text)
                connection.received.append(decoded)
                if decoded.get("type") == 7:
                    return

    @staticmethod
    async def _ping(ws: web.WebSocketResponse, interval: float) -> None:
        while not ws.closed:
            await asyncio.sleep(interval)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(record({"type": 6}))

    # REST ---------------------------------------------------------------------------------------------------------

    def _rest_override(self, request: web.Request) -> web.Response | None:
        self._seen(request)
        if self.api_key is not None and request.headers.get("apikey") != self.api_key:
            return web.Response(status=401)
        if self.rest_status is not None or self.rest_body is not None:
            return web.Response(
                status=self.rest_status or 200, text=self.rest_body or "", content_type="application/json"
            )
        return None

    def _shape(self, request: web.Request, file: dict[str, Any]) -> dict[str, Any]:
        """Shoko leaves SeriesIDs out unless cross references were asked for (v5 or v6 spelling)."""
        with_xrefs = request.query.get("includeXRefs", "").lower() == "true" or "XRefs" in request.query.getall(
            "include", []
        )
        return file if with_xrefs else {key: value for key, value in file.items() if key != "SeriesIDs"}

    async def _path_ends_with(self, request: web.Request) -> web.Response:
        if (override := self._rest_override(request)) is not None:
            return override
        tail = request.query.get("path", "").replace("\\", "/").casefold()
        limit = int(request.query.get("limit", "0") or 0)
        found = []
        for file in self.files:
            for location in file.get("Locations") or []:
                root = self.import_folders.get(location.get("ImportFolderID"), "/")
                full = f"{root.rstrip('/')}/{location['RelativePath'].replace('\\', '/')}".casefold()
                if full.endswith(tail):
                    found.append(self._shape(request, file))
                    break
        if limit > 0:
            found = found[:limit]
        return web.json_response(found)

    async def _get_file(self, request: web.Request) -> web.Response:
        if (override := self._rest_override(request)) is not None:
            return override
        file_id = int(request.match_info["file_id"])
        for file in self.files:
            if file.get("ID") == file_id:
                return web.json_response(self._shape(request, file))
        return web.Response(status=404)
