"""The list rows rendered by `table_rows` (core/tables.py) are what django-tables2's own row
loop rendered (issue 10, decisions/0012).

The tiny demo city is loaded and every list page is opened as the roles that use it — with
a sort and a later page where there is one — twice: with today's `django_tables2/dangjian.html`
and with the template as it was before (tests/reference/, django-tables2's cell by cell loop,
through django-tables2's `render_table`).
The two pages must be the same bytes but for the CSRF token; every table class of the apps
must have been compared on rows (a new table joins by being listed in `PAGES`).
"""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path

import django_tables2 as tables
import django_tables2.utils as tables_utils
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from dangjian.accounts.models import User
from dangjian.assessments.models import Campaign

REFERENCE = Path(__file__).parent / "reference" / "dangjian_tables2_loop.html"
OBJECT_LIST = Path(__file__).parents[2] / "core" / "templates" / "core" / "object_list.html"
TABLE_MODULES = (
    "accounts",
    "activities",
    "assessments",
    "audit",
    "members",
    "orgs",
    "rules",
    "selfservice",
)

# (account, URL name, query strings): each list page as the roles who work with it.
PAGES = [
    ("shuji", "members:member_list", ["", "?sort=-name", "?sort=birth_masked"]),
    ("danwei", "members:member_list", ["", "?page=2&sort=org"]),
    ("gongwei", "members:member_list", ["?page=3", "?sort=-birth_date&page=2"]),
    ("gongwei", "members:exit_list", ["", "?sort=-left_on"]),
    ("danwei", "members:transfer_list", ["", "?sort=transferred_on"]),
    ("shuji", "activities:activity_list", ["", "?sort=date"]),
    ("gongwei", "activities:activity_list", ["?page=2", "?sort=-org&page=4"]),
    ("shuji", "orgs:organization_list", [""]),
    ("gongwei", "orgs:organization_list", ["", "?page=2&sort=-name"]),
    ("gongwei", "orgs:unit_list", ["", "?sort=-org_total"]),
    ("shuji", "assessments:finding_list", [""]),
    ("gongwei", "assessments:finding_list", ["", "?sort=-found_on&page=2"]),
    ("gongwei", "assessments:campaign_list", ["", "?sort=period"]),
    ("gongwei", "assessments:framework_list", [""]),
    ("gongwei", "assessments:assessment_list", ["", "?sort=-findings"]),
    ("gongwei", "rules:exemption_list", ["", "?sort=-starts_on"]),
    ("danwei", "selfservice:account_list", ["", "?page=2"]),
    ("xitong", "accounts:user_list", [""]),
    ("shenji", "audit:event_list", ["?action=login"]),
    ("gongwei", "integrity:review_list", ["", "?sort=-year"]),
    ("gongwei", "integrity:submission_list", ["", "?year=2024&sort=-submitted_at"]),
    ("danwei", "integrity:point_list", ["", "?sort=-level"]),
    ("gongwei", "integrity:measure_list", ["?year=2024", "?page=2"]),
    ("danwei", "integrity:institution_list", ["", "?sort=-issued_on"]),
    ("shuji", "dues:base_list", ["", "?sort=-year"]),
    ("danwei", "dues:payment_list", ["", "?page=2&sort=-paid_on"]),
    ("danwei", "dues:reduction_list", [""]),
    ("danwei", "dues:remittance_list", ["", "?sort=-amount"]),
    ("gongwei", "cases:case_list", ["", "?year=2024&sort=-rating"]),
    ("danwei", "cases:case_list", ["?sort=awards"]),
    ("gongwei", "cases:award_list", [""]),
    ("gongwei", "cases:brand_list", ["", "?sort=-branches"]),
    ("gongwei", "honors:round_list", [""]),
    ("gongwei", "honors:nomination_list", ["", "?page=2"]),
    ("gongwei", "honors:honor_list", ["", "?page=2"]),
    ("danwei", "honors:honor_list", [""]),
    ("gongwei", "training:class_list", ["", "?sort=-year"]),
    ("gongwei", "training:enrolment_list", ["", "?sort=-enrolled_on"]),
    ("gongwei", "volunteers:community_list", [""]),
    ("gongwei", "volunteers:registration_list", ["", "?page=2"]),
    ("danwei", "volunteers:registration_list", [""]),
    ("gongwei", "volunteers:feedback_list", [""]),
    ("gongwei", "volunteers:taskforce_list", [""]),
]

