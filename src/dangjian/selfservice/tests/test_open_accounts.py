"""Opening member accounts in bulk: who may, for whom, all or nothing, audited, one hash each."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.core.exceptions import ValidationError

from dangjian.accounts.initial import INITIAL_ITERATIONS, draw_password
from dangjian.accounts.models import PasswordHistory, RoleAssignment, User
from dangjian.audit.models import AuditEvent
from dangjian.core.services import OutOfScope
from dangjian.members.models import Member, MembershipState
from dangjian.selfservice import services

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        RoleAssignment.objects.count(),
        PasswordHistory.objects.count(),
        AuditEvent.objects.count(),
        Member.objects.filter(account__isnull=False).count(),
    )


def test_secretary_opens_accounts_for_her_subtree(people, tree):
    slips = services.open_accounts(people.secretary, within=tree.branch_a)
    assert sorted(s.name for s in slips) == sorted(["林晓甲", "张伟", "周组员"])
    for member in (people.a1, people.a2, people.g1):
        member.refresh_from_db()
        account = member.account
        slip = next(s for s in slips if s.name == member.name)
        assert account.username == slip.username == services.username_for(member)
        assert slip.org == member.org.name
        assert account.display_name == member.name
        assert account.must_change_password and account.is_active
        assert check_password(slip.password, account.password)
        # 党员 at the member's own org, nothing else
        assert list(account.role_assignments.values_list("role", "org_id")) == [
            ("party_member", member.org_id)
        ]
        assert PasswordHistory.objects.filter(user=account, password=account.password).exists()
    people.b1.refresh_from_db()
    assert people.b1.account is None  # another branch: untouched


def test_one_audit_event_lists_every_account_and_no_password(people, tree):
    before = AuditEvent.objects.count()
    slips = services.open_accounts(people.secretary, within=tree.branch_a)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["member_accounts_create"]
    event = events[0]
    assert event.actor_id == people.secretary.pk and event.outcome == "success"
    assert event.object_type == "orgs.organization" and event.object_id == str(tree.branch_a.pk)
    assert event.detail["count"] == 3 and event.detail["role"] == "party_member"
    listed = {(row[1], row[2]) for row in event.detail["accounts"]}
    linked = Member.objects.filter(account__isnull=False).values_list("account__username", "pk")
    assert listed == set(linked) and {s.username for s in slips} == {u for u, _ in linked}
    text = str(event.detail) + str(event.before) + str(event.after)
    for slip in slips:
        assert slip.password not in text


def test_passwords_are_never_logged(people, tree, caplog):
    caplog.set_level(logging.DEBUG)
    slips = services.open_accounts(people.secretary, within=tree.branch_a)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert slips and not any(s.password in logged for s in slips)


def test_unit_admin_reaches_every_branch_of_the_unit_only(people, tree):
    slips = services.open_accounts(people.unit_admin, within=tree.unit_a)
    assert {s.name for s in slips} == {"林晓甲", "张伟", "周组员"}
    with pytest.raises(OutOfScope):
        services.open_accounts(people.unit_admin, within=tree.branch_b)


def test_member_outside_scope_is_refused_and_nothing_written(people, tree):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.open_accounts(
            people.secretary, within=tree.branch_a, member_ids=[people.a1.pk, people.b1.pk]
        )
    assert "不存在或不在您的管辖范围内" in str(exc.value)
    assert counts() == before


def test_org_outside_scope_is_refused_and_nothing_written(people, tree):
    before = counts()
    with pytest.raises(OutOfScope):
        services.open_accounts(people.secretary, within=tree.branch_b)
    with pytest.raises(OutOfScope):
        services.open_accounts(people.secretary, within=tree.unit_a)  # above her branch
    assert counts() == before


def test_second_account_for_one_member_is_refused_and_nothing_written(people, tree):
    services.open_accounts(people.secretary, within=tree.branch_a, member_ids=[people.a1.pk])
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.open_accounts(
            people.secretary, within=tree.branch_a, member_ids=[people.a2.pk, people.a1.pk]
        )
    assert "林晓甲已有登录账号，一名党员只能开通一个账号" in str(exc.value)
    assert counts() == before
    # the whole subtree: only those still without one
    slips = services.open_accounts(people.secretary, within=tree.branch_a)
    assert {s.name for s in slips} == {"张伟", "周组员"}
    with pytest.raises(ValidationError) as exc:
        services.open_accounts(people.secretary, within=tree.branch_a)
    assert "没有尚未开通账号的在册党员" in str(exc.value)


def test_members_off_the_roll_get_no_account(people, tree):
    Member.objects.filter(pk=people.a2.pk).update(membership=MembershipState.TRANSFERRED_OUT)
    slips = services.open_accounts(people.secretary, within=tree.branch_a)
    assert "张伟" not in {s.name for s in slips}
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.open_accounts(people.secretary, within=tree.branch_a, member_ids=[people.a2.pk])
    assert "不是在册党员" in str(exc.value)
    assert counts() == before


def test_a_member_opened_meanwhile_rolls_everything_back(people, tree, monkeypatch, make_user):
    """Checked, then locked and checked again: a concurrent opening writes nothing."""
    real = services.free_usernames

    def meanwhile(members):
        Member.objects.filter(pk=people.a2.pk).update(account=make_user())
        return real(members)

    monkeypatch.setattr(services, "free_usernames", meanwhile)
    before_users = set(User.objects.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as exc:
        services.open_accounts(people.secretary, within=tree.branch_a)
    assert "刚由他人开通" in str(exc.value)
    new = set(User.objects.values_list("pk", flat=True)) - before_users
    assert len(new) == 1  # only the concurrent one (made by the test)
    assert not Member.objects.filter(pk__in=[people.a1.pk, people.g1.pk], account__isnull=False)


def test_taken_usernames_get_a_suffix(people, tree, make_user):
    make_user(username=services.username_for(people.a1).upper())  # case-insensitively taken
    slips = services.open_accounts(
        people.secretary, within=tree.branch_a, member_ids=[people.a1.pk]
    )
    assert slips[0].username == services.username_for(people.a1) + "-2"


def test_username_is_initials_and_id(people):
    assert services.username_for(people.a2) == f"zw{people.a2.pk}"
    people.a2.name_initials = "·"
    assert services.username_for(people.a2) == f"dy{people.a2.pk}"


def test_drawn_passwords_meet_the_policy_and_differ():
    from django.contrib.auth.password_validation import validate_password

    drawn = {draw_password() for _ in range(200)}
    assert len(drawn) == 200
    for raw in list(drawn)[:20]:
        validate_password(raw)


def test_production_hasher_one_cheap_call_then_full_strength_at_login(people, tree, settings):
    """Initial passwords under PBKDF2: INITIAL_ITERATIONS, and the first login re-hashes at
    the configured strength (the test settings use MD5, production PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    slips = services.open_accounts(
        people.secretary, within=tree.branch_a, member_ids=[people.a1.pk]
    )
    account = User.objects.get(username=slips[0].username)
    algorithm, iterations, *_ = account.password.split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) == INITIAL_ITERATIONS
    assert account.check_password(slips[0].password)
    account.refresh_from_db()
    hasher = identify_hasher(account.password)
    assert int(account.password.split("$")[1]) == hasher.iterations > INITIAL_ITERATIONS


def test_too_many_at_once_is_refused(people, tree, monkeypatch):
    monkeypatch.setattr(services, "MAX_BATCH", 2)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.open_accounts(people.secretary, within=tree.branch_a)
    assert "一次最多为 2 名党员开通账号" in str(exc.value)
    assert counts() == before
