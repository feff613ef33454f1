"""The metrics registry (DESIGN §8) and `dangjian metrics` (list / show, text and json)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.core.metrics import Metric, MetricRegistry, MetricScope, registry
from dangjian.core.scoping import SYSTEM


def run(*args: str) -> str:
    out = StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue().strip()


# --- registry ----------------------------------------------------------------------


def test_registry_registers_looks_up_and_lists_sorted():
    reg = MetricRegistry()
    b = reg.register(Metric("b.count", "乙数", "个", lambda scope: 2))
    a = reg.register(Metric("a.count", "甲数", "个", lambda scope: 1))
    assert reg.get("a.count") is a
    assert "b.count" in reg and "c.count" not in reg
    assert [m.id for m in reg.all()] == ["a.count", "b.count"]
    assert reg.register(b) is b  # the same metric again (a module imported twice) is fine
    with pytest.raises(ValueError, match="registered twice"):
        reg.register(Metric("a.count", "另一个甲数", "个", lambda scope: 3))
    with pytest.raises(LookupError):
        reg.get("c.count")


def test_work_is_shared_inside_a_together_block_only():
    from dangjian.core.metrics import computing_together, shared, together

    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        return len(calls)

    assert not computing_together()
    assert (shared("k", work), shared("k", work)) == (1, 2)  # outside: every time
    with together():
        assert computing_together()
        assert (shared("k", work), shared("k", work), shared("other", work)) == (3, 3, 4)
    with together():  # a new block: nothing kept from the last one
        assert shared("k", work) == 5
    assert not computing_together()


def test_heap_settle_freezes_the_start_up_heap_and_collects_less_often():
    import gc

    from dangjian.core import heap

    before = gc.get_threshold()
    try:
        heap.settle()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == heap.YOUNG
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_metric_as_dict_is_the_api_shape():
    m = Metric("x.total", "合计", "人", lambda scope: scope.year - 2000)
    assert m.as_dict(MetricScope(SYSTEM, 2024)) == {
        "id": "x.total",
        "label": "合计",
        "unit": "人",
        "value": 24,
        "year": 2024,
    }


def test_org_metrics_are_registered():
    assert "orgs.unit_party_count" in registry
    assert "orgs.grassroots_count" in registry
    assert registry.get("orgs.unit_party_count").drilldown is not None


# --- values over the tree ----------------------------------------------------------


def test_org_counts_for_system_and_for_a_scoped_user(tree, make_user):
    unit_count = registry.get("orgs.unit_party_count")
    grassroots = registry.get("orgs.grassroots_count")
    assert unit_count.value(MetricScope(SYSTEM, 2024)) == 2
    assert grassroots.value(MetricScope(SYSTEM, 2024)) == 2  # the two branches; not the 党小组
    assert grassroots.value(MetricScope(SYSTEM, 2024, within=tree.unit_a)) == 1

    viewer = make_user(role="viewer", org=tree.unit_b)
    assert unit_count.value(MetricScope(viewer, 2024)) == 1
    assert grassroots.value(MetricScope(viewer, 2024)) == 1
    # Within an org outside the user's scope there is nothing to count.
    assert grassroots.value(MetricScope(viewer, 2024, within=tree.unit_a)) == 0
    drill = grassroots.drilldown(MetricScope(viewer, 2024))
    assert [o.name for o in drill] == [tree.branch_b.name]


def test_org_counts_use_the_orgs_existing_on_31_december(tree):
    from dangjian.orgs.models import Organization, OrgStatus

    grassroots = registry.get("orgs.grassroots_count")
    # branch_a was established on 2015-03-01: not there at the end of 2014.
    assert grassroots.value(MetricScope(SYSTEM, 2014)) == 1
    Organization.objects.filter(pk=tree.branch_b.pk).update(
        status=OrgStatus.DISSOLVED, dissolved_on=dt.date(2024, 6, 30)
    )
    assert grassroots.value(MetricScope(SYSTEM, 2023)) == 2
    assert grassroots.value(MetricScope(SYSTEM, 2024)) == 1


# --- the command -------------------------------------------------------------------


def test_metrics_list_text_and_json():
    text = run("list")
    assert "orgs.unit_party_count" in text and "市直机关党组织数" in text
    rows = json.loads(run("list", "--format", "json"))
    assert {"id": "orgs.grassroots_count", "label": "基层党组织数", "unit": "个"} in rows


def test_metrics_show_text_prints_the_value_alone(tree):
    assert run("show", "orgs.unit_party_count", "--year", "2024") == "2"
    assert run("show", "orgs.grassroots_count", "--year", "2014") == "1"


def test_metrics_show_json_is_the_api_object(tree):
    data = json.loads(run("show", "orgs.grassroots_count", "--year", "2024", "--format", "json"))
    assert data == {
        "id": "orgs.grassroots_count",
        "label": "基层党组织数",
        "unit": "个",
        "value": 2,
        "year": 2024,
    }


def test_metrics_show_within_a_subtree(tree):
    assert (
        run("show", "orgs.grassroots_count", "--year", "2024", "--within", str(tree.unit_b.pk))
        == "1"
    )
    with pytest.raises(CommandError, match="不存在或不在权限范围内"):
        run("show", "orgs.grassroots_count", "--year", "2024", "--within", "999999")


def test_metrics_show_as_a_user_is_scoped(tree, make_user):
    make_user(role="branch_secretary", org=tree.branch_a, username="sec_a")
    assert run("show", "orgs.grassroots_count", "--year", "2024", "--user", "sec_a") == "1"
    assert run("show", "orgs.unit_party_count", "--year", "2024", "--user", "sec_a") == "0"
    # The user cannot name an org outside their scope.
    with pytest.raises(CommandError, match="不存在或不在权限范围内"):
        run(
            "show",
            "orgs.grassroots_count",
            "--year",
            "2024",
            "--user",
            "sec_a",
            "--within",
            str(tree.unit_b.pk),
        )
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        run("show", "orgs.grassroots_count", "--user", "nobody")


def test_metrics_show_unknown_id_exits_2_and_suggests_close_ids():
    with pytest.raises(CommandError) as err:
        run("show", "orgs.unit_count", "--year", "2024")
    assert err.value.returncode == 2
    assert "orgs.unit_party_count" in str(err.value)
    with pytest.raises(CommandError) as err:
        run("show", "zzzz")
    assert err.value.returncode == 2
    assert "可用的指标" in str(err.value) and "orgs.grassroots_count" in str(err.value)


def test_metrics_show_refuses_an_implausible_year(db):
    with pytest.raises(CommandError, match="年度"):
        run("show", "orgs.unit_party_count", "--year", "24")
