"""Masked means unrecoverable (DESIGN §4, decisions/0008): the attacker's view.

A 组织委员 (organization_officer: manages the branch's members, no reveal right) and a
只读查看 (viewer) try to recover a planted member's full ID number and phone through every
surface the platform offers them: API list and detail under every filter, the HTML list
under every filter and sort order, the detail and edit pages, the xlsx export, the member's
activity history, exact search, create/update/import with the right value, and attendance
recorded by ID number.

Two kinds of assertion:
- what is returned, combined, leaves at least 10 000 candidates for the ID number and for
  the phone (counted from what the responses contain, by enumeration, for an attacker who
  already knows the member's area code exactly and the phone blocks of the city);
- no endpoint is an oracle: the right full value and a wrong one (same visible parts) get
  the same answer.

What the reveal right still does, and duplicates, are in test_identifiers.py.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core.testing.routes import routes
from dangjian.core.validators import id_number_checksum_ok
from dangjian.members.imports import MemberImporter
from dangjian.members.models import Member
from dangjian.orgs.termrules import add_years

from .conftest import (
    PLANT_AREA,
    PLANT_BIRTH,
    PLANT_ID,
    PLANT_JOINED,
    PLANT_PHONE,
    PROBES,
    THRESHOLD,
    WRONG_ID,
)

pytestmark = pytest.mark.django_db

# The phone model (decisions/0008): a city holds about 1 500 seven-digit number blocks
# (3-digit network prefix + 4-digit HLR code) spread over ~55 prefixes; a local attacker
# knows them. Each block holds 10 000 subscriber numbers.
CITY_BLOCKS = 1_500
PREFIXES = 55


def _events(action: str):
    return apps.get_model("audit", "AuditEvent").objects.filter(action=action)


ATTACKERS = [("organization_officer", "branch_a"), ("viewer", "unit_a")]


@pytest.fixture(params=ATTACKERS, ids=[a for a, _ in ATTACKERS])
def attacker(request, login, tree, planted):
    role, org = request.param
    client = login(role, getattr(tree, org))
    client.role = role
    return client


# --- reading what comes back -------------------------------------------------------------


def _text(resp) -> str:
    if resp.get("Content-Type", "").startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ):
        data = b"".join(resp.streaming_content) if resp.streaming else resp.content
        ws = load_workbook(io.BytesIO(data)).active
        return "\n".join(
            " ".join("" if c is None else str(c) for c in row)
            for row in ws.iter_rows(values_only=True)
        )
    return resp.content.decode()


_TOKEN = re.compile(r"[A-Za-z0-9+/_=-]{32,}")  # CSRF tokens, CSP nonces: new on every response


def _normalized(text: str, *values: str) -> str:
    for value in values:
        text = text.replace(value, "«probe»").replace(value.lower(), "«probe»")
    return _TOKEN.sub("«token»", text)


API_FILTERS = [
    "",
    "q=陈志远",
    "q=czy",
    "gender=male",
    "join_year=2010",
    "status=full",
    "membership=normal",
    "category=in_service",
    "org={branch}",
    "within={branch}",
]
SORTS = [
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "org",
    "unit",
    "category",
    "status",
    "joined_on",
    "membership",
    "birth_masked",
    "id_number_blind",
    "phone_blind",
]


_SKIP = ("logout", "delete", "reveal", "read-all", "dismiss", "dissolve", "schema", "docs")


def _walked_urls(pk: int) -> list[str]:
    """Every page and API endpoint, found by walking the URL resolver (not listed by hand),
    with the member's id where one is taken; pages that can offer an xlsx are asked for it."""
    urls = []
    for route in routes():
        path = re.sub(r"\(\?P<pk>\[\^/\.\]\+\)", str(pk), route.pattern)
        path = re.sub(r"<int:\w+>", str(pk), path).replace("^", "").replace("$", "")
        if "<" in path or "(?" in path or any(word in path for word in _SKIP):
            continue
        urls.append("/" + path)
        if not route.is_api and not route.converters:
            urls.append(f"/{path}?export=xlsx")
    return sorted(set(urls))


