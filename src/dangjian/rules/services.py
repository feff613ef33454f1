"""Writes of the rules app: exemptions (豁免) and the switches of local rules.

Each write is validated first (a ValidationError keyed by field, in Chinese), then saved
inside one transaction, re-checked against the actor's scope and audited — or nothing is
written (core.services).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dangjian.core import services
from dangjian.core.models import snapshot
from dangjian.core.scoping import holds_at_top
from dangjian.orgs.models import Organization, OrgKind

from .loader import get_library
from .models import RuleExemption, RuleSetting
from .schema import FREQUENCY, INACTIVITY
from .switches import settings_switches

# Which rule kinds an exemption can be about: an org is excused from a frequency rule, a
# member from the inactivity reminder; the other kinds are not judged per org and period.
EXEMPTIBLE = {False: (FREQUENCY,), True: (INACTIVITY,)}
MAX_SPAN_DAYS = 366 * 3


def check_exemption(exemption: RuleExemption) -> None:
    """Raise ValidationError (by field, in Chinese) when the exemption cannot be recorded."""
    errors: dict[str, str] = {}
    library = get_library()
    rule = library.rules.get(exemption.rule_id)
    for_member = exemption.member_id is not None
    if rule is None:
        errors["rule_id"] = "请选择规则库中的一条规则。"
    elif rule.kind not in EXEMPTIBLE[for_member]:
        errors["rule_id"] = (
            "为党员个人豁免时只能选择“党员长期未参加组织生活”类规则。"
            if for_member
            else "只能豁免按频次检查的规则（如“三会一课”）；党员个人的豁免请填写党员。"
        )
    org = exemption.org if exemption.org_id else None
    if org is None:
        errors["org"] = "请选择党组织。"
    elif exemption.member is not None and exemption.member.org_id != exemption.org_id:
        errors["member"] = "该党员不在所选党组织，请先选择党员所在的党组织。"
    elif (
        rule is not None and org is not None and not for_member and org.kind not in rule.applies_to
    ):
        names = "、".join(rule.applies_to_labels)
        errors["org"] = f"该规则只适用于{names}，{OrgKind(org.kind).label}“{org.name}”无需豁免。"
    start, end, expires = exemption.starts_on, exemption.ends_on, exemption.expires_on
    if start and end and end < start:
        errors["ends_on"] = "豁免结束日期不能早于开始日期。"
    if start and expires and expires < start:
        errors["expires_on"] = "批准有效期不能早于豁免开始日期。"
    if start and end is None and expires is None:
        errors["expires_on"] = "不填豁免结束日期时，请填写批准有效期（到期须重新审批）。"
    last = min(d for d in (end, expires) if d is not None) if (end or expires) else None
    if start and last and (last - start).days > MAX_SPAN_DAYS:
        errors["ends_on"] = "一次豁免不超过 3 年，请缩短期限或到期后重新审批。"
    if not (exemption.reason or "").strip():
        errors["reason"] = "请填写豁免理由。"
    if not (exemption.approved_by or "").strip():
        errors["approved_by"] = "请填写批准人或批准单位。"
    if errors:
        raise ValidationError(errors)


EXEMPTION_FIELDS = (
    "org",
    "member",
    "rule_id",
    "starts_on",
    "ends_on",
    "expires_on",
    "reason",
    "approved_by",
    "approval_document",
)


def save_exemption(user: Any, exemption: RuleExemption, **fields: Any) -> RuleExemption:
    """Create (no pk) or update an exemption; validated, scoped and audited."""
    before = snapshot(exemption) if exemption.pk else None
    for name, value in fields.items():
        if name not in EXEMPTION_FIELDS:
            raise ValueError(name)
        setattr(exemption, name, value)
    if exemption.member is not None and not exemption.org_id:
        exemption.org_id = exemption.member.org_id
    if exemption.pk is None:
        exemption.recorded_by = user if getattr(user, "pk", None) else None
    check_exemption(exemption)
    with transaction.atomic():
        if before is not None:
            # The row must have been in the actor's scope before the change, too.
            services.ensure_in_scope(user, RuleExemption.objects.get(pk=exemption.pk), "change")
        services.save_object(user, exemption, before=before)
    return exemption


def delete_exemption(user: Any, exemption: RuleExemption) -> None:
    services.delete_object(user, exemption)


# --- switches ----------------------------------------------------------------------------


def can_manage_switches(user: Any) -> bool:
    """Switches are deployment-wide: only a holder of `rules.change_rulesetting` over a root."""
    return holds_at_top(user, "rules.change_rulesetting", Organization.steplen)


def set_rule_enabled(user: Any, rule_id: str, enabled: bool, note: str = "") -> RuleSetting:
    """Switch a local rule on or off for the whole deployment (audited)."""
    if not can_manage_switches(user):
        raise PermissionDenied("只有工委管理员可以启用或停用地方性规则。")
    library = get_library()
    if rule_id not in library:
        raise ValidationError({"rule_id": "规则库中没有这条规则。"})
    rule = library.get(rule_id)
    if not rule.local:
        raise ValidationError({"rule_id": "这是全国性规定，不能停用；只有地方性规则可以切换。"})
    if rule_id in settings_switches(library):
        raise ValidationError(
            {
                "rule_id": "该规则已由部署配置（DANGJIAN_RULES_ENABLED / DANGJIAN_RULES_DISABLED）固定，请联系系统运维修改。"
            }
        )
    with transaction.atomic():
        setting = RuleSetting.objects.select_for_update().filter(rule_id=rule_id).first()
        before = snapshot(setting) if setting else None
        if setting is None:
            setting = RuleSetting(rule_id=rule_id)
        setting.enabled = enabled
        setting.note = note[:200]
        setting.changed_by = user if getattr(user, "pk", None) else None
        setting.save()
        services.emit(
            "create" if before is None else "update",
            setting,
            before=before,
            after=snapshot(setting),
        )
    return setting


def exemption_defaults(today: dt.date) -> dict[str, Any]:
    """Initial values for a new exemption form: from today to the end of the year."""
    return {"starts_on": today, "ends_on": dt.date(today.year, 12, 31)}
