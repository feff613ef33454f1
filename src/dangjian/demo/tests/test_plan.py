"""The demo plan without a database: structure, counts, identifiers, determinism."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest

from dangjian.core.validators import id_number_birth_date, id_number_checksum_ok
from dangjian.demo.names import chinese_ordinal
from dangjian.demo.people import COMMITTEE_MIN_FULL, iter_people
from dangjian.demo.plan import ACTIVITY_START, SCALES, allocate, build_plan
from dangjian.orgs import termrules
from dangjian.orgs.models import ALLOWED_CHILDREN, GRASSROOTS_KINDS, Organization, OrgKind

TODAY = dt.date(2025, 6, 1)
S = termrules.TermStatus


@pytest.fixture(scope="module")
def city():
    return build_plan(1, "city", TODAY)


@pytest.fixture(scope="module")
def city_people(city):
    return list(iter_people(city))


def fingerprint(plan, people):
    orgs = [(o.path, o.kind, o.name, o.numchild, o.established_on, o.members) for o in plan.orgs]
    terms = [(t.org, t.number, t.started_on, t.ended_on) for t in plan.terms]
    members = [
        (m.org, m.name, m.id_number, m.phone, m.joined_on) for up in people for m in up.members
    ]
    posts = [(up.unit, p.term, p.member, p.post) for up in people for p in up.posts]
    return orgs, terms, members, posts


def test_city_has_exactly_85_unit_orgs_and_1050_grassroots_orgs(city):
    kinds = Counter(o.kind for o in city.orgs)
    assert kinds[OrgKind.COMMITTEE] == 1
    assert kinds[OrgKind.UNIT_PARTY] == 85
    assert sum(kinds[k] for k in GRASSROOTS_KINDS) == 1050
    # A realistic mix: mostly 党支部, some 党总支, a few 党委, plus 党小组 and some 党组.
    assert kinds[OrgKind.BRANCH] > 850
    assert 40 <= kinds[OrgKind.GENERAL_BRANCH] <= 120
    assert 5 <= kinds[OrgKind.PARTY_COMMITTEE] <= 40
    assert kinds[OrgKind.PARTY_GROUP] > 300
    assert 30 <= kinds[OrgKind.LEADING_GROUP] < 85
    assert city.member_total == 25_000
    assert len({u.name for u in city.units}) == 85


def test_province_scale_is_ten_times_the_city():
    plan = build_plan(1, "province", TODAY)
    assert plan.count(OrgKind.UNIT_PARTY) == 850
    assert plan.count(*GRASSROOTS_KINDS) == 10_500
    assert plan.member_total == 250_000
    assert len({u.name for u in plan.units}) == 850


def test_paths_are_treebeard_paths_and_kinds_nest_as_allowed(city):
    by_path = {o.path: o for o in city.orgs}
    assert len(by_path) == len(city.orgs)
    children = city.children()
    for o in city.orgs:
        assert len(o.path) == 4 * o.depth
        assert set(o.path) <= set(Organization.alphabet)
        assert o.numchild == len(children[o.index])
        if o.parent is None:
            assert o.kind == OrgKind.COMMITTEE
            continue
        parent = city.orgs[o.parent]
        assert o.path.startswith(parent.path) and o.depth == parent.depth + 1
        assert o.kind in ALLOWED_CHILDREN[parent.kind], (parent.name, o.name)
        assert o.unit == parent.unit or parent.kind == OrgKind.COMMITTEE
        # Siblings are numbered 1..n exactly as MP_Node.add_child would number them.
        assert o.path in {
            Organization._get_path(parent.path, o.depth, k) for k in range(1, parent.numchild + 1)
        }


def test_branch_sizes_and_party_groups(city):
    children = city.children()
    for o in city.orgs:
        if o.kind == OrgKind.BRANCH:
            placed = o.members + sum(city.orgs[c].members for c in children[o.index])
            assert 3 <= placed <= 60, o.name
        elif o.kind not in (OrgKind.PARTY_GROUP,):
            assert o.members == 0, o.name  # members sit in branches and 党小组 only


def test_term_status_mix_over_grassroots_orgs(city):
    mix = city.status_mix()
    assert sum(mix.values()) == 1050
    assert mix[S.DUE_6] == round(0.08 * 1050)
    assert mix[S.DUE_3] == round(0.05 * 1050)
    assert mix[S.OVERDUE] == round(0.05 * 1050)
    assert mix[S.NO_DATA] == round(0.02 * 1050)
    assert mix[S.NORMAL] / 1050 == pytest.approx(0.80, abs=0.01)
    # The drawn status is what the term rules compute from the dates.
    orgs = {o.index: o for o in city.orgs}
    for t in city.terms:
        rule = termrules.term_rule(orgs[t.org].kind, orgs[t.org].unit_form)
        planned = termrules.add_years(t.started_on, rule.years)
        if t.ended_on is None:
            assert termrules.status_for(planned, TODAY) == t.status
        else:
            assert t.ended_on > t.started_on
    assert any(t.ended_on for t in city.terms)


def test_members_have_valid_consistent_identifiers(city, city_people):
    members = [m for up in city_people for m in up.members]
    assert len(members) == 25_000
    ids = [m.id_number for m in members]
    assert len(set(ids)) == len(ids)
    for m in members:
        assert id_number_checksum_ok(m.id_number), m.id_number
        assert id_number_birth_date(m.id_number) == m.birth_date
        assert (int(m.id_number[16]) % 2 == 1) == (m.gender == "male")
        assert len(m.phone) == 11 and m.phone.startswith("1")
        assert m.joined_on >= termrules.add_years(m.birth_date, 18)
        assert m.joined_on <= TODAY
        if m.status == "full":
            assert m.full_member_on == termrules.add_years(m.joined_on, 1) <= TODAY
        else:
            assert m.full_member_on is None and (TODAY - m.joined_on).days < 366
    status = Counter(m.status for m in members)
    category = Counter(m.category for m in members)
    assert status["probationary"] / 25_000 == pytest.approx(0.03, abs=0.006)
    assert 0.05 < category["retired"] / 25_000 < 0.2
    assert category["in_service"] > category["retired"]
    assert min(m.joined_on for m in members).year < 1990  # joined over decades


def test_committees_are_drawn_from_the_orgs_own_members(city, city_people):
    terms = {t.index: t for t in city.terms}
    termed = {t.org for t in city.terms}
    for up in city_people:
        unit = city.units[up.unit]
        posts_by_term: dict[int, list] = {}
        for p in up.posts:
            posts_by_term.setdefault(p.term, []).append(p)
        assert {terms[t].org for t in posts_by_term} == {i for i in unit.orgs if i in termed}
        for t, posts in posts_by_term.items():
            org = city.orgs[terms[t].org]
            active = [p for p in posts if p.dismissed_on is None]
            assert [p.post for p in active].count("secretary") == 1, org.name
            assert len({p.member for p in active}) == len(active)
            for p in posts:
                holder = up.members[p.member]
                assert city.orgs[holder.org].path.startswith(org.path)
                assert holder.status == "full"
                assert p.dismissed_on is None or p.dismissed_on > p.assigned_on
            # A 书记 who left mid-term has a successor from that very day.
            for p in posts:
                if p.post == "secretary" and p.dismissed_on is not None:
                    assert any(
                        q.post == "secretary" and q.assigned_on == p.dismissed_on for q in posts
                    )
            if org.kind == OrgKind.BRANCH:
                full = sum(
                    1
                    for m in up.members
                    if m.status == "full" and city.orgs[m.org].path.startswith(org.path)
                )
                assert (len(active) > 1) == (full >= COMMITTEE_MIN_FULL), org.name


def test_unit_orgs_have_a_form_and_terms_of_its_length(city):
    """Most unit-level orgs are 机关党委 (5-year terms); small units 机关总支 / 机关支部 (3)."""
    units = [o for o in city.orgs if o.kind == OrgKind.UNIT_PARTY]
    forms = Counter(o.unit_form for o in units)
    assert set(forms) == {"party_committee", "general_branch", "branch"}
    assert forms["party_committee"] > len(units) / 2
    for o in units:
        assert o.name.endswith(
            {"party_committee": "党委", "general_branch": "总支", "branch": "支部"}[o.unit_form]
        )
    # Their terms are planned with the form's length: a current term's status computed with
    # 3 years for a 机关总支/机关支部 is the drawn one (test_term_status_mix checks all).
    orgs = {o.index: o for o in units}
    current = [t for t in city.terms if t.org in orgs and t.ended_on is None]
    assert len(current) == len(units)
    for t in current:
        planned = termrules.add_years(
            t.started_on, termrules.term_rule(OrgKind.UNIT_PARTY, orgs[t.org].unit_form).years
        )
        assert termrules.status_for(planned, TODAY) == t.status, orgs[t.org].name


def test_terms_cover_the_activity_period_and_some_secretaries_change(city, city_people):
    """Every elected org has a term in office on each day from ACTIVITY_START to today."""
    assert all(t.index == k for k, t in enumerate(city.terms))  # the roster relies on it
    by_org: dict[int, list] = {}
    for t in city.terms:
        by_org.setdefault(t.org, []).append(t)
    for org, terms in by_org.items():
        terms.sort(key=lambda t: t.started_on)
        assert terms[0].started_on <= ACTIVITY_START, city.orgs[org].name
        assert terms[-1].ended_on is None
        for older, newer in itertools.pairwise(terms):
            assert older.ended_on == newer.started_on
    changes = sum(
        1 for up in city_people for p in up.posts if p.post == "secretary" and p.dismissed_on
    )
    assert 50 < changes < 400
    # Re-election: some 书记 serve two consecutive terms.
    terms = {t.index: t for t in city.terms}
    held = {
        (terms[p.term].org, terms[p.term].number, p.member)
        for up in city_people
        for p in up.posts
        if p.post == "secretary"
    }
    again = sum(1 for org, number, m in held if (org, number + 1, m) in held)
    assert again > 100


def test_exemptions_and_transfers_present(city_people):
    exemptions = Counter(e.reason for up in city_people for e in up.exemptions)
    assert exemptions["elderly_infirm"] > 50 and exemptions["long_absence"] > 20
    for up in city_people:
        for e in up.exemptions:
            if e.reason == "elderly_infirm":
                assert up.members[e.member].category == "retired"
    transfers = [t for up in city_people for t in up.transfers]
    assert 50 < len(transfers) < 300
    assert any(t.from_org is not None for t in transfers) and any(
        t.external_org_name for t in transfers
    )


def test_same_seed_same_data_other_seed_other_data():
    a = build_plan(7, "tiny", TODAY)
    b = build_plan(7, "tiny", TODAY)
    c = build_plan(8, "tiny", TODAY)
    fa = fingerprint(a, list(iter_people(a)))
    assert fa == fingerprint(b, list(iter_people(b)))
    fc = fingerprint(c, list(iter_people(c)))
    assert fa[2] != fc[2]  # members differ
    assert fa[0] != fc[0]  # and the shape of the tree


def test_today_is_injectable():
    early = build_plan(1, "tiny", dt.date(2024, 1, 1))
    later = build_plan(1, "tiny", dt.date(2025, 1, 1))
    assert early.terms[0].started_on != later.terms[0].started_on
    assert max(t.started_on for t in early.terms) <= dt.date(2024, 1, 1)


def test_helpers():
    assert allocate(10, [1, 1, 2], 2) == [3, 3, 4]
    assert sum(allocate(1050, [3, 1, 5, 2.5], 3)) == 1050
    assert [chinese_ordinal(n) for n in (1, 10, 11, 20, 21, 100, 101, 115)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十一",
        "一百",
        "一百零一",
        "一百一十五",
    ]
    assert SCALES["tiny"].units == len(SCALES["tiny"].departments)
