"""List tables of the training app."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Enrolment, TrainingClass

ATTRS = {"class": "table table-vcenter card-table table-striped"}


class TrainingClassTable(tables.Table):
    title = tables.Column(
        linkify=True, verbose_name=_("培训班名称"), attrs={"td": {"class": "dj-name"}}
    )
    org = tables.Column(accessor="org__name", verbose_name=_("举办党组织"))
    dates = tables.TemplateColumn(
        "{{ record.starts_on|date:'Y-m-d' }} 至 {{ record.ends_on|date:'Y-m-d' }}",
        verbose_name=_("起止日期"),
        orderable=False,
    )
    sessions = tables.TemplateColumn(
        "{{ record.n_sessions }}/{{ record.planned_sessions }}",
        verbose_name=_("已办/计划课次"),
        orderable=False,
    )
    n_enrolled = tables.Column(verbose_name=_("报名人数"))
    enrolment_open = tables.BooleanColumn(verbose_name=_("接受报名"), yesno="是,否")

    class Meta:
        model = TrainingClass
        fields = (
            "title",
            "org",
            "training_type",
            "year",
            "dates",
            "sessions",
            "n_enrolled",
            "capacity",
            "enrolment_open",
        )
        attrs = ATTRS
        empty_text = _("还没有培训班。")


class EnrolmentTable(tables.Table):
    member = tables.Column(
        linkify=("training:enrolment_detail", {"pk": tables.A("pk")}),
        accessor="member__name",
        verbose_name=_("党员"),
        attrs={"td": {"class": "dj-name"}},
    )
    org = tables.Column(accessor="member__org__name", verbose_name=_("所在党组织"))
    training_class = tables.Column(
        accessor="training_class__title",
        verbose_name=_("培训班"),
        linkify=("training:class_detail", {"pk": tables.A("training_class_id")}),
    )
    n_attended = tables.Column(verbose_name=_("出席课次"))
    class_hours = tables.Column(verbose_name=_("学时"))

    class Meta:
        model = Enrolment
        fields = (
            "member",
            "org",
            "training_class",
            "enrolled_on",
            "status",
            "n_attended",
            "class_hours",
        )
        attrs = ATTRS
        empty_text = _("没有符合条件的报名记录。")
