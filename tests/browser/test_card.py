"""The Lovelace card in a real browser (fixtures and the browser thread: tests/browser/conftest.py).

Each test gets `page`: a fresh page that loaded the card module. The page's `cardTest.mount(config, states, entities)`
builds the `hass` object from the state objects below, whose attributes are those `sensor.request_attributes` writes.
The page's fake `hass.callWS` records every websocket message and answers `get_requests` from TIMELINES; its
`loadBackendTranslation` answers the integration's strings.json sentences. Screenshots land in
tests/browser/screenshots/ (git-ignored). The README's pictures come from the demo (scripts/demo_lib/screenshots.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
SCREENSHOTS = Path(__file__).with_name("screenshots")
STRINGS = ROOT / "custom_components" / "status_tracker" / "strings.json"
XSS_TITLE = '<img src=x onerror="window.__xss = 1">'

NOW = datetime.now(UTC)


def _ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat()


# --------------------------------------------------------------------------------------------------------------------
# Test data: request sensors as Home Assistant's frontend sees them.
# --------------------------------------------------------------------------------------------------------------------


def _poster(label: str, color: str) -> str:
    """A small SVG poster as a data URL (the browser has no internet for TMDB images)."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="144">'
        f'<rect width="96" height="144" fill="{color}"/>'
        '<text x="48" y="80" font-family="sans-serif" font-size="28" fill="white" text-anchor="middle">'
        f"{label}</text></svg>"
    )
    return "data:image/svg+xml," + quote(svg)


def _episodes(season: int, states: list[str], downloading_progress: float = 45.0) -> list[dict[str, Any]]:
    return [
        {
            "season": season,
            "episode": number,
            "state": state,
            "title": f"Episode {number}",
            "download_progress": downloading_progress if state == "downloading" else None,
            "final_path": None,
        }
        for number, state in enumerate(states, start=1)
    ]


def _counts(episodes: list[dict[str, Any]]) -> dict[str, int]:
    states = ["pending", "grabbing", "downloading", "downloaded", "importing", "anime_matching", "available", "failed"]
    return {state: sum(1 for ep in episodes if ep["state"] == state) for state in states}


def request_state(
    entity_id: str, state: str, title: str, *, updated_minutes_ago: float, **attributes: Any
) -> dict[str, Any]:
    """A request sensor's state object with every attribute `request_attributes` writes."""
    media_type = attributes.pop("media_type", "movie")
    episodes = attributes.pop("episodes", [])
    poster = attributes.pop("poster_url", None)
    attrs: dict[str, Any] = {
        "request_id": f"req-{entity_id.removeprefix('sensor.')}",
        "title": title,
        "year": 2024,
        "media_type": media_type,
        "is_anime": False,
        "is_4k": False,
        "poster_url": poster,
        "requested_by": "alice",
        "tmdb_id": 693134,
        "tvdb_id": None,
        "imdb_id": None,
        "jellyseerr_request_id": 41,
        "quality": None,
        "requested_seasons": [1] if media_type == "tv" else None,
        "download_id": None,
        "download_progress": None,
        "download_speed": None,
        "download_eta": None,
        "final_path": None,
        "episode_total": len(episodes) if episodes else None,
        "episode_counts": _counts(episodes) if episodes else None,
        "state_text": None,
        "grabbed_text": None,
        "reason": None,
        "stuck_since": None,
        "anime_matched_at": None,
        "needs_attention": False,
        "already_available": False,
        # Created in the order of the list (the card's order, newest request first); updates come later.
        "created_at": _ago(days=2, minutes=updated_minutes_ago),
        "state_changed_at": _ago(minutes=updated_minutes_ago),
        "updated_at": _ago(minutes=updated_minutes_ago),
        "available_at": None,
        "episodes": episodes,
        "device_class": "enum",
        "friendly_name": title,
    }
    attrs.update(attributes)
    if poster:
        attrs["entity_picture"] = poster
    return {
        "entity_id": entity_id,
        "state": state,
        "attributes": attrs,
        "last_changed": attrs["state_changed_at"],
        "last_updated": attrs["updated_at"],
        "context": {"id": "01J0000000000000000000000", "parent_id": None, "user_id": None},
    }


THE_BEAR_EPISODES = _episodes(
    1,
    [
        "available",
        "available",
        "importing",
        "downloaded",
        "downloaded",
        "downloading",
        "downloading",
        "downloading",
        "grabbing",
        "pending",
        "pending",
        "failed",
    ],
)
for _episode in THE_BEAR_EPISODES[:2]:
    _episode["final_path"] = f"/tv/The Bear/Season 01/The Bear - S01E0{_episode['episode']}.mkv"
FRIEREN_EPISODES = _episodes(1, ["available", "available"]) + _episodes(2, ["anime_matching", "anime_matching"])
for _episode in FRIEREN_EPISODES:
    _episode["final_path"] = f"/anime/Frieren/Season {_episode['season']}/Frieren - {_episode['episode']}.mkv"


