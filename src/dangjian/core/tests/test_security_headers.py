"""Every answer of the application carries the CSP and may not be stored by any cache.

Not a list of pages: the URL resolver is walked and every URL it yields (objects planted
under one id, core.testing.routes) is fetched as a user who may see everything, pages and
API alike. Static files, answered by WhiteNoise before the application, stay cacheable.
"""

from __future__ import annotations

import pytest

from dangjian.core.middleware import CONTENT_SECURITY_POLICY
from dangjian.core.testing.routes import PK, routes, urls_of

# What the policy must say (DESIGN §11); a test of the header, not of its spelling.
REQUIRED = [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


def assert_private(response, url: str) -> None:
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
    cache = response.get("Cache-Control", "")
    assert "no-store" in cache and "private" in cache, f"{url}: Cache-Control {cache!r}"
    assert response.get("Pragma") == "no-cache", url


def test_the_policy_is_strict():
    directives = [d.strip() for d in CONTENT_SECURITY_POLICY.split(";")]
    for needed in REQUIRED:
        assert needed in directives
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "*" not in CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_every_page_and_api_answer_is_private(world, client):
    client.force_login(world.user)
    values = {"IntConverter": [str(PK)], "StringConverter": ["x"], "SlugConverter": ["members"]}
    seen: dict[int, int] = {}
    answered = set()
    for route in routes():
        for url in urls_of(route, values):
            for query in ("", "?export=xlsx"):
                response = client.get(url + query)
                seen[response.status_code] = seen.get(response.status_code, 0) + 1
                assert_private(response, url + query)
                if response.status_code == 200:
                    answered.add(route.name)
    # The walk reached the pages that hold personal data, as HTML, JSON and xlsx.
    assert {
        "members:member_list",
        "members:member_detail",
        "activities:activity_detail",
        "assessments:assessment_detail",
        "member-list",  # /api/members/
        "api-docs",
    } <= answered, sorted(answered)
    assert seen.get(200, 0) > 50


@pytest.mark.django_db
def test_anonymous_answers_too(client):
    for url in ("/accounts/login/", "/api/members/", "/members/", "/no-such-page/"):
        assert_private(client.get(url), url)


@pytest.mark.django_db
def test_static_files_stay_cacheable(client):
    response = client.get("/static/web/app.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
