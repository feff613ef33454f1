"""The honors pages over HTTP: a unit nominates and sees only its own, the 工委 runs the round
from its page; panels on member and org pages, 我的荣誉, API filters, xlsx import/export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from dangjian.core.excel import writer
from dangjian.honors import titles
from dangjian.honors.models import Honor, HonorRound, Nomination, RoundQuota
from dangjian.members.tests.factories import MemberFactory
from dangjian.selfservice.tests.conftest import open_for

from .factories import make_honor, make_nomination, make_round, today

pytestmark = pytest.mark.django_db
EM, AO = titles.EXCELLENT_MEMBER, titles.ADVANCED_ORG


def text(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    return strip_tags(resp.content.decode())


def test_a_round_through_its_pages(client, tree, make_user):
    gongwei = make_user("committee_admin", tree.root)
    danwei = make_user("unit_admin", tree.unit_a)
    # the 工委 opens the round and gives 甲局 its quotas
    client.force_login(gongwei)
    start, end = today() - dt.timedelta(days=3), today() + dt.timedelta(days=4)
    resp = client.post(
        reverse("honors:round_add"),
        {
            "org": tree.root.pk,
            "year": today().year,
            "title": "“七一”表彰",
            "level": "committee",
            "titles": [EM, AO],
            "nomination_starts": start.isoformat(),
            "nomination_ends": end.isoformat(),
            "material_asked": "事迹材料",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    rnd = HonorRound.objects.get()
    resp = client.post(
        reverse("honors:round_quotas", args=[rnd.pk]),
        {f"q_{tree.unit_a.pk}_{EM}": "1", f"q_{tree.unit_b.pk}_{EM}": "2"},
    )
    assert resp.status_code == 302
    assert RoundQuota.objects.filter(round=rnd).count() == 2
    # a bad number: a 400 page in Chinese, nothing changed
    resp = client.post(
        reverse("honors:round_quotas", args=[rnd.pk]), {f"q_{tree.unit_a.pk}_{EM}": "-3"}
    )
    assert resp.status_code == 400 and "名额应为 0 至 999 的整数" in resp.content.decode()
    assert RoundQuota.objects.get(round=rnd, org=tree.unit_a).quota == 1

    # the unit nominates through the form
    client.force_login(danwei)
    member = MemberFactory(org=tree.branch_a, name="李先锋")
    page = text(client.get(reverse("honors:round_detail", args=[rnd.pk])))
    assert "甲局机关党委" in page and "乙局机关党委" not in page  # its own quota only
    resp = client.post(
        reverse("honors:nomination_add"),
        {
            "round": rnd.pk,
            "org": tree.unit_a.pk,
            "title": EM,
            "member": member.pk,
            "material": "牵头完成数字机关建设任务。",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:3000]
    nomination = Nomination.objects.get()
    # a second one is beyond the quota: the form says so, nothing written
    resp = client.post(
        reverse("honors:nomination_add"),
        {
            "round": rnd.pk,
            "org": tree.unit_a.pk,
            "title": EM,
            "member": MemberFactory(org=tree.branch_a).pk,
            "material": "事迹",
        },
    )
    assert resp.status_code == 200 and "名额为 1 名，已推荐 1 名" in resp.content.decode()
    assert Nomination.objects.count() == 1
    # the unit cannot review its own nomination (the round's side does)
    resp = client.post(
        reverse("honors:nomination_review", args=[nomination.pk]), {"decision": "approve"}
    )
    assert resp.status_code == 404

    # the 工委 reviews, publicizes, and is refused a decision before 公示 ends
    client.force_login(gongwei)
    page = text(client.get(reverse("honors:round_detail", args=[rnd.pk])))
    assert "李先锋" in page and "1 / 1" in page and "组织生活：" in page
    client.post(reverse("honors:nomination_review", args=[nomination.pk]), {"decision": "approve"})
    nomination.refresh_from_db()
    assert nomination.status == "approved"
    resp = client.post(
        reverse("honors:round_publicize", args=[rnd.pk]),
        {"publicity_starts": today().isoformat()},
    )
    rnd.refresh_from_db()
    assert rnd.publicity_ends == today() + dt.timedelta(days=6)
    resp = client.post(
        reverse("honors:round_decide", args=[rnd.pk]),
        {"decided_on": today().isoformat(), "document_number": "示工委〔2024〕18号"},
        follow=True,
    )
    assert "表彰决定日期须在公示期满之后" in resp.content.decode()
    assert not Honor.objects.exists()

    # 公示 over (moved back in time for the test), the decision writes the honor
    HonorRound.objects.filter(pk=rnd.pk).update(
        publicity_starts=today() - dt.timedelta(days=8),
        publicity_ends=today() - dt.timedelta(days=2),
    )
    resp = client.post(
        reverse("honors:round_decide", args=[rnd.pk]),
        {"decided_on": today().isoformat(), "document_number": "示工委〔2024〕18号"},
        follow=True,
    )
    assert "共表彰 1 个对象" in resp.content.decode()
    honor = Honor.objects.get()
    assert honor.member_id == member.pk and honor.recorded_by_org_id == tree.root.pk
    # the member's page shows the honor
    page = text(client.get(reverse("members:member_detail", args=[member.pk])))
    assert "荣誉表彰" in page and "优秀共产党员" in page and "示工委〔2024〕18号" in page


def test_a_unit_sees_only_its_own_nominations(client, tree, make_user):
    rnd = make_round(tree.root)
    make_nomination(tree.branch_a, rnd=rnd, member=MemberFactory(org=tree.branch_a, name="甲某"))
    make_nomination(tree.branch_b, rnd=rnd, member=MemberFactory(org=tree.branch_b, name="乙某"))
    client.force_login(make_user("unit_admin", tree.unit_a))
    page = text(client.get(reverse("honors:round_detail", args=[rnd.pk])))
    assert "甲某" in page and "乙某" not in page
    page = text(client.get(reverse("honors:round_list")))
    assert rnd.title in page


def test_org_page_panel_and_my_honors(client, tree, make_user):
    make_honor(tree.branch_a, recorded_by=tree.root, member=False)
    client.force_login(make_user("unit_admin", tree.unit_a))
    page = text(client.get(reverse("orgs:organization_detail", args=[tree.branch_a.pk])))
    assert "荣誉表彰" in page and "先进基层党组织" in page
    page = text(client.get(reverse("orgs:organization_detail", args=[tree.unit_a.pk])))
    assert "先进基层党组织" not in page  # the branch's honor, not the unit's

    me = MemberFactory(org=tree.branch_a, name="王党员")
    Honor.objects.create(
        title=EM,
        level="city",
        member=me,
        org=tree.branch_a,
        year=2024,
        issuer="中共示例市委",
        decided_on=dt.date(2024, 6, 28),
        recorded_by_org=tree.root,
    )
    open_for([me])
    me.refresh_from_db()
    account = me.account
    account.must_change_password = False
    account.save(update_fields=["must_change_password"])
    client.force_login(account)
    page = text(client.get(reverse("selfservice:me")))
    assert "我的荣誉" in page and "优秀共产党员" in page and "中共示例市委" in page


def test_api_filters(client, tree, make_user):
    make_honor(tree.branch_a, recorded_by=tree.root)
    make_honor(tree.branch_a, recorded_by=tree.root, member=False)
    make_honor(tree.branch_b, recorded_by=tree.root, year=2023, decided_on=dt.date(2023, 6, 28))
    client.force_login(make_user("committee_admin", tree.root))
    got = client.get("/api/honors/?year=2024").json()
    assert got["count"] == 2
    got = client.get(f"/api/honors/?title={AO}").json()
    assert [r["title_name"] for r in got["results"]] == ["先进基层党组织"]
    got = client.get(f"/api/honors/?within={tree.unit_b.pk}").json()
    assert got["count"] == 1
    assert client.get("/api/honors/?year=99999").status_code == 400
    rnd = make_round(tree.root)
    make_nomination(tree.branch_a, rnd=rnd)
    got = client.get(f"/api/nominations/?round={rnd.pk}&status=nominated").json()
    assert got["count"] == 1
    assert client.get("/api/nominations/?status=approved").json()["count"] == 0


def _xlsx(rows) -> io.BytesIO:
    wb = writer.new_workbook()
    ws = writer.sheet(wb, "表彰")
    ws.append(["称号", "级别", "姓名", "党组织", "年度", "表彰机关", "决定日期", "决定文号"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "honors.xlsx"
    return out


def test_import_is_all_or_nothing(client, tree, make_user):
    MemberFactory(org=tree.branch_a, name="赵市优")
    client.force_login(make_user("committee_admin", tree.root))
    bad = _xlsx(
        [
            [
                "优秀共产党员",
                "市级",
                "赵市优",
                "甲局第一党支部",
                2024,
                "中共示例市委",
                "2024-06-30",
                "示发〔2024〕9号",
            ],
            [
                "优秀共产党员",
                "市级",
                "不存在",
                "甲局第一党支部",
                2024,
                "中共示例市委",
                "2024-06-30",
                "",
            ],
            [
                "先进个人",
                "市级",
                "赵市优",
                "甲局第一党支部",
                2024,
                "中共示例市委",
                "2024-06-30",
                "",
            ],
        ]
    )
    resp = client.post(reverse("imports:run", args=["honors"]), {"file": bad})
    body = resp.content.decode()
    assert "找不到“不存在”" in body and "称号应为以下之一" in body
    assert not Honor.objects.exists()
    good = _xlsx(
        [
            [
                "优秀共产党员",
                "市级",
                "赵市优",
                "甲局第一党支部",
                2024,
                "中共示例市委",
                "2024-06-30",
                "示发〔2024〕9号",
            ],
            [
                "先进基层党组织",
                "省级",
                None,
                "甲局第一党支部",
                2024,
                "中共某省委",
                "2024-06-30",
                "",
            ],
        ]
    )
    resp = client.post(reverse("imports:run", args=["honors"]), {"file": good})
    assert Honor.objects.count() == 2, resp.content.decode()[:3000]
    assert set(Honor.objects.values_list("recorded_by_org_id", flat=True)) == {tree.root.pk}
    resp = client.get(reverse("honors:honor_list") + "?export=xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )


def test_api_refusals_are_chinese_400s(client, tree, make_user):
    from dangjian.honors.tests.factories import quota

    rnd = make_round(tree.root)
    quota(rnd, tree.unit_a, n=1)
    client.force_login(make_user("unit_admin", tree.unit_a))

    def post(member):
        return client.post(
            "/api/nominations/",
            {
                "round": rnd.pk,
                "org": tree.unit_a.pk,
                "title": EM,
                "member": member.pk,
                "material": "事迹",
            },
            content_type="application/json",
        )

    assert post(MemberFactory(org=tree.branch_a)).status_code == 201
    resp = post(MemberFactory(org=tree.branch_a))
    assert resp.status_code == 400
    assert "名额为 1 名，已推荐 1 名" in resp.content.decode()
    assert Nomination.objects.count() == 1
    resp = client.post(
        "/api/nominations/",
        {"round": rnd.pk, "org": tree.unit_a.pk, "title": EM, "member": 10**20, "material": "x"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and Nomination.objects.count() == 1
