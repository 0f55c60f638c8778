"""The real stack of the demo and of tests/e2e: Home Assistant, a qBittorrent pair, the Jellyfin/Shoko stand-ins.

Synchronous on purpose (requests, subprocesses): the e2e test runs it from a plain pytest test, next to Home
Assistant's test harness and its event loop, and scripts/demo runs it as a program. Every process is started in a
process group of its own and, where `setpriv` exists, with a parent-death signal; `Stack.stop()` (also called at
interpreter exit) kills what it started, by process group.

Recipes: ../shared/docs/e2e-recipes.md (qBittorrent profiles, HA start and onboarding, REST config flow).
"""

from __future__ import annotations

import asyncio
import atexit
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import requests

from custom_components.status_tracker.const import CONF_LIBRARY_POLL_INTERVAL, CONF_STUCK_AFTER
from scripts.standins import DEFAULT_API_KEY, DEFAULT_SHOKO_API_KEY
from tests.fakes.qbittorrent import MIB, QBittorrentPair, SeededTorrent

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
DOMAIN = "status_tracker"
DASHBOARD_VIEW = "requests"

CONFIGURATION_YAML = """\
homeassistant:
  name: Media Request Status Tracker demo
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: NL
  language: en
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
webhook:
onboarding:
config:
websocket_api:
# What the README promises to show: the integration's events in the logbook, every state in history. A one-second
# commit interval lets the logbook API read an event a moment after it happened.
recorder:
  commit_interval: 1
history:
logbook:
logger:
  default: warning
  logs:
    custom_components.status_tracker: debug
    homeassistant.setup: info
"""


# --- the four flows ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """One torrent of a flow: the grab that announces it, the import webhooks posted once it is complete."""

    key: str
    service: str  # radarr | sonarr
    grab: str  # fixture name
    imports: tuple[str, ...]  # fixtures posted, in order, when the download is complete
    episodes: tuple[int, ...]  # season 1 episodes it holds (empty for a movie)
    file_name: str
    size: int
    seconds: float  # wanted download time (the throttle is size / seconds)


@dataclass(frozen=True)
class Flow:
    """One request from Jellyseerr to Jellyfin."""

    media: str  # key in scripts.standins.MEDIA
    title: str
    request: str  # Jellyseerr fixture
    media_type: str
    is_anime: bool
    downloads: tuple[Download, ...]

    @property
    def episodes(self) -> tuple[int, ...]:
        """Every episode the flow downloads."""
        return tuple(number for download in self.downloads for number in download.episodes)


FLOWS: tuple[Flow, ...] = (
    Flow(
        "dune",
        "Dune: Part Two",
        "jellyseerr/movie_auto_approved",
        "movie",
        False,
        (
            Download(
                "dune",
                "radarr",
                "radarr/grab",
                ("radarr/download",),
                (),
                "Dune.Part.Two.2024.2160p.UHD.BluRay.REMUX-FraMeSToR.mkv",
                32 * MIB,
                26,
            ),
        ),
    ),
    Flow(
        "chernobyl",
        "Chernobyl",
        "jellyseerr/tv_auto_approved",
        "tv",
        False,
        (
            Download(
                "chernobyl-pack",
                "sonarr",
                "sonarr/grab_season_pack",
                ("sonarr/download_pack_file_e01", "sonarr/download_pack_file_e02", "sonarr/import_complete_pack"),
                (1, 2, 3, 4),
                "Chernobyl.S01.1080p.BluRay.x264-ROVERS.mkv",
                40 * MIB,
                30,
            ),
            Download(
                "chernobyl-e05",
                "sonarr",
                "sonarr/grab_episode",
                ("sonarr/download_episode",),
                (5,),
                "Chernobyl.S01E05.Vichnaya.Pamyat.1080p.AMZN.WEB-DL-NTb.mkv",
                16 * MIB,
                22,
            ),
        ),
    ),
    Flow(
        "suzume",
        "Suzume",
        "jellyseerr/anime_movie_auto_approved",
        "movie",
        True,
        (
            Download(
                "suzume",
                "radarr",
                "radarr/anime_grab",
                ("radarr/anime_download",),
                (),
                "Suzume.2022.1080p.BluRay.x264.mkv",
                24 * MIB,
                24,
            ),
        ),
    ),
    Flow(
        "frieren",
        "Frieren: Beyond Journey's End",
        "jellyseerr/anime_tv_auto_approved",
        "tv",
        True,
        (
            Download(
                "frieren-e01",
                "sonarr",
                "sonarr/anime_grab_e01",
                ("sonarr/anime_download_e01",),
                (1,),
                "Sousou.no.Frieren.S01E01.1080p.WEB-DL.mkv",
                16 * MIB,
                22,
            ),
            Download(
                "frieren-e02",
                "sonarr",
                "sonarr/anime_grab_e02",
                ("sonarr/anime_import_complete_e02",),
                (2,),
                "Sousou.no.Frieren.S01E02.1080p.WEB-DL.mkv",
                20 * MIB,
                28,
            ),
        ),
    ),
)


