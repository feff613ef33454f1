"""The explicit, audited reveal of a member's ID number or phone."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from .conftest import ID_NUMBER, PHONE
from .factories import MemberFactory

pytestmark = pytest.mark.django_db


def _events(action):
    return apps.get_model("audit", "AuditEvent").objects.filter(action=action)


@pytest.mark.parametrize("role", ["committee_admin", "unit_admin", "branch_secretary"])
def test_allowed_roles_see_plaintext_and_it_is_audited(zhang, tree, login, role):
    org = {
        "committee_admin": tree.root,
        "unit_admin": tree.unit_a,
        "branch_secretary": tree.branch_a,
    }[role]
    client = login(role, org)
    resp = client.post(reverse("members:member_reveal", args=[zhang.pk]), {"field": "id_number"})
    assert resp.status_code == 200
    assert resp.json() == {"id": zhang.pk, "field": "id_number", "value": ID_NUMBER}
    assert "no-store" in resp["Cache-Control"]
    event = _events("reveal").get()
    assert event.outcome == "success"
    assert event.actor_id == client.user.pk
    assert event.object_type == "members.member" and event.object_id == str(zhang.pk)
    assert event.detail == {"field": "id_number"}
    assert ID_NUMBER not in str(vars(event))


def test_htmx_gets_a_fragment(zhang, tree, login):
    client = login("branch_secretary", tree.branch_a)
    resp = client.post(
        reverse("members:member_reveal", args=[zhang.pk]),
        {"field": "phone"},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/html")
    assert PHONE in resp.content.decode()


def test_detail_page_offers_the_button_only_when_allowed(zhang, tree, login, client):
    url = reverse("members:member_reveal", args=[zhang.pk])
    body = login("branch_secretary", tree.branch_a).get(
        reverse("members:member_detail", args=[zhang.pk])
    )
    assert url in body.content.decode()
    client.logout()
    body = login("viewer", tree.unit_a).get(reverse("members:member_detail", args=[zhang.pk]))
    assert url not in body.content.decode()


@pytest.mark.parametrize("role", ["viewer", "organization_officer", "system_admin", "audit_admin"])
def test_roles_without_reveal_get_403(zhang, tree, login, role):
    org = None if role in ("system_admin", "audit_admin") else tree.unit_a
    resp = login(role, org).post(
        reverse("members:member_reveal", args=[zhang.pk]), {"field": "id_number"}
    )
    assert resp.status_code == 403
    assert ID_NUMBER not in resp.content.decode()
    assert not _events("reveal").filter(outcome="success").exists()
    assert _events("permission_denied").exists()


def test_out_of_reveal_scope_is_404_and_audited_as_failure(tree, login):
    other = MemberFactory(org=tree.branch_b)
    # Can view the whole tree, but reveal only in 甲局's branch.
    client = login("viewer", tree.root, also=[("branch_secretary", tree.branch_a)])
    resp = client.post(reverse("members:member_reveal", args=[other.pk]), {"field": "id_number"})
    assert resp.status_code == 404
    assert other.id_number not in resp.content.decode()
    event = _events("reveal").get()
    assert event.outcome == "failure" and event.detail == {"field": "id_number"}


def test_invisible_member_is_404(tree, login):
    other = MemberFactory(org=tree.branch_b)
    resp = login("unit_admin", tree.unit_a).post(
        reverse("members:member_reveal", args=[other.pk]), {"field": "phone"}
    )
    assert resp.status_code == 404


def test_get_anonymous_and_bad_field(zhang, tree, login, client):
    url = reverse("members:member_reveal", args=[zhang.pk])
    resp = client.post(url, {"field": "id_number"})
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    client = login("unit_admin", tree.unit_a)
    assert client.get(url).status_code == 405
    assert client.post(url, {"field": "name"}).status_code == 400
    assert not _events("reveal").exists()
