"""Writes by side: every model that declares `write_sides` has its WriteBySideTestMixin
class, so a future model (a register, a review) cannot be forgotten; and the declaration
is what restrict() filters writes on."""

from __future__ import annotations

from dangjian.core.querysets import side_path_field
from dangjian.core.testing.sides import side_declaring_models, side_test_classes


def test_every_model_declaring_write_sides_has_a_side_test_class():
    declaring = side_declaring_models()
    assert declaring, "no model declares write_sides: the discovery is broken"
    covered = side_test_classes()
    missing = [m._meta.label for m in declaring if m not in covered]
    assert not missing, f"add a WriteBySideTestMixin test class for: {', '.join(missing)}"


def test_writes_filter_on_the_declared_side_and_reads_on_the_scope():
    for model in side_declaring_models():
        for action, lookup in model.write_sides.items():
            assert action != "view", f"{model.__name__}: reading is not a side's write"
            assert side_path_field(model, action) == lookup
            assert lookup.endswith("path"), f"{model.__name__}.{action}: a path lookup"
        assert side_path_field(model, "view") == model.scope_path_field
