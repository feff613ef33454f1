"""Issue 11's bad input that concerns recruitment: each refused with a Chinese message
naming the rule and its article, and nothing written (no row, no member, no audit event)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.audit.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.members.tests.factories import MemberFactory
from dangjian.recruitment import services
from dangjian.recruitment.models import (
    Applicant,
    ApplicationFormNumber,
    PartyProbation,
    RecruitmentStep,
    StepPerson,
)

from .factories import VOTE, new_applicant, pool_for, walk

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def user(tree, make_user):
    return make_user("unit_admin", tree.unit_a)


def _counts():
    return (
        Applicant.objects.count(),
        RecruitmentStep.objects.count(),
        StepPerson.objects.count(),
        ApplicationFormNumber.objects.count(),
        Member.objects.count(),
        AuditEvent.objects.count(),
    )


def refused_writing_nothing(call, *words: str) -> str:
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        call()
    assert _counts() == before, "a refused write left something behind"
    text = " ".join(exc.value.messages)
    for word in words:
        assert word in text, text
    return text


def test_date_before_the_previous_step(tree, user):
    a = new_applicant(user, tree.branch_a, applied_on=D(2022, 1, 10))
    refused_writing_nothing(
        lambda: services.record_step(user, a, 2, D(2022, 1, 9)),
        "不能早于上一步骤的日期（2022-01-10）",
        "发展党员工作细则",
    )
    services.record_step(user, a, 2, D(2022, 1, 10))  # the same day is in order


def test_date_in_the_future(tree, user):
    a = new_applicant(user, tree.branch_a)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    refused_writing_nothing(lambda: services.record_step(user, a, 2, tomorrow), "不能晚于今天")


def test_skipped_step(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 2)
    refused_writing_nothing(
        lambda: services.record_step(user, a, 4, D(2022, 3, 5)),
        "不能跳过步骤",
        "第3步“推荐和确定入党积极分子”",
    )
    refused_writing_nothing(lambda: services.record_step(user, a, 2, D(2022, 3, 5)), "不能重复登记")


def _at_introducers(user, tree):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 8)
    return a


def test_introducer_probationary(tree, user):
    a = _at_introducers(user, tree)
    full = MemberFactory(org=tree.branch_a, joined_on=D(2010, 1, 1))
    prob = MemberFactory(
        org=tree.branch_a, status="probationary", joined_on=D(2022, 6, 1), full_member_on=None
    )
    refused_writing_nothing(
        lambda: services.record_step(user, a, 9, D(2023, 3, 6), introducers=[full, prob]),
        f"{prob.name}是预备党员",
        "第十四条",
    )


def test_introducer_full_only_after_the_step_date(tree, user):
    a = _at_introducers(user, tree)
    full = MemberFactory(org=tree.branch_a, joined_on=D(2010, 1, 1))
    later = MemberFactory(org=tree.branch_a, joined_on=D(2022, 6, 1), full_member_on=D(2023, 6, 1))
    refused_writing_nothing(
        lambda: services.record_step(user, a, 9, D(2023, 3, 6), introducers=[full, later]),
        "预备党员",
        "第十四条",
    )


def test_introducer_under_party_probation(tree, user):
    a = _at_introducers(user, tree)
    ok, barred = (MemberFactory(org=tree.branch_a, joined_on=D(2010, 1, 1)) for _ in range(2))
    probation = services.record_party_probation(
        SYSTEM, barred, D(2022, 3, 6), months=12, restored_on=D(2023, 3, 7)
    )
    refused_writing_nothing(
        lambda: services.record_step(user, a, 9, D(2023, 3, 6), introducers=[ok, barred]),
        "留党察看",
        "第十四条",
    )
    # Rights restored on the step's day: no longer barred.
    PartyProbation.objects.filter(pk=probation.pk).update(restored_on=D(2023, 3, 6))
    services.record_step(user, a, 9, D(2023, 3, 6), introducers=[ok, barred])


def test_introducer_is_the_applicant(tree, user):
    a = _at_introducers(user, tree)
    other = MemberFactory(org=tree.branch_a, joined_on=D(2010, 1, 1))
    # A member record carrying the applicant's own ID number (re-entered, or a mistake).
    same = MemberFactory(
        org=tree.branch_b, joined_on=D(2010, 1, 1), id_number=a.id_number, name=a.name
    )
    refused_writing_nothing(
        lambda: services.record_step(SYSTEM, a, 9, D(2023, 3, 6), introducers=[other, same]),
        "是申请人本人",
        "第十四条",
    )


def test_the_same_id_number_is_not_confirmed_to_a_user_who_may_not_reveal(tree, make_user):
    """An 组织委员 (no reveal right) gets the same answer whether or not a member record
    carries the applicant's ID number: telling would confirm a hidden number (0008)."""
    officer = make_user("organization_officer", tree.branch_a)
    answers = []
    for same in (True, False):
        a = new_applicant(officer, tree.branch_a, name="申请人甲" if same else "申请人乙")
        walk(officer, a, 8)
        other = MemberFactory(org=tree.branch_a, joined_on=D(2010, 1, 1))
        twin = MemberFactory(
            org=tree.branch_a,
            joined_on=D(2010, 1, 1),
            **({"id_number": a.id_number} if same else {}),
        )
        row = services.record_step(officer, a, 9, D(2023, 3, 6), introducers=[other, twin])
        answers.append(row.people.count())
    assert answers == [2, 2]


