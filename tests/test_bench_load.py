"""The load test's own arithmetic and parsing (bench/load_*.py), without a server.

The load test itself runs in `make bench`; these check the parts whose mistakes would
silently skew its figures: percentiles, the persona mix, the recording rate, the form a
browser would submit, cookie handling and the profile's grouping.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from load_client import Endpoint, Session, encode_form, parse_form, totp_secret
from load_profile import OTHER, rank_pages, summarize_stacks
from load_runner import (
    MIX,
    RECORD_PAGES,
    VISIT,
    draw_persona,
    fill_record_form,
    nearest_rank,
    records_on,
)

RECORD_FORM = """
<form method="post" id="search"><input name="q" value="wrong form"></form>
<form method="post" id="record-form" enctype="multipart/form-data" novalidate>
  <input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">
  <select name="org"><option value="">请选择</option><option value="7" selected>第一支部</option></select>
  <select name="kind"><option value="">请选择</option><option value="member_assembly">党员大会</option></select>
  <input type="date" name="held_on" value="2025-06-18">
  <input type="text" name="title" value="">
  <select name="observers" multiple><option value="3">张三</option></select>
  <label><input type="checkbox" name="tags" value="1"></label>
  <label><input type="checkbox" name="tags" value="2" checked></label>
  <input type="hidden" name="agenda_key" value="k1"><input type="text" name="agenda_title" value="">
  <input type="radio" name="agenda_first" value="k1">
  <input type="hidden" name="att_ids" value="11"><select name="att-11">
    <option value="attended" selected>出席</option><option value="leave">请假</option></select>
  <input type="text" name="reason-11" value="">
  <input type="hidden" name="att_ids" value="12"><select name="att-12">
    <option value="attended" selected>出席</option><option value="leave">请假</option></select>
  <input type="text" name="reason-12" value="">
  <input type="text" name="locked" value="x" disabled>
  <textarea name="minutes">
第一行</textarea>
  <button type="submit" name="_refresh" value="1">载入应到人员</button>
  <button type="submit">保存</button>
</form>
"""


def test_form_is_what_a_browser_submits():
    form = parse_form(RECORD_FORM, "record-form")
    fields = dict(form.fields)
    assert fields["csrfmiddlewaretoken"] == "tok&en"
    assert fields["org"] == "7"  # the selected option
    assert fields["kind"] == ""  # none selected: the first option
    assert "observers" not in fields  # a multiple select with nothing selected sends nothing
    assert [v for k, v in form.fields if k == "tags"] == ["2"]  # checked boxes only
    assert "agenda_first" not in fields and form.choices["agenda_first"] == ["k1"]
    assert fields["minutes"] == "第一行"  # the newline after <textarea> is dropped
    assert "_refresh" not in fields and "locked" not in fields and "q" not in fields
    assert form.choices["att-12"] == ["attended", "leave"]
    assert form.multipart and not parse_form(RECORD_FORM, "search").multipart


def test_multipart_body_carries_every_field_once():
    body, content_type = encode_form(
        [("title", "支部党员大会"), ("att_ids", "11"), ("att_ids", "12")], True
    )
    boundary = content_type.split("boundary=")[1]
    text = body.decode()
    assert text.count(f"--{boundary}\r\n") == 3 and text.endswith(f"--{boundary}--\r\n")
    assert 'name="title"\r\n\r\n支部党员大会\r\n' in text
    assert encode_form([("a", "1 2"), ("b", "&")], False) == (
        b"a=1+2&b=%26",
        "application/x-www-form-urlencoded",
    )


def test_filled_record_form_marks_one_leave_and_the_first_topic():
    form = parse_form(RECORD_FORM, "record-form")
    fill_record_form(form, "负载测试：支部党员大会")
    fields = dict(form.fields)
    assert fields["title"] == "负载测试：支部党员大会"
    assert fields["agenda_first"] == "k1" and fields["agenda_title"]
    assert (fields["att-11"], fields["att-12"]) == ("attended", "leave")
    assert fields["reason-12"] == "出差" and fields["reason-11"] == ""
    assert [v for k, v in form.fields if k == "att_ids"] == ["11", "12"]


def test_attendance_as_radio_toggles_is_filled_the_same_way():
    """The form may show each member's status as radio buttons instead of a select."""
    page = """<form id="record-form">
      <input type="hidden" name="att_ids" value="11">
      <input type="radio" name="att-11" value="attended" checked>
      <input type="radio" name="att-11" value="leave"><input name="reason-11" value="">
      <input type="hidden" name="att_ids" value="12">
      <input type="radio" name="att-12" value="attended"><input type="radio" name="att-12" value="leave">
      <input type="radio" name="att-12" value="exempt" checked><input name="reason-12" value="年老体弱">
      <input type="hidden" name="att_ids" value="13">
      <input type="radio" name="att-13" value="attended" checked>
      <input type="radio" name="att-13" value="leave"><input name="reason-13" value="">
    </form>"""
    form = parse_form(page, "record-form")
    fill_record_form(form, "负载测试")
    fields = dict(form.fields)
    # the second member pre-filled as 出席 goes on leave; the exempt one stays exempt
    assert [fields[f"att-{i}"] for i in (11, 12, 13)] == ["attended", "exempt", "leave"]
    assert fields["reason-13"] == "出差" and fields["reason-12"] == "年老体弱"
    assert [k for k, _ in form.fields].count("att-12") == 1  # one value per radio group


