"""Public plugin API for enforcement actions.

An action is data first: `plan()` turns a decision into a PlannedAction (shown, logged, approved);
`perform()` is the only side effect and must be idempotent on the key it is given. Plugins receive plain
dataclasses, never ORM objects.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ServiceRef:
    id: str
    kind: str
    property: str


@dataclass(frozen=True)
class ActionContext:
    decision_id: str
    case_id: int
    outcome: str
    customer_id: str | None
    services: tuple[ServiceRef, ...]
    territorial_scope: tuple[str, ...] = ()
    duration_days: int | None = None


@dataclass(frozen=True)
class PlannedAction:
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionOutcome:
    done: bool
    detail: dict[str, Any] = field(default_factory=dict)


class EnforcementAction(ABC):
    """Subclass, give a unique `name` and the outcomes it `handles`, and register it."""

    name: str = ""
    handles: frozenset[str] = frozenset()

    @abstractmethod
    def plan(self, ctx: ActionContext) -> PlannedAction | None:
        """What would be done, as data; None when this action has nothing to do for the decision."""

    @abstractmethod
    def perform(self, payload: dict[str, Any], *, idempotency_key: str) -> ActionOutcome:
        """Carry out a planned action. Called again with the same key after a crash: must be a no-op then."""

    def reverse(self, payload: dict[str, Any], *, idempotency_key: str) -> ActionOutcome:
        """Undo a performed action (an appeal was upheld). Idempotent. Backends that cannot undo say so."""
        return ActionOutcome(done=False, detail={"reason": f"{self.name} cannot reverse its actions"})
