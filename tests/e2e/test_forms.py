"""Home Assistant's own screens around the integration, in the real frontend: the user step, the options form and a
repair dialog (issue 16).

A real Home Assistant 2025.4 with the Jellyfin stand-in (scripts/demo_lib/stack.py; no qBittorrent), the integration
added through the REST config flow with Jellyfin only, and Chromium at a phone's width (390 px) showing:
- the user step ("Add integration"), submitted with a Jellyfin URL where nothing listens: the error names Jellyfin and
  stands above the URL field; the Jellyfin webhook plugin switch comes right after the Jellyfin fields;
- the options form (Configure): the four webhook URLs as text, none of them a link (a click would GET the webhook,
  which only takes POST), each inside the dialog (wrapped rather than running past the edge), and a triple click
  selects the URL alone;
- the "No webhooks from Jellyseerr" repair dialog (raised by a Radarr grab of a request Jellyseerr never sent):
  its URL the same way.
Screenshots go to tests/e2e/screenshots/forms-*.png. Runs only on the 2025.4 leg; skips without chromium or
playwright, except with CI=true, where that fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from scripts.demo_lib.stack import run_async
from scripts.standins import DEFAULT_API_KEY
from tests.helpers import BrowserThread, e2e_stack, ha_context, require_browser, running

if TYPE_CHECKING:
    from playwright.sync_api import FloatRect as Box, Page

    from scripts.demo_lib.stack import Stack

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).with_name("screenshots")
DOMAIN = "status_tracker"
PHONE = {"width": 390, "height": 844}
JELLYFIN_DOWN = "Could not connect to Jellyfin at this URL"

# Every element (through shadow roots) whose own text holds `url`: is it in a link, how many lines, where it ends.
_WHERE_IS_URL = """
(url) => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) walk(el.shadowRoot);
      const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.includes(url));
      if (own) found.push(el);
    }
  };
  walk(document);
  return found.map((el) => {
    let box = el;
    while (box && box.tagName !== "HA-MARKDOWN") box = box.parentElement || box.getRootNode().host;
    const rects = [...el.getClientRects()];
    const edge = box ? box.getBoundingClientRect() : {left: 0, right: window.innerWidth};
    return {
      tag: el.tagName,
      link: el.closest("a") !== null,
      lines: rects.length,
      left: Math.min(...rects.map((r) => r.left)),
      right: Math.max(...rects.map((r) => r.right)),
      boxLeft: edge.left,
      boxRight: edge.right,
      viewport: window.innerWidth,
    };
  });
}
"""
# Until the dialog's opening animation is over (the boxes are measured, and photographed, where they stay).
_SETTLED = """
() => {
  const animations = [...document.getAnimations()];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) {
        animations.push(...el.shadowRoot.getAnimations());
        walk(el.shadowRoot);
      }
    }
  };
  walk(document);
  // A cancelled animation rejects: it is over too.
  return Promise.all(animations.map((animation) => animation.finished.catch(() => null)));
}
"""
# Every webhook URL (through shadow roots) in a text of its own, as the page shows it.
_WEBHOOK_TEXTS = r"""
() => {
  const found = new Set();
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) walk(el.shadowRoot);
      for (const node of el.childNodes) {
        const text = node.nodeType === Node.TEXT_NODE ? node.textContent.trim() : "";
        if (/^(https?:\/\/|<)\S*\/api\/webhook\/\S+$/.test(text)) found.add(text);
      }
    }
  };
  walk(document);
  return [...found];
}
"""
# Every link (through shadow roots) whose href or text holds a webhook path.
_WEBHOOK_LINKS = """
() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) walk(el.shadowRoot);
      if (el.tagName === "A" && /api\\/webhook/.test((el.getAttribute("href") || "") + el.textContent)) {
        found.push(el.outerHTML);
      }
    }
  };
  walk(document);
  return found;
}
"""


@pytest.fixture
def forms_stack(tmp_path: Path, socket_enabled: None) -> Iterator[Stack]:
    """Home Assistant (onboarded) and the stand-ins, no entry yet; stopped afterwards whatever happens."""
    stack = e2e_stack(tmp_path, "forms", qbittorrent=False)
    require_browser()

    def start() -> None:
        stack.start_standins()
        stack.start_home_assistant()

    with running(stack, start):
        yield stack


@dataclass
class Shown:
    """How a dialog shows one URL: the elements holding its text (see _WHERE_IS_URL), what a triple click selects."""

    place: str
    url: str
    elements: list[dict[str, Any]]
    selected: str


@dataclass
class Visit:
    """What the browser saw: the user step's boxes, every webhook URL shown, every link to a webhook, the issues."""

    form: dict[str, Box] = field(default_factory=dict)
    shown: list[Shown] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)


