"""A small branch seen by the people who use it every day (plain-language, menu and phone tests).

Every user has a username unlike their name, so a username on a page is found by looking
for it. Rows that pages name by id have the id PK (core.testing.routes), so `<int:pk>` in
any URL reaches one inside the branch.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from dangjian.core.testing.routes import PK

# username → (name, role, where): "root" | "unit" | "branch" | "" (global)
PEOPLE = {
    "k7sec": ("王秀琴", "branch_secretary", "branch"),
    "k7org": ("李明远", "organization_officer", "branch"),
    "k7mem": ("赵海东", "party_member", "branch"),
    "k7unit": ("孙卫国", "unit_admin", "unit"),
    "k7view": ("钱晓红", "viewer", "unit"),
    "k7gw": ("周建平", "committee_admin", "root"),
    "k7sys": ("吴系统", "system_admin", ""),
}
FRAMEWORK_CODE = "k7_basic_check"


def build_branch_world(make_user) -> SimpleNamespace:
    """工委 → 甲局机关党委 → 甲局办公室第一党支部 (PK) → 党小组; members, a meeting with
    attendance and a leave reason, a term and its posts, exemptions, a reminder for each
    user, and a campaign the unit ran over its branches (drawn by the unit admin, results
    released) with a finding whose rectification the 工委 verified.

    In one transaction: rows are moved to the id PK after their references, which the
    database checks at commit (browser tests run outside a test's transaction)."""
    with transaction.atomic():
        return _build(make_user)


def _build(make_user) -> SimpleNamespace:
    from dangjian.activities.models import Activity, AgendaItem, Participation, Tag
    from dangjian.assessments import campaigns
    from dangjian.assessments.models import Assessment, Campaign, ItemResult, Rectification
    from dangjian.assessments.tests.factories import checklist_framework, make_finding
    from dangjian.members.tests.factories import ExemptionFactory, MemberFactory, TransferFactory
    from dangjian.orgs.models import CommitteePost, Organization, OrgKind, Term, Unit
    from dangjian.rules.models import RuleExemption
    from dangjian.rules.models_notifications import Notification

    today = timezone.localdate()
    root = Organization.add_root(kind=OrgKind.COMMITTEE, name="示例市委直属机关工委")
    unit = root.add_child(kind=OrgKind.UNIT_PARTY, name="甲局机关党委")
    dept = Unit.objects.create(pk=PK, name="甲局", party_org=unit)
    Organization.objects.filter(pk=unit.pk).update(unit=dept)
    unit.refresh_from_db()
    branch = unit.add_child(
        pk=PK,
        kind=OrgKind.BRANCH,
        name="甲局办公室第一党支部",
        unit=dept,
        established_on=dt.date(2015, 3, 1),
    )
    branch.refresh_from_db()
    # A name of nearly 30 characters, as the longest real ones are: it must wrap by words.
    group = branch.add_child(
        kind=OrgKind.PARTY_GROUP,
        name="综合业务与信息化建设办公室暨档案管理中心机关联合第一党小组",
        unit=dept,
    )
    unit.refresh_from_db()
    other = unit.add_child(kind=OrgKind.BRANCH, name="甲局办公室第二党支部", unit=dept)

    places = {"root": root, "unit": unit, "branch": branch, "": None}
    users = {
        username: make_user(role, places[where], username=username, display_name=name)
        for username, (name, role, where) in PEOPLE.items()
    }

    members = [
        MemberFactory(pk=PK, org=branch, name="陈志刚", birth_date=dt.date(1980, 3, 1)),
        MemberFactory(org=branch, name="刘芳", birth_date=dt.date(1985, 4, 2)),
        MemberFactory(org=group, name="欧阳明月", birth_date=dt.date(1990, 5, 3)),
        MemberFactory(org=other, name="黄晓东", birth_date=dt.date(1978, 6, 4)),
        # the party member's own record, linked to their login (党员自助)
        MemberFactory(
            org=branch, name="赵海东", birth_date=dt.date(1988, 7, 1), account=users["k7mem"]
        ),
    ]
    term = Term.objects.create(pk=PK, org=branch, number=2, started_on=dt.date(2022, 6, 1))
    CommitteePost.objects.create(
        pk=PK, term=term, member=members[0], post="secretary", assigned_on=dt.date(2022, 6, 1)
    )
    ExemptionFactory(pk=PK, member=members[1], starts_on=dt.date(2024, 1, 1))
    TransferFactory(pk=PK, member=members[2])

    tag = Tag.objects.create(pk=PK, code="k7-discipline", name="青年理论学习")
    meeting = Activity.objects.create(
        pk=PK,
        org=branch,
        kind="member_assembly",
        title="第二季度支部党员大会",
        held_on=today,
        host=members[0],
        recorded_by=users["k7sec"],
    )
    meeting.tags.add(tag)
    AgendaItem.objects.create(activity=meeting, order=1, title="学习党章", is_first_topic=True)
    Participation.objects.create(activity=meeting, member=members[0], status="attended")
    Participation.objects.create(activity=meeting, member=members[1], status="leave", reason="病假")
    Participation.objects.create(activity=meeting, member=members[2], status="attended")

    RuleExemption.objects.create(
        pk=PK,
        org=branch,
        rule_id="branch.theme_day.monthly",
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 12, 31),
        reason="支部改组",
        approved_by="甲局机关党委",
        recorded_by=users["k7unit"],
    )
    for n, user in enumerate(users.values()):
        Notification.objects.create(
            user=user,
            kind="term_due",
            title="甲局办公室第一党支部将于三个月内换届",
            org=branch,
            rule_id="term.renewal.reminders",
            dedupe_key=f"plain-{n}",
        )

    framework = checklist_framework(pk=PK, code=FRAMEWORK_CODE, name="基础制度检查")
    campaign = campaigns.create_campaign(
        users["k7unit"],
        name="甲局基础制度抽查",
        campaign_type="sampled_review",
        framework=framework,
        scope_org=unit,
        target_kinds=["branch"],
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31),
        selection="sample",
        sample_size=2,
        seed=7,
    )
    # The ids pages are reached by (the database checks the references at commit).
    Campaign.objects.filter(pk=campaign.pk).update(id=PK)
    Assessment.objects.filter(campaign_id=campaign.pk).update(campaign_id=PK)
    Assessment.objects.filter(campaign_id=PK, target=branch).update(id=PK)
    campaign = Campaign.objects.get(pk=PK)
    assessment = Assessment.objects.get(pk=PK)
    item = framework.items.get(code="1.1")
    ItemResult.objects.create(
        assessment=assessment, item=item, result="nonconforming", note="主题党日记录不全"
    )
    finding = make_finding(
        branch,
        raised_by=unit,
        campaign=campaign,
        assessment=assessment,
        item=item,
        found_on=today,
        created_by=users["k7unit"],
    )
    type(finding).objects.filter(pk=finding.pk).update(id=PK)
    Rectification.objects.filter(org=branch).update(
        id=PK, finding_id=PK, verified_by=users["k7gw"], submitted_by=users["k7sec"]
    )
    Campaign.objects.filter(pk=PK).update(results_released=True)
    return SimpleNamespace(
        root=root,
        unit=unit,
        branch=branch,
        group=group,
        users=users,
        members=members,
        meeting=meeting,
        campaign=campaign,
        framework=framework,
    )
