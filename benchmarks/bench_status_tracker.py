"""The four figures of issue 7, each against a baseline measured in the same run. Printed, never asserted.

a. webhook cost through Home Assistant's HTTP stack vs a no-op webhook handler in the same instance;
b. per-webhook cost with 10,000 requests / 100,000 episodes vs 10 requests (tracker core, then HTTP);
c. load time and memory of that store, and store bytes per episode;
d. HTTP requests to qBittorrent per poll cycle with 500 active torrents vs 1.

Not collected by the test command (testpaths is `tests`); run with `python -m benchmarks` or `scripts/bench`.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
from datetime import UTC, datetime, timedelta
import gc
import json
from pathlib import Path
import re
import statistics
import time
import tracemalloc
from typing import Any

from aiohttp import web
from aioresponses import CallbackResult, aioresponses
from homeassistant.components import webhook
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
import orjson
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import (
    CONF_QBITTORRENT,
    CONF_SHOKO,
    CONF_WEBHOOK_IDS,
    DOMAIN,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
)
from custom_components.status_tracker.core.models import AnimeRules
from custom_components.status_tracker.core.tracker import Tracker
from custom_components.status_tracker.webhook import PARSERS

from .conftest import report
from .data import TARGET_MOVIES, TARGET_SERIES, movie, targets, torrent_hash, tracker_data

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures"
ENTRY_ID = "01JSTATUSTRACKERBENCH00001"
WEBHOOK_IDS = {service: f"bench-{service}" for service in ("jellyseerr", "radarr", "sonarr", "jellyfin")}
QBT_URL = "http://192.168.1.10:8080"
BIG_REQUESTS, BIG_EPISODES = 10_000, 100_000

WEBHOOK_ITERATIONS = 2_000
SCALE_CORE_OPS = 4_000
SCALE_HTTP_OPS = 2_000
TORRENTS = 500
POLL_CYCLES = 5


def fixture(name: str) -> Any:
    """A recorded payload from tests/fixtures, decoded."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def verdict(ok: bool) -> str:
    """OK, or a loud MISSED."""
    return "OK" if ok else "MISSED <-- target not met"


def ms(ns: float) -> str:
    """Nanoseconds as milliseconds."""
    return f"{ns / 1e6:.3f} ms"


def entry(**data: Any) -> MockConfigEntry:
    """A status_tracker entry (Jellyfin, optional qBittorrent), not yet added to hass."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Bench Jellyfin",
        unique_id="bench-server",
        entry_id=ENTRY_ID,
        data={
            CONF_URL: "http://192.168.1.10:8096",
            CONF_API_KEY: "bench-key",
            CONF_QBITTORRENT: {},
            CONF_SHOKO: {},
            CONF_WEBHOOK_IDS: dict(WEBHOOK_IDS),
            **data,
        },
    )


def store_with(hass_storage: dict[str, Any], tracker: dict[str, Any]) -> None:
    """What the entry finds in its store at setup."""
    hass_storage[f"{DOMAIN}.{ENTRY_ID}"] = {
        "version": STORAGE_VERSION,
        "minor_version": STORAGE_MINOR_VERSION,
        "key": f"{DOMAIN}.{ENTRY_ID}",
        "data": {"tracker": tracker, "last_webhook": {}},
    }


async def setup(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    """Add and set up the entry."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)  # noqa: S101 - setup, not a figure
    await hass.async_block_till_done()


# --- a. webhook cost ------------------------------------------------------------------------------------------