# --- the requests that go wrong ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trouble:
    """A request that does not reach AVAILABLE, played from the webhooks its services send (real ones where kept)."""

    key: str
    title: str
    media_type: str
    state: str  # what Home Assistant shows once it is played (and, for the stuck one, flagged)
    webhooks: tuple[str, ...]  # fixtures posted in order
    # The torrent a grab names: added to the downloader with no peer, so it never moves (the stuck request).
    stalled: Download | None = None


# Jellyseerr could not hand the approved request to Radarr: MEDIA_FAILED after the (real) MEDIA_PENDING.
FAILED = Trouble(
    "beekeeper",
    "The Beekeeper",
    "movie",
    "failed",
    ("real/jellyseerr/overseerr_grusite_movie_media_pending", "jellyseerr/beekeeper_failed"),
)
# Sonarr could not import a download on its own (a sample file in the release): a real ManualInteractionRequired.
NEEDS_ATTENTION = Trouble(
    "only-murders",
    "Only Murders in the Building",
    "tv",
    "downloaded",
    ("real/sonarr/ruddarr_series-interaction-required",),
)
# Radarr grabbed a release nobody seeds: the torrent sits at 0 %, and the request is flagged stuck after
# DEMO_OPTIONS' stuck_after.
STUCK = Trouble(
    "akira",
    "Akira",
    "movie",
    "downloading",
    ("real/radarr/ruddarr_movie-grab",),
    Download("akira", "radarr", "real/radarr/ruddarr_movie-grab", (), (), "Akira.1988.1080p.BDRip.mkv", 8 * MIB, 30),
)
TROUBLES: tuple[Trouble, ...] = (FAILED, NEEDS_ATTENTION, STUCK)
# The integration's options for the demo (saved through its options flow, as a user would): the shortest stuck time
# the options allow, and a library check (which also looks for stuck requests) every 30 s.
DEMO_OPTIONS: dict[str, Any] = {CONF_STUCK_AFTER: 5, CONF_LIBRARY_POLL_INTERVAL: 30}


def load_fixture(name: str) -> Any:
    """A webhook payload from tests/fixtures."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


# --- processes -----------------------------------------------------------------------------------------------------

_LIVE: set[subprocess.Popen[bytes]] = set()


def start_process(cmd: list[str], log: Path, *, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    """Start a command in a new process group, output to `log`, killed with us when setpriv is there."""
    if setpriv := shutil.which("setpriv"):
        cmd = [setpriv, "--pdeathsig", "TERM", "--", *cmd]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True
        )
    _LIVE.add(process)
    return process


def stop_process(process: subprocess.Popen[bytes] | None, grace: float = 10) -> None:
    """SIGTERM the process group, SIGKILL it after `grace` seconds, and reap the leader."""
    if process is None:
        return
    try:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (also children of a leader that already exited).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        _LIVE.discard(process)


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_LIVE):
        stop_process(process, grace=2)


def run_async[T](factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a fresh event loop in a short-lived thread (keeps the caller's loop untouched)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(factory())
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = err

    thread = threading.Thread(target=target, name="stack-async")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    value: T = result["value"]
    return value


def wait_for[T](what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.25) -> T:
    """Poll `probe` until it returns something other than None (or False); TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = probe()
            if value is not None and value is not False:
                return value
        except (requests.RequestException, OSError, ValueError, KeyError) as err:
            last_error = err
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout:.0f} s (last error: {last_error!r})")
        time.sleep(interval)


