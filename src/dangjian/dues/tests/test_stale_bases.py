"""工资变动后基数未调整 (where the records show it): a 人员类别 the base's 交纳类别 does not fit,
or a 职务 changed after the base in force was recorded — in 待办 and `dangjian remind`.

The 职务 changes are real audited updates, made now; the bases are of last year, recorded
before them, and one is adjusted from this month after the change.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.dues import alerts, services
from dangjian.dues.models import add_months
from dangjian.members import services as member_services
from dangjian.members.tests.factories import MemberFactory

TODAY = timezone.localdate()


def _base(user, member, year, month, category="in_service", base="4000"):
    return services.save_base(
        user,
        member,
        year=year,
        from_month=month,
        category=category,
        base=base,
        reviewed_on=TODAY,
    )


@pytest.fixture
def people(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    made = {}
    for name, category, base_category in (
        ("退休未调", "retired", "in_service"),  # retired, still paying on the pay
        ("退休已调", "retired", "retired"),
        ("在职", "in_service", "in_service"),
        ("升职", "in_service", "in_service"),
        ("升职已调", "in_service", "in_service"),
    ):
        member = MemberFactory(
            org=tree.branch_a,
            name=name,
            category=category,
            job_title="科员",
            joined_on=dt.date(2010, 7, 1),
            birth_date=dt.date(1980, 5, 1),  # the update below validates the whole record
        )
        _base(secretary, member, TODAY.year - 1, 1, category=base_category)
        made[name] = member
    for name in ("升职", "升职已调"):
        member_services.update_member(secretary, made[name], job_title="副科长")
    _base(secretary, made["升职已调"], TODAY.year, TODAY.month, base="6000")
    return tree, secretary, made


def test_a_category_that_does_not_fit_and_a_post_change_after_the_base(people):
    found = {s.name: s.reason for s in alerts.stale_bases(SYSTEM, TODAY)}
    assert set(found) == {"退休未调", "升职"}
    assert found["退休未调"] == "人员类别为“离退休”，党费仍按“在职（按月税后工资）”计算"
    assert found["升职"] == (
        f"{TODAY:%Y年%m月}职务由“科员”变为“副科长”，党费基数自{TODAY.year - 1}年01月起未调整"
    )


def test_a_base_recorded_after_the_change_settles_it(people):
    _tree, secretary, made = people
    _base(secretary, made["升职"], TODAY.year, TODAY.month, base="6000")
    _base(secretary, made["退休未调"], TODAY.year, TODAY.month, category="retired", base="3000")
    assert alerts.stale_bases(SYSTEM, TODAY) == []


def test_scoped_to_the_user(people, make_user):
    tree, secretary, _ = people
    assert {s.name for s in alerts.stale_bases(secretary, TODAY)} == {"退休未调", "升职"}
    other = make_user("branch_secretary", tree.branch_b)
    assert alerts.stale_bases(other, TODAY) == []


def test_the_reminder_is_drafted_in_the_months_first_days(people):
    from dangjian.rules.reminder_sources import dues_drafts

    first_of_next = add_months(TODAY.replace(day=1), 1)
    drafts = [d for d in dues_drafts(first_of_next, lambda *a: "/x/") if d.kind == "dues_stale"]
    assert {d.title for d in drafts} == {
        "退休未调（甲局第一党支部）的党费基数可能需要调整",
        "升职（甲局第一党支部）的党费基数可能需要调整",
    }
    assert all("第十条" in d.citation and d.period == f"{first_of_next:%Y-%m}" for d in drafts)


def test_the_secretarys_todo_lists_them(people, client):
    _tree, secretary, _ = people
    client.force_login(secretary)
    page = client.get("/todo/").content.decode()
    assert "升职的党费基数可能需要调整" in page
