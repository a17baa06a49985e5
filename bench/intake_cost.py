"""Intake's CPU a report, in process: the API view beside a request that only stores the submission and its job.

What the intake share (bench/intake.py) is made of, without a web server: this process sets up a fresh desk on
PostgreSQL + Redis (as bench/intake.py does), then times with `time.process_time`, through `RequestFactory` (no
middleware), alternately:

- `view`: `POST /api/v1/reports` as shipped (token, rate limit, validation, reporter, submission, report,
  idempotency, audit event, the filing job);
- `store only`: the same token, rate limit and validation, the encrypted submission and its filing job in one
  transaction, and nothing else — the issue's "one-INSERT view" plus the checks every boundary must make. It is a
  measuring stick, not a request path the desk has: its job names a submission, not a report.

    python bench/intake_cost.py                 # 3 rounds of 250 posts each way
    python bench/intake_cost.py --posts 500 --rounds 5

Prints CPU ms a post per round and their ratio; writes bench/results/intake-cost-<date>.json. See
docs/benchmarks.md, "Cheaper screening, and two workers with the urgent lane".
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS, machine_info, pg_drop, write_json

from intake import PG_DB, Desk, make_bodies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=250, help="posts each way per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    print(f"machine: {machine_info()}", flush=True)
    desk = Desk("postgres", 0, [])
    try:
        token = desk.setup()
        os.environ.update(desk.env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "abusedesk.settings"
        rows = measure(token, args.posts, args.rounds)
    finally:
        from django.db import connections

        connections.close_all()
        pg_drop(PG_DB)
        shutil.rmtree(desk.data_dir, ignore_errors=True)
    out = args.out or RESULTS / f"intake-cost-{dt.date.today().isoformat()}.json"
    write_json(out, {"benchmark": "intake_cost", "command": " ".join(sys.argv), "machine": machine_info(),
                     "posts": args.posts, "rounds": rows})
    print(f"wrote {out}")
    return 0


def measure(token: str, posts: int, rounds: int) -> list[dict[str, Any]]:
    import django

    django.setup()
    logging.disable(logging.INFO)  # one log line a report would be timed too
    from django.test import RequestFactory
    from django.urls import resolve

    factory = RequestFactory()
    view = resolve("/api/v1/reports").func
    bodies = iter(make_bodies(posts * 2 * (rounds + 1), seed=int(time.time())))

    def timed(func: Callable[[Any], Any], n: int) -> float:
        started = time.process_time()
        for _ in range(n):
            request = factory.post("/api/v1/reports", data=next(bodies), content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {token}")
            response = func(request)
            assert response.status_code == 201, response.content
        return (time.process_time() - started) / n * 1000

    timed(view, 30), timed(store_only, 30)  # warm-up: imports, connections, caches
    rows = []
    print(f"   {'round':>5}  {'view ms':>8}  {'store only ms':>13}  {'ratio':>6}", flush=True)
    for number in range(1, rounds + 1):
        full, lean = timed(view, posts), timed(store_only, posts)
        rows.append({"round": number, "view_cpu_ms": round(full, 3), "store_only_cpu_ms": round(lean, 3),
                     "ratio": round(lean / full, 3)})
        print(f"   {number:>5}  {full:>8.2f}  {lean:>13.2f}  {lean / full:>6.0%}", flush=True)
    return rows


def store_only(request: Any) -> Any:
    """Token, rate limit and validation as the view does them; then the submission and its job, nothing else."""
    from django.db import transaction
    from django.http import JsonResponse

    from abusedesk.api.auth import token_from
    from abusedesk.common.crypto import blind_index
    from abusedesk.common.hashing import sha256_hex
    from abusedesk.common.net import client_ip
    from abusedesk.intake.models import Submission
    from abusedesk.intake.ratelimit import retry_after
    from abusedesk.intake.schema import parse_report
    from abusedesk.jobs import enqueue
    from abusedesk.misuse.policy import refuse_suspended
    from abusedesk.pipeline.tasks import process_report

    token = token_from(request)
    if retry_after(request, token) is not None:
        raise SystemExit("rate limited: the bench desk's token limit is too low")
    raw = request.body
    draft = parse_report(raw)
    refuse_suspended(email_index=blind_index("reporter-email", draft.reporter_email), token=token)
    with transaction.atomic():
        submission = Submission.objects.create(
            channel="api", content_type=request.content_type, raw=raw, raw_sha256=sha256_hex(raw), size=len(raw),
            client_index=blind_index("client", client_ip(request))[:64], token=token)
        enqueue(process_report, str(submission.pk), priority=50)
    return JsonResponse({"id": str(submission.pk), "status": "received"}, status=201)


if __name__ == "__main__":
    raise SystemExit(main())
