"""A request's own dialog in Home Assistant's real frontend (issue 16): what a tap on a request sensor opens.

One stack for the module (scripts/demo_lib/stack.py, as tests/e2e/test_e2e.py): Home Assistant 2025.4 with its
frontend, the qbittorrent-nox pair and the stand-ins. Dune is requested, grabbed and downloading for real (throttled
so that it stays downloading with a speed and an ETA); Chernobyl is requested and its season pack grabbed. Chromium
(Playwright) opens each request's more-info dialog as a tap on the entity does (`hass-more-info` on the
`home-assistant` element), expands Attributes and reads every row: at 1280 px light, at 390 px (a phone) and in the
dark theme. Then the two device pages: the five counts on the tracker's, the requests on theirs, model and version
shown. Screenshots go to tests/e2e/screenshots/dialog-*.png and device-*.png.

Runs only on the 2025.4 leg; skips without qbittorrent-nox, chromium or playwright, except with CI=true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import json
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

import pytest
import pytest_socket
import requests

from scripts.demo_lib.stack import FLOWS, Stack, wait_for
from tests.helpers import INTEGRATION, BrowserThread, e2e_stack, ha_context, require_browser, running

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).with_name("screenshots")
# Dune's 32 MiB at ~40 kB/s: downloading for the whole module.
TIME_SCALE = 30.0
THOUSANDS = re.compile(r"\d[,.\u202f\u00a0 ]\d{3}\b")

DUNE = next(flow for flow in FLOWS if flow.media == "dune")
CHERNOBYL = next(flow for flow in FLOWS if flow.media == "chernobyl")


@pytest.fixture(scope="module")
def dialog_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack with Dune downloading and Chernobyl grabbed, stopped afterwards whatever happens."""
    # Before the first test's function-scoped `socket_enabled`: the harness blocks sockets until then.
    pytest_socket.enable_socket()
    stack = e2e_stack(tmp_path_factory.mktemp("dialog"), "request dialog", time_scale=TIME_SCALE)
    require_browser()

    def start() -> None:
        stack.start()
        (dune,) = DUNE.downloads
        stack.post_webhook(DUNE.request)
        stack.post_webhook(dune.grab, download_id=stack.info_hash(dune))
        stack.add_torrent(dune)
        pack = CHERNOBYL.downloads[0]
        stack.post_webhook(CHERNOBYL.request)
        stack.post_webhook(pack.grab, download_id=stack.info_hash(pack))

    with running(stack, start):
        yield stack


def _downloading(stack: Stack) -> dict[str, Any]:
    """Dune's state once qBittorrent's poll gave it a speed and an ETA."""

    def shown() -> dict[str, Any] | None:
        state = stack.request_states().get(DUNE.title)
        if state and state["state"] == "downloading" and {"download_speed", "download_eta"} <= set(state["attributes"]):
            return state
        return None

    return wait_for("Dune downloading with a speed and an ETA", shown, 60, interval=0.5)


def _in_browser[T](
    stack: Stack, views: list[tuple[str, dict[str, Any]]], look: Callable[[Page, str], T]
) -> dict[str, T]:
    """`look` at a logged-in page per view (name, browser context options); what it saw, by view."""
    thread = BrowserThread()
    try:
        thread.start()
        assert thread.browser is not None
        return thread.run(_browse, thread.browser, stack, views, look)
    finally:
        thread.stop()


def _browse[T](
    browser: Browser, stack: Stack, views: list[tuple[str, dict[str, Any]]], look: Callable[[Page, str], T]
) -> dict[str, T]:
    SCREENSHOTS.mkdir(exist_ok=True)
    seen: dict[str, T] = {}
    for name, options in views:
        context = ha_context(browser, stack, **options)
        page = context.new_page()
        try:
            seen[name] = look(page, name)
        except AssertionError:
            page.screenshot(path=str(SCREENSHOTS / f"{name}-FAILED.png"))
            raise
        finally:
            context.close()
    return seen


