"""A 七一 round from opening to decision, and each refusal the issue names (bad input):
the Chinese message, and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.audit.models import AuditEvent
from dangjian.core.metrics import MetricScope, registry
from dangjian.honors import services, titles
from dangjian.honors.models import Honor, HonorLevel, HonorRound, Nomination, RoundQuota
from dangjian.members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

D = dt.date
EM, PW, AO = titles.EXCELLENT_MEMBER, titles.EXCELLENT_PARTY_WORKER, titles.ADVANCED_ORG


@pytest.fixture
def world(tree, make_user):
    gongwei = make_user("committee_admin", tree.root)
    danwei = make_user("unit_admin", tree.unit_a)
    rnd = services.save_round(
        gongwei,
        HonorRound(),
        org=tree.root,
        year=2024,
        title="2024年“七一”表彰",
        level=HonorLevel.COMMITTEE,
        titles=[EM, PW, AO],
        nomination_starts=D(2024, 6, 3),
        nomination_ends=D(2024, 6, 14),
        material_asked="事迹材料（1500字以内）",
    )
    services.set_quotas(gongwei, rnd, {(tree.unit_a.pk, EM): 2, (tree.unit_a.pk, AO): 1})
    return tree, gongwei, danwei, rnd


JUNE_10 = D(2024, 6, 10)


def nominate(user, rnd, org, member=None, title=EM, on=JUNE_10, recipient_org=None):
    return services.nominate(
        user,
        rnd,
        org=org,
        title=title,
        member=member,
        recipient_org=recipient_org,
        material="带头落实“三会一课”，所在处室年度考核优秀。",
        on=on,
    )


def messages(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def test_the_whole_round(world):
    tree, gongwei, danwei, rnd = world
    a, b, c = (MemberFactory(org=tree.branch_a) for _ in range(3))
    n_a = nominate(danwei, rnd, tree.unit_a, a)
    n_b = nominate(danwei, rnd, tree.unit_a, b)
    n_org = nominate(danwei, rnd, tree.unit_a, title=AO, recipient_org=tree.branch_a)
    assert AuditEvent.objects.filter(
        action="create", object_type="honors.nomination", object_id=str(n_a.pk)
    ).exists()
    # the unit takes one back before review and puts another forward in its place
    services.withdraw(danwei, n_b)
    n_c = nominate(danwei, rnd, tree.unit_a, c)
    # review: 退回 needs a reason
    with pytest.raises(ValidationError) as exc:
        services.review(gongwei, n_c, approve=False)
    assert "退回时请填写理由" in messages(exc)
    services.review(gongwei, n_a, approve=True)
    services.review(gongwei, n_org, approve=True)
    # 公示 is refused while a nomination waits for review
    with pytest.raises(ValidationError) as exc:
        services.publicize(gongwei, rnd, D(2024, 6, 18))
    assert "还有 1 条推荐未审核" in messages(exc)
    services.review(gongwei, n_c, approve=False, note="事迹材料不完整")
    # a returned nomination frees its place: the unit may nominate again within quota
    assert services._used_counts(rnd)[(tree.unit_a.pk, EM)] == 1
    assert services.publicize(gongwei, rnd, D(2024, 6, 18)) == 2
    rnd.refresh_from_db()
    assert (rnd.publicity_starts, rnd.publicity_ends) == (D(2024, 6, 18), D(2024, 6, 24))
    # the unit can no longer withdraw, nor nominate
    n_a.refresh_from_db()
    with pytest.raises(ValidationError):
        services.withdraw(danwei, n_a)
    assert services.decide(gongwei, rnd, D(2024, 6, 28), "示工委〔2024〕18号") == 2
    honors = Honor.objects.order_by("title")
    assert [(h.title, h.member_id, h.org_id) for h in honors] == [
        (AO, None, tree.branch_a.pk),
        (EM, a.pk, tree.branch_a.pk),
    ]
    for honor in honors:
        assert honor.level == HonorLevel.COMMITTEE and honor.year == 2024
        assert honor.decided_on == D(2024, 6, 28)
        assert honor.document_number == "示工委〔2024〕18号"
        assert honor.recorded_by_org_id == tree.root.pk
        assert honor.issuer == tree.root.name
    statuses = dict(Nomination.objects.values_list("pk", "status"))
    assert statuses == {n_a.pk: "decided", n_org.pk: "decided", n_c.pk: "returned"}
    scope = MetricScope(gongwei, 2024)
    assert registry.get("honors.excellent_members").value(scope) == 1
    assert registry.get("honors.advanced_orgs").value(scope) == 1
    assert registry.get("honors.excellent_party_workers").value(scope) == 0
    assert registry.get("honors.excellent_members").value(MetricScope(gongwei, 2023)) == 0


def test_publicity_lasts_seven_days_by_default():
    assert services.publicity_end(D(2024, 6, 18)) == D(2024, 6, 24)
    assert services.publicity_end(D(2024, 12, 28)) == D(2025, 1, 3)


# --- bad input ----------------------------------------------------------------------------


def test_beyond_the_quota_is_refused(world):
    tree, _gongwei, danwei, rnd = world
    nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a))
    nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a))
    before = Nomination.objects.count()
    with pytest.raises(ValidationError) as exc:
        nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a))
    assert "“优秀共产党员”名额为 2 名，已推荐 2 名，不能再推荐" in messages(exc)
    assert Nomination.objects.count() == before


def test_a_title_without_quota_is_refused(world):
    tree, _gongwei, danwei, rnd = world
    with pytest.raises(ValidationError) as exc:
        nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a), title=PW)
    assert "甲局机关党委在本次评选中没有“优秀党务工作者”的推荐名额" in messages(exc)
    assert not Nomination.objects.exists()


@pytest.mark.parametrize("on", [D(2024, 6, 2), D(2024, 6, 15)])
def test_outside_the_round_dates_is_refused(world, on):
    tree, _gongwei, danwei, rnd = world
    with pytest.raises(ValidationError) as exc:
        nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a), on=on)
    assert "推荐时间为 2024-06-03 至 2024-06-14，当前不在推荐时间内" in messages(exc)
    assert not Nomination.objects.exists()


def test_the_first_and_last_day_are_inside(world):
    tree, _gongwei, danwei, rnd = world
    nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a), on=D(2024, 6, 3))
    nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a), on=D(2024, 6, 14))
    assert Nomination.objects.count() == 2


def test_a_recipient_outside_the_unit_is_refused(world):
    tree, _gongwei, danwei, rnd = world
    stranger = MemberFactory(org=tree.branch_b, name="王外单")
    with pytest.raises(ValidationError) as exc:
        nominate(danwei, rnd, tree.unit_a, stranger)
    assert "王外单不是甲局机关党委的党员，只能推荐本单位的党员" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        nominate(danwei, rnd, tree.unit_a, title=AO, recipient_org=tree.branch_b)
    assert "乙局第一党支部不是甲局机关党委的下级党组织" in messages(exc)
    assert not Nomination.objects.exists()


def test_nominating_for_another_unit_is_refused(world):
    tree, _gongwei, danwei, rnd = world
    RoundQuota.objects.create(round=rnd, org=tree.unit_b, title=EM, quota=3)
    with pytest.raises(ValidationError) as exc:
        nominate(danwei, rnd, tree.unit_b, MemberFactory(org=tree.branch_b))
    assert "只能以您管理的党组织名义推荐" in messages(exc)
    assert not Nomination.objects.exists()


def test_a_member_title_needs_a_member(world):
    tree, _gongwei, danwei, rnd = world
    with pytest.raises(ValidationError) as exc:
        nominate(danwei, rnd, tree.unit_a, title=EM, recipient_org=tree.branch_a)
    assert "“优秀共产党员”表彰党员，请选择推荐的党员" in messages(exc)


def test_a_decision_before_publicity_ends_is_refused(world):
    tree, gongwei, danwei, rnd = world
    n = nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a))
    services.review(gongwei, n, approve=True)
    services.publicize(gongwei, rnd, D(2024, 6, 18))
    for day in (D(2024, 6, 20), D(2024, 6, 24)):
        with pytest.raises(ValidationError) as exc:
            services.decide(gongwei, rnd, day, "示工委〔2024〕18号")
        assert (
            "公示期至 2024-06-24 结束，表彰决定日期须在公示期满之后（2024-06-25 或以后）"
            in messages(exc)
        )
    rnd.refresh_from_db()
    assert rnd.decided_on is None and not Honor.objects.exists()
    assert Nomination.objects.get().status == "publicized"
    assert services.decide(gongwei, rnd, D(2024, 6, 25), "示工委〔2024〕18号") == 1


def test_a_decision_without_publicity_is_refused(world):
    _tree, gongwei, _danwei, rnd = world
    with pytest.raises(ValidationError) as exc:
        services.decide(gongwei, rnd, D(2024, 6, 28), "示工委〔2024〕18号")
    assert "请先公示审核通过的推荐" in messages(exc)
    assert not Honor.objects.exists()


def test_quotas_not_below_what_was_nominated(world):
    tree, gongwei, danwei, rnd = world
    nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a))
    nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a))
    with pytest.raises(ValidationError) as exc:
        services.set_quotas(gongwei, rnd, {(tree.unit_a.pk, EM): 1})
    assert "甲局机关党委已推荐 2 名“优秀共产党员”，名额不能少于已推荐人数" in messages(exc)
    assert RoundQuota.objects.get(round=rnd, org=tree.unit_a, title=EM).quota == 2


def test_a_unit_cannot_review(world):
    tree, _gongwei, danwei, rnd = world
    from dangjian.core.services import OutOfScope

    n = nominate(danwei, rnd, tree.unit_a, MemberFactory(org=tree.branch_a))
    with pytest.raises(OutOfScope):
        services.review(danwei, n, approve=True)
    n.refresh_from_db()
    assert n.status == "nominated" and n.reviewed_on is None


def test_an_honor_recorded_directly(tree, make_user):
    danwei = make_user("unit_admin", tree.unit_a)
    member = MemberFactory(org=tree.branch_a)
    honor = services.save_honor(
        danwei,
        Honor(),
        title=EM,
        level=HonorLevel.PROVINCE,
        member=member,
        year=2024,
        issuer="中共某省委",
        decided_on=D(2024, 6, 30),
        document_number="某发〔2024〕12号",
        note="",
    )
    assert honor.org_id == tree.branch_a.pk and honor.recorded_by_org_id == tree.unit_a.pk
    with pytest.raises(ValidationError) as exc:
        services.save_honor(
            danwei,
            Honor(),
            title=AO,
            level=HonorLevel.CITY,
            member=member,
            year=2024,
            issuer="中共示例市委",
            decided_on=D(2024, 6, 30),
        )
    assert "“先进基层党组织”表彰党组织，不填党员" in messages(exc)
    assert Honor.objects.count() == 1
