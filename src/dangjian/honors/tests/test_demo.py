"""The demo's 七一 round at tiny scale: the seed's 97 / 50 / 50 (50 capped by the grassroots
orgs a tiny city has), nominations beyond the honors, the showcase branch honored,
every honor from a decided nomination in its unit, deterministic."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from dangjian.accounts.models import User
from dangjian.core.metrics import MetricScope, registry
from dangjian.demo import honors_loader
from dangjian.demo.activity_loader import STAFF
from dangjian.demo.plan import build_plan
from dangjian.honors.models import Honor, HonorRound, Nomination, RoundQuota
from dangjian.orgs.models import Organization, OrgKind

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)


def _load(seed=3):
    call_command("demo", stdout=io.StringIO(), scale="tiny", today=TODAY, verbosity=0, seed=seed)


def _snapshot():
    return sorted(
        Nomination.objects.values_list(
            "org__name", "title", "member__name", "recipient_org__name", "status"
        )
    )


def test_demo_round_gives_the_seed_figures():
    _load()
    gongwei = User.objects.get(username="gongwei")
    scope = MetricScope(user=gongwei, year=2024)
    grassroots = Organization.objects.filter(
        kind__in=(OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH)
    ).count()
    assert registry.get("honors.excellent_members").value(scope) == 97
    assert registry.get("honors.excellent_party_workers").value(scope) == 50
    assert registry.get("honors.advanced_orgs").value(scope) == min(50, grassroots)
    rnd = HonorRound.objects.get()
    assert (rnd.publicity_starts, rnd.publicity_ends) == (
        dt.date(2024, 6, 19),
        dt.date(2024, 6, 25),
    )
    assert rnd.decided_on == dt.date(2024, 6, 28) > rnd.publicity_ends
    # nominations beyond the honors: some returned, with a reason
    returned = Nomination.objects.filter(status="returned")
    assert returned.exists() and not returned.filter(review_note="").exists()
    assert (
        Nomination.objects.filter(status="decided").count()
        == Honor.objects.filter(nomination__isnull=False).count()
    )
    # within each unit's quota, and each recipient inside its nominating unit
    for q in RoundQuota.objects.select_related("org"):
        used = Nomination.objects.filter(round=rnd, org=q.org, title=q.title).exclude(
            status="returned"
        )
        assert used.count() <= q.quota
    for n in Nomination.objects.select_related("org", "member__org", "recipient_org"):
        place = n.member.org if n.member_id else n.recipient_org
        assert place.path.startswith(n.org.path)
        assert dt.date(2024, 6, 3) <= n.nominated_on <= dt.date(2024, 6, 14)
    # a member honored once per round
    members = list(
        Honor.objects.filter(nomination__isnull=False, member__isnull=False).values_list(
            "member_id", flat=True
        )
    )
    assert len(members) == len(set(members))
    # honors from above exist but leave the 2024 figures alone
    assert Honor.objects.exclude(level="committee").count() >= 5
    # the showcase: the demo member, the branch secretary and the branch are honored
    dangyuan = User.objects.get(username="dangyuan")
    shuji = User.objects.get(username="shuji")
    branch = shuji.role_assignments.get().org
    assert Honor.objects.filter(title="excellent_member", member__account=dangyuan).exists()
    assert Honor.objects.filter(title="excellent_party_worker", member__account=shuji).exists()
    assert Honor.objects.filter(title="advanced_org", org=branch, member=None).exists()
    # the unit admin reads its own unit's nominations only
    danwei = User.objects.get(username="danwei")
    mine = Nomination.objects.restrict(danwei, "view")
    assert 0 < mine.count() < Nomination.objects.count()


def test_demo_round_is_deterministic():
    """Written again over the same city (the register's own reset, then its writer), the
    round is the same nomination for nomination."""
    _load(seed=5)
    first = _snapshot()
    plan = build_plan(5, "tiny", TODAY)
    orgs = list(Organization.objects.order_by("-depth", "path"))  # any order
    orgs.insert(0, orgs.pop(next(i for i, o in enumerate(orgs) if o.depth == 1)))
    staff = [User.objects.get(username=username).pk for username, _name in STAFF]
    branch = User.objects.get(username="shuji").role_assignments.get().org
    with transaction.atomic():
        honors_loader.reset_honors()
        assert not Nomination.objects.exists()
        honors_loader.write_honors(plan, orgs, staff, branch)
    assert _snapshot() == first
