"""The user documentation stays true: example automations, templates to paste, actions and options.

- Each example automation in docs/automations/ passes Home Assistant's own automation validation (the check the
  automation editor and a configuration reload run), is written in the 2025.4 syntax, and does what the README says
  when it runs. A broken copy of each fails the same validation, so the check can fail.
- The README's "Example automations" section shows exactly those files.
- The Jellyseerr JSON payload and the Jellyfin template the README tells users to paste, rendered the way those
  programs render them, give the parsers everything they need.
- Every action in services.yaml (with its fields) and every option of the options flow is documented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
import json
import re
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import parse_yaml
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service
import voluptuous as vol

from custom_components.status_tracker.config_flow import OPTIONS_SCHEMA
from custom_components.status_tracker.core.events import (
    NotificationKind,
    RequestNotified,
    SeenInLibrary,
    SeriesInLibrary,
)
from custom_components.status_tracker.core.models import AnimeRules, MediaType
from custom_components.status_tracker.core.parsers import jellyfin, jellyseerr
from custom_components.status_tracker.core.webhook_setup import JELLYFIN_TEMPLATE, SEERR_PAYLOAD

from .helpers import INTEGRATION, ROOT, validate_automation

README = ROOT / "README.md"
AUTOMATIONS = ROOT / "docs" / "automations"
# In the order the README shows them.
EXAMPLES = ("notify_available.yaml", "alert_stuck.yaml", "daily_digest.yaml")
EXAMPLES_HEADING = "## Example automations"

# A fenced block, also one indented inside a list item.
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\n(?P<body>.*?)^(?P=indent)```$", re.MULTILINE | re.DOTALL)


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The README text under `heading`, up to the next heading of the same or a higher level (fences skipped)."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines(keepends=True)
    start = lines.index(heading + "\n") + 1
    fenced = False
    for index in range(start, len(lines)):
        line = lines[index]
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(rf"#{{1,{level}}} ", line):
            return "".join(lines[start:index])
    return "".join(lines[start:])


def _blocks(text: str, lang: str | None = None) -> list[str]:
    """The fenced blocks' contents (of one language), without their list indentation."""
    return [
        re.sub(rf"^{m['indent']}", "", m["body"], flags=re.MULTILINE)
        for m in _FENCE.finditer(text)
        if lang is None or m["lang"] == lang
    ]


def _example(name: str) -> dict[str, Any]:
    config = parse_yaml((AUTOMATIONS / name).read_text(encoding="utf-8"))
    assert isinstance(config, dict), f"{name} must hold a single automation"
    return config


# --- (a) validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
async def test_example_automation_is_valid(automation_hass: HomeAssistant, name: str) -> None:
    """Each example passes Home Assistant's automation validation."""
    await validate_automation(automation_hass, _example(name), "docs")


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_automation_uses_2025_4_syntax(name: str) -> None:
    """triggers/conditions/actions at the top, `trigger:` in each trigger, `action:` for calls (no legacy keys)."""
    config = _example(name)
    assert {"alias", "description", "triggers", "actions"} <= set(config)
    assert not {"trigger", "condition", "action"} & set(config), "legacy singular top-level keys"
    for trigger in config["triggers"]:
        assert "trigger" in trigger
        assert "platform" not in trigger
    for node in _walk(config["actions"]):
        assert "service" not in node, "use `action:` to call an action"


def _drop_triggers(config: dict[str, Any]) -> None:
    del config["triggers"]


def _misspell_trigger(config: dict[str, Any]) -> None:
    config["triggers"][0]["trigger"] = "evnt"


def _break_template(config: dict[str, Any]) -> None:
    config["actions"][-1]["data"]["message"] = "{{ trigger.event.data.title "


def _unknown_action_key(config: dict[str, Any]) -> None:
    config["actions"][0]["wrong_key"] = True


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("breaker", [_drop_triggers, _misspell_trigger, _break_template, _unknown_action_key])
async def test_broken_example_fails_validation(
    automation_hass: HomeAssistant, name: str, breaker: Callable[[dict[str, Any]], None]
) -> None:
    """The validation used above does reject a broken automation."""
    config = _example(name)
    breaker(config)
    with pytest.raises((vol.Invalid, HomeAssistantError)):
        await validate_automation(automation_hass, config, "docs")


# --- the examples do what the README says ----------------------------------------------------------------------


