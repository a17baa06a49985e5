"""Bearer tokens for the API. A token acts with its owner's role; revoked tokens and inactive owners fail."""

from __future__ import annotations

from django.http import HttpRequest

from abusedesk.accounts import tokens
from abusedesk.accounts.models import ApiToken, TokenKind


class AuthError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def token_from(request: HttpRequest) -> ApiToken | None:
    """None when no Authorization header; AuthError when one is given but is not a valid token."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise AuthError(401, "Authorization must be 'Bearer <token>'")
    token = tokens.resolve(secret.strip())
    if token is None:
        raise AuthError(401, "the API token is not valid")
    return token


def require_staff(request: HttpRequest) -> ApiToken:
    token = token_from(request)
    if token is None:
        raise AuthError(401, "this endpoint needs a staff API token")
    if token.kind != TokenKind.STAFF or not token.user.can_read_cases:
        raise AuthError(403, "this token cannot read reports or cases")
    return token
