"""The whole product, end to end: a real Home Assistant, real qBittorrent downloads and a real browser (issue 6).

What runs (scripts/demo_lib/stack.py, shared with scripts/demo):
- Home Assistant 2025.4 as a subprocess of this venv on a free port, a fresh config dir, onboarded over its REST API;
- a qbittorrent-nox seeder + downloader pair on loopback (tests/fakes/qbittorrent.py), one generated file per
  download, each added to the downloader throttled to take 20-30 s;
- the Jellyfin and Shoko stand-ins (scripts/standins.py): Jellyfin's REST API, Shoko's REST API and SignalR feed;
- the integration added through HA's REST config flow, the card on the default dashboard (websocket API);
- Chromium (Debian's, driven by Playwright on a thread of its own) showing that dashboard.

The four flows (Dune, Chernobyl, Suzume, Frieren) are played as the services play them: Jellyseerr's request, the
Radarr/Sonarr grabs naming the real torrent hashes, real downloads, the import webhooks once a download is complete
(and Home Assistant shows it DOWNLOADED), then Jellyfin lists the media (Shoko matches the anime files first). At each
phase the entities are read over HA's REST API and their states and attributes asserted, and the card in the browser
is checked (title and state of every request) and photographed into tests/e2e/screenshots/.

Before them the demo's three requests that go wrong are played (stack.TROUBLES, from real webhooks where kept): The
Beekeeper fails in Jellyseerr, Only Murders in the Building needs a manual import in Sonarr, Akira's torrent has no
seeds and is flagged stuck after the demo's options' 5 minutes (the shortest the options allow: the run waits for
it). Their states, attributes and logbook entries (`GET /api/logbook`, the text a user reads) are asserted.

Runs only on the 2025.4 leg (it starts Home Assistant from this venv). Skips without qbittorrent-nox, chromium or
playwright, except with CI=true, where that fails. Every process is stopped, also when the test fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any

import pytest

from scripts.demo_lib.stack import (
    DEMO_OPTIONS,
    FAILED,
    FLOWS,
    NEEDS_ATTENTION,
    STUCK,
    TROUBLES,
    Download,
    Flow,
    Stack,
    wait_for,
)
from tests.helpers import BrowserThread, e2e_stack, ha_context, require_browser, running

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).with_name("screenshots")
# The card's chip text per state (the integration's English state translations).
LABELS = {
    "requested": "Requested",
    "approved": "Approved",
    "grabbing": "Grabbing",
    "downloading": "Downloading",
    "downloaded": "Downloaded",
    "importing": "Importing",
    "anime_matching": "Anime matching",
    "available": "Available",
    "failed": "Failed",
}
# Whole run; downloads are 22-30 s each, in parallel.
PHASE_TIMEOUT = 180
# Every request the run plays, so every row the card shows.
ROWS = len(FLOWS) + len(TROUBLES)


class CardBrowser:
    """One dashboard tab of the stack's Home Assistant, on a BrowserThread (Playwright objects belong to it)."""

    def __init__(self) -> None:
        self._thread = BrowserThread()
        self.page: Page | None = None
        # Errors thrown in the page and failed requests, reported with a failing check.
        self.errors: list[str] = []

    def run[T](self, function: Callable[..., T], *args: Any) -> T:
        return self._thread.run(function, *args)

    def open(self, stack: Stack) -> None:
        self._thread.start()
        self.run(self._open, stack)

    def close(self) -> None:
        self._thread.stop()

    def _open(self, stack: Stack) -> None:
        assert self._thread.browser is not None
        context = ha_context(self._thread.browser, stack, viewport={"width": 1100, "height": 1500})
        self.page = context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on(
            "console",
            lambda message: (
                self.errors.append(f"console {message.type}: {message.text}") if message.type == "error" else None
            ),
        )
        self.page.on("requestfailed", lambda request: self.errors.append(f"request failed: {request.url}"))
        self.page.goto(stack.dashboard_url, wait_until="networkidle")

    def check(
        self, expected: dict[str, str], shot: str, total: int = ROWS, warnings: dict[str, str] | None = None
    ) -> None:
        """These requests' titles and states in the card (`total` rows: every request), the warning line of those in
        `warnings` (title: text it contains), then a screenshot."""
        self.run(self._check, expected, shot, total, warnings or {})

    def _check(self, expected: dict[str, str], shot: str, total: int, warnings: dict[str, str]) -> None:
        from playwright.sync_api import expect

        assert self.page is not None
        page = self.page
        SCREENSHOTS.mkdir(exist_ok=True)
        items = page.locator("status-tracker-card li.item")
        try:
            expect(items).to_have_count(total, timeout=30_000)
            for title, state in expected.items():
                item = items.filter(has=page.locator(".name", has_text=title))
                expect(item, f"card row of {title}").to_have_count(1)
                expect(item, f"card state of {title}").to_have_attribute("data-state", state, timeout=15_000)
                expect(item.locator(".chip .label"), f"card chip of {title}").to_have_text(LABELS[state])
            for title, text in warnings.items():
                item = items.filter(has=page.locator(".name", has_text=title))
                expect(item.locator(".warning"), f"card warning of {title}").to_contain_text(text, timeout=15_000)
        except AssertionError as err:
            page.screenshot(path=str(SCREENSHOTS / f"{shot}-FAILED.png"))
            raise AssertionError(f"{err}\nbrowser errors: {self.errors}") from None
        page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"))


