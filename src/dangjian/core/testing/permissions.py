"""The generic permission test mixin (DESIGN §4), run for every scoped model and endpoint.

Subclass in an app's tests, set the class attributes and implement `make_object`; the
four read checks come for free. A model created through its API list subclasses
`ApiWritePermissionTestMixin` and implements `api_payload`, which adds the fifth check
(the write is audited, and refused outside the writer's scope):

    class TestMemberPermissions(ApiWritePermissionTestMixin):
        model = Member
        detail_url = "members:member_detail"
        list_url = "members:member_list"
        api_list = "/api/members/"
        def make_object(self, org): return MemberFactory(org=org)
        def api_payload(self, org): return {...}

Fixtures used (root conftest.py): `tree` (orgs: root, unit_a, branch_a, group_a, unit_b,
branch_b), `make_user(role=None, org=None)` and `client`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse


class PermissionTestMixin:
    model: Any = None
    list_url: str | None = None  # URL name of the HTML list
    detail_url: str | None = None  # URL name taking pk
    api_list: str | None = None  # path of the API list, e.g. "/api/members/"
    view_role = "viewer"  # a scoped role that grants view on `model`
    write_role = "unit_admin"  # a scoped role that grants add/change on `model`
    denied_role = "audit_admin"  # a role holding no permission on `model`

    def make_object(self, org) -> Any:
        raise NotImplementedError

    # --- helpers ------------------------------------------------------------------
    def _detail(self, obj) -> str:
        assert self.detail_url
        return reverse(self.detail_url, args=[obj.pk])

    def _api_detail(self, obj) -> str:
        assert self.api_list
        return f"{self.api_list}{obj.pk}/"

    # --- the checks -----------------------------------------------------------------
    @pytest.mark.django_db
    def test_anonymous_is_sent_to_login(self, client, tree):
        obj = self.make_object(tree.branch_a)
        if self.list_url:
            resp = client.get(reverse(self.list_url))
            assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
        if self.detail_url:
            resp = client.get(self._detail(obj))
            assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
        if self.api_list:
            assert client.get(self.api_list).status_code == 401
            assert client.get(self._api_detail(obj)).status_code == 401

    @pytest.mark.django_db
    def test_without_permission_is_403(self, client, tree, make_user):
        obj = self.make_object(tree.branch_a)
        client.force_login(make_user(self.denied_role))
        if self.list_url:
            assert client.get(reverse(self.list_url)).status_code == 403
        if self.detail_url:
            assert client.get(self._detail(obj)).status_code == 403
        if self.api_list:
            assert client.get(self.api_list).status_code == 403

    @pytest.mark.django_db
    def test_in_scope_is_200(self, client, tree, make_user):
        obj = self.make_object(tree.branch_a)
        client.force_login(make_user(self.view_role, tree.unit_a))
        if self.detail_url:
            assert client.get(self._detail(obj)).status_code == 200
        if self.list_url:
            assert client.get(reverse(self.list_url)).status_code == 200
        if self.api_list:
            resp = client.get(self.api_list)
            assert resp.status_code == 200
            assert obj.pk in {row["id"] for row in resp.json()["results"]}
            assert client.get(self._api_detail(obj)).status_code == 200

    @pytest.mark.django_db
    def test_out_of_scope_is_404(self, client, tree, make_user):
        obj = self.make_object(tree.branch_b)
        client.force_login(make_user(self.view_role, tree.unit_a))
        if self.detail_url:
            assert client.get(self._detail(obj)).status_code == 404
        if self.api_list:
            resp = client.get(self.api_list)
            assert obj.pk not in {row["id"] for row in resp.json()["results"]}
            assert client.get(self._api_detail(obj)).status_code == 404
        assert (
            not self.model.objects.restrict(make_user(self.view_role, tree.unit_a))
            .filter(pk=obj.pk)
            .exists()
        )


class ApiWritePermissionTestMixin(PermissionTestMixin):
    """The five checks plus the audited, scoped API write, for models created through
    `api_list`. Models written only through another object (a participation through its
    activity, an item result through its assessment) use PermissionTestMixin; their writes
    are tested with that object."""

    def api_payload(self, org) -> dict:
        """A valid POST body creating an object under `org`."""
        raise NotImplementedError

    @pytest.mark.django_db
    def test_write_is_audited(self, client, tree, make_user):
        from django.apps import apps

        assert self.api_list, "an API write needs api_list"
        payload = self.api_payload(tree.branch_a)
        AuditEvent = apps.get_model("audit", "AuditEvent")
        client.force_login(make_user(self.write_role, tree.unit_a))
        resp = client.post(self.api_list, payload, content_type="application/json")
        assert resp.status_code == 201, resp.content
        new_id = str(resp.json()["id"])
        event = AuditEvent.objects.filter(
            action="create", object_type=self.model._meta.label_lower, object_id=new_id
        ).get()
        assert event.outcome == "success" and event.after
        # and the same payload aimed outside the writer's scope is refused, nothing saved
        before = self.model.objects.count()
        outside = self.api_payload(tree.branch_b)
        resp = client.post(self.api_list, outside, content_type="application/json")
        assert resp.status_code in (400, 404)
        assert self.model.objects.count() == before
