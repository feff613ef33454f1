"""Importing a year of activities: all or nothing, errors by row and column, history-aware."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.activities import attendance
from dangjian.activities.imports import ActivityImporter
from dangjian.activities.models import Activity, AgendaItem, Participation
from dangjian.activities.roster import Roster
from dangjian.members import services as member_services
from dangjian.members.models import Exemption

from .conftest import make_member, make_members

pytestmark = pytest.mark.django_db

HEADERS = [
    "党组织",
    "活动类型",
    "召开日期",
    "主题",
    "标签",
    "第一议题",
    "其他议题",
    "出席人员",
    "请假人员",
    "缺席人员",
    "学时",
]


def xlsx(rows) -> bytes:
    wb = ActivityImporter().template_workbook()
    ws = wb["数据"]
    for idx in range(1, ws.max_column + 1):
        ws.cell(row=1, column=idx).value = None  # cell(value=None) would leave it as it was
    for idx, h in enumerate(HEADERS, start=1):
        ws.cell(row=1, column=idx, value=h)
    for row in rows:
        ws.append([row.get(h, "") for h in HEADERS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, data: bytes):
    return client.post(
        reverse("imports:run", args=["activities"]),
        {"file": SimpleUploadedFile("组织生活.xlsx", data)},
    )


def errors_of(resp) -> list[str]:
    result = resp.context["result"]
    assert result is not None and not result.ok
    return [str(e) for e in result.errors]


@pytest.fixture
def people(tree):
    members = make_members(tree.branch_a, 8)
    Exemption.objects.create(
        member=members[7], reason="long_absence", starts_on=dt.date(2024, 1, 1)
    )
    return members


def row(members, **over):
    base = {
        "党组织": "甲局第一党支部",
        "活动类型": "支部党员大会",
        "召开日期": "2024-03-15",
        "主题": "第一季度党员大会",
        "标签": "党纪学习教育",
        "第一议题": "传达学习重要讲话精神",
        "其他议题": "通报党费收缴情况；讨论发展对象",
        "出席人员": "、".join(m.name for m in members[:5]),
        "请假人员": members[5].name if len(members) > 5 else "",
        "学时": 2,
    }
    base.update(over)
    return base


def test_import_writes_every_row(client, writer, people):
    client.force_login(writer)
    rows = [
        row(people),
        row(people, 活动类型="主题党日", 召开日期="2024-04-10", 主题="四月主题党日", 请假人员=""),
    ]
    resp = upload(client, xlsx(rows))
    result = resp.context["result"]
    assert result.ok, [str(e) for e in result.errors]
    assert result.created == 2
    assembly = Activity.objects.get(kind="member_assembly")
    statuses = dict(assembly.participations.values_list("member_id", "status"))
    assert list(statuses.values()).count("attended") == 5
    assert statuses[people[5].pk] == "leave"
    assert statuses[people[6].pk] == "absent"  # expected but not listed
    assert statuses[people[7].pk] == "exempt"  # exemption covers the day
    assert assembly.quorum_met is True
    assert [a.title for a in assembly.agenda_items.order_by("order")] == [
        "传达学习重要讲话精神",
        "通报党费收缴情况",
        "讨论发展对象",
    ]
    assert assembly.agenda_items.get(order=1).is_first_topic
    assert list(assembly.tags.values_list("code", flat=True)) == ["discipline_education"]
    assert assembly.participations.get(member=people[0]).hours == 2


def test_one_bad_row_saves_nothing(client, writer, people, tree):
    outsider = make_member(tree.branch_b, "外人")
    client.force_login(writer)
    rows = [
        row(people),
        row(people, 召开日期="2099-01-01", 主题="未来"),
        row(people, 主题="重复人员", 出席人员=f"{people[0].name}、{people[0].name}"),
        row(people, 主题="外单位", 出席人员=outsider.name),
        row(people, 活动类型="党小组会", 主题="类型不对"),
        row(people, 党组织="乙局第一党支部", 主题="越权"),
        row(people, 主题="新标签", 标签="没有这个标签"),
        row(people),  # the same activity as row 2
    ]
    resp = upload(client, xlsx(rows))
    errors = errors_of(resp)
    joined = "\n".join(errors)
    assert "第 3 行「召开日期」" in joined and "晚于今天" in joined
    assert "第 4 行「出席人员」" in joined and "重复出现" in joined
    assert (
        "第 5 行「出席人员」" in joined
        and "「外人」不是「甲局第一党支部」在活动当日的党员" in joined
    )
    assert "第 6 行「活动类型」" in joined and "党小组" in joined
    assert "第 7 行「党组织」" in joined
    assert "第 8 行「标签」" in joined
    assert "第 9 行「主题」" in joined and "第 2 行" in joined
    assert not (
        Activity.objects.exists() or Participation.objects.exists() or AgendaItem.objects.exists()
    )


def test_existing_activity_is_not_imported_twice(client, writer, people):
    client.force_login(writer)
    assert upload(client, xlsx([row(people)])).context["result"].ok
    errors = errors_of(upload(client, xlsx([row(people)])))
    assert "已登记过" in errors[0]
    assert Activity.objects.count() == 1


def test_people_by_id_number_and_ambiguous_names(client, writer, tree):
    a = make_member(tree.branch_a, "王芳", id_number="110101199003077774")
    make_member(tree.branch_a, "王芳")
    client.force_login(writer)
    data = row(
        [a],
        活动类型="谈心谈话",
        主题="谈心",
        出席人员="110101199003077774",
        请假人员="",
        标签="",
        第一议题="",
        其他议题="",
    )
    assert upload(client, xlsx([data])).context["result"].ok
    data["出席人员"], data["主题"] = "王芳", "谈心二"
    errors = errors_of(upload(client, xlsx([data])))
    assert "有 2 名党员叫「王芳」，请改填身份证号" in errors[0]


def test_member_who_left_later_can_be_listed(client, writer, people, tree):
    member_services.transfer_member(writer, people[0], tree.group_a, dt.date(2024, 6, 1))
    member_services.transfer_member(
        writer, people[1], None, dt.date(2024, 6, 1), external_org_name="外地支部"
    )
    client.force_login(writer)
    data = row(
        people,
        党组织="第一党小组",
        活动类型="党小组会",
        主题="三月小组会",
        出席人员=people[0].name,
        请假人员="",
    )
    errors = errors_of(upload(client, xlsx([data])))  # in March 2024 they were in the branch only
    assert "不是「第一党小组」在活动当日的党员" in errors[0]
    data = row(people, 出席人员=f"{people[0].name}、{people[1].name}", 请假人员="")
    assert upload(client, xlsx([data])).context["result"].ok


def test_roster_agrees_with_sql(tree, writer, people):
    """The importer's in-memory membership equals membership.members_at on sample dates."""
    newcomer = make_member(tree.branch_b, "调入者", joined_on=dt.date(2015, 1, 1))
    member_services.transfer_member(writer, people[2], tree.group_a, dt.date(2024, 5, 1))
    member_services.transfer_member(
        writer, people[3], None, dt.date(2024, 5, 1), external_org_name="外地"
    )
    from dangjian.core.scoping import SYSTEM

    member_services.transfer_member(SYSTEM, newcomer, tree.branch_a, dt.date(2024, 7, 1))
    pools = [tree.branch_a, tree.group_a, tree.unit_a, tree.branch_b]
    roster = Roster(pools)
    for day in (
        dt.date(2024, 4, 30),
        dt.date(2024, 5, 1),
        dt.date(2024, 6, 15),
        dt.date(2024, 8, 1),
    ):
        for pool in pools:
            sql = set(attendance.members_at(pool, day).values_list("pk", flat=True))
            memory = {h.member.pk for h in roster.members_on(pool, day)}
            assert memory == sql, (pool.name, day)


def test_template_download(client, writer):
    client.force_login(writer)
    resp = client.get(reverse("imports:template", args=["activities"]))
    assert resp.status_code == 200
    assert "组织生活" in resp["Content-Disposition"] or "filename" in resp["Content-Disposition"]
