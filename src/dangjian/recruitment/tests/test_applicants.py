"""Applicant records: personal data written without being read, the application date
moving its step 1, closing, and the documents of a step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.services import OutOfScope
from dangjian.members.tests.factories import make_id_number
from dangjian.recruitment import services
from dangjian.recruitment.models import Applicant, StepAttachment

from .factories import new_applicant, walk

pytestmark = pytest.mark.django_db
D = dt.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_birth_date_and_gender_from_the_id_number(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    number = make_id_number(D(1998, 3, 4), male=False)
    a = services.create_applicant(
        user, org=tree.branch_a, name="刘芳", id_number=number, applied_on=D(2022, 1, 10)
    )
    assert (a.birth_date, a.gender) == (D(1998, 3, 4), "female")
    assert a.steps.get().done_on == D(2022, 1, 10)


def test_birth_date_required_for_the_age_rule(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    with pytest.raises(ValidationError) as exc:
        services.create_applicant(
            user, org=tree.branch_a, name="某", gender="male", applied_on=D(2022, 1, 10)
        )
    assert "年满十八周岁" in exc.value.message_dict["birth_date"][0]


def test_org_that_holds_no_members_and_out_of_scope(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    with pytest.raises(ValidationError) as exc:
        new_applicant(user, tree.root)
    assert "org" in exc.value.message_dict
    with pytest.raises(OutOfScope):
        new_applicant(user, tree.branch_b)
    assert not Applicant.objects.exists()


def test_application_date_moves_step_one_until_a_later_step(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    a = new_applicant(user, tree.branch_a)
    services.update_applicant(user, a, applied_on=D(2022, 1, 12))
    assert a.steps.get().done_on == D(2022, 1, 12)
    services.record_step(user, a, 2, D(2022, 1, 20))
    a.refresh_from_db()
    with pytest.raises(ValidationError, match="已登记后续步骤"):
        services.update_applicant(user, a, applied_on=D(2022, 1, 11))


def test_birth_date_alone_is_refused_to_a_user_who_may_not_see_it(tree, make_user):
    officer = make_user("organization_officer", tree.branch_a)
    a = new_applicant(officer, tree.branch_a)
    with pytest.raises(ValidationError) as exc:
        services.update_applicant(officer, a, birth_date=D(1990, 1, 1))
    assert "birth_date" in exc.value.message_dict
    # with a new ID number it is accepted (the birth date then follows the number)
    number = make_id_number(D(1990, 1, 1), male=True)
    services.update_applicant(officer, a, id_number=number)
    a.refresh_from_db()
    assert a.birth_date == D(1990, 1, 1)


def test_close(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    a = new_applicant(user, tree.branch_a)
    walk(user, a, 3)
    with pytest.raises(ValidationError) as exc:
        services.close_applicant(user, a, D(2022, 2, 28), "")
    assert set(exc.value.message_dict) == {"closed_on", "reason"}  # before the last step; no reason
    services.close_applicant(user, a, D(2022, 3, 1), "本人撤回申请")
    a.refresh_from_db()
    assert a.is_closed and a.closed_reason == "本人撤回申请"


def test_step_documents_checked_by_content(tree, make_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    user = make_user("branch_secretary", tree.branch_a)
    a = new_applicant(user, tree.branch_a)
    row = a.steps.get()
    doc = services.add_attachment(user, row, SimpleUploadedFile("入党申请书.pdf", PDF))
    assert doc.size == len(PDF) and (StepAttachment.storage_dir() / doc.stored_name).exists()
    with pytest.raises(ValidationError):
        services.add_attachment(user, row, SimpleUploadedFile("申请书.pdf", b"MZ not a pdf"))
    assert StepAttachment.objects.count() == 1
    services.delete_attachment(user, doc)
    assert not StepAttachment.objects.exists()


def test_a_changed_application_date_is_judged_on_the_birth_year_for_a_masked_user(tree, make_user):
    """Born 2004-05-20 (hidden from the 组织委员): any date in 2022 gets the same refusal,
    before or after the birthday, so the refusal does not find the day."""
    officer = make_user("organization_officer", tree.branch_a)
    secretary = make_user("branch_secretary", tree.branch_a)
    a = new_applicant(
        secretary, tree.branch_a, applied_on=D(2023, 1, 10), birth_date=D(2004, 5, 20)
    )
    answers = set()
    for day in (D(2022, 5, 19), D(2022, 5, 20), D(2022, 12, 1)):
        with pytest.raises(ValidationError) as exc:
            services.update_applicant(officer, a, applied_on=day)
        answers.add(exc.value.message_dict["applied_on"][0])
        a.refresh_from_db()
    assert len(answers) == 1 and "第五条" in answers.pop()
    services.update_applicant(officer, a, applied_on=D(2023, 1, 5))  # 19 years by the year
    # The secretary (reveal right) gets the exact rule: 2022-05-20 is the 18th birthday.
    services.update_applicant(secretary, a, applied_on=D(2022, 5, 20))
