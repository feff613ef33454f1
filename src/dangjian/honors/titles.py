"""The honor titles (表彰称号), read once from titles.yaml through core/yamlio.

Titles are reference data that change perhaps once in years and must keep a stable code:
metrics count `excellent_member` honors, an import names a title by its Chinese name.
A YAML file in the package keeps them reviewable in git and identical in every
deployment (docs/honors.md says why not a model)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dangjian.core import yamlio

MEMBER = "member"
ORG = "org"

EXCELLENT_MEMBER = "excellent_member"
EXCELLENT_PARTY_WORKER = "excellent_party_worker"
ADVANCED_ORG = "advanced_org"


@dataclass(frozen=True)
class Title:
    code: str
    name: str
    recipient: str  # MEMBER or ORG

    @property
    def for_member(self) -> bool:
        return self.recipient == MEMBER


@cache
def all_titles() -> dict[str, Title]:
    data = yamlio.load_path(Path(__file__).with_name("titles.yaml"))
    titles = {}
    for entry in data:
        recipient = entry["recipient"]
        if recipient not in (MEMBER, ORG):  # pragma: no cover — a broken package file
            raise ValueError(f"titles.yaml: {entry['code']}: recipient {recipient!r}")
        titles[entry["code"]] = Title(entry["code"], entry["name"], recipient)
    return titles


def get(code: str) -> Title | None:
    return all_titles().get(code)


def name(code: str) -> str:
    title = get(code)
    return title.name if title else "（已停用的称号）"


def choices() -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in all_titles().values()]


def by_name() -> dict[str, Title]:
    return {t.name: t for t in all_titles().values()}