def build_states() -> list[dict[str, Any]]:
    """All 9 request states, movies and TV, anime, 4K, stuck, failed, needs attention, already available."""
    return [
        request_state(
            "sensor.dune_part_two_2024",
            "downloading",
            "Dune: Part Two",
            updated_minutes_ago=1,
            poster_url=_poster("DUNE", "#b3702d"),
            is_4k=True,
            quality="Bluray-2160p",
            requested_by="bob",
            download_id="ABC123",
            download_progress=45.0,
            download_speed=5_200_000,
            download_eta=720,
            state_changed_at=_ago(hours=2, seconds=10),
        ),
        request_state(
            "sensor.the_bear",
            "downloading",
            "The Bear",
            updated_minutes_ago=2,
            media_type="tv",
            poster_url=_poster("BEAR", "#2d6cb3"),
            requested_by="carol",
            episodes=THE_BEAR_EPISODES,
            state_text="2 available, 1 importing, 2 downloaded, 3 downloading, 3 queued, 1 failed",
            grabbed_text="Grabbed 10/12 eps",
            state_changed_at=_ago(hours=4),
            download_id="8c2f4d1e0b9a7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
            cause="stalled",
            cause_since=_ago(minutes=50),
            cause_details={
                "sentence": "stalled",
                "torrent_state": "stalledDL",
                "progress": "61.5",
                "seeds": "0",
                "peers": "3",
                "swarm_seeds": "0",
            },
        ),
        request_state(
            "sensor.frieren",
            "anime_matching",
            "Frieren: Beyond Journey's End",
            updated_minutes_ago=3,
            media_type="tv",
            year=2023,
            is_anime=True,
            poster_url=_poster("FRI", "#6d3fb3"),
            episodes=FRIEREN_EPISODES,
            state_text="2 available, 2 matching",
            grabbed_text="Grabbed 4/4 eps",
        ),
        request_state(
            "sensor.godzilla_minus_one",
            "downloaded",
            "Godzilla Minus One",
            updated_minutes_ago=4,
            year=2023,
            poster_url=_poster("GOD", "#3a4a3f"),
            needs_attention=True,
            reason="Imported file not found in Jellyfin after 30 min",
        ),
        request_state(
            "sensor.poor_things",
            "grabbing",
            "Poor Things",
            updated_minutes_ago=5,
            year=2023,
            poster_url=_poster("POOR", "#b33d6b"),
            # Flagged 3 h ago after the default 2 h without a move: 5 h in this state.
            state_changed_at=_ago(hours=5),
            stuck_since=_ago(hours=3),
            needs_attention=True,
            reason="No release grabbed by Radarr",
            cause="no_release_found",
            cause_since=_ago(hours=3),
            cause_details={"sentence": "no_release_found", "service": "Radarr", "minutes": "180"},
        ),
        request_state("sensor.arrival", "downloaded", "Arrival", updated_minutes_ago=6, year=2016),
        request_state(
            "sensor.the_zone_of_interest",
            "importing",
            "The Zone of Interest",
            updated_minutes_ago=7,
            year=2023,
            poster_url="http://127.0.0.1:9/unreachable.jpg",
            download_id="5f0e3b2a1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
            final_path="/movies/The Zone of Interest (2023)/The Zone of Interest (2023).mkv",
        ),
        request_state(
            "sensor.past_lives",
            "approved",
            "Past Lives",
            updated_minutes_ago=8,
            year=2023,
            poster_url=_poster("PAST", "#4a7a8c"),
            requested_by="dave",
        ),
        request_state(
            "sensor.oppenheimer",
            "requested",
            "Oppenheimer",
            updated_minutes_ago=9,
            year=2023,
            poster_url=_poster("OPP", "#8c5a2e"),
            is_4k=True,
        ),
        request_state("sensor.xss", "requested", XSS_TITLE, updated_minutes_ago=10, requested_by="<b>mallory</b>"),
        request_state(
            "sensor.everything_everywhere",
            "available",
            "Everything Everywhere All at Once",
            updated_minutes_ago=11,
            year=2022,
            poster_url=_poster("EEAAO", "#5a8c3a"),
            already_available=True,
            available_at=_ago(minutes=11),
        ),
        request_state(
            "sensor.blade_runner_2049",
            "failed",
            "Blade Runner 2049",
            updated_minutes_ago=12,
            year=2017,
            poster_url=_poster("BR49", "#c2552b"),
            reason="Radarr: download failed (no seeders)",
        ),
        # Not requests: a summary sensor of the integration, a look-alike from another integration, a light.
        {
            "entity_id": "sensor.status_tracker_active_requests",
            "state": "10",
            "attributes": {"friendly_name": "Active requests", "state_class": "measurement"},
            "last_changed": _ago(minutes=1),
            "last_updated": _ago(minutes=0),
        },
        {
            "entity_id": "sensor.imposter",
            "state": "downloading",
            "attributes": {
                "request_id": "x",
                "media_type": "movie",
                "title": "Imposter",
                "updated_at": _ago(minutes=0),
            },
            "last_changed": _ago(minutes=1),
            "last_updated": _ago(minutes=0),
        },
        {"entity_id": "light.kitchen", "state": "on", "attributes": {}, "last_changed": NOW.isoformat()},
    ]


