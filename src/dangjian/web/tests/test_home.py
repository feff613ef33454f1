"""工作台: scoped counts for each kind of user, drill-down links, constant query count."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline
from dangjian.members.models import Category, Member, MembershipState, MemberStatus
from dangjian.orgs.models import OrgKind, Term
from dangjian.orgs.termrules import add_months, add_years
from dangjian.rules.tests.helpers import act
from dangjian.web.context_processors import safe_reverse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("dangjian.web.tests.urls_stub")]

_seq = itertools.count(1)


def add_member(
    org, status=MemberStatus.FULL, membership=MembershipState.NORMAL, category=Category.IN_SERVICE
):
    return Member.objects.create(
        org=org,
        name=f"党员{next(_seq)}",
        gender="male",
        joined_on=dt.date(2010, 7, 1),
        status=status,
        membership=membership,
        category=category,
    )


@pytest.fixture
def city(tree):
    today = timezone.localdate()
    Term.objects.create(org=tree.unit_a, started_on=add_years(today, -1))  # normal
    Term.objects.create(org=tree.branch_a, started_on=add_years(today, -4))  # overdue
    # due within 3 months
    Term.objects.create(org=tree.branch_b, started_on=add_months(add_years(today, -3), 2))
    # unit_b has no term: 无届次信息
    add_member(tree.branch_a)
    add_member(tree.branch_a)
    add_member(tree.branch_a, status=MemberStatus.PROBATIONARY)
    add_member(tree.branch_a, membership=MembershipState.TRANSFERRED_OUT)
    add_member(tree.group_a, category=Category.RETIRED)
    add_member(tree.branch_b)
    add_member(tree.branch_b)
    return tree


def figures(response) -> dict[str, object]:
    return {
        stat.label: stat.value for section in response.context["sections"] for stat in section.stats
    }


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_committee_admin_sees_the_whole_city(client, city, make_user):
    got = figures(home(client, make_user("committee_admin", city.root)))
    assert got == {
        "市直机关党组织数": 2,
        "基层党组织数": 2,
        "党员数": 6,
        "预备党员数": 1,
        "换届已超期": 1,
        "换届3个月内到期": 1,
        "换届6个月内到期": 0,
        "无届次信息": 1,
        "待整改（含退回）": 0,
        "已提交待销号": 0,
        "逾期未整改": 0,
        "整改销号率": "—",
    }


def test_unit_admin_sees_own_unit(client, city, make_user):
    got = figures(home(client, make_user("unit_admin", city.unit_a)))
    # The number of unit party organisations would always be 1 (their own): not shown.
    assert "市直机关党组织数" not in got
    assert got["基层党组织数"] == 1
    assert got["党员数"] == 4
    assert got["换届已超期"] == 1
    assert got["换届3个月内到期"] == 0
    assert got["无届次信息"] == 0


def test_branch_secretary_sees_what_she_acts_on(client, city, make_user):
    act(city.branch_a, "theme_day", timezone.localdate())
    response = home(client, make_user("branch_secretary", city.branch_a))
    got = figures(response)
    # branch_a: 3 on the roll (the transferred-out one is not counted) + group_a: 1; the
    # meetings she recorded this year. No card that is always 0 or empty for her.
    assert got == {"党员数": 4, "预备党员数": 1, "组织生活记录": 1}
    page = response.context["page"]
    assert page.level == "branch"
    assert {o.org.id for o in page.todo.orgs} == {city.branch_a.pk, city.group_a.pk}
    html = response.content.decode()
    assert page.todo.summary in html
    assert "echarts.min.js" not in html  # no chart on her phone


def test_rectifications_are_counted_in_scope_with_one_definition_of_overdue(
    client, city, make_user
):
    from dangjian.assessments.tests.factories import make_finding

    today = timezone.localdate()
    late = today - dt.timedelta(days=3)
    make_finding(city.branch_a, raised_by=city.root, found_on=late - dt.timedelta(days=30))
    make_finding(city.branch_a, raised_by=city.root, found_on=today, status="returned")
    make_finding(
        city.branch_a,
        raised_by=city.root,
        found_on=late - dt.timedelta(days=30),
        status="submitted",  # past its deadline, but waiting for 销号: not overdue
    )
    make_finding(city.branch_b, raised_by=city.root, found_on=today, status="closed")
    got = figures(home(client, make_user("committee_admin", city.root)))
    assert (got["待整改（含退回）"], got["已提交待销号"], got["逾期未整改"]) == (2, 1, 1)
    # A secretary answers hers in her 待办: the open ones of her branch, overdue first.
    mine = home(client, make_user("branch_secretary", city.branch_a)).context["page"]
    assert (mine.rectifications.total, mine.rectifications.overdue) == (2, 1)
    other = home(client, make_user("branch_secretary", city.branch_b)).context["page"]
    assert other.rectifications.total == 0
    assert "待整改（含退回）" not in figures(home(client, make_user("party_member", city.root)))


def test_party_member_gets_a_home_of_his_own_things(client, city, make_user):
    response = home(client, make_user("party_member", city.branch_a))
    assert figures(response) == {}  # no roster, no org counts: nothing of his to count
    assert response.context["level"] == "member"
    assert response.context["page"] is None  # the branch's 待办 is the secretary's
    html = response.content.decode()
    assert 'id="member-home"' in html
    me = safe_reverse("selfservice:me")
    assert (me is not None) == ('id="me-link"' in html)
    assert 'id="year-switch"' not in html


def test_year_switch_changes_the_per_year_figures(client, city, make_user):
    user = make_user("committee_admin", city.root)
    client.force_login(user)
    today = timezone.localdate()
    last = today.year - 1
    # A unit established this year does not exist at the end of last year.
    city.root.add_child(kind=OrgKind.UNIT_PARTY, name="新设局机关党委", established_on=today)
    now = client.get(reverse("web:home"))
    then = client.get(reverse("web:home"), {"year": last})
    assert figures(now)["市直机关党组织数"] == 3
    assert figures(then)["市直机关党组织数"] == 2
    hints = {s.label: s.hint for sec in then.context["sections"] for s in sec.stats}
    assert hints["市直机关党组织数"] == f"{last} 年度口径"
    assert f'<option value="{last}" selected>' in then.content.decode()
    # Figures of today (members on the roll) do not move with the year.
    assert figures(then)["党员数"] == figures(now)["党员数"]


@pytest.mark.parametrize("raw", ["1999", str(10**20), "²", "abc", "-5", "9999"])
def test_year_switch_refuses_bad_years_with_a_note(client, city, make_user, raw):
    client.force_login(make_user("committee_admin", city.root))
    response = client.get(reverse("web:home"), {"year": raw})
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year
    assert "年份应为 2018 至" in response.context["year_note"]
    assert 'id="year-note"' in response.content.decode()


@pytest.mark.parametrize("role", ["audit_admin", "system_admin", "security_admin"])
def test_admin_roles_get_a_home_without_org_data(client, city, make_user, role):
    response = home(client, make_user(role))
    assert response.context["sections"] == []
    html = response.content.decode()
    assert "不涉及组织与党员数据" in html
    assert "echarts.min.js" not in html


def test_numbers_link_to_their_records(client, city, make_user):
    response = home(client, make_user("committee_admin", city.root))
    urls = {
        stat.label: stat.url for section in response.context["sections"] for stat in section.stats
    }
    members = reverse("members:member_list")
    orgs = reverse("orgs:organization_list")
    assert urls["党员数"] == f"{members}?membership=normal"
    assert urls["预备党员数"] == f"{members}?membership=normal&status=probationary"
    assert urls["市直机关党组织数"] == f"{orgs}?kind={OrgKind.UNIT_PARTY}&status=active"
    assert (
        urls["基层党组织数"]
        == f"{orgs}?kind=party_committee&kind=general_branch&kind=branch&status=active"
    )
    assert urls["换届已超期"] == f"{orgs}?term_status=overdue&status=active"
    html = response.content.decode()
    assert 'href="{}"'.format(escape(urls["换届已超期"])) in html
    # chart items carry their drill-down URL too
    charts = dict(response.context["charts"])
    pie = next(o for o in charts.values() if o["series"][0]["type"] == "pie")
    assert {d["name"]: d["url"] for d in pie["series"][0]["data"]} == {
        "在职": f"{members}?membership=normal&category=in_service",
        "离退休": f"{members}?membership=normal&category=retired",
    }


def test_query_count_does_not_grow_with_rows(client, city, make_user):
    client.force_login(make_user("committee_admin", city.root))

    def add_rows():
        for i in range(4):
            branch = city.unit_b.add_child(kind=OrgKind.BRANCH, name=f"新支部{i}")
            city.unit_b.refresh_from_db()
            Term.objects.create(org=branch, started_on=add_years(timezone.localdate(), -i))
            for _ in range(3):
                add_member(branch, category=Category.STUDENT)

    def members_counted(response) -> int:
        # The dashboard shows figures, not rows: the added members must be in 党员数.
        stats = [s for section in response.context["sections"] for s in section.stats]
        return next(s.value for s in stats if s.label == "党员数")

    count = assert_query_count_constant(client, reverse("web:home"), add_rows, rows=members_counted)
    check_baseline(Path(__file__).parent / "query_counts.json", "web:home", count)
