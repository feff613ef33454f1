"""Forms whose choice fields only offer rows inside the user's scope, and the one way a
service's validation errors reach a form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError

from .orgpicker import use_org_picker


class ScopedFormMixin:
    """Restrict every ModelChoiceField to what the user can view (DESIGN §4)."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.user = user
        for field in self.fields.values():  # type: ignore[attr-defined]
            qs = getattr(field, "queryset", None)
            if qs is not None and hasattr(qs, "restrict"):
                field.queryset = qs.restrict(user, "view")
        # An org is chosen with the one picker: never a <select> of every org.
        use_org_picker(self)  # type: ignore[arg-type]


class ScopedModelForm(ScopedFormMixin, forms.ModelForm):
    pass


def add_service_errors(
    form: forms.BaseForm, exc: ValidationError, labels: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError on `form`, never raising.

    A message goes on the field it names when the form has that field; otherwise on top of
    the form, prefixed with the field's label (from `labels`, else the model field's
    verbose name) so the user knows what it is about. Services name model fields a form
    may not show (a derived date, the rows of a table), and Django's own `add_error` raises
    on such a name.
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, messages in exc.message_dict.items():
        if name in form.fields:
            form.add_error(name, messages)
            continue
        label = "" if name == NON_FIELD_ERRORS else _label(form, name, labels)
        for message in messages:
            form.add_error(None, f"{label}：{message}" if label else message)


def _label(form: forms.BaseForm, name: str, labels: Mapping[str, str] | None) -> str:
    if labels and name in labels:
        return str(labels[name])
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return ""
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return ""
    # Django's default verbose name is the attribute name: English, never shown to users.
    return "" if label == name.replace("_", " ") else label
