"""Running a drill: the whole pipeline, offline, against a loopback forum whose posts appear on a simulated clock.

Events are processed in time order: the forum's clock is set, reports arrive through the real intake service,
watched threads are re-fetched on the drill's interval, staff actions go through `cases.actions`; after each
event every ready job runs. The real clock still runs underneath (timestamps in the database are real): the
runner maps each audit event and page to the simulated time of the event that caused it, and measures the wall
time from that event to the page reaching the on-call webhook.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core import mail
from django.test.utils import override_settings
from django.utils import timezone

from abusedesk.drills.spec import Drill, DrillError
from abusedesk.testing.peers import WebhookReceiver
from abusedesk.watch.timeparse import format_offset, parse_offset


@dataclass
class _State:
    sim: float = 0.0
    event_time: dict[int, float] = field(default_factory=dict)
    last_event_id: int = 0  # audit events are numbered by insertion (id); seq comes when sealed
    alerts: list[dict[str, Any]] = field(default_factory=list)
    seen_pages: set[str] = field(default_factory=set)
    last_decision: Any = None
    last_appeal: Any = None
    event_wall: float = 0.0


class DrillRunner:
    def __init__(self, drill: Drill, *, outbox: Path | None = None) -> None:
        self.drill = drill
        self.outbox = outbox
        self.state = _State()
        self.staff: dict[str, Any] = {}
        self.url_map: dict[str, str] = {}

    # --- set-up ------------------------------------------------------------------------------------------
    def _settings(self, forum_port: int, pager_port: int) -> dict[str, Any]:
        hosts = {site["domain"]: "127.0.0.1" for site in self.drill.sites}
        hosts["oncall.drill.test"] = "127.0.0.1"
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "EVIDENCE_STATIC_HOSTS": hosts,
                "EVIDENCE_ALLOW_NETWORKS": ["127.0.0.1/32"], "ONCALL_EMAILS": [],
                "ONCALL_WEBHOOK_URL": f"http://oncall.drill.test:{pager_port}/page",
                "INTAKE_RATE_ANONYMOUS": "100000/m", "WATCH_INTERVAL_SECONDS": int(self.drill.watch_interval_s),
                "EVIDENCE_DEADLINE_SECONDS": 10.0}

    def _local(self, url: str, port: int) -> str:
        match = re.match(r"^https?://([^/:]+)(?::\d+)?(/.*)?$", url)
        if not match:
            raise DrillError(f"reports: URL {url!r} is not http(s)")
        local = f"http://{match.group(1)}:{port}{match.group(2) or '/'}"
        self.url_map[local] = url
        return local

    def _setup_people(self) -> None:
        from abusedesk.accounts.models import User
        from abusedesk.attribution.importer import import_records
        from abusedesk.triage.models import OnCallShift

        import_records(self.drill.customers, actor="drill")
        for person in self.drill.staff:
            user = User.objects.filter(username=person["username"]).first() or User.objects.create_user(
                username=person["username"], password=secrets.token_urlsafe(16), role=person.get("role", "analyst"),
                email=f"{person['username']}@staff.drill.test")
            self.staff[person["username"]] = user
        now = timezone.now()
        for order, username in enumerate(self.drill.oncall or list(self.staff)[:2]):
            if username in self.staff:
                OnCallShift.objects.create(user=self.staff[username], starts_at=now - timedelta(hours=1),
                                           ends_at=now + timedelta(days=3), order=order)

    # --- the run -----------------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        from abusedesk.watch.forum import ScenarioForum

        wall_start = time.perf_counter()
        forum = ScenarioForum(self.drill.sites, start=self.drill.start)
        pager = WebhookReceiver(status=204)
        try:
            with override_settings(**self._settings(forum.port, pager.port)):
                mail.outbox = []
                self._setup_people()
                self._catch_up()
                for sim, kind, payload in self._events():
                    self._step(forum, sim, kind, payload, pager)
                result = self._result(pager)
        finally:
            forum.close()
            pager.close()
        result["wall_seconds"] = round(time.perf_counter() - wall_start, 2)
        return result

    def _events(self) -> list[tuple[float, str, Any]]:
        events: list[tuple[float, str, Any]] = []
        order = {"report": 1, "watch": 2, "action": 3}
        for report in self.drill.reports:
            events.append((parse_offset(report["at"]), "report", report))
        tick = 0.0
        while tick <= self.drill.duration_s:
            events.append((tick, "watch", None))
            tick += self.drill.watch_interval_s
        for action in self.drill.actions:
            events.append((parse_offset(action["at"]), "action", action))
        return sorted(events, key=lambda e: (e[0], order[e[1]]))

    def _step(self, forum: Any, sim: float, kind: str, payload: Any, pager: WebhookReceiver) -> None:
        forum.set_clock(sim)
        self.state.sim = sim
        self.state.event_wall = time.perf_counter()
        if kind == "report":
            self._report(payload, forum.port)
        elif kind == "watch":
            self._watch_tick()
        else:
            self._action(payload)
        self._drain()
        self._catch_up()
        self._collect_alerts(pager)

    def _drain(self) -> None:
        from abusedesk.jobs.worker import run_pending_jobs

        while run_pending_jobs(max_tasks=500):
            pass

    def _catch_up(self) -> None:
        """Give every audit event written since the last step the simulated time of this step."""
        from abusedesk.audit.models import AuditEvent

        for event_id in AuditEvent.objects.filter(id__gt=self.state.last_event_id).values_list("id", flat=True):
            self.state.event_time[event_id] = self.state.sim
            self.state.last_event_id = event_id

    def _report(self, spec: dict[str, Any], port: int) -> None:
        from abusedesk.intake.schema import parse_report
        from abusedesk.intake.service import accept

        if "raw" in spec or "eml" in spec:
            self._email(spec, port)
            return
        body: dict[str, Any] = {k: spec[k] for k in ("category", "explanation", "reporter", "share_identity",
                                                     "language") if k in spec}
        body.update(urls=[self._local(u, port) for u in spec["urls"]], good_faith=spec.get("good_faith", True))
        raw = json.dumps(body, ensure_ascii=False).encode()
        accept(parse_report(raw), channel=spec.get("channel", "api"), raw=raw, content_type="application/json",
               client_ip="127.0.0.1")

    def _email(self, spec: dict[str, Any], port: int) -> None:
        """An e-mail report: the message is stored as `abusedesk mail ingest` stores a file, and its reading job runs
        with the others. Links to the drill's sites are pointed at the loopback forum (plain-text occurrences)."""
        from abusedesk.intake.email.store import store_raw

        raw = spec["raw"].encode("utf-8") if "raw" in spec else Path(spec["eml"]).read_bytes()
        store_raw(self._local_links(raw, port), source="file")

    def _local_links(self, raw: bytes, port: int) -> bytes:
        if not self.drill.sites:
            return raw
        domains = "|".join(re.escape(site["domain"]) for site in self.drill.sites).encode()
        link = re.compile(rb"https?://(?:" + domains + rb")(?![\w.-])(?::\d+)?(?:/[^\s<>\"'\]\)]*)?", re.IGNORECASE)
        return link.sub(lambda m: self._local(m.group().decode("latin-1"), port).encode("latin-1"), raw)

    def _watch_tick(self) -> None:
        from abusedesk.watch.models import WatchedThread
        from abusedesk.watch.service import refetch

        for thread_id in WatchedThread.objects.filter(active=True).values_list("pk", flat=True):
            refetch.call(str(thread_id))

    # --- staff actions -----------------------------------------------------------------------------------
    def _user(self, action: dict[str, Any]) -> Any:
        name = action.get("by", "")
        if name not in self.staff:
            raise DrillError(f"actions: 'by' names {name!r}, who is not in staff")
        return self.staff[name]

    def _case(self, ref: Any) -> Any:
        from abusedesk.cases.models import Case
        from abusedesk.triage.targets import matching

        if isinstance(ref, str) and ref.startswith("@target:"):
            cases = [c for t in matching(ref.removeprefix("@target:")) for c in t.cases.all()]
            if not cases:
                raise DrillError(f"actions: no case for {ref} (no target with that name or alias yet)")
            return sorted(cases, key=lambda c: (c.severity_rank, c.opened_at))[0]
        try:
            return Case.objects.get(pk=int(ref))
        except (Case.DoesNotExist, ValueError, TypeError):
            raise DrillError(f"actions: no case {ref!r}") from None

    def _action(self, action: dict[str, Any]) -> None:
        from abusedesk.cases import actions as case_actions

        user = self._user(action)
        try:
            if "decide" in action:
                self._decide(action["decide"], user)
            elif "approve" in action:
                decision = self.state.last_decision if action["approve"] == "@last" else action["approve"]
                case_actions.do_approve(decision, acting_user=user, authenticated_at=timezone.now())
            elif "appeal" in action:
                self._appeal(action["appeal"])
            elif "review_appeal" in action:
                self._review(action["review_appeal"], user)
            elif "acknowledge" in action:
                self._acknowledge(action["acknowledge"], user)
        except case_actions.ActionRefused as exc:
            self.state.alerts.append({"refused": str(exc), "at": format_offset(self.state.sim)})

    def _decide(self, spec: dict[str, Any], user: Any) -> None:
        from abusedesk.cases import actions as case_actions
        from abusedesk.cases.models import PolicyClause

        policy = PolicyClause.objects.filter(code=spec.get("policy"), active=True).order_by("-version").first()
        if policy is None:
            raise DrillError(f"actions: unknown policy clause {spec.get('policy')!r}")
        data = case_actions.DecisionInput(outcome=spec["outcome"], policy_id=policy.pk,
                                          reasoning=spec.get("reasoning", ""), facts=spec.get("facts", ""),
                                          notice_hours=int(spec.get("notice_hours", 0)))
        self.state.last_decision = case_actions.do_decide(self._case(spec.get("case")), data, acting_user=user,
                                                          emergency=bool(spec.get("emergency", False)))

    def _appeal(self, spec: dict[str, Any]) -> None:
        from abusedesk.appeals import service
        from abusedesk.cases.models import Notice

        role = spec.get("role", "customer")
        kind = "statement_of_reasons" if role == "customer" else "reporter_outcome"
        pattern = re.compile(r"/appeal/([\w-]+)/")
        links = [pattern.search(n.body) for n in Notice.objects.filter(kind=kind).order_by("created_at")]
        tokens = [m.group(1) for m in links if m]
        if not tokens:
            raise DrillError(f"actions: no appeal link has been sent to the {role} yet")
        self.state.last_appeal = service.submit(tokens[-1], spec.get("grounds", ""))

    def _review(self, spec: dict[str, Any], user: Any) -> None:
        from abusedesk.appeals import service

        service.review(self.state.last_appeal, upheld=bool(spec.get("upheld")), reasoning=spec.get("reasoning", ""),
                       acting_user=user)

    def _acknowledge(self, ref: Any, user: Any) -> None:
        from abusedesk.triage.models import Page
        from abusedesk.triage.paging import acknowledge

        for page in Page.objects.filter(case=self._case(ref), acknowledged_at__isnull=True):
            acknowledge(page, acting_user=user)

    # --- results -----------------------------------------------------------------------------------------
    def _collect_alerts(self, pager: WebhookReceiver) -> None:
        from abusedesk.triage.models import Page

        for page in Page.objects.select_related("case").order_by("created_at"):
            if str(page.pk) in self.state.seen_pages:
                continue
            self.state.seen_pages.add(str(page.pk))
            arrivals = [c["received"] for c in pager.calls if c["json"] and c["json"].get("page") == str(page.pk)]
            trigger = dict(page.trigger)
            if "url" in trigger:
                trigger["url"] = self.url_map.get(trigger["url"], trigger["url"])
            self.state.alerts.append({
                "severity": page.severity, "at": format_offset(self.state.sim),
                "wall_ms": round((arrivals[0] - self.state.event_wall) * 1000) if arrivals else None,
                "case": page.case_id, "target": ", ".join(t.name for t in page.case.targets.all()),
                "trigger": trigger, "reason": page.reason, "channels": sorted(page.delivered)})

    def _history(self, case: Any) -> list[dict[str, Any]]:
        from abusedesk.audit.models import AuditEvent

        history = []
        events = AuditEvent.objects.filter(object_type="case", object_id=str(case.pk),
                                           verb__in=["case.opened", "case.severity_raised", "case.severity_changed"])
        for event in events.order_by("id"):
            severity = event.payload.get("severity") or event.payload.get("to")
            history.append({"at": format_offset(self.state.event_time.get(event.id, self.state.sim)),
                            "severity": severity, "reason": event.payload.get("reason", "")})
        return history

    def _result(self, pager: WebhookReceiver) -> dict[str, Any]:
        from abusedesk.cases.models import Case
        from abusedesk.referrals.models import Referral

        cases = []
        for case in Case.objects.order_by("pk"):
            cases.append({"id": case.pk, "severity": case.severity, "severity_history": self._history(case),
                          "targets": sorted(t.name for t in case.targets.all()), "reports": case.reports.count(),
                          "decisions": [{"outcome": d.outcome, "status": d.status,
                                         "approved_by": [a.approver.username for a in d.approvals.all()]}
                                        for d in case.decisions.order_by("decided_at")]})
        referrals = [{"case": r.case_id, "jurisdiction": r.jurisdiction, "authority": r.authority,
                      "dsa_article_18": r.dsa_article_18} for r in Referral.objects.order_by("created_at")]
        return {"scenario": self.drill.name, "alerts": self.state.alerts, "cases": cases, "referrals": referrals,
                "outbox": self._outbox(pager)}

    def _outbox(self, pager: WebhookReceiver) -> list[dict[str, Any]]:
        from abusedesk.cases.models import Notice

        roles = {f"<notice-{n.pk}": (n.recipient_role, n.kind) for n in Notice.objects.all()}
        entries: list[dict[str, Any]] = []
        for i, message in enumerate(mail.outbox, start=1):
            msg_id = str(message.extra_headers.get("Message-ID", ""))
            role, kind = next((v for k, v in roles.items() if msg_id.startswith(k)), ("oncall", "page"))
            name = f"{i:04d}-{kind.replace('_', '-')}-{role}.eml"
            entries.append({"file": name, "to_role": role, "channel": "email", "kind": kind})
            if self.outbox:
                (self.outbox / name).write_bytes(message.message().as_bytes())
        for j, call in enumerate(pager.calls, start=len(entries) + 1):
            name = f"{j:04d}-page-oncall.json"
            entries.append({"file": name, "to_role": "oncall", "channel": "webhook", "kind": "page"})
            if self.outbox:
                (self.outbox / name).write_text(json.dumps({"headers": call["headers"], "body": call["json"]},
                                                           indent=2, ensure_ascii=False))
        return entries


def load(path: Path) -> Drill:
    from abusedesk.drills.spec import parse

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DrillError(f"(file): not valid JSON: {exc.msg} at line {exc.lineno}") from None
    return parse(data, base=path.parent)


