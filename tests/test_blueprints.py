"""The automation blueprints in blueprints/automation/status_tracker/ are valid and do what the README says.

- Each file passes Home Assistant's blueprint validation, and an automation made from it (as the blueprint editor
  saves it: `use_blueprint` with inputs) passes its automation validation; a broken copy fails the same checks.
- One run of each, on the events the integration fires, calls the expected notify action with the expected data; a
  tap on a notification button calls the integration's action (mocked here: they are registered by the integration).
- The README links each one for import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import shutil
from typing import Any
from urllib.parse import quote

from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint.errors import BlueprintException
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import Input, dump, load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service
import voluptuous as vol

from .helpers import ROOT, validate_automation

BLUEPRINTS = ROOT / "blueprints" / "automation" / "status_tracker"
FOLDER = "status_tracker"
NAMES = ("request_available.yaml", "request_needs_approval.yaml", "request_stuck.yaml")
ADMINS = ["notify.mobile_app_admin_phone", "notify.mobile_app_admin_tablet"]
INPUTS: dict[str, dict[str, Any]] = {
    "request_available.yaml": {"fallback_target": ""},
    "request_needs_approval.yaml": {"admin_targets": ADMINS},
    "request_stuck.yaml": {"admin_targets": ADMINS},
}
POSTER = "https://image.tmdb.org/t/p/w600_and_h900_bestv2/frieren.jpg"
COMMON = {
    "entry_id": "e1",
    "request_id": "3f2a9c",
    "entity_id": "sensor.jf_frieren",
    "title": "Frieren",
    "media_type": "tv",
    "is_anime": True,
    "requested_by": "Alice",
    "person": "person.alice",
    "notify_target": "notify.mobile_app_alice_phone",
}


def _install(hass: HomeAssistant, source: Path | None = None, name: str | None = None) -> None:
    """Put the blueprints (or one given file under `name`) where Home Assistant reads them, in the test's config."""
    folder = Path(hass.config.path("blueprints", "automation", FOLDER))
    folder.mkdir(parents=True, exist_ok=True)
    if source is None:
        for blueprint in NAMES:
            shutil.copy(BLUEPRINTS / blueprint, folder / blueprint)
    else:
        shutil.copy(source, folder / (name or source.name))


def _instance(name: str, **inputs: Any) -> dict[str, Any]:
    """An automation made from a blueprint, as the blueprint editor saves it."""
    return {
        "id": name.removesuffix(".yaml"),
        "alias": name,
        "use_blueprint": {"path": f"{FOLDER}/{name}", "input": {**INPUTS[name], **inputs}},
    }


@pytest.fixture
def blueprint_hass(automation_hass: HomeAssistant) -> HomeAssistant:
    """Home Assistant with the core integration (its triggers) and the blueprints installed."""
    _install(automation_hass)
    return automation_hass


async def _load(hass: HomeAssistant, config: dict[str, Any]) -> None:
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.async_block_till_done()


# --- validation -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
async def test_blueprint_and_its_automation_are_valid(blueprint_hass: HomeAssistant, name: str) -> None:
    """Home Assistant reads the blueprint as an automation blueprint, and an automation made from it validates."""
    hass = blueprint_hass
    await validate_automation(hass, _instance(name), "blueprints")
    blueprint = await async_get_blueprints(hass).async_get_blueprint(f"{FOLDER}/{name}")
    assert blueprint.domain == "automation"
    assert set(blueprint.inputs) == set(INPUTS[name])
    assert blueprint.metadata["source_url"].endswith(f"blueprints/automation/status_tracker/{name}")


def _break_trigger(config: dict[str, Any]) -> None:
    config["triggers"][0]["trigger"] = "evnt"


def _break_template(config: dict[str, Any]) -> None:
    config["actions"] = [{"action": "notify.x", "data": {"message": "{{ trigger.event.data.title "}}]


def _drop_domain(config: dict[str, Any]) -> None:
    del config["blueprint"]["domain"]


def _unknown_input(config: dict[str, Any]) -> None:
    config["variables"]["extra"] = Input("not_declared")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("breaker", [_break_trigger, _break_template, _drop_domain, _unknown_input])
