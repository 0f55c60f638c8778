"""A real browser for the card tests: Debian's chromium, driven by Playwright from PyPI (no `playwright install`).

- `browser`: one chromium for the module, owned by a thread of its own (`BrowserThread`). Playwright's sync API
  marks its event loop as running in the thread that uses it, between calls too; in the test thread that breaks the
  harness's per-test event loop teardown. So Playwright lives on another thread, and the body of every test that uses
  `browser` (also through `page`) runs on that thread (`pytest_pyfunc_call` below): tests read as plain sync tests.
  Starting Playwright once instead of per test saves ≈1.3 s a test.
- `base_url`: the card module and `card_page.html`, copied to a temporary directory and served by
  `python -m http.server` on 127.0.0.1 in a subprocess (no server thread here for the harness's thread check).
- `page`: the test page freshly loaded (one tab per module, navigated again for each test) with the card
  module; errors thrown in the page fail the test.

Without chromium or playwright the tests skip, except with CI=true, where they fail.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
import re
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.helpers import BrowserThread, require_browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).parents[2]
CARD_JS = ROOT / "custom_components" / "status_tracker" / "frontend" / "status-tracker-card.js"
PAGE = Path(__file__).with_name("card_page.html")


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserThread]:
    """Headless Debian chromium on its own thread; skipped (failed under CI=true) when it or playwright is missing."""
    require_browser()
    worker = BrowserThread()
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page and the card module served from a temporary directory on 127.0.0.1."""
    site = tmp_path_factory.mktemp("card_site")
    shutil.copy(CARD_JS, site / CARD_JS.name)
    shutil.copy(PAGE, site / "index.html")
    server = subprocess.Popen(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        # "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ...", printed once the socket listens.
        match = re.search(r"port (\d+)", server.stdout.readline())
        assert match, "http.server did not start"
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        server.terminate()
        server.wait(timeout=5)
        if server.stdout:
            server.stdout.close()


class _PageErrors(list[str]):
    """Errors thrown in the page, collected by a listener that lives as long as the page."""


def _new_page(browser: Browser, errors: _PageErrors) -> Page:
    page = browser.new_context(device_scale_factor=1).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def _load(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 560, "height": 900})
    page.goto(url)
    page.wait_for_function("window.cardReady === true && !!customElements.get('status-tracker-card')")


@pytest.fixture(scope="module")
def _module_page(browser: BrowserThread) -> Iterator[tuple[Page, _PageErrors]]:
    # One tab for the module: a new tab costs a renderer process (≈0.4 s); navigating again gives a fresh document.
    assert browser.browser is not None
    errors = _PageErrors()
    page = browser.run(_new_page, browser.browser, errors)
    yield page, errors
    browser.run(page.context.close)


@pytest.fixture
def page(
    browser: BrowserThread, _module_page: tuple[Page, _PageErrors], base_url: str, socket_enabled: None
) -> Generator[Page]:
    """A freshly loaded test page (560 x 900) with the card module; errors thrown in the page fail the test."""
    page, errors = _module_page
    errors.clear()
    browser.run(_load, page, f"{base_url}/index.html")
    yield page
    assert not errors, f"errors in the page: {errors}"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run the body of a test that uses the browser on the browser thread (Playwright objects belong there)."""
    worker = pyfuncitem.funcargs.get("browser")
    if not isinstance(worker, BrowserThread):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    worker.run(pyfuncitem.obj, **arguments)
    return True
