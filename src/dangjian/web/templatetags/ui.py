"""Template helpers for Tabler/Bootstrap rendering: `{% load ui %}`."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.db import models
from django.template.loader import get_template
from django.urls import NoReverseMatch
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from dangjian.core.tables import render_rows

register = template.Library()

# Tree internals and lookup columns mean nothing to a reader.
HIDDEN_FIELDS = {"path", "depth", "numchild", "password", "name_initials"}


def widget_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.filter
def bs_widget(bound_field: forms.BoundField, extra: str = "") -> str:
    """Render a form field's widget with Bootstrap classes (and is-invalid on errors)."""
    classes = [widget_class(bound_field.field.widget), *extra.split()]
    if bound_field.errors:
        classes.append("is-invalid")
    existing = bound_field.field.widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": " ".join([existing, *classes]).strip()})


@register.filter
def is_checkbox(bound_field: forms.BoundField) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


def _display(obj: models.Model, field: models.Field) -> Any:
    if field.name in getattr(obj, "sensitive_fields", ()):
        masker = getattr(obj, f"masked_{field.name}", None)
        return masker() if callable(masker) else "已隐藏"
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    value = getattr(obj, field.name)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


@register.filter
def detail_fields(obj: models.Model) -> list[dict[str, Any]]:
    """(label, value, url) of an object's readable fields, sensitive ones masked."""
    skip = HIDDEN_FIELDS | set(getattr(obj, "detail_exclude", ()))
    rows = []
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in skip or field.name.endswith("_blind"):
            continue
        value = _display(obj, field)
        url = None
        if isinstance(value, models.Model) and hasattr(value, "get_absolute_url"):
            try:
                url = value.get_absolute_url()
            except NoReverseMatch:  # its app's pages are not wired (yet)
                url = None
        rows.append({"label": field.verbose_name, "value": value, "url": url})
    return rows


# Values that read wrong when wrapped ("2024-05-1" over "0", "正式党" over "员"): dates,
# times, numbers, yes/no and choice labels stay on one line in a wide table, so the table
# gives its spare width to the names and texts, which may wrap.
_ONE_LINE_FIELDS = (
    models.DateField,
    models.TimeField,
    models.IntegerField,
    models.DecimalField,
    models.FloatField,
    models.BooleanField,
)


def _one_line(table: Any, bound: Any) -> bool:
    model = getattr(getattr(table, "_meta", None), "model", None)
    field = bound.accessor.get_field(model) if model is not None else None
    if field is None or field.is_relation:
        return False
    return isinstance(field, _ONE_LINE_FIELDS) or bool(field.choices)


@register.simple_tag
def label_cells(table: Any) -> str:
    """Prepare a table's cells once per column, before its rows are rendered: each body cell
    gets its column's header as `data-label`, which the phone layout prints before the value
    (app.css, .dj-cards), and the columns of dates, numbers and choices `text-nowrap`.
    Set on the table's own copy of its columns (django-tables2 deep-copies them per table),
    so a cell costs no more than before: one more key in the dict it renders anyway."""
    table_td = table.attrs.get("td") or table.attrs.get("cell") or {}
    for bound in table.columns:
        column = bound.column
        label = strip_tags(str(bound.header or "")).strip()
        one_line = _one_line(table, bound)
        if not label and not one_line:
            continue
        attrs = dict(column.attrs or {})
        td = dict(attrs.get("td") or attrs.get("cell") or table_td)
        if label:
            td["data-label"] = label
        if one_line:
            td["class"] = " ".join(filter(None, (td.get("class", ""), "text-nowrap")))
        attrs["td"] = td
        column.attrs = attrs
    return ""


@register.simple_tag(takes_context=True)
def table_rows(context: template.Context, table: Any) -> SafeString:
    """The body rows of the table's page, each cell as django-tables2 renders it but with
    the per-column work (render method arguments, links, cell attributes) done once, not
    per cell (core/tables.py, decisions/0012). Empty when the page has no rows."""
    return render_rows(table, context)


@register.simple_tag(takes_context=True)
def list_table(
    context: template.Context, table: Any, template_name: str = "django_tables2/dangjian.html"
) -> SafeString:
    """django-tables2's `{% render_table %}` without running the context processors again:
    it renders the table's template with the request, so the menu, the notification count
    and the rest of the page's context were worked out a second time for a template that
    reads only `table` and `request`. The same steps otherwise (the page's context on the
    table for template columns, `before_render`)."""
    request = context.get("request")
    table.context = context
    try:
        table.before_render(request)
        html = get_template(template_name).render({"table": table, "request": request})
        return mark_safe(html)  # noqa: S308 - a rendered template, escaped as it rendered
    finally:
        del table.context
