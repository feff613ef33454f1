"""The rows of a django-tables2 table, rendered without per-cell introspection.

django-tables2 renders each cell on its own: it resolves the column's model field again
(`get_FOO_display`), calls `inspect.signature` on the render method and on a link's URL
callable, rebuilds the `<td>` attributes and, for date columns, compiles a small template —
for every cell of every row (a 50-row page of seven columns: 350 times each). Here all of
that is decided once per column (`ColumnPlan`), and the rows are then produced in one loop
with the same values, the same links and the same attributes, so the HTML is the same
(decisions/0012; `web/tests/test_fast_tables.py` compares both renderings for every table).

Anything this module does not know how to precompute — a cell attribute computed from the
record, a ManyToManyColumn — is handed back to django-tables2 for that column, cell by cell.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template import Context, Template
from django.template.base import render_value_in_context
from django.template.defaultfilters import date as date_filter
from django.utils import formats
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django_tables2 import utils as tables_utils
from django_tables2.columns.base import Column
from django_tables2.columns.datecolumn import DateColumn
from django_tables2.columns.datetimecolumn import DateTimeColumn
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.columns.templatecolumn import TemplateColumn
from django_tables2.utils import A, AttributeDict, computed_values

from .labels import Labels, choice_labels, label

# The keyword arguments django-tables2 offers a render method, a link's URL callable, …
CELL_ARGS = ("value", "record", "column", "bound_column", "bound_row", "table")


class Resolver:
    """`Accessor.resolve(record)` with the path split once: the same lookups in the same
    order (dict key, attribute, list index; callables called unless they alter data or
    are marked `do_not_call_in_templates`; stop at None). A failed lookup raises."""

    __slots__ = ("accessor", "bits")

    def __init__(self, accessor: str) -> None:
        self.accessor = A(accessor)
        self.bits = tuple(self.accessor.bits)

    def __call__(self, record: Any) -> Any:
        if isinstance(record, dict) and self.accessor in record:
            return record[self.accessor]
        current = record
        for bit in self.bits:
            if isinstance(current, models.Model) and not hasattr(type(current), "__getitem__"):
                # a model has no items: django-tables2 tries `current[bit]`, fails, then this
                try:
                    current = getattr(current, bit)
                except (TypeError, AttributeError):
                    raise ValueError(bit) from None
            else:
                current = _step(current, bit)
            if callable(current):
                if getattr(current, "alters_data", False):
                    raise ValueError(bit)
                if not getattr(current, "do_not_call_in_templates", False):
                    current = current(*self.accessor.callable_args, **self.accessor.callable_kwargs)
            if current is None:
                break
        return current


def _step(current: Any, bit: str) -> Any:
    try:
        return current[bit]
    except (TypeError, AttributeError, KeyError):
        try:
            return getattr(current, bit)
        except (TypeError, AttributeError):
            try:
                return current[int(bit)]
            except (IndexError, ValueError, KeyError, TypeError):
                raise ValueError(bit) from None


class Call:
    """A callable and the keyword arguments it takes, worked out once (django-tables2's
    `call_with_appropriate` does it per call)."""

    __slots__ = ("fn", "missing", "names", "takes_all")

    def __init__(self, fn: Any) -> None:
        names, catch_all = tables_utils.signature(fn)
        self.fn = fn
        self.takes_all = catch_all is not None
        self.names = tuple(names)
        # an argument django-tables2 cannot offer: it returns None without calling
        self.missing = not self.takes_all and any(n not in CELL_ARGS for n in names)

    def __call__(self, offered: dict[str, Any]) -> Any:
        if self.takes_all:
            return self.fn(**offered)
        if self.missing:
            return None
        return self.fn(**{n: offered[n] for n in self.names})


def _has_callable(*dicts: Any) -> bool:
    return any(callable(v) for d in dicts if isinstance(d, dict) for v in d.values())


class ColumnPlan:
    """What rendering one column's cells needs, decided once per table."""

    def __init__(self, table: Any, bound: Any) -> None:
        column = bound.column
        self.bound = bound
        self.column = column
        self.accessor = A(bound.accessor)
        self.resolve = Resolver(self.accessor)
        path, _sep, self.remainder = self.accessor.rpartition(self.accessor.SEPARATOR)
        self.penultimate = Resolver(path)
        self.choices_by_class: dict[type, bool] = {}
        self.labels_by_class: dict[type, Labels | None] = {}
        self.empty_values = column.empty_values
        self.link_text_column = isinstance(column, BaseLinkColumn) and column.text is not None
        self.localize = bound.localize
        # Per cell in django-tables2, here once, unless the column's default is computed.
        self.default = None if callable(column._default) else bound.default
        self.default_computed = callable(column._default)
        self.render = self._renderer(table, bound)
        self.link = self._linker(bound.link)
        self.urls: dict[tuple[type, Any], str] = {}
        table_attrs, column_attrs = table.attrs or {}, column.attrs or {}
        td_sources = (
            table_attrs.get("td"),
            table_attrs.get("cell"),
            column_attrs.get("td"),
            column_attrs.get("cell"),
        )
        # Cell attributes computed from the record are django-tables2's to work out per cell.
        self.td_per_cell = _has_callable(*td_sources)
        self.td_html = None if self.td_per_cell else bound.attrs["td"].as_html()
        # ManyToManyColumn asks the database whether a relation is empty: leave it to the library.
        self.library = isinstance(column, ManyToManyColumn)

    def _renderer(self, table: Any, bound: Any) -> Any:
        render = bound.render
        column = bound.column
        if getattr(render, "__func__", None) is Column.render and render.__self__ is column:
            return None  # the plain column shows its value as it is
        if (
            isinstance(column, TemplateColumn)
            and column.template_code
            and getattr(render, "__func__", None) is TemplateColumn.render
        ):
            return _TemplateCells(column)
        return Call(render)

    def _linker(self, link: Any) -> Any:
        if not link:
            return None
        if link.url and callable(link.url):
            return ("url", Call(link.url))
        if link.reverse_args.get("viewname", None) is not None:
            return ("reverse", link)
        name = link.accessor if link.accessor is not None else self.bound.name
        return ("object", Resolver(name))

    def has_choices(self, record: Any) -> bool:
        """Does the accessor end on a model field with choices (django-tables2 then shows
        `get_FOO_display()`)? Once per record class, not per cell."""
        cls = type(record)
        known = self.choices_by_class.get(cls)
        if known is None:
            field = self.accessor.get_field(record)
            known = bool(getattr(field, "choices", ()))
            self.choices_by_class[cls] = known
        return known

    def labels_of(self, cls: type) -> Labels | None:
        """The choice labels of `cls` (core/labels.py), once per record class."""
        if cls not in self.labels_by_class:
            self.labels_by_class[cls] = choice_labels(cls, self.remainder)
        return self.labels_by_class[cls]

    def value_of(self, record: Any) -> tuple[bool, Any]:
        """(found, value) as django-tables2's `_get_and_render_with` finds it."""
        value = None
        remainder: str | None = self.remainder
        try:
            choices = self.has_choices(record)
        except FieldDoesNotExist:
            choices = False
        if choices:
            try:
                penultimate = self.penultimate(record)
            except Exception:
                penultimate = None
            if isinstance(penultimate, models.Model):
                labels = self.labels_of(type(penultimate))
                if labels is not None:
                    value = label(labels, getattr(penultimate, labels[0]))
                    remainder = None
                else:
                    display = getattr(penultimate, f"get_{remainder}_display", None)
                    if display:
                        value = display()
                        remainder = None
                        if isinstance(value, Promise):
                            # a lazy label would be translated again at every comparison
                            # below and once more when shown: once is enough, same text
                            value = str(value)
        if remainder:
            try:
                value = self.resolve(record)
            except Exception:
                if self.link_text_column:
                    return False, None
        return True, value

    def href(self, offered: dict[str, Any]) -> Any:
        kind, how = self.link
        record = offered["record"]
        if kind == "url":
            return how(offered)
        if kind == "reverse":
            return how.call_reverse(record=record)
        target = how(record)
        if not hasattr(target, "get_absolute_url"):
            if hasattr(record, "get_absolute_url"):
                target = record
            else:
                raise TypeError(f"for linkify=True, '{target}' must have a method get_absolute_url")
        key = (type(target), getattr(target, "pk", None))
        if key[1] is None:
            return target.get_absolute_url()
        # The same row of the same query has the same address: a page of one branch's
        # meetings links its org fifty times, reversed once.
        url = self.urls.get(key)
        if url is None:
            url = self.urls[key] = target.get_absolute_url()
        return url

    def content(self, row: Any, record: Any, table: Any) -> Any:
        """The cell's content before the template shows it (django-tables2's `get_cell`)."""
        if self.library:
            return row.get_cell(self.bound.name)
        found, value = self.value_of(record)
        if found and value in self.empty_values:
            return self.bound.default if self.default_computed else self.default
        offered = {
            "value": value,
            "record": record,
            "column": self.column,
            "bound_column": self.bound,
            "bound_row": row,
            "table": table,
        }
        content = value if self.render is None else self.render(offered)
        if self.link is None:
            return content
        link = self.bound.link
        attrs = AttributeDict(computed_values(link.attrs or {}, kwargs=offered))
        attrs["href"] = self.href(offered)
        if attrs["href"] is None:
            return content
        return format_html("<a {}>{}</a>", attrs.as_html(), content)

    def shown(self, content: Any, context: Context) -> str:
        """`{{ cell }}` (with `|localize` or `|unlocalize` when the column asks for it)."""
        if self.localize is not None:
            content = str(formats.localize(content, use_l10n=bool(self.localize)))
        return render_value_in_context(content, context)


