"""Query counts of the rules app's list pages and API lists stay constant as rows grow.

The heatmap (`rules:compliance`), the inbox and `/api/notifications/` have their own
constancy tests in `test_pages.py` / `test_notifications_inbox.py`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline
from dangjian.orgs.models import OrgKind, Term
from dangjian.rules.loader import get_library
from dangjian.rules.models import RuleSetting
from dangjian.rules.models_notifications import HolidaySchedule

from .helpers import act, exempt, member

BASELINES = Path(__file__).with_name("query_counts.json")
D = dt.date
YEAR = 2024
THEME_DAY = "branch.theme_day.monthly"
_batch = itertools.count(1)

pytestmark = pytest.mark.django_db


def grow(tree, user, per_batch: int, switched_on: bool) -> None:
    """Add `per_batch` of everything the rules pages list.

    Branches (with a party group) under both units, with terms in every sweep status and
    none; activities in YEAR; org and member exemptions; holiday schedules; and every local
    rule switched on or off.
    """
    n = next(_batch)
    # A branch's term is 3 years: on today's sweep these are overdue (by over a year and by
    # months), due within 3 and 6 months, and normal; every sixth branch has no term at all.
    today = timezone.localdate()
    term_starts = [today - dt.timedelta(days=d) for d in (1700, 1200, 1050, 960, 400)]
    for i in range(per_batch):
        parent = tree.unit_a if i % 2 else tree.unit_b
        branch = parent.add_child(
            kind=OrgKind.BRANCH, name=f"新支部{n}-{i}", established_on=D(2016, 1, 1)
        )
        group = branch.add_child(kind=OrgKind.PARTY_GROUP, name=f"新支部{n}-{i}小组")
        if i % 6:
            Term.objects.create(org=branch, number=2, started_on=term_starts[i % 5])
        act(branch, "theme_day", D(YEAR, 1 + i % 12, 10))
        act(branch, "member_assembly", D(YEAR, 3, 12), first_topic=True)
        act(group, "group_meeting", D(YEAR, 3, 15))
        someone = member(branch, full_on=D(2012, 1, 1))
        exempt(branch, THEME_DAY, D(YEAR, 3, 1), D(YEAR, 4, 30), recorded_by=user)
        exempt(
            tree.branch_a if i % 2 else tree.branch_b,
            THEME_DAY,
            D(YEAR, 1 + i % 12, 1),
            expires_on=D(YEAR + 3, 1, 1),
        )
        exempt(branch, "branch.member_assembly.quarterly", D(YEAR, 1, 1), D(YEAR, 12, 31))
        exempt(branch, THEME_DAY, D(YEAR, 5, 1), D(YEAR, 5, 31), member=someone)
    # Holiday schedules on distinct start days of YEAR (the start day is unique).
    first = HolidaySchedule.objects.count()
    for i in range(per_batch):
        start = D(YEAR, 1, 1) + dt.timedelta(days=first + i)
        HolidaySchedule.objects.create(
            name=f"假期{n}-{i}", starts_on=start, ends_on=start, note="测试"
        )
    # Rule switches exist only for local rules: set every one (there are but a few).
    for rule in get_library():
        if rule.local:
            RuleSetting.objects.update_or_create(
                rule_id=rule.id, defaults={"enabled": switched_on, "changed_by": user}
            )


def _ctx(key: str):
    return lambda resp: len(resp.context[key])


def _results(resp) -> int:
    data = resp.json()
    return len(data["results"] if isinstance(data, dict) else data)


def _table_page(resp) -> int:
    return len(resp.context["table"].page.object_list)


def _rules_on(resp) -> int:
    return sum(switch.enabled for _label, items in resp.context["groups"] for _r, switch in items)


def _results_on(resp) -> int:
    data = resp.json()
    return sum(row["enabled"] for row in (data["results"] if isinstance(data, dict) else data))


# key → (url, number of rows the response shows). The first load shows a few rows and less
# than a page (a full first page would hide a per-row query); the second shows many more.
PAGES = {
    "rules:rule_list": (lambda t: reverse("rules:rule_list"), _rules_on),
    "rules:rule_detail": (
        lambda t: reverse("rules:rule_detail", args=[THEME_DAY]) + f"?year={YEAR}",
        _ctx("exemptions"),
    ),
    "rules:compliance_cell": (
        lambda t: reverse("rules:compliance_cell") + f"?org={t.root.pk}&year={YEAR}&month=3",
        _ctx("rows"),
    ),
    "rules:compliance_cell?rule": (
        lambda t: (
            reverse("rules:compliance_cell")
            + f"?org={t.unit_a.pk}&year={YEAR}&month=5&rule={THEME_DAY}"
        ),
        _ctx("rows"),
    ),
    "rules:exemption_list": (lambda t: reverse("rules:exemption_list"), _table_page),
    "rules:exemption_list?within": (
        lambda t: (
            reverse("rules:exemption_list")
            + f"?within={t.unit_a.pk}&rule_id={THEME_DAY}&active_on={YEAR}-05-10"
        ),
        _table_page,
    ),
    "rules:sweep": (lambda t: reverse("rules:sweep"), _ctx("rows")),
    "rules:sweep?date&within": (
        lambda t: reverse("rules:sweep") + f"?date={YEAR}-06-30&within={t.unit_a.pk}",
        _ctx("rows"),
    ),
    "rules:sweep?status": (lambda t: reverse("rules:sweep") + "?status=normal", _ctx("rows")),
    "rules:holidays": (
        lambda t: reverse("rules:holidays") + f"?year={YEAR}",
        _ctx("schedules"),
    ),
    "api:rules": (lambda t: "/api/rules/", _results_on),
    "api:rules?kind": (lambda t: "/api/rules/?kind=frequency", _results_on),
    "api:rule-exemptions": (lambda t: "/api/rule-exemptions/", _results),
    "api:rule-exemptions?within": (
        lambda t: f"/api/rule-exemptions/?within={t.unit_a.pk}&active_on={YEAR}-05-10",
        _results,
    ),
    "api:compliance": (lambda t: f"/api/compliance/?year={YEAR}&per_page=500", _results),
    "api:compliance?within&status": (
        lambda t: f"/api/compliance/?year={YEAR}&within={t.unit_a.pk}&status=exempt",
        _results,
    ),
    "api:term-sweep": (lambda t: f"/api/term-sweep/?date={YEAR}-12-31", _results),
    "api:term-sweep?within&status": (
        lambda t: f"/api/term-sweep/?within={t.unit_b.pk}&status=overdue",
        _results,
    ),
}
# The rule library is code, not rows: its pages list it whole, and what the second load
# shows more of is rules switched on (the local ones, off after the first batch).


def check(client, key: str, url: str, shown, add_rows) -> None:
    count = assert_query_count_constant(client, url, add_rows, rows=shown)
    check_baseline(BASELINES, key, count)


@pytest.mark.parametrize("key", list(PAGES))
def test_query_count_is_constant(key, client, tree, make_user):
    user = make_user("committee_admin", tree.root)
    grow(tree, user, 2, switched_on=False)  # every kind of row exists before the first count
    client.force_login(user)
    url, shown = PAGES[key]
    check(client, key, url(tree), shown, lambda: grow(tree, user, 20, switched_on=True))


@pytest.mark.parametrize(
    ("key", "url", "shown"),
    [
        ("rules:sweep(unit_admin)", "/rules/term-sweep/", _ctx("rows")),
        ("rules:exemption_list(unit_admin)", "/rules/exemptions/", _table_page),
        ("api:rule-exemptions(unit_admin)", "/api/rule-exemptions/", _results),
        ("api:compliance(unit_admin)", f"/api/compliance/?year={YEAR}&per_page=500", _results),
    ],
)
def test_scoped_user_query_count_is_constant(key, url, shown, client, tree, make_user):
    """A unit admin's lists are filtered by scope; the filter must not cost a query per row."""
    admin = make_user("committee_admin", tree.root)
    grow(tree, admin, 2, switched_on=False)
    client.force_login(make_user("unit_admin", tree.unit_a))
    check(client, key, url, shown, lambda: grow(tree, admin, 20, switched_on=True))
