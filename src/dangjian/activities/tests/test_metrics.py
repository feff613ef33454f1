"""Activity metrics on a hand-built scenario (seed-figures.md rows 3, 5, 6, 20)."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.activities import services
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import CommitteePost, OrgKind, Term

from .conftest import make_member

pytestmark = pytest.mark.django_db
D24 = dt.date(2024, 6, 1)


def value(metric_id, user=SYSTEM, year=2024, within=None):
    return registry.get(metric_id).value(MetricScope(user, year, within))


def record(org, kind, day=D24, tags=(), observers=(), participations=()):
    return services.record_activity(
        SYSTEM,
        org,
        {"kind": kind, "title": f"{kind}-{day}", "held_on": day},
        participations=list(participations),
        tags=list(tags),
        observers=list(observers),
    )


@pytest.fixture
def scenario(tree, make_user):
    lg_a = tree.unit_a.add_child(kind=OrgKind.LEADING_GROUP, name="甲局党组")
    tree.unit_a.refresh_from_db()
    staff = make_user("committee_admin", tree.root, display_name="工委列席人")
    unit_staff = make_user("unit_admin", tree.unit_a, display_name="机关党委人员")
    # 3: observed 中心组学习 — 甲局 twice (one unit), 乙局 once via its unit-level org
    record(lg_a, "central_group_study", observers=[staff.pk])
    record(lg_a, "central_group_study", day=dt.date(2024, 9, 1), observers=[staff.pk])
    record(tree.unit_b, "central_group_study", observers=[staff.pk])
    record(tree.unit_b, "central_group_study", day=dt.date(2023, 6, 1), observers=[staff.pk])
    record(tree.unit_b, "central_group_study", day=dt.date(2024, 3, 1))  # not observed
    record(lg_a, "central_group_study", day=dt.date(2024, 3, 2), observers=[unit_staff.pk])
    # 5: seminars tagged 党纪学习教育 by leading groups
    for _ in range(3):
        record(lg_a, "seminar", tags=["discipline_education"])
    record(lg_a, "seminar")
    record(tree.unit_b, "seminar", tags=["discipline_education"])
    record(tree.unit_b, "seminar", tags=["discipline_education"], day=dt.date(2024, 12, 31))
    record(tree.unit_a, "seminar", tags=["discipline_education"])  # has a 党组: not the 中心组
    record(tree.branch_a, "seminar", tags=["discipline_education"])
    record(lg_a, "seminar", tags=["discipline_education"], day=dt.date(2025, 1, 1))
    # 6: secretaries trained
    sec_a, sec_b = make_member(tree.branch_a, "书记甲"), make_member(tree.branch_b, "书记乙")
    old_sec, absent_sec = (
        make_member(tree.branch_a, "前任书记"),
        make_member(tree.branch_b, "缺席书记"),
    )
    plain = make_member(tree.branch_a, "普通党员")
    term_a = Term.objects.create(org=tree.branch_a, started_on=dt.date(2022, 1, 1))
    term_b = Term.objects.create(org=tree.branch_b, started_on=dt.date(2022, 1, 1))
    CommitteePost.objects.create(
        term=term_a, member=sec_a, post="secretary", assigned_on=dt.date(2023, 12, 1)
    )
    CommitteePost.objects.create(
        term=term_a,
        member=old_sec,
        post="secretary",
        assigned_on=dt.date(2022, 1, 1),
        dismissed_on=dt.date(2023, 11, 30),
    )
    CommitteePost.objects.create(term=term_b, member=sec_b, post="secretary")
    old_b = Term.objects.create(org=tree.unit_b, started_on=dt.date(2020, 1, 1))
    CommitteePost.objects.create(term=old_b, member=absent_sec, post="secretary")
    record(
        tree.root,
        "training",
        tags=["discipline_education"],
        participations=[
            {"member": sec_a.pk, "hours": 8},
            {"member": sec_b.pk, "hours": 8},
            {"member": old_sec.pk, "hours": 8},
            {"member": plain.pk, "hours": 6},
            {"member": absent_sec.pk, "status": "absent"},
        ],
    )
    record(tree.root, "training", participations=[{"member": plain.pk, "hours": 2}])
    return tree, lg_a


def test_observed_units(scenario, make_user):
    tree, _lg = scenario
    assert value("study.observed_units") == 2
    assert value("study.observed_units", year=2023) == 1
    assert value("study.observed_units", within=tree.unit_a) == 1
    assert value("study.observed_units", user=make_user("viewer", tree.unit_b)) == 1
    drill = registry.get("study.observed_units").drilldown(MetricScope(SYSTEM, 2024))
    assert drill.count() == 3  # the three observed records behind the two units


def test_seminar_count(scenario):
    _tree, lg_a = scenario
    assert value("study.seminar_count") == 5
    assert value("study.seminar_count", within=lg_a) == 3
    assert value("study.seminar_count", year=2025) == 1


def test_training_metrics(scenario, make_user):
    tree, _lg = scenario
    assert value("training.secretaries_trained") == 2
    assert value("training.secretaries_trained", within=tree.unit_a) == 1
    assert value("training.secretaries_trained", user=make_user("viewer", tree.unit_b)) == 1
    assert value("training.secretaries_trained", user=make_user("audit_admin")) == 0
    assert value("training.participants") == 4
    assert value("training.hours") == 32.0
    assert value("training.hours", within=tree.unit_a) == 24.0


def test_metrics_api_and_cli(scenario, client, make_user):
    from io import StringIO

    from django.core.management import call_command

    client.force_login(make_user("committee_admin", scenario[0].root))
    resp = client.get("/api/metrics/study.seminar_count/?year=2024")
    assert resp.status_code == 200 and resp.json()["value"] == 5
    out = StringIO()
    call_command("metrics", "show", "study.observed_units", "--year", "2024", stdout=out)
    assert out.getvalue().strip() == "2"
