"""The sections of a member's 我的 page, and how a module adds its own.

A section is a title, a template and a function building its context from the member (and
the day, and the signed-in user); the function returns None when the section has nothing to
say for this member, and the page then leaves it out — no empty placeholder. The page's own
sections live in `me.py`. A later module (党费 dues, 发展党员 recruitment) registers its
section from its AppConfig.ready():

    from dangjian.selfservice.sections import Section, register
    register(Section("dues", "我的党费", "dues/_me.html", my_dues, order=40))

Each build function reads the member's own rows only (filter on the member given, never a
query by an id from the request) and costs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dangjian.members.models import Member

Builder = Callable[[Member, dt.date, Any], dict | None]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str
    build: Builder
    order: int = 100


_REGISTRY: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add (or replace, by key) a section of the 我的 page."""
    _REGISTRY[section.key] = section
    return section


def registered() -> list[Section]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key))


@dataclass(frozen=True)
class Shown:
    section: Section
    context: dict


def build_all(member: Member, day: dt.date, user: Any) -> list[Shown]:
    """The sections that have something for `member`, in order."""
    shown = []
    for section in registered():
        context = section.build(member, day, user)
        if context is not None:
            shown.append(Shown(section, context))
    return shown
