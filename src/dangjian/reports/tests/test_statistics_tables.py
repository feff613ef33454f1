"""党内统计: the balance check on a hand-built year, every band boundary, scoping, queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.scoping import SYSTEM
from dangjian.members.tests.factories import MemberFactory
from dangjian.orgs.termrules import add_years
from dangjian.reports.statistics import facts as F
from dangjian.reports.statistics import tables
from dangjian.reports.statistics.scope import ScopeError, StatScope, make_scope

from .statistics_helpers import add_branch, admit, year_2024

TODAY = dt.date(2026, 3, 1)


def report(org, year=2024, user=SYSTEM):
    return tables.build(StatScope(user=user, org=org, year=year, today=TODAY))


def rows(table):
    return {r[0].strip(): r[1] for r in table.rows}


@pytest.mark.django_db
class TestBalance:
    def test_unit_year_by_hand(self, tree):
        m = year_2024(tree)
        b = report(tree.unit_a).balance
        assert (b.start, b.admitted, b.moved_in, b.exited, b.moved_out) == (8, 2, 2, 2, 3)
        assert b.computed_end == 7
        assert b.end == 9
        assert b.difference == 2
        assert not b.balanced
        listed = {x.member_id: x for x in b.mismatches}
        assert set(listed) == {m.m9.pk, m.m15.pk}
        assert "没有本年度支部大会接收的记录" in listed[m.m9.pk].problem
        assert listed[m.m15.pk].at_start and listed[m.m15.pk].at_end
        assert listed[m.m15.pk].movement.moved_out == 1

    def test_other_unit_and_city(self, tree):
        m = year_2024(tree)
        b = report(tree.unit_b).balance
        # 乙局: m7 at the start; m4 and (on paper) m15 arrive, m7 leaves; only m4 is there.
        assert (b.start, b.admitted, b.moved_in, b.exited, b.moved_out, b.end) == (1, 0, 2, 0, 1, 1)
        assert [x.member_id for x in b.mismatches] == [m.m15.pk]
        city = report(tree.root).balance
        # Moves between the two units are inside the city: only m6 in and m5 out count.
        assert (city.start, city.admitted, city.moved_in, city.exited, city.moved_out) == (
            9,
            2,
            1,
            2,
            1,
        )
        assert city.end == 10
        assert [x.member_id for x in city.mismatches] == [m.m9.pk]

    def test_balanced_when_records_agree(self, tree):
        m = year_2024(tree)
        admit(m.m9, dt.date(2024, 8, 1))
        m.m15.org = tree.branch_b
        m.m15.save()
        b = report(tree.unit_a).balance
        assert b.balanced
        assert b.end == b.computed_end == 8

    def test_movement_tables(self, tree):
        year_2024(tree)
        r = report(tree.unit_a)
        t = rows(r.table("transfers"))
        assert t["转入"] == 2
        assert t["其中：从本平台以外转入"] == 1
        assert t["其中：从本平台其他党组织转入"] == 1
        assert t["转出"] == 3
        assert t["其中：转出到本平台以外"] == 1
        assert t["统计范围内党组织之间调动（不计增减）"] == 1
        x = rows(r.table("exits"))
        assert (x["合计"], x["去世"], x["开除党籍"], x["退党"]) == (2, 1, 1, 0)
        adm = rows(r.table("admissions"))
        assert adm["合计"] == 2
        assert "1 名党员入党日期在本年度但没有发展纪实记录" in r.table("admissions").note
        assert rows(r.table("basics"))["预备党员"] == 3  # m8, m9, m10


@pytest.mark.django_db
class TestBands:
    def test_age_band_boundaries(self, tree):
        day = dt.date(2024, 12, 31)
        expected = {}
        for _key, _label, top in F.AGE_BANDS[:-1]:
            oldest_in = add_years(day, -(top + 1)) + dt.timedelta(days=1)  # exactly `top`
            youngest_out = add_years(day, -(top + 1))  # turned top + 1 on the day
            for birth in (oldest_in, youngest_out):
                MemberFactory(org=tree.branch_a, birth_date=birth, joined_on=dt.date(2020, 1, 1))
                expected[birth] = F.age_band_of(birth, day)
        MemberFactory(
            org=tree.branch_a, birth_date=None, id_number="", joined_on=dt.date(2020, 1, 1)
        )
        ages = rows(report(tree.branch_a).table("age"))
        # Each boundary pair splits: 30 | 31, 35 | 36 … 60 | 61.
        assert ages == {
            "合计": 15,
            "30岁及以下": 1,
            "31至35岁": 2,
            "36至40岁": 2,
            "41至45岁": 2,
            "46至50岁": 2,
            "51至55岁": 2,
            "56至60岁": 2,
            "61岁及以上": 1,
            "未填写出生日期": 1,
        }
        assert F.age_band_of(dt.date(1994, 1, 1), day) == "le30"  # 30 all year
        assert F.age_band_of(dt.date(1993, 12, 31), day) == "31_35"  # 31 on the day

    def test_joining_period_boundaries(self, tree):
        joined = [
            dt.date(1949, 9, 30),  # 新中国成立前
            dt.date(1949, 10, 1),  # → 至十一届三中全会前
            dt.date(1978, 12, 17),
            dt.date(1978, 12, 18),  # → 至十八大前
            dt.date(2012, 11, 7),
            dt.date(2012, 11, 8),  # → 十八大以来
        ]
        for day in joined:
            MemberFactory(org=tree.branch_a, birth_date=dt.date(1925, 1, 1), joined_on=day)
        periods = rows(report(tree.branch_a).table("joined_period"))
        assert periods == {
            "合计": 6,
            "新中国成立前": 1,
            "新中国成立后至党的十一届三中全会前": 2,
            "党的十一届三中全会后至党的十八大前": 2,
            "党的十八大以来": 1,
        }

    def test_demographics_and_occupation(self, tree):
        MemberFactory(org=tree.branch_a, gender="female", ethnicity="回族", education="master")
        MemberFactory(org=tree.branch_a, gender="male", education="college", category="retired")
        MemberFactory(org=tree.branch_a, gender="male", education="secondary", category="student")
        r = report(tree.branch_a)
        assert rows(r.table("gender")) == {"合计": 3, "男": 2, "女": 1}
        eth = rows(r.table("ethnicity"))
        assert (eth["汉族"], eth["少数民族"], eth["其中：回族"]) == (2, 1, 1)
        edu = rows(r.table("education"))
        assert (edu["大专及以上"], edu["研究生"], edu["大学专科"], edu["中专/高中"]) == (2, 1, 1, 1)
        occ = rows(r.table("occupation"))
        assert occ["党政机关工作人员"] == 1
        assert occ["离退休人员"] == 1
        assert occ["学生"] == 1
        assert occ["农牧渔民"] == tables.NOT_RECORDED  # not recorded, never a made-up 0

    def test_admission_age_at_joining(self, tree):
        joined = dt.date(2024, 6, 1)
        young = MemberFactory(
            org=tree.branch_a,
            birth_date=add_years(joined, -36) + dt.timedelta(days=1),
            joined_on=joined,
            gender="female",
        )  # 35 on the day
        old = MemberFactory(
            org=tree.branch_a, birth_date=add_years(joined, -36), joined_on=joined, gender="male"
        )  # 36 on the day
        admit(young, joined)
        admit(old, joined)
        adm = rows(report(tree.branch_a).table("admissions"))
        assert (adm["合计"], adm["35岁及以下"], adm["女"]) == (2, 1, 1)

    def test_orgs_by_kind(self, tree):
        add_branch(tree.unit_a, "甲局第二党支部")
        org = rows(report(tree.root).table("orgs"))
        # Two unit-level 机关党委 count as 党委; three branches.
        assert (org["党委"], org["党支部"], org["党总支"], org["合计"]) == (2, 3, 0, 5)


@pytest.mark.django_db
class TestScopeAndInput:
    def test_scope_outside_user(self, tree, make_user):
        user = make_user("branch_secretary", tree.branch_b)
        with pytest.raises(ScopeError) as exc:
            make_scope(user, tree.branch_a.pk, "2024", today=TODAY)
        assert exc.value.status == 404
        assert "不在您的统计范围内" in exc.value.message
        scope = make_scope(user, None, "2024", today=TODAY)
        assert scope.org == tree.branch_b

    def test_user_scope_limits_counts(self, tree, make_user):
        year_2024(tree)
        user = make_user("unit_admin", tree.unit_a)
        # Asking for the root as a unit admin is refused; the unit itself is theirs.
        with pytest.raises(ScopeError):
            make_scope(user, tree.root.pk, "2024", today=TODAY)
        mine = report(tree.unit_a, user=user).balance
        assert (mine.start, mine.end) == (8, 9)

    @pytest.mark.parametrize("raw", ["1999", "2027", "abc", "99999999999999999999", "-1"])
    def test_year_out_of_range(self, tree, raw):
        with pytest.raises(ScopeError) as exc:
            make_scope(SYSTEM, tree.root.pk, raw, today=TODAY)
        assert exc.value.status == 400
        assert "统计年度应为 2000 至 2026" in exc.value.message

    def test_year_without_data(self, tree):
        r = report(tree.root, year=2003)
        assert not r.has_data
        assert r.balance.balanced

    def test_query_count_constant(self, tree):
        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                report(tree.unit_a)
            return len(ctx.captured_queries)

        year_2024(tree)
        small = count()
        for i in range(12):
            MemberFactory(org=tree.branch_a, joined_on=dt.date(2024, 3, i + 1))
        assert count() == small
        assert small <= 12
