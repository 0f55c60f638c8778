"""Who to tell about a request: Seerr users mapped to persons and notify targets (the `requesters` option).

One option line per Seerr user: `<user> = <target>[, <target>]`, the user being the name Seerr shows (its webhook's
`requestedBy_username`, Seerr's displayName) or the email; a target is a person entity (`person.alice`) and/or a
notify action (`notify.mobile_app_alice_phone`), at most one of each. Matching ignores case: Seerr lowers emails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import re

from .models import MediaRequest

_PERSON = re.compile(r"person\.[a-z0-9_]+")
_NOTIFY = re.compile(r"notify\.[a-z0-9_]+")


@dataclass(frozen=True, slots=True)
class Recipient:
    """The person and notify action of one Seerr user (either may be None)."""

    person: str | None = None
    notify_target: str | None = None


NOBODY = Recipient()


class InvalidRequesterLineError(ValueError):
    """An option line that is not `<user> = person.x, notify.y` (or names a user twice)."""

    def __init__(self, line: str) -> None:
        """Name the line, for the options form's error."""
        super().__init__(line)
        self.line = line


def parse_requesters(lines: Iterable[str]) -> dict[str, Recipient]:
    """The mapping of the option's lines, keyed by the user in lower case (blank lines skipped)."""
    mapping: dict[str, Recipient] = {}
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        user, sep, targets = line.partition("=")
        key = user.strip().casefold()
        if not sep or not key or key in mapping:
            raise InvalidRequesterLineError(line)
        persons, notifies = [], []
        for target in (t.strip().lower() for t in targets.split(",")):
            if _PERSON.fullmatch(target):
                persons.append(target)
            elif _NOTIFY.fullmatch(target):
                notifies.append(target)
            else:
                raise InvalidRequesterLineError(line)
        if len(persons) > 1 or len(notifies) > 1:
            raise InvalidRequesterLineError(line)
        mapping[key] = Recipient(persons[0] if persons else None, notifies[0] if notifies else None)
    return mapping


def recipient_for(mapping: Mapping[str, Recipient], request: MediaRequest) -> Recipient:
    """The recipient of a request's requester: by the name Seerr shows, else by email; NOBODY when unmapped."""
    for name in (request.requested_by, request.requested_by_email):
        if name and (found := mapping.get(name.casefold())) is not None:
            return found
    return NOBODY
