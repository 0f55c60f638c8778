"""Who may post to a webhook: the optional per-service secret, in each service's own way of sending one.

Radarr and Sonarr send HTTP Basic credentials (their Webhook connection has Username and Password: the password is
the secret, any username is accepted); Jellyseerr sends its "Authorization Header" field verbatim; the Jellyfin
webhook plugin sends whatever headers the destination lists (`Authorization` or `X-Webhook-Secret`). Comparisons
run in constant time so the answer's timing reveals nothing about the secret.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
import hmac

HEADER_SECRET = "X-Webhook-Secret"  # noqa: S105 - a header name, not a secret
BASIC_SERVICES = frozenset({"radarr", "sonarr"})


def _same(given: str, secret: str) -> bool:
    return hmac.compare_digest(given.encode(), secret.encode())


def _basic_password(authorization: str) -> str | None:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, separator, password = decoded.partition(":")
    return password if separator else None


def is_authorized(service: str, secret: str | None, headers: Mapping[str, str]) -> bool:
    """True when no secret is set, or the request carries it the way `service` sends it."""
    if not secret:
        return True
    authorization = headers.get("Authorization", "")
    if service in BASIC_SERVICES:
        password = _basic_password(authorization)
        return password is not None and _same(password, secret)
    candidates = [authorization, headers.get(HEADER_SECRET, "")]
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer":
        candidates.append(token.strip())
    # Evaluate every candidate so the time taken does not depend on which one matched.
    matches = [_same(candidate, secret) for candidate in candidates if candidate]
    return any(matches)