async def test_broken_blueprint_fails_validation(
    blueprint_hass: HomeAssistant, tmp_path: Path, name: str, breaker: Callable[[dict[str, Any]], None]
) -> None:
    """The validation above does reject a broken blueprint (the broken copy is installed under another name)."""
    hass = blueprint_hass
    config = load_yaml_dict(BLUEPRINTS / name)
    for prefix in ("copy", "broken"):
        # The same way of installing a copy, unbroken, passes: only the breakage makes the broken copy fail.
        if prefix == "broken":
            breaker(config)
        copied = tmp_path / f"{prefix}.yaml"
        copied.write_text(dump(config), encoding="utf-8")
        _install(hass, copied, f"{prefix}_{name}")
    copy_instance, broken_instance = _instance(name), _instance(name)
    copy_instance["use_blueprint"]["path"] = f"{FOLDER}/copy_{name}"
    broken_instance["use_blueprint"]["path"] = f"{FOLDER}/broken_{name}"
    await validate_automation(hass, copy_instance, "blueprints")
    with pytest.raises((vol.Invalid, HomeAssistantError, BlueprintException)):
        await validate_automation(hass, broken_instance, "blueprints")


# --- one run of each ----------------------------------------------------------------------------------------------


async def test_available_tells_the_requester_with_poster_and_episodes(blueprint_hass: HomeAssistant) -> None:
    """Alice's phone hears that Frieren is available, with its poster and the episodes; other changes say nothing."""
    hass = blueprint_hass
    alice = async_mock_service(hass, "notify", "mobile_app_alice_phone")
    fallback = async_mock_service(hass, "notify", "mobile_app_my_phone")
    episodes = [{"season": 1, "episode": number, "state": "available"} for number in (3, 1, 2)] + [
        {"season": 2, "episode": 4, "state": "available"},
        {"season": 2, "episode": 5, "state": "downloading"},
    ]
    hass.states.async_set("sensor.jf_frieren", "available", {"poster_url": POSTER, "episodes": episodes})
    await _load(hass, _instance("request_available.yaml", fallback_target="notify.mobile_app_my_phone"))

    hass.bus.async_fire("status_tracker_state_changed", {**COMMON, "old_state": "importing", "new_state": "grabbing"})
    hass.bus.async_fire("status_tracker_state_changed", {**COMMON, "old_state": "importing", "new_state": "available"})
    await hass.async_block_till_done()
    assert [call.data for call in alice] == [
        {
            "title": "Ready to watch",
            "message": "Frieren is available in Jellyfin: season 1, episodes 1 to 3; season 2, episode 4.",
            "data": {"image": POSTER, "tag": "status_tracker_3f2a9c"},
        }
    ]
    # A requester without a notify target: the fallback phone hears of it (a movie: no episodes).
    hass.states.async_set("sensor.jf_dune", "available", {"poster_url": None, "episodes": []})
    dune = {**COMMON, "entity_id": "sensor.jf_dune", "title": "Dune", "media_type": "movie", "notify_target": None}
    hass.bus.async_fire("status_tracker_state_changed", {**dune, "old_state": "importing", "new_state": "available"})
    await hass.async_block_till_done()
    assert [call.data["message"] for call in fallback] == ["Dune is available in Jellyfin."]
    assert len(alice) == 1


async def test_available_without_target_tells_nobody(blueprint_hass: HomeAssistant) -> None:
    """No mapped target and no fallback: no notify call at all."""
    hass = blueprint_hass
    alice = async_mock_service(hass, "notify", "mobile_app_alice_phone")
    await _load(hass, _instance("request_available.yaml"))
    hass.bus.async_fire(
        "status_tracker_state_changed", {**COMMON, "notify_target": None, "old_state": None, "new_state": "available"}
    )
    await hass.async_block_till_done()
    assert alice == []


async def test_needs_approval_asks_the_admins_and_a_tap_answers(blueprint_hass: HomeAssistant) -> None:
    """A new pending request reaches every admin with Approve/Decline; the buttons call the integration's actions."""
    hass = blueprint_hass
    phone = async_mock_service(hass, "notify", "mobile_app_admin_phone")
    tablet = async_mock_service(hass, "notify", "mobile_app_admin_tablet")
    approve = async_mock_service(hass, "status_tracker", "approve")
    decline = async_mock_service(hass, "status_tracker", "decline")
    hass.states.async_set("sensor.jf_frieren", "requested", {"poster_url": POSTER})
    await _load(hass, _instance("request_needs_approval.yaml"))

    hass.bus.async_fire("status_tracker_state_changed", {**COMMON, "old_state": None, "new_state": "approved"})
    hass.bus.async_fire("status_tracker_state_changed", {**COMMON, "old_state": None, "new_state": "requested"})
    await hass.async_block_till_done()
    expected = {
        "title": "Request waiting for approval",
        "message": "Alice asked for Frieren (a show).",
        "data": {
            "image": POSTER,
            "tag": "status_tracker_3f2a9c",
            "actions": [
                {"action": "STATUS_TRACKER_APPROVE|e1|3f2a9c", "title": "Approve"},
                {"action": "STATUS_TRACKER_DECLINE|e1|3f2a9c", "title": "Decline"},
            ],
        },
    }
    assert [call.data for call in phone] == [expected]
    assert [call.data for call in tablet] == [expected]

    # The companion app fires this event when a button is tapped; other apps' buttons are left alone.
    hass.bus.async_fire("mobile_app_notification_action", {"action": "SOMETHING_ELSE"})
    hass.bus.async_fire("mobile_app_notification_action", {"action": "STATUS_TRACKER_SEARCH|e1|3f2a9c"})
    hass.bus.async_fire("mobile_app_notification_action", {"action": "STATUS_TRACKER_APPROVE|e1|3f2a9c"})
    await hass.async_block_till_done()
    assert [call.data for call in approve] == [{"entry_id": "e1", "request_id": "3f2a9c"}]
    assert decline == []
    hass.bus.async_fire("mobile_app_notification_action", {"action": "STATUS_TRACKER_DECLINE|e1|77aa"})
    await hass.async_block_till_done()
    assert [call.data for call in decline] == [{"entry_id": "e1", "request_id": "77aa"}]


