"""Importing organizations from xlsx and exporting the org list."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.core.excel import XLSX_CONTENT_TYPE
from dangjian.orgs.imports import OrganizationExporter, OrganizationImporter
from dangjian.orgs.models import Organization, OrgKind, Unit

pytestmark = pytest.mark.django_db

HEADERS = ["组织名称", "组织类别", "上级组织", "所属单位", "简称", "成立日期", "组织编码"]


def org_xlsx(rows, headers=HEADERS) -> bytes:
    """Fill the importer's own template, as a user would."""
    wb = OrganizationImporter().template_workbook()
    ws = wb["数据"]
    if headers != HEADERS:
        for idx in range(1, ws.max_column + 1):
            ws.cell(row=1, column=idx, value=None)
        for idx, h in enumerate(headers, start=1):
            ws.cell(row=1, column=idx, value=h)
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def counts():
    return Organization.objects.count(), Unit.objects.count()


def run(user, rows, **kw):
    return OrganizationImporter().run(user, org_xlsx(rows, **kw))


@pytest.fixture
def admin(tree, make_user):
    return make_user("committee_admin", tree.root)


@pytest.fixture
def unit_admin(tree, make_user):
    return make_user("unit_admin", tree.unit_a)


def test_import_a_subtree_with_a_new_unit(tree, admin):
    result = run(
        admin,
        [
            [
                "丙局机关党委",
                "机关党组织",
                "示例市委直属机关工委",
                "丙局",
                "丙局党委",
                "2010-01-01",
                "BJ00",
            ],
            ["丙局第一党支部", "党支部", "BJ00", "", "", "2011-03-01", "BJ01"],
            ["丙局第一党小组", "党小组", "BJ01", "", "", "", ""],
            ["丙局第二党支部", "党支部", "丙局机关党委", "", "", "", ""],
            ["甲局第二党支部", "党支部", "甲局机关党委", "", "", "", ""],
        ],
    )
    assert result.ok, result.errors
    assert result.created == 5
    assert Organization.find_problems() == ([], [], [], [], [])

    unit_org = Organization.objects.get(code="BJ00")
    assert unit_org.kind == OrgKind.UNIT_PARTY and unit_org.get_parent() == tree.root
    assert unit_org.short_name == "丙局党委" and unit_org.established_on == dt.date(2010, 1, 1)
    new_unit = Unit.objects.get(name="丙局")
    assert new_unit.party_org == unit_org
    branch = Organization.objects.get(code="BJ01")
    assert branch.get_parent() == unit_org and branch.unit == new_unit  # inherited
    group = Organization.objects.get(name="丙局第一党小组")
    assert group.get_parent() == branch and group.unit == new_unit
    assert unit_org.numchild == 2
    second = Organization.objects.get(name="甲局第二党支部")
    assert second.get_parent() == tree.unit_a and second.unit == tree.dept_a
    assert Organization.objects.get(pk=tree.unit_a.pk).numchild == 2

    event = AuditEvent.objects.filter(action="import").get()
    assert event.outcome == "success" and event.actor_id == admin.pk
    assert event.detail == {
        "importer": "organizations",
        "model": "orgs.organization",
        "rows": 5,
        "created": 5,
    }


def test_parent_of_the_wrong_kind_is_refused(tree, admin):
    before = counts()
    result = run(
        admin,
        [
            ["甲局第三党支部", "党支部", "甲局机关党委", "", "", "", ""],
            ["错误支部", "党支部", "示例市委直属机关工委", "", "", "", ""],
        ],
    )
    assert not result.ok and counts() == before
    assert [str(e) for e in result.errors] == [
        "第 3 行「上级组织」：工委下不能设立党支部（可设立：机关党组织）。"
    ]


