"""Shoko's live event feed: the aggregate SignalR hub, kept connected, its file events typed.

v5 (stable) broadcasts `ShokoEvent:FileMatched` and friends on `feeds=shoko`; v6-dev broadcasts `file:*` and
`release:*` on `feeds=file,release` and has no FileMatched (`release:saved` means the same). Both vocabularies are
subscribed at once; each server ignores the feed names it does not know. Contracts §5.2 and §5.3, edge case E16.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
import logging
from typing import Any

import aiohttp

from ..core.coerce import as_int
from ..core.paths import normalize_path
from . import ServiceError
from .signalr import KEEPALIVE_INTERVAL, SERVER_TIMEOUT, SignalRConnection

_LOGGER = logging.getLogger(__name__)

HUB_PATH = "/signalr/aggregate"
DEFAULT_FEEDS = ("shoko", "file", "release")
INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 300.0
# How many file id -> path pairs to remember (v6 `release:saved` names only the file id).
_PATH_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class ShokoMatch:
    """Shoko matched a file (v5 FileMatched, v6 release:saved).

    `relative_path` is relative to the import folder with `/` separators; it is "" when a v6 release:saved came
    for a file the feed has not seen before (look it up with ShokoClient.async_get_file(file_id)).
    """

    relative_path: str
    import_folder_id: int | None
    file_id: int | None
    cross_references: int


class ShokoFileEventKind(StrEnum):
    """What happened to a file."""

    MATCHED = "matched"
    NOT_MATCHED = "not_matched"
    RELOCATED = "relocated"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class ShokoFileEvent:
    """Any file event the tracker follows, in one shape for both server versions."""

    kind: ShokoFileEventKind
    relative_path: str
    import_folder_id: int | None
    file_id: int | None
    cross_references: int
    previous_relative_path: str | None = None
    reason: str | None = None
    target: str = ""


type MatchCallback = Callable[[ShokoMatch], None]
type FileEventCallback = Callable[[ShokoFileEvent], None]
type ConnectionCallback = Callable[[bool, str | None], None]
type RawEventCallback = Callable[[str, list[Any]], None]

_KINDS = {
    "ShokoEvent:FileMatched": ShokoFileEventKind.MATCHED,
    "release:saved": ShokoFileEventKind.MATCHED,
    "ShokoEvent:FileNotMatched": ShokoFileEventKind.NOT_MATCHED,
    "ShokoEvent:FileRenamed": ShokoFileEventKind.RELOCATED,
    "ShokoEvent:FileMoved": ShokoFileEventKind.RELOCATED,
    "file:relocated": ShokoFileEventKind.RELOCATED,
    "ShokoEvent:FileDeleted": ShokoFileEventKind.DELETED,
    "file:deleted": ShokoFileEventKind.DELETED,
}
# Events that only teach the feed where a file is.
_PATH_ONLY = frozenset({"ShokoEvent:FileDetected", "ShokoEvent:FileHashed", "file:detected", "file:hashed"})


class ShokoFeed:
    """Follows one Shoko server's events forever: connect, dispatch, reconnect with backoff.

    Start it with `start()` (or run `async_run()` in a task of your own) and end it with `async_stop()`.
    Callbacks run in the event loop and must not block; an exception in one is logged and the feed goes on.
    `on_connection(connected, error)` is called once per change (the first outcome counts as a change).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        api_key: str,
        *,
        on_match: MatchCallback,
        on_file_event: FileEventCallback | None = None,
        on_connection: ConnectionCallback | None = None,
        on_event: RawEventCallback | None = None,
        feeds: Sequence[str] = DEFAULT_FEEDS,
        request_timeout: float = 10,
        initial_backoff: float = INITIAL_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        server_timeout: float = SERVER_TIMEOUT,
    ) -> None:
        self._session = session
        self._hub_url = url.rstrip("/") + HUB_PATH
        self._api_key = api_key
        self._on_match = on_match
        self._on_file_event = on_file_event
        self._on_connection = on_connection
        self._on_event = on_event
        self._feeds = ",".join(feeds)
        self._request_timeout = request_timeout
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._keepalive_interval = keepalive_interval
        self._server_timeout = server_timeout
        self._connected: bool | None = None
        self._last_error: Exception | None = None
        self._task: asyncio.Task[None] | None = None
        self._paths: OrderedDict[int, tuple[str, int | None]] = OrderedDict()

    @property
    def connected(self) -> bool:
        """The feed is connected right now."""
        return bool(self._connected)

    @property
    def last_error(self) -> Exception | None:
        """Why the last connection attempt failed or ended (InvalidAuthError means the key was refused)."""
        return self._last_error

    def start(self) -> None:
        """Run the feed in a task of its own (no-op if it runs already)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.async_run(), name="status_tracker shoko feed")

    async def async_stop(self) -> None:
        """Stop the feed and close its connection; no callback fires for the stop itself."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    async def async_run(self) -> None:
        """Connect, follow events, reconnect with backoff; returns only when cancelled."""
        delay = self._initial_backoff
        while True:
            connection = SignalRConnection(
                self._session,
                self._hub_url,
                self._dispatch,
                params={"feeds": self._feeds, "apikey": self._api_key},
                headers={"apikey": self._api_key},
                request_timeout=self._request_timeout,
                keepalive_interval=self._keepalive_interval,
                server_timeout=self._server_timeout,
            )
            try:
                await connection.async_connect()
                delay = self._initial_backoff
                self._set_state(connected=True, error=None)
                await connection.async_run()
            except asyncio.CancelledError:
                # Stopped: no callback; a later start reports its first outcome afresh.
                self._connected = None
                await connection.async_close()
                raise
            except Exception as err:
                if not isinstance(err, ServiceError):
                    # A bug rather than an outage: the traceback once, then at debug level on every retry.
                    level = logging.DEBUG if self._connected is False else logging.WARNING
                    _LOGGER.log(level, "Shoko feed: unexpected error", exc_info=True)
                self._set_state(connected=False, error=_describe(err), exception=err)
            await connection.async_close()
            _LOGGER.debug("Shoko feed: reconnecting in %g s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_backoff)

    def _set_state(self, *, connected: bool, error: str | None, exception: Exception | None = None) -> None:
        self._last_error = exception
        if connected == self._connected:
            _LOGGER.debug("Shoko feed still disconnected: %s", error)
            return
        self._connected = connected
        if self._on_connection is None:
            return
        _guarded(self._on_connection, connected, error)

    def _dispatch(self, target: str, arguments: list[Any]) -> None:
        """One invocation from the hub."""
        if self._on_event is not None:
            _guarded(self._on_event, target, arguments)
        payload = arguments[0] if arguments else None
        if not isinstance(payload, dict):
            return
        if target in _PATH_ONLY:
            self._remember(payload)
            return
        kind = _KINDS.get(target)
        if kind is None:
            return
        event = self._file_event(kind, target, payload)
        if kind is ShokoFileEventKind.DELETED and event.file_id is not None:
            self._paths.pop(event.file_id, None)
        if kind is ShokoFileEventKind.MATCHED:
            match = ShokoMatch(
                relative_path=event.relative_path,
                import_folder_id=event.import_folder_id,
                file_id=event.file_id,
                cross_references=event.cross_references,
            )
            _guarded(self._on_match, match)
        if self._on_file_event is not None:
            _guarded(self._on_file_event, event)

    def _file_event(self, kind: ShokoFileEventKind, target: str, payload: dict[str, Any]) -> ShokoFileEvent:
        file_id = as_int(payload.get("FileID"))
        if target == "release:saved":
            release = payload.get("Release")
            references = release.get("CrossReferences") if isinstance(release, dict) else None
            relative_path, folder_id = self._paths.get(file_id, ("", None)) if file_id is not None else ("", None)
        else:
            self._remember(payload)
            references = payload.get("CrossReferences")
            relative_path = _path(payload.get("RelativePath"))
            folder_id = as_int(payload.get("ImportFolderID", payload.get("ManagedFolderID")))
        previous = payload.get("PreviousRelativePath", payload.get("PreviousFileName"))
        return ShokoFileEvent(
            kind=kind,
            relative_path=relative_path,
            import_folder_id=folder_id,
            file_id=file_id,
            cross_references=len(references) if isinstance(references, list) else 0,
            previous_relative_path=_path(previous) if isinstance(previous, str) else None,
            reason=_not_matched_reason(payload) if kind is ShokoFileEventKind.NOT_MATCHED else None,
            target=target,
        )

    def _remember(self, payload: dict[str, Any]) -> None:
        file_id = as_int(payload.get("FileID"))
        relative_path = _path(payload.get("RelativePath"))
        if file_id is None or not relative_path:
            return
        self._paths[file_id] = (relative_path, as_int(payload.get("ImportFolderID", payload.get("ManagedFolderID"))))
        self._paths.move_to_end(file_id)
        while len(self._paths) > _PATH_CACHE_SIZE:
            self._paths.popitem(last=False)


def _guarded[*Ts](callback: Callable[[*Ts], None], *args: *Ts) -> None:
    """Call back; what the callback raises is logged, never passed to the feed."""
    try:
        callback(*args)
    except Exception:
        _LOGGER.exception("Error in a Shoko feed callback (%s)", getattr(callback, "__name__", callback))


def _not_matched_reason(payload: dict[str, Any]) -> str:
    if payload.get("IsUDPBanned") is True:
        return "AniDB UDP ban"
    if payload.get("HasCrossReferences") is True:
        return "cross references unchanged"
    attempts = as_int(payload.get("AutoMatchAttempts"))
    if attempts:
        return f"no AniDB match after {attempts} attempts"
    return "no AniDB match"


def _describe(err: Exception) -> str:
    """A loggable reason; the clients' messages never hold credentials, anything else is named by its type."""
    if isinstance(err, ServiceError) and str(err):
        return str(err)
    return type(err).__name__


def _path(value: Any) -> str:
    return normalize_path(value) if isinstance(value, str) else ""
