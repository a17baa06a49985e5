"""Console queue benchmark: the review queue at N open cases, today's keyset page beside the old query shape.

Creates a fresh bench database (PostgreSQL `abusedesk_bench_console`, or SQLite in a temporary data directory),
runs `abusedesk migrate`, then bulk-loads N open cases straight into the tables (bulk_create in batches: customers,
properties, reporters, submissions, reports; no audit events, no jobs run) and a backlog of READY jobs. Then, in
this process, it times through Django's test client (the whole request: middleware, session, view, template):

- the first page, a filtered page (one severity) and a deep keyset page (the position 90% down the queue);
- for each, the queue's own query alone, and the old query shape (`Count("reports")` over every open case,
  ordered, the first 200 rows; a deep page as OFFSET) as the baseline;
- `/healthz` with the job backlog;
- the case page of one campaign case (`--campaign`, 20,000 reports about one URL, each with a finding and an
  evidence row that reuses one capture, as evidence/reuse.py makes them): its first page, its last page of reports
  and its first page of evidence (docs/console.md, large cases).

    python bench/console.py                             # PostgreSQL, 100,000 open cases
    python bench/console.py --db sqlite --cases 20000 --repeat 100

Prints p50/p95/p99 per measure, writes bench/results/console-<date>.json and drops the bench database.
See docs/benchmarks.md, "Console queue benchmark".
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, RESULTS, machine_info, pct, pg_create, pg_drop, run_cli, write_json

PG_DB = "abusedesk_bench_console"
SEVERITIES = [("S0", 0.002), ("S1", 0.15), ("S2", 0.25), ("S3", 0.598)]
LANES = [("authority", 0.03), ("trusted", 0.12), ("normal", 0.85)]
STATUSES = [("open", 0.8), ("awaiting_approval", 0.1), ("decided", 0.1)]


# --- the bench database --------------------------------------------------------------------------

def prepare(db: str) -> Path:
    """A fresh data directory (and PostgreSQL database), migrated; this process's environment points at it."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"abusedesk-bench-console-{db}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    env["ABUSEDESK_DATA_DIR"] = str(data_dir)
    if db == "postgres":
        env["ABUSEDESK_DATABASE_URL"] = pg_create(PG_DB)
    run_cli(env, "migrate")
    os.environ.clear()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "abusedesk.settings"
    warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected here
    import django

    django.setup()
    return data_dir


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


@contextmanager
def _stamps_as_given(*fields: Any) -> Iterator[None]:
    """Let bulk_create keep the times we give instead of `auto_now_add` (cases opened over the last weeks)."""
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def load(cases: int, closed: int, batch: int, seed: int) -> dict[str, Any]:
    """Customers, properties, N open cases with 1 to 20 reports each (most have one) and `closed` closed cases
    (without reports: neither query reads them, they only have to be skipped)."""
    from abusedesk.attribution.models import Customer, Property
    from abusedesk.cases.models import Case
    from abusedesk.intake.models import Report, Reporter

    rng = random.Random(seed)
    started = time.monotonic()
    n_customers = max(10, cases // 50)
    customers = Customer.objects.bulk_create(
        [Customer(external_id=f"bench-{i}", name=f"Customer {i}") for i in range(n_customers)], batch_size=batch)
    properties = Property.objects.bulk_create(
        [Property(customer=c, kind="domain", value=f"site{i}.bench.test") for i, c in enumerate(customers)],
        batch_size=batch)
    reporters = [Reporter.objects.create(kind="individual") for _ in range(40)]
    reports = 0
    with _stamps_as_given(Case._meta.get_field("opened_at"), Report._meta.get_field("received_at")):
        for is_open, first, end in ((True, 0, cases), (False, cases, cases + closed)):
            for made in range(first, end, batch):
                size = min(batch, end - made)
                reports += _load_batch([_case(rng, properties, i, is_open) for i in range(made, made + size)],
                                       reporters if is_open else [], rng, batch)
                print(f"   loaded {made + size:,}/{cases + closed:,} cases, {reports:,} reports", end="\r",
                      flush=True)
    print()
    return {"customers": n_customers, "open_cases": cases, "closed_cases": closed, "reports": reports,
            "load_s": round(time.monotonic() - started, 1)}


def _case(rng: random.Random, properties: list[Any], i: int, is_open: bool) -> Any:
    from abusedesk.cases.models import Case
    from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK

    prop = properties[rng.randrange(len(properties))]
    severity, lane = _pick(rng, SEVERITIES), _pick(rng, LANES)
    opened = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=rng.uniform(60, 30 * 86400))
    return Case(title=f"Reports about {prop.value}", severity=severity, severity_rank=SEVERITY_RANK[severity],
                status=_pick(rng, STATUSES) if is_open else "closed", lane=lane, lane_rank=LANE_RANK[lane],
                group_key=f"property:{prop.pk}:{i}", customer=prop.customer, property=prop, opened_at=opened,
                closed_at=None if is_open else opened + dt.timedelta(hours=1))