def test_parent_outside_the_importers_scope_is_refused(tree, unit_admin):
    before = counts()
    result = run(unit_admin, [["乙局第二党支部", "党支部", "乙局机关党委", "", "", "", ""]])
    assert not result.ok and counts() == before
    error = result.errors[0]
    assert (error.row, error.column) == (2, "上级组织")
    assert "未找到上级组织「乙局机关党委」" in error.message
    assert AuditEvent.objects.filter(action="import", outcome="failure").count() == 1


def test_parent_must_come_earlier_in_the_file(tree, admin):
    result = run(
        admin,
        [
            ["子支部", "党支部", "后面的党委", "", "", "", ""],
            ["后面的党委", "党委", "甲局机关党委", "", "", "", ""],
        ],
    )
    assert not result.ok
    assert (result.errors[0].row, result.errors[0].column) == (2, "上级组织")


def test_duplicate_codes_in_the_file_and_in_the_database(tree, admin):
    Organization.objects.filter(pk=tree.branch_b.pk).update(code="YJ01")
    before = counts()
    result = run(
        admin,
        [
            ["甲局第三党支部", "党支部", "甲局机关党委", "", "", "", "JA03"],
            ["甲局第四党支部", "党支部", "甲局机关党委", "", "", "", "JA03"],
            ["甲局第五党支部", "党支部", "甲局机关党委", "", "", "", "YJ01"],
        ],
    )
    assert not result.ok and counts() == before
    assert [str(e) for e in result.errors] == [
        "第 3 行「组织编码」：与第 2 行的组织编码重复。",
        "第 4 行「组织编码」：组织编码「YJ01」已被其他组织使用，请更换。",
    ]


def test_future_established_date_is_refused(tree, admin):
    before = counts()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    result = run(
        admin, [["甲局第三党支部", "党支部", "甲局机关党委", "", "", tomorrow.isoformat(), ""]]
    )
    assert not result.ok and counts() == before
    assert result.errors[0].row == 2 and result.errors[0].column == "成立日期"
    assert "晚于今天" in result.errors[0].message


def test_same_name_under_the_same_parent_is_refused(tree, admin):
    result = run(admin, [["甲局第一党支部", "党支部", "甲局机关党委", "", "", "", ""]])
    assert not result.ok
    assert (
        str(result.errors[0])
        == "第 2 行「组织名称」：上级组织「甲局机关党委」下已有同名组织「甲局第一党支部」。"
    )


def test_ambiguous_parent_name_asks_for_the_code(tree, admin):
    tree.branch_b.add_child(kind=OrgKind.PARTY_GROUP, name="第一党小组")
    result = run(admin, [["某小组", "党小组", "第一党小组", "", "", "", ""]])
    assert not result.ok
    assert "有 2 个党组织名为「第一党小组」，请改填上级组织的组织编码" in result.errors[0].message


def test_unknown_unit_is_refused_unless_it_is_a_new_unit_party(tree, admin):
    result = run(admin, [["甲局第三党支部", "党支部", "甲局机关党委", "不存在的局", "", "", ""]])
    assert not result.ok
    assert (result.errors[0].column, result.errors[0].row) == ("所属单位", 2)


def test_a_unit_admin_cannot_create_units_or_roots(tree, unit_admin):
    result = run(
        unit_admin, [["丁局机关党委", "机关党组织", "示例市委直属机关工委", "丁局", "", "", ""]]
    )
    assert not result.ok and not Unit.objects.filter(name="丁局").exists()


def test_missing_header_is_named(tree, admin):
    before = counts()
    headers = ["组织名称", "上级组织", "所属单位"]
    result = run(admin, [["甲局第三党支部", "甲局机关党委", ""]], headers=headers)
    assert not result.ok and counts() == before
    assert result.errors[0].row == 1 and "缺少必填列：组织类别" in result.errors[0].message


def test_unknown_kind_label_lists_the_choices(tree, admin):
    result = run(admin, [["甲局第三党支部", "支部", "甲局机关党委", "", "", "", ""]])
    assert result.errors[0].column == "组织类别"
    assert (
        "请填写：工委、机关党组织、党组、党委、党总支、党支部、党小组" in result.errors[0].message
    )


