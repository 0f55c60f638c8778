"""Fuzzing every webhook endpoint with hypothesis (issue 7, "Fuzzing").

Bodies: random JSON; the recorded fixtures of the service, mutated (fields missing, renamed, wrong types, nulls,
huge strings up to 100 KB, deep nesting, the type field swapped for another known one); invalid UTF-8; empty
bodies; truncated JSON; wrong content types.

Properties:
- never an unhandled exception: the parsers raise only `InvalidPayload`, the tracker applies whatever they return;
  through HTTP, Home Assistant never logs "Error processing webhook" (it catches a handler's exception and answers
  200 with an empty body, so "no 500" alone would prove nothing) and every answer is our JSON `{"message": ...}`;
- HTTP answers only 200, 400 or 422;
- for every rejected input (4xx, or 200 "ignored: ..."), `tracker.to_dict()` serialised with sorted keys is
  byte-identical before and after.

Two levels: the bulk (FUZZ_EXAMPLES per endpoint, default 2,000) goes through the real webhook body reader and the
real parsers (`webhook.PARSERS`) with `Tracker.apply` on a pre-populated tracker, without Home Assistant;
FUZZ_HTTP_EXAMPLES per endpoint (default 300) go through Home Assistant's HTTP webhook endpoint and the real `Hub`.
Runs are derandomised (the same examples every run) unless FUZZ_RANDOM=1. The long run:

    FUZZ_RANDOM=1 FUZZ_EXAMPLES=20000 FUZZ_HTTP_EXAMPLES=3000 .venv/bin/python -m pytest tests/test_fuzz.py -q

Two bugs this fuzzing found are fixed and kept as regression tests at the end: strings made only of non-ASCII digits
such as "²" (int() refused what isdigit() accepted) and bodies nested deeper than Python's recursion limit
(RecursionError is not a ValueError). The generators still steer around them so the bulk explores other inputs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
import json
import logging
import os
from pathlib import Path
from typing import Any

from aiohttp import web
from homeassistant.core import HomeAssistant
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker import webhook
from custom_components.status_tracker.core.models import AnimeRules
from custom_components.status_tracker.core.parsers import InvalidPayload
from custom_components.status_tracker.core.tracker import Tracker
from custom_components.status_tracker.webhook import PARSERS

from .core.helpers import Driver
from .helpers import (
    ANIME_MOVIE_FLOW,
    ANIME_TV_FLOW,
    FIXTURES,
    MOVIE_FLOW,
    TV_FLOW,
    WEBHOOK_IDS,
    Services,
    in_memory,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
HTTP_EXAMPLES = int(os.environ.get("FUZZ_HTTP_EXAMPLES", "300"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"
SERVICES = ("jellyseerr", "radarr", "sonarr", "jellyfin")
HUGE = 100_000  # bytes: the largest generated string
DEEP = 400  # the deepest generated nesting (under the recursion limit, see the known bugs)
# Flows cut at different points, so requests of every kind sit in several states when the fuzzing starts.
PREFIX = (*MOVIE_FLOW, *TV_FLOW[:6], *ANIME_MOVIE_FLOW[:3], *ANIME_TV_FLOW[:4])
RULES = AnimeRules()
CONTENT_TYPES = (
    "application/json",
    "text/plain",
    "text/plain; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/octet-stream",
    "",
)
TYPE_KEYS = {"eventType", "notification_type", "NotificationType", "ItemType", "deleteReason", "media_type"}


def _fixtures(service: str) -> list[Any]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted((FIXTURES / service).glob("*.json"))]


FIXTURE_PAYLOADS = {service: _fixtures(service) for service in SERVICES}


def _type_values() -> list[str]:
    """Every value of a type-like field across the fixtures: swapping them makes shapes cross over."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in TYPE_KEYS and isinstance(item, str):
                    found.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for payloads in FIXTURE_PAYLOADS.values():
        walk(payloads)
    return sorted(found)


TYPE_VALUES = _type_values()


