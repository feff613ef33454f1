"""Hole 5: two-person 三权分立. The 系统管理员 proposes a role grant, the 安全管理员 approves
it; nobody approves their own proposal; a pending grant opens nothing; every step is audited
and the 审计管理员 sees them all."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.accounts import services
from dangjian.accounts.models import RoleAssignment, RoleProposal, User
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(tree):
    return [MemberFactory(org=org) for org in (tree.branch_a, tree.branch_b, tree.group_a)]


@pytest.fixture
def admins(tree, make_user):
    """One account per admin kind, plus one holding both account roles (a legacy breach)."""
    both = make_user("system_admin", username="both")
    RoleAssignment.objects.create(user=both, role="security_admin")
    return {
        "system_admin": make_user("system_admin", username="xitong"),
        "system_admin_2": make_user("system_admin", username="xitong2"),
        "security_admin": make_user("security_admin", username="anquan"),
        "security_admin_2": make_user("security_admin", username="anquan2"),
        "audit_admin": make_user("audit_admin", username="shenji"),
        "committee_admin": make_user("committee_admin", tree.root, username="gongwei"),
        "unit_admin": make_user("unit_admin", tree.unit_a, username="danwei"),
        "both": both,
    }


def _propose_page(client, actor, target, role="viewer", org=None):
    client.force_login(actor)
    return client.post(
        reverse("accounts:role_propose", args=[target.pk]),
        {"role": role, "org": org.pk if org else ""},
    )


# --- the hole ---------------------------------------------------------------------------


def test_system_admin_alone_cannot_open_member_data(client, tree, members, admins, make_user):
    """The review's attack: create an account, grant it 只读查看 over the whole tree, read."""
    target = make_user(username="puppet")
    with pytest.raises(PermissionDenied):
        services.grant_role(admins["system_admin"], target, "viewer", tree.root)
    _propose_page(client, admins["system_admin"], target, org=tree.root)
    assert not Member.objects.restrict(User.objects.get(pk=target.pk), "view").exists()
    assert not target.role_assignments.exists()
    client.force_login(target)
    assert client.get("/api/members/").status_code == 403


def test_pending_grant_gives_nothing_until_approved(client, tree, members, admins, make_user):
    target = make_user(username="newcomer")
    proposal = services.propose_role(admins["system_admin"], target, "viewer", tree.root)
    assert proposal.status == RoleProposal.Status.PENDING
    fresh = User.objects.get(pk=target.pk)
    assert not Member.objects.restrict(fresh, "view").exists()
    assert fresh.get_scope_paths("members.view_member") == []
    services.approve_role(admins["security_admin"], proposal)
    fresh = User.objects.get(pk=target.pk)
    assert Member.objects.restrict(fresh, "view").count() == len(members)
    proposal.refresh_from_db()
    assert proposal.status == RoleProposal.Status.APPROVED
    assert proposal.decided_by == admins["security_admin"]


# --- every pair: who may propose, approve, reject, see -----------------------------------

CAN_PROPOSE = {"system_admin", "system_admin_2", "both"}
CAN_DECIDE = {"security_admin", "security_admin_2"}  # not "both": see test_dual_role_account
CAN_SEE = {"system_admin", "system_admin_2", "security_admin", "security_admin_2", "both"}
EVERYONE = (
    "system_admin",
    "security_admin",
    "audit_admin",
    "committee_admin",
    "unit_admin",
    "both",
)


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_propose(client, tree, admins, make_user, who, events):
    target = make_user()
    resp = _propose_page(client, admins[who], target, org=tree.unit_a)
    made = RoleProposal.objects.filter(user=target)
    if who in CAN_PROPOSE:
        assert resp.status_code == 302 and made.count() == 1
        (event,) = events("role_propose")
        assert event.actor_name == admins[who].username
        assert event.after["role"] == "viewer" and event.related_org_id == tree.unit_a.pk
    else:
        assert resp.status_code == 403 and not made.exists()
        with pytest.raises(PermissionDenied):
            services.propose_role(admins[who], target, "viewer", tree.unit_a)
    assert not target.role_assignments.exists()


@pytest.mark.parametrize("proposer", ["system_admin", "both"])
@pytest.mark.parametrize("who", [*EVERYONE, "security_admin_2", "system_admin_2"])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_who_may_decide(client, tree, admins, make_user, proposer, who, decision, events):
    target = make_user()
    proposal = services.propose_role(admins[proposer], target, "viewer", tree.unit_a)
    client.force_login(admins[who])
    url = reverse(f"accounts:role_{decision}", args=[proposal.pk])
    resp = client.post(url, {"note": "核实无误" if decision == "approve" else "无此需要"})
    proposal.refresh_from_db()
    if who in CAN_DECIDE:
        assert resp.status_code == 302
        assert proposal.status == ("approved" if decision == "approve" else "rejected")
        assert proposal.decided_by == admins[who]
        assert target.role_assignments.exists() == (decision == "approve")
        (event,) = events(f"role_{decision}")
        assert event.actor_name == admins[who].username
        assert event.detail["proposed_by"] == admins[proposer].username
    else:
        assert resp.status_code == 403
        assert proposal.status == "pending" and not target.role_assignments.exists()
        assert not events(f"role_{decision}") or all(
            e.outcome == "failure" for e in events(f"role_{decision}")
        )


