"""The clients' delete calls: what each answer becomes (deleted, already gone, an error naming the status)."""

from __future__ import annotations

import aiohttp
from aioresponses import aioresponses
import pytest

from custom_components.status_tracker.clients import CannotConnectError, InvalidResponseError
from custom_components.status_tracker.clients.arr import ArrClient
from custom_components.status_tracker.clients.qbittorrent import QBittorrentClient
from custom_components.status_tracker.clients.seerr import SeerrClient

from .fakes.deletion import QBT_URL
from .fakes.services import RADARR_URL, SEERR_URL, SONARR_URL


async def test_arr_delete(http: aioresponses, session: aiohttp.ClientSession) -> None:
    radarr = ArrClient(session, RADARR_URL, "radarr-key-0123", "radarr")
    movie = f"{RADARR_URL}/api/v3/movie/42?addImportExclusion=false&deleteFiles=true"
    params = {"deleteFiles": "true", "addImportExclusion": "false"}
    http.delete(movie, status=200, body="")
    assert await radarr.async_delete("movie/42", params=params) is True
    http.delete(movie, status=404, payload={"message": "NotFound"})
    assert await radarr.async_delete("movie/42", params=params) is False
    # A refusal names the status and the *arr's own message, never the key.
    http.delete(movie, status=400, payload=[{"errorMessage": "Cannot delete radarr-key-0123"}])
    with pytest.raises(InvalidResponseError, match=r"^movie/42: HTTP 400: Cannot delete \*\*\*$"):
        await radarr.async_delete("movie/42", params=params)
    sonarr = ArrClient(session, SONARR_URL, "sonarr-key-0123", "sonarr")
    http.get(f"{SONARR_URL}/api/v3/episodefile?seriesId=12", payload=[{"id": 601, "seasonNumber": 2}, "junk"])
    assert await sonarr.async_get_episode_files(12) == [{"id": 601, "seasonNumber": 2}]


async def test_seerr_delete(http: aioresponses, session: aiohttp.ClientSession) -> None:
    seerr = SeerrClient(session, SEERR_URL, "seerr-key-0123")
    url = f"{SEERR_URL}/api/v1/request/16"
    http.delete(url, status=204)
    assert await seerr.async_delete("request/16") is True
    http.delete(url, status=404, payload={"message": "Request not found."})
    assert await seerr.async_delete("request/16") is False
    http.delete(url, status=400, payload={"message": "Bad request"})
    with pytest.raises(InvalidResponseError, match=r"^request/16: HTTP 400: Bad request$"):
        await seerr.async_delete("request/16")
    http.delete(url, status=503)
    with pytest.raises(CannotConnectError, match="HTTP 503"):
        await seerr.async_delete("request/16")


async def test_qbittorrent_torrents_and_delete(http: aioresponses, session: aiohttp.ClientSession) -> None:
    """Logged in first; an expired session (403) logs in once more; a refused delete names the status."""
    qbittorrent = QBittorrentClient(session, QBT_URL, "admin", "qbt-secret")
    login = f"{QBT_URL}/api/v2/auth/login"
    info = f"{QBT_URL}/api/v2/torrents/info?hashes=aaa%7Cbbb"
    http.post(login, body="Ok.")
    http.get(info, payload=[{"hash": "aaa", "name": "A"}])
    assert await qbittorrent.async_get_torrents(["aaa", "bbb"]) == [{"hash": "aaa", "name": "A"}]
    delete = f"{QBT_URL}/api/v2/torrents/delete"
    http.post(delete, status=403, body="Forbidden")
    http.post(login, body="Ok.")
    http.post(delete, status=200, body="")
    await qbittorrent.async_post("torrents/delete", {"hashes": "aaa", "deleteFiles": "false"})
    forms = [call.kwargs["data"] for call in http.requests[("POST", aiohttp.client.URL(delete))]]
    assert forms == [{"hashes": "aaa", "deleteFiles": "false"}] * 2
    http.post(delete, status=400, body="")
    with pytest.raises(InvalidResponseError, match=r"^torrents/delete: HTTP 400$"):
        await qbittorrent.async_post("torrents/delete", {"hashes": "aaa"})
