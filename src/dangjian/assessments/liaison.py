"""党建+巡察: the 巡前征询 one-page profile of a unit's party-building records.

What the inspection team asks the 工委 before it goes in: how the unit's orgs keep the
basic rules (the compliance evaluator over the unit's subtree and the period), whether
their terms are renewed on time (the term sweep on the period's last day, or today),
how the unit's orgs fared in assessments, what problems were found and how far their
rectification has come (overdue ones counted separately).

Everything is read as `user` (each query restricted), set-based: the evaluator's queries
once per calendar year of the period, and one grouped query for each other section.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.db import path_prefix_q
from dangjian.core.services import OutOfScope
from dangjian.orgs import termrules
from dangjian.orgs.models import Organization
from dangjian.rules import evaluator, sweep

from . import wordfile
from .models import (
    Assessment,
    AssessmentStatus,
    CampaignType,
    Finding,
    Rectification,
    RectificationStatus,
    overdue_q,
)

ASSESSMENTS_SHOWN = 30


def _compliance(user: Any, unit: Organization, start: dt.date, end: dt.date) -> dict[str, Any]:
    today = timezone.localdate()
    tally: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for year in range(start.year, end.year + 1):
        result = evaluator.evaluate(user, year, within=unit, today=today)
        for rule in result.rules:
            titles[rule.id] = rule.title
        for cell in result.cells:
            if not (start <= cell.period.end <= end):
                continue
            t = tally.setdefault(cell.rule_id, [0, 0, 0])
            if cell.status == evaluator.Status.COMPLIANT:
                t[0] += 1
            elif cell.status == evaluator.Status.NONCOMPLIANT:
                t[1] += 1
            elif cell.status == evaluator.Status.EXEMPT:
                t[2] += 1
    rules: list[dict[str, Any]] = []
    for rule_id, (ok, bad, exempt) in tally.items():
        judged = ok + bad
        if not judged and not exempt:
            continue
        rules.append(
            {
                "rule": rule_id,
                "title": titles.get(rule_id, rule_id),
                "compliant": ok,
                "noncompliant": bad,
                "exempt": exempt,
                "rate": round(ok / judged, 4) if judged else None,
            }
        )
    rules.sort(key=lambda r: (r["rate"] if r["rate"] is not None else 2, r["title"]))
    ok = sum(int(r["compliant"]) for r in rules)
    judged = ok + sum(int(r["noncompliant"]) for r in rules)
    return {
        "rules": rules,
        "compliant": ok,
        "judged": judged,
        "rate": round(ok / judged, 4) if judged else None,
    }


def _terms(user: Any, unit: Organization, end: dt.date) -> dict[str, Any]:
    day = min(end, timezone.localdate())
    counts = dict(
        sweep.sweep_queryset(user, day, within=unit)
        .order_by()
        .values("sweep_status")
        .annotate(n=Count("pk"))
        .values_list("sweep_status", "n")
    )
    rows = [
        {"status": s, "label": str(sweep.STATUS_LABELS[s]), "count": counts.get(s, 0)}
        for s in sweep.STATUSES
    ]
    attention = sum(r["count"] for r in rows if r["status"] != termrules.TermStatus.NORMAL)
    return {"day": day, "rows": rows, "total": sum(counts.values()), "attention": attention}


def unit_profile(user: Any, unit: Organization, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Compliance summary, term status of its grassroots orgs, assessments, findings and
    rectifications for the unit's subtree in the period; scoped; set-based."""
    if not Organization.objects.restrict(user, "view").filter(pk=unit.pk).exists():
        raise OutOfScope("对象不在您的管辖范围内。")
    if end < start:
        start, end = end, start
    today = timezone.localdate()
    overlaps = Q(campaign__period_start__lte=end, campaign__period_end__gte=start)
    assessments = list(
        Assessment.objects.restrict(user, "view")
        .filter(overlaps, path_prefix_q("target__path", unit.path))
        .order_by("-campaign__period_start", "target__path")
        .values(
            "pk",
            "campaign__name",
            "campaign__campaign_type",
            "target__name",
            "status",
            "total_score",
            "rating",
            "passed",
        )
    )
    for a in assessments:
        a["campaign_type_label"] = str(CampaignType(a["campaign__campaign_type"]).label)
        a["status_label"] = str(AssessmentStatus(a["status"]).label)
    ratings = Counter(a["rating"] for a in assessments if a["rating"])
    findings = list(
        Finding.objects.restrict(user, "view")
        .within(unit)
        .filter(found_on__gte=start, found_on__lte=end)
        .order_by()
        .values("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    findings.sort(key=lambda c: (-c[1], c[0]))
    rect = (
        Rectification.objects.restrict(user, "view")
        .within(unit)
        .filter(finding__found_on__gte=start, finding__found_on__lte=end)
        .order_by()
        .values("status")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        .values_list("status", "n", "overdue")
    )
    by_status = {s: 0 for s in RectificationStatus.values}
    overdue = 0
    for status, n, late in rect:
        by_status[status] = n
        overdue += late
    total_rect = sum(by_status.values())
    return {
        "unit": {"id": unit.pk, "name": unit.name},
        "start": start,
        "end": end,
        "generated_on": today,
        "compliance": _compliance(user, unit, start, end),
        "terms": _terms(user, unit, end),
        "assessments": assessments[:ASSESSMENTS_SHOWN],
        "assessment_count": len(assessments),
        "ratings": dict(sorted(ratings.items())),
        "findings": [{"category": c, "count": n} for c, n in findings],
        "finding_count": sum(n for _, n in findings),
        "rectifications": {
            "by_status": [
                {"status": s, "label": str(RectificationStatus(s).label), "count": by_status[s]}
                for s in RectificationStatus.values
            ],
            "total": total_rect,
            "overdue": overdue,
            "closed_rate": (
                round(by_status[RectificationStatus.CLOSED] / total_rect, 4) if total_rect else None
            ),
        },
    }


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def profile_docx(profile: dict[str, Any]) -> bytes:
    """The profile as a Word document (巡前征询意见材料): A4, 公文 margins and fonts
    (`wordfile`), in the order of the page."""
    doc = wordfile.new_document()
    unit = profile["unit"]["name"]
    wordfile.title(doc, f"{unit}党建工作情况（巡前征询）")
    wordfile.paragraph(
        doc,
        f"统计期间：{profile['start']:%Y年%m月%d日}至{profile['end']:%Y年%m月%d日}；"
        f"生成日期：{profile['generated_on']:%Y年%m月%d日}。数据来自党建工作平台记录。",
    )

    c = profile["compliance"]
    wordfile.heading(doc, "一、基本制度落实")
    wordfile.paragraph(
        doc,
        f"按制度规则判定 {c['judged']} 个组织·周期，达标 {c['compliant']} 个，达标率 {_pct(c['rate'])}。"
        + (
            "达标率较低的："
            + "；".join(f"{r['title']}（{_pct(r['rate'])}）" for r in c["rules"][:3])
            if c["rules"]
            else ""
        ),
    )

    t = profile["terms"]
    wordfile.heading(doc, "二、按期换届")
    wordfile.paragraph(
        doc,
        f"截至{t['day']:%Y年%m月%d日}，所属基层党组织 {t['total']} 个："
        + "，".join(f"{r['label']} {r['count']} 个" for r in t["rows"] if r["count"])
        + ("。" if t["total"] else "无。"),
    )

    wordfile.heading(doc, "三、督查考评")
    if profile["assessment_count"]:
        ratings = "，".join(f"{k} {v} 个" for k, v in profile["ratings"].items())
        wordfile.paragraph(
            doc,
            f"期间接受督查考评 {profile['assessment_count']} 次"
            + (f"（评定结果：{ratings}）" if ratings else "")
            + "："
            + "；".join(
                f"{a['campaign__name']}·{a['target__name']}"
                + (f" {a['total_score']:g}分" if a["total_score"] is not None else "")
                + (f" {a['rating']}" if a["rating"] else "")
                for a in profile["assessments"][:8]
            )
            + "。",
        )
    else:
        wordfile.paragraph(doc, "期间没有督查考评记录。")

    wordfile.heading(doc, "四、发现问题及整改")
    r = profile["rectifications"]
    wordfile.paragraph(
        doc,
        f"期间发现问题 {profile['finding_count']} 个"
        + (
            "（"
            + "，".join(f"{f['category']} {f['count']} 个" for f in profile["findings"][:6])
            + "）"
            if profile["findings"]
            else ""
        )
        + "；整改情况："
        + "，".join(f"{s['label']} {s['count']} 个" for s in r["by_status"] if s["count"])
        + (f"，其中逾期未整改 {r['overdue']} 个" if r["overdue"] else "")
        + f"；销号率 {_pct(r['closed_rate'])}。",
    )
    return wordfile.to_bytes(doc)