def build_registry(states: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """hass.entities as the frontend has it: every sensor ours, except the look-alike."""
    return {
        s["entity_id"]: {
            "entity_id": s["entity_id"],
            "platform": "template" if s["entity_id"] == "sensor.imposter" else "status_tracker",
        }
        for s in states
        if s["entity_id"].startswith("sensor.")
    }


REQUESTS = [s for s in build_states() if "request_id" in s["attributes"] and s["entity_id"] != "sensor.imposter"]
ACTIVE = [s["entity_id"] for s in REQUESTS if s["state"] not in {"available", "failed"}]


def mount(page: Page, config: dict[str, Any] | None = None, *, registry: bool = True) -> None:
    states = build_states()
    page.evaluate(
        "([config, states, entities]) => window.cardTest.mount(config, states, entities)",
        [
            {"type": "custom:status-tracker-card", **(config or {})},
            states,
            build_registry(states) if registry else None,
        ],
    )


def shown_ids(page: Page) -> list[str]:
    ids: list[str] = page.locator("status-tracker-card li.item").evaluate_all(
        "items => items.map((i) => i.dataset.entityId)"
    )
    return ids


def item(page: Page, entity_id: str) -> Locator:
    return page.locator(f'status-tracker-card li.item[data-entity-id="{entity_id}"]')


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    # Bytes, written here: Playwright's own file writing would start a worker thread the harness counts as leaked.
    path.write_bytes(page.locator("status-tracker-card").screenshot())
    return path


# --------------------------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------------------------


def test_renders_requests_newest_first(page: Page) -> None:
    """Active requests, newest request first, with titles, states, progress, episodes and reasons."""
    mount(page, {"title": "Media requests"})

    assert shown_ids(page) == ACTIVE  # build_states lists them by created_at, newest first
    assert page.locator("status-tracker-card .title").inner_text() == "Media requests"

    dune = item(page, "sensor.dune_part_two_2024")
    assert dune.locator(".name").inner_text() == "Dune: Part Two (2024)"
    assert dune.locator(".chip").inner_text() == "Downloading"
    assert dune.locator(".progress-text").inner_text() == "45% · 12 min left · 5.2 MB/s"
    assert dune.locator("[role=progressbar] > div").evaluate("bar => bar.style.width") == "45%"
    meta = dune.locator(".meta").inner_text()
    assert "by bob" in meta
    assert "4K" in meta
    assert dune.locator(".since").inner_text() == "2 h in this state"
    assert dune.locator("img.poster").count() == 1

    expected_labels = {
        "sensor.the_bear": "Downloading",
        "sensor.frieren": "Anime matching",
        "sensor.godzilla_minus_one": "Downloaded",
        "sensor.poor_things": "Grabbing",
        "sensor.the_zone_of_interest": "Importing",
        "sensor.past_lives": "Approved",
        "sensor.oppenheimer": "Requested",
    }
    for entity_id, label in expected_labels.items():
        assert item(page, entity_id).locator(".chip").inner_text() == label

    bear = item(page, "sensor.the_bear")
    assert bear.locator(".counts").inner_text() == (
        "2 available, 1 importing, 2 downloaded, 3 downloading, 3 queued, 1 failed · Grabbed 10/12 eps"
    )
    assert bear.locator(".ep").count() == 12
    assert bear.locator(".ep.downloading").count() == 3
    assert bear.locator(".ep").nth(5).get_attribute("title") == "S01E06 downloading 45% · Episode 6"
    assert bear.locator(".progress").count() == 0  # TV shows its grid, not a request-level bar

    frieren = item(page, "sensor.frieren")
    assert frieren.locator(".ep").count() == 4
    assert frieren.locator(".season-label").all_inner_texts() == ["S1", "S2"]
    assert "Anime" in frieren.locator(".meta").inner_text()

    poor_things = item(page, "sensor.poor_things")
    assert poor_things.locator(".since").inner_text() == "5 h in this state"
    assert poor_things.locator(".warning").inner_text() == "Stuck (flagged 3 h ago): No release grabbed by Radarr"
    assert item(page, "sensor.godzilla_minus_one").locator(".warning").inner_text() == (
        "Needs attention: Imported file not found in Jellyfin after 30 min"
    )
    # Without a poster, or when it cannot load, a neutral placeholder takes its place.
    assert item(page, "sensor.arrival").locator(".poster.placeholder").count() == 1
    zone = item(page, "sensor.the_zone_of_interest")
    zone.locator(".poster.placeholder").wait_for()
    assert zone.locator("img").count() == 0

    # Summary sensors, other integrations' look-alikes and other domains are not requests.
    assert "sensor.status_tracker_active_requests" not in shown_ids(page)
    assert "sensor.imposter" not in shown_ids(page)
    assert page.locator("status-tracker-card").get_by_text("Imposter").count() == 0

    screenshot(page, "light.png")

    # The README's picture: the same card without the markup-titled test request.
    mount(page, {"title": "Media requests", "entities": [i for i in ACTIVE if i != "sensor.xss"]})
    screenshot(page, "readme.png")


def test_text_is_escaped(page: Page) -> None:
    """A title or requester with markup is shown as text; nothing from it runs or becomes an element."""
    mount(page)
    xss = item(page, "sensor.xss")
    assert xss.locator(".name").inner_text() == f"{XSS_TITLE} (2024)"
    assert "by <b>mallory</b>" in xss.locator(".meta").inner_text()
    assert xss.locator("img").count() == 0
    assert xss.locator("b").count() == 0
    assert page.evaluate("window.__xss") is None


def test_filters(page: Page) -> None:
    """The header switches between active, all and failed requests; the config picks the first one."""
    mount(page)
    buttons = page.locator("status-tracker-card .filters button")
    assert buttons.all_inner_texts() == ["Active (10)", "All (12)", "Failed (1)"]
    assert page.locator('status-tracker-card button[aria-pressed="true"]').inner_text() == "Active (10)"

    buttons.nth(1).click()
    assert shown_ids(page) == [s["entity_id"] for s in REQUESTS]
    everything = item(page, "sensor.everything_everywhere")
    assert everything.locator(".chip").inner_text() == "Available"
    assert everything.locator(".notice").inner_text() == "Already available in the library"

    buttons.nth(2).click()
    assert shown_ids(page) == ["sensor.blade_runner_2049"]
    assert item(page, "sensor.blade_runner_2049").locator(".chip").inner_text() == "Failed"
    assert item(page, "sensor.blade_runner_2049").locator(".warning").inner_text() == (
        "Failed: Radarr: download failed (no seeders)"
    )

    mount(page, {"filter": "failed"})
    assert shown_ids(page) == ["sensor.blade_runner_2049"]
    mount(page, {"filter": "all", "max_items": 3, "show_posters": False})
    assert shown_ids(page) == [s["entity_id"] for s in REQUESTS[:3]]
    assert page.locator("status-tracker-card .more").inner_text() == "+9 more"
    assert page.locator("status-tracker-card .poster").count() == 0


def test_without_entity_registry_and_with_explicit_entities(page: Page) -> None:
    """Without hass.entities the attribute shape decides; `entities` limits the card to those sensors."""
    mount(page, {"filter": "all"}, registry=False)
    # The look-alike has the attribute shape of a request: without the registry nothing tells them apart.
    assert shown_ids(page)[0] == "sensor.imposter"
    assert "sensor.status_tracker_active_requests" not in shown_ids(page)

    mount(page, {"filter": "all", "entities": ["sensor.arrival", "sensor.the_bear", "sensor.gone", "light.kitchen"]})
    assert shown_ids(page) == ["sensor.the_bear", "sensor.arrival"]


def test_state_change_rerenders_only_on_relevant_change(page: Page) -> None:
    """A new hass with one changed request re-renders it; a change elsewhere leaves the DOM alone."""
    mount(page)
    dune = item(page, "sensor.dune_part_two_2024")
    dune.evaluate("li => li.dataset.marker = 'old'")

    page.evaluate("window.cardTest.update('light.kitchen', {state: 'off'})")
    assert dune.get_attribute("data-marker") == "old"

    page.evaluate(
        "window.cardTest.update('sensor.dune_part_two_2024', {attributes: {download_progress: 80, download_eta: 240}})"
    )
    assert dune.get_attribute("data-marker") is None
    assert dune.locator(".progress-text").inner_text() == "80% · 4 min left · 5.2 MB/s"

    page.evaluate(
        "window.cardTest.update('sensor.past_lives', {state: 'downloading', attributes: {download_progress: 2.5,"
        " updated_at: new Date().toISOString(), state_changed_at: new Date().toISOString()}})"
    )
    past_lives = item(page, "sensor.past_lives")
    assert past_lives.locator(".chip").inner_text() == "Downloading"
    assert past_lives.locator(".progress-text").inner_text() == "2.5%"
    assert past_lives.locator(".since").inner_text() == "<1 min in this state"
    assert shown_ids(page) == ACTIVE  # an update moves no row

    page.evaluate("window.cardTest.update('sensor.past_lives', {state: 'available'})")
    assert "sensor.past_lives" not in shown_ids(page)
    assert page.locator("status-tracker-card .filters button").first.inner_text() == "Active (9)"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def push(page: Page, entity_id: str, changes: dict[str, Any]) -> None:
    """An update of one request as Home Assistant delivers it: a new hass with a new state object for it."""
    page.evaluate("([entityId, changes]) => window.cardTest.update(entityId, changes)", [entity_id, changes])


def test_rows_keep_their_place(page: Page) -> None:
    """Newest request first, by created_at: updates move no row; new requests appear where created_at puts them."""
    mount(page, {"filter": "all"})
    order = [s["entity_id"] for s in REQUESTS]
    assert shown_ids(page) == order

    # What arrives while someone watches; under the former order (newest update first) each moved its row to the top.
    updates: list[tuple[str, dict[str, Any]]] = [
        ("sensor.dune_part_two_2024", {"attributes": {"download_progress": 46.2, "updated_at": _now()}}),
        ("sensor.arrival", {"state": "importing", "attributes": {"updated_at": _now(), "state_changed_at": _now()}}),
        ("sensor.oppenheimer", {"state": "approved", "attributes": {"updated_at": _now(), "state_changed_at": _now()}}),
        ("sensor.past_lives", {"attributes": {"stuck_since": _now(), "reason": "No grab", "updated_at": _now()}}),
        ("sensor.blade_runner_2049", {"attributes": {"updated_at": _now()}, "last_changed": _now()}),
        ("sensor.everything_everywhere", {"state": "available", "attributes": {"updated_at": _now()}}),
    ]
    for entity_id, changes in updates:
        push(page, entity_id, changes)
        assert shown_ids(page) == order, f"after the update of {entity_id}"
    assert item(page, "sensor.arrival").locator(".chip").inner_text() == "Importing"

    # A new request: at the top. One found by catch-up (created earlier): at its place among the others.
    wicked = request_state("sensor.wicked", "requested", "Wicked", updated_minutes_ago=0, created_at=_now())
    page.evaluate("stateObj => window.cardTest.add(stateObj)", wicked)
    assert shown_ids(page) == ["sensor.wicked", *order]
    late = request_state("sensor.late", "approved", "Late", updated_minutes_ago=0, created_at=_ago(days=2, minutes=5.5))
    page.evaluate("stateObj => window.cardTest.add(stateObj)", late)
    at = order.index("sensor.arrival")  # created 6 min before the poor_things' 5: between the two
    assert shown_ids(page) == ["sensor.wicked", *order[:at], "sensor.late", *order[at:]]
    push(page, "sensor.wicked", {"state": "approved", "attributes": {"updated_at": _now()}})
    assert shown_ids(page)[:2] == ["sensor.wicked", "sensor.dune_part_two_2024"]


def _chernobyl(state: str, progress: list[float | None], states: list[str], request_progress: float) -> dict[str, Any]:
    """The demo's Chernobyl as request_attributes writes it: a season pack (E01-E04, the first grab, whose progress
    is the request's download_progress) and E05 on a torrent of its own."""
    episodes = _episodes(1, states)
    for episode, value in zip(episodes, progress, strict=True):
        episode["download_progress"] = value
    counts = _counts(episodes)
    text = ", ".join(f"{counts[key]} {key}" for key in ("downloaded", "downloading") if counts[key])
    return request_state(
        "sensor.chernobyl",
        state,
        "Chernobyl",
        updated_minutes_ago=0,
        created_at=_now(),
        media_type="tv",
        year=2019,
        episodes=episodes,
        download_id="a" * 40,
        download_progress=request_progress,
        state_text=text,
        grabbed_text="Grabbed 5/5 eps",
    )


def test_no_contradictory_progress_text(page: Page) -> None:
    """No "100%" beside "4 downloading": the sequence of the demo's Chernobyl, polled from qBittorrent.

    E05 finishes first; then the pack polls at 0.9996, still downloading, which the sensor writes as 100.0 (one
    decimal) on the request and on E01-E04. The next poll (1.0) makes them downloaded.
    """
    mount(page, {"entities": ["sensor.chernobyl", "sensor.dune_part_two_2024"]})
    sequence = [
        ("downloading", [40.0] * 4 + [100.0], ["downloading"] * 4 + ["downloaded"], 40.0),
        ("downloading", [100.0] * 5, ["downloading"] * 4 + ["downloaded"], 100.0),
        ("downloaded", [100.0] * 5, ["downloaded"] * 5, 100.0),
    ]
    seen = []
    for state, progress, states, request_progress in sequence:
        page.evaluate(
            "stateObj => window.cardTest.add(stateObj)", _chernobyl(state, progress, states, request_progress)
        )
        row = item(page, "sensor.chernobyl")
        assert row.locator(".progress").count() == 0  # TV: the counts and the grid, from the same episode rows
        seen.append((row.locator(".counts").inner_text(), row.locator(".ep").first.get_attribute("title")))
    assert seen == [
        ("1 downloaded, 4 downloading · Grabbed 5/5 eps", "S01E01 downloading 40% · Episode 1"),
        ("1 downloaded, 4 downloading · Grabbed 5/5 eps", "S01E01 downloading 99% · Episode 1"),
        ("5 downloaded · Grabbed 5/5 eps", "S01E01 downloaded · Episode 1"),
    ]
    assert "100%" not in page.locator("status-tracker-card").inner_text()

    # A movie still downloading never reads 100% either (99.96 % is written as 100.0), nor rounds up.
    push(page, "sensor.dune_part_two_2024", {"attributes": {"download_progress": 100.0, "download_eta": 1}})
    dune = item(page, "sensor.dune_part_two_2024")
    assert dune.locator(".progress-text").inner_text() == "99% · 1 s left · 5.2 MB/s"
    push(page, "sensor.dune_part_two_2024", {"attributes": {"download_progress": 99.6}})
    assert dune.locator(".progress-text").inner_text().startswith("99% · ")
    push(page, "sensor.dune_part_two_2024", {"attributes": {"download_progress": 9.96}})
    assert dune.locator(".progress-text").inner_text().startswith("9.9% · ")


def test_dark_and_narrow_screenshots(page: Page) -> None:
    """Theme variables reach the card in dark mode; at phone width nothing overflows sideways."""
    mount(page, {"title": "Media requests"})
    page.evaluate("window.cardTest.setDark(true)")
    background = page.locator("status-tracker-card .card").evaluate("card => getComputedStyle(card).backgroundColor")
    assert background == "rgb(28, 28, 28)"
    text = page.locator("status-tracker-card .name").first.evaluate("name => getComputedStyle(name).color")
    assert text == "rgb(225, 225, 225)"
    screenshot(page, "dark.png")

    page.evaluate("window.cardTest.setDark(false)")
    page.set_viewport_size({"width": 360, "height": 800})
    mount(page, {"title": "Media requests", "filter": "all"})
    overflow = page.locator("status-tracker-card .card").evaluate("card => card.scrollWidth - card.clientWidth")
    assert overflow == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "narrow.png")
    page.set_viewport_size({"width": 390, "height": 800})
    mount(page, {"title": "Media requests"})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "narrow-390.png")


