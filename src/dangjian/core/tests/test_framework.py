"""The framework underneath every app: the one org-permission helper, the one save path
(edit view hook, service errors on forms, `emit(user=)`, one error collector) and the
shared query-count helper that must see the rows it was given."""

from __future__ import annotations

import json

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.core.forms import add_service_errors
from dangjian.core.scoping import SYSTEM, holds, holds_at_top
from dangjian.core.services import ErrorCollector, OutOfScope, emit
from dangjian.core.testing import querycount
from dangjian.members.models import Member
from dangjian.members.tests.factories import MemberFactory
from dangjian.orgs.models import Organization

# --- one org-permission helper ------------------------------------------------------------


def test_holds_without_a_path_is_anywhere_and_at_top_is_a_root_grant(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    assert holds(secretary, "members.change_member")
    assert not holds(secretary, "rules.change_rulesetting")
    assert not holds(make_user("audit_admin"), "members.view_member")
    step = Organization.steplen
    assert not holds_at_top(secretary, "members.change_member", step)
    assert holds_at_top(make_user("committee_admin", tree.root), "activities.change_tag", step)
    assert not holds_at_top(make_user("unit_admin", tree.unit_a), "orgs.change_organization", step)
    assert holds_at_top(SYSTEM, "anything.at_all", step)
    # "" lies above every root: only the whole-tree actor holds a permission there.
    assert holds(SYSTEM, "orgs.add_organization", "")
    assert not holds(make_user("committee_admin", tree.root), "orgs.add_organization", "")


# --- service errors on forms ------------------------------------------------------------


class MemberNameForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["name"]


def test_service_errors_go_on_their_field_or_on_top_with_a_label(db):
    form = MemberNameForm(data={"name": "张三"})
    assert form.is_valid()
    add_service_errors(
        form,
        ValidationError(
            {
                "name": ["姓名有误。"],
                "joined_on": ["入党日期不能晚于今天。"],  # a model field the form lacks
                "participations": ["第 1 位重复。"],  # not a field at all
                "id_number_blind": ["内部列冲突。"],  # Django's default (English) verbose name
                NON_FIELD_ERRORS: ["整体有误。"],
            }
        ),
        labels={"participations": "参加情况"},
    )
    assert form.errors["name"] == ["姓名有误。"]
    assert form.non_field_errors() == [
        "入党日期：入党日期不能晚于今天。",
        "参加情况：第 1 位重复。",
        "内部列冲突。",
        "整体有误。",
    ]


def test_a_plain_service_error_goes_on_top(db):
    form = MemberNameForm(data={"name": "张三"})
    assert form.is_valid()
    add_service_errors(form, ValidationError(["第一条。", "第二条。"]))
    assert form.non_field_errors() == ["第一条。", "第二条。"]


def test_django_add_error_raises_where_the_helper_does_not(db):
    """Why the helper exists: the members pages passed the service's error straight to
    `add_error(None, exc)`, which raises when it names a field the form lacks."""
    form = MemberNameForm(data={"name": "张三"})
    assert form.is_valid()
    with pytest.raises(ValueError):
        form.add_error(None, ValidationError({"joined_on": ["入党日期有误。"]}))


# --- the generic edit view's save hook ----------------------------------------------------


def test_member_edit_page_shows_a_service_error_on_a_field_the_form_lacks(
    client, tree, make_user, monkeypatch
):
    """The members edit page used to answer 500 (ValueError) here."""
    from dangjian.members import services

    member = MemberFactory(org=tree.branch_a)
    before = Member.objects.get(pk=member.pk).name

    def refuse(user, member, **fields):
        raise ValidationError({"name_initials": ["拼音首字母无法生成，请核对姓名。"]})

    monkeypatch.setattr(services, "update_member", refuse)
    client.force_login(make_user("unit_admin", tree.unit_a))
    page = reverse("members:member_edit", args=[member.pk])
    data = client.get(page).context["form"].initial | {"name": "新名字", "org": tree.branch_a.pk}
    data = {k: ("" if v is None else getattr(v, "pk", v)) for k, v in data.items()}
    resp = client.post(page, data)
    assert resp.status_code == 200
    assert "拼音首字母无法生成，请核对姓名。" in resp.content.decode()
    assert Member.objects.get(pk=member.pk).name == before


def test_edit_view_refuses_a_write_out_of_scope_with_a_message(
    client, tree, make_user, monkeypatch
):
    from dangjian.rules import services

    def out_of_scope(user, exemption, **fields):
        raise OutOfScope("对象不在您的管辖范围内。")

    monkeypatch.setattr(services, "save_exemption", out_of_scope)
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = client.post(
        reverse("rules:exemption_add"),
        {
            "org": tree.branch_a.pk,
            "rule_id": "branch.member_assembly.quarterly",
            "starts_on": "2024-03-01",
            "ends_on": "2024-06-30",
            "reason": "机构改革",
            "approved_by": "甲局机关党委",
        },
    )
    assert resp.status_code == 200
    assert "保存后的豁免将超出您的管辖范围，已取消保存。" in resp.content.decode()


def test_the_default_save_path_writes_and_audits(client, tree, make_user):
    """CommitteePost corrections go through ObjectEditView.save (services.save_object)."""
    import datetime as dt

    from dangjian.orgs.models import CommitteePost
    from dangjian.orgs.tests.helpers import make_member, make_term

    term = make_term(tree.branch_a, dt.date(2023, 5, 1))
    post = CommitteePost.objects.create(
        term=term, member=make_member(tree.branch_a), post="secretary"
    )
    user = make_user("unit_admin", tree.unit_a)
    client.force_login(user)
    resp = client.post(
        reverse("orgs:committeepost_edit", args=[post.pk]),
        {"post": "deputy_secretary", "assigned_on": "", "dismissed_on": ""},
    )
    assert resp.status_code == 302, resp.content.decode()
    post.refresh_from_db()
    assert post.post == "deputy_secretary"
    assert post.assigned_on == term.started_on  # an empty date is the term's start
    event = AuditEvent.objects.filter(
        action="update", object_type="orgs.committeepost", object_id=str(post.pk)
    ).get()
    assert event.actor_id == user.pk
    assert event.before["post"] == "secretary" and event.after["post"] == "deputy_secretary"


# --- emit(user=) and the error collector ---------------------------------------------------


def test_emit_names_the_user_it_is_given(tree, make_user):
    user = make_user("unit_admin", tree.unit_a)
    emit("update", tree.branch_a, user=user, operation="test")
    event = AuditEvent.objects.latest("id")
    assert (event.actor_id, event.actor_name) == (user.pk, user.username)
    assert event.detail == {"operation": "test"}


def test_error_collector_reports_every_problem_at_once():
    errors = ErrorCollector()
    assert not errors
    errors.raise_if_any()  # nothing collected: no error
    errors.add("name", "请填写名称。")
    errors.add("name", "名称太长。")
    errors.add("year", "年度超出范围。")
    assert errors
    with pytest.raises(ValidationError) as caught:
        errors.raise_if_any()
    assert caught.value.message_dict == {
        "name": ["请填写名称。", "名称太长。"],
        "year": ["年度超出范围。"],
    }


# --- the query-count helper ---------------------------------------------------------------


def test_query_count_fails_when_the_added_rows_are_not_on_the_page(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    url = reverse("orgs:organization_list")

    def add_nothing_shown():
        MemberFactory(org=tree.branch_a)  # members are not on the org list

    with pytest.raises(AssertionError, match="not on the page"):
        querycount.assert_query_count_constant(client, url, add_nothing_shown)

    def add_orgs():
        for i in range(3):
            tree.unit_b.refresh_from_db()
            tree.unit_b.add_child(kind="branch", name=f"新支部{i}")

    assert querycount.assert_query_count_constant(client, url, add_orgs) > 0


def test_table_rows_skips_the_empty_table_notice():
    class Page:
        def __init__(self, html):
            self.content = html.encode()

        def get(self, name, default=""):
            return "text/html"

    empty = '<table><tbody><tr><td colspan="5">没有符合条件的记录。</td></tr></tbody></table>'
    assert querycount.table_rows(Page(empty)) == 0
    two = "<table><tbody><tr><td>甲</td></tr><tr class='x'><td>乙</td></tr></tbody></table>"
    assert querycount.table_rows(Page(two)) == 2


def test_baseline_fails_above_and_below_and_records_on_request(tmp_path, monkeypatch):
    monkeypatch.delenv(querycount.UPDATE_ENV, raising=False)
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"page": 10, "other": 3}))
    querycount.check_baseline(path, "page", 10)
    with pytest.raises(AssertionError, match="regression"):
        querycount.check_baseline(path, "page", 11)
    with pytest.raises(AssertionError, match=r"lower the baseline .* to 9"):
        querycount.check_baseline(path, "page", 9)
    with pytest.raises(AssertionError, match="no query-count baseline"):
        querycount.check_baseline(path, "new", 4)
    monkeypatch.setenv(querycount.UPDATE_ENV, "1")
    querycount.check_baseline(path, "page", 9)
    querycount.check_baseline(path, "new", 4)
    assert json.loads(path.read_text()) == {"page": 9, "other": 3, "new": 4}


# --- the generic permission checks cover every scoped model ---------------------------------


def test_every_scoped_model_has_the_generic_permission_checks():
    """Each model whose manager restricts by the org tree has a PermissionTestMixin subclass
    in some app's tests, so a new model cannot ship without the generic checks."""
    import importlib
    import pkgutil

    from django.apps import apps

    import dangjian
    from dangjian.core.querysets import RestrictedQuerySet
    from dangjian.core.testing.permissions import PermissionTestMixin

    for info in pkgutil.walk_packages(dangjian.__path__, "dangjian."):
        if ".tests.test_" in info.name:
            importlib.import_module(info.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    checked = {sub.model for sub in subclasses(PermissionTestMixin) if sub.model is not None}
    scoped = {
        m for m in apps.get_models() if isinstance(m._default_manager.all(), RestrictedQuerySet)
    }
    assert scoped, "no scoped model found"
    assert not scoped - checked, sorted(m._meta.label for m in scoped - checked)
