"""No page lists every org (issue 10): on a tree with more orgs than any page may list, every
page the URL resolver knows is rendered for every role of the branch world, and none may
render more than OPTION_BOUND `<option>`s. A `<select>` of all orgs cost the 工委's member
list 450 ms and 480 KB; an org is chosen with core.orgpicker (a short select and a search).
"""

from __future__ import annotations

import re

import pytest

from dangjian.core import orgpicker
from dangjian.orgs.models import Organization, OrgKind, Unit

from .test_plain_language import page_urls
from .world import PEOPLE

pytestmark = pytest.mark.django_db

OPTION_BOUND = 250  # two pickers of SHORT_LIMIT and a page's other selects fit below it
EXTRA_BRANCHES = 400  # more orgs than the bound: one select of every org fails the test
OPTION = re.compile(r"<option\b")


def add_branches(unit: Organization, n: int) -> None:
    """`n` branches under `unit` in one INSERT (treebeard paths computed here)."""
    unit = Organization.objects.get(pk=unit.pk)
    first = unit.numchild + 1
    Organization.objects.bulk_create(
        Organization(
            path=Organization._get_path(unit.path, unit.depth + 1, first + i),
            depth=unit.depth + 1,
            numchild=0,
            kind=OrgKind.BRANCH,
            name=f"甲局第{first + i}党支部",
            unit_id=unit.unit_id,
        )
        for i in range(n)
    )
    Organization.objects.filter(pk=unit.pk).update(numchild=first - 1 + n)
    # And as many 机关单位 (a province has 850): no select of every unit either.
    added = Organization.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
    Unit.objects.bulk_create(
        Unit(name=f"{org.name}所在单位", party_org=org)
        for org in added.filter(name__startswith="甲局第", name__endswith="党支部").exclude(
            unit_record__isnull=False
        )
    )


def test_no_page_renders_more_options_than_the_bound(client, branch_world):
    add_branches(branch_world.unit, EXTRA_BRANCHES)
    assert Organization.objects.count() > OPTION_BOUND  # a select of all orgs would fail
    assert Unit.objects.count() > OPTION_BOUND  # and one of all units
    assert orgpicker.SHORT_LIMIT * 2 < OPTION_BOUND
    urls = page_urls()
    client.raise_request_exception = False
    too_many: dict[str, int] = {}
    pickers = rendered = 0
    for username in PEOPLE:
        client.force_login(branch_world.users[username])
        for name, url in urls:
            resp = client.get(url)
            if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
                continue
            rendered += 1
            html = resp.content.decode()
            pickers += "data-dj-orgpicker" in html
            if (n := len(OPTION.findall(html))) > OPTION_BOUND:
                too_many[f"{username} {url} ({name})"] = n
    assert rendered > 200 and pickers > 20  # the walk reached the pages that choose an org
    assert not too_many, "\n".join(f"{where}: {n} <option>" for where, n in too_many.items())
