"""Hostile values in every query parameter of every list, API and page: never a 500.

Nothing here is listed by hand. The API parameters come from the OpenAPI schema (every
filterset and every documented hand-read parameter) plus any `query_params.get("…")` in
the source; the pages are every URL the resolver knows that takes no argument, sent every
parameter name any filterset or view reads. A 400 must say what to fix in Chinese; a list
page ignores a bad filter and shows why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.html import escape
from drf_spectacular.generators import SchemaGenerator

import dangjian
from dangjian.core.filters import RANGE_CHECKED

pytestmark = pytest.mark.django_db

NUL, LONG, HUGE = "a\x00b", "x" * 5000, str(10**20)
# "²" passes str.isdigit() but not int(); 9999-12-31 is valid until a day is added to it.
HOSTILE = ["0", "-5", HUGE, "abc", "1e5", NUL, LONG, "2024-13-45", "9999-12-31", "²"]
# Per documented type, the values that could get past its parsing (each request costs).
HOSTILE_BY_TYPE = {
    "integer": ["0", "-5", HUGE, "abc", "1e5", "²", NUL],
    "number": ["-5", HUGE, "abc", "1e5", "²", NUL],
    "string": [NUL, LONG, "²", HUGE],
    "boolean": ["abc", NUL],
}
HOSTILE_DATES = ["2024-13-45", "9999-12-31", "0001-01-01", "abc", NUL]
PAGE_VALUES = ["0", "-5", HUGE, "²", NUL, "2024-13-45", "9999-12-31"]
POST_VALUES = ["0", HUGE, "²", "9999-12-31"]  # NUL in a form post: refused by core.inputguard
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SRC = Path(dangjian.__file__).parent
# Query parameters read by hand: request.GET.get("x"), params["x"], query_params.get("x") …
HAND_READ = re.compile(r"""(?:GET|query_params|params)(?:\.get\(|\[)\s*["']([a-z_]+)["']""")
POST_HAND_READ = re.compile(r"""POST(?:\.get\(|\.getlist\(|\[)\s*["']([a-z_]+)["']""")
API_HAND_READ = re.compile(r"""query_params(?:\.get\(|\[)\s*["']([a-z_]+)["']""")
# Pages that act on GET by design or stream files: sent no hostile parameters.
SKIP_PAGES = {"/accounts/logout/"}


def hand_read_names(pattern: re.Pattern = HAND_READ) -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "tests" not in path.parts and "migrations" not in path.parts:
            names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return names - {"export"}  # ?export= only picks the download format


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple]:
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from url_patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def argless_pages() -> list[str]:
    """Every page URL with no path argument (the API is covered through its schema)."""
    pages = set()
    for route, _pattern in url_patterns():
        route = route.lstrip("^").rstrip("$")
        if route.startswith("api") or "<" in route or "(" in route or "\\" in route:
            continue
        pages.add("/" + route)
    return sorted(pages - SKIP_PAGES)


def hostile_values(schema: dict) -> list[str]:
    if schema.get("format") in ("date", "date-time"):
        return HOSTILE_DATES
    if schema.get("type") == "array":
        return hostile_values(schema.get("items", {}))
    return HOSTILE_BY_TYPE.get(schema.get("type", "string"), HOSTILE)


def api_get_parameters() -> list[tuple[str, str, list[str]]]:
    """(path, query parameter, values to try) for every documented GET query parameter."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in sorted(schema["paths"].items()):
        for method, operation in operations.items():
            if method != "get":
                continue
            for param in operation.get("parameters", []):
                if param["in"] == "query":
                    spec = param.get("schema", {})
                    found.append((path, param["name"], hostile_values(spec)))
    return found


def list_views_with_filtersets() -> list[tuple[str, type]]:
    found = []
    for route, pattern in url_patterns():
        view = getattr(pattern.callback, "view_class", None)
        filterset = getattr(view, "filterset", None)
        if filterset is not None and "<" not in route:
            found.append(("/" + route, filterset))
    return found


def assert_sane(resp, what: str) -> None:
    assert resp.status_code < 500, f"{what} → {resp.status_code}"
    if resp.status_code == 400:
        text = resp.content.decode()
        if resp.get("Content-Type", "").startswith("application/json"):
            text = str(resp.json())  # JSON may spell Chinese as \\u escapes
        assert CHINESE.search(text), f"{what}: 400 without a Chinese message"


def test_discovery_finds_the_lists():
    """The walk would be hollow if discovery found nothing: the known lists are in it."""
    params = {(path, name): values for path, name, values in api_get_parameters()}
    assert {"/api/members/", "/api/participations/", "/api/campaigns/"} <= {p for p, _ in params}
    assert HUGE in params["/api/members/", "join_year"]
    assert "2024-13-45" in params["/api/activities/", "date_after"]
    assert "/members/" in argless_pages() and "/audit/" in argless_pages()
    assert {"year", "within", "month"} <= hand_read_names()
    assert any(route == "/members/" for route, _ in list_views_with_filtersets())


def test_every_api_parameter_read_by_hand_is_documented():
    """The walk below (and schemathesis) reach what the schema documents: a parameter an API
    view reads by hand must be in it."""
    documented = {name for _path, name, _values in api_get_parameters()}
    assert hand_read_names(API_HAND_READ) - documented == set()


def test_every_api_query_parameter_survives_hostile_values(client, world):
    client.force_login(world.admin)
    client.raise_request_exception = False
    for path, name, values in api_get_parameters():
        if "{" in path:
            continue  # detail views read no filter; their id is schemathesis' to fuzz
        for value in values:
            resp = client.get(path, {name: value})
            assert_sane(resp, f"GET {path}?{name}={value[:20]!r}")


def test_every_page_survives_hostile_values_in_every_parameter(client, world):
    client.force_login(world.admin)
    client.raise_request_exception = False  # a 500 is reported with its URL below
    names = hand_read_names()
    for flt in list_views_with_filtersets():
        names |= set(flt[1].base_filters)
    for page in argless_pages():
        for value in PAGE_VALUES:
            resp = client.get(page, dict.fromkeys(names, value))
            assert_sane(resp, f"GET {page} (every parameter = {value[:20]!r})")


def test_every_form_post_survives_hostile_values_in_every_field(client, world):
    """The values a view reads from a form post by hand (`request.POST.get("delete")` …)."""
    client.force_login(world.admin)
    client.raise_request_exception = False
    names = hand_read_names(POST_HAND_READ)
    assert {"delete", "item"} <= names
    posting = [
        "/" + route
        for route, pattern in url_patterns()
        if hasattr(getattr(pattern.callback, "view_class", None), "post")
        and "<" not in route
        and not route.startswith("api")
        and "/" + route not in SKIP_PAGES
    ]
    assert "/rules/holidays/" in posting
    for page in posting:
        for value in POST_VALUES:
            resp = client.post(page, dict.fromkeys(names, value))
            assert_sane(resp, f"POST {page} (every field = {value[:20]!r})")


def test_list_pages_ignore_a_bad_filter_and_say_why(client, world):
    """Out-of-range ids, years and dates: the page answers 200, shows the message."""
    client.force_login(world.admin)
    checked = 0
    for route, filterset in list_views_with_filtersets():
        for name, flt in filterset.base_filters.items():
            if not isinstance(flt, RANGE_CHECKED):
                continue
            value = "2024-13-45" if "date" in type(flt).__name__.lower() else str(10**20)
            resp = client.get(route, {name: value})
            assert resp.status_code == 200, f"{route}?{name}={value}"
            message = filterset({name: value}, request=resp.wsgi_request).errors[name][0]
            assert CHINESE.search(message), message
            page = resp.content.decode()
            assert "筛选条件有误" in page and escape(message) in page, (
                f"{route}?{name}={value}: no visible message"
            )
            checked += 1
    assert checked >= 5