@pytest.mark.parametrize("who", EVERYONE)
def test_who_sees_the_proposals(client, tree, admins, make_user, who):
    target = make_user(display_name="待授权人")
    services.propose_role(admins["system_admin"], target, "viewer", tree.unit_a)
    client.force_login(admins[who])
    page = client.get(reverse("accounts:role_proposal_list"))
    api = client.get("/api/role-proposals/")
    if who in CAN_SEE:
        assert page.status_code == 200 and "待授权人" in page.content.decode()
        assert "甲局机关党委" in page.content.decode()
        assert api.status_code == 200 and api.json()["count"] == 1
    else:
        assert page.status_code == api.status_code == 403


def test_audit_admin_sees_proposal_and_approval_in_the_audit_log(client, tree, admins, make_user):
    target = make_user(username="newcomer")
    proposal = services.propose_role(admins["system_admin"], target, "viewer", tree.unit_a)
    services.approve_role(admins["security_admin"], proposal)
    other = services.propose_role(admins["system_admin"], target, "viewer", tree.unit_b)
    services.reject_role(admins["security_admin"], other, note="无此需要")
    assignment = target.role_assignments.get()
    services.revoke_role(admins["system_admin"], assignment)
    client.force_login(admins["audit_admin"])
    page = client.get(reverse("audit:event_list")).content.decode()
    for label in ("提请授权", "批准授权", "驳回授权", "撤销角色"):
        assert label in page
    assert "xitong" in page and "anquan" in page


# --- nobody approves their own proposal ----------------------------------------------------


def test_dual_role_account_cannot_approve_even_others_proposals(tree, admins, make_user):
    target = make_user()
    own = services.propose_role(admins["both"], target, "viewer", tree.unit_a)
    with pytest.raises(PermissionDenied, match="自己提请"):
        services.approve_role(admins["both"], own)
    other = services.propose_role(admins["system_admin"], target, "viewer", tree.unit_b)
    with pytest.raises(PermissionDenied, match="同时"):
        services.approve_role(admins["both"], other)
    assert not target.role_assignments.exists()


def test_nobody_approves_their_own_proposal_even_as_operator_made_approver(tree, admins, make_user):
    """A proposer who later becomes a 安全管理员 still cannot approve what they proposed."""
    target = make_user()
    proposer = admins["system_admin_2"]
    proposal = services.propose_role(proposer, target, "viewer", tree.unit_a)
    RoleAssignment.objects.filter(user=proposer).delete()
    services.grant_role(SYSTEM, proposer, "security_admin")
    with pytest.raises(PermissionDenied, match="自己提请"):
        services.approve_role(User.objects.get(pk=proposer.pk), proposal)


def test_no_grant_to_oneself(tree, admins, make_user):
    with pytest.raises(PermissionDenied, match="自己"):
        services.propose_role(admins["system_admin"], admins["system_admin"], "audit_admin")
    # nor approving a grant that names the approver (proposed before they became one)
    target = make_user()
    proposal = services.propose_role(admins["system_admin"], target, "viewer", tree.unit_a)
    services.grant_role(SYSTEM, target, "security_admin")
    with pytest.raises(PermissionDenied, match="授予自己"):
        services.approve_role(User.objects.get(pk=target.pk), proposal)


def test_global_admin_roles_need_approval_too(tree, admins, make_user):
    """Else a 系统管理员 could mint a 安全管理员 of their own and approve through it."""
    puppet = make_user()
    proposal = services.propose_role(admins["system_admin"], puppet, "security_admin")
    assert not User.objects.get(pk=puppet.pk).has_global_perm("accounts.approve_role")
    services.approve_role(admins["security_admin"], proposal)
    assert User.objects.get(pk=puppet.pk).has_global_perm("accounts.approve_role")


# --- validation, revocation, the operator -----------------------------------------------


@pytest.mark.parametrize(
    ("role", "org_name", "message"),
    [
        ("audit_admin", "root", "全局角色，不能指定组织"),
        ("viewer", None, "须指定所辖组织"),
        ("nonsense", None, "未知角色"),
    ],
)
def test_proposal_validation(tree, admins, make_user, role, org_name, message):
    target = make_user()
    org = getattr(tree, org_name) if org_name else None
    with pytest.raises(ValidationError, match=message):
        services.propose_role(admins["system_admin"], target, role, org)
    assert not RoleProposal.objects.exists()


def test_duplicate_and_already_held(tree, admins, make_user):
    target = make_user("viewer", tree.unit_a)
    with pytest.raises(ValidationError, match="已拥有"):
        services.propose_role(admins["system_admin"], target, "viewer", tree.unit_a)
    services.propose_role(admins["system_admin"], target, "viewer", tree.unit_b)
    with pytest.raises(ValidationError, match="待审批"):
        services.propose_role(admins["system_admin_2"], target, "viewer", tree.unit_b)