def _form_values(schema: list[dict[str, Any]]) -> dict[str, Any]:
    """The values HA's frontend submits for a form left as shown: suggested values, sections as mappings."""
    values: dict[str, Any] = {}
    for field_ in schema:
        if field_.get("type") == "expandable":
            values[field_["name"]] = _form_values(field_.get("schema") or [])
        elif "suggested_value" in (field_.get("description") or {}):
            values[field_["name"]] = field_["description"]["suggested_value"]
    return values


# --- the stack -----------------------------------------------------------------------------------------------------


@dataclass
class Stack:
    """Everything the demo and the e2e test run; `start()` brings it up, `stop()` tears it down."""

    workdir: Path
    ha_config: Path
    ha_port: int
    python: str = sys.executable
    username: str = "demo"
    password: str = "demo-password"  # noqa: S105 - a throwaway local account
    time_scale: float = 1.0  # multiplies every download's duration
    log: Callable[[str], None] = print
    # Saved through the options flow right after the integration is added (none: its defaults).
    options: dict[str, Any] = field(default_factory=dict)
    ha_process: subprocess.Popen[bytes] | None = None
    standins_process: subprocess.Popen[bytes] | None = None
    qbittorrent: QBittorrentPair | None = None
    token: str = ""
    jellyfin_url: str = ""
    shoko_url: str = ""
    control_url: str = ""
    entry_id: str = ""
    webhook_ids: dict[str, str] = field(default_factory=dict)
    seeded: dict[str, SeededTorrent] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    _http: requests.Session = field(default_factory=requests.Session)

    @property
    def ha_url(self) -> str:
        """Home Assistant's base URL."""
        return f"http://127.0.0.1:{self.ha_port}"

    @property
    def dashboard_url(self) -> str:
        """The dashboard view that holds the card."""
        return f"{self.ha_url}/lovelace/{DASHBOARD_VIEW}"

    @property
    def ha_log(self) -> Path:
        """Home Assistant's log file."""
        return self.workdir / "home-assistant.log"

    # --- lifecycle -------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Stand-ins, qBittorrent pair (payloads seeded), Home Assistant (onboarded), integration, dashboard."""
        try:
            self._timed("stand-ins", self.start_standins)
            self._timed("qbittorrent", self._start_pair)
            # Seeding (generating and hashing each file) and Home Assistant's start both take seconds and need nothing
            # from each other. Only the seeding runs on a thread: it starts no process, while a process started from a
            # thread gets its parent-death signal when that thread ends.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stack-seeding") as pool:
                seeding = pool.submit(self._timed, "seeding", self._seed)
                try:
                    self._timed("home assistant", self.start_home_assistant)
                finally:
                    seeding.result()
            self._timed("config flow", self.add_integration)
            if self.options:
                self._timed("options", lambda: self.set_options(self.options))
            self._timed("dashboard", self.save_dashboard)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop everything this stack started (idempotent)."""
        try:
            self.stop_home_assistant()
        finally:
            try:
                stop_process(self.standins_process, grace=5)
            finally:
                self.standins_process = None
                if self.qbittorrent is not None:
                    self.qbittorrent.stop()
                    self.qbittorrent = None

    def _timed(self, name: str, step: Callable[[], None]) -> None:
        started = time.monotonic()
        step()
        self.timings[name] = time.monotonic() - started
        self.log(f"  {name}: {self.timings[name]:.1f} s")

    # --- stand-ins -------------------------------------------------------------------------------------------------

    def start_standins(self) -> None:
        """The Jellyfin and Shoko stand-ins, on free ports; their URLs come from their first output line."""
        log = self.workdir / "standins.log"
        log.unlink(missing_ok=True)
        self.standins_process = start_process(
            [self.python, "-u", "-m", "scripts.standins", "--api-key", DEFAULT_API_KEY], log
        )

        process = self.standins_process

        def ready() -> dict[str, str] | None:
            if process.poll() is not None:
                raise RuntimeError(f"the stand-ins exited:\n{log.read_text(errors='replace')}")
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    return dict(json.loads(line))
            return None

        urls = wait_for("stand-ins listening", ready, 30)
        self.jellyfin_url, self.shoko_url, self.control_url = urls["jellyfin"], urls["shoko"], urls["control"]

    def control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call the stand-ins' control API."""
        if body is None:
            response = self._http.get(f"{self.control_url}/{path}", timeout=10)
        else:
            response = self._http.post(f"{self.control_url}/{path}", json=body, timeout=10)
        response.raise_for_status()
        return dict(response.json())

    # --- qBittorrent -----------------------------------------------------------------------------------------------

    def start_qbittorrent(self) -> None:
        """The seeder + downloader pair, each flow's files generated and seeded at 100 %."""
        self._start_pair()
        self._seed()

    def _start_pair(self) -> None:
        pair = QBittorrentPair(self.workdir / "qbittorrent", payload_size=64 * 1024)
        self.qbittorrent = pair
        pair.start()

    def _seed(self) -> None:
        pair = self._pair()
        downloads = [download for flow in FLOWS for download in flow.downloads]
        downloads += [trouble.stalled for trouble in TROUBLES if trouble.stalled is not None]
        for download in downloads:
            self.seeded[download.key] = pair.seed(download.size, name=download.file_name)

    def info_hash(self, download: Download) -> str:
        """The lowercase info hash of a download's torrent."""
        return self.seeded[download.key].info_hash

    def _pair(self) -> QBittorrentPair:
        if self.qbittorrent is None:
            raise RuntimeError("the qBittorrent pair is not running")
        return self.qbittorrent

    def _qbt_session(self) -> requests.Session:
        pair = self._pair()
        session = requests.Session()
        answer = session.post(
            f"{pair.url}/api/v2/auth/login",
            data={"username": pair.username, "password": pair.password},
            timeout=10,
        )
        if answer.text.strip() != "Ok.":
            raise RuntimeError(f"downloader login failed: HTTP {answer.status_code} {answer.text!r}")
        return session

    def add_torrent(self, download: Download, *, seeded: bool = True) -> float:
        """Add a download's .torrent to the downloader, throttled, and point it at the seeder; the limit in B/s.

        With `seeded=False` the downloader never learns of a peer (no tracker, DHT, LSD or PeX): it stalls at 0 %.
        """
        pair = self._pair()
        torrent = self.seeded[download.key]
        limit = int(download.size / (download.seconds * self.time_scale))
        api = f"{pair.url}/api/v2"
        session = self._qbt_session()
        answer = session.post(
            f"{api}/torrents/add",
            files={"torrents": (f"{download.file_name}.torrent", torrent.torrent_bytes, "application/x-bittorrent")},
            data={"dlLimit": str(limit), "category": "radarr" if download.service == "radarr" else "tv-sonarr"},
            timeout=10,
        )
        if answer.status_code != 200 or answer.text.strip() != "Ok.":
            raise RuntimeError(f"downloader refused {download.key}: HTTP {answer.status_code} {answer.text!r}")
        if not seeded:
            return limit
        peer = f"127.0.0.1:{pair.seeder.bt_port}"

        def connected() -> bool:
            reply = session.post(
                f"{api}/torrents/addPeers", data={"hashes": torrent.info_hash, "peers": peer}, timeout=10
            )
            return reply.status_code == 200 and bool(reply.json().get(torrent.info_hash, {}).get("added"))

        wait_for(f"addPeers for {download.key}", connected, 15, interval=0.1)
        return limit

    def torrent_progress(self) -> dict[str, float]:
        """Progress (0..1) of every torrent in the downloader, by download key."""
        by_hash = {self.info_hash(d): d.key for flow in FLOWS for d in flow.downloads}
        info = self._qbt_session().get(f"{self._pair().url}/api/v2/torrents/info", timeout=10).json()
        return {by_hash[t["hash"]]: float(t["progress"]) for t in info if t["hash"] in by_hash}

    # --- Home Assistant --------------------------------------------------------------------------------------------

    def start_home_assistant(self) -> None:
        """Start HA on its config dir, onboard it on a first start (owner account, long-lived token), until RUNNING."""
        config = self.ha_config
        (config / "custom_components").mkdir(parents=True, exist_ok=True)
        if not (config / "configuration.yaml").exists():
            (config / "configuration.yaml").write_text(CONFIGURATION_YAML.format(port=self.ha_port), encoding="utf-8")
        link = config / "custom_components" / DOMAIN
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(ROOT / "custom_components" / DOMAIN)
        self.ha_process = ha = start_process(
            [self.python, "-m", "homeassistant", "--config", str(config), "--log-file", str(self.ha_log)],
            self.workdir / "home-assistant.out",
        )

        def http_up() -> int | None:
            if ha.poll() is not None:
                raise RuntimeError(f"Home Assistant exited; see {self.ha_log}")
            # 200 until the owner exists; then Home Assistant no longer serves the onboarding views (404).
            status = self._http.get(f"{self.ha_url}/api/onboarding", timeout=5).status_code
            return status if status in {200, 404} else None

        onboarding = wait_for("Home Assistant HTTP", http_up, 180)
        token_file = config / ".demo_token"
        if onboarding == 200:
            subprocess.run(  # noqa: S603
                [
                    self.python,
                    str(ROOT / "scripts" / "onboard.py"),
                    self.ha_url,
                    str(token_file),
                    self.username,
                    self.password,
                ],
                check=True,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                timeout=60,
            )
        elif not token_file.exists():
            raise RuntimeError(f"{config} is onboarded but holds no {token_file.name} from a first start")
        self.token = token_file.read_text(encoding="utf-8").strip()
        wait_for("Home Assistant RUNNING", lambda: self.api("GET", "/api/config")["state"] == "RUNNING", 120)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Home Assistant's REST API with the long-lived token."""
        response = self._http.request(
            method,
            f"{self.ha_url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text}")
        return response.json() if response.content else None

    def add_integration(self) -> None:
        """The integration through HA's REST config flow, as the UI adds it (unless an entry exists already)."""
        entries = self.api("GET", "/api/config/config_entries/entry")
        mine = [entry for entry in entries if entry["domain"] == DOMAIN]
        pair = self._pair()
        if mine:
            self.entry_id = mine[0]["entry_id"]
            raise RuntimeError("the config already holds a status_tracker entry; start from a fresh config dir")
        flow = self.api("POST", "/api/config/config_entries/flow", {"handler": DOMAIN, "show_advanced_options": False})
        if flow.get("type") != "form" or flow.get("step_id") != "user":
            raise RuntimeError(f"unexpected first step: {flow}")
        answer = self.api(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {
                "url": self.jellyfin_url,
                "api_key": DEFAULT_API_KEY,
                "qbittorrent": {"url": pair.url, "username": pair.username, "password": pair.password},
                "shoko": {"url": self.shoko_url, "api_key": DEFAULT_SHOKO_API_KEY},
            },
        )
        if answer.get("type") != "create_entry":
            raise RuntimeError(f"the config flow did not create the entry: {answer}")
        self.entry_id = answer["result"]["entry_id"]
        for service, url in (answer.get("description_placeholders") or {}).items():
            if match := re.search(r"/api/webhook/([^/?\s]+)", str(url)):
                self.webhook_ids[service] = match.group(1)
        missing = {"jellyseerr", "radarr", "sonarr", "jellyfin"} - set(self.webhook_ids)
        if missing:
            raise RuntimeError(f"no webhook URL for {sorted(missing)} in {answer}")
        self.wait_entry_loaded()

    def wait_entry_loaded(self, timeout: float = 30) -> None:
        """Until the integration's entry is set up (after adding it, changing its options, a restart)."""
        wait_for(
            "entry loaded",
            lambda: any(
                e["entry_id"] == self.entry_id and e["state"] == "loaded"
                for e in self.api("GET", "/api/config/config_entries/entry")
            ),
            timeout,
        )

    def set_options(self, options: dict[str, Any]) -> None:
        """Save the entry's options through HA's REST options flow, as the UI does; the entry reloads."""
        flow = self.api("POST", "/api/config/config_entries/options/flow", {"handler": self.entry_id})
        if flow.get("type") != "form":
            raise RuntimeError(f"unexpected options step: {flow}")
        # What the form shows filled in (the saved options), with `options` typed over it.
        values = {**_form_values(flow.get("data_schema") or []), **options}
        answer = self.api("POST", f"/api/config/config_entries/options/flow/{flow['flow_id']}", values)
        if answer.get("type") != "create_entry":
            raise RuntimeError(f"the options flow did not save: {answer}")
        self.wait_entry_loaded()

    def stop_home_assistant(self) -> None:
        """Stop Home Assistant as `ha core stop` does (SIGTERM: every pending write is flushed)."""
        try:
            stop_process(self.ha_process, grace=15)
        finally:
            self.ha_process = None

    def kill_home_assistant(self) -> None:
        """SIGKILL Home Assistant at once, as a power cut or the OOM killer would: no shutdown, no last write."""
        process = self.ha_process
        if process is None:
            raise RuntimeError("Home Assistant is not running")
        os.kill(process.pid, signal.SIGKILL)
        try:
            process.wait(10)
        finally:
            # Reaps it and whatever is left of its process group.
            stop_process(process)
            self.ha_process = None

    def restart_home_assistant(self) -> None:
        """Start Home Assistant again on the same config dir (already onboarded: the saved token) until loaded."""
        self.start_home_assistant()
        self.wait_entry_loaded()

    def save_dashboard(self) -> None:
        """The default dashboard, in storage mode, with one panel view holding the card (websocket API)."""
        config = {
            "title": "Media requests",
            "views": [
                {
                    "title": "Requests",
                    "path": DASHBOARD_VIEW,
                    "icon": "mdi:movie-open",
                    "panel": False,
                    "max_columns": 1,
                    "cards": [{"type": "custom:status-tracker-card", "title": "Media requests", "filter": "all"}],
                }
            ],
        }

        self.websocket({"type": "lovelace/config/save", "config": config, "url_path": None})

    def repair_issues(self) -> list[dict[str, Any]]:
        """Home Assistant's repair issues (Settings → Repairs), as its frontend lists them."""
        return list(self.websocket({"type": "repairs/list_issues"})["issues"])

    def websocket(self, message: dict[str, Any]) -> Any:
        """One command over Home Assistant's websocket API, authenticated with the token; its result."""

        async def call() -> Any:
            async with aiohttp.ClientSession() as session, session.ws_connect(f"{self.ha_url}/api/websocket") as ws:
                await ws.receive_json()
                await ws.send_json({"type": "auth", "access_token": self.token})
                if (await ws.receive_json()).get("type") != "auth_ok":
                    raise RuntimeError("websocket auth failed")
                await ws.send_json({"id": 1, **message})
                answer = await ws.receive_json()
                if not answer.get("success"):
                    raise RuntimeError(f"{message['type']} failed: {answer}")
                return answer.get("result")

        return run_async(call)

    # --- webhooks --------------------------------------------------------------------------------------------------

    def post_webhook(self, fixture: str, *, download_id: str | None = None) -> str:
        """Post a fixture to its service's webhook as that service does; the integration's answer message.

        `download_id`: the demo's torrent, named as Radarr/Sonarr name a qBittorrent download (a real payload may
        come from another client).
        """
        service = fixture.removeprefix("real/").split("/", 1)[0]
        payload = load_fixture(fixture)
        if download_id is not None:
            # Radarr and Sonarr report qBittorrent's hash in upper case.
            payload["downloadId"] = download_id.upper()
            payload["downloadClient"] = payload["downloadClientType"] = "qBittorrent"
        response = self._http.post(
            f"{self.ha_url}/api/webhook/{self.webhook_ids[service]}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json", "User-Agent": f"{service.capitalize()}/demo"},
            timeout=30,
        )
        message = str(response.json().get("message")) if response.content else ""
        if response.status_code != 200 or not message.startswith("applied"):
            raise RuntimeError(f"{fixture}: HTTP {response.status_code} {message!r}")
        return message

    def play_trouble(self, trouble: Trouble) -> None:
        """Post a troubled request's webhooks; the stuck one's grab names its torrent, added with no peer."""
        for fixture in trouble.webhooks:
            if trouble.stalled is not None and fixture == trouble.stalled.grab:
                self.post_webhook(fixture, download_id=self.info_hash(trouble.stalled))
                self.add_torrent(trouble.stalled, seeded=False)
            else:
                self.post_webhook(fixture)

    def logbook(self, entity_id: str, since: str) -> list[dict[str, Any]]:
        """The logbook entries of one entity since an ISO time, as `GET /api/logbook` gives them (oldest first)."""
        entries = self.api("GET", f"/api/logbook/{quote(since)}?{urlencode({'entity': entity_id})}")
        return list(entries)

    def request_states(self) -> dict[str, dict[str, Any]]:
        """Every request sensor's state object from /api/states, keyed by title."""
        states = self.api("GET", "/api/states")
        return {
            state["attributes"]["title"]: state
            for state in states
            if state["entity_id"].startswith("sensor.") and "request_id" in state.get("attributes", {})
        }