async def test_a_webhook_cost(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, hass_storage: dict[str, Any]
) -> None:
    """Median time per Radarr Grab through HA's HTTP stack vs a no-op handler, posts interleaved."""
    await setup(hass, entry())

    async def noop(hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        return web.Response(status=200)

    webhook.async_register(hass, "bench", "no-op", "bench-noop", noop, allowed_methods=["POST"])
    client = await hass_client_no_auth()
    body = (FIXTURES / "radarr" / "grab.json").read_bytes()
    headers = {"Content-Type": "application/json"}
    ours_url, noop_url = f"/api/webhook/{WEBHOOK_IDS['radarr']}", "/api/webhook/bench-noop"

    async def post(url: str) -> int:
        start = time.perf_counter_ns()
        response = await client.post(url, data=body, headers=headers)
        await response.read()
        elapsed = time.perf_counter_ns() - start
        if response.status != 200:
            raise AssertionError(f"{url} answered {response.status}")
        return elapsed

    for _ in range(100):  # warm-up; the first Grab creates the request
        await post(ours_url)
        await post(noop_url)
    ours, base = [], []
    for _ in range(WEBHOOK_ITERATIONS):
        base.append(await post(noop_url))
        ours.append(await post(ours_url))
    await hass.async_block_till_done()
    ours_ms, base_ms = statistics.median(ours), statistics.median(base)
    ratio = ours_ms / base_ms
    report(
        f"a. webhook (Radarr Grab, HA HTTP, {WEBHOOK_ITERATIONS} posts): median {ms(ours_ms)} vs no-op {ms(base_ms)}"
        f" -> ratio {ratio:.2f} (target <= 1.5) {verdict(ratio <= 1.5)}"
    )


# --- b. scale -------------------------------------------------------------------------------------------------


def scale_payloads(count: int) -> list[tuple[str, bytes]]:
    """The webhooks the scale benchmark posts, the same in both runs: a Radarr Grab and a Sonarr Grab (each
    alternating between two download ids, so every one changes its request), a Jellyfin episode ItemAdded for a
    target series, and a Jellyseerr request for a new movie (creates a request).
    """
    radarr, sonarr = fixture("radarr/grab"), fixture("sonarr/grab_episode")
    jellyfin, jellyseerr = fixture("jellyfin/tv_episode_s01e01_item_added"), fixture("jellyseerr/movie_auto_approved")
    out: list[tuple[str, bytes]] = []
    for k in range(count):
        step, kind = divmod(k, 4)
        target, flip = step % TARGET_MOVIES, (step // TARGET_MOVIES) % 2
        number = (step // TARGET_SERIES) % 20 + 1
        if kind == 0:
            body, info = copy.deepcopy(radarr), movie(target)
            for key in ("movie", "remoteMovie"):
                body[key] |= {"tmdbId": info["tmdb_id"], "imdbId": info["imdb_id"], "title": info["title"]}
            body["downloadId"] = torrent_hash("alt-movie", target, flip).upper()
            out.append(("radarr", json.dumps(body).encode()))
        elif kind == 1:
            body = copy.deepcopy(sonarr)
            body["series"] |= {
                "tvdbId": 3_000_000 + target,
                "tmdbId": 2_000_000 + target,
                "imdbId": f"tt{8_000_000 + target}",
                "title": f"Series number {target}",
            }
            body["episodes"][0] |= {"episodeNumber": number, "seasonNumber": 1, "tvdbId": 50_000_000 + number}
            body["episodes"][0]["tvdbId"] = 50_000_000 + target * 100 + number
            body["downloadId"] = torrent_hash("alt-series", target, flip).upper()
            out.append(("sonarr", json.dumps(body).encode()))
        elif kind == 2:
            body = jellyfin | {
                "SeriesName": f"Series number {target}",
                "EpisodeNumber": str(number),
                "Provider_tvdb": str(50_000_000 + target * 100 + number),
                "ItemId": f"bench-item-{target}-{number}",
            }
            out.append(("jellyfin", json.dumps(body).encode()))
        else:
            body = copy.deepcopy(jellyseerr)
            body["media"]["tmdbId"] = str(7_000_000 + k)
            body["request"]["request_id"] = str(900_000 + k)
            out.append(("jellyseerr", json.dumps(body).encode()))
    return out


def run_core(tracker: Tracker, payloads: list[tuple[str, bytes]], times: list[int]) -> int:
    """Decode, parse and apply each payload as the webhook does (no HA); per-webhook times appended; changes."""
    rules, changed = AnimeRules(), 0
    for service, raw in payloads:
        start = time.perf_counter_ns()
        result = PARSERS[service](json.loads(raw), rules, False)
        now = datetime.now(UTC)
        for event in result.events:
            changed += len(tracker.apply(event, now))
        times.append(time.perf_counter_ns() - start)
    return changed


def build(requests: int, episodes: int) -> Tracker:
    """A tracker holding the targets (and fillers up to `requests` / `episodes`)."""
    if requests <= len(targets()):
        return Tracker.from_dict({"requests": targets()})
    return Tracker.from_dict(tracker_data(requests, episodes))


def test_b_scale_core() -> None:
    """Per-webhook cost in the tracker core (JSON decode + parser + Tracker.apply): 10,000 vs 10 requests."""
    small, big = build(10, 0), build(BIG_REQUESTS, BIG_EPISODES)
    payloads = scale_payloads(SCALE_CORE_OPS)
    small_times: list[int] = []
    big_times: list[int] = []
    changes = [0, 0]
    chunk = 200  # interleaved, so drift hits both sides alike
    for start in range(0, len(payloads), chunk):
        changes[0] += run_core(small, payloads[start : start + chunk], small_times)
        changes[1] += run_core(big, payloads[start : start + chunk], big_times)
    if changes[0] != changes[1]:
        raise AssertionError(f"the two runs did different work: {changes}")
    small_ms, big_ms = statistics.median(small_times), statistics.median(big_times)
    ratio = big_ms / small_ms
    report(
        f"b. scale, core ({SCALE_CORE_OPS} webhooks, decode+parse+apply, {changes[0]} changes): median"
        f" {ms(big_ms)} with {BIG_REQUESTS:,} requests/{BIG_EPISODES:,} episodes vs {ms(small_ms)} with 10"
        f" -> ratio {ratio:.2f} (target <= 1.2) {verdict(ratio <= 1.2)}"
        f"; means {ms(statistics.fmean(big_times))} vs {ms(statistics.fmean(small_times))}"
    )


SCALE_HTTP: dict[str, list[int]] = {}


async def _scale_http(
    hass: HomeAssistant,
    client_factory: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    tracker: Callable[[], Tracker],
    label: str,
) -> None:
    """Post the scale payloads through HA's HTTP stack to an entry whose tracker is `tracker()`.

    The entry is set up with the 10 targets (10 entities); for the big run the tracker is then replaced by one
    holding the same targets plus the finished fillers, which have no entities (as retention leaves them).
    """
    store_with(hass_storage, {"requests": targets()})
    config_entry = entry()
    await setup(hass, config_entry)
    # Swapped in after setup so that the fillers get no entities, as retention leaves them.
    config_entry.runtime_data.hub._tracker = tracker()  # noqa: SLF001
    client = await client_factory()
    times: list[int] = []
    for service, body in scale_payloads(SCALE_HTTP_OPS):
        start = time.perf_counter_ns()
        response = await client.post(
            f"/api/webhook/{WEBHOOK_IDS[service]}", data=body, headers={"Content-Type": "application/json"}
        )
        await response.read()
        times.append(time.perf_counter_ns() - start)
        if response.status != 200:
            raise AssertionError(f"{service} answered {response.status}")
    await hass.async_block_till_done()
    SCALE_HTTP[label] = times


async def test_b_scale_http_small(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, hass_storage: dict[str, Any]
) -> None:
    """The HTTP run with 10 requests."""
    await _scale_http(hass, hass_client_no_auth, hass_storage, lambda: build(10, 0), "small")


async def test_b_scale_http_big(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, hass_storage: dict[str, Any]
) -> None:
    """The HTTP run with 10,000 requests, then the ratio."""
    await _scale_http(hass, hass_client_no_auth, hass_storage, lambda: build(BIG_REQUESTS, BIG_EPISODES), "big")
    small, big = SCALE_HTTP.get("small"), SCALE_HTTP["big"]
    if small is None:
        report("b. scale, HTTP: the small run did not run (run the whole file)")
        return
    small_ms, big_ms = statistics.median(small), statistics.median(big)
    ratio = big_ms / small_ms
    report(
        f"b. scale, HA HTTP ({SCALE_HTTP_OPS} webhooks): median {ms(big_ms)} with {BIG_REQUESTS:,} requests vs"
        f" {ms(small_ms)} with 10 -> ratio {ratio:.2f} (target <= 1.2) {verdict(ratio <= 1.2)}"
        f"; means {ms(statistics.fmean(big))} vs {ms(statistics.fmean(small))}, max {ms(max(big))} vs {ms(max(small))}"
    )


# --- c. load time, memory, bytes per episode ------------------------------------------------------------------


def test_c_load_and_memory() -> None:
    """Tracker.from_dict of a 10,000-request / 100,000-episode store: time, memory, and the store's size."""
    data = tracker_data(BIG_REQUESTS, BIG_EPISODES)
    episodes = sum(len(item.get("episodes", ())) for item in data["requests"])
    stored = {
        "version": STORAGE_VERSION,
        "minor_version": STORAGE_MINOR_VERSION,
        "key": f"{DOMAIN}.{ENTRY_ID}",
        "data": {"tracker": Tracker.from_dict(data).to_dict(), "last_webhook": {}},
    }
    # As Home Assistant's Store writes it (orjson, 2-space indent), and compact for comparison.
    written = orjson.dumps(stored, option=orjson.OPT_INDENT_2)
    compact = orjson.dumps(stored)
    text = written.decode()

    loads, decodes, saves = [], [], []
    for _ in range(3):
        gc.collect()
        start = time.perf_counter()
        decoded = json.loads(text)
        decodes.append(time.perf_counter() - start)
        start = time.perf_counter()
        tracker = Tracker.from_dict(decoded["data"]["tracker"])
        loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        tracker.to_dict()
        saves.append(time.perf_counter() - start)
        del tracker
    load = statistics.median(loads)

    decoded = json.loads(text)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracker = Tracker.from_dict(decoded["data"]["tracker"])
    memory = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    per_episode = memory / episodes
    report(
        f"c. load: Tracker.from_dict of {len(data['requests']):,} requests / {episodes:,} episodes median"
        f" {load * 1000:.0f} ms (+ JSON decode {statistics.median(decodes) * 1000:.0f} ms) vs target 1000 ms"
        f" -> ratio {load:.2f} (target < 1) {verdict(load < 1)}"
    )
    report(
        f"c. memory: {memory / 2**20:.1f} MiB -> {per_episode:.0f} B per episode vs 1024 B"
        f" -> ratio {per_episode / 1024:.2f} (target < 1) {verdict(per_episode < 1024)}"
    )
    report(
        f"c. store: {len(written) / 2**20:.1f} MiB as HA writes it -> {len(written) / episodes:.0f} B per episode"
        f" ({len(compact) / episodes:.0f} B compact); building it (Tracker.to_dict, on every save) takes"
        f" {statistics.median(saves) * 1000:.0f} ms"
    )
    # Retention compacts finished requests once they leave the dashboard (all of them here, with 0 days).
    retired = tracker.retire(datetime.now(UTC) + timedelta(days=3650), timedelta(0))
    start = time.perf_counter()
    retired_data = tracker.to_dict()
    building = time.perf_counter() - start
    retired_bytes = len(
        orjson.dumps({**stored, "data": {"tracker": retired_data, "last_webhook": {}}}, option=orjson.OPT_INDENT_2)
    )
    report(
        f"c. after retention ({len(retired):,} finished requests compacted):"
        f" {retired_bytes / episodes:.0f} B per episode"
        f" as HA writes it vs {len(written) / episodes:.0f} -> ratio {retired_bytes / len(written):.2f};"
        f" Tracker.to_dict {building * 1000:.0f} ms"
    )
    del tracker


# --- d. qBittorrent requests per poll cycle -------------------------------------------------------------------


MAINDATA = re.compile(r"^http://192\.168\.1\.10:8080/api/v2/sync/maindata\?rid=\d+$")


async def _poll(hass: HomeAssistant, hass_storage: dict[str, Any], torrents: int) -> tuple[list[int], float]:
    """Requests sent per DownloadPoller cycle with `torrents` active downloads; median seconds per cycle."""
    hashes = [torrent_hash("active", i) for i in range(torrents)]
    store_with(
        hass_storage,
        {"requests": [movie(i, state="grabbing", download_id=h) for i, h in enumerate(hashes)]},
    )
    config_entry = entry(**{CONF_QBITTORRENT: {CONF_URL: QBT_URL, CONF_USERNAME: "admin", CONF_PASSWORD: "pw"}})
    rid = 0

    def maindata(url: Any, **kwargs: Any) -> CallbackResult:
        nonlocal rid
        rid += 1
        fields = {"progress": min(rid / 10, 0.99), "state": "downloading", "dlspeed": 1_000_000 + rid, "eta": 60}
        payload: dict[str, Any] = {"rid": rid, "torrents": {h: dict(fields) for h in hashes}}
        if rid == 1:
            payload["full_update"] = True
            for h in hashes:
                payload["torrents"][h] |= {"name": h, "infohash_v1": h, "size": 10**9}
        return CallbackResult(payload=payload)

    with aioresponses(passthrough=["http://127.0.0.1"]) as http:
        http.post(f"{QBT_URL}/api/v2/auth/login", body="Ok.", repeat=True)
        http.get(MAINDATA, callback=maindata, repeat=True)
        await setup(hass, config_entry)
        downloads = config_entry.runtime_data.downloads
        per_cycle, seconds = [], []
        for _ in range(POLL_CYCLES):
            sent = sum(len(calls) for calls in http.requests.values())
            start = time.perf_counter()
            await downloads.async_poll()
            await hass.async_block_till_done()
            seconds.append(time.perf_counter() - start)
            per_cycle.append(sum(len(calls) for calls in http.requests.values()) - sent)
        if not downloads.last_poll_ok:
            raise AssertionError("the poll failed")
        await hass.config_entries.async_unload(config_entry.entry_id)
    return per_cycle, statistics.median(seconds)


async def test_d_qbittorrent_requests(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    """HTTP requests to qBittorrent per DownloadPoller cycle with 500 active torrents."""
    per_cycle, seconds = await _poll(hass, hass_storage, TORRENTS)
    steady = statistics.median(per_cycle[1:])
    report(
        f"d. qBittorrent, {TORRENTS} active torrents, {POLL_CYCLES} cycles: requests per cycle {per_cycle}"
        f" (the first logs in) -> {steady:g} per cycle vs baseline 1 -> ratio {steady:g} (target 1)"
        f" {verdict(steady == 1)}; {seconds * 1000:.0f} ms per cycle"
    )
