"""The compliance roll-ups (rules/rollup.py): the cached page equals a fresh evaluation, a
recorded activity shows up at once, cell links without a reverse() each, scope kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dangjian.activities import services as activity_services
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization, OrgKind, OrgStatus
from dangjian.rules import compliance_lists, heatmap, rollup
from dangjian.rules import services as rule_services
from dangjian.rules.evaluator import evaluate
from dangjian.rules.switches import enabled_rules

from .helpers import act, exempt, member

pytestmark = pytest.mark.django_db

D = dt.date
YEAR = 2024
TODAY = D(2024, 8, 15)  # inside the year: running periods, missed ones and passed ones


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    caches[rollup.CACHE].clear()


def rules():
    return [r for r in enabled_rules() if r.is_evaluated]


@pytest.fixture
def city(tree):
    """The tree with four levels under 甲局, a 党组 with 第一议题, exemptions, members
    (the 支委会 condition), a dissolved branch and a branch set up mid-year."""
    general = Organization.objects.get(pk=tree.unit_a.pk).add_child(
        kind=OrgKind.GENERAL_BRANCH, name="甲局第一党总支"
    )
    deep = Organization.objects.get(pk=general.pk).add_child(
        kind=OrgKind.BRANCH, name="甲局总支第一党支部"
    )
    group = Organization.objects.get(pk=deep.pk).add_child(
        kind=OrgKind.PARTY_GROUP, name="第一党小组"
    )
    leading = Organization.objects.get(pk=tree.unit_b.pk).add_child(
        kind=OrgKind.LEADING_GROUP, name="乙局党组"
    )
    gone = Organization.objects.get(pk=tree.unit_b.pk).add_child(
        kind=OrgKind.BRANCH,
        name="乙局已撤销支部",
        status=OrgStatus.DISSOLVED,
        dissolved_on=D(YEAR, 5, 20),
    )
    late = Organization.objects.get(pk=tree.unit_b.pk).add_child(
        kind=OrgKind.BRANCH, name="乙局新建支部", established_on=D(YEAR, 4, 10)
    )
    for month in range(1, 9):
        act(tree.branch_a, "theme_day", D(YEAR, month, 8))
        act(tree.group_a, "group_meeting", D(YEAR, month, 9))
        act(tree.branch_a, "committee_meeting", D(YEAR, month, 12))
        act(leading, "central_group_study", D(YEAR, month, 3), first_topic=month != 4)
    act(deep, "theme_day", D(YEAR, 1, 8))
    act(group, "group_meeting", D(YEAR, 2, 9))
    act(gone, "theme_day", D(YEAR, 2, 8))
    act(late, "member_assembly", D(YEAR, 6, 2), first_topic=True)
    act(tree.branch_b, "life_meeting", D(YEAR, 3, 1))
    for i in range(8):  # 甲局第一党支部 has a 支委会 from March on
        member(tree.branch_a, full_on=D(YEAR, 3, 1) if i == 7 else D(2015, 1, 1))
    exempt(tree.branch_b, "branch.theme_day.monthly", D(YEAR, 2, 1), D(YEAR, 3, 31))
    exempt(deep, "branch.member_assembly.quarterly", D(YEAR, 1, 1), expires_on=D(YEAR, 12, 31))
    return tree


def shape(rows):
    """Everything a row shows: ids, labels, parents, links and every cell's counts and link."""
    return [
        (
            r.org_id,
            r.label,
            r.parent_name,
            r.own,
            r.url,
            r.behind_url,
            [(c.month, dict(c.counts), c.url) for c in r.cells],
        )
        for r in rows
    ]


def summary_shape(summaries):
    return {k: (dict(s.counts), s.warnings) for k, s in summaries.items()}


def reference(user, root, levels, sort):
    """The page as it was computed before the roll-ups: a full evaluation, then the rows."""
    evaluation = evaluate(user, YEAR, within=root, rules=rules())
    if levels == "all":
        rows = heatmap.build_all_rows(evaluation, root, None, sort)
    else:
        children = list(Organization.objects.children_of(root))
        rows = heatmap.build_rows(evaluation, root, children, None, sort)
    return shape(rows), summary_shape(evaluation.summaries())


