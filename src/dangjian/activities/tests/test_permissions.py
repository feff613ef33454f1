"""The generic permission checks for every activity model and endpoint."""

from __future__ import annotations

from dangjian.activities.models import Activity, Attachment, Participation
from dangjian.core.testing.permissions import PermissionTestMixin

from .helpers import make_activity, make_attachment, make_participation


class TestActivityPermissions(PermissionTestMixin):
    model = Activity
    list_url = "activities:activity_list"
    detail_url = "activities:activity_detail"
    api_list = "/api/activities/"

    def make_object(self, org):
        return make_activity(org)

    def api_payload(self, org):
        return {
            "org": org.pk,
            "kind": "theme_day",
            "title": "五月主题党日",
            "held_on": "2024-05-10",
        }


class TestParticipationPermissions(PermissionTestMixin):
    model = Participation
    api_list = "/api/participations/"

    def make_object(self, org):
        return make_participation(org)


class TestAttachmentPermissions(PermissionTestMixin):
    model = Attachment
    detail_url = "activities:attachment_download"

    def make_object(self, org):
        return make_attachment(org)
