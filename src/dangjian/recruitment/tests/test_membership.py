"""Membership follows the steps: the 支部大会 creates the probationary member (政治生日 =
its date), an extension moves the probation end and the 转正 date, 转正 approval makes the
member full from the end of probation; a member who left cannot be converted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.members.models import Member, MembershipState, MemberStatus
from dangjian.recruitment import services
from dangjian.recruitment.models import Stage

from .factories import VOTE, new_applicant, walk

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def user(tree, make_user):
    return make_user("branch_secretary", tree.branch_a)


def test_admission_creates_the_probationary_member(tree, user):
    a = new_applicant(user, tree.branch_a, job_title="科员", unit=tree.dept_a)
    walk(user, a, 14)
    assert not Member.objects.filter(name=a.name).exists()
    walk(user, a, 15, calendar={15: D(2023, 6, 2)})
    m = Member.objects.get(pk=a.member_id)
    assert (m.status, m.joined_on, m.org_id) == (
        MemberStatus.PROBATIONARY,
        D(2023, 6, 2),
        tree.branch_a.pk,
    )
    assert (m.job_title, m.unit_id, m.birth_date) == ("科员", tree.dept_a.pk, a.birth_date)
    assert m.probation_ends_on == D(2024, 6, 2)
    assert a.stage == Stage.PROBATIONARY


def test_admission_on_29_february_ends_probation_on_28_february(tree, user):
    a = new_applicant(user, tree.branch_a, applied_on=D(2022, 6, 1))
    cal = {
        2: D(2022, 6, 2), 3: D(2022, 8, 1), 4: D(2022, 8, 1), 5: D(2022, 8, 1),
        6: D(2023, 2, 1), 7: D(2023, 8, 1), 8: D(2023, 8, 1), 9: D(2023, 8, 2),
        10: D(2023, 9, 1), 11: D(2023, 10, 1), 12: D(2023, 11, 1), 13: D(2023, 12, 1),
        14: D(2024, 1, 5), 15: D(2024, 2, 29),
    }  # fmt: skip
    walk(user, a, 15, calendar=cal)
    assert Member.objects.get(pk=a.member_id).probation_ends_on == D(2025, 2, 28)


def test_conversion_after_an_extension(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 22)  # joined 2023-06-01
    services.extend_probation(user, a, 6, D(2024, 5, 20), "需继续考察")
    m = Member.objects.get(pk=a.member_id)
    assert m.probation_ends_on == D(2024, 12, 1)
    with pytest.raises(ValidationError) as exc:
        services.record_step(user, a, 23, D(2024, 11, 30), **VOTE)
    assert "2024-12-01届满" in str(exc.value)
    # A second extension is the members service's refusal, cited.
    with pytest.raises(ValidationError) as exc:
        services.extend_probation(user, a, 6, D(2024, 11, 20))
    assert "只能延长一次" in str(exc.value) and "第三十二条" in str(exc.value)
    walk(user, a, 24, calendar={23: D(2024, 12, 1), 24: D(2024, 12, 20)})
    m.refresh_from_db()
    assert m.status == MemberStatus.FULL and m.full_member_on == D(2024, 12, 1)
    assert a.stage == Stage.FULL


def test_extension_before_admission_is_refused(tree, user):
    a = new_applicant(user, tree.branch_a)
    with pytest.raises(ValidationError, match="尚未被接收"):
        services.extend_probation(user, a, 6, D(2024, 5, 20))


def test_a_member_who_left_is_not_converted(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 22)
    Member.objects.filter(pk=a.member_id).update(membership=MembershipState.REMOVED)
    a.refresh_from_db()
    with pytest.raises(ValidationError, match="不能办理转正"):
        services.record_step(user, a, 23, D(2024, 6, 1), **VOTE)


def test_closing_an_admitted_person_goes_through_the_member_record(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 15)
    with pytest.raises(ValidationError, match="出党"):
        services.close_applicant(user, a, D(2023, 7, 1), "取消预备党员资格")


def test_undo_the_last_step_but_not_the_admission(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 7)
    row = a.steps.get(step=7)
    with pytest.raises(ValidationError, match="最近登记"):
        services.delete_last_step(user, a.steps.get(step=5))
    services.delete_last_step(user, row)
    a.refresh_from_db()
    assert (a.last_step, a.stage) == (6, Stage.ACTIVIST)
    walk(user, a, 15)
    with pytest.raises(ValidationError, match="不能撤销"):
        services.delete_last_step(user, a.steps.get(step=15))
