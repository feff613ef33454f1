"""Assessment, finding and rectification services: atomic, audited, validated.

Every write validates everything first and raises `ValidationError` with Chinese messages
saying what to fix (nothing is written then), or `OutOfScope` when the user may not act.

Who may do what (paths, no query: the user's grants are loaded once per request):
- fill in and move an assessment: `assessments.change_assessment` over the campaign's
  scope org — the checking side. The checked org sees its released results but never
  edits them, although its roles hold the same permission over its own subtree;
- reopen a done assessment: `assessments.change_campaign` over the campaign's scope org;
- raise a finding: `assessments.add_finding` over the raising org (the campaign's scope
  org for a finding from an assessment) — which covers the org with the problem;
- answer a rectification: `assessments.change_rectification` over its owner org;
- close (销号) or return (退回) it: `assessments.verify_rectification` over the org that
  raised the finding, so a unit's own admins cannot close what the 工委 found in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dangjian.activities import attachments as upload_checks
from dangjian.core import services as core_services
from dangjian.core.models import snapshot
from dangjian.core.scoping import scope_paths
from dangjian.orgs.models import Organization

from .models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    EvidenceFile,
    Finding,
    Framework,
    FrameworkItem,
    ItemKind,
    ItemResult,
    Method,
    Rectification,
    RectificationEvidence,
    RectificationStatus,
    ResultValue,
    Severity,
)

OutOfScope = core_services.OutOfScope
A = AssessmentStatus
R = ResultValue

PERM_ASSESS = "assessments.change_assessment"
PERM_REOPEN = "assessments.change_campaign"
PERM_FINDING = "assessments.add_finding"
PERM_ANSWER = "assessments.change_rectification"
PERM_ANSWER_FILE = "assessments.add_rectificationevidence"
PERM_VERIFY = "assessments.verify_rectification"
DEFAULT_DEADLINE_DAYS = 30
MAX_NOTE = 2000
LOCKED = "该检查已完成并锁定，不能再修改；确需修改的，请由督查活动主办方先重新打开。"

# Results an item of each kind accepts (a section is a heading: nothing).
ALLOWED_RESULTS: dict[str, tuple[str, ...]] = {
    ItemKind.SECTION: (),
    ItemKind.SCORE: (R.CONFORMING, R.PARTIAL, R.NONCONFORMING, R.NOT_APPLICABLE),
    ItemKind.PASS_FAIL: (R.CONFORMING, R.NONCONFORMING, R.NOT_APPLICABLE),
    ItemKind.GRADED: (R.CONFORMING, R.PARTIAL, R.NONCONFORMING, R.NOT_APPLICABLE),
}
RESULT_FIELDS = ("result", "score", "note", "methods", "from_records")
# Forward one step, back one step from review, and reopening a done one (needs PERM_REOPEN).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    A.PLANNED: (A.IN_PROGRESS,),
    A.IN_PROGRESS: (A.IN_REVIEW,),
    A.IN_REVIEW: (A.DONE, A.IN_PROGRESS),
    A.DONE: (A.IN_REVIEW, A.IN_PROGRESS),
}


# --- permissions ----------------------------------------------------------------------


def covers(user: Any, perm: str, path: str) -> bool:
    """Does the user hold `perm` over the org at `path` (its own role or one above it)?"""
    return any(path.startswith(p) for p in scope_paths(user, perm))


def can_assess(user: Any, assessment: Assessment) -> bool:
    return covers(user, PERM_ASSESS, assessment.campaign.scope_org.path)


def can_verify(user: Any, rectification: Rectification) -> bool:
    return covers(user, PERM_VERIFY, rectification.finding.raised_by_org.path)


def _require_assessor(user: Any, assessment: Assessment) -> None:
    if not can_assess(user, assessment):
        raise OutOfScope("只有督查活动主办方的检查人员可以填写或变更检查结果。")


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) is not None else None


def _load(assessment: Assessment | int, *, lock: bool = False) -> Assessment:
    qs = Assessment.objects.select_related("campaign__framework", "campaign__scope_org", "target")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=getattr(assessment, "pk", assessment))


def _sync(target: Any, source: Any, names: Iterable[str]) -> None:
    """Copy saved values onto the caller's instance so it shows what was written."""
    for name in names:
        setattr(target, name, getattr(source, name))


# --- totals and ratings ---------------------------------------------------------------


@dataclass
class Outcome:
    total_score: Decimal | None
    rating: str | None  # None: not computed from bands (left as it is, e.g. a quota rating)
    passed: bool | None


