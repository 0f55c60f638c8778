#!/usr/bin/env python3
"""Onboard a fresh Home Assistant without a browser and save a long-lived access token.

    .venv/bin/python scripts/onboard.py BASE_URL TOKEN_FILE USERNAME PASSWORD

Does nothing if the instance is already onboarded (the token file from the first run stays valid).
Steps as Home Assistant's own onboarding frontend takes them: create the owner, exchange the auth code, finish the
core_config, analytics and integration steps, then ask the websocket API for a long-lived token.

Finishing core_config also adds the integrations Home Assistant sets up for a new user (onboarding/views.py:
google_translate, met, radio_browser, shopping_list). Those that need the internet are deleted again at once, as a
user would from Settings: offline they fail and stay on screen as failed integrations.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import sys
import time

import aiohttp

# Added by the core_config step; each needs the internet (weather, radio directory, text-to-speech service).
NEEDS_INTERNET = frozenset({"met", "radio_browser", "google_translate"})


async def onboard(base: str, username: str, password: str) -> str | None:
    """Return a long-lived token, or None if the instance was already onboarded."""
    client_id = f"{base}/"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/api/onboarding") as response:
            steps = await response.json()
        if all(step["done"] for step in steps):
            return None
        user = {"client_id": client_id, "name": username, "username": username, "password": password, "language": "en"}
        async with session.post(f"{base}/api/onboarding/users", json=user) as response:
            response.raise_for_status()
            code = (await response.json())["auth_code"]
        form = {"grant_type": "authorization_code", "code": code, "client_id": client_id}
        async with session.post(f"{base}/auth/token", data=form) as response:
            response.raise_for_status()
            access_token = (await response.json())["access_token"]
        headers = {"Authorization": f"Bearer {access_token}"}
        for step in ("core_config", "analytics"):
            async with session.post(f"{base}/api/onboarding/{step}", headers=headers) as response:
                response.raise_for_status()
        await delete_online_integrations(session, base, headers)
        redirect = {"client_id": client_id, "redirect_uri": f"{base}/?auth_callback=1"}
        async with session.post(f"{base}/api/onboarding/integration", headers=headers, json=redirect) as response:
            response.raise_for_status()
        async with session.ws_connect(f"{base}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": access_token})
            await ws.receive_json()  # auth_ok
            request = {"id": 1, "type": "auth/long_lived_access_token", "client_name": "scripts", "lifespan": 3650}
            await ws.send_json(request)
            return str((await ws.receive_json())["result"])


async def delete_online_integrations(session: aiohttp.ClientSession, base: str, headers: dict[str, str]) -> None:
    """Delete the entries core_config added that need the internet (their flows run as tasks: wait for them)."""
    # met adds no entry when the home is at Home Assistant's default location; then this waits 5 s for it.
    deadline = time.monotonic() + 5
    deleted: set[str] = set()
    while time.monotonic() < deadline:
        async with session.get(f"{base}/api/config/config_entries/entry", headers=headers) as response:
            response.raise_for_status()
            entries = await response.json()
        for entry in entries:
            if entry["domain"] in NEEDS_INTERNET and entry["domain"] not in deleted:
                url = f"{base}/api/config/config_entries/entry/{entry['entry_id']}"
                async with session.delete(url, headers=headers) as response:
                    response.raise_for_status()
                deleted.add(entry["domain"])
        if deleted == NEEDS_INTERNET:
            return
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    base_url, token_path, user_name, user_password = sys.argv[1:5]
    token = asyncio.run(onboard(base_url.rstrip("/"), user_name, user_password))
    if token is not None:
        Path(token_path).write_text(token, encoding="utf-8")
        Path(token_path).chmod(0o600)
    print("onboarded" if token else "already onboarded")