def _dialog(stack: Stack, entity_id: str) -> Callable[[Page, str], dict[str, Any]]:
    """Open the entity's more-info dialog, expand Attributes: the header and the rows (name -> value, in order)."""

    def look(page: Page, name: str) -> dict[str, Any]:
        from playwright.sync_api import expect

        page.goto(stack.dashboard_url, wait_until="networkidle")
        expect(page.locator("status-tracker-card li.item")).to_have_count(2, timeout=30_000)
        # What a tap on the entity does anywhere in Home Assistant.
        page.evaluate(
            """(entityId) => document.querySelector("home-assistant").dispatchEvent(
                new CustomEvent("hass-more-info", {detail: {entityId}, bubbles: true, composed: true}))""",
            entity_id,
        )
        dialog = page.locator("ha-more-info-dialog")
        panel = dialog.locator("ha-attributes ha-expansion-panel")
        expect(panel).to_be_visible(timeout=15_000)
        panel.get_by_text("Attributes").click()
        rows = dialog.locator("ha-attributes .data-entry")
        expect(rows.first).to_be_visible(timeout=10_000)
        page.wait_for_timeout(300)  # the expansion animation, for the screenshot
        keys = [text.strip() for text in rows.locator(".key").all_inner_texts()]
        # The value is drawn in ha-attribute-value's shadow root, which innerText does not enter.
        values = rows.locator(".value ha-attribute-value").evaluate_all(
            "els => els.map((el) => (el.shadowRoot || el).textContent.replace(/\\s+/g, ' ').trim())"
        )
        header = dialog.locator("ha-dialog-header").first.inner_text()
        page.screenshot(path=str(SCREENSHOTS / f"dialog-{name}.png"))
        return {"rows": dict(zip(keys, values, strict=True)), "order": keys, "header": header}

    return look