def band_rating(framework: Framework, total: Decimal | None, has_innovation: bool) -> str | None:
    """The highest rating band the total reaches whose requirements are met.

    A band is {"min_score": 90, "label": "五星", "requires": ["innovation"]}; the only
    requirement known is "innovation" (the assessment's has_innovation). A framework
    without bands returns None (its rating is not score-based).
    """
    bands = framework.rating_bands or []
    if not bands:
        return None
    if total is None:
        return ""
    met = {"innovation": has_innovation}
    for band in sorted(bands, key=lambda b: Decimal(str(b.get("min_score", 0))), reverse=True):
        if total < Decimal(str(band.get("min_score", 0))):
            continue
        if all(met.get(req, False) for req in band.get("requires") or ()):
            return str(band.get("label", ""))
    return ""


def compute_outcome(
    framework: Framework,
    items: Iterable[FrameworkItem],
    results: dict[int, tuple[str, Decimal | None]],
    has_innovation: bool,
) -> Outcome:
    """Total (score items, N/A left out), band rating and passed, from {item id: (result, score)}.

    passed: total ≥ the framework's pass_score when it has one; otherwise, for a framework
    judged item by item (pass/fail items, no scores), "no nonconforming item" once any item
    has a result; otherwise None.
    """
    items = list(items)
    score_items = [i for i in items if i.kind == ItemKind.SCORE]
    scores: list[Decimal] = []
    for i in score_items:
        result, score = results.get(i.pk, ("", None))
        if result != R.NOT_APPLICABLE and score is not None:
            scores.append(score)
    total = sum(scores, Decimal(0)) if scores else None
    rating = band_rating(framework, total, has_innovation)
    passed: bool | None = None
    if framework.pass_score is not None:
        passed = None if total is None else total >= framework.pass_score
    elif not score_items and any(i.kind == ItemKind.PASS_FAIL for i in items):
        answered = [results[i.pk][0] for i in items if i.pk in results and results[i.pk][0]]
        if answered:
            passed = R.NONCONFORMING not in answered
    return Outcome(total, rating, passed)


def _outcome_from_db(a: Assessment) -> Outcome:
    items = list(FrameworkItem.objects.filter(framework_id=a.campaign.framework_id))
    results = {
        item_id: (result, score)
        for item_id, result, score in ItemResult.objects.filter(assessment=a).values_list(
            "item_id", "result", "score"
        )
    }
    return compute_outcome(a.campaign.framework, items, results, a.has_innovation)


def _apply_outcome(a: Assessment, outcome: Outcome) -> list[str]:
    a.total_score = outcome.total_score
    a.passed = outcome.passed
    names = ["total_score", "passed"]
    if outcome.rating is not None:
        a.rating = outcome.rating
        names.append("rating")
    return names


# --- item results ---------------------------------------------------------------------


def _parse_score(item: FrameworkItem, value: Any, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label}：得分“{value}”不是数字。") from None
    if not score.is_finite():
        raise ValidationError(f"{label}：得分“{value}”不是数字。")
    if score < 0:
        raise ValidationError(f"{label}：得分不能为负数。")
    if score != score.quantize(Decimal("0.01")):
        raise ValidationError(f"{label}：得分最多保留两位小数。")
    if item.max_score is not None and score > item.max_score:
        raise ValidationError(
            f"{label}：得分 {_fmt(score)} 超过该项满分 {_fmt(item.max_score)} 分，请改为 0 至 "
            f"{_fmt(item.max_score)} 之间的分数。"
        )
    return score.quantize(Decimal("0.01"))


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _item_label(item: FrameworkItem) -> str:
    return f"第 {item.code} 项"


def _resolve_item(
    ref: Any, by_id: dict[int, FrameworkItem], by_code: dict[str, FrameworkItem]
) -> FrameworkItem | None:
    ref = getattr(ref, "pk", ref)
    if isinstance(ref, int):
        return by_id.get(ref)
    if isinstance(ref, str):
        if ref in by_code:
            return by_code[ref]
        if ref.isdigit():
            return by_id.get(int(ref))
    return None


