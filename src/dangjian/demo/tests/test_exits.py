"""The demo city's exits: one of each kind, dated after the member's last meeting, out of
every count from that day (members.presence) and kept in history."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import F

from dangjian.activities.models import Participation
from dangjian.members import presence
from dangjian.members.models import EXIT_MEMBERSHIP, Exit, ExitKind, Member

TODAY = dt.date(2025, 6, 1)


@pytest.mark.django_db
def test_demo_exits_one_of_each_kind_after_the_last_meeting():
    call_command("demo", scale="tiny", today=TODAY, seed=3, verbosity=0, stdout=io.StringIO())
    exits = list(Exit.objects.select_related("member"))
    assert {e.kind for e in exits} == set(ExitKind.values)
    for e in exits:
        assert e.member.membership == EXIT_MEMBERSHIP[ExitKind(e.kind)]
        assert e.member.joined_on <= e.left_on <= TODAY
        assert (e.approved_by_org is not None) == (
            e.kind in ("struck_off", "expelled", "probation_cancelled")
        )
    assert not Participation.objects.filter(
        member__exit__isnull=False, activity__held_on__gte=F("member__exit__left_on")
    ).exists()
    cancelled = next(e for e in exits if e.kind == ExitKind.PROBATION_CANCELLED)
    assert cancelled.member.status == "probationary"
    on_roll = presence.present(TODAY).count()
    assert on_roll == Member.objects.filter(membership="normal").count()
    assert on_roll < Member.objects.count()  # the exited stay in the register's history
