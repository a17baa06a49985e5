"""`abusedesk up`, `worker`, `migrate`: running the desk."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from abusedesk.cli.main import CliError, setup_django


def register(sub: Any) -> None:
    up = sub.add_parser("up", help="start the desk: web server and job workers (embedded default: SQLite)")
    up.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    up.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    up.add_argument("--web-processes", type=int, default=2, help="web server processes (default 2)")
    up.add_argument("--connections", type=int, default=1000,
                    help="simultaneous connections per web process (default 1000; gevent workers)")
    up.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)  # before gevent; ignored
    up.add_argument("--workers", type=int, default=1,
                    help="job worker processes (default 1), plus one for the urgent lane (S0 paging and filing, "
                         "screening) when there is at least one; 0 starts none")
    up.add_argument("--data-dir", default=argparse.SUPPRESS, help="data directory (default ./abusedesk-data)")
    up.add_argument("--no-admin", action="store_true", help="do not create the first admin account")
    up.add_argument("--smtp-port", type=int, default=None,
                    help="also receive reports by e-mail: the SMTP listener on this port, on --host "
                         "(off unless given; see `abusedesk smtp`)")
    up.set_defaults(handler=cmd_up, django=False)

    worker = sub.add_parser("worker", help="run one job worker process")
    worker.add_argument("--queues", default="*", help="comma-separated queue names, '*' for all (default)")
    worker.add_argument("--batch", action="store_true", help="run what is ready, then exit")
    worker.add_argument("--max-tasks", type=int, default=None, help="exit after this many jobs")
    worker.add_argument("--nice", type=int, default=None,
                        help="run this many steps nicer than started, 0-19 (default ABUSEDESK_WORKER_NICE)")
    worker.set_defaults(handler=cmd_worker, django=True)

    migrate = sub.add_parser("migrate", help="create or upgrade the database tables")
    migrate.set_defaults(handler=cmd_migrate, django=True, creates_desk=True)


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from abusedesk.jobs.worker import run_worker

    if args.nice is not None and not 0 <= args.nice <= 19:
        raise CliError(f"--nice: expected 0 to 19, got {args.nice}")
    run_worker(queues=[q.strip() for q in args.queues.split(",") if q.strip()], batch=args.batch,
               max_tasks=args.max_tasks, nice=args.nice)
    return 0


def _first_admin(data_dir: Path) -> str | None:
    from abusedesk.accounts.models import Role, User

    if User.objects.filter(role=Role.ADMIN).exists():
        return None
    password = secrets.token_urlsafe(12)
    User.objects.create_user(username="admin", password=password, role=Role.ADMIN, is_staff=True)
    note = data_dir / "initial-admin-password"
    fd = os.open(note, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def cmd_up(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise CliError("--port must be between 1 and 65535")
    data_dir = Path(os.environ.get("ABUSEDESK_DATA_DIR") or Path.cwd() / "abusedesk-data").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["ABUSEDESK_DATA_DIR"] = str(data_dir)
    # Links in e-mails point where this desk answers, unless the operator says otherwise (workers inherit it).
    if not os.environ.get("ABUSEDESK_PUBLIC_URL"):
        from abusedesk.settings.env import record_served_url

        os.environ["ABUSEDESK_PUBLIC_URL"] = served_url(args.host, args.port)
        record_served_url(data_dir, os.environ["ABUSEDESK_PUBLIC_URL"])
    setup_django()
    mail_to = _check_smtp(args)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    password = None if args.no_admin else _first_admin(data_dir)
    children = _start_children(args)
    _announce(args, data_dir, password, mail_to)
    return _supervise(children, args)


def served_url(host: str, port: int) -> str:
    """The base URL of `up --host/--port`; a wildcard address is reached on loopback (see ALLOWED_HOSTS)."""
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 - comparing, not binding
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _check_smtp(args: argparse.Namespace) -> str:
    """With --smtp-port: the addresses the listener takes mail for, after checking its settings and port."""
    if args.smtp_port is None:
        return ""
    from abusedesk.cli.commands.smtp import check_port, load_config

    config = load_config()
    check_port(args.host, args.smtp_port, "--smtp-port")
    return ", ".join(sorted(config.addresses))


def _launch(name: str, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """Start (or restart) one child of `up`: the web server, a job worker, the SMTP listener."""
    if name == "web":
        return _spawn_web(args)
    if name == "smtp":
        return _spawn([sys.executable, "-m", "abusedesk.cli", "smtp", "--host", args.host,
                       "--port", str(args.smtp_port)])
    if name == "worker-urgent":  # level with the web processes, whatever ABUSEDESK_WORKER_NICE says
        # "urgent" is jobs.core.URGENT_QUEUE, spelt out: `up` starts before Django is set up and loads no job code.
        return _spawn([sys.executable, "-m", "abusedesk.cli", "worker", "--queues", "urgent", "--nice", "0"])
    return _spawn([sys.executable, "-m", "abusedesk.cli", "worker", "--queues", "default,bulk"])


def _start_children(args: argparse.Namespace) -> dict[str, subprocess.Popen[bytes]]:
    # The urgent lane's worker takes only jobs above every filing job (jobs.core.queue_for) and runs screening: an
    # S0 never waits behind a batch, nor for a nice worker's share of a busy CPU. The others take everything else.
    urgent = ["worker-urgent"] if args.workers > 0 else []
    names = ["web", *urgent, *(f"worker-{index}" for index in range(max(0, args.workers)))]
    names += ["smtp"] if args.smtp_port is not None else []
    return {name: _launch(name, args) for name in names}


def _spawn(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=os.environ.copy())


def _spawn_web(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """gevent workers: a client that trickles its request gets a greenlet, not one of a few threads, so slow
    bodies cannot starve the server (docs/architecture.md). Production puts nginx in front as well."""
    if args.threads is not None:
        print("abusedesk: --threads is ignored (gevent web workers); use --connections", file=sys.stderr)
    return _spawn([sys.executable, "-m", "gunicorn", "abusedesk.wsgi:application",
                   "--bind", f"{args.host}:{args.port}", "--workers", str(max(1, args.web_processes)),
                   "--worker-connections", str(max(1, args.connections)), "--worker-class", "gevent",
                   "--access-logfile", "-", "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(M)sms',
                   "--graceful-timeout", "10", "--timeout", "60"])


def _announce(args: argparse.Namespace, data_dir: Path, password: str | None, mail_to: str) -> None:
    base = served_url(args.host, args.port)
    lines = [
        "", f"abusedesk is running at {base}/",
        f"  links in e-mails: {os.environ['ABUSEDESK_PUBLIC_URL']}/  (set ABUSEDESK_PUBLIC_URL to change)",
        f"  report form:     {base}/en/report/  (es, ar: /es/report/, /ar/report/)",
        f"  review console:  {base}/console/", f"  API + OpenAPI:   {base}/api/v1/openapi.json",
        f"  data directory:  {data_dir}",
    ]
    if mail_to:
        lines.append(f"  e-mail intake:   SMTP on {args.host}:{args.smtp_port} for {mail_to}")
    if password:
        lines.append(f"  log in as 'admin' with password: {password}")
        lines.append(f"  (also saved in {data_dir}/initial-admin-password)")
    else:
        lines.append("  log in with an existing account (`abusedesk createadmin` makes another)")
    lines.append("  stop with Ctrl+C\n")
    print("\n".join(lines), flush=True)


def _supervise(children: dict[str, subprocess.Popen[bytes]], args: argparse.Namespace) -> int:
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping:
        time.sleep(0.5)
        for name, proc in list(children.items()):
            if proc.poll() is not None and not stopping:
                print(f"abusedesk: {name} exited with {proc.returncode}; restarting", file=sys.stderr, flush=True)
                children[name] = _launch(name, args)
    for proc in children.values():
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0
