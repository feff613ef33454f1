"""Templates: no CDN, Chinese error pages, generic list/detail/edit/delete rendering."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.loader import get_template
from django.test import override_settings

import dangjian

pytestmark = pytest.mark.django_db

PACKAGE = Path(dangjian.__file__).resolve().parent
TEMPLATES = sorted(p for p in PACKAGE.rglob("templates/**/*.html") if "vendor" not in p.parts)
# An asset fetched from another host: src/href/url() to http(s):// or protocol-relative //.
REMOTE_ASSET = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.I,
)


def test_templates_exist():
    assert any(p.name == "base.html" for p in TEMPLATES)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_loads_assets_from_another_host(path):
    text = path.read_text(encoding="utf-8")
    assert not REMOTE_ASSET.search(text), (
        f"{path}: assets must be served locally (vendor/), not from a CDN"
    )


# Django's {# #} comment ends at the line's end: one spread over lines prints its text.
OPEN_LINE_COMMENT = re.compile(r"\{#(?:(?!#\}).)*$", re.M)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_line_comment_spans_lines(path):
    text = path.read_text(encoding="utf-8")
    match = OPEN_LINE_COMMENT.search(text)
    assert match is None, f"{path}: a {{# comment spans lines (use {{% comment %}}): {match[0]!r}"


def test_open_comment_pattern_catches_what_it_should():
    assert OPEN_LINE_COMMENT.search("<p>{# starts here\n ends here #}</p>")
    assert not OPEN_LINE_COMMENT.search("<p>{# one line #}</p>\n{# another #}")


def test_cdn_pattern_catches_what_it_should():
    for bad in (
        '<script src="https://cdn.example/x.js">',
        "<link href='//cdn.example/x.css'>",
        "url(http://x/y.woff)",
    ):
        assert REMOTE_ASSET.search(bad)
    assert not REMOTE_ASSET.search("<script src=\"{% static 'vendor/htmx/htmx.min.js' %}\">")


def test_static_files_we_reference_are_ours_or_vendored():
    text = (PACKAGE / "web/templates/base.html").read_text()
    referenced = set(re.findall(r"{% static '([^']+)' %}", text))
    assert referenced == {
        "vendor/tabler/tabler.min.css",
        "vendor/tabler/tabler.min.js",
        "vendor/htmx/htmx.min.js",
        "web/app.css",
        "web/app.js",
    }
    for name in referenced - {n for n in referenced if n.startswith("vendor/")}:
        assert (PACKAGE / "web/static" / name).is_file()


# --- error pages ----------------------------------------------------------------------


@pytest.mark.urls("dangjian.web.tests.urls_stub")
@override_settings(DEBUG=False)
def test_404_page_is_chinese_and_covers_forbidden_objects(client, make_user):
    client.force_login(make_user("viewer"))
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "不存在，或不在您的管辖范围内" in html
    assert "tabler.min.css" in html


@pytest.mark.urls("dangjian.web.tests.urls_stub")
def test_403_page_is_chinese(client, make_user):
    client.force_login(make_user("viewer"))
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_500_page_renders_without_a_request():
    html = get_template("500.html").render({})
    assert "服务器出现错误" in html
    assert "/static/vendor/tabler/tabler.min.css" in html


def test_csrf_failure_page_is_chinese(client, make_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user())
    response = csrf_client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "请刷新页面后重新提交" in response.content.decode()


def test_body_sends_the_csrf_token_with_htmx_requests(rf, make_user):
    from django.template import RequestContext
    from django.template.loader import get_template as load

    request = rf.get("/")
    request.user = make_user()
    html = load("base.html").template.render(RequestContext(request, {}))
    match = re.search(r"""<body hx-headers='\{"X-CSRFToken": "([A-Za-z0-9]+)"\}'>""", html)
    assert match and len(match.group(1)) >= 32


# --- generic templates ------------------------------------------------------------------


@pytest.mark.urls("dangjian.web.tests.urls_generic")
def test_object_list_has_filters_table_export_add_and_chinese_pagination(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    html = client.get("/g/orgs/?kind=unit_party").content.decode()
    assert 'id="dj-filters"' in html and 'name="kind"' in html and 'class="form-select' in html
    assert "甲局机关党委" in html and "乙局机关党委" in html and "甲局第一党支部" not in html
    assert "导出 Excel" in html and "export=xlsx" in html and "kind=unit_party" in html
    assert 'href="/add-org/"' in html and "新增党组织" in html
    assert "共 2 条" in html

    page1 = client.get("/g/orgs/").content.decode()
    assert "共 6 条，第 1 / 3 页" in page1
    assert "下一页" in page1
    assert "上一页" in client.get("/g/orgs/?page=2").content.decode()
    assert "没有符合条件的记录" in client.get("/g/orgs/?kind=leading_group").content.decode()


@pytest.mark.urls("dangjian.web.tests.urls_generic")
def test_object_list_hides_add_without_permission(client, tree, make_user):
    client.force_login(make_user("viewer", tree.root))
    html = client.get("/g/orgs/").content.decode()
    assert "/add-org/" not in html


@pytest.mark.urls("dangjian.web.tests.urls_generic")
def test_object_detail_lists_fields(client, tree, make_user):
    client.force_login(make_user("viewer", tree.root))
    html = client.get(f"/g/orgs/{tree.branch_a.pk}/").content.decode()
    assert "组织类别" in html and "党支部" in html
    assert "2015年3月1日" in html or "2015-03-01" in html
    assert "numchild" not in html and "0001" not in html  # tree internals are not shown


@pytest.mark.urls("dangjian.web.tests.urls_generic")
def test_object_edit_shows_errors_in_chinese(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    form_html = client.get("/g/terms/add/").content.decode()
    assert 'class="form-control' in form_html and 'class="form-check-input' in form_html
    response = client.post("/g/terms/add/", {"org": tree.branch_a.pk, "number": "abc"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请按下方提示修改标红的字段后再保存" in html
    assert "is-invalid" in html
    assert "该字段是必填项" in html  # started_on: Django's own message, in Chinese
    assert "输入整数" in html


@pytest.mark.urls("dangjian.web.tests.urls_generic")
def test_object_edit_non_field_errors_as_alert(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    html = client.post(
        "/g/terms/add/", {"org": tree.group_a.pk, "started_on": "2024-01-01"}
    ).content.decode()
    assert "党小组不实行任期制" in html  # the model's own validation message


@pytest.mark.urls("dangjian.web.tests.urls_generic")
def test_object_delete_confirmation(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    html = client.get(f"/g/orgs/{tree.group_a.pk}/delete/").content.decode()
    assert "确定删除党组织“第一党小组”吗？" in html
    assert "记入审计日志" in html


# What the Content-Security-Policy (core.middleware) refuses: an inline script (a <script>
# without src, unless it is JSON data), an on…= handler, a javascript: URL, a <style> block
# or a style="" attribute. Pages hand data to scripts in json_script elements and sizes in
# data-dj-* attributes (web/static/web/app.js).
INLINE = {
    "inline script": re.compile(
        r"<script(?![^>]*\bsrc\s*=)(?![^>]*type\s*=\s*[\"']application/(?:ld\+)?json)[^>]*>", re.I
    ),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
    "style block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_needs_unsafe_inline(path):
    text = path.read_text(encoding="utf-8")
    found = [f"{what}: {m.group(0)[:80]}" for what, rx in INLINE.items() if (m := rx.search(text))]
    assert not found, f"{path}: the CSP refuses " + "; ".join(found)


def test_inline_patterns_catch_what_they_should():
    bad = {
        "inline script": "<script>alert(1)</script>",
        "event handler attribute": '<button type="button" onclick="window.print()">',
        "javascript: URL": '<a href="javascript:void(0)">',
        "style block": "<style>.x{}</style>",
        "style attribute": '<td style="padding-left: 2rem">',
    }
    for what, text in bad.items():
        assert INLINE[what].search(text), what
    fine = (
        "<script src=\"{% static 'web/app.js' %}\"></script>",
        '<script type="application/json" id="x">{}</script>',
        '<div data-dj-height="260" class="dj-chart">',
        '<button data-dj-print class="btn">',
    )
    for text in fine:
        assert not any(rx.search(text) for rx in INLINE.values()), text


# --- phone-first lists (issue 9) ----------------------------------------------------------


@pytest.mark.urls("dangjian.web.tests.urls_generic")
def test_list_cells_carry_their_column_name_for_the_phone_cards(client, tree, make_user):
    """app.css turns each row into a card on phones and prints data-label before each value;
    the labels come from the headers, put on once per column (the class keeps none)."""
    from dangjian.web.tests.urls_generic import OrgTable

    client.force_login(make_user("committee_admin", tree.root))
    html = client.get("/g/orgs/?kind=unit_party").content.decode()
    assert '<div class="table-responsive dj-cards">' in html
    assert html.count('data-label="组织类别"') == 2 and html.count('data-label="组织名称"') == 2
    assert '<span class="dj-cell">甲局机关党委</span>' in html
    # a choice label stays on one line in a wide table; the name may wrap
    cells = re.findall(r"<td ([^>]*)>", html)
    assert sorted(cells).count('data-label="组织类别" class="text-nowrap"') == 2
    assert sorted(cells).count('data-label="组织名称"') == 2
    assert "<thead" in html  # the table keeps its header for readers and wide screens
    assert all("td" not in (c.attrs or {}) for c in OrgTable.base_columns.values())


@pytest.mark.urls("dangjian.urls")
def test_member_list_offers_the_import_to_those_who_add_members(client, tree, make_user):
    """数据导入 left the secretary's menu; she imports members from her member list."""
    from django.urls import reverse

    client.force_login(make_user("branch_secretary", tree.branch_a))
    html = client.get(reverse("members:member_list")).content.decode()
    assert f'href="{reverse("imports:run", args=["members"])}">批量导入' in html
    client.force_login(make_user("viewer", tree.branch_a))
    html = client.get(reverse("members:member_list")).content.decode()
    assert "批量导入" not in html
