"""Writes of the honors app: the round's cycle and the honors register.

推荐 (the unit) → 审核 (the 工委: 通过 / 退回 with a reason) → 公示 (start and end, 7 days by
default) → 决定 (document number and date, after 公示 ends), which writes the Honor rows.
Each write validates everything first (Chinese messages by field), then writes in one
transaction, re-checks the actor's scope (the side rule of `Nomination.write_sides`) and
audits — or writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from dangjian.core import services
from dangjian.core.models import snapshot
from dangjian.core.scoping import holds
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.models import Organization

from . import titles
from .models import (
    Honor,
    HonorLevel,
    HonorRound,
    Nomination,
    NominationStatus,
    RoundQuota,
)

PUBLICITY_DAYS = 7  # 公示 lasts 7 days unless the 工委 says otherwise
YEAR_MIN, YEAR_MAX = 1950, 2100
MAX_QUOTA = 999


def today() -> dt.date:
    return timezone.localdate()


def publicity_end(starts: dt.date, days: int = PUBLICITY_DAYS) -> dt.date:
    """The last day of a 公示 of `days` days beginning on `starts` (both days count)."""
    return starts + dt.timedelta(days=days - 1)


def _inside(org_path: str, path: str) -> bool:
    return path.startswith(org_path)


# --- rounds ----------------------------------------------------------------------------

ROUND_FIELDS = (
    "org",
    "year",
    "title",
    "level",
    "titles",
    "nomination_starts",
    "nomination_ends",
    "material_asked",
)


def check_round(rnd: HonorRound, errors: services.ErrorCollector) -> None:
    if rnd.year is None or not YEAR_MIN <= rnd.year <= YEAR_MAX:
        errors.add("year", f"年度应在 {YEAR_MIN} 至 {YEAR_MAX} 之间。")
    if not (rnd.title or "").strip():
        errors.add("title", "请填写评选名称，如“2024年‘七一’表彰”。")
    unknown = [c for c in rnd.titles or [] if titles.get(c) is None]
    if not rnd.titles:
        errors.add("titles", "请至少选择一个评选称号。")
    elif unknown:
        errors.add("titles", "所选称号不存在。")
    if (
        rnd.nomination_starts
        and rnd.nomination_ends
        and rnd.nomination_ends < rnd.nomination_starts
    ):
        errors.add("nomination_ends", "推荐截止日期不能早于开始日期。")
    if rnd.level not in HonorLevel.values:
        errors.add("level", "请选择表彰级别。")


def save_round(user: Any, rnd: HonorRound, **fields: Any) -> HonorRound:
    """Open (no pk) or change a round; refused once its 公示 has begun."""
    before = snapshot(rnd) if rnd.pk else None
    if before is not None and rnd.publicity_starts:
        raise ValidationError({"__all__": "评选已进入公示，不能再修改；如需更正请联系系统管理员。"})
    for name, value in fields.items():
        if name not in ROUND_FIELDS:
            raise ValueError(name)
        setattr(rnd, name, value)
    errors = services.ErrorCollector()
    check_round(rnd, errors)
    if rnd.org_id and not holds(user, "honors.add_honorround", rnd.org.path):
        errors.add("org", "只能以您管理的党组织名义组织评选。")
    errors.raise_if_any()
    with transaction.atomic():
        if before is not None:
            services.ensure_in_scope(user, HonorRound.objects.get(pk=rnd.pk), "change")
        services.save_object(user, rnd, before=before)
    return rnd


def set_quotas(user: Any, rnd: HonorRound, quotas: dict[tuple[int, str], int]) -> int:
    """Replace the round's quotas: {(unit org id, title code): number}; a 0 removes one."""
    errors = services.ErrorCollector()
    if rnd.decided_on or rnd.publicity_starts:
        errors.add("__all__", "评选已进入公示，名额不能再调整。")
    org_ids = {org_id for org_id, _ in quotas}
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in=org_ids).only("id", "path", "name")}
    for (org_id, code), n in sorted(quotas.items()):
        org = orgs.get(org_id)
        if org is None or not _inside(rnd.org.path, org.path) or org.pk == rnd.org_id:
            errors.add("__all__", "名额只能分配给本次评选范围内的下级单位。")
            break
        if code not in rnd.titles:
            errors.add("__all__", f"“{titles.name(code)}”不是本次评选的称号。")
            break
        if not isinstance(n, int) or not 0 <= n <= MAX_QUOTA:
            errors.add("__all__", f"{org.name}的名额应为 0 至 {MAX_QUOTA} 之间的整数。")
            break
    errors.raise_if_any()
    with transaction.atomic():
        services.ensure_in_scope(user, rnd, "change")
        used = _used_counts(rnd)
        for (org_id, code), n in quotas.items():
            if n < used.get((org_id, code), 0):
                errors.add(
                    "__all__",
                    f"{orgs[org_id].name}已推荐 {used[(org_id, code)]} 名"
                    f"“{titles.name(code)}”，名额不能少于已推荐人数。",
                )
        errors.raise_if_any()
        before = {f"{q.org_id}:{q.title}": q.quota for q in RoundQuota.objects.filter(round=rnd)}
        RoundQuota.objects.filter(round=rnd).delete()
        rows = [
            RoundQuota(round=rnd, org_id=org_id, title=code, quota=n)
            for (org_id, code), n in sorted(quotas.items())
            if n > 0
        ]
        RoundQuota.objects.bulk_create(rows)
        after = {f"{q.org_id}:{q.title}": q.quota for q in rows}
        services.emit("update", rnd, before={"quotas": before}, after={"quotas": after}, user=user)
    return len(rows)