class _TemplateCells:
    """A TemplateColumn's cell: the same context as django-tables2 gives it, the template
    compiled once per table instead of per cell; for a DateColumn or DateTimeColumn (Django
    makes one of every date field of a model table), the template's two filters called
    without the template."""

    def __init__(self, column: TemplateColumn) -> None:
        self.column = column
        self.template = Template(column.template_code)
        # DateColumn's and DateTimeColumn's own template: `{{ value|date:"F"|default:default }}`
        # — the two filters called directly, as the template calls them.
        found = _DATE_TEMPLATE.fullmatch(column.template_code)
        plain = type(column) in (DateColumn, DateTimeColumn) and not column.extra_context
        self.date_format = found[1] if found and plain else None

    def __call__(self, offered: dict[str, Any]) -> SafeString:
        table, bound = offered["table"], offered["bound_column"]
        context = getattr(table, "context", None) or Context()
        if self.date_format is not None:
            value = template_localtime(offered["value"], context.use_tz)  # expects_localtime
            shown = date_filter(value, self.date_format) or bound.default
            return mark_safe(render_value_in_context(shown, context))  # noqa: S308 - escaped
        extra = {
            "default": bound.default,
            "column": bound,
            "record": offered["record"],
            "value": offered["value"],
            "row_counter": offered["bound_row"].row_counter,
        }
        extra.update(self.column.extra_context)
        with context.update(extra):
            context["request"] = getattr(table, "request", None)
            return self.template.render(context)


