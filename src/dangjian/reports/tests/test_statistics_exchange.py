"""Exchange with the national system: export then import gives the same people; masking for
a role without the reveal right; bad rows refuse the whole file."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.members.tests.factories import MemberFactory, make_id_number
from dangjian.recruitment.models import Applicant
from dangjian.recruitment.tests.factories import new_applicant
from dangjian.reports.statistics import exchange

from .statistics_helpers import add_branch

URL = reverse("reports:exchange_export")
FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "category",
    "status",
    "joined_on",
    "full_member_on",
    "job_title",
    "unit_id",
    "is_mobile",
)


@pytest.fixture
def people(tree):
    birth = dt.date(1990, 4, 2)
    return [
        MemberFactory(
            org=tree.branch_a,
            name="赵敏",
            gender="female",
            ethnicity="满族",
            birth_date=birth,
            id_number=make_id_number(birth, male=False, serial=11),
            phone="13700001234",
            education="master",
            category="in_service",
            job_title="科员",
            unit=tree.dept_a,
            joined_on=dt.date(2015, 6, 1),
            full_member_on=dt.date(2016, 6, 1),
            is_mobile=True,
        ),
        MemberFactory(
            org=tree.branch_a,
            name="钱进",
            gender="male",
            birth_date=dt.date(1999, 1, 9),
            id_number=make_id_number(dt.date(1999, 1, 9), male=True, serial=12),
            phone="",
            education="bachelor",
            category="in_service",
            unit=tree.dept_a,
            joined_on=dt.date(2024, 5, 1),
            full_member_on=None,
            status="probationary",
        ),
    ]


def download(client, org, kind="members") -> Workbook:
    r = client.get(URL, {"org": org.pk, "kind": kind})
    assert r.status_code == 200, r.content[:300]
    return load_workbook(io.BytesIO(b"".join(r.streaming_content)))


def table(wb) -> tuple[list[str], list[list]]:
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    return list(rows[0]), [list(r) for r in rows[1:]]


def retarget(wb, branch_name: str) -> bytes:
    """The exported file with every person placed in another branch (the only edit)."""
    header, rows = table(wb)
    col = header.index("所在党支部")
    out = Workbook()
    ws = out.active
    ws.append(header)
    for row in rows:
        row[col] = branch_name
        ws.append(row)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def snapshot(members) -> list[tuple]:
    return sorted(tuple(getattr(m, f) for f in FIELDS) for m in members)


@pytest.mark.django_db
class TestMembers:
    def test_round_trip_into_an_empty_branch(self, tree, people, client, make_user):
        user = make_user("unit_admin", tree.unit_a)
        client.force_login(user)
        wb = download(client, tree.branch_a)
        header, rows = table(wb)
        assert header[:4] == ["姓名", "公民身份号码", "性别", "出生日期"]
        assert "籍贯" in header and "党龄" in header
        assert len(rows) == 2
        before = snapshot(people)
        empty = add_branch(tree.unit_a, "甲局第二党支部")
        Member.objects.filter(org=tree.branch_a).delete()
        result = exchange.importer_for("members").run(user, retarget(wb, empty.name))
        assert result.ok, [str(e) for e in result.errors]
        assert result.created == 2
        assert snapshot(Member.objects.filter(org=empty)) == before
        reveal = AuditEvent.objects.filter(action="reveal").order_by("-pk").first()
        assert reveal is not None and reveal.detail["count"] == 2

    def test_masked_for_a_role_without_reveal(self, tree, people, client, make_user):
        client.force_login(make_user("organization_officer", tree.branch_a))
        header, rows = table(download(client, tree.branch_a))
        zhao = next(r for r in rows if r[0] == "赵敏")
        assert zhao[header.index("公民身份号码")] == "*" * 18
        assert zhao[header.index("手机号码")] == "*********34"
        assert zhao[header.index("出生日期")] == "1990年"
        assert not AuditEvent.objects.filter(action="reveal").exists()

    def test_masked_file_cannot_be_imported(self, tree, people, client, make_user):
        client.force_login(make_user("organization_officer", tree.branch_a))
        wb = download(client, tree.branch_a)
        result = exchange.importer_for("members").run(SYSTEM, retarget(wb, tree.branch_b.name))
        assert not result.ok
        assert any(e.column == "公民身份号码" for e in result.errors)
        assert not Member.objects.filter(org=tree.branch_b).exists()

    def test_bad_rows_refuse_the_whole_file(self, tree):
        wb = Workbook()
        ws = wb.active
        ws.append(["姓名", "公民身份号码", "转正情况", "入党时间", "所在党支部", "籍贯"])
        good = make_id_number(dt.date(1985, 3, 3), serial=21)
        ws.append(["孙好", good, "正式党员", "2010-07-01", tree.branch_a.name, "河南"])
        ws.append(["李错", "12345", "党员", "2010-13-01", "不存在的支部", ""])
        buf = io.BytesIO()
        wb.save(buf)
        result = exchange.importer_for("members").run(SYSTEM, buf.getvalue())
        assert not result.ok
        messages = [str(e) for e in result.errors]
        assert any(m.startswith("第 3 行「公民身份号码」") for m in messages)
        assert any(m.startswith("第 3 行「转正情况」") for m in messages)
        assert any(m.startswith("第 3 行「入党时间」") for m in messages)
        assert not Member.objects.filter(name="孙好").exists()  # all or nothing

    def test_scope_outside_user(self, tree, people, client, make_user):
        client.force_login(make_user("branch_secretary", tree.branch_b))
        assert client.get(URL, {"org": tree.branch_a.pk}).status_code == 404
        assert client.get(URL, {"org": tree.branch_b.pk, "kind": "x"}).status_code == 400

    def test_command_round_trip(self, tree, people, tmp_path):
        out = tmp_path / "members.xlsx"
        stdout = io.StringIO()
        call_command(
            "report",
            "exchange-export",
            "--scope",
            str(tree.branch_a.pk),
            "-o",
            str(out),
            stdout=stdout,
        )
        assert "党员 2 名" in stdout.getvalue()
        with pytest.raises(CommandError, match="未导入任何数据"):
            # The same people again: their ID numbers are already registered.
            call_command("report", "exchange-import", str(out))


@pytest.mark.django_db
def test_applicants_round_trip(tree, client, make_user):
    user = make_user("unit_admin", tree.unit_a)
    new_applicant(SYSTEM, tree.branch_a, name="周申", applied_on=dt.date(2024, 3, 1))
    client.force_login(user)
    wb = download(client, tree.branch_a, kind="applicants")
    header, rows = table(wb)
    assert len(rows) == 1
    assert "递交入党申请书时间" in header and "确定为入党积极分子时间" in header
    before = [(a.name, a.id_number, a.birth_date, a.applied_on) for a in Applicant.objects.all()]
    Applicant.objects.all().delete()
    empty = add_branch(tree.unit_a, "甲局第二党支部")
    result = exchange.importer_for("applicants").run(user, retarget(wb, empty.name))
    assert result.ok, [str(e) for e in result.errors]
    after = [(a.name, a.id_number, a.birth_date, a.applied_on) for a in Applicant.objects.all()]
    assert after == before
    assert Applicant.objects.get().org == empty
