"""Applicant import: all or nothing — a file with one bad row writes nothing and names
each bad row; a good file registers every person through the service (step 1)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from dangjian.core.imports import importers
from dangjian.members.tests.factories import make_id_number
from dangjian.recruitment import imports  # noqa: F401 — registers the importer
from dangjian.recruitment.models import Applicant, RecruitmentStep

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "所在党组织", "递交入党申请书日期", "手机号码"]
ID_1 = make_id_number(dt.date(1998, 3, 7), male=True, region="110101", serial=21)
ID_2 = make_id_number(dt.date(1999, 11, 20), male=False, region="110101", serial=22)
ID_YOUNG = make_id_number(dt.date(2010, 1, 2), male=True, region="110101", serial=23)


def upload(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("申请人.xlsx", buf.getvalue())


def run(user, rows):
    return importers.get("recruitment_applicants").run(user, upload(rows))


def test_good_file_registers_everyone(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    result = run(
        user,
        [
            ["李一", ID_1, "甲局第一党支部", "2024-03-01", "13800138000"],
            ["李二", ID_2, "甲局第一党支部", "2024-04-01", None],
        ],
    )
    assert result.ok and result.created == 2, result.errors
    a = Applicant.objects.get(name="李一")
    assert (
        a.org == tree.branch_a and a.birth_date == dt.date(1998, 3, 7) and a.phone == "13800138000"
    )
    assert RecruitmentStep.objects.filter(applicant=a, step=1, done_on=dt.date(2024, 3, 1)).exists()


def test_bad_rows_refused_with_row_numbers_nothing_written(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    result = run(
        user,
        [
            ["李一", ID_1, "甲局第一党支部", "2024-03-01", None],  # row 2: fine alone
            ["李小", ID_YOUNG, "甲局第一党支部", "2024-03-01", None],  # row 3: under 18
            ["李二", ID_2, "乙局第一党支部", "2024-03-01", None],  # row 4: another unit's branch
            ["李三", ID_1, "甲局第一党支部", "2024-03-01", None],  # row 5: ID repeated
        ],
    )
    assert not result.ok
    by_row = {e.row: e.message for e in result.errors}
    assert set(by_row) == {4, 5}  # set-based checks first: org and duplicates
    assert "第 2 行" in by_row[5]
    assert Applicant.objects.count() == 0
    # With the set-based problems gone, the service refuses the under-age row: still nothing.
    result = run(
        user,
        [
            ["李一", ID_1, "甲局第一党支部", "2024-03-01", None],
            ["李小", ID_YOUNG, "甲局第一党支部", "2024-03-01", None],
        ],
    )
    assert not result.ok
    assert [e.row for e in result.errors] == [3]
    assert "18" in result.errors[0].message
    assert Applicant.objects.count() == 0 and RecruitmentStep.objects.count() == 0


def test_already_registered_id_is_refused(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    assert run(user, [["李一", ID_1, "甲局第一党支部", "2024-03-01", None]]).ok
    result = run(user, [["李一", ID_1, "甲局第一党支部", "2024-03-02", None]])
    assert not result.ok and "已登记" in result.errors[0].message
    assert Applicant.objects.count() == 1


def test_without_the_right_nothing(tree, make_user):
    user = make_user("viewer", tree.root)
    result = run(user, [["李一", ID_1, "甲局第一党支部", "2024-03-01", None]])
    assert not result.ok and Applicant.objects.count() == 0


def test_through_the_import_page(tree, make_user, client):
    from django.urls import reverse

    client.force_login(make_user("branch_secretary", tree.branch_a))
    page = client.get(reverse("recruitment:pipeline"))
    url = reverse("imports:run", args=["recruitment_applicants"])
    assert f'href="{url}"' in page.content.decode()  # 批量导入 beside 登记入党申请人
    assert client.get(url).status_code == 200
    template = client.get(reverse("imports:template", args=["recruitment_applicants"]))
    assert template.status_code == 200
    r = client.post(url, {"file": upload([["李一", ID_1, "甲局第一党支部", "2024-13-01", None]])})
    html = r.content.decode()
    assert r.status_code == 200 and "<td>2</td>" in html and "递交入党申请书日期" in html
    assert Applicant.objects.count() == 0
    r = client.post(url, {"file": upload([["李一", ID_1, "甲局第一党支部", "2024-03-01", None]])})
    assert Applicant.objects.filter(name="李一").count() == 1
