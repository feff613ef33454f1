"""A unit's register from the xlsx template: all rows or none, per-row Chinese errors."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.core.excel import writer
from dangjian.integrity.imports import InstitutionImporter, RiskRegisterImporter
from dangjian.integrity.models import Institution, Measure, RiskPoint

from .factories import make_point, register_for

pytestmark = pytest.mark.django_db
HEADERS = [c.title for c in RiskRegisterImporter.columns]


def xlsx(rows, importer=RiskRegisterImporter) -> SimpleUploadedFile:
    wb = writer.new_workbook()
    ws = writer.sheet(wb, importer.sheet_title, headers=[c.title for c in importer.columns])
    for row in rows:
        writer.append(ws, list(row))
    return SimpleUploadedFile("台账.xlsx", writer.save_bytes(wb))


def row(code="FX-01", unit="甲局机关党委", year=2025, **kw):
    values = {
        "post": "财务管理",
        "post_title": "出纳",
        "category": "业务流程",
        "level": "高",
        "description": "现金管理不规范，存在挪用公款的风险",
        "measure": "实行钱账分管，每月对账",
        "also": None,
        "responsible": "财务科长",
        "deadline": "2025-12-31",
    } | kw
    return [year, unit, code, *values.values()]


def test_template_downloads_with_the_columns(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = client.get(reverse("imports:template", args=["integrity-register"]))
    assert resp.status_code == 200
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS


def test_a_register_imports_points_with_their_measures(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    sub = register_for(tree.unit_a)
    old = make_point(tree.unit_a, submission=sub, code="OLD-1")
    result = RiskRegisterImporter().run(
        admin,
        xlsx(
            [
                row("FX-01"),
                row(
                    "FX-01",
                    post=None,
                    post_title=None,
                    category=None,
                    level=None,
                    description=None,
                    measure="大额现金支出须两人经办",
                ),
                row(
                    "FX-02",
                    post="政府采购",
                    level="中",
                    also="FX-01",
                    measure="采购与财务岗位分离，互相监督",
                ),
            ]
        ),
    )
    assert result.ok, [str(e) for e in result.errors]
    points = {p.code: p for p in RiskPoint.objects.filter(submission=sub)}
    assert set(points) == {"FX-01", "FX-02"}  # the file replaced OLD-1
    assert not RiskPoint.objects.filter(pk=old.pk).exists()
    assert points["FX-02"].level == "medium" and points["FX-02"].post == "procurement"
    assert Measure.objects.filter(submission=sub).count() == 3
    shared = Measure.objects.get(description__startswith="采购与财务")
    assert {p.code for p in shared.risk_points.all()} == {"FX-01", "FX-02"}
    assert points["FX-01"].measures.count() == 3


@pytest.mark.parametrize(
    ("bad", "column", "text"),
    [
        (row("FX-01", post="扫地岗"), "岗位", "不是可选值"),
        (row("FX-01", level="极高"), "风险等级", "不是可选值"),
        (row("FX-01", category="天气"), "风险类别", "不是可选值"),
        (row("FX-01", year=1999), "年度", "2000 至 2100"),
        (row("FX-01", year=2030), "单位", "2030年没有"),
        (row("FX-01", unit="乙局机关党委"), "单位", "不在您的管理范围内"),
        (row("FX-05", post=None), "岗位", "该编号第一次出现"),
        (row("FX-01", measure=None, responsible="张三"), "防控措施", "请填写防控措施"),
    ],
)
def test_bad_rows_write_nothing(tree, make_user, bad, column, text):
    admin = make_user("unit_admin", tree.unit_a)
    register_for(tree.unit_a)
    register_for(tree.unit_b)
    result = RiskRegisterImporter().run(admin, xlsx([row("FX-09"), bad]))
    assert not result.ok
    messages = [str(e) for e in result.errors]
    assert any(e.row == 3 and e.column == column and text in e.message for e in result.errors), (
        messages
    )
    assert not RiskPoint.objects.exists() and not Measure.objects.exists()


def test_a_measure_pointing_to_another_units_point_is_refused(tree, make_user):
    gongwei_side_admin = make_user("unit_admin", tree.unit_a)
    # one admin holding both units (e.g. an admin of two units' registers)
    from dangjian.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=gongwei_side_admin, role="unit_admin", org=tree.unit_b)
    register_for(tree.unit_a)
    register_for(tree.unit_b)
    result = RiskRegisterImporter().run(
        gongwei_side_admin,
        xlsx([row("FX-01"), row("FX-21", unit="乙局机关党委"), row("FX-02", also="FX-21")]),
    )
    assert not result.ok
    [error] = result.errors
    assert error.row == 4 and error.column == "同时防控的风险点"
    assert "FX-21 是乙局机关党委的风险点" in error.message
    assert not RiskPoint.objects.exists()


def test_a_closed_round_takes_no_import(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    register_for(tree.unit_a, closed=True)
    result = RiskRegisterImporter().run(admin, xlsx([row("FX-01")]))
    assert not result.ok and "已结束" in result.errors[0].message
    assert not RiskPoint.objects.exists()


def test_institutions_import_and_replace(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    sub = register_for(tree.unit_a)
    rows = [
        [2025, "甲局机关党委", "机关财务管理办法", "修订", "2025-03-15", "甲局党发〔2025〕3号"],
        [2025, "甲局机关党委", "公务接待管理规定", "新建", "2025-04-01", None],
    ]
    result = InstitutionImporter().run(admin, xlsx(rows, InstitutionImporter))
    assert result.ok, [str(e) for e in result.errors]
    assert Institution.objects.filter(submission=sub).count() == 2
    bad = [[2025, "甲局机关党委", "X", "废止", "2025-03-15", None]]
    result = InstitutionImporter().run(admin, xlsx(bad, InstitutionImporter))
    assert not result.ok and "不是可选值" in result.errors[0].message
    assert Institution.objects.filter(submission=sub).count() == 2