def _validate_row(item: FrameworkItem, row: dict[str, Any], current: dict[str, Any]) -> dict:
    """The row's values merged over the saved ones, or ValidationError naming the item."""
    label = _item_label(item)
    if item.kind == ItemKind.SECTION:
        if any(row.get(k) not in (None, "", [], False) for k in RESULT_FIELDS):
            raise ValidationError(f"{label}是分类标题，不单独评价，请对其下的具体条目填写结果。")
        return current
    values = dict(current)
    if "result" in row:
        result = row["result"] or ""
        allowed = ALLOWED_RESULTS[item.kind]
        if result and result not in allowed:
            names = "、".join(str(R(v).label) for v in allowed)
            raise ValidationError(
                f"{label}（{ItemKind(item.kind).label}）的结果只能是：{names}；“{result}”无效。"
                if result in R.values
                else f"{label}：结果“{result}”无效，可选：{names}。"
            )
        values["result"] = result
    if "score" in row:
        if item.kind != ItemKind.SCORE and row["score"] not in (None, ""):
            raise ValidationError(
                f"{label}（{ItemKind(item.kind).label}）不计分，请只选择结果、不要填写分数。"
            )
        values["score"] = _parse_score(item, row["score"], label)
    if "note" in row:
        note = str(row["note"] or "").strip()
        if len(note) > MAX_NOTE:
            raise ValidationError(f"{label}：说明不能超过 {MAX_NOTE} 个字。")
        values["note"] = note
    if "methods" in row:
        raw = row["methods"] or []
        choices = "、".join(f"{v}（{name}）" for v, name in Method.choices)
        if not isinstance(raw, (list, tuple)):  # a bare string would split into letters
            raise ValidationError(f"{label}：检查方式应为列表，可选：{choices}。")
        methods = list(raw)
        unknown = [m for m in methods if m not in Method.values]
        if unknown:
            raise ValidationError(
                f"{label}：检查方式“{'、'.join(map(str, unknown))}”无效，可选：{choices}。"
            )
        values["methods"] = [m for m in Method.values if m in methods]  # canonical order
    if "from_records" in row:
        values["from_records"] = bool(row["from_records"])
    if values["result"] == R.NOT_APPLICABLE:
        values["score"] = None  # 不适用: not scored, and left out of the total
    return values


def _result_values(r: ItemResult | None) -> dict[str, Any]:
    if r is None:
        return {"result": "", "score": None, "note": "", "methods": [], "from_records": False}
    return {name: getattr(r, name) for name in RESULT_FIELDS}


def _diff_value(name: str, value: Any) -> Any:
    if name == "score":
        return _fmt(value) if value is not None else None
    if name == "note":
        return value if len(value) <= 60 else value[:60] + "…"
    return value


def save_results(user: Any, assessment: Assessment, rows: Iterable[dict[str, Any]]) -> Assessment:
    """Upsert item results. Each row: {"item": item id or code, "result", "score", "note",
    "methods", "from_records"} (missing keys keep the saved value). Validates every row
    first (item in the campaign's framework version, score ≤ max, result allowed for the
    item kind, assessment not locked), then writes in one transaction, recomputes the total
    and rating, and moves planned → in_progress. Raises ValidationError (Chinese).

    Errors are keyed by item code ("results" when the item itself is unknown), each message
    naming the item. A fixed number of queries whatever the number of rows: the assessment,
    the framework's items, the saved results, one bulk insert, one bulk update, the
    assessment's update and one audit event with the compact diff.
    """
    rows = list(rows)
    with transaction.atomic():
        a = _load(assessment, lock=True)
        _require_assessor(user, a)
        if a.is_locked:
            raise ValidationError(LOCKED, code="locked")
        framework = a.campaign.framework
        items = list(FrameworkItem.objects.filter(framework_id=framework.pk))
        by_id = {i.pk: i for i in items}
        by_code = {i.code: i for i in items}
        saved = {r.item_id: r for r in ItemResult.objects.filter(assessment_id=a.pk)}

        errors: dict[str, list[str]] = {}
        planned: dict[int, dict[str, Any]] = {}
        for n, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                errors.setdefault("results", []).append(f"第 {n} 行格式不正确。")
                continue
            item = _resolve_item(row.get("item"), by_id, by_code)
            if item is None:
                errors.setdefault("results", []).append(
                    f"第 {n} 行的条目“{row.get('item')}”不属于本次督查使用的"
                    f"《{framework.name}》（第 {framework.version} 版），请刷新页面后重新填写。"
                )
                continue
            if item.pk in planned:
                errors.setdefault(item.code, []).append(f"{_item_label(item)}重复提交。")
                continue
            try:
                planned[item.pk] = _validate_row(item, row, _result_values(saved.get(item.pk)))
            except ValidationError as exc:
                errors.setdefault(item.code, []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)

        now = timezone.now()
        new: list[ItemResult] = []
        changed: list[ItemResult] = []
        diff: dict[str, dict[str, list[Any]]] = {}
        for item_id, values in planned.items():
            old = saved.get(item_id)
            before = _result_values(old)
            delta = {k: v for k, v in values.items() if before[k] != v}
            if not delta or by_id[item_id].kind == ItemKind.SECTION:
                continue
            diff[by_id[item_id].code] = {
                k: [_diff_value(k, before[k]), _diff_value(k, v)] for k, v in delta.items()
            }
            if old is None:
                new.append(ItemResult(assessment_id=a.pk, item_id=item_id, **values))
            else:
                for k, v in values.items():
                    setattr(old, k, v)
                old.updated = now
                changed.append(old)
        if not diff:
            return assessment  # an autosave that changed nothing writes nothing
        if new:
            ItemResult.objects.bulk_create(new)
        if changed:
            ItemResult.objects.bulk_update(changed, [*RESULT_FIELDS, "updated"])

        merged = {i: (r.result, r.score) for i, r in saved.items()}
        merged.update({i: (v["result"], v["score"]) for i, v in planned.items()})
        before = {
            "status": a.status,
            "total_score": _fmt(a.total_score),
            "rating": a.rating,
            "passed": a.passed,
        }
        names = _apply_outcome(a, compute_outcome(framework, items, merged, a.has_innovation))
        if a.status == A.PLANNED:
            a.status = A.IN_PROGRESS
        names += ["status", "updated"]
        a.updated = now
        Assessment.objects.filter(pk=a.pk).update(**{n: getattr(a, n) for n in names})
        after = {
            "status": a.status,
            "total_score": _fmt(a.total_score),
            "rating": a.rating,
            "passed": a.passed,
        }
        core_services.emit(
            "update",
            a,
            before=before,
            after=after,
            results=diff,
            created=len(new),
            changed=len(changed),
        )
    _sync(assessment, a, names)
    return assessment


