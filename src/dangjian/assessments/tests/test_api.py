"""The 督查考评 API: reads scoped, writes through the services, bad input a Chinese 400."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.assessments.models import Campaign, Finding, ItemResult

from . import factories
from .factories import (
    checklist_framework,
    make_campaign,
    make_finding,
    make_framework,
    pdf_upload,
)

pytestmark = pytest.mark.django_db
people = factories.people  # the shared fixture


@pytest.fixture
def checked(tree, people):
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a, tree.branch_b])
    items = {i.code: i for i in fw.items.all()}
    return campaign, campaign.assessments.get(target=tree.branch_a), items


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_frameworks_list_detail_and_import(client, tree, people):
    client.force_login(people.committee)
    fw = checklist_framework()
    rows = client.get("/api/frameworks/", {"code": fw.code}).json()["results"]
    assert [r["id"] for r in rows] == [fw.pk]
    detail = client.get(f"/api/frameworks/{fw.pk}/").json()
    assert [i["code"] for i in detail["items"]] == ["1", "1.1", "1.2", "2"]
    assert detail["items"][1]["parent_code"] == "1"
    dup = "code: test-api-dup\nname: 重复\nitems:\n  - code: '1'\n    text: 甲\n  - code: '1'\n    text: 乙\n"
    resp = post(client, "/api/frameworks/import/", {"text": dup, "filename": "dup.yaml"})
    assert resp.status_code == 400 and "重复" in str(resp.json())


def test_campaign_create_update_release_and_400s(client, tree, people):
    fw = make_framework([{"code": "1", "kind": "pass_fail"}])
    client.force_login(people.committee)
    body = {
        "name": "API 抽查",
        "campaign_type": "sampled_review",
        "framework": fw.pk,
        "scope_org": tree.root.pk,
        "target_kinds": ["branch"],
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "selection": "sample",
        "sample_size": 1,
        "seed": 3,
    }
    resp = post(client, "/api/campaigns/", body)
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["n_targets"] == 1 and data["sampling_plan"]["seed"] == 3
    cid = data["id"]
    # a sample larger than its population: 400 in Chinese, nothing created
    resp = post(client, "/api/campaigns/", body | {"name": "太多", "sample_size": 9})
    assert resp.status_code == 400 and "超过" in str(resp.json())
    assert not Campaign.objects.filter(name="太多").exists()
    # a manual target outside the user's scope
    client.force_login(people.unit_admin)
    resp = post(
        client,
        "/api/campaigns/",
        body
        | {
            "name": "越权",
            "scope_org": tree.unit_a.pk,
            "selection": "manual",
            "manual_targets": [tree.branch_b.pk],
        },
    )
    assert resp.status_code == 400 and "管辖范围" in str(resp.json())
    client.force_login(people.committee)
    resp = client.patch(
        f"/api/campaigns/{cid}/", {"status": "active"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["status"] == "active"
    resp = post(client, f"/api/campaigns/{cid}/redraw/", {"seed": 5})
    assert resp.status_code == 400 and "reason" in resp.json()
    resp = post(client, f"/api/campaigns/{cid}/redraw/", {"seed": 5, "reason": "复核"})
    assert resp.status_code == 200 and resp.json()["seed"] == 5
    resp = post(client, f"/api/campaigns/{cid}/release/", {"released": True})
    assert resp.status_code == 200 and resp.json()["results_released"] is True
    # a viewer may read but not release
    client.force_login(people.viewer)
    assert client.get(f"/api/campaigns/{cid}/").status_code == 200
    assert post(client, f"/api/campaigns/{cid}/release/", {"released": False}).status_code == 403


def test_assessment_results_and_status_actions(client, checked, people):
    campaign, a, items = checked
    client.force_login(people.committee)
    url = f"/api/assessments/{a.pk}/results/"
    resp = post(
        client,
        url,
        {
            "rows": [
                {"item": "2", "result": "conforming", "score": "9", "methods": ["ask", "check"]},
                {"item": items["1.1"].pk, "result": "conforming"},
            ]
        },
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["total_score"] == "9.00" and resp.json()["status"] == "in_progress"
    for bad, words in (
        ({"rows": [{"item": "2", "score": "12"}]}, "满分"),
        ({"rows": [{"item": "9.9", "result": "conforming"}]}, "9.9"),
        ({"rows": [{"item": "1.1", "result": "partial"}]}, "是否达标"),
        ({"rows": []}, "rows"),
        ({"rows": [{"item": "2", "result": "excellent"}]}, "result"),
        ({"rows": [{"item": "2", "methods": ["check", "smell"]}]}, "检查方式“smell”无效"),
    ):
        resp = post(client, url, bad)
        assert resp.status_code == 400, (bad, resp.content)
        assert words in str(resp.json()), (words, resp.json())
    assert ItemResult.objects.get(assessment=a, item=items["2"]).score == 9
    resp = post(client, f"/api/assessments/{a.pk}/status/", {"status": "finished"})
    assert resp.status_code == 400 and "状态" in str(resp.json())
    assert (
        post(client, f"/api/assessments/{a.pk}/status/", {"status": "in_review"}).status_code == 200
    )
    assert (
        post(client, f"/api/assessments/{a.pk}/status/", {"status": "done"}).json()["status"]
        == "done"
    )
    resp = post(client, url, {"rows": [{"item": "2", "score": "1"}]})
    assert resp.status_code == 400  # locked
    rows = client.get("/api/item-results/", {"campaign": campaign.pk}).json()["results"]
    assert {r["item_code"]: r["methods"] for r in rows} == {"1.1": [], "2": ["check", "ask"]}
    listed = client.get("/api/assessments/", {"campaign": campaign.pk, "status": "done"}).json()
    assert [r["id"] for r in listed["results"]] == [a.pk]


def test_target_side_cannot_write_results(client, checked, people):
    campaign, a, _items = checked
    campaign.results_released = True
    campaign.save()
    client.force_login(people.unit_admin)
    assert client.get(f"/api/assessments/{a.pk}/").status_code == 200
    resp = post(
        client, f"/api/assessments/{a.pk}/results/", {"rows": [{"item": "2", "score": "1"}]}
    )
    assert resp.status_code in (403, 404)
    assert not ItemResult.objects.filter(assessment=a).exists()


def test_findings_create_and_400s(client, checked, people, tree):
    _campaign, a, items = checked
    client.force_login(people.committee)
    resp = post(
        client,
        "/api/findings/",
        {"assessment": a.pk, "item": items["1.2"].pk, "text": "记录不规范"},
    )
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["org"] == tree.branch_a.pk and data["category"] == "三会一课"
    assert data["rectification_status"] == "open"
    assert post(client, "/api/findings/", {"org": tree.branch_a.pk, "text": ""}).status_code == 400
    resp = post(client, "/api/findings/", {"org": tree.branch_a.pk, "text": "无类别"})
    assert resp.status_code == 400 and "问题类别" in str(resp.json())
    resp = post(
        client,
        "/api/findings/",
        {"org": tree.branch_a.pk, "text": "未来", "category": "党费", "found_on": "2999-01-01"},
    )
    assert resp.status_code == 400 and "发现日期" in str(resp.json())
    resp = client.patch(
        f"/api/findings/{data['id']}/", {"org": tree.branch_b.pk}, content_type="application/json"
    )
    assert resp.status_code == 400
    assert Finding.objects.count() == 1


def test_rectification_submit_and_verify(client, tree, people):
    finding = make_finding(tree.branch_a, raised_by=tree.root)
    r = finding.rectification
    client.force_login(people.secretary)
    resp = post(client, f"/api/rectifications/{r.pk}/submit/", {"measures": ""})
    assert resp.status_code == 400 and "measures" in resp.json()
    resp = client.post(
        f"/api/rectifications/{r.pk}/submit/",
        {"measures": "已补正", "evidence_text": "见附件", "files": [pdf_upload()]},
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "submitted" and len(resp.json()["files"]) == 1
    assert post(client, f"/api/rectifications/{r.pk}/verify/", {"accept": True}).status_code == 403
    client.force_login(people.committee)
    resp = post(client, f"/api/rectifications/{r.pk}/verify/", {"accept": False, "note": ""})
    assert resp.status_code == 400
    resp = post(client, f"/api/rectifications/{r.pk}/verify/", {"accept": True})
    assert resp.status_code == 200 and resp.json()["status"] == "closed"
    listed = client.get("/api/rectifications/", {"status": "closed"}).json()["results"]
    assert [x["id"] for x in listed] == [r.pk]


def test_negative_list_json(client, tree, people):
    make_finding(
        tree.branch_a, raised_by=tree.root, category="三会一课", found_on=dt.date(2024, 3, 1)
    )
    make_finding(tree.branch_b, raised_by=tree.root, category="党费", found_on=dt.date(2024, 4, 1))
    client.force_login(people.committee)
    data = client.get("/api/negative-list/", {"year": 2024}).json()
    assert data["total_findings"] == 2
    assert set(data) == {"title", "assessed_orgs", "total_findings", "rows"}
    assert set(data["rows"][0]) == {
        "category",
        "item_code",
        "item_text",
        "count",
        "orgs",
        "share",
        "examples",
    }
    assert {r["category"] for r in data["rows"]} == {"三会一课", "党费"}
    within = client.get("/api/negative-list/", {"year": 2024, "within": tree.unit_a.pk}).json()
    assert {r["category"] for r in within["rows"]} == {"三会一课"}
    assert client.get("/api/negative-list/").status_code == 400
    assert client.get("/api/negative-list/", {"year": "x"}).status_code == 400
    assert client.get("/api/negative-list/", {"campaign": 99999}).status_code == 404
    # campaign_type: only findings of campaigns of that type (free-standing ones have none)
    typed = client.get("/api/negative-list/", {"year": 2024, "campaign_type": "sampled_review"})
    assert typed.status_code == 200
    assert typed.json()["rows"] == [] and "抽查调阅" in typed.json()["title"]
    bad = client.get("/api/negative-list/", {"year": 2024, "campaign_type": "nonsense"})
    assert bad.status_code == 400 and "campaign_type" in bad.json()
    client.force_login(people.unit_b_admin)
    scoped = client.get("/api/negative-list/", {"year": 2024}).json()
    assert {r["category"] for r in scoped["rows"]} == {"党费"}


def test_add_targets_through_the_api(client, tree, people):
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a])
    url = f"/api/campaigns/{campaign.pk}/add-targets/"
    client.force_login(people.committee)
    empty = post(client, url, {"targets": []})
    assert empty.status_code == 400 and "请选择要增加的检查对象" in str(empty.json())
    kind = post(client, url, {"targets": [tree.group_a.pk]})
    assert kind.status_code == 400 and "不是检查对象层级" in str(kind.json())
    again = post(client, url, {"targets": [tree.branch_a.pk]})
    assert again.status_code == 400 and "已是本次督查的检查对象" in str(again.json())
    missing = post(client, url, {"targets": [999999]})
    assert missing.status_code == 400 and "不在您管辖范围内" in str(missing.json())
    assert campaign.assessments.count() == 1
    ok = post(client, url, {"targets": [tree.branch_b.pk]})
    assert ok.status_code == 200 and ok.json()["n_targets"] == 2
    client.force_login(people.unit_admin)
    assert post(client, url, {"targets": [tree.branch_b.pk]}).status_code in (403, 404)


def test_schema_documents_the_assessments_api_without_guesses(client, people):
    """Enum names after their choices class, the item reference as integer-or-string, the
    negative list's parameters and response (check --deploy fails on any spectacular
    warning; this says which)."""
    client.force_login(people.committee)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    for name in (
        "OrgKindEnum",
        "CampaignStatusEnum",
        "AssessmentStatusEnum",
        "RectificationStatusEnum",
        "FrameworkItemKindEnum",
    ):
        assert name in components, name
    assert not [n for n in components if n.endswith("Enum") and any(c.isdigit() for c in n)]
    assert "TargetKindsEnum" not in components and "KindAccEnum" not in components
    item = components["ResultRowRequest"]["properties"]["item"]
    assert item["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    get = schema["paths"]["/api/negative-list/"]["get"]
    assert {p["name"] for p in get["parameters"]} >= {"year", "campaign", "campaign_type", "within"}
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/NegativeList")


def test_fields_that_can_be_null_say_so_in_the_schema(client, tree, people):
    """Hole 10: a top-level item's parent_code is null, a target without a unit has no
    unit_name — the schema must declare them nullable, as clients read it."""
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a])
    client.force_login(people.committee)
    items = client.get(f"/api/frameworks/{fw.pk}/").json()["items"]
    assert {i["code"]: i["parent_code"] for i in items}["1"] is None
    assert {i["code"]: i["parent_code"] for i in items}["1.1"] == "1"
    rows = client.get("/api/assessments/", {"campaign": campaign.pk}).json()["results"]
    assert rows[0]["unit_name"] is None
    components = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    for schema, field in (
        ("FrameworkItem", "parent_code"),
        ("Assessment", "unit_name"),
        ("Finding", "rectification"),
        ("Finding", "rectification_status"),
    ):
        assert components[schema]["properties"][field].get("nullable") is True, (schema, field)
