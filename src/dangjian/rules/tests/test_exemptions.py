"""Rule exemptions: permissions (generic mixin), validation, services, pages and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.core import context
from dangjian.core.services import OutOfScope
from dangjian.core.testing.permissions import ApiWritePermissionTestMixin
from dangjian.rules import services
from dangjian.rules.models import RuleExemption

from .helpers import exempt, member

D = dt.date
RULE = "branch.member_assembly.quarterly"


class TestRuleExemptionPermissions(ApiWritePermissionTestMixin):
    model = RuleExemption
    list_url = "rules:exemption_list"
    detail_url = "rules:exemption_detail"
    edit_url = "rules:exemption_edit"
    delete_url = "rules:exemption_delete"
    api_list = "/api/rule-exemptions/"

    def make_object(self, org):
        return exempt(org, RULE, D(2024, 3, 1), D(2024, 6, 30))

    def api_payload(self, org):
        return {
            "org": org.pk,
            "rule_id": RULE,
            "starts_on": "2024-03-01",
            "ends_on": "2024-06-30",
            "reason": "机构改革，支部调整",
            "approved_by": "甲局机关党委",
        }


def fields(org, **changes):
    data = {
        "org": org,
        "member": None,
        "rule_id": RULE,
        "starts_on": D(2024, 3, 1),
        "ends_on": D(2024, 6, 30),
        "expires_on": None,
        "reason": "机构改革",
        "approved_by": "甲局机关党委",
        "approval_document": "",
    }
    return data | changes


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"rule_id": "no.such.rule"}, "rule_id", "规则库"),
        ({"rule_id": "term.renewal.on_time"}, "rule_id", "频次"),
        ({"rule_id": "group.group_meeting.monthly"}, "org", "只适用于党小组"),
        ({"ends_on": D(2024, 2, 1)}, "ends_on", "不能早于"),
        ({"ends_on": None}, "expires_on", "批准有效期"),
        ({"ends_on": D(2028, 1, 1)}, "ends_on", "3 年"),
        ({"reason": " "}, "reason", "理由"),
        ({"approved_by": ""}, "approved_by", "批准人"),
    ],
)
def test_bad_exemptions_are_refused_with_a_chinese_message(tree, make_user, changes, field, text):
    admin = make_user("unit_admin", tree.unit_a)
    with pytest.raises(ValidationError) as info:
        services.save_exemption(admin, RuleExemption(), **fields(tree.branch_a, **changes))
    assert text in " ".join(info.value.message_dict[field])
    assert not RuleExemption.objects.exists()


@pytest.mark.django_db
def test_member_exemption_only_for_the_inactivity_rule(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    someone = member(tree.branch_a, full_on=D(2015, 1, 1))
    with pytest.raises(ValidationError) as info:
        services.save_exemption(admin, RuleExemption(), **fields(tree.branch_a, member=someone))
    assert "rule_id" in info.value.message_dict
    saved = services.save_exemption(
        admin, RuleExemption(), **fields(None, member=someone, rule_id="member.inactive.six_months")
    )
    assert saved.org_id == tree.branch_a.pk and saved.recorded_by == admin


@pytest.mark.django_db
def test_writes_are_scoped_and_audited(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    with context.use(context.RequestContext(user=admin, channel="web")):
        saved = services.save_exemption(admin, RuleExemption(), **fields(tree.branch_a))
    created = AuditEvent.objects.get(
        action="create", object_type="rules.ruleexemption", object_id=str(saved.pk)
    )
    assert created.actor_id == admin.pk and created.after["rule_id"] == RULE
    services.save_exemption(admin, saved, ends_on=D(2024, 9, 30))
    updated = AuditEvent.objects.get(
        action="update", object_type="rules.ruleexemption", object_id=str(saved.pk)
    )
    assert updated.before["ends_on"] == "2024-06-30" and updated.after["ends_on"] == "2024-09-30"
    with pytest.raises(OutOfScope):
        services.save_exemption(admin, RuleExemption(), **fields(tree.branch_b))
    with pytest.raises(OutOfScope):  # moving one out of scope is refused, nothing changes
        services.save_exemption(admin, saved, org=tree.branch_b)
    saved.refresh_from_db()
    assert saved.org_id == tree.branch_a.pk and RuleExemption.objects.count() == 1
    branch_secretary = make_user("branch_secretary", tree.branch_a)
    with pytest.raises(OutOfScope):  # a branch cannot exempt itself
        services.save_exemption(branch_secretary, RuleExemption(), **fields(tree.branch_a))


@pytest.mark.django_db
def test_exemption_pages(client, tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    client.force_login(admin)
    page = client.get(reverse("rules:exemption_add") + f"?org={tree.branch_a.pk}")
    assert page.status_code == 200 and "豁免理由" in page.content.decode()
    data = {
        "org": tree.branch_a.pk,
        "rule_id": RULE,
        "starts_on": "2024-03-01",
        "ends_on": "2024-06-30",
        "reason": "机构改革",
        "approved_by": "甲局机关党委",
    }
    bad = client.post(reverse("rules:exemption_add"), data | {"ends_on": "2024-01-01"})
    assert bad.status_code == 200 and "豁免结束日期不能早于开始日期" in bad.content.decode()
    assert not RuleExemption.objects.exists()
    resp = client.post(reverse("rules:exemption_add"), data)
    saved = RuleExemption.objects.get()
    assert resp.status_code == 302 and resp["Location"] == saved.get_absolute_url()
    detail = client.get(saved.get_absolute_url()).content.decode()
    assert "党支部党员大会每季度召开1次" in detail and "第十一条" in detail
    listing = client.get(reverse("rules:exemption_list") + f"?rule_id={RULE}").content.decode()
    assert "机构改革" in listing
    resp = client.post(
        reverse("rules:exemption_edit", args=[saved.pk]), data | {"ends_on": "2024-09-30"}
    )
    saved.refresh_from_db()
    assert resp.status_code == 302 and saved.ends_on == D(2024, 9, 30)
    resp = client.post(reverse("rules:exemption_delete", args=[saved.pk]))
    assert resp.status_code == 302 and not RuleExemption.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="rules.ruleexemption").exists()


@pytest.mark.django_db
def test_api_refuses_bad_input_in_chinese(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    payload = {
        "org": tree.branch_a.pk,
        "rule_id": RULE,
        "starts_on": "2024-03-01",
        "reason": "机构改革",
        "approved_by": "甲局机关党委",
    }
    resp = client.post("/api/rule-exemptions/", payload, content_type="application/json")
    assert resp.status_code == 400 and "批准有效期" in resp.json()["expires_on"][0]
    assert not RuleExemption.objects.exists()
    resp = client.get("/api/rule-exemptions/?active_on=2024-04-01")
    assert resp.status_code == 200 and resp.json()["count"] == 0
