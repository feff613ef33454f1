"""The yearly base from an xlsx: all rows or none, set-based, re-importable."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.dues import ledger
from dangjian.dues.imports import DuesBaseImporter
from dangjian.dues.models import DuesBase, DuesDue
from dangjian.members.tests.factories import MemberFactory

HEADERS = ["姓名", "党组织", "身份证号", "年度", "起始月份", "交纳类别", "月工资基数", "定额"]


def xlsx(rows) -> SimpleUploadedFile:
    wb = DuesBaseImporter().template_workbook()
    ws = wb[DuesBaseImporter.sheet_title]
    ws.delete_rows(1, ws.max_row)
    ws.append(HEADERS)
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("基数.xlsx", buf.getvalue())


@pytest.fixture
def people(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    zhang = MemberFactory(org=tree.branch_a, name="张伟", joined_on=dt.date(2010, 1, 1))
    li = MemberFactory(org=tree.branch_a, name="李娜", joined_on=dt.date(2010, 1, 1))
    far = MemberFactory(org=tree.branch_b, name="王芳", joined_on=dt.date(2010, 1, 1))
    return secretary, zhang, li, far


def test_import_sets_bases_and_recomputes_unpaid_dues(people):
    secretary, zhang, li, _ = people
    result = DuesBaseImporter().run(
        secretary,
        xlsx(
            [
                ["张伟", "甲局第一党支部", None, 2024, 1, "在职（按月税后工资）", 4000, None],
                ["张伟", "甲局第一党支部", None, 2024, 7, "在职（按月税后工资）", 6000, None],
                ["李娜", "甲局第一党支部", None, 2024, None, "离退休（按离退休费）", 5200, None],
            ]
        ),
    )
    assert result.ok, [str(e) for e in result.errors]
    assert result.created == 3
    ledger.generate_through(dt.date(2024, 8, 1))
    dues = {(d.member_id, d.month.month): d.amount for d in DuesDue.objects.all()}
    assert dues[(zhang.pk, 6)] == D("40.00") and dues[(zhang.pk, 7)] == D("90.00")
    assert dues[(li.pk, 1)] == D("52.00")
    # Re-importing a corrected row replaces that base; unpaid months follow.
    again = DuesBaseImporter().run(
        secretary,
        xlsx([["李娜", "甲局第一党支部", None, 2024, 1, "离退休（按离退休费）", 4800, None]]),
    )
    assert again.ok and DuesBase.objects.count() == 3
    assert DuesDue.objects.get(member=li, month=dt.date(2024, 3, 1)).amount == D("24.00")


def test_one_bad_row_writes_nothing(people):
    secretary, *_ = people
    result = DuesBaseImporter().run(
        secretary,
        xlsx(
            [
                ["张伟", "甲局第一党支部", None, 2024, 1, "在职（按月税后工资）", 4000, None],
                ["李娜", "甲局第一党支部", None, 2024, 1, "在职（按月税后工资）", -5, None],
                ["王芳", "乙局第一党支部", None, 2024, 1, "在职（按月税后工资）", 3000, None],
                ["赵六", "甲局第一党支部", None, 2024, 1, "在职（按月税后工资）", 3000, None],
                ["张伟", "甲局第一党支部", None, 2024, 1, "农民", None, 5],
            ]
        ),
    )
    assert not result.ok
    messages = [str(e) for e in result.errors]
    assert any("第 3 行「月工资基数」：月工资基数须为 0 至" in m for m in messages)
    assert any(
        "第 4 行「党组织」：找不到该党组织，或不在您可以核定党费的范围内" in m for m in messages
    )
    assert any("第 5 行「姓名」：甲局第一党支部的在册党员中找不到“赵六”" in m for m in messages)
    assert any("第 6 行「定额」：农民党员每月交纳0.2至1元" in m for m in messages)
    assert any("第 6 行「起始月份」：与第 2 行重复" in m for m in messages)
    assert not DuesBase.objects.exists()


def test_namesakes_need_the_id_number(people, tree):
    secretary, zhang, *_ = people
    MemberFactory(org=tree.branch_a, name="张伟", joined_on=dt.date(2011, 1, 1))
    row = ["张伟", "甲局第一党支部", None, 2024, 1, "学生", None, None]
    result = DuesBaseImporter().run(secretary, xlsx([row]))
    assert not result.ok and "有多名党员叫“张伟”，请填写身份证号以区分" in str(result.errors[0])
    row[2] = zhang.id_number
    result = DuesBaseImporter().run(secretary, xlsx([row]))
    assert result.ok and DuesBase.objects.get().member == zhang
