"""recruitment.* metrics on a hand-built pipeline, scoped like every metric."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.recruitment import services

from .factories import new_applicant, walk

pytestmark = pytest.mark.django_db
D = dt.date


def value(metric_id, user, year, within=None):
    return registry.get(metric_id).value(MetricScope(user, year, within))


def test_pipeline_counts(tree, make_user):
    # branch_a: one admitted 2023-06-01 and converted 2024-06-20, one activist since 2022,
    # one applicant of 2023, one closed; branch_b: one applicant.
    admitted = new_applicant(SYSTEM, tree.branch_a, name="甲")
    walk(SYSTEM, admitted, 25)
    activist = new_applicant(SYSTEM, tree.branch_a, name="乙")
    walk(SYSTEM, activist, 6)
    new_applicant(SYSTEM, tree.branch_a, name="丙", applied_on=D(2023, 3, 1))
    closed = new_applicant(SYSTEM, tree.branch_a, name="丁")
    services.close_applicant(SYSTEM, closed, D(2022, 6, 1), "本人撤回")
    new_applicant(SYSTEM, tree.branch_b, name="戊")

    # 2022 year end: 甲 (an activist then), 乙, and 戊 had applied; 丁 closed in 2022
    assert value("recruitment.applicants", SYSTEM, 2022) == 3
    assert value("recruitment.activists", SYSTEM, 2022) == 2  # 甲 and 乙 (step 3 on 2022-03-01)
    # 2023: 甲 admitted (not counted as applicant any more), 丙 applied
    assert value("recruitment.applicants", SYSTEM, 2023) == 3  # 乙, 丙, 戊
    assert value("recruitment.activists", SYSTEM, 2023) == 1  # 乙
    assert value("recruitment.admitted", SYSTEM, 2023) == 1
    assert value("recruitment.admitted", SYSTEM, 2024) == 0
    assert value("recruitment.converted", SYSTEM, 2024) == 1
    assert value("recruitment.converted", SYSTEM, 2023) == 0
    # scoped: the unit admin of 甲局 does not count 乙局's applicant
    admin = make_user("unit_admin", tree.unit_a)
    assert value("recruitment.applicants", admin, 2023) == 2
    assert value("recruitment.applicants", SYSTEM, 2023, within=tree.unit_b) == 1
    assert value("recruitment.admitted", make_user("viewer", tree.unit_b), 2023) == 0