def _not_known_bug(text: str) -> bool:
    """False for the input of known bug 1 (a non-ASCII digit string read as a number)."""
    stripped = text.strip()
    return not (stripped.isdigit() and not stripped.isascii())


texts = st.text(max_size=40).filter(_not_known_bug)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | texts
    | st.sampled_from(["", " ", "0", " 17 ", "693134", "true", "False", "null", "1.5", "-3", "0x10", "1e3"])
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4), max_leaves=16
)


@st.composite
def huge_strings(draw: st.DrawFn) -> str:
    """Up to 100 KB once JSON-encoded (five of them stay under the 1 MiB body limit), built by repetition."""
    unit = draw(st.text(min_size=1, max_size=8).filter(_not_known_bug))
    encoded = len(json.dumps(unit)) - 2
    text = unit * draw(st.integers(min_value=1, max_value=max(HUGE // encoded, 1)))
    return text if _not_known_bug(text) else "x" * HUGE


@st.composite
def nested(draw: st.DrawFn) -> Any:
    """A value wrapped in up to DEEP lists or objects."""
    value = draw(scalars)
    pattern = draw(st.integers(min_value=0, max_value=255))  # which levels are objects, cycling every 8
    for level in range(draw(st.integers(min_value=1, max_value=DEEP))):
        value = {"a": value} if pattern >> (level % 8) & 1 else [value]
    return value


replacements = (
    st.none()
    | json_values
    | huge_strings()
    | nested()
    | st.sampled_from(TYPE_VALUES)
    | st.just({})
    | st.just([])
    | st.just("")
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside a decoded payload."""
    found = []
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return found
    for key, item in items:
        found.append((*prefix, key))
        found.extend(_paths(item, (*prefix, key)))
    return found


@st.composite
def mutated_fixtures(draw: st.DrawFn, service: str) -> Any:
    """A recorded payload of `service` with one to five fields deleted, renamed or replaced."""
    payload = json.loads(json.dumps(draw(st.sampled_from(FIXTURE_PAYLOADS[service]))))
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        paths = _paths(payload)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        action = draw(st.sampled_from(["delete", "rename", "replace", "replace", "replace"]))
        if action == "delete":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(texts)] = parent.pop(key)
        else:
            parent[key] = draw(replacements)
    return payload


def payloads(service: str) -> st.SearchStrategy[Any]:
    """Decoded bodies: random JSON, or a mutated fixture (the most part)."""
    return st.one_of(json_values, mutated_fixtures(service), mutated_fixtures(service), mutated_fixtures(service))


def _encode(payload: Any) -> bytes:
    return json.dumps(payload).encode()


@st.composite
def bodies(draw: st.DrawFn, service: str) -> bytes:
    """Raw request bodies: valid JSON of any shape, and bodies that are not JSON at all."""
    kind = draw(st.sampled_from(["json", "json", "json", "binary", "empty", "bad-utf8", "truncated", "deep-text"]))
    if kind == "json":
        return _encode(draw(payloads(service)))
    if kind == "binary":
        return draw(st.binary(max_size=300))
    if kind == "empty":
        return draw(st.sampled_from([b"", b" ", b"\n", b"\x00"]))
    fixture = _encode(draw(st.sampled_from(FIXTURE_PAYLOADS[service])))
    if kind == "bad-utf8":
        at = draw(st.integers(min_value=0, max_value=len(fixture)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"]))
        return fixture[:at] + junk + fixture[at:]
    if kind == "truncated":
        return fixture[: draw(st.integers(min_value=0, max_value=len(fixture) - 1))]
    depth = draw(st.integers(min_value=1, max_value=DEEP))
    return b"[" * depth + b"]" * depth if draw(st.booleans()) else b'{"a":' * depth + b"1" + b"}" * depth


def snapshot(tracker: Tracker) -> str:
    """The tracker's stored data, byte for byte."""
    return json.dumps(tracker.to_dict(), sort_keys=True)


def _fuzz_settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# --- the bulk: body reader, parsers and tracker, without Home Assistant ------------------------------------------


class _Content:
    def __init__(self, body: bytes) -> None:
        self._body = body

    async def iter_chunked(self, size: int) -> AsyncIterator[bytes]:
        for start in range(0, len(self._body), size):
            yield self._body[start : start + size]


class _Request:
    """What the webhook body reader uses of an aiohttp request."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self.query: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self.content_length = len(body)
        self.content = _Content(body)

    async def read(self) -> bytes:
        return self._body


def _webhook_handler(service: str, on_payload: Any) -> Callable[..., Any]:
    """The handler `webhook.async_register_webhooks` registers for `service` (no secret set)."""
    endpoint = getattr(webhook, "_Endpoint", None)
    if endpoint is not None:
        return endpoint(service, None, on_payload).async_handle
    return partial(webhook._async_handle, service, on_payload)  # pragma: no cover - before webhook secrets


def _run(coroutine: Any) -> Any:
    """Run a coroutine that never suspends (no I/O below it) to its result, without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the coroutine suspended")  # pragma: no cover


class PureHub:
    """The webhook receiver's decisions on a bare tracker: 422 on InvalidPayload, 200 ignored, or apply."""

    def __init__(self) -> None:
        driver = Driver()
        driver.run(*PREFIX)
        self.saved = snapshot(driver.tracker)
        self.tracker = Tracker.from_dict(json.loads(self.saved))
        assert snapshot(self.tracker) == self.saved  # the store round trip is exact
        self.now = datetime(2024, 6, 1, tzinfo=UTC)

    async def on_payload(self, service: str, payload: Any, is_4k: bool) -> web.Response:
        try:
            result = PARSERS[service](payload, RULES, is_4k)
        except InvalidPayload as err:
            assert err.field, err  # noqa: PT017 - a property of every rejection, not a raises check
            return webhook.json_response(HTTPStatus.UNPROCESSABLE_ENTITY, f"invalid field {err.field}")
        if result.ignored is not None:
            assert not result.events
            return webhook.json_response(HTTPStatus.OK, f"ignored: {result.ignored}")
        changes = [change for event in result.events for change in self.tracker.apply(event, self.now)]
        return webhook.json_response(HTTPStatus.OK, f"applied {len(changes)} change(s)")

    def check(self, service: str, body: bytes) -> None:
        before = snapshot(self.tracker)
        handler = _webhook_handler(service, self.on_payload)
        response = _run(handler(None, WEBHOOK_IDS[service], _Request(body)))
        message = json.loads(response.body)["message"]
        assert response.status in {HTTPStatus.OK, HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY}
        after = snapshot(self.tracker)
        if response.status != HTTPStatus.OK or message.startswith("ignored"):
            assert after == before, (service, body[:300], message)
        elif after != self.saved:
            # Accepted: the tracker must still load back exactly, then start the next example from the same data.
            assert snapshot(Tracker.from_dict(json.loads(after))) == after
            self.tracker = Tracker.from_dict(json.loads(self.saved))


# Thousands of examples each: on a busy 2-core machine under coverage they may take longer than the suite's 60 s.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("service", SERVICES)
def test_fuzz_parse_and_apply(service: str) -> None:
    """FUZZ_EXAMPLES bodies per endpoint through the body reader, the parser and the tracker."""
    hub = PureHub()
    ran = []

    @_fuzz_settings(EXAMPLES)
    @given(body=st.one_of(bodies(service), payloads(service).map(_encode)))
    def fuzz(body: bytes) -> None:
        ran.append(len(body))
        hub.check(service, body)

    fuzz()
    assert len(ran) >= EXAMPLES


# --- through Home Assistant's HTTP endpoint ----------------------------------------------------------------------


@pytest.mark.timeout(600)
@pytest.mark.parametrize("service", SERVICES)
async def test_fuzz_http_endpoint(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    service: str,
) -> None:
    """FUZZ_HTTP_EXAMPLES bodies per endpoint posted to the real webhook, with random content types and methods."""
    await Services(hass, hass_client_no_auth).run(*PREFIX)
    hub = init_integration.runtime_data.hub
    client = await hass_client_no_auth()
    loop = hass.loop
    ran = []

    async def post(body: bytes, content_type: str, method: str, is_4k: bool) -> None:
        before = json.dumps(in_memory(hub), sort_keys=True)
        url = f"/api/webhook/{WEBHOOK_IDS[service]}" + ("?4k=1" if is_4k else "")
        headers = {"Content-Type": content_type} if content_type else {}
        response = await client.request(method, url, data=body, headers=headers)
        text = await response.text()
        await hass.async_block_till_done()
        assert response.status in {HTTPStatus.OK, HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY}, text
        message = json.loads(text)["message"]  # our answer, not Home Assistant's empty 200 after an exception
        if response.status != HTTPStatus.OK or message.startswith("ignored"):
            assert json.dumps(in_memory(hub), sort_keys=True) == before, (body[:300], message)

    # @given on a sync function, run in an executor thread; each example is run on the event loop.
    @_fuzz_settings(HTTP_EXAMPLES)
    @given(
        body=bodies(service),
        content_type=st.sampled_from(CONTENT_TYPES),
        method=st.sampled_from(["POST", "PUT"]),
        is_4k=st.booleans(),
    )
    def fuzz(body: bytes, content_type: str, method: str, is_4k: bool) -> None:
        ran.append(len(body))
        asyncio.run_coroutine_threadsafe(post(body, content_type, method, is_4k), loop).result(timeout=30)

    with caplog.at_level(logging.WARNING):
        await hass.async_add_executor_job(fuzz)
    assert len(ran) >= HTTP_EXAMPLES
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [], errors[0].getMessage()


# --- regressions: bugs this fuzzing found --------------------------------------------------------------------
# parsers/fields.py optional_int: str.isdigit() accepts "²" but int() refuses it; the ValueError escaped the parser.
# webhook.py: json.loads raises RecursionError (not a ValueError) on a body nested deeper than the recursion limit.
# Home Assistant logged "Error processing webhook" and answered 200 with an empty body in both cases.


def _grab_with_tmdb_id(value: str) -> bytes:
    payload = json.loads((FIXTURES / "radarr" / "grab.json").read_text(encoding="utf-8"))
    payload["movie"]["tmdbId"] = value
    return _encode(payload)


def test_known_bug_non_ascii_digit_id_is_rejected() -> None:
    """422 "invalid field movie.tmdbId" (was: ValueError out of the parser)."""
    PureHub().check("radarr", _grab_with_tmdb_id("²"))


def test_known_bug_deeply_nested_body_is_rejected() -> None:
    """400 "body is not JSON" (was: RecursionError out of the body reader)."""
    PureHub().check("jellyfin", b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize(
    ("service", "body"),
    [
        pytest.param("radarr", _grab_with_tmdb_id("²"), id="non-ascii-digit"),
        pytest.param("sonarr", b"[" * 100_000 + b"]" * 100_000, id="deep-nesting"),
    ],
)
async def test_known_bugs_over_http(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    service: str,
    body: bytes,
) -> None:
    """The same two inputs through Home Assistant: expected a 4xx JSON answer and no error logged."""
    client = await hass_client_no_auth()
    response = await client.post(f"/api/webhook/{WEBHOOK_IDS[service]}", data=body)
    text = await response.text()
    assert response.status in {HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY}, (response.status, text)
    assert "Error processing webhook" not in caplog.text


def test_fixtures_cover_every_service() -> None:
    """The mutation sources exist for each endpoint, and the type swaps know the main shapes."""
    assert all(len(FIXTURE_PAYLOADS[service]) >= 4 for service in SERVICES)
    assert {"Grab", "Download", "MEDIA_AUTO_APPROVED", "ItemAdded"} <= set(TYPE_VALUES)
    assert Path(FIXTURES).is_dir()
