"""Builders of the register's rows for tests (factory-boy), straight through the ORM."""

from __future__ import annotations

import datetime as dt

import factory

from dangjian.integrity.models import (
    Institution,
    Measure,
    RiskPoint,
    RiskReview,
    RiskSubmission,
)

YEAR = 2025


class RiskReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskReview
        django_get_or_create = ("org", "year")

    year = YEAR
    title = factory.LazyAttribute(lambda o: f"{o.year}年度廉政风险排查")
    opens_on = factory.LazyAttribute(lambda o: dt.date(o.year, 3, 1))
    due_on = factory.LazyAttribute(lambda o: dt.date(o.year, 5, 31))


def register_for(org, year: int = YEAR, review_org=None, closed: bool = False) -> RiskSubmission:
    """`org`'s register in the round of `review_org` (default: org's tree root) for `year`."""
    root = review_org or org.get_root()
    review = RiskReviewFactory(org=root, year=year)
    if closed and not review.closed:
        RiskReview.objects.filter(pk=review.pk).update(closed=True)
        review.refresh_from_db()
    sub, _ = RiskSubmission.objects.get_or_create(review=review, org=org)
    return sub


class RiskPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskPoint

    code = factory.Sequence(lambda n: f"FX-{n:03d}")
    post = "finance"
    post_title = "财务科出纳"
    description = factory.Sequence(lambda n: f"报销审核把关不严，存在虚列支出的风险（{n}）")
    category = "process"
    level = "high"


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure
        skip_postgeneration_save = True

    description = factory.Sequence(lambda n: f"严格执行财务审批制度，大额支出集体研究（{n}）")
    responsible = "分管财务副局长"
    deadline = dt.date(YEAR, 12, 31)

    @factory.post_generation
    def risk_points(self, create, extracted, **kwargs):
        if create and extracted:
            self.risk_points.set(extracted)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    kind = "established"
    name = factory.Sequence(lambda n: f"机关财务管理办法（第{n}版）")
    issued_on = dt.date(YEAR, 3, 15)
    document_number = factory.Sequence(lambda n: f"甲局党发〔{YEAR}〕{n}号")


def make_point(org, **kw) -> RiskPoint:
    return RiskPointFactory(submission=kw.pop("submission", None) or register_for(org), **kw)


def make_measure(org, **kw) -> Measure:
    sub = kw.pop("submission", None) or register_for(org)
    points = kw.pop("risk_points", None) or [make_point(org, submission=sub)]
    return MeasureFactory(submission=sub, risk_points=points, **kw)


def make_institution(org, **kw) -> Institution:
    return InstitutionFactory(submission=kw.pop("submission", None) or register_for(org), **kw)