async def _load(hass: HomeAssistant, name: str) -> None:
    assert await async_setup_component(hass, "automation", {"automation": [_example(name)]})
    await hass.async_block_till_done()


async def test_notify_available_runs(automation_hass: HomeAssistant) -> None:
    """A request becoming available notifies once; other state changes do not."""
    hass = automation_hass
    calls = async_mock_service(hass, "notify", "persistent_notification")
    await _load(hass, "notify_available.yaml")
    common = {"entry_id": "e1", "request_id": "r1", "entity_id": "sensor.jf_dune_part_two_2024", "title": "Dune"}
    hass.bus.async_fire("status_tracker_state_changed", {**common, "old_state": "importing", "new_state": "grabbing"})
    hass.bus.async_fire("status_tracker_state_changed", {**common, "old_state": "importing", "new_state": "available"})
    await hass.async_block_till_done()
    assert [call.data["message"] for call in calls] == ["Dune is available in Jellyfin."]


async def test_alert_stuck_runs(automation_hass: HomeAssistant) -> None:
    """Stuck and failed requests are both reported, with the request's reason when it has one."""
    hass = automation_hass
    calls = async_mock_service(hass, "notify", "persistent_notification")
    await _load(hass, "alert_stuck.yaml")
    hass.states.async_set("sensor.jf_dune", "downloading", {"reason": None})
    hass.states.async_set("sensor.jf_frieren", "failed", {"reason": "Download failed in qBittorrent"})
    hass.bus.async_fire(
        "status_tracker_request_stuck",
        {"entity_id": "sensor.jf_dune", "title": "Dune", "state": "anime_matching", "stuck_since": "2025-05-01"},
    )
    await hass.async_block_till_done()
    hass.bus.async_fire(
        "status_tracker_state_changed",
        {"entity_id": "sensor.jf_frieren", "title": "Frieren", "old_state": "downloading", "new_state": "failed"},
    )
    await hass.async_block_till_done()
    assert [(call.data["title"], call.data["message"]) for call in calls] == [
        ("Media request stuck", "Dune has not moved for a while (state: anime matching)."),
        ("Media request failed", "Frieren failed. Reason: Download failed in qBittorrent"),
    ]


def _request(title: str, state: str, **attributes: Any) -> dict[str, Any]:
    """One item of get_requests' answer, with the attributes the digest reads."""
    return {
        "entity_id": f"sensor.jf_{title.lower()}",
        "state": state,
        "title": title,
        "state_text": None,
        "download_progress": None,
        "reason": None,
        "available_at": None,
        **attributes,
    }


DIGEST = "automation.media_requests_daily_digest"


async def test_daily_digest_runs(automation_hass: HomeAssistant) -> None:
    """The digest lists what is on its way and what became available in the last 24 h; nothing to say, no message."""
    hass = automation_hass
    calls = async_mock_service(hass, "notify", "persistent_notification")
    now = dt_util.utcnow()
    tracked = [
        _request("Dune", "downloading", download_progress=42.5),
        _request("Frieren", "downloading", state_text="3 downloaded, 5 downloading, 4 queued"),
        _request("Heat", "failed", reason="Download failed in qBittorrent"),
        _request("Arrival", "available", available_at=(now - timedelta(hours=2)).isoformat()),
        _request("Alien", "available", available_at=(now - timedelta(days=3)).isoformat()),
    ]
    asked: list[dict[str, Any]] = []

    async def get_requests(call: ServiceCall) -> ServiceResponse:
        asked.append(dict(call.data))
        states = call.data.get("state")
        return {"requests": [r for r in tracked if states is None or r["state"] in states]}

    hass.services.async_register(
        "status_tracker", "get_requests", get_requests, supports_response=SupportsResponse.ONLY
    )
    await _load(hass, "daily_digest.yaml")

    async def run() -> None:
        await hass.services.async_call("automation", "trigger", {"entity_id": DIGEST}, blocking=True)
        await hass.async_block_till_done()

    await run()
    assert all(ask["include_episodes"] is False for ask in asked)
    assert len(calls) == 1
    assert calls[0].data["message"] == (
        "Available since yesterday: Arrival.\n"
        "- Dune: downloading (42.5 %)\n"
        "- Frieren: downloading (3 downloaded, 5 downloading, 4 queued)\n"
        "- Heat: failed, Download failed in qBittorrent"
    )

    tracked[:] = [tracked[-1]]  # only media that arrived days ago
    await run()
    assert len(calls) == 1
    # Stop the 08:00 time trigger, or its timer outlives the test.
    await hass.services.async_call("automation", "turn_off", {"entity_id": DIGEST}, blocking=True)


