"""The requester is told: the integration's events name the requester and the person and notify target mapped to them.

The mapping comes from the `requesters` option; the requester's email only serves to find them: it is in no event,
no attribute, and is redacted in diagnostics.
"""

from __future__ import annotations

import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import (
    CONF_REQUESTERS,
    EVENT_ALREADY_AVAILABLE,
    EVENT_REQUEST_STUCK,
    EVENT_STATE_CHANGED,
)

from .helpers import MOVIE_FLOW, Services, only_state

EMAIL = "alice@example.com"  # the requester's email in the Seerr fixtures


@pytest.fixture
def mock_config_entry(mock_config_entry: MockConfigEntry, request: pytest.FixtureRequest) -> MockConfigEntry:
    """The entry, with the requester lines of the test's `requesters` parameter (by default Alice by email)."""
    lines = getattr(request, "param", [f"{EMAIL} = person.alice, notify.mobile_app_alice_phone"])
    return MockConfigEntry(
        domain=mock_config_entry.domain,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data=dict(mock_config_entry.data),
        options={CONF_REQUESTERS: lines},
        entry_id=mock_config_entry.entry_id,
    )


def _who(event_data: dict[str, Any]) -> tuple[Any, Any, Any]:
    return event_data["requested_by"], event_data["person"], event_data["notify_target"]


async def test_state_changes_name_the_requester_and_their_person(hass: HomeAssistant, services: Services) -> None:
    """Every state change of Alice's movie carries Alice, her person and her phone; never her email."""
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    await services.run(*MOVIE_FLOW)
    assert [e.data["new_state"] for e in changes] == ["approved", "grabbing", "importing", "available"]
    assert {_who(e.data) for e in changes} == {("Alice", "person.alice", "notify.mobile_app_alice_phone")}
    assert EMAIL not in json.dumps([e.data for e in changes])
    assert EMAIL not in json.dumps(only_state(hass).attributes)


@pytest.mark.parametrize(
    ("mock_config_entry", "expected"),
    [
        (["alice = notify.mobile_app_pixel"], ("Alice", None, "notify.mobile_app_pixel")),
        (["bob = person.bob"], ("Alice", None, None)),
        ([], ("Alice", None, None)),
    ],
    indirect=["mock_config_entry"],
)
async def test_mapped_by_name_or_not_at_all(
    hass: HomeAssistant, services: Services, expected: tuple[Any, Any, Any]
) -> None:
    """The name Seerr shows finds the requester too (case ignored); an unmapped requester has no person or target."""
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    await services.run(MOVIE_FLOW[0])
    (change,) = changes
    assert _who(change.data) == expected


async def test_stuck_and_already_available_name_the_requester(hass: HomeAssistant, services: Services) -> None:
    """The stuck event and the "already available" event carry the mapping too."""
    stuck = async_capture_events(hass, EVENT_REQUEST_STUCK)
    already = async_capture_events(hass, EVENT_ALREADY_AVAILABLE)
    await services.run(*MOVIE_FLOW[:2])
    hub = hass.config_entries.async_entries("status_tracker")[0].runtime_data.hub
    await hub.async_mark_stuck(hub.active_ids(), dt_util.utcnow())
    await hass.async_block_till_done()
    (event,) = stuck
    assert _who(event.data) == ("Alice", "person.alice", "notify.mobile_app_alice_phone")

    # Bob asks again for the movie Alice's request made available.
    await services.run(*MOVIE_FLOW[2:], "jellyseerr/movie_rerequest_auto_approved")
    (event,) = already
    # The event is about the tracked request, Alice's (a duplicate's requester is not kept).
    assert _who(event.data) == ("Alice", "person.alice", "notify.mobile_app_alice_phone")


async def test_diagnostics_redact_the_email_and_the_mapping(
    hass: HomeAssistant, services: Services, hass_client: ClientSessionGenerator
) -> None:
    """Emails are personal data: neither the requester's nor the option's lines reach a diagnostics download."""
    assert await async_setup_component(hass, "diagnostics", {})
    await services.run(MOVIE_FLOW[0])
    entry = hass.config_entries.async_entries("status_tracker")[0]
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert EMAIL not in json.dumps(diagnostics)
    assert diagnostics["entry"]["options"][CONF_REQUESTERS] == "**REDACTED**"
    (request,) = diagnostics["tracker"]["requests"]
    assert (request["requested_by"], request["requested_by_email"]) == ("Alice", "**REDACTED**")
