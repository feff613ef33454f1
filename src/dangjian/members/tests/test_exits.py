"""出党 and other exits: each kind, every refusal (Chinese, nothing written), and the member
leaving every count from the exit day while staying in history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.activities.full_members import full_members_on
from dangjian.activities.membership import members_at
from dangjian.core.services import OutOfScope
from dangjian.members import presence, services
from dangjian.members.models import Exit, ExitKind, Member, MembershipState, MemberStatus

from .factories import MemberFactory

pytestmark = pytest.mark.django_db

LEFT = dt.date(2024, 5, 10)
BEFORE, AFTER = LEFT - dt.timedelta(days=1), LEFT + dt.timedelta(days=1)


def _audit(**filters):
    return apps.get_model("audit", "AuditEvent").objects.filter(**filters)


@pytest.fixture
def secretary(tree, make_user):
    return make_user("branch_secretary", tree.branch_a)


@pytest.fixture
def probationer(tree):
    return MemberFactory(
        org=tree.branch_a,
        status=MemberStatus.PROBATIONARY,
        joined_on=dt.date(2023, 12, 1),
        full_member_on=None,
    )


@pytest.mark.parametrize(
    ("kind", "state", "approval"),
    [
        (ExitKind.DECEASED, MembershipState.DECEASED, {}),
        (ExitKind.WITHDRAWN, MembershipState.WITHDRAWN, {}),
        (ExitKind.STRUCK_OFF, MembershipState.STRUCK_OFF, {"approved_by_name": "市直机关工委"}),
        (ExitKind.EXPELLED, MembershipState.EXPELLED, {"approved_by_org": "unit_a"}),
    ],
)
def test_each_kind_is_dated_audited_and_sets_membership(
    zhang, tree, secretary, kind, state, approval
):
    if "approved_by_org" in approval:
        approval = {"approved_by_org": getattr(tree, approval["approved_by_org"])}
    exit_row = services.record_exit(
        secretary, zhang, kind, LEFT, reason="违纪", document_number="甲纪〔2024〕3号", **approval
    )
    zhang.refresh_from_db()
    assert zhang.membership == state and zhang.org == tree.branch_a  # stays in history
    assert (exit_row.kind, exit_row.left_on, exit_row.reason) == (kind, LEFT, "违纪")
    assert exit_row.approver == (
        str(approval["approved_by_org"])
        if "approved_by_org" in approval
        else approval.get("approved_by_name", "")
    )
    assert _audit(action="create", object_type="members.exit", object_id=str(exit_row.pk)).exists()
    update = _audit(action="update", object_type="members.member", object_id=str(zhang.pk)).get()
    assert update.before["membership"] == "normal" and update.after["membership"] == state


def test_probation_cancelled(probationer, tree, secretary):
    exit_row = services.record_exit(
        secretary, probationer, ExitKind.PROBATION_CANCELLED, LEFT, approved_by_org=tree.unit_a
    )
    probationer.refresh_from_db()
    assert probationer.membership == MembershipState.PROBATION_CANCELLED
    assert exit_row.approved_by_org == tree.unit_a


def _refused(user, member, field, text, kind=ExitKind.DECEASED, on=LEFT, **extra):
    before = (Member.objects.get(pk=member.pk).membership, _audit().count())
    with pytest.raises(ValidationError) as exc:
        services.record_exit(user, member, kind, on, **extra)
    messages = exc.value.message_dict[field]
    assert any(text in m for m in messages), messages
    assert not Exit.objects.filter(member=member).exists()
    assert (Member.objects.get(pk=member.pk).membership, _audit().count()) == before
    return messages


def test_exit_before_joining_is_refused_citing_the_rule(zhang, secretary):
    messages = _refused(secretary, zhang, "left_on", "不能早于入党日期", on=dt.date(2012, 6, 30))
    assert "第二十四条" in messages[0] and "2012-07-01" in messages[0]


def test_exit_on_the_joining_day_is_accepted(zhang, secretary):
    assert services.record_exit(secretary, zhang, ExitKind.WITHDRAWN, zhang.joined_on).pk


def test_bad_inputs_are_refused_and_nothing_written(zhang, probationer, tree, secretary):
    future = timezone.localdate() + dt.timedelta(days=1)
    _refused(secretary, zhang, "left_on", "不能晚于今天", on=future)
    _refused(secretary, zhang, "left_on", "请填写出党日期", on=None)
    _refused(secretary, zhang, "kind", "请选择出党类别", kind="resigned")
    cancel = _refused(
        secretary,
        zhang,
        "kind",
        "只有预备党员",
        kind=ExitKind.PROBATION_CANCELLED,
        approved_by_org=tree.unit_a,
    )
    assert "第三十二条" in cancel[0]
    for kind in (ExitKind.STRUCK_OFF, ExitKind.EXPELLED):
        _refused(secretary, zhang, "approved_by_org", "须经党组织批准", kind=kind, reason="x")
    _refused(
        secretary,
        probationer,
        "approved_by_org",
        "须经党组织批准",
        kind=ExitKind.PROBATION_CANCELLED,
    )
    _refused(
        secretary,
        zhang,
        "reason",
        "请填写开除党籍的原因",
        kind=ExitKind.EXPELLED,
        approved_by_org=tree.unit_a,
    )
    # An approving org that is not the member's own or above it.
    _refused(secretary, zhang, "approved_by_org", "上级党组织", approved_by_org=tree.branch_b)


def test_already_exited_or_transferred_out_is_refused(zhang, tree, secretary):
    services.record_exit(secretary, zhang, ExitKind.DECEASED, LEFT)
    zhang.refresh_from_db()
    _refused_again = pytest.raises(ValidationError)
    with _refused_again as exc:
        services.record_exit(secretary, zhang, ExitKind.WITHDRAWN, AFTER)
    assert "不能重复登记" in exc.value.message_dict["kind"][0]
    assert Exit.objects.filter(member=zhang).count() == 1

    other = MemberFactory(org=tree.branch_a)
    services.transfer_member(secretary, other, None, LEFT, external_org_name="外省某局机关党委")
    other.refresh_from_db()
    _refused(secretary, other, "kind", "已转出本系统")


def test_exit_before_the_last_transfer_is_refused(zhang, tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    second = tree.unit_a.add_child(kind="branch", name="甲局第二党支部")
    services.transfer_member(admin, zhang, second, LEFT)
    zhang.refresh_from_db()
    _refused(admin, zhang, "left_on", "最近一次组织关系转接", on=BEFORE)


def test_out_of_scope_exit_is_refused(zhang, tree, make_user):
    other = make_user("branch_secretary", tree.branch_b)
    with pytest.raises(OutOfScope):
        services.record_exit(other, zhang, ExitKind.DECEASED, LEFT)
    assert not Exit.objects.exists()


def test_the_member_form_cannot_set_or_undo_a_dated_exit(zhang, secretary):
    with pytest.raises(ValidationError) as exc:
        services.update_member(secretary, zhang, membership=MembershipState.EXPELLED)
    assert "出党/减少" in exc.value.message_dict["membership"][0]
    zhang = Member.objects.get(pk=zhang.pk)
    assert zhang.membership == MembershipState.NORMAL
    services.record_exit(secretary, zhang, ExitKind.DECEASED, LEFT)
    zhang = Member.objects.get(pk=zhang.pk)
    with pytest.raises(ValidationError):
        services.update_member(secretary, zhang, membership=MembershipState.NORMAL)
    assert Member.objects.get(pk=zhang.pk).membership == MembershipState.DECEASED
    # A legacy state without an exit record (entered before exits were dated) may be corrected.
    legacy = MemberFactory(org=zhang.org, membership=MembershipState.DECEASED)
    services.update_member(secretary, legacy, membership=MembershipState.NORMAL)
    assert Member.objects.get(pk=legacy.pk).membership == MembershipState.NORMAL


def test_counts_on_the_day_before_of_and_after_an_exit(zhang, tree, secretary):
    colleague = MemberFactory(org=tree.branch_a, joined_on=dt.date(2010, 1, 1))
    services.record_exit(secretary, zhang, ExitKind.DECEASED, LEFT)

    def ids(day):
        return set(members_at(tree.branch_a, day).values_list("pk", flat=True))

    assert ids(BEFORE) == {zhang.pk, colleague.pk}
    assert ids(LEFT) == ids(AFTER) == {colleague.pk}
    assert [full_members_on(tree.unit_a, d) for d in (BEFORE, LEFT, AFTER)] == [2, 1, 1]
    anywhere = {d: set(presence.present(d).values_list("pk", flat=True)) for d in (BEFORE, LEFT)}
    assert zhang.pk in anywhere[BEFORE] and zhang.pk not in anywhere[LEFT]


def test_counts_on_the_day_before_of_and_after_a_transfer(zhang, tree, make_user):
    admin = make_user("unit_admin", tree.root)
    services.transfer_member(admin, zhang, tree.branch_b, LEFT)

    def where(day):
        return [
            zhang.pk in set(members_at(org, day).values_list("pk", flat=True))
            for org in (tree.branch_a, tree.branch_b)
        ]

    assert where(BEFORE) == [True, False]
    assert where(LEFT) == where(AFTER) == [False, True]
    assert [full_members_on(tree.branch_a, d) for d in (BEFORE, LEFT, AFTER)] == [1, 0, 0]
    assert [full_members_on(tree.branch_b, d) for d in (BEFORE, LEFT, AFTER)] == [0, 1, 1]


def test_metrics_count_members_on_the_roll_and_exits_by_kind(zhang, tree, secretary, make_user):
    from dangjian.core.metrics import MetricScope, registry

    MemberFactory(org=tree.branch_a, joined_on=dt.date(2010, 1, 1))
    services.record_exit(secretary, zhang, ExitKind.DECEASED, dt.date(2024, 12, 31))
    viewer = make_user("viewer", tree.unit_a)

    def value(metric_id, year, user=viewer):
        return registry.get(metric_id).value(MetricScope(user, year))

    # Left on 31 December 2024: not on the roll at the end of 2024, still at the end of 2023.
    assert [value("members.count", y) for y in (2023, 2024)] == [2, 1]
    assert [value("members.exits", y) for y in (2023, 2024)] == [0, 1]
    assert value("members.exits.deceased", 2024) == 1
    assert value("members.exits.expelled", 2024) == 0
    assert value("members.exits", 2024, make_user("viewer", tree.unit_b)) == 0  # scoped


def test_inactivity_judges_a_member_until_the_exit_day(zhang, tree, secretary):
    from dangjian.core.scoping import SYSTEM
    from dangjian.rules.inactivity import inactive_members

    services.record_exit(secretary, zhang, ExitKind.WITHDRAWN, LEFT)

    def flagged(day):
        return zhang.pk in set(inactive_members(SYSTEM, day).values_list("pk", flat=True))

    assert [flagged(d) for d in (BEFORE, LEFT, AFTER)] == [True, False, False]
