"""The 发展党员 pages: the pipeline scoped to the user's subtree, the 纪实 page with masked
data and the next step's form (the services' Chinese refusals shown, nothing written),
撤销最后一步, adding and closing applicants, the yearly figures; query counts constant."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)
from dangjian.recruitment.models import Applicant, RecruitmentStep

from .factories import full_members, new_applicant, walk

pytestmark = pytest.mark.django_db
BASELINES = Path(__file__).with_name("query_counts.json")


@pytest.fixture
def as_user(client, make_user):
    def login(role, org):
        user = make_user(role, org)
        client.force_login(user)
        return user

    return login


def detail(a: Applicant) -> str:
    return reverse("recruitment:applicant_detail", args=[a.pk])


def test_pipeline_shows_own_subtree_only(tree, as_user, client):
    user = as_user("branch_secretary", tree.branch_a)
    mine = new_applicant(user, tree.branch_a, name="王小明")
    admin_b = as_user("unit_admin", tree.unit_b)
    other = new_applicant(admin_b, tree.branch_b, name="钱其他")
    client.force_login(user)
    page = client.get(reverse("recruitment:pipeline"))
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.name in html and other.name not in html
    assert page.context["counts"][0].count == 1  # 入党申请人
    # The talk is due a month after the application (2022-01-10 → 2022-02-10): overdue now.
    row = page.context["rows"][0]
    assert row.next_step == 2 and row.due_on == dt.date(2022, 2, 10) and row.overdue
    assert "已超期" in html
    # Another branch's person: 404 on every page of theirs.
    for name in ("applicant_detail", "applicant_close", "applicant_export"):
        assert client.get(reverse(f"recruitment:{name}", args=[other.pk])).status_code == 404
    assert client.post(reverse("recruitment:step_undo", args=[other.pk])).status_code == 404
    # An org outside the user's scope cannot narrow the page.
    assert (
        client.get(reverse("recruitment:pipeline"), {"within": tree.unit_b.pk}).status_code == 404
    )
    assert client.get(reverse("recruitment:pipeline"), {"within": "x9"}).status_code == 404


def test_pipeline_stage_filter_and_unit_view(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a, name="甲一")
    walk(sec, a, 3)
    new_applicant(sec, tree.branch_a, name="甲二", applied_on=dt.date(2022, 2, 1))
    as_user("committee_admin", tree.root)
    page = client.get(reverse("recruitment:pipeline"), {"stage": "activist"})
    names = [r.applicant.name for r in page.context["rows"]]
    assert names == ["甲一"]
    counts = {c.code: c.count for c in page.context["counts"]}
    assert counts["applicant"] == 1 and counts["activist"] == 1
    page = client.get(reverse("recruitment:pipeline"), {"within": tree.unit_b.pk})
    assert page.context["rows"] == []


def test_detail_masks_without_reveal_right(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    walk(sec, a, 10)  # the 政审 conclusion is recorded at step 10
    html = client.get(detail(a)).content.decode()
    assert a.masked_id_number() in html and a.id_number not in html
    assert "政治审查合格" not in html and "查看" in html
    # The officer manages recruitment but may not reveal: no button, no plaintext.
    as_user("organization_officer", tree.branch_a)
    html = client.get(detail(a)).content.decode()
    assert a.id_number not in html and "政治审查合格" not in html
    assert 'title="查看明文' not in html
    assert (
        client.post(
            reverse("recruitment:applicant_reveal", args=[a.pk]), {"field": "phone"}
        ).status_code
        == 403
    )
    # The secretary reveals through the service, audited.
    client.force_login(sec)
    r = client.post(
        reverse("recruitment:applicant_reveal", args=[a.pk]), {"field": "political_review"}
    )
    assert r.json()["value"] == "政治审查合格"
    assert AuditEvent.objects.filter(action="reveal", object_id=str(a.pk)).exists()


def test_step_form_records_and_shows_errors(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    talker = full_members(tree.branch_a, 1)[0]
    # Two months after the application: the talk rule refuses it, citing its article.
    assert "已超期：入党谈话应于 2022-02-10 前完成" in client.get(detail(a)).content.decode()
    r = client.post(detail(a), {"step": 2, "done_on": "2022-03-20", "person_1": talker.pk})
    assert r.status_code == 200
    html = r.content.decode()
    assert "一个月内" in html and "第七条" in html
    assert "recruitment.talk" not in html.replace('value="recruitment.talk"', "")
    assert RecruitmentStep.objects.filter(applicant=a).count() == 1
    # As an approved exception, with reason and approver, it is recorded.
    r = client.post(
        detail(a),
        {
            "step": 2,
            "done_on": "2022-03-20",
            "person_1": talker.pk,
            "exception_rules": ["recruitment.talk"],
            "exception_reason": "申请人长期出差",
            "exception_approved_by": "甲局机关党委",
        },
    )
    assert r.status_code == 302
    row = RecruitmentStep.objects.get(applicant=a, step=2)
    assert row.exception_rules == ["recruitment.talk"]
    assert row.people.get().member == talker
    html = client.get(detail(a)).content.decode()
    assert "经批准的例外" in html and talker.name in html
    # Before the talk, the page said it was overdue: the talk was due on 2022-02-10.
    # A step that is not open is refused by the form (no skipping).
    r = client.post(detail(a), {"step": 9, "done_on": "2022-03-21"})
    assert r.status_code == 200 and RecruitmentStep.objects.filter(applicant=a).count() == 2
    # Bad numbers and dates are form errors, never a 500.
    r = client.post(detail(a), {"step": 3, "done_on": "2022-13-40"})
    assert r.status_code == 200 and "日期" in r.content.decode()


def test_vote_step_quorum_error(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    walk(sec, a, 11)
    votes = {"expected": 9, "present": 4, "votes_yes": 4, "votes_no": 0, "votes_abstain": 0}
    r = client.post(detail(a), {"step": 12, "done_on": "2023-04-20", **votes})
    assert "半数" in r.content.decode()
    assert not RecruitmentStep.objects.filter(applicant=a, step=12).exists()
    r = client.post(
        detail(a), {"step": 12, "done_on": "2023-04-20", **votes, "present": 8, "votes_yes": 8}
    )
    assert r.status_code == 302
    assert RecruitmentStep.objects.get(applicant=a, step=12).present == 8


def test_undo_last_step(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    walk(sec, a, 3)
    assert "撤销最后一步" in client.get(detail(a)).content.decode()
    r = client.post(reverse("recruitment:step_undo", args=[a.pk]))
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.last_step == 2 and a.stage == "applicant"
    # Step 1 is not withdrawn: close the applicant instead.
    client.post(reverse("recruitment:step_undo", args=[a.pk]))
    r = client.post(reverse("recruitment:step_undo", args=[a.pk]), follow=True)
    assert "第1步不能撤销" in r.content.decode()
    assert Applicant.objects.get(pk=a.pk).last_step == 1


def test_add_applicant_and_refusal(tree, as_user, client):
    as_user("branch_secretary", tree.branch_a)
    url = reverse("recruitment:applicant_add")
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "org": tree.branch_a.pk,
        "name": "孙小青",
        "gender": "female",
        "birth_date": "2008-03-01",
        "ethnicity": "汉族",
        "applied_on": "2025-01-10",
    }
    r = client.post(url, data)
    assert r.status_code == 200 and "年满18周岁" in r.content.decode()
    assert not Applicant.objects.filter(name="孙小青").exists()
    r = client.post(url, {**data, "birth_date": "2000-03-01"})
    assert r.status_code == 302
    a = Applicant.objects.get(name="孙小青")
    assert a.org == tree.branch_a and a.last_step == 1
    # Another branch is not offered and not accepted.
    r = client.post(
        url, {**data, "name": "周外", "org": tree.branch_b.pk, "birth_date": "2000-03-01"}
    )
    assert r.status_code == 200 and not Applicant.objects.filter(name="周外").exists()


def test_close_applicant(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    url = reverse("recruitment:applicant_close", args=[a.pk])
    r = client.post(url, {"closed_on": "2022-01-20", "reason": ""})
    assert r.status_code == 200 and Applicant.objects.get(pk=a.pk).closed_on is None
    r = client.post(url, {"closed_on": "2022-01-20", "reason": "本人撤回申请"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.closed_on == dt.date(2022, 1, 20)
    html = client.get(detail(a)).content.decode()
    assert "本人撤回申请" in html and "登记下一步" not in html


def test_viewer_sees_no_forms(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    as_user("viewer", tree.root)
    html = client.get(detail(a)).content.decode()
    assert "登记下一步" not in html and "撤销最后一步" not in html
    assert client.post(detail(a), {"step": 2, "done_on": "2022-01-20"}).status_code == 404
    assert client.get(reverse("recruitment:applicant_add")).status_code == 403


def test_plan_counts_admissions_by_unit(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    walk(sec, a, 15)
    page = client.get(reverse("recruitment:plan"), {"year": 2023})
    rows = page.context["rows"]
    assert [(r.name, r.admitted) for r in rows] == [("甲局", 1)]
    assert client.get(reverse("recruitment:plan"), {"year": "1899"}).status_code == 404
    assert (
        client.get(reverse("recruitment:plan"), {"year": "2022"}).context["totals"]["applied"] == 1
    )


@pytest.mark.parametrize(
    ("key", "url"),
    [("pipeline", "/recruitment/"), ("pipeline?attention", "/recruitment/?stage=attention")],
)
def test_pipeline_query_count(tree, as_user, client, key, url):
    user = as_user("unit_admin", tree.unit_a)
    new_applicant(user, tree.branch_a, name="赵零")

    def add_rows():
        for i in range(12):
            a = new_applicant(
                user, tree.branch_a, name=f"赵{i}", applied_on=dt.date(2022, 1, 10 + i)
            )
            if i % 3 == 0:
                walk(user, a, 3)

    count = assert_query_count_constant(client, url, add_rows, rows=occurrences("data-applicant="))
    check_baseline(BASELINES, f"recruitment:{key}", count)


def test_detail_query_count(tree, as_user, client):
    user = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 3)

    def add_rows():
        walk(user, a, 9)

    count = assert_query_count_constant(
        client, detail(a), add_rows, rows=occurrences("bg-green-lt ms-1")
    )
    check_baseline(BASELINES, "recruitment:applicant_detail", count)


def test_full_this_year_card_and_list_agree(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    walk(sec, a, 25)  # converted on 2024-06-20: not this year
    page = client.get(reverse("recruitment:pipeline"), {"stage": "full"})
    assert {c.code: c.count for c in page.context["counts"]}["full"] == 0
    assert page.context["rows"] == []


def test_extension_page(tree, as_user, client):
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    walk(sec, a, 21)
    url = reverse("recruitment:probation_extend", args=[a.pk])
    assert "延长预备期" in client.get(detail(a)).content.decode()
    r = client.post(url, {"months": 13, "decided_on": "2024-05-20"})
    assert r.status_code == 200  # not a choice: refused by the form
    r = client.post(url, {"months": 6, "decided_on": "2024-05-20", "reason": "需继续考察"})
    assert r.status_code == 302
    a.member.refresh_from_db()
    assert a.member.probation_extension_months == 6
    assert a.member.probation_ends_on == dt.date(2024, 12, 1)
    # Only once (第三十二条): the second is the service's refusal, shown on the form.
    r = client.post(url, {"months": 6, "decided_on": "2024-05-21"})
    assert r.status_code == 200 and "第三十二条" in r.content.decode()


def test_attach_a_document_to_a_step(tree, as_user, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    first = RecruitmentStep.objects.get(applicant=a, step=1)
    url = reverse("recruitment:step_attach", args=[first.pk])
    pdf = SimpleUploadedFile("入党申请书.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n")
    r = client.post(url, {"file": pdf}, follow=True)
    assert "已上传" in r.content.decode() and "入党申请书.pdf</a>" in r.content.decode()
    bad = SimpleUploadedFile("a.exe", b"MZ\x90\x00")
    r = client.post(url, {"file": bad}, follow=True)
    assert "不被接受" in r.content.decode()
    assert first.attachments.count() == 1
    # The document comes back as a download, audited; another branch's secretary gets 404.
    stored = first.attachments.get()
    file_url = reverse("recruitment:step_file", args=[stored.pk])
    assert (
        file_url
        in client.get(reverse("recruitment:applicant_detail", args=[a.pk])).content.decode()
    )
    got = client.get(file_url)
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF")
    assert "attachment" in got["Content-Disposition"]
    assert AuditEvent.objects.filter(action="download", object_id=str(stored.pk)).exists()
    as_user("branch_secretary", tree.branch_b)
    assert client.get(file_url).status_code == 404


def test_stuck_and_soon_marks(tree, as_user, client):
    from dangjian.recruitment import tables

    sec = as_user("branch_secretary", tree.branch_a)
    a = new_applicant(sec, tree.branch_a)
    walk(sec, a, 2)  # talked on 2022-02-10, nothing since: nothing is due, over a year ago
    rows = tables.pipeline_rows([a], {}, dt.date(2023, 2, 11))
    assert rows[0].stuck and rows[0].next_step == 3 and not rows[0].overdue
    assert not tables.pipeline_rows([a], {}, dt.date(2023, 2, 10))[0].stuck  # 365 days: not yet
    assert "长期未推进" in client.get(reverse("recruitment:pipeline")).content.decode()
    # An activist: the half-year review is due 6 months after the 积极分子 date (2022-03-01).
    walk(sec, a, 5)
    due = tables.due_by_applicant(sec, dt.date(2022, 8, 15), None)
    row = tables.pipeline_rows([a], due, dt.date(2022, 8, 15))[0]
    assert row.next_step == 6 and row.due_on == dt.date(2022, 9, 1) and row.soon and not row.overdue
    row = tables.pipeline_rows([a], due, dt.date(2022, 9, 2))[0]
    assert row.overdue and not row.soon
