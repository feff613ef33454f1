"""Importing members from xlsx (pages, validation, all-or-nothing) and exporting them masked."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.members.imports import MemberExporter, MemberImporter
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .factories import MemberFactory, make_id_number

pytestmark = pytest.mark.django_db

HEADERS = [
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "身份证号",
    "手机号码",
    "学历",
    "人员类别",
    "党员状态",
    "入党日期",
    "转正日期",
    "所在党组织",
    "工作单位",
    "职务",
]
ID_1 = make_id_number(dt.date(1990, 3, 7), male=True, region="110101", serial=11)
ID_2 = make_id_number(dt.date(1985, 11, 20), male=False, region="110101", serial=12)
ID_3 = make_id_number(dt.date(1979, 1, 2), male=True, region="110101", serial=13)


def member_row(name="张伟", id_number=ID_1, org="甲局第一党支部", **over):
    row = {
        "姓名": name,
        "性别": "",
        "民族": "汉族",
        "出生日期": "",
        "身份证号": id_number,
        "手机号码": "13812345678",
        "学历": "大学本科",
        "人员类别": "在职",
        "党员状态": "正式党员",
        "入党日期": "2015-07-01",
        "转正日期": "2016-07-01",
        "所在党组织": org,
        "工作单位": "",
        "职务": "科员",
    }
    row.update(over)
    return [row[h] for h in HEADERS]


def member_xlsx(rows, headers=HEADERS) -> bytes:
    wb = MemberImporter().template_workbook()
    ws = wb["数据"]
    for idx in range(1, ws.max_column + 1):
        ws.cell(row=1, column=idx, value=None)
    for idx, h in enumerate(headers, start=1):
        ws.cell(row=1, column=idx, value=h)
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, data: bytes, name="党员.xlsx"):
    return client.post(
        reverse("imports:run", args=["members"]), {"file": SimpleUploadedFile(name, data)}
    )


def errors_of(resp) -> list[str]:
    result = resp.context["result"]
    assert result is not None and not result.ok
    return [str(e) for e in result.errors]


@pytest.fixture
def unit_admin(login, tree):
    return login("unit_admin", tree.unit_a)


# --- pages and permissions ------------------------------------------------------------------


def test_index_lists_importers_for_a_unit_admin(unit_admin):
    resp = unit_admin.get(reverse("imports:index"))
    assert resp.status_code == 200
    names = [imp.name for imp in resp.context["importers"]]
    assert names == [
        "organizations",
        "members",
        "activities",
        "recruitment_applicants",
        "honors",
        "cases",
        "brands",
        "integrity-register",
        "integrity-institutions",
        "training-enrolments",
        "volunteers_registrations",
        "volunteers_task_force_members",
        "exchange_members",
        "exchange_applicants",
    ]
    assert reverse("imports:run", args=["members"]) in resp.content.decode()


def test_branch_secretary_may_import_members_but_not_orgs(login, tree):
    client = login("branch_secretary", tree.branch_a)
    resp = client.get(reverse("imports:index"))
    names = [imp.name for imp in resp.context["importers"]]
    # Not the unit's registers (honors, cases, integrity): those a unit's admins submit.
    assert names == [
        "members",
        "activities",
        "dues-bases",
        "recruitment_applicants",
        "training-enrolments",
        "volunteers_registrations",
        "volunteers_task_force_members",
        "exchange_members",
        "exchange_applicants",
    ]
    assert client.get(reverse("imports:run", args=["members"])).status_code == 200
    assert client.get(reverse("imports:run", args=["organizations"])).status_code == 403


def test_import_page_and_template_are_forbidden_without_add(login, tree):
    client = login("viewer", tree.unit_a)
    assert client.get(reverse("imports:run", args=["members"])).status_code == 403
    assert client.get(reverse("imports:template", args=["members"])).status_code == 403
    resp = upload(client, member_xlsx([member_row()]))
    assert resp.status_code == 403 and Member.objects.count() == 0
    assert AuditEvent.objects.filter(action="permission_denied").exists()
    assert client.get(reverse("imports:index")).context["importers"] == []


def test_unknown_importer_is_404(unit_admin):
    assert unit_admin.get(reverse("imports:run", args=["nothing"])).status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    resp = client.get(reverse("imports:run", args=["members"]))
    assert resp.status_code == 302 and reverse("accounts:login") in resp["Location"]


def test_csrf_is_still_checked(tree, make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = upload(client, member_xlsx([member_row()]))
    assert resp.status_code == 403 and Member.objects.count() == 0


# --- the round trip ------------------------------------------------------------------------------


def test_template_fill_import_export_round_trip(unit_admin, tree):
    resp = unit_admin.get(reverse("imports:template", args=["members"]))
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    ws = wb["数据"]
    assert [c.value for c in ws[1]] == HEADERS
    ws.append(member_row())
    ws.append(
        member_row(
            "李娜",
            ID_2,
            org="第一党小组",
            性别="女",
            党员状态="预备党员",
            转正日期="",
            入党日期=dt.datetime(2024, 5, 1),  # noqa: DTZ001 (an Excel date cell)
            手机号码=13900001111,
            工作单位="甲局",
        )
    )
    buf = io.BytesIO()
    wb.save(buf)

    resp = upload(unit_admin, buf.getvalue())
    assert resp.status_code == 200
    assert resp.context["result"].ok, errors_of(resp)
    assert "成功导入 2 条" in resp.content.decode()

    zhang = Member.objects.get(name="张伟")
    assert zhang.id_number == ID_1 and zhang.birth_date == dt.date(
        1990, 3, 7
    )  # derived from the ID
    assert zhang.gender == "male" and zhang.org == tree.branch_a and zhang.unit == tree.dept_a
    assert zhang.name_initials == "zw" and zhang.id_number_blind
    li = Member.objects.get(name="李娜")
    assert li.status == "probationary" and li.phone == "13900001111" and li.org == tree.group_a
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {Member._meta.db_table} WHERE id = %s", [zhang.pk])
        stored = cursor.fetchone()[0]
    assert stored and ID_1 not in stored  # encrypted at rest

    event = AuditEvent.objects.filter(action="import").get()
    assert event.detail == {
        "importer": "members",
        "model": "members.member",
        "rows": 2,
        "created": 2,
    }
    assert ID_1 not in str(event.detail) and "张伟" not in str(event.detail)

    resp = MemberExporter().response(
        unit_admin.user, Member.objects.restrict(unit_admin.user, "view")
    )
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("姓名", "性别", "民族", "出生日期", "身份证号", "手机号码")
    exported = {r[0]: r for r in rows[1:]}
    assert exported["张伟"][4] == "*" * 18
    assert exported["张伟"][5] == "*********78"
    assert exported["李娜"][8] == "预备党员" and exported["李娜"][11] == "第一党小组"
    flat = str(rows)
    assert ID_1 not in flat and ID_2 not in flat and "13812345678" not in flat
    assert AuditEvent.objects.filter(action="export", detail__rows=2).exists()


def test_member_list_export_honours_filters_and_scope(unit_admin, tree):
    MemberFactory(org=tree.branch_a, name="张三")
    MemberFactory(org=tree.branch_a, name="李四")
    MemberFactory(org=tree.branch_b, name="王五")  # outside the user's scope
    resp = unit_admin.get(reverse("members:member_list"), {"export": "xlsx", "q": "张"})
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    names = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert names == ["张三"]
    event = AuditEvent.objects.filter(action="export").get()
    assert event.detail["rows"] == 1 and event.detail["filters"] == {"q": "张"}


# --- bad input: a Chinese error naming row and column, and the database unchanged -------------


def test_invalid_xlsx_is_refused(unit_admin):
    resp = upload(unit_admin, "姓名,身份证号\n张伟,110101\n".encode(), name="党员.xlsx")
    assert "不是有效的 Excel（.xlsx）工作簿" in errors_of(resp)[0]
    assert Member.objects.count() == 0


def test_wrong_headers_are_named(unit_admin):
    headers = [h if h != "身份证号" else "证件号" for h in HEADERS]
    resp = upload(unit_admin, member_xlsx([member_row()], headers=headers))
    message = errors_of(resp)[0]
    assert message.startswith("第 1 行：缺少必填列：身份证号；无法识别的列：证件号")
    assert Member.objects.count() == 0


def test_duplicate_id_numbers_in_the_file(unit_admin):
    resp = upload(
        unit_admin,
        member_xlsx([member_row("张伟", ID_1), member_row("王芳", ID_2), member_row("李强", ID_1)]),
    )
    assert errors_of(resp) == ["第 4 行「身份证号」：与第 2 行的身份证号重复。"]
    assert Member.objects.count() == 0


def test_duplicate_id_number_against_the_database(unit_admin, tree):
    """Registered where the importer may reveal: refused, and the lookup audited as a reveal."""
    holder = MemberFactory(org=tree.branch_a, id_number=ID_2)
    before = Member.objects.count()
    resp = upload(unit_admin, member_xlsx([member_row("张伟", ID_1), member_row("王芳", ID_2)]))
    assert errors_of(resp) == [
        "第 3 行「身份证号」：该身份证号码已登记在您管辖范围内的其他党员名下，不能重复录入；如为调入，请办理组织关系转接。"
    ]
    assert Member.objects.count() == before
    event = AuditEvent.objects.get(action="reveal")
    assert event.object_id == str(holder.pk) and event.detail["via"] == "duplicate_check"


def test_duplicate_id_number_outside_the_scope_is_imported_for_review(unit_admin, tree):
    """Registered only where the importer may not look: a refusal would confirm it, so the row
    is imported, marked as a clash for those who may reveal both (decisions/0008)."""
    MemberFactory(org=tree.branch_b, id_number=ID_2)
    resp = upload(unit_admin, member_xlsx([member_row("张伟", ID_1), member_row("王芳", ID_2)]))
    assert resp.context["result"].ok, errors_of(resp)
    assert Member.objects.get(name="王芳").id_number_clash
    assert not Member.objects.get(name="张伟").id_number_clash
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_malformed_id_numbers(unit_admin):
    bad_check = ID_1[:-1] + ("0" if ID_1[-1] != "0" else "1")
    resp = upload(
        unit_admin,
        member_xlsx(
            [
                member_row("张伟", bad_check),
                member_row("王芳", "11010119900307"),
                member_row("李强", "110101199002307771"),
            ]
        ),
    )
    errors = errors_of(resp)
    assert errors[0] == "第 2 行「身份证号」：身份证号码校验位不正确，请核对后重新输入。"
    assert errors[1].startswith("第 3 行「身份证号」：身份证号码应为 18 位")
    assert errors[2] == "第 4 行「身份证号」：身份证号码中的出生日期无效，请核对。"
    assert Member.objects.count() == 0


def test_future_dates(unit_admin):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    resp = upload(unit_admin, member_xlsx([member_row(入党日期=tomorrow, 转正日期="")]))
    errors = errors_of(resp)
    assert (
        len(errors) == 1
        and errors[0].startswith("第 2 行「入党日期」：日期")
        and "晚于今天" in errors[0]
    )
    assert Member.objects.count() == 0


def test_member_placed_outside_the_importers_scope(unit_admin):
    resp = upload(
        unit_admin,
        member_xlsx([member_row("张伟", ID_1), member_row("王芳", ID_2, org="乙局第一党支部")]),
    )
    assert errors_of(resp) == [
        "第 3 行「所在党组织」：未找到党组织「乙局第一党支部」，或该组织不在您的管辖范围内："
        "请填写您管辖范围内党组织的名称或组织编码。"
    ]
    assert Member.objects.count() == 0


def test_member_org_by_code_and_org_kind_rules(unit_admin, tree):
    Organization.objects.filter(pk=tree.branch_a.pk).update(code="JA01")
    resp = upload(
        unit_admin,
        member_xlsx(
            [
                member_row("张伟", ID_1, org="JA01"),
                member_row("王芳", ID_2, org="甲局机关党委"),
            ]
        ),
    )
    errors = errors_of(resp)
    assert len(errors) == 1 and errors[0].startswith("第 3 行「所在党组织」：")
    assert "党员应编入其下属的党支部" in errors[0]
    assert Member.objects.count() == 0


def test_row_rules_from_member_validation(unit_admin):
    resp = upload(
        unit_admin,
        member_xlsx(
            [
                member_row("张伟", ID_1, 性别="女"),
                member_row("王芳", ID_2, 党员状态="预备党员", 转正日期="2016-07-01"),
                member_row("李强", ID_3, 入党日期="1990-01-01", 转正日期="1991-01-01"),
            ]
        ),
    )
    errors = errors_of(resp)
    assert errors[0].startswith("第 2 行「性别」：性别与身份证号码不一致")
    assert errors[1].startswith("第 3 行「转正日期」：预备党员没有转正日期")
    assert errors[2].startswith("第 4 行「入党日期」：入党时应年满十八周岁")
    assert Member.objects.count() == 0


def test_unknown_or_out_of_scope_unit_is_named(unit_admin):
    resp = upload(
        unit_admin,
        member_xlsx(
            [
                member_row(工作单位="甲局"),
                member_row("王芳", ID_2, 工作单位="乙局"),
                member_row("李强", ID_3, 工作单位="不存在的局"),
            ]
        ),
    )
    errors = errors_of(resp)
    assert [e.split("：")[0] for e in errors] == ["第 3 行「工作单位」", "第 4 行「工作单位」"]
    assert "未找到单位「不存在的局」" in errors[1]
    assert Member.objects.count() == 0


def test_failed_import_is_audited_without_writing(unit_admin):
    upload(unit_admin, member_xlsx([member_row(org="乙局第一党支部")]))
    event = AuditEvent.objects.filter(action="import").get()
    assert (
        event.outcome == "failure" and event.detail["errors"] == 1 and event.detail["created"] == 0
    )


@override_settings(IMPORT_MAX_FILE_BYTES=4000)
def test_oversized_file_is_refused(unit_admin):
    data = member_xlsx(
        [
            member_row(f"党员{i}", make_id_number(dt.date(1980, 1, 1), serial=100 + i))
            for i in range(200)
        ]
    )
    assert (
        4000 < len(data) < 64 * 1024
    )  # passes the Content-Length guard, refused by the file check
    resp = upload(unit_admin, data)
    assert errors_of(resp)[0].startswith("文件大小") and "超过上限 3.9 KB" in errors_of(resp)[0]
    assert Member.objects.count() == 0


@override_settings(IMPORT_MAX_FILE_BYTES=1000)
def test_huge_upload_is_refused_from_its_content_length(unit_admin):
    resp = upload(unit_admin, b"PK\x03\x04" + b"x" * 100_000)
    assert resp.status_code == 413
    assert errors_of(resp) == ["文件大小超过上限 1000 B，请分批导入。"]
    assert Member.objects.count() == 0


@override_settings(IMPORT_MAX_ROWS=3)
def test_too_many_rows_is_refused(unit_admin):
    rows = [
        member_row(f"党员{i}", make_id_number(dt.date(1980, 1, 1), serial=300 + i))
        for i in range(4)
    ]
    resp = upload(unit_admin, member_xlsx(rows))
    assert "超过单次导入上限 3 行" in errors_of(resp)[0]
    assert Member.objects.count() == 0


def test_a_thousand_rows_import_in_batches(unit_admin, tree):
    rows = [
        member_row(f"党员{i}", make_id_number(dt.date(1980, 1, 1) + dt.timedelta(days=i), serial=i))
        for i in range(1200)
    ]
    resp = upload(unit_admin, member_xlsx(rows))
    assert resp.context["result"].ok and resp.context["result"].created == 1200
    assert Member.objects.filter(org=tree.branch_a).count() == 1200


def _example_row(wb):
    """The example row printed in the template's 填写说明 sheet."""
    rows = list(wb["填写说明"].iter_rows(values_only=True))
    header_at = (
        next(i for i, r in enumerate(rows) if r and str(r[0] or "").startswith("示例行")) + 1
    )
    return [v for v in rows[header_at + 1] if v is not None]


def test_the_templates_example_row_imports(unit_admin, tree):
    wb = MemberImporter().template_workbook()
    wb["数据"].append(_example_row(wb))
    buf = io.BytesIO()
    wb.save(buf)
    resp = upload(unit_admin, buf.getvalue())
    assert resp.context["result"].ok, errors_of(resp)
    assert Member.objects.get().org == tree.branch_a
