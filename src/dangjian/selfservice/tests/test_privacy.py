"""A member never reads another member's data: every page and API answer, walked as an attacker.

Another member of the same branch is planted under the id every `<int:pk>` URL is given
(core.testing.routes.PK) with a leave reason, an exemption, a transfer, a member-level rule
exemption, a read receipt, an ID number and a phone. The member account (党员 at the branch)
requests every page and API route with that id, and the lists with filters aimed at it;
none of the planted values may appear. The branch secretary walking the same URLs sees
each of them: the walk reaches where they are, so their absence means something.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.activities.models import Activity, NoticeReceipt, Participation
from dangjian.core.testing.routes import PK, routes, urls_of
from dangjian.members.tests.factories import ExemptionFactory, MemberFactory, TransferFactory
from dangjian.rules.models import RuleExemption

from .test_me import sign_in_as

pytestmark = pytest.mark.django_db

SKIPPED = {"accounts:logout"}
QUERIES = (
    f"/api/participations/?member={PK}",
    f"/api/activities/?member={PK}",
    f"/activities/?member={PK}&year=",
    "/api/members/?q=欧阳",
    f"/api/exemptions/?member={PK}",
    f"/api/transfers/?member={PK}",
    f"/api/rule-exemptions/?member={PK}",
    f"/me/?member={PK}",
    f"/me/?pk={PK}",
)


@pytest.fixture
def planted(people, tree, make_user):
    other = MemberFactory(
        pk=PK,
        org=tree.branch_a,
        name="欧阳秘密",
        phone="13977771234",
        birth_date=dt.date(1988, 8, 8),
    )
    today = timezone.localdate()
    meeting = Activity.objects.create(
        pk=PK, org=tree.branch_a, kind="member_assembly", title="七月党员大会", held_on=today
    )
    Participation.objects.create(
        pk=PK, activity=meeting, member=other, status="leave", reason="秘密病假甲"
    )
    Participation.objects.create(activity=meeting, member=people.a1, status="attended")
    ExemptionFactory(pk=PK, member=other, note="秘密免参乙")
    TransferFactory(pk=PK, member=other, letter_number="MIMI0003", external_org_name="外省某支部")
    RuleExemption.objects.create(
        pk=PK,
        org=tree.branch_a,
        member=other,
        rule_id="member.inactivity",
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2030, 1, 1),
        reason="秘密豁免丙",
        approved_by="甲局机关党委",
    )
    notice = Activity.objects.create(
        org=tree.branch_a,
        kind="party_lecture",
        title="下周党课",
        planned_on=today + dt.timedelta(days=5),
    )
    NoticeReceipt.objects.create(pk=PK, activity=notice, member=other, read_at=timezone.now())
    NoticeReceipt.objects.create(activity=notice, member=people.a1)
    return {
        "reason": "秘密病假甲",
        "exemption": "秘密免参乙",
        "transfer": "MIMI0003",
        "rule exemption": "秘密豁免丙",
        "phone": other.phone,
        "id number": other.id_number,
        "name": other.name,
    }


def walk(client) -> tuple[str, list[str]]:
    """Everything the signed-in user is answered on every GET route and the aimed queries."""
    values = {
        "IntConverter": [str(PK)],
        "StringConverter": ["member.inactivity"],
        "SlugConverter": ["members"],
    }
    urls = [u for r in routes() if r.name not in SKIPPED for u in urls_of(r, values)]
    urls += list(QUERIES)
    seen, errors = [], []
    for url in urls:
        resp = client.get(url)
        if resp.status_code >= 500:
            errors.append(f"{url}: {resp.status_code}")
        if resp.get("Content-Type", "").startswith(("text/", "application/json")):
            seen.append(resp.content.decode(errors="replace"))
    return "\n".join(seen), errors


def test_a_member_reads_nothing_of_another_member(client, people, planted):
    sign_in_as(client, people.a1)
    text, errors = walk(client)
    assert not errors
    found = {what: value for what, value in planted.items() if value in text}
    assert not found, f"another member's data reached a member account: {found}"
    assert people.a1.name in text  # the walk did reach the member's own pages


def test_the_secretary_walking_the_same_urls_sees_each_of_them(client, people, planted):
    """The positive control: the planted values are where the walk goes."""
    client.force_login(people.secretary)
    text, errors = walk(client)
    assert not errors
    masked = {"phone", "id number"}  # shown masked unless revealed: the rest appear in full
    missing = [what for what, value in planted.items() if what not in masked and value not in text]
    assert not missing


def test_the_activity_filter_by_member_is_no_oracle(client, people, planted):
    """`?member=<id>` answered which meetings another member attended; now it matches only
    through the attendance the user may read."""
    sign_in_as(client, people.a1)
    listed = client.get(f"/api/activities/?member={PK}").json()["results"]
    assert listed == []
    assert client.get("/api/activities/").json()["count"] >= 1  # the member sees the meeting
    client.force_login(people.secretary)
    ids = [row["id"] for row in client.get(f"/api/activities/?member={PK}").json()["results"]]
    assert ids == [PK]