_DATE_TEMPLATE = re.compile(r'\{\{ value\|date:"([^"]*)"\|default:default \}\}')

# The whitespace of django_tables2/dangjian.html's row loop, kept so the page is byte for
# byte what the template loop gave.
_ROW_START = "\n      <tr {}>\n        "
_ROW_END = "\n      </tr>\n    "


def render_rows(table: Any, context: Context) -> SafeString:
    """The `<tr>`s of the table's current page, as the template's row loop rendered them."""
    plans = [ColumnPlan(table, bound) for bound in table.columns]
    out: list[str] = []
    for row in table.paginated_rows:
        record = row.record
        out.append(_ROW_START.format(row.attrs.as_html()))
        for plan in plans:
            content = plan.content(row, record, table)
            if plan.td_per_cell:
                plan.bound.current_value, plan.bound.current_record = content, record
                td = plan.bound.attrs["td"].as_html()
            else:
                td = plan.td_html
            out.append(f'<td {td}><span class="dj-cell">{plan.shown(content, context)}</span></td>')
        out.append(_ROW_END)
    if out:
        # the last row's values stay on the columns, as after django-tables2's own loop
        for plan in plans:
            plan.bound.current_record = record
    return mark_safe("".join(out))  # noqa: S308 - every value went through format_html/escape
