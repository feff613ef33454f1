"""党内统计 page, its xlsx and the `dangjian report stats` command: scoping and bad input."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent

from .statistics_helpers import year_2024

URL = reverse("reports:statistics")


@pytest.fixture
def login(client, make_user):
    """login(role, org) → the client, signed in as a fresh user holding that role there."""

    def do(role, org):
        user = make_user(role, org)
        client.force_login(user)
        client.user = user
        return client

    return do


def sheet_rows(ws):
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


@pytest.mark.django_db
class TestPage:
    def test_unit_admin_sees_tables_and_mismatches(self, tree, login):
        m = year_2024(tree)
        client = login("unit_admin", tree.unit_a)
        r = client.get(URL, {"year": 2024})
        assert r.status_code == 200
        html = r.content.decode()
        assert "甲局机关党委 2024年 党内统计" in html
        assert "不平衡" in html
        # The two members to fix, each linked to their record.
        assert reverse("members:member_detail", args=[m.m9.pk]) in html
        assert reverse("members:member_detail", args=[m.m15.pk]) in html
        for title in ("党员年龄", "党员入党时间", "发展党员", "基层党组织和换届情况"):
            assert title in html

    def test_scope_outside_user_is_404(self, tree, login):
        client = login("branch_secretary", tree.branch_b)
        r = client.get(URL, {"org": tree.branch_a.pk, "year": 2024})
        assert r.status_code == 404
        r = client.get(URL, {"org": tree.branch_a.pk, "year": 2024, "export": "xlsx"})
        assert r.status_code == 404

    @pytest.mark.parametrize("year", ["1999", "2200", "x", "2024.5", "0"])
    def test_bad_year_is_400(self, tree, login, year):
        client = login("unit_admin", tree.unit_a)
        r = client.get(URL, {"year": year})
        assert r.status_code == 400
        assert "统计年度应为 2000 至" in r.content.decode()

    def test_bad_org_id_is_404(self, tree, login):
        client = login("unit_admin", tree.unit_a)
        for raw in ("abc", "0", "99999999999999999999999", "-3"):
            assert client.get(URL, {"org": raw}).status_code == 404

    def test_without_member_rights_is_403(self, tree, login):
        client = login("system_admin", None)
        assert client.get(URL).status_code == 403

    def test_year_without_data(self, tree, login):
        client = login("unit_admin", tree.unit_a)
        r = client.get(URL, {"year": 2005})
        assert r.status_code == 200
        assert "没有党员、发展、出党或组织关系转接记录" in r.content.decode()
        assert client.get(URL, {"year": 2005, "export": "xlsx"}).status_code == 400

    def test_xlsx_download(self, tree, login):
        year_2024(tree)
        client = login("unit_admin", tree.unit_a)
        r = client.get(URL, {"year": 2024, "org": tree.unit_a.pk, "export": "xlsx"})
        assert r.status_code == 200
        wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        assert wb.sheetnames[0] == "党员数量增减平衡（两年党员数综合比较）"
        assert "党员年龄" in wb.sheetnames and "平衡检查明细" in wb.sheetnames
        balance = {row[0]: row[1] for row in sheet_rows(wb.worksheets[0]) if row[0]}
        assert balance["上年末党员数"] == 8
        assert balance["本年末实有党员数"] == 9
        assert balance["差额（实有 − 推算）"] == 2
        names = [row[0] for row in sheet_rows(wb["平衡检查明细"])]
        assert "九号" in names and "十五号" in names
        assert AuditEvent.objects.filter(action="export").exists()


@pytest.mark.django_db
class TestCommand:
    def test_stats_command(self, tree, tmp_path):
        year_2024(tree)
        out = tmp_path / "stats.xlsx"
        stdout = io.StringIO()
        call_command(
            "report",
            "stats",
            "--year",
            "2024",
            "--scope",
            str(tree.unit_a.pk),
            "-o",
            str(out),
            stdout=stdout,
        )
        assert "年末党员 9 名" in stdout.getvalue()
        assert "2 名党员的增减记录需核对" in stdout.getvalue()
        wb = load_workbook(out)
        assert len(wb.sheetnames) == 15
        assert oct(out.stat().st_mode & 0o777) == "0o600"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--year", "1800"], "统计年度应为"),
            (["--year", "2024", "--scope", "999999"], "不在您的统计范围内"),
            (["--year", "2003"], "无法生成党内统计"),
        ],
    )
    def test_stats_command_refuses(self, tree, tmp_path, args, message):
        out = tmp_path / "stats.xlsx"
        with pytest.raises(CommandError, match=message):
            call_command("report", "stats", *args, "-o", str(out))
        assert not out.exists()


@pytest.mark.django_db
def test_page_queries_do_not_grow_with_members(tree, login):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.members.tests.factories import MemberFactory

    year_2024(tree)
    client = login("unit_admin", tree.unit_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"year": 2024}).status_code == 200
        return len(ctx.captured_queries)

    first = count()
    for i in range(15):
        MemberFactory(org=tree.branch_a, joined_on=dt.date(2024, 2, i + 1))
    assert count() == first
