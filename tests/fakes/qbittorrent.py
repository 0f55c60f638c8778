"""A pair of real, throwaway qbittorrent-nox instances on loopback, for tests that watch a real download.

    with QBittorrentPair() as pair:                  # seeder + downloader running, payload seeded at 100 %
        info_hash = await pair.add_to_downloader(pair.torrent_bytes, 2 * MIB)
        ...                                          # log in to pair.url with pair.username / pair.password

- SEEDER: no authentication on localhost; seeds a generated payload file (random bytes) from its own directory.
- DOWNLOADER: username `admin` and a random password (stored as `WebUI\\Password_PBKDF2`), no ban on failed logins.
- Both: WebUI and BitTorrent on 127.0.0.1 only, ports picked at runtime; DHT, LSD, PeX, UPnP and GeoIP off; no
  tracker (the downloader is pointed at the seeder with `torrents/addPeers`). So nothing leaves the machine.
- Both processes are started through `setpriv --pdeathsig TERM` (when available), so they die with the Python process
  that started them even if it is killed; `stop()` (or leaving the `with` block, also on an exception) kills them,
  reaps them and removes the temporary directory. Start a pair from the main thread: the death signal is tied to the
  thread that forks.

Recipes and measured behaviour: ../shared/docs/e2e-recipes.md sections 1 and 2 (qBittorrent 4.5.2 from Debian 12).
The .torrent is built here (bencode + SHA-1 piece hashes, v1, single file), so no extra dependency is needed.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
from dataclasses import dataclass, field
import hashlib
import json
import os
from pathlib import Path
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Any
import urllib.error
import urllib.request
import uuid

import aiohttp

MIB = 1024 * 1024
DEFAULT_PAYLOAD_SIZE = 32 * MIB
DEFAULT_PIECE_LENGTH = 256 * 1024
EXECUTABLE = "qbittorrent-nox"
USERNAME = "admin"
SEEDING_STATES = frozenset({"uploading", "stalledUP", "queuedUP", "forcedUP", "pausedUP", "stoppedUP"})

# Every process started here, so that an interpreter exit without a proper stop() still kills them.
_LIVE: set[subprocess.Popen[bytes]] = set()


def find_qbittorrent_nox() -> str | None:
    """The path of qbittorrent-nox, or None when it is not installed."""
    return shutil.which(EXECUTABLE)


# --- .torrent generation -------------------------------------------------------------------------------------------


def bencode(value: int | bytes | str | list[Any] | dict[str | bytes, Any]) -> bytes:
    """Bencode ints, byte strings, strings (UTF-8), lists and dicts (keys sorted as raw bytes)."""
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def _bdecode_end(data: bytes, pos: int) -> int:
    """The index just past the bencoded value that starts at pos."""
    lead = data[pos : pos + 1]
    if lead == b"i":
        return data.index(b"e", pos) + 1
    if lead in (b"l", b"d"):
        pos += 1
        while data[pos : pos + 1] != b"e":
            pos = _bdecode_end(data, pos)
        return pos + 1
    if lead.isdigit():
        colon = data.index(b":", pos)
        return colon + 1 + int(data[pos:colon])
    raise ValueError(f"not bencode at offset {pos}")


def info_hash_of(torrent: bytes) -> str:
    """The lowercase v1 info hash (SHA-1 of the raw `info` value) of a .torrent file's bytes."""
    if torrent[:1] != b"d":
        raise ValueError("a .torrent file is a bencoded dict")
    pos = 1
    while torrent[pos : pos + 1] != b"e":
        key_end = _bdecode_end(torrent, pos)
        value_end = _bdecode_end(torrent, key_end)
        key = torrent[torrent.index(b":", pos) + 1 : key_end]
        if key == b"info":
            return hashlib.sha1(torrent[key_end:value_end]).hexdigest()  # noqa: S324 - BitTorrent v1 uses SHA-1
        pos = value_end
    raise ValueError("no info dict in the torrent")


