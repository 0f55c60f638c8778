"""The requester mapping: option lines read into persons and notify targets, and a request's requester found in it."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.status_tracker.core.models import MediaRequest
from custom_components.status_tracker.core.requesters import (
    NOBODY,
    InvalidRequesterLineError,
    Recipient,
    parse_requesters,
    recipient_for,
)

from .helpers import Driver, load


def test_lines_are_read_case_and_spaces_ignored() -> None:
    mapping = parse_requesters(
        [
            " Alice = person.alice, notify.mobile_app_alice_phone ",
            "",
            "bob@example.com=NOTIFY.mobile_app_bob",
            "carol = person.carol",
        ]
    )
    assert mapping == {
        "alice": Recipient("person.alice", "notify.mobile_app_alice_phone"),
        "bob@example.com": Recipient(None, "notify.mobile_app_bob"),
        "carol": Recipient("person.carol", None),
    }


@pytest.mark.parametrize(
    "line",
    ["alice", "= person.alice", "alice =", "alice = light.kitchen", "alice = person.a, person.b", "a = notify.x,"],
)
def test_a_line_that_cannot_be_read_is_named(line: str) -> None:
    with pytest.raises(InvalidRequesterLineError) as raised:
        parse_requesters(["zoe = person.zoe", line])
    assert raised.value.line == line.strip()


def test_a_user_named_twice_is_refused() -> None:
    with pytest.raises(InvalidRequesterLineError) as raised:
        parse_requesters(["alice = person.alice", "ALICE = notify.mobile_app_x"])
    assert raised.value.line == "ALICE = notify.mobile_app_x"


def _requester_of(payload_changes: dict[str, Any]) -> MediaRequest:
    """The request a Seerr webhook with this requester makes."""
    payload = load("jellyseerr/movie_auto_approved")
    payload["request"] = {**payload["request"], **payload_changes}
    driver = Driver()
    driver.post("jellyseerr/movie_auto_approved", payload)
    return driver.only()


@pytest.mark.parametrize(
    ("requester", "expected"),
    [
        # By the name Seerr shows, whatever its case.
        ({"requestedBy_username": "ALICE", "requestedBy_email": "a@example.com"}, Recipient("person.alice", None)),
        # By the email when the name is not mapped.
        ({"requestedBy_username": "Bobby", "requestedBy_email": "bob@example.com"}, Recipient(None, "notify.bob")),
        # Seerr's name is the email when the user has no name.
        ({"requestedBy_username": "bob@example.com", "requestedBy_email": ""}, Recipient(None, "notify.bob")),
        ({"requestedBy_username": "Mallory", "requestedBy_email": "m@example.com"}, NOBODY),
        ({"requestedBy_username": "", "requestedBy_email": ""}, NOBODY),
    ],
)
def test_recipient_of_a_request(requester: dict[str, str], expected: Recipient) -> None:
    mapping = parse_requesters(["alice = person.alice", "bob@example.com = notify.bob"])
    assert recipient_for(mapping, _requester_of(requester)) == expected


def test_the_email_survives_a_restart() -> None:
    request = _requester_of({"requestedBy_email": "alice@example.com"})
    assert request.requested_by_email == "alice@example.com"
    assert MediaRequest.from_dict(request.to_dict()).requested_by_email == "alice@example.com"
