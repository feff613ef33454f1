"""Template context for every page: navigation, the user's roles, the demo badge.

The navigation shows only what exists and what the user may use: an entry whose URL
name does not resolve (its app is not wired) or whose permission the user lacks is left
out — no "建设中" placeholders. Permission checks read the grants the user object loads
once per request, so the whole menu costs no query of its own.

The 演示数据 badge: `settings.DANGJIAN_DEMO_BANNER` (True/False) decides when set;
otherwise it shows when a root organization's name contains "示例" — the demo city
(`dangjian demo`) is 示例市, so the badge appears exactly when demo data is loaded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from dangjian.accounts.roles import ROLES
from dangjian.activities.models import Activity
from dangjian.assessments.models import Campaign, Finding, Framework, Rectification
from dangjian.core.scoping import has_any_scope, has_global_perm, holds
from dangjian.members.models import Exit, Member, Transfer
from dangjian.orgs.models import Organization, Unit
from dangjian.recruitment.models import Applicant
from dangjian.rules.notifications import request_unread_count

DEMO_MARKER = "示例"


@dataclass
class NavItem:
    label: str
    url: str
    namespace: str
    children: list[NavItem] = field(default_factory=list)
    active: bool = False


# The menu and the account links reverse about twenty names on every page; a name's URL is
# fixed for a URLconf and script prefix, so each is worked out once per process.
_reversed: dict[tuple[str, tuple[Any, ...], str, str], str | None] = {}
REVERSED_KEPT = 500


def safe_reverse(name: str, *args: Any) -> str | None:
    """The URL for `name`, or None while the app that owns it is not wired."""
    key = (name, args, str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix())
    try:
        return _reversed[key]
    except KeyError:
        pass
    try:
        url: str | None = reverse(name, args=args)
    except NoReverseMatch:
        url = None
    if len(_reversed) < REVERSED_KEPT:  # bounded, whatever the callers pass as args
        _reversed[key] = url
    return url


def _entry(label: str, name: str, allowed: bool) -> NavItem | None:
    if not allowed:
        return None
    url = safe_reverse(name)
    if url is None:
        return None
    return NavItem(label, url, name.partition(":")[0])


def build_navigation(user: Any, current_namespace: str = "") -> list[NavItem]:
    """The menu for `user`: entries they may use whose URL names resolve."""
    if not getattr(user, "is_authenticated", False):
        return []
    view_org = has_any_scope(user, Organization, "view")
    org_children = [
        e
        for e in (
            _entry("组织架构", "orgs:tree", view_org),
            _entry("党组织列表", "orgs:organization_list", view_org),
            _entry("机关单位", "orgs:unit_list", has_any_scope(user, Unit, "view")),
            _entry("换届排查", "rules:sweep", view_org),
        )
        if e is not None
    ]
    # The order is the order of use: what a secretary opens every week comes first, and the
    # first entries are the phone's bottom bar (`phone_tabs`).
    items: list[NavItem | None] = [
        _entry("工作台", "web:home", True),
        # 我的 (党员自助): for the member accounts, no query (the grants are loaded already).
        _entry("我的", "selfservice:me", "party_member" in getattr(user, "role_codes", set)()),
        _entry("组织生活", "activities:activity_list", has_any_scope(user, Activity, "view")),
        _members_menu(user),
        _dues_menu(user),
        NavItem("组织", org_children[0].url, "orgs", org_children) if org_children else None,
        _rules_menu(user),
        _assessments_menu(user),
        _registers_menu(user),
        _reports_menu(user),
        _entry("数据导入", "imports:index", can_import(user)),
        _entry("审计日志", "audit:event_list", has_global_perm(user, "audit.view_auditevent")),
        _entry("用户与角色", "accounts:user_list", has_global_perm(user, "accounts.view_user")),
        _entry("接口文档", "api-docs", can_integrate(user)),
    ]
    menu = [item for item in items if item is not None]
    for item in menu:
        item.active = bool(current_namespace) and item.namespace == current_namespace
    return menu


def can_import(user: Any) -> bool:
    """数据导入 is for the admins who build the tree and load rosters: the 工委's and the
    units' (they add organizations). A secretary adds her members one by one or through
    the member list's import button; the menu does not offer her a data-loading tool."""
    return has_any_scope(user, Organization, "add")


