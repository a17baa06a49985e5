"""What every action module shares: the refusal exceptions, who acted, and who may decide."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from abusedesk.accounts.models import User


class ActionRefused(ValueError):
    """A state change was refused; the message says why, in words an analyst can act on."""


class ReauthenticationRequired(ActionRefused):
    """The approver must prove who they are again before approving."""


def actor(user: User | None) -> str:
    return f"user:{user.username}" if user is not None else "system"


def require_decider(user: User) -> None:
    if not user.can_decide:
        raise ActionRefused(_("your role cannot make or approve decisions"))
