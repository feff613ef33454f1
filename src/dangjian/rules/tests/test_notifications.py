"""`dangjian remind`: who receives what, idempotency, cadence, every source, email."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from dangjian.activities.models import Activity, Participation
from dangjian.members.models import Member
from dangjian.orgs.models import Term
from dangjian.rules import notifications
from dangjian.rules.models import Notification, NotificationKind, RuleSetting

D = dt.date
K = NotificationKind
_n = itertools.count(1)


JOINED = D(2010, 7, 1)


def person(org, joined_on=JOINED, **fields) -> Member:
    return Member.objects.create(
        org=org, name=f"提醒{next(_n):03d}", gender="male", joined_on=joined_on, **fields
    )


def received(user, kind=None):
    qs = Notification.objects.filter(user=user)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id"))


@pytest.fixture
def people(tree, make_user):
    """A branch secretary at branch_a, a unit admin at unit_a, a committee admin at the root."""
    return {
        "secretary": make_user("branch_secretary", tree.branch_a, email="sec@example.cn"),
        "officer": make_user("organization_officer", tree.branch_a),
        "viewer": make_user("viewer", tree.branch_a),
        "unit_admin": make_user("unit_admin", tree.unit_a, email="unit@example.cn"),
        "committee": make_user("committee_admin", tree.root, email="gw@example.cn"),
        "retired": make_user("branch_secretary", tree.branch_a, is_active=False),
    }


# --- recipients -----------------------------------------------------------------------


def test_recipients_nearest_level_plus_unit_admins(tree, people):
    holders = notifications.holders_by_path(notifications.PERM_TERMS)
    ids = notifications.recipients(tree.branch_a.path, holders)
    assert ids == {people["secretary"].pk, people["officer"].pk, people["unit_admin"].pk}
    # the party group has nobody of its own: its branch is the nearest level
    assert notifications.recipients(tree.group_a.path, holders) == ids
    # nobody inside 乙局: the 工委 level receives it, so it is not lost
    assert notifications.recipients(tree.branch_b.path, holders) == {people["committee"].pk}
    # the unit-level org itself: its own admins
    assert notifications.recipients(tree.unit_a.path, holders) == {people["unit_admin"].pk}
    # exact addressing (holidays): that level only
    assert notifications.recipients(tree.root.path, holders, exact=True) == {people["committee"].pk}
    assert notifications.recipients(tree.unit_b.path, holders, exact=True) == set()


def test_recipients_skip_a_level_without_holders(tree, people, make_user):
    tree.unit_a.refresh_from_db()
    general = tree.unit_a.add_child(kind="general_branch", name="甲局机关总支")
    general.refresh_from_db()
    inner = general.add_child(kind="branch", name="甲局总支第一支部")
    officer = make_user("organization_officer", general)
    holders = notifications.holders_by_path(notifications.PERM_MEMBERS)
    assert notifications.recipients(inner.path, holders) == {officer.pk, people["unit_admin"].pk}


def test_term_reminder_goes_to_the_branch_and_its_unit_not_the_committee(tree, people):
    Term.objects.create(org=tree.branch_a, started_on=D(2021, 1, 10))  # due 2024-01-10
    notifications.run(D(2024, 3, 5), sources=["terms"])
    for who in ("secretary", "officer", "unit_admin"):
        [n] = received(people[who], K.TERM_OVERDUE)
        assert n.org_id == tree.branch_a.pk
        assert n.rule_id == "term.renewal.on_time"
        assert "第三条" in n.citation and "（已核实）" in n.citation
        assert n.link == f"/orgs/{tree.branch_a.pk}/"
        assert n.due_on == D(2024, 1, 10)
        assert "超期55天" in n.title
    assert received(people["viewer"]) == [] and received(people["retired"]) == []
    # nobody inside 乙局 can act: the committee admin gets one digest for the unit instead
    [digest] = received(people["committee"])
    assert digest.kind == K.TERM_NO_DATA and digest.org_id == tree.unit_b.pk
    assert digest.title == "乙局机关党委有2项“缺少届次信息”无人接收"
    assert "乙局第一党支部缺少届次信息" in digest.body and "请为该单位分配负责账号" in digest.body
    assert digest.link == f"/rules/term-sweep/?within={tree.unit_b.pk}"
    # the unit-level org is elected too: its own admin hears about it
    assert [n.org_id for n in received(people["unit_admin"], K.TERM_NO_DATA)] == [tree.unit_a.pk]


# --- idempotency and cadence ----------------------------------------------------------


def test_running_twice_adds_nothing(tree, people):
    Term.objects.create(org=tree.branch_a, started_on=D(2021, 1, 10))
    m = person(tree.branch_a)
    Participation.objects.create(
        activity=Activity.objects.create(
            org=tree.branch_a, kind="theme_day", title="t", held_on=D(2023, 6, 1)
        ),
        member=m,
    )
    first = notifications.run(D(2024, 3, 1))
    count = Notification.objects.count()
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert first.total_created == count > 0
    second = notifications.run(D(2024, 3, 1))
    assert second.total_created == 0
    assert second.drafts == first.drafts
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == keys


def test_term_cadence_six_three_months_then_monthly(tree, people):
    Term.objects.create(org=tree.branch_a, started_on=D(2021, 9, 1))  # due 2024-09-01
    secretary = people["secretary"]
    for day in (D(2024, 2, 29), D(2024, 3, 1), D(2024, 3, 15), D(2024, 5, 31)):
        notifications.run(day, sources=["terms"])
    [due6] = received(secretary, K.TERM_DUE)
    assert "不足6个月" in due6.body and due6.due_on == D(2024, 9, 1)
    for day in (D(2024, 6, 1), D(2024, 7, 1), D(2024, 8, 31)):
        notifications.run(day, sources=["terms"])
    assert len(received(secretary, K.TERM_DUE)) == 2  # the 3-month one, once
    for day in (D(2024, 9, 2), D(2024, 9, 30), D(2024, 10, 1), D(2024, 10, 20)):
        notifications.run(day, sources=["terms"])
    overdue = received(secretary, K.TERM_OVERDUE)
    assert [n.dedupe_key.rsplit(":", 1)[1] for n in overdue] == ["2024-09", "2024-10"]


def test_no_term_data_monthly(tree, people):
    committee = people["committee"]
    for day in (D(2024, 3, 1), D(2024, 3, 31), D(2024, 4, 1)):
        notifications.run(day, sources=["terms"])
    rows = received(committee, K.TERM_NO_DATA)
    assert len(rows) == 2  # one digest for 乙局 in March, one in April
    assert {n.org_id for n in rows} == {tree.unit_b.pk}


def test_unit_without_accounts_becomes_a_monthly_digest_for_the_committee(tree, people):
    inactive = [person(tree.branch_b) for _ in range(3)]
    notifications.run(D(2024, 3, 5), sources=["inactivity"])
    [digest] = received(people["committee"], K.INACTIVITY_ALERT)
    assert digest.org_id == tree.unit_b.pk
    assert "3项" in digest.title
    assert all(m.name in digest.body for m in inactive)
    assert "《中国共产党章程》第九条" in digest.citation
    assert digest.rule_id == "member.inactive.six_months"
    assert digest.link == f"/orgs/{tree.unit_b.pk}/"
    person(tree.branch_b)
    notifications.run(D(2024, 3, 20), sources=["inactivity"])
    assert len(received(people["committee"], K.INACTIVITY_ALERT)) == 1  # once a month
    notifications.run(D(2024, 4, 1), sources=["inactivity"])
    assert len(received(people["committee"], K.INACTIVITY_ALERT)) == 2
    # 甲局's secretary hears nothing of 乙局's members
    assert received(people["secretary"]) == []


def test_inactivity_once_per_level_and_spell(tree, people):
    m = person(tree.branch_a)
    Participation.objects.create(
        activity=Activity.objects.create(
            org=tree.branch_a, kind="theme_day", title="t", held_on=D(2024, 1, 15)
        ),
        member=m,
    )
    secretary = people["secretary"]
    for day in (D(2024, 5, 15), D(2024, 5, 16), D(2024, 6, 30)):
        notifications.run(day, sources=["inactivity"])
    [warning] = received(secretary)
    assert warning.kind == K.INACTIVITY_WARNING
    assert warning.link == f"/members/{m.pk}/"
    assert "2024-01-15" in warning.body
    notifications.run(D(2024, 7, 15), sources=["inactivity"])
    alert = received(secretary, K.INACTIVITY_ALERT)
    assert len(alert) == 1
    assert "党章第九条" in alert[0].body and "《中国共产党章程》第九条" in alert[0].citation
    assert alert[0].rule_id == "member.inactive.six_months"


def test_probation_and_birthdays(tree, people):
    probationary = person(tree.branch_a, joined_on=D(2024, 2, 29), status="probationary")
    person(tree.branch_a, joined_on=D(2000, 2, 3))
    notifications.run(D(2025, 2, 1), sources=["probation", "birthdays"])
    secretary = people["secretary"]
    [probation] = received(secretary, K.PROBATION_END)
    assert probation.due_on == D(2025, 2, 28)
    assert probation.link == f"/members/{probationary.pk}/"
    assert "第三十二条" in probation.citation
    [birthday] = received(secretary, K.POLITICAL_BIRTHDAY)
    assert "2名党员" in birthday.title
    assert "02月28日，入党1周年" in birthday.body and "入党25周年" in birthday.body
    # a 党小组's members are listed under their branch (the ceremony is the branch's)
    in_group = person(tree.group_a, joined_on=D(2015, 2, 14))
    Notification.objects.all().delete()
    notifications.run(D(2025, 2, 1), sources=["birthdays"])
    [birthday] = received(secretary, K.POLITICAL_BIRTHDAY)
    assert birthday.org_id == tree.branch_a.pk and "3名党员" in birthday.title
    assert f"{in_group.name}（02月14日，入党10周年）" in birthday.body
    # birthdays go out in the month's first days only
    Notification.objects.all().delete()
    notifications.run(D(2025, 2, 10), sources=["birthdays"])
    assert received(secretary, K.POLITICAL_BIRTHDAY) == []


def test_holidays_to_unit_orgs_and_the_committee_once(tree, people):
    result = notifications.run(D(2025, 9, 24), sources=["holidays"])
    [unit] = received(people["unit_admin"])
    assert unit.kind == K.HOLIDAY_BEFORE and unit.org_id == tree.unit_a.pk
    assert "国庆节" in unit.title and unit.due_on == D(2025, 10, 1)
    [committee] = received(people["committee"])
    assert committee.org_id == tree.root.pk
    assert received(people["secretary"]) == []
    assert result.drafts["holidays"] == 3  # 工委, 甲局, 乙局 (乙局 has nobody to receive it)
    notifications.run(D(2025, 10, 9), sources=["holidays"])
    assert [n.kind for n in received(people["unit_admin"])] == [
        K.HOLIDAY_BEFORE,
        K.HOLIDAY_AFTER,
    ]


def test_holiday_run_in_an_unknown_year_does_not_crash(tree, people):
    result = notifications.run(D(2031, 1, 15))
    assert result.created["holidays"] == 2
    assert "春节" in received(people["unit_admin"], K.HOLIDAY_BEFORE)[0].title


def test_compliance_gaps_of_last_month(tree, people):
    Activity.objects.create(
        org=tree.branch_b, kind="theme_day", title="主题党日", held_on=D(2025, 1, 20)
    )
    result = notifications.run(D(2025, 2, 2), sources=["compliance"])
    assert result.created["compliance"] > 0
    mine = received(people["secretary"], K.COMPLIANCE_GAP)
    rules = {n.rule_id for n in mine}
    assert "branch.theme_day.monthly" in rules
    gap = next(n for n in mine if n.rule_id == "branch.theme_day.monthly")
    assert gap.org_id == tree.branch_a.pk and gap.due_on == D(2025, 1, 31)
    assert "2025年1月" in gap.title and "实际记录0次" in gap.body
    assert "主题党日" in gap.citation
    assert gap.link == (
        f"/rules/compliance/cell/?org={tree.branch_a.pk}&year=2025&month=1"
        "&rule=branch.theme_day.monthly"
    )
    # 乙局第一党支部 held its theme day in January
    committee = received(people["committee"], K.COMPLIANCE_GAP)
    assert not any(
        n.org_id == tree.branch_b.pk and n.rule_id == "branch.theme_day.monthly" for n in committee
    )
    assert notifications.run(D(2025, 2, 15), sources=["compliance"]).drafts["compliance"] == 0


def test_switched_off_local_rule_skips_its_source(tree, people):
    RuleSetting.objects.create(rule_id="holiday.festival_reminder", enabled=False)
    result = notifications.run(D(2025, 9, 24), sources=["holidays"])
    assert "holidays" in result.skipped and "已停用" in result.skipped["holidays"]
    assert Notification.objects.count() == 0


def test_run_is_audited(tree, people):
    from dangjian.audit.models import AuditEvent

    notifications.run(D(2025, 9, 24), sources=["holidays"])
    event = AuditEvent.objects.filter(action="remind").get()
    assert event.detail["date"] == "2025-09-24" and event.detail["created"]["holidays"] == 2


def test_unknown_source_is_refused():
    with pytest.raises(ValueError):
        notifications.run(D(2025, 1, 1), sources=["nonsense"])


# --- email ----------------------------------------------------------------------------


def test_email_digest_marks_emailed(tree, people):
    result = notifications.run(D(2025, 9, 24), sources=["holidays"], email=True)
    assert result.emailed == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["gw@example.cn", "unit@example.cn"]
    assert mail.outbox[0].subject == "党建工作平台提醒（1 条）"
    assert "依据" in mail.outbox[0].body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert notifications.send_emails() == 0  # nothing left to send


# --- the command ----------------------------------------------------------------------


def test_command_output_and_idempotency(tree, people, capsys):
    call_command("remind", "--date", "2025-09-24", "--only", "holidays,terms")
    out = capsys.readouterr().out
    assert "提醒日期：2025-09-24" in out
    assert "节前提醒/节后检查：3 项，新增提醒 2 条" in out
    total = Notification.objects.count()
    call_command("remind", "--date", "2025-09-24", "--only", "holidays,terms")
    assert "共新增提醒 0 条。" in capsys.readouterr().out
    assert Notification.objects.count() == total


def test_command_bad_input():
    with pytest.raises(CommandError, match="日期“2025-02-30”无效"):
        call_command("remind", "--date", "2025-02-30")
    with pytest.raises(CommandError, match="未知的提醒来源：nosuch"):
        call_command("remind", "--only", "nosuch")


@pytest.mark.django_db
def test_command_email_flag(tree, people, capsys):
    call_command("remind", "--date", "2025-09-24", "--only", "holidays", "--email")
    assert "已发送提醒邮件 2 封。" in capsys.readouterr().out
