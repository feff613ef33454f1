"""Rows of the cases app for tests (written directly; the services are tested on their own)."""

from __future__ import annotations

import datetime as dt
import itertools

from dangjian.cases.models import (
    AwardLevel,
    Brand,
    Case,
    CaseAward,
    CaseFile,
    CaseRating,
    CaseStatus,
    Rating,
)
from dangjian.cases.services import committee_of, unit_org_of

_seq = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_case(org, *, year=2024, submitted=True, **kw) -> Case:
    n = next(_seq)
    fields = {
        "title": f"以“支部+项目”工作法推动重点工作{n}",
        "summary": "围绕中心工作梳理任务清单，支部书记领题、党员认领。",
        "status": CaseStatus.SUBMITTED if submitted else CaseStatus.DRAFT,
        "submitted_on": dt.date(year, 10, 8) if submitted else None,
    }
    return Case.objects.create(org=org, year=year, **fields | kw)


def make_rating(case, rating=Rating.EXCELLENT, by=None) -> CaseRating:
    return CaseRating.objects.create(
        case=case,
        rated_by_org=by or committee_of(case.org),
        rating=rating,
        rated_on=dt.date(case.year, 12, 20),
    )


def make_award(case, level=AwardLevel.PROVINCIAL_COMMITTEE, year=None, award="优秀案例"):
    return CaseAward.objects.create(
        case=case,
        level=level,
        award=award,
        year=year or case.year,
        document_number="某直工〔2025〕9号",
    )


def make_file(case) -> CaseFile:
    folder = CaseFile.storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{next(_seq):032x}.pdf"
    (folder / name).write_bytes(PDF)
    return CaseFile.objects.create(
        case=case,
        original_name="案例材料.pdf",
        stored_name=name,
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
    )


def make_brand(org, name=None, **kw) -> Brand:
    """A brand of `org`: a unit brand, or a branch brand under its unit's (made if missing)."""
    unit = unit_org_of(org)
    parent = None
    if unit is not None and unit.pk != org.pk:
        parent = Brand.objects.filter(org=unit).first() or make_brand(unit)
    return Brand.objects.create(
        org=org,
        parent=parent,
        name=name or f"“红色引擎”{next(_seq)}",
        description="以政治建设为统领。",
        established_year=2020,
        **kw,
    )