_CSRF = re.compile(r'((?:csrfmiddlewaretoken" value=|X-CSRFToken": )")[^"]+"')


@pytest.fixture
def city(db):
    call_command("demo", scale="tiny", verbosity=0, stdout=io.StringIO())


def reference_templates() -> list[dict]:
    """TEMPLATES with the old table template in front of the app templates, and the list
    page rendering it through django-tables2's own `render_table` (as before `list_table`)."""
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    object_list = OBJECT_LIST.read_text(encoding="utf-8")
    assert "{% list_table table %}" in object_list
    object_list = object_list.replace(
        "{% list_table table %}", '{% render_table table "django_tables2/dangjian.html" %}'
    )
    engine["OPTIONS"]["loaders"] = [
        (
            "django.template.loaders.locmem.Loader",
            {
                "django_tables2/dangjian.html": REFERENCE.read_text(encoding="utf-8"),
                "core/object_list.html": object_list,
            },
        ),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    return [engine]


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response, _CSRF.sub(r"\1-", response.content.decode())


def app_tables() -> set[type]:
    import importlib

    for app in TABLE_MODULES:
        importlib.import_module(f"dangjian.{app}.tables")
    found, todo = set(), list(tables.Table.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("dangjian.") and ".tests." not in cls.__module__:
            found.add(cls)
    return found


def test_every_list_page_renders_the_same_html_as_django_tables2(city, client):
    compared: dict[type, int] = {}
    campaign = Campaign.objects.order_by("pk").first()
    pages = [*PAGES, ("gongwei", "assessments:campaign_detail", [""])]
    for username, name, queries in pages:
        client.force_login(User.objects.get(username=username))
        base = reverse(name, args=[campaign.pk] if name.endswith("campaign_detail") else [])
        for query in queries:
            url = base + query
            response, fast = page(client, url)
            with override_settings(TEMPLATES=reference_templates()):
                _response, reference = page(client, url)
            assert fast == reference, f"{url} as {username}: the rows differ"
            table = response.context["table"]
            rows = len(table.page.object_list) if table.page else len(table.rows)
            assert fast.count('<span class="dj-cell">') == rows * len(table.columns), url
            compared[type(table)] = compared.get(type(table), 0) + rows
    empty = {cls.__name__ for cls, rows in compared.items() if not rows}
    missing = {cls.__name__ for cls in app_tables() - set(compared)}
    assert not missing, f"tables never compared: {sorted(missing)}"
    assert not empty, f"tables compared without rows: {sorted(empty)}"


def test_an_empty_list_renders_the_same_notice(city, client):
    client.force_login(User.objects.get(username="shuji"))
    url = reverse("members:member_list") + "?q=没有这个人"
    _r, fast = page(client, url)
    with override_settings(TEMPLATES=reference_templates()):
        _r, reference = page(client, url)
    assert 'class="dj-empty"' in fast and fast == reference


def test_cells_are_rendered_without_introspection_per_cell(city, client, monkeypatch):
    """django-tables2 reads a render method's signature (inspect.signature) for every cell;
    the fast rows once per column with a render method or a link callable, however many
    rows the page has."""
    calls = []
    real = tables_utils.signature

    def counting(fn):
        calls.append(fn)
        return real(fn)

    monkeypatch.setattr(tables_utils, "signature", counting)
    client.force_login(User.objects.get(username="gongwei"))
    for name in ("members:member_list", "activities:activity_list", "orgs:organization_list"):
        calls.clear()
        response, _html = page(client, reverse(name))
        table = response.context["table"]
        assert len(table.page.object_list) >= 20, name  # enough rows to tell
        assert len(calls) <= len(table.columns), (name, len(calls))
