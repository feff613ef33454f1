"""Tag management pages (标签管理): 工委 only, code fixed once created, audited."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from dangjian.accounts.roles import ROLES
from dangjian.activities.forms import TagForm
from dangjian.activities.models import Tag
from dangjian.activities.views import can_manage_tags

from .helpers import make_activity

pytestmark = pytest.mark.django_db


def test_only_the_committee_admin_holds_the_tag_permissions():
    holders = {code for code, role in ROLES.items() if "activities.change_tag" in role.permissions}
    assert holders == {"committee_admin"}


@pytest.mark.parametrize(
    ("role", "at", "allowed"),
    [
        ("committee_admin", "root", True),
        ("committee_admin", "unit_a", False),  # over a subtree only: tags are city-wide
        ("unit_admin", "unit_a", False),
        ("branch_secretary", "branch_a", False),
        ("viewer", "root", False),
    ],
)
def test_pages_are_for_the_committee_admin_over_a_root(client, tree, make_user, role, at, allowed):
    user = make_user(role, getattr(tree, at))
    assert can_manage_tags(user) is allowed
    client.force_login(user)
    tag = Tag.objects.first()
    for url in (
        reverse("activities:tag_list"),
        reverse("activities:tag_add"),
        reverse("activities:tag_edit", args=[tag.pk]),
    ):
        assert client.get(url).status_code == (200 if allowed else 403)
    resp = client.post(reverse("activities:tag_add"), {"name": "新标签", "code": "new_tag"})
    assert resp.status_code == (302 if allowed else 403)
    assert Tag.objects.filter(code="new_tag").exists() is allowed


def test_anonymous_is_sent_to_login(client):
    resp = client.get(reverse("activities:tag_list"))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


@pytest.fixture
def admin(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    return client


def test_list_shows_seeded_tags_with_their_use(admin, tree):
    tag = Tag.objects.get(code="discipline_education")
    make_activity(tree.branch_a).tags.add(tag)
    page = admin.get(reverse("activities:tag_list")).content.decode()
    assert tag.name in page and "discipline_education" in page and "1 次" in page
    assert "标签管理" in admin.get(reverse("activities:activity_list")).content.decode()


def test_create_and_rename_are_audited_and_the_code_stays(admin):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    resp = admin.post(
        reverse("activities:tag_add"),
        {"name": "清廉机关建设", "code": "Clean_Organs", "description": "清廉机关建设专题"},
    )
    assert resp.status_code == 302 and resp["Location"] == reverse("activities:tag_list")
    tag = Tag.objects.get(name="清廉机关建设")
    assert tag.code == "clean_organs"
    assert AuditEvent.objects.filter(action="create", object_id=str(tag.pk)).exists()
    resp = admin.post(
        reverse("activities:tag_edit", args=[tag.pk]),
        {"name": "清廉机关", "code": "changed", "description": ""},
    )
    assert resp.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.code) == ("清廉机关", "clean_organs")  # code is fixed
    event = AuditEvent.objects.get(action="update", object_id=str(tag.pk))
    assert event.before["name"] == "清廉机关建设" and event.after["name"] == "清廉机关"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": "", "code": "x"}, "name", "请填写标签名称"),
        ({"name": "党纪学习教育", "code": "other"}, "name", "已有同名标签"),
        ({"name": "新", "code": "discipline_education"}, "code", "该代码已被其他标签使用"),
        ({"name": "新", "code": "党纪"}, "code", "只能包含英文字母、数字、下划线或连字符"),
        ({"name": "新", "code": ""}, "code", "请填写标签代码"),
    ],
)
def test_bad_input_is_refused_in_chinese(admin, data, field, words):
    form = TagForm(data)
    assert not form.is_valid()
    assert words in " ".join(form.errors[field])
    before = Tag.objects.count()
    resp = admin.post(reverse("activities:tag_add"), data)
    assert resp.status_code == 200 and words in resp.content.decode()
    assert Tag.objects.count() == before
