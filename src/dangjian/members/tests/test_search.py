"""Name search by characters or pinyin initials, exact blind-index lookup, and the filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dangjian.members.models import name_initials

from .conftest import ID_NUMBER, PHONE
from .factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(zhang, tree):
    return {
        "zhang": zhang,
        "wang": MemberFactory(
            org=tree.group_a,
            name="王芳",
            gender="female",
            status="probationary",
            joined_on=dt.date(2024, 6, 1),
            full_member_on=None,
            category="retired",
        ),
        "zhou": MemberFactory(
            org=tree.branch_a, name="周强", gender="male", joined_on=dt.date(2019, 7, 1)
        ),
        "other": MemberFactory(org=tree.branch_b, name="张伟强"),
    }


def _api_ids(client, query: str) -> set[int]:
    resp = client.get(f"/api/members/?{query}")
    assert resp.status_code == 200, resp.content
    return {row["id"] for row in resp.json()["results"]}


def _page_names(client, query: str) -> str:
    resp = client.get(f"{reverse('members:member_list')}?{query}")
    assert resp.status_code == 200
    return resp.content.decode()


def test_initials():
    assert name_initials("张伟") == "zw"
    assert name_initials("欧阳娜娜") == "oynn"


@pytest.mark.parametrize("q", ["zw", "ZW", "张", "张伟", "伟"])
def test_name_search_by_characters_or_initials(people, tree, login, q):
    client = login("unit_admin", tree.unit_a)
    # 张伟强 matches too, but sits outside the user's scope
    assert _api_ids(client, f"q={q}") == {people["zhang"].pk}
    assert "张伟" in _page_names(client, f"q={q}")


def test_initials_prefix_not_substring(people, tree, login):
    client = login("committee_admin", tree.root)
    assert _api_ids(client, "q=zw") == {people["zhang"].pk, people["other"].pk}
    assert _api_ids(client, "q=w") == {people["wang"].pk}  # 王芳 starts with w; 张伟 does not


def test_full_id_number_and_phone_find_the_member(people, tree, login):
    client = login("unit_admin", tree.unit_a)
    assert _api_ids(client, f"q={ID_NUMBER}") == {people["zhang"].pk}
    assert _api_ids(client, f"q={ID_NUMBER.lower()}") == {people["zhang"].pk}
    assert _api_ids(client, f"q={PHONE}") == {people["zhang"].pk}
    assert "张伟" in _page_names(client, f"q={PHONE}")
    # no partial matching on encrypted values
    assert _api_ids(client, f"q={ID_NUMBER[:10]}") == set()
    assert _api_ids(client, f"q={PHONE[:7]}") == set()


def test_id_lookup_respects_scope(people, tree, login):
    client = login("unit_admin", tree.unit_b)
    assert _api_ids(client, f"q={ID_NUMBER}") == set()


def test_within_org_and_subtree(people, tree, login):
    client = login("committee_admin", tree.root)
    assert _api_ids(client, f"within={tree.unit_a.pk}") == {
        people["zhang"].pk,
        people["wang"].pk,
        people["zhou"].pk,
    }
    assert _api_ids(client, f"within={tree.group_a.pk}") == {people["wang"].pk}
    assert _api_ids(client, f"org={tree.branch_a.pk}") == {people["zhang"].pk, people["zhou"].pk}


def test_within_outside_scope_is_refused(people, tree, login):
    client = login("unit_admin", tree.unit_a)
    resp = client.get(f"/api/members/?within={tree.unit_b.pk}")
    assert resp.status_code == 400
    assert "within" in resp.json()


def test_choice_and_year_filters(people, tree, login):
    client = login("unit_admin", tree.unit_a)
    assert _api_ids(client, "status=probationary") == {people["wang"].pk}
    assert _api_ids(client, "category=retired") == {people["wang"].pk}
    assert _api_ids(client, "gender=female") == {people["wang"].pk}
    assert _api_ids(client, "join_year=2019") == {people["zhou"].pk}
    assert _api_ids(client, "membership=normal") == {
        p.pk for k, p in people.items() if k != "other"
    }
    page = _page_names(client, "join_year=2024&status=probationary")
    assert "王芳" in page and "周强" not in page


def test_list_page_filter_choices_are_scoped(people, tree, login):
    page = _page_names(login("unit_admin", tree.unit_a), "")
    assert "甲局第一党支部" in page and "乙局第一党支部" not in page
