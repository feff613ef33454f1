"""ID number and phone: encrypted at rest, masked on every page, API response and audit row."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.urls import reverse

from dangjian.core.crypto import blind_index

from .conftest import ID_NUMBER, PHONE

# decisions/0008: no digit of the ID number, the phone's last two.
MASKED_ID = "*" * 18
MASKED_PHONE = "*********78"

pytestmark = pytest.mark.django_db


def _assert_masked(body: str) -> None:
    assert ID_NUMBER not in body
    assert PHONE not in body


def test_masks_are_as_designed(zhang):
    assert zhang.masked_id_number() == MASKED_ID
    assert zhang.masked_phone() == MASKED_PHONE


def test_list_page_shows_masked_values(zhang, tree, login):
    body = login("unit_admin", tree.unit_a).get(reverse("members:member_list")).content.decode()
    assert "张伟" in body and MASKED_ID in body and MASKED_PHONE in body
    _assert_masked(body)


def test_detail_and_edit_pages_never_carry_plaintext(zhang, tree, login):
    client = login("unit_admin", tree.unit_a)
    body = client.get(reverse("members:member_detail", args=[zhang.pk])).content.decode()
    assert MASKED_ID in body and MASKED_PHONE in body
    _assert_masked(body)
    body = client.get(reverse("members:member_edit", args=[zhang.pk])).content.decode()
    assert MASKED_ID in body  # as the placeholder of an empty input
    _assert_masked(body)


def test_api_outputs_masked_values_only(zhang, tree, login):
    client = login("unit_admin", tree.unit_a)
    resp = client.get("/api/members/")
    row = next(r for r in resp.json()["results"] if r["id"] == zhang.pk)
    assert row["id_number"] == MASKED_ID and row["phone"] == MASKED_PHONE
    _assert_masked(resp.content.decode())
    detail = client.get(f"/api/members/{zhang.pk}/")
    assert detail.json()["id_number"] == MASKED_ID
    _assert_masked(detail.content.decode())
    # the response to a write is masked too
    resp = client.patch(
        f"/api/members/{zhang.pk}/", {"job_title": "科员"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["phone"] == MASKED_PHONE
    _assert_masked(resp.content.decode())


def test_database_column_holds_ciphertext_only(zhang):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, id_number_blind, phone_blind FROM members_member WHERE id = %s",
            [zhang.pk],
        )
        id_cipher, phone_cipher, id_blind, phone_blind = cur.fetchone()
    assert ID_NUMBER not in id_cipher and PHONE not in phone_cipher
    assert ID_NUMBER[-4:] not in id_cipher
    assert id_blind == blind_index(ID_NUMBER) and phone_blind == blind_index(PHONE)
    # and Python code reads the plaintext back
    zhang.refresh_from_db()
    assert zhang.id_number == ID_NUMBER and zhang.phone == PHONE


def test_audit_rows_carry_no_plaintext(tree, login):
    import datetime as dt

    from .factories import make_id_number

    id_number = make_id_number(dt.date(1979, 12, 1), male=False)
    client = login("unit_admin", tree.unit_a)
    resp = client.post(
        "/api/members/",
        {
            "name": "李娜",
            "id_number": id_number,
            "phone": "13900001111",
            "org": tree.branch_a.pk,
            "joined_on": "2005-06-01",
            "full_member_on": "2006-06-01",
        },
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    client.patch(f"/api/members/{pk}/", {"phone": "13900002222"}, content_type="application/json")
    client.post(reverse("members:member_reveal", args=[pk]), {"field": "id_number"})
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM audit_auditevent")
        rows = cur.fetchall()
    dump = json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)
    assert "李娜" in dump  # the rows are there
    for secret in (id_number, "13900001111", "13900002222"):
        assert secret not in dump
    assert "*********11" in dump and "*********22" in dump  # masked before/after


def test_export_of_audit_snapshot_masks(zhang):
    from dangjian.core.models import snapshot

    snap = snapshot(zhang)
    assert snap["id_number"] == MASKED_ID and snap["phone"] == MASKED_PHONE
    assert "id_number_blind" not in snap


def test_xlsx_export_is_masked_and_filtered(zhang, tree, login):
    import io

    from openpyxl import load_workbook

    from .factories import MemberFactory

    MemberFactory(org=tree.branch_a, name="王芳")
    MemberFactory(org=tree.branch_b, name="张伟强")
    resp = login("unit_admin", tree.unit_a).get(
        f"{reverse('members:member_list')}?q=zw&export=xlsx"
    )
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    cells = [[str(c) for c in row] for row in ws.iter_rows(values_only=True)]
    assert [row[0] for row in cells[1:]] == ["张伟"]  # filtered, and scoped (张伟强 is in 乙局)
    flat = " ".join(" ".join(row) for row in cells)
    assert MASKED_ID in flat and MASKED_PHONE in flat
    _assert_masked(flat)


def test_export_by_full_id_audits_the_search_masked(zhang, tree, login):
    from django.apps import apps

    client = login("unit_admin", tree.unit_a)
    for q in (ID_NUMBER, PHONE):
        resp = client.get(f"{reverse('members:member_list')}?q={q}&export=xlsx")
        assert resp.status_code == 200
        b"".join(resp.streaming_content)
    events = apps.get_model("audit", "AuditEvent").objects.filter(action="export").order_by("id")
    assert [e.detail["filters"]["q"] for e in events] == [MASKED_ID, MASKED_PHONE]
    assert all(e.detail["rows"] == 1 for e in events)
