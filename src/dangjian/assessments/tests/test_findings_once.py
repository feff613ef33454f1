"""提出问题 once per item: one finding per (assessment, item), whichever way it is raised.

A second click on 提出问题 used to create a second finding and rectification silently (and
change the 负面清单's totals). Now the service refuses it (one rule for the page, the API
and any import), the database refuses it too (a partial unique constraint: findings
outside an assessment or an item stay free), the page opens the existing finding instead,
and the API answers a Chinese 400. A finding's text is the problem; the item's standard is
shown from the item, never copied into the text.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from dangjian.assessments import services
from dangjian.assessments.models import Finding, ItemResult, Rectification

from . import factories
from .factories import checklist_framework, make_campaign, make_finding

pytestmark = pytest.mark.django_db
people = factories.people


@pytest.fixture
def checked(tree, people):
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a, tree.branch_b])
    items = {i.code: i for i in fw.items.all()}
    return campaign, campaign.assessments.get(target=tree.branch_a), items


def raise_url(assessment) -> str:
    return reverse("assessments:assessment_raise", args=[assessment.pk])


def nonconforming(assessment, item, note: str = "") -> None:
    ItemResult.objects.create(assessment=assessment, item=item, result="nonconforming", note=note)


# --- the one rule -------------------------------------------------------------------------


def test_the_service_refuses_a_second_finding_on_the_same_item(checked, people):
    _campaign, a, items = checked
    first = services.raise_finding(
        people.committee, text="3月未开展主题党日", assessment=a, item=items["1.1"]
    )
    with pytest.raises(ValidationError) as exc:
        services.raise_finding(
            people.committee, text="7月也未开展", assessment=a, item=items["1.1"]
        )
    message = " ".join(exc.value.messages)
    assert "已提出过问题" in message and "不能重复提出" in message
    assert exc.value.finding_id == first.pk  # the page opens this one
    assert Finding.objects.count() == 1 and Rectification.objects.count() == 1


def test_other_items_other_targets_and_free_standing_findings_stay_free(checked, people, tree):
    campaign, a, items = checked
    b = campaign.assessments.get(target=tree.branch_b)
    services.raise_finding(people.committee, text="问题一", assessment=a, item=items["1.1"])
    services.raise_finding(people.committee, text="问题二", assessment=a, item=items["1.2"])
    services.raise_finding(people.committee, text="问题三", assessment=b, item=items["1.1"])
    # without an item (a general remark on the check) and free-standing: as many as needed
    for n in range(2):
        services.raise_finding(people.committee, text=f"总体{n}", assessment=a, category="其他")
        services.raise_finding(people.committee, text=f"巡察{n}", org=tree.branch_a, category="c")
    assert Finding.objects.count() == 7


def test_the_database_refuses_a_duplicate_written_past_the_service(checked, tree):
    """Bulk loads (the demo) and any future import bypass the service: the constraint holds."""
    _campaign, a, items = checked
    make_finding(tree.branch_a, raised_by=tree.root, assessment=a, item=items["1.1"])
    with pytest.raises(IntegrityError), transaction.atomic():
        make_finding(tree.branch_a, raised_by=tree.root, assessment=a, item=items["1.1"])
    make_finding(tree.branch_a, raised_by=tree.root, assessment=a)  # no item: free
    make_finding(tree.branch_a, raised_by=tree.root, assessment=a)
    assert Finding.objects.count() == 3


# --- the page -------------------------------------------------------------------------------


def test_a_second_click_opens_the_existing_finding(client, checked, people):
    _campaign, a, items = checked
    nonconforming(a, items["1.1"], "3月缺主题党日")
    client.force_login(people.committee)
    first = client.post(raise_url(a), {"item": items["1.1"].pk})
    finding = Finding.objects.get()
    assert first.status_code == 302 and first["Location"] == a.get_absolute_url()
    second = client.post(raise_url(a), {"item": items["1.1"].pk}, follow=True)
    assert second.redirect_chain[-1][0] == finding.get_absolute_url()
    assert "已提出过问题" in second.content.decode()
    assert Finding.objects.count() == 1 and Rectification.objects.count() == 1


def test_htmx_swaps_the_button_for_a_link_to_the_finding(client, checked, people):
    _campaign, a, items = checked
    nonconforming(a, items["1.1"], "3月缺主题党日")
    client.force_login(people.committee)
    page = client.get(a.get_absolute_url()).content.decode()
    assert f'hx-post="{raise_url(a)}"' in page and "提出问题" in page
    resp = client.post(raise_url(a), {"item": items["1.1"].pk}, HTTP_HX_REQUEST="true")
    finding = Finding.objects.get()
    html = resp.content.decode()
    assert resp.status_code == 200 and "查看问题" in html
    assert f'href="{finding.get_absolute_url()}"' in html and "data-raise" not in html
    # the reloaded page shows the link, not the button
    page = client.get(a.get_absolute_url()).content.decode()
    row = page.split(f'data-item="{items["1.1"].pk}"')[1].split("</tr>")[0]
    assert "查看问题" in row and "data-raise" not in row
    # a stale page clicking again is sent to the existing finding
    again = client.post(raise_url(a), {"item": items["1.1"].pk}, HTTP_HX_REQUEST="true")
    assert again["HX-Redirect"] == finding.get_absolute_url()
    assert Finding.objects.count() == 1


def test_the_text_is_the_problem_not_the_standard(client, checked, people):
    _campaign, a, items = checked
    item = items["1.2"]  # 会议记录规范
    nonconforming(a, item, "会议记录存在补记现象")
    client.force_login(people.committee)
    client.post(raise_url(a), {"item": item.pk})
    finding = Finding.objects.get()
    assert finding.text == "会议记录存在补记现象" and item.text not in finding.text
    # the finding and its rectification show the standard beside the problem, from the item
    for url in (finding.get_absolute_url(), finding.rectification.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "检查标准" in html and item.text in html and "会议记录存在补记现象" in html


def test_without_a_note_the_page_asks_for_the_problem(client, checked, people):
    _campaign, a, items = checked
    nonconforming(a, items["1.1"])  # no note: nothing says what was wrong
    client.force_login(people.committee)
    resp = client.post(raise_url(a), {"item": items["1.1"].pk}, follow=True)
    assert "请先在本条的“说明”中写明发现的问题" in resp.content.decode()
    htmx = client.post(raise_url(a), {"item": items["1.1"].pk}, HTTP_HX_REQUEST="true")
    assert "请先在本条的“说明”中写明发现的问题" in htmx.content.decode()
    assert "data-raise" in htmx.content.decode()  # the button stays for the next try
    assert not Finding.objects.exists()


# --- the API --------------------------------------------------------------------------------


def test_the_api_refuses_a_duplicate_with_a_chinese_400(client, checked, people):
    _campaign, a, items = checked
    client.force_login(people.committee)
    body = {"assessment": a.pk, "item": items["1.1"].pk, "text": "3月未开展主题党日"}
    created = client.post("/api/findings/", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    again = client.post("/api/findings/", json.dumps(body), content_type="application/json")
    assert again.status_code == 400
    assert "已提出过问题" in json.dumps(again.json(), ensure_ascii=False)
    assert Finding.objects.count() == 1
    data = client.get(f"/api/findings/{created.json()['id']}/").json()
    assert data["text"] == "3月未开展主题党日" and data["standard"] == items["1.1"].text


# --- migration 0003: the data written before --------------------------------------------


def test_the_migration_cleans_copied_standards_and_detaches_duplicates(checked, tree):
    """Rows as the code before wrote them: a double click's twin, and texts beginning with
    the item's standard. The constraint is dropped for the test to let the twin in, and
    must build again after the migration (the test's transaction is rolled back)."""
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module(
        "dangjian.assessments.migrations.0003_finding_problem_texts"
    )
    _campaign, a, items = checked
    constraint = next(c for c in Finding._meta.constraints if c.name == "finding_once_per_item")
    editor = connection.schema_editor()
    with connection.cursor() as cursor:
        cursor.execute(str(constraint.remove_sql(Finding, editor)))
    item = items["1.2"]  # 会议记录规范
    first = make_finding(
        tree.branch_a,
        raised_by=tree.root,
        assessment=a,
        item=item,
        text="会议记录规范：存在补记现象",
    )
    twin = make_finding(
        tree.branch_a,
        raised_by=tree.root,
        assessment=a,
        item=item,
        text="会议记录规范：存在补记现象",
    )
    bare = make_finding(
        tree.branch_a,
        raised_by=tree.root,
        assessment=a,
        item=items["1.1"],
        text="按月开展主题党日——未达到要求。",
    )
    own = make_finding(  # a text that merely mentions a standard is the assessor's: kept
        tree.branch_a, raised_by=tree.root, assessment=a, item=items["2"], text="党费：未按月交纳"
    )
    migration.forwards(apps, None)
    # PostgreSQL builds no index over rows with pending (deferred) foreign-key checks; the
    # real migrations commit 0003 before 0004 builds it.
    connection.check_constraints()
    with connection.cursor() as cursor:
        cursor.execute(str(constraint.create_sql(Finding, editor)))
    texts = dict(Finding.objects.values_list("pk", "text"))
    assert texts[first.pk] == texts[twin.pk] == "存在补记现象"
    assert texts[bare.pk] == "未达到该条检查标准。"
    assert texts[own.pk] == "党费：未按月交纳"
    items_now = dict(Finding.objects.values_list("pk", "item_id"))
    assert items_now[first.pk] == item.pk and items_now[twin.pk] is None
    assert Rectification.objects.count() == 4  # nothing anyone answered was deleted
    migration.forwards(apps, None)  # a re-run changes nothing more
    assert dict(Finding.objects.values_list("pk", "text")) == texts
