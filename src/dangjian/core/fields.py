"""Range-checked serializer fields: ids, years, dates (the API half of `core.filters`).

Serializers use `IdField` for a row id sent as a number (`"targets": [12, 13]`), `YearField`
for a year and get bounded dates and related-row ids from `BoundedFieldsMixin` (part of
`core.api.ScopedModelSerializer`; plain model serializers use `BoundedModelSerializer`).
An out-of-range value is a 400 with a Chinese message, never an OverflowError.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

from .bounds import (
    DATE_INVALID,
    DATETIME_INVALID,
    HISTORY_YEAR_MIN,
    ID_MAX,
    ID_MESSAGES,
    ID_MIN,
    ID_RANGE,
    YEAR_MAX,
    YEAR_MIN,
    validate_date_range,
    year_messages,
)
from .labels import Labels, choice_labels, display


class IdField(serializers.IntegerField):
    """A row id sent as a plain integer: 1 … 2^63-1."""

    default_error_messages = {**ID_MESSAGES}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class YearField(serializers.IntegerField):
    """A calendar year, by default one of the platform's own records (2000–2100)."""

    def __init__(self, *, min_year: int = YEAR_MIN, max_year: int = YEAR_MAX, **kwargs: Any):
        kwargs.setdefault("min_value", min_year)
        kwargs.setdefault("max_value", max_year)
        kwargs["error_messages"] = year_messages(min_year, max_year) | kwargs.get(
            "error_messages", {}
        )
        super().__init__(**kwargs)


def _check_range(value: Any, label: Any) -> None:
    try:
        validate_date_range(value, label)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages, code="date_range") from None


class DateField(serializers.DateField):
    """A date between DATE_MIN and DATE_MAX (a day more or less never overflows)."""

    default_error_messages = {"invalid": DATE_INVALID}

    def to_internal_value(self, value: Any) -> Any:
        day = super().to_internal_value(value)
        _check_range(day, self.label)
        return day


class DateTimeField(serializers.DateTimeField):
    default_error_messages = {"invalid": DATETIME_INVALID}

    def to_internal_value(self, value: Any) -> Any:
        # Moving year 1 or 9999 to the server's time zone overflows inside DRF.
        try:
            moment = super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid")
        _check_range(moment, self.label)
        return moment


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key by id, range-checked before the lookup (no float ids, no overflow)."""

    def to_internal_value(self, data: Any) -> Any:
        if self.pk_field is None and not isinstance(data, bool):
            try:
                number = int(data) if isinstance(data, int | str) else None
            except ValueError:
                number = None
            if number is not None and not ID_MIN <= number <= ID_MAX:
                raise serializers.ValidationError(ID_RANGE, code="max_value")
        return super().to_internal_value(data)


class ChoiceLabelField(serializers.CharField):
    """The label of a model field's choice, read-only: what `source="get_<name>_display"`
    gave, looked up in a dict built once per serializer rather than per row (DRF reads the
    method's signature for every row, Django rebuilds the choices dict at every call;
    core/labels.py, decisions/0012)."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        self.choice_name = name
        self.labels: dict[type, Labels | None] = {}
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        cls = type(value)
        if cls not in self.labels:
            self.labels[cls] = choice_labels(cls, self.choice_name)
        shown = display(self.labels[cls], value, self.choice_name)
        return None if shown is None else str(shown)


class BoundedFieldsMixin:
    """Model serializer mixin: dates, datetimes and related ids are range-checked, and the
    answer to a PATCH is the whole object the schema describes."""

    serializer_field_mapping: ClassVar[dict[type[models.Field], type[serializers.Field]]] = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: DateField,
        models.DateTimeField: DateTimeField,
    }
    serializer_related_field: ClassVar[type[serializers.RelatedField]] = IdRelatedField
    partial: bool

    def to_representation(self, instance: Any) -> Any:
        # DRF drops a read-only field that falls back to its default (`unit.name` of a member
        # without a unit) when the serializer is partial: "partial" is about the input only.
        partial, self.partial = self.partial, False
        try:
            return super().to_representation(instance)  # type: ignore[misc]
        finally:
            self.partial = partial


class BoundedModelSerializer(BoundedFieldsMixin, serializers.ModelSerializer):
    pass


__all__ = [
    "HISTORY_YEAR_MIN",
    "BoundedFieldsMixin",
    "BoundedModelSerializer",
    "ChoiceLabelField",
    "DateField",
    "DateTimeField",
    "IdField",
    "IdRelatedField",
    "YearField",
]
