"""负面清单 against a naive reference computed in plain Python from every finding."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.assessments import negative_list
from dangjian.assessments.models import Assessment, Finding
from dangjian.orgs.models import Organization, OrgKind

from .factories import checklist_framework, make_campaign, make_finding

D = dt.date
TEXTS = ["主题党日未按月开展", "会议记录不规范", "党费台账缺失", "组织生活会未开", "谈心谈话无记录"]


@pytest.fixture
def data(tree):
    """Two 2024 campaigns (one by the 工委, one by 甲局 on its own branches), a 2023 one,
    free-standing findings in 2024 and 2023; a few more branches to spread them over.
    About two in three assessments are done (only those count as checked), and a 2024 五星
    rating of every branch adds many checked orgs of another campaign type."""
    rng = random.Random(7)
    tree.unit_a.refresh_from_db()
    extra = []
    for i in range(4):
        tree.unit_a.refresh_from_db()
        extra.append(tree.unit_a.add_child(kind=OrgKind.BRANCH, name=f"甲局第{i + 2}党支部"))
    orgs = [tree.branch_a, tree.branch_b, tree.group_a, *extra]
    fw = checklist_framework()
    fw2 = checklist_framework()  # same codes, other version-like framework
    c1 = make_campaign(fw, tree.root, [tree.branch_a, tree.branch_b, *extra[:2]])
    c2 = make_campaign(fw2, tree.unit_a, [tree.branch_a, *extra])
    c0 = make_campaign(
        fw, tree.root, [tree.branch_b], period_start=D(2023, 1, 1), period_end=D(2023, 12, 31)
    )
    stars = make_campaign(fw, tree.root, orgs, campaign_type="star_rating")
    for a in Assessment.objects.order_by("pk"):
        if a.campaign_id == stars.pk or rng.random() < 0.67:
            Assessment.objects.filter(pk=a.pk).update(status="done")
    star_assessment = stars.assessments.get(target=extra[0])
    make_finding(
        extra[0],
        raised_by=tree.root,
        category="五星评定",
        text="创新项目不突出",
        campaign=stars,
        assessment=star_assessment,
    )
    items = {c.pk: {i.code: i for i in c.framework.items.all()} for c in (c1, c2, c0)}
    raised: set[tuple[int, int]] = set()
    for n in range(60):
        campaign = rng.choice([c1, c2, c0, None])
        found = D(rng.choice([2023, 2024]), rng.randint(1, 12), rng.randint(1, 28))
        if campaign is None:
            org = rng.choice(orgs)
            make_finding(
                org,
                raised_by=tree.root,
                category=rng.choice(["党费", "作风"]),
                text=f"{rng.choice(TEXTS)}{n}",
                found_on=found,
            )
            continue
        assessment = rng.choice(list(campaign.assessments.all()))
        code = rng.choice(["1.1", "1.2", "2", None])
        item = items[campaign.pk][code] if code else None
        if item is not None and (assessment.pk, item.pk) in raised:
            item = None  # one finding per item of a check; a second remark goes without one
        elif item is not None:
            raised.add((assessment.pk, item.pk))
        make_finding(
            assessment.target,
            raised_by=campaign.scope_org,
            category=(item.category or "三会一课") if item else "其他",
            text=f"{rng.choice(TEXTS)}{n}",
            found_on=found,
            campaign=campaign,
            assessment=assessment,
            item=item,
        )
    return tree, c1, c2, c0


def in_year(f: Finding, year: int) -> bool:
    if f.campaign_id:
        return f.campaign.period_start.year <= year <= f.campaign.period_end.year
    return f.found_on.year == year


def visible_paths(user, perm):
    return user.get_scope_paths(perm)


def reference(user, *, year=None, campaign_id=None, campaign_type=None, within=None):
    """The negative list the slow, obvious way."""
    paths = visible_paths(user, "assessments.view_finding")
    chosen = [
        f
        for f in Finding.objects.select_related("org", "item", "campaign").order_by("pk")
        if any(f.org.path.startswith(p) for p in paths)
        and (year is None or in_year(f, year))
        and (campaign_id is None or f.campaign_id == campaign_id)
        and (campaign_type is None or (f.campaign and f.campaign.campaign_type == campaign_type))
        and (within is None or f.org.path.startswith(within.path))
    ]
    a_paths = visible_paths(user, "assessments.view_assessment")
    targets = set()
    for a in Assessment.objects.select_related("campaign__scope_org", "target"):
        owner = any(a.campaign.scope_org.path.startswith(p) for p in a_paths)
        target = a.campaign.results_released and any(a.target.path.startswith(p) for p in a_paths)
        if not (owner or target) or a.status != "done":
            continue
        c = a.campaign
        if year is not None and not (c.period_start.year <= year <= c.period_end.year):
            continue
        if campaign_id is not None and c.pk != campaign_id:
            continue
        if campaign_type is not None and c.campaign_type != campaign_type:
            continue
        if within is not None and not a.target.path.startswith(within.path):
            continue
        targets.add(a.target_id)
    groups: dict[tuple, list[Finding]] = {}
    for f in chosen:
        key = (f.category, f.item.code if f.item else "", f.item.text if f.item else "")
        groups.setdefault(key, []).append(f)
    rows = []
    for (category, code, text), fs in groups.items():
        orgs = len({f.org_id for f in fs})
        newest: list[str] = []
        for f in sorted(fs, key=lambda f: (f.found_on, f.pk), reverse=True)[:20]:
            if len(newest) < 3 and f.text not in newest:
                newest.append(f.text)
        rows.append(
            (
                category,
                code,
                text,
                len(fs),
                orgs,
                round(min(1.0, orgs / len(targets)) if targets else 0.0, 6),
                newest,
            )
        )
    return sorted(rows), len(targets), len(chosen)


def as_tuples(nl):
    return sorted(
        (r.category, r.item_code, r.item_text, r.count, r.orgs, round(r.share, 6), r.examples)
        for r in nl.rows
    )


@pytest.mark.parametrize(
    "selection",
    [
        {},
        {"year": 2024},
        {"year": 2023},
        {"campaign": "c1"},
        {"campaign": "c2", "year": 2024},
        {"within": "unit_a", "year": 2024},
        {"year": 2024, "type": "sampled_review"},
        {"year": 2024, "type": "star_rating"},
        {"type": "sampled_review", "within": "unit_a"},
        {"campaign": "c1", "type": "star_rating"},
    ],
)
def test_matches_the_naive_reference(data, people, selection):
    tree, c1, c2, _ = data
    kwargs = {}
    if "year" in selection:
        kwargs["year"] = selection["year"]
    if "campaign" in selection:
        kwargs["campaign_id"] = {"c1": c1, "c2": c2}[selection["campaign"]].pk
    if "within" in selection:
        kwargs["within"] = getattr(tree, selection["within"])
    if "type" in selection:
        kwargs["campaign_type"] = selection["type"]
    for user in (people.committee, people.unit_admin, people.secretary):
        nl = negative_list.build(user, **kwargs)
        rows, assessed, total = reference(user, **kwargs)
        assert as_tuples(nl) == rows
        assert (nl.assessed_orgs, nl.total_findings) == (assessed, total)
    if selection != {"campaign": "c1", "type": "star_rating"}:
        assert negative_list.build(people.committee, **kwargs).total_findings > 0


def test_the_share_counts_done_assessments_of_the_same_campaign_type(data, people):
    """The 五星 rating of every branch is no 抽查调阅: it must not shrink the shares."""
    everything = negative_list.build(people.committee, year=2024)
    sampled = negative_list.build(people.committee, year=2024, campaign_type="sampled_review")
    done_sampled = (
        Assessment.objects.filter(
            status="done", campaign__campaign_type="sampled_review", campaign__period_end__year=2024
        )
        .values("target")
        .distinct()
        .count()
    )
    assert 0 < sampled.assessed_orgs == done_sampled < everything.assessed_orgs
    assert "抽查调阅" in sampled.title
    assert "五星评定" not in {r.category for r in sampled.rows}
    assert (
        sampled.total_findings
        == Finding.objects.filter(
            campaign__campaign_type="sampled_review", campaign__period_end__year=2024
        ).count()
    )
    shares = {(r.category, r.item_code, r.item_text): r.share for r in everything.rows}
    assert any(r.share > shares[(r.category, r.item_code, r.item_text)] for r in sampled.rows)


def test_an_unknown_campaign_type_is_refused(data, people):
    with pytest.raises(ValidationError) as exc:
        negative_list.build(people.committee, year=2024, campaign_type="nonsense")
    assert "督查类型" in str(exc.value)


def test_rows_are_ordered_by_count_and_scoped(data, people):
    tree = data[0]
    nl = negative_list.build(people.committee, year=2024)
    counts = [r.count for r in nl.rows]
    assert counts == sorted(counts, reverse=True)
    assert "2024年" in nl.title
    mine = negative_list.build(people.unit_b_admin, year=2024)
    b_paths = tree.unit_b.path
    assert (
        mine.total_findings
        == Finding.objects.filter(
            org__path__startswith=b_paths,
            pk__in=negative_list.findings(people.committee, year=2024),
        ).count()
    )


@pytest.mark.django_db
def test_examples_are_distinct_texts_newest_first(tree, people):
    same = "支委会会议记录不完整"
    for day in (1, 2, 3, 4):
        make_finding(tree.branch_a, raised_by=tree.root, text=same, found_on=dt.date(2024, 5, day))
    make_finding(tree.branch_a, raised_by=tree.root, text="缺少签到", found_on=dt.date(2024, 3, 1))
    make_finding(
        tree.branch_b, raised_by=tree.root, text="议题不明确", found_on=dt.date(2024, 2, 1)
    )
    make_finding(
        tree.branch_b, raised_by=tree.root, text="未按月召开", found_on=dt.date(2024, 1, 1)
    )
    (row,) = negative_list.build(people.committee, year=2024).rows
    assert row.count == 7 and row.orgs == 2
    assert row.examples == [same, "缺少签到", "议题不明确"]


def test_a_fixed_number_of_queries(data, people, tree):
    negative_list.build(people.committee)  # warm
    with CaptureQueriesContext(connection) as q1:
        small = negative_list.build(people.committee, campaign_id=data[1].pk)
    with CaptureQueriesContext(connection) as q2:
        everything = negative_list.build(people.committee)
    assert len(everything.rows) > len(small.rows)
    assert len(q1) == len(q2) + 1 <= 4  # + the campaign's name for the title


def test_exports(data, people):
    from docx import Document
    from openpyxl import load_workbook

    nl = negative_list.build(people.committee, year=2024)
    wb = load_workbook(io.BytesIO(negative_list.to_xlsx(nl)))
    ws = wb.active
    assert ws["A1"].value == nl.title
    assert [c.value for c in ws[3]][:3] == ["序号", "问题类别", "条目编号"]
    assert ws.max_row == 3 + len(nl.rows)
    assert ws.cell(row=4, column=5).value == nl.rows[0].count
    doc = Document(io.BytesIO(negative_list.to_docx(nl)))
    assert doc.paragraphs[0].text == nl.title
    table = doc.tables[0]
    assert len(table.rows) == 1 + len(nl.rows)
    assert table.rows[1].cells[1].text == nl.rows[0].category


def test_empty_selection(tree, people):
    nl = negative_list.build(people.committee, year=2030)
    assert nl.rows == [] and nl.total_findings == 0
    assert negative_list.to_docx(nl) and negative_list.to_xlsx(nl)
    assert Organization.objects.exists()


# --- one definition of 问题类型 -----------------------------------------------------------


@pytest.fixture
def two_checklists(tree):
    """2024's 抽查调阅 on the shipped 基础制度 and 中心组学习 checklists: 三会一课 found
    on two items, 主题党日 and (中心组) 学习计划 on one each, plus a free-standing finding
    and a 明察暗访 one (neither on the page's default 抽查调阅 list)."""
    from dangjian.assessments.models import Framework

    basic = Framework.objects.get(code="basic_system", is_current=True)
    study = Framework.objects.get(code="central_group_study", is_current=True)
    review = make_campaign(basic, tree.root, [tree.branch_a, tree.branch_b])
    study_review = make_campaign(study, tree.root, [tree.unit_a])
    inspection = make_campaign(
        checklist_framework(), tree.root, [tree.branch_a], campaign_type="unannounced_inspection"
    )
    Assessment.objects.update(status="done")
    items = {(i.framework_id, i.code): i for i in basic.items.all() | study.items.all()}
    raised = [
        (review, tree.branch_a, basic, "1.1"),  # 三会一课不规范
        (review, tree.branch_b, basic, "1.2"),  # 三会一课不规范, another item
        (review, tree.branch_b, basic, "2.1"),  # 主题党日不规范
        (study_review, tree.unit_a, study, "1.1"),  # 学习计划不健全
    ]
    for campaign, org, fw, code in raised:
        item = items[(fw.pk, code)]
        make_finding(
            org,
            raised_by=tree.root,
            campaign=campaign,
            assessment=campaign.assessments.get(target=org),
            item=item,
            category=item.category or item.parent.category,
            text="会议记录存在补记现象",
        )
    make_finding(tree.branch_a, raised_by=tree.root, category="党费")  # free-standing
    make_finding(
        tree.branch_a,
        raised_by=tree.root,
        category="纪律作风",
        campaign=inspection,
        assessment=inspection.assessments.get(),
    )
    return tree


def test_the_page_the_exports_and_the_metric_count_the_same_categories(
    two_checklists, people, client
):
    """The page said "问题类型 21" (its rows: category × item) where the metric said "9 类"
    (categories of one checklist): one definition now, stated on the page."""
    from openpyxl import load_workbook

    from dangjian.core.metrics import MetricScope, registry

    metric = registry.get("supervision.negative_list").value(MetricScope(people.committee, 2024))
    nl = negative_list.build(
        people.committee, year=2024, campaign_type=negative_list.DEFAULT_CAMPAIGN_TYPE
    )
    assert metric == nl.categories == 3  # 三会一课不规范, 主题党日不规范, 学习计划不健全
    assert len(nl.rows) == 4  # the 三会一课 problems come from two items
    client.force_login(people.committee)
    html = client.get("/assessments/negative-list/?year=2024").content.decode()
    assert '<div class="h1 m-0" id="nl-categories">3</div>' in html
    assert "问题类型按考评模板的问题分类统计，共 3 类" in html
    xlsx = client.get("/assessments/negative-list/?year=2024&export=xlsx").content
    assert (
        "问题类型按考评模板的问题分类统计，共 3 类"
        in load_workbook(io.BytesIO(xlsx)).active["A2"].value
    )
    from docx import Document

    docx = client.get("/assessments/negative-list/?year=2024&export=docx").content
    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    assert "问题类型按考评模板的问题分类统计，共 3 类" in text
    # the metric's description says the same, and follows the same selection for a subtree
    assert (
        "问题类型按考评模板的问题分类统计" in registry.get("supervision.negative_list").description
    )
    within = registry.get("supervision.negative_list").value(
        MetricScope(people.committee, 2024, two_checklists.unit_b)
    )
    assert (
        within
        == negative_list.build(
            people.committee,
            year=2024,
            campaign_type=negative_list.DEFAULT_CAMPAIGN_TYPE,
            within=two_checklists.unit_b,
        ).categories
        == 2
    )


def test_the_typical_problems_are_finding_texts(two_checklists, people):
    nl = negative_list.build(people.committee, year=2024)
    assert all(r.examples == ["会议记录存在补记现象"] for r in nl.rows if r.item_code)
