"""The README's screenshots, taken from a running `scripts/demo` in Chromium (Playwright, Debian's chromium).

    .venv/bin/python -m scripts.demo_lib.screenshots [--url URL] [--token-file FILE] [--out DIR]

Defaults: the demo on DEMO_PORT (8123) and its token in .demo/config/.demo_token; images into docs/. Waits until the
demo has played everything (the four requests AVAILABLE, the three that go wrong in their states, Akira flagged
stuck: about 6 minutes after `scripts/demo` started), then writes:
- card.png: the card on the demo's dashboard (light theme, 560 px wide window, as on a phone);
- card-detail.png: the card's detail view of the stuck request (cause, remedy buttons, timeline), 900 x 1000;
- logbook.png: Home Assistant's logbook of the three requests that go wrong, 1280 x 720;
- request-dialog.png: Home Assistant's own dialog of the stuck request (a tap on its entity), attributes open,
  700 x 1100.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import json
import os
from pathlib import Path
import sys
import time
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import Browser, Page, expect, sync_playwright
import requests

from scripts.demo_lib.stack import DASHBOARD_VIEW, DEMO_OPTIONS, FLOWS, ROOT, STUCK, TROUBLES, wait_for

# Debian's chromium, launched as tests/helpers.py launches it for the browser tests.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]
CARD = "status-tracker-card"


def _states(url: str, token: str) -> dict[str, dict[str, Any]]:
    """The request sensors by title."""
    answer = requests.get(f"{url}/api/states", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    answer.raise_for_status()
    return {
        state["attributes"]["title"]: state
        for state in answer.json()
        if state["entity_id"].startswith("sensor.") and "request_id" in state.get("attributes", {})
    }


def _played(url: str, token: str) -> Callable[[], dict[str, dict[str, Any]] | None]:
    """A probe: the request sensors once the demo has played everything, else None."""

    def probe() -> dict[str, dict[str, Any]] | None:
        states = _states(url, token)
        done = all(states.get(flow.title, {}).get("state") == "available" for flow in FLOWS)
        done = done and all(states.get(trouble.title, {}).get("state") == trouble.state for trouble in TROUBLES)
        return states if done and states[STUCK.title]["attributes"].get("stuck_since") else None

    return probe


def _page(browser: Browser, url: str, token: str, width: int, height: int) -> Page:
    """A page logged in with the long-lived token, as the frontend stores its tokens."""
    tokens = {
        "hassUrl": url,
        "clientId": f"{url}/",
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 315360000,
        "expires": int(time.time() * 1000) + 315360000000,
        "refresh_token": "",
    }
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="light")
    context.add_init_script(f"window.localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});")
    return context.new_page()


def _dashboard(page: Page, url: str, rows: int) -> None:
    page.goto(f"{url}/lovelace/{DASHBOARD_VIEW}", wait_until="networkidle")
    expect(page.locator(f"{CARD} li.item")).to_have_count(rows, timeout=30_000)


def take(url: str, token: str, out: Path) -> list[Path]:
    """Wait for the demo to have played everything, then write the screenshots; their paths."""
    limit = DEMO_OPTIONS["stuck_after"] * 60 + 180
    print(f"Waiting (up to {limit} s) until the demo has played everything ...", flush=True)
    states = wait_for("the demo's final states", _played(url, token), limit, interval=3)
    rows = len(FLOWS) + len(TROUBLES)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = _page(browser, url, token, 560, 1400)
            _dashboard(page, url, rows)
            written.append(out / "card.png")
            written[-1].write_bytes(page.locator(CARD).screenshot())

            page = _page(browser, url, token, 900, 1000)
            _dashboard(page, url, rows)
            page.locator(f"{CARD} li.item").filter(has=page.locator(".name", has_text=STUCK.title)).click()
            dialog = page.locator(f"{CARD} dialog.detail")
            expect(dialog).to_be_visible(timeout=10_000)
            # The timeline comes from the integration's get_requests action: wait until it is drawn.
            page.wait_for_load_state("networkidle")
            written.append(out / "card-detail.png")
            written[-1].write_bytes(page.screenshot())

            page = _page(browser, url, token, 1280, 720)
            start = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
            entities = ",".join(states[trouble.title]["entity_id"] for trouble in TROUBLES)
            page.goto(f"{url}/logbook?{urlencode({'entity_id': entities, 'start_date': start})}")
            expect(page.get_by_text("is stuck while downloading").first).to_be_visible(timeout=30_000)
            page.wait_for_load_state("networkidle")
            written.append(out / "logbook.png")
            written[-1].write_bytes(page.screenshot())

            page = _page(browser, url, token, 700, 1100)
            _dashboard(page, url, rows)
            # What a tap on the entity does anywhere in Home Assistant.
            page.evaluate(
                """(entityId) => document.querySelector("home-assistant").dispatchEvent(
                    new CustomEvent("hass-more-info", {detail: {entityId}, bubbles: true, composed: true}))""",
                states[STUCK.title]["entity_id"],
            )
            panel = page.locator("ha-more-info-dialog ha-attributes ha-expansion-panel")
            expect(panel).to_be_visible(timeout=15_000)
            panel.get_by_text("Attributes").click()
            expect(page.locator("ha-more-info-dialog ha-attributes .data-entry").first).to_be_visible(timeout=10_000)
            page.wait_for_timeout(400)  # the expansion animation
            written.append(out / "request-dialog.png")
            written[-1].write_bytes(page.screenshot())
        finally:
            browser.close()
    return written


def main(argv: list[str]) -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('DEMO_PORT', '8123')}")
    parser.add_argument("--token-file", type=Path, default=ROOT / ".demo" / "config" / ".demo_token")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    token = args.token_file.read_text(encoding="utf-8").strip()
    for path in take(args.url.rstrip("/"), token, args.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
