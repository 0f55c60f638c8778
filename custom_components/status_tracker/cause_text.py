"""Sentences in Home Assistant's language that the backend writes itself: a request's cause (the repair issue and the
stuck event say it), and the stuck issue's fix flow's remedy names and errors.

The cause sentences are strings.json `exceptions.cause_<sentence>` (core/causes.py names the sentence; its details
are the placeholders): the one translated category of free sentences with placeholders that the backend can read.
The remedies' names are their actions' names (`services.<remedy>.name`).
"""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.translation import async_get_cached_translations, async_get_translations
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .core.causes import parse_time
from .core.models import EpisodeCause, MediaRequest

_CATEGORIES = ("exceptions", "services")


async def async_load_texts(hass: HomeAssistant) -> None:
    """Load the sentences and names (once; later calls are answered from Home Assistant's cache)."""
    for category in _CATEGORIES:
        await async_get_translations(hass, hass.config.language, category, {DOMAIN})


def cause_text(hass: HomeAssistant, request: MediaRequest) -> str | None:
    """The request's cause as a sentence (its code if the sentences are not loaded); None without a cause."""
    if request.cause is None:
        return None
    return _sentence(hass, request.cause, request.cause_details)


def group_text(hass: HomeAssistant, group: EpisodeCause) -> str:
    """An episode group's cause as a sentence, as `cause_text`."""
    return _sentence(hass, group.cause, group.details)


def _sentence(hass: HomeAssistant, cause: str, stored: Mapping[str, str]) -> str:
    details = dict(stored)
    if (date := parse_time(details.get("date"))) is not None:
        details["date"] = dt_util.as_local(date).date().isoformat()
    template = _text(hass, "exceptions", f"cause_{details.get('sentence', cause)}.message")
    if template is None:
        return cause
    return _filled(template, details)


def error_text(hass: HomeAssistant, err: HomeAssistantError) -> str:
    """A translated error in Home Assistant's language (`str(err)` is always English); its message without one."""
    template = _text(hass, "exceptions", f"{err.translation_key}.message") if err.translation_key else None
    if template is None:
        return str(err)
    return _filled(template, err.translation_placeholders or {}).rstrip(".")


def remedy_name(hass: HomeAssistant, remedy: str) -> str:
    """What the remedy's action is called ("Search"); its key if the names are not loaded."""
    return _text(hass, "services", f"{remedy}.name") or remedy


def _text(hass: HomeAssistant, category: str, key: str) -> str | None:
    texts = async_get_cached_translations(hass, hass.config.language, category, DOMAIN)
    return texts.get(f"component.{DOMAIN}.{category}.{key}")


def _filled(template: str, placeholders: Mapping[str, str]) -> str:
    try:
        return template.format(**placeholders)
    except (KeyError, IndexError, ValueError):
        # Details stored by another version may lack a placeholder: the sentence still says more than the code.
        return template
