"""Item results, the assessment's own fields and its status: written by the checking side.

Who: `Assessment.write_sides` — the campaign's scope org; the checked org reads its
released results and never edits them, although its roles hold the same permissions over
its own subtree. Reopening a done assessment is a change of the campaign.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core import services as core_services
from dangjian.core.bounds import parse_id
from dangjian.core.models import snapshot

from ..models import (
    Assessment,
    AssessmentStatus,
    FrameworkItem,
    ItemKind,
    ItemResult,
    Method,
    ResultValue,
)
from .common import LOCKED, OutOfScope, load_assessment, sync
from .scoring import apply_outcome, compute_outcome, outcome_from_db

A = AssessmentStatus
R = ResultValue

MAX_NOTE = 2000

# Results an item of each kind accepts (a section is a heading: nothing).
ALLOWED_RESULTS: dict[str, tuple[str, ...]] = {
    ItemKind.SECTION: (),
    ItemKind.SCORE: (R.CONFORMING, R.PARTIAL, R.NONCONFORMING, R.NOT_APPLICABLE),
    ItemKind.PASS_FAIL: (R.CONFORMING, R.NONCONFORMING, R.NOT_APPLICABLE),
    ItemKind.GRADED: (R.CONFORMING, R.PARTIAL, R.NONCONFORMING, R.NOT_APPLICABLE),
}
RESULT_FIELDS = ("result", "score", "note", "methods", "from_records")
# Forward one step, back one step from review, and reopening a done one (a campaign change).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    A.PLANNED: (A.IN_PROGRESS,),
    A.IN_PROGRESS: (A.IN_REVIEW,),
    A.IN_REVIEW: (A.DONE, A.IN_PROGRESS),
    A.DONE: (A.IN_REVIEW, A.IN_PROGRESS),
}


def can_assess(user: Any, assessment: Assessment) -> bool:
    """Is `user` on the assessment's checking side (`Assessment.write_sides`)?"""
    return assessment.allows(user, "change")


def require_assessor(user: Any, assessment: Assessment) -> None:
    if not can_assess(user, assessment):
        raise OutOfScope("只有督查活动主办方的检查人员可以填写或变更检查结果。")


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
        if (pk := parse_id(ref)) is not None:
            return by_id.get(pk)
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
        a = load_assessment(assessment, lock=True)
        require_assessor(user, a)
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
        names = apply_outcome(a, compute_outcome(framework, items, merged, a.has_innovation))
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
    sync(assessment, a, names)
    return assessment


def recompute(assessment: Assessment) -> Assessment:
    """Recompute the total, band rating and passed from the saved results (no audit)."""
    a = load_assessment(assessment)
    names = apply_outcome(a, outcome_from_db(a))
    Assessment.objects.filter(pk=a.pk).update(**{n: getattr(a, n) for n in names})
    sync(assessment, a, names)
    return assessment


# --- the assessment itself ------------------------------------------------------------

EDITABLE = ("assessed_on", "assessor_names", "assessors", "summary", "has_innovation")


def update_assessment(user: Any, assessment: Assessment, **fields: Any) -> Assessment:
    """Edit assessed_on, assessor_names, assessors, summary, has_innovation (not when locked)."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationError(f"不能在此修改：{'、'.join(unknown)}。")
    with transaction.atomic():
        a = load_assessment(assessment, lock=True)
        require_assessor(user, a)
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
            names += apply_outcome(a, outcome_from_db(a))
        if names:
            a.save(update_fields=[*set(names), "updated"])
        detail: dict[str, Any] = {}
        if assessor_ids is not None:
            old_ids = sorted(a.assessors.values_list("pk", flat=True))
            if old_ids != assessor_ids:
                a.assessors.set(assessor_ids)
                detail["assessors"] = [old_ids, assessor_ids]
        core_services.emit("update", a, before=before, after=snapshot(a), **detail)
    sync(assessment, a, [*names, "updated"])
    return assessment


def set_status(user: Any, assessment: Assessment, status: str) -> Assessment:
    """planned → in_progress → in_review → done (locks, computes rating); reopening a done
    assessment is a change of its campaign (`Campaign.write_sides`: its scope org)."""
    if status not in A.values:
        raise ValidationError(f"状态“{status}”无效。")
    with transaction.atomic():
        a = load_assessment(assessment, lock=True)
        require_assessor(user, a)
        old = a.status
        if old == status:
            return assessment
        if status not in TRANSITIONS[old]:
            allowed = "、".join(f"“{A(s).label}”" for s in TRANSITIONS[old])
            raise ValidationError(
                f"检查状态不能从“{A(old).label}”直接改为“{A(status).label}”（可改为：{allowed}）。"
            )
        if old == A.DONE and not a.campaign.allows(user, "change"):
            raise OutOfScope("已完成的检查只能由督查活动主办方的管理人员重新打开。")
        before = snapshot(a)
        a.status = status
        names = ["status", "completed_at"]
        if status == A.DONE:
            a.completed_at = timezone.now()
            names += apply_outcome(a, outcome_from_db(a))
        else:
            a.completed_at = None
        a.save(update_fields=[*names, "updated"])
        core_services.emit("update", a, before=before, after=snapshot(a), transition=[old, status])
    sync(assessment, a, [*names, "updated"])
    return assessment
