"""Resolving an API token's secret to the token, cached: intake asks on every request.

The token (with its owner) is kept in the cache under its hash for `TOKEN_CACHE_SECONDS`; saving or deleting the
token, or saving its owner (a role changed, the account deactivated), drops the entry at once, so a revoked
token or a deactivated owner stops working on the next request in every process that shares the cache (Redis in
production, the file cache in the embedded default). An unknown secret is remembered briefly too, so a client
repeating a wrong token does not cost a query each time.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.utils import timezone

from abusedesk.accounts.models import ApiToken, User, hash_token

TOKEN_CACHE_SECONDS = 60
UNKNOWN_CACHE_SECONDS = 10
_UNKNOWN = "unknown"


def _key(token_hash: str) -> str:
    return f"abusedesk:token:{token_hash}"


def resolve(secret: str) -> ApiToken | None:
    """The live token for this secret (not revoked, owner active), or None."""
    token_hash = hash_token(secret)
    cached = cache.get(_key(token_hash))
    if isinstance(cached, ApiToken):
        token: ApiToken | None = cached
    elif cached == _UNKNOWN:
        return None
    else:
        token = (ApiToken.objects.select_related("user")
                 .filter(token_hash=token_hash, revoked_at__isnull=True).first())
        if token is None or not token.user.is_active:
            cache.set(_key(token_hash), _UNKNOWN, UNKNOWN_CACHE_SECONDS)
            return None
        cache.set(_key(token_hash), token, TOKEN_CACHE_SECONDS)
    if token is not None and (token.last_used_at is None
                              or (timezone.now() - token.last_used_at).total_seconds() > 300):
        token.last_used_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
        cache.set(_key(token.token_hash), token, TOKEN_CACHE_SECONDS)
    return token


def revoke(token: ApiToken) -> None:
    """Revoke now; the cache entry goes with the save."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def forget_token(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    cache.delete(_key(instance.token_hash))


def forget_owner(sender: Any, instance: User, **kwargs: Any) -> None:
    cache.delete_many([_key(h) for h in ApiToken.objects.filter(user=instance).values_list("token_hash", flat=True)])