def test_set_config_validation(page: Page) -> None:
    """Bad options raise readable errors (HA shows them in an error card); the stub config is valid."""
    errors = page.evaluate(
        """() => {
            const bad = [null, [], {title: 5}, {filter: "done"}, {max_items: 0}, {max_items: "5"},
                         {show_posters: "yes"}, {entities: "sensor.x"}, {entities: [42]}];
            return bad.map((config) => {
                try {
                    document.createElement("status-tracker-card").setConfig(config);
                    return null;
                } catch (error) {
                    return error.message;
                }
            });
        }"""
    )
    assert errors == [
        "Invalid configuration: expected an object",
        "Invalid configuration: expected an object",
        "title must be a string",
        "filter must be one of: active, all, failed",
        "max_items must be a whole number of at least 1",
        "max_items must be a whole number of at least 1",
        "show_posters must be true or false",
        "entities must be a list of entity ids",
        "entities must be a list of entity ids",
    ]
    stub = page.evaluate(
        """() => {
            const Card = customElements.get("status-tracker-card");
            const stub = Card.getStubConfig();
            document.createElement("status-tracker-card").setConfig({type: "custom:status-tracker-card", ...stub});
            return stub;
        }"""
    )
    assert stub == {"title": "Media requests", "filter": "active", "max_items": 20, "show_posters": True}
    picker = page.evaluate("window.customCards.filter((card) => card.type === 'status-tracker-card')")
    assert len(picker) == 1
    assert picker[0]["preview"] is True
    assert picker[0]["name"] == "Media Request Status Tracker"
    assert picker[0]["description"] == (
        "Jellyseerr requests on their way to Jellyfin: state, progress, episodes, what is stuck or failed."
    )


