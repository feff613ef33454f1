"""`dangjian demo` against the database, at tiny scale (and once at full city scale)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from dangjian.accounts.models import RoleAssignment, User
from dangjian.accounts.roles import ROLES
from dangjian.activities.models import Activity, Participation
from dangjian.audit.models import AuditEvent
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.core.validators import id_number_checksum_ok
from dangjian.demo.loader import DEMO_PASSWORD
from dangjian.demo.plan import build_plan
from dangjian.members.models import Exemption, Member, Transfer
from dangjian.orgs import termrules
from dangjian.orgs.models import GRASSROOTS_KINDS, CommitteePost, Organization, OrgKind, Term, Unit
from dangjian.rules.evaluator import Status, evaluate

TODAY = dt.date(2025, 6, 1)
S = termrules.TermStatus


def demo(*args, **options):
    out = io.StringIO()
    call_command(
        "demo", *args, stdout=out, **{"scale": "tiny", "today": TODAY, "verbosity": 0, **options}
    )
    return out.getvalue()


def snapshot():
    orgs = list(
        Organization.objects.order_by("path").values_list(
            "path", "kind", "name", "depth", "numchild"
        )
    )
    members = list(
        Member.objects.order_by("org__path", "name", "id_number_blind").values_list(
            "org__path", "name", "id_number_blind", "phone_blind", "birth_date", "joined_on"
        )
    )
    posts = sorted(
        CommitteePost.objects.values_list("term__org__path", "post", "member__id_number_blind")
    )
    return orgs, members, posts


def metric(metric_id: str, user) -> int:
    return registry.get(metric_id).value(MetricScope(user, 2024))


@pytest.mark.django_db
def test_tiny_load_matches_the_plan_and_keeps_treebeard_consistent():
    demo(seed=3)
    plan = build_plan(3, "tiny", TODAY)
    assert Organization.objects.count() == len(plan.orgs)
    assert Organization.objects.filter(kind=OrgKind.UNIT_PARTY).count() == 4
    assert Organization.objects.filter(kind__in=GRASSROOTS_KINDS).count() == 44
    assert Member.objects.count() == plan.member_total == 900
    assert Unit.objects.filter(party_org__kind=OrgKind.UNIT_PARTY).count() == 4
    assert not Organization.objects.filter(depth__gt=1, unit__isnull=True).exists()
    for unit in Unit.objects.select_related("party_org"):
        assert unit.party_org.unit_id == unit.pk
    assert Organization.find_problems() == ([], [], [], [], [])
    assert tree_problems() == []
    root = Organization.get_root_nodes().get()
    assert "演示数据" in root.name
    assert [c.kind for c in root.get_children()] == [OrgKind.UNIT_PARTY] * 4
    unit = root.get_children().first()
    assert unit.get_descendant_count() == len(plan.units[0].orgs) - 1
    # treebeard's own insert lands after the bulk-built siblings.
    new = root.add_child(kind=OrgKind.UNIT_PARTY, name="新增单位机关党委")
    assert new.path == "00010005"
    assert Organization.find_problems() == ([], [], [], [], [])


@pytest.mark.django_db
def test_tiny_load_members_terms_posts():
    demo(seed=3)
    for m in Member.objects.select_related("org"):  # decrypts: values went through the field
        assert id_number_checksum_ok(m.id_number)
        assert len(m.phone) == 11
        assert m.name_initials and m.name_initials.isascii()
        m.clean()  # the app's own member rules accept every demo member
    for e in Exemption.objects.all():
        e.clean()
    for t in Term.objects.select_related("org"):
        t.clean()
    assert Member.objects.filter(status="probationary", full_member_on__isnull=False).count() == 0
    assert Member.objects.filter(status="probationary").exists()
    assert Member.objects.filter(category="retired").exists()
    # Planned end as Term.save() would compute it.
    for term in Term.objects.select_related("org")[:50]:
        assert term.planned_end_on == term.compute_planned_end()
    # Every grassroots org with a current term has exactly one 书记, a member of its subtree.
    current = Term.objects.filter(ended_on__isnull=True, org__kind__in=GRASSROOTS_KINDS)
    no_data = len(build_plan(3, "tiny", TODAY).no_term_orgs)
    assert no_data >= 1
    assert (
        current.count() == Organization.objects.filter(kind__in=GRASSROOTS_KINDS).count() - no_data
    )
    secretaries = Counter(
        CommitteePost.objects.filter(
            post="secretary", term__in=current, dismissed_on__isnull=True
        ).values_list("term_id", flat=True)
    )
    assert set(secretaries) == set(current.values_list("pk", flat=True))
    assert set(secretaries.values()) == {1}
    for post in CommitteePost.objects.select_related("member__org", "term__org"):
        assert post.member.org.path.startswith(post.term.org.path)
    statuses = Counter(t.status(TODAY) for t in current.select_related("org"))
    assert statuses[S.NORMAL] > statuses[S.DUE_6] > 0
    assert statuses[S.DUE_3] > 0 and statuses[S.OVERDUE] > 0
    assert Term.objects.filter(ended_on__isnull=False).exists()
    assert Exemption.objects.exists() and Transfer.objects.exists()


@pytest.mark.django_db
def test_every_role_has_a_demo_user_and_the_load_is_audited():
    out = demo(seed=3, verbosity=1)
    roles = set(
        RoleAssignment.objects.filter(
            user__username__in=[
                "gongwei",
                "danwei",
                "shuji",
                "zuzhi",
                "chakan",
                "dangyuan",
                "xitong",
                "anquan",
                "shenji",
            ]
        ).values_list("role", flat=True)
    )
    assert roles == set(ROLES)
    for ra in RoleAssignment.objects.select_related("org"):
        assert (ra.org is None) == ROLES[ra.role].is_global
    shuji = User.objects.get(username="shuji")
    branch = shuji.role_assignments.get().org
    assert branch.kind == OrgKind.BRANCH
    assert CommitteePost.objects.filter(
        term__org=branch, post="secretary", member__name=shuji.display_name
    ).exists()
    assert shuji.check_password(DEMO_PASSWORD)
    validate_password(DEMO_PASSWORD)  # the shared demo password meets the policy
    assert "shuji" in out and DEMO_PASSWORD in out and "支部书记" in out
    events = AuditEvent.objects.filter(action="demo_load")
    assert events.count() == 1
    assert events.get().detail["counts"]["member"] == 900
    gongwei = User.objects.get(username="gongwei")
    assert metric("orgs.unit_party_count", gongwei) == 4
    assert metric("orgs.grassroots_count", gongwei) == 44


@pytest.mark.django_db
def test_same_seed_gives_identical_data_and_another_seed_differs():
    demo(seed=5)
    first = snapshot()
    demo(seed=5, reset=True)
    assert snapshot() == first
    demo(seed=6, reset=True)
    other = snapshot()
    assert other[0] != first[0] and other[1] != first[1]
    assert AuditEvent.objects.filter(action="demo_load").count() == 3


@pytest.mark.django_db
def test_refuses_a_non_empty_database_unless_told(tree):
    with pytest.raises(CommandError, match="--reset"):
        demo()
    assert Member.objects.count() == 0 and Organization.objects.count() == 6
    demo(if_empty=True)  # skipped, nothing written
    assert Organization.objects.count() == 6
    demo(reset=True)
    assert Organization.objects.filter(name=tree.root.name).count() == 0
    assert Organization.objects.filter(kind__in=GRASSROOTS_KINDS).count() == 44


@pytest.mark.django_db
def test_refuses_when_a_demo_username_is_taken(make_user):
    make_user(username="gongwei")
    with pytest.raises(CommandError, match="gongwei"):
        demo()
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_if_empty_loads_an_empty_database_and_prints_accounts_when_skipping():
    demo(if_empty=True)
    assert Organization.objects.filter(kind=OrgKind.UNIT_PARTY).count() == 4
    out = demo(if_empty=True, verbosity=1)
    assert "跳过" in out and "gongwei" in out


def test_bad_today_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("demo", "--today", "2025-13-01", stdout=io.StringIO())


@pytest.mark.django_db
def test_full_city_load(django_assert_max_num_queries):
    """The real thing, once: exact seed figures through the metrics registry (~30 s)."""
    # Bulk inserts: about two thousand batched statements for ~1.3 million rows (SQLite takes
    # 999 values a statement: 700 for the members, 470 for the 发展党员 steps), never one per row.
    with django_assert_max_num_queries(2500):
        demo(scale="city", seed=1)
    gongwei = User.objects.get(username="gongwei")
    assert metric("orgs.unit_party_count", gongwei) == 85
    assert metric("orgs.grassroots_count", gongwei) == 1050
    assert Member.objects.count() == 25_000
    assert tree_problems() == []
    # seed-figures.md rows 3, 5 and 6 for 2024.
    assert metric("study.observed_units", gongwei) == 14
    assert metric("study.seminar_count", gongwei) == 538
    assert 1200 <= metric("training.secretaries_trained", gongwei) < 1320
    # seed-figures.md rows 4, 7, 13 and 16 (督查考评).
    assert metric("supervision.study_review_units", gongwei) == 40
    assert metric("supervision.basic_system_reviewed_orgs", gongwei) == 954
    assert metric("supervision.unannounced_units", gongwei) == 30
    assert metric("evaluation.model_organ_passed", gongwei) == 6
    # seed-figures.md rows 8–12 and 17–19: the registers (issue 13).
    assert metric("evaluation.excellent_cases", gongwei) == 12
    assert metric("evaluation.provincial_case_awards", gongwei) == 2
    assert metric("honors.excellent_members", gongwei) == 97
    assert metric("honors.excellent_party_workers", gongwei) == 50
    assert metric("honors.advanced_orgs", gongwei) == 50
    assert 1800 <= metric("integrity.risk_points", gongwei) < 1980
    assert 2000 <= metric("integrity.measures", gongwei) < 2200
    assert metric("integrity.institutions", gongwei) == 574
    assert metric("integrity.review_coverage", gongwei) == 100.0
    # The night school and classes on the 2024 training activities; 双报到 and volunteers.
    assert metric("training.classes", gongwei) == 7
    assert metric("training.night_school_courses", gongwei) == 6
    assert 3000 <= metric("training.class_enrolments", gongwei) < 3300
    assert metric("volunteers.registration_coverage", gongwei) >= 90
    assert metric("volunteers.member_registration_coverage", gongwei) >= 80
    assert metric("volunteers.task_forces", gongwei) == 12
    assert metric("volunteers.hours", gongwei) > 0
    # 党内统计 of the seed year balances: every joiner has the record that admitted them.
    from dangjian.reports.statistics import balance, facts, scope

    checked = balance.check(facts.collect(scope.make_scope(gongwei, None, 2024, today=TODAY)))
    assert checked.balanced, [m.problem for m in checked.mismatches[:3]]
    assert checked.admitted > 300
    # City scale: ~50,000 activities a year, about a million participations by mid-2025.
    assert 45_000 < Activity.objects.filter(held_on__year=2024).count() < 55_000
    assert 900_000 < Participation.objects.count() < 1_300_000
    # About nine branch-months in ten meet every monthly rule (judged as of TODAY).
    share = branch_month_share(2024)
    assert 0.86 < share < 0.94


def branch_month_share(year: int) -> float:
    evaluation = evaluate(SYSTEM, year, today=TODAY)
    months: dict[tuple[int, int], bool] = {}
    for cell in evaluation.cells:
        judged = cell.status in (Status.COMPLIANT, Status.NONCOMPLIANT)
        rule = evaluation.rule(cell.rule_id)
        if judged and cell.period.kind == "month" and "branch" in rule.applies_to:
            key = (cell.org_id, cell.period.index)
            months[key] = months.get(key, True) and cell.status == Status.COMPLIANT
    return sum(months.values()) / len(months)


def tree_problems() -> list[str]:
    """What `find_problems()` checks, from one query (it runs two queries per node)."""
    rows = list(Organization.objects.values_list("path", "depth", "numchild"))
    paths = {path for path, _, _ in rows}
    children = Counter(path[:-4] for path, depth, _ in rows if depth > 1)
    problems = []
    for path, depth, numchild in rows:
        if len(path) != 4 * depth or set(path) - set(Organization.alphabet):
            problems.append(f"{path}: path/depth")
        elif depth > 1 and path[:-4] not in paths:
            problems.append(f"{path}: orphan")
        elif children[path] != numchild:
            problems.append(f"{path}: numchild {numchild} != {children[path]}")
    return problems
