"""The qBittorrent client and the sync/maindata contract, against a real qbittorrent-nox 4.5.x (Debian 12).

Measured on this machine (Debian 12, 2 cores, qBittorrent v4.5.2, WebAPI 2.8.19, 2026-11-23):
- scripts/system-deps (apt-get update + install qbittorrent-nox): 13.1 s cold, 6.2 s with warm apt lists; no-op 0.01 s.
- pair startup (32 MiB payload written and hashed, both WebUIs up, seeder rechecked to 100 %): 1.5-1.9 s (3.6 s for
  the first one in a cold run); stop (SIGKILL + reap + rm): < 0.1 s.
- 32 MiB at dlLimit 2.5 MiB/s, from torrents/add: checkingResumeData 0 (0.1 s) -> stalledDL 0 (1.7 s) -> stalledDL
  0.04 once the peer connects (3.2 s) -> downloading 0.09, 0.26, 0.44, 0.58, 0.58, 0.81, 0.91 (one sample per 1.5 s
  stats refresh; the rate limiter is bursty) -> stalledUP 1.0 at 15.3 s. The test itself: 17-19 s.
- this file: 5 tests in 29 s (pytest's count), 40 s wall with Home Assistant's import; the same on the 2026.2 leg.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path
import re
import shutil
import subprocess
import time
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_create_clientsession
import pytest
from yarl import URL

from custom_components.status_tracker.clients import InvalidAuthError
from custom_components.status_tracker.clients.qbittorrent import QBittorrentClient
from tests.fakes.qbittorrent import MIB, QBittorrentPair

pytestmark = pytest.mark.real_qbittorrent

DL_LIMIT = 5 * MIB // 2  # 2.5 MiB/s: the 32 MiB payload takes ~15 s
GRABBING = frozenset({"metaDL", "queuedDL", "checkingDL", "checkingResumeData", "allocating"})
DONE = frozenset({"stalledUP", "uploading"})


def _jar_session() -> aiohttp.ClientSession:
    """A session that keeps cookies from IP hosts, as the integration's must."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def _sha1(path: Path) -> str:
    digest = hashlib.sha1()  # noqa: S324 - content comparison only
    with path.open("rb") as src:
        while block := src.read(MIB):
            digest.update(block)
    return digest.hexdigest()


async def test_login_keeps_sid_cookie(qbittorrent_pair: QBittorrentPair) -> None:
    """4.x answers "Ok." and sets SID; an unsafe jar keeps it on an IP host, so later calls are authorised."""
    pair = qbittorrent_pair
    async with _jar_session() as session:
        async with session.post(
            f"{pair.url}/api/v2/auth/login", data={"username": pair.username, "password": pair.password}
        ) as resp:
            assert resp.status == 200
            assert await resp.text() == "Ok."
        assert "SID" in session.cookie_jar.filter_cookies(URL(pair.url))

    async with _jar_session() as session:
        client = QBittorrentClient(session, pair.url, pair.username, pair.password)
        await client.async_login()
        assert "SID" in session.cookie_jar.filter_cookies(URL(pair.url))
        version = await client.async_get_api_version()
        assert re.fullmatch(r"2\.\d+\.\d+", version), version
        async with session.get(f"{pair.url}/api/v2/torrents/info") as resp:
            assert resp.status == 200
            assert await resp.json() == []

    # The default jar drops a cookie set by an IP host: the login "works" and the next call is 403.
    async with aiohttp.ClientSession() as session:
        await QBittorrentClient(session, pair.url, pair.username, pair.password).async_login()
        async with session.get(f"{pair.url}/api/v2/app/webapiVersion") as resp:
            assert resp.status == 403


async def test_wrong_password_is_invalid_auth_and_never_bans(qbittorrent_pair: QBittorrentPair) -> None:
    """A wrong password ("Fails.", HTTP 200) -> InvalidAuthError; no ban (MaxAuthenticationFailCount=0)."""
    pair = qbittorrent_pair
    async with _jar_session() as session:
        wrong = QBittorrentClient(session, pair.url, pair.username, "not-the-password")
        for _ in range(6):  # one more than qBittorrent's default ban threshold
            with pytest.raises(InvalidAuthError):
                await wrong.async_login()
        with pytest.raises(InvalidAuthError):
            await QBittorrentClient(session, pair.url, "nobody", pair.password).async_get_api_version()
        assert await QBittorrentClient(session, pair.url, pair.username, pair.password).async_get_api_version()


