"""A small world for the input and API fuzz tests: every list endpoint has rows to show."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest


@pytest.fixture
def world(tree, make_user):
    """工委 admin over the tree, members, a meeting with attendance, exemptions, a transfer,
    a term with a post, a rule exemption, a campaign with results, a finding and a reminder."""
    from dangjian.activities.models import Activity, Participation
    from dangjian.assessments.models import ItemResult
    from dangjian.assessments.tests.factories import (
        checklist_framework,
        make_campaign,
        make_finding,
    )
    from dangjian.core.scoping import SYSTEM
    from dangjian.members.tests.factories import ExemptionFactory, MemberFactory, TransferFactory
    from dangjian.orgs.models import CommitteePost, Term
    from dangjian.recruitment import services as recruitment_services
    from dangjian.recruitment.models import ApplicationFormPool, PartyProbation
    from dangjian.recruitment.tests.factories import new_applicant, walk
    from dangjian.rules.models import RuleExemption
    from dangjian.rules.models_notifications import Notification

    admin = make_user("committee_admin", tree.root, display_name="工委管理员")
    # Fixed birth dates: the factory's sequence can land on 29 February (no 25th birthday).
    members = [
        MemberFactory(org=org, birth_date=dt.date(1975 + i, 3, 1 + i))
        for i, org in enumerate([tree.branch_a] * 3 + [tree.branch_b] * 2)
    ]
    meeting = Activity.objects.create(
        org=tree.branch_a,
        kind="member_assembly",
        title="五月支部党员大会",
        held_on=dt.date(2024, 5, 10),
    )
    Participation.objects.bulk_create(
        Participation(activity=meeting, member=m, status="attended") for m in members[:3]
    )
    exemption = ExemptionFactory(member=members[0])
    transfer = TransferFactory(member=members[1])
    term = Term.objects.create(org=tree.branch_a, number=1, started_on=dt.date(2022, 6, 1))
    post = CommitteePost.objects.create(
        term=term, member=members[2], post="secretary", assigned_on=dt.date(2022, 6, 1)
    )
    rule_exemption = RuleExemption.objects.create(
        org=tree.branch_b,
        rule_id="branch.theme_day.monthly",
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 12, 31),
        reason="支部改组",
        approved_by="工委",
    )
    framework = checklist_framework()
    campaign = make_campaign(framework, tree.root, [tree.branch_a, tree.branch_b])
    assessment = campaign.assessments.get(target=tree.branch_a)
    item = framework.items.get(code="1.1")
    result = ItemResult.objects.create(
        assessment=assessment, item=item, result="nonconforming", note="记录不全"
    )
    finding = make_finding(
        tree.branch_a, raised_by=tree.root, campaign=campaign, assessment=assessment, item=item
    )
    notification = Notification.objects.create(
        user=admin, kind="term_due", title="换届提醒", org=tree.branch_a, dedupe_key="fuzz-1"
    )
    clerk = make_user("viewer", tree.unit_b, display_name="只读用户")
    # 发展党员: an applicant at step 13 with a 志愿书 number, a 留党察看 record.
    applicant = walk(admin, new_applicant(admin, tree.branch_a), 13, people=members[:2])
    pool = ApplicationFormPool.objects.create(org=tree.unit_a, year=2023, first=1, last=99)
    recruitment_services.issue_form_number(SYSTEM, applicant, pool, dt.date(2023, 5, 10))
    PartyProbation.objects.create(member=members[4], decided_on=dt.date(2024, 1, 1))
    from dangjian.cases.tests.factories import make_award, make_brand, make_case, make_rating

    case = make_case(tree.branch_a)
    rating, award = make_rating(case, by=tree.root), make_award(case)
    brand = make_brand(tree.branch_a)  # a branch brand under the unit's
    # A row of each API resource, by its URL name: what a fuzzed detail URL may point at.
    rows = {
        "cases": case.pk,
        "case-ratings": rating.pk,
        "case-awards": award.pk,
        "brands": brand.pk,
        "activities": meeting.pk,
        "assessments": assessment.pk,
        "campaigns": campaign.pk,
        "committee-posts": post.pk,
        "exemptions": exemption.pk,
        "findings": finding.pk,
        "frameworks": framework.pk,
        "item-results": result.pk,
        "members": members[0].pk,
        "notifications": notification.pk,
        "orgs": tree.branch_a.pk,
        # /api/recruitment/<resource>/{id}/: the applicant (its actions are the ones to fuzz)
        "recruitment": applicant.pk,
        "participations": meeting.participations.values_list("pk", flat=True)[0],
        "rectifications": finding.rectification.pk,
        "rule-exemptions": rule_exemption.pk,
        "terms": term.pk,
        "transfers": transfer.pk,
        "units": tree.dept_a.pk,
        "users": clerk.pk,
    }
    return SimpleNamespace(
        rows=rows,
        tree=tree,
        admin=admin,
        members=members,
        meeting=meeting,
        exemption=exemption,
        transfer=transfer,
        term=term,
        post=post,
        rule_exemption=rule_exemption,
        framework=framework,
        campaign=campaign,
        assessment=assessment,
        finding=finding,
    )