def _device_id(stack: Stack, entity_id: str) -> str:
    """The entity's device id, from Home Assistant's template API (the REST API has no device registry)."""
    answer = requests.post(
        f"{stack.ha_url}/api/template",
        json={"template": f"{{{{ device_id('{entity_id}') }}}}"},
        headers={"Authorization": f"Bearer {stack.token}"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.text.strip()


def _assert_readable(rows: dict[str, str]) -> None:
    """No "Unknown" row, no raw attribute name, no thousands separator in an id or the year."""
    assert "Unknown" not in rows.values(), rows
    for name in ("Year", "TMDB ID", "Jellyseerr request ID", "TVDB ID"):
        if name in rows:
            assert rows[name].isdigit(), (name, rows[name])
    assert not [name for name in rows if "_" in name or name in {"Tmdb ID", "Is 4k", "Download eta"}], rows
    assert not [value for value in rows.values() if THOUSANDS.search(value)], rows


@pytest.mark.timeout(300)
def test_movie_dialog_while_downloading(dialog_stack: Stack, socket_enabled: None) -> None:
    """Dune downloading: ids and year as digits, speed/ETA/progress with units, nothing that has no value."""
    state = _downloading(dialog_stack)
    views = [
        ("movie-1280-light", {"viewport": {"width": 1280, "height": 1000}}),
        ("movie-390", {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}),
        ("movie-1280-dark", {"viewport": {"width": 1280, "height": 1000}, "color_scheme": "dark"}),
    ]
    seen = _in_browser(dialog_stack, views, _dialog(dialog_stack, state["entity_id"]))
    for name, shown in seen.items():
        rows: dict[str, str] = shown["rows"]
        print(f"  {name}: {shown['header']!r} {rows}")  # noqa: T201
        _assert_readable(rows)
        assert rows["Request ID"] == state["attributes"]["request_id"], (name, rows)
        # What needs a person first; then what the download is doing, with units.
        # Home Assistant draws an enum sensor's options first, in the state's words; then what needs a person.
        assert shown["order"][:2] == ["Possible states", "Needs attention"], (name, shown["order"])
        assert rows["Possible states"].startswith("Requested, Approved, Grabbing, Downloading"), (name, rows)
        assert rows["Needs attention"] == "No", name
        assert re.fullmatch(r"\d{1,3}\.\d %", rows["Download progress"]), (name, rows)
        assert re.fullmatch(r"\d+(\.\d)? (B|kB|MB|GB)/s", rows["Download speed"]), (name, rows)
        assert re.fullmatch(r"\d+ (s|min|h|d)( \d+ (s|min|h))?", rows["Time left"]), (name, rows)
        assert (rows["Year"], rows["TMDB ID"], rows["Media type"]) == ("2024", "693134", "Movie"), (name, rows)
        assert rows["Title"] == "Dune: Part Two"
        # Nothing that only applies to a series, and no empty row.
        assert not {"Episode list", "Requested seasons", "TVDB ID", "Episodes", "Reason", "Stuck since"} & set(rows)
        # Named once by its device, never by the Jellyfin server ("Living Room Jellyfin").
        assert " ".join(shown["header"].split()) == "Media requests Dune: Part Two (2024)", (name, shown["header"])


@pytest.mark.timeout(300)
def test_series_dialog_with_grabbed_episodes(dialog_stack: Stack, socket_enabled: None) -> None:
    """Chernobyl grabbed: the series fields in words, no download figures the request does not have."""
    state = wait_for(
        "Chernobyl grabbing",
        lambda: (s := dialog_stack.request_states().get(CHERNOBYL.title)) and s["state"] == "grabbing" and s,
        30,
    )
    seen = _in_browser(
        dialog_stack,
        [("tv-1280", {"viewport": {"width": 1280, "height": 1000}})],
        _dialog(dialog_stack, state["entity_id"]),
    )
    rows: dict[str, str] = seen["tv-1280"]["rows"]
    print(f"  tv-1280: {rows}")  # noqa: T201
    _assert_readable(rows)
    assert rows["Media type"] == "Series", rows
    assert rows["Requested seasons"] == "1", rows
    assert rows["Year"] == "2019", rows
    assert rows["Episodes"] == "4 queued", rows
    assert not {"Download speed", "Time left", "Download progress"} & set(rows), rows


@pytest.mark.timeout(300)
def test_device_pages_keep_the_counts_apart_from_the_requests(dialog_stack: Stack, socket_enabled: None) -> None:
    """The tracker's device lists the five counts, the requests' device the requests; model and version shown."""
    states = dialog_stack.request_states()
    dune = states[DUNE.title]["entity_id"]
    summary = "sensor.media_request_status_tracker_active_requests"
    devices = {
        name: _device_id(dialog_stack, entity_id) for name, entity_id in (("tracker", summary), ("requests", dune))
    }
    assert devices["tracker"] != devices["requests"], devices

    names = ["Active requests", "Downloading", "Stuck requests", "Failed requests", "Available in the last 24 h"]
    titles = ["Dune: Part Two (2024)", "Chernobyl (2019)"]
    version = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))["version"]

    def look(page: Page, name: str) -> dict[str, int]:
        from playwright.sync_api import expect

        page.goto(f"{dialog_stack.ha_url}/config/devices/device/{devices[name.removeprefix('device-')]}")
        model = "Jellyseerr → Radarr → Sonarr → qBittorrent → Shoko → Jellyfin"
        expect(page.get_by_text(model).first).to_be_visible(timeout=15_000)
        expect(page.get_by_text(f"Version: {version}")).to_be_visible()
        entities = page.locator("ha-device-entities-card")
        expect(entities.get_by_text(names[0] if "tracker" in name else titles[0])).to_be_visible(timeout=10_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        # Text locators enter the shadow roots; the entity rows name the entity without the device name.
        return {
            text: page.locator("ha-device-entities-card").get_by_text(text, exact=True).count()
            for text in names + titles
        }

    seen = _in_browser(
        dialog_stack,
        [(f"device-{name}", {"viewport": {"width": 1280, "height": 1000}}) for name in devices],
        look,
    )
    assert seen["device-tracker"] == {**dict.fromkeys(names, 1), **dict.fromkeys(titles, 0)}, seen
    assert seen["device-requests"] == {**dict.fromkeys(names, 0), **dict.fromkeys(titles, 1)}, seen