def can_integrate(user: Any) -> bool:
    """接口文档 (the API) is for whoever connects another system: the admins who import, and the
    系统管理员, who manages the accounts API tokens are issued to."""
    return can_import(user) or has_global_perm(user, "accounts.add_user")


PHONE_TABS = 3  # entries in the phone's bottom bar, beside 全部功能


def phone_tabs(menu: list[NavItem]) -> list[NavItem]:
    """The first entries of the menu, by the order of use: what the thumb reaches at once."""
    return menu[:PHONE_TABS]


def _members_menu(user: Any) -> NavItem | None:
    """党员: the roster, and the members' login accounts (党员自助) for the admins who open them."""
    children = [
        e
        for e in (
            _entry("党员名册", "members:member_list", has_any_scope(user, Member, "view")),
            _entry("组织关系转接", "members:transfer_list", has_any_scope(user, Transfer, "view")),
            _entry("出党/减少", "members:exit_list", has_any_scope(user, Exit, "view")),
            _entry("发展党员", "recruitment:pipeline", has_any_scope(user, Applicant, "view")),
            _entry(
                "党员账号",
                "selfservice:account_list",
                holds(user, "selfservice.view_memberaccount"),
            ),
        )
        if e is not None
    ]
    return NavItem("党员", children[0].url, "members", children) if children else None


def _dues_menu(user: Any) -> NavItem | None:
    """党费: the branch's ledger first (what a secretary keeps monthly), then the city's views."""
    view = holds(user, "dues.view_duesdue")
    children = [
        e
        for e in (
            _entry("党费台账", "dues:ledger", view),
            _entry("欠交情况", "dues:arrears", view),
            _entry("党费汇总", "dues:summary", view),
            _entry("交纳记录", "dues:payment_list", holds(user, "dues.view_duespayment")),
            _entry("党费基数", "dues:base_list", holds(user, "dues.view_duesbase")),
            _entry("少交免交", "dues:reduction_list", holds(user, "dues.view_duesreduction")),
            _entry("党费上缴", "dues:remittance_list", holds(user, "dues.view_duesremittance")),
        )
        if e is not None
    ]
    return NavItem("党费", children[0].url, "dues", children) if children else None


def _rules_menu(user: Any) -> NavItem | None:
    """制度落实 for org roles: the compliance heatmap, the rule library and exemptions."""
    if not holds(user, "rules.view_compliance"):
        return None
    exemptions = holds(user, "rules.view_ruleexemption")
    children = [
        e
        for e in (
            _entry("落实情况", "rules:compliance", True),
            _entry("规则库", "rules:rule_list", True),
            _entry("规则豁免", "rules:exemption_list", exemptions),
        )
        if e is not None
    ]
    return NavItem("制度落实", children[0].url, "rules", children) if children else None


def _assessments_menu(user: Any) -> NavItem | None:
    """督查考评: campaigns, the rectification board, findings, the negative list, frameworks."""
    findings = has_any_scope(user, Finding, "view")
    children = [
        e
        for e in (
            _entry("督查活动", "assessments:campaign_list", has_any_scope(user, Campaign, "view")),
            _entry(
                "整改看板",
                "assessments:rectification_board",
                has_any_scope(user, Rectification, "view"),
            ),
            _entry("问题清单", "assessments:finding_list", findings),
            _entry("负面清单", "assessments:negative_list", findings),
            _entry(
                "考评模板", "assessments:framework_list", has_any_scope(user, Framework, "view")
            ),
        )
        if e is not None
    ]
    return NavItem("督查考评", children[0].url, "assessments", children) if children else None


def _registers_menu(user: Any) -> NavItem | None:
    """工作登记 (issue 13): the registers units fill once and the 工委 reads."""
    children = [
        e
        for e in (
            _entry("评选表彰", "honors:round_list", holds(user, "honors.view_honorround")),
            _entry("表彰名录", "honors:honor_list", holds(user, "honors.view_honor")),
            _entry("创新案例", "cases:case_list", holds(user, "cases.view_case")),
            _entry("党建品牌", "cases:brand_list", holds(user, "cases.view_brand")),
            _entry("廉政风险", "integrity:review_list", holds(user, "integrity.view_riskpoint")),
            _entry("培训班", "training:class_list", holds(user, "training.view_trainingclass")),
            _entry("双报到", "volunteers:community_list", holds(user, "volunteers.view_community")),
            _entry(
                "党员突击队", "volunteers:taskforce_list", holds(user, "volunteers.view_taskforce")
            ),
        )
        if e is not None
    ]
    return NavItem("工作登记", children[0].url, "registers", children) if children else None


