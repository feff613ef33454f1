"""The dues pages as a secretary and a unit use them; reminders and 待办 from the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.dues import alerts, ledger, services
from dangjian.dues.models import DuesDue, DuesPayment
from dangjian.members.tests.factories import MemberFactory

M = lambda y, m: dt.date(y, m, 1)  # noqa: E731


@pytest.fixture
def branch(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    people = [
        MemberFactory(org=tree.branch_a, name=name, joined_on=dt.date(2010, 1, 1))
        for name in ("张一", "李二", "王三")
    ]
    for person, base in zip(people, ("2800", "4000", "12000"), strict=True):
        services.save_base(
            secretary, person, year=2024, from_month=1, category="in_service", base=base
        )
    return secretary, people


def test_ledger_shows_paid_and_owed_months(client, tree, branch):
    secretary, (zhang, li, _wang) = branch
    services.record_payment(
        secretary,
        zhang,
        paid_on=dt.date(2024, 3, 10),
        from_month=M(2024, 1),
        to_month=M(2024, 3),
        amount="42",
        method="cash",
    )
    client.force_login(secretary)
    html = client.get(reverse("dues:ledger") + "?year=2024").content.decode()
    assert "党费台账：甲局第一党支部 2024年" in html
    row = html[html.index(f'data-member="{li.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "40.00" in row and "dj-owed" in row  # 4000 × 1 %, owed
    zrow = html[html.index(f'data-member="{zhang.pk}"') :]
    assert zrow[: zrow.index("</tr>")].count("✓") == 3  # January–March paid


def test_recording_a_quarter_for_the_branch_clears_the_arrears(client, tree, branch):
    secretary, people = branch
    client.force_login(secretary)
    url = reverse("dues:payment_add")
    page = client.get(url + "?from=2024-01&to=2024-03")
    assert page.status_code == 200 and "720.00" in page.content.decode()  # 12000 × 2 % × 3
    data = {"org": tree.branch_a.pk, "from": "2024-01", "to": "2024-03"}
    data |= {"paid_on": "2024-03-28", "method": "transfer", "decision_ref": ""}
    for p, amount in zip(people, ("42.00", "120.00", "720.00"), strict=True):
        data[f"m{p.pk}"] = "1"
        data[f"a{p.pk}"] = amount
    data[f"p{people[2].pk}"] = "赵代交"
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[-2000:]
    assert DuesPayment.objects.count() == 3
    assert DuesPayment.objects.get(member=people[2]).payer_name == "赵代交"
    owed = ledger.arrears(DuesDue.objects.all(), dt.date(2024, 4, 15))
    assert owed == {}
    # The same quarter again: refused with the member named, nothing written.
    resp = client.post(url, data)
    assert resp.status_code == 400
    assert "张一2024年1月的党费已交纳" in resp.content.decode()
    assert DuesPayment.objects.count() == 3


def test_arrears_list_for_the_unit(client, tree, branch, make_user):
    _secretary, (_zhang, _li, wang) = branch
    ledger.generate_through(M(2024, 12))
    client.force_login(make_user("unit_admin", tree.unit_a))
    html = client.get(reverse("dues:arrears")).content.decode()
    assert f'data-member="{wang.pk}"' in html and "3 名党员欠交党费" in html.replace(
        "<strong>", ""
    ).replace("</strong>", "")


def test_base_page_masks_the_base_and_reveals_it_audited(client, tree, branch, make_user):
    secretary, (zhang, *_rest) = branch
    base = zhang.dues_bases.get()
    # The read-only role sees no member's dues at all: the amount (14.00 元 at 0.5 %) would
    # give its masked base (2800) back, and it may not reveal (decisions/0015).
    client.force_login(make_user("viewer", tree.unit_a))
    assert client.get(reverse("dues:base_detail", args=[base.pk])).status_code in (403, 404)
    assert client.get(reverse("dues:ledger")).status_code == 403
    assert client.post(reverse("dues:base_reveal", args=[base.pk])).status_code in (403, 404)
    # Whoever sees the amount may reveal the base: masked until asked, then audited.
    client.force_login(make_user("unit_admin", tree.unit_a))
    html = client.get(reverse("dues:base_detail", args=[base.pk])).content.decode()
    assert "2800" not in html and "***" in html and "14.00 元" in html
    assert "3000元以下（含）按0.5%" in html and "第二条" in html
    assert "查看明文" in html
    client.force_login(secretary)
    resp = client.post(reverse("dues:base_reveal", args=[base.pk]))
    assert resp.json()["value"] == "2800.00"
    assert AuditEvent.objects.filter(action="reveal", object_id=str(base.pk)).exists()


def test_base_edit_page_through_the_service(client, tree, branch):
    secretary, (zhang, *_rest) = branch
    client.force_login(secretary)
    url = reverse("dues:base_add") + f"?member={zhang.pk}"
    assert client.get(url).status_code == 200
    resp = client.post(
        url,
        {
            "member_id": zhang.pk,
            "year": 2024,
            "from_month": 7,
            "category": "in_service",
            "base": "-3",
        },
    )
    assert resp.status_code == 200 and "月工资基数须为 0 至" in resp.content.decode()
    resp = client.post(
        url,
        {
            "member_id": zhang.pk,
            "year": 2024,
            "from_month": 7,
            "category": "in_service",
            "base": "3100",
        },
    )
    assert resp.status_code == 302
    assert zhang.dues_bases.count() == 2


def test_member_ledger_link_and_todo_and_reminders(client, tree, branch):
    secretary, (zhang, li, wang) = branch
    ledger.generate_through(M(2024, 8))
    services.set_unpaid_reason(secretary, li, "长期病休，已谈话")
    today = dt.date(2024, 9, 2)
    runs = {r.member_id: r for r in alerts.unpaid_runs(secretary, today)}
    assert runs[zhang.pk].months == 8 and runs[zhang.pk].lapse
    assert runs[li.pk].months == 8 and not runs[li.pk].lapse  # a reason is recorded
    client.force_login(secretary)
    resp = client.get(reverse("dues:member_ledger", args=[zhang.pk]))
    assert resp.status_code == 302 and f"org={tree.branch_a.pk}" in resp["Location"]
    from dangjian.rules import reminder_sources
    from dangjian.rules.reminder_sources import Links

    drafts = reminder_sources.dues_drafts(today, Links())
    lapse = [d for d in drafts if d.kind == "dues_lapse"]
    assert {d.subject for d in lapse} == {f"member:{zhang.pk}", f"member:{wang.pk}"}
    assert "第九条" in lapse[0].citation
    assert reminder_sources.dues_drafts(dt.date(2024, 9, 10), Links()) == []  # monthly window


def test_unpaid_runs_on_a_hand_computed_calendar(tree, branch):
    secretary, (zhang, *_rest) = branch
    ledger.generate_through(M(2024, 12))
    # Paid January–March and June: from July the run is 5 months by mid-December.
    for first, last, amount, on in [
        (M(2024, 1), M(2024, 3), "42", dt.date(2024, 3, 5)),
        (M(2024, 6), M(2024, 6), "14", dt.date(2024, 6, 5)),
    ]:
        services.record_payment(
            secretary,
            zhang,
            paid_on=on,
            from_month=first,
            to_month=last,
            amount=amount,
            method="cash",
        )
    runs = {r.member_id: r for r in alerts.unpaid_runs(secretary, dt.date(2024, 12, 15))}
    assert (runs[zhang.pk].months, runs[zhang.pk].since, runs[zhang.pk].total) == (
        5,
        M(2024, 7),
        D("70.00"),
    )
    # On 2024-09-01 the run is July–August: 2 months, under the threshold.
    assert zhang.pk not in {r.member_id for r in alerts.unpaid_runs(secretary, dt.date(2024, 9, 1))}


def test_my_page_shows_my_dues(client, tree, branch, make_user):
    secretary, (zhang, *_rest) = branch
    services.record_payment(
        secretary,
        zhang,
        paid_on=dt.date(2024, 3, 10),
        from_month=M(2024, 1),
        to_month=M(2024, 3),
        amount="42",
        method="cash",
    )
    ledger.generate_through(M(2024, 6))
    user = make_user("party_member", tree.branch_a)
    type(zhang).objects.filter(pk=zhang.pk).update(account=user)
    client.force_login(user)
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2024, 6, 20)):
        html = client.get(reverse("selfservice:me")).content.decode()
    assert "我的党费" in html and "每月应交党费 <strong>14.00 元</strong>" in html
    # April and May are 待交 while the second quarter runs, not 欠交.
    assert "已交 <strong>3</strong> 个月" in html and "欠交" not in html and "5月 待交" in html
    ledger.generate_through(M(2024, 7))
    with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2024, 7, 20)):
        html = client.get(reverse("selfservice:me")).content.decode()
    assert "欠交 3 个月，共 42.00 元" in html


def test_publication_of_the_branch_year(client, tree, branch):
    secretary, (zhang, li, _wang) = branch
    ledger.generate_through(M(2024, 12))
    services.record_payment(
        secretary,
        zhang,
        paid_on=dt.date(2024, 3, 10),
        from_month=M(2024, 1),
        to_month=M(2024, 3),
        amount="42",
        method="cash",
    )
    services.record_payment(
        secretary,
        li,
        paid_on=dt.date(2024, 7, 1),
        from_month=M(2024, 1),
        to_month=M(2024, 6),
        amount="250",
        method="transfer",
    )
    services.record_remittance(
        secretary,
        tree.branch_a,
        from_month=M(2024, 1),
        to_month=M(2024, 6),
        amount="292",
        remitted_on=dt.date(2024, 8, 5),
    )
    from dangjian.dues import publication

    pub = publication.build(tree.branch_a, 2024, dt.date(2025, 1, 10))
    rows = {r[0]: r[1:] for r in pub.rows}
    # 14 × 12 + 40 × 12 + 240 × 12 = 3528 due; paid 42 + 240; li paid 10 extra (not dues).
    assert rows["张一"] == [12, D("168.00"), 3, D("42.00"), 9, D("126.00")]
    assert rows["李二"] == [12, D("480.00"), 6, D("240.00"), 6, D("240.00")]
    assert (pub.due, pub.paid, pub.collected, pub.extra, pub.back_payments, pub.remitted) == (
        D("3528.00"),
        D("282.00"),
        D("292.00"),
        D("10.00"),
        1,
        D("292.00"),
    )
    client.force_login(secretary)
    url = reverse("dues:publication") + f"?org={tree.branch_a.pk}&year=2024"
    xlsx = client.get(url)
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    docx = client.get(url + "&format=docx")
    assert docx.status_code == 200 and b"".join(docx.streaming_content)[:2] == b"PK"
    assert AuditEvent.objects.filter(action="export").count() == 2


def test_generate_command(tree, branch):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("dues_generate", "--month", "2024-03", "--from", "2024-01", stdout=out)
    assert "已生成 9 条" in out.getvalue()  # three members × three months
    call_command("dues_generate", "--month", "2024-03", "--from", "2024-01", stdout=out)
    assert DuesDue.objects.count() == 9  # idempotent
    for bad in ("2024-13", "24-01", "２０２４-01"):
        with pytest.raises(CommandError, match="无效"):
            call_command("dues_generate", "--month", bad)
