"""The dues API: writes through the services (Chinese 400s, nothing written), the base
masked, the next level's approval and the receiver's confirmation as actions."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.dues import services
from dangjian.dues.models import DuesPayment, DuesReduction
from dangjian.members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    unit = make_user("unit_admin", tree.unit_a)
    member = MemberFactory(org=tree.branch_a, name="钱七", joined_on=dt.date(2010, 1, 1))
    services.save_base(
        secretary, member, year=2024, from_month=1, category="in_service", base="4000"
    )
    return secretary, unit, member


def test_base_is_masked_with_amount_bracket_and_citation(client, setup):
    secretary, _unit, _member = setup
    client.force_login(secretary)
    row = client.get("/api/dues-bases/").json()["results"][0]
    assert "base" not in row and row["masked_base"] == "***"
    assert (row["monthly_amount"], row["bracket"]) == ("40.00", "3000元以上至5000元（含）按1%")
    assert "第二条" in row["citation"]


def test_payment_refusals_are_chinese_400s_and_write_nothing(client, setup):
    secretary, _unit, member = setup
    client.force_login(secretary)
    body = {
        "member": member.pk,
        "paid_on": "2024-03-20",
        "from_month": "2024-01-01",
        "to_month": "2024-03-01",
        "amount": "120.00",
        "method": "cash",
    }
    assert (
        client.post("/api/dues-payments/", body, content_type="application/json").status_code == 201
    )
    again = client.post("/api/dues-payments/", body, content_type="application/json")
    assert again.status_code == 400 and "不能重复登记" in again.content.decode()
    late = body | {
        "paid_on": "2024-12-20",
        "from_month": "2024-04-01",
        "to_month": "2024-05-01",
        "amount": "80",
    }
    resp = client.post("/api/dues-payments/", late, content_type="application/json")
    assert resp.status_code == 400 and "补交一般不超过 6 个月" in resp.content.decode()
    for bad in (
        {"amount": "-1"},
        {"amount": "1e30"},
        {"member": 10**20},
        {"paid_on": "2024-02-30"},
    ):
        resp = client.post("/api/dues-payments/", body | bad, content_type="application/json")
        assert resp.status_code == 400, (bad, resp.status_code)
    assert DuesPayment.objects.count() == 1


def test_reduction_approved_by_the_next_level_through_the_api(client, setup):
    secretary, unit, member = setup
    client.force_login(secretary)
    resp = client.post(
        "/api/dues-reductions/",
        {
            "member": member.pk,
            "kind": "exempt",
            "starts": "2024-03-01",
            "ends": "2024-04-01",
            "reason": "重病住院",
            "branch_reviewed_on": "2024-02-20",
        },
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    refused = client.post(
        f"/api/dues-reductions/{pk}/approve/",
        {"approved_on": "2024-02-25"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "须由上一级党委批准" in refused.content.decode()
    client.force_login(unit)
    ok = client.post(
        f"/api/dues-reductions/{pk}/approve/",
        {"approved_on": "2024-02-25"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["approved_on"] == "2024-02-25"
    assert DuesReduction.objects.get(pk=pk).approved_by == unit


def test_remittance_confirmed_by_the_receiver_through_the_api(client, tree, setup):
    secretary, unit, _member = setup
    client.force_login(secretary)
    resp = client.post(
        "/api/dues-remittances/",
        {
            "from_org": tree.branch_a.pk,
            "from_month": "2024-01-01",
            "to_month": "2024-03-01",
            "amount": "480",
            "remitted_on": "2024-04-03",
        },
        content_type="application/json",
    )
    assert resp.status_code == 201 and resp.json()["to_org"] == tree.unit_a.pk
    pk = resp.json()["id"]
    assert (
        client.post(
            f"/api/dues-remittances/{pk}/confirm/",
            {"received_on": "2024-04-05"},
            content_type="application/json",
        ).status_code
        == 404
    )
    client.force_login(unit)
    ok = client.post(
        f"/api/dues-remittances/{pk}/confirm/",
        {"received_on": "2024-04-05"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["received_on"] == "2024-04-05"