def _load_batch(rows: list[Any], reporters: list[Any], rng: random.Random, batch: int) -> int:
    from django.db import transaction

    from abusedesk.cases.models import Case

    with transaction.atomic():
        filed = Case.objects.bulk_create(rows)
        return _reports_for(filed, reporters, rng, batch) if reporters else 0


def _reports_for(cases: list[Any], reporters: list[Any], rng: random.Random, batch: int) -> int:
    from abusedesk.intake.models import Report, Submission

    submissions, reports = [], []
    for case in cases:
        for _ in range(1 if rng.random() < 0.9 else rng.randint(2, 20)):
            raw = f'{{"case": {case.pk}, "n": {len(reports)}}}'.encode()
            sub = Submission(channel="api", raw=raw, raw_sha256=hashlib.sha256(raw).hexdigest(), size=len(raw),
                             received_at=case.opened_at)
            submissions.append(sub)
            reports.append(Report(submission=sub, reporter=rng.choice(reporters), channel="api", lane=case.lane,
                                  category="spam", urls=[{"url": f"https://{case.property.value}/"}],
                                  explanation="bench", good_faith=True, status="in_case", case=case,
                                  received_at=case.opened_at, processed_at=case.opened_at))
    Submission.objects.bulk_create(submissions, batch_size=batch)
    Report.objects.bulk_create(reports, batch_size=batch)
    return len(reports)


def load_campaign(reports: int, batch: int) -> int | None:
    """One open campaign case with `reports` reports about one URL: each with a report-text finding and its own
    evidence row pointing at the first report's capture (`same_as`), as a campaign with capture on leaves them."""
    if reports <= 0:
        return None
    from django.db import transaction

    from abusedesk.attribution.models import Customer, Property
    from abusedesk.cases.models import Case, Finding
    from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK
    from abusedesk.evidence.models import Evidence
    from abusedesk.intake.models import Report, Reporter, Submission

    url = "https://campaign.bench.test/threads/42"
    now = dt.datetime.now(dt.UTC)
    customer = Customer.objects.create(external_id="bench-campaign", name="Campaign customer")
    prop = Property.objects.create(customer=customer, kind="domain", value="campaign.bench.test")
    reporter = Reporter.objects.create(kind="individual")
    with transaction.atomic():
        case = Case.objects.create(
            title=f"Reports about {prop.value}", severity="S1", severity_rank=SEVERITY_RANK["S1"], status="open",
            lane="normal", lane_rank=LANE_RANK["normal"], group_key=f"property:{prop.pk}:campaign", customer=customer,
            property=prop, reports_filed=reports, last_report_at=now, campaign_since=now - dt.timedelta(hours=2))
        capture = None
        for made in range(0, reports, batch):
            size = min(batch, reports - made)
            subs, rows = [], []
            for n in range(made, made + size):
                raw = f'{{"campaign": {n}}}'.encode()
                sub = Submission(channel="api", raw=raw, raw_sha256=hashlib.sha256(raw).hexdigest(), size=len(raw))
                subs.append(sub)
                rows.append(Report(submission=sub, reporter=reporter, channel="api", lane="normal",
                                   category="harassment", urls=[{"url": url, "host": prop.value}],
                                   explanation=f"Campaign report {n}: they keep posting about her.", good_faith=True,
                                   status="in_case", case=case, processed_at=now))
            Submission.objects.bulk_create(subs, batch_size=batch)
            Report.objects.bulk_create(rows, batch_size=batch)
            Finding.objects.bulk_create(
                [Finding(report=r, source="report_text", detector="harassment", detector_version="bench",
                         category="harassment", score=0.8) for r in rows], batch_size=batch)
            if capture is None:
                body = b"<html><body>the thread</body></html>"
                capture = Evidence.objects.create(
                    report=rows[0], case=case, url=url, status="captured", settled=True, http_status=200,
                    final_url=url, body=body, body_sha256=hashlib.sha256(body).hexdigest(), text="the thread",
                    text_sha256=hashlib.sha256(b"the thread").hexdigest(), fetched_by="bench", fetched_at=now)
                rows = rows[1:]
            Evidence.objects.bulk_create(
                [Evidence(report=r, case=case, url=url, status="captured", settled=True, http_status=200,
                          final_url=url, body_sha256=capture.body_sha256, text_sha256=capture.text_sha256,
                          fetched_by="bench", fetched_at=now, same_as=capture) for r in rows], batch_size=batch)
    return int(case.pk)


