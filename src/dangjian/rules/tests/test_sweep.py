"""The 换届 sweep: statuses on hand-computed dates, grouping, xlsx, scoping, metrics."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.orgs import termrules
from dangjian.orgs.models import OrgKind, OrgStatus, Term
from dangjian.rules import sweep

S = termrules.TermStatus
D = dt.date


def status_of(org, day, user=SYSTEM):
    return {r.org_id: r for r in sweep.run_sweep(user, day).rows}[org.pk]


@pytest.fixture
def leap_term(tree):
    """branch_a elected on 29 February 2024: a 3-year term, planned end 28 February 2027."""
    return Term.objects.create(org=tree.branch_a, number=2, started_on=D(2024, 2, 29))


def test_leap_day_term_ends_on_28_february(leap_term):
    assert leap_term.planned_end_on == D(2027, 2, 28)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 8, 27), S.NORMAL),  # six months ahead would be 27 Feb: not yet
        (D(2026, 8, 28), S.DUE_6),  # exactly six months before the end
        (D(2026, 11, 27), S.DUE_6),
        (D(2026, 11, 28), S.DUE_3),  # exactly three months before
        (D(2027, 2, 28), S.DUE_3),  # due today is not yet overdue
        (D(2027, 3, 1), S.OVERDUE),  # one day late
    ],
)
def test_status_on_hand_computed_dates(tree, leap_term, day, expected):
    row = status_of(tree.branch_a, day)
    assert row.status == expected
    assert row.due_on == D(2027, 2, 28)
    assert row.term_number == 2


def test_overdue_by_one_day_counts_the_day(tree, leap_term):
    row = status_of(tree.branch_a, D(2027, 3, 1))
    assert row.days_overdue == 1
    assert row.days_left is None


def test_no_term_data(tree):
    row = status_of(tree.branch_b, D(2026, 1, 1))
    assert row.status == S.NO_DATA
    assert row.term_id is None and row.due_on is None


def test_sql_matches_termrules_status_for_every_day(tree, leap_term):
    """The SQL CASE and `termrules.status_for` agree around both thresholds and the end."""
    checked = set()
    for start in (D(2026, 8, 20), D(2026, 11, 20), D(2027, 2, 20)):
        for i in range(16):
            day = start + dt.timedelta(days=i)
            row = status_of(tree.branch_a, day)
            assert row.status == termrules.status_for(leap_term.planned_end_on, day), day
            checked.add(row.status)
    assert checked == {S.NORMAL, S.DUE_6, S.DUE_3, S.OVERDUE}


def test_past_date_uses_the_term_current_then(tree):
    old = Term.objects.create(
        org=tree.branch_a, number=1, started_on=D(2018, 1, 10), ended_on=D(2021, 3, 1)
    )
    new = Term.objects.create(org=tree.branch_a, number=2, started_on=D(2021, 3, 1))
    before = status_of(tree.branch_a, D(2020, 11, 1))
    assert (before.term_id, before.status) == (old.pk, S.DUE_3)  # old term due 2021-01-10
    late = status_of(tree.branch_a, D(2021, 2, 1))
    assert (late.term_id, late.status) == (old.pk, S.OVERDUE)
    renewed = status_of(tree.branch_a, D(2021, 3, 1))  # renewed that day: the new term counts
    assert (renewed.term_id, renewed.status) == (new.pk, S.NORMAL)
    assert status_of(tree.branch_a, D(2017, 6, 30)).status == S.NO_DATA


def test_approved_extension_moves_the_due_date(tree):
    Term.objects.create(
        org=tree.branch_a,
        started_on=D(2021, 5, 1),
        extension_approved=True,
        extended_to=D(2024, 12, 31),
    )
    assert status_of(tree.branch_a, D(2024, 6, 30)).status == S.NORMAL  # 6 months: 30 Dec
    row = status_of(tree.branch_a, D(2024, 7, 1))
    assert row.due_on == D(2024, 12, 31)
    assert row.status == S.DUE_6


def test_only_orgs_that_existed_on_the_date(tree):
    later = tree.unit_a.add_child(
        kind=OrgKind.BRANCH, name="新设党支部", established_on=D(2025, 1, 1)
    )
    tree.branch_b.status = OrgStatus.DISSOLVED
    tree.branch_b.dissolved_on = D(2024, 3, 1)
    tree.branch_b.save()
    ids = {r.org_id for r in sweep.run_sweep(SYSTEM, D(2024, 6, 30)).rows}
    assert tree.branch_a.pk in ids
    assert later.pk not in ids and tree.branch_b.pk not in ids
    assert tree.group_a.pk not in ids  # 党小组 are not elected
    assert tree.root.pk not in ids  # the 工委 has no term
    assert tree.unit_a.pk in ids  # the unit-level org is elected for a term: swept
    ids_2023 = {r.org_id for r in sweep.run_sweep(SYSTEM, D(2023, 12, 31)).rows}
    assert tree.branch_b.pk in ids_2023


def test_grouped_by_unit_with_counts(tree, leap_term):
    tree.unit_a.refresh_from_db()
    general = tree.unit_a.add_child(kind=OrgKind.GENERAL_BRANCH, name="甲局机关总支")
    general.refresh_from_db()
    inner = general.add_child(kind=OrgKind.BRANCH, name="甲局总支第一支部")
    Term.objects.create(org=general, started_on=D(2020, 1, 1))  # due 2023-01-01: overdue
    result = sweep.run_sweep(SYSTEM, D(2026, 9, 1))
    by_name = {u.name: u for u in result.units}
    assert set(by_name) == {"甲局机关党委", "乙局机关党委"}
    a = by_name["甲局机关党委"]
    assert a.org_id == tree.unit_a.pk
    assert a.total == 4  # the unit-level org itself is swept too (no term data here)
    assert a.counts == {S.OVERDUE: 1, S.DUE_3: 0, S.DUE_6: 1, S.NORMAL: 0, S.NO_DATA: 2}
    assert {r.org_id for r in a.rows} == {tree.unit_a.pk, tree.branch_a.pk, general.pk, inner.pk}
    assert by_name["乙局机关党委"].counts[S.NO_DATA] == 2
    assert result.totals == {S.OVERDUE: 1, S.DUE_3: 0, S.DUE_6: 1, S.NORMAL: 0, S.NO_DATA: 4}
    assert [r.org_id for r in result.overdue_long] == [general.pk]  # 2023-01-01: > 1 year


def test_overdue_by_less_than_a_year_is_not_in_the_long_list(tree):
    Term.objects.create(org=tree.branch_a, started_on=D(2021, 1, 1))  # due 2024-01-01
    result = sweep.run_sweep(SYSTEM, D(2024, 12, 31))
    assert result.totals[S.OVERDUE] == 1
    assert result.overdue_long == []
    assert [r.org_id for r in sweep.run_sweep(SYSTEM, D(2025, 1, 2)).overdue_long] == [
        tree.branch_a.pk
    ]


def test_sweep_is_one_query_for_the_rows_and_one_for_the_unit_names(
    tree, leap_term, django_assert_num_queries
):
    for i in range(5):
        tree.unit_b.refresh_from_db()
        tree.unit_b.add_child(kind=OrgKind.BRANCH, name=f"乙局第{i + 2}党支部")
    with django_assert_num_queries(2):
        result = sweep.run_sweep(SYSTEM, D(2026, 9, 1))
    assert len(result.rows) == 9  # 7 branches and the two unit-level orgs


def test_half_year_report_dates():
    assert sweep.half_year_ends(2024, D(2026, 1, 1)) == [D(2024, 6, 30), D(2024, 12, 31)]
    assert sweep.half_year_ends(2026, D(2026, 11, 26)) == [D(2026, 6, 30)]
    assert sweep.half_year_ends(2026, D(2026, 6, 29)) == []
    assert sweep.recent_half_year_ends(D(2026, 11, 26), 3) == [
        D(2026, 6, 30),
        D(2025, 12, 31),
        D(2025, 6, 30),
    ]


# --- xlsx -----------------------------------------------------------------------------


def test_xlsx_has_chinese_headers_and_every_row(tree, leap_term):
    result = sweep.run_sweep(SYSTEM, D(2027, 3, 1))
    buf = io.BytesIO()
    sweep.workbook(result).save(buf)
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["汇总", "明细", "超期一年以上", "说明"]
    detail = wb["明细"]
    assert [c.value for c in detail[1]] == sweep.HEADERS
    assert detail[1][0].value == "单位党组织"
    rows = {r[1]: r for r in detail.iter_rows(min_row=2, values_only=True)}
    a = rows["甲局第一党支部"]
    assert a[0] == "甲局机关党委"
    assert a[3] == 2
    assert a[5].date() == D(2027, 2, 28)
    assert a[6] == "已超期" and a[7] == 1
    assert rows["乙局第一党支部"][6] == "无届次信息"
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert summary[0][0] == "单位党组织" and summary[0][-1] == "合计"
    assert summary[-1][0] == "合计" and summary[-1][-1] == 4


# --- scoping, page and API ------------------------------------------------------------


def test_unit_admin_sees_only_their_subtree(tree, leap_term, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    result = sweep.run_sweep(admin, D(2026, 9, 1))
    assert {r.org_id for r in result.rows} == {tree.unit_a.pk, tree.branch_a.pk}
    assert [u.name for u in result.units] == ["甲局机关党委"]


def test_branch_secretary_group_label_does_not_leak_the_unit(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_b)
    result = sweep.run_sweep(secretary, D(2026, 9, 1))
    assert [r.org_id for r in result.rows] == [tree.branch_b.pk]
    assert result.units[0].org_id is None
    assert result.units[0].name == "上级单位党组织"


def test_page_default_today_and_presets(client, tree, leap_term, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get(reverse("rules:sweep"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "换届情况排查" in html and "甲局机关党委" in html
    assert "半年度拉网排查" in html


def test_page_lists_attention_rows_and_filters_by_status(client, tree, leap_term, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get(reverse("rules:sweep"), {"date": "2027-03-01"})
    rows = resp.context["rows"]
    assert {r.org_id for r in rows} == {
        tree.unit_a.pk,
        tree.branch_a.pk,
        tree.unit_b.pk,
        tree.branch_b.pk,
    }
    resp = client.get(reverse("rules:sweep"), {"date": "2027-03-01", "status": S.OVERDUE})
    assert [r.org_id for r in resp.context["rows"]] == [tree.branch_a.pk]
    assert "超期 1 天" in resp.content.decode()


def test_page_bad_date_says_what_to_fix(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get(reverse("rules:sweep"), {"date": "2024-13-45"})
    assert resp.status_code == 200
    assert "日期“2024-13-45”无效" in resp.content.decode()


def test_page_export_downloads_xlsx_and_is_audited(client, tree, leap_term, make_user):
    from dangjian.audit.models import AuditEvent

    user = make_user("unit_admin", tree.unit_a)
    client.force_login(user)
    resp = client.get(reverse("rules:sweep"), {"date": "2024-06-30", "export": "xlsx"})
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    names = [r[1] for r in wb["明细"].iter_rows(min_row=2, values_only=True)]
    assert names == ["甲局机关党委", "甲局第一党支部"]  # the unit admin's subtree only
    event = AuditEvent.objects.filter(action="export", actor_id=user.pk).get()
    assert event.detail["model"] == "rules.term_sweep" and event.detail["rows"] == 2


def test_page_permissions(client, tree, make_user):
    url = reverse("rules:sweep")
    resp = client.get(url)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    client.force_login(make_user("audit_admin"))
    assert client.get(url).status_code == 403
    client.force_login(make_user("viewer", tree.unit_a))
    assert client.get(url, {"within": tree.branch_b.pk}).status_code == 404
    assert client.get(url, {"within": tree.branch_a.pk}).status_code == 200


def test_api_sweep(client, tree, leap_term, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get("/api/term-sweep/", {"date": "2027-03-01"})
    assert resp.status_code == 200
    data = resp.json()
    assert data["date"] == "2027-03-01"
    assert data["totals"][S.OVERDUE] == 1 and data["totals"][S.NO_DATA] == 3
    row = next(r for r in data["results"] if r["org_id"] == tree.branch_a.pk)
    assert row["status"] == S.OVERDUE and row["status_label"] == "已超期"
    assert row["due_on"] == "2027-02-28" and row["days_overdue"] == 1
    assert row["unit_org_id"] == tree.unit_a.pk
    assert {u["org_id"] for u in data["units"]} == {tree.unit_a.pk, tree.unit_b.pk}
    within = client.get("/api/term-sweep/", {"date": "2027-03-01", "within": tree.unit_b.pk})
    assert [r["org_id"] for r in within.json()["results"]] == [tree.unit_b.pk, tree.branch_b.pk]
    only = client.get("/api/term-sweep/", {"date": "2027-03-01", "status": S.NO_DATA})
    assert {r["org_id"] for r in only.json()["results"]} == {
        tree.unit_a.pk,
        tree.unit_b.pk,
        tree.branch_b.pk,
    }


def test_api_bad_input_is_400_in_chinese(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get("/api/term-sweep/", {"date": "30/06/2024"})
    assert resp.status_code == 400
    assert "日期“30/06/2024”无效" in resp.json()["date"][0]
    resp = client.get("/api/term-sweep/", {"status": "late"})
    assert resp.status_code == 400 and "状态" in resp.json()["status"][0]
    resp = client.get("/api/term-sweep/", {"within": "abc"})
    assert resp.status_code == 400


def test_api_scoping(client, tree, leap_term, make_user):
    assert client.get("/api/term-sweep/").status_code == 401
    client.force_login(make_user("audit_admin"))
    assert client.get("/api/term-sweep/").status_code == 403
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = client.get("/api/term-sweep/", {"date": "2026-09-01"})
    assert [r["org_id"] for r in resp.json()["results"]] == [tree.unit_a.pk, tree.branch_a.pk]
    assert client.get("/api/term-sweep/", {"within": tree.unit_b.pk}).status_code == 404
    assert client.get("/api/term-sweep/", {"within": 999999}).status_code == 404


# --- metrics (seed-figures.md row 15) -------------------------------------------------


def test_metrics_registered_with_year_end_counts(tree):
    Term.objects.create(org=tree.branch_a, started_on=D(2021, 9, 1))  # due 2024-09-01
    Term.objects.create(org=tree.branch_b, started_on=D(2022, 3, 1))  # due 2025-03-01
    scope = MetricScope(user=SYSTEM, year=2024)
    assert registry.get("terms.renewal_sweep").value(scope) == 2
    assert registry.get("terms.overdue_count").value(scope) == 1  # at 2024-12-31
    assert registry.get("terms.due_count").value(scope) == 1
    overdue = registry.get("terms.overdue_count").drilldown(scope)
    assert list(overdue.values_list("pk", flat=True)) == [tree.branch_a.pk]
    swept = registry.get("terms.renewal_sweep").drilldown(scope)
    assert set(swept.values_list("pk", flat=True)) == {
        tree.unit_a.pk,
        tree.branch_a.pk,
        tree.unit_b.pk,
        tree.branch_b.pk,
    }
    assert registry.get("terms.renewal_sweep").value(MetricScope(user=SYSTEM, year=2099)) == 0


def test_metrics_are_scoped(tree, make_user):
    Term.objects.create(org=tree.branch_a, started_on=D(2021, 9, 1))
    Term.objects.create(org=tree.branch_b, started_on=D(2021, 9, 1))
    admin = make_user("unit_admin", tree.unit_b)
    assert registry.get("terms.overdue_count").value(MetricScope(user=admin, year=2024)) == 1


# --- unit-level orgs: swept exactly as they are reminded (issue 11) ---------------------


def test_unit_level_org_is_swept_everywhere_it_is_reminded(client, tree, make_user):
    """A 机关党委 elected 2019-12-20 (5 years: due 2024-12-20) got its 6-month reminder from
    `dangjian remind`; the page, the xlsx, the API and the terms.* metrics show it too."""
    from dangjian.rules import notifications
    from dangjian.rules.models import Notification, NotificationKind

    Term.objects.create(org=tree.unit_a, number=3, started_on=D(2019, 12, 20))
    make_user("unit_admin", tree.unit_a)
    day = D(2024, 6, 30)
    notifications.run(day, sources=["terms"])
    reminded = set(
        Notification.objects.filter(kind=NotificationKind.TERM_DUE).values_list("org_id", flat=True)
    )
    assert reminded == {tree.unit_a.pk}
    result = sweep.run_sweep(SYSTEM, day)
    row = {r.org_id: r for r in result.rows}[tree.unit_a.pk]
    assert row.status == S.DUE_6 and row.due_on == D(2024, 12, 20)
    # every org the sweep reports as due is reminded, and the other way round
    assert {r.org_id for r in result.rows if r.status in sweep.DUE_STATUSES} == reminded
    # its own group is the unit
    [group] = [u for u in result.units if u.org_id == tree.unit_a.pk]
    assert tree.unit_a.pk in {r.org_id for r in group.rows}

    client.force_login(make_user("committee_admin", tree.root))
    page = client.get(reverse("rules:sweep"), {"date": "2024-06-30"})
    assert "甲局机关党委" in page.content.decode() and page.context["sweep"].totals[S.DUE_6] == 1
    resp = client.get(reverse("rules:sweep"), {"date": "2024-06-30", "export": "xlsx"})
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))["明细"]
    assert "甲局机关党委" in [r[1] for r in ws.iter_rows(min_row=2, values_only=True)]
    api = client.get("/api/term-sweep/", {"date": "2024-06-30", "status": S.DUE_6}).json()
    assert [r["org_id"] for r in api["results"]] == [tree.unit_a.pk]

    scope = MetricScope(user=SYSTEM, year=2024)
    assert registry.get("terms.overdue_count").value(scope) == 1  # at 2024-12-31
    assert list(
        registry.get("terms.overdue_count").drilldown(scope).values_list("pk", flat=True)
    ) == [tree.unit_a.pk]
    swept = set(registry.get("terms.renewal_sweep").drilldown(scope).values_list("pk", flat=True))
    assert tree.unit_a.pk in swept and tree.unit_b.pk in swept