def recompute(assessment: Assessment) -> Assessment:
    """Recompute the total, band rating and passed from the saved results (no audit)."""
    a = _load(assessment)
    names = _apply_outcome(a, _outcome_from_db(a))
    Assessment.objects.filter(pk=a.pk).update(**{n: getattr(a, n) for n in names})
    _sync(assessment, a, names)
    return assessment


# --- the assessment itself ------------------------------------------------------------

EDITABLE = ("assessed_on", "assessor_names", "assessors", "summary", "has_innovation")


def update_assessment(user: Any, assessment: Assessment, **fields: Any) -> Assessment:
    """Edit assessed_on, assessor_names, assessors, summary, has_innovation (not when locked)."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationError(f"不能在此修改：{'、'.join(unknown)}。")
    with transaction.atomic():
        a = _load(assessment, lock=True)
        _require_assessor(user, a)
        if a.is_locked:
            raise ValidationError(LOCKED, code="locked")
        errors: dict[str, list[str]] = {}
        if "assessed_on" in fields:
            day = fields["assessed_on"]
            if day is not None and not isinstance(day, dt.date):
                errors["assessed_on"] = ["检查日期格式不正确。"]
            elif day is not None and day > timezone.localdate():
                errors["assessed_on"] = ["检查日期不能晚于今天。"]
        if "assessor_names" in fields:
            fields["assessor_names"] = str(fields["assessor_names"] or "").strip()
            if len(fields["assessor_names"]) > 200:
                errors["assessor_names"] = ["其他检查人员不能超过 200 个字。"]
        if "summary" in fields:
            fields["summary"] = str(fields["summary"] or "").strip()
        assessor_ids: list[int] | None = None
        if "assessors" in fields:
            wanted = {int(getattr(u, "pk", u)) for u in fields.pop("assessors") or ()}
            found = set(
                get_user_model()
                .objects.filter(pk__in=wanted, is_active=True)
                .values_list("pk", flat=True)
            )
            if wanted - found:
                errors["assessors"] = ["检查人员中有不存在或已停用的账号。"]
            assessor_ids = sorted(found)
        if errors:
            raise ValidationError(errors)
        before = snapshot(a)
        for name, value in fields.items():
            setattr(a, name, value)
        names = list(fields)
        if "has_innovation" in fields:
            a.has_innovation = bool(fields["has_innovation"])
            names += _apply_outcome(a, _outcome_from_db(a))
        if names:
            a.save(update_fields=[*set(names), "updated"])
        detail: dict[str, Any] = {}
        if assessor_ids is not None:
            old_ids = sorted(a.assessors.values_list("pk", flat=True))
            if old_ids != assessor_ids:
                a.assessors.set(assessor_ids)
                detail["assessors"] = [old_ids, assessor_ids]
        core_services.emit("update", a, before=before, after=snapshot(a), **detail)
    _sync(assessment, a, [*names, "updated"])
    return assessment


def set_status(user: Any, assessment: Assessment, status: str) -> Assessment:
    """planned → in_progress → in_review → done (locks, computes rating); reopening a done
    assessment needs assessments.change_campaign on the campaign's scope org."""
    if status not in A.values:
        raise ValidationError(f"状态“{status}”无效。")
    with transaction.atomic():
        a = _load(assessment, lock=True)
        _require_assessor(user, a)
        old = a.status
        if old == status:
            return assessment
        if status not in TRANSITIONS[old]:
            allowed = "、".join(f"“{A(s).label}”" for s in TRANSITIONS[old])
            raise ValidationError(
                f"检查状态不能从“{A(old).label}”直接改为“{A(status).label}”（可改为：{allowed}）。"
            )
        if old == A.DONE and not covers(user, PERM_REOPEN, a.campaign.scope_org.path):
            raise OutOfScope("已完成的检查只能由督查活动主办方的管理人员重新打开。")
        before = snapshot(a)
        a.status = status
        names = ["status", "completed_at"]
        if status == A.DONE:
            a.completed_at = timezone.now()
            names += _apply_outcome(a, _outcome_from_db(a))
        else:
            a.completed_at = None
        a.save(update_fields=[*names, "updated"])
        core_services.emit("update", a, before=before, after=snapshot(a), transition=[old, status])
    _sync(assessment, a, [*names, "updated"])
    return assessment


