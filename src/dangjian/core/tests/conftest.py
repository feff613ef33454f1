"""Fixtures of the framework's cross-app tests (core imports no domain app; its tests may)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from dangjian.core.testing.routes import PK


@pytest.fixture
def world(db, make_user):
    """A small city: a unit with a branch, members, this year's meetings, a finished 抽查调阅
    campaign with a finding, and a user holding every role (工委管理员 at the root and the
    global ones), so every page and export answers. Rows that pages name by id have the id
    PK, so `<int:pk>` in any URL reaches one (core.testing.routes)."""
    from dangjian.accounts.models import RoleAssignment
    from dangjian.accounts.roles import ROLES
    from dangjian.activities.models import Activity, Participation
    from dangjian.assessments.models import AssessmentStatus, CampaignType, Rectification
    from dangjian.assessments.tests.factories import (
        checklist_framework,
        make_assessment,
        make_campaign,
        make_finding,
    )
    from dangjian.members.tests.factories import MemberFactory
    from dangjian.orgs.models import Organization, OrgKind, Term, Unit

    today = timezone.localdate()
    root = Organization.add_root(kind=OrgKind.COMMITTEE, name="示例市委直属机关工委")
    unit = root.add_child(pk=PK, kind=OrgKind.UNIT_PARTY, name="甲局机关党委")
    dept = Unit.objects.create(pk=PK, name="甲局", party_org=unit)
    Organization.objects.filter(pk=unit.pk).update(unit=dept)
    unit.refresh_from_db()
    branch = unit.add_child(
        kind=OrgKind.BRANCH, name="甲局第一党支部", unit=dept, established_on=dt.date(2015, 3, 1)
    )
    Term.objects.create(pk=PK, org=branch, number=1, started_on=dt.date(2019, 5, 1))
    member = MemberFactory(pk=PK, org=branch)
    MemberFactory(org=branch)
    activity = Activity.objects.create(
        pk=PK, org=branch, kind="branch_meeting", held_on=today, title="支部党员大会"
    )
    Participation.objects.create(activity=activity, member=member, status="attended")

    framework = checklist_framework(pk=PK)
    campaign = make_campaign(
        framework,
        root,
        pk=PK,
        campaign_type=CampaignType.SAMPLED_REVIEW,
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31),
    )
    assessment = make_assessment(campaign, branch, pk=PK, status=AssessmentStatus.DONE)
    item = framework.items.filter(kind="pass_fail").first()
    finding = make_finding(
        branch,
        raised_by=root,
        campaign=campaign,
        assessment=assessment,
        item=item,
        found_on=today,
    )
    Rectification.objects.filter(finding=finding).update(id=PK)
    # 创新案例与党建品牌: a rated case with a provincial award, the unit's 1+N brands.
    from dangjian.cases.tests.factories import make_award, make_brand, make_case, make_rating

    case = make_case(branch, pk=PK)
    make_rating(case)
    make_award(case)
    make_brand(unit, pk=PK)
    make_brand(branch)
    # 评选表彰: a round with a quota and a nomination, and an honor it decided.
    from dangjian.honors.tests.factories import make_honor, make_nomination, make_round, quota

    honor_round = make_round(root, pk=PK)
    quota(honor_round, unit)
    make_nomination(unit, rnd=honor_round, member=member, pk=PK)
    make_honor(branch, recorded_by=root, pk=PK)
    # 廉政风险: this year's round, the unit's register with a point, a measure, an institution.
    from dangjian.integrity.tests import factories as integrity

    review = integrity.RiskReviewFactory(pk=PK, org=root, year=today.year)
    register = integrity.RiskSubmission.objects.create(pk=PK, review=review, org=unit)
    point = integrity.RiskPointFactory(pk=PK, submission=register)
    integrity.MeasureFactory(pk=PK, submission=register, risk_points=[point])
    integrity.InstitutionFactory(pk=PK, submission=register)
    # 培训班: the 工委's class with the member enrolled.
    from dangjian.training.tests.factories import TrainingClassFactory, make_enrolment

    klass = TrainingClassFactory(pk=PK, org=root, year=today.year)
    make_enrolment(branch, klass=klass, member=member, pk=PK)
    # 志愿服务: a community, the unit's 双报到, its feedback, a task force with the member.
    from dangjian.volunteers.tests import factories as volunteers

    community = volunteers.CommunityFactory(pk=PK, org=root)
    volunteers.RegistrationFactory(pk=PK, org=unit, community=community, starts_on=today)
    volunteers.FeedbackFactory(
        pk=PK, community=community, org=unit, year=today.year, given_on=today, recorded_by=root
    )
    task_force = volunteers.TaskForceFactory(pk=PK, org=branch, starts_on=today)
    volunteers.TaskForceMemberFactory(pk=PK, task_force=task_force, member=member, joined_on=today)

    user = make_user("committee_admin", root)
    for code, role in ROLES.items():
        if role.is_global:
            RoleAssignment.objects.create(user=user, role=code, org=None)
    return SimpleNamespace(
        user=user,
        root=root,
        unit=unit,
        branch=branch,
        member=member,
        activity=activity,
        campaign=campaign,
        assessment=assessment,
        finding=finding,
    )
