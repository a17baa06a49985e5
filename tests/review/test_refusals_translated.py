"""Why the console refused an action, in the analyst's language: cases.actions raises ActionRefused with a
message translated when it is raised (gettext), and the console shows it as it is. English stays word for word
what it was; every message passed to ActionRefused has a Spanish and an Arabic translation."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

import abusedesk
from abusedesk.cases.models import Case, PolicyClause
from abusedesk.common.severity import SEVERITY_RANK

SRC = Path(abusedesk.__file__).parent
REFUSALS = {"ActionRefused", "ReauthenticationRequired"}

SAID = {
    "already_closed": {"en": "the case is already closed", "es": "el caso ya está cerrado",
                       "ar": "القضية مغلقة بالفعل"},
    "unfounded_why": {"en": "say why the notice is manifestly unfounded",
                      "es": "explique por qué la notificación es manifiestamente infundada",
                      "ar": "اذكر سبب كون البلاغ بلا أساس بشكل واضح"},
    "unfounded_twice": {"en": "this notice is already marked manifestly unfounded",
                        "es": "esta notificación ya está marcada como manifiestamente infundada",
                        "ar": "هذا البلاغ موسوم بالفعل بأنه بلا أساس بشكل واضح"},
    "same_severity": {"en": "the case is already S1", "es": "el caso ya es S1", "ar": "القضية بالفعل S1"},
    "emergency": {"en": "the emergency path is only for suspending or terminating on an S0 case",
                  "es": "la vía de emergencia es solo para suspender o terminar el servicio en un caso S0",
                  "ar": "مسار الطوارئ مخصص فقط لتعليق الخدمة أو إنهائها في قضية S0"},
    "closed_target": {"en": "{ref} is closed.", "es": "{ref} está cerrado.", "ar": "{ref} مغلقة."},
}


def _console(client: Client, user: Any, lang: str) -> Client:
    client.force_login(user)
    response = client.post("/console/language/", {"language": lang, "next": "/console/"})
    assert response.status_code == 302 and client.cookies["django_language"].value == lang
    return client


def _shown(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_case_page_refusals_speak_the_analysts_language(client: Client, staff: Any, case: Case, lang: str) -> None:
    _console(client, staff["ana"], lang)
    close = f"/console/cases/{case.pk}/close/"
    assert client.post(close, {"reason": "Duplicate."}).status_code == 302
    assert SAID["already_closed"][lang] in _shown(client.post(close, {"reason": "Again."}, follow=True))


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_unfounded_severity_and_emergency_refusals_are_translated(client: Client, staff: Any, case: Case,
                                                                   lang: str) -> None:
    _console(client, staff["ana"], lang)
    report = case.reports.get()
    unfounded = f"/console/reports/{report.pk}/unfounded/"
    assert SAID["unfounded_why"][lang] in _shown(client.post(unfounded, {"reason": " "}, follow=True))
    client.post(unfounded, {"reason": "The page has nothing of what the notice says."})
    page = _shown(client.post(unfounded, {"reason": "Still nothing."}, follow=True))
    assert SAID["unfounded_twice"][lang] in page
    page = _shown(client.post(f"/console/cases/{case.pk}/severity/", {"severity": "S1", "reason": "Checked."},
                              follow=True))
    assert SAID["same_severity"][lang] in page
    policy = PolicyClause.objects.filter(active=True).order_by("code").first()
    assert policy is not None
    page = _shown(client.post(f"/console/cases/{case.pk}/decide/", {
        "outcome": "terminate_service", "policy": policy.pk, "reasoning": "Imminent threat.", "facts": "",
        "notice_hours": 0, "emergency": "on"}, follow=True))
    assert SAID["emergency"][lang] in page
    assert not case.decisions.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_bulk_results_show_the_refusal_translated(client: Client, staff: Any, case: Case, lang: str) -> None:
    closed = Case.objects.create(title="done", severity="S2", severity_rank=SEVERITY_RANK["S2"], status="closed",
                                 group_key="property:done")
    _console(client, staff["ana"], lang)
    page = _shown(client.post("/console/bulk/cases/", {"case": [case.pk], "action": "merge", "target": closed.ref,
                                                       "reason": "one campaign"}))
    said = SAID["closed_target"][lang].format(ref=closed.ref)
    assert said in page
    case.refresh_from_db()
    assert case.status == "open"


# -- every refusal has its translations ----------------------------------------------------------------------------

def _refusal_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if not any(name in text for name in REFUSALS):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in REFUSALS:
                    calls.append((f"{path.relative_to(SRC)}:{node.lineno}", node))
    return calls


def _msgid(call: ast.Call) -> str | None:
    """The literal in `X(_("..."))` or `X(_("...") % {...})`; None when the message is not given that way."""
    if len(call.args) != 1:
        return None
    arg = call.args[0]
    formatted = isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod) and isinstance(arg.right, ast.Dict)
    if isinstance(arg, ast.BinOp) and formatted:
        arg = arg.left
    if (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "_" and len(arg.args) == 1
            and isinstance(arg.args[0], ast.Constant) and isinstance(arg.args[0].value, str)
            and ("%(" in arg.args[0].value) == formatted):  # placeholders are filled, and only named ones
        return arg.args[0].value
    return None


def test_every_refusal_is_a_gettext_message_with_es_and_ar_translations() -> None:
    calls = _refusal_calls()
    assert len(calls) >= 50  # the walk found the raise sites
    untranslatable = [where for where, call in calls if _msgid(call) is None]
    assert not untranslatable, f'raise ActionRefused(_("...") % {{...}}) with named placeholders: {untranslatable}'
    msgids = {_msgid(call) for _, call in calls}
    for lang in ("es", "ar"):
        with translation.override(lang):
            missing = sorted(m for m in msgids if m and translation.gettext(m) == m)
        assert not missing, f"add to locale/{lang}/LC_MESSAGES/django.po and compile: {missing}"
    with translation.override("en"):
        assert all(translation.gettext(m) == m for m in msgids if m)
