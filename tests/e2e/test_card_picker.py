"""The card in Home Assistant's own card picker (issue 16): a real Home Assistant 2025.4 and a real browser.

The demo stack (scripts/demo_lib/stack.py) with one request (Dune, from Jellyseerr's webhook); the default dashboard
opened in edit mode, **Add card**, the picker searched as a user would. Asserted: the entry is found by the product
name and by a word of its description, is named "Media Request Status Tracker", and its preview is the live card built
from getStubConfig, listing the request. Screenshot: tests/e2e/screenshots/card-picker.png.

Runs only on the 2025.4 leg; skips without qbittorrent-nox, chromium or playwright (fails with CI=true).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from scripts.demo_lib.stack import FLOWS, Stack
from tests.helpers import BrowserThread, e2e_stack, ha_context, require_browser, running

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).with_name("screenshots")


def _search(page: Page, text: str) -> None:
    page.locator("hui-card-picker search-input input").fill(text)


def _picker(browser: Browser, stack: Stack) -> None:
    """On the browser thread: Add card, search, and what the picker shows."""
    from playwright.sync_api import expect

    context = ha_context(browser, stack, viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{stack.dashboard_url}?edit=1", wait_until="networkidle")
        page.get_by_text("Add card").first.click()

        _search(page, "Media Request")
        entry = page.locator("hui-card-picker .card", has_text="Media Request Status Tracker")
        expect(entry).to_have_count(1)
        expect(entry.locator(".card-header")).to_have_text("Media Request Status Tracker")
        # The preview is the card itself with getStubConfig's config, on Home Assistant's live states.
        preview = entry.locator(".preview status-tracker-card")
        expect(preview.locator(".title")).to_have_text("Media requests")
        expect(preview.locator("li.item .name")).to_have_text(["Dune: Part Two (2024)"])
        expect(preview.locator("li.item .chip .label")).to_have_text(["Approved"])
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "card-picker.png"))

        # The description is part of the entry: a word only it holds finds the card.
        _search(page, "Jellyseerr")
        headers = page.locator("hui-card-picker .card .card-header")
        expect(headers.filter(has_text="Media Request Status Tracker")).to_have_count(1)
    finally:
        context.close()


@pytest.mark.timeout(300)
def test_card_in_the_card_picker(tmp_path: Path, socket_enabled: None) -> None:
    """Add card → search → "Media Request Status Tracker" with a live preview of the requests."""
    stack = e2e_stack(tmp_path, "card picker")
    require_browser()
    browser = BrowserThread()
    with running(stack):
        stack.post_webhook(FLOWS[0].request)
        try:
            browser.start()
            assert browser.browser is not None
            browser.run(_picker, browser.browser, stack)
        finally:
            browser.stop()