# --- (b) the README shows the files -------------------------------------------------------------------------------


def test_readme_shows_the_example_files() -> None:
    """The YAML blocks under "Example automations" are the files, byte for byte, in order."""
    section = _section(_readme(), EXAMPLES_HEADING)
    files = [(AUTOMATIONS / name).read_text(encoding="utf-8") for name in EXAMPLES]
    assert _blocks(section, "yaml") == files
    for name in EXAMPLES:
        assert f"docs/automations/{name}" in section


# --- the templates users paste -------------------------------------------------------------------------------------

_JELLYSEERR_ENTITIES = {"{{media}}": "media", "{{request}}": "request", "{{issue}}": "issue", "{{comment}}": "comment"}
_VARIABLE = re.compile(r"\{\{(\w+)\}\}")


def _render_jellyseerr(template: Any, variables: dict[str, str], present: set[str], extra: list[Any]) -> Any:
    """Jellyseerr's webhook agent (parseKeys): entity keys renamed (null when absent), `{{var}}` -> string."""
    if isinstance(template, dict):
        rendered: dict[str, Any] = {}
        for key, value in template.items():
            if key == "{{extra}}":
                rendered["extra"] = extra
            elif key in _JELLYSEERR_ENTITIES:
                name = _JELLYSEERR_ENTITIES[key]
                rendered[name] = _render_jellyseerr(value, variables, present, extra) if name in present else None
            else:
                rendered[key] = _render_jellyseerr(value, variables, present, extra)
        return rendered
    if isinstance(template, str):
        return _VARIABLE.sub(lambda m: variables.get(m[1], ""), template)
    return template


def _jellyseerr_template() -> Any:
    (block,) = [b for b in _blocks(_readme(), "json") if '"{{notification_type}}"' in b]
    return json.loads(block)


def test_jellyseerr_payload_in_readme_feeds_the_parser() -> None:
    """A 4K TV request sent with the README's payload carries every field the tracker reads."""
    variables = {
        "notification_type": "MEDIA_AUTO_APPROVED",
        "event": "4K Series Request Automatically Approved",
        "subject": "Frieren: Beyond Journey's End (2023)",
        "image": "https://image.tmdb.org/t/p/w600_and_h900_bestv2/frieren.jpg",
        "media_type": "tv",
        "media_tmdbid": "209867",
        "media_tvdbid": "424536",
        "media_status": "PROCESSING",
        "media_status4k": "PROCESSING",
        "request_id": "17",
        "requestedBy_username": "Alice",
    }
    extra = [{"name": "Requested Seasons", "value": "1, 2"}]
    payload = _render_jellyseerr(_jellyseerr_template(), variables, {"media", "request"}, extra)
    result = jellyseerr.parse_result(payload, AnimeRules())
    assert result.ignored is None
    (event,) = result.events
    assert isinstance(event, RequestNotified)
    assert event.kind is NotificationKind.AUTO_APPROVED
    assert (event.media.media_type, event.media.title, event.media.year) == (
        MediaType.TV,
        "Frieren: Beyond Journey's End",
        2023,
    )
    assert (event.media.tmdb_id, event.media.tvdb_id, event.media.is_4k) == (209867, 424536, True)
    assert event.media.poster_url == variables["image"]
    assert (event.jellyseerr_request_id, event.requested_by, event.requested_seasons) == ("17", "Alice", (1, 2))

    test = _render_jellyseerr(_jellyseerr_template(), {"notification_type": "TEST_NOTIFICATION"}, set(), [])
    assert jellyseerr.parse_result(test, AnimeRules()).ignored == "Jellyseerr test notification"


def _render_handlebars(template: str, values: dict[str, str]) -> str:
    """The Jellyfin webhook plugin's rendering of a flat template: `{{{X}}}` and `{{X}}`, "" when unset."""
    return re.sub(r"\{\{\{?(\w+)\}?\}\}", lambda m: values.get(m[1], ""), template)


