"""Actions: list requests, check them against the services now, remove one, the remedies (remedies.py) and
delete_media (deletion.py)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import HomeAssistantError, Unauthorized, UnknownUser
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from .const import DOMAIN
from .core.attributes import request_attributes
from .core.deletion import DeleteOptions
from .core.models import MediaRequest, MediaType, RequestState
from .deletion import async_delete_media
from .hub import request_unique_id
from .remedies import REMEDIES, async_run, refused as _invalid
from .runtime import StatusTrackerConfigEntry
from .storage import StoreWriteError

SERVICE_GET_REQUESTS = "get_requests"
SERVICE_REFRESH = "refresh"
SERVICE_REMOVE_REQUEST = "remove_request"
SERVICE_DELETE_MEDIA = "delete_media"

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_STATE = "state"
ATTR_MEDIA_TYPE = "media_type"
ATTR_INCLUDE_EPISODES = "include_episodes"
ATTR_REQUEST_ID = "request_id"
ATTR_ENTRY_ID = "entry_id"
ATTR_DRY_RUN = "dry_run"
# delete_media's parts, each off unless asked: DeleteOptions' fields.
DELETE_PARTS = tuple(field.name for field in fields(DeleteOptions))

GET_REQUESTS_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_ENTITY_ID): cv.entity_ids,
        vol.Optional(ATTR_STATE): vol.All(cv.ensure_list, [vol.In([str(state) for state in RequestState])]),
        vol.Optional(ATTR_MEDIA_TYPE): vol.In([str(media) for media in MediaType]),
        vol.Optional(ATTR_INCLUDE_EPISODES, default=True): cv.boolean,
    }
)
REFRESH_SCHEMA = vol.Schema({vol.Optional(ATTR_ENTITY_ID): cv.entity_ids})
REMOVE_REQUEST_SCHEMA = vol.Schema({vol.Required(ATTR_ENTITY_ID): cv.entity_ids})
# A remedy acts on one request: its sensor, or its id (the tracker's, or its Jellyseerr request's) in an entry.
ONE_REQUEST = vol.Schema(
    {
        vol.Exclusive(ATTR_ENTITY_ID, "request"): cv.entity_id,
        vol.Exclusive(ATTR_REQUEST_ID, "request"): vol.All(vol.Coerce(str), cv.string),
        vol.Optional(ATTR_ENTRY_ID): cv.string,
    }
)
REMEDY_SCHEMA = vol.All(ONE_REQUEST, cv.has_at_least_one_key(ATTR_ENTITY_ID, ATTR_REQUEST_ID))
DELETE_MEDIA_SCHEMA = vol.All(
    ONE_REQUEST.extend(
        {
            vol.Optional(ATTR_DRY_RUN, default=True): cv.boolean,
            **{vol.Optional(part, default=False): cv.boolean for part in DELETE_PARTS},
        }
    ),
    cv.has_at_least_one_key(ATTR_ENTITY_ID, ATTR_REQUEST_ID),
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once for the integration (not per entry)."""
    hass.services.async_register(
        DOMAIN, SERVICE_GET_REQUESTS, _async_get_requests, GET_REQUESTS_SCHEMA, SupportsResponse.ONLY
    )
    hass.services.async_register(DOMAIN, SERVICE_REFRESH, _async_refresh, REFRESH_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_REMOVE_REQUEST, _async_remove_request, REMOVE_REQUEST_SCHEMA)
    for name in REMEDIES:
        hass.services.async_register(DOMAIN, name, _async_remedy, REMEDY_SCHEMA)
    # Admin only. Not async_register_admin_service: on Home Assistant 2025.4 it cannot return a response.
    hass.services.async_register(
        DOMAIN, SERVICE_DELETE_MEDIA, _async_delete_media, DELETE_MEDIA_SCHEMA, SupportsResponse.OPTIONAL
    )


