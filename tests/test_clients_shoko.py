"""Shoko REST client and the SignalR feed, end to end against a local Shoko stand-in speaking the real protocol."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from custom_components.status_tracker.clients import CannotConnectError, InvalidAuthError, InvalidResponseError
from custom_components.status_tracker.clients.shoko import ShokoClient, ShokoFile
from custom_components.status_tracker.clients.shoko_feed import (
    ShokoFeed,
    ShokoFileEvent,
    ShokoFileEventKind,
    ShokoMatch,
)
from custom_components.status_tracker.clients.signalr import (
    ConnectionClosedError,
    RecordBuffer,
    SignalRConnection,
)
from custom_components.status_tracker.core.paths import path_tail, tail_matches
from tests.fakes.shoko import RS, ShokoTestServer
from tests.helpers import wait_until

API_KEY = "shoko-test-key-0123456789"
FIXTURES = Path(__file__).parent / "fixtures" / "shoko"
FRIEREN_PATH = (
    "Frieren - Beyond Journey's End/Season 01/"
    "Frieren - Beyond Journey's End - S01E01 - The Journey's End [WEBDL-1080p].mkv"
)
FEED_LOGGER = "custom_components.status_tracker.clients.shoko_feed"


def load(name: str) -> Any:
    """A fixture from tests/fixtures/shoko."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
async def server(socket_enabled: None) -> AsyncGenerator[ShokoTestServer]:
    """A Shoko stand-in on 127.0.0.1 that requires API_KEY."""
    shoko = ShokoTestServer(api_key=API_KEY)
    await shoko.start()
    yield shoko
    await shoko.close()


@pytest.fixture
def session(session: aiohttp.ClientSession, socket_enabled: None) -> aiohttp.ClientSession:
    """The shared session, allowed to reach the stand-in on 127.0.0.1."""
    return session


class Recorder:
    """Collects what the feed reports."""

    def __init__(self) -> None:
        self.matches: list[ShokoMatch] = []
        self.file_events: list[ShokoFileEvent] = []
        self.states: list[tuple[bool, str | None]] = []
        self.raw: list[tuple[str, list[Any]]] = []

    def on_match(self, match: ShokoMatch) -> None:
        self.matches.append(match)

    def on_file_event(self, event: ShokoFileEvent) -> None:
        self.file_events.append(event)

    def on_connection(self, connected: bool, error: str | None) -> None:
        self.states.append((connected, error))

    def on_event(self, target: str, arguments: list[Any]) -> None:
        self.raw.append((target, arguments))


@pytest.fixture
async def recorder() -> Recorder:
    """A fresh recorder."""
    return Recorder()


@pytest.fixture
def make_feed(session: aiohttp.ClientSession, server: ShokoTestServer, recorder: Recorder) -> Callable[..., ShokoFeed]:
    """Build a feed with fast timings, pointed at the local server."""

    def factory(**kwargs: Any) -> ShokoFeed:
        options: dict[str, Any] = {
            "on_match": recorder.on_match,
            "on_file_event": recorder.on_file_event,
            "on_connection": recorder.on_connection,
            "on_event": recorder.on_event,
            "initial_backoff": 0.01,
            "max_backoff": 0.04,
            "keepalive_interval": 0.05,
            "server_timeout": 1.0,
            "request_timeout": 1.0,
        }
        options.update(kwargs)
        url = options.pop("url", server.url)
        api_key = options.pop("api_key", API_KEY)
        return ShokoFeed(session, url, api_key, **options)

    return factory


@pytest.fixture
async def feed(make_feed: Callable[..., ShokoFeed]) -> AsyncGenerator[ShokoFeed]:
    """A started feed, stopped at the end of the test."""
    shoko_feed = make_feed()
    shoko_feed.start()
    yield shoko_feed
    await shoko_feed.async_stop()


# REST --------------------------------------------------------------------------------------------------------------


def test_path_helpers() -> None:
    """Tails are compared component-wise, case-insensitively, whatever the separators."""
    assert path_tail(r"D:\media\Show\Season 01\E01.mkv") == "Season 01/E01.mkv"
    assert path_tail("E01.mkv") == "E01.mkv"
    assert path_tail("/data/Show/E01.mkv", 1) == "E01.mkv"
    assert tail_matches("Show\\Season 01\\E01.MKV", "season 01/e01.mkv")
    assert not tail_matches("Show/Extra Season 01/E01.mkv", "Season 01/E01.mkv")
    assert not tail_matches("E01.mkv", "Season 01/E01.mkv")
    assert not tail_matches("Show/E01.mkv", "")
    assert not tail_matches("", "E01.mkv")
    # RelativePath of a file at the root of an import folder: the folder is the rest of the tail.
    assert tail_matches("E01.mkv", "Anime/E01.mkv", relative=True)
    assert not tail_matches("E02.mkv", "Anime/E01.mkv", relative=True)