def _everything_shown(client, tree, member: Member) -> list[str]:
    """Every response body the attacker can get that concerns the member."""
    fmt = {"branch": tree.branch_a.pk}
    urls = [f"/api/members/?{f.format(**fmt)}" for f in API_FILTERS]
    urls += [f"/api/members/{member.pk}/", f"/api/exemptions/?member={member.pk}"]
    urls += [f"/api/transfers/?member={member.pk}"]
    page = reverse("members:member_list")
    urls += [f"{page}?{f.format(**fmt)}" for f in API_FILTERS]
    urls += [f"{page}?sort={s}" for s in SORTS] + [f"{page}?sort=-{s}" for s in SORTS]
    urls += [f"{page}?export=xlsx", f"{page}?export=xlsx&sort=birth_date"]
    urls += [
        reverse("members:member_detail", args=[member.pk]),
        reverse("members:member_edit", args=[member.pk]),
        reverse("activities:member_history", args=[member.pk]),
    ]
    bodies = []
    for url in urls:
        resp = client.get(url)
        assert resp.status_code in (200, 403), (url, resp.status_code)
        if resp.status_code == 200:
            bodies.append(_text(resp))
    # Server errors on other pages are the fuzz tests' business; here only what is shown.
    client.raise_request_exception = False
    try:
        for url in _walked_urls(member.pk):
            resp = client.get(url)
            if resp.status_code == 200:
                bodies.append(_text(resp))
    finally:
        client.raise_request_exception = True
    return bodies


def _masks(bodies: Iterable[str], length: int, alphabet: str) -> set[str]:
    """Masked renderings of a value: `length` characters of digits/X/* with at least one *."""
    found = set()
    pattern = re.compile(rf"(?<![0-9X*])[{alphabet}*]{{{length}}}(?![0-9X*])")
    for body in bodies:
        found.update(m for m in pattern.findall(body) if "*" in m)
    return found


def _shown(masks: set[str], length: int) -> dict[int, str]:
    """Positions an attacker learns by combining every mask seen."""
    return {i: ch for mask in masks for i, ch in enumerate(mask) if ch != "*"}


def _birth_dates_left(bodies: list[str]) -> list[dt.date]:
    """Birth dates consistent with what was shown: the year (shown), narrowed to the month
    or the day if any body carries them, and by the rule that members joined at 18 or older."""
    joined = PLANT_JOINED
    text = "\n".join(bodies)
    day_forms = [
        f"{PLANT_BIRTH:%Y-%m-%d}",
        f"{PLANT_BIRTH:%Y%m%d}",
        f"{PLANT_BIRTH:%Y/%m/%d}",
        f"{PLANT_BIRTH.year}年{PLANT_BIRTH.month}月{PLANT_BIRTH.day}日",
    ]
    month_forms = [
        f"{PLANT_BIRTH:%Y-%m}",
        f"{PLANT_BIRTH.year}年{PLANT_BIRTH.month}月",
        f"{PLANT_BIRTH:%Y%m}",
    ]
    start = dt.date(PLANT_BIRTH.year, 1, 1)
    days = [start + dt.timedelta(days=i) for i in range(366)]
    days = [d for d in days if d.year == PLANT_BIRTH.year]
    if any(f in text for f in day_forms):
        days = [PLANT_BIRTH]
    elif any(f in text for f in month_forms):
        days = [d for d in days if d.month == PLANT_BIRTH.month]
    return [d for d in days if add_years(d, 18) <= joined]


def id_candidates(shown: dict[int, str], dates: list[dt.date], male: bool) -> int:
    """ID numbers matching every shown character, one of `dates`, the gender's parity and a
    valid check digit — for an attacker who already knows the area code exactly."""
    if any(PLANT_AREA[i] != shown[i] for i in range(6) if i in shown):
        return 0
    count = 0
    for day in dates:
        digits = f"{day:%Y%m%d}"
        if any(shown.get(6 + i, ch) != ch for i, ch in enumerate(digits)):
            continue
        for seq in range(1000):
            if (seq % 2 == 1) != male:
                continue
            s = f"{seq:03d}"
            if any(shown.get(14 + i, ch) != ch for i, ch in enumerate(s)):
                continue
            if 17 in shown:
                body = PLANT_AREA + digits + s
                if not any(
                    id_number_checksum_ok(body + c) and c == shown[17] for c in "0123456789X"
                ):
                    continue
            count += 1
    return count