def write_payload(path: Path, size: int, chunk: int = 4 * MIB) -> None:
    """A file of `size` random bytes (random, so that nothing can compress or deduplicate it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        left = size
        while left > 0:
            n = min(chunk, left)
            out.write(os.urandom(n))
            left -= n


def make_torrent(payload: Path, piece_length: int = DEFAULT_PIECE_LENGTH) -> bytes:
    """A v1 single-file .torrent for `payload`, with no tracker (peers come from addPeers)."""
    pieces = bytearray()
    with payload.open("rb") as src:
        while block := src.read(piece_length):
            pieces += hashlib.sha1(block).digest()  # noqa: S324 - BitTorrent v1 uses SHA-1
    info = {
        "length": payload.stat().st_size,
        "name": payload.name,
        "piece length": piece_length,
        "pieces": bytes(pieces),
    }
    return bencode({"info": info, "created by": "status_tracker tests", "creation date": int(time.time())})


@dataclass(frozen=True)
class SeededTorrent:
    """A payload the seeder has at 100 %."""

    path: Path
    torrent_bytes: bytes
    info_hash: str  # lowercase v1

    @property
    def size(self) -> int:
        """Payload size in bytes."""
        return self.path.stat().st_size


# --- profiles and processes ----------------------------------------------------------------------------------------


def pbkdf2_password_value(password: str) -> str:
    """The `WebUI\\Password_PBKDF2` value for a password (PBKDF2-HMAC-SHA512, 100000 rounds, 16-byte salt)."""
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100_000, 64)
    return f'"@ByteArray({base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()})"'


def free_port(*, also_udp: bool = False) -> int:
    """A port that is free on 127.0.0.1 (for TCP, and also for UDP when asked: BitTorrent uses both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
            if not also_udp:
                return port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port found on 127.0.0.1")


def write_profile(profile: Path, webui_port: int, bt_port: int, password: str | None) -> None:
    """A qBittorrent profile: loopback only, discovery off; no auth on localhost when password is None."""
    config = profile / "qBittorrent" / "config"
    config.mkdir(parents=True, exist_ok=True)
    (profile / "downloads").mkdir(exist_ok=True)
    if password is None:
        auth = ["WebUI\\LocalHostAuth=false"]
    else:
        auth = [
            "WebUI\\LocalHostAuth=true",
            f"WebUI\\Username={USERNAME}",
            f"WebUI\\Password_PBKDF2={pbkdf2_password_value(password)}",
        ]
    lines = [
        "[LegalNotice]",
        "Accepted=true",
        "",
        "[BitTorrent]",
        "Session\\DHTEnabled=false",
        "Session\\LSDEnabled=false",
        "Session\\PeXEnabled=false",
        "Session\\Interface=lo",
        "Session\\InterfaceName=lo",
        "Session\\InterfaceAddress=127.0.0.1",
        f"Session\\Port={bt_port}",
        "Session\\MultiConnectionsPerIp=true",
        "Session\\QueueingSystemEnabled=false",
        f"Session\\DefaultSavePath={profile / 'downloads'}",
        "",
        "[Network]",
        "PortForwardingEnabled=false",
        "",
        "[Preferences]",
        "Connection\\ResolvePeerCountries=false",
        "General\\StatusbarExternalIPDisplayed=false",
        "WebUI\\Address=127.0.0.1",
        f"WebUI\\Port={webui_port}",
        "WebUI\\MaxAuthenticationFailCount=0",
        *auth,
        "",
    ]
    (config / "qBittorrent.conf").write_text("\n".join(lines), encoding="utf-8")


@dataclass
class QBittorrentInstance:
    """One running qbittorrent-nox."""

    name: str
    profile: Path
    webui_port: int
    bt_port: int
    password: str | None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """WebUI base URL (an IP host: aiohttp needs CookieJar(unsafe=True) to keep the session cookie)."""
        return f"http://127.0.0.1:{self.webui_port}"

    @property
    def pid(self) -> int | None:
        """Process id while running."""
        return self.process.pid if self.process else None

    @property
    def download_dir(self) -> Path:
        """Default save path."""
        return self.profile / "downloads"

    @property
    def output_log(self) -> Path:
        """stdout and stderr of the process."""
        return self.profile / "output.log"

    @property
    def qbt_log(self) -> Path:
        """qBittorrent's own log."""
        return self.profile / "qBittorrent" / "data" / "logs" / "qbittorrent.log"

    def start(self, executable: str) -> None:
        """Write the profile and launch the process (does not wait for the WebUI)."""
        write_profile(self.profile, self.webui_port, self.bt_port, self.password)
        cmd = [executable, f"--profile={self.profile}", f"--webui-port={self.webui_port}"]
        if setpriv := shutil.which("setpriv"):
            cmd = [setpriv, "--pdeathsig", "TERM", "--", *cmd]
        with self.output_log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=self.profile
            )
        _LIVE.add(self.process)

    def stop(self, grace: float = 0.0) -> None:
        """Kill and reap the process: SIGTERM and up to `grace` seconds to exit cleanly, then SIGKILL."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            if process.poll() is None:
                if grace > 0:
                    process.terminate()
                    try:
                        process.wait(grace)
                    except subprocess.TimeoutExpired:
                        process.kill()
                else:
                    process.kill()
            process.wait(10)
        finally:
            _LIVE.discard(process)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the process output and of qBittorrent's log, for failure reports."""
        parts = []
        for path in (self.output_log, self.qbt_log):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                parts.append(f"--- {self.name}: {path.name}\n" + "\n".join(text))
        return "\n".join(parts)

    def wait_ready(self, timeout: float = 20) -> None:
        """Until the WebUI answers any HTTP status (403 without a cookie still means up)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"qbittorrent-nox ({self.name}) exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/app/version", timeout=2):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"qbittorrent-nox ({self.name}) WebUI not up after {timeout} s:\n{self.log_tail()}")
            time.sleep(0.05)


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = bytearray()
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, (filename, content) in files.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/x-bittorrent\r\n\r\n"
        ).encode()
        body += content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def _seeder_call(instance: QBittorrentInstance, path: str, body: bytes | None = None, content_type: str = "") -> str:
    """A call to the (auth-free) seeder with urllib; returns the body text."""
    request = urllib.request.Request(f"{instance.url}/api/v2/{path}", data=body)  # noqa: S310
    if content_type:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return str(response.read().decode())


# --- the pair ------------------------------------------------------------------------------------------------------


class QBittorrentPair:
    """A seeder and a downloader; see the module docstring."""

    def __init__(
        self,
        base_dir: Path | None = None,
        *,
        payload_size: int = DEFAULT_PAYLOAD_SIZE,
        password: str | None = None,
        executable: str | None = None,
    ) -> None:
        self._own_dir = base_dir is None
        self.base_dir = Path(tempfile.mkdtemp(prefix="qbt-harness-")) if base_dir is None else base_dir
        self.payload_size = payload_size
        self.executable = executable or find_qbittorrent_nox() or EXECUTABLE
        self.username = USERNAME
        self.password = password or f"pw-{secrets.token_urlsafe(12)}"
        self.seeder = QBittorrentInstance("seeder", self.base_dir / "seeder", 0, 0, None)
        self.downloader = QBittorrentInstance("downloader", self.base_dir / "downloader", 0, 0, self.password)
        self.payload: SeededTorrent | None = None

    # The downloader, as the integration sees it.
    @property
    def url(self) -> str:
        """The downloader's WebUI URL."""
        return self.downloader.url

    @property
    def torrent_bytes(self) -> bytes:
        """The default payload's .torrent."""
        assert self.payload is not None, "the pair is not started"
        return self.payload.torrent_bytes

    @property
    def info_hash(self) -> str:
        """The default payload's lowercase info hash."""
        assert self.payload is not None, "the pair is not started"
        return self.payload.info_hash

    @property
    def pids(self) -> list[int]:
        """Process ids of the running instances."""
        return [pid for pid in (self.seeder.pid, self.downloader.pid) if pid is not None]

    def __enter__(self) -> QBittorrentPair:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start both instances, wait for both WebUIs, and seed the default payload."""
        try:
            for instance in (self.seeder, self.downloader):
                instance.webui_port = free_port()
                instance.bt_port = free_port(also_udp=True)
                instance.start(self.executable)
            self.seeder.wait_ready()
            self.downloader.wait_ready()
            self.payload = self.seed(self.payload_size, name="payload.bin")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Kill both instances (no clean shutdown: the profiles are throwaway) and remove the files."""
        try:
            self.downloader.stop()
        finally:
            self.seeder.stop()
        if self._own_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        """Both instances' recent output."""
        return f"{self.seeder.log_tail(lines)}\n{self.downloader.log_tail(lines)}"

    def seed(self, size: int, name: str = "payload.bin", timeout: float = 60) -> SeededTorrent:
        """Generate a payload, add it to the seeder from its own directory and wait until it seeds at 100 %.

        Blocking (urllib): call it from a fixture or sync code, not from inside a running event loop.
        """
        directory = self.base_dir / "seed_data" / uuid.uuid4().hex[:8]
        path = directory / name
        write_payload(path, size)
        torrent = make_torrent(path)
        info_hash = info_hash_of(torrent)
        body, content_type = _multipart({"savepath": str(directory)}, {"torrents": (f"{name}.torrent", torrent)})
        answer = _seeder_call(self.seeder, "torrents/add", body, content_type)
        if answer.strip() != "Ok.":
            raise RuntimeError(f"seeder refused the torrent: {answer!r}")
        deadline = time.monotonic() + timeout
        while True:
            info = json.loads(_seeder_call(self.seeder, f"torrents/info?hashes={info_hash}"))
            if info and info[0]["progress"] == 1 and info[0]["state"] in SEEDING_STATES:
                return SeededTorrent(path, torrent, info_hash)
            if time.monotonic() > deadline:
                raise TimeoutError(f"seeder did not reach 100 %: {info}\n{self.log_tail()}")
            time.sleep(0.1)

    async def add_to_downloader(
        self,
        torrent_bytes: bytes | None = None,
        dl_limit_bytes_per_s: int = 0,
        *,
        category: str | None = None,
        connect_peer: bool = True,
        session: aiohttp.ClientSession | None = None,
    ) -> str:
        """Add a .torrent (default: the default payload) to the downloader, throttled, and connect it to the seeder.

        `dl_limit_bytes_per_s` 0 means unlimited. Returns the lowercase info hash. Uses its own aiohttp session (so
        the caller's session and its sync/maindata rid are untouched) unless one is given.
        """
        torrent = self.torrent_bytes if torrent_bytes is None else torrent_bytes
        info_hash = info_hash_of(torrent)
        if session is None:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as own:
                return await self._add(own, torrent, info_hash, dl_limit_bytes_per_s, category, connect_peer)
        return await self._add(session, torrent, info_hash, dl_limit_bytes_per_s, category, connect_peer)

    async def _add(
        self,
        session: aiohttp.ClientSession,
        torrent: bytes,
        info_hash: str,
        dl_limit: int,
        category: str | None,
        connect_peer: bool,
    ) -> str:
        api = f"{self.url}/api/v2"
        await self._login(session)
        form = aiohttp.FormData()
        form.add_field("torrents", torrent, filename="payload.torrent", content_type="application/x-bittorrent")
        if dl_limit > 0:
            form.add_field("dlLimit", str(dl_limit))
        if category:
            form.add_field("category", category)
        async with session.post(f"{api}/torrents/add", data=form) as resp:
            answer = await resp.text()
            if resp.status != 200 or answer.strip() != "Ok.":
                raise RuntimeError(f"downloader refused the torrent (HTTP {resp.status}): {answer!r}")
        if connect_peer:
            await self._connect_seeder(session, info_hash)
        return info_hash

    async def connect_seeder(self, info_hash: str) -> None:
        """Point the downloader's torrent at the seeder (addPeers), e.g. after add_to_downloader(connect_peer=False)."""
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            await self._login(session)
            await self._connect_seeder(session, info_hash)

    async def _login(self, session: aiohttp.ClientSession) -> None:
        async with session.post(
            f"{self.url}/api/v2/auth/login", data={"username": self.username, "password": self.password}
        ) as resp:
            if (await resp.text()).strip() not in ("Ok.", ""):
                raise RuntimeError(f"downloader login failed (HTTP {resp.status})")

    async def _connect_seeder(self, session: aiohttp.ClientSession, info_hash: str) -> None:
        """addPeers as soon as the torrent exists in the downloader (add is asynchronous in qBittorrent)."""
        api = f"{self.url}/api/v2"
        peer = f"127.0.0.1:{self.seeder.bt_port}"
        last = ""
        try:
            async with asyncio.timeout(10):
                while True:
                    async with session.post(
                        f"{api}/torrents/addPeers", data={"hashes": info_hash, "peers": peer}
                    ) as resp:
                        body = await resp.text()
                        last = f"HTTP {resp.status}: {body}"
                        if resp.status == 200 and json.loads(body).get(info_hash, {}).get("added"):
                            return
                    await asyncio.sleep(0.1)
        except TimeoutError as err:
            raise TimeoutError(f"addPeers {peer} for {info_hash} failed: {last}") from err


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_LIVE):
        if process.poll() is None:
            process.kill()
            process.wait(10)