async def test_find_file_by_tail_across_mount_roots(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """Sonarr's Windows path under another root finds Shoko's file, with its cross references (E15, E17)."""
    server.files = load("path_ends_with_frieren_s01e01.json")
    client = ShokoClient(session, server.url, API_KEY)
    sonarr_path = (
        r"D:\Data\Media\Anime\Frieren - Beyond Journey's End\SEASON 01"
        r"\frieren - beyond journey's end - s01e01 - the journey's end [webdl-1080p].MKV"
    )

    found = await client.async_find_file(sonarr_path)

    assert found == ShokoFile(
        file_id=1234,
        relative_path=FRIEREN_PATH,
        import_folder_id=2,
        cross_references=1,
        anidb_anime_ids=(17617,),
        tmdb_show_ids=(209867,),
        tmdb_movie_ids=(),
    )
    assert found.matched
    [seen] = server.requests
    assert seen.path == "/api/v3/File/PathEndsWith"
    assert seen.headers["apikey"] == API_KEY
    assert seen.query["path"] == (
        "SEASON 01/frieren - beyond journey's end - s01e01 - the journey's end [webdl-1080p].MKV"
    )
    assert seen.query["includeXRefs"] == "true"
    assert seen.query["include"] == "XRefs"
    assert int(seen.query["limit"]) >= 1


async def test_find_file_falls_back_to_the_file_name(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """Another folder name (Shoko renamed it): the file name alone finds the file when it names only one."""
    server.files = load("path_ends_with_frieren_s01e01.json")
    client = ShokoClient(session, server.url, API_KEY)
    file_name = FRIEREN_PATH.rsplit("/", 1)[1]

    found = await client.async_find_file(f"/data/media/anime/Sousou no Frieren/Season 1/{file_name}")

    assert found is not None
    assert found.file_id == 1234
    assert [r.query["path"] for r in server.requests] == [f"Season 1/{file_name}", file_name]


async def test_find_file_name_fallback_refuses_ambiguity(
    session: aiohttp.ClientSession, server: ShokoTestServer
) -> None:
    """Two files share the name but not the folder: no guess."""
    first = load("path_ends_with_frieren_s01e01.json")[0]
    second = json.loads(json.dumps(first))
    second["ID"] = 999
    second["Locations"][0]["RelativePath"] = "Other Show/S01E01.mkv"
    first["Locations"][0]["RelativePath"] = "Show/S01E01.mkv"
    server.files = [first, second]
    client = ShokoClient(session, server.url, API_KEY)

    assert await client.async_find_file("/data/Third Show/S01E01.mkv") is None
    assert (await client.async_find_file("/data/other show/s01e01.mkv")) == ShokoFile(
        999, "Other Show/S01E01.mkv", 2, 1, (17617,), (209867,), ()
    )


async def test_find_file_at_the_import_folder_root(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """A file directly in the import folder: its one-component RelativePath matches the two-component tail."""
    file = load("path_ends_with_frieren_s01e01.json")[0]
    file["Locations"][0]["RelativePath"] = "Frieren - S01E01.mkv"
    server.import_folders = {2: "/mnt/anime"}
    server.files = [file]
    client = ShokoClient(session, server.url, API_KEY)

    found = await client.async_find_file("/data/media/anime/Frieren - S01E01.mkv")

    assert found is not None
    assert found.relative_path == "Frieren - S01E01.mkv"
    assert len(server.requests) == 1


async def test_find_file_prefers_a_matched_file(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """Two releases with the same tail: the one Shoko linked to an episode wins."""
    matched = load("path_ends_with_frieren_s01e01.json")[0]
    unmatched = {**json.loads(json.dumps(matched)), "ID": 77, "SeriesIDs": []}
    unmatched["Locations"][0]["ImportFolderID"] = 1
    server.files = [unmatched, matched]
    client = ShokoClient(session, server.url, API_KEY)

    found = await client.async_find_file(f"/anything/{FRIEREN_PATH}")

    assert found is not None
    assert found.file_id == 1234


async def test_find_file_no_match(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """Nothing under that tail: None (after the file name fallback), and an empty path asks nothing."""
    server.files = load("path_ends_with_frieren_s01e01.json")
    client = ShokoClient(session, server.url, API_KEY)

    assert await client.async_find_file("/data/Other/Season 01/Other - S01E01.mkv") is None
    assert len(server.requests) == 2
    server.requests.clear()
    assert await client.async_find_file("") is None
    assert await client.async_find_file("\\/") is None
    assert server.requests == []


async def test_find_file_checks_the_tail_itself(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """An answer whose locations do not end with the tail (server-side EndsWith is looser) is not a match."""
    server.rest_body = json.dumps(
        [{"ID": 5, "Locations": [{"ImportFolderID": 1, "RelativePath": "Show/Extra Season 01/Unrelated.mkv"}]}]
    )
    client = ShokoClient(session, server.url, API_KEY)

    assert await client.async_find_file("/data/Show/Season 01/E01.mkv") is None


async def test_find_file_tolerates_nulls_and_v6_keys(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """Nulls, missing keys, odd items and v6's ManagedFolderID do not break the parse."""
    server.rest_body = json.dumps(
        [
            {
                "ID": 8,
                "SeriesIDs": [
                    None,
                    {"SeriesID": None, "EpisodeIDs": None},
                    {"SeriesID": {"AniDB": "17617", "TMDB": None}, "EpisodeIDs": [{"TMDB": {"Movie": [1, None]}}]},
                ],
                "Locations": [None, {"RelativePath": None}, {"ManagedFolderID": 4, "RelativePath": "A\\B\\C.mkv"}],
            }
        ]
    )
    client = ShokoClient(session, server.url, API_KEY)

    assert await client.async_find_file("/x/B/C.mkv") == ShokoFile(8, "A/B/C.mkv", 4, 2, (17617,), (), (1,))


async def test_find_file_without_cross_references(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """A file Shoko has not matched yet: found, with no cross references."""
    file = load("path_ends_with_frieren_s01e01.json")[0]
    del file["SeriesIDs"]
    server.files = [file]
    client = ShokoClient(session, server.url, API_KEY)

    found = await client.async_find_file(FRIEREN_PATH)

    assert found is not None
    assert not found.matched
    assert found.anidb_anime_ids == ()


async def test_check(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """The config flow's check passes against a Shoko and fails on anything else."""
    client = ShokoClient(session, server.url, API_KEY)
    await client.async_check()
    server.rest_body = "{}"
    with pytest.raises(InvalidResponseError):
        await client.async_check()


async def test_get_file_by_id(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """v6 release:saved names only a file id: the file and its path come from REST."""
    server.files = load("path_ends_with_frieren_s01e01.json")
    client = ShokoClient(session, server.url, API_KEY)

    found = await client.async_get_file(1234)

    assert found is not None
    assert (found.file_id, found.relative_path, found.cross_references) == (1234, FRIEREN_PATH, 1)
    assert await client.async_get_file(4321) is None
    server.rest_body = json.dumps({"ID": 3, "Locations": None})
    assert await client.async_get_file(3) == ShokoFile(3, "", None, 0)
    server.rest_body = "[]"
    with pytest.raises(InvalidResponseError):
        await client.async_get_file(1234)
    server.rest_status = 400
    with pytest.raises(InvalidResponseError):
        await client.async_get_file(1234)


async def test_find_file_wrong_key(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """401: InvalidAuthError, for the reauth flow."""
    client = ShokoClient(session, server.url, "wrong-key")
    with pytest.raises(InvalidAuthError):
        await client.async_find_file(FRIEREN_PATH)


@pytest.mark.parametrize("status", [500, 503])
async def test_find_file_server_error(session: aiohttp.ClientSession, server: ShokoTestServer, status: int) -> None:
    """5xx: CannotConnectError."""
    server.rest_status = status
    client = ShokoClient(session, server.url, API_KEY)
    with pytest.raises(CannotConnectError):
        await client.async_find_file(FRIEREN_PATH)


async def test_find_file_connection_refused(session: aiohttp.ClientSession, unused_tcp_port: int) -> None:
    """Nobody listening: CannotConnectError."""
    client = ShokoClient(session, f"http://127.0.0.1:{unused_tcp_port}", API_KEY, timeout=1)
    with pytest.raises(CannotConnectError):
        await client.async_find_file(FRIEREN_PATH)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, "<html>Shoko is starting</html>"),
        (200, '{"ID": 1234}'),
        (200, "[1, 2]"),
        (200, '[{"Locations": []}]'),
        (200, '[{"ID": true}]'),
        (302, ""),
    ],
)
async def test_find_file_garbage(
    session: aiohttp.ClientSession, server: ShokoTestServer, status: int, body: str
) -> None:
    """Anything but a list of files: InvalidResponseError."""
    server.rest_status, server.rest_body = status, body
    client = ShokoClient(session, server.url, API_KEY)
    with pytest.raises(InvalidResponseError):
        await client.async_find_file(FRIEREN_PATH)


async def test_find_file_404_is_no_match(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """Some versions answer 404 for an unknown path."""
    server.rest_status = 404
    client = ShokoClient(session, server.url, API_KEY)
    assert await client.async_find_file(FRIEREN_PATH) is None


# SignalR feed ------------------------------------------------------------------------------------------------------


async def test_feed_delivers_file_matched(feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder) -> None:
    """Handshake, greeting, then a v5 FileMatched arrives as a ShokoMatch within a fraction of a second."""
    await server.wait_handshakes(1)
    await wait_until(lambda: recorder.states == [(True, None)])
    assert feed.connected
    assert feed.last_error is None
    await wait_until(lambda: recorder.raw == [("ShokoEvent:OnConnected", [None])])

    loop = asyncio.get_running_loop()
    sent_at = loop.time()
    assert await server.send("ShokoEvent:FileMatched", load("file_matched_v5.json")) == 1
    await wait_until(lambda: bool(recorder.matches), within=0.5)

    assert loop.time() - sent_at < 0.5
    assert recorder.matches == [
        ShokoMatch(relative_path=FRIEREN_PATH, import_folder_id=2, file_id=1234, cross_references=1)
    ]
    assert recorder.file_events[0].kind is ShokoFileEventKind.MATCHED
    assert recorder.file_events[0].target == "ShokoEvent:FileMatched"


async def test_feed_sends_protocol_and_api_key(feed: ShokoFeed, server: ShokoTestServer) -> None:
    """negotiateVersion=1, feeds for v5 and v6, the key as header and query, the token as the WebSocket id."""
    await server.wait_handshakes(1)
    negotiate, websocket = server.requests[:2]
    assert negotiate.method == "POST"
    assert negotiate.path == "/signalr/aggregate/negotiate"
    assert negotiate.query["negotiateVersion"] == "1"
    assert websocket.method == "GET"
    assert websocket.path == "/signalr/aggregate"
    assert websocket.query["id"] == "token-0001"
    assert websocket.headers["Upgrade"].lower() == "websocket"
    for seen in (negotiate, websocket):
        assert seen.headers["apikey"] == API_KEY
        assert seen.query["apikey"] == API_KEY
        assert set(seen.query["feeds"].split(",")) == {"shoko", "file", "release"}
    # The handshake is the first record the hub got.
    assert server.connections[0].received[:1] in ([], [{"type": 6}])


async def test_feed_v6_release_saved(feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder) -> None:
    """v6: file:hashed teaches the path, release:saved is the match; an unknown file id still matches."""
    await server.wait_handshakes(1)
    await server.send("file:hashed", load("file_hashed_v6.json"))
    await server.send("release:saved", load("release_saved_v6.json"))
    await server.send("release:saved", {"FileID": 55, "Release": None})
    await wait_until(lambda: len(recorder.matches) == 2)

    assert recorder.matches == [
        ShokoMatch(relative_path=FRIEREN_PATH, import_folder_id=2, file_id=1234, cross_references=1),
        ShokoMatch(relative_path="", import_folder_id=None, file_id=55, cross_references=0),
    ]


async def test_feed_file_events(feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder) -> None:
    """Not matched (with its reason), renamed, moved, relocated (v6), deleted."""
    await server.wait_handshakes(1)
    base = load("file_matched_v5.json")
    await server.send("ShokoEvent:FileNotMatched", {**base, "CrossReferences": [], "IsUDPBanned": True})
    await server.send("ShokoEvent:FileNotMatched", {**base, "AutoMatchAttempts": 3, "IsUDPBanned": False})
    await server.send("ShokoEvent:FileNotMatched", {**base, "HasCrossReferences": True})
    await server.send("ShokoEvent:FileNotMatched", {**base})
    await server.send(
        "ShokoEvent:FileMoved", {**base, "RelativePath": "New/E01.mkv", "PreviousRelativePath": "Old\\E01.mkv"}
    )
    await server.send(
        "ShokoEvent:FileRenamed", {**base, "RelativePath": "New/E1.mkv", "PreviousFileName": "New/E01.mkv"}
    )
    v6 = {"FileID": 1234, "ManagedFolderID": 3, "RelativePath": "V6/E1.mkv", "PreviousRelativePath": "New/E1.mkv"}
    await server.send("file:relocated", {**v6, "Moved": True, "Renamed": False, "CrossReferences": []})
    await server.send("ShokoEvent:FileDeleted", base)
    await server.send("file:deleted", {**v6})
    await server.send("ShokoEvent:SeriesUpdated", {"SeriesID": 310})
    await wait_until(lambda: len(recorder.file_events) == 9)

    kinds = [(event.kind, event.reason, event.previous_relative_path) for event in recorder.file_events]
    assert kinds == [
        (ShokoFileEventKind.NOT_MATCHED, "AniDB UDP ban", None),
        (ShokoFileEventKind.NOT_MATCHED, "no AniDB match after 3 attempts", None),
        (ShokoFileEventKind.NOT_MATCHED, "cross references unchanged", None),
        (ShokoFileEventKind.NOT_MATCHED, "no AniDB match", None),
        (ShokoFileEventKind.RELOCATED, None, "Old/E01.mkv"),
        (ShokoFileEventKind.RELOCATED, None, "New/E01.mkv"),
        (ShokoFileEventKind.RELOCATED, None, "New/E1.mkv"),
        (ShokoFileEventKind.DELETED, None, None),
        (ShokoFileEventKind.DELETED, None, "New/E1.mkv"),
    ]
    relocated = recorder.file_events[6]
    assert (relocated.relative_path, relocated.import_folder_id, relocated.file_id) == ("V6/E1.mkv", 3, 1234)
    assert recorder.matches == []
    # After the delete the v6 path cache forgot the file.
    await server.send("release:saved", {"FileID": 1234, "Release": {"CrossReferences": [{}]}})
    await wait_until(lambda: bool(recorder.matches))
    assert recorder.matches == [ShokoMatch("", None, 1234, 1)]


async def test_feed_pings(make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder) -> None:
    """The client pings the hub; the hub's pings keep it connected and produce no events."""
    feed = make_feed(keepalive_interval=0.01, server_timeout=0.1)
    feed.start()
    try:
        await server.wait_handshakes(1)
        await wait_until(lambda: server.pings_received() >= 3)
        # The server pings every 0.05 s: past the 0.1 s server timeout, still the first connection.
        await asyncio.sleep(0.15)
        assert server.handshakes == 1
        assert recorder.states == [(True, None)]
        assert [target for target, _ in recorder.raw] == ["ShokoEvent:OnConnected"]
    finally:
        await feed.async_stop()


@pytest.mark.parametrize("abrupt", [False, True])
async def test_feed_reconnects_after_drop(
    feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder, abrupt: bool
) -> None:
    """The server drops the connection: reported once, reconnected after the backoff, events flow again."""
    await server.wait_handshakes(1)
    await server.drop(abrupt=abrupt)
    await server.wait_handshakes(2)
    await wait_until(lambda: len(recorder.states) == 3)

    assert [state for state, _ in recorder.states] == [True, False, True]
    assert recorder.states[1][1]
    await server.send("ShokoEvent:FileMatched", load("file_matched_v5.json"))
    await wait_until(lambda: len(recorder.matches) == 1)
    assert feed.connected


async def test_feed_backoff_and_single_report(
    make_feed: Callable[..., ShokoFeed],
    server: ShokoTestServer,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused key: retries with doubling delays (capped), one report; once back, one report and a reset delay."""
    caplog.set_level(logging.DEBUG, logger=FEED_LOGGER)
    server.api_key = "another-key"
    feed = make_feed()
    feed.start()
    try:
        await wait_until(lambda: sum(r.path.endswith("/negotiate") for r in server.requests) >= 5)
        assert recorder.states == [(False, "HTTP 401")]
        assert isinstance(feed.last_error, InvalidAuthError)
        assert not feed.connected

        server.api_key = API_KEY
        await server.wait_handshakes(1)
        await wait_until(lambda: len(recorder.states) == 2)
        assert recorder.states == [(False, "HTTP 401"), (True, None)]
        await server.drop()
        await server.wait_handshakes(2)
    finally:
        await feed.async_stop()

    delays = [
        r.args[0] for r in caplog.records if r.msg == "Shoko feed: reconnecting in %g s" and isinstance(r.args, tuple)
    ]
    assert delays[:4] == [0.01, 0.02, 0.04, 0.04]
    # The reconnect after the drop starts from the initial delay again.
    assert delays[-1] == 0.01
    ours = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records if r.name.startswith("custom_components")
    )
    assert "reconnecting" in ours
    assert API_KEY not in ours
    assert "another-key" not in ours


async def test_feed_close_message(feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder) -> None:
    """A SignalR close message with an error ends the connection; the feed reports it and comes back."""
    await server.wait_handshakes(1)
    await server.send_close("Server is shutting down.", allow_reconnect=True)
    await server.wait_handshakes(2)
    await wait_until(lambda: len(recorder.states) == 3)
    assert recorder.states[1] == (False, "the server closed the connection: Server is shutting down.")


async def test_feed_close_message_without_error(feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder) -> None:
    """A plain close message is a disconnect too."""
    await server.wait_handshakes(1)
    await server.send_raw('{"type":7}' + RS)
    await server.wait_handshakes(2)
    await wait_until(lambda: len(recorder.states) == 3)
    assert recorder.states[1] == (False, "the server closed the connection")


async def test_feed_survives_garbage(feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder) -> None:
    """Garbage records are skipped, records split over frames or sharing one are read, the connection stays."""
    await server.wait_handshakes(1)
    matched = json.dumps({"type": 1, "target": "ShokoEvent:FileMatched", "arguments": [load("file_matched_v5.json")]})
    for garbage in (
        "not json" + RS,
        "[1, 2]" + RS,
        '{"type": 1}' + RS,
        '{"type": 1, "target": "ShokoEvent:FileMatched", "arguments": "x"}' + RS,
        '{"type": 1, "target": "ShokoEvent:FileMatched", "arguments": ["x"]}' + RS,
        '{"type": 1, "target": "ShokoEvent:FileMatched"}' + RS,
        '{"type": 99}' + RS + RS + "  " + RS,
        '{"type": 3, "invocationId": "1", "result": null}' + RS,
        matched[:40],
        matched[40:] + RS + matched + RS,
    ):
        await server.send_raw(garbage)
    await wait_until(lambda: len(recorder.matches) == 2)
    assert server.handshakes == 1
    assert recorder.states == [(True, None)]


async def test_feed_binary_frames(feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder) -> None:
    """Records in binary frames are read as UTF-8."""
    await server.wait_handshakes(1)
    message = {"type": 1, "target": "ShokoEvent:FileMatched", "arguments": [load("file_matched_v5.json")]}
    await server.connections[0].ws.send_bytes((json.dumps(message) + RS).encode())
    await wait_until(lambda: len(recorder.matches) == 1)


async def test_feed_answers_invocations_expecting_a_result(
    feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder
) -> None:
    """A server-to-client invocation with an id gets an error completion instead of silence."""
    await server.wait_handshakes(1)
    await server.send_raw(json.dumps({"type": 1, "invocationId": "7", "target": "Ask", "arguments": []}) + RS)
    await wait_until(lambda: any(m.get("type") == 3 for m in server.connections[0].received))
    completion = next(m for m in server.connections[0].received if m.get("type") == 3)
    assert completion["invocationId"] == "7"
    assert completion["error"]
    assert ("Ask", []) in recorder.raw


async def test_feed_greeting_in_the_handshake_frame(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """The handshake answer and the first message can share a frame."""
    server.coalesce_greeting = True
    feed = make_feed()
    feed.start()
    try:
        await wait_until(lambda: recorder.raw == [("ShokoEvent:OnConnected", [None])])
    finally:
        await feed.async_stop()


async def test_feed_callback_errors_do_not_stop_it(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """A callback that raises is logged; the next event is still delivered."""
    calls: list[ShokoMatch] = []

    def on_match(match: ShokoMatch) -> None:
        calls.append(match)
        raise RuntimeError("bug in the tracker")

    def on_connection(connected: bool, error: str | None) -> None:
        recorder.on_connection(connected, error)
        raise RuntimeError("bug in the tracker")

    def on_event(target: str, arguments: list[Any]) -> None:
        raise RuntimeError("bug in the tracker")

    feed = make_feed(on_match=on_match, on_connection=on_connection, on_event=on_event)
    feed.start()
    try:
        await server.wait_handshakes(1)
        await server.send("ShokoEvent:FileMatched", load("file_matched_v5.json"))
        await server.send("ShokoEvent:FileMatched", load("file_matched_v5.json"))
        await wait_until(lambda: len(calls) == 2 and len(recorder.file_events) == 2)
        assert server.handshakes == 1
        assert recorder.states == [(True, None)]
    finally:
        await feed.async_stop()


async def test_feed_silent_server_times_out(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """No message (not even a ping) for the server timeout: the connection is considered dead and renewed."""
    server.ping_interval = None
    feed = make_feed(server_timeout=0.1)
    feed.start()
    try:
        await server.wait_handshakes(2)
        await wait_until(lambda: len(recorder.states) >= 2)
        assert recorder.states[1] == (False, "no message from the server for 0.1 s")
    finally:
        await feed.async_stop()


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda s: setattr(s, "handshake_error", "Protocol 'json' is disabled."), "handshake refused"),
        (
            lambda s: setattr(s, "negotiate_body", {"url": "https://x.service.signalr.net", "accessToken": "t"}),
            "redirect",
        ),
        (lambda s: setattr(s, "negotiate_body", {"error": "Negotiate refused."}), "negotiate refused"),
        (lambda s: setattr(s, "negotiate_body", ["not", "an", "object"]), "not a JSON object"),
        (lambda s: setattr(s, "negotiate_body", {"connectionId": None}), "no connection token"),
        (
            lambda s: setattr(
                s, "negotiate_body", {"connectionToken": "t", "availableTransports": [{"transport": "LongPolling"}]}
            ),
            "does not offer WebSockets",
        ),
        (lambda s: setattr(s, "negotiate_body", {"connectionToken": "unknown"}), "HTTP 404"),
    ],
)
async def test_feed_connection_failures(
    make_feed: Callable[..., ShokoFeed],
    server: ShokoTestServer,
    recorder: Recorder,
    setup: Callable[[ShokoTestServer], None],
    error: str,
) -> None:
    """Each way the hub can refuse us is reported once, with a readable reason, and retried."""
    setup(server)
    feed = make_feed()
    feed.start()
    try:
        await wait_until(lambda: sum(r.path.endswith("/negotiate") for r in server.requests) >= 3)
        assert len(recorder.states) == 1
        connected, reason = recorder.states[0]
        assert not connected
        assert reason is not None
        assert error in reason
        assert API_KEY not in reason
    finally:
        await feed.async_stop()


@pytest.mark.parametrize(
    ("frames", "request_timeout", "error"),
    [
        ([], 1.0, "the server closed the connection during the handshake"),
        (["nonsense" + RS], 1.0, "handshake answer is not JSON"),
        (["[]" + RS], 1.0, "handshake answer is not a JSON object"),
        (None, 0.1, "handshake timed out after 0.1 s"),
    ],
)
async def test_feed_bad_handshake(
    make_feed: Callable[..., ShokoFeed],
    server: ShokoTestServer,
    recorder: Recorder,
    frames: list[str | bytes] | None,
    request_timeout: float,
    error: str,
) -> None:
    """A handshake answer that never comes, or is not one, is a failed attempt."""
    if frames is None:
        server.handshake_silent = True
    server.handshake_frames = frames
    feed = make_feed(request_timeout=request_timeout)
    feed.start()
    try:
        await wait_until(lambda: bool(recorder.states))
        assert recorder.states == [(False, error)]
    finally:
        await feed.async_stop()


async def test_feed_handshake_answer_split_and_binary(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """The handshake answer may come in pieces, in binary frames, with messages after it."""
    greeting = json.dumps({"type": 1, "target": "ShokoEvent:OnConnected", "arguments": [None]})
    server.handshake_frames = ["{", b"}" + RS.encode() + greeting.encode() + RS.encode()]
    feed = make_feed()
    feed.start()
    try:
        await wait_until(lambda: recorder.states == [(True, None)])
        await wait_until(lambda: recorder.raw == [("ShokoEvent:OnConnected", [None])])
    finally:
        await feed.async_stop()


async def test_feed_websocket_cut_during_upgrade(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """The TCP connection dies during the WebSocket upgrade."""
    server.abort_websocket = True
    feed = make_feed()
    feed.start()
    try:
        await wait_until(lambda: bool(recorder.states))
        assert recorder.states == [(False, "ServerDisconnectedError")]
    finally:
        await feed.async_stop()


async def test_feed_negotiate_status(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """An unexpected negotiate status."""
    server.negotiate_status = 204
    feed = make_feed()
    feed.start()
    try:
        await wait_until(lambda: bool(recorder.states))
        assert recorder.states == [(False, "unexpected negotiate answer (HTTP 204)")]
    finally:
        await feed.async_stop()


async def test_feed_message_too_big(feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder) -> None:
    """A frame over aiohttp's 4 MiB limit is a WebSocket error: reconnect."""
    await server.wait_handshakes(1)
    await server.send_raw("x" * (4 * 1024 * 1024 + 1))
    await server.wait_handshakes(2)
    await wait_until(lambda: len(recorder.states) == 3)
    assert recorder.states[1] == (False, "WebSocket error: WebSocketError")


async def test_feed_with_a_closed_session(
    session: aiohttp.ClientSession, server: ShokoTestServer, recorder: Recorder
) -> None:
    """Anything unexpected (here Home Assistant closed the session) is reported and retried, never raised."""
    await session.close()
    feed = ShokoFeed(session, server.url, API_KEY, on_match=recorder.on_match, on_connection=recorder.on_connection)
    feed.start()
    try:
        await wait_until(lambda: bool(recorder.states))
        assert recorder.states == [(False, "RuntimeError")]
        assert isinstance(feed.last_error, RuntimeError)
    finally:
        await feed.async_stop()


async def test_feed_path_memory(feed: ShokoFeed, server: ShokoTestServer, recorder: Recorder) -> None:
    """The file id -> path memory for v6 is bounded and ignores events without id or path."""
    await server.wait_handshakes(1)
    hashed = [
        json.dumps({"type": 1, "target": "file:hashed", "arguments": [{"FileID": n, "RelativePath": f"S/E{n}.mkv"}]})
        for n in range(600)
    ]
    hashed.append(json.dumps({"type": 1, "target": "file:hashed", "arguments": [{"RelativePath": "S/X.mkv"}]}))
    hashed.append(json.dumps({"type": 1, "target": "file:detected", "arguments": [{"FileID": 1}]}))
    await server.send_raw(RS.join(hashed) + RS)
    await server.send("release:saved", {"FileID": 0, "Release": {"CrossReferences": [{}]}})
    await server.send("release:saved", {"FileID": 599, "Release": {"CrossReferences": [{}]}})
    await wait_until(lambda: len(recorder.matches) == 2)
    assert [match.relative_path for match in recorder.matches] == ["", "S/E599.mkv"]


async def test_feed_no_hub_at_that_address(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """A URL with no hub (404 on negotiate)."""
    feed = make_feed(url=f"{server.url}/not-shoko")
    feed.start()
    try:
        await wait_until(lambda: bool(recorder.states))
        assert recorder.states == [(False, "no SignalR hub at this address (HTTP 404)")]
    finally:
        await feed.async_stop()


async def test_feed_refused_websocket(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """The WebSocket upgrade answers 401 while negotiate let us through (v6 hub with another auth scheme)."""
    feed = make_feed()
    original = server._authorized
    server._authorized = lambda request: request.method == "POST" and original(request)  # type: ignore[method-assign]
    feed.start()
    try:
        await wait_until(lambda: bool(recorder.states))
        assert recorder.states == [(False, "HTTP 401")]
        assert isinstance(feed.last_error, InvalidAuthError)
        # aiohttp's error names the URL, key and all: it is not chained.
        assert feed.last_error.__cause__ is None
    finally:
        await feed.async_stop()


async def test_feed_negotiate_version_0(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """An older server without connectionToken: the connection id identifies the WebSocket."""
    server.negotiate_version_0 = True
    feed = make_feed()
    feed.start()
    try:
        await server.wait_handshakes(1)
        assert server.requests[1].query["id"] == "connection-0001"
    finally:
        await feed.async_stop()


async def test_feed_server_unreachable(
    session: aiohttp.ClientSession, unused_tcp_port: int, recorder: Recorder
) -> None:
    """Nobody listening: one report, retries, a clean stop in the middle of the backoff."""
    feed = ShokoFeed(
        session,
        f"http://127.0.0.1:{unused_tcp_port}",
        API_KEY,
        on_match=recorder.on_match,
        on_connection=recorder.on_connection,
        initial_backoff=0.01,
        max_backoff=0.02,
    )
    feed.start()
    await wait_until(lambda: bool(recorder.states))
    await asyncio.sleep(0.05)
    await feed.async_stop()
    assert recorder.states == [(False, "ClientConnectorError")]


async def test_feed_stop_leaves_nothing(feed: ShokoFeed, server: ShokoTestServer) -> None:
    """Stopping closes the WebSocket and leaves no task behind; start/stop are idempotent."""
    await server.wait_handshakes(1)
    feed.start()  # already running: no second task
    await wait_until(lambda: "signalr keep-alive" in {task.get_name() for task in asyncio.all_tasks()})
    assert [task.get_name() for task in asyncio.all_tasks()].count("status_tracker shoko feed") == 1

    await feed.async_stop()
    await feed.async_stop()
    assert not feed.connected

    leftover = {task.get_name() for task in asyncio.all_tasks() if not task.done()}
    assert "status_tracker shoko feed" not in leftover
    assert "signalr keep-alive" not in leftover
    await wait_until(lambda: not server.connections)
    assert server.handshakes == 1


async def test_feed_run_in_callers_task(
    make_feed: Callable[..., ShokoFeed], server: ShokoTestServer, recorder: Recorder
) -> None:
    """async_run can live in the caller's own task (entry.async_create_background_task) and ends on cancel."""
    feed = make_feed(on_connection=None, on_event=None, on_file_event=None)
    task = asyncio.get_running_loop().create_task(feed.async_run())
    await wait_until(lambda: feed.connected)
    await server.send("ShokoEvent:FileMatched", load("file_matched_v5.json"))
    await wait_until(lambda: bool(recorder.matches))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_until(lambda: not server.connections)


async def test_stop_propagates_its_own_cancellation(make_feed: Callable[..., ShokoFeed]) -> None:
    """Cancelling the task that is stopping the feed is not swallowed."""
    feed = make_feed()
    feed.start()
    stopper = asyncio.get_running_loop().create_task(feed.async_stop())
    await asyncio.sleep(0)
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    assert feed._task is None


# SignalR building blocks -------------------------------------------------------------------------------------------


def test_record_buffer() -> None:
    """Records split on U+001E; an unfinished record waits for the rest."""
    buffer = RecordBuffer()
    assert buffer.feed('{"type":6}' + RS + '{"ty') == ['{"type":6}']
    assert buffer.feed('pe":6}') == []
    assert buffer.feed(RS) == ['{"type":6}']


async def test_connection_run_without_connect(session: aiohttp.ClientSession) -> None:
    """Running a connection that never connected ends at once."""
    connection = SignalRConnection(session, "http://127.0.0.1:1/signalr/aggregate", lambda target, arguments: None)
    assert not connection.connected
    with pytest.raises(ConnectionClosedError):
        await connection.async_run()
    await connection.async_close()


async def test_connection_on_its_own(session: aiohttp.ClientSession, server: ShokoTestServer) -> None:
    """The bare SignalR connection: events in order, a raising callback logged, a drop ends the run."""
    seen: list[str] = []

    def on_event(target: str, arguments: list[Any]) -> None:
        seen.append(target)
        raise RuntimeError("bug in the caller")

    connection = SignalRConnection(
        session, f"{server.url}/signalr/aggregate", on_event, params={"feeds": "shoko"}, headers={"apikey": API_KEY}
    )
    await connection.async_connect()
    assert connection.connected
    assert connection.connection_id == "connection-0001"
    run = asyncio.get_running_loop().create_task(connection.async_run())
    assert await server.send("file:deleted", {"FileID": 1}) == 0  # not subscribed to the v6 feed
    await server.send("ShokoEvent:FileDeleted", {"FileID": 1})
    await wait_until(lambda: seen == ["ShokoEvent:OnConnected", "ShokoEvent:FileDeleted"])
    await server.drop()
    with pytest.raises(ConnectionClosedError, match="closed by the server"):
        await run
    assert not connection.connected
