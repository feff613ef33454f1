"""The records behind a number: any metric's drill-down queryset as a list and an xlsx.

A drill-down may be of any model (activities, members, orgs, findings, dues months …), so
the columns are read from the model: the record itself (its name, linked to its page when
it has one), the org it belongs to, up to two of its dates and its status. A field the
model declares sensitive (`sensitive_fields`: ID numbers, phones, birth dates, pay bases)
is never a column. The foreign keys the columns and the records' names read are joined in
the one query of the page (`select_related`), so a page of 50 rows is a constant number of
queries whatever the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet

from dangjian.core.excel import ExportColumn, Exporter

DATES_SHOWN = 2


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 16


def _forward_fks(model: Any) -> list[models.ForeignKey]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.name not in _sensitive(model)
    ]


def _sensitive(model: Any) -> set[str]:
    return set(getattr(model, "sensitive_fields", ()))


def _org_field(model: Any) -> models.ForeignKey | None:
    for f in _forward_fks(model):
        target: Any = f.related_model
        if target._meta.label == "orgs.Organization" and f.name in ("org", "target"):
            return f
    return None


def _attribute(name: str) -> Callable[[Any], Any]:
    def get(obj: Any) -> Any:
        return getattr(obj, name)

    return get


def columns(model: Any) -> list[Column]:
    cols = [Column("记录", str, 40)]
    org = _org_field(model)
    if org is not None:
        name = org.name
        cols.append(Column(str(org.verbose_name), _attribute(name), 30))
    if model._meta.label == "orgs.Organization":
        cols.append(Column("上级组织", lambda o: o.parent_name or "", 30))
    sensitive = _sensitive(model)
    dates = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateField)
        and not isinstance(f, models.DateTimeField)
        and f.name not in sensitive
        and "birth" not in f.name
    ][:DATES_SHOWN]
    cols.extend(Column(str(f.verbose_name), _attribute(f.attname), 14) for f in dates)
    status = next(
        (f for f in model._meta.concrete_fields if f.name == "status" and f.choices), None
    )
    if status is not None:
        cols.append(Column(str(status.verbose_name), lambda o: o.get_status_display(), 12))
    return cols


def prepared(queryset: QuerySet) -> QuerySet:
    """The drill-down with what its columns and names read joined in (one level of
    foreign keys, and the member's org for records about a member)."""
    model = queryset.model
    if queryset.query.values_select or getattr(queryset, "_fields", None):
        return queryset
    related = [f.name for f in _forward_fks(model) if not f.null or f.name in ("org", "member")]
    related.extend(
        "member__org"
        for f in _forward_fks(model)
        if f.name == "member" and _org_field(f.related_model) is not None
    )
    if model._meta.label == "orgs.Organization":
        queryset = (
            queryset.with_parent_name() if hasattr(queryset, "with_parent_name") else queryset
        )
    if not queryset.query.order_by and not model._meta.ordering:
        queryset = queryset.order_by("pk")
    return queryset.select_related(*related) if related else queryset


def record_url(obj: Any) -> str | None:
    get = getattr(obj, "get_absolute_url", None)
    if get is None:
        return None
    try:
        return get()
    except Exception:  # a model whose page is not wired (yet): the name without a link
        return None


def exporter(label: str, model: Any) -> Exporter:
    class MetricRecords(Exporter):
        pass

    # A sheet's title may not hold []:*?/\ and is at most 31 characters (Excel's limits).
    MetricRecords.label = re.sub(r"[\[\]:*?/\\]", "·", label)[:31]
    MetricRecords.columns = [ExportColumn(c.header, c.value, c.width) for c in columns(model)]
    return MetricRecords()
