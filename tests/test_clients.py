"""The qBittorrent and Jellyfin clients against recorded answers (aioresponses), without Home Assistant."""

from __future__ import annotations

from typing import Any

import aiohttp
from aioresponses import aioresponses
import pytest

from custom_components.status_tracker.clients import CannotConnectError, InvalidAuthError, InvalidResponseError
from custom_components.status_tracker.clients.jellyfin import JellyfinClient
from custom_components.status_tracker.clients.qbittorrent import QBittorrentClient

from .helpers import ITEMS, MAINDATA, items_page

QBT = "http://192.168.1.10:8080"
JF = "http://192.168.1.10:8096"
DUNE = "8c212779b4abde7c6bc608063a0d008b7e40ce32"


def torrent(**fields: Any) -> dict[str, Any]:
    """A torrent object of sync/maindata (keyed by hash, so without `hash`), as qBittorrent 4.5 sends it."""
    return {
        "name": "Dune.Part.Two.2024.2160p.UHD.BluRay.REMUX-FraMeSToR",
        "infohash_v1": DUNE,
        "infohash_v2": "",
        "size": 76543210987,
        "progress": 0,
        "dlspeed": 0,
        "eta": 8640000,
        "state": "metaDL",
        "category": "radarr",
        "tags": "",
        "save_path": "/data/torrents/radarr",
        **fields,
    }


async def test_qbittorrent_sync_merges_partial_updates(session: aiohttp.ClientSession) -> None:
    """A full update, then partial objects merged key by key, then a removal."""
    client = QBittorrentClient(session, QBT, "admin", "secret")
    with aioresponses() as mocked:
        mocked.post(f"{QBT}/api/v2/auth/login", body="Ok.", headers={"Set-Cookie": "SID=abc; path=/"})
        mocked.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {DUNE.upper(): torrent()}})
        mocked.get(MAINDATA, payload={"rid": 2, "torrents": {DUNE: {"progress": 0.45, "state": "downloading"}}})
        mocked.get(MAINDATA, payload={"rid": 3})
        mocked.get(MAINDATA, payload={"rid": 4, "torrents_removed": [DUNE]})

        first = await client.async_sync()
        assert first[DUNE].state == "metaDL"
        second = await client.async_sync()
        assert second[DUNE].progress == 0.45
        assert second[DUNE].name.startswith("Dune")  # kept from the full update
        assert (await client.async_sync())[DUNE].state == "downloading"
        assert await client.async_sync() == {}
        rids = [call.kwargs["params"]["rid"] for key, calls in mocked.requests.items() if "maindata" in str(key[1])
                for call in calls]  # fmt: skip
        assert sorted(rids) == ["0", "1", "2", "3"]
        logins = [key for key in mocked.requests if str(key[1]).endswith("/auth/login")]
        assert len(mocked.requests[logins[0]]) == 1  # one login for four polls


async def test_qbittorrent_relogin_on_expired_session(session: aiohttp.ClientSession) -> None:
    """A 403 means the session expired: log in again once and carry on with a full update."""
    client = QBittorrentClient(session, QBT, "admin", "secret")
    with aioresponses() as mocked:
        mocked.post(f"{QBT}/api/v2/auth/login", status=204, body="", repeat=True)  # qBittorrent 5.2
        mocked.get(MAINDATA, payload={"rid": 7, "full_update": True, "torrents": {DUNE: torrent()}})
        mocked.get(MAINDATA, status=403, body="Forbidden")
        mocked.get(MAINDATA, payload={"rid": 1, "full_update": True, "torrents": {}})
        await client.async_sync()
        assert await client.async_sync() == {}


async def test_qbittorrent_refused_after_relogin(session: aiohttp.ClientSession) -> None:
    """If the new login is refused too, the auth error reaches the caller."""
    client = QBittorrentClient(session, QBT, "admin", "wrong")
    with aioresponses() as mocked:
        mocked.post(f"{QBT}/api/v2/auth/login", body="Ok.")
        mocked.get(MAINDATA, status=403)
        mocked.post(f"{QBT}/api/v2/auth/login", body="Fails.")
        with pytest.raises(InvalidAuthError):
            await client.async_sync()


@pytest.mark.parametrize(
    "answer",
    [
        {"body": "not json"},
        {"payload": ["a", "list"]},
        {"payload": {"torrents": {}}},
        {"payload": {"rid": 1, "torrents": ["not", "a", "dict"]}},
    ],
)
async def test_qbittorrent_garbage(session: aiohttp.ClientSession, answer: dict[str, Any]) -> None:
    """Answers that are not sync/maindata raise InvalidResponseError."""
    client = QBittorrentClient(session, QBT, None, None)
    with aioresponses() as mocked:
        mocked.post(f"{QBT}/api/v2/auth/login", body="Ok.")
        mocked.get(MAINDATA, **answer)
        with pytest.raises(InvalidResponseError):
            await client.async_sync()


async def test_qbittorrent_down(session: aiohttp.ClientSession) -> None:
    """Connection refused and timeouts are CannotConnectError."""
    client = QBittorrentClient(session, QBT, None, None, timeout=0.01)
    with aioresponses() as mocked:
        mocked.post(f"{QBT}/api/v2/auth/login", exception=aiohttp.ClientConnectionError())
        with pytest.raises(CannotConnectError):
            await client.async_sync()
        mocked.post(f"{QBT}/api/v2/auth/login", exception=TimeoutError())
        with pytest.raises(CannotConnectError, match="timed out"):
            await client.async_sync()


def jf_item(item_id: str, name: str, item_type: str, **fields: Any) -> dict[str, Any]:
    """An /Items entry as Jellyfin 10.11 sends it (PascalCase, nulls left out)."""
    return {"Name": name, "ServerId": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "Id": item_id, "Type": item_type,
            "LocationType": "FileSystem", "IsFolder": item_type != "Episode", **fields}  # fmt: skip


