"""The generic permission checks (core.testing.PermissionTestMixin) over the 发展党员 pages:
anonymous → login, no right → 403, in scope → listed and shown, another subtree → 404 on
every page that writes (the step form, undo, 志愿书 number, close, extension, reveal)."""

from __future__ import annotations

import datetime as dt
import itertools

from dangjian.core.scoping import SYSTEM
from dangjian.core.testing.permissions import PermissionTestMixin
from dangjian.recruitment import services
from dangjian.recruitment.models import Applicant, RecruitmentStep

from .factories import new_applicant

_seq = itertools.count(1)
PAGES = (
    "recruitment:applicant_detail",  # its POST records the next step
    "recruitment:step_undo",
    "recruitment:issue_number",
    "recruitment:applicant_close",
    "recruitment:probation_extend",
    "recruitment:applicant_reveal",
)


class TestApplicantPagePermissions(PermissionTestMixin):
    model = Applicant
    list_url = "recruitment:pipeline"
    detail_url = "recruitment:applicant_detail"
    other_write_urls = PAGES

    def make_object(self, org):
        return new_applicant(SYSTEM, org, name=f"页面{next(_seq)}")


class TestStepPagePermissions(PermissionTestMixin):
    """上传材料 of a recorded step."""

    model = RecruitmentStep
    other_write_urls = ("recruitment:step_attach",)

    def make_object(self, org):
        applicant = new_applicant(SYSTEM, org, name=f"材料{next(_seq)}")
        return services.record_step(SYSTEM, applicant, 2, dt.date(2022, 1, 20))
