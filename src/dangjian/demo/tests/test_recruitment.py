"""The demo's 发展党员: every drawn calendar keeps the services' time rules (walked through
recruitment.services on a test tree), and the loaded city has people in every stage,
admissions and 转正 in the past years, the placed overdue items and one extension."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from dangjian.accounts.models import User
from dangjian.demo.plan import rng_for
from dangjian.demo.recruitment_loader import calendar, shifted
from dangjian.members.models import Member, MemberStatus
from dangjian.recruitment import deadlines, services
from dangjian.recruitment.models import Applicant, ApplicationFormPool, RecruitmentStep, Stage, Step
from dangjian.recruitment.tests.factories import full_members, new_applicant, step_kwargs

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_calendar_keeps_every_rule(tree, make_user, seed):
    """A drawn calendar, recorded through the services step by step, is never refused."""
    rng = rng_for(seed, "test")
    cal = calendar(dt.date(2020, 1, 31) + dt.timedelta(days=rng.randint(0, 400)), rng)
    user = make_user("committee_admin", tree.root)
    people = full_members(tree.branch_a)
    a = new_applicant(user, tree.branch_a, applied_on=cal[1][0], name=f"演示{seed}")
    pool = ApplicationFormPool.objects.create(
        org=tree.unit_a, year=cal[13][0].year, first=1, last=999
    )
    for step in range(2, 26):
        if step == Step.FORM:
            services.issue_form_number(user, a, pool, issued_on=cal[13][0])
        for day in cal[step]:
            services.record_step(user, a, step, day, **step_kwargs(step, people, a))
            a.refresh_from_db()
    assert a.stage == Stage.FULL
    assert a.member.full_member_on == Member.objects.get(pk=a.member_id).probation_ends_on


def test_shifted_moves_the_whole_calendar():
    cal = calendar(dt.date(2021, 3, 1), rng_for(1, "t"))
    moved = shifted(cal, 15, dt.date(2024, 5, 1))
    assert moved[15] == [dt.date(2024, 5, 1)]
    assert moved[16][0] - moved[15][0] == cal[16][0] - cal[15][0]


def test_demo_city_pipeline():
    call_command("demo", stdout=io.StringIO(), scale="tiny", today=TODAY, verbosity=0, seed=3)
    stages = set(Applicant.objects.filter(closed_on__isnull=True).values_list("stage", flat=True))
    assert stages == set(Stage.values)
    assert Applicant.objects.count() >= 300
    assert Applicant.objects.filter(closed_on__isnull=False).exists()
    # Admissions and 转正 of 2024, each admitted person with their member record.
    admitted = RecruitmentStep.objects.filter(step=Step.ADMISSION, done_on__year=2024)
    assert admitted.count() >= 10
    assert RecruitmentStep.objects.filter(
        step=Step.CONVERSION_APPROVAL, done_on__year=2024
    ).exists()
    with_member = Applicant.objects.filter(last_step__gte=Step.ADMISSION)
    assert not with_member.filter(member__isnull=True).exists()
    assert not with_member.exclude(member__joined_on__isnull=False).exists()
    full = with_member.filter(last_step__gte=Step.CONVERSION_APPROVAL)
    assert not full.exclude(member__status=MemberStatus.FULL).exists()
    # One extension; overdue talks, reviews and an approval.
    assert Member.objects.filter(probation_extension_months=6).count() == 1
    gongwei = User.objects.get(username="gongwei")
    overdue = {i.kind for i in deadlines.due(gongwei, TODAY) if i.overdue}
    assert {deadlines.TALK, deadlines.REVIEW, deadlines.APPROVAL} <= overdue
    # The secretary's branch has people to show.
    shuji = User.objects.get(username="shuji")
    assert Applicant.objects.restrict(shuji, "view").count() >= 16
    # Every 志愿书 number issued once, from its unit's pool.
    numbers = Applicant.objects.exclude(application_form_number=None)
    assert numbers.count() == numbers.values("application_form_number").distinct().count()
    assert numbers.count() == with_member.count() + Applicant.objects.filter(last_step=14).count()
