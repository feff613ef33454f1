"""Builders for assessment tests: frameworks, campaigns and assessments made with the ORM.

They do not go through frameworks.sync_library / campaigns.create_campaign, so tests of
the workflow do not depend on the engine's services (and vice versa). Framework codes
start with "test-" so they never meet the shipped library's.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.assessments.models import (
    Assessment,
    Campaign,
    CampaignType,
    Finding,
    Framework,
    FrameworkItem,
    ItemKind,
    Rectification,
)

_seq = itertools.count(1)
PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))

# 五星党支部 shape: 8 score items, 110 points, bands with the innovation requirement.
STAR_ITEMS = [15, 15, 15, 15, 15, 15, 10, 10]
STAR_BANDS = [
    {"label": "五星", "min_score": 90, "requires": ["innovation"]},
    {"label": "四星", "min_score": 80},
    {"label": "三星", "min_score": 70},
    {"label": "二星", "min_score": 0},
]
STAR_QUOTAS = [
    {"label": "五星", "share": 0.1},
    {"label": "四星", "share": 0.3},
    {"label": "三星", "share": 0.4},
    {"label": "二星", "share": 0.2},
]


def make_framework(items: list[dict[str, Any]], **fields: Any) -> Framework:
    """items: dicts with code, kind (default score), max_score, category, rule_id, parent (code)."""
    n = next(_seq)
    fields.setdefault("code", f"test-fw-{n}")
    fields.setdefault("name", f"测试模板{n}")
    fields.setdefault("campaign_types", [CampaignType.SAMPLED_REVIEW])
    fields.setdefault("target_kinds", ["branch"])
    framework = Framework.objects.create(**fields)
    by_code: dict[str, FrameworkItem] = {}
    for order, spec in enumerate(items):
        spec = dict(spec)
        parent = by_code.get(spec.pop("parent", None) or "")
        kind = spec.pop("kind", ItemKind.SCORE)
        max_score = spec.pop("max_score", None)
        if kind == ItemKind.SCORE and max_score is None:
            max_score = 10
        item = FrameworkItem.objects.create(
            framework=framework,
            parent=parent,
            code=spec.pop("code"),
            text=spec.pop("text", f"条目{order + 1}"),
            kind=kind,
            max_score=Decimal(str(max_score)) if max_score is not None else None,
            order=order,
            depth=(parent.depth + 1) if parent else 0,
            **spec,
        )
        by_code[item.code] = item
    return framework


def star_framework(**fields: Any) -> Framework:
    fields.setdefault("rating_bands", STAR_BANDS)
    fields.setdefault("pass_score", Decimal(60))
    fields.setdefault("campaign_types", [CampaignType.STAR_RATING])
    return make_framework(
        [
            {"code": str(i + 1), "max_score": m, "category": f"指标{i + 1}问题"}
            for i, m in enumerate(STAR_ITEMS)
        ],
        **fields,
    )


def checklist_framework(**fields: Any) -> Framework:
    """A 基础制度 checklist: one section with pass/fail and graded items, and a score item."""
    return make_framework(
        [
            {"code": "1", "kind": ItemKind.SECTION, "text": "三会一课", "category": "三会一课"},
            {"code": "1.1", "kind": ItemKind.PASS_FAIL, "parent": "1", "text": "按月开展主题党日"},
            {"code": "1.2", "kind": ItemKind.GRADED, "parent": "1", "text": "会议记录规范"},
            {"code": "2", "kind": ItemKind.SCORE, "max_score": 10, "category": "党费"},
        ],
        **fields,
    )


def make_campaign(
    framework: Framework, scope_org: Any, targets: list[Any] = (), **fields: Any
) -> Campaign:
    fields.setdefault("name", f"测试督查{next(_seq)}")
    fields.setdefault("campaign_type", (framework.campaign_types or ["sampled_review"])[0])
    fields.setdefault("period_start", PERIOD[0])
    fields.setdefault("period_end", PERIOD[1])
    fields.setdefault("target_kinds", ["branch"])
    campaign = Campaign.objects.create(framework=framework, scope_org=scope_org, **fields)
    for target in targets:
        make_assessment(campaign, target)
    return campaign


def make_assessment(campaign: Campaign, target: Any, **fields: Any) -> Assessment:
    return Assessment.objects.create(campaign=campaign, target=target, **fields)


def make_finding(
    org: Any,
    *,
    raised_by: Any,
    category: str = "三会一课",
    text: str = "主题党日记录不全",
    found_on: dt.date = dt.date(2024, 6, 1),
    deadline: dt.date | None = None,
    status: str = "open",
    **fields: Any,
) -> Finding:
    finding = Finding.objects.create(
        org=org, raised_by_org=raised_by, category=category, text=text, found_on=found_on, **fields
    )
    Rectification.objects.create(
        finding=finding,
        org=org,
        deadline=deadline or found_on + dt.timedelta(days=30),
        status=status,
    )
    return finding


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "整改报告.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def fake_pdf_upload(name: str = "整改报告.pdf") -> SimpleUploadedFile:
    """A file named .pdf whose bytes are not a PDF (refused by the content check)."""
    return SimpleUploadedFile(name, io.BytesIO(b"MZ\x90\x00 not a pdf").getvalue())


@pytest.fixture
def people(tree, make_user):
    """The checking side (工委 admin), the checked unit's admin, the branch secretary."""
    return SimpleNamespace(
        committee=make_user("committee_admin", tree.root),
        unit_admin=make_user("unit_admin", tree.unit_a),
        unit_b_admin=make_user("unit_admin", tree.unit_b),
        secretary=make_user("branch_secretary", tree.branch_a),
        viewer=make_user("viewer", tree.root),
    )
