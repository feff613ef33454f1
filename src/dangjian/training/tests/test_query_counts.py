"""The training pages and API lists run the same number of queries whatever the row count
(the class detail with its attendance matrix: whatever the members and sessions)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)

from .factories import TrainingClassFactory, make_enrolment, make_session

BASELINES = Path(__file__).with_name("query_counts.json")
pytestmark = pytest.mark.django_db


@pytest.fixture
def klass(tree):
    return TrainingClassFactory(org=tree.root)


def add_classes(tree, n):
    for _ in range(n):
        c = TrainingClassFactory(org=tree.root)
        make_enrolment(tree.branch_a, c)


def add_enrolments(tree, klass, n):
    for _ in range(n):
        make_enrolment(tree.branch_a, klass)


@pytest.mark.parametrize(
    ("key", "url", "adder"),
    [
        ("training:class_list", "/training/", "classes"),
        ("api:training-classes", "/api/training-classes/", "classes"),
        ("training:enrolment_list", "/training/enrolments/", "enrolments"),
        ("api:enrolments", "/api/enrolments/", "enrolments"),
    ],
)
def test_lists(client, tree, make_user, klass, key, url, adder):
    client.force_login(make_user("committee_admin", tree.root))

    def add(n):
        if adder == "classes":
            add_classes(tree, n)
        else:
            add_enrolments(tree, klass, n)

    add(1)
    count = assert_query_count_constant(client, url, lambda: add(12))
    check_baseline(BASELINES, key, count)


def test_class_detail_matrix(client, tree, make_user, klass):
    """More members and more sessions: the same queries (the matrix is three)."""
    client.force_login(make_user("committee_admin", tree.root))
    made = [make_enrolment(tree.branch_a, klass)]
    make_session(klass, 1, dt.date(2024, 4, 1), attended=[e.member for e in made])

    def more():
        new = [make_enrolment(tree.branch_a, klass) for _ in range(12)]
        members = [e.member for e in made + new]
        for n in (2, 3, 4):
            make_session(klass, n, dt.date(2024, 4, n), attended=members)

    count = assert_query_count_constant(
        client, f"/training/classes/{klass.pk}/", more, rows=occurrences("data-member=")
    )
    check_baseline(BASELINES, "training:class_detail", count)


def test_certificates_and_attendance_pages(client, tree, make_user, klass):
    client.force_login(make_user("committee_admin", tree.root))
    made = [make_enrolment(tree.branch_a, klass)]
    session = make_session(klass, 1, dt.date(2024, 4, 1), attended=[e.member for e in made])
    for n in (2, 3):
        make_session(klass, n, dt.date(2024, 4, n), attended=[e.member for e in made])

    def more():
        for _ in range(12):
            e = make_enrolment(tree.branch_a, klass)
            for s in klass.class_sessions.all():
                s.activity.participations.create(member=e.member, status="attended", hours=2)

    count = assert_query_count_constant(
        client,
        f"/training/classes/{klass.pk}/certificates/",
        more,
        rows=occurrences("data-member="),
    )
    check_baseline(BASELINES, "training:class_certificates", count)
    count = assert_query_count_constant(
        client,
        f"/training/sessions/{session.pk}/attendance/",
        lambda: add_enrolments(tree, klass, 12),
        rows=occurrences('name="status-'),
    )
    check_baseline(BASELINES, "training:session_attendance", count)
