"""年度发展计划: set by the unit or the 工委 (never a branch), all or nothing, audited; the
yearly page sets each unit's plan beside its admissions; the read-only API; permissions."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.core.testing.permissions import PermissionTestMixin
from dangjian.recruitment import plans
from dangjian.recruitment.models import RecruitmentPlan

pytestmark = pytest.mark.django_db
PAGE = "recruitment:plan"
_years = itertools.count(2001)


class TestRecruitmentPlanPermissions(PermissionTestMixin):
    model = RecruitmentPlan
    api_list = "/api/recruitment/plans/"

    def make_object(self, org):
        return RecruitmentPlan.objects.create(org=org, year=next(_years), planned=3)


def test_the_unit_sets_its_plan_and_changes_are_audited(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    assert plans.set_plans(admin, 2024, {tree.unit_a.pk: 5}) == 1
    plan = RecruitmentPlan.objects.get()
    assert (plan.org_id, plan.year, plan.planned) == (tree.unit_a.pk, 2024, 5)
    assert plans.set_plans(admin, 2024, {tree.unit_a.pk: 5}) == 0  # unchanged: nothing written
    assert plans.set_plans(admin, 2024, {tree.unit_a.pk: 7}) == 1
    assert RecruitmentPlan.objects.get().planned == 7
    assert plans.set_plans(admin, 2024, {tree.unit_a.pk: None}) == 1  # cleared
    assert not RecruitmentPlan.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_type="recruitment.recruitmentplan")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_a_branch_or_another_unit_cannot_set_it_and_nothing_is_written(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    with pytest.raises(ValidationError) as refused:
        plans.set_plans(secretary, 2024, {tree.unit_a.pk: 5})
    assert "不能制定它的发展计划" in str(refused.value)
    admin = make_user("unit_admin", tree.unit_a)
    with pytest.raises(ValidationError):  # one unit out of reach refuses the whole save
        plans.set_plans(admin, 2024, {tree.unit_a.pk: 5, tree.unit_b.pk: 4})
    assert not RecruitmentPlan.objects.exists()
    # The 工委 sets any unit's; a branch is no unit-level org.
    gongwei = make_user("committee_admin", tree.root)
    assert plans.set_plans(gongwei, 2024, {tree.unit_a.pk: 5, tree.unit_b.pk: 4}) == 2
    with pytest.raises(ValidationError):
        plans.set_plans(gongwei, 2024, {tree.branch_a.pk: 1})


@pytest.mark.parametrize(
    ("year", "value", "message"),
    [
        (2024, -1, "0至9999之间的整数"),
        (2024, 10000, "0至9999之间的整数"),
        (2024, True, "0至9999之间的整数"),
        (1999, 3, "年度应为2000年至"),
        (3000, 3, "年度应为2000年至"),
    ],
)
def test_bad_figures_are_refused_in_chinese(tree, make_user, year, value, message):
    admin = make_user("unit_admin", tree.unit_a)
    with pytest.raises(ValidationError) as refused:
        plans.set_plans(admin, year, {tree.unit_a.pk: value})
    assert message in str(refused.value)
    assert not RecruitmentPlan.objects.exists()


def test_the_yearly_page_sets_plans_beside_admissions(client, tree, make_user):
    from .factories import new_applicant, walk

    admin = make_user("unit_admin", tree.unit_a)
    applicant = new_applicant(admin, tree.branch_a)
    walk(admin, applicant, 15)  # admitted by the 支部大会
    year = applicant.steps.get(step=15).done_on.year
    client.force_login(admin)
    url = reverse(PAGE) + f"?year={year}"
    page = client.get(url).content.decode()
    assert f'name="plan-{tree.unit_a.pk}"' in page and f'name="plan-{tree.unit_b.pk}"' not in page
    resp = client.post(url, {"year": year, f"plan-{tree.unit_a.pk}": "4"})
    assert resp.status_code == 302
    page = client.get(url).content.decode()
    assert 'value="4"' in page and "25%" in page  # 1 admitted of 4 planned
    # A bad figure: 400 with the message, the plan unchanged.
    resp = client.post(url, {"year": year, f"plan-{tree.unit_a.pk}": "五"})
    assert resp.status_code == 400
    assert "计划发展人数应为0至9999之间的整数" in resp.content.decode()
    resp = client.post(url, {"year": year, f"plan-{tree.unit_b.pk}": "3"})
    assert resp.status_code == 400 and "不能制定它的发展计划" in resp.content.decode()
    assert client.post(url, {"year": year, "plan-x": "3"}).status_code == 400
    assert RecruitmentPlan.objects.get().planned == 4
    # A branch secretary sees the figures, no input.
    client.force_login(make_user("branch_secretary", tree.branch_a))
    page = client.get(url).content.decode()
    assert 'name="plan-' not in page and "保存计划" not in page


def test_the_api_lists_plans_in_scope(client, tree, make_user):
    RecruitmentPlan.objects.create(org=tree.unit_a, year=2024, planned=5)
    RecruitmentPlan.objects.create(org=tree.unit_b, year=2024, planned=2)
    client.force_login(make_user("unit_admin", tree.unit_a))
    rows = client.get("/api/recruitment/plans/?year=2024").json()["results"]
    assert [(r["org"], r["planned"]) for r in rows] == [(tree.unit_a.pk, 5)]
    assert client.post("/api/recruitment/plans/", {}).status_code == 405


@pytest.mark.parametrize("url", ["/api/recruitment/plans/", "/api/recruitment/pools/"])
def test_the_year_filter_of_a_yearly_row_is_a_number(client, tree, make_user, url):
    client.force_login(make_user("committee_admin", tree.root))
    assert client.get(url, {"year": "2024"}).status_code == 200
    bad = client.get(url, {"year": "1899"})
    assert bad.status_code == 400 and "年" in bad.content.decode()
