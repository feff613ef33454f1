"""One person from the 入党申请书 to 材料归档 through the services: stages, the member
record created at the 支部大会 and made full at the 转正 approval, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.audit.models import AuditEvent
from dangjian.members.models import MemberStatus
from dangjian.recruitment.models import Applicant, RecruitmentStep, Stage

from .factories import CALENDAR, new_applicant, walk

pytestmark = pytest.mark.django_db


def test_walk_from_application_to_archive(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    applicant = new_applicant(user, tree.branch_a)
    assert applicant.stage == Stage.APPLICANT and applicant.last_step == 1
    walk(user, applicant, 3)
    assert applicant.stage == Stage.ACTIVIST
    walk(user, applicant, 7)
    assert applicant.stage == Stage.CANDIDATE
    assert applicant.member is None
    # The 志愿书 number is issued by the unit's 党委 (its pool), after the 预审.
    unit_admin = make_user("unit_admin", tree.unit_a)
    walk(user, applicant, 13)
    walk(user, applicant, 14, issuer=unit_admin)
    assert applicant.application_form_number == "001"
    walk(user, applicant, 15)
    member = applicant.member
    assert applicant.stage == Stage.PROBATIONARY
    assert member.status == MemberStatus.PROBATIONARY
    assert member.joined_on == CALENDAR[15] and member.org == tree.branch_a
    assert member.name == applicant.name and member.id_number == applicant.id_number
    walk(user, applicant, 25)
    member.refresh_from_db()
    assert applicant.stage == Stage.FULL and applicant.last_step == 25
    assert member.status == MemberStatus.FULL
    assert member.full_member_on == dt.date(2024, 6, 1)  # 2023-06-01 + 1 year
    assert RecruitmentStep.objects.filter(applicant=applicant).count() == 25
    events = AuditEvent.objects.filter(object_type__endswith="recruitmentstep")
    assert events.count() == 25
    assert Applicant.objects.restrict(user, "view").filter(pk=applicant.pk).exists()
