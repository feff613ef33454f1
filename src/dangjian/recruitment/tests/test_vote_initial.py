"""The vote record's 应到 comes pre-filled from the records: the branch's full members (the
transfer-aware count) for a 支部大会, the committee's members for a 支委会."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from dangjian.members.tests.factories import MemberFactory

from .factories import full_members, new_applicant, walk

pytestmark = pytest.mark.django_db


def expected_value(html: str) -> str | None:
    field = re.search(r'<input[^>]*name="expected"[^>]*>', html)
    assert field, "no 应到 field on the page"
    value = re.search(r'value="([^"]*)"', field.group(0))
    return value.group(1) if value else None


def test_the_branch_assembly_starts_from_the_full_members_on_the_roll(client, tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    people = full_members(tree.branch_a, 3)
    MemberFactory(org=tree.group_a, joined_on=dt.date(2012, 1, 1))  # a 党小组 is the branch's
    MemberFactory(org=tree.branch_a, status="probationary", joined_on=dt.date(2024, 1, 1))
    MemberFactory(org=tree.branch_b, joined_on=dt.date(2012, 1, 1))  # another branch: not
    applicant = new_applicant(secretary, tree.branch_a)
    walk(secretary, applicant, 14, people=people)
    client.force_login(secretary)
    html = client.get(reverse("recruitment:applicant_detail", args=[applicant.pk])).content
    assert expected_value(html.decode()) == "4"  # 3 + the 党小组's one; no probationary vote


def test_other_steps_ask_for_no_count(client, tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    applicant = new_applicant(secretary, tree.branch_a)
    client.force_login(secretary)
    html = client.get(reverse("recruitment:applicant_detail", args=[applicant.pk])).content
    assert 'name="expected"' not in html.decode()
