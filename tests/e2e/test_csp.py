"""The Content-Security-Policy in a real browser: the main pages, as the demo roles, break none
of it, and the charts still draw.

The tiny demo city is loaded; each page is opened as the role that works on it. The browser
reports every refused script, style, image or frame as a `securitypolicyviolation` event
(collected by an init script from the first byte of every page) and as a console error
naming the Content Security Policy; both must stay empty. A control first checks that the
collection works: an inline style and an inline script added to a page are reported.

Sessions are opened server-side (as Django's test client does): this test is about what
each page loads, not about signing in (tests/e2e/test_branch_secretary.py, the MFA tests).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.browser

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
}, true);
"""


@pytest.fixture
def city(transactional_db):
    call_command("demo", scale="tiny", verbosity=0)


def session_for(live_server, browser, username: str | None):
    """A browser context signed in as the demo account `username` (None: signed out)."""
    from dangjian.accounts.models import User

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    if username is not None:
        client = Client()
        client.force_login(User.objects.get(username=username))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    context.add_init_script(COLLECT)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda m: (
            console.append(m.text)
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
            else None
        ),
    )
    return context, page, console


CHARTS_DRAWN = """() => Array.from(document.querySelectorAll("[data-echarts]")).every((el) => {
  const chart = window.echarts && echarts.getInstanceByDom(el);
  return chart && el.querySelector("canvas") && el.offsetHeight > 100;
})"""


def visit(page, console: list[str], url: str) -> tuple[list[str], int]:
    """Open `url`, wait until it settles and every chart on it has drawn, hover each chart
    so its tooltip renders; the CSP reports of the page and its number of charts."""
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    assert "content-security-policy" in response.headers, url
    page.wait_for_load_state("networkidle")
    page.wait_for_function(CHARTS_DRAWN)
    charts = page.locator("[data-echarts]")
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None
        for fx, fy in ((0.5, 0.5), (0.3, 0.4), (0.7, 0.6)):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(150)
    page.wait_for_timeout(200)  # violation events are queued, not synchronous
    reports = page.evaluate("window.__csp") + console
    console.clear()
    return reports, charts.count()


def first_pk(model, **filters) -> int:
    obj = model.objects.filter(**filters).order_by("pk").first()
    assert obj is not None, f"the demo city has no {model.__name__} with {filters}"
    return obj.pk


def test_the_collector_sees_a_violation(live_server, browser, city):
    """The control: what the policy refuses is reported, so an empty list means something."""
    context, page, _console = session_for(live_server, browser, "gongwei")
    try:
        page.goto(live_server.url + reverse("web:home"))
        page.evaluate(
            """() => {
              const d = document.createElement("div");
              d.innerHTML = '<span style="color: red">x</span>';
              document.body.appendChild(d);
              const s = document.createElement("script");
              s.textContent = "window.__ran = true";
              document.body.appendChild(s);
            }"""
        )
        page.wait_for_timeout(300)
        reports = page.evaluate("window.__csp")
        assert any(r.startswith("style-src") for r in reports), reports
        assert any(r.startswith("script-src") for r in reports), reports
        assert page.evaluate("window.__ran") is None  # the inline script did not run
    finally:
        context.close()


def test_main_pages_break_no_policy(live_server, browser, city):
    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.activities.models import Activity
    from dangjian.assessments.models import Assessment, AssessmentStatus, Campaign, Framework
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization, OrgKind, Unit

    base = live_server.url
    secretary_branch = RoleAssignment.objects.get(user__username="shuji").org
    assert isinstance(secretary_branch, Organization)
    # A campaign with finished checks: its page draws the ratings / results chart.
    campaign = (
        Campaign.objects.filter(assessments__status=AssessmentStatus.DONE)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert campaign is not None
    unit_org = first_pk(Organization, kind=OrgKind.UNIT_PARTY)
    pages = {
        "gongwei": [
            (reverse("web:home"), ()),
            (reverse("orgs:tree"), ()),
            (reverse("orgs:unit_detail", args=[first_pk(Unit)]), ()),
            (reverse("members:member_list"), ()),
            (reverse("members:member_detail", args=[first_pk(Member)]), ()),
            (reverse("activities:activity_list"), ()),
            (reverse("activities:activity_detail", args=[first_pk(Activity)]), ()),
            (reverse("activities:calendar"), ()),
            (reverse("rules:compliance"), ("heatmap",)),
            (reverse("rules:sweep"), ()),
            (reverse("assessments:campaign_list"), ()),
            (reverse("assessments:campaign_add"), ()),
            (reverse("assessments:campaign_detail", args=[campaign.pk]), ("results",)),
            (reverse("assessments:sampling", args=[campaign.pk]), ()),
            (reverse("assessments:framework_detail", args=[first_pk(Framework)]), ()),
            (reverse("assessments:assessment_detail", args=[first_pk(Assessment)]), ()),
            (reverse("assessments:negative_list"), ()),
            (reverse("assessments:rectification_board"), ()),
            (reverse("assessments:liaison_profile", args=[unit_org]), ()),
            (reverse("rules:inbox"), ()),
            (reverse("api-docs"), ()),
        ],
        "shuji": [
            (reverse("web:home"), ()),
            (reverse("members:member_list"), ()),
            (reverse("activities:activity_add"), ()),
            (
                reverse(
                    "activities:activity_detail",
                    args=[first_pk(Activity, org__path__startswith=secretary_branch.path)],
                ),
                (),
            ),
            (reverse("rules:inbox"), ()),
            (reverse("accounts:password_change"), ()),
            (reverse("accounts:mfa"), ()),  # optional two-step sign-in: the QR code
        ],
        "danwei": [(reverse("web:home"), ()), (reverse("orgs:tree"), ())],
        "shenji": [(reverse("audit:event_list"), ())],
        "xitong": [
            (reverse("accounts:user_list"), ()),
            (reverse("accounts:user_detail", args=[first_pk(User, username="shuji")]), ()),
        ],
        "anquan": [(reverse("accounts:role_proposal_list"), ())],
        None: [(reverse("accounts:login"), ())],  # signed out
    }
    problems: list[str] = []
    drawn = 0
    for username, urls in pages.items():
        context, page, console = session_for(live_server, browser, username)
        try:
            for url, expected in urls:
                reports, charts = visit(page, console, base + url)
                problems.extend(f"{username} {url}: {r}" for r in reports)
                assert charts >= len(expected), f"{url}: {charts} charts drawn, {expected} expected"
                drawn += charts
            if username == "gongwei":
                # The API docs drew their operations (the start-up script ran).
                page.goto(base + reverse("api-docs"))
                page.locator(".opblock").first.wait_for()
                problems.extend(f"gongwei api-docs: {r}" for r in page.evaluate("window.__csp"))
                # The tree expands through htmx (fragments swapped in under the policy).
                page.goto(base + reverse("orgs:tree"))
                page.locator("details[hx-get] > summary").first.click()
                page.locator("details[hx-get][open] .dj-tree-children *").first.wait_for()
                page.wait_for_load_state("networkidle")
                problems.extend(f"gongwei tree: {r}" for r in page.evaluate("window.__csp"))
        finally:
            context.close()
    assert not problems, "\n".join(problems)
    assert drawn >= 2  # the heatmap and the campaign's ratings at least
