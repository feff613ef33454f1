"""The generic permission checks (core.testing) for every orgs model and endpoint."""

from __future__ import annotations

import datetime as dt

from dangjian.core.testing.permissions import ApiWritePermissionTestMixin
from dangjian.orgs.models import CommitteePost, Organization, OrgKind, Term, Unit

from .helpers import child, make_member, make_term


def unit_level(org: Organization) -> Organization:
    return Organization.objects.get(path=org.path[: 2 * Organization.steplen])


class TestOrganizationPermissions(ApiWritePermissionTestMixin):
    model = Organization
    list_url = "orgs:organization_list"
    detail_url = "orgs:organization_detail"
    edit_url = "orgs:organization_edit"
    other_write_urls = ("orgs:organization_dissolve",)
    api_list = "/api/orgs/"

    def make_object(self, org):
        return child(org, OrgKind.PARTY_GROUP, f"{org.name}第二党小组")

    def api_payload(self, org):
        return {"parent": org.pk, "kind": "party_group", "name": "新建党小组"}


class TestUnitPermissions(ApiWritePermissionTestMixin):
    model = Unit
    list_url = "orgs:unit_list"
    detail_url = "orgs:unit_detail"
    api_list = "/api/units/"

    def make_object(self, org):
        return Unit.objects.get(party_org=unit_level(org))

    def api_payload(self, org):
        # A unit names its unit-level party org, which holds at most one unit: free it first.
        party_org = unit_level(org)
        Unit.objects.filter(party_org=party_org).update(party_org=None)
        return {"name": f"新单位{org.pk}", "party_org": party_org.pk}


class TestTermPermissions(ApiWritePermissionTestMixin):
    model = Term
    edit_url = "orgs:term_edit"
    api_list = "/api/terms/"

    def make_object(self, org):
        return make_term(org, dt.date(2023, 5, 1), number=3)

    def api_payload(self, org):
        return {"org": org.pk, "started_on": "2024-03-01", "number": 4}


class TestCommitteePostPermissions(ApiWritePermissionTestMixin):
    model = CommitteePost
    edit_url = "orgs:committeepost_edit"
    delete_url = "orgs:committeepost_delete"
    api_list = "/api/committee-posts/"

    def make_object(self, org):
        term = make_term(org, dt.date(2023, 5, 1))
        return CommitteePost.objects.create(term=term, member=make_member(org), post="secretary")

    def api_payload(self, org):
        term = Term.objects.filter(org=org, ended_on__isnull=True).first() or make_term(
            org, dt.date(2023, 5, 1)
        )
        return {"term": term.pk, "member": make_member(org).pk, "post": "organization_member"}