def load_jobs(ready: int, finished: int, seed: int, batch: int) -> None:
    """A backlog of READY jobs at the priorities the desk uses, enqueued over the last ten minutes, beside the
    history of finished ones (the library's READY index holds only the former)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)

    def job(status: str) -> Any:
        enqueued = now - dt.timedelta(seconds=rng.uniform(0, 600))
        return DBTaskResult(args_kwargs={"args": [], "kwargs": {}}, priority=rng.choice([100, 60, 50, 20, 10, 0, 0, 0]),
                            task_path="abusedesk.pipeline.tasks.process_report", queue_name="default",
                            backend_name="default", run_after=get_date_max(), exception_class_path="", traceback="",
                            status=status, enqueued_at=enqueued,
                            finished_at=None if status == "READY" else enqueued + dt.timedelta(seconds=1))

    with _stamps_as_given(DBTaskResult._meta.get_field("enqueued_at")):
        for start in range(0, ready + finished, batch):
            DBTaskResult.objects.bulk_create([job("READY" if i < ready else "SUCCESSFUL")
                                              for i in range(start, min(start + batch, ready + finished))])


def analyse(db: str) -> None:
    """What autovacuum and autoanalyze would have done by now: statistics, and the visibility map that lets
    PostgreSQL count from an index alone."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if db == "postgres" else "ANALYZE")


# --- what is timed --------------------------------------------------------------------------------

def old_queue(status: str = "", severity: str = "", offset: int = 0) -> list[Any]:
    """The queue's query before keyset pages (review/views.py up to this change): counts the reports of every open
    case, sorts them all, then keeps 200; a deep page can only be an OFFSET."""
    from django.db.models import Count

    from abusedesk.cases.models import Case, CaseStatus

    cases = (Case.objects.select_related("customer", "property").annotate(report_count=Count("reports"))
             .order_by("severity_rank", "lane_rank", "opened_at"))
    cases = cases.filter(status=status) if status else cases.exclude(status=CaseStatus.CLOSED)
    if severity:
        cases = cases.filter(severity=severity)
    return list(cases[offset:offset + 200])


def timed(func: Callable[[], Any], repeat: int, warmup: int = 3) -> dict[str, Any]:
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"n": repeat, "p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "p99_ms": pct(times, 99),
            "max_ms": round(times[-1], 1)}


