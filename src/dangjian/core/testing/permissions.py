"""The generic permission test mixin (DESIGN §4), run for every scoped model and endpoint.

Subclass in an app's tests, set the class attributes and implement `make_object`; the
checks come for free:

- anonymous → login (pages) / 401 (API);
- no permission anywhere → 403 (list, detail, edit and delete pages, API list);
- in scope → 200, and the object is on the HTML list and in the API list;
- out of scope → 404 (detail, API detail), absent from the HTML list and the API list;
- out of scope, by a user who may edit and delete in their own subtree → 404 for the edit
  and delete pages (GET and POST) and for API PATCH and DELETE, and the object unchanged;
- every edit/delete page of the model (found in the URLconf) is declared, so none is
  left out of the check above.

A model created through its API list subclasses `ApiWritePermissionTestMixin` and
implements `api_payload`, which adds the audited, scoped API write:

    class TestMemberPermissions(ApiWritePermissionTestMixin):
        model = Member
        list_url = "members:member_list"
        detail_url = "members:member_detail"
        edit_url = "members:member_edit"
        delete_url = "members:member_delete"
        api_list = "/api/members/"
        def make_object(self, org): return MemberFactory(org=org)
        def api_payload(self, org): return {...}

Fixtures used (root conftest.py): `tree` (orgs: root, unit_a, branch_a, group_a, unit_b,
branch_b), `make_user(role=None, org=None)` and `client`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dangjian.core.models import snapshot
from dangjian.core.views import ObjectDeleteView, ObjectEditView, ScopedViewMixin

# An endpoint that does not write at all (405), or that no role writes through (403),
# refuses every object alike: accepted instead of 404 only when the object in scope gets
# the same answer (nothing tells the two apart, nothing is written).
REFUSED_ALIKE = (403, 405)


class PermissionTestMixin:
    model: Any = None
    list_url: str | None = None  # URL name of the HTML list
    list_query = ""  # appended to the list URL, e.g. "?year=" to list every year
    detail_url: str | None = None  # URL name taking pk
    edit_url: str | None = None  # URL name of the HTML edit page, taking pk
    delete_url: str | None = None  # URL name of the HTML delete page (POST deletes), taking pk
    other_write_urls: tuple[str, ...] = ()  # other pages taking pk that POST a change
    api_list: str | None = None  # path of the API list, e.g. "/api/members/"
    view_role = "viewer"  # a scoped role that grants view on `model`
    write_role = "unit_admin"  # a scoped role that grants add/change/delete on `model`
    denied_role = "audit_admin"  # a role holding no permission on `model`

    def make_object(self, org) -> Any:
        raise NotImplementedError

    def list_marker(self, obj) -> str:
        """What shows `obj` on the HTML list: by default the link to its detail page."""
        assert self.detail_url, "set detail_url, or override list_marker"
        return f'href="{self._detail(obj)}"'

    # --- helpers ------------------------------------------------------------------
    def _detail(self, obj) -> str:
        assert self.detail_url
        return reverse(self.detail_url, args=[obj.pk])

    def _api_detail(self, obj) -> str:
        assert self.api_list
        return f"{self.api_list}{obj.pk}/"

    def _list_html(self, client) -> str:
        assert self.list_url
        resp = client.get(reverse(self.list_url) + self.list_query)
        assert resp.status_code == 200, resp.status_code
        return resp.content.decode()

    def _write_pages(self) -> list[str]:
        return [n for n in (self.edit_url, self.delete_url, *self.other_write_urls) if n]

    def _state(self, obj) -> dict | None:
        fresh = self.model._base_manager.filter(pk=obj.pk).first()
        return None if fresh is None else snapshot(fresh)

    # --- the checks -----------------------------------------------------------------
    @pytest.mark.django_db
    def test_anonymous_is_sent_to_login(self, client, tree):
        obj = self.make_object(tree.branch_a)
        pages = [reverse(self.list_url)] if self.list_url else []
        pages += [reverse(name, args=[obj.pk]) for name in (self.detail_url, self.edit_url) if name]
        for url in pages:
            resp = client.get(url)
            assert resp.status_code == 302 and "/accounts/login/" in resp["Location"], url
        if self.api_list:
            assert client.get(self.api_list).status_code == 401
            assert client.get(self._api_detail(obj)).status_code == 401

    @pytest.mark.django_db
    def test_without_permission_is_403(self, client, tree, make_user):
        obj = self.make_object(tree.branch_a)
        client.force_login(make_user(self.denied_role))
        if self.list_url:
            assert client.get(reverse(self.list_url)).status_code == 403
        for name in (self.detail_url, self.edit_url):
            if name:
                assert client.get(reverse(name, args=[obj.pk])).status_code == 403, name
        for name in self._write_pages():
            assert client.post(reverse(name, args=[obj.pk])).status_code == 403, name
        if self.api_list:
            assert client.get(self.api_list).status_code == 403

    @pytest.mark.django_db
    def test_in_scope_is_200(self, client, tree, make_user):
        obj = self.make_object(tree.branch_a)
        client.force_login(make_user(self.view_role, tree.unit_a))
        if self.detail_url:
            assert client.get(self._detail(obj)).status_code == 200
        if self.list_url:
            # The positive control of the absence check below: the object is listed.
            assert self.list_marker(obj) in self._list_html(client)
        if self.api_list:
            resp = client.get(self.api_list)
            assert resp.status_code == 200
            assert obj.pk in {row["id"] for row in resp.json()["results"]}
            assert client.get(self._api_detail(obj)).status_code == 200

    @pytest.mark.django_db
    def test_out_of_scope_is_404(self, client, tree, make_user):
        inside = self.make_object(tree.branch_a)
        obj = self.make_object(tree.branch_b)
        client.force_login(make_user(self.view_role, tree.unit_a))
        if self.detail_url:
            assert client.get(self._detail(obj)).status_code == 404
        if self.list_url:
            html = self._list_html(client)
            assert self.list_marker(inside) in html  # the list shows rows: absence means something
            assert self.list_marker(obj) not in html
        if self.api_list:
            resp = client.get(self.api_list)
            ids = {row["id"] for row in resp.json()["results"]}
            assert inside.pk in ids and obj.pk not in ids
            assert client.get(self._api_detail(obj)).status_code == 404
        assert (
            not self.model.objects.restrict(make_user(self.view_role, tree.unit_a))
            .filter(pk=obj.pk)
            .exists()
        )

    @pytest.mark.django_db
    def test_out_of_scope_edit_and_delete_are_404(self, client, tree, make_user):
        """A user who may edit and delete in their own subtree reaches nothing outside it:
        every page and API method that writes answers 404, and the object is unchanged."""
        inside = self.make_object(tree.branch_a)
        obj = self.make_object(tree.branch_b)
        before = self._state(obj)
        client.force_login(make_user(self.write_role, tree.unit_a))
        if self.edit_url:
            # Positive control: the role may edit here, so a 404 below is the scope's answer.
            assert client.get(reverse(self.edit_url, args=[inside.pk])).status_code == 200
            assert client.get(reverse(self.edit_url, args=[obj.pk])).status_code == 404
        if self.delete_url:
            answer = client.get(reverse(self.delete_url, args=[obj.pk])).status_code
            assert answer in (404, 405), answer  # a POST-only delete page answers 405
        for name in self._write_pages():
            resp = client.post(reverse(name, args=[obj.pk]))
            assert resp.status_code == 404, (name, resp.status_code)
        if self.api_list:
            for method in ("patch", "delete"):
                answer = getattr(client, method)(
                    self._api_detail(obj), {}, content_type="application/json"
                ).status_code
                if answer in REFUSED_ALIKE:
                    same = getattr(client, method)(
                        self._api_detail(inside), {}, content_type="application/json"
                    ).status_code
                    assert same == answer, (method, answer, same)
                else:
                    assert answer == 404, (method, answer)
        assert self._state(obj) == before, "an out-of-scope write changed the object"

    def test_every_edit_and_delete_page_is_checked(self):
        """The URLconf's edit and delete pages of this model are all declared above, so the
        out-of-scope check covers each of them (a new page cannot be forgotten)."""
        declared = set(self._write_pages())
        missing = {
            name for name, view in _pages_taking_pk() if _writes(view, self.model)
        } - declared
        assert not missing, (
            f"{self.model.__name__}: pages not in edit_url/delete_url/other_write_urls: "
            f"{sorted(missing)}"
        )


def _pages_taking_pk(patterns: Any = None, namespace: str = ""):
    """(namespaced URL name, view class) of every named class-based page taking `pk`."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _pages_taking_pk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            view = getattr(entry.callback, "view_class", None)
            if view is not None and "pk" in entry.pattern.converters:
                yield f"{namespace}{entry.name}", view


def _writes(view: Any, model: Any) -> bool:
    """A page that changes or deletes the `model` object its pk names."""
    if not issubclass(view, ScopedViewMixin):
        return False
    queryset = getattr(view, "queryset", None)
    if queryset is None or queryset.model is not model:
        return False
    if issubclass(view, ObjectEditView | ObjectDeleteView):
        return True
    if view.action == "add":
        return False  # its pk names the object it adds under, not one of this model
    return view.action != "view" or callable(getattr(view, "post", None))


class ApiWritePermissionTestMixin(PermissionTestMixin):
    """The checks plus the audited, scoped API write, for models created through
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