def _used_counts(rnd: HonorRound, org: Any = None) -> dict[tuple[int, str], int]:
    """Nominations that take a quota place (not returned), per (org, title): one query."""
    qs = Nomination.objects.filter(round=rnd).exclude(status=NominationStatus.RETURNED)
    if org is not None:
        qs = qs.filter(org=org)
    rows = qs.order_by().values("org_id", "title").annotate(n=Count("id"))
    return {(r["org_id"], r["title"]): r["n"] for r in rows}


# --- nominations -------------------------------------------------------------------------


def nominate(
    user: Any,
    rnd: HonorRound,
    *,
    org: Organization,
    title: str,
    material: str,
    member: Member | None = None,
    recipient_org: Organization | None = None,
    on: dt.date | None = None,
) -> Nomination:
    """A unit nominates one of its members or orgs, within its quota and the round's dates."""
    on = on or today()
    errors = services.ErrorCollector()
    if not holds(user, "honors.add_nomination", org.path):
        errors.add("org", "只能以您管理的党组织名义推荐。")
    if not _inside(rnd.org.path, org.path):
        errors.add("org", "该党组织不在本次评选的范围内。")
    if rnd.publicity_starts or rnd.decided_on:
        errors.add("round", "本次评选已进入公示，不再接受推荐。")
    elif on < rnd.nomination_starts or on > rnd.nomination_ends:
        errors.add(
            "round",
            f"本次评选的推荐时间为 {rnd.nomination_starts:%Y-%m-%d} 至 "
            f"{rnd.nomination_ends:%Y-%m-%d}，当前不在推荐时间内。",
        )
    kind = titles.get(title)
    if kind is None or title not in rnd.titles:
        errors.add("title", "请选择本次评选设置的称号。")
    elif kind.for_member and member is None:
        errors.add("member", f"“{kind.name}”表彰党员，请选择推荐的党员。")
    elif not kind.for_member and recipient_org is None:
        errors.add("recipient_org", f"“{kind.name}”表彰党组织，请选择推荐的党组织。")
    if kind is not None and kind.for_member and recipient_org is not None:
        errors.add("recipient_org", "推荐党员时不填党组织。")
    if kind is not None and not kind.for_member and member is not None:
        errors.add("member", "推荐党组织时不填党员。")
    if member is not None:
        if not _inside(org.path, member.org.path):
            errors.add("member", f"{member.name}不是{org.name}的党员，只能推荐本单位的党员。")
        elif member.membership != MembershipState.NORMAL:
            errors.add("member", f"{member.name}已不在册，不能推荐。")
    if recipient_org is not None and not _inside(org.path, recipient_org.path):
        errors.add(
            "recipient_org",
            f"{recipient_org.name}不是{org.name}的下级党组织，只能推荐本单位的党组织。",
        )
    if not (material or "").strip():
        errors.add("material", "请填写推荐材料（主要事迹）。")
    elif len(material) > 20000:
        errors.add("material", "推荐材料不超过 20000 字。")
    errors.raise_if_any()
    nomination = Nomination(
        round=rnd,
        org=org,
        title=title,
        member=member,
        recipient_org=recipient_org,
        material=material.strip(),
        nominated_on=on,
        nominated_by=user if getattr(user, "pk", None) else None,
    )
    with transaction.atomic():
        # The quota row is locked so that two admins of one unit cannot both take its last place.
        quota = (
            RoundQuota.objects.select_for_update().filter(round=rnd, org=org, title=title).first()
        )
        if quota is None:
            errors.add("title", f"{org.name}在本次评选中没有“{kind.name}”的推荐名额。")  # type: ignore[union-attr]
            errors.raise_if_any()
        assert quota is not None
        used = _used_counts(rnd, org).get((org.pk, title), 0)
        if used >= quota.quota:
            errors.add(
                "title",
                f"{org.name}的“{titles.name(title)}”名额为 {quota.quota} 名，已推荐 {used} 名，"
                "不能再推荐；如需调整请先撤回一条推荐。",
            )
        duplicate = Nomination.objects.filter(
            round=rnd, title=title, member=member, recipient_org=recipient_org
        ).exclude(status=NominationStatus.RETURNED)
        if duplicate.exists():
            errors.add("title", f"{nomination.recipient_name}已被推荐为“{titles.name(title)}”。")
        errors.raise_if_any()
        services.save_object(user, nomination)
    return nomination