STUCK_SINCE = "2025-05-01T10:30:00+00:00"  # 03:30 in the test's time zone (US/Pacific)


@pytest.mark.parametrize(
    ("cause", "details", "sentence", "button"),
    [
        (
            "stalled",
            {"seeds": "0", "peers": "3"},
            "The download is stalled (0 seeds, 3 peers).",
            {"action": "STATUS_TRACKER_REPLACE_DOWNLOAD|e1|3f2a9c", "title": "Replace download"},
        ),
        (
            "no_release_found",
            {"minutes": "240"},
            "No release was found for 240 min.",
            {"action": "STATUS_TRACKER_SEARCH|e1|3f2a9c", "title": "Search again"},
        ),
        (
            "import_blocked",
            {"message": "Not an upgrade for existing episode file(s)"},
            "The import is blocked: Not an upgrade for existing episode file(s).",
            {"action": "STATUS_TRACKER_REPLACE_DOWNLOAD|e1|3f2a9c", "title": "Replace download"},
        ),
        (
            "waiting_for_library",
            {"minutes": "45", "missing_connection": "Jellyfin"},
            "Imported, but Jellyfin has not listed it for 45 min. Connect Jellyfin to know more.",
            None,
        ),
        (None, None, "No cause is known yet.", None),
    ],
)
async def test_stuck_names_the_cause_and_offers_the_remedy(
    blueprint_hass: HomeAssistant,
    cause: str | None,
    details: dict[str, str] | None,
    sentence: str,
    button: dict[str, str] | None,
) -> None:
    """Each admin is told why the request is stuck, with the remedy's button when there is one; a tap applies it."""
    hass = blueprint_hass
    phone = async_mock_service(hass, "notify", "mobile_app_admin_phone")
    async_mock_service(hass, "notify", "mobile_app_admin_tablet")
    search = async_mock_service(hass, "status_tracker", "search")
    replace = async_mock_service(hass, "status_tracker", "replace_download")
    await _load(hass, _instance("request_stuck.yaml"))
    stuck = {**COMMON, "state": "downloading", "stuck_since": STUCK_SINCE}
    if cause is not None:
        stuck |= {"cause": cause, "cause_details": details}
    hass.bus.async_fire("status_tracker_request_stuck", stuck)
    await hass.async_block_till_done()
    assert [call.data for call in phone] == [
        {
            "title": "Request stuck",
            "message": f"Frieren has not moved since 1 May 03:30 (downloading). {sentence}",
            "data": {"tag": "status_tracker_3f2a9c", "actions": [button] if button else []},
        }
    ]
    if button is None:
        return
    hass.bus.async_fire("mobile_app_notification_action", {"action": "STATUS_TRACKER_APPROVE|e1|3f2a9c"})
    hass.bus.async_fire("mobile_app_notification_action", {"action": button["action"]})
    await hass.async_block_till_done()
    called = search if cause == "no_release_found" else replace
    assert [call.data for call in called] == [{"entry_id": "e1", "request_id": "3f2a9c"}]
    assert len(search) + len(replace) == 1


# --- the README links them -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_readme_links_each_blueprint_for_import(name: str) -> None:
    """The README's import link of each blueprint is My Home Assistant's, pointing at the file's source_url."""
    source_url = load_yaml_dict(BLUEPRINTS / name)["blueprint"]["source_url"]
    link = f"https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url={quote(source_url, safe='')}"
    assert link in (ROOT / "README.md").read_text(encoding="utf-8")
