"""The edge-blocklist backend: an nginx `map` file the edge includes, so a blocked hostname is answered by the
edge itself (451 or 403) without waiting for the customer or the control plane.

The file is always rendered from the full desired state, never patched: the state is a small JSON file next to
the map (`<map>.state.json`) holding one entry per action, keyed by the action's idempotency key. Performing a
key that is already there changes nothing, so a retried job leaves the file byte-identical; `unblock(key)`
drops the entry (for reversing a decision after an upheld appeal) and renders again.

Each change is written atomically (temp file, fsync, rename), checked with EDGE_TEST_COMMAND (`nginx -t`), and
put live with EDGE_RELOAD_COMMAND (`nginx -s reload`). A file the check rejects is rolled back, with state, and
the action reports done=False with the error: retrying cannot fix it. A failing reload raises so the job retries;
the file stays, since it passed the check and the edge will load it on its next start anyway.

What is blocked (keep it simple; see docs/enforcement.md):
- terminate_service and suspend_service answer 451 Unavailable For Legal Reasons; restrict answers 403;
- only services the edge serves (proxy, hosting); DNS, registrar and e-mail services are not our edge's traffic;
- a domain property blocks the domain and every subdomain (`.forum.test` under `hostnames;`), a hostname
  property that exact name; IP-range properties have no hostname and are skipped (listed in the plan);
- a decision limited to some territories is left to the webhook backend: this map has no notion of country,
  and blocking worldwide would exceed the decision;
- a decision with a duration stops being rendered once it expires (`sync()` rewrites the file; schedule it).

Hostnames reach an nginx configuration file, so every value is checked against a strict pattern both when
planned and again when rendered: nothing from a report can add a directive.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from abusedesk.sdk.enforcement import ActionContext, ActionOutcome, EnforcementAction, PlannedAction, ServiceRef

logger = logging.getLogger("abusedesk.enforcement.edge")

HEADER = "# managed by abusedesk — do not edit"
VARIABLE = "$abusedesk_blocked"
STATUS = {"terminate_service": 451, "suspend_service": 451, "restrict": 403}
EDGE_SERVICE_KINDS = frozenset({"proxy", "hosting"})
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
State = dict[str, dict[str, Any]]


class EdgeReloadFailed(RuntimeError):
    """The reload command failed or timed out; raised so the job retries with backoff."""


class EdgeStateCorrupt(RuntimeError):
    """The state file cannot be read: rendering from nothing would silently unblock every site."""


# --- plan ------------------------------------------------------------------------------------------------

class EdgeBlocklistAction(EnforcementAction):
    name = "edge_blocklist"
    handles = frozenset(STATUS)

    def plan(self, ctx: ActionContext) -> PlannedAction | None:
        if ctx.outcome not in self.handles or ctx.territorial_scope:
            return None
        hosts, skipped = map_entries(ctx.services)
        if not hosts:
            return None
        return PlannedAction(kind=self.name, payload={
            "decision_id": ctx.decision_id, "outcome": ctx.outcome, "status": STATUS[ctx.outcome],
            "hosts": hosts, "skipped": skipped, "duration_days": ctx.duration_days})

    def perform(self, payload: dict[str, Any], *, idempotency_key: str) -> ActionOutcome:
        entry = _entry_from_payload(payload)
        if entry is None:
            return ActionOutcome(done=False, detail={"reason": "invalid_payload"})
        return _apply(lambda state: _add(state, idempotency_key, entry), hosts=entry["hosts"])

    def reverse(self, payload: dict[str, Any], *, idempotency_key: str) -> ActionOutcome:
        return unblock(idempotency_key)


def map_entries(services: Iterable[ServiceRef]) -> tuple[list[str], list[dict[str, str]]]:
    """Map keys for the services the edge serves, and what was left out with the reason why."""
    services = list(services)
    kinds = _property_kinds([s.id for s in services])
    hosts: set[str] = set()
    skipped: list[dict[str, str]] = []
    for service in services:
        value = service.property.lower()
        if service.kind not in EDGE_SERVICE_KINDS:
            skipped.append({"property": value, "reason": f"{service.kind} service is not served by the edge"})
        elif not HOSTNAME.fullmatch(value):
            skipped.append({"property": value, "reason": "not a hostname"})
        else:
            hosts.add("." + value if kinds.get(service.id, "hostname") == "domain" else value)
    return sorted(hosts), skipped


def _property_kinds(service_ids: list[str]) -> dict[str, str]:
    """Domain or exact hostname: ServiceRef does not say, so ask the database; unknown means exact (blocks less)."""
    from abusedesk.attribution.models import Service

    rows = Service.objects.filter(id__in=service_ids).values_list("id", "property__kind")
    return {str(service_id): str(kind) for service_id, kind in rows}


# --- perform and unblock ---------------------------------------------------------------------------------

def unblock(idempotency_key: str) -> ActionOutcome:
    """Remove the entry an action added (an upheld appeal reverses the decision); unknown keys change nothing."""
    return _apply(lambda state: state.pop(idempotency_key, None) is not None, hosts=[])


def sync() -> ActionOutcome:
    """Render the file from the state again: drops expired entries and repairs a hand-edited file."""
    return _apply(lambda state: False, hosts=[])


def _entry_from_payload(payload: dict[str, Any]) -> dict[str, Any] | None:
    hosts = payload.get("hosts")
    entry = {"decision_id": payload.get("decision_id"), "outcome": payload.get("outcome"),
             "status": payload.get("status"), "hosts": hosts, "expires_at": None}
    if not _valid_entry(entry):
        return None
    days = payload.get("duration_days")
    if isinstance(days, int) and days > 0:
        entry["expires_at"] = (timezone.now() + timedelta(days=days)).isoformat()
    return entry


def _valid_entry(entry: Any) -> bool:
    """Everything that reaches the nginx file: a known status, plain tokens, hostnames and nothing else."""
    if not isinstance(entry, dict) or entry.get("status") not in set(STATUS.values()):
        return False
    if not all(isinstance(entry.get(k), str) and _TOKEN.fullmatch(entry[k]) for k in ("decision_id", "outcome")):
        return False
    hosts = entry.get("hosts")
    return isinstance(hosts, list) and bool(hosts) and all(
        isinstance(h, str) and HOSTNAME.fullmatch(h.removeprefix(".")) for h in hosts)


def _add(state: State, key: str, entry: dict[str, Any]) -> bool:
    """Idempotent on the key: an entry already recorded is kept as it is (with its original expiry)."""
    if key in state:
        return False
    state[key] = entry
    return True


def _apply(change: Callable[[State], bool], *, hosts: list[str]) -> ActionOutcome:
    """Change the state, write map and state if anything differs, check, reload. One writer at a time."""
    map_path = _map_path()
    if map_path is None:
        return ActionOutcome(done=False, detail={"reason": "not_configured"})
    state_path = map_path.with_name(map_path.name + ".state.json")
    with _locked(map_path):
        old_map, old_state = _read(map_path), _read(state_path)
        state = _load_state(old_state)
        state_changed = change(state)
        new_map = render(state, now=timezone.now())
        written = state_changed or new_map != old_map
        if written:
            write_atomic(map_path, new_map)
            write_atomic(state_path, _dump_state(state))
            error = _run(_command("EDGE_TEST_COMMAND"))
            if error is not None:
                _restore(map_path, old_map)
                _restore(state_path, old_state)
                logger.error("edge blocklist rejected by the edge's config check; previous file restored")
                return ActionOutcome(done=False, detail={"reason": "config_check_failed", "error": error})
        _reload()
    return ActionOutcome(done=True, detail={"hosts": hosts, "file_changed": written})


def _reload() -> None:
    error = _run(_command("EDGE_RELOAD_COMMAND"))
    if error is not None:
        raise EdgeReloadFailed(f"edge reload failed: {error}")


# --- the file --------------------------------------------------------------------------------------------

def render(state: State, *, now: datetime) -> bytes:
    """The whole map from the active entries: sorted, so the same state always gives the same bytes."""
    by_host: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(state):
        entry = state[key]
        if _valid_entry(entry) and _active(entry, now):
            for host in entry["hosts"]:
                by_host.setdefault(host, []).append(entry)
    # `.x` already covers `x` under `hostnames;`, and nginx rejects the pair as a duplicate.
    hosts = sorted(h for h in by_host if "." + h not in by_host)
    lines = [HEADER, f"map $host {VARIABLE} {{", "    hostnames;", "    default 0;"]
    lines += [_line(host, by_host[host]) for host in hosts]
    return ("\n".join([*lines, "}"]) + "\n").encode()


def _line(host: str, entries: list[dict[str, Any]]) -> str:
    """The strongest answer wins when several decisions block one host (451 over 403)."""
    status = max(int(e["status"]) for e in entries)
    why = ", ".join(sorted({f"decision {e['decision_id']} {e['outcome']}" for e in entries}))
    return f"    {host} {status};   # {why}"


def _active(entry: dict[str, Any], now: datetime) -> bool:
    expires = entry.get("expires_at")
    return not expires or datetime.fromisoformat(str(expires)) > now


def _load_state(raw: bytes | None) -> State:
    if raw is None:
        return {}
    try:
        data = json.loads(raw)
        entries = data["entries"]
    except (ValueError, KeyError, TypeError) as exc:
        raise EdgeStateCorrupt(f"cannot read the edge blocklist state: {exc.__class__.__name__}") from None
    if not isinstance(entries, dict):
        raise EdgeStateCorrupt("cannot read the edge blocklist state: entries is not an object")
    return {str(k): v for k, v in entries.items()}


def _dump_state(state: State) -> bytes:
    return (json.dumps({"version": 1, "entries": state}, sort_keys=True, indent=1) + "\n").encode()


def write_atomic(path: Path, data: bytes) -> None:
    """Readers (nginx, a second worker) see the old file or the new one, never half of one, even after a crash."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _restore(path: Path, old: bytes | None) -> None:
    if old is None:
        path.unlink(missing_ok=True)
    else:
        write_atomic(path, old)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@contextmanager