# --- quota ratings --------------------------------------------------------------------


def quota_labels(framework: Framework, ranked: list[Assessment]) -> list[str]:
    """Labels for assessments ranked best first, by the framework's quota shares.

    quota_shares: [{"label": "五星", "share": 0.1}, {"label": "四星", "share": 0.3}, …] best
    first ("share" a fraction, or "percent"). An entry may add "min_score" and/or
    "requires": ["innovation"]; a rating band with the same label adds its own (五星 needs
    ≥ 90 and an innovation project even within the top 10%). The rules, so that the
    result never depends on row order:
    - the k-th label covers ranks below round-half-up(cumulative share × N);
    - equal scores share the better label (competition ranking "1224": a tie at a quota
      boundary lets that label exceed its share rather than split equal scores);
    - an assessment that does not meet a label's min_score/requires gets the next label
      whose conditions it meets; the slot it left is not passed down;
    - ranks beyond the shares' total (shares summing below 100%) get no label.
    The caller orders ties by target path so the ranking itself is stable too.
    """
    shares = framework.quota_shares or []
    n = len(ranked)
    caps: list[int] = []
    cumulative = Decimal(0)
    for entry in shares:
        share = entry.get("share")
        if share is None and entry.get("percent") is not None:
            share = Decimal(str(entry["percent"])) / 100
        cumulative += Decimal(str(share or 0))
        caps.append(int((cumulative * n).quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    bands = {str(b.get("label")): b for b in framework.rating_bands or []}

    def meets(condition: dict, a: Assessment) -> bool:
        floor = condition.get("min_score")
        if floor is not None and (a.total_score is None or a.total_score < Decimal(str(floor))):
            return False
        met = {"innovation": a.has_innovation}
        return all(met.get(req, False) for req in condition.get("requires") or ())

    def qualifies(entry: dict, a: Assessment) -> bool:
        band = bands.get(str(entry.get("label")), {})
        return meets(entry, a) and meets(band, a)

    labels: list[str] = []
    rank = 0
    for position, a in enumerate(ranked):
        if position == 0 or a.total_score != ranked[position - 1].total_score:
            rank = position
        start = next((k for k, cap in enumerate(caps) if rank < cap), None)
        label = ""
        if start is not None:
            for entry in shares[start:]:
                if qualifies(entry, a):
                    label = str(entry.get("label", ""))
                    break
        labels.append(label)
    return labels


def apply_quota_ratings(user: Any, campaign_id: int) -> int:
    """For frameworks with quota_shares: rank the campaign's done assessments by score and
    assign ratings by share; returns the number rated (see `quota_labels` for ties)."""
    campaign = (
        Campaign.objects.restrict(user, "change")
        .select_related("framework")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise OutOfScope("对象不在您的管辖范围内。")
    if not campaign.framework.quota_shares:
        raise ValidationError(f"《{campaign.framework.name}》没有按比例评定等次的设置。")
    with transaction.atomic():
        ranked = list(
            Assessment.objects.select_for_update(of=("self",))
            .filter(campaign=campaign, status=A.DONE, total_score__isnull=False)
            .order_by("-total_score", "target__path", "pk")
        )
        labels = quota_labels(campaign.framework, ranked)
        changed = []
        for a, label in zip(ranked, labels, strict=True):
            if a.rating != label:
                a.rating = label
                changed.append(a)
        if changed:
            Assessment.objects.bulk_update(changed, ["rating"])
        counts: dict[str, int] = {}
        for label in labels:
            counts[label or "—"] = counts.get(label or "—", 0) + 1
        core_services.emit("update", campaign, quota_ratings=counts, changed=len(changed))
    return sum(1 for label in labels if label)


# --- findings -------------------------------------------------------------------------


def _item_category(item: FrameworkItem) -> str:
    if item.category:
        return item.category
    parent = item.parent
    while parent is not None:
        if parent.category:
            return parent.category
        parent = parent.parent
    return ""


def _raising_org(user: Any, org: Organization) -> Organization | None:
    """The highest org over `org` where the user may raise findings (None: nowhere)."""
    paths = [p for p in scope_paths(user, PERM_FINDING) if org.path.startswith(p)]
    if not paths:
        return None
    top = min(paths, key=len) or org.path[: Organization.steplen]
    return Organization.objects.filter(path=top).first()


def raise_finding(
    user: Any,
    *,
    text: str,
    org: Organization | None = None,
    assessment: Assessment | None = None,
    item: FrameworkItem | None = None,
    category: str = "",
    severity: str = "general",
    found_on: dt.date | None = None,
    deadline: dt.date | None = None,
    raised_by_org: Organization | None = None,
    campaign: Campaign | None = None,
) -> Finding:
    """A finding (from an assessment item, or free-standing with `org`) and its open
    Rectification (deadline default: found_on + 30 days).

    From an assessment: the org defaults to its target (a sub-org of the target is allowed,
    e.g. a branch found wanting in a unit's check), the campaign's scope org raises it and
    the category is the item's. Free-standing: `org` is required and the raising org is
    `raised_by_org` or the user's highest org with the permission over it; with `campaign`
    (e.g. 巡后反馈) the org must be one of the campaign's targets or under one.
    """
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = ["请填写问题描述。"]
    if severity not in Severity.values:
        errors["severity"] = [f"严重程度“{severity}”无效。"]
    today = timezone.localdate()
    found_on = found_on or today
    if found_on > today:
        errors["found_on"] = ["发现日期不能晚于今天。"]
    deadline = deadline or found_on + dt.timedelta(days=DEFAULT_DEADLINE_DAYS)
    if deadline < found_on:
        errors["deadline"] = ["整改时限不能早于发现日期。"]

    if assessment is not None:
        assessment = _load(assessment)
        campaign = assessment.campaign
        target = assessment.target
        org = org or target
        if not org.path.startswith(target.path):
            errors["org"] = [f"问题所属组织应为本次检查对象“{target.name}”或其下级组织。"]
        raised_by_org = campaign.scope_org
        if not covers(user, PERM_FINDING, raised_by_org.path):
            raise OutOfScope("只有督查活动主办方可以对检查对象提出问题。")
    elif org is None:
        raise ValidationError({"org": ["请选择存在问题的组织。"]})
    else:
        if campaign is not None:
            campaign = Campaign.objects.select_related("scope_org", "framework").get(pk=campaign.pk)
            targets = list(campaign.assessments.values_list("pk", "target__path"))
            under = [pk for pk, path in targets if org.path.startswith(path)]
            if not under:
                errors["org"] = [f"“{org.name}”不是督查活动“{campaign.name}”的检查对象。"]
            elif len(under) == 1:
                assessment = Assessment.objects.get(pk=under[0])
            raised_by_org = raised_by_org or campaign.scope_org
        if raised_by_org is None:
            raised_by_org = _raising_org(user, org)
            if raised_by_org is None:
                raise OutOfScope("对象不在您的管辖范围内。")
        elif not covers(user, PERM_FINDING, raised_by_org.path):
            raise OutOfScope(f"您不能以“{raised_by_org.name}”的名义提出问题。")
        if not org.path.startswith(raised_by_org.path):
            errors["raised_by_org"] = ["提出问题的组织应为存在问题的组织本身或其上级组织。"]
    if not covers(user, PERM_FINDING, org.path):
        raise OutOfScope("对象不在您的管辖范围内。")

    if item is not None:
        if campaign is None or item.framework_id != campaign.framework_id:
            errors["item"] = ["该条目不属于本次督查使用的考评模板。"]
        else:
            category = _item_category(item) or category
    category = (category or "").strip()
    if not category:
        errors["category"] = ["请填写问题类别（用于负面清单归类）。"]
    elif len(category) > 64:
        errors["category"] = ["问题类别不能超过 64 个字。"]
    if errors:
        raise ValidationError(errors)

    finding = Finding(
        org=org,
        raised_by_org=raised_by_org,
        campaign=campaign,
        assessment=assessment,
        item=item,
        category=category,
        text=text,
        severity=severity,
        found_on=found_on,
        created_by=_user_or_none(user),
    )
    with transaction.atomic():
        finding.save()
        rectification = Rectification.objects.create(
            finding=finding, org=org, deadline=deadline, status=RectificationStatus.OPEN
        )
        core_services.emit(
            "create",
            finding,
            after=snapshot(finding),
            rectification={"id": rectification.pk, "deadline": deadline.isoformat()},
        )
    return finding


# --- rectification --------------------------------------------------------------------


def _checked_uploads(uploads: Iterable[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Check every file before any is stored (all or nothing)."""
    checked = []
    messages: list[str] = []
    for upload in uploads:
        try:
            checked.append((upload, upload_checks.check_upload(upload)))
        except ValidationError as exc:
            messages.extend(exc.messages)
    if messages:
        raise ValidationError({"files": messages})
    return checked


def _store(
    user: Any, checked: list[tuple[UploadedFile, str]], make: Any
) -> tuple[list[Any], list[str]]:
    """Write the files; `make(upload, stored, kind)` builds each row (not saved)."""
    rows, names = [], []
    try:
        for upload, kind in checked:
            stored = upload_checks.store_upload(upload, kind, EvidenceFile.storage_dir())
            names.append(stored.name)
            rows.append(make(upload, stored, kind))
    except BaseException:
        EvidenceFile.remove_files(names)
        raise
    return rows, names


def _file_fields(user: Any, upload: UploadedFile, stored: Any, kind: str) -> dict[str, Any]:
    return {
        "original_name": upload_checks.clean_name(upload.name or ""),
        "stored_name": stored.name,
        "content_type": upload_checks.CONTENT_TYPES[kind],
        "size": stored.size,
        "sha256": stored.sha256,
        "uploaded_by": _user_or_none(user),
    }


def _load_rectification(rectification: Rectification | int, lock: bool = False) -> Rectification:
    qs = Rectification.objects.select_related("org", "finding__raised_by_org")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=getattr(rectification, "pk", rectification))


def submit_rectification(
    user: Any,
    rectification: Rectification,
    *,
    measures: str,
    evidence_text: str = "",
    files: Iterable[UploadedFile] = (),
) -> Rectification:
    """The owner org reports what it did: open/returned → submitted."""
    r = _load_rectification(rectification)
    if not covers(user, PERM_ANSWER, r.org.path):
        raise OutOfScope("只有整改责任组织（或其上级）可以报送整改情况。")
    uploads = list(files)
    if uploads and not covers(user, PERM_ANSWER_FILE, r.org.path):
        raise OutOfScope("您不能为该整改上传材料。")
    errors: dict[str, list[str]] = {}
    if r.status not in (RectificationStatus.OPEN, RectificationStatus.RETURNED):
        errors["status"] = [
            f"该整改当前为“{RectificationStatus(r.status).label}”，只有待整改或被退回的整改可以提交。"
        ]
    measures = (measures or "").strip()
    if not measures:
        errors["measures"] = ["请填写整改措施。"]
    evidence_text = (evidence_text or "").strip()
    if errors:
        raise ValidationError(errors)
    checked = _checked_uploads(uploads)
    rows, names = _store(
        user,
        checked,
        lambda upload, stored, kind: RectificationEvidence(
            rectification_id=r.pk, **_file_fields(user, upload, stored, kind)
        ),
    )
    try:
        with transaction.atomic():
            r = _load_rectification(r, lock=True)
            if r.status not in (RectificationStatus.OPEN, RectificationStatus.RETURNED):
                raise ValidationError({"status": ["该整改已被他人提交，请刷新页面。"]})
            before = snapshot(r)
            r.measures = measures
            if evidence_text or not r.evidence_text:
                r.evidence_text = evidence_text
            r.status = RectificationStatus.SUBMITTED
            r.submitted_at = timezone.now()
            r.submitted_by = _user_or_none(user)
            r.save()
            RectificationEvidence.objects.bulk_create(rows)
            core_services.emit(
                "update",
                r,
                before=before,
                after=snapshot(r),
                files=[row.original_name for row in rows],
            )
    except BaseException:
        EvidenceFile.remove_files(names)
        raise
    _sync(rectification, r, ["measures", "evidence_text", "status", "submitted_at", "submitted_by"])
    return rectification


def verify_rectification(
    user: Any, rectification: Rectification, *, accept: bool, note: str = ""
) -> Rectification:
    """The raising side closes (销号, needs evidence) or returns (退回, needs a note)."""
    with transaction.atomic():
        r = _load_rectification(rectification, lock=True)
        if not can_verify(user, r):
            raise OutOfScope(
                f"只有提出问题的“{r.finding.raised_by_org.name}”一方可以销号或退回该整改。"
            )
        note = (note or "").strip()
        errors: dict[str, list[str]] = {}
        if r.status != RectificationStatus.SUBMITTED:
            errors["status"] = [
                f"该整改当前为“{RectificationStatus(r.status).label}”，只有已提交的整改可以审核。"
            ]
        elif accept and not r.evidence_text.strip() and not r.files.exists():
            errors["evidence"] = [
                "没有整改佐证材料，不能销号：请退回整改责任组织，补充整改情况说明或上传佐证材料后再审核。"
            ]
        if not accept and not note:
            errors["note"] = ["退回时请填写审核意见，说明需要补充或改正的内容。"]
        if len(note) > 300:
            errors["note"] = ["审核意见不能超过 300 个字。"]
        if errors:
            raise ValidationError(errors)
        before = snapshot(r)
        r.status = RectificationStatus.CLOSED if accept else RectificationStatus.RETURNED
        r.verified_at = timezone.now()
        r.verified_by = _user_or_none(user)
        r.verify_note = note
        r.closed_on = timezone.localdate() if accept else None
        r.save()
        core_services.emit("update", r, before=before, after=snapshot(r))
    _sync(rectification, r, ["status", "verified_at", "verified_by", "verify_note", "closed_on"])
    return rectification


# --- files ----------------------------------------------------------------------------


def add_evidence_file(
    user: Any, assessment: Assessment, upload: UploadedFile, item_id: int | None = None
) -> EvidenceFile:
    """A file backing the assessment (or one of its items; an empty result row is made)."""
    a = _load(assessment)
    _require_assessor(user, a)
    if a.is_locked:
        raise ValidationError(LOCKED, code="locked")
    item = None
    if item_id is not None:
        item = FrameworkItem.objects.filter(
            pk=item_id, framework_id=a.campaign.framework_id
        ).first()
        if item is None or item.kind == ItemKind.SECTION:
            raise ValidationError({"item": ["该条目不属于本次督查使用的考评模板。"]})
    checked = _checked_uploads([upload])
    (evidence,), names = _store(
        user,
        checked,
        lambda up, stored, kind: EvidenceFile(
            assessment_id=a.pk, **_file_fields(user, up, stored, kind)
        ),
    )
    try:
        with transaction.atomic():
            if item is not None:
                evidence.item_result, _ = ItemResult.objects.get_or_create(
                    assessment_id=a.pk, item=item
                )
            evidence.save()
            core_services.emit("create", evidence, after=snapshot(evidence))
    except BaseException:
        EvidenceFile.remove_files(names)
        raise
    return evidence


def add_rectification_file(
    user: Any, rectification: Rectification, upload: UploadedFile
) -> RectificationEvidence:
    r = _load_rectification(rectification)
    if not covers(user, PERM_ANSWER_FILE, r.org.path):
        raise OutOfScope("您不能为该整改上传材料。")
    if r.status == RectificationStatus.CLOSED:
        raise ValidationError("该整改已销号，不能再添加材料。")
    checked = _checked_uploads([upload])
    (evidence,), names = _store(
        user,
        checked,
        lambda up, stored, kind: RectificationEvidence(
            rectification_id=r.pk, **_file_fields(user, up, stored, kind)
        ),
    )
    try:
        with transaction.atomic():
            evidence.save()
            core_services.emit("create", evidence, after=snapshot(evidence))
    except BaseException:
        EvidenceFile.remove_files(names)
        raise
    return evidence


def delete_file(user: Any, obj: EvidenceFile | RectificationEvidence) -> None:
    """Delete an evidence file (not from a locked assessment or a closed rectification)."""
    if isinstance(obj, EvidenceFile):
        a = _load(obj.assessment_id)
        _require_assessor(user, a)
        if a.is_locked:
            raise ValidationError(LOCKED, code="locked")
    else:
        r = _load_rectification(obj.rectification_id)
        if not covers(user, "assessments.delete_rectificationevidence", r.org.path):
            raise OutOfScope("对象不在您的管辖范围内。")
        if r.status == RectificationStatus.CLOSED:
            raise ValidationError("该整改已销号，不能删除材料。")
    with transaction.atomic():
        core_services.emit("delete", obj, before=snapshot(obj), after=None)
        obj.delete()
        obj.remove_files_on_commit([obj.stored_name])