def cached(user, root, levels, sort):
    root = Organization.objects.get(pk=root.pk)
    children = list(Organization.objects.children_of(root))
    by_child = root.depth == 1 or levels == "children"
    parts = rollup.load(
        user,
        YEAR,
        root,
        rules(),
        children=children if by_child else None,
        orgs=not (levels == "children" and root.depth == 1),  # as the page reads them
    )
    if levels == "all":
        rows = heatmap.rollup_all_rows(parts, root, None, YEAR, sort)
    else:
        rows = heatmap.rollup_rows(parts, root, children, None, YEAR, sort)
    return shape(rows), summary_shape(rollup.summaries(parts, rules()))


CASES = [
    ("root", "children", "worst"),
    ("root", "children", "tree"),
    ("root", "all", "worst"),
    ("unit_a", "all", "worst"),
    ("unit_a", "children", "tree"),
    ("unit_b", "all", "tree"),
    ("branch_a", "all", "worst"),
]


@pytest.mark.parametrize("where,levels,sort", CASES)
def test_rollups_equal_a_fresh_full_evaluation(city, make_user, where, levels, sort):
    user = make_user("committee_admin", city.root)
    root = getattr(city, where)
    expected = reference(user, root, levels, sort)
    assert expected[0], "the case shows rows"
    assert cached(user, root, levels, sort) == expected  # cold: judged and stored
    assert cached(user, root, levels, sort) == expected  # warm: all from the cache
    # One unit changes: that part is judged again, the others come from the cache.
    act(city.branch_b, "theme_day", D(YEAR, 7, 8))
    act(city.branch_a, "party_lecture", D(YEAR, 5, 8))
    changed = reference(user, root, levels, sort)
    assert changed != expected or (where == "branch_a" and levels == "all")
    assert cached(user, root, levels, sort) == changed
    # The tree changes (a new branch): every part is judged again.
    new = Organization.objects.get(pk=city.unit_b.pk).add_child(
        kind=OrgKind.BRANCH, name="乙局第二党支部"
    )
    act(new, "theme_day", D(YEAR, 1, 5))
    assert cached(user, root, levels, sort) == reference(user, root, levels, sort)


def test_a_cached_part_is_not_judged_again(city, make_user, django_assert_num_queries):
    user = make_user("committee_admin", city.root)
    cached(user, city.root, "children", "worst")
    root = Organization.objects.get(pk=city.root.pk)
    children = list(rollup.with_tokens(Organization.objects.children_of(root)))
    root = rollup.with_tokens(Organization.objects.filter(pk=root.pk)).get()
    judged = rules()
    with django_assert_num_queries(0):  # tokens came with the orgs; every part cached
        rollup.load(user, YEAR, root, judged, children=children, orgs=False)


def ids_in(rows, key="org_id"):
    return {getattr(r, key) for r in rows}


def page_rows(client, **params):
    response = client.get(reverse("rules:compliance"), {"year": YEAR, **params})
    assert response.status_code == 200
    return response.context["rows"]


def cell(rows, org_id, month):
    row = next(r for r in rows if r.org_id == org_id)
    return dict(row.cells[month - 1].counts)


def test_a_recorded_activity_shows_up_at_once(client, city, make_user):
    """Compliance page (工委, unit, branch) and 待办 after recording through the service."""
    admin = make_user("committee_admin", city.root)
    unit_admin = make_user("unit_admin", city.unit_a)
    branch_b = make_user("branch_secretary", city.branch_b)
    # Every view warms the cache first.
    client.force_login(admin)
    before_city = cell(page_rows(client), city.unit_b.pk, 8)
    client.force_login(unit_admin)
    page_rows(client)
    client.force_login(branch_b)
    before_branch = cell(page_rows(client), city.branch_b.pk, 8)
    todo = client.get(reverse("web:todo")).context["page"].todo
    item = next(i for i in todo.items if i.rule.id == "branch.theme_day.monthly" and i.current)
    assert item.state == "due"
    assert before_branch["not_due"] >= 1

    activity_services.record_activity(
        branch_b,
        Organization.objects.get(pk=city.branch_b.pk),
        {"kind": "theme_day", "title": "八月主题党日", "held_on": D(YEAR, 8, 10)},
    )

    after_branch = cell(page_rows(client), city.branch_b.pk, 8)
    assert after_branch["compliant"] == before_branch["compliant"] + 1
    assert after_branch["not_due"] == before_branch["not_due"] - 1
    todo = client.get(reverse("web:todo")).context["page"].todo
    item = next(i for i in todo.items if i.rule.id == "branch.theme_day.monthly" and i.current)
    assert item.state == "done"
    client.force_login(admin)
    after_city = cell(page_rows(client), city.unit_b.pk, 8)
    assert after_city["compliant"] == before_city["compliant"] + 1
    # The other unit's page was not touched by the write and still reads from the cache.
    client.force_login(unit_admin)
    assert city.branch_b.pk not in ids_in(page_rows(client))


