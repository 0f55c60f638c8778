"""Stateful stand-ins for the Jellyseerr, Radarr/Sonarr and Jellyfin-plugin settings APIs, on aioresponses.

Each keeps the settings it was given and answers the way the real service does (docs/service-apis.md): Seerr's
GET returns the payload template decoded once and its test answers 500 for an address it cannot reach; the *arr
mask passwords, test a connection on save and refuse it (400) when the test fails; the Jellyfin plugin's
configuration is replaced whole. `writes` counts every call that changes something.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
import json
import re
from typing import Any

from aioresponses import CallbackResult, aioresponses

SEERR_URL = "http://192.168.1.10:5055"
RADARR_URL = "http://192.168.1.10:7878"
SONARR_URL = "http://192.168.1.10:8989"
SONARR_4K_URL = "http://192.168.1.11:8989"
JELLYFIN = "http://192.168.1.10:8096"
WEBHOOK_PLUGIN = "71552A5A-5C5C-4350-A2AE-EBE451A30173"


def json_result(body: Any, status: int = 200) -> CallbackResult:
    return CallbackResult(status=status, body=json.dumps(body), content_type="application/json")


class FakeSeerr:
    """Seerr's single webhook agent."""

    def __init__(self, mock: aioresponses, reachable: set[str], settings: dict[str, Any] | None = None) -> None:
        self.reachable = reachable
        self.settings = settings or {"enabled": False, "types": 0, "options": {"webhookUrl": "", "jsonPayload": ""}}
        self.writes: list[dict[str, Any]] = []
        self.tests: list[str] = []
        base = f"{SEERR_URL}/api/v1/settings/notifications/webhook"
        mock.get(base, callback=self._get, repeat=True)
        mock.post(f"{base}/test", callback=self._test, repeat=True)
        mock.post(base, callback=self._set, repeat=True)

    def _get(self, url: Any, **kwargs: Any) -> CallbackResult:
        shown = copy.deepcopy(self.settings)
        payload = shown["options"].get("jsonPayload")
        if payload:
            shown["options"]["jsonPayload"] = json.loads(payload)  # stored as a quoted literal; GET decodes once
        return json_result(shown)

    def _test(self, url: Any, **kwargs: Any) -> CallbackResult:
        target = kwargs["json"]["options"]["webhookUrl"]
        self.tests.append(target)
        if target in self.reachable:
            return CallbackResult(status=204)
        return json_result({"message": "Failed to send webhook notification."}, 500)

    def _set(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.writes.append(kwargs["json"])
        self.settings = copy.deepcopy(kwargs["json"])
        return json_result(self.settings)


class FakeArr:
    """A Radarr or Sonarr notification list."""

    def __init__(
        self,
        mock: aioresponses,
        base: str,
        app: str,
        reachable: set[str],
        schema: dict[str, Any],
        *,
        api_key: str | None = None,
    ) -> None:
        self.app = app
        self.reachable = reachable
        # With a key, any other X-Api-Key is answered 401 as the *arr do; None takes any key.
        self.api_key = api_key
        self.notifications: list[dict[str, Any]] = [
            {"id": 1, "name": "Discord", "implementation": "Discord", "fields": [], "onGrab": True, "tags": []}
        ]
        self.writes: list[tuple[str, dict[str, Any]]] = []
        api = f"{base}/api/v3"
        status = {"appName": app.capitalize(), "version": "5.20.0"}
        mock.get(f"{api}/system/status", callback=self._keyed(lambda url, **kw: json_result(status)), repeat=True)
        mock.get(f"{api}/notification", callback=self._keyed(self._list), repeat=True)
        schemas = [{"implementation": "Discord"}, schema]
        mock.get(
            f"{api}/notification/schema", callback=self._keyed(lambda url, **kw: json_result(schemas)), repeat=True
        )
        mock.post(f"{api}/notification", callback=self._keyed(self._create), repeat=True)
        mock.put(re.compile(rf"^{re.escape(api)}/notification/\d+$"), callback=self._keyed(self._update), repeat=True)

    def _keyed(self, answer: Callable[..., CallbackResult]) -> Callable[..., CallbackResult]:
        def checked(url: Any, **kwargs: Any) -> CallbackResult:
            if self.api_key is not None and kwargs["headers"].get("X-Api-Key") != self.api_key:
                return CallbackResult(status=401, body="")
            return answer(url, **kwargs)

        return checked

    def _list(self, url: Any, **kwargs: Any) -> CallbackResult:
        shown = copy.deepcopy(self.notifications)
        for item in shown:
            for field in item.get("fields", []):
                if field.get("name") == "password" and field.get("value"):
                    field["value"] = "********"
        return json_result(shown)

    def _refused(self, resource: dict[str, Any]) -> CallbackResult | None:
        url = next(field["value"] for field in resource["fields"] if field["name"] == "url")
        if url in self.reachable:
            return None
        message = f"Unable to send test message: HTTP request failed: [404:NotFound] [POST] at [{url}]"
        return json_result([{"propertyName": "Url", "errorMessage": message, "severity": "error"}], 400)

    def _create(self, url: Any, **kwargs: Any) -> CallbackResult:
        resource = copy.deepcopy(kwargs["json"])
        if refused := self._refused(resource):
            return refused
        resource["id"] = max(item["id"] for item in self.notifications) + 1
        self.notifications.append(resource)
        self.writes.append(("POST", resource))
        return json_result(resource, 201)

    def _update(self, url: Any, **kwargs: Any) -> CallbackResult:
        resource = copy.deepcopy(kwargs["json"])
        if refused := self._refused(resource):
            return refused
        index = next(i for i, item in enumerate(self.notifications) if item["id"] == resource["id"])
        self.notifications[index] = resource
        self.writes.append(("PUT", resource))
        return json_result(resource, 202)

    def ours(self) -> list[dict[str, Any]]:
        """Our connections (Webhook implementation)."""
        return [item for item in self.notifications if item.get("implementation") == "Webhook"]


class FakeJellyfinPlugin:
    """The Jellyfin webhook plugin's configuration."""

    def __init__(self, mock: aioresponses, *, installed: bool = True) -> None:
        self.configuration: dict[str, Any] = {
            "ServerUrl": "",
            "DiscordOptions": [],
            "GenericOptions": [{"WebhookName": "Other", "WebhookUri": "http://other/hook", "EnableWebhook": True}],
        }
        self.writes: list[dict[str, Any]] = []
        plugins = [{"Name": "AudioDB", "Id": "a629c0dafac54c7e931a7174223f14c8", "Status": "Active"}]
        if installed:
            plugins.append({"Name": "Webhook", "Id": "71552a5a5c5c4350a2aeebe451a30173", "Status": "Active"})
        mock.get(f"{JELLYFIN}/Plugins", payload=plugins, repeat=True)
        config_url = f"{JELLYFIN}/Plugins/{WEBHOOK_PLUGIN}/Configuration"
        mock.get(config_url, callback=lambda url, **kw: json_result(self.configuration), repeat=True)
        mock.post(config_url, callback=self._set, repeat=True)

    def _set(self, url: Any, **kwargs: Any) -> CallbackResult:
        self.configuration = copy.deepcopy(kwargs["json"])
        self.writes.append(self.configuration)
        return CallbackResult(status=204)