class Run:
    """The played flows, with what the test saw along the way."""

    def __init__(self, stack: Stack, browser: CardBrowser) -> None:
        self.stack = stack
        self.browser = browser
        self.phases: dict[str, float] = {}
        # Download progress seen in state DOWNLOADING: per movie title, per (title, episode).
        self.movie_progress: dict[str, list[float]] = {}
        self.episode_progress: dict[tuple[str, int], list[float]] = {}
        # Per sample of a TV request: {episode: progress} (to show episodes of one request progress separately).
        self.tv_samples: dict[str, list[dict[int, float | None]]] = {}
        self.seen_states: dict[str, list[str]] = {flow.title: [] for flow in FLOWS + TROUBLES}
        self.imported: set[str] = set()
        # When the run began, in Home Assistant's clock: where the logbook is read from.
        self.since = ""

    def states(self) -> dict[str, dict[str, Any]]:
        states = self.stack.request_states()
        assert set(states) == set(self.seen_states), f"request sensors: {sorted(states)}"
        for title, state in states.items():
            if not self.seen_states[title] or self.seen_states[title][-1] != state["state"]:
                self.seen_states[title].append(state["state"])
        return states

    def phase(self, name: str, started: float) -> None:
        self.phases[name] = time.monotonic() - started
        print(f"  phase {name}: {self.phases[name]:.1f} s")  # noqa: T201


