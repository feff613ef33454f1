"""The menu shows only what exists and what the user may use."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from dangjian.web.context_processors import build_navigation, navigation

pytestmark = [pytest.mark.django_db, pytest.mark.urls("dangjian.web.tests.urls_stub")]

ALL = {
    "工作台",
    "组织",
    "党员",
    "数据导入",
    "审计日志",
    "用户与角色",
    "接口文档",
    "制度落实",
    "组织生活",
    "督查考评",
}


def labels(user) -> set[str]:
    return {item.label for item in build_navigation(user)}


def test_branch_secretary_sees_org_and_members_not_audit_or_users(tree, make_user):
    """Her week's work, without the admins' tools: no 数据导入 (she imports members from the
    member list), no 接口文档 (issue 9)."""
    user = make_user("branch_secretary", tree.branch_a)
    assert labels(user) == {
        "工作台",
        "组织",
        "党员",
        "组织生活",
        "制度落实",
        "督查考评",  # the branch answers its own rectifications
    }


def test_organization_officer_sees_the_secretarys_menu(tree, make_user):
    assert labels(make_user("organization_officer", tree.branch_a)) == labels(
        make_user("branch_secretary", tree.branch_a)
    )


def test_viewer_cannot_import(tree, make_user):
    assert labels(make_user("viewer", tree.unit_a)) == {
        "工作台",
        "组织",
        "党员",
        "组织生活",
        "制度落实",
        "督查考评",
    }


def test_party_member_sees_orgs_but_not_members(tree, make_user):
    assert labels(make_user("party_member", tree.branch_a)) == {
        "工作台",
        "组织",
        "组织生活",
        "制度落实",
    }


@pytest.mark.parametrize("role", ["unit_admin", "committee_admin"])
def test_admins_who_load_the_tree_import_and_integrate(tree, make_user, role):
    found = labels(make_user(role, tree.unit_a))
    assert {"数据导入", "接口文档"} <= found


def test_audit_admin_sees_audit_only(make_user):
    assert labels(make_user("audit_admin")) == {"工作台", "审计日志"}


def test_system_admin_sees_users_and_the_api_not_member_data(make_user):
    """The 系统管理员 manages the accounts API tokens belong to: the 接口文档 is for them."""
    assert labels(make_user("system_admin")) == {"工作台", "用户与角色", "接口文档"}


def test_security_admin_sees_users(make_user):
    assert labels(make_user("security_admin")) == {"工作台", "用户与角色"}


def test_committee_admin_holding_audit_role_sees_everything(tree, make_user):
    from dangjian.accounts.models import RoleAssignment

    user = make_user("committee_admin", tree.root)
    RoleAssignment.objects.create(user=user, role="audit_admin")
    RoleAssignment.objects.create(user=user, role="system_admin")
    assert labels(user) == ALL


def test_user_without_roles_and_anonymous(make_user):
    from django.contrib.auth.models import AnonymousUser

    assert labels(make_user()) == {"工作台"}
    assert build_navigation(AnonymousUser()) == []


def test_org_entry_lists_its_pages(tree, make_user):
    org = next(i for i in build_navigation(make_user("viewer", tree.unit_a)) if i.label == "组织")
    assert [(c.label, c.url) for c in org.children] == [
        ("组织架构", reverse("orgs:tree")),
        ("党组织列表", reverse("orgs:organization_list")),
        ("机关单位", reverse("orgs:unit_list")),
    ]


@pytest.mark.urls("dangjian.web.tests.urls_partial")
def test_pages_not_wired_are_left_out(tree, make_user):
    from dangjian.accounts.models import RoleAssignment

    user = make_user("committee_admin", tree.root)
    RoleAssignment.objects.create(user=user, role="audit_admin")
    assert labels(user) == {
        "工作台",
        "组织",
        "党员",
        "组织生活",
        "制度落实",
        "督查考评",
        "接口文档",
    }


def test_assessment_menu_entries(tree, make_user):
    committee = build_navigation(make_user("committee_admin", tree.root))
    menu = next(i for i in committee if i.label == "督查考评")
    assert [c.label for c in menu.children] == [
        "督查活动",
        "整改看板",
        "问题清单",
        "负面清单",
        "考评模板",
    ]
    secretary = build_navigation(make_user("branch_secretary", tree.branch_a))
    menu = next(i for i in secretary if i.label == "督查考评")
    assert "整改看板" in [c.label for c in menu.children]


def test_active_entry_follows_the_current_namespace(tree, make_user):
    menu = build_navigation(make_user("viewer", tree.unit_a), "members")
    assert [i.label for i in menu if i.active] == ["党员"]


def test_rendered_menu_links(client, tree, make_user):
    client.force_login(make_user("branch_secretary", tree.branch_a))
    html = client.get(reverse("web:home")).content.decode()
    for name in ("orgs:tree", "orgs:organization_list", "members:member_list"):
        assert f'href="{reverse(name)}"' in html
    for name in ("audit:event_list", "accounts:user_list", "imports:index"):
        assert f'href="{reverse(name)}"' not in html
    # user menu: change password link and a POST logout form
    assert f'href="{reverse("accounts:password_change")}"' in html
    assert f'<form method="post" action="{reverse("accounts:logout")}"' in html
    assert "支部书记（甲局第一党支部）" in html


def test_menu_costs_no_query_beyond_the_grants(tree, make_user, django_assert_num_queries):
    user = make_user("committee_admin", tree.root)
    build_navigation(user)  # loads the user's grants once
    with django_assert_num_queries(0):
        build_navigation(user)


def test_context_demo_badge(tree, make_user, settings):
    request = RequestFactory().get("/")
    request.user = make_user("viewer", tree.unit_a)
    assert bool(navigation(request)["is_demo"])  # root org is 示例市…
    settings.DANGJIAN_DEMO_BANNER = False
    assert not bool(navigation(request)["is_demo"])


def test_no_demo_badge_for_real_data(db, make_user):
    from dangjian.orgs.models import Organization, OrgKind

    Organization.add_root(kind=OrgKind.COMMITTEE, name="某市委直属机关工委")
    request = RequestFactory().get("/")
    request.user = make_user()
    assert not bool(navigation(request)["is_demo"])


@pytest.mark.urls("dangjian.urls")
def test_the_project_wires_every_entry(tree, make_user):
    """Against the real URLconf: every page the menu can offer exists under its agreed name."""
    from dangjian.accounts.models import RoleAssignment

    user = make_user("committee_admin", tree.root)
    RoleAssignment.objects.create(user=user, role="audit_admin")
    RoleAssignment.objects.create(user=user, role="system_admin")
    menu = build_navigation(user)
    # 党费 and the registers' and reports' menus are not in the stub URLconf.
    assert {item.label for item in menu} == ALL | {"党费", "工作登记", "统计报表"}
    dues = next(i for i in menu if i.label == "党费")
    assert [c.label for c in dues.children] == [
        "党费台账",
        "欠交情况",
        "党费汇总",
        "交纳记录",
        "党费基数",
        "少交免交",
        "党费上缴",
    ]
    org = next(i for i in menu if i.label == "组织")
    assert [c.label for c in org.children] == ["组织架构", "党组织列表", "机关单位", "换届排查"]


def _between(html: str, start: str, end: str) -> str:
    i = html.index(start)
    return html[i : html.index(end, i)]


def test_phone_bar_offers_the_first_entries_and_the_whole_menu(client, tree, make_user):
    """On phones (base.html): the role's first three entries in the bottom bar, every entry in
    the sheet 全部功能 opens — the same menu, within reach of the thumb."""
    client.force_login(make_user("branch_secretary", tree.branch_a))
    html = client.get(reverse("web:home")).content.decode()
    bar = _between(html, '<nav class="dj-tabbar', "</nav>")
    assert [label for label in ("工作台", "组织生活", "党员", "全部功能") if label in bar] == [
        "工作台",
        "组织生活",
        "党员",
        "全部功能",
    ]
    assert 'data-bs-target="#dj-menu-sheet"' in bar
    assert "dj-tab active" in bar  # the page's own entry is marked
    sheet = _between(html, 'id="dj-menu-sheet"', "</div>\n</div>")
    for name in ("orgs:tree", "orgs:organization_list", "members:member_list", "rules:rule_list"):
        assert f'href="{reverse(name)}"' in sheet


def test_the_menu_order_puts_the_weeks_work_first(tree, make_user):
    menu = [i.label for i in build_navigation(make_user("branch_secretary", tree.branch_a))]
    assert menu[:3] == ["工作台", "组织生活", "党员"]


def test_header_names_the_person_never_the_username(client, tree, make_user):
    user = make_user("branch_secretary", tree.branch_a, username="q9x_sec", display_name="王秀琴")
    client.force_login(user)
    html = client.get(reverse("web:home")).content.decode()
    assert "王秀琴" in html and "q9x_sec" not in html
    assert '<span class="avatar avatar-sm dj-avatar">王</span>' in html


@pytest.mark.urls("dangjian.urls")
def test_an_account_without_a_name_never_shows_its_username(client, tree, make_user):
    """Member accounts are opened with their member's name; an account someone left without
    one is still never shown by its login, and naming it costs no query (lists of users)."""
    user = make_user("party_member", tree.branch_a, username="q9x_mem")
    client.force_login(user)
    html = client.get(reverse("web:home"), follow=True).content.decode()
    assert "未填写姓名的用户" in html and "q9x_mem" not in html
    assert str(user) == "未填写姓名的用户"


def test_a_user_loaded_with_its_member_record_is_named_by_it(tree, make_user):
    from dangjian.accounts.models import User
    from dangjian.members.tests.factories import MemberFactory

    user = make_user("party_member", tree.branch_a, username="q9x_mem2")
    MemberFactory(org=tree.branch_a, name="欧阳明月", account=user)
    assert str(User.objects.select_related("member").get(pk=user.pk)) == "欧阳明月"
    named = make_user(username="q9x_named", display_name="王秀琴")
    assert str(named) == named.person_name == "王秀琴"


def test_role_list_costs_no_query_beyond_the_grants(tree, make_user, django_assert_num_queries):
    """The header's roles come from the query that loads the grants, in role then org order."""
    from dangjian.accounts.models import RoleAssignment
    from dangjian.web.context_processors import role_summaries

    user = make_user("branch_secretary", tree.branch_a)
    RoleAssignment.objects.create(user=user, role="branch_secretary", org=tree.branch_b)
    request = RequestFactory().get("/")
    request.user = user
    with django_assert_num_queries(1):
        user.has_global_perm("audit.view_auditevent")  # the grants
        roles = role_summaries(request)
    names = sorted([tree.branch_a, tree.branch_b], key=lambda o: o.path)
    assert roles == [f"支部书记（{o.name}）" for o in names]


