"""The generic permission checks for every recruitment model and API endpoint (the pages
have theirs in test_pages_permissions)."""

from __future__ import annotations

import datetime as dt
import itertools

from dangjian.core.scoping import SYSTEM
from dangjian.core.testing.permissions import ApiWritePermissionTestMixin, PermissionTestMixin
from dangjian.members.tests.factories import MemberFactory
from dangjian.recruitment import services
from dangjian.recruitment.models import (
    Applicant,
    ApplicationFormNumber,
    ApplicationFormPool,
    PartyProbation,
    RecruitmentStep,
    StepAttachment,
)

from . import test_pages_permissions as pages
from .factories import new_applicant

_seq = itertools.count(1)


def _applicant(org) -> Applicant:
    return new_applicant(SYSTEM, org, name=f"申请人{next(_seq)}")


class TestApplicantPermissions(ApiWritePermissionTestMixin):
    model = Applicant
    api_list = "/api/recruitment/applicants/"

    def test_every_edit_and_delete_page_is_checked(self):
        # The pages are checked by the pages' own class (test_pages_permissions).
        pages.TestApplicantPagePermissions().test_every_edit_and_delete_page_is_checked()

    def make_object(self, org):
        return _applicant(org)

    def api_payload(self, org):
        return {
            "org": org.pk,
            "name": "张三",
            "gender": "male",
            "birth_date": "1995-05-20",
            "applied_on": "2024-01-10",
        }


class TestRecruitmentStepPermissions(PermissionTestMixin):
    model = RecruitmentStep
    api_list = "/api/recruitment/steps/"

    def test_every_edit_and_delete_page_is_checked(self):
        pages.TestStepPagePermissions().test_every_edit_and_delete_page_is_checked()

    def make_object(self, org):
        applicant = _applicant(org)
        return services.record_step(SYSTEM, applicant, 2, dt.date(2022, 1, 20))


class TestStepAttachmentPermissions(PermissionTestMixin):
    model = StepAttachment
    api_list = "/api/recruitment/attachments/"

    def make_object(self, org):
        step = _applicant(org).steps.get()
        n = next(_seq)
        return StepAttachment.objects.create(
            step=step,
            original_name="入党申请书.pdf",
            stored_name=f"{n:032x}.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        )


class TestPoolPermissions(ApiWritePermissionTestMixin):
    model = ApplicationFormPool
    api_list = "/api/recruitment/pools/"

    def make_object(self, org):
        return ApplicationFormPool.objects.create(
            org=org, year=2024, prefix=f"P{next(_seq)}-", first=1, last=99
        )

    def api_payload(self, org):
        return {"org": org.pk, "year": 2024, "prefix": f"Q{org.pk}-", "first": 1, "last": 500}


class TestFormNumberPermissions(PermissionTestMixin):
    model = ApplicationFormNumber
    api_list = "/api/recruitment/form-numbers/"

    def make_object(self, org):
        pool = ApplicationFormPool.objects.create(
            org=org, year=2023, prefix=f"N{next(_seq)}-", first=1, last=99
        )
        return ApplicationFormNumber.objects.create(
            pool=pool,
            number=1,
            code=pool.code(1),
            applicant=_applicant(org),
            issued_on=dt.date(2023, 5, 10),
        )


class TestPartyProbationPermissions(ApiWritePermissionTestMixin):
    model = PartyProbation
    api_list = "/api/recruitment/party-probations/"

    def make_object(self, org):
        return PartyProbation.objects.create(
            member=MemberFactory(org=org), decided_on=dt.date(2024, 1, 1)
        )

    def api_payload(self, org):
        member = MemberFactory(org=org)
        return {"member": member.pk, "decided_on": "2024-01-01", "months": 12}
