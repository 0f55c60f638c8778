"""How the browser tests launch Debian's chromium through Playwright (no `playwright install`)."""

from __future__ import annotations

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
