"""Panels an upper app adds to a lower app's detail page, without the lower app knowing it.

A member's page shows their honors and 学时, an org's page its honors and 双报到 — but
`members` and `orgs` sit below those registers and may not import them (DESIGN §3). So an
app registers a panel for a model from its AppConfig.ready():

    from dangjian.core.panels import Panel, register
    register("members.member", Panel("honors", "荣誉表彰", "honors/_member_panel.html",
                                     member_honors, order=20))

`build(obj, user)` returns the template's context, or None to leave the panel out (nothing
to say, or nothing the user may read: it filters through `restrict(user, "view")` like
every other read). Each build costs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Builder = Callable[[Any, Any], dict | None]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    build: Builder
    order: int = 100


@dataclass(frozen=True)
class ShownPanel:
    panel: Panel
    context: dict


_REGISTRY: dict[str, dict[str, Panel]] = {}


def register(model_label: str, panel: Panel) -> Panel:
    """Add (or replace, by key) a panel on the detail page of `model_label` ("app.model")."""
    _REGISTRY.setdefault(model_label.lower(), {})[panel.key] = panel
    return panel


def panels_for(obj: Any, user: Any) -> list[ShownPanel]:
    """The panels with something to show for `obj`, in order."""
    label = obj._meta.label_lower
    shown = []
    for panel in sorted(_REGISTRY.get(label, {}).values(), key=lambda p: (p.order, p.key)):
        context = panel.build(obj, user)
        if context is not None:
            shown.append(ShownPanel(panel, context))
    return shown
