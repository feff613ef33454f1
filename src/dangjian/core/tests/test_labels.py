"""Choice labels from a dict built once (core/labels.py) are `get_FOO_display()`'s."""

from __future__ import annotations

from django.apps import apps
from django.utils import translation

from dangjian.core.fields import ChoiceLabelField
from dangjian.core.labels import choice_labels, display
from dangjian.orgs.models import Organization, OrgKind


def choice_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("dangjian."):
            continue
        for field in model._meta.concrete_fields:
            if field.choices:
                yield model, field


def test_every_choice_field_gives_the_label_get_display_gives():
    checked = 0
    with translation.override("zh-hans"):
        for model, field in choice_fields():
            labels = choice_labels(model, field.name)
            obj = model()
            for value in [*(k for k, _label in field.flatchoices), "no-such-value", None]:
                setattr(obj, field.attname, value)
                expected = getattr(obj, f"get_{field.name}_display")()
                assert display(labels, obj, field.name) == expected, (model, field.name, value)
                checked += 1
    assert checked > 100  # every app's choice fields, not a handful


def test_a_models_own_display_method_is_called():
    class Base:
        def get_kind_display(self):
            return "自定义"

    class Own(Base):  # inherited, as from an abstract model
        kind = OrgKind.BRANCH

    assert choice_labels(Own, "kind") is None
    assert display(None, Own(), "kind") == "自定义"
    assert ChoiceLabelField("kind").to_representation(Own()) == "自定义"


def test_the_serializer_field_gives_the_label_or_none():
    field = ChoiceLabelField("kind")
    with translation.override("zh-hans"):
        for kind, _label in OrgKind.choices:
            org = Organization(kind=kind)
            assert field.to_representation(org) == org.get_kind_display()
    assert field.to_representation(Organization(kind=None)) is None
