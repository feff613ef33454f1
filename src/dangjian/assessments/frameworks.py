"""Framework libraries (考评模板): YAML files shipped in `library/`, or imported in the UI.

CONTRACT (implemented by the engine owner; signatures are relied on by views/API/demo):
"""

from __future__ import annotations

from typing import Any

from .models import Framework


def parse_framework(text: str, filename: str) -> dict[str, Any]:
    """Parse and validate one framework file; raise ValidationError (Chinese) naming the
    file, the item code and the field (duplicate item codes, bad max_score, unknown method,
    unknown rule id, unknown campaign type …). Returns the normalized spec."""
    raise NotImplementedError


def sync_library() -> list[Framework]:
    """Load every shipped YAML file into the DB: idempotent; a changed file becomes a new
    version (is_current moves to it); versions used by campaigns are never modified."""
    raise NotImplementedError


def import_framework(user: Any, text: str, filename: str) -> Framework:
    """Validate then create a new framework (or a new version of an existing code) from an
    uploaded/edited YAML text, source="uploaded"; atomic and audited."""
    raise NotImplementedError


def framework_yaml(framework: Framework) -> str:
    """The YAML text of a framework version (for download / editing)."""
    raise NotImplementedError