def phone_candidates(shown: dict[int, str]) -> int:
    """Numbers matching every shown digit, for an attacker who knows the city's blocks."""
    if all(i in shown for i in range(7)):
        blocks = 1
    elif any(i in shown for i in range(3, 7)):
        blocks = 1  # part of the HLR code shown: assume it pins the block
    elif all(i in shown for i in range(3)):
        blocks = CITY_BLOCKS // PREFIXES
    else:
        blocks = CITY_BLOCKS
    return blocks * 10 ** sum(1 for i in range(7, 11) if i not in shown)


def test_counting_model_is_honest():
    """The counters above would catch the old masks (4+4 digits beside a clear birth date,
    3+4 phone digits) and accept none of the plaintext."""
    old_id = _shown({PLANT_ID[:4] + "*" * 10 + PLANT_ID[-4:]}, 18)
    assert id_candidates(old_id, [PLANT_BIRTH], male=True) == 1
    assert phone_candidates(_shown({"139****5678"}, 11)) < 100
    assert id_candidates(_shown({PLANT_ID.replace("1", "*", 1)}, 18), [PLANT_BIRTH], True) == 1


def test_nothing_shown_narrows_id_or_phone_below_threshold(attacker, tree, planted):
    bodies = _everything_shown(attacker, tree, planted)
    assert len(bodies) >= 40  # the surfaces were really read
    joined = "\n".join(bodies)
    assert "陈志远" in joined  # …and they show the member
    assert PLANT_ID not in joined and PLANT_ID.lower() not in joined
    assert PLANT_PHONE not in joined
    id_masks = _masks(bodies, 18, "0-9X")
    phone_masks = _masks(bodies, 11, "0-9")
    assert id_masks and phone_masks  # the masked values are shown (so the count is real)
    ids = id_candidates(_shown(id_masks, 18), _birth_dates_left(bodies), male=True)
    phones = phone_candidates(_shown(phone_masks, 11))
    assert ids >= THRESHOLD, f"ID number narrowed to {ids} candidates"
    assert phones >= THRESHOLD, f"phone narrowed to {phones} candidates"


# --- oracles: the right value and a wrong one must get the same answer -----------------


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_exact_search_is_no_oracle(attacker, tree, planted, field):
    right, wrong = PROBES[field]
    page = reverse("members:member_list")
    for url in ("/api/members/?q={v}", page + "?q={v}"):
        answers = [_normalized(_text(attacker.get(url.format(v=v))), v) for v in (right, wrong)]
        assert answers[0] == answers[1], url
        assert "陈志远" not in answers[0]
    counts = []
    for v in (right, wrong):
        resp = attacker.get(f"{page}?q={v}&export=xlsx")
        counts.append(_text(resp).count("\n"))
    assert counts[0] == counts[1]
    # tried, refused, and on the record
    assert _events("reveal").filter(outcome="failure").count() >= 4


def _api_outcome(resp) -> tuple:
    body = resp.json() if resp.content else {}
    if resp.status_code < 300 and isinstance(body, dict):
        body = {
            k: v
            for k, v in body.items()
            if k not in ("id", "created", "updated", "name", "name_initials")
        }
    return resp.status_code, body


def test_create_with_the_right_id_is_no_oracle(officer, tree, planted):
    outcomes = []
    for i, value in enumerate((PLANT_ID, WRONG_ID)):
        resp = officer.post(
            "/api/members/",
            {
                "name": f"探测{i}",
                "org": tree.branch_a.pk,
                "joined_on": "2010-06-15",
                "full_member_on": "2011-06-15",
                "id_number": value,
            },
            content_type="application/json",
        )
        outcomes.append(_api_outcome(resp))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_update_with_the_right_value_is_no_oracle(officer, dummy, field):
    outcomes = []
    for value in PROBES[field]:
        resp = officer.patch(
            f"/api/members/{dummy.pk}/", {field: value}, content_type="application/json"
        )
        outcomes.append(_api_outcome(resp))
    assert outcomes[0] == outcomes[1]


def test_birth_date_cannot_be_probed_through_updates(officer, planted):
    """Posting a birth date against the stored ID number must not say whether it matches."""
    outcomes = []
    for day in (PLANT_BIRTH, PLANT_BIRTH + dt.timedelta(days=1)):
        resp = officer.patch(
            f"/api/members/{planted.pk}/",
            {"birth_date": day.isoformat()},
            content_type="application/json",
        )
        outcomes.append(_api_outcome(resp))
    assert outcomes[0] == outcomes[1]
    planted.refresh_from_db()
    assert planted.birth_date == PLANT_BIRTH


