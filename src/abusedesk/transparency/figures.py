"""The raw figures of a transparency report, counted in the database.

Each function returns a `RawTable` of exact counts (suppression happens later, in report.py, so that the
rule is applied in one place). Queries group and count in SQL; nothing here loops over decisions or
reports one query at a time. What is counted:

- notices: reports *received* in the period (received_at), whatever happened to them later;
- actions: decisions that *took effect* in the period (effective_at in the period), including those
  reversed on appeal afterwards; voided decisions and decisions still awaiting approval are not actions;
- time to action: per case, from the earliest report on the case to the first effective decision in the
  period that did something (every outcome but no_action).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Count, Min, QuerySet

from abusedesk.cases.models import Automation, Decision, DecisionStatus, Ground, Outcome
from abusedesk.intake.models import Category, Channel, Lane, Report, ReportStatus
from abusedesk.transparency import sources
from abusedesk.transparency.period import Period


@dataclass(frozen=True)
class RawTable:
    name: str  # file-safe identifier, also the CSV file name
    title: str
    rows: list[tuple[str, str, int]]  # (key, label, exact count)
    note: str = ""
    row_heading: str = "Category"

    @property
    def total(self) -> int:
        return sum(count for _, _, count in self.rows)


@dataclass(frozen=True)
class Durations:
    """Hours from notice to action, one value per case."""

    hours: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return round(statistics.median(self.hours), 1) if self.hours else None

    @property
    def p90(self) -> float | None:
        """Nearest-rank 90th percentile: the smallest value at or above 90% of the cases."""
        if not self.hours:
            return None
        ordered = sorted(self.hours)
        return round(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)], 1)


SOURCE_LABELS = {
    Lane.NORMAL: "Individuals and organisations (Art. 16 notices)",
    Lane.TRUSTED: "Trusted flaggers (Art. 22)",
    Lane.AUTHORITY: "Authorities (Art. 9 orders and notices)",
}
HANDLING_LABELS = {
    "attributed": "Attributed to a customer (case opened)",
    ReportStatus.NOT_OUR_CUSTOMER: "Answered: not our customer",
    ReportStatus.RECEIVED: "Not yet processed",
}


def notices(period: Period) -> QuerySet[Report]:
    return Report.objects.filter(received_at__gte=period.start, received_at__lt=period.end)


def actions(period: Period) -> QuerySet[Decision]:
    """Decisions that took effect in the period. Only taking effect sets effective_at; a decision reversed
    on appeal later still took effect (the appeal is counted in the appeals tables), a voided one never did."""
    return (Decision.objects.filter(effective_at__gte=period.start, effective_at__lt=period.end)
            .exclude(status=DecisionStatus.VOIDED))


def _counts(queryset: QuerySet[Any], column: str) -> Counter[str]:
    """{value of column: count}, grouped in SQL. order_by() drops any default ordering from GROUP BY."""
    rows = queryset.order_by().values(column).annotate(n=Count("pk")).values_list(column, "n")
    return Counter({str(key): n for key, n in rows})


def _choice_rows(counts: Counter[str], choices: Iterable[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """Every choice, zeros included (a published 0 is information too), then any unexpected value."""
    rows = [(str(key), str(label), counts.get(str(key), 0)) for key, label in choices]
    known = {key for key, _, _ in rows}
    rows += [(key, key, n) for key, n in sorted(counts.items()) if key not in known]
    return rows


def notices_by_category(period: Period) -> RawTable:
    return RawTable("notices_by_category", "Notices by category",
                    _choice_rows(_counts(notices(period), "category"), Category.choices))


def notices_by_source(period: Period) -> RawTable:
    """Authority and trusted: the lane, which only a token gives (a self-declared kind is a claim, not a source)."""
    source = models.Case(models.When(sources.authority_filter(), then=models.Value(Lane.AUTHORITY)),
                         default=models.F("lane"), output_field=models.CharField())
    return RawTable("notices_by_source", "Notices by source",
                    _choice_rows(_counts(notices(period).annotate(source=source), "source"), SOURCE_LABELS.items()),
                    row_heading="Source",
                    note="Trusted flaggers are recognised by their API token, not by what a reporter says; "
                         "authorities likewise by their token (their orders are checked before anyone acts on "
                         "them).")


def notices_by_channel(period: Period) -> RawTable:
    return RawTable("notices_by_channel", "Notices by channel",
                    _choice_rows(_counts(notices(period), "channel"), Channel.choices), row_heading="Channel")


def notice_handling(period: Period) -> RawTable:
    counts = _counts(notices(period), "status")
    grouped = Counter({"attributed": counts.get(ReportStatus.IN_CASE, 0) + counts.get(ReportStatus.CLOSED, 0),
                       ReportStatus.NOT_OUR_CUSTOMER: counts.get(ReportStatus.NOT_OUR_CUSTOMER, 0),
                       ReportStatus.RECEIVED: counts.get(ReportStatus.RECEIVED, 0)})
    return RawTable("notice_handling", "Notices by handling", _choice_rows(grouped, HANDLING_LABELS.items()),
                    row_heading="Handling",
                    note="'Not our customer': we neither host nor serve the reported address; the reporter was "
                         "told so and, where we know it, who does.")


def authority_notices_by_country(period: Period) -> RawTable:
    rows = [(o["country"], "Unknown" if o["country"] == "unknown" else o["country"], o["count"])
            for o in sources.authority_orders_in(period)]
    return RawTable("authority_notices_by_country", "Authority orders by issuing country", rows,
                    row_heading="Country",
                    note="ISO 3166 code of the issuing authority's country as stated in the order; 'unknown' "
                         "where the order did not say.")


def actions_by_ground(period: Period) -> RawTable:
    return RawTable("actions_by_ground", "Decisions taking effect, by ground",
                    _choice_rows(_counts(actions(period), "ground"), Ground.choices), row_heading="Ground")


def actions_by_outcome(period: Period) -> RawTable:
    return RawTable("actions_by_outcome", "Decisions taking effect, by outcome",
                    _choice_rows(_counts(actions(period), "outcome"), Outcome.choices), row_heading="Outcome")


def actions_by_policy(period: Period) -> RawTable:
    rows = (actions(period).order_by().values("policy__code", "policy__version", "policy__title")
            .annotate(n=Count("pk")).order_by("policy__code", "policy__version"))
    return RawTable("actions_by_policy", "Decisions taking effect, by policy clause",
                    [(f"{r['policy__code']}@{r['policy__version']}",
                      f"{r['policy__title']} ({r['policy__code']} v{r['policy__version']})", r["n"]) for r in rows],
                    row_heading="Policy clause")


def automated_detection(period: Period) -> RawTable:
    counts = _counts(actions(period), "automated_detection")
    return RawTable("automated_detection", "Decisions taking effect, by automated detection",
                    [("yes", "Detected by automated means", counts.get("True", 0)),
                     ("no", "Not detected by automated means", counts.get("False", 0))],
                    row_heading="Detection")


def automated_decision(period: Period) -> RawTable:
    return RawTable("automated_decision", "Decisions taking effect, by automation of the decision",
                    _choice_rows(_counts(actions(period), "automated_decision"), Automation.choices),
                    row_heading="Automation")


def time_to_action(period: Period) -> Durations:
    """Per case: earliest report received → first effective, acting decision in the period (hours)."""
    rows = (actions(period).exclude(outcome=Outcome.NO_ACTION).order_by().values("case_id")
            .annotate(acted=Min("effective_at"), noticed=Min("case__reports__received_at"))
            .values_list("acted", "noticed"))
    return Durations([_hours(noticed, acted) for acted, noticed in rows if noticed is not None])


def _hours(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 3600)


def appeals_by_outcome(period: Period) -> RawTable:
    counts = Counter(str(row.get("status", "unknown")) for row in sources.appeals_in(period))
    labels = [("pending", "Pending review"), ("upheld", "Upheld (decision reversed)"),
              ("rejected", "Rejected (decision stands)")]
    return RawTable("appeals_by_outcome", "Appeals (Art. 20) submitted in the period, by outcome",
                    _choice_rows(counts, labels), row_heading="Outcome")


def appeals_by_role(period: Period) -> RawTable:
    counts = Counter(str(row.get("role", "unknown")) for row in sources.appeals_in(period))
    return RawTable("appeals_by_role", "Appeals (Art. 20) submitted in the period, by appellant",
                    _choice_rows(counts, [("customer", "Customer"), ("reporter", "Reporter")]),
                    row_heading="Appellant")


def misuse_suspensions(period: Period) -> RawTable:
    counts = Counter(str(row["kind"]) for row in sources.misuse_suspensions_in(period))
    labels = [("unfounded_notices", "Notifiers suspended for frequent manifestly unfounded notices (Art. 23(2))"),
              ("illegal_content", "Customers suspended for frequent manifestly illegal content (Art. 23(1))")]
    return RawTable("misuse_suspensions", "Suspensions for misuse (Art. 23) started in the period",
                    _choice_rows(counts, labels), row_heading="Suspended",
                    note="Suspensions follow a warning. Terminating or suspending a customer's service for a "
                         "decision is counted under decisions, not here.")


TABLES = (notices_by_category, notices_by_source, authority_notices_by_country, notices_by_channel,
          notice_handling, actions_by_ground, actions_by_outcome, actions_by_policy, automated_detection,
          automated_decision, appeals_by_outcome, appeals_by_role, misuse_suspensions)
