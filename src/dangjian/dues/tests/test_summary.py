"""党费汇总 per unit and for the city, on the hand-computed 2024 calendar of conftest.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as Dec
from io import BytesIO

import openpyxl
import pytest

from dangjian.dues import summary

LATER = dt.date(2025, 3, 1)


def by_name(result):
    return {line.name: line for line in result.lines}


def test_the_city_one_line_per_unit_over_its_subtree(calendar_2024):
    tree, _ = calendar_2024
    result = summary.build(tree.root, 2024, LATER)
    lines = by_name(result)
    assert list(lines) == ["甲局机关党委", "乙局机关党委"]
    a, b = lines["甲局机关党委"], lines["乙局机关党委"]
    # 3 members × 12 months × 40 元; paid: 张三 480, 李四 480, 王五 01–08 320.
    assert (a.members, a.reviewed, a.owed, a.owed_paid, a.unpaid) == (
        3,
        2,
        Dec("1440.00"),
        Dec("1280.00"),
        Dec("160.00"),
    )
    # On time: 张三 9 (Q2 late), 李四 12, 王五 5 (Q1 late, 09–12 unpaid) = 26 of 36.
    assert (a.months, a.on_time, a.on_time_rate, a.arrears_members) == (36, 26, 72.2, 1)
    assert (a.collected, a.remitted, a.confirmed) == (Dec("1280.00"), Dec("0.00"), Dec("0.00"))
    assert (b.members, b.reviewed, b.owed, b.unpaid, b.on_time_rate, b.arrears_members) == (
        1,
        1,
        Dec("120.00"),
        Dec("120.00"),
        0.0,
        1,
    )
    t = result.total
    assert (t.members, t.reviewed, t.reviewed_rate, t.owed, t.owed_paid) == (
        4,
        3,
        75.0,
        Dec("1560.00"),
        Dec("1280.00"),
    )
    assert (t.months, t.on_time, t.on_time_rate, t.arrears_members) == (48, 26, 54.2, 2)


def test_a_unit_its_branches_and_what_they_handed_over_to_it(calendar_2024):
    tree, _ = calendar_2024
    lines = by_name(summary.build(tree.unit_a, 2024, LATER))
    assert list(lines) == ["甲局第一党支部"]
    branch = lines["甲局第一党支部"]
    # Q1 240 元 confirmed, Q2 480 元 not yet.
    assert (branch.remitted, branch.confirmed) == (Dec("720.00"), Dec("240.00"))


def test_during_the_year_only_months_of_ended_quarters_are_owed(calendar_2024):
    tree, _ = calendar_2024
    a = by_name(summary.build(tree.root, 2024, dt.date(2024, 8, 15)))["甲局机关党委"]
    # Viewed on 2024-08-15: the third quarter runs, so the months owed are January to June,
    # 3 members × 6, all paid by now (the ledger as it is today).
    assert (a.months, a.owed, a.unpaid, a.arrears_members) == (18, Dec("720.00"), Dec("0.00"), 0)


def test_the_page_and_its_excel(calendar_2024, login):
    tree, _ = calendar_2024
    client = login("committee_admin", tree.root)
    page = client.get("/dues/summary/?year=2024")
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲局机关党委" in html and "乙局机关党委" in html and "72.2%" in html
    xlsx = client.get("/dues/summary/?year=2024&format=xlsx")
    sheet = openpyxl.load_workbook(BytesIO(b"".join(xlsx.streaming_content))).active
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "示例市委直属机关工委2024年党费收缴汇总"
    assert rows[2][0] == "党组织"
    assert rows[3][0] == "甲局机关党委" and rows[3][8] == "72.2%"
    assert rows[-1][0] == "合计" and rows[-1][1] == 4


def test_a_secretary_sees_her_branch_not_another_unit(calendar_2024, login):
    tree, _ = calendar_2024
    client = login("branch_secretary", tree.branch_b)
    assert client.get(f"/dues/summary/?org={tree.unit_a.pk}").status_code == 404
    page = client.get("/dues/summary/?year=2024").content.decode()
    assert "乙局第一党支部" in page and "甲局" not in page
    assert client.get("/dues/summary/?year=99999999999&org=abc").status_code == 404
    assert client.get("/dues/summary/?year=99999999999").status_code == 200  # this year


@pytest.mark.parametrize("role", ["viewer", "party_member"])
def test_roles_without_the_ledger_are_refused(calendar_2024, login, role):
    tree, _ = calendar_2024
    assert login(role, tree.root).get("/dues/summary/").status_code in (403, 404)
