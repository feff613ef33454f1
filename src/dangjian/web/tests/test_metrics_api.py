"""/api/metrics/ and /api/metrics/<id>/: values scoped by restrict, 400/401/404 answers."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dangjian.core.metrics import MetricScope, registry
from dangjian.orgs.models import Organization, OrgKind

pytestmark = [pytest.mark.django_db, pytest.mark.urls("dangjian.web.tests.urls_api")]

URL = "/api/metrics/"
UNIT = f"{URL}orgs.unit_party_count/"
GRASSROOTS = f"{URL}orgs.grassroots_count/"


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def test_anonymous_is_401(client, tree):
    assert client.get(URL).status_code == 401
    response = client.get(UNIT)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_detail_value_and_shape(client, tree, make_user):
    response = get(client, make_user("committee_admin", tree.root), UNIT, year=2024)
    assert response.status_code == 200
    assert response.json() == {
        "id": "orgs.unit_party_count",
        "label": "市直机关党组织数",
        "unit": "个",
        "value": 2,
        "year": 2024,
    }


def test_year_defaults_to_this_year(client, tree, make_user):
    body = get(client, make_user("committee_admin", tree.root), GRASSROOTS).json()
    assert body["year"] == timezone.localdate().year
    assert body["value"] == 2


def test_year_is_respected(client, tree, make_user):
    """An org dissolved in 2023 still counts for 2022 but not for 2024."""
    Organization.objects.filter(pk=tree.branch_b.pk).update(
        established_on="2010-01-01", dissolved_on="2023-06-30", status="dissolved"
    )
    user = make_user("committee_admin", tree.root)
    assert get(client, user, GRASSROOTS, year=2022).json()["value"] == 2
    assert get(client, user, GRASSROOTS, year=2024).json()["value"] == 1


def test_scope_is_respected(client, tree, make_user):
    user = make_user("unit_admin", tree.unit_b)
    assert get(client, user, UNIT).json()["value"] == 1
    assert get(client, user, GRASSROOTS).json()["value"] == 1
    # a user without any org scope sees zeros, not the city's figures
    assert get(client, make_user("system_admin"), UNIT).json()["value"] == 0


def test_within_limits_to_a_subtree(client, tree, make_user):
    user = make_user("committee_admin", tree.root)
    body = get(client, user, GRASSROOTS, within=tree.unit_a.pk).json()
    assert body["value"] == 1
    assert get(client, user, UNIT, within=tree.branch_a.pk).json()["value"] == 0


def test_within_outside_scope_is_404_like_missing(client, tree, make_user):
    user = make_user("unit_admin", tree.unit_a)
    outside = get(client, user, UNIT, within=tree.unit_b.pk)
    missing = get(client, user, UNIT, within=999999)
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_within_must_be_a_number(client, tree, make_user):
    response = get(client, make_user("committee_admin", tree.root), UNIT, within="甲局")
    assert response.status_code == 400
    assert "within" in response.json()


@pytest.mark.parametrize("year", ["1999", "2101", "二〇二四", "2024.5", "-1"])
def test_bad_year_is_400_in_chinese(client, tree, make_user, year):
    response = get(client, make_user("committee_admin", tree.root), UNIT, year=year)
    assert response.status_code == 400
    assert "年度须为 2000 至 2100 之间的整数" in response.json()["year"][0]


@pytest.mark.parametrize("year", ["2000", "2100"])
def test_year_bounds_are_accepted(client, tree, make_user, year):
    assert get(client, make_user("committee_admin", tree.root), UNIT, year=year).status_code == 200


def test_unknown_metric_is_404(client, tree, make_user):
    response = get(client, make_user("committee_admin", tree.root), f"{URL}no.such_metric/")
    assert response.status_code == 404
    assert "no.such_metric" in response.json()["detail"]


def test_list_has_every_metric_with_its_value(client, tree, make_user):
    user = make_user("unit_admin", tree.unit_a)
    body = get(client, user, URL, year=2024).json()
    assert body["count"] == len(registry.all()) == len(body["results"])
    by_id = {row["id"]: row for row in body["results"]}
    assert by_id["orgs.unit_party_count"]["value"] == 1
    assert by_id["orgs.grassroots_count"] == {
        "id": "orgs.grassroots_count",
        "label": "基层党组织数",
        "unit": "个",
        "value": 1,
        "year": 2024,
    }
    # every value equals what the registry computes for the same scope
    scope = MetricScope(user, 2024)
    assert {k: v["value"] for k, v in by_id.items()} == {
        m.id: m.value(scope) for m in registry.all()
    }


def test_list_validates_its_parameters(client, tree, make_user):
    user = make_user("unit_admin", tree.unit_a)
    assert get(client, user, URL, year="abc").status_code == 400
    assert get(client, user, URL, within=tree.unit_b.pk).status_code == 404
    body = get(client, user, URL, within=tree.branch_a.pk).json()
    assert {r["id"]: r["value"] for r in body["results"]}["orgs.grassroots_count"] == 1


def test_token_auth(client, tree, make_user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=make_user("committee_admin", tree.root))
    response = client.get(UNIT, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["value"] == 2


def test_new_org_kind_counts(client, tree, make_user):
    tree.unit_a.add_child(kind=OrgKind.PARTY_COMMITTEE, name="甲局某中心党委")
    assert get(client, make_user("committee_admin", tree.root), GRASSROOTS).json()["value"] == 3


def test_schema_documents_the_metrics_endpoints(client, tree, make_user):
    response = get(client, make_user("committee_admin", tree.root), "/api/schema/", format="json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/metrics/" in paths
    params = {p["name"] for p in paths["/api/metrics/{metric_id}/"]["get"]["parameters"]}
    assert {"metric_id", "year", "within"} <= params
    assert paths["/api/metrics/"]["get"]["operationId"] == "metrics_list"
    assert paths["/api/metrics/{metric_id}/"]["get"]["operationId"] == "metrics_retrieve"


@pytest.mark.urls("dangjian.urls")
def test_wired_into_the_project_api():
    from django.urls import resolve

    assert resolve(URL).func.view_class.__name__ == "MetricListView"
    assert resolve(UNIT).kwargs == {"metric_id": "orgs.unit_party_count"}