def _loaded_entries(hass: HomeAssistant, entry_id: str | None = None) -> list[StatusTrackerConfigEntry]:
    """The loaded entries to act on; a named entry that is unknown or not loaded is an error."""
    if entry_id is None:
        entries: list[StatusTrackerConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
        if not entries:
            raise _invalid("no_loaded_entry")
        return entries
    entry: StatusTrackerConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise _invalid("unknown_entry", entry_id=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded", title=entry.title)
    return [entry]


def _resolve_requests(hass: HomeAssistant, entity_ids: list[str]) -> list[tuple[StatusTrackerConfigEntry, str]]:
    """(entry, request id) for each request sensor named; anything else is a validation error."""
    registry = er.async_get(hass)
    resolved = []
    for entity_id in entity_ids:
        entity = registry.async_get(entity_id)
        if entity is None or entity.platform != DOMAIN or entity.config_entry_id is None:
            raise _invalid("not_a_request", entity_id=entity_id)
        (entry,) = _loaded_entries(hass, entity.config_entry_id)
        request_id = entity.unique_id.removeprefix(request_unique_id(entry.entry_id, ""))
        if entry.runtime_data.hub.get(request_id) is None:
            raise _invalid("not_a_request", entity_id=entity_id)
        resolved.append((entry, request_id))
    return resolved


async def _async_get_requests(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    registry = er.async_get(hass)
    states = set(call.data.get(ATTR_STATE, ()))
    media_type = call.data.get(ATTR_MEDIA_TYPE)
    include_episodes = call.data[ATTR_INCLUDE_EPISODES]
    # Named requests (the card's detail view asks for one): looked up, not filtered out of every request.
    named = _resolve_requests(hass, call.data[ATTR_ENTITY_ID]) if ATTR_ENTITY_ID in call.data else None
    requests: list[dict[str, Any]] = []
    for entry in _loaded_entries(hass, call.data.get(ATTR_CONFIG_ENTRY_ID)):
        hub = entry.runtime_data.hub
        chosen = (
            hub.requests.values()
            if named is None
            else [req for owner, rid in named if owner is entry and (req := hub.get(rid)) is not None]
        )
        for request in chosen:
            if (states and str(request.state) not in states) or (media_type and str(request.media_type) != media_type):
                continue
            item = {
                "entity_id": registry.async_get_entity_id(
                    "sensor", DOMAIN, request_unique_id(entry.entry_id, request.request_id)
                ),
                "config_entry_id": entry.entry_id,
                "state": str(request.state),
                **request_attributes(request),
                # Not an attribute: the recorder keeps every attribute of every state, and this grows to 50 entries.
                "timeline": [entry.as_view() for entry in request.timeline],
            }
            if not include_episodes:
                del item["episodes"]
            requests.append(item)
    requests.sort(key=lambda item: item["updated_at"] or "", reverse=True)
    return {"requests": cast("list[JsonValueType]", requests)}


async def _async_refresh(call: ServiceCall) -> None:
    """Check now; every request is tried, then the services that failed are named."""
    hass = call.hass
    failed: list[str | None] = []
    if ATTR_ENTITY_ID in call.data:
        for entry, request_id in _resolve_requests(hass, call.data[ATTR_ENTITY_ID]):
            failed.append(await entry.runtime_data.library.async_check_now(request_id))
    else:
        for entry in _loaded_entries(hass):
            runtime = entry.runtime_data
            if runtime.downloads is not None:
                await runtime.downloads.async_poll()
                if not runtime.downloads.last_poll_ok:
                    failed.append(runtime.downloads.service)
            library = runtime.library
            failed += [await library.async_check_now(request_id) for request_id in runtime.hub.active_ids()]
    if names := sorted({name for name in failed if name}, key=str.lower):
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="refresh_failed",
            translation_placeholders={"services": ", ".join(names)},
        )


async def _async_remove_request(call: ServiceCall) -> None:
    for entry, request_id in _resolve_requests(call.hass, call.data[ATTR_ENTITY_ID]):
        await _async_remove_one(call.hass, entry, request_id)


async def _async_remove_one(hass: HomeAssistant, entry: StatusTrackerConfigEntry, request_id: str) -> None:
    """Stop tracking one request and remove its sensor."""
    try:
        await entry.runtime_data.hub.async_remove(request_id)
    except StoreWriteError as err:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="not_saved") from err
    registry = er.async_get(hass)
    if entity_id := registry.async_get_entity_id("sensor", DOMAIN, request_unique_id(entry.entry_id, request_id)):
        registry.async_remove(entity_id)


def _remedy_target(hass: HomeAssistant, data: dict[str, Any]) -> tuple[StatusTrackerConfigEntry, MediaRequest]:
    """The entry and the one request a remedy names."""
    if ATTR_ENTITY_ID in data:
        ((entry, request_id),) = _resolve_requests(hass, [data[ATTR_ENTITY_ID]])
        wanted = request_id
        entries = [entry]
    else:
        wanted = data[ATTR_REQUEST_ID]
        entries = _loaded_entries(hass, data.get(ATTR_ENTRY_ID))
    for entry in entries:
        hub = entry.runtime_data.hub
        if (request := hub.get(wanted) or hub.find_jellyseerr(wanted)) is not None:
            return entry, request
    raise _invalid("unknown_request", request_id=wanted)


async def _async_source(call: ServiceCall) -> str:
    """Who called, as a timeline entry's source."""
    user = await call.hass.auth.async_get_user(call.context.user_id) if call.context.user_id else None
    return f"user:{user.name}" if user is not None else "automation"


async def _async_remedy(call: ServiceCall) -> None:
    """Run one remedy on one request, then keep what it did in the request's timeline."""
    entry, request = _remedy_target(call.hass, dict(call.data))
    runtime = entry.runtime_data
    await async_run(runtime.hub, runtime.clients, request, call.service, source=await _async_source(call))


async def _async_delete_media(call: ServiceCall) -> ServiceResponse:
    """Delete a request's media where the user chose (a dry run unless told otherwise); admins and automations only,
    as async_register_admin_service checks it."""
    if call.context.user_id:
        user = await call.hass.auth.async_get_user(call.context.user_id)
        if user is None:
            raise UnknownUser(context=call.context)
        if not user.is_admin:
            raise Unauthorized(context=call.context)
    entry, request = _remedy_target(call.hass, dict(call.data))
    runtime = entry.runtime_data
    options = DeleteOptions(**{part: call.data[part] for part in DELETE_PARTS})
    response = await async_delete_media(
        runtime.hub,
        runtime.clients,
        request,
        options,
        dry_run=call.data[ATTR_DRY_RUN],
        source=await _async_source(call),
        remove_record=lambda: _async_remove_one(call.hass, entry, request.request_id),
    )
    return cast("ServiceResponse", response) if call.return_response else None