def _reports_menu(user: Any) -> NavItem | None:
    """统计报表 (issue 14): figures from records, for the org roles (not the member accounts)."""
    org_role = has_any_scope(user, Organization, "view") and not _member_only(user)
    children = [
        e
        for e in (
            _entry("统计指标", "reports:metrics", org_role),
            _entry("数据大屏", "reports:overview", org_role),
            _entry("年度工作总结", "reports:summary", org_role),
            _entry("党内统计", "reports:statistics", org_role),
        )
        if e is not None
    ]
    return NavItem("统计报表", children[0].url, "reports", children) if children else None


def _member_only(user: Any) -> bool:
    """A member account (党员 role only) reads its own 我的 page, not the city's figures."""
    codes: frozenset[str] = frozenset(getattr(user, "role_codes", frozenset)())
    return bool(codes) and codes <= {"party_member"}


def role_summaries(request) -> list[str]:
    """The user's roles as "支部书记（甲局第一党支部）", memoized on the request; from the
    query that loads the user's grants (no query of its own)."""
    cached = getattr(request, "_dangjian_roles", None)
    if cached is None:
        cached = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            for code, _path, org_name in user.role_rows():
                role = ROLES.get(code)
                label = role.label if role else code
                cached.append(f"{label}（{org_name}）" if org_name else label)
        request._dangjian_roles = cached
    return cached


# Whether demo data is loaded is asked by every page and changes about never: the answer is
# kept per process for a minute (another process may load or rename the root), and dropped at
# once when this process saves or deletes a root org (see `forget_demo_answer`). Under tests
# it is asked afresh each time (DANGJIAN_DEMO_ANSWER_SECONDS unset), so a page's query count
# does not depend on the test that ran before.
DEMO_ANSWER_SECONDS = 60.0
_demo_answer: tuple[float, bool] | None = None


def _demo_answer_seconds() -> float:
    default = 0.0 if getattr(settings, "TESTING", False) else DEMO_ANSWER_SECONDS
    return float(getattr(settings, "DANGJIAN_DEMO_ANSWER_SECONDS", default))


def demo_data_loaded() -> bool:
    global _demo_answer
    configured = getattr(settings, "DANGJIAN_DEMO_BANNER", None)
    if configured is not None:
        return bool(configured)
    now = time.monotonic()
    if _demo_answer is not None and now - _demo_answer[0] < _demo_answer_seconds():
        return _demo_answer[1]
    answer = Organization.get_root_nodes().filter(name__contains=DEMO_MARKER).exists()
    _demo_answer = (now, answer)
    return answer


@receiver(post_save, sender=Organization, dispatch_uid="dangjian_forget_demo_answer_save")
@receiver(post_delete, sender=Organization, dispatch_uid="dangjian_forget_demo_answer_delete")
def forget_demo_answer(sender: Any, instance: Organization, **kwargs: Any) -> None:
    global _demo_answer
    if instance.depth == 1:
        _demo_answer = None


def navigation(request) -> dict[str, Any]:
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match else ""
    authenticated = bool(user is not None and user.is_authenticated)
    nav = build_navigation(user, namespace)
    return {
        "nav": nav,
        "phone_tabs": phone_tabs(nav),
        # The signed-in person by name (never the username: that is a login, not a name).
        "user_name": SimpleLazyObject(lambda: getattr(user, "person_name", ""))
        if authenticated
        else "",
        "user_roles": SimpleLazyObject(lambda: role_summaries(request)),
        "is_demo": SimpleLazyObject(demo_data_loaded),
        "account_urls": {
            "password_change": safe_reverse("accounts:password_change") if authenticated else None,
            "logout": safe_reverse("accounts:logout") if authenticated else None,
            "login": safe_reverse("accounts:login"),
            "home": safe_reverse("web:home"),
            "inbox": safe_reverse("rules:inbox") if authenticated else None,
        },
        # The navbar's unread badge: one COUNT, only for a signed-in user, only if rendered.
        "unread_notifications": SimpleLazyObject(lambda: request_unread_count(request))
        if authenticated
        else 0,
    }