@pytest.mark.timeout(300)
def test_forms_in_the_real_frontend(forms_stack: Stack) -> None:
    """The user step: the Jellyfin webhook plugin switch right after the Jellyfin fields, an error naming Jellyfin
    above the field at fault. Its last step, the options form and the repair dialog: each webhook URL as text inside
    the dialog, never as a link, wrapped at 390 px; a triple click selects the URL alone."""
    browser = BrowserThread()
    browser.start()
    try:
        visit = browser.run(_visit, browser, forms_stack)
    finally:
        browser.stop()
    form = visit.form
    assert set(form) == {"error", "url", "api_key", "switch", "qbittorrent"}, form
    # Home Assistant draws a field's error right above it.
    assert 0 <= form["url"]["y"] - (form["error"]["y"] + form["error"]["height"]) < 40, form
    assert form["api_key"]["y"] < form["switch"]["y"] < form["qbittorrent"]["y"], form
    assert "webhook_missing" in visit.issues
    assert visit.links == [], f"webhook URLs shown as links: {visit.links}"
    assert [seen.place for seen in visit.shown] == ["set-up's last step"] * 4 + ["options form"] * 4 + ["repair"]
    for seen in visit.shown:
        place, url = seen.place, seen.url
        assert seen.elements, f"{place}: {url} is not shown"
        for element in seen.elements:
            assert not element["link"], f"{place}: {url} is in a link: {element}"
            assert element["tag"] == "CODE", f"{place}: {url} is not in a code span: {element}"
            assert element["left"] >= element["boxLeft"] - 1, f"{place}: {url} starts outside the dialog: {element}"
            assert element["right"] <= element["boxRight"] + 1, f"{place}: {url} runs past the dialog: {element}"
            assert element["right"] <= element["viewport"], f"{place}: {url} runs off the screen: {element}"
            assert element["lines"] > 1, f"{place}: {url} should wrap at 390 px: {element}"
        assert seen.selected.strip() == url, f"{place}: a triple click on {url} selects {seen.selected!r}"


def _visit(browser: BrowserThread, stack: Stack) -> Visit:
    """On the browser thread: add the integration, open its options and the repair dialog, at 390 px with
    screenshots."""
    SCREENSHOTS.mkdir(exist_ok=True)
    assert browser.browser is not None
    page = ha_context(browser.browser, stack, viewport=PHONE).new_page()
    visit = Visit()
    try:
        visit.form = _user_step(page, stack, visit)
        urls = _options_urls(stack)
        _options_form(page, stack, urls, visit)
        # A Radarr grab of a movie Jellyseerr never announced: the "No webhooks from Jellyseerr" repair issue.
        stack.post_webhook("radarr/grab")
        visit.issues = _issue_keys(stack)
        _repair_dialog(page, stack, urls["jellyseerr"], visit)
    except AssertionError:
        page.screenshot(path=str(SCREENSHOTS / "forms-FAILED.png"))
        raise
    return visit


