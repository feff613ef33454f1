"""The 发展党员 record follows its probationary member: an internal transfer moves it to the
new branch, a transfer out of the system or an exit closes it on that date; a converted
record is history and stays as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.members import services as member_services
from dangjian.recruitment.models import Applicant

from .factories import CALENDAR, new_applicant, walk

pytestmark = pytest.mark.django_db
ADMITTED = CALENDAR[15]


@pytest.fixture
def admitted(tree):
    applicant = walk(SYSTEM, new_applicant(SYSTEM, tree.branch_a), 15)
    assert applicant.member is not None and applicant.member.status == "probationary"
    return applicant


def test_an_internal_transfer_moves_the_record_to_the_new_branch(tree, admitted):
    member_services.transfer_member(
        SYSTEM, admitted.member, tree.branch_b, ADMITTED + dt.timedelta(days=30)
    )
    admitted.refresh_from_db()
    assert admitted.org_id == tree.branch_b.pk and admitted.closed_on is None


def test_a_transfer_out_closes_it(tree, admitted):
    on = ADMITTED + dt.timedelta(days=40)
    member_services.transfer_member(
        SYSTEM, admitted.member, None, on, external_org_name="外省某机关党委"
    )
    admitted.refresh_from_db()
    assert (admitted.closed_on, admitted.closed_reason) == (on, "组织关系转出本系统")


def test_probation_cancelled_closes_it(tree, admitted):
    on = ADMITTED + dt.timedelta(days=90)
    member_services.record_exit(
        SYSTEM,
        admitted.member,
        "probation_cancelled",
        on,
        reason="不履行党员义务",
        approved_by_org=tree.unit_a,
    )
    admitted.refresh_from_db()
    assert admitted.closed_on == on and "取消预备党员资格" in admitted.closed_reason


def test_a_converted_record_is_left_as_it_was(tree, admitted):
    walk(SYSTEM, admitted, 24)
    admitted.refresh_from_db()
    member = admitted.member
    member.refresh_from_db()
    on = timezone.localdate()
    member_services.record_exit(SYSTEM, member, "deceased", on, reason="病故")
    assert Applicant.objects.get(pk=admitted.pk).closed_on is None
