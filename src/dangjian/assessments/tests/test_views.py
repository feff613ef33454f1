"""The 督查考评 pages: campaigns, the assessment form and its autosave, release to the
target org, the rectification flow, the negative list, the liaison profile, the org panel."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from dangjian.assessments import services
from dangjian.assessments.models import (
    Assessment,
    Campaign,
    Finding,
    ItemResult,
    Rectification,
)
from dangjian.audit.models import AuditEvent
from dangjian.core import orgpicker

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
    """The 工委's campaign on the 基础制度 checklist over branch_a and branch_b."""
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a, tree.branch_b], name="2024年抽查")
    items = {i.code: i for i in fw.items.all()}
    return campaign, campaign.assessments.get(target=tree.branch_a), items


def autosave(client, assessment, rows):
    return client.post(
        reverse("assessments:assessment_results", args=[assessment.pk]),
        json.dumps({"rows": rows}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )


# --- campaigns -----------------------------------------------------------------------------


def test_campaign_create_form_selects_all_targets(client, tree, people):
    fw = make_framework(
        [{"code": "1", "kind": "pass_fail"}], target_kinds=["branch", "party_group"]
    )
    client.force_login(people.committee)
    page = client.get(reverse("assessments:campaign_add"))
    assert page.status_code == 200 and "新建督查活动" in page.content.decode()
    resp = client.post(
        reverse("assessments:campaign_add"),
        {
            "name": "2024年基础制度落实抽查",
            "campaign_type": "sampled_review",
            "framework": fw.pk,
            "scope_org": tree.root.pk,
            "target_kinds": ["branch"],
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "selection": "all",
        },
    )
    campaign = Campaign.objects.get(name="2024年基础制度落实抽查")
    assert resp.status_code == 302 and resp["Location"] == campaign.get_absolute_url()
    assert set(campaign.assessments.values_list("target", flat=True)) == {
        tree.branch_a.pk,
        tree.branch_b.pk,
    }
    detail = client.get(resp["Location"]).content.decode()
    assert "甲局第一党支部" in detail and "乙局第一党支部" in detail


def test_campaign_create_shows_the_services_chinese_error(client, tree, people):
    fw = make_framework([{"code": "1", "kind": "pass_fail"}])
    client.force_login(people.committee)
    resp = client.post(
        reverse("assessments:campaign_add"),
        {
            "name": "抽样过多",
            "campaign_type": "sampled_review",
            "framework": fw.pk,
            "scope_org": tree.root.pk,
            "target_kinds": ["branch"],
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "selection": "sample",
            "sample_size": 5,
            "seed": 7,
        },
    )
    assert resp.status_code == 200
    assert "超过" in resp.content.decode()
    assert not Campaign.objects.filter(name="抽样过多").exists()


def test_campaign_scope_org_offers_only_the_users_subtree(client, tree, people):
    client.force_login(people.unit_admin)
    html = client.get(reverse("assessments:campaign_add")).content.decode()
    assert "甲局第一党支部" in html and "乙局机关党委" not in html


def test_sampling_page_prints_the_plan_and_redraws_with_a_reason(client, tree, people):
    fw = make_framework([{"code": "1", "kind": "pass_fail"}])
    from dangjian.assessments import campaigns

    campaign = campaigns.create_campaign(
        people.committee,
        name="抽样",
        campaign_type="sampled_review",
        framework=fw,
        scope_org=tree.root,
        target_kinds=["branch"],
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
        selection="sample",
        sample_size=1,
        seed=42,
    )
    client.force_login(people.committee)
    url = reverse("assessments:sampling", args=[campaign.pk])
    html = client.get(url).content.decode()
    assert "随机种子" in html and "42" in html
    assert "assessments/sampling.css" in html  # the print layout (a static file: strict CSP)
    assert "strata-table" in html and "甲局机关党委" in html
    # no reason: refused, nothing changed
    resp = client.post(reverse("assessments:redraw", args=[campaign.pk]), {"seed": 9})
    assert resp.status_code == 302
    campaign.refresh_from_db()
    assert campaign.seed == 42
    client.post(reverse("assessments:redraw", args=[campaign.pk]), {"seed": 9, "reason": "换人"})
    campaign.refresh_from_db()
    assert campaign.seed == 9 and campaign.assessments.count() == 1


def test_campaign_detail_shows_progress_and_ratings_chart(client, checked, people):
    campaign, a, _items = checked
    Assessment.objects.filter(pk=a.pk).update(status="done", rating="合格", total_score=9)
    client.force_login(people.committee)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert 'id="ratings-chart"' in html and "vendor/echarts/echarts.min.js" in html
    assert 'data-count="done">1<' in html and "50%" in html


# --- the assessment form -----------------------------------------------------------------


def test_assessment_page_lists_every_item_with_keyboard_help(client, checked, people):
    _campaign, a, items = checked
    client.force_login(people.committee)
    html = client.get(a.get_absolute_url()).content.decode()
    for code in ("1.1", "1.2", "2"):
        assert f'data-code="{code}"' in html
    assert f'name="result-{items["1.1"].pk}"' in html
    assert "assessment_form.js" in html and "<kbd>3</kbd> 不符合" in html
    # pass/fail items offer no 部分符合
    row = html.split('data-code="1.1"')[1].split("</tr>")[0]
    assert "部分符合" not in row


def test_autosave_saves_rows_and_answers_in_chinese(client, checked, people):
    _campaign, a, items = checked
    client.force_login(people.committee)
    resp = autosave(
        client,
        a,
        [
            {"item": items["1.1"].pk, "result": "nonconforming", "note": "3月未开展"},
            {"item": items["2"].pk, "result": "conforming", "score": "8"},
        ],
    )
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert data["ok"] and data["total_score"] == "8.00" and len(data["saved_at"]) == 8
    assert ItemResult.objects.filter(assessment=a).count() == 2
    bad = autosave(client, a, [{"item": items["2"].pk, "score": "11"}])
    assert bad.status_code == 400
    assert "第 2 项" in bad.json()["error"] and not bad.json()["ok"]
    assert ItemResult.objects.get(assessment=a, item=items["2"]).score == 8
    garbage = client.post(
        reverse("assessments:assessment_results", args=[a.pk]),
        "not json",
        content_type="application/json",
    )
    assert garbage.status_code == 400 and "格式不正确" in garbage.json()["error"]


def test_plain_form_post_saves_without_javascript(client, checked, people):
    _campaign, a, items = checked
    client.force_login(people.committee)
    resp = client.post(
        reverse("assessments:assessment_results", args=[a.pk]),
        {f"result-{items['1.2'].pk}": "partial", f"note-{items['1.2'].pk}": "记录不全"},
    )
    assert resp.status_code == 302
    assert ItemResult.objects.get(assessment=a, item=items["1.2"]).result == "partial"


def method_boxes(html, item):
    """{code: (checked, disabled, planned)} of the 检查方式 toggles on one item's row."""
    row = html.split(f'data-code="{item.code}"')[1].split("</tr>")[0]
    boxes = {}
    for part in row.split('<input type="checkbox"')[1:]:
        tag, label = part.split(">", 1)
        code = tag.split('value="')[1].split('"')[0]
        boxes[code] = (" checked" in tag, " disabled" in tag, "dj-planned" in label.split(">")[0])
    return boxes


def test_autosave_records_the_methods_used(client, checked, people):
    _campaign, a, items = checked
    items["1.1"].methods = ["check", "ask"]
    items["1.1"].save()
    client.force_login(people.committee)
    boxes = method_boxes(client.get(a.get_absolute_url()).content.decode(), items["1.1"])
    # all five offered, the item's own methods only suggested (outlined), none recorded yet
    assert list(boxes) == ["listen", "observe", "check", "ask", "evaluate"]
    assert {c for c, (_on, _off, planned) in boxes.items() if planned} == {"check", "ask"}
    assert not any(on or off for on, off, _planned in boxes.values())

    resp = autosave(
        client,
        a,
        [{"item": items["1.1"].pk, "result": "conforming", "methods": ["evaluate", "listen"]}],
    )
    assert resp.status_code == 200, resp.content
    saved = ItemResult.objects.get(assessment=a, item=items["1.1"])
    assert saved.methods == ["listen", "evaluate"]  # what was ticked, in 听看查问评 order
    boxes = method_boxes(client.get(a.get_absolute_url()).content.decode(), items["1.1"])
    assert {c for c, (on, _off, _planned) in boxes.items() if on} == {"listen", "evaluate"}
    event = AuditEvent.objects.filter(action="update").latest("pk")
    assert event.detail["results"]["1.1"]["methods"] == [[], ["listen", "evaluate"]]

    # unticking everything is saved as an empty list
    assert autosave(client, a, [{"item": items["1.1"].pk, "methods": []}]).status_code == 200
    saved.refresh_from_db()
    assert saved.methods == [] and saved.result == "conforming"


def test_autosave_refuses_an_unknown_method_in_chinese(client, checked, people):
    _campaign, a, items = checked
    client.force_login(people.committee)
    autosave(client, a, [{"item": items["1.2"].pk, "result": "partial", "methods": ["check"]}])
    for methods, words in ((["check", "smell"], "“smell”无效"), ("check", "应为列表")):
        bad = autosave(client, a, [{"item": items["1.2"].pk, "methods": methods}])
        assert bad.status_code == 400 and not bad.json()["ok"]
        error = bad.json()["error"]
        assert "第 1.2 项" in error and "检查方式" in error and words in error, error
        assert "check（查）" in error  # says what may be used instead
    assert ItemResult.objects.get(assessment=a, item=items["1.2"]).methods == ["check"]


def test_plain_form_post_carries_the_methods(client, checked, people):
    _campaign, a, items = checked
    client.force_login(people.committee)
    url = reverse("assessments:assessment_results", args=[a.pk])
    pk = items["1.2"].pk
    html = client.get(a.get_absolute_url()).content.decode()
    assert f'<input type="hidden" name="methods-{pk}" value="">' in html
    client.post(url, {f"result-{pk}": "partial", f"methods-{pk}": ["", "observe", "check"]})
    saved = ItemResult.objects.get(assessment=a, item=items["1.2"])
    assert saved.methods == ["observe", "check"]
    # only the empty marker: every box was unticked
    client.post(url, {f"result-{pk}": "partial", f"methods-{pk}": ""})
    saved.refresh_from_db()
    assert saved.methods == []
    # a post without the field at all leaves the saved methods alone
    ItemResult.objects.filter(pk=saved.pk).update(methods=["ask"])
    client.post(url, {f"result-{pk}": "conforming"})
    saved.refresh_from_db()
    assert (saved.result, saved.methods) == ("conforming", ["ask"])


def test_status_buttons_lock_the_form(client, checked, people):
    _campaign, a, items = checked
    client.force_login(people.committee)
    autosave(client, a, [{"item": items["1.1"].pk, "result": "conforming"}])
    url = reverse("assessments:assessment_status", args=[a.pk])
    for status in ("in_review", "done"):
        client.post(url, {"status": status})
    a.refresh_from_db()
    assert a.status == "done"
    html = client.get(a.get_absolute_url()).content.decode()
    assert "已锁定" in html and 'name="result-' not in html and "重新打开" in html
    # the methods stay visible but read-only
    boxes = method_boxes(html, items["1.1"])
    assert len(boxes) == 5 and all(off for _on, off, _planned in boxes.values())
    assert f'name="methods-{items["1.1"].pk}" value=""' not in html
    locked = autosave(client, a, [{"item": items["1.1"].pk, "result": "partial"}])
    assert locked.status_code == 400
    # an invalid jump is refused with the service's message
    resp = client.post(url, {"status": "planned"}, follow=True)
    assert "不能从" in resp.content.decode()


def test_target_org_sees_results_only_after_release(client, checked, people, tree):
    campaign, a, items = checked
    client.force_login(people.committee)
    autosave(client, a, [{"item": items["2"].pk, "result": "partial", "score": "6"}])
    client.force_login(people.unit_admin)  # 甲局机关党委: the target's own side
    assert client.get(a.get_absolute_url()).status_code == 404
    assert client.get(campaign.get_absolute_url()).status_code == 404
    assert a.pk not in [r["id"] for r in client.get("/api/assessments/").json()["results"]]

    client.force_login(people.committee)
    client.post(reverse("assessments:campaign_release", args=[campaign.pk]), {"released": "1"})
    campaign.refresh_from_db()
    assert campaign.results_released

    client.force_login(people.unit_admin)
    html = client.get(a.get_absolute_url()).content.decode()
    assert "6" in html and 'name="result-' not in html  # read-only for the target
    assert autosave(client, a, [{"item": items["2"].pk, "score": "10"}]).status_code in (403, 404)
    assert ItemResult.objects.get(assessment=a, item=items["2"]).score == 6
    # the other unit never sees branch_a's results
    client.force_login(people.unit_b_admin)
    assert client.get(a.get_absolute_url()).status_code == 404


def test_raise_finding_from_a_nonconforming_item(client, checked, people):
    campaign, a, items = checked
    client.force_login(people.committee)
    autosave(client, a, [{"item": items["1.1"].pk, "result": "nonconforming", "note": "3月缺"}])
    resp = client.post(
        reverse("assessments:assessment_raise", args=[a.pk]),
        {"item": items["1.1"].pk},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code == 200, resp.content
    finding = Finding.objects.get()
    assert finding.org == a.target and finding.campaign == campaign and finding.item == items["1.1"]
    assert finding.category == "三会一课" and finding.text == "3月缺"
    assert finding.rectification.status == "open"
    html = client.get(a.get_absolute_url()).content.decode()
    assert f'href="{finding.get_absolute_url()}"' in html and "查看问题" in html
    # an item of another framework: 404, nothing raised
    other = make_framework([{"code": "x"}]).items.get()
    resp = client.post(reverse("assessments:assessment_raise", args=[a.pk]), {"item": other.pk})
    assert resp.status_code == 404 and Finding.objects.count() == 1


def test_evidence_upload_and_download(client, checked, people):
    _campaign, a, items = checked
    client.force_login(people.committee)
    resp = client.post(
        reverse("assessments:evidence_upload", args=[a.pk]),
        {"file": pdf_upload("台账.pdf"), "item": items["1.2"].pk},
    )
    assert resp.status_code == 302
    evidence = a.evidence.get()
    assert evidence.item_result.item == items["1.2"]
    html = client.get(a.get_absolute_url()).content.decode()
    assert "台账.pdf" in html
    download = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


# --- findings and rectification ------------------------------------------------------------


def test_rectification_flow_through_the_pages(client, checked, people, tree):
    _campaign, a, items = checked
    finding = services.raise_finding(
        people.committee, text="主题党日记录不全", assessment=a, item=items["1.1"]
    )
    r = finding.rectification
    url = r.get_absolute_url()

    client.force_login(people.secretary)  # 甲局第一党支部书记 answers his own
    html = client.get(url).content.decode()
    assert 'id="submit-form"' in html and 'id="verify-form"' not in html
    resp = client.post(reverse("assessments:rectification_submit", args=[r.pk]), {"measures": ""})
    r.refresh_from_db()
    assert r.status == "open"
    client.post(
        reverse("assessments:rectification_submit", args=[r.pk]),
        {"measures": "补开主题党日并完善记录", "evidence_text": "见附件", "files": [pdf_upload()]},
    )
    r.refresh_from_db()
    assert r.status == "submitted" and r.files.count() == 1
    # the secretary cannot close it himself
    resp = client.post(
        reverse("assessments:rectification_verify", args=[r.pk]), {"decision": "accept"}
    )
    assert resp.status_code == 403
    r.refresh_from_db()
    assert r.status == "submitted"

    client.force_login(people.committee)
    board = client.get(reverse("assessments:rectification_board")).content.decode()
    assert f'data-rectification="{r.pk}"' in board
    assert 'id="verify-form"' in client.get(url).content.decode()
    client.post(
        reverse("assessments:rectification_verify", args=[r.pk]),
        {"decision": "return", "note": ""},
    )
    r.refresh_from_db()
    assert r.status == "submitted"  # 退回 needs a note
    client.post(reverse("assessments:rectification_verify", args=[r.pk]), {"decision": "accept"})
    r.refresh_from_db()
    assert r.status == "closed" and r.closed_on is not None
    assert AuditEvent.objects.filter(object_type="assessments.rectification").exists()


def test_board_puts_overdue_first_and_marks_it(client, tree, people):
    late = make_finding(tree.branch_a, raised_by=tree.root, deadline=dt.date(2020, 1, 1))
    soon = make_finding(tree.branch_b, raised_by=tree.root, deadline=dt.date(2099, 1, 1))
    client.force_login(people.committee)
    html = client.get(reverse("assessments:rectification_board")).content.decode()
    open_col = html.split('data-column="open"')[1].split('data-column="returned"')[0]
    assert open_col.index(f'data-rectification="{late.rectification.pk}"') < open_col.index(
        f'data-rectification="{soon.rectification.pk}"'
    )
    assert "逾期" in open_col.split(f'data-rectification="{soon.rectification.pk}"')[0]
    # the unit admin of 乙局 sees only his own
    client.force_login(people.unit_b_admin)
    html = client.get(reverse("assessments:rectification_board")).content.decode()
    assert f'data-rectification="{late.rectification.pk}"' not in html
    assert f'data-rectification="{soon.rectification.pk}"' in html


def test_free_standing_finding_form(client, tree, people):
    client.force_login(people.unit_admin)
    resp = client.post(
        reverse("assessments:finding_add"),
        {
            "org": tree.branch_a.pk,
            "category": "党费",
            "text": "党费未按时收缴",
            "severity": "general",
        },
    )
    finding = Finding.objects.get()
    assert resp["Location"] == finding.get_absolute_url()
    assert finding.raised_by_org == tree.unit_a
    assert Rectification.objects.filter(finding=finding, status="open").exists()
    # org outside the user's scope is not offered, and refused
    resp = client.post(
        reverse("assessments:finding_add"),
        {"org": tree.branch_b.pk, "category": "党费", "text": "x", "severity": "general"},
    )
    assert resp.status_code == 200 and Finding.objects.count() == 1


# --- negative list, liaison, frameworks, nav, org panel ------------------------------------


def test_negative_list_page_and_exports(client, tree, people):
    make_finding(tree.branch_a, raised_by=tree.root, category="三会一课", text="支委会记录缺失")
    client.force_login(people.committee)
    url = reverse("assessments:negative_list")
    everything = {"year": 2024, "campaign_type": "all"}
    html = client.get(url, everything).content.decode()
    assert "三会一课" in html and "支委会记录缺失" in html
    xlsx = client.get(url, {**everything, "export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "spreadsheetml" in xlsx["Content-Type"]
    docx = client.get(url, {**everything, "export": "docx"})
    assert docx.status_code == 200 and "wordprocessingml" in docx["Content-Type"]
    assert client.get(url, {"year": "abc"}).status_code == 404
    assert client.get(url, {"year": 2024, "campaign_type": "nonsense"}).status_code == 404
    client.force_login(people.unit_b_admin)
    assert "支委会记录缺失" not in client.get(url, everything).content.decode()


def test_negative_list_page_defaults_to_sampled_review(client, tree, people):
    """The 工委's 负面清单 is the common problems of the 抽查调阅: without a campaign the page
    shows that type, and the share counts only the done 抽查调阅 targets — not the year's
    五星 ratings. A chosen campaign brings its own type."""
    fw = checklist_framework()
    review = make_campaign(fw, tree.root, [tree.branch_a, tree.branch_b], name="基础制度抽查")
    stars = make_campaign(
        fw, tree.root, [tree.branch_a, tree.branch_b, tree.group_a], campaign_type="star_rating"
    )
    Assessment.objects.update(status="done")
    Assessment.objects.filter(campaign=review, target=tree.branch_b).update(status="planned")
    make_finding(
        tree.branch_a,
        raised_by=tree.root,
        text="主题党日未按月开展",
        campaign=review,
        assessment=review.assessments.get(target=tree.branch_a),
    )
    make_finding(
        tree.branch_a,
        raised_by=tree.root,
        category="五星评定",
        text="创新项目不突出",
        campaign=stars,
        assessment=stars.assessments.get(target=tree.branch_a),
    )
    make_finding(tree.branch_b, raised_by=tree.root, text="单独登记的问题")
    client.force_login(people.committee)
    url = reverse("assessments:negative_list")

    page = client.get(url, {"year": 2024})
    nl = page.context["nl"]
    assert page.context["campaign_type"] == "sampled_review"
    assert [r.examples for r in nl.rows] == [["主题党日未按月开展"]]
    assert nl.assessed_orgs == 1 and nl.rows[0].share == 1.0  # branch_b not yet checked
    html = page.content.decode()
    assert '<option value="sampled_review" selected>' in html and "抽查调阅负面清单" in html

    every = client.get(url, {"year": 2024, "campaign_type": "all"}).context["nl"]
    assert every.total_findings == 3 and every.assessed_orgs == 3
    only_stars = client.get(url, {"year": 2024, "campaign_type": "star_rating"}).context["nl"]
    assert [r.category for r in only_stars.rows] == ["五星评定"]
    assert only_stars.assessed_orgs == 3
    chosen = client.get(url, {"campaign": stars.pk}).context
    assert chosen["campaign_type"] == "" and chosen["nl"].total_findings == 1
    xlsx = client.get(url, {"year": 2024, "export": "xlsx"})
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert "抽查调阅" in ws["A1"].value and ws.max_row == 4  # title, summary, header, one row


def test_liaison_profile_and_docx(client, tree, people):
    make_finding(tree.branch_a, raised_by=tree.root, found_on=dt.date(2024, 6, 1))
    client.force_login(people.committee)
    url = reverse("assessments:liaison_profile", args=[tree.unit_a.pk])
    html = client.get(url, {"start": "2024-01-01", "end": "2024-12-31"}).content.decode()
    assert "巡前征询" in html and "甲局机关党委" in html and "问题 1 个" in html
    docx = client.get(url, {"start": "2024-01-01", "end": "2024-12-31", "export": "docx"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    client.force_login(people.unit_b_admin)
    assert client.get(url).status_code == 404


def test_framework_pages_and_import(client, tree, people):
    fw = checklist_framework()
    client.force_login(people.committee)
    html = client.get(fw.get_absolute_url()).content.decode()
    assert "按月开展主题党日" in html and "下载 YAML" in html
    yaml_resp = client.get(reverse("assessments:framework_yaml", args=[fw.pk]))
    assert yaml_resp.status_code == 200 and fw.code in yaml_resp.content.decode()
    bad = "code: test-dup\nname: 重复\nitems:\n  - code: '1'\n    text: 甲\n  - code: '1'\n    text: 乙\n"
    resp = client.post(reverse("assessments:framework_import"), {"text": bad})
    assert resp.status_code == 200 and "重复" in resp.content.decode()
    assert client.get(reverse("assessments:framework_import")).status_code == 200


def test_nav_has_the_assessment_menu_for_those_who_may_use_it(client, tree, people, make_user):
    client.force_login(people.committee)
    html = client.get("/").content.decode()
    assert "督查考评" in html and reverse("assessments:rectification_board") in html
    client.force_login(make_user("audit_admin"))
    assert "督查考评" not in client.get("/").content.decode()


def test_org_page_loads_the_assessment_panel(client, checked, people, tree):
    campaign, a, items = checked
    finding = services.raise_finding(
        people.committee, text="记录不全", assessment=a, item=items["1.2"]
    )
    client.force_login(people.committee)
    html = client.get(tree.branch_a.get_absolute_url()).content.decode()
    panel_url = reverse("assessments:org_panel", args=[tree.branch_a.pk])
    assert f'hx-get="{panel_url}"' in html
    panel = client.get(panel_url).content.decode()
    assert 'id="assessment-panel"' in panel
    assert campaign.name in panel and finding.rectification.get_absolute_url() in panel
    # the other unit's admin: the org is out of scope
    client.force_login(people.unit_b_admin)
    assert client.get(panel_url).status_code == 404
    client.force_login(make_user_without_assessments(tree))
    assert (
        'hx-get="' + panel_url not in client.get(tree.branch_a.get_absolute_url()).content.decode()
    )


def make_user_without_assessments(tree):
    from dangjian.accounts.models import RoleAssignment, User

    user = User.objects.create_user(username="party_member_x", password="Zz9!abcdefg")
    RoleAssignment.objects.create(user=user, role="party_member", org=tree.branch_a)
    return user


# --- status without reload, adding targets, assessors, old framework versions ---------------


def test_autosave_and_status_answers_carry_the_new_buttons(client, checked, people):
    _campaign, a, items = checked
    client.force_login(people.committee)
    page = client.get(a.get_absolute_url()).content.decode()
    assert 'id="status-actions"' in page and "开始检查" in page
    data = autosave(client, a, [{"item": items["1.1"].pk, "result": "conforming"}]).json()
    assert data["status"] == "in_progress" and data["status_label"] == "检查中"
    assert "提交审核" in data["actions_html"] and "开始检查" not in data["actions_html"]
    assert 'id="status-actions"' in data["actions_html"] and not data["locked"]
    url = reverse("assessments:assessment_status", args=[a.pk])
    as_json = {"HTTP_ACCEPT": "application/json"}
    review = client.post(url, {"status": "in_review"}, **as_json).json()
    assert review["status_label"] == "待审核" and "检查状态已改为“待审核”" in review["message"]
    assert "完成" in review["actions_html"] and "退回修改" in review["actions_html"]
    done = client.post(url, {"status": "done"}, **as_json).json()
    assert done["locked"] and "重新打开" in done["actions_html"]
    bad = client.post(url, {"status": "planned"}, **as_json)
    assert bad.status_code == 400 and "不能从“已完成”直接改为“待检查”" in bad.json()["error"]
    a.refresh_from_db()
    assert a.status == "done"


def test_add_targets_by_hand(client, tree, people):
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a], target_kinds=["branch"])
    url = reverse("assessments:campaign_add_targets", args=[campaign.pk])
    client.force_login(people.committee)
    assert "增加检查对象" in client.get(campaign.get_absolute_url()).content.decode()
    page = client.get(url)
    choices = {pk for pk, _label in page.context["form"].fields["targets"].choices}
    # only branches in scope not yet targets: not branch_a (already), group_a, the units
    assert {getattr(pk, "value", pk) for pk in choices} == {tree.branch_b.pk}
    empty = client.post(url, {})
    assert "请选择要增加的检查对象" in empty.content.decode()
    wrong = client.post(url, {"targets": [tree.group_a.pk]})
    assert "所选组织不在可增加的范围内" in wrong.content.decode()
    assert campaign.assessments.count() == 1
    resp = client.post(url, {"targets": [tree.branch_b.pk]})
    assert resp.status_code == 302 and resp["Location"] == campaign.get_absolute_url()
    assert campaign.assessments.filter(target=tree.branch_b).exists()
    campaign.refresh_from_db()
    assert [row["id"] for row in campaign.sampling_plan["added"]] == [tree.branch_b.pk]
    # the target org's admin cannot change the campaign: no page for them
    client.force_login(people.unit_admin)
    assert client.get(url).status_code == 404
    assert client.post(url, {"targets": [tree.branch_b.pk]}).status_code == 404


def test_add_targets_picker_stays_in_the_campaign_scope(client, tree, people):
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.unit_a, [], target_kinds=["branch"])
    client.force_login(people.committee)
    form = client.get(reverse("assessments:campaign_add_targets", args=[campaign.pk])).context[
        "form"
    ]
    assert list(form.fields["targets"].queryset) == [tree.branch_a]
    resp = client.post(
        reverse("assessments:campaign_add_targets", args=[campaign.pk]),
        {"targets": [tree.branch_b.pk]},
    )
    assert "所选组织不在可增加的范围内" in resp.content.decode()
    assert not campaign.assessments.exists()


def test_edit_assessors_of_an_assessment(client, checked, people, make_user, tree):
    _campaign, a, _items = checked
    colleague = make_user("committee_admin", tree.root, display_name="王检查")
    client.force_login(people.committee)
    page = client.get(a.get_absolute_url())
    offered = set(page.context["info_form"].fields["assessors"].queryset)
    assert colleague in offered and people.committee in offered
    url = reverse("assessments:assessment_info", args=[a.pk])
    resp = client.post(url, {"assessors": [colleague.pk], "assessor_names": "李四（市纪委）"})
    assert resp.status_code == 302
    a.refresh_from_db()
    assert list(a.assessors.all()) == [colleague] and a.assessor_names == "李四（市纪委）"
    html = client.get(a.get_absolute_url()).content.decode()
    assert "王检查、李四（市纪委）" in html
    assert AuditEvent.objects.filter(object_id=str(a.pk), action="update").exists()


def test_assessors_must_be_in_the_campaign_scope(client, tree, people, make_user):
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.unit_a, [tree.branch_a])
    a = campaign.assessments.get()
    outsider = make_user("unit_admin", tree.unit_b)
    client.force_login(people.committee)
    resp = client.post(
        reverse("assessments:assessment_info", args=[a.pk]),
        {"assessors": [outsider.pk]},
        follow=True,
    )
    assert "所选检查人员不在本次督查的组织范围内" in resp.content.decode()
    assert not a.assessors.exists()


def test_campaign_on_an_old_framework_version_needs_the_explicit_option(client, tree, people):
    old = make_framework([{"code": "1", "kind": "pass_fail"}], code="fw-old", is_current=False)
    make_framework([{"code": "1", "kind": "pass_fail"}], code="fw-old", version=2)
    client.force_login(people.committee)
    page = client.get(reverse("assessments:campaign_add")).content.decode()
    assert "（第 1 版，旧版本）" in page and "沿用旧版本模板" in page
    body = {
        "name": "按旧标准复查",
        "campaign_type": "sampled_review",
        "framework": old.pk,
        "scope_org": tree.root.pk,
        "target_kinds": ["branch"],
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "selection": "all",
    }
    refused = client.post(reverse("assessments:campaign_add"), body)
    assert "已不是当前版本" in refused.content.decode()
    assert not Campaign.objects.filter(name="按旧标准复查").exists()
    resp = client.post(reverse("assessments:campaign_add"), body | {"allow_old_version": "on"})
    campaign = Campaign.objects.get(name="按旧标准复查")
    assert resp.status_code == 302 and campaign.framework_id == old.pk


def select_of(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    return page[start : page.index("</select>", start)]


@pytest.mark.parametrize(
    ("url_name", "selects"),
    [
        ("assessments:assessment_list", ("within", "target")),
        ("assessments:finding_list", ("within",)),
        ("assessments:rectification_board", ("within",)),
        ("assessments:campaign_list", ("within",)),
    ],
)
def test_org_selects_offer_upper_levels_and_deeper_orgs_still_filter(
    client, tree, people, url_name, selects, monkeypatch
):
    """The city's ≈ 2 200 orgs are not listed in every org select (that was most of the
    targets and findings pages' time): the 工委 sees itself and the units; a deeper org
    chosen through a link is shown selected and filters."""
    monkeypatch.setattr(orgpicker, "SHORT_LIMIT", 3)  # the tree has more orgs than that
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a, tree.branch_b, tree.group_a])
    make_finding(tree.group_a, raised_by=tree.root, text="党小组问题", campaign=campaign)
    make_finding(tree.branch_b, raised_by=tree.root, text="乙局问题", campaign=campaign)
    client.force_login(people.committee)
    url = reverse(url_name)
    page = client.get(url).content.decode()
    for name in selects:
        select = select_of(page, name)
        assert tree.unit_a.name in select and tree.unit_b.name in select
        assert tree.branch_a.name not in select and tree.group_a.name not in select
    deep = client.get(url, {"within": tree.group_a.pk})
    assert deep.status_code == 200
    select = select_of(deep.content.decode(), "within")
    assert f'<option value="{tree.group_a.pk}" selected>' in select
    if url_name == "assessments:assessment_list":
        rows = deep.context["table"].rows
        assert [r.record.target for r in rows] == [tree.group_a]
        by_target = client.get(url, {"target": tree.branch_b.pk}).context["table"].rows
        assert [r.record.target for r in by_target] == [tree.branch_b]
    if url_name == "assessments:finding_list":
        assert [r.record.text for r in deep.context["table"].rows] == ["党小组问题"]
    # an org outside the user's scope is no valid choice
    client.force_login(people.unit_b_admin)
    outside = client.get(url, {"within": tree.group_a.pk})
    select = select_of(outside.content.decode(), "within")
    assert tree.group_a.name not in select
