"""The demo's member self-service: linked demo accounts, member accounts, meeting notices."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from dangjian.accounts.models import User
from dangjian.activities.models import Activity, NoticeReceipt
from dangjian.demo.loader import DEMO_PASSWORD
from dangjian.members.models import Member, MembershipState
from dangjian.selfservice.services import username_for

TODAY = dt.date(2025, 6, 1)

pytestmark = pytest.mark.django_db


def demo(**options):
    out = io.StringIO()
    call_command(
        "demo",
        stdout=out,
        **{"scale": "tiny", "today": TODAY, "verbosity": 0, "seed": 3, **options},
    )
    return out.getvalue()


def test_demo_accounts_are_linked_and_shujis_branch_has_member_accounts():
    out = demo(verbosity=1)
    for username in ("dangyuan", "shuji", "zuzhi"):
        member = Member.objects.select_related("account").get(account__username=username)
        assert member.name == member.account.display_name
    shuji = User.objects.get(username="shuji")
    branch = shuji.role_assignments.get().org
    on_roll = Member.objects.filter(
        org__path__startswith=branch.path, membership=MembershipState.NORMAL
    )
    assert not on_roll.filter(account__isnull=True).exists()  # everyone has an account
    opened = on_roll.exclude(account__username__in=["dangyuan", "shuji", "zuzhi"]).select_related(
        "account", "org"
    )
    assert opened.count() > 10
    for member in opened:
        account = member.account
        assert account.username == username_for(member)
        assert list(account.role_assignments.values_list("role", "org_id")) == [
            ("party_member", member.org_id)
        ]
    sample = opened.first().account
    assert sample.check_password(DEMO_PASSWORD) and not sample.must_change_password
    # printed with the other demo accounts: how many and the username pattern
    assert f"等 {opened.count()} 个" in out and "姓名拼音首字母加党员编号" in out
    skipped = demo(if_empty=True, verbosity=1)
    assert f"等 {opened.count()} 个" in skipped
    # no member outside the branch got an account
    assert (
        not Member.objects.exclude(org__path__startswith=branch.path)
        .filter(account__isnull=False)
        .exists()
    )


def test_shujis_branch_has_notices_in_the_coming_weeks_for_its_members():
    demo()
    branch = User.objects.get(username="shuji").role_assignments.get().org
    notices = list(
        Activity.objects.upcoming(TODAY)
        .filter(receipts__isnull=False)
        .distinct()
        .select_related("org")
    )
    assert len(notices) == 3
    for notice in notices:
        assert notice.org.path.startswith(branch.path) and notice.held_on is None
        assert TODAY < notice.planned_on <= TODAY + dt.timedelta(days=21)
        assert notice.agenda_items.exists() and notice.starts_at and notice.place
    dangyuan = Member.objects.get(account__username="dangyuan")
    mine = Activity.objects.notices_for(dangyuan, TODAY)
    assert mine.count() >= 2  # the branch's meetings (and the group's when it is hers)
    assert not NoticeReceipt.objects.exclude(member__org__path__startswith=branch.path).exists()


def test_reset_removes_the_member_accounts_and_makes_the_same_again():
    demo()
    first = sorted(User.objects.filter(member__isnull=False).values_list("username", flat=True))
    demo(reset=True)
    again = sorted(User.objects.filter(member__isnull=False).values_list("username", flat=True))
    assert len(again) == len(first)
    assert (
        User.objects.filter(member__isnull=True, role_assignments__role="party_member").count() == 0
    )