def test_demo_answer_is_kept_and_dropped_when_a_root_changes(db, settings):
    """Asked once a minute per process, not per page; renaming a root asks again at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.orgs.models import Organization, OrgKind
    from dangjian.web.context_processors import demo_data_loaded

    settings.DANGJIAN_DEMO_ANSWER_SECONDS = 60
    root = Organization.add_root(kind=OrgKind.COMMITTEE, name="某市委直属机关工委")
    assert demo_data_loaded() is False
    with CaptureQueriesContext(connection) as ctx:
        assert demo_data_loaded() is False
    assert not ctx.captured_queries
    root.name = "示例市委直属机关工委"
    root.save()
    assert demo_data_loaded() is True
    settings.DANGJIAN_DEMO_ANSWER_SECONDS = 0  # as under tests: asked each time
    Organization.objects.filter(pk=root.pk).update(name="某市")  # no signal
    assert demo_data_loaded() is False


def test_safe_reverse_is_worked_out_once_per_urlconf(settings, monkeypatch):
    from dangjian.web import context_processors as cp

    calls: list[str] = []
    real = cp.reverse

    def counting(name, args=()):
        calls.append(name)
        return real(name, args=args)

    monkeypatch.setattr(cp, "reverse", counting)
    monkeypatch.setattr(cp, "_reversed", {})
    assert cp.safe_reverse("web:home") == real("web:home")
    assert cp.safe_reverse("web:home") == real("web:home")
    assert cp.safe_reverse("no:such") is None
    assert cp.safe_reverse("no:such") is None
    assert calls == ["web:home", "no:such"]
    settings.ROOT_URLCONF = "dangjian.urls"  # another URLconf: asked again
    assert cp.safe_reverse("accounts:logout") == "/accounts/logout/"
    assert calls[-1] == "accounts:logout"


@pytest.mark.urls("dangjian.urls")
def test_menu_parts_are_reused_only_for_the_same_menu(client, tree, make_user, monkeypatch):
    """The bar and the phone sheet are rendered once per distinct menu: the same HTML as a
    fresh rendering, and a user with other rights or another section gets their own."""
    from dangjian.web.templatetags import navmenu

    monkeypatch.setattr(navmenu, "_rendered", {})
    secretary = make_user("branch_secretary", tree.branch_a)
    admin = make_user("committee_admin", tree.root)
    home, members = reverse("web:home"), reverse("members:member_list")

    def page(user, url):
        client.force_login(user)
        html = client.get(url).content.decode()
        return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1", html)

    first = page(secretary, home)
    assert len(navmenu._rendered) == 2  # the bar and the phone part
    assert page(secretary, home) == first  # reused, unchanged
    assert len(navmenu._rendered) == 2
    monkeypatch.setattr(navmenu, "KEPT", 0)
    navmenu._rendered.clear()
    assert page(secretary, home) == first  # a fresh rendering is the same page
    monkeypatch.setattr(navmenu, "KEPT", 512)
    other = page(admin, home)
    assert "数据导入" in other and "数据导入" not in first  # the admin's own menu
    in_members = _between(page(secretary, members), '<nav class="dj-tabbar', "</nav>")
    assert f'class="dj-tab active" href="{members}"' in in_members  # its own active entry
    assert len(navmenu._rendered) == 4