def test_a_larger_tree_stays_consistent(tree, admin):
    rows = []
    for i in range(30):
        rows.append([f"测试党委{i}", "党委", "甲局机关党委", "", "", "", f"T{i:03d}"])
        rows.extend([f"测试支部{i}-{j}", "党支部", f"T{i:03d}", "", "", "", ""] for j in range(5))
    result = run(admin, rows)
    assert result.ok and result.created == 180
    assert Organization.find_problems() == ([], [], [], [], [])
    assert Organization.objects.get(code="T007").get_children_count() == 5


def test_export_lists_only_the_users_subtree_with_parent_names(tree, unit_admin):
    Organization.objects.filter(pk=tree.branch_a.pk).update(code="JA01")
    qs = Organization.objects.restrict(unit_admin, "view")
    resp = OrganizationExporter().response(unit_admin, qs, filters={"kind": "branch"})
    assert "attachment" in resp["Content-Disposition"]
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "组织名称",
        "组织类别",
        "上级组织",
        "所属单位",
        "简称",
        "成立日期",
        "组织编码",
        "状态",
        "换届状态",
        "党员数",
        "机关党组织形式",
    )
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"甲局机关党委", "甲局第一党支部", "第一党小组"}
    # Its parent (工委) lies outside the user's view scope.
    assert by_name["甲局机关党委"][2] is None
    assert by_name["甲局第一党支部"][1:4] == ("党支部", "甲局机关党委", "甲局")
    assert by_name["甲局第一党支部"][6] == "JA01"
    event = AuditEvent.objects.filter(action="export").get()
    assert event.detail == {"model": "orgs.organization", "rows": 3, "filters": {"kind": "branch"}}


def test_org_list_page_exports_the_filtered_list(client, tree, unit_admin):
    client.force_login(unit_admin)
    resp = client.get(reverse("orgs:organization_list"), {"export": "xlsx", "kind": "branch"})
    assert resp["Content-Type"] == XLSX_CONTENT_TYPE
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["甲局第一党支部"]
    event = AuditEvent.objects.filter(action="export").get()
    assert event.actor_id == unit_admin.pk and event.detail["filters"] == {"kind": "branch"}


def test_org_import_pages(client, tree, admin, make_user):
    client.force_login(admin)
    assert client.get(reverse("imports:run", args=["organizations"])).status_code == 200
    data = org_xlsx([["甲局第三党支部", "党支部", "甲局机关党委", "", "", "", ""]])
    resp = client.post(
        reverse("imports:run", args=["organizations"]),
        {"file": SimpleUploadedFile("组织.xlsx", data)},
    )
    assert "成功导入 1 条党组织记录" in resp.content.decode()
    client.force_login(make_user("branch_secretary", tree.branch_a))
    assert client.get(reverse("imports:template", args=["organizations"])).status_code == 403


def test_the_templates_example_row_imports(tree, admin):
    wb = OrganizationImporter().template_workbook()
    rows = list(wb["填写说明"].iter_rows(values_only=True))
    header_at = (
        next(i for i, r in enumerate(rows) if r and str(r[0] or "").startswith("示例行")) + 1
    )
    wb["数据"].append(list(rows[header_at + 1]))
    buf = io.BytesIO()
    wb.save(buf)
    result = OrganizationImporter().run(admin, buf.getvalue())
    assert result.ok, result.errors
    assert Organization.objects.get(code="JA0102").get_parent() == tree.unit_a


def test_a_code_shared_by_two_orgs_is_not_guessed(tree, admin):
    Organization.objects.filter(pk__in=[tree.unit_a.pk, tree.unit_b.pk]).update(code="DUP")
    result = run(admin, [["某支部", "党支部", "DUP", "", "", "", ""]])
    assert not result.ok
    assert str(result.errors[0]) == (
        "第 2 行「上级组织」：组织编码「DUP」对应 2 个党组织，请联系工委管理员核对编码。"
    )