def _rows(state: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {row["episode"]: row for row in state["attributes"].get("episodes", []) if row["season"] == 1}


def _flow_of(download: Download) -> Flow:
    return next(flow for flow in FLOWS if download in flow.downloads)


def _is_downloaded(flow: Flow, download: Download, state: dict[str, Any]) -> bool:
    if flow.media_type == "movie":
        return bool(state["state"] == "downloaded")
    rows = _rows(state)
    return all(rows[number]["state"] == "downloaded" for number in download.episodes)


@pytest.fixture
def stack(tmp_path: Path, socket_enabled: None) -> Iterator[Stack]:
    """The started stack (see scripts/demo_lib/stack.py), stopped afterwards whatever happens."""
    stack = e2e_stack(tmp_path, "e2e", options=DEMO_OPTIONS)
    require_browser()
    with running(stack):
        yield stack


@pytest.mark.timeout(900)
def test_demo_from_request_to_available_failed_stuck_and_needs_attention(stack: Stack) -> None:
    """Dune, Chernobyl, Suzume and Frieren: REQUESTED/APPROVED -> ... -> AVAILABLE, in HA and in the card; the
    demo's failed, needs-attention and stuck requests, in HA, in the card and in the logbook."""
    total = time.monotonic()
    browser = CardBrowser()
    try:
        run = Run(stack, browser)
        # Home Assistant runs on this machine's clock.
        run.since = datetime.now(UTC).isoformat()
        # First, so that the stuck clock runs while the four flows play.
        for trouble in TROUBLES:
            stack.play_trouble(trouble)
        browser.open(stack)
        _troubles_played(run)
        _requests(run)
        _grabs(run)
        _downloads_to_available(run)
        _final(run)
        _troubles_final(run)
        run.phase("total (after setup)", total)
    finally:
        browser.close()


def _requests(run: Run) -> None:
    started = time.monotonic()
    for flow in FLOWS:
        run.stack.post_webhook(flow.request)
    states = run.states()
    for flow in FLOWS:
        state = states[flow.title]
        attributes = state["attributes"]
        assert state["state"] == "approved", (flow.title, state)
        assert attributes["media_type"] == flow.media_type
        assert attributes["requested_by"]
        assert attributes["poster_url"].startswith("https://")
        assert "download_progress" not in attributes
        if flow.media_type == "tv":
            assert attributes["requested_seasons"] == "1"
            assert "episodes" not in attributes
    run.browser.check({flow.title: "approved" for flow in FLOWS}, "01-approved")
    run.phase("approved", started)


def _grabs(run: Run) -> None:
    started = time.monotonic()
    for flow in FLOWS:
        for download in flow.downloads:
            run.stack.post_webhook(download.grab, download_id=run.stack.info_hash(download))
    states = run.states()
    for flow in FLOWS:
        state = states[flow.title]
        attributes = state["attributes"]
        assert state["state"] == "grabbing", (flow.title, state)
        assert attributes.get("is_anime", False) is flow.is_anime, flow.title
        assert attributes["quality"]
        if flow.media_type == "movie":
            assert attributes["download_id"] == run.stack.info_hash(flow.downloads[0])
        else:
            rows = _rows(state)
            assert sorted(rows) == sorted(flow.episodes), (flow.title, rows)
            assert all(row["state"] == "grabbing" for row in rows.values()), rows
    run.browser.check({flow.title: "grabbing" for flow in FLOWS}, "02-grabbing")
    run.phase("grabbing", started)


def _downloads_to_available(run: Run) -> None:
    """Real downloads; each one imported once HA shows it DOWNLOADED; until every request is AVAILABLE."""
    started = time.monotonic()
    stack = run.stack
    for flow in FLOWS:
        for download in flow.downloads:
            stack.add_torrent(download)
    downloads = [download for flow in FLOWS for download in flow.downloads]
    completed_at: dict[str, float] = {}
    downloading_shot = False
    first_available: float | None = None
    deadline = time.monotonic() + PHASE_TIMEOUT
    # Shoko's live feed must be up before the anime files are matched (else only the REST lookups would see them).
    assert stack.control("state")["shoko_connections"] >= 1, "Home Assistant is not connected to Shoko's feed"
    while True:
        states = run.states()
        _record_progress(run, states)
        if not downloading_shot and all(states[flow.title]["state"] == "downloading" for flow in FLOWS):
            run.browser.check({flow.title: "downloading" for flow in FLOWS}, "03-downloading")
            downloading_shot = True
            run.phase("all downloading", started)
            continue
        progress = stack.torrent_progress()
        for download in downloads:
            if download.key in run.imported or progress.get(download.key, 0) < 1:
                continue
            completed_at.setdefault(download.key, time.monotonic())
            flow = _flow_of(download)
            if not _is_downloaded(flow, download, states[flow.title]):
                waited = time.monotonic() - completed_at[download.key]
                assert waited < 30, f"{download.key} is complete in qBittorrent but HA shows {states[flow.title]}"
                continue
            _import(run, flow, download)
        if all(states[flow.title]["state"] == "available" for flow in FLOWS):
            break
        if first_available is None and any(states[flow.title]["state"] == "available" for flow in FLOWS):
            first_available = time.monotonic()
            run.phase("first available", started)
        assert time.monotonic() < deadline, f"not all available after {PHASE_TIMEOUT} s: {_summary(states)}"
        time.sleep(1)
    assert downloading_shot, f"the four requests were never all DOWNLOADING at once: {run.seen_states}"
    run.phase("downloads to available", started)


def _import(run: Run, flow: Flow, download: Download) -> None:
    """The import webhooks as Sonarr/Radarr send them, then Jellyfin lists the media (Shoko matches anime first)."""
    stack = run.stack
    for fixture in download.imports:
        stack.post_webhook(fixture, download_id=stack.info_hash(download))
    state = run.states()[flow.title]
    waiting = "anime_matching" if flow.is_anime else "importing"
    if flow.media_type == "movie":
        assert state["state"] == waiting, (flow.title, state)
        assert state["attributes"]["final_path"]
    else:
        rows = _rows(state)
        for number in download.episodes:
            assert rows[number]["state"] == waiting, (flow.title, number, rows)
            assert rows[number]["final_path"]
    if flow.is_anime and flow.media_type == "movie":
        # Only this row: the others may move while the browser looks.
        run.browser.check({flow.title: waiting}, "04-anime-matching")
    answer = stack.control("import", {"media": flow.media, "episodes": list(download.episodes)})
    if flow.is_anime:
        assert answer["shoko_events"] >= 1, f"Shoko's FileMatched reached no client: {answer}"
    run.imported.add(download.key)


def _record_progress(run: Run, states: dict[str, dict[str, Any]]) -> None:
    for flow in FLOWS:
        state = states[flow.title]
        if flow.media_type == "movie":
            if state["state"] == "downloading" and "download_progress" in state["attributes"]:
                # The sensor shows "45.0 %"; the number is in get_requests.
                percent = state["attributes"]["download_progress"].removesuffix(" %")
                run.movie_progress.setdefault(flow.title, []).append(float(percent))
            continue
        rows = _rows(state)
        sample: dict[int, float | None] = {}
        for number, row in rows.items():
            if row["state"] == "downloading" and row["download_progress"] is not None:
                run.episode_progress.setdefault((flow.title, number), []).append(float(row["download_progress"]))
                sample[number] = float(row["download_progress"])
            else:
                sample[number] = None
        run.tv_samples.setdefault(flow.title, []).append(sample)


def _summary(states: dict[str, dict[str, Any]]) -> str:
    parts = []
    for title, state in states.items():
        rows = ", ".join(f"E{r['episode']}={r['state']}" for r in state["attributes"].get("episodes", []))
        parts.append(f"{title}: {state['state']} ({state['attributes'].get('download_progress')}) [{rows}]")
    return "; ".join(parts)


def _rising(values: list[float]) -> bool:
    """Real progress: several distinct values strictly between 0 and 100, never going back."""
    inner = sorted({value for value in values if 0 < value < 100})
    return len(inner) >= 2 and values == sorted(values)


def _final(run: Run) -> None:
    started = time.monotonic()
    states = run.states()
    for flow in FLOWS:
        state = states[flow.title]
        attributes = state["attributes"]
        assert state["state"] == "available", (flow.title, state)
        assert attributes["available_at"], flow.title
        assert "reason" not in attributes, flow.title
        assert "stuck_since" not in attributes, flow.title
        seen = run.seen_states[flow.title]
        waiting = "anime_matching" if flow.is_anime else "importing"
        if flow.media_type == "movie":
            assert seen == ["approved", "grabbing", "downloading", "downloaded", waiting, "available"], (
                flow.title,
                seen,
            )
            values = run.movie_progress.get(flow.title, [])
            assert _rising(values), f"{flow.title}: download_progress seen while downloading: {values}"
            if flow.is_anime:
                assert attributes["anime_matched_at"], flow.title
        else:
            assert seen[:3] == ["approved", "grabbing", "downloading"], (flow.title, seen)
            assert seen[-1] == "available", (flow.title, seen)
            rows = _rows(state)
            assert all(row["state"] == "available" for row in rows.values()), rows
            assert attributes["state_text"] == f"{len(flow.episodes)} available"
            for number in flow.episodes:
                values = run.episode_progress.get((flow.title, number), [])
                assert _rising(values), f"{flow.title} E{number}: progress seen while downloading: {values}"
            # Episodes of different torrents progress separately within one request.
            first, last = flow.downloads[0].episodes[0], flow.downloads[-1].episodes[0]
            assert any(
                sample.get(first) is not None and sample.get(last) is not None and sample[first] != sample[last]
                for sample in run.tv_samples[flow.title]
            ), f"{flow.title}: E{first} and E{last} never showed different progress"
    run.browser.check({flow.title: "available" for flow in FLOWS}, "05-available")
    print(f"  states seen: {run.seen_states}")  # noqa: T201
    print(f"  movie progress: {run.movie_progress}")  # noqa: T201
    run.phase("available checks", started)


# --- the requests that go wrong --------------------------------------------------------------------------------------

# At the end: the request needing attention has not moved for stuck_after either, so it is stuck too (with its reason).
_WARNINGS = {FAILED.title: "Failed", NEEDS_ATTENTION.title: "Manual import needed", STUCK.title: "Stuck"}


def _troubles_played(run: Run) -> None:
    """Right after their webhooks (and the stalled torrent's first poll): failed, needs attention, downloading 0 %."""
    started = time.monotonic()

    def shown() -> dict[str, dict[str, Any]] | None:
        states = run.stack.request_states()
        wanted = {trouble.title: trouble.state for trouble in TROUBLES}
        return states if {t: states[t]["state"] for t in wanted if t in states} == wanted else None

    states = wait_for("the three troubled requests", shown, 30)
    failed = states[FAILED.title]["attributes"]
    assert failed["reason"] == "Jellyseerr could not send the request to Radarr/Sonarr", failed
    assert failed["requested_by"] == "grusite", failed
    assert failed["media_type"] == "movie"
    assert failed["needs_attention"] is False
    attention = states[NEEDS_ATTENTION.title]["attributes"]
    assert attention["needs_attention"] is True, attention
    assert attention["reason"].startswith("Manual import needed: One or more episodes expected in this release"), (
        attention
    )
    assert [(row["season"], row["episode"], row["state"]) for row in attention["episodes"]] == [(4, 5, "downloaded")]
    stuck = states[STUCK.title]["attributes"]
    assert STUCK.stalled is not None
    assert stuck["download_id"] == run.stack.info_hash(STUCK.stalled), stuck
    assert stuck["download_progress"] == "0.0 %", stuck
    assert "stuck_since" not in stuck, stuck
    # The integration set up its webhook in the stand-in's Jellyfin webhook plugin, as on a real server.
    plugin = run.stack.control("state")["webhook_plugin"]
    hook = f"/api/webhook/{run.stack.webhook_ids['jellyfin']}"
    ours = [option for option in plugin["GenericOptions"] if option["WebhookUri"].endswith(hook)]
    assert len(ours) == 1, plugin
    assert ours[0]["EnableWebhook"] is True, ours
    assert ours[0]["NotificationTypes"] == ["ItemAdded"], ours
    run.browser.check(
        {trouble.title: trouble.state for trouble in TROUBLES},
        "00-troubles",
        total=len(TROUBLES),
        warnings={FAILED.title: "Failed", NEEDS_ATTENTION.title: "Needs attention"},
    )
    run.phase("troubles played", started)


def _troubles_final(run: Run) -> None:
    """Akira is flagged stuck once DEMO_OPTIONS' stuck_after has passed; the logbook tells each story."""
    started = time.monotonic()
    limit = DEMO_OPTIONS["stuck_after"] * 60 + 120

    def flagged() -> dict[str, dict[str, Any]] | None:
        # Both were played at the start and have not moved since: the same stuck check flags them.
        states = run.stack.request_states()
        stuck = [states[trouble.title]["attributes"].get("stuck_since") for trouble in (STUCK, NEEDS_ATTENTION)]
        return states if all(stuck) else None

    states = wait_for(f"{STUCK.title} and {NEEDS_ATTENTION.title} flagged stuck", flagged, limit, interval=2)
    stuck = states[STUCK.title]
    run.phase("stuck flagged", started)
    attributes = stuck["attributes"]
    assert stuck["state"] == "downloading", stuck
    assert attributes["cause"] == "stalled", attributes
    assert attributes["download_progress"] == "0.0 %", attributes
    states = run.states()
    assert states[FAILED.title]["state"] == "failed"
    assert states[NEEDS_ATTENTION.title]["state"] == "downloaded"
    assert states[NEEDS_ATTENTION.title]["attributes"]["needs_attention"] is True
    expected_lines = {
        FAILED.title: [("The Beekeeper", "is now requested"), ("The Beekeeper", "changed from requested to failed")],
        NEEDS_ATTENTION.title: [
            ("Only Murders in the Building", "is now downloaded"),
            ("Only Murders in the Building", "is stuck while downloaded"),
        ],
        STUCK.title: [
            ("Akira", "is now grabbing"),
            ("Akira", "changed from grabbing to downloading"),
            ("Akira", "is stuck while downloading"),
        ],
    }
    for trouble in TROUBLES:
        entity_id = states[trouble.title]["entity_id"]

        def lines(entity_id: str = entity_id, title: str = trouble.title) -> list[tuple[str, str]] | None:
            entries = run.stack.logbook(entity_id, run.since)
            found = [(entry["name"], entry["message"]) for entry in entries if "message" in entry]
            # A stuck line goes on with the cause's sentence ("is stuck while downloading: ...").
            expected = expected_lines[title]
            matches = len(found) == len(expected) and all(
                name == want_name and (message == want or message.startswith(f"{want}: "))
                for (name, message), (want_name, want) in zip(found, expected, strict=True)
            )
            return found if matches else None

        try:
            wait_for(f"logbook of {trouble.title}", lines, 10)
        except TimeoutError:
            entries = run.stack.logbook(entity_id, run.since)
            raise AssertionError(f"logbook of {entity_id}: {entries}") from None
        # The sensor's own state changes (shown as "changed to <state>"; a sensor's first state is not one).
        entries = run.stack.logbook(entity_id, run.since)
        changes = [entry["state"] for entry in entries if "state" in entry]
        assert changes[-1:] in ([], [trouble.state]), entries
    # Settings → Repairs: the stuck requests, and no service that could not be set up (the Jellyfin webhook plugin).
    issues = sorted(issue["issue_id"] for issue in run.stack.repair_issues() if issue["domain"] == "status_tracker")
    assert issues == [f"stuck_requests_{run.stack.entry_id}"], issues
    run.browser.check(
        {
            **{flow.title: "available" for flow in FLOWS},
            **{trouble.title: trouble.state for trouble in TROUBLES},
        },
        "06-troubles",
        warnings=_WARNINGS,
    )
    run.phase("troubles checked", started)
