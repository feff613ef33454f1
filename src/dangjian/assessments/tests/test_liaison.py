"""党建+巡察 巡前征询: the one-page profile of a unit."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.assessments import liaison
from dangjian.core.services import OutOfScope
from dangjian.orgs.models import OrgKind, Term
from dangjian.rules.tests.helpers import act

from .factories import make_assessment, make_campaign, make_finding, star_framework

D = dt.date
YEAR = (D(2024, 1, 1), D(2024, 12, 31))


@pytest.fixture
def records(tree):
    for month in range(1, 13):
        if month != 8:
            act(tree.branch_a, "theme_day", D(2024, month, 15))
    Term.objects.create(org=tree.branch_a, started_on=D(2021, 1, 10))  # due 2024-01-10
    campaign = make_campaign(star_framework(), tree.root, name="2024年五星党支部评定")
    make_assessment(campaign, tree.branch_a, status="done", total_score=Decimal(85), rating="四星")
    make_assessment(campaign, tree.branch_b, status="done", total_score=Decimal(95), rating="五星")
    make_finding(tree.branch_a, raised_by=tree.root, category="三会一课", deadline=D(2024, 7, 1))
    make_finding(tree.branch_a, raised_by=tree.root, category="三会一课", status="closed")
    make_finding(tree.group_a, raised_by=tree.root, category="党费", status="submitted")
    make_finding(tree.branch_b, raised_by=tree.root, category="作风")  # other unit
    make_finding(tree.branch_a, raised_by=tree.root, found_on=D(2023, 5, 1))  # other year
    return tree


def test_profile_of_a_unit(records, people):
    tree = records
    p = liaison.unit_profile(people.committee, tree.unit_a, *YEAR)
    theme = next(r for r in p["compliance"]["rules"] if r["rule"] == "branch.theme_day.monthly")
    assert (theme["compliant"], theme["noncompliant"]) == (11, 1)
    terms = {r["status"]: r["count"] for r in p["terms"]["rows"]}
    assert terms["overdue"] == 1 and p["terms"]["attention"] >= 1
    assert [a["target__name"] for a in p["assessments"]] == ["甲局第一党支部"]
    assert p["ratings"] == {"四星": 1}
    assert p["findings"] == [{"category": "三会一课", "count": 2}, {"category": "党费", "count": 1}]
    r = {s["status"]: s["count"] for s in p["rectifications"]["by_status"]}
    assert r == {"open": 1, "submitted": 1, "closed": 1, "returned": 0}
    assert p["rectifications"]["overdue"] == 1
    assert p["rectifications"]["closed_rate"] == round(1 / 3, 4)


def test_profile_is_scoped(records, people):
    tree = records
    for user in (people.unit_b_admin, people.secretary):
        with pytest.raises(OutOfScope):
            liaison.unit_profile(user, tree.unit_a, *YEAR)
    # the unit's own admin sees its findings, but not the 工委's unreleased assessments
    p = liaison.unit_profile(people.unit_admin, tree.unit_a, *YEAR)
    assert p["assessments"] == [] and p["finding_count"] == 3


def test_queries_do_not_grow_with_the_unit(records, people):
    tree = records
    liaison.unit_profile(people.committee, tree.unit_a, *YEAR)  # warm caches
    with CaptureQueriesContext(connection) as before:
        liaison.unit_profile(people.committee, tree.unit_a, *YEAR)
    for i in range(5):
        tree.unit_a.refresh_from_db()
        branch = tree.unit_a.add_child(
            kind=OrgKind.BRANCH, name=f"新支部{i}", established_on=D(2020, 1, 1)
        )
        act(branch, "theme_day", D(2024, 3, 3))
        make_finding(branch, raised_by=tree.root, category=f"类别{i}")
    with CaptureQueriesContext(connection) as after:
        liaison.unit_profile(people.committee, tree.unit_a, *YEAR)
    assert len(after) == len(before)


def test_profile_docx(records, people):
    from docx import Document

    p = liaison.unit_profile(people.committee, records.unit_a, *YEAR)
    doc = Document(io.BytesIO(liaison.profile_docx(p)))
    text = "\n".join(par.text for par in doc.paragraphs)
    assert "甲局机关党委党建工作情况（巡前征询）" in text
    assert "超期" in text or "届满" in text
    assert "逾期未整改 1 个" in text
    assert "2024年五星党支部评定" in text
