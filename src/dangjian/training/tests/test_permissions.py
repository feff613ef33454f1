"""The generic permission checks for the training models, pages and endpoints."""

from __future__ import annotations

import pytest

from dangjian.core.testing.permissions import ApiWritePermissionTestMixin
from dangjian.training.models import Enrolment, TrainingClass

from .factories import TrainingClassFactory, make_enrolment, make_member


class TestTrainingClassPermissions(ApiWritePermissionTestMixin):
    model = TrainingClass
    list_url = "training:class_list"
    detail_url = "training:class_detail"
    edit_url = "training:class_edit"
    delete_url = "training:class_delete"
    other_write_urls = (
        "training:class_enrol",
        "training:session_add",
    )
    api_list = "/api/training-classes/"

    def list_marker(self, obj):
        return f"/training/classes/{obj.pk}/"

    def make_object(self, org):
        return TrainingClassFactory(org=org)

    def api_payload(self, org):
        return {
            "org": org.pk,
            "title": "党务干部能力提升研修班",
            "training_type": "workshop",
            "year": 2024,
            "starts_on": "2024-04-01",
            "ends_on": "2024-04-30",
            "planned_sessions": 4,
            "hours_per_session": "3.0",
            "required_sessions": 3,
            "capacity": 40,
        }


class TestEnrolmentPermissions(ApiWritePermissionTestMixin):
    model = Enrolment
    list_url = "training:enrolment_list"
    detail_url = "training:enrolment_detail"
    delete_url = "training:enrolment_delete"
    other_write_urls = ("training:enrolment_status",)
    api_list = "/api/enrolments/"

    def list_marker(self, obj):
        return f"/training/enrolments/{obj.pk}/"

    def make_object(self, org):
        return make_enrolment(org)

    def api_payload(self, org):
        # A class of the 工委 (held above both units): the member decides the scope.
        klass = TrainingClassFactory(org=org.get_root(), ends_on="2099-12-31", year=2024)
        return {"training_class": klass.pk, "member": make_member(org).pk}


@pytest.mark.django_db
def test_a_unit_sees_the_committee_class_but_only_its_own_members_enrolments(
    client, tree, make_user
):
    klass = TrainingClassFactory(org=tree.root)
    mine = make_enrolment(tree.branch_a, klass)
    theirs = make_enrolment(tree.branch_b, klass)
    user = make_user("unit_admin", tree.unit_a)
    assert TrainingClass.objects.restrict(user).filter(pk=klass.pk).exists()
    assert not TrainingClass.objects.restrict(user, "change").filter(pk=klass.pk).exists()
    seen = set(Enrolment.objects.restrict(user).values_list("pk", flat=True))
    assert mine.pk in seen and theirs.pk not in seen
    client.force_login(user)
    html = client.get(f"/training/classes/{klass.pk}/").content.decode()
    assert mine.member.name in html and theirs.member.name not in html
    # the organizer (the 工委) reads both, to record attendance
    organizer = make_user("committee_admin", tree.root)
    assert {mine.pk, theirs.pk} <= set(
        Enrolment.objects.restrict(organizer).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_a_unit_class_is_not_seen_by_another_unit(tree, make_user):
    klass = TrainingClassFactory(org=tree.unit_b)
    assert not TrainingClass.objects.restrict(make_user("unit_admin", tree.unit_a)).filter(
        pk=klass.pk
    )
    assert TrainingClass.objects.restrict(make_user("branch_secretary", tree.branch_b)).filter(
        pk=klass.pk
    )
