"""A request's cause as a sentence in Home Assistant's language (the repair issue and the stuck event say it).

The sentences are strings.json `exceptions.cause_<sentence>` (core/causes.py names the sentence; its details are
the placeholders): the one translated category of free sentences with placeholders that the backend can read.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_cached_translations, async_get_translations
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .core.causes import parse_time
from .core.models import MediaRequest


async def async_load_texts(hass: HomeAssistant) -> None:
    """Load the sentences (once; later calls are answered from Home Assistant's cache)."""
    await async_get_translations(hass, hass.config.language, "exceptions", {DOMAIN})


def cause_text(hass: HomeAssistant, request: MediaRequest) -> str | None:
    """The request's cause as a sentence (its code if the sentences are not loaded); None without a cause."""
    if request.cause is None:
        return None
    details = dict(request.cause_details)
    if (date := parse_time(details.get("date"))) is not None:
        details["date"] = dt_util.as_local(date).date().isoformat()
    texts = async_get_cached_translations(hass, hass.config.language, "exceptions", DOMAIN)
    template = texts.get(f"component.{DOMAIN}.exceptions.cause_{details.get('sentence', request.cause)}.message")
    if template is None:
        return request.cause
    try:
        return template.format(**details)
    except (KeyError, IndexError, ValueError):
        # Details stored by another version may lack a placeholder: the sentence still says more than the code.
        return template