def _locked(map_path: Path) -> Iterator[None]:
    """Two workers on one machine must not interleave read-modify-write of the same files."""
    map_path.parent.mkdir(parents=True, exist_ok=True)
    with open(map_path.with_name(map_path.name + ".lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


# --- settings and commands -------------------------------------------------------------------------------

def _map_path() -> Path | None:
    value = settings.EDGE_BLOCKLIST_PATH
    return Path(value) if value else None


def _command(name: str) -> list[str]:
    value = getattr(settings, name) or []
    return [str(part) for part in value]


def _run(command: list[str]) -> str | None:
    """Run a configured command (none configured: nothing to do); the error text, or None when it succeeded."""
    if not command:
        return None
    timeout = float(settings.EDGE_COMMAND_TIMEOUT_SECONDS)
    try:
        # The command is the operator's own setting (a list, no shell); nothing from a report reaches it.
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout,  # noqa: S603 - see above
                              check=False)
    except subprocess.TimeoutExpired:
        return f"{command[0]} did not finish within {timeout:g}s"
    except OSError as exc:
        return f"{command[0]}: {exc.strerror or exc.__class__.__name__}"
    if proc.returncode != 0:
        return (proc.stderr or proc.stdout).strip()[-500:] or f"{command[0]} exited with {proc.returncode}"
    return None
