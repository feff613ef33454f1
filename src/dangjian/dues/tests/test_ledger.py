"""The ledger on hand-computed calendars: pay changes, 补交, quarters, reductions, arrears,
bad input (Chinese message, nothing written), hand-overs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from dangjian.audit.models import AuditEvent
from dangjian.core.services import OutOfScope
from dangjian.dues import ledger, services
from dangjian.dues.models import DuesBase, DuesDue, DuesPayment, DuesReduction, DuesRemittance
from dangjian.members.tests.factories import MemberFactory

M = lambda y, m: dt.date(y, m, 1)  # noqa: E731


@pytest.fixture
def world(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    unit = make_user("unit_admin", tree.unit_a)
    member = MemberFactory(org=tree.branch_a, name="张三", joined_on=dt.date(2010, 7, 1))
    return tree, secretary, unit, member


def _base(user, member, year=2024, month=1, **kw):
    fields = {"category": "in_service", "base": "4000", "reviewed_on": dt.date(2024, 1, 5)}
    fields.update(kw)
    return services.save_base(user, member, year=year, from_month=month, **fields)


def _pay(user, member, first, last, amount, paid_on, **kw):
    fields = {"method": "cash"} | kw
    return services.record_payment(
        user, member, paid_on=paid_on, from_month=first, to_month=last, amount=amount, **fields
    )


def _dues(member):
    return {d.month: d.amount for d in DuesDue.objects.filter(member=member)}


def test_pay_change_applies_from_the_month_the_new_pay_is_received(world):
    _tree, secretary, _, member = world
    _base(secretary, member)  # 4000 → 1 % → 40.00
    ledger.generate_through(M(2024, 12))
    assert set(_dues(member).values()) == {D("40.00")}
    # July's dues already paid with the old amount stay as they were paid.
    _pay(secretary, member, M(2024, 7), M(2024, 7), "40", dt.date(2024, 7, 3))
    # New pay received from July 2024: 6000 → 1.5 % → 90.00; unpaid months follow.
    _base(secretary, member, month=7, base="6000")
    dues = _dues(member)
    assert [dues[M(2024, m)] for m in range(1, 13)] == [D("40.00")] * 7 + [D("90.00")] * 5
    row = DuesDue.objects.get(member=member, month=M(2024, 8))
    assert row.bracket == "5000元以上至10000元（含）按1.5%"
    # The next year's months carry the latest base until the next 核定.
    ledger.generate_month(M(2025, 1))
    assert _dues(member)[M(2025, 1)] == D("90.00")


def test_back_payment_six_months_allowed_seven_needs_a_decision(world):
    _, secretary, _, member = world
    _base(secretary, member, year=2023, month=1)
    paid_on = dt.date(2024, 7, 15)
    # 2024-01..06 is six months back from July: allowed, marked 补交.
    p = _pay(secretary, member, M(2024, 1), M(2024, 6), "240", paid_on)
    assert (p.back_payment, p.due_total, p.extra, p.months) == (True, D("240.00"), D("0"), 6)
    # 2023-12 is seven months back: refused without a decision, nothing written.
    with pytest.raises(ValidationError) as exc:
        _pay(secretary, member, M(2023, 12), M(2023, 12), "40", paid_on)
    assert "补交一般不超过 6 个月" in str(exc.value) and "第十二条" in str(exc.value)
    assert DuesPayment.objects.count() == 1
    p = _pay(
        secretary, member, M(2023, 12), M(2023, 12), "40", paid_on, decision_ref="支委会2024-07-10"
    )
    assert p.back_payment and p.decision_ref == "支委会2024-07-10"


def test_a_quarter_paid_within_it_is_not_late_after_it_is(world):
    _, secretary, _, member = world
    _base(secretary, member)
    on_time = _pay(secretary, member, M(2024, 1), M(2024, 3), "120", dt.date(2024, 3, 20))
    late = _pay(secretary, member, M(2024, 4), M(2024, 6), "120", dt.date(2024, 7, 2))
    assert (on_time.back_payment, late.back_payment) == (False, True)


def test_a_paid_month_keeps_its_payments_date_and_a_cancel_clears_it(world):
    # The on-time counts read the month's copy of the date (decisions/0022).
    _, secretary, _, member = world
    _base(secretary, member)
    late = _pay(secretary, member, M(2024, 4), M(2024, 6), "120", dt.date(2024, 7, 2))
    _pay(secretary, member, M(2024, 1), M(2024, 3), "120", dt.date(2024, 3, 20))
    rows = DuesDue.objects.filter(member=member).order_by("month")
    paid = {m: dt.date(2024, 3, 20) if m <= 3 else dt.date(2024, 7, 2) for m in range(1, 7)}
    assert [(d.month.month, d.paid_on, d.payment.paid_on) for d in rows] == [
        (m, day, day) for m, day in paid.items()
    ]
    on_time = DuesDue.objects.filter(member=member).filter(ledger.paid_on_time(2024))
    assert sorted(d.month.month for d in on_time) == [1, 2, 3]
    services.cancel_payment(secretary, late)
    cancelled = DuesDue.objects.filter(member=member, month__gte=M(2024, 4))
    assert list(cancelled.values_list("payment_id", "paid_on")) == [(None, None)] * 3


def test_months_already_paid_refused_and_nothing_written(world):
    _, secretary, _, member = world
    _base(secretary, member)
    _pay(secretary, member, M(2024, 1), M(2024, 3), "120", dt.date(2024, 3, 20))
    with pytest.raises(ValidationError) as exc:
        _pay(secretary, member, M(2024, 3), M(2024, 4), "80", dt.date(2024, 4, 20))
    assert "张三2024年3月的党费已交纳（2024-03-20登记），不能重复登记" in str(exc.value)
    assert DuesPayment.objects.count() == 1
    assert not DuesDue.objects.filter(month=M(2024, 4), payment__isnull=False).exists()


def test_amount_below_the_due_refused_extra_recorded_and_central_flag(world):
    _, secretary, _, member = world
    _base(secretary, member)
    with pytest.raises(ValidationError, match=r"应交 120\.00 元"):
        _pay(secretary, member, M(2024, 1), M(2024, 3), "119.99", dt.date(2024, 3, 1))
    small = _pay(secretary, member, M(2024, 1), M(2024, 1), "540", dt.date(2024, 1, 9))
    big = _pay(secretary, member, M(2024, 2), M(2024, 2), "1040", dt.date(2024, 2, 9))
    assert (small.extra, small.central) == (D("500.00"), False)
    assert (big.extra, big.central) == (D("1000.00"), True)  # 多交 1,000 元 or more


def test_proxy_payment_records_the_payer(world):
    _, secretary, _, member = world
    _base(secretary, member)
    p = _pay(
        secretary, member, M(2024, 1), M(2024, 1), "40", dt.date(2024, 1, 9), payer_name="李四"
    )
    assert p.payer_name == "李四"


def test_member_who_left_refused(world):
    _, secretary, _, member = world
    _base(secretary, member)
    member.membership = "transferred_out"
    member.save()
    with pytest.raises(ValidationError, match="张三已不在本组织党员名册中（已转出）"):
        _pay(secretary, member, M(2024, 1), M(2024, 1), "40", dt.date(2024, 1, 9))
    assert not DuesPayment.objects.exists()
    assert ledger.generate_month(M(2024, 2)) == 0  # no dues for a member who left


def test_probationary_member_pays_from_the_month_of_the_branch_assembly(world):
    tree, secretary, _, _ = world
    new = MemberFactory(
        org=tree.branch_a, name="王五", joined_on=dt.date(2024, 5, 20), status="probationary"
    )
    _base(secretary, new, month=1, base="2000")
    ledger.generate_through(M(2024, 6))
    assert sorted(_dues(new)) == [M(2024, 5), M(2024, 6)]  # May counts: 第八条
    with pytest.raises(ValidationError, match="第八条"):
        _pay(secretary, new, M(2024, 4), M(2024, 5), "20", dt.date(2024, 6, 1))


def test_bad_bases_refused_with_nothing_written(world):
    _, secretary, _, member = world
    for bad, text in [
        ("-1", "月工资基数须为 0 至"),
        ("99999999", "月工资基数须为 0 至"),
        ("12.345", "最多两位小数"),
        ("abc", "月工资基数须为 0 至"),
    ]:
        with pytest.raises(ValidationError, match=text):
            _base(secretary, member, base=bad)
    with pytest.raises(ValidationError, match=r"农民党员每月交纳0\.2至1元"):
        _base(secretary, member, category="farmer", base=None, fixed_amount="2")
    with pytest.raises(ValidationError, match="按定额交纳，不填工资基数"):
        _base(secretary, member, category="student", base="100")
    with pytest.raises(ValidationError, match="年度须在"):
        _base(secretary, member, year=1999)
    assert not DuesBase.objects.exists()
    _base(secretary, member)
    with pytest.raises(ValidationError, match="2024年1月起的基数已登记"):
        _base(secretary, member)


def test_reduction_needs_the_next_levels_approval(world):
    _tree, secretary, unit, member = world
    _base(secretary, member)
    red = services.request_reduction(
        secretary,
        member,
        kind="exempt",
        starts=M(2024, 3),
        ends=M(2024, 4),
        reason="重病住院，经济困难",
        branch_reviewed_on=dt.date(2024, 2, 20),
    )
    ledger.generate_through(M(2024, 6))
    assert _dues(member)[M(2024, 3)] == D("40.00")  # not yet approved: no effect
    with pytest.raises(ValidationError, match="须由上一级党委批准"):
        services.approve_reduction(secretary, red, approved_on=dt.date(2024, 2, 25))
    services.approve_reduction(
        unit, red, approved_on=dt.date(2024, 2, 25), approval_ref="甲党〔2024〕3号"
    )
    dues = _dues(member)
    assert (dues[M(2024, 2)], dues[M(2024, 3)], dues[M(2024, 4)], dues[M(2024, 5)]) == (
        D("40.00"),
        D("0"),
        D("0"),
        D("40.00"),
    )
    # Exempt months are not arrears.
    owed = ledger.arrears(DuesDue.objects.all(), dt.date(2024, 7, 1))[member.pk]
    assert (owed.months, owed.amount) == (4, D("160.00"))
    with pytest.raises(ValidationError, match="请写明确有困难的原因"):
        services.request_reduction(
            secretary,
            member,
            kind="reduce",
            starts=M(2024, 8),
            ends=M(2024, 9),
            amount="5",
            reason="",
            branch_reviewed_on=dt.date(2024, 7, 1),
        )
    assert DuesReduction.objects.count() == 1


def test_arrears_and_consecutive_unpaid_months(world):
    _, secretary, _, member = world
    _base(secretary, member)
    ledger.generate_through(M(2024, 9))
    _pay(secretary, member, M(2024, 1), M(2024, 3), "120", dt.date(2024, 3, 5))
    today = dt.date(2024, 9, 15)
    owed = ledger.arrears(DuesDue.objects.all(), today)[member.pk]
    # Overdue: April–June, unpaid when the second quarter ended. July and August are 待交
    # (the third quarter runs: paid by its end they are on time), September the current month.
    assert (owed.months, owed.amount, owed.first, owed.last) == (
        3,
        D("120.00"),
        M(2024, 4),
        M(2024, 6),
    )
    # The alerts count the months in a row, whatever the quarter: April–August.
    months = ledger.unpaid_months(DuesDue.objects.filter(member=member), today).values_list(
        "month", flat=True
    )
    assert ledger.consecutive_unpaid(months, today) == 5
    # On the first day of the fourth quarter, the third's months are overdue too.
    assert ledger.arrears(DuesDue.objects.all(), dt.date(2024, 10, 1))[member.pk].months == 6


def test_remittance_up_one_level_confirmed_by_the_receiver(world):
    tree, secretary, unit, _ = world
    r = services.record_remittance(
        secretary,
        tree.branch_a,
        from_month=M(2024, 1),
        to_month=M(2024, 3),
        amount="480",
        remitted_on=dt.date(2024, 4, 5),
    )
    assert r.to_org == tree.unit_a
    with pytest.raises(OutOfScope):
        services.confirm_remittance(secretary, r, dt.date(2024, 4, 6))
    services.confirm_remittance(unit, r, dt.date(2024, 4, 6))
    r.refresh_from_db()
    assert r.received_on == dt.date(2024, 4, 6)
    assert DuesRemittance.objects.count() == 1


def test_reveal_of_the_base_is_audited_and_refused_to_a_viewer(world, make_user):
    tree, secretary, _, member = world
    base = _base(secretary, member)
    assert services.reveal_base(secretary, base) == "4000.00"
    assert AuditEvent.objects.filter(action="reveal", outcome="success").exists()
    viewer = make_user("viewer", tree.root)
    with pytest.raises(OutOfScope):
        services.reveal_base(viewer, base)
    assert AuditEvent.objects.filter(action="reveal", outcome="failure").exists()
