"""Writes by side (DESIGN §4): the generic test for every model that declares `write_sides`.

When one org writes about another — the 工委 checks a branch, raises a finding — only the
writing side changes or deletes what it wrote; the checked org answers (a rectification,
its proof) but never edits the other side's record. A model declares this once in
`write_sides`; this mixin checks the declaration says what the test class intends, and
that every way in — `restrict()`, `obj.allows()`, the API and the write pages — obeys it:

    class TestFindingSides(WriteBySideTestMixin):
        model = Finding
        sides = {"add": CHECKING, "change": CHECKING, "delete": CHECKING}
        api_detail = "/api/findings/{pk}/"
        api_change = {"text": "改写的问题描述"}
        api_delete = True

        def make_object(self, tree):  # written by tree.root's side about tree.branch_a
            return make_finding(tree.branch_a, raised_by=tree.root)

The cast, on the shared `tree`: the checking side is `checking_role` at the 工委
(tree.root); the checked side is `checked_role` at 甲局机关党委 (tree.unit_a), above the
checked branch, so it holds every permission over the branch's subtree — only the side
rule keeps it out; a stranger is `checked_role` at 乙局机关党委 (tree.unit_b).
For a CHECKING action the checked side is refused and the checking side may; for an
ANSWERING action (the checked org's own answer) the checked side may and a stranger not.
Refused means: not in `restrict(user, action)`, `allows()` False, every HTTP write
answered 403/404/405 (an add may be a 400: the org it names cannot be picked) (PATCH, PUT and DELETE on `api_detail` are always tried), and the row
unchanged in the database (for an add: no row added). Each write request of the writing
side must change the row, delete it, or add one.

`side_test_classes()` finds the test classes; core/tests/test_write_sides.py asserts that
every model declaring `write_sides` has one, so a new model cannot be forgotten.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from dangjian.core.models import snapshot
from dangjian.core.scoping import holds, perm_name

CHECKING = "checking"  # written by the checking side (the 工委 over the checked branch)
ANSWERING = "answering"  # the checked org's own answer
REFUSED = (403, 404, 405)


@dataclass
class WriteRequest:
    """One HTTP write of a row: a page's POST or an API call (`data` sent as JSON when
    `json` is true, else as a form). `setup(obj)` puts the row in the state the write
    needs first (e.g. a rectification submitted before it is verified)."""

    action: str
    method: str
    url: str
    data: dict[str, Any] | None = None
    json: bool = True
    setup: Callable[[Any], None] | None = None


class WriteBySideTestMixin:
    model: Any = None
    sides: dict[str, str] = {}  # action → CHECKING | ANSWERING: exactly the declared actions
    api_detail: str | None = None  # e.g. "/api/findings/{pk}/"
    api_change: dict[str, Any] | None = None  # a PATCH body, when the API offers change
    api_delete = False  # the API offers DELETE
    checking_role = "committee_admin"
    checked_role = "unit_admin"

    def make_object(self, tree) -> Any:
        """A row written by tree.root's side about tree.branch_a (a fresh one per call)."""
        raise NotImplementedError

    def write_requests(self, obj) -> list[WriteRequest]:
        """The pages and API actions, other than `api_detail`'s, that write `obj` (or for
        "add", create a row of the model in the checking side's name, next to `obj`)."""
        return []

    # --- helpers ----------------------------------------------------------------------
    def _requests(self, obj, *, offered_only: bool) -> list[WriteRequest]:
        found = list(self.write_requests(obj))
        if self.api_detail:
            url = self.api_detail.format(pk=obj.pk)
            if self.api_change is not None or not offered_only:
                found.append(WriteRequest("change", "patch", url, self.api_change or {}))
            if not offered_only:
                found.append(WriteRequest("change", "put", url, self.api_change or {}))
            if self.api_delete or not offered_only:
                found.append(WriteRequest("delete", "delete", url))
        return found

    def _users(self, tree, make_user, action: str) -> tuple[Any, Any]:
        """(the side that may `action`, the side that may not)."""
        checked = make_user(self.checked_role, tree.unit_a)
        if self.sides[action] == CHECKING:
            return make_user(self.checking_role, tree.root), checked
        return checked, make_user(self.checked_role, tree.unit_b)

    def _state(self, obj, request: WriteRequest) -> Any:
        """What the write may change: the row (None once deleted), or for an add the
        number of rows of the model."""
        if request.action == "add":
            return self.model.objects.count()
        row = self.model.objects.filter(pk=obj.pk).first()
        return None if row is None else snapshot(row)

    @staticmethod
    def _send(client, request: WriteRequest):
        send = getattr(client, request.method)
        if request.json and request.data is not None:
            return send(request.url, request.data, content_type="application/json")
        if request.method == "delete":
            return send(request.url)
        return send(request.url, request.data or {})

    # --- the checks -------------------------------------------------------------------
    @pytest.mark.django_db
    def test_declared_sides_are_the_intended_ones(self, tree):
        """The model declares exactly the actions this class names, each on the org the
        class says: the checking side's (tree.root) or the checked org's own."""
        declared = getattr(self.model, "write_sides", {})
        assert set(declared) == set(self.sides), (
            f"{self.model.__name__}.write_sides declares {sorted(declared)}, "
            f"the test names {sorted(self.sides)}"
        )
        obj = self.model.objects.get(pk=self.make_object(tree).pk)
        for action, side in self.sides.items():
            expected = tree.root if side == CHECKING else tree.branch_a
            assert obj.side_path(action) == expected.path, action

    @pytest.mark.django_db
    def test_only_the_writing_side_may_through_restrict_and_allows(self, tree, make_user):
        obj = self.model.objects.get(pk=self.make_object(tree).pk)
        for action in self.sides:
            may, may_not = self._users(tree, make_user, action)
            perm = perm_name(self.model, action)
            # the refused user does hold the permission over the row's own org (the
            # checked branch, or for a stranger its own unit): only the side keeps it out
            assert holds(
                may_not,
                perm,
                (tree.branch_a if self.sides[action] == CHECKING else tree.branch_b).path,
            ), perm
            assert self.model.objects.restrict(may, action).filter(pk=obj.pk).exists(), action
            assert obj.allows(may, action), action
            assert not self.model.objects.restrict(may_not, action).filter(pk=obj.pk).exists(), (
                action
            )
            assert not obj.allows(may_not, action), action

    @pytest.mark.django_db
    def test_the_other_side_cannot_write_over_http(self, client, tree, make_user):
        probe = self.make_object(tree)
        count = len(self._requests(probe, offered_only=False))
        assert count, "list the pages or API calls that write this model (write_requests)"
        for n in range(count):
            obj = self.make_object(tree)
            request = self._requests(obj, offered_only=False)[n]
            if request.setup:
                request.setup(obj)
            _may, may_not = self._users(tree, make_user, request.action)
            client.force_login(may_not)
            before = self._state(obj, request)
            resp = self._send(client, request)
            # an add naming an org the user cannot pick is a 400, as for any foreign key
            refused = (*REFUSED, 400) if request.action == "add" else REFUSED
            assert resp.status_code in refused, (request, resp.status_code, resp.content[:300])
            assert before is not None and self._state(obj, request) == before, request

    @pytest.mark.django_db
    def test_the_writing_side_writes_over_http(self, client, tree, make_user):
        probe = self.make_object(tree)
        count = len(self._requests(probe, offered_only=True))
        assert count, "list the pages or API calls that write this model (write_requests)"
        for n in range(count):
            obj = self.make_object(tree)
            request = self._requests(obj, offered_only=True)[n]
            if request.setup:
                request.setup(obj)
            may, _may_not = self._users(tree, make_user, request.action)
            client.force_login(may)
            before = self._state(obj, request)
            resp = self._send(client, request)
            assert resp.status_code < 400, (request, resp.status_code, resp.content[:300])
            after = self._state(obj, request)
            if request.action == "add":
                assert after > before, request  # a row was added
            elif request.action == "delete":
                assert after is None, request
            else:
                assert after is not None and after != before, request


def side_test_classes() -> dict[Any, list[type]]:
    """Model → the WriteBySideTestMixin classes testing it, over every app's tests.

    Imports the test modules that mention the mixin (a test run of one file has not
    imported the others), then collects the subclasses."""
    import dangjian

    root = Path(dangjian.__file__).parent
    for path in sorted(root.glob("*/tests/**/*.py")):
        if "WriteBySideTestMixin" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(root).with_suffix("").parts
            importlib.import_module(".".join(("dangjian", *parts)))
    found: dict[Any, list[type]] = {}
    pending = list(WriteBySideTestMixin.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.model is not None:
            found.setdefault(cls.model, []).append(cls)
    return found


def side_declaring_models() -> list[Any]:
    """Every installed model that declares writes by side."""
    return [m for m in apps.get_models() if getattr(m, "write_sides", None)]
