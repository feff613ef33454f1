"""The case and brand pages: filters, the submit → rate flow, files, awards, the 1+N tree,
the org page's panel and the export."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.cases.models import Case, CaseAward, CaseFile, CaseRating, CaseStatus, Rating

from .factories import PDF, make_award, make_brand, make_case, make_rating

pytestmark = pytest.mark.django_db


def test_unit_adds_and_submits_then_the_committee_rates(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = client.post(
        reverse("cases:case_add"),
        {
            "org": tree.branch_a.pk,
            "year": 2024,
            "case_type": "innovation",
            "title": "“党员亮诺”工作法",
            "summary": "年初亮诺、年中评诺、年底践诺。",
        },
    )
    case = Case.objects.get()
    assert resp.status_code == 302 and resp["Location"] == case.get_absolute_url()
    assert case.status == CaseStatus.DRAFT
    page = client.get(case.get_absolute_url()).content.decode()
    assert "提交工委评定" in page and reverse("cases:case_rate", args=[case.pk]) not in page
    client.post(reverse("cases:case_submit", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.submitted_on is not None

    client.force_login(make_user("committee_admin", tree.root))
    page = client.get(case.get_absolute_url()).content.decode()
    assert reverse("cases:case_rate", args=[case.pk]) in page
    resp = client.post(
        reverse("cases:case_rate", args=[case.pk]),
        {"rating": "excellent", "rated_on": "2024-12-20", "note": "具有推广价值"},
    )
    assert resp.status_code == 302
    rating = CaseRating.objects.get(case=case)
    assert (rating.rating, rating.rated_by_org) == (Rating.EXCELLENT, tree.root)
    assert AuditEvent.objects.filter(
        action="create", object_type="cases.caserating", object_id=str(rating.pk)
    ).exists()
    # the unit sees the rating but no longer the buttons that change the case
    client.force_login(make_user("unit_admin", tree.unit_a))
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-rating="excellent"' in page
    assert reverse("cases:case_edit", args=[case.pk]) not in page


def test_list_filters_by_year_rating_and_unit(client, tree, make_user):
    a24 = make_case(tree.branch_a, year=2024)
    make_rating(a24, Rating.EXCELLENT)
    a23 = make_case(tree.unit_a, year=2023, submitted=False)
    b24 = make_case(tree.branch_b, year=2024)
    waiting = make_case(tree.branch_b, year=2024)
    make_rating(b24, Rating.NOT_SELECTED)
    client.force_login(make_user("committee_admin", tree.root))

    def listed(query):
        html = client.get(reverse("cases:case_list") + query).content.decode()
        return {c.pk for c in (a24, a23, b24, waiting) if f'href="{c.get_absolute_url()}"' in html}

    assert listed("") == {a24.pk, a23.pk, b24.pk, waiting.pk}
    assert listed("?year=2024") == {a24.pk, b24.pk, waiting.pk}
    assert listed("?rating=excellent") == {a24.pk}
    assert listed("?rating=unrated") == {waiting.pk}
    assert listed(f"?within={tree.unit_a.pk}") == {a24.pk, a23.pk}
    # a year out of range is shown as a message, the filter ignored, never a 500
    resp = client.get(reverse("cases:case_list") + "?year=99999")
    assert resp.status_code == 200


def test_unit_sees_only_its_cases(client, tree, make_user):
    mine, theirs = make_case(tree.branch_a), make_case(tree.branch_b)
    client.force_login(make_user("unit_admin", tree.unit_a))
    html = client.get(reverse("cases:case_list")).content.decode()
    assert mine.get_absolute_url() in html and theirs.get_absolute_url() not in html


def test_export_is_the_filtered_list(client, tree, make_user):
    make_rating(make_case(tree.branch_a, title='=HYPERLINK("x")'), Rating.EXCELLENT)
    make_case(tree.branch_b, year=2023)
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get(reverse("cases:case_list") + "?year=2024&export=xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == 2024 and rows[1][6] == "优秀案例"
    assert rows[1][2] == '=HYPERLINK("x")'  # text, never a formula
    assert AuditEvent.objects.filter(action="export").exists()


def test_file_upload_download_and_type_check(client, tree, make_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    case = make_case(tree.branch_a)
    client.force_login(make_user("unit_admin", tree.unit_a))
    upload = SimpleUploadedFile("做法总结.pdf", PDF, content_type="application/pdf")
    client.post(reverse("cases:file_upload", args=[case.pk]), {"file": upload})
    row = CaseFile.objects.get()
    resp = client.get(reverse("cases:file_download", args=[row.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="download", object_id=str(row.pk)).exists()
    fake = SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    resp = client.post(reverse("cases:file_upload", args=[case.pk]), {"file": fake}, follow=True)
    assert "内容无法识别为允许的文件类型" in resp.content.decode()
    assert CaseFile.objects.count() == 1
    # another unit reaches neither the file nor the upload
    client.force_login(make_user("unit_admin", tree.unit_b))
    assert client.get(reverse("cases:file_download", args=[row.pk])).status_code == 404
    again = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(reverse("cases:file_upload", args=[case.pk]), {"file": again}).status_code
        == 404
    )


def test_award_page_records_on_own_case(client, tree, make_user):
    case = make_case(tree.branch_a)
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = client.post(
        reverse("cases:award_add", args=[case.pk]),
        {
            "level": "provincial_committee",
            "award": "二等奖案例",
            "year": 2024,
            "document_number": "某直工〔2025〕9号",
        },
    )
    assert resp.status_code == 302
    assert CaseAward.objects.get().case == case
    theirs = make_case(tree.branch_b)
    resp = client.post(
        reverse("cases:award_add", args=[theirs.pk]),
        {"level": "provincial", "award": "优秀案例", "year": 2024},
    )
    assert resp.status_code == 404
    assert CaseAward.objects.count() == 1


def test_brand_page_shows_the_one_and_the_n(client, tree, make_user):
    unit_brand = make_brand(tree.unit_a, name="“红色引擎”")
    branch_brand = make_brand(tree.branch_a, name="“先锋驿站”")
    client.force_login(make_user("unit_admin", tree.unit_a))
    html = client.get(unit_brand.get_absolute_url()).content.decode()
    assert "“先锋驿站”" in html and 'data-branch-brands="1"' in html
    html = client.get(branch_brand.get_absolute_url()).content.decode()
    assert unit_brand.get_absolute_url() in html
    listing = client.get(reverse("cases:brand_list")).content.decode()
    assert "单位品牌" in listing and "支部品牌" in listing


def test_org_page_shows_its_brand_and_cases(client, tree, make_user):
    make_brand(tree.unit_a, name="“红色引擎”")
    make_brand(tree.branch_a, name="“先锋驿站”")
    case = make_case(tree.branch_a)
    make_rating(case, Rating.EXCELLENT)
    make_award(case)
    make_case(tree.branch_b, title="别的单位的案例")
    client.force_login(make_user("committee_admin", tree.root))
    html = client.get(tree.unit_a.get_absolute_url()).content.decode()
    assert "党建品牌与创新案例" in html and "“红色引擎”" in html
    assert "下设 1 个支部品牌" in html
    assert case.title in html and "其中优秀案例 1 项" in html
    assert "别的单位的案例" not in html
