"""The neutral summary of a site assessment that a decision cites, in the words both statements of reasons use.

The public DSA statement (transparency/statements.py) ends its facts with it, in English; the customer's own
statement of reasons (enforcement/statement.py) carries the same summary in the customer's language. One formatter
for both, so the customer reads exactly what the public statement says about them. It lives here, in the app that
stores the assessment (an Evidence row whose `headers` hold the card assess/store.py writes), because enforcement
sits below `assess` and may not import it (docs/architecture.md).

Numbers, months, label names (the report categories' names, in the reader's language), detector versions and the
profile's hash only: the card's pseudonymous targets,
threads and input files are never read, and the encrypted body (which holds the posts) is not loaded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _


def decision_summary(card: dict[str, Any], profile_sha256: str) -> str:
    """A cited assessment as a statement of reasons gives it: posts assessed, the months covered, per label the
    count, the rate per 1,000 posts and its 95 % interval, the detector versions and the profile's hash, in the
    active language (numbers formatted for it)."""
    months = [m["month"] for m in card.get("months", []) if m.get("posts")]
    period = (_("posts dated %(first)s to %(last)s") % {"first": months[0], "last": months[-1]} if months
              else _("no post carried a date"))
    labels = "; ".join(_label(label, v) for label, v in card.get("labels", {}).items())
    text = _("The decision concerns the whole site. It relies on a site assessment in which our automated "
             "detectors scored every post of the site's archive: %(posts)s posts assessed (%(period)s). Posts per "
             "label: %(labels)s.") % {"posts": _count(card.get("posts", 0)), "period": period,
                                      "labels": labels or _("none")}
    detectors = ", ".join(f"{name} {version}" for name, version in card.get("detectors", {}).items())
    if detectors:
        text += " " + _("Detector versions: %(detectors)s.") % {"detectors": detectors}
    return text + " " + _("The assessment's profile has SHA-256 %(sha256)s.") % {"sha256": profile_sha256}


def cited_summary(evidence_id: Any) -> str:
    """The summary of the assessment a decision cites (`Decision.cited_assessment_id`), or "" when it cites none.
    Reads only the card and the hash: the encrypted body and text are not loaded."""
    if evidence_id is None:
        return ""
    from abusedesk.evidence.models import Evidence

    cited = Evidence.objects.only("headers", "body_sha256").get(pk=evidence_id)
    return decision_summary(cited.headers or {}, cited.body_sha256)


def _label(label: str, v: dict[str, Any]) -> str:
    return _("%(label)s %(count)s (%(rate)s per 1,000 posts, 95%% interval %(low)s to %(high)s)") % {
        "label": label_name(label), "count": _count(v["count"]), "rate": _rate(v["per_1000"]), "low": _rate(v["ci"][0]),
        "high": _rate(v["ci"][1])}


def label_name(label: str) -> str:
    """A detector label as the reader says it: the report category of the same code ("threat" → "Threat of
    violence", "Amenaza de violencia"), or the code itself for a label that is no category."""
    from abusedesk.intake.models import Category

    try:
        return _(Category(label).label)
    except ValueError:
        return label


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def _rate(value: float) -> str:
    # Rounded as "{:.2f}" rounds (number_format alone would cut the digits off), then written the language's way.
    return number_format(Decimal(f"{value:.2f}"), decimal_pos=2, force_grouping=True)