async def test_maindata_follows_a_throttled_download(qbittorrent_pair: QBittorrentPair) -> None:
    """sync/maindata with rid: GRABBING-type state, then downloading with rising progress, then stalledUP at 1.0."""
    pair = qbittorrent_pair
    api = f"{pair.url}/api/v2"
    async with _jar_session() as session:
        await QBittorrentClient(session, pair.url, pair.username, pair.password).async_login()

        async def maindata(rid: int) -> dict[str, Any]:
            async with session.get(f"{api}/sync/maindata", params={"rid": str(rid)}) as resp:
                assert resp.status == 200
                data: dict[str, Any] = json.loads(await resp.text())
                return data

        first = await maindata(0)
        assert first["full_update"] is True
        assert first["torrents"] == {}
        rid: int = first["rid"]
        torrents: dict[str, dict[str, Any]] = {}

        started = time.monotonic()
        info_hash = await pair.add_to_downloader(pair.torrent_bytes, DL_LIMIT)
        assert info_hash == pair.info_hash
        assert re.fullmatch(r"[0-9a-f]{40}", info_hash)

        samples: list[tuple[float, str, float]] = []
        deltas = 0
        while time.monotonic() - started < 45:
            data = await maindata(rid)
            assert not data.get("full_update"), "same session, same rid: only deltas"
            deltas += 1
            rid = data["rid"]
            for key, changes in data.get("torrents", {}).items():
                assert "hash" not in changes  # the key is the hash
                torrents.setdefault(key, {}).update(changes)
            if (torrent := torrents.get(info_hash)) is not None:
                sample = (round(time.monotonic() - started, 2), torrent["state"], float(torrent["progress"]))
                if not samples or samples[-1][1:] != sample[1:]:
                    samples.append(sample)
                if torrent["state"] in DONE and torrent["progress"] == 1:
                    break
            await asyncio.sleep(0.5)

    trace = "\n".join(f"{t:6.2f}s {state:20} {progress:.4f}" for t, state, progress in samples)
    assert samples, "the torrent never showed up in sync/maindata"
    first_state, first_progress = samples[0][1], samples[0][2]
    assert first_state in GRABBING or (first_state == "stalledDL" and first_progress == 0), trace
    assert any(state == "downloading" and 0 < progress < 1 for _, state, progress in samples), trace
    assert samples[-1][1] in DONE, trace
    assert samples[-1][2] == 1.0, trace
    progresses = [progress for _, _, progress in samples]
    assert progresses == sorted(progresses), f"progress went backwards:\n{trace}"
    assert len({p for p in progresses if 0 < p < 1}) >= 3, trace
    assert deltas >= 5
    final = torrents[info_hash]
    assert final["infohash_v1"] == info_hash
    assert final["infohash_v2"] == ""
    assert final["dl_limit"] == DL_LIMIT

    downloaded = pair.downloader.download_dir / "payload.bin"
    assert pair.payload is not None
    assert _sha1(downloaded) == _sha1(pair.payload.path)


async def test_pair_works_in_a_hass_test(hass: HomeAssistant, qbittorrent_pair: QBittorrentPair) -> None:
    """With the hass fixture (pytest-socket on, HA's loop): a session of HA's own reaches the real downloader."""
    pair = qbittorrent_pair
    session = async_create_clientsession(hass, cookie_jar=aiohttp.CookieJar(unsafe=True))
    client = QBittorrentClient(session, pair.url, pair.username, pair.password)
    assert await client.async_get_api_version()

    info_hash = await pair.add_to_downloader(dl_limit_bytes_per_s=MIB)
    async with session.get(f"{pair.url}/api/v2/torrents/info", params={"hashes": info_hash.upper()}) as resp:
        info = await resp.json()
    assert [(t["hash"], t["dl_limit"]) for t in info] == [(info_hash, MIB)]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _pgrep(pattern: str) -> list[int]:
    """Pids of processes whose command line contains pattern (pgrep -f)."""
    pgrep = shutil.which("pgrep")
    assert pgrep, "pgrep (procps) is needed"
    listed = subprocess.run([pgrep, "-f", pattern], capture_output=True, text=True, check=False)  # noqa: S603
    assert listed.returncode in (0, 1), listed.stderr
    return sorted(int(pid) for pid in listed.stdout.split())


def test_pair_leaves_no_process_behind_on_error(qbittorrent_nox: str) -> None:
    """An exception inside the `with` block still kills both processes and removes the profiles."""
    pair = QBittorrentPair(payload_size=MIB, executable=qbittorrent_nox)
    pids: list[int] = []

    def crash_inside() -> None:
        with pair:
            pids.extend(sorted(pair.pids))
            assert len(pids) == 2
            assert all(_running(pid) for pid in pids)
            assert _pgrep(str(pair.base_dir)) == pids
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        crash_inside()

    assert not any(_running(pid) for pid in pids)
    assert _pgrep(str(pair.base_dir)) == []
    assert not pair.base_dir.exists()
