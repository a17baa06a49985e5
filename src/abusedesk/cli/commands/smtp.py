"""`abusedesk smtp`: the SMTP listener for the abuse addresses, in the foreground (docs/email-smtp.md)."""

from __future__ import annotations

import argparse
import errno
import socket
import sys
from typing import Any

from abusedesk.cli.main import CliError

DEFAULT_PORT = 2525


def register(sub: Any) -> None:
    smtp = sub.add_parser("smtp", help="receive abuse reports by e-mail: an SMTP listener for the abuse addresses "
                                       "(ABUSEDESK_MAIL_ADDRESSES), in the foreground until Ctrl+C")
    smtp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    smtp.add_argument("--port", type=int, default=DEFAULT_PORT,
                      help=f"port to listen on (default {DEFAULT_PORT}; 25 needs privileges; 0 picks a free one)")
    smtp.set_defaults(handler=cmd_smtp, django=True)


def load_config() -> Any:
    """The listener's settings, or a CliError naming the variable that is wrong."""
    from abusedesk.intake.email.smtp import ListenerConfigError, listener_config

    try:
        return listener_config()
    except ListenerConfigError as exc:
        raise CliError(str(exc)) from None


def bind_problem(exc: OSError, host: str, port: int, option: str) -> CliError:
    """An error that names the option and says what to do about it."""
    if exc.errno == errno.EADDRINUSE:
        return CliError(f"{option} {port}: the port is already in use on {host} (another listener?); "
                        "choose another port")
    if exc.errno == errno.EACCES:
        return CliError(f"{option} {port}: permission denied on {host} (ports below 1024 need privileges; "
                        f"use a port such as {DEFAULT_PORT} and forward 25 to it)")
    if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(exc, socket.gaierror):
        return CliError(f"--host {host}: not an address of this machine ({exc.strerror or exc})")
    return CliError(f"{option} {port}: cannot listen on {host}: {exc.strerror or exc}")


def check_port(host: str, port: int, option: str) -> None:
    """Fail early, naming `option`, when `host:port` cannot be listened on (used by `up --smtp-port`)."""
    if not 0 < port < 65536:
        raise CliError(f"{option} must be between 1 and 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(infos[0][4])
    except OSError as exc:
        raise bind_problem(exc, host, port, option) from None


def cmd_smtp(args: argparse.Namespace) -> int:
    from abusedesk.intake.email.smtp import CannotListen, serve

    if not 0 <= args.port < 65536:
        raise CliError("--port must be between 0 and 65535")
    config = load_config()

    def announce(host: str, port: int) -> None:
        tls = "offered" if config.tls else "off (ABUSEDESK_MAIL_TLS_CERT/_KEY unset)"
        print(f"abusedesk: SMTP listener on {host}:{port} for {', '.join(sorted(config.addresses))}; "
              f"largest message {config.max_bytes} bytes; STARTTLS {tls}; stop with Ctrl+C", flush=True)

    try:
        serve(args.host, args.port, config, announce=announce)
    except CannotListen as exc:
        raise bind_problem(exc.error, args.host, args.port, "--port") from None
    print("abusedesk: SMTP listener stopped", file=sys.stderr, flush=True)
    return 0
