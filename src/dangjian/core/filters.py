"""Range-checked list filters (`?member=`, `?year=`, `?date_after=` …).

Every filterset uses these for a number, year, date or id, never django-filter's bare
NumberFilter/DateFilter: an out-of-range value is a form error (400 with a Chinese message
in the API; on a page the filter is ignored and the message shown) before any query runs.
`core/tests/test_input.py` walks every filterset and fails on a bare one.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from .bounds import (
    DATE_INVALID,
    ID_MAX,
    ID_MESSAGES,
    ID_MIN,
    INTEGER_INVALID,
    YEAR_MAX,
    YEAR_MIN,
    number_messages,
    validate_date_range,
    year_messages,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class _IntegerFilter(django_filters.Filter):
    """An integer within [min_value, max_value], documented so in the OpenAPI schema."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, min_value: int, max_value: int, **kwargs: Any) -> None:
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        extend_schema_field({"type": "integer", "minimum": min_value, "maximum": max_value})(self)


class IdFilter(_IntegerFilter):
    """A row id (`?member=12`): a plain integer, no lookup of the row itself (no decryption)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", ID_MESSAGES)
        super().__init__(*args, min_value=ID_MIN, max_value=ID_MAX, **kwargs)


class YearFilter(_IntegerFilter):
    """A calendar year, by default one of the platform's own records (2000–2100)."""

    def __init__(
        self, *args: Any, min_year: int = YEAR_MIN, max_year: int = YEAR_MAX, **kwargs: Any
    ) -> None:
        kwargs.setdefault("lookup_expr", "year")
        kwargs.setdefault("error_messages", year_messages(min_year, max_year))
        super().__init__(*args, min_value=min_year, max_value=max_year, **kwargs)


class BoundedNumberFilter(_IntegerFilter):
    """Any other whole number, with the bounds the caller states."""

    def __init__(self, *args: Any, min_value: int, max_value: int, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages",
            {"invalid": INTEGER_INVALID, **number_messages(min_value, max_value)},
        )
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class DateFilter(django_filters.DateFilter):
    """A date between DATE_MIN and DATE_MAX (so a day more or less never overflows)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DATE_WIDGET)
        kwargs.setdefault("error_messages", {"invalid": DATE_INVALID})
        kwargs["validators"] = [validate_date_range, *kwargs.get("validators", ())]
        super().__init__(*args, **kwargs)


RANGE_CHECKED = (IdFilter, YearFilter, BoundedNumberFilter, DateFilter)
