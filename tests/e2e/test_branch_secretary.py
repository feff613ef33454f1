"""A branch secretary logs in through the real login form and sees only their own subtree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!branch-secretary"


@pytest.fixture
def scene(tree, make_user):
    """Members at several depths; the secretary holds branch_secretary at 甲局第一党支部."""
    from dangjian.members.models import Member

    def member(org, name):
        return Member.objects.create(
            org=org, name=name, gender="female", joined_on=dt.date(2010, 7, 1)
        )

    return {
        "secretary": make_user(
            role="branch_secretary",
            org=tree.branch_a,
            username="sec_a",
            password=PASSWORD,
            display_name="甲支书",
        ),
        "own": [member(tree.branch_a, "林晓甲"), member(tree.group_a, "周组员")],
        "above": member(
            tree.unit_a, "吴机关"
        ),  # the unit's own org: above the branch, out of scope
        "other": member(tree.branch_b, "郑乙支"),
    }


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    assert reverse("accounts:login") not in page.url, "登录失败：仍停留在登录页"


def test_branch_secretary_sees_only_own_subtree(live_server, page, tree, scene, screenshot):
    from playwright.sync_api import expect

    login(page, live_server.url, "sec_a", PASSWORD)

    page.goto(live_server.url + reverse("orgs:tree"))
    body = page.locator("body")
    expect(body).to_contain_text(tree.branch_a.name)
    expect(body).to_contain_text(tree.group_a.name)
    expect(body).not_to_contain_text(tree.unit_b.name)
    expect(body).not_to_contain_text(tree.branch_b.name)
    screenshot(page, "branch-secretary-tree")

    page.goto(live_server.url + reverse("members:member_list"))
    for member in scene["own"]:
        expect(body).to_contain_text(member.name)
    expect(body).not_to_contain_text(scene["above"].name)
    expect(body).not_to_contain_text(scene["other"].name)
    # Nor do the filter's org choices offer anything outside the subtree.
    expect(body).not_to_contain_text(tree.branch_b.name)
    expect(body).not_to_contain_text(tree.unit_b.name)
    screenshot(page, "branch-secretary-members")

    # Out of scope answers 404, exactly like a row that does not exist (DESIGN §4).
    response = page.goto(
        live_server.url + reverse("members:member_detail", args=[scene["other"].pk])
    )
    assert response is not None and response.status == 404
    response = page.goto(
        live_server.url + reverse("members:member_detail", args=[scene["own"][0].pk])
    )
    assert response is not None and response.status == 200