def test_joining_date_cannot_probe_the_birthday(officer, planted):
    """Checking "joined at 18 or older" against the hidden birthday would give it away."""
    outcomes = []
    for day in (add_years(PLANT_BIRTH, 18) - dt.timedelta(days=1), add_years(PLANT_BIRTH, 18)):
        resp = officer.patch(
            f"/api/members/{planted.pk}/",
            {"joined_on": day.isoformat(), "full_member_on": "2011-06-15"},
            content_type="application/json",
        )
        outcomes.append(_api_outcome(resp))
    assert outcomes[0] == outcomes[1]


def test_add_page_with_the_right_id_is_no_oracle(officer, tree, planted):
    outcomes = []
    for i, value in enumerate((PLANT_ID, WRONG_ID)):
        resp = officer.post(
            reverse("members:member_add"),
            {
                "name": f"探测{i}",
                "org": tree.branch_a.pk,
                "joined_on": "2010-06-15",
                "full_member_on": "2011-06-15",
                "id_number": value,
                "category": "in_service",
                "status": "full",
                "membership": "normal",
                "ethnicity": "汉族",
            },
        )
        body = "" if resp.status_code == 302 else _normalized(resp.content.decode(), value)
        outcomes.append((resp.status_code, body.replace(f"探测{i}", "")))
    assert outcomes[0] == outcomes[1]


def _member_xlsx(name: str, id_number: str) -> bytes:
    wb = MemberImporter().template_workbook()
    ws = wb["数据"]
    headers = [c.value for c in ws[1]]
    values = {
        "姓名": name,
        "身份证号": id_number,
        "党员状态": "正式党员",
        "入党日期": "2010-06-15",
        "转正日期": "2011-06-15",
        "所在党组织": "甲局第一党支部",
    }
    ws.delete_rows(2, ws.max_row)
    ws.append([values.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _import_outcome(client, importer: str, data: bytes) -> tuple:
    resp = client.post(
        reverse("imports:run", args=[importer]), {"file": SimpleUploadedFile("导入.xlsx", data)}
    )
    result = resp.context["result"]
    return result.ok, [str(e) for e in result.errors]


def test_import_of_the_right_id_is_no_oracle(officer, tree, planted):
    outcomes = [
        _import_outcome(officer, "members", _member_xlsx(f"探测{i}", value))
        for i, value in enumerate((PLANT_ID, WRONG_ID))
    ]
    assert outcomes[0] == outcomes[1]


def test_attendance_by_id_number_is_no_oracle(officer, tree, planted):
    outcomes = []
    for value in (PLANT_ID, WRONG_ID):
        resp = officer.post(
            reverse("activities:activity_add"),
            {
                "org": tree.branch_a.pk,
                "kind": "heart_talk",
                "held_on": "2024-05-10",
                "title": "谈心谈话",
                "extra_attendees": value,
            },
        )
        body = "" if resp.status_code == 302 else _normalized(resp.content.decode(), value)
        outcomes.append((resp.status_code, body))
    assert outcomes[0] == outcomes[1]
    assert "按完整身份证号" in outcomes[0][1]  # says why, the same way for any number


def _activity_xlsx(attendee: str) -> bytes:
    from dangjian.activities.imports import ActivityImporter

    wb = ActivityImporter().template_workbook()
    ws = wb["数据"]
    headers = [c.value for c in ws[1]]
    values = {
        "党组织": "甲局第一党支部",
        "活动类型": "谈心谈话",
        "召开日期": "2024-05-10",
        "主题": "谈心",
        "出席人员": attendee,
    }
    ws.delete_rows(2, ws.max_row)
    ws.append([values.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_attendance_import_by_id_number_is_no_oracle(officer, tree, planted):
    outcomes = []
    for value in (PLANT_ID, WRONG_ID):
        ok, errors = _import_outcome(officer, "activities", _activity_xlsx(value))
        outcomes.append((ok, [_normalized(e, value) for e in errors]))
    assert outcomes[0] == outcomes[1]
