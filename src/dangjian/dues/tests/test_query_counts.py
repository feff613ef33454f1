"""The dues pages and API lists run the same number of queries whatever the row count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)
from dangjian.dues.models import DuesReduction, DuesRemittance

from .test_permissions import make_base, make_member, make_payment

BASELINES = Path(__file__).with_name("query_counts.json")
pytestmark = pytest.mark.django_db


def add_members_with_dues(org, n=12):
    """Members with a base and a paid January: rows for every list."""
    for _ in range(n):
        make_base(org, member=(make_payment(org).member))


def add_reductions(org, n=12):
    for _ in range(n):
        member = make_member(org)
        DuesReduction.objects.create(
            member=member,
            kind="reduce",
            starts=dt.date(2024, 1, 1),
            ends=dt.date(2024, 6, 1),
            amount=Decimal("1"),
            reason=f"困难{member.pk}",
            branch_reviewed_on=dt.date(2023, 12, 1),
        )


def add_remittances(org, n=12):
    for i in range(n):
        DuesRemittance.objects.create(
            from_org=org,
            to_org=org.get_parent(),
            from_month=dt.date(2024, 1, 1),
            to_month=dt.date(2024, 3, 1),
            amount=Decimal(100 + i),
            remitted_on=dt.date(2024, 4, 2),
        )


@pytest.mark.parametrize(
    ("key", "url", "role", "adder", "rows"),
    [
        (
            "dues:ledger",
            "/dues/?year=2024",
            "branch_secretary",
            add_members_with_dues,
            "data-member=",
        ),
        (
            "dues:payment_add",
            "/dues/payments/add/?from=2024-02&to=2024-03",
            "branch_secretary",
            add_members_with_dues,
            "form-check-input",
        ),
        ("dues:base_list", "/dues/bases/", "branch_secretary", add_members_with_dues, None),
        ("dues:payment_list", "/dues/payments/", "branch_secretary", add_members_with_dues, None),
        ("dues:reduction_list", "/dues/reductions/", "unit_admin", add_reductions, None),
        ("dues:remittance_list", "/dues/remittances/", "unit_admin", add_remittances, None),
        ("api:dues-bases", "/api/dues-bases/", "branch_secretary", add_members_with_dues, None),
        ("api:dues", "/api/dues/", "branch_secretary", add_members_with_dues, None),
        (
            "api:dues-payments",
            "/api/dues-payments/",
            "branch_secretary",
            add_members_with_dues,
            None,
        ),
        ("api:dues-reductions", "/api/dues-reductions/", "unit_admin", add_reductions, None),
        ("api:dues-remittances", "/api/dues-remittances/", "unit_admin", add_remittances, None),
    ],
)
def test_dues_lists(client, tree, make_user, key, url, role, adder, rows):
    org = tree.branch_a
    client.force_login(
        make_user(role, tree.branch_a if role == "branch_secretary" else tree.unit_a)
    )
    adder(org, 1)
    kwargs = {"rows": occurrences(rows)} if rows else {}
    count = assert_query_count_constant(client, url, lambda: adder(org, 12), **kwargs)
    check_baseline(BASELINES, key, count)


def test_arrears_list(client, tree, make_user):
    from dangjian.dues.models import DuesDue

    def owe(n):
        for _ in range(n):
            DuesDue.objects.create(
                member=make_member(tree.branch_a),
                org=tree.branch_a,
                month=dt.date(2024, 1, 1),
                amount=Decimal("40"),
                category="in_service",
                table_id="national.2008",
            )

    client.force_login(make_user("committee_admin", tree.root))
    owe(1)
    count = assert_query_count_constant(
        client, "/dues/arrears/", lambda: owe(12), rows=occurrences("data-member=")
    )
    check_baseline(BASELINES, "dues:arrears", count)


def test_summary_one_line_per_unit(client, tree, make_user):
    """党费汇总 for the city: more units with members and payments, the same queries."""

    def add_units(n):
        for i in range(n):
            unit = tree.root.add_child(kind="unit_party", name=f"新增单位{i}-{n}")
            branch = unit.add_child(kind="branch", name=f"新增支部{i}-{n}")
            tree.root.refresh_from_db()
            make_base(branch, member=make_payment(branch).member)

    client.force_login(make_user("committee_admin", tree.root))
    add_units(1)
    count = assert_query_count_constant(
        client, "/dues/summary/?year=2024", lambda: add_units(5), rows=occurrences("data-org=")
    )
    check_baseline(BASELINES, "dues:summary", count)
