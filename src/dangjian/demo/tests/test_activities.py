"""The demo's organizational life at tiny scale: kinds, attendance, gaps, 2024 shapes."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q

from dangjian.accounts.models import User
from dangjian.activities import kinds
from dangjian.activities.models import (
    DISCIPLINE_EDUCATION_TAG,
    Activity,
    ActivityKind,
    AgendaItem,
    Participation,
)
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.demo import life, shapes
from dangjian.demo.activity_loader import STAFF_USERNAMES
from dangjian.demo.plan import ACTIVITY_START, build_plan
from dangjian.members.models import Exemption
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules.evaluator import Status, evaluate
from dangjian.rules.models import RuleExemption

TODAY = dt.date(2025, 6, 1)


def demo(**options):
    call_command(
        "demo",
        stdout=io.StringIO(),
        **{"scale": "tiny", "today": TODAY, "verbosity": 0, "seed": 3, **options},
    )


def metric(metric_id: str, year: int = 2024):
    return registry.get(metric_id).value(MetricScope(SYSTEM, year))


@pytest.fixture
def loaded(db):
    demo()


def test_calendar_helpers():
    assert life.workday(2024, 6, 1) == dt.date(2024, 6, 3)  # Saturday → Monday
    assert life.workday(2024, 8, 31) == dt.date(2024, 8, 30)  # Saturday at month end → Friday
    assert life.workday(2024, 2, 30) == dt.date(2024, 2, 29)
    assert life.month_list(dt.date(2024, 11, 1), dt.date(2025, 2, 3)) == [
        (2024, 11),
        (2024, 12),
        (2025, 1),
        (2025, 2),
    ]


def test_every_kind_is_held_and_only_by_orgs_allowed_to(loaded):
    held = set(Activity.objects.values_list("kind", flat=True).distinct())
    allowed = {k for ks in kinds.BY_ORG_KIND.values() for k in ks}
    assert held == allowed == set(ActivityKind.values)
    with_leading_group = set(
        Organization.objects.filter(kind=OrgKind.LEADING_GROUP).values_list("path", flat=True)
    )
    pairs = Activity.objects.values_list("org__kind", "org__path", "kind").distinct()
    for org_kind, path, kind in pairs:
        if kind == ActivityKind.CENTRAL_GROUP_STUDY and org_kind == OrgKind.UNIT_PARTY:
            # Only a unit without a 党组 node studies at its unit-level org.
            assert not any(p.startswith(path) for p in with_leading_group), path
            continue
        assert kind in kinds.BY_ORG_KIND[org_kind], (org_kind, kind)
    # 支委会 of a branch only when it has a committee (7 full members) on that day.
    sample = (
        Activity.objects.filter(kind=ActivityKind.COMMITTEE_MEETING, org__kind=OrgKind.BRANCH)
        .select_related("org")
        .order_by("org__path", "held_on")[::40]
    )
    assert sample
    for act in sample:
        assert kinds.kind_error(act.org, act.kind, act.held_on) is None, act


def test_dates_run_from_2024_to_today_and_plans_lie_ahead(loaded):
    held = Activity.objects.filter(held_on__isnull=False)
    assert held.filter(held_on__lt=ACTIVITY_START).count() == 0
    assert held.filter(held_on__gt=TODAY).count() == 0
    assert held.filter(held_on__year=2024).count() > 1500
    assert held.filter(held_on__gte=dt.date(2025, 5, 1)).exists()
    planned = Activity.objects.filter(held_on__isnull=True)
    assert planned.exists()
    assert not planned.filter(planned_on__lte=TODAY).exists()
    assert not Participation.objects.filter(activity__held_on__isnull=True).exists()


def test_participants_are_members_of_the_org_on_the_day(loaded):
    rows = Participation.objects.values_list(
        "activity__org__path",
        "activity__org__kind",
        "member__org__path",
        "member__joined_on",
        "activity__held_on",
    )
    count = 0
    for org_path, org_kind, member_path, joined_on, held_on in rows.iterator():
        # A 党组's attendees come from its unit (activities.kinds.attendee_pool).
        pool = org_path[:-4] if org_kind == OrgKind.LEADING_GROUP else org_path
        assert member_path.startswith(pool), (org_path, member_path)
        assert joined_on <= held_on
        count += 1
    assert count > 30_000
    # One row per member and activity (the unique constraint holds them to it too).
    dupes = (
        Participation.objects.values("activity", "member").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not dupes.exists()


def test_attendance_statuses_hours_and_quorum(loaded):
    statuses = Counter(Participation.objects.values_list("status", flat=True))
    total = sum(statuses.values())
    assert 0.85 < statuses["attended"] / total < 0.96
    assert statuses["leave"] > statuses["absent"] > 0
    assert statuses["exempt"] > 0
    assert not Participation.objects.filter(status="attended", hours__isnull=True).exists()
    assert not Participation.objects.filter(~Q(status="attended"), hours__isnull=False).exists()
    # 免于参加 exactly when an exemption covers the day (full-attendance meetings).
    exempt = Participation.objects.filter(status="exempt").values_list(
        "member_id", "activity__held_on"
    )
    periods = defaultdict(list)
    for e in Exemption.objects.all():
        periods[e.member_id].append((e.starts_on, e.ends_on or dt.date.max))
    for member_id, day in exempt:
        assert any(s <= day <= e for s, e in periods[member_id])
    covered = Participation.objects.filter(
        Q(member__exemptions__ends_on__isnull=True)
        | Q(member__exemptions__ends_on__gte=F("activity__held_on")),
        member__exemptions__starts_on__lte=F("activity__held_on"),
    )
    assert covered.exists()
    assert not covered.exclude(status="exempt").exists()
    # The quorum snapshot matches the attendance recorded: more than half of the committee
    # (excused members included) for a 支委会 …
    meetings = Activity.objects.filter(kind=ActivityKind.COMMITTEE_MEETING).with_attendance()
    assert meetings.filter(quorum_met=True).exists()
    for act in meetings:
        assert act.quorum_met == (act.n_attended * 2 > act.n_expected + act.n_exempt)
    # … and more than half of the full members due to attend for a 党员大会.
    assemblies = Activity.objects.filter(kind=ActivityKind.MEMBER_ASSEMBLY).order_by("pk")[:100]
    for act in assemblies:
        voting = [
            status
            for status, full_on, member_status in act.participations.values_list(
                "status", "member__full_member_on", "member__status"
            )
            if status != "exempt" and member_status == "full" and full_on <= act.held_on
        ]
        assert act.quorum_met == (voting.count("attended") * 2 > len(voting)), act


def test_leading_groups_study_with_a_first_topic(loaded):
    studies = Activity.objects.filter(kind=ActivityKind.CENTRAL_GROUP_STUDY)
    first = AgendaItem.objects.filter(activity__in=studies, is_first_topic=True)
    share = first.values("activity").distinct().count() / studies.count()
    assert 0.9 < share < 1  # a few forget it, and the local rule reports them


def compliance(year: int) -> tuple[float, Counter]:
    """Share of branch-months meeting every monthly branch rule, and the status counts."""
    evaluation = evaluate(SYSTEM, year, today=TODAY)
    by_month: dict[tuple[int, int], list[str]] = defaultdict(list)
    for cell in evaluation.cells:
        rule = evaluation.rule(cell.rule_id)
        judged = cell.status in (Status.COMPLIANT, Status.NONCOMPLIANT)
        if judged and cell.period.kind == "month" and "branch" in rule.applies_to:
            by_month[(cell.org_id, cell.period.index)].append(cell.status)
    share = sum(all(s == Status.COMPLIANT for s in v) for v in by_month.values()) / len(by_month)
    return share, Counter(c.status for c in evaluation.cells)


def test_about_nine_branch_months_in_ten_are_compliant(loaded):
    share, statuses = compliance(2024)
    assert 0.82 < share < 0.97
    assert statuses[Status.NONCOMPLIANT] > 0
    # The months a branch was excused show as exempt, not as gaps.
    exemptions = RuleExemption.objects.all()
    assert exemptions.exists()
    assert all(e.approved_by and e.reason and e.expires_on for e in exemptions)
    for year in (2024, 2025):
        evaluation = evaluate(SYSTEM, year, today=TODAY)
        excused = {(e.org_id, e.rule_id) for e in exemptions if e.starts_on.year <= year}
        cells = [c for c in evaluation.cells if (c.org_id, c.rule_id) in excused]
        for e in exemptions:
            for c in cells:
                inside = e.starts_on <= c.period.start and c.period.end <= e.ends_on
                if (c.org_id, c.rule_id) == (e.org_id, e.rule_id) and inside:
                    assert c.status in (Status.EXEMPT, Status.NOT_APPLICABLE), c


def test_2024_is_shaped_like_the_seed_at_tiny_scale(loaded):
    plan = build_plan(3, "tiny", TODAY)
    shape = shapes.year_shape(plan)
    low, high = shapes.SHAPES["tiny"].secretaries
    assert metric("study.observed_units") == shapes.SHAPES["tiny"].observed_units == 2
    assert metric("study.seminar_count") == shapes.SHAPES["tiny"].seminars == 20
    assert metric("training.secretaries_trained") == shape.trained[0]
    assert low <= shape.trained[0] < high
    # The observers are 工委 staff records, and observed studies exist only in 2024 there.
    observers = User.objects.filter(observed_activities__isnull=False).distinct()
    assert set(observers.values_list("username", flat=True)) <= set(STAFF_USERNAMES)
    assert all(u.role_assignments.get().org.kind == OrgKind.COMMITTEE for u in observers)
    assert not User.objects.get(username=STAFF_USERNAMES[0]).has_usable_password()
    tagged = Activity.objects.filter(tags__code=DISCIPLINE_EDUCATION_TAG, held_on__year=2024)
    assert tagged.filter(kind=ActivityKind.SEMINAR, org__kind=OrgKind.BRANCH).exists()


def fingerprint():
    acts = list(
        Activity.objects.order_by(
            "org__path", "held_on", "planned_on", "kind", "title"
        ).values_list(
            "org__path", "kind", "held_on", "planned_on", "title", "host__id_number_blind"
        )
    )
    rows = sorted(
        Participation.objects.values_list(
            "activity__org__path",
            "activity__kind",
            "activity__held_on",
            "activity__title",
            "member__id_number_blind",
            "status",
            "hours",
        )
    )
    return acts, rows


@pytest.mark.django_db
def test_same_seed_same_life_and_today_moves_it():
    demo()
    first = fingerprint()
    demo(reset=True)
    assert fingerprint() == first
    demo(reset=True, today=TODAY + dt.timedelta(days=40))
    later = fingerprint()
    assert later != first
    assert max(d for _p, _k, d, *_rest in later[0] if d) > TODAY
    assert Activity.objects.filter(held_on__isnull=False).count() > len(
        [a for a in first[0] if a[2]]
    )


@pytest.mark.django_db
def test_indexes_and_keys_are_rebuilt_after_the_bulk_load():
    """The loader drops the activity tables' secondary indexes (and PostgreSQL foreign
    keys) while filling them; afterwards the schema is exactly as migrated."""
    tables = [Activity._meta.db_table, Participation._meta.db_table]

    def schema():
        with connection.cursor() as cursor:
            return {t: connection.introspection.get_constraints(cursor, t) for t in tables}

    before = schema()
    assert any(c["index"] and not c["unique"] for c in before[tables[1]].values())
    demo()
    assert schema() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        row = Participation.objects.values("activity_id", "member_id", "status").first()
        Participation.objects.create(**row)  # the unique constraint is back