def test_editor_fires_config_changed(page: Page) -> None:
    """The visual editor shows the config and reports each change with the whole new config."""
    page.evaluate(
        """() => {
            const editor = customElements.get("status-tracker-card").getConfigElement();
            window.changes = [];
            editor.addEventListener("config-changed", (event) => window.changes.push(event.detail.config));
            editor.setConfig({type: "custom:status-tracker-card", title: "Requests", max_items: 5});
            document.getElementById("root").replaceChildren(editor);
        }"""
    )
    editor = page.locator("status-tracker-card-editor")
    assert editor.locator("input[name=title]").input_value() == "Requests"
    assert editor.locator("select[name=filter]").input_value() == "active"
    assert editor.locator("input[name=max_items]").input_value() == "5"
    assert editor.locator("input[name=show_posters]").is_checked()

    editor.locator("input[name=title]").fill("Our films")
    editor.locator("input[name=title]").press("Enter")
    editor.locator("select[name=filter]").select_option("failed")
    editor.locator("input[name=max_items]").fill("8")
    editor.locator("input[name=max_items]").blur()
    editor.locator("input[name=show_posters]").uncheck()

    changes = page.evaluate("window.changes")
    assert changes[-1] == {
        "type": "custom:status-tracker-card",
        "title": "Our films",
        "filter": "failed",
        "max_items": 8,
        "show_posters": False,
    }
    assert len(changes) == 4
    assert changes[0]["title"] == "Our films"
    assert changes[0]["filter"] == "active"


# --------------------------------------------------------------------------------------------------------------------
# The detail view
# --------------------------------------------------------------------------------------------------------------------


def _entry(at: str, kind: str, source: str, message: str, code: str | None) -> dict[str, Any]:
    return {"at": at, "kind": kind, "source": source, "message": message, "code": code}


# What get_requests answers as `timeline` (core/timeline.py as_view), oldest first.
TIMELINES: dict[str, list[dict[str, Any]]] = {
    "sensor.poor_things": [
        _entry(_ago(days=2), "state", "jellyseerr", "Tracked as approved", "approved"),
        _entry(_ago(hours=3, minutes=5), "state", "radarr", "approved → grabbing", "grabbing"),
        _entry(_ago(hours=3), "cause", "stuck check", "No release found by Radarr", "no_release_found"),
        _entry(_ago(minutes=5), "note", "stuck check", "Flagged stuck: no progress for 3 h", "stuck"),
    ],
    "sensor.the_bear": [
        _entry(_ago(days=1), "state", "jellyseerr", "Tracked as approved", "approved"),
        _entry(_ago(hours=5), "state", "sonarr", "approved → grabbing", "grabbing"),
        _entry(_ago(hours=4), "state", "qbittorrent", "grabbing → downloading", "downloading"),
        _entry(_ago(minutes=50), "cause", "stuck check", "The download is stalled (0 seeds, 3 peers)", "stalled"),
    ],
    "sensor.oppenheimer": [_entry(_ago(minutes=9), "state", "jellyseerr", "Tracked as requested", "requested")],
}
# The card's translated sentences: the integration's own (the frontend's loadBackendTranslation("exceptions")).
TRANSLATIONS = {
    f"component.status_tracker.exceptions.{key}.message": value["message"]
    for key, value in json.loads(STRINGS.read_text(encoding="utf-8"))["exceptions"].items()
}
VIEWS = {"light": (900, False), "dark": (900, True), "narrow": (390, False)}


def mount_with_services(page: Page, config: dict[str, Any] | None = None) -> None:
    """mount() with the websocket's get_requests timelines and the integration's translations in place."""
    page.evaluate(
        "([timelines, translations]) => Object.assign(window.cardTest, {timelines, translations, calls: []})",
        [TIMELINES, TRANSLATIONS],
    )
    mount(page, config)