def withdraw(user: Any, nomination: Nomination) -> None:
    """The unit takes its nomination back — only before the 工委 has reviewed it."""
    if nomination.status != NominationStatus.NOMINATED:
        raise ValidationError("该推荐已经审核，不能撤回。")
    services.delete_object(user, nomination)


def review(user: Any, nomination: Nomination, *, approve: bool, note: str = "") -> Nomination:
    """The 工委's 审核: 通过, or 退回 with a reason. Changeable until the 公示 begins."""
    errors = services.ErrorCollector()
    if nomination.status not in (
        NominationStatus.NOMINATED,
        NominationStatus.APPROVED,
        NominationStatus.RETURNED,
    ):
        errors.add("__all__", "该推荐已进入公示或已表彰，不能再审核。")
    note = (note or "").strip()
    if not approve and not note:
        errors.add("review_note", "退回时请填写理由，以便推荐单位知晓。")
    if len(note) > 300:
        errors.add("review_note", "审核意见不超过 300 字。")
    errors.raise_if_any()
    before = snapshot(nomination)
    nomination.status = NominationStatus.APPROVED if approve else NominationStatus.RETURNED
    nomination.review_note = note
    nomination.reviewed_on = today()
    nomination.reviewed_by = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        services.ensure_in_scope(user, Nomination.objects.get(pk=nomination.pk), "change")
        services.save_object(user, nomination, before=before)
    return nomination


# --- 公示 and decision -------------------------------------------------------------------


