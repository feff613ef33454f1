"""List pages and API lists run the same number of queries whatever the row count."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from dangjian.assessments.models import ItemResult
from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
    table_rows,
)
from dangjian.orgs.models import OrgKind

from .factories import checklist_framework, make_assessment, make_campaign, make_finding

BASELINES = Path(__file__).with_name("query_counts.json")
_names = itertools.count(1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def grow(tree):
    """grow(n): n more branches, each checked in the campaign with a result and a finding,
    plus n more campaigns and frameworks."""
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [])
    item = fw.items.get(code="1.1")

    def add(n: int) -> None:
        for _ in range(n):
            k = next(_names)
            branch = tree.unit_a.add_child(kind=OrgKind.BRANCH, name=f"测试党支部{k}")
            tree.unit_a.refresh_from_db()
            a = make_assessment(campaign, branch, status="done", total_score=k, rating="合格")
            ItemResult.objects.create(assessment=a, item=item, result="nonconforming")
            # Two findings a category: the negative list groups them, and still grows.
            make_finding(branch, raised_by=tree.root, category=f"类别{k // 2}", assessment=a)
            make_campaign(checklist_framework(), tree.unit_a, [])

    add(1)
    return campaign, add


# How each page shows a row when it is not a table row.
SHOWN = {
    "assessments:rectification_board": occurrences('data-rectification="'),
    "api:negative-list": lambda resp: len(resp.json()["rows"]),
}


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("assessments:campaign_list", "/assessments/"),
        ("assessments:campaign_list?filters", "/assessments/?year=2024&within={unit_a}"),
        ("assessments:campaign_detail", "/assessments/campaigns/{campaign}/"),
        ("assessments:assessment_list", "/assessments/targets/"),
        ("assessments:finding_list", "/assessments/findings/"),
        ("assessments:rectification_board", "/assessments/rectifications/"),
        ("assessments:framework_list", "/assessments/frameworks/?all=1"),
        ("assessments:negative_list", "/assessments/negative-list/?year=2024&campaign_type=all"),
        ("api:frameworks", "/api/frameworks/"),
        ("api:campaigns", "/api/campaigns/"),
        ("api:assessments", "/api/assessments/?campaign={campaign}"),
        ("api:item-results", "/api/item-results/?campaign={campaign}"),
        ("api:findings", "/api/findings/?within={unit_a}"),
        ("api:rectifications", "/api/rectifications/"),
        ("api:negative-list", "/api/negative-list/?year=2024"),
    ],
)
def test_assessment_lists(client, tree, make_user, grow, key, url):
    campaign, add = grow
    client.force_login(make_user("committee_admin", tree.root))
    url = url.format(unit_a=tree.unit_a.pk, campaign=campaign.pk)
    rows = SHOWN.get(key, table_rows)
    count = assert_query_count_constant(client, url, lambda: add(6), rows=rows)
    check_baseline(BASELINES, key, count)


def test_assessment_page_and_org_panel(client, tree, make_user, grow):
    campaign, add = grow
    client.force_login(make_user("committee_admin", tree.root))
    a = campaign.assessments.first()
    page = f"/assessments/targets/{a.pk}/"

    def more_findings():
        # one finding per item of a check: more items, each with a result and a finding
        for _ in range(5):
            n = next(_names)
            item = campaign.framework.items.create(
                code=f"9.{n}", text=f"新增条目{n}", kind="graded", category="其他", order=100 + n
            )
            ItemResult.objects.create(assessment=a, item=item, result="nonconforming")
            make_finding(a.target, raised_by=tree.root, assessment=a, item=item)

    # A finding shows as a link on the item it was raised against.
    count = assert_query_count_constant(
        client, page, more_findings, rows=occurrences("data-finding-link")
    )
    check_baseline(BASELINES, "assessments:assessment_detail", count)
    panel = f"/assessments/org-panel/{tree.unit_a.pk}/"
    count = assert_query_count_constant(
        client, panel, lambda: add(4), rows=lambda resp: resp.context["finding_total"]
    )
    check_baseline(BASELINES, "assessments:org_panel", count)
