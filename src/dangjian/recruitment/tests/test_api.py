"""The recruitment API: writes through the services (a broken rule is a 400 citing it),
the 政审 conclusion, ID number and phone masked in answers and audit snapshots, the reveal
audited, and list query counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from dangjian.audit.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline
from dangjian.members.tests.factories import MemberFactory
from dangjian.recruitment import services
from dangjian.recruitment.models import Applicant, RecruitmentStep

from .factories import new_applicant, pool_for, walk

BASELINES = Path(__file__).with_name("api_query_counts.json")
pytestmark = pytest.mark.django_db
D = dt.date
REVIEW_TEXT = "经函调，本人及直系亲属政治历史清楚，无违法违纪记录。"


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_create_and_record_steps_through_the_api(client, tree, make_user):
    client.force_login(make_user("branch_secretary", tree.branch_a))
    resp = _post(
        client,
        "/api/recruitment/applicants/",
        {
            "org": tree.branch_a.pk,
            "name": "张三",
            "gender": "male",
            "birth_date": "1995-05-20",
            "applied_on": "2024-01-10",
            "phone": "13900001234",
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["stage"] == "applicant" and body["last_step"] == 1
    assert body["phone"] == "*********34"
    pk = body["id"]
    late = _post(
        client, f"/api/recruitment/applicants/{pk}/steps/", {"step": 2, "done_on": "2024-02-11"}
    )
    assert late.status_code == 400
    assert "第七条" in late.json()["done_on"][0]
    assert not RecruitmentStep.objects.filter(applicant_id=pk, step=2).exists()
    skipped = _post(
        client, f"/api/recruitment/applicants/{pk}/steps/", {"step": 3, "done_on": "2024-02-01"}
    )
    assert skipped.status_code == 400 and "不能跳过步骤" in skipped.json()["step"][0]
    ok = _post(
        client,
        f"/api/recruitment/applicants/{pk}/steps/",
        {"step": 2, "done_on": "2024-02-10", "talker_names": ["王书记"]},
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["people"] == [{"role": "talker", "member": None, "name": "王书记"}]
    bad = _post(
        client, f"/api/recruitment/applicants/{pk}/steps/", {"step": 99, "done_on": "2024-02-10"}
    )
    assert bad.status_code == 400
    huge = _post(
        client,
        f"/api/recruitment/applicants/{pk}/steps/",
        {"step": 3, "done_on": "2024-03-01", "contacts": [10**30]},
    )
    assert huge.status_code == 400


def test_political_review_masked_and_revealed_with_audit(client, tree, make_user):
    a = new_applicant(SYSTEM, tree.branch_a)
    walk(SYSTEM, a, 9)
    services.record_step(SYSTEM, a, 10, D(2023, 3, 20), political_review=REVIEW_TEXT)
    a.refresh_from_db()
    assert a.political_review == REVIEW_TEXT
    officer = make_user("organization_officer", tree.branch_a)  # manages, may not reveal
    client.force_login(officer)
    row = client.get(f"/api/recruitment/applicants/{a.pk}/").json()
    assert row["political_review"] == "已填写（需查看权限）"
    assert row["id_number"] == "*" * 18 and row["birth_date"] is None
    assert REVIEW_TEXT not in client.get("/api/recruitment/applicants/").content.decode()
    refused = _post(
        client, f"/api/recruitment/applicants/{a.pk}/reveal/", {"field": "political_review"}
    )
    assert refused.status_code == 404
    assert AuditEvent.objects.filter(
        action="reveal", outcome="failure", object_id=str(a.pk)
    ).exists()
    # The officer may still replace it (write-only) without being told the stored text.
    resp = client.patch(
        f"/api/recruitment/applicants/{a.pk}/",
        json.dumps({"political_review": "复核：合格"}),
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["political_review"] == "已填写（需查看权限）"
    client.force_login(make_user("branch_secretary", tree.branch_a))
    shown = _post(
        client, f"/api/recruitment/applicants/{a.pk}/reveal/", {"field": "political_review"}
    )
    assert shown.status_code == 200 and shown.json()["value"] == "复核：合格"
    event = AuditEvent.objects.filter(action="reveal", outcome="success", object_id=str(a.pk)).get()
    assert event.detail["field"] == "political_review"
    # No snapshot in the audit trail carries the text.
    for ev in AuditEvent.objects.filter(object_type="recruitment.applicant"):
        assert REVIEW_TEXT not in json.dumps(ev.before or {}, ensure_ascii=False)
        assert REVIEW_TEXT not in json.dumps(ev.after or {}, ensure_ascii=False)
        assert "复核：合格" not in json.dumps(ev.after or {}, ensure_ascii=False)
    updates = AuditEvent.objects.filter(
        object_type="recruitment.applicant", action="update", object_id=str(a.pk)
    ).order_by("id")
    marked = [e.detail.get("sensitive_changed") for e in updates]
    assert marked.count(["political_review"]) == 2  # step 10, then the officer's change


def test_form_number_and_void_through_the_api(client, tree, make_user):
    a = new_applicant(SYSTEM, tree.branch_a)
    walk(SYSTEM, a, 13)
    pool = pool_for(a, 2023)
    secretary = make_user("branch_secretary", tree.branch_a)
    client.force_login(secretary)
    # The branch holds no pool: the unit's 党委 issues the numbers.
    resp = _post(
        client,
        f"/api/recruitment/applicants/{a.pk}/form-number/",
        {"pool": pool.pk, "issued_on": "2023-05-10"},
    )
    assert resp.status_code == 400
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = _post(
        client,
        f"/api/recruitment/applicants/{a.pk}/form-number/",
        {"pool": pool.pk, "issued_on": "2023-05-10"},
    )
    assert resp.status_code == 201, resp.content
    number = resp.json()
    assert number["code"] == "001"
    resp = _post(
        client,
        f"/api/recruitment/form-numbers/{number['id']}/void/",
        {"voided_on": "2023-05-11", "reason": "污损"},
    )
    assert resp.status_code == 200 and resp.json()["voided_on"] == "2023-05-11"
    assert Applicant.objects.get(pk=a.pk).application_form_number is None


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("api:recruitment-applicants", "/api/recruitment/applicants/"),
        (
            "api:recruitment-applicants?within",
            "/api/recruitment/applicants/?within={unit_a}&stage=applicant",
        ),
        ("api:recruitment-steps", "/api/recruitment/steps/"),
    ],
)
def test_list_query_counts(client, tree, make_user, key, url):
    client.force_login(make_user("unit_admin", tree.unit_a))
    people = [MemberFactory(org=tree.branch_a, joined_on=D(2010, 1, 1)) for _ in range(2)]
    first = new_applicant(SYSTEM, tree.branch_a)
    services.record_step(SYSTEM, first, 2, D(2022, 1, 20), talkers=people[:1])

    def add_rows():
        for i in range(10):
            a = new_applicant(SYSTEM, tree.branch_a if i % 2 else tree.group_a, name=f"赵{i}")
            services.record_step(
                SYSTEM, a, 2, D(2022, 1, 20), talkers=people[:1], talker_names=["某"]
            )

    count = assert_query_count_constant(client, url.format(unit_a=tree.unit_a.pk), add_rows)
    check_baseline(BASELINES, key, count)
