"""Member validation: ID checksum and birth date, dates, duplicates, mobile, org kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.members import services
from dangjian.members.models import Member
from dangjian.orgs.models import OrgKind

from .conftest import ID_NUMBER
from .factories import make_id_number

pytestmark = pytest.mark.django_db


def _bad_checksum(value: str) -> str:
    last = "0" if value[-1] != "0" else "1"
    return value[:-1] + last


def _create(org, **fields):
    base = {
        "name": "赵敏",
        "org": org,
        "joined_on": dt.date(2015, 7, 1),
        "full_member_on": dt.date(2016, 7, 1),
    }
    return services.create_member(SYSTEM, **(base | fields))


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_id_number_fills_birth_date_and_gender(tree):
    id_number = make_id_number(dt.date(1990, 2, 28), male=False)
    member = _create(tree.branch_a, id_number=id_number.lower())
    assert member.birth_date == dt.date(1990, 2, 28)
    assert member.gender == "female"
    assert member.id_number == id_number.upper()


def test_bad_checksum(tree):
    with pytest.raises(ValidationError) as exc:
        _create(tree.branch_a, id_number=_bad_checksum(ID_NUMBER))
    assert "校验位" in _errors(exc)["id_number"][0]
    assert not Member.objects.exists()


def test_bad_id_birth_date_and_format(tree):
    with pytest.raises(ValidationError) as exc:
        _create(tree.branch_a, id_number="41080219901341123X", gender="male")
    assert "出生日期无效" in _errors(exc)["id_number"][0]
    with pytest.raises(ValidationError) as exc:
        _create(tree.branch_a, id_number="4108021990", gender="male")
    assert "18 位" in _errors(exc)["id_number"][0]


def test_birth_date_and_gender_must_match_the_id(tree):
    id_number = make_id_number(dt.date(1985, 5, 6), male=True)
    with pytest.raises(ValidationError) as exc:
        _create(tree.branch_a, id_number=id_number, birth_date=dt.date(1985, 5, 7), gender="female")
    errors = _errors(exc)
    assert "出生日期与身份证号码" in errors["birth_date"][0]
    assert "1985" not in errors["birth_date"][0]  # never a date: it could be the stored one
    assert "性别与身份证号码不一致" in errors["gender"][0]
    assert id_number not in str(errors)


def test_duplicate_id_number_is_refused_in_chinese(zhang, tree):
    with pytest.raises(ValidationError) as exc:
        _create(tree.branch_b, id_number=ID_NUMBER.lower())
    message = _errors(exc)["id_number"][0]
    assert "已登记" in message and ID_NUMBER not in message
    assert "张伟" not in message  # does not disclose who holds it
    assert Member.objects.count() == 1


def test_future_dates(tree):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        _create(
            tree.branch_a,
            gender="male",
            joined_on=tomorrow,
            full_member_on=None,
            status="probationary",
            birth_date=tomorrow,
        )
    errors = _errors(exc)
    assert "入党日期不能晚于今天" in errors["joined_on"][0]
    assert "出生日期不能晚于今天" in errors["birth_date"][0]


def test_full_member_date_rules(tree):
    with pytest.raises(ValidationError) as exc:
        _create(tree.branch_a, gender="male", full_member_on=dt.date(2015, 1, 1))
    assert "晚于入党日期" in _errors(exc)["full_member_on"][0]
    with pytest.raises(ValidationError) as exc:
        _create(tree.branch_a, gender="male", status="probationary")
    assert "预备党员没有转正日期" in _errors(exc)["full_member_on"][0]


def test_age_at_joining(tree):
    with pytest.raises(ValidationError) as exc:
        _create(
            tree.branch_a,
            gender="male",
            birth_date=dt.date(2000, 1, 1),
            joined_on=dt.date(2017, 12, 31),
            full_member_on=None,
            status="probationary",
        )
    assert "年满十八周岁" in _errors(exc)["joined_on"][0]


@pytest.mark.parametrize("phone", ["2381234567", "1381234567", "138123456789", "138-1234-567"])
def test_mobile_format(tree, phone):
    with pytest.raises(ValidationError) as exc:
        _create(tree.branch_a, gender="male", phone=phone)
    assert "11 位" in _errors(exc)["phone"][0]


def test_gender_needed_without_id(tree):
    with pytest.raises(ValidationError) as exc:
        _create(tree.branch_a)
    assert "性别" in _errors(exc)["gender"][0]


def test_org_kinds(tree):
    # 工委 and a 机关党委 that has branches below it do not hold members
    for org in (tree.root, tree.unit_a):
        with pytest.raises(ValidationError) as exc:
            _create(org, gender="male")
        assert "党支部" in _errors(exc)["org"][0]
    leading = tree.unit_a.add_child(kind=OrgKind.LEADING_GROUP, name="甲局党组")
    with pytest.raises(ValidationError):
        _create(leading, gender="male")
    # a 党小组 and a small unit's own 机关支部 (no grassroots orgs below) do
    assert _create(tree.group_a, gender="male").org == tree.group_a
    tree.root.refresh_from_db()
    small = tree.root.add_child(kind=OrgKind.UNIT_PARTY, name="丙局机关支部")
    assert _create(small, gender="female").org == small


def test_api_reports_field_errors(tree, login):
    client = login("unit_admin", tree.unit_a)
    resp = client.post(
        "/api/members/",
        {"name": "赵敏", "org": "abc", "joined_on": "not-a-date", "is_mobile": "maybe"},
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert {"org", "joined_on", "is_mobile"} <= set(resp.json())
    resp = client.post(
        "/api/members/",
        {
            "name": "赵敏",
            "org": tree.branch_a.pk,
            "joined_on": "2015-07-01",
            "id_number": _bad_checksum(ID_NUMBER),
        },
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert "校验位" in resp.json()["id_number"][0]
    assert not Member.objects.exists()


def test_api_duplicate_and_masked_echo(zhang, tree, login):
    client = login("unit_admin", tree.unit_a)
    resp = client.post(
        "/api/members/",
        {
            "name": "张伟",
            "org": tree.branch_a.pk,
            "joined_on": "2015-07-01",
            "id_number": ID_NUMBER,
        },
        content_type="application/json",
    )
    assert resp.status_code == 400 and "已登记" in resp.json()["id_number"][0]
    # A client echoing back the masked values it received keeps the stored ones.
    row = client.get(f"/api/members/{zhang.pk}/").json()
    resp = client.put(
        f"/api/members/{zhang.pk}/", row | {"job_title": "处长"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    zhang.refresh_from_db()
    assert zhang.id_number == ID_NUMBER and zhang.job_title == "处长"


def test_form_shows_chinese_errors(tree, login):
    from django.urls import reverse

    client = login("unit_admin", tree.unit_a)
    resp = client.post(
        reverse("members:member_add"),
        {
            "name": "赵敏",
            "org": tree.branch_a.pk,
            "joined_on": "2015-07-01",
            "id_number": _bad_checksum(ID_NUMBER),
            "category": "in_service",
            "status": "full",
            "membership": "normal",
            "ethnicity": "汉族",
        },
    )
    assert resp.status_code == 200
    assert "校验位不正确" in resp.content.decode()
    assert not Member.objects.exists()