def test_the_record_form_shows_up_at_once(client, city, make_user):
    secretary = make_user("branch_secretary", city.branch_b)
    client.force_login(secretary)
    before = cell(page_rows(client), city.branch_b.pk, 8)
    response = client.post(
        reverse("activities:activity_add"),
        {
            "org": city.branch_b.pk,
            "kind": "theme_day",
            "held_on": "2024-08-10",
            "title": "八月主题党日",
            "place": "三楼会议室",
            "tags": [],
            "att_ids": [],
        },
    )
    assert response.status_code == 302
    after = cell(page_rows(client), city.branch_b.pk, 8)
    assert after["compliant"] == before["compliant"] + 1


def test_cell_links_are_built_without_a_reverse_per_cell(city, make_user, monkeypatch):
    for i in range(12):  # many rows, each with results in several months
        unit = Organization.objects.get(pk=city.root.pk).add_child(
            kind=OrgKind.UNIT_PARTY, name=f"新增单位{i}"
        )
        branch = Organization.objects.get(pk=unit.pk).add_child(
            kind=OrgKind.BRANCH, name=f"新增单位{i}支部"
        )
        for month in (1, 2, 3):
            act(branch, "theme_day", D(YEAR, month, 8))
    user = make_user("committee_admin", city.root)
    root = Organization.objects.get(pk=city.root.pk)
    children = list(Organization.objects.children_of(root))
    parts = rollup.load(user, YEAR, root, rules(), children=children, orgs=False)
    calls = []
    real = heatmap.reverse

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(heatmap, "reverse", counting)
    rows = heatmap.rollup_rows(parts, root, children, "branch.theme_day.monthly", YEAR)
    links = [(r, c) for r in rows for c in r.cells if c.url]
    assert len(rows) > 12 and len(links) > 36
    assert len(calls) == 3  # the compliance, 未达标 and cell pages: once each
    monkeypatch.setattr(heatmap, "reverse", real)
    for r, c in links:  # the same links as one reverse() each would give
        assert c.url == heatmap.cell_url(r.org_id, YEAR, c.month, "branch.theme_day.monthly", r.own)


def test_scope_holds_with_a_warm_cache(client, city, make_user):
    admin = make_user("committee_admin", city.root)
    unit_admin = make_user("unit_admin", city.unit_a)
    client.force_login(admin)
    page_rows(client, levels="all")  # every part of the city in the cache
    page_rows(client)
    client.force_login(unit_admin)
    subtree = set(Organization.objects.within(city.unit_a).values_list("pk", flat=True))
    rows = page_rows(client)
    assert rows and ids_in(rows) <= subtree
    assert ids_in(page_rows(client, levels="children")) <= subtree
    summaries = client.get(reverse("rules:compliance"), {"year": YEAR}).context["summaries"]
    own_total = sum(s.counts["compliant"] for _r, s, _u in summaries)
    admin_total = sum(
        s.counts["compliant"]
        for _r, s, _u in client.get(reverse("rules:compliance"), {"year": YEAR}).context[
            "summaries"
        ]
    )
    assert own_total == admin_total  # the same page twice: the cache gives the same answer
    # The unit's figures are the unit's, not the city's the cache also holds.
    full = evaluate(admin, YEAR, rules=rules()).summaries()
    assert own_total < sum(s.counts["compliant"] for s in full.values())
    for within in (city.unit_b, city.root):
        response = client.get(reverse("rules:compliance"), {"year": YEAR, "within": within.pk})
        assert response.status_code == 404
    with pytest.raises(Http404):
        rollup.load(unit_admin, YEAR, Organization.objects.get(pk=city.unit_b.pk), rules())


