"""The generic permission checks for every activity model and endpoint."""

from __future__ import annotations

import datetime as dt

from dangjian.activities.models import (
    Activity,
    AgendaItem,
    Attachment,
    NoticeReceipt,
    Participation,
)
from dangjian.core.testing.permissions import ApiWritePermissionTestMixin, PermissionTestMixin

from .conftest import make_member
from .helpers import make_activity, make_attachment, make_participation


class TestActivityPermissions(ApiWritePermissionTestMixin):
    model = Activity
    list_url = "activities:activity_list"
    list_query = "?year="  # every year: the list shows the current one by default
    detail_url = "activities:activity_detail"
    edit_url = "activities:activity_edit"
    delete_url = "activities:activity_delete"
    other_write_urls = ("activities:notice_edit",)
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
    delete_url = "activities:attachment_delete"

    def make_object(self, org):
        return make_attachment(org)


class TestAgendaItemPermissions(PermissionTestMixin):
    """No page or endpoint of its own (it is written and shown with its activity): the
    checks that remain are the scoped queryset's."""

    model = AgendaItem

    def make_object(self, org):
        return AgendaItem.objects.create(activity=make_activity(org), order=1, title="学习")


class TestNoticeReceiptPermissions(PermissionTestMixin):
    """回执 are shown on their notice's page (to those who manage its org): the checks
    that remain are the scoped queryset's."""

    model = NoticeReceipt

    def make_object(self, org):
        notice = make_activity(org, held_on=None, planned_on=dt.date(2099, 1, 5))
        return NoticeReceipt.objects.create(activity=notice, member=make_member(org))


def test_agenda_items_follow_their_activity_scope(tree, make_user):
    """AgendaItem has no endpoint of its own; it is read through restrict() like every model."""
    inside = AgendaItem.objects.create(activity=make_activity(tree.branch_a), order=1, title="甲")
    outside = AgendaItem.objects.create(activity=make_activity(tree.branch_b), order=1, title="乙")
    viewer = make_user("viewer", tree.unit_a)
    assert set(AgendaItem.objects.restrict(viewer, "view")) == {inside}
    assert not AgendaItem.objects.restrict(make_user("audit_admin"), "view").exists()
    assert outside in AgendaItem.objects.restrict(make_user("viewer", tree.root), "view")