def test_one_introducer_is_not_enough(tree, user):
    a = _at_introducers(user, tree)
    one = MemberFactory(org=tree.branch_a, joined_on=D(2010, 1, 1))
    refused_writing_nothing(
        lambda: services.record_step(user, a, 9, D(2023, 3, 6), introducers=[one]),
        "应为2名正式党员",
    )


def test_introducer_outside_the_users_scope(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    a = new_applicant(secretary, tree.branch_a)
    walk(secretary, a, 8)
    mine = MemberFactory(org=tree.branch_a, joined_on=D(2010, 1, 1))
    theirs = MemberFactory(org=tree.branch_b, joined_on=D(2010, 1, 1))
    refused_writing_nothing(
        lambda: services.record_step(
            secretary, a, 9, D(2023, 3, 6), introducers=[mine.pk, theirs.pk]
        ),
        "不在您的管辖范围内",
    )


def test_reused_form_number(tree, user):
    first = new_applicant(user, tree.branch_a)
    walk(user, first, 13)
    pool = pool_for(first, 2023)
    issued = services.issue_form_number(user, first, pool, issued_on=D(2023, 5, 10), number=7)
    second = new_applicant(user, tree.branch_a, name="李四")
    walk(user, second, 13)
    refused_writing_nothing(
        lambda: services.issue_form_number(user, second, pool, issued_on=D(2023, 5, 12), number=7),
        "已发放",
        "不得重复使用",
        "待核实",
    )
    # A voided number stays used: neither given again on request nor as the next one.
    services.void_form_number(user, issued, D(2023, 5, 11), "填写错误")
    refused_writing_nothing(
        lambda: services.issue_form_number(user, second, pool, issued_on=D(2023, 5, 12), number=7),
        "已作废",
    )
    first.refresh_from_db()
    assert first.application_form_number is None  # voiding cleared it
    again = services.issue_form_number(user, first, pool, issued_on=D(2023, 5, 12))
    assert again.number == 8 and first.application_form_number == pool.code(8)


def test_form_number_from_another_years_pool(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 13)
    refused_writing_nothing(
        lambda: services.issue_form_number(user, a, pool_for(a, 2022), issued_on=D(2023, 5, 10)),
        "2023年度",
    )


def test_form_filled_without_a_number(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 13)
    refused_writing_nothing(
        lambda: services.record_step(user, a, 14, D(2023, 5, 20)), "还没有入党志愿书编号"
    )


def test_branch_assembly_without_quorum(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 14)
    refused_writing_nothing(
        lambda: services.record_step(
            user, a, 15, D(2023, 6, 1), **{**VOTE, "present": 4, "votes_yes": 4}
        ),
        "须超过应到会有表决权人数（9人）的半数",
        "第二十条、第二十一条（待核实）",
    )
    assert a.member_id is None


def test_branch_assembly_without_a_vote_record(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 14)
    refused_writing_nothing(lambda: services.record_step(user, a, 15, D(2023, 6, 1)), "表决情况")


def test_closed_applicant_takes_no_step(tree, user):
    a = new_applicant(user, tree.branch_a)
    services.close_applicant(user, a, D(2022, 2, 1), "本人撤回申请")
    refused_writing_nothing(lambda: services.record_step(user, a, 2, D(2022, 2, 2)), "终止发展")


def test_under_eighteen(tree, user):
    refused_writing_nothing(
        lambda: new_applicant(
            user, tree.branch_a, applied_on=D(2022, 5, 19), birth_date=D(2004, 5, 20)
        ),
        "第五条",
    )


def test_admission_refused_by_the_member_record_writes_nothing(tree, make_user):
    """The 支部大会 step and the member it creates are one write: when the members service
    refuses (the ID number is already registered to a member the secretary may see), the
    step is not recorded either."""
    secretary = make_user("branch_secretary", tree.branch_a)
    a = new_applicant(secretary, tree.branch_a)
    walk(secretary, a, 14)
    MemberFactory(org=tree.branch_a, joined_on=D(2010, 1, 1), id_number=a.id_number)
    refused_writing_nothing(
        lambda: services.record_step(secretary, a, 15, D(2023, 6, 1), **VOTE),
        "生成党员档案时",
        "已登记",
    )
    a.refresh_from_db()
    assert (a.last_step, a.member_id) == (14, None)