def open_detail(page: Page, entity_id: str) -> Locator:
    """Click the request; the detail view with its timeline loaded."""
    item(page, entity_id).click()
    dialog = page.locator("status-tracker-card dialog.detail")
    dialog.locator(".timeline li, .timeline-status").first.wait_for()
    assert dialog.get_attribute("data-entity-id") == entity_id
    return dialog


def remedy_buttons(dialog: Locator) -> list[str]:
    return dialog.locator(".remedies button").all_inner_texts()


def timeline(dialog: Locator) -> list[str]:
    return dialog.locator(".timeline .message").all_inner_texts()


def ws_calls(page: Page, service: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = page.evaluate("window.cardTest.calls")
    return [call for call in calls if call.get("service") == service]


def page_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    path.write_bytes(page.screenshot())
    return path


@pytest.mark.parametrize("view", list(VIEWS))
def test_detail_view(page: Page, view: str) -> None:
    """A movie's and a TV request's detail: poster, state, episodes, cause and since when, remedies, timeline."""
    width, dark = VIEWS[view]
    page.set_viewport_size({"width": width, "height": 1000})
    page.evaluate(f"window.cardTest.setDark({'true' if dark else 'false'})")
    mount_with_services(page, {"title": "Media requests"})

    movie = open_detail(page, "sensor.poor_things")
    assert movie.evaluate("dialog => dialog.open && dialog.matches(':modal')")
    assert movie.get_attribute("aria-labelledby") == "detail-title"
    assert movie.locator("#detail-title").inner_text() == "Poor Things (2023)"
    assert movie.locator(".chip").inner_text() == "Grabbing"
    assert movie.locator("img.poster").count() == 1
    assert movie.locator(".cause-text").inner_text() == (
        "Released, but Radarr has grabbed no release in the 180 minutes since it was approved or last searched for."
    )
    assert movie.locator(".cause-since").inner_text().startswith("For 3 h, since ")
    assert remedy_buttons(movie) == ["Search again"]
    assert timeline(movie) == [  # newest first
        "Flagged stuck: no progress for 3 h",
        "No release found by Radarr",
        "approved → grabbing",
        "Tracked as approved",
    ]
    assert movie.locator(".timeline .when").first.inner_text().endswith(" · Note · stuck check")
    assert movie.locator(".episodes-detail").count() == 0
    # Only this request asked for, without episode rows (the view draws them from the entity).
    assert ws_calls(page, "get_requests") == [
        {
            "type": "call_service",
            "domain": "status_tracker",
            "service": "get_requests",
            "service_data": {"entity_id": ["sensor.poor_things"], "include_episodes": False},
            "return_response": True,
        }
    ]
    assert {"loadBackendTranslation": ["exceptions", "status_tracker"]} in page.evaluate("window.cardTest.calls")
    # Focus starts on the close button; the page behind is inert.
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.getAttribute('aria-label')") == "Close"
    if dark:
        assert movie.evaluate("d => getComputedStyle(d).backgroundColor") == "rgb(28, 28, 28)"
        assert movie.locator("#detail-title").evaluate("t => getComputedStyle(t).color") == "rgb(225, 225, 225)"
    if view == "narrow":
        assert movie.evaluate("d => d.getBoundingClientRect().width") == 390
        assert movie.evaluate("d => d.scrollWidth - d.clientWidth") == 0
    page_screenshot(page, f"detail-movie-{view}.png")

    page.keyboard.press("Escape")
    assert page.locator("status-tracker-card dialog").count() == 0
    # Focus is back on the request that opened it.
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.dataset.entityId") == "sensor.poor_things"

    tv = open_detail(page, "sensor.the_bear")
    assert tv.locator("#detail-title").inner_text() == "The Bear (2024)"
    assert tv.locator(".chip").inner_text() == "Downloading"
    episodes = tv.locator(".episodes-detail")
    assert episodes.locator(".counts").inner_text() == (
        "2 available, 1 importing, 2 downloaded, 3 downloading, 3 queued, 1 failed · Grabbed 10/12 eps"
    )
    assert episodes.locator(".season-label").all_inner_texts() == ["Season 1"]
    assert episodes.locator(".ep-cell").all_inner_texts() == [str(n) for n in range(1, 13)]
    assert episodes.locator(".ep-cell.downloading").count() == 3
    assert episodes.locator(".ep-cell").nth(5).get_attribute("aria-label") == "S01E06 downloading 45% · Episode 6"
    assert tv.locator(".cause-text").inner_text() == (
        "The download is stalled in qBittorrent (stalledDL, 61.5 %): 0 seed(s) and 3 peer(s) connected,"
        " 0 seed(s) in the swarm."
    )
    assert tv.locator(".cause-since").inner_text().startswith("For 50 min, since ")
    assert remedy_buttons(tv) == ["Replace download", "Rescan library"]
    assert timeline(tv)[0] == "The download is stalled (0 seeds, 3 peers)"
    assert ws_calls(page, "get_requests")[-1]["service_data"] == {
        "entity_id": ["sensor.the_bear"],
        "include_episodes": False,
    }
    if view == "narrow":
        assert tv.evaluate("d => d.scrollWidth - d.clientWidth") == 0
    page_screenshot(page, f"detail-tv-{view}.png")

    tv.get_by_role("button", name="Close").click()
    assert page.locator("status-tracker-card dialog").count() == 0


def test_detail_offers_remedies_where_they_apply(page: Page) -> None:
    """Buttons mirror the actions' refusals (remedies.py); the keyboard opens the view, Escape closes it."""
    mount_with_services(page, {"filter": "all"})
    expected = {
        "sensor.oppenheimer": ["Approve", "Decline"],  # requested
        "sensor.past_lives": ["Search again"],  # approved, nothing grabbed
        "sensor.poor_things": ["Search again"],  # grabbing, no release found
        "sensor.the_bear": ["Replace download", "Rescan library"],  # a download, some episodes imported
        "sensor.the_zone_of_interest": ["Replace download", "Rescan library"],  # imported, not in the library
        "sensor.dune_part_two_2024": ["Replace download"],  # a download (the action replaces any on request)
        "sensor.frieren": ["Rescan library"],  # anime matching: every episode imported, none downloading
        "sensor.blade_runner_2049": ["Search again"],  # failed
        "sensor.everything_everywhere": [],  # available
    }
    for entity_id, buttons in expected.items():
        item(page, entity_id).focus()
        page.keyboard.press("Enter")
        dialog = page.locator("status-tracker-card dialog.detail")
        dialog.wait_for()
        assert remedy_buttons(dialog) == buttons, entity_id
        assert dialog.locator("section[aria-label=Actions]").is_visible() == bool(buttons)
        page.keyboard.press("Escape")
        assert page.locator("status-tracker-card dialog").count() == 0


def test_remedy_calls_the_action_and_shows_the_answer(page: Page) -> None:
    """A remedy button calls its action with the request's entity; success or the translated error is shown."""
    mount_with_services(page)
    dialog = open_detail(page, "sensor.poor_things")
    # What the action writes into the timeline, answered by the next get_requests.
    page.evaluate(
        "entry => window.cardTest.timelines['sensor.poor_things'].push(entry)",
        _entry(NOW.isoformat(), "remedy", "user:Alice", "Radarr searches for the movie", "search"),
    )
    dialog.get_by_role("button", name="Search again").click()
    expect_text(dialog.locator(".remedy-result"), "Search again: done.")
    assert ws_calls(page, "search") == [
        {
            "type": "call_service",
            "domain": "status_tracker",
            "service": "search",
            "service_data": {"entity_id": "sensor.poor_things"},
        }
    ]
    assert dialog.locator(".remedy-result").get_attribute("role") == "status"
    dialog.locator(".timeline li[data-kind=remedy]").wait_for()
    assert timeline(dialog)[0] == "Radarr searches for the movie"
    assert len(ws_calls(page, "get_requests")) == 2

    # The request moves while the view is open: state, buttons and timeline follow.
    page.evaluate(
        "window.cardTest.update('sensor.poor_things', {state: 'downloading', attributes: {cause: null,"
        " cause_since: null, cause_details: null, download_id: 'abc', download_progress: 3}})"
    )
    assert dialog.locator(".chip").inner_text() == "Downloading"
    assert dialog.locator(".cause").count() == 0
    assert remedy_buttons(dialog) == ["Replace download"]
    assert dialog.locator(".progress-text").inner_text() == "3%"
    page.wait_for_function("window.cardTest.calls.filter((c) => c.service === 'get_requests').length === 3")
    page.keyboard.press("Escape")

    # A refusal: Home Assistant's websocket error, shown in the integration's translated words.
    page.evaluate(
        """() => { window.cardTest.failures["status_tracker.decline"] = {
            code: "service_validation_error",
            message: "Validation error: This needs the Jellyseerr connection.",
            translation_domain: "status_tracker", translation_key: "missing_connection",
            translation_placeholders: {service: "Jellyseerr"}}; }"""
    )
    page.evaluate(
        "window.cardTest.translations['component.status_tracker.exceptions.missing_connection.message'] ="
        " 'Dafür braucht es die Verbindung zu {service}.'"
    )
    dialog = open_detail(page, "sensor.oppenheimer")
    dialog.get_by_role("button", name="Decline").click()
    result = dialog.locator(".remedy-result.error")
    expect_text(result, "Decline failed: Dafür braucht es die Verbindung zu Jellyseerr.")
    assert result.get_attribute("role") == "alert"
    assert ws_calls(page, "decline")[0]["service_data"] == {"entity_id": "sensor.oppenheimer"}
    assert dialog.get_by_role("button", name="Approve").is_enabled()  # the buttons are usable again

    # An error without a translation (another domain's): its message as Home Assistant sent it.
    page.keyboard.press("Escape")
    page.evaluate(
        """() => { window.cardTest.failures["status_tracker.get_requests"] = {
            code: "home_assistant_error", message: "No Media Request Status Tracker entry is loaded."}; }"""
    )
    dialog = open_detail(page, "sensor.the_bear")
    # The refusal arrives after the view opened (a busy machine shows "Loading…" first).
    expect_text(
        dialog.locator(".timeline-status"), "Timeline not loaded: No Media Request Status Tracker entry is loaded."
    )
    assert dialog.locator(".cause-text").count() == 1  # the rest of the view does not need the timeline


def expect_text(locator: Locator, text: str) -> None:
    """Wait until the locator shows exactly `text` (answers arrive asynchronously)."""
    # Imported here: without playwright the module must still import (its tests then skip).
    from playwright.sync_api import expect

    expect(locator).to_have_text(text)


# --------------------------------------------------------------------------------------------------------------------
# The detail view's "Delete…" (status_tracker.delete_media)
# --------------------------------------------------------------------------------------------------------------------

DELETE_DEFAULTS = {"seerr": True, "arr": True, "delete_files": True, "add_import_exclusion": False,
                   "torrents": True, "torrent_data": True, "record": True}  # fmt: skip
POOR_THINGS_TORRENT = {"kind": "torrent", "id": "aa11", "title": "Poor.Things.2023.1080p",
                       "path": "/data/torrents/Poor.Things.2023.1080p", "size": 12_400_000_000}  # fmt: skip
POOR_THINGS_MOVIE = {"kind": "movie", "id": 42, "title": "Poor Things", "path": "/movies/Poor Things (2023)"}


def delete_answer(dry_run: bool, *, torrents: bool = True, failed: bool = False) -> dict[str, Any]:
    """delete_media's response (core/deletion.py report) for Poor Things."""
    done = "would_delete" if dry_run else "deleted"

    def view(name: str, items: list[dict[str, Any]], **lists: Any) -> dict[str, Any]:
        return {"name": name, done: items, "already_gone": [], "kept": [], "failed": [], "calls": [], **lists}

    services = {
        "qbittorrent": view("qBittorrent", [POOR_THINGS_TORRENT]),
        "radarr": view("Radarr", [POOR_THINGS_MOVIE]),
        "jellyseerr": view("Jellyseerr", [{"kind": "request", "id": 16, "title": "Poor Things"}],
                           kept=[{"kind": "media", "id": 8, "title": "Poor Things",
                                  "reason": "Jellyseerr request 17 is on it too"}]),
        "tracker": view("Media Request Status Tracker", [{"kind": "record", "id": "r1", "title": "Poor Things"}]),
    }  # fmt: skip
    if not torrents:
        del services["qbittorrent"]
    if failed:
        services["radarr"] = view("Radarr", [], failed=[{**POOR_THINGS_MOVIE, "error": "HTTP 503"}])
        services["tracker"] = view("Media Request Status Tracker", [], kept=[
            {"kind": "record", "id": "r1", "title": "Poor Things",
             "reason": "kept because Radarr failed: run it again once that is fixed"}])  # fmt: skip
    return {"dry_run": dry_run, "request_id": "r1", "title": "Poor Things", "services": services,
            "failed": ["Radarr"] if failed else [], "half_removed": failed}  # fmt: skip


def delete_calls(page: Page) -> list[dict[str, Any]]:
    return [call["service_data"] for call in ws_calls(page, "delete_media")]


def test_delete_asks_with_the_dry_run_first(page: Page) -> None:
    """Delete… opens a confirmation with the chosen parts and their dry run; only its Delete button deletes, with
    the parts the dry run showed; Escape closes the confirmation, not the detail view."""
    mount_with_services(page)
    page.evaluate(
        "answers => { window.cardTest.responses['status_tracker.delete_media'] = answers; }",
        [delete_answer(True), delete_answer(True, torrents=False), delete_answer(False, torrents=False)],
    )
    dialog = open_detail(page, "sensor.poor_things")
    dialog.get_by_role("button", name="Delete…").click()
    confirm = page.locator("status-tracker-card dialog.confirm-delete")
    assert confirm.evaluate("dialog => dialog.open && dialog.matches(':modal')")
    assert confirm.locator("#delete-title").inner_text() == "Delete Poor Things (2023)?"
    plan = confirm.locator(".delete-plan")
    expect_text(plan.locator("[data-service=radarr] li"), "movie Poor Things (/movies/Poor Things (2023))")
    assert plan.locator("[data-service=qbittorrent] li").inner_text() == (
        "torrent Poor.Things.2023.1080p (/data/torrents/Poor.Things.2023.1080p, 12 GB)"
    )
    assert plan.locator("[data-service=jellyseerr] [data-list=kept] li").inner_text() == (
        "media Poor Things: Jellyseerr request 17 is on it too"
    )
    assert delete_calls(page) == [{"entity_id": "sensor.poor_things", "dry_run": True, **DELETE_DEFAULTS}]
    button = confirm.get_by_role("button", name="Delete", exact=True)
    assert button.is_enabled()

    # Another choice asks again; a part's own option goes with it.
    confirm.get_by_label("Torrents in qBittorrent").uncheck()
    assert confirm.get_by_label("with their data").is_hidden()
    page.wait_for_function("window.cardTest.calls.filter((c) => c.service === 'delete_media').length === 2")
    expect_text(plan.locator("h4").first, "Radarr")
    chosen = {**DELETE_DEFAULTS, "torrents": False, "torrent_data": False}
    assert delete_calls(page)[1] == {"entity_id": "sensor.poor_things", "dry_run": True, **chosen}

    button.click()
    expect_text(plan.locator("[role=status]"), "Deleted.")
    assert delete_calls(page)[2] == {"entity_id": "sensor.poor_things", "dry_run": False, **chosen}
    assert plan.locator("[data-service=radarr] [data-list=deleted] li").count() == 1
    assert confirm.get_by_role("button", name="Close").is_visible()
    page.keyboard.press("Escape")
    assert confirm.count() == 0
    assert dialog.evaluate("dialog => dialog.open")


def test_delete_reports_what_failed_and_is_admin_only(page: Page) -> None:
    """A half-done delete says what failed and that the request stays; a user who is not an admin sees no Delete…"""
    mount_with_services(page)
    page.evaluate(
        "answers => { window.cardTest.responses['status_tracker.delete_media'] = answers; }",
        [delete_answer(True), delete_answer(False, failed=True)],
    )
    dialog = open_detail(page, "sensor.poor_things")
    dialog.get_by_role("button", name="Delete…").click()
    confirm = page.locator("status-tracker-card dialog.confirm-delete")
    confirm.locator(".delete-plan [data-service=radarr]").wait_for()
    confirm.get_by_role("button", name="Delete", exact=True).click()
    alert = confirm.locator(".delete-plan [role=alert]")
    expect_text(alert, "Partly deleted: Radarr failed. The request is kept; try again once that is fixed.")
    assert confirm.locator("[data-service=radarr] [data-list=failed] li").inner_text() == (
        "movie Poor Things (/movies/Poor Things (2023)): HTTP 503"
    )
    confirm.get_by_role("button", name="Close").click()
    page.keyboard.press("Escape")

    page.evaluate("window.cardTest.user = {name: 'Kid', is_admin: false}")
    mount_with_services(page)
    dialog = open_detail(page, "sensor.poor_things")
    assert dialog.get_by_role("button", name="Entity details").is_visible()
    assert dialog.get_by_role("button", name="Delete…").count() == 0
    assert delete_calls(page) == []


def test_progress_from_the_sensors_text_attributes(page: Page) -> None:
    """The sensor shows progress, ETA and speed as text with units (issue 16); the card shows them as they are."""
    mount(page)
    page.evaluate(
        "window.cardTest.update('sensor.dune_part_two_2024', {attributes: {download_progress: '45.0 %',"
        " download_eta: '3 min 31 s', download_speed: '273 kB/s'}})"
    )
    dune = item(page, "sensor.dune_part_two_2024")
    assert dune.locator(".progress-text").inner_text() == "45% · 3 min 31 s left · 273 kB/s"
    assert dune.locator(".bar").get_attribute("aria-valuenow") == "45"


def test_delete_result_stays_when_the_request_goes(page: Page) -> None:
    """A delete that removes the request's record: its sensor goes at once, yet the result stays on screen until the
    user closes it; then the detail view closes too."""
    mount_with_services(page)
    page.evaluate(
        "answers => { window.cardTest.responses['status_tracker.delete_media'] = answers; }",
        [delete_answer(True), delete_answer(False)],
    )
    dialog = open_detail(page, "sensor.poor_things")
    dialog.get_by_role("button", name="Delete…").click()
    confirm = page.locator("status-tracker-card dialog.confirm-delete")
    plan = confirm.locator(".delete-plan")
    expect_text(plan.locator("[data-service=radarr] li"), "movie Poor Things (/movies/Poor Things (2023))")
    confirm.get_by_role("button", name="Delete", exact=True).click()
    expect_text(plan.locator("[role=status]"), "Deleted.")
    page.evaluate("() => window.cardTest.remove('sensor.poor_things')")
    assert confirm.evaluate("dialog => dialog.open")
    expect_text(plan.locator("[role=status]"), "Deleted.")
    assert plan.locator("[data-service=tracker] [data-list=deleted] li").count() == 1
    confirm.get_by_role("button", name="Close").click()
    assert confirm.count() == 0
    assert dialog.count() == 0
