"""Helpers and constants shared by test modules: no fixtures, no test functions (tests/test_layout.py checks).

Fixtures live in tests/conftest.py, stand-ins for the services in tests/fakes/, the pure-core tracker driver in
tests/core/helpers.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
import copy
from datetime import timedelta
from http import HTTPStatus
import importlib.util
import json
import os
from pathlib import Path
import re
import sqlite3
import sys
import time
from typing import TYPE_CHECKING, Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY, CONF_URL, __version__ as ha_version
from homeassistant.core import HomeAssistant, State
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import CONF_IS_4K, CONF_JELLYSEERR, CONF_RADARR, CONF_SONARR, DOMAIN
from custom_components.status_tracker.hub import Hub

from .fakes.services import RADARR_URL, SEERR_URL, SONARR_URL

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

    from scripts.demo_lib.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "status_tracker"
FIXTURES = ROOT / "tests" / "fixtures"
REAL_FIXTURES = FIXTURES / "real"

# The entry every Home Assistant test sets up (tests/conftest.py), its store and the services it points at.
ENTRY_ID = "01JSTATUSTRACKERENTRY0001"
STORE_KEY = f"{DOMAIN}.{ENTRY_ID}"
DATABASE = f".storage/{STORE_KEY}.db"
JELLYFIN_URL = "http://192.168.1.10:8096"
JELLYFIN_API_KEY = "jf-secret-key-0123456789"
SERVER_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
SERVER_NAME = "Living Room Jellyfin"
QBT_URL = "http://192.168.1.10:8080"
SHOKO_URL = "http://192.168.1.10:8111"
SHOKO_API_KEY = "shoko-secret-key-abcdef"
WEBHOOK_IDS = {
    "jellyseerr": "wh-jellyseerr-0001",
    "radarr": "wh-radarr-0002",
    "sonarr": "wh-sonarr-0003",
    "jellyfin": "wh-jellyfin-0004",
}
# The services' URLs as the clients call them (mocked with aioresponses).
SYSTEM_INFO = f"{JELLYFIN_URL}/System/Info"
ITEMS = re.compile(r"^http://192\.168\.1\.10:8096/Items\?.*$")
MAINDATA = re.compile(r"^http://192\.168\.1\.10:8080/api/v2/sync/maindata\?rid=\d+$")

# What the recorded fixtures carry: the movie's and the episodes' download hashes, the movie's poster.
DUNE_HASH = "8c212779b4abde7c6bc608063a0d008b7e40ce32"
E05_HASH = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
PACK_HASH = "c0ffee00deadbeef0123456789abcdef01234567"
DUNE_POSTER = "https://image.tmdb.org/t/p/w600_and_h900_bestv2/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg"

# How the browser and end-to-end tests launch Debian's chromium through Playwright (no `playwright install`).
CHROMIUM = "/usr/bin/chromium"
# From ../shared/docs/e2e-recipes.md, section 4: no sandbox as root, no GPU, and a small /dev/shm in containers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# The four flows as the services send them, by fixture name (tests/fixtures/<service>/<name>.json).
MOVIE_FLOW = ("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download", "jellyfin/movie_item_added")
TV_FLOW = (
    "jellyseerr/tv_auto_approved",
    "sonarr/grab_season_pack",
    "sonarr/grab_episode",
    "sonarr/download_pack_file_e01",
    "sonarr/download_pack_file_e02",
    "sonarr/download_episode",
    "sonarr/import_complete_pack",
    "jellyfin/tv_series_item_added",
    *(f"jellyfin/tv_episode_s01e{number:02d}_item_added" for number in range(1, 6)),
)
ANIME_MOVIE_FLOW = (
    "jellyseerr/anime_movie_auto_approved",
    "radarr/anime_grab",
    "radarr/anime_download",
    "jellyfin/anime_movie_item_added",
)
ANIME_TV_FLOW = (
    "jellyseerr/anime_tv_auto_approved",
    "sonarr/anime_grab_e01",
    "sonarr/anime_grab_e02",
    "sonarr/anime_download_e01",
    "sonarr/anime_import_complete_e02",
    "jellyfin/anime_series_item_added",
    "jellyfin/anime_episode_s01e01_item_added",
    "jellyfin/anime_episode_s01e02_item_added",
)
# Attributes that depend on when a step ran, not on what happened.
CLOCK_ATTRIBUTES = {"created_at", "updated_at", "available_at", "state_changed_at", "anime_matched_at", "request_id"}


def load_fixture(name: str) -> str:
    """A recorded payload from tests/fixtures/<service>/<name>, as text."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def load_json(name: str) -> Any:
    """A recorded payload from tests/fixtures, decoded."""
    return json.loads(load_fixture(name))


