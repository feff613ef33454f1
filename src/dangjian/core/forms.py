"""Forms whose choice fields only offer rows inside the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms


class ScopedFormMixin:
    """Restrict every ModelChoiceField to what the user can view (DESIGN §4)."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.user = user
        for field in self.fields.values():  # type: ignore[attr-defined]
            qs = getattr(field, "queryset", None)
            if qs is not None and hasattr(qs, "restrict"):
                field.queryset = qs.restrict(user, "view")


class ScopedModelForm(ScopedFormMixin, forms.ModelForm):
    pass
