"""Accounts, tokens, customers, keys: `createadmin`, `users add`, `token create`, `customers import`, `keys`."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from abusedesk.cli.main import CliError

ROLES = ["analyst", "senior_analyst", "admin", "auditor"]


def register(sub: Any) -> None:
    admin = sub.add_parser("createadmin", help="create an administrator account")
    admin.add_argument("--username", default="admin")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    admin.set_defaults(handler=cmd_createadmin, django=True, role="admin")

    users = sub.add_parser("users", help="staff accounts")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = users_sub.add_parser("add", help="add a staff account")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--password-stdin", action="store_true")
    add.set_defaults(handler=cmd_createadmin, django=True)

    mfa = users_sub.add_parser("mfa", help="enrol (or replace) a TOTP second factor; prints the otpauth:// URI once")
    mfa.add_argument("username")
    mfa.set_defaults(handler=cmd_users_mfa, django=True)

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_sub.add_parser("create", help="create an API token (printed once)")
    create.add_argument("--user", required=True, help="the account the token acts for")
    create.add_argument("--kind", choices=["staff", "trusted_flagger", "authority"], default="staff")
    create.add_argument("--label", default="")
    create.set_defaults(handler=cmd_token_create, django=True)
    token_sub.add_parser("list", help="list API tokens (never their secrets)").set_defaults(
        handler=cmd_token_list, django=True)
    revoke = token_sub.add_parser("revoke", help="revoke an API token at once (every process stops accepting it)")
    revoke.add_argument("token_id", help="the token's id, as `abusedesk token list` shows it")
    revoke.set_defaults(handler=cmd_token_revoke, django=True)

    customers = sub.add_parser("customers", help="customers, properties and services")
    cust_sub = customers.add_subparsers(dest="customers_command", metavar="ACTION", required=True)
    imp = cust_sub.add_parser("import", help="import customers from a CSV or JSON file")
    imp.add_argument("file", type=Path)
    imp.set_defaults(handler=cmd_customers_import, django=True)

    keys = sub.add_parser("keys", help="encryption keys for data at rest")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    keys_sub.add_parser("generate", help="print a new keyring (JSON) for ABUSEDESK_KEYRING_JSON").set_defaults(
        handler=cmd_keys_generate, django=False)
    keys_sub.add_parser("status", help="list keys and how many values each encrypts").set_defaults(
        handler=cmd_keys, django=True)
    keys_sub.add_parser("rotate", help="add a new primary key").set_defaults(handler=cmd_keys, django=True)
    keys_sub.add_parser("rewrap", help="re-encrypt every value with the primary key").set_defaults(
        handler=cmd_keys, django=True)
    retire = keys_sub.add_parser("retire", help="remove a key no value uses any more")
    retire.add_argument("kid")
    retire.set_defaults(handler=cmd_keys, django=True)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise CliError("no terminal to ask for a password: use --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CliError("the passwords do not match")
    return first


def cmd_createadmin(args: argparse.Namespace) -> int:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from abusedesk.accounts.models import User

    if User.objects.filter(username=args.username).exists():
        raise CliError(f"an account called {args.username!r} exists already")
    password = _password(args)
    user = User(username=args.username, role=args.role, is_staff=args.role == "admin")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise CliError("password: " + " ".join(exc.messages)) from None
    user.set_password(password)
    user.save()
    print(f"created {args.role} {args.username!r}")
    return 0


def cmd_users_mfa(args: argparse.Namespace) -> int:
    from abusedesk.accounts.mfa import enrol
    from abusedesk.accounts.models import User

    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        raise CliError(f"no active account called {args.username!r}")
    _device, uri = enrol(user)
    print(uri)
    print("# add this to the person's authenticator app now; it is not shown again", file=sys.stderr)
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from abusedesk.accounts.models import ApiToken, User

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        raise CliError(f"no active account called {args.user!r}")
    token, secret = ApiToken.issue(user=user, kind=args.kind, label=args.label)
    print(secret)
    print(f"# {args.kind} token {token.pk} for {user.username}; shown once, store it now", file=sys.stderr)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from abusedesk.accounts.models import ApiToken

    for token in ApiToken.objects.select_related("user").order_by("created_at"):
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        print(f"{token.pk}  {token.kind:<16} {token.user.username:<20} {state:<24} last used {used}  {token.label}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    import uuid

    from abusedesk.accounts import tokens
    from abusedesk.accounts.models import ApiToken

    try:
        token_id = uuid.UUID(args.token_id)
    except ValueError:
        raise CliError(f"token_id: {args.token_id!r} is not a token id (see `abusedesk token list`)") from None
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None:
        raise CliError(f"token_id: no token {token_id}")
    if token.revoked_at is not None:
        raise CliError(f"token_id: {token_id} was already revoked on {token.revoked_at:%Y-%m-%d %H:%M}")
    tokens.revoke(token)
    print(f"revoked {token.kind} token {token.pk} of {token.user.username}")
    return 0


def cmd_customers_import(args: argparse.Namespace) -> int:
    from abusedesk.attribution.importer import ImportError_, import_records, load_file

    if not args.file.is_file():
        raise CliError(f"{args.file}: no such file")
    try:
        summary = import_records(load_file(args.file))
    except ImportError_ as exc:
        for problem in exc.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        return 1
    print(f"imported {summary.customers} customers, {summary.properties} properties, {summary.services} services")
    return 0


def cmd_keys_generate(args: argparse.Namespace) -> int:
    from abusedesk.common.crypto import Keyring

    print(Keyring.generate().to_json())
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from abusedesk.common import keys

    action = args.keys_command
    if action == "status":
        for line in keys.status_lines():
            print(line)
    elif action == "rotate":
        print(f"new primary key {keys.rotate()}; run `abusedesk keys rewrap` next")
    elif action == "rewrap":
        print(f"re-encrypted {keys.rewrap()} values with the primary key")
    elif action == "retire":
        try:
            keys.retire(args.kid)
        except keys.KeyInUse as exc:
            raise CliError(str(exc)) from None
        print(f"retired key {args.kid}")
    return 0
