"""The Lovelace card in a real browser (fixtures and the browser thread: tests/browser/conftest.py).

Each test gets `page`: a fresh page that loaded the card module. The page's `cardTest.mount(config, states, entities)`
builds the `hass` object from the state objects below, whose attributes are those `sensor.request_attributes` writes.
Screenshots land in tests/browser/screenshots/ (git-ignored); the light one is also written to docs/card.png for the
README.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
SCREENSHOTS = Path(__file__).with_name("screenshots")
README_SHOT = ROOT / "docs" / "card.png"
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
        "created_at": _ago(days=2),
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
FRIEREN_EPISODES = _episodes(1, ["available", "available"]) + _episodes(2, ["anime_matching", "anime_matching"])


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
            stuck_since=_ago(hours=3),
            needs_attention=True,
            reason="No release grabbed by Radarr",
        ),
        request_state("sensor.arrival", "downloaded", "Arrival", updated_minutes_ago=6, year=2016),
        request_state(
            "sensor.the_zone_of_interest",
            "importing",
            "The Zone of Interest",
            updated_minutes_ago=7,
            year=2023,
            poster_url="http://127.0.0.1:9/unreachable.jpg",
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
    return page.locator("status-tracker-card li.item").evaluate_all("items => items.map((i) => i.dataset.entityId)")


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
    """Active requests, newest update first, with titles, states, progress, episodes and reasons."""
    mount(page, {"title": "Media requests"})

    assert shown_ids(page) == ACTIVE  # build_states lists them by updated_at, newest first
    assert page.locator("status-tracker-card .title").inner_text() == "Media requests"

    dune = item(page, "sensor.dune_part_two_2024")
    assert dune.locator(".name").inner_text() == "Dune: Part Two (2024)"
    assert dune.locator(".chip").inner_text() == "Downloading"
    assert dune.locator(".progress-text").inner_text() == "45% · 12 min left · 5.2 MB/s"
    assert dune.locator("[role=progressbar] > div").evaluate("bar => bar.style.width") == "45%"
    meta = dune.locator(".meta").inner_text()
    assert "by bob" in meta
    assert "4K" in meta
    assert "for 2 h" in meta
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

    assert item(page, "sensor.poor_things").locator(".warning").inner_text() == (
        "Stuck for 3 h: No release grabbed by Radarr"
    )
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
    shot = screenshot(page, "readme.png")
    README_SHOT.parent.mkdir(exist_ok=True)
    shutil.copy(shot, README_SHOT)
    assert README_SHOT.stat().st_size < 300_000


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
    assert "for <1 min" in past_lives.locator(".meta").inner_text()
    assert shown_ids(page)[0] == "sensor.past_lives"  # newest update first

    page.evaluate("window.cardTest.update('sensor.past_lives', {state: 'available'})")
    assert "sensor.past_lives" not in shown_ids(page)
    assert page.locator("status-tracker-card .filters button").first.inner_text() == "Active (9)"


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
    assert picker[0]["name"] == "Status Tracker"


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
