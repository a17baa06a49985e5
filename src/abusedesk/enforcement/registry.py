"""The registry of enforcement actions. Built-ins register here the same way a plugin does: via the
`abusedesk.enforcement` entry-point group or `register()`; ENFORCEMENT_ACTIONS picks the enabled ones."""

from __future__ import annotations

from importlib.metadata import entry_points

from django.conf import settings

from abusedesk.sdk.enforcement import EnforcementAction

_ACTIONS: dict[str, EnforcementAction] = {}


def register(action: EnforcementAction) -> EnforcementAction:
    if not action.name:
        raise ValueError("an enforcement action needs a name")
    if action.name in _ACTIONS and type(_ACTIONS[action.name]) is not type(action):
        raise ValueError(f"two enforcement actions are called {action.name!r}")
    _ACTIONS[action.name] = action
    return action


def _load() -> None:
    if _ACTIONS:
        return
    from abusedesk.enforcement.console import ConsoleAction
    from abusedesk.enforcement.edge_blocklist import EdgeBlocklistAction
    from abusedesk.enforcement.webhook_action import WebhookAction

    register(ConsoleAction())
    register(WebhookAction())
    register(EdgeBlocklistAction())
    for ep in entry_points(group="abusedesk.enforcement"):
        register(ep.load()())


def enabled() -> list[EnforcementAction]:
    _load()
    names = settings.ENFORCEMENT_ACTIONS
    return [_ACTIONS[n] for n in names if n in _ACTIONS]


def get(name: str) -> EnforcementAction:
    _load()
    return _ACTIONS[name]