def statements(func: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def deep_position(fraction: float) -> tuple[str, int]:
    """The queue position `fraction` of the way down the default view, and its offset."""
    from abusedesk.review.queue import ORDER, Position, filtered

    total = filtered("", "").count()
    offset = int(total * fraction)
    row = filtered("", "").order_by(*ORDER).values_list(*ORDER)[offset]
    return Position(*row).token(), offset


def scenarios(deep: str, offset: int) -> list[dict[str, Any]]:
    """(name, URL, new query alone, old query shape) for each page measured."""
    from abusedesk.review.queue import Position, queue_page

    after = Position.parse(deep)
    return [
        {"page": "first page", "url": "/console/", "new": lambda: queue_page("", ""), "old": lambda: old_queue()},
        {"page": "severity S2", "url": "/console/?severity=S2", "new": lambda: queue_page("", "S2"),
         "old": lambda: old_queue(severity="S2")},
        {"page": "status awaiting approval", "url": "/console/?status=awaiting_approval",
         "new": lambda: queue_page("awaiting_approval", ""), "old": lambda: old_queue(status="awaiting_approval")},
        {"page": f"deep page (position {offset:,})", "url": f"/console/?after={deep}",
         "new": lambda: queue_page("", "", after=after), "old": lambda: old_queue(offset=offset)},
    ]


def measure(repeat: int, old_repeat: int, campaign: int | None = None) -> list[dict[str, Any]]:
    from django.test import Client

    from abusedesk.accounts.models import User

    client = Client()
    client.force_login(User.objects.create_user(username=f"bench-{secrets.token_hex(3)}", role="analyst",
                                                password=secrets.token_urlsafe(18)))
    deep, offset = deep_position(0.9)
    rows = []
    for case in scenarios(deep, offset):
        url = case["url"]

        def view(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        row = {"page": case["page"], "url": url, "view": timed(view, repeat), "view_sql_statements": statements(view),
               "query": timed(case["new"], repeat), "old_query": timed(case["old"], old_repeat, warmup=1)}
        rows.append(row)
        _print_row(row)
    from abusedesk.jobs.backlog import snapshot
    from abusedesk.review.queue import severity_totals

    for name, func in (("  of which: totals per severity", lambda: severity_totals("")),
                       ("  of which: job backlog figures", snapshot)):
        part = {"page": name, "url": "", "query": timed(func, repeat), "view_sql_statements": statements(func)}
        rows.append(part)
        _print_row(part)
    if campaign is not None:
        from abusedesk.cases.models import Case

        last = max(1, -(-Case.objects.get(pk=campaign).reports.count() // 50))
        for name, url in (("campaign case, first page", f"/console/cases/{campaign}/"),
                          (f"campaign case, reports page {last}", f"/console/cases/{campaign}/?reports={last}"),
                          ("campaign case, evidence page 1", f"/console/cases/{campaign}/?evidence=1")):

            def page(url: str = url) -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            row = {"page": name, "url": url, "view": timed(page, max(20, repeat // 4)),
                   "view_sql_statements": statements(page), "bytes": len(client.get(url).content)}
            rows.append(row)
            _print_row(row)
    health = {"page": "/healthz (with the job backlog)", "url": "/healthz",
              "view": timed(lambda: client.get("/healthz"), repeat), "view_sql_statements": statements(
                  lambda: client.get("/healthz"))}
    rows.append(health)
    _print_row(health)
    return rows


def _cell(figures: dict[str, Any] | None) -> str:
    if not figures:
        return f"{'-':>24}"
    return f"{figures['p50_ms']:>7} {figures['p95_ms']:>7} {figures['p99_ms']:>8}"


def _print_row(row: dict[str, Any]) -> None:
    print(f"   {row['page']:<34} {_cell(row.get('view'))}  {_cell(row.get('query'))}  {_cell(row.get('old_query'))}"
          f"  {row['view_sql_statements']:>4}", flush=True)


def explain(db: str, deep: str) -> dict[str, str]:
    """The plans of the new page query (first page and deep page), to show they read an index and stop."""
    from abusedesk.review.queue import Position, RowCompare, filtered

    first = filtered("", "").order_by("severity_rank", "lane_rank", "opened_at", "id")[:51]
    deep_q = filtered("", "").filter(RowCompare(">", Position.parse(deep))).order_by(
        "severity_rank", "lane_rank", "opened_at", "id")[:51]
    return {"first": first.explain(), "deep": deep_q.explain()}


def run_one(db: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n== {db}: {args.cases:,} open and {args.closed:,} closed cases, {args.jobs:,} READY and "
          f"{args.finished_jobs:,} finished jobs", flush=True)
    data_dir = prepare(db)
    try:
        loaded = load(args.cases, args.closed, args.batch, args.seed)
        campaign = load_campaign(args.campaign, args.batch)
        load_jobs(args.jobs, args.finished_jobs, args.seed, args.batch)
        analyse(db)
        print(f"   loaded in {loaded['load_s']} s: {loaded['reports']:,} reports, {loaded['customers']:,} customers")
        print(f"   {'':<34} {'view (test client), ms':>24}  {'new query alone, ms':>24}  {'old query shape, ms':>24}"
              f"  {'SQL':>4}")
        print(f"   {'':<34} {'p50     p95      p99':>24}  {'p50     p95      p99':>24}  {'p50     p95      p99':>24}")
        rows = measure(args.repeat, args.old_repeat, campaign)
        plans = explain(db, next(r["url"] for r in rows if "after=" in r["url"]).split("after=", 1)[1])
        if args.plans:
            print("   plan, first page:\n" + plans["first"] + "\n   plan, deep page:\n" + plans["deep"])
        return {"db": db, **loaded, "campaign_reports": args.campaign, "ready_jobs": args.jobs,
                "finished_jobs": args.finished_jobs, "runs": rows,
                "plans": plans}
    finally:
        from django.db import connections

        connections.close_all()
        if db == "postgres" and not args.keep:
            pg_drop(PG_DB)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="postgres")
    parser.add_argument("--cases", type=int, default=100_000, help="open cases to load")
    parser.add_argument("--closed", type=int, default=100_000, help="closed cases to load beside the open ones")
    parser.add_argument("--jobs", type=int, default=20_000, help="READY jobs to load (the backlog /healthz reads)")
    parser.add_argument("--finished-jobs", type=int, default=100_000, help="finished jobs to load beside them")
    parser.add_argument("--campaign", type=int, default=20_000,
                        help="reports in the one campaign case whose case page is measured (0: none)")
    parser.add_argument("--repeat", type=int, default=200, help="requests per page measured")
    parser.add_argument("--old-repeat", type=int, default=40, help="runs of the old query shape per page")
    parser.add_argument("--batch", type=int, default=5000, help="rows per bulk_create")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--plans", action="store_true", help="print the query plans of the new page")
    parser.add_argument("--keep", action="store_true", help="keep the data directory (and PostgreSQL database)")
    parser.add_argument("--out", type=Path, default=None, help="JSON result path")
    args = parser.parse_args(argv)
    if args.db == "both":  # Django is set up once per process: one child per database
        for db in ("postgres", "sqlite"):
            rest = _without_db(argv if argv is not None else sys.argv[1:])
            subprocess.run([sys.executable, __file__, *rest, "--db", db], check=True)
        return 0
    info = machine_info()
    print(f"machine: {info['nproc']} cpus ({info['cpu_model']}), Python {info['python']}, "
          f"PostgreSQL {info['postgresql']}, {info['date_utc']} UTC, load average {os.getloadavg()[0]:.2f}")
    result = run_one(args.db, args)
    out = args.out or RESULTS / f"console-{args.db}-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}.json"
    write_json(out, {"benchmark": "console", "command": [Path(sys.executable).name, *sys.argv], "machine": info,
                     "settings": {"repeat": args.repeat, "old_repeat": args.old_repeat, "batch": args.batch,
                                  "seed": args.seed}, **result})
    print(f"\nwrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    return 0


def _without_db(argv: list[str]) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--db":
            skip = True
        elif not arg.startswith("--db="):
            out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main())
