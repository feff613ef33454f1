"""Honors tables (every column's rows come from the view's select_related/annotations)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Honor, HonorRound, Nomination


class HonorRoundTable(tables.Table):
    title = tables.Column(linkify=True)
    org = tables.Column(verbose_name=_("组织评选"))
    titles = tables.Column(verbose_name=_("称号"), accessor="title_names", orderable=False)
    period = tables.Column(verbose_name=_("推荐时间"), empty_values=(), orderable=False)
    stage = tables.Column(verbose_name=_("进度"), empty_values=(), orderable=False)
    n_nominations = tables.Column(verbose_name=_("推荐数"))
    n_honors = tables.Column(verbose_name=_("表彰数"))

    class Meta:
        model = HonorRound
        fields = ("title", "year", "org", "titles", "period", "stage")
        empty_text = _("还没有评选。")

    def render_period(self, record):
        return f"{record.nomination_starts:%Y-%m-%d} 至 {record.nomination_ends:%Y-%m-%d}"

    def render_stage(self, record):
        return record.stage


class NominationTable(tables.Table):
    recipient = tables.Column(
        verbose_name=_("推荐对象"),
        empty_values=(),
        orderable=False,
        linkify=lambda record: record.get_absolute_url(),
    )
    title = tables.Column(verbose_name=_("称号"))
    org = tables.Column(verbose_name=_("推荐单位"))
    round = tables.Column(verbose_name=_("评选"))
    status = tables.Column()
    nominated_on = tables.Column()

    class Meta:
        model = Nomination
        fields = ("recipient", "title", "org", "round", "status", "nominated_on")
        empty_text = _("没有符合条件的推荐。")

    def render_recipient(self, record):
        return record.recipient_name


class HonorTable(tables.Table):
    recipient = tables.Column(
        verbose_name=_("获表彰对象"),
        empty_values=(),
        orderable=False,
        linkify=lambda record: record.get_absolute_url(),
    )
    title = tables.Column()
    level = tables.Column()
    org = tables.Column(verbose_name=_("党组织"))
    year = tables.Column()
    issuer = tables.Column()
    decided_on = tables.Column()
    document_number = tables.Column()

    class Meta:
        model = Honor
        fields = (
            "recipient",
            "title",
            "level",
            "org",
            "year",
            "issuer",
            "decided_on",
            "document_number",
        )
        empty_text = _("没有符合条件的表彰。")

    def render_recipient(self, record):
        return record.recipient_name
