"""Choice labels looked up in a dict built once, instead of through `get_FOO_display()`.

Django's `get_FOO_display()` rebuilds the dict of the field's choices (`make_hashable`
over every choice) at each call; a list of fifty rows with three choice columns builds it
150 times, and DRF finds the method through `inspect.signature` each time as well. These
helpers give the same label from a dict built once per table or serializer
(decisions/0012). A model's own `get_FOO_display` is left to be called.
"""

from __future__ import annotations

from functools import partialmethod
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

# What Django sets as `get_FOO_display` on a model with a field with choices.
_DJANGO_DISPLAY = getattr(models.Model, "_get_FIELD_display")  # noqa: B009 - private to mypy

Labels = tuple[str, dict[Any, Any]]


def choice_labels(cls: type, name: str) -> Labels | None:
    """(attname, {value: label}) when `cls.get_<name>_display` is Django's own; None when
    the model defines its own or the field has no choices."""
    method = f"get_{name}_display"
    own = next((c.__dict__[method] for c in cls.__mro__ if method in c.__dict__), None)
    if not (isinstance(own, partialmethod) and own.func is _DJANGO_DISPLAY):
        return None
    field = own.keywords["field"]
    return field.attname, {
        make_hashable(k): force_str(v, strings_only=True) for k, v in field.flatchoices
    }


def label(labels: Labels, value: Any) -> Any:
    """`Model._get_FIELD_display` for `value`: its label, else the value itself."""
    try:
        found = labels[1].get(value, value)
    except TypeError:  # unhashable: Django looks it up made hashable
        found = labels[1].get(make_hashable(value), value)
    return force_str(found, strings_only=True)


def display(labels: Labels | None, obj: Any, name: str) -> Any:
    """`obj.get_<name>_display()`, through the dict when there is one."""
    if labels is None:
        return getattr(obj, f"get_{name}_display")()
    return label(labels, getattr(obj, labels[0]))