UNRELATED = [
    jf_item("11111111111111111111111111111111", "Dune", "Movie", ProviderIds={"Tmdb": "438631", "Imdb": "tt1160419"}),
    jf_item("22222222222222222222222222222222", "Dune: Part Two (fan edit)", "Movie", ProviderIds={}),
    jf_item("33333333333333333333333333333333", "No ids", "Movie"),
]


async def test_jellyfin_unrelated_items_never_match(session: aiohttp.ClientSession) -> None:
    """E19: Jellyfin ignores id filters and returns whatever; only an exact provider id matches."""
    client = JellyfinClient(session, JF, "key")
    with aioresponses() as mocked:
        mocked.get(ITEMS, payload=items_page(*UNRELATED))  # the title search
        mocked.get(ITEMS, payload=items_page(*UNRELATED))  # the walk through the library
        assert await client.async_find("Movie", title="Dune: Part Two", tmdb_id=693134, imdb_id="tt15239678") is None
        (search_call,) = mocked.requests[("GET", next(k[1] for k in mocked.requests))]
        assert search_call.kwargs["params"]["fields"] == "ProviderIds,Path"
        assert search_call.kwargs["headers"]["Authorization"] == 'MediaBrowser Token="key"'


async def test_jellyfin_finds_by_tmdb_when_titles_differ(session: aiohttp.ClientSession) -> None:
    """Anime titles differ between services: the library walk finds the item by its TMDB id."""
    client = JellyfinClient(session, JF, "key")
    suzume = jf_item("6213B704-A0D9-5429-3110-F4D561B0F614", "Suzume no Tojimari", "Movie",
                     ProviderIds={"Tmdb": "916224", "AniDB": "17101"})  # fmt: skip
    with aioresponses() as mocked:
        mocked.get(ITEMS, payload=items_page())
        mocked.get(ITEMS, payload=items_page(*UNRELATED, suzume))
        found = await client.async_find("Movie", title="Suzume", tmdb_id=916224)
    assert found is not None
    assert found.item_id == "6213b704a0d954293110f4d561b0f614"
    assert found.provider_ids["anidb"] == "17101"


async def test_jellyfin_find_without_ids_asks_nothing(session: aiohttp.ClientSession) -> None:
    """Without any provider id there is nothing safe to match on."""
    client = JellyfinClient(session, JF, "key")
    with aioresponses() as mocked:
        assert await client.async_find("Series", title="Chernobyl") is None
        assert not mocked.requests


async def test_jellyfin_episodes(session: aiohttp.ClientSession) -> None:
    """Episodes keep their numbers; virtual (missing) episodes and garbage rows are dropped."""
    client = JellyfinClient(session, JF, "key")
    with aioresponses() as mocked:
        mocked.get(
            ITEMS,
            payload=items_page(
                jf_item("e1", "1:23:45", "Episode", ParentIndexNumber=1, IndexNumber=1, SeriesId="abc-def"),
                jf_item("e2", "Please Remain Calm", "Episode", ParentIndexNumber="1", IndexNumber=2, IndexNumberEnd=3),
                jf_item("e9", "Not yet aired", "Episode", ParentIndexNumber=1, IndexNumber=9, LocationType="Virtual"),
                "garbage",
                {"Name": "no id"},
            ),
        )
        episodes = await client.async_episodes("3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b2a")
    assert [(e.season, e.episode, e.episode_end) for e in episodes] == [(1, 1, None), (1, 2, 3)]
    assert episodes[0].series_id == "abcdef"


@pytest.mark.parametrize("answer", [{"body": "<html>"}, {"payload": {"Items": "nope"}}, {"payload": []}])
async def test_jellyfin_garbage(session: aiohttp.ClientSession, answer: dict[str, Any]) -> None:
    """An /Items answer of the wrong shape raises InvalidResponseError."""
    client = JellyfinClient(session, JF, "key")
    with aioresponses() as mocked:
        mocked.get(ITEMS, **answer)
        with pytest.raises(InvalidResponseError):
            await client.async_episodes("x")


async def test_jellyfin_unauthorized(session: aiohttp.ClientSession) -> None:
    """401 is an auth error (the coordinator turns it into reauth)."""
    client = JellyfinClient(session, JF, "key")
    with aioresponses() as mocked:
        mocked.get(ITEMS, status=401)
        with pytest.raises(InvalidAuthError):
            await client.async_find("Movie", title="Dune", tmdb_id=1)


async def test_jellyfin_walks_pages_and_uses_tvdb_presence(session: aiohttp.ClientSession) -> None:
    """A series known only by TVDB id: hasTvdbId narrows the query, and a full page leads to the next one."""
    client = JellyfinClient(session, JF, "key")
    filler = [jf_item(f"{n:032x}", f"Show {n}", "Series", ProviderIds={"Tvdb": str(n)}) for n in range(500)]
    chernobyl = jf_item("3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b2a", "Chernobyl", "Series", ProviderIds={"Tvdb": "360893"})
    with aioresponses() as mocked:
        mocked.get(ITEMS, payload=items_page())  # title search: nothing
        mocked.get(ITEMS, payload=items_page(*filler))  # first page of the walk, full
        mocked.get(ITEMS, payload=items_page(chernobyl))  # second page
        found = await client.async_find("Series", title="Chernobyl (2019)", tvdb_id=360893)
        sent = [call.kwargs["params"] for calls in mocked.requests.values() for call in calls]
    assert found is not None
    assert found.name == "Chernobyl"
    assert all(params["hasTvdbId"] == "true" and "hasTmdbId" not in params for params in sent)
    assert [params["startIndex"] for params in sent] == ["0", "0", "500"]