def _user_step(page: Page, stack: Stack, visit: Visit) -> dict[str, Box]:
    """ "Add integration": first a Jellyfin URL where nothing listens (the boxes of the Jellyfin fields, the plugin
    switch, the first section and the error), then the stand-in's, the switch off (it has no plugin API): the last
    step's URLs go to `visit`. The entry is made."""
    from playwright.sync_api import expect

    page.goto(f"{stack.ha_url}/config/integrations/dashboard/add?domain={DOMAIN}", wait_until="networkidle")
    page.get_by_role("button", name="OK").click()  # "Do you want to set up Media Request Status Tracker?"
    expect(page.get_by_text("Set up Media Request Status Tracker")).to_be_visible(timeout=15_000)
    url_field = page.get_by_role("textbox", name=re.compile("Jellyfin URL"))
    api_key_field = page.get_by_role("textbox", name=re.compile("Jellyfin API key"))
    switch = page.get_by_role("switch", name="Set up the Jellyfin webhook plugin for me")
    url_field.fill("http://127.0.0.1:9")
    api_key_field.fill(DEFAULT_API_KEY)
    page.get_by_role("button", name="Submit").click()
    error = page.get_by_text(JELLYFIN_DOWN)
    expect(error).to_be_visible(timeout=15_000)
    error.scroll_into_view_if_needed()
    page.evaluate(_SETTLED)
    page.screenshot(path=str(SCREENSHOTS / "forms-user-error-390.png"))
    locators = {
        "error": error,
        "url": url_field,
        "api_key": api_key_field,
        "switch": switch,
        "qbittorrent": page.get_by_text("qBittorrent (optional)"),
    }
    boxes = {name: box for name, locator in locators.items() if (box := locator.bounding_box()) is not None}

    url_field.fill(stack.jellyfin_url)
    switch.click()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Jellyfin webhook plugin:")).to_be_visible(timeout=15_000)
    page.evaluate(_SETTLED)
    page.screenshot(path=str(SCREENSHOTS / "forms-created-390.png"))
    shown_urls = page.evaluate(_WEBHOOK_TEXTS)
    visit.shown += [_shown(page, "set-up's last step", url) for url in shown_urls]
    visit.links += page.evaluate(_WEBHOOK_LINKS)
    page.get_by_role("button", name="Finish").click()
    return boxes


def _options_urls(stack: Stack) -> dict[str, str]:
    """The entry's webhook URLs, by service, as its options form's placeholders (over the REST API)."""
    entries = stack.api("GET", "/api/config/config_entries/entry")
    stack.entry_id = next(entry["entry_id"] for entry in entries if entry["domain"] == DOMAIN)
    stack.wait_entry_loaded()
    flow = stack.api("POST", "/api/config/config_entries/options/flow", {"handler": stack.entry_id})
    stack.api("DELETE", f"/api/config/config_entries/options/flow/{flow['flow_id']}")
    services = ("jellyseerr", "radarr", "sonarr", "jellyfin")
    urls = {service: str(flow["description_placeholders"][service]) for service in services}
    stack.webhook_ids.update({service: url.rsplit("/", 1)[-1] for service, url in urls.items()})
    return urls


def _options_form(page: Page, stack: Stack, urls: dict[str, str], visit: Visit) -> None:
    from playwright.sync_api import expect

    page.goto(f"{stack.ha_url}/config/integrations/integration/{DOMAIN}", wait_until="networkidle")
    page.get_by_role("button", name="Configure").first.click()
    expect(page.get_by_text("Media Request Status Tracker options")).to_be_visible(timeout=15_000)
    expect(page.get_by_text(urls["jellyfin"])).to_be_visible()
    page.evaluate(_SETTLED)
    page.screenshot(path=str(SCREENSHOTS / "forms-options-390.png"))
    visit.shown += [_shown(page, "options form", url) for url in urls.values()]
    visit.links += page.evaluate(_WEBHOOK_LINKS)


def _repair_dialog(page: Page, stack: Stack, url: str, visit: Visit) -> None:
    from playwright.sync_api import expect

    page.goto(f"{stack.ha_url}/config/repairs", wait_until="networkidle")
    page.get_by_text("No webhooks from Jellyseerr").first.click()
    expect(page.get_by_text(url)).to_be_visible(timeout=15_000)
    page.evaluate(_SETTLED)
    page.screenshot(path=str(SCREENSHOTS / "forms-repair-390.png"))
    visit.shown.append(_shown(page, "repair", url))
    visit.links += page.evaluate(_WEBHOOK_LINKS)


def _issue_keys(stack: Stack) -> list[str]:
    """The translation keys of the integration's repair issues (websocket API: there is no REST list)."""

    async def read() -> list[str]:
        async with aiohttp.ClientSession() as session, session.ws_connect(f"{stack.ha_url}/api/websocket") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": stack.token})
            await ws.receive_json()
            await ws.send_json({"id": 1, "type": "repairs/list_issues"})
            answer = await ws.receive_json()
        return [issue["translation_key"] for issue in answer["result"]["issues"] if issue["domain"] == DOMAIN]

    return run_async(read)


def _shown(page: Page, place: str, url: str) -> Shown:
    elements = page.evaluate(_WHERE_IS_URL, url)
    if not elements or any(element["link"] for element in elements):
        return Shown(place, url, elements, "")  # a click on a link would follow it
    page.get_by_text(url).first.click(click_count=3)
    return Shown(place, url, elements, page.evaluate("() => document.getSelection().toString()"))
