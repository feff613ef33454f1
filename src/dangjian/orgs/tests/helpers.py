"""Test helpers for orgs. Members are made through the app registry: orgs sits below
members in the import layers, so its tests do not import the members app either."""

from __future__ import annotations

import datetime as dt
import itertools

from django.apps import apps

from dangjian.orgs.models import Organization, Term

_seq = itertools.count(1)


def member_model():
    return apps.get_model("members", "Member")


def make_member(org: Organization, membership: str = "normal", **fields):
    n = next(_seq)
    fields.setdefault("name", f"党员{n}")
    fields.setdefault("gender", "male" if n % 2 else "female")
    fields.setdefault("joined_on", dt.date(2010, 7, 1))
    return member_model().objects.create(org=org, membership=membership, **fields)


def make_members(org: Organization, count: int, membership: str = "normal") -> None:
    model = member_model()
    rows = []
    for _ in range(count):
        n = next(_seq)
        row = model(
            org=org,
            name=f"党员{n}",
            gender="male",
            joined_on=dt.date(2012, 1, 1),
            membership=membership,
        )
        row.prepare()
        rows.append(row)
    model.objects.bulk_create(rows)


def make_term(org: Organization, started_on: dt.date, **fields) -> Term:
    return Term.objects.create(org=org, started_on=started_on, **fields)


def child(parent: Organization, kind: str, name: str, **fields) -> Organization:
    """Add a child directly through treebeard (fixtures only: no scope or kind checks)."""
    parent = Organization.objects.get(pk=parent.pk)
    return parent.add_child(kind=kind, name=name, **fields)


def all_paths() -> list[tuple[int, str, int]]:
    return list(Organization.objects.order_by("pk").values_list("pk", "path", "numchild"))
