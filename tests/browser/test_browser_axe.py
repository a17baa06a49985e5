"""In real Chromium: axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) finds no serious or critical violation on
the public pages and on every console page, in English and right to left in Arabic; Tab shows where focus is.

axe-core comes bundled in the axe-playwright-python package (its axe.min.js): nothing is downloaded at run time.
It is evaluated into the page through the DevTools protocol, so the pages' own CSP stays as it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from abusedesk.testing.factories import PASSWORD, report_body

from .conftest import PageWatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = {"serious", "critical"}


@dataclass
class World:
    case: Any  # open, with a report, captured evidence, an effective decision and an appeal against it
    campaign: Any  # a campaign case with a decision awaiting a second analyst
    appeal: Any
    appeal_token: str
    message: Any  # an e-mail the reader ignored (no URL): the console's mailbox lists it


def _world(post_report: Any) -> World:
    from abusedesk.accounts.models import User
    from abusedesk.appeals import service
    from abusedesk.appeals.models import AppealInvite
    from abusedesk.cases import actions
    from abusedesk.cases.models import Case, PolicyClause
    from abusedesk.evidence.models import Evidence
    from abusedesk.jobs.worker import run_pending_jobs

    post_report(report_body())
    post_report(report_body(urls=["https://shop.test/listing/9"], category="spam",
                            explanation="The same listing, posted by hundreds of accounts."))
    post_report(report_body(urls=["https://nobody-we-serve.test/x"], category="spam"))
    run_pending_jobs()
    case = Case.objects.get(property__value="forum.test")
    campaign = Case.objects.exclude(pk=case.pk).exclude(property=None).get()
    Case.objects.filter(pk=campaign.pk).update(campaign_since=timezone.now() - timedelta(minutes=30))
    now = timezone.now()
    Evidence.objects.filter(case=case).delete()
    Evidence.objects.create(case=case, url="https://forum.test/threads/123", status="captured", fetched_at=now,
                            body_sha256="a" * 64, text_sha256="b" * 64, http_status=200, settled=True,
                            text="Someone should visit her at 83 Harrow Lane.")
    Evidence.objects.create(case=case, url="https://gone.test/x", status="failed", reason="dns_failure",
                            fetched_at=now, settled=True)
    policy = PolicyClause.objects.get(code="threats-to-life")
    ana, cho = User.objects.get(username="ana"), User.objects.get(username="cho")
    decision = actions.do_decide(case, actions.DecisionInput(
        outcome="terminate_service", policy_id=policy.pk, reasoning="Credible threat against a located person.",
        facts="The post gives her street address."), acting_user=ana)
    actions.do_approve(decision, acting_user=cho, authenticated_at=timezone.now())
    run_pending_jobs()
    _, token = AppealInvite.issue(decision=decision, role="customer")
    appeal = service.submit(token, "The thread was removed by our moderators.")
    _, fresh_token = AppealInvite.issue(decision=decision, role="customer")
    actions.do_decide(campaign, actions.DecisionInput(
        outcome="suspend_service", policy_id=policy.pk, reasoning="A spam wave from one shop."), acting_user=ana)
    return World(case=case, campaign=campaign, appeal=appeal, appeal_token=fresh_token, message=_ignored_mail())


def _ignored_mail() -> Any:
    from abusedesk.intake.email.ingest import process
    from abusedesk.intake.email.store import store_raw

    message = store_raw(b"From: Ana <ana@example.net>\r\nSubject: Help\r\nMessage-ID: <axe@example.net>\r\n\r\n"
                        b"They are threatening me at home.\r\n", source="smtp", mail_from="ana@example.net")
    process(str(message.pk))
    return message


def _violations(tab: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING]


def _readable(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{url}: {len(violations)} serious or critical axe violation(s)"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl']}]")
        for node in v["nodes"][:8]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def _check(tab: Any, url: str, *, lang: str = "en") -> list[str]:
    response = tab.goto(url)
    tab.wait_for_load_state("load")
    problems = [] if response.status in {200, 400} else [f"{url}: HTTP {response.status}"]
    html_lang = tab.get_attribute("html", "lang")
    direction = tab.get_attribute("html", "dir")
    if html_lang != lang or direction != ("rtl" if lang == "ar" else "ltr"):
        problems.append(f"{url}: html lang={html_lang!r} dir={direction!r}, expected {lang}")
    found = _violations(tab)
    if found:
        problems.append(_readable(url, found))
    return problems


def _login(browser: Any, base: str, username: str, lang: str = "en") -> Any:
    context = browser.new_context()
    context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
    # The live updates poll instead of streaming (live.js falls back when the stream is refused): on the SQLite
    # test database a stream's open read can make a page's write fail with "table is locked". Same pages.
    context.route("**/console/live/stream/**", lambda route: route.fulfill(status=503, body="",
                                                                           content_type="text/plain"))
    tab = context.new_page()
    tab.goto(f"{base}/console/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("#login-submit")
    tab.wait_for_selector("#queue")
    return tab


# Every console page a person reads, with the object of the world it shows (None: no argument).
CONSOLE_PAGES = [("review:queue", None), ("review:case", "case"), ("review:case", "campaign"), ("review:audit", None),
                 ("review:misuse", None), ("review:not-ours", None), ("review:failed-jobs", None),
                 ("review:queues", None), ("review:queue-new", None), ("review:reauth", None),
                 ("appeals_console:queue", None), ("appeals_console:detail", "appeal"), ("shifts:me", None),
                 ("shifts:team", None), ("review:mailbox", None), ("review:mailbox-message", "message")]


def _console_pages(world: World) -> list[str]:
    return [reverse(name, args=[getattr(world, attr).pk] if attr else []) for name, attr in CONSOLE_PAGES]


# Console routes that are not pages a person reads: POST-only actions, fragments the pages fetch, streams and
# images. Every other console route must be in _console_pages (or _bulk_pages), so a new page gets checked too.
NOT_PAGES = {
    "review": {"logout", "language", "decide", "close", "severity", "claim", "release", "assign", "next",
               "queue-delete", "queue-pick", "assessment-runs", "approve", "return", "emergency-review", "live",
               "live-stream", "live-banners", "live-claim", "unfounded", "retry-job", "ack", "evidence-image",
               "bulk-cases", "bulk-reports", "bulk-group-approve", "bulk-group-return", "mailbox-file",
               "mailbox-dismiss"},
    "shifts": {"preferences", "rotate", "handled", "reveal", "snooze"},
    "appeals_console": {"review"},
}
# Pages checked another way: login in the public test; bulk-decide and bulk-group by _bulk_pages; queue-edit
# renders the template of queue-new.
OTHERWISE_CHECKED = {"review:login", "review:bulk-decide", "review:bulk-group", "review:queue-edit"}


def test_every_console_page_is_checked() -> None:
    from abusedesk.appeals import console_urls
    from abusedesk.review import urls as review_urls
    from abusedesk.shifts import urls as shift_urls

    checked = {name for name, _ in CONSOLE_PAGES} | OTHERWISE_CHECKED
    unchecked = []
    for namespace, module in (("review", review_urls), ("shifts", shift_urls), ("appeals_console", console_urls)):
        for pattern in module.urlpatterns:
            name = f"{namespace}:{pattern.name}"
            if pattern.name not in NOT_PAGES[namespace] and name not in checked:
                unchecked.append(name)
    assert not unchecked, (f"console pages the axe test does not open: {unchecked}; add them to CONSOLE_PAGES "
                           "(or to NOT_PAGES if they are not pages)")


def test_public_pages_have_no_serious_violation(live_server: Any, page: Any, post_report: Any, staff: Any,
                                                customers: Any) -> None:
    world = _world(post_report)
    tab, watch = page
    problems: list[str] = []
    for lang in ("en", "es", "ar"):
        problems += _check(tab, f"{live_server.url}/{lang}/report/", lang=lang)
        problems += _check(tab, f"{live_server.url}/{lang}/appeal/{world.appeal_token}/", lang=lang)
    tab.goto(f"{live_server.url}/ar/report/")
    tab.click("#submit-report")  # nothing filled in: the page comes back with every problem marked
    tab.wait_for_selector("#form-errors")
    found = _violations(tab)
    if found:
        problems.append(_readable("/ar/report/ with errors", found))
    problems += _check(tab, f"{live_server.url}/console/login/")
    assert not problems, "\n".join(problems)
    watch.assert_clean()


def _bulk_pages(tab: Any, base: str, lang: str) -> list[str]:
    """The bulk pages are answers to POSTs: select the queue page's cases, open "decide for the selected cases",
    record one decision for them, then open the group a second analyst approves."""
    tab.goto(f"{base}{reverse('review:queue')}")
    if tab.query_selector("#bulk-select-all") is None:  # no bulk actions in this tree
        return []
    tab.click("#bulk-select-all")
    tab.wait_for_function("document.querySelectorAll('input.bulk-pick:checked').length > 0")
    tab.click("#bulk-decide")
    tab.wait_for_selector("#bulk-decision-form")
    problems = _check_here(tab, "bulk decide", lang)
    tab.select_option("#id_outcome", "warn_customer")
    tab.select_option("#id_policy", index=1)
    tab.fill("#id_reasoning", "One warning for the whole wave.")
    tab.check("#bulk-claim-confirm")
    tab.click("#bulk-decision-submit")
    tab.wait_for_selector("#bulk-summary, #bulk-error")
    problems += _check_here(tab, "bulk results", lang)
    if tab.query_selector("#bulk-group-link"):
        tab.click("#bulk-group-link")
        tab.wait_for_load_state("load")
        problems += _check_here(tab, "bulk group", lang)
    return problems


def _check_here(tab: Any, what: str, lang: str) -> list[str]:
    problems = []
    if tab.get_attribute("html", "lang") != lang:
        problems.append(f"{what}: html lang={tab.get_attribute('html', 'lang')!r}, expected {lang}")
    found = _violations(tab)
    if found:
        problems.append(_readable(what, found))
    return problems


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_console_pages_have_no_serious_violation(live_server: Any, browser: Any, post_report: Any, staff: Any,
                                                 customers: Any, lang: str) -> None:
    world = _world(post_report)
    tab = _login(browser, live_server.url, "root", lang)
    watch = PageWatch(tab)
    problems: list[str] = []
    for path in _console_pages(world):
        problems += _check(tab, f"{live_server.url}{path}", lang=lang)
    problems += _bulk_pages(tab, live_server.url, lang)
    assert not problems, "\n".join(problems)
    watch.assert_clean()
    tab.context.close()


def test_analyst_and_auditor_pages_have_no_serious_violation(live_server: Any, browser: Any, post_report: Any,
                                                             staff: Any, customers: Any) -> None:
    """What an analyst sees on a case another analyst decided (the approve and send-back forms), and the
    auditor's view of the trail."""
    world = _world(post_report)
    problems: list[str] = []
    for name in ("cho", "aud"):
        tab = _login(browser, live_server.url, name)
        for path in (reverse("review:queue"), reverse("review:case", args=[world.campaign.pk])):
            problems += _check(tab, f"{live_server.url}{path}")
        if name == "aud":
            problems += _check(tab, f"{live_server.url}{reverse('review:audit')}")
        tab.context.close()
    assert not problems, "\n".join(problems)


