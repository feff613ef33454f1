"""入党志愿书编号段 page: the unit's 党委 registers its year's pool (the service's checks shown
in Chinese, nothing written), sees what each pool has issued; a branch reads none."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangjian.core.scoping import SYSTEM
from dangjian.recruitment import services
from dangjian.recruitment.models import ApplicationFormPool

from .factories import new_applicant, walk

pytestmark = pytest.mark.django_db
URL = "/recruitment/pools/"


def test_the_unit_registers_a_pool_and_sees_it_used(client, tree, make_user):
    assert reverse("recruitment:pools") == URL
    admin = make_user("unit_admin", tree.unit_a)
    client.force_login(admin)
    page = client.get(URL).content.decode()
    assert 'id="pool-form"' in page and "还没有编号段" in page
    assert f'<option value="{tree.unit_a.pk}" selected' in page  # her 机关党委, pre-chosen
    data = {"org": tree.unit_a.pk, "year": 2023, "number_prefix": "2023-", "first": 1, "last": 50}
    assert client.post(URL, data).status_code == 302
    pool = ApplicationFormPool.objects.get()
    assert (pool.org_id, pool.year, pool.first, pool.last) == (tree.unit_a.pk, 2023, 1, 50)
    # An overlapping range and a reversed one: refused in Chinese, nothing written.
    resp = client.post(URL, {**data, "first": 40, "last": 60})
    assert resp.status_code == 400 and "重叠" in resp.content.decode()
    resp = client.post(URL, {**data, "number_prefix": "B-", "first": 9, "last": 3})
    assert resp.status_code == 400 and "终止号不能小于起始号" in resp.content.decode()
    resp = client.post(URL, {**data, "year": 99999})
    assert resp.status_code == 400
    resp = client.post(URL, {**data, "org": tree.unit_b.pk, "number_prefix": "X-"})
    assert resp.status_code == 400 and "org" in resp.context["form"].errors
    assert ApplicationFormPool.objects.count() == 1
    # A number issued from it shows as used.
    applicant = new_applicant(SYSTEM, tree.branch_a)
    walk(SYSTEM, applicant, 13)
    services.issue_form_number(admin, applicant, pool, issued_on=applicant.last_step_on)
    page = client.get(URL).content.decode()
    assert "2023-1 — 2023-50" in page
    row = page[page.index("2023-1 — 2023-50") :]
    assert '<td class="text-end" data-label="已发放">1</td>' in row
    assert '<td class="text-end" data-label="剩余">49</td>' in row


def test_a_branch_neither_sees_nor_adds_pools(client, tree, make_user):
    ApplicationFormPool.objects.create(org=tree.unit_a, year=2023, first=1, last=9)
    client.force_login(make_user("branch_secretary", tree.branch_a))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"org": tree.branch_a.pk}).status_code == 403
    assert ApplicationFormPool.objects.count() == 1


def test_the_pools_page_query_count_is_constant(client, tree, make_user):
    from pathlib import Path

    from dangjian.core.testing.querycount import (
        assert_query_count_constant,
        check_baseline,
        occurrences,
    )

    client.force_login(make_user("committee_admin", tree.root))
    ApplicationFormPool.objects.create(org=tree.unit_a, year=2020, first=1, last=9)

    def add_rows():
        for i in range(8):
            org = tree.unit_a if i % 2 else tree.unit_b
            ApplicationFormPool.objects.create(org=org, year=2021 + i, first=1, last=9)

    count = assert_query_count_constant(
        client, URL, add_rows, rows=occurrences('data-label="剩余"')
    )
    check_baseline(Path(__file__).with_name("query_counts.json"), "recruitment:pools", count)
