"""Member search costs what the searched subtree holds (issue 10, Deliver 5).

A name search narrowed to an org's subtree (`within`) looks the subtree's org ids up first
and reaches their members through the (org, …) index; the planner used to join on the
path and scan every member of the city instead (bench/member_search.py shows the plans
at city and province scale). On PostgreSQL a trigram index on upper(name) serves
searches of three or more characters. The results are the same rows as before.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory

from dangjian.members.filtersets import MemberFilterSet, name_q
from dangjian.members.models import Member

from .factories import MemberFactory

pytestmark = pytest.mark.django_db

TRIGRAM_INDEX = "member_name_upper_trgm"


@pytest.fixture
def people(tree):
    return {
        "a": MemberFactory(org=tree.branch_a, name="王秀英"),
        "a_group": MemberFactory(org=tree.group_a, name="王强"),
        "a_other": MemberFactory(org=tree.branch_a, name="李娜"),
        "b": MemberFactory(org=tree.branch_b, name="王秀英"),
    }


def _search(user, data):
    request = RequestFactory().get("/")
    request.user = user
    filterset = MemberFilterSet(
        data, queryset=Member.objects.restrict(user, "view"), request=request
    )
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def test_a_search_within_a_subtree_finds_exactly_its_members(people, tree, make_user):
    admin = make_user("committee_admin", tree.root)
    found = set(_search(admin, {"q": "王", "within": tree.unit_a.pk}))
    assert found == {people["a"], people["a_group"]}
    assert set(_search(admin, {"q": "王", "within": tree.group_a.pk})) == {people["a_group"]}
    assert set(_search(admin, {"q": "王"})) == {people["a"], people["a_group"], people["b"]}
    assert set(_search(admin, {"q": "wxy", "within": tree.unit_b.pk})) == {people["b"]}
    # the scope still rules: a unit admin's search never leaves the unit
    unit_admin = make_user("unit_admin", tree.unit_a)
    assert set(_search(unit_admin, {"q": "王秀英"})) == {people["a"]}
    assert set(_search(unit_admin, {"q": "王", "within": tree.branch_a.pk})) == {
        people["a"],
        people["a_group"],
    }


def test_a_subtree_search_looks_the_orgs_up_first(people, tree, make_user):
    admin = make_user("committee_admin", tree.root)
    sql = str(_search(admin, {"q": "王", "within": tree.unit_a.pk}).query)
    if connection.vendor == "postgresql":
        # `org_id = ANY(ARRAY(SELECT id …))`: the planner probes the org index per id
        assert '"members_member"."org_id" = ANY(ARRAY(SELECT' in sql
    else:
        assert '"members_member"."org_id" IN (SELECT' in sql
    # the whole scope is the scope: nothing to narrow, no subquery
    assert "ARRAY(" not in str(_search(admin, {"q": "王"}).query)


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Member._meta.db_table)
    return set(constraints)


def test_postgresql_serves_name_substrings_from_a_trigram_index(people):
    if connection.vendor != "postgresql":
        # SQLite: the migration leaves the table as it was (and search works, see above)
        assert TRIGRAM_INDEX not in _indexes()
        return
    assert TRIGRAM_INDEX in _indexes()
    # the name condition of the search (the scope's join aside: on four rows the planner
    # rightly starts from the org)
    sql, params = Member.objects.filter(name_q("王秀英")).query.sql_with_params()
    with connection.cursor() as cursor:
        # a four-row table is read whole whatever the indexes: forbid that, to see whether
        # the index matches the SQL Django writes for icontains (UPPER(name::text) LIKE …)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert TRIGRAM_INDEX in plan, plan