def test_enrolment_secret_is_read_without_its_spaces():
    page = '<p><code class="fs-3" data-totp-secret>ABCD EFGH IJKL</code></p><form></form>'
    assert totp_secret(page) == "ABCDEFGHIJKL"


def test_nearest_rank_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert [nearest_rank(values, p) for p in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert nearest_rank([7.0], 99) == 7.0
    assert math.isnan(nearest_rank([], 50))


def test_one_request_in_about_twenty_records_a_meeting():
    for offset in range(3):
        recording = [records_on(v, offset, 3) for v in range(300)]
        assert sum(recording) == 100
    requests_per_three_visits = 3 * len(VISIT) + len(RECORD_PAGES)
    assert requests_per_three_visits == 21  # one POST among them


def test_persona_draws_follow_the_mix():
    rng = random.Random(5)
    draws = [draw_persona(rng, MIX) for _ in range(10_000)]
    for persona, weight in MIX.items():
        assert abs(draws.count(persona) / len(draws) - weight / 100) < 0.02
    assert draw_persona(rng, {"secretary": 0, "unit_admin": 0, "committee": 1}) == "committee"


def test_cookies_are_kept_and_deleted_like_a_browser():
    session = Session("u", "secretary")
    session.absorb(["sessionid=abc; HttpOnly; Path=/", "messages=m1; Path=/"])
    session.absorb(['messages=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'])
    assert session.cookies == {"sessionid": "abc"}


def test_only_loopback_targets():
    assert Endpoint("127.0.0.1", 8000).origin == "http://127.0.0.1:8000"
    Endpoint("::1", 8000)
    with pytest.raises(ValueError):
        Endpoint("10.0.0.5", 8000)


def test_profile_counts_request_samples_by_innermost_layer():
    request = "process 1;SyncWorker.handle_request (gunicorn/workers/sync.py);get (dangjian/x.py)"
    lines = [
        f"{request};execute (django/db/backends/utils.py);wait (psycopg/connection.py) 6",
        f"{request};render (django/template/base.py);escape (django/utils/html.py) 3",
        f"{request};join (posixpath.py) 1",
        "process 1;SyncWorker.wait (gunicorn/workers/sync.py);select (selectors.py) 50",
    ]
    summary = summarize_stacks(lines)
    assert summary["total"] == 10  # the idle worker's samples are not a request's
    layers = summary["layers"]
    assert layers["PostgreSQL round trips (psycopg: send, wait, read rows)"] == 6
    assert layers["Django templates"] == 3  # escaping counts for the template calling it
    assert layers["app code (dangjian)"] == 1 and OTHER not in layers
    assert summary["inclusive"]["get (dangjian/x.py)"] == 10


def test_profiled_pages_are_the_costliest_by_server_time():
    run = {
        "pages": [],
        "server_ms": {
            "members": {"total_ms": 900.0},
            "record form + load": {"total_ms": 500.0},
            "record: save": {"total_ms": 450.0},
            "home": {"total_ms": 100.0},
            "other": {"total_ms": 5000.0},
        },
    }
    assert rank_pages(run) == ["recording", "members", "home"]
