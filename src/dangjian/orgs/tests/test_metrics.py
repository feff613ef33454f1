"""orgs.unit_party_count and orgs.grassroots_count: scope and year."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization, OrgKind, OrgStatus

from .helpers import child

pytestmark = pytest.mark.django_db


def value(metric_id, user, year, within=None):
    return registry.get(metric_id).value(MetricScope(user, year, within))


@pytest.fixture
def city(tree):
    """tree + a 党委 with a 总支 under unit_a, a branch established in 2025, a dissolved one."""
    committee = child(
        tree.unit_a, OrgKind.PARTY_COMMITTEE, "甲局机关基层党委", established_on=dt.date(2019, 1, 1)
    )
    child(committee, OrgKind.GENERAL_BRANCH, "甲局第一党总支")
    child(tree.unit_b, OrgKind.BRANCH, "乙局新支部", established_on=dt.date(2025, 3, 1))
    gone = child(tree.unit_b, OrgKind.BRANCH, "乙局撤销支部", established_on=dt.date(2010, 1, 1))
    Organization.objects.filter(pk=gone.pk).update(
        status=OrgStatus.DISSOLVED, dissolved_on=dt.date(2024, 6, 30)
    )
    return tree


def test_registered_with_labels():
    assert registry.get("orgs.unit_party_count").label == "市直机关党组织数"
    assert registry.get("orgs.grassroots_count").unit == "个"


def test_whole_tree_by_year(city):
    assert value("orgs.unit_party_count", SYSTEM, 2024) == 2
    # 2024: branch_a, branch_b, 党委, 总支 (the 2025 branch is not yet, the dissolved one no longer)
    assert value("orgs.grassroots_count", SYSTEM, 2024) == 4
    assert value("orgs.grassroots_count", SYSTEM, 2025) == 5
    # 2023: the dissolved branch still existed (dissolved mid-2024)
    assert value("orgs.grassroots_count", SYSTEM, 2023) == 5
    # 2018: the 党委 was established in 2019 (its 总支 has no date: counted as always there)
    assert value("orgs.grassroots_count", SYSTEM, 2018) == 4


def test_dissolved_without_a_date_never_counts(city):
    Organization.objects.filter(name="甲局第一党总支").update(status=OrgStatus.DISSOLVED)
    assert value("orgs.grassroots_count", SYSTEM, 2024) == 3


def test_unit_admin_counts_only_their_subtree(city, make_user):
    admin_a = make_user("unit_admin", city.unit_a)
    assert value("orgs.unit_party_count", admin_a, 2024) == 1
    assert value("orgs.grassroots_count", admin_a, 2024) == 3
    admin_b = make_user("unit_admin", city.unit_b)
    assert value("orgs.grassroots_count", admin_b, 2025) == 2
    committee_admin = make_user("committee_admin", city.root)
    assert value("orgs.grassroots_count", committee_admin, 2024, within=city.unit_b) == 1
    assert value("orgs.grassroots_count", make_user("audit_admin"), 2024) == 0


def test_drilldown_lists_the_counted_orgs(city, make_user):
    admin_a = make_user("unit_admin", city.unit_a)
    rows = registry.get("orgs.grassroots_count").drilldown(MetricScope(admin_a, 2024))
    assert set(rows.values_list("name", flat=True)) == {
        "甲局第一党支部",
        "甲局机关基层党委",
        "甲局第一党总支",
    }
