"""A burst of 1,000 concurrent webhooks: none lost, final states exact, and a handful of store writes, not 1,000."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from http import HTTPStatus
import json
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.core.tracker import Tracker
from custom_components.status_tracker.database import Batch, Database

from .core.helpers import Driver, summary
from .helpers import WEBHOOK_IDS, in_memory, load_json, stored_requests

MOVIES = 333
# Events whose final state does not depend on their order (a Jellyfin item arriving before its request would be
# dropped by design, so the library step is left out of a burst in random order).
STEPS = ("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")


def movie_payload(step: str, number: int) -> dict[str, Any]:
    """The step's fixture for movie `number`: its own ids, title, download id and Jellyseerr request id."""
    payload = load_json(f"{step}.json")
    tmdb_id, title = 500000 + number, f"Burst Movie {number}"
    if step.startswith("jellyseerr/"):
        payload["subject"] = f"{title} (2024)"
        payload["media"]["tmdbId"] = str(tmdb_id)
        payload["request"]["request_id"] = str(10000 + number)
        return payload
    for movie in (payload["movie"], payload.get("remoteMovie") or {}):
        movie["tmdbId"] = tmdb_id
        movie["imdbId"] = f"tt8{number:06d}"
        movie["title"] = title
    payload["downloadId"] = f"{number:040X}"
    return payload


async def test_thousand_concurrent_webhooks(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """All answered 200, every request in the state sequential delivery gives, all on disk in a handful of writes.

    Each answer waits for its commit; commits that arrive while a write is under way share the next one.
    """
    bodies = [(step.split("/")[0], movie_payload(step, n)) for n in range(MOVIES) for step in STEPS]
    bodies.append(("sonarr", load_json("sonarr/test.json")))
    assert len(bodies) == 1000
    client = await hass_client_no_auth()
    writes = 0
    write = Database.write

    def counting_write(self: Database, batch: Batch) -> None:
        nonlocal writes
        writes += 1
        write(self, batch)

    async def send(service: str, payload: dict[str, Any]) -> int:
        response = await client.post(f"/api/webhook/{WEBHOOK_IDS[service]}", data=json.dumps(payload))
        return response.status

    with patch.object(Database, "write", counting_write):
        # Interleave the services so each movie's steps race each other.
        statuses = await asyncio.gather(*(send(service, payload) for service, payload in bodies[::-1]))
        await hass.async_block_till_done()
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    assert statuses == [HTTPStatus.OK] * 1000
    hub = init_integration.runtime_data.hub
    assert len(hub.requests) == MOVIES
    assert {request.state.value for request in hub.requests.values()} == {"importing"}

    expected = Driver()
    for service, payload in bodies:
        expected.post(f"{service}/x", payload)
    assert sorted(map(_key, summary(Tracker.from_dict({"requests": in_memory(hub)})))) == sorted(
        map(_key, summary(expected.tracker))
    )

    assert await stored_requests(hass) == in_memory(hub)
    # Commits share writes: on average ten webhooks or more per transaction (the first ones find the store idle).
    assert 1 <= writes <= 100, writes


def _key(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True, default=str)
