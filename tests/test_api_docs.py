"""The OpenAPI schema and the Swagger UI are served offline (DESIGN §1 principle 5)."""

import re

import pytest


@pytest.mark.django_db
def test_swagger_ui_is_served_from_local_static_files(client, tree, make_user):
    client.force_login(make_user("viewer", tree.unit_a))
    resp = client.get("/api/docs/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    # no script or stylesheet from another host
    assert not re.search(r'(src|href)="https?://', html)


@pytest.mark.django_db
def test_schema_lists_the_platform_endpoints(client, tree, make_user):
    client.force_login(make_user("viewer", tree.unit_a))
    resp = client.get("/api/schema/", {"format": "json"})
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    for path in (
        "/api/orgs/",
        "/api/units/",
        "/api/terms/",
        "/api/members/",
        "/api/users/",
        "/api/metrics/",
        "/api/activities/",
        "/api/participations/",
    ):
        assert path in paths, path


def test_docs_and_schema_need_a_login(client, db):
    assert client.get("/api/docs/").status_code == 401
    assert client.get("/api/schema/").status_code == 401