def test_separation_is_checked_again_at_approval(tree, admins, make_user):
    target = make_user()
    first = services.propose_role(admins["system_admin"], target, "audit_admin")
    second = services.propose_role(admins["system_admin"], target, "viewer", tree.root)
    services.approve_role(admins["security_admin"], first)
    with pytest.raises(ValidationError, match="三权分立"):
        services.approve_role(admins["security_admin"], second)
    second.refresh_from_db()
    assert second.status == "pending"
    assert list(target.role_assignments.values_list("role", flat=True)) == ["audit_admin"]


def test_decided_proposal_cannot_be_decided_again(tree, admins, make_user):
    target = make_user()
    proposal = services.propose_role(admins["system_admin"], target, "viewer", tree.unit_a)
    services.reject_role(admins["security_admin"], proposal)
    with pytest.raises(ValidationError, match="已处理"):
        services.approve_role(admins["security_admin_2"], proposal)
    assert not target.role_assignments.exists()


def test_disabled_account_is_not_granted(tree, admins, make_user):
    target = make_user()
    proposal = services.propose_role(admins["system_admin"], target, "viewer", tree.unit_a)
    User.objects.filter(pk=target.pk).update(is_active=False)
    proposal.refresh_from_db()
    with pytest.raises(ValidationError, match="停用"):
        services.approve_role(admins["security_admin"], proposal)


@pytest.mark.parametrize("who", EVERYONE)
def test_revocation_is_immediate_by_either_account_admin(client, tree, admins, make_user, who):
    target = make_user("viewer", tree.root)
    assignment = target.role_assignments.get()
    client.force_login(admins[who])
    resp = client.post(
        reverse("accounts:role_revoke", args=[target.pk]), {"assignment": assignment.pk}
    )
    revoked = not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    if who in {"system_admin", "security_admin", "both"}:
        assert resp.status_code == 302 and revoked
        assert not Member.objects.restrict(User.objects.get(pk=target.pk), "view").exists()
    else:
        assert resp.status_code == 403 and not revoked


def test_operator_grants_directly_and_is_audited(tree, make_user, events):
    target = make_user()
    services.grant_role(SYSTEM, target, "committee_admin", tree.root)
    assert target.role_assignments.get().role == "committee_admin"
    (event,) = events("role_grant")
    assert event.actor_name == "system" and event.after["role"] == "committee_admin"


# --- pages and API ------------------------------------------------------------------------


def test_user_detail_shows_pending_and_the_right_buttons(client, tree, admins, make_user):
    target = make_user()
    proposal = services.propose_role(admins["system_admin"], target, "viewer", tree.unit_a)
    url = reverse("accounts:user_detail", args=[target.pk])
    approve = reverse("accounts:role_approve", args=[proposal.pk])

    client.force_login(admins["system_admin"])
    page = client.get(url).content.decode()
    assert "待审批" in page and "甲局机关党委" in page and approve not in page
    assert reverse("accounts:role_propose", args=[target.pk]) in page

    client.force_login(admins["security_admin"])
    page = client.get(url).content.decode()
    assert approve in page
    assert reverse("accounts:role_propose", args=[target.pk]) not in page


def test_api_propose_approve_reject(client, tree, admins, make_user, events):
    target = make_user()
    client.force_login(admins["system_admin"])
    resp = client.post(
        "/api/role-proposals/",
        {"user": target.pk, "role": "viewer", "org": tree.unit_a.pk, "note": "新任联络员"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["status"] == "pending" and body["proposed_by"] == "xitong"
    assert body["role_label"] == "只读查看" and body["org_name"] == "甲局机关党委"
    pk = body["id"]
    assert client.post(f"/api/role-proposals/{pk}/approve/").status_code == 403

    client.force_login(admins["security_admin"])
    assert (
        client.post(
            "/api/role-proposals/",
            {"user": target.pk, "role": "viewer", "org": tree.unit_b.pk},
            content_type="application/json",
        ).status_code
        == 403
    )
    resp = client.post(f"/api/role-proposals/{pk}/approve/")
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    assert target.role_assignments.get().org == tree.unit_a
    again = client.post(f"/api/role-proposals/{pk}/reject/")
    assert again.status_code == 400 and "已处理" in str(again.json())


def test_api_bad_input_is_400(client, tree, admins, make_user):
    target = make_user()
    client.force_login(admins["system_admin"])
    for payload in (
        {"user": target.pk, "role": "viewer", "org": 10**20},
        {"user": 10**20, "role": "viewer", "org": tree.unit_a.pk},
        {"user": target.pk, "role": "viewer", "org": 999999},
        {"user": target.pk, "role": "nonsense"},
        {"user": target.pk, "role": "viewer"},
    ):
        resp = client.post("/api/role-proposals/", payload, content_type="application/json")
        assert resp.status_code == 400, (payload, resp.content)
    assert client.post("/api/role-proposals/999999/approve/").status_code in (403, 404)