def real_files() -> list[str]:
    """Every payload of the real-payload corpus, as "service/name.json", sorted."""
    return sorted(path.relative_to(REAL_FIXTURES).as_posix() for path in REAL_FIXTURES.glob("*/*.json"))


def real_body(name: str) -> bytes:
    """A real payload's bytes exactly as stored ("service/name.json")."""
    return (REAL_FIXTURES / name).read_bytes()


def real_payload(name: str) -> Any:
    """A real payload, decoded."""
    return json.loads(real_body(name))


def real_readme_files() -> set[str]:
    """The files the corpus README's table has a row for."""
    text = (REAL_FIXTURES / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([^`]+\.json)` \|", text, flags=re.MULTILINE))


def arr_field(resource: dict[str, Any], name: str) -> Any:
    """The value of one field of a Radarr/Sonarr provider resource (a notification's "fields" list)."""
    return next(field["value"] for field in resource["fields"] if field["name"] == name)


def items_page(*items: dict[str, Any]) -> dict[str, Any]:
    """A Jellyfin /Items answer holding these items (one page)."""
    return {"Items": list(items), "TotalRecordCount": len(items), "StartIndex": 0}


def pack_file_path(number: int) -> str:
    """Where Sonarr imports episode `number` of the Chernobyl season pack."""
    return f"/data/media/tv/Chernobyl/Season 01/Chernobyl - S01E{number:02d} [Bluray-1080p].mkv"


def pack_file_import(number: int) -> dict[str, Any]:
    """Sonarr's Download webhook for one file (S01E`number`) of the season pack, in download_pack_file_e01's form."""
    payload = load_json("sonarr/download_pack_file_e01.json")
    payload["episodes"][0].update(id=1200 + number, episodeNumber=number, tvdbId=6932230 + number)
    relative = pack_file_path(number).removeprefix("/data/media/tv/Chernobyl/")
    payload["episodeFile"].update(id=3100 + number, relativePath=relative, path=pack_file_path(number))
    return payload


def system_info(server_id: str = SERVER_ID, name: str = SERVER_NAME) -> dict[str, Any]:
    """A /System/Info answer as Jellyfin 10.11 sends it (PascalCase, extra keys)."""
    return {
        "OperatingSystemDisplayName": "Linux",
        "HasPendingRestart": False,
        "IsShuttingDown": False,
        "SupportsLibraryMonitor": True,
        "WebSocketPortNumber": 8096,
        "CanSelfRestart": True,
        "CanLaunchWebBrowser": False,
        "ServerName": name,
        "Version": "10.11.8",
        "ProductName": "Jellyfin Server",
        "Id": server_id,
        "StartupWizardCompleted": True,
    }


class Services:
    """Posts fixtures to the integration's webhooks like the real services do."""

    def __init__(self, hass: HomeAssistant, client_factory: ClientSessionGenerator) -> None:
        self.hass = hass
        self._client_factory = client_factory

    async def post(self, fixture: str, payload: Any = None, *, raw: str | None = None) -> tuple[int, dict[str, Any]]:
        """Send one payload (a fixture name, or a given payload under that service); the answer."""
        service = fixture.split("/", 1)[0]
        if raw is not None:
            body = raw
        elif payload is not None:
            body = json.dumps(payload)
        else:
            body = load_fixture(f"{fixture}.json")
        client = await self._client_factory()
        # The Jellyfin plugin's Generic destination sends text/plain unless told otherwise.
        content_type = "text/plain" if service == "jellyfin" else "application/json"
        response = await client.post(
            f"/api/webhook/{WEBHOOK_IDS[service]}", data=body, headers={"Content-Type": content_type}
        )
        answer = await response.json()
        await self.hass.async_block_till_done()
        return response.status, answer

    async def run(self, *fixtures: str) -> None:
        """Post fixtures in order, each answered 200."""
        for fixture in fixtures:
            status, answer = await self.post(fixture)
            assert status == HTTPStatus.OK, (fixture, answer)


def request_states(hass: HomeAssistant) -> list[State]:
    """Every request sensor's state, oldest entity first."""
    registry = er.async_get(hass)
    entities = [entry for entry in registry.entities.values() if entry.platform == DOMAIN]
    states = [hass.states.get(entry.entity_id) for entry in entities]
    # Summary sensors share the platform; request sensors carry a request id.
    return [state for state in states if state is not None and "request_id" in state.attributes]


def only_state(hass: HomeAssistant) -> State:
    """The single request sensor."""
    (state,) = request_states(hass)
    return state


def stable(state: State) -> tuple[str, dict[str, Any]]:
    """A state without its clock-dependent attributes, to compare runs."""
    return state.state, {key: value for key, value in state.attributes.items() if key not in CLOCK_ATTRIBUTES}


async def get_requests(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """The answer of the get_requests action called with `data`."""
    response = await hass.services.async_call(DOMAIN, "get_requests", data, blocking=True, return_response=True)
    assert isinstance(response, dict)
    return response


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload the entry and set it up again, as a Home Assistant restart does."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, by: float | timedelta) -> None:
    """Let time pass (seconds or a timedelta) so whatever is scheduled in between runs."""
    freezer.tick(by if isinstance(by, timedelta) else timedelta(seconds=by))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def wait_until(predicate: Callable[[], bool], within: float = 5) -> None:
    """Wait in real time (a real socket is involved) until `predicate` holds; fails the test after `within` s."""
    async with asyncio.timeout(within):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.005)


async def validate_automation(hass: HomeAssistant, config: dict[str, Any], name: str) -> None:
    """Home Assistant's validation of one automation (a blueprint's resolved); fails the test on any error."""
    from homeassistant.components.automation.config import (
        ValidationStatus,
        async_validate_config_item,
    )

    result = await async_validate_config_item(hass, name, copy.deepcopy(config))
    assert result is not None
    assert result.validation_status == ValidationStatus.OK, result.validation_error


def in_memory(hub: Hub) -> list[dict[str, Any]]:
    """Every request the hub holds, in its stored form, oldest first."""
    return [request.to_dict() for request in hub.requests.values()]


def read_database(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What a database file holds, read with SQLite alone: the requests in their stored form (oldest first, their
    episode rows folded in as the tracker's own form has them), and the meta values."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        requests = {rid: json.loads(data) for rid, data in conn.execute("SELECT id, data FROM requests ORDER BY seq")}
        query = "SELECT request_id, data FROM episodes ORDER BY request_id, season, episode"
        for rid, data in conn.execute(query):
            requests[rid].setdefault("episodes", []).append(json.loads(data))
        meta = {key: json.loads(value) for key, value in conn.execute("SELECT key, value FROM meta")}
    finally:
        conn.close()
    return list(requests.values()), meta


async def stored_requests(hass: HomeAssistant, entry_id: str = ENTRY_ID) -> list[dict[str, Any]]:
    """The requests on disk for an entry (see read_database)."""
    path = Path(hass.config.path(f".storage/{DOMAIN}.{entry_id}.db"))
    requests, _meta = await hass.async_add_executor_job(read_database, path)
    return requests


async def shown_errors(hass: HomeAssistant, result: Any, category: str = "config") -> dict[str, str]:
    """A flow form's errors as the frontend shows them: each field's English text (strings.json `<category>.error`),
    with the form's placeholders filled in. A KeyError when an error has no text."""
    texts = await async_get_translations(hass, "en", category, {DOMAIN})
    shown: dict[str, str] = {}
    for field, key in (result["errors"] or {}).items():
        text = texts[f"component.{DOMAIN}.{category}.error.{key}"]
        for name, value in (result.get("description_placeholders") or {}).items():
            text = text.replace(f"{{{name}}}", str(value))
        shown[field] = text
    return shown


def e2e_stack(workdir: Path, test: str, *, qbittorrent: bool = True, **options: Any) -> Stack:
    """A stack for an end-to-end test (scripts/demo_lib/stack.py), not started yet.

    Skipped off the 2025.4 leg (it starts Home Assistant from .venv) and, except in CI, without qbittorrent-nox (for
    a test that starts it: `qbittorrent`).
    """
    from scripts.demo_lib.stack import Stack
    from tests.fakes.qbittorrent import find_qbittorrent_nox, free_port

    if not ha_version.startswith("2025.4."):
        pytest.skip(f"the {test} test starts Home Assistant from .venv (2025.4); this is {ha_version}")
    if qbittorrent and find_qbittorrent_nox() is None:
        missing_system_part("qbittorrent-nox is not installed; install it with scripts/system-deps (as root)")
    return Stack(
        workdir=workdir,
        ha_config=workdir / "config",
        ha_port=free_port(),
        python=sys.executable,
        username="e2e",
        password="e2e-password-123",
        log=print,
        **options,
    )


class BrowserThread:
    """Playwright and one Debian chromium, used only from a single worker thread.

    Playwright's sync API must not share a thread with an asyncio loop (the test's), so every call goes through `run`.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
        self._playwright: Playwright | None = None
        self.browser: Browser | None = None

    def run[T](self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call `function` on the browser thread and return its result (or raise its exception here)."""
        return self._executor.submit(function, *args, **kwargs).result()

    def start(self) -> None:
        self.run(self._start)

    def stop(self) -> None:
        try:
            self.run(self._stop)
        finally:
            self._executor.shutdown(wait=True)

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

    def _stop(self) -> None:
        if self.browser is not None:
            self.browser.close()
        if self._playwright is not None:
            self._playwright.stop()


def require_browser() -> None:
    """Skip (fail under CI=true) a test that needs chromium and playwright when either is missing."""
    if importlib.util.find_spec("playwright") is None:
        missing_system_part("playwright is not installed; run scripts/setup")
    if not Path(CHROMIUM).exists():
        missing_system_part(f"{CHROMIUM} is missing; install the chromium package with scripts/system-deps (as root)")


def ha_context(browser: Browser, stack: Stack, **options: Any) -> BrowserContext:
    """A browser context logged in to the stack's Home Assistant with its long-lived token (no login form).

    The token is stored as the frontend stores its own (../shared/docs/e2e-recipes.md section 4); `options` go to
    `new_context` (viewport, color_scheme, ...). Call on the browser thread.
    """
    tokens = {
        "hassUrl": stack.ha_url,
        "clientId": f"{stack.ha_url}/",
        "access_token": stack.token,
        "token_type": "Bearer",
        "expires_in": 315360000,
        "expires": int(time.time() * 1000) + 315360000000,
        "refresh_token": "",
    }
    context = browser.new_context(**options)
    context.add_init_script(f"window.localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});")
    return context


@contextmanager
def running(stack: Stack, start: Callable[[], None] | None = None) -> Iterator[Stack]:
    """The stack started (by `start`, default `stack.start`), then stopped whatever happens, with its log printed."""
    started = time.monotonic()
    try:
        (start or stack.start)()
        print(f"  setup: {time.monotonic() - started:.1f} s")  # noqa: T201
        yield stack
    finally:
        try:
            stack.stop()
        finally:
            print_ha_log(stack.workdir)


def missing_system_part(reason: str) -> None:
    """Skip a test whose system package or program is missing; fail it in CI (CI=true), where it must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


def print_ha_log(workdir: Path, lines: int = 80) -> None:
    """The status_tracker lines and errors of a real Home Assistant's logs in `workdir` (all its runs), oldest first."""
    logs = sorted(workdir.glob("home-assistant.log*"), key=lambda path: path.stat().st_mtime)
    found = [line for log in logs for line in log.read_text(errors="replace").splitlines()]
    interesting = [line for line in found if "status_tracker" in line or "ERROR" in line]
    print(f"--- home-assistant.log (status_tracker and errors, last {lines} lines)")  # noqa: T201
    print("\n".join(interesting[-lines:]))  # noqa: T201


async def start_connected(
    hass: HomeAssistant, entry_data: dict[str, Any], *connections: str, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """An entry with these API connections besides Jellyfin (default: Jellyseerr, Radarr and Sonarr), answered by
    tests/fakes/services.py's FakeRemedyApis (the `remedy_apis` fixture)."""
    sections = {
        CONF_JELLYSEERR: {CONF_URL: SEERR_URL, CONF_API_KEY: "seerr-key-0123"},
        CONF_RADARR: {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123", CONF_IS_4K: False},
        CONF_SONARR: {CONF_URL: SONARR_URL, CONF_API_KEY: "sonarr-key-0123", CONF_IS_4K: False},
    }
    wanted = connections or tuple(sections)
    await async_process_ha_core_config(hass, {"internal_url": "http://192.168.1.20:8123"})
    data = {**entry_data, **{key: sections[key] for key in wanted}}
    entry = MockConfigEntry(domain=DOMAIN, title=SERVER_NAME, data=data, options=options or {}, entry_id=ENTRY_ID)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