def publicize(
    user: Any, rnd: HonorRound, starts: dt.date | None, ends: dt.date | None = None
) -> int:
    """Put the approved nominations on 公示 from `starts` to `ends` (7 days by default)."""
    errors = services.ErrorCollector()
    if rnd.decided_on:
        errors.add("__all__", "本次评选已作出表彰决定。")
    elif rnd.publicity_starts:
        errors.add("__all__", "本次评选已在公示。")
    if starts is None:
        errors.add("publicity_starts", "请填写公示开始日期。")
    ends = ends or (publicity_end(starts) if starts else None)
    if starts and ends and ends < starts:
        errors.add("publicity_ends", "公示结束日期不能早于开始日期。")
    if starts and ends and (ends - starts).days + 1 < 5:
        errors.add("publicity_ends", "公示期不少于 5 个工作日，请延长公示期。")
    if starts and starts < rnd.nomination_starts:
        errors.add("publicity_starts", "公示不能早于推荐开始。")
    counts = dict(
        Nomination.objects.filter(round=rnd)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    if counts.get(NominationStatus.NOMINATED):
        errors.add(
            "__all__", f"还有 {counts[NominationStatus.NOMINATED]} 条推荐未审核，请审核后再公示。"
        )
    if not counts.get(NominationStatus.APPROVED) and not errors:
        errors.add("__all__", "没有审核通过的推荐，无需公示。")
    errors.raise_if_any()
    assert starts is not None and ends is not None
    with transaction.atomic():
        services.ensure_in_scope(user, rnd, "change")
        before = snapshot(rnd)
        rnd.publicity_starts, rnd.publicity_ends = starts, ends
        rnd.save(update_fields=["publicity_starts", "publicity_ends", "updated"])
        n = Nomination.objects.filter(round=rnd, status=NominationStatus.APPROVED).update(
            status=NominationStatus.PUBLICIZED, updated=timezone.now()
        )
        services.emit("update", rnd, before=before, after=snapshot(rnd), user=user, publicized=n)
    return n


def decide(
    user: Any,
    rnd: HonorRound,
    decided_on: dt.date | None,
    document_number: str,
    issuer: str = "",
) -> int:
    """The decision (表彰决定) after the 公示 has ended: writes an Honor per nomination on it."""
    errors = services.ErrorCollector()
    document_number = (document_number or "").strip()
    if rnd.decided_on:
        errors.add("__all__", "本次评选已作出表彰决定。")
    elif not rnd.publicity_ends:
        errors.add("__all__", "请先公示审核通过的推荐，公示期满后再作出决定。")
    if decided_on is None:
        errors.add("decided_on", "请填写表彰决定日期。")
    elif rnd.publicity_ends and decided_on <= rnd.publicity_ends:
        errors.add(
            "decided_on",
            f"公示期至 {rnd.publicity_ends:%Y-%m-%d} 结束，表彰决定日期须在公示期满之后"
            f"（{rnd.publicity_ends + dt.timedelta(days=1):%Y-%m-%d} 或以后）。",
        )
    elif decided_on > today():
        errors.add("decided_on", "表彰决定日期不能晚于今天。")
    if not document_number:
        errors.add("document_number", "请填写表彰决定的文号。")
    elif len(document_number) > 64:
        errors.add("document_number", "文号不超过 64 个字。")
    errors.raise_if_any()
    assert decided_on is not None
    with transaction.atomic():
        services.ensure_in_scope(user, rnd, "change")
        before = snapshot(rnd)
        rnd.decided_on, rnd.document_number = decided_on, document_number
        rnd.save(update_fields=["decided_on", "document_number", "updated"])
        honors = honors_for_decision(rnd, issuer or rnd.org.name)
        Honor.objects.bulk_create(honors)
        Nomination.objects.filter(round=rnd, status=NominationStatus.PUBLICIZED).update(
            status=NominationStatus.DECIDED, updated=timezone.now()
        )
        services.emit(
            "update", rnd, before=before, after=snapshot(rnd), user=user, honors=len(honors)
        )
    return len(honors)


def honors_for_decision(rnd: HonorRound, issuer: str) -> list[Honor]:
    """The Honor rows a decision writes: one per nomination on 公示 (one query)."""
    nominations = Nomination.objects.filter(
        round=rnd, status=NominationStatus.PUBLICIZED
    ).select_related("member")
    assert rnd.decided_on is not None
    return [
        Honor(
            title=n.title,
            level=rnd.level,
            member_id=n.member_id,
            org_id=n.member.org_id if n.member_id else n.recipient_org_id,
            year=rnd.year,
            issuer=issuer[:64],
            decided_on=rnd.decided_on,
            document_number=rnd.document_number,
            recorded_by_org_id=rnd.org_id,
            nomination=n,
        )
        for n in nominations
    ]


# --- honors recorded directly ------------------------------------------------------------

HONOR_FIELDS = (
    "title",
    "level",
    "member",
    "org",
    "year",
    "issuer",
    "decided_on",
    "document_number",
    "note",
    "recorded_by_org",
)


def check_honor(honor: Honor, errors: services.ErrorCollector) -> None:
    kind = titles.get(honor.title)
    if kind is None:
        errors.add("title", "请选择称号。")
    elif kind.for_member and not honor.member_id:
        errors.add("member", f"“{kind.name}”表彰党员，请选择党员。")
    elif not kind.for_member and honor.member_id:
        errors.add("member", f"“{kind.name}”表彰党组织，不填党员。")
    if honor.level not in HonorLevel.values:
        errors.add("level", "请选择表彰级别。")
    if honor.year is None or not YEAR_MIN <= honor.year <= YEAR_MAX:
        errors.add("year", f"年度应在 {YEAR_MIN} 至 {YEAR_MAX} 之间。")
    if honor.decided_on is None:
        errors.add("decided_on", "请填写决定日期。")
    elif honor.decided_on > today():
        errors.add("decided_on", "决定日期不能晚于今天。")
    elif honor.year and abs(honor.decided_on.year - honor.year) > 1:
        errors.add("decided_on", "决定日期与表彰年度相差过大，请核对。")
    if not (honor.issuer or "").strip():
        errors.add("issuer", "请填写表彰机关，如“中共某市委”“某省直机关工委”。")
    recorder = honor.recorded_by_org if honor.recorded_by_org_id else None
    if honor.org_id and recorder is not None and not _inside(recorder.path, honor.org.path):
        errors.add("org", f"只能录入{recorder.name}及其下级党组织和党员的表彰。")


def save_honor(user: Any, honor: Honor, **fields: Any) -> Honor:
    """Record (no pk) or change an honor; the member's org becomes the honor's org."""
    before = snapshot(honor) if honor.pk else None
    for name, value in fields.items():
        if name not in HONOR_FIELDS:
            raise ValueError(name)
        setattr(honor, name, value)
    if honor.member is not None:
        honor.org = honor.member.org
    errors = services.ErrorCollector()
    if not honor.recorded_by_org_id and honor.org_id:
        recorder = _recorder_for(user, honor.org)
        if recorder is not None:
            honor.recorded_by_org = recorder
    if not honor.org_id:
        errors.add("org", "请选择获表彰的党组织或党员。")
    elif honor.recorded_by_org_id is None:
        errors.add("org", "该党组织不在您可以录入表彰的范围内。")
    check_honor(honor, errors)
    errors.raise_if_any()
    with transaction.atomic():
        if before is not None:
            services.ensure_in_scope(user, Honor.objects.get(pk=honor.pk), "change")
        services.save_object(user, honor, before=before)
    return honor


def _recorder_for(user: Any, org: Organization) -> Organization | None:
    """The highest org above (or at) `org` where the user may record honors: its side owns
    the row (an honor the 工委 records is the 工委's, one a unit records the unit's)."""
    for ancestor in [*org.get_ancestors(), org]:
        if holds(user, "honors.add_honor", ancestor.path):
            return ancestor
    return None


def delete_honor(user: Any, honor: Honor) -> None:
    """Revoke an honor (the recording side only, `Honor.write_sides`); audited."""
    services.delete_object(user, honor)


def ensure_may_change_round(user: Any, rnd: HonorRound) -> None:
    if not HonorRound.objects.restrict(user, "change").filter(pk=rnd.pk).exists():
        raise PermissionDenied("只有组织评选的党组织可以公示和决定。")