def tokens(tree):
    t = rollup.read_tokens(rollup.unit_path(o.path) for o in (tree.unit_a, tree.unit_b))
    return t[""], t[tree.unit_a.path], t[tree.unit_b.path]


def test_every_write_that_changes_compliance_changes_a_token(city):
    g, a, b = tokens(city)
    activity = act(city.group_a, "group_meeting", D(YEAR, 8, 1))  # a 党小组 three levels down
    g1, a1, b1 = tokens(city)
    assert (g1, b1) == (g, b) and a1 != a
    activity.held_on = D(YEAR, 8, 2)
    activity.save()
    assert tokens(city)[1] != a1
    someone = member(city.branch_a, full_on=D(2015, 1, 1))
    a2 = tokens(city)[1]
    someone.org = Organization.objects.get(pk=city.branch_b.pk)  # a transfer: both units
    someone.save()
    _, a3, b3 = tokens(city)
    assert a3 != a2 and b3 != b1
    exemption = exempt(city.branch_b, "branch.theme_day.monthly", D(YEAR, 7, 1), D(YEAR, 7, 31))
    b4 = tokens(city)[2]
    assert b4 != b3
    rule_services.delete_exemption(SYSTEM, exemption)  # deletes: through the services
    assert tokens(city)[2] != b4
    g5, a5, _ = tokens(city)
    activity_services.delete_activity(SYSTEM, activity)
    assert tokens(city)[1] != a5
    org = Organization.objects.get(pk=city.branch_b.pk)
    org.name = "乙局第一党支部（更名）"
    org.save()
    assert tokens(city)[0] != g5  # the tree itself: every part


def test_system_actor_sees_the_same_as_an_admin(city, make_user):
    admin = make_user("committee_admin", city.root)
    root = Organization.objects.get(pk=city.root.pk)
    children = list(Organization.objects.children_of(root))
    mine = rollup.load(admin, YEAR, root, rules(), children=children, behind=True)
    assert rollup.load(SYSTEM, YEAR, root, rules(), children=children, behind=True) == mine


def behind_shape(rows):
    return [
        (r.org_id, r.name, r.kind, r.missed, r.rules, r.parent_name, r.unit_name, r.url)
        for r in rows
    ]


@pytest.mark.parametrize("where", ["root", "unit_a", "unit_b", "branch_b"])
@pytest.mark.parametrize("rule_id", [None, "branch.theme_day.monthly"])
def test_behind_rows_equal_a_fresh_full_evaluation(city, make_user, where, rule_id):
    user = make_user("committee_admin", city.root)
    root = Organization.objects.get(pk=getattr(city, where).pk)
    judged = [r for r in rules() if rule_id in (None, r.id)]
    evaluation = evaluate(user, YEAR, within=root, rules=judged)
    expected = behind_shape(compliance_lists.behind_rows(evaluation, root, rule_id))
    assert expected, "the case lists orgs behind"
    children = list(Organization.objects.children_of(root)) if root.depth == 1 else None
    for _ in range(2):  # judged and stored, then from the cache
        parts = rollup.load(user, YEAR, root, judged, children=children, orgs=False, behind=True)
        got = compliance_lists.rollup_behind_rows(parts, root, children, judged, YEAR, rule_id)
        assert behind_shape(got) == expected


def test_a_write_in_another_branch_of_the_unit_keeps_a_branch_cached(city, make_user):
    """A branch's part is kept under its own three-step token: the unit's other branches
    recording meetings do not make the secretary's page judge again; her own do."""
    deep = Organization.objects.get(name="甲局总支第一党支部")  # under 甲局第一党总支
    branch = Organization.objects.get(pk=city.branch_a.pk)
    before = rollup.read_tokens([branch.path, city.unit_a.path])
    act(deep, "theme_day", D(YEAR, 8, 1))
    after = rollup.read_tokens([branch.path, city.unit_a.path])
    assert after[branch.path] == before[branch.path]
    assert after[city.unit_a.path] != before[city.unit_a.path]
    act(city.group_a, "group_meeting", D(YEAR, 8, 2))  # her 党小组: her branch's token
    assert rollup.read_tokens([branch.path])[branch.path] != after[branch.path]