def _jellyfin_template() -> str:
    (block,) = [b for b in _blocks(_readme()) if '"{{NotificationType}}"' in b]
    return block


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"ItemType": "Movie", "Name": "Dune: Part Two", "Provider_tmdb": "693134", "Provider_imdb": "tt15239678"},
            SeenInLibrary(
                media_type=MediaType.MOVIE,
                item_id="6213b704a0d954293110f4d561b0f614",
                tmdb_id=693134,
                imdb_id="tt15239678",
            ),
        ),
        (
            {
                "ItemType": "Episode",
                "Name": "The Journey's End",
                "SeriesName": "Frieren",
                "SeriesId": "9C8B7A6D-5E4F-4321-9876-FEDCBA012345",
                "SeasonNumber": "1",
                "EpisodeNumber": "1",
                "EpisodeNumberEnd": "2",
            },
            SeenInLibrary(
                media_type=MediaType.TV,
                item_id="6213b704a0d954293110f4d561b0f614",
                series_item_id="9c8b7a6d5e4f43219876fedcba012345",
                series_name="Frieren",
                season=1,
                episodes=(1, 2),
            ),
        ),
        (
            {"ItemType": "Series", "Name": "Frieren", "Provider_tvdb": "424536"},
            SeriesInLibrary(item_id="6213b704a0d954293110f4d561b0f614", title="Frieren", tvdb_id=424536),
        ),
    ],
)
def test_jellyfin_template_in_readme_feeds_the_parser(values: dict[str, str], expected: object) -> None:
    """Movies, episodes and series rendered with the README's template give the tracker what it needs."""
    common = {"NotificationType": "ItemAdded", "ItemId": "6213b704-a0d9-5429-3110-f4d561b0f614"}
    payload = json.loads(_render_handlebars(_jellyfin_template(), {**common, **values}))
    result = jellyfin.parse_result(payload, AnimeRules())
    assert result.events == (expected,)


# --- (c) actions and options are documented --------------------------------------------------------------------


def test_every_action_and_field_is_documented() -> None:
    """Each action in services.yaml is named in the README as status_tracker.<action>, and each field as `field`."""
    services_yaml = INTEGRATION / "services.yaml"
    if not services_yaml.exists():
        pytest.skip("custom_components/status_tracker/services.yaml does not exist yet: no actions to check")
    services = parse_yaml(services_yaml.read_text(encoding="utf-8")) or {}
    assert isinstance(services, dict)
    readme = _readme()
    missing = [f"status_tracker.{name}" for name in services if f"status_tracker.{name}" not in readme]
    missing += [
        f"{name}: `{field}`"
        for name, spec in services.items()
        for field in (spec or {}).get("fields", {})
        if f"`{field}`" not in readme
    ]
    assert not missing, f"not in README.md: {missing}"


def test_every_option_is_documented() -> None:
    """Each option of the options flow appears in the README with its key and its label."""
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    step = strings["options"]["step"]["init"]
    # A section's label is its name.
    labels = {**step["data"], **{key: value["name"] for key, value in step.get("sections", {}).items()}}
    readme = _readme()
    keys = [str(marker) for marker in OPTIONS_SCHEMA.schema]
    assert keys
    missing = [key for key in keys if f"`{key}`" not in readme or labels[key] not in readme]
    assert not missing, f"options not in README.md (key and label): {missing}"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_readme_links_resolve() -> None:
    """Every #anchor the README or the card's "documentation" link points to is a README heading."""
    readme = _readme()
    outside_fences = re.sub(r"^ *```.*?^ *```$", "", readme, flags=re.MULTILINE | re.DOTALL)
    anchors = {_anchor(m[1]) for m in re.finditer(r"^#{1,6} (.+)$", outside_fences, re.MULTILINE)}
    wanted = set(re.findall(r"\]\(#([\w-]+)\)", readme))
    card = INTEGRATION / "frontend" / "status-tracker-card.js"
    if card.exists():
        wanted |= set(re.findall(r"status_tracker#([\w-]+)", card.read_text(encoding="utf-8")))
    assert wanted
    assert not wanted - anchors, f"links to missing headings: {sorted(wanted - anchors)}"


def test_zero_touch_setup_writes_the_templates_the_readme_shows() -> None:
    """What the integration writes into Jellyseerr and the Jellyfin plugin is exactly what users are told to paste."""
    assert _jellyseerr_template() == SEERR_PAYLOAD
    # The README wraps the template over lines; the plugin gets it on one.
    assert "".join(line.strip() for line in _jellyfin_template().splitlines()) == JELLYFIN_TEMPLATE
