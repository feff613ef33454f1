"""xlsx imports: all or nothing, per-row Chinese errors; the exports' workbook."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from dangjian.core.imports import importers
from dangjian.volunteers.models import CommunityRegistration, TaskForceMember

from .factories import CommunityFactory, MemberFactory, RegistrationFactory, TaskForceFactory

pytestmark = pytest.mark.django_db


def upload(headers, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("导入.xlsx", buf.getvalue())


REG_HEADERS = ["党组织", "党员姓名", "社区", "报到日期", "结束日期"]


def run_registrations(user, rows):
    return importers.get("volunteers_registrations").run(user, upload(REG_HEADERS, rows))


def test_registrations_import_writes_every_row(tree, make_user):
    CommunityFactory(org=tree.root, name="东湖社区")
    CommunityFactory(org=tree.root, name="西湖社区")
    MemberFactory(org=tree.branch_a, name="王小明")
    result = run_registrations(
        make_user("unit_admin", tree.unit_a),
        [
            ["甲局机关党委", None, "东湖社区", "2024-03-01", None],
            ["甲局第一党支部", "王小明", "西湖社区", "2024-04-01", None],
        ],
    )
    assert result.ok and result.created == 2, result.errors
    member_reg = CommunityRegistration.objects.get(member__name="王小明")
    assert member_reg.org_id == tree.branch_a.pk and member_reg.starts_on == dt.date(2024, 4, 1)


def test_one_bad_row_refuses_the_whole_file(tree, make_user):
    CommunityFactory(org=tree.root, name="东湖社区")
    m = MemberFactory(org=tree.branch_a, name="王小明")
    RegistrationFactory(
        org=tree.branch_a, member=m, community=CommunityFactory(org=tree.root, name="南湖社区")
    )
    MemberFactory(org=tree.branch_b, name="李四")
    result = run_registrations(
        make_user("unit_admin", tree.unit_a),
        [
            ["甲局机关党委", None, "东湖社区", "2024-03-01", None],  # good
            ["甲局机关党委", None, "北湖社区", "2024-03-01", None],  # unknown community
            ["甲局第一党支部", "王小明", "东湖社区", "2024-04-01", None],  # second active
            ["甲局第一党支部", "李四", "东湖社区", "2024-04-01", None],  # not in the org
            ["乙局机关党委", None, "东湖社区", "2024-04-01", None],  # out of scope
            ["甲局机关党委", None, "东湖社区", "2024-04-01", "2024-01-01"],  # end before start
        ],
    )
    assert not result.ok
    text = "\n".join(f"{e.row}:{e.message}" for e in result.errors)
    assert "3:未找到社区「北湖社区」" in text
    assert "5:甲局第一党支部没有名为「李四」的在册党员" in text
    assert "6:未找到党组织「乙局机关党委」" in text
    assert CommunityRegistration.objects.count() == 1  # only the one made above


def test_a_service_refusal_rolls_back_rows_already_written(tree, make_user):
    CommunityFactory(org=tree.root, name="东湖社区")
    result = run_registrations(
        make_user("unit_admin", tree.unit_a),
        [
            ["甲局机关党委", None, "东湖社区", "2024-03-01", None],
            ["甲局机关党委", None, "东湖社区", "2024-04-01", "2024-01-01"],
        ],
    )
    assert not result.ok
    assert any(e.row == 3 and "结束日期不能早于开始日期" in e.message for e in result.errors)
    assert not CommunityRegistration.objects.exists()


def test_task_force_members_import(tree, make_user):
    TaskForceFactory(org=tree.branch_a, name="数字机关攻关组", starts_on=dt.date(2024, 3, 1))
    MemberFactory(org=tree.branch_a, name="王小明")
    MemberFactory(org=tree.branch_b, name="李四")
    headers = ["突击队名称", "党员姓名", "职责", "加入日期"]
    user = make_user("branch_secretary", tree.branch_a)
    imp = importers.get("volunteers_task_force_members")
    bad = imp.run(
        user,
        upload(
            headers,
            [
                ["数字机关攻关组", "王小明", "队长", "2024-03-05"],
                ["数字机关攻关组", "李四", "", "2024-03-05"],
            ],
        ),
    )
    assert not bad.ok and not TaskForceMember.objects.exists()
    assert any(e.row == 3 and "没有名为「李四」" in e.message for e in bad.errors)
    good = importers.get("volunteers_task_force_members").run(
        user, upload(headers, [["数字机关攻关组", "王小明", "队长", "2024-03-05"]])
    )
    assert good.ok and TaskForceMember.objects.get().role == "leader"


def test_the_registration_export_is_text(client, tree, make_user):
    c = CommunityFactory(org=tree.root, name='=HYPERLINK("x")')
    RegistrationFactory(org=tree.unit_a, community=c)
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = client.get("/volunteers/registrations/?export=xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    values = [cell.value for row in ws.iter_rows() for cell in row]
    assert "甲局机关党委" in values
    cell = next(c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"
