"""Every URL the platform answers, for tests that must hold on every page, not a list.

`routes()` walks the URL resolver; `urls_of(route, values)` fills each argument with the
candidate values given for its converter. Tests that plant their objects under one id
(`PK`) reach every `<int:pk>` page with `{"IntConverter": [str(PK)]}`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# One id for every object a test plants, so `<int:pk>` in any URL names an existing row.
PK = 7777


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str  # without the leading slash, arguments as <converter:name>
    converters: dict[str, str]  # argument → converter class name
    view_class: Any  # the class-based view or DRF view, None for a function

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def routes(
    patterns: list[Any] | None = None,
    prefix: str = "",
    namespace: str = "",
    converters: dict[str, str] | None = None,
) -> Iterator[Route]:
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for p in patterns:
        found = {k: type(v).__name__ for k, v in p.pattern.converters.items()}
        found |= converters or {}
        if isinstance(p, URLResolver):
            inner = ":".join(n for n in (namespace, p.namespace or "") if n)
            yield from routes(p.url_patterns, prefix + str(p.pattern), inner, found)
        elif isinstance(p, URLPattern):
            name = ":".join(n for n in (namespace, p.name or "") if n)
            callback = p.callback
            view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
            yield Route(name, prefix + str(p.pattern), found, view_class)


_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")
_REGEX_LEFT = re.compile(r"[\\()\[\]?*+|{}]")


def _arguments(route: Route) -> list[tuple[str, str]]:
    """(argument, converter name) of the route: path converters, then regex groups (DRF's
    routers), whose ids take the int candidates and whose other names the str ones."""
    args = list(route.converters.items())
    for name in _GROUP.findall(route.pattern):
        is_id = name in ("pk", "id") or name.endswith(("_pk", "_id"))
        args.append((name, "IntConverter" if is_id else "StringConverter"))
    return args


def urls_of(route: Route, values: dict[str, list[str]]) -> list[str]:
    """The route's URLs with every combination of the candidate values of its arguments
    (none when a converter has no candidates; a regex route's `format` suffix is skipped)."""
    args = _arguments(route)
    if any(name == "format" for name, _conv in args):
        return []
    choices = [values.get(conv, []) for _name, conv in args]
    out = []
    for combo in itertools.product(*choices):
        path = route.pattern
        for (arg, _conv), value in zip(args, combo, strict=True):
            path = re.sub(rf"\(\?P<{arg}>(?:[^()]|\([^()]*\))*\)", value, path)
            path = re.sub(rf"<(?:\w+:)?{arg}>", value, path)
        path = path.replace("^", "").replace("$", "")
        if "<" not in path and not _REGEX_LEFT.search(path):
            out.append("/" + path)
    return out
