"""Robust input: range-checked filters and fields everywhere, the one YAML loader, NUL bytes.

The walks below find every filterset and every API serializer by themselves, so a new
list or payload that takes a bare number, year, date or id fails here before it ships.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
import time
import tracemalloc
from pathlib import Path

import django_filters
import pytest
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework import serializers

import dangjian
from dangjian.core import bounds, fields, yamlio
from dangjian.core.filters import RANGE_CHECKED, IdFilter, YearFilter

HUGE = 10**20
SRC = Path(dangjian.__file__).parent


def project_modules(suffix: str):
    for info in pkgutil.walk_packages([str(SRC)], "dangjian."):
        name = info.name
        if ".tests" in name or ".migrations" in name or ".demo" in name:
            continue
        if name.endswith(suffix):
            yield importlib.import_module(name)


def defined_in(module, base: type) -> list[type]:
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, base) and obj.__module__ == module.__name__
    ]


# --- the class made impossible: every filter and every writable field ------------------------

UNBOUNDED_FILTERS = (
    django_filters.NumberFilter,
    django_filters.DateFilter,
    django_filters.DateTimeFilter,
    django_filters.NumericRangeFilter,
    django_filters.RangeFilter,
    django_filters.DateFromToRangeFilter,
)


def all_filtersets() -> list[type]:
    found = []
    for module in project_modules(".filtersets"):
        found += defined_in(module, django_filters.FilterSet)
    return found


def test_every_number_year_date_and_id_filter_is_range_checked():
    filtersets = all_filtersets()
    assert len(filtersets) >= 10  # the walk reaches the apps' filtersets
    bare = [
        f"{fs.__module__}.{fs.__name__}.{name}"
        for fs in filtersets
        for name, flt in fs.base_filters.items()
        if isinstance(flt, UNBOUNDED_FILTERS) and not isinstance(flt, RANGE_CHECKED)
    ]
    assert bare == [], "use core.filters (IdFilter, YearFilter, DateFilter …) for: " + ", ".join(
        bare
    )


def unbounded_fields(field: serializers.Field, path: str) -> list[str]:
    if getattr(field, "read_only", False):
        return []
    if isinstance(field, serializers.ListSerializer):
        return unbounded_fields(field.child, path + "[]")
    if isinstance(field, serializers.Serializer):
        return [
            bad for name, f in field.fields.items() for bad in unbounded_fields(f, f"{path}.{name}")
        ]
    if isinstance(field, serializers.ListField | serializers.DictField):
        return unbounded_fields(field.child, path + "[]")
    if isinstance(field, serializers.ManyRelatedField):
        return unbounded_fields(field.child_relation, path + "[]")
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return [] if isinstance(field, fields.IdRelatedField) else [path]
    if isinstance(field, serializers.IntegerField | serializers.FloatField):
        return [] if field.min_value is not None and field.max_value is not None else [path]
    if isinstance(field, serializers.DateTimeField):
        return [] if isinstance(field, fields.DateTimeField) else [path]
    if isinstance(field, serializers.DateField):
        return [] if isinstance(field, fields.DateField) else [path]
    return []


def input_serializers() -> list[serializers.Serializer]:
    """What every API write takes (from the schema generator's own view of each endpoint),
    and the serializers that parse query strings."""
    generator = SchemaGenerator()
    found = []
    for _path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        if method in ("POST", "PUT", "PATCH"):
            request_serializer = generator.create_view(callback, method).schema
            found.append(request_serializer.get_request_serializer())
    for suffix in (".serializers", ".api_reminders", ".api_views"):
        for module in project_modules(suffix):
            found += [
                cls for cls in defined_in(module, serializers.Serializer) if "Query" in cls.__name__
            ]
    return [s() if isinstance(s, type) else s for s in found if s is not None]


def test_every_writable_number_date_and_id_field_is_range_checked(db):
    taken = input_serializers()
    assert len(taken) >= 20
    bad = sorted({bad for s in taken for bad in unbounded_fields(s, type(s).__name__)})
    assert bad == [], "use core.fields (IdField, YearField, DateField …) for: " + ", ".join(bad)


# --- the core pieces -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("12", 12), (" 7 ", 7), ("0", None), ("-5", None), (str(HUGE), None), ("²", None)],
        *[("1e5", None), ("abc", None), ("", None), (None, None), ("x" * 5000, None)],
    ],
)
def test_parse_id(raw, expected):
    assert bounds.parse_id(raw) == expected


def test_parse_date_refuses_what_would_overflow():
    assert bounds.parse_date("2024-05-10") == dt.date(2024, 5, 10)
    for raw in ("2024-13-45", "9999-12-31", "0001-01-01", "20240510", "abc", "²", None):
        assert bounds.parse_date(raw) is None, raw


def test_id_and_year_filters_answer_in_chinese():
    class Probe(django_filters.FilterSet):
        member = IdFilter(field_name="pk")
        year = YearFilter(field_name="created")

    from dangjian.orgs.models import Unit

    Probe._meta.model = Unit
    for data, field, words in [
        ({"member": str(HUGE)}, "member", "超出范围"),
        ({"member": "0"}, "member", "超出范围"),
        ({"member": "abc"}, "member", "正整数"),
        ({"year": "0"}, "year", "2000 至 2100"),
        ({"year": "²"}, "year", "整数"),
    ]:
        errors = Probe(data, queryset=Unit.objects.none()).errors
        assert words in errors[field][0], (data, errors)


def test_serializer_fields_answer_in_chinese():
    class Probe(serializers.Serializer):
        org = fields.IdField()
        year = fields.YearField(required=False)
        day = fields.DateField(required=False, label="发现日期")

    for data, field, words in [
        ({"org": HUGE}, "org", "超出范围"),
        ({"org": 1.5}, "org", "正整数"),
        ({"org": 1, "year": 1800}, "year", "2000 至 2100"),
        ({"org": 1, "day": "9999-12-31"}, "day", "发现日期超出范围"),
        ({"org": 1, "day": "2024-13-45"}, "day", "格式不正确"),
    ]:
        probe = Probe(data=data)
        assert not probe.is_valid()
        assert words in str(probe.errors[field][0]), (data, probe.errors)


def test_no_isdigit_outside_the_helpers():
    """str.isdigit() says yes to "²" and int() then fails: digits are checked with
    core.bounds.is_digits / parse_id / parse_int. (A password's character classes only
    count characters.)"""
    allowed = {"core/bounds.py", "accounts/validators.py"}
    offenders = [
        rel
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts
        and (rel := str(path.relative_to(SRC))) not in allowed
        and ".isdigit()" in path.read_text(encoding="utf-8")
    ]
    assert offenders == [], offenders


@pytest.mark.django_db
def test_superscript_digits_are_a_400_not_a_500(client, tree, make_user):
    from dangjian.assessments.tests.factories import checklist_framework, make_campaign

    client.force_login(make_user("committee_admin", tree.root))
    # "²" passed the ID number's digit check, then its check digit failed to compute.
    resp = client.post(
        "/api/members/",
        {
            "name": "张三",
            "org": tree.branch_a.pk,
            "joined_on": "2010-07-01",
            "id_number": "²1010119900307123X",
        },
        content_type="application/json",
    )
    assert resp.status_code == 400 and "身份证" in str(resp.json()), resp.content
    campaign = make_campaign(checklist_framework(), tree.root, [tree.branch_a])
    assessment = campaign.assessments.get()
    resp = client.post(
        f"/api/assessments/{assessment.pk}/results/",
        {"rows": [{"item": "²", "result": "conforming"}]},
        content_type="application/json",
    )
    assert resp.status_code == 400 and re.search(r"[\u4e00-\u9fff]", str(resp.json()))


# --- hole 7: the reported 500s, now a Chinese 400 (or a visible message on the page) --------


@pytest.mark.django_db
def test_the_reported_bad_numbers_are_400_in_chinese(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    for url in [
        "/api/members/?join_year=0",
        "/api/members/?join_year=-5",
        f"/api/participations/?member={HUGE}",
        f"/api/participations/?activity={HUGE}",
        f"/api/activities/?member={HUGE}",
        f"/api/exemptions/?member={HUGE}",
        f"/api/transfers/?member={HUGE}",
        f"/api/rule-exemptions/?member={HUGE}",
        f"/api/item-results/?assessment={HUGE}",
    ]:
        resp = client.get(url)
        assert resp.status_code == 400, url
        assert re.search(r"超出范围|年份应为", str(resp.json())), (url, resp.json())
    for value in ("0", "-5"):
        page = client.get("/members/", {"join_year": value})
        assert page.status_code == 200
        assert "年份应为 1900 至 2100 之间的整数" in page.content.decode()


@pytest.mark.django_db
def test_org_ids_posted_to_campaigns_are_range_checked(client, tree, make_user):
    from dangjian.assessments.tests.factories import checklist_framework, make_campaign

    client.force_login(make_user("committee_admin", tree.root))
    framework = checklist_framework()
    body = {
        "name": "越界编号",
        "campaign_type": framework.campaign_types[0],
        "framework": framework.pk,
        "scope_org": tree.root.pk,
        "target_kinds": ["branch"],
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "selection": "manual",
        "manual_targets": [HUGE],
    }
    for payload in (body, body | {"scope_org": HUGE, "manual_targets": [tree.branch_a.pk]}):
        resp = client.post("/api/campaigns/", payload, content_type="application/json")
        assert resp.status_code == 400 and "超出范围" in str(resp.json()), resp.content
    campaign = make_campaign(framework, tree.root, [tree.branch_a])
    resp = client.post(
        f"/api/campaigns/{campaign.pk}/add-targets/",
        {"targets": [HUGE]},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "超出范围" in str(resp.json()), resp.content
    assert campaign.assessments.count() == 1


# --- hole 10: a NUL byte is named as such ----------------------------------------------------


@pytest.mark.django_db
def test_a_nul_byte_is_named_in_the_api_and_on_forms(client, tree, make_user):
    from django import forms

    from dangjian.orgs.models import Organization

    client.force_login(make_user("committee_admin", tree.root))
    # A JSON body: the serializer field names the problem.
    resp = client.post(
        "/api/orgs/",
        {"name": "空字符\x00测试", "kind": "branch", "parent": tree.unit_a.pk},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "不能包含空字符" in resp.json()["name"][0]
    # Any form field says the same (Django's own translation said "empty string").
    with pytest.raises(forms.ValidationError) as refused:
        forms.CharField().clean("甲\x00乙")
    assert "不能包含空字符" in refused.value.messages[0]
    # A query string or a form post: refused before any view (PostgreSQL cannot hold NUL).
    resp = client.get("/api/members/", {"q": "张\x00三"})
    assert resp.status_code == 400 and "空字符" in resp.json()["detail"]
    for page in (
        client.get("/orgs/", {"q": "甲\x00"}),
        client.post("/orgs/add/", {"name": "空字符\x00测试", "kind": "branch"}),
    ):
        assert page.status_code == 400 and "空字符（\\x00）" in page.content.decode()
        assert "不允许是用空字符串" not in page.content.decode()
    assert not Organization.objects.filter(name__startswith="空字符").exists()


# --- holes 8 / deliverable 9: one YAML loader with limits ----------------------------------


def laughs(levels: int) -> str:
    """The "billion laughs": each level names the previous one ten times."""
    lines = ['a0: &a0 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_once_without_memory_growth():
    bomb = laughs(9)  # 10^9 nodes once expanded, from under 1 KB
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(yamlio.YamlError) as refused:
        yamlio.loads(bomb)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 0.2 and peak < 2_000_000, (elapsed, peak)
    assert refused.value.line is not None and "展开后超过" in refused.value.message
    assert refused.value.message.startswith(f"第 {refused.value.line} 行")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: [1, 2\n", 3, "方括号"),
        ("a: &x [*x]\n", 1, "循环引用"),
        ("a: *nope\n", 1, "未定义的锚点"),
        ("a: 1\nb: 2024-02-30\n", 2, "日期"),
        ("a: 1\n\tb: 2\n", 2, "Tab"),
        ("x: !!python/object/apply:os.system ['true']\n", 1, "不支持的标签"),
        ("x: " + "[" * 40 + "]" * 40 + "\n", 1, "嵌套过深"),
        ("a: 1\n---\nb: 2\n", 2, "一个 YAML 文档"),
    ],
)
def test_yaml_errors_are_chinese_and_name_the_line(text, line, words):
    with pytest.raises(yamlio.YamlError) as refused:
        yamlio.loads(text)
    assert refused.value.line == line and words in refused.value.message, refused.value.message
    assert not re.search(r"[A-Za-z]{5,}", refused.value.message.replace("YAML", ""))


def test_yaml_limits_size_and_keeps_reasonable_aliases():
    with pytest.raises(yamlio.YamlError, match="文件过大"):
        yamlio.loads("a: " + "x" * (yamlio.MAX_BYTES + 1))
    assert yamlio.loads("m: &m [听, 看]\na: *m\nb: *m\n") == {
        "m": ["听", "看"],
        "a": ["听", "看"],
        "b": ["听", "看"],
    }
    for path in SRC.rglob("library/*.yaml"):  # every shipped library passes the limits
        assert yamlio.load_path(path)


def test_no_module_reads_yaml_but_the_one_loader():
    readers = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "yamlio.py"
        and re.search(r"^\s*(import yaml|from yaml )", path.read_text(encoding="utf-8"), re.M)
    ]
    assert readers == [], readers


@pytest.mark.django_db
def test_framework_import_refuses_a_bomb_quickly_and_briefly(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    bomb = laughs(9) + "code: bomb\nname: 炸弹\nitems: *a8\n"
    started = time.perf_counter()
    resp = client.post(
        "/api/frameworks/import/",
        {"text": bomb, "filename": "bomb.yaml"},
        content_type="application/json",
    )
    assert time.perf_counter() - started < 1.0
    assert resp.status_code == 400 and len(resp.content) < 2_000, resp.content[:300]
    assert "展开后超过" in resp.content.decode() and "第 " in resp.content.decode()