def _focus_ring(tab: Any) -> dict[str, str]:
    return tab.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {outline: s.outlineStyle + ' ' + s.outlineWidth, shadow: s.boxShadow,
                tag: document.activeElement.tagName, text: (document.activeElement.textContent || '').trim()}; }""")


def _blurred_ring(tab: Any) -> dict[str, str]:
    return tab.evaluate("""() => { const el = document.activeElement; el.blur();
        const s = getComputedStyle(el); const r = {outline: s.outlineStyle + ' ' + s.outlineWidth,
        shadow: s.boxShadow}; el.focus(); return r; }""")


@pytest.mark.parametrize("where", ["public", "console"])
def test_tabbing_shows_a_visible_focus_indicator(live_server: Any, browser: Any, post_report: Any, staff: Any,
                                                  customers: Any, where: str) -> None:
    """The first Tab lands on the skip link; each of the first stops is drawn differently while focused."""
    if where == "public":
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(f"{live_server.url}/en/report/")
    else:
        world = _world(post_report)
        tab = _login(browser, live_server.url, "ana")
        tab.goto(f"{live_server.url}{reverse('review:case', args=[world.case.pk])}")
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.classList.contains('skip-link')")
    assert tab.evaluate("document.activeElement.getBoundingClientRect().height > 0")  # shown when focused
    for _ in range(8):
        focused, plain = _focus_ring(tab), _blurred_ring(tab)
        assert focused["outline"].split()[0] != "none" or focused["shadow"] != "none", focused
        assert (focused["outline"], focused["shadow"]) != (plain["outline"], plain["shadow"]), focused
        tab.keyboard.press("Tab")
    tab.keyboard.press("Shift+Tab")
    tab.context.close()


def test_skip_link_moves_focus_to_the_main_content(live_server: Any, page: Any) -> None:
    tab, watch = page
    tab.goto(f"{live_server.url}/ar/report/")
    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "main"
    watch.assert_clean()
