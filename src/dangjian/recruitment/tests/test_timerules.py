"""Each time rule on a hand-computed calendar, at both edges of its interval.

Dates are explicit; months are calendar months clamped to the month end (31 January + 1
month = 28/29 February), years keep the day (29 February + 1 year = 28 February), as
`orgs.termrules` and `members.models.probation_end` count them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.members.models import Member
from dangjian.members.tests.factories import MemberFactory
from dangjian.recruitment import services
from dangjian.recruitment.models import RecruitmentStep, Step
from dangjian.recruitment.timerules import get_rules

from .factories import VOTE, full_members, new_applicant, walk

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def user(tree, make_user):
    return make_user("unit_admin", tree.unit_a)


def refused(call, *words: str) -> str:
    with pytest.raises(ValidationError) as exc:
        call()
    text = " ".join(exc.value.messages)
    for word in words:
        assert word in text, text
    return text


# --- age (细则第五条) ---------------------------------------------------------------------


def test_age_18_on_the_birthday_accepted_the_day_before_refused(tree, user):
    birth = D(2004, 5, 20)
    new_applicant(user, tree.branch_a, applied_on=D(2022, 5, 20), birth_date=birth)
    refused(
        lambda: new_applicant(user, tree.branch_a, applied_on=D(2022, 5, 19), birth_date=birth),
        "年满18周岁",
        "第五条",
    )


def test_age_born_29_february_is_18_on_28_february(tree, user):
    birth = D(2004, 2, 29)
    new_applicant(user, tree.branch_a, applied_on=D(2022, 2, 28), birth_date=birth)
    refused(
        lambda: new_applicant(user, tree.branch_a, applied_on=D(2022, 2, 27), birth_date=birth),
        "第五条",
    )


# --- talk within one month (第七条, article unverified) ----------------------------------


@pytest.mark.parametrize(
    ("applied", "last_ok"),
    [
        (D(2022, 1, 10), D(2022, 2, 10)),
        (D(2022, 1, 31), D(2022, 2, 28)),  # clamped to the month end
        (D(2024, 1, 31), D(2024, 2, 29)),  # leap year
    ],
)
def test_talk_within_one_month(tree, user, applied, last_ok):
    late = new_applicant(user, tree.branch_a, applied_on=applied)
    text = refused(
        lambda: services.record_step(user, late, 2, last_ok + dt.timedelta(days=1)),
        "1个月内",
        "第七条（待核实）",
    )
    assert "例外" in text  # the rule allows an approved exception, and says so
    on_time = new_applicant(user, tree.branch_a, applied_on=applied, name="李四")
    services.record_step(user, on_time, 2, last_ok)
    assert on_time.last_step == 2


def test_late_talk_as_an_approved_exception(tree, user):
    applicant = new_applicant(user, tree.branch_a, applied_on=D(2022, 1, 10))
    late = D(2022, 3, 1)
    refused(
        lambda: services.record_step(
            user, applicant, 2, late, exception_rules=["recruitment.talk"], exception_reason="x"
        ),
        "批准人",
    )
    row = services.record_step(
        user,
        applicant,
        2,
        late,
        exception_rules=["recruitment.talk"],
        exception_reason="申请人长期出差",
        exception_approved_by="甲局机关党委",
    )
    assert row.exception_rules == ["recruitment.talk"]
    assert row.exception_approved_by == "甲局机关党委"


def test_rules_without_exceptions_cannot_be_excepted(tree, user):
    applicant = new_applicant(user, tree.branch_a)
    refused(
        lambda: services.record_step(
            user,
            applicant,
            3,
            D(2022, 3, 1),
            exception_rules=["recruitment.order"],
            exception_reason="补录",
            exception_approved_by="某某",
        ),
        "不允许例外",
    )


# --- one year as an activist (第十三条) and a review every six months (第十一条) -----------


def _activist(user, tree, activist_on, reviews, applied=dt.date(2022, 1, 10)):
    applicant = new_applicant(user, tree.branch_a, applied_on=applied)
    walk(user, applicant, 2, calendar={2: applied + dt.timedelta(days=5)})
    walk(
        user,
        applicant,
        5,
        calendar={3: activist_on, 4: activist_on, 5: activist_on},
    )
    for on in reviews:
        services.record_step(user, applicant, 6, on)
    applicant.refresh_from_db()
    return applicant


def test_candidate_after_exactly_one_year_accepted_a_day_less_refused(tree, user):
    a = _activist(user, tree, D(2022, 3, 1), [D(2022, 9, 1)])
    refused(
        lambda: services.record_step(user, a, 7, D(2023, 2, 28)),
        "满1年",
        "第十三条",
    )
    services.record_step(user, a, 7, D(2023, 3, 1))


def test_candidate_year_from_29_february(tree, user):
    a = _activist(user, tree, D(2024, 2, 29), [D(2024, 8, 29)], applied=D(2024, 1, 10))
    refused(lambda: services.record_step(user, a, 7, D(2025, 2, 27)), "第十三条")
    services.record_step(user, a, 7, D(2025, 2, 28))


def test_review_every_six_months_edges(tree, user):
    # 2022-03-01 + 6 months = 2022-09-01: a review that day keeps the chain …
    a = _activist(user, tree, D(2022, 3, 1), [D(2022, 9, 1)])
    # … and the next is due 2023-03-01: a candidate decision on 2023-03-02 finds the gap.
    refused(lambda: services.record_step(user, a, 7, D(2023, 3, 2)), "每6个月", "第十一条")
    services.record_step(user, a, 7, D(2023, 3, 1))
    # A first review one day late breaks it too.
    b = _activist(user, tree, D(2022, 3, 1), [D(2022, 9, 2)])
    refused(lambda: services.record_step(user, b, 7, D(2023, 3, 1)), "第十一条")


def test_review_is_repeatable_but_not_after_the_candidate_step(tree, user):
    a = _activist(user, tree, D(2022, 3, 1), [D(2022, 6, 1), D(2022, 12, 1)])
    assert RecruitmentStep.objects.filter(applicant=a, step=6).count() == 2
    services.record_step(user, a, 7, D(2023, 3, 1))
    refused(lambda: services.record_step(user, a, 6, D(2023, 3, 5)), "不能再登记")


# --- contacts (第九条), introducers (第十四条) ---------------------------------------------


def test_contacts_one_or_two_full_members(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 4)
    three = full_members(tree.branch_a, 3)
    refused(lambda: services.record_step(user, a, 5, D(2022, 3, 6)), "1至2名", "第九条")
    refused(lambda: services.record_step(user, a, 5, D(2022, 3, 6), contacts=three), "1至2名")
    probationary = MemberFactory(
        org=tree.branch_a, status="probationary", joined_on=D(2021, 6, 1), full_member_on=None
    )
    refused(
        lambda: services.record_step(user, a, 5, D(2022, 3, 6), contacts=[probationary]),
        "预备党员",
    )
    services.record_step(user, a, 5, D(2022, 3, 6), contacts=[m.pk for m in three[:2]])
    assert sorted(a.steps.get(step=5).people.values_list("member_id", flat=True)) == sorted(
        m.pk for m in three[:2]
    )


def test_training_three_days_or_24_hours(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 10)
    refused(
        lambda: services.record_step(
            user, a, 11, D(2023, 4, 10), training_days=2, training_hours=23
        ),
        "不少于3天",
        "第十七条",
    )
    refused(lambda: services.record_step(user, a, 11, D(2023, 4, 10)), "天数或学时")
    services.record_step(user, a, 11, D(2023, 4, 10), training_days=2, training_hours=24)


def test_training_of_three_days_is_enough(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 10)
    services.record_step(user, a, 11, D(2023, 4, 10), training_days=3)


# --- quorum (第二十条、第二十一条, secondary sources) ---------------------------------------


@pytest.mark.parametrize(
    ("expected", "present", "yes", "ok"),
    [
        (9, 5, 5, True),  # 5 > 4.5
        (9, 4, 4, False),  # 4 present of 9
        (9, 9, 4, False),  # 4 yes of 9
        (8, 4, 4, False),  # half is not more than half
        (8, 5, 5, True),
    ],
)
def test_quorum_at_the_branch_assembly(tree, user, expected, present, yes, ok):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 14)
    vote = {
        "expected": expected,
        "present": present,
        "votes_yes": yes,
        "votes_no": 0,
        "votes_abstain": 0,
    }
    if ok:
        services.record_step(user, a, 15, D(2023, 6, 1), **vote)
        assert Member.objects.filter(pk=a.member_id).exists()
    else:
        refused(
            lambda: services.record_step(user, a, 15, D(2023, 6, 1), **vote), "半数", "第二十条"
        )


def test_vote_counts_must_add_up(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 11)
    bad = {**VOTE, "present": 10}
    refused(lambda: services.record_step(user, a, 12, D(2023, 4, 20), **bad), "实到人数不能多于")
    bad = {**VOTE, "votes_no": 1}  # 8 + 1 > 8 present
    refused(lambda: services.record_step(user, a, 12, D(2023, 4, 20), **bad), "之和")


# --- approval within 3 months, never more than 6 (article unverified) ------------------


def test_approval_within_three_months_six_at_most(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 16)  # 支部大会 2023-06-01
    exception = {
        "exception_rules": ["recruitment.approval"],
        "exception_reason": "上级党委换届",
        "exception_approved_by": "甲局机关党委",
    }
    refused(lambda: services.record_step(user, a, 17, D(2023, 9, 2)), "3个月内")
    refused(
        lambda: services.record_step(user, a, 17, D(2023, 12, 2), **exception),
        "最长不超过",
    )
    services.record_step(user, a, 17, D(2023, 12, 1), **exception)


def test_approval_on_the_last_day_of_three_months(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 16)
    services.record_step(user, a, 17, D(2023, 9, 1))


# --- probation one year (第三十二条), 转正 approval within 3 months ---------------------------


def test_conversion_meeting_not_before_the_probation_end(tree, user):
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 22)  # joined 2023-06-01 → end 2024-06-01
    refused(
        lambda: services.record_step(user, a, 23, D(2024, 5, 31), **VOTE),
        "2024-06-01届满",
        "第三十二条",
    )
    services.record_step(user, a, 23, D(2024, 6, 1), **VOTE)
    refused(lambda: services.record_step(user, a, 24, D(2024, 9, 2)), "3个月内")
    services.record_step(user, a, 24, D(2024, 9, 1))


def test_the_file_cites_every_rule_and_marks_unverified_ones():
    rules = get_rules()
    assert rules["recruitment.age"].cite() == "《中国共产党发展党员工作细则》第五条"
    assert rules["recruitment.talk"].cite().endswith("第七条（待核实）")
    assert not rules["recruitment.quorum"].verified
    assert rules["recruitment.approval"].exceptable
    assert not rules["recruitment.introducers"].exceptable


def test_order_of_steps_is_checked_first(tree, user):
    a = new_applicant(user, tree.branch_a)
    assert a.last_step == Step.APPLICATION
